//! Outgoing mail. The embedded default writes each message as an RFC 5322 `.eml` file under
//! `<data_dir>/mail/outbox/` — readable with any mail client, and what tests read to follow
//! links. With `mail.smtp_url` set, messages go through that SMTP server instead. Contexts
//! depend only on the [`Mailer`] trait.

use std::path::PathBuf;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

#[derive(Debug, Clone)]
pub struct Message {
    pub to: String,
    pub subject: String,
    pub text: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("invalid message: {0}")]
    Invalid(&'static str),
    #[error("could not store the message: {0}")]
    Io(#[from] std::io::Error),
    #[error("SMTP delivery failed: {0}")]
    Smtp(String),
}

#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, message: &Message) -> Result<(), MailError>;
}

/// Writes messages to a directory, one file each.
pub struct FileMailer {
    dir: PathBuf,
    from: String,
}

impl FileMailer {
    pub fn new(dir: PathBuf, from: String) -> Self {
        Self { dir, from }
    }

    pub fn outbox(data_dir: &std::path::Path) -> PathBuf {
        data_dir.join("mail").join("outbox")
    }
}

fn header_safe(value: &str) -> bool {
    !value.contains(['\r', '\n'])
}

/// Renders a plain-text message with the headers mail clients need.
pub fn render(from: &str, message: &Message, date: DateTime<Utc>, id: &str) -> Result<String, MailError> {
    if !header_safe(&message.to) || !header_safe(&message.subject) || !header_safe(from) {
        return Err(MailError::Invalid("header values must be one line"));
    }
    let subject = if message.subject.is_ascii() {
        message.subject.clone()
    } else {
        use base64::Engine;
        format!("=?UTF-8?B?{}?=", base64::engine::general_purpose::STANDARD.encode(&message.subject))
    };
    let body = message.text.replace("\r\n", "\n").replace('\n', "\r\n");
    Ok(format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {date}\r\nMessage-ID: <{id}@sojourn>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n",
        to = message.to,
        date = date.to_rfc2822(),
    ))
}

#[async_trait]
impl Mailer for FileMailer {
    async fn send(&self, message: &Message) -> Result<(), MailError> {
        let id = kernel::new_id().to_string();
        let raw = render(&self.from, message, Utc::now(), &id)?;
        tokio::fs::create_dir_all(&self.dir).await?;
        let tmp = self.dir.join(format!(".{id}.tmp"));
        tokio::fs::write(&tmp, raw).await?;
        tokio::fs::rename(&tmp, self.dir.join(format!("{id}.eml"))).await?;
        Ok(())
    }
}

/// Delivers through an SMTP server (pooled connections, TLS via rustls).
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    pub fn new(url: &str, from: &str) -> Result<Self, MailError> {
        let from = from.parse::<Mailbox>().map_err(|_| MailError::Invalid("mail.from is not an address"))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| MailError::Smtp(e.to_string()))?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        Ok(Self { transport, from })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, message: &Message) -> Result<(), MailError> {
        let to = message.to.parse::<Mailbox>().map_err(|_| MailError::Invalid("recipient is not an address"))?;
        let email = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(message.subject.clone())
            .header(lettre::message::header::ContentType::TEXT_PLAIN)
            .body(message.text.clone())
            .map_err(|_| MailError::Invalid("message could not be built"))?;
        self.transport.send(email).await.map_err(|e| MailError::Smtp(e.to_string()))?;
        Ok(())
    }
}

