//! Outgoing mail. The embedded default writes each message as an RFC 5322 `.eml` file under
//! `<data_dir>/mail/outbox/` — readable with any mail client, and what tests read to follow
//! links. With `mail.smtp_url` set, messages go through that SMTP server instead. Contexts
//! depend only on the [`Mailer`] trait.
//!
//! Both mailers format a message with the same code ([`render`]), so the outbox shows exactly
//! the bytes an SMTP server would get. An [`Email`] is a whole message: a plain-text part, an
//! optional HTML alternative, a stable `Message-ID` (the same on every retry, so a receiver can
//! drop a duplicate) and a few allowed extra headers (`List-Unsubscribe`…). A [`Message`] is
//! the older plain-text form, kept for the contexts that send one-off mails.

mod build;
#[cfg(test)]
mod tests;

use std::path::PathBuf;
use std::time::SystemTime;

use async_trait::async_trait;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

pub use build::{new_message_id, render};

/// A plain-text message (no HTML part, a fresh `Message-ID`).
#[derive(Debug, Clone)]
pub struct Message {
    pub to: String,
    pub subject: String,
    pub text: String,
}

/// A complete message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    /// One line; non-ASCII is encoded (RFC 2047).
    pub subject: String,
    /// The `text/plain` part, always sent (first, when there is an HTML part).
    pub text: String,
    /// The `text/html` alternative: the message is `multipart/alternative` when set.
    pub html: Option<String>,
    /// `<unique@domain>`, with its angle brackets. Reuse it when sending the same mail again.
    pub message_id: String,
    /// Extra headers: names from an allow-list (`List-*`, `X-Sojourn-*`, `Auto-Submitted`,
    /// `Precedence`, `Feedback-ID`), one-line values. Anything else is refused.
    pub headers: Vec<(String, String)>,
}

impl From<&Message> for Email {
    fn from(m: &Message) -> Self {
        Email {
            to: m.to.clone(),
            subject: m.subject.clone(),
            text: m.text.clone(),
            html: None,
            message_id: new_message_id(),
            headers: Vec::new(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The message itself is wrong: sending it again cannot succeed.
    #[error("invalid message: {0}")]
    Invalid(String),
    #[error("could not store the message: {0}")]
    Io(#[from] std::io::Error),
    /// The SMTP server refused or could not be reached. `permanent` is a 5xx reply (no such
    /// user, rejected as spam...); anything else (4xx, connection, timeout, TLS) may pass later.
    #[error("SMTP delivery failed ({}): {message}", if *permanent { "permanent" } else { "transient" })]
    Smtp { message: String, permanent: bool },
}

impl MailError {
    /// Whether retrying cannot help: an invalid message or a permanent SMTP refusal.
    pub fn is_permanent(&self) -> bool {
        match self {
            MailError::Invalid(_) => true,
            MailError::Io(_) => false,
            MailError::Smtp { permanent, .. } => *permanent,
        }
    }

    fn smtp(e: &lettre::transport::smtp::Error) -> Self {
        MailError::Smtp { message: e.to_string(), permanent: e.is_permanent() }
    }
}

#[async_trait]
pub trait Mailer: Send + Sync {
    /// Sends a complete message.
    async fn send_email(&self, email: &Email) -> Result<(), MailError>;

    /// Sends a plain-text message, with a fresh `Message-ID`.
    async fn send(&self, message: &Message) -> Result<(), MailError> {
        self.send_email(&Email::from(message)).await
    }
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

#[async_trait]
impl Mailer for FileMailer {
    async fn send_email(&self, email: &Email) -> Result<(), MailError> {
        let raw = render(&self.from, email, SystemTime::now())?;
        // UUID v7: the outbox lists in the order messages were written.
        let id = kernel::new_id().to_string();
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
        let from = from.parse::<Mailbox>().map_err(|_| MailError::Invalid("mail.from is not an address".into()))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| MailError::smtp(&e))?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        Ok(Self { transport, from })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send_email(&self, email: &Email) -> Result<(), MailError> {
        let built = build::message(&self.from, email, SystemTime::now(), build::Transfer::Readable)?;
        match self.transport.send(built.message).await {
            Ok(_) => Ok(()),
            // A server without 8BITMIME refuses 8-bit bodies before any command is sent: the
            // same message again, with its parts quoted-printable or base64.
            Err(e) if e.is_client() && built.eight_bit => {
                let seven = build::message(&self.from, email, SystemTime::now(), build::Transfer::SevenBit)?;
                self.transport.send(seven.message).await.map(drop).map_err(|e| MailError::smtp(&e))
            }
            Err(e) => Err(MailError::smtp(&e)),
        }
    }
}

/// The mailer `config` asks for.
pub fn from_config(config: &crate::Config) -> Result<std::sync::Arc<dyn Mailer>, MailError> {
    Ok(match &config.mail.smtp_url {
        Some(url) => std::sync::Arc::new(SmtpMailer::new(url.expose(), &config.mail.from)?),
        None => std::sync::Arc::new(FileMailer::new(FileMailer::outbox(&config.data_dir), config.mail.from.clone())),
    })
}
