//! What the real SMTP server got. `.ci/run` starts aiosmtpd on a free port with its Maildir
//! handler and exports `SOJOURN_TEST_SMTP_URL` (where to send) and `SOJOURN_TEST_SMTP_MAILDIR`
//! (where it stores each message, one file in `new/`). Tests send to unique addresses and read
//! back only theirs, so they can run in parallel against the one server.
//!
//! Without those variables the tests that need them skip, except with `CI=true`, where they
//! fail (see `testkit::service_url`).
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use mail_parser::{MessageParser, MimeHeaders};

/// The URL of the SMTP server (`smtp://127.0.0.1:PORT`), if there is one.
pub fn url() -> Option<String> {
    testkit::service_url("SOJOURN_TEST_SMTP_URL")
}

/// The Maildir the SMTP server writes to, if there is one.
pub fn maildir() -> Option<PathBuf> {
    testkit::service_url("SOJOURN_TEST_SMTP_MAILDIR").map(PathBuf::from)
}

/// A message as the server received it, parsed by an independent MIME parser.
#[derive(Debug, Clone)]
pub struct ParsedMail {
    /// The bytes stored (aiosmtpd adds `X-Peer`, `X-MailFrom` and `X-RcptTo` on top).
    pub raw: Vec<u8>,
    /// Every header, in order: name as written, value unfolded (not decoded).
    pub headers: Vec<(String, String)>,
    /// The decoded subject.
    pub subject: Option<String>,
    /// With its angle brackets, as sent.
    pub message_id: Option<String>,
    /// The top-level `type/subtype`, lower case (`multipart/alternative`).
    pub content_type: String,
    /// The decoded `text/plain` part.
    pub text: Option<String>,
    /// The decoded `text/html` part.
    pub html: Option<String>,
    /// The envelope recipients (`X-RcptTo`).
    pub recipients: Vec<String>,
}

impl ParsedMail {
    /// The first header called `name` (case-insensitive), unfolded.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Every header called `name`.
    pub fn headers_named(&self, name: &str) -> Vec<&str> {
        self.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect()
    }

    pub fn parse(raw: Vec<u8>) -> Option<ParsedMail> {
        let message = MessageParser::default().parse(&raw)?;
        let unfold =
            |v: &str| v.split(['\r', '\n']).map(str::trim).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ");
        let headers: Vec<(String, String)> =
            message.headers_raw().map(|(name, value)| (name.to_owned(), unfold(value))).collect();
        let content_type = message
            .content_type()
            .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or_default()).to_ascii_lowercase())
            .unwrap_or_else(|| "text/plain".to_owned());
        let part = |html: bool| {
            let body = if html { message.html_part(0) } else { message.text_part(0) }?;
            let wanted = if html { "html" } else { "plain" };
            let subtype = body.content_type().and_then(|c| c.subtype()).unwrap_or("plain");
            // mail-parser converts between formats when a part is missing: only a real part counts.
            subtype.eq_ignore_ascii_case(wanted).then(|| body.text_contents()).flatten().map(str::to_owned)
        };
        let recipients = headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("X-RcptTo"))
            .flat_map(|(_, v)| v.split(',').map(|r| r.trim().to_ascii_lowercase()).collect::<Vec<_>>())
            .collect();
        Some(ParsedMail {
            subject: message.subject().map(str::to_owned),
            message_id: message.message_id().map(|id| format!("<{id}>")),
            text: part(false),
            html: part(true),
            content_type,
            headers,
            recipients,
            raw,
        })
    }
}

/// Every message in the Maildir for `to` (an envelope recipient), oldest first.
pub fn received(to: &str) -> Vec<ParsedMail> {
    let Some(dir) = maildir() else { return Vec::new() };
    let to = to.to_ascii_lowercase();
    let mut files: Vec<PathBuf> = ["new", "cur"]
        .iter()
        .filter_map(|sub| std::fs::read_dir(dir.join(sub)).ok())
        .flat_map(|entries| entries.filter_map(Result::ok).map(|e| e.path()))
        .collect();
    // Maildir names start with the delivery time in seconds; the modification time breaks ties.
    files.sort_by_key(|p| (std::fs::metadata(p).and_then(|m| m.modified()).ok(), p.clone()));
    files
        .into_iter()
        .filter_map(|p| std::fs::read(p).ok())
        .filter_map(ParsedMail::parse)
        .filter(|m| m.recipients.contains(&to))
        .collect()
}

/// Waits (up to 10 s) until `to` has at least `count` messages, and returns them all.
pub async fn wait_for(to: &str, count: usize) -> Vec<ParsedMail> {
    for _ in 0..200 {
        let mails = received(to);
        if mails.len() >= count {
            return mails;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("expected {count} message(s) to {to} in the Maildir, found {}", received(to).len());
}