/// The mailer `config` asks for.
pub fn from_config(config: &crate::Config) -> Result<std::sync::Arc<dyn Mailer>, MailError> {
    Ok(match &config.mail.smtp_url {
        Some(url) => std::sync::Arc::new(SmtpMailer::new(url.expose(), &config.mail.from)?),
        None => std::sync::Arc::new(FileMailer::new(FileMailer::outbox(&config.data_dir), config.mail.from.clone())),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn header_injection_is_refused() {
        let m = Message { to: "a@b.c\r\nBcc: x@y.z".into(), subject: "hi".into(), text: "t".into() };
        assert!(render("S <s@x>", &m, Utc::now(), "1").is_err());
        let ok = Message { to: "a@b.c".into(), subject: "Réinitialisation".into(), text: "line1\nline2".into() };
        let raw = render("S <s@x>", &ok, Utc::now(), "1").unwrap();
        assert!(raw.contains("Subject: =?UTF-8?B?"));
        assert!(raw.ends_with("line1\r\nline2\r\n"));
    }

    #[tokio::test]
    async fn file_mailer_writes_one_eml_per_message() {
        let dir = tempfile::tempdir().unwrap();
        let mailer = FileMailer::new(dir.path().join("out"), "S <s@x>".into());
        let m = Message { to: "a@b.c".into(), subject: "hi".into(), text: "body".into() };
        mailer.send(&m).await.unwrap();
        mailer.send(&m).await.unwrap();
        let files: Vec<_> = std::fs::read_dir(dir.path().join("out")).unwrap().collect();
        assert_eq!(files.len(), 2);
    }

    /// A minimal SMTP server: accepts one message and hands back what it received.
    async fn fake_smtp() -> (u16, tokio::sync::oneshot::Receiver<String>) {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = tokio::sync::oneshot::channel();
        tokio::spawn(async move {
            let (socket, _) = listener.accept().await.unwrap();
            let (read, mut write) = socket.into_split();
            let mut lines = BufReader::new(read).lines();
            write.write_all(b"220 fake ESMTP\r\n").await.unwrap();
            let mut data = String::new();
            let mut in_data = false;
            let mut tx = Some(tx);
            while let Ok(Some(line)) = lines.next_line().await {
                if in_data {
                    if line == "." {
                        in_data = false;
                        write.write_all(b"250 queued\r\n").await.unwrap();
                        if let Some(tx) = tx.take() {
                            let _ = tx.send(std::mem::take(&mut data));
                        }
                    } else {
                        data.push_str(&line);
                        data.push('\n');
                    }
                    continue;
                }
                let verb = line.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
                let reply: &[u8] = match verb.as_str() {
                    "EHLO" | "HELO" => b"250-fake\r\n250 8BITMIME\r\n",
                    "DATA" => {
                        in_data = true;
                        b"354 go ahead\r\n"
                    }
                    "QUIT" => b"221 bye\r\n",
                    _ => b"250 ok\r\n",
                };
                write.write_all(reply).await.unwrap();
            }
        });
        (port, rx)
    }

    #[tokio::test]
    async fn smtp_mailer_delivers_through_the_server() {
        let (port, received) = fake_smtp().await;
        let mailer = SmtpMailer::new(&format!("smtp://127.0.0.1:{port}"), "Sojourn <no-reply@example.com>").unwrap();
        let m = Message {
            to: "jean@example.com".into(),
            subject: "Réinitialisation".into(),
            text: "Bonjour\nline 2".into(),
        };
        mailer.send(&m).await.unwrap();
        let data = tokio::time::timeout(std::time::Duration::from_secs(5), received).await.unwrap().unwrap();
        assert!(data.contains("To: jean@example.com"), "{data}");
        assert!(data.contains("From: Sojourn <no-reply@example.com>"), "{data}");
        assert!(data.contains("Subject: "), "{data}");
        assert!(data.contains("Bonjour"), "{data}");
        let bad = Message { to: "not an address".into(), ..m };
        assert!(matches!(mailer.send(&bad).await, Err(MailError::Invalid(_))));
    }

    #[tokio::test]
    async fn smtps_to_a_server_without_tls_fails_cleanly() {
        // Builds the rustls client (no process-level provider needed) and fails the handshake
        // with an error, not a panic.
        let (port, _received) = fake_smtp().await;
        let mailer = SmtpMailer::new(&format!("smtps://127.0.0.1:{port}"), "s@example.com").unwrap();
        let m = Message { to: "jean@example.com".into(), subject: "hi".into(), text: "x".into() };
        assert!(matches!(mailer.send(&m).await, Err(MailError::Smtp(_))));
    }
}
