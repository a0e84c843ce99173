//! Outgoing mail. The embedded default writes each message as an RFC 5322 `.eml` file under
//! `<data_dir>/mail/outbox/` — readable with any mail client, and what tests read to follow
//! links. Contexts depend only on the [`Mailer`] trait.

use std::path::PathBuf;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

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
}
