//! From an [`Email`] to the bytes on the wire, with lettre's builder.
//!
//! Text parts go out as `7bit` or `8bit` whenever their lines fit the 998-byte limit of RFC
//! 5322, rather than the quoted-printable lettre picks for any line of 76 characters or more:
//! quoted-printable turns `token=` into `token=3D` and cuts long links with soft line breaks,
//! and the raw `.eml` in the outbox is meant to be read (and followed) as it is. Only a part
//! that cannot be sent that way (a longer line, a NUL), or a server without 8BITMIME, gets
//! quoted-printable or base64.

use std::time::SystemTime;

use lettre::message::header::{ContentTransferEncoding, ContentType, HeaderName, HeaderValue};
use lettre::message::{Body, Mailbox, MultiPart, SinglePart};

use super::{Email, MailError};

/// The longest line a `7bit`/`8bit` body may have (RFC 5322 §2.1.1), without its CRLF.
const MAX_LINE: usize = 998;
/// The longest extra header value accepted (its line stays under [`MAX_LINE`]).
const MAX_HEADER_VALUE: usize = 900;

/// How bodies may be encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Transfer {
    /// `7bit`, or `8bit` for UTF-8 text, when the lines fit; else what lettre picks.
    Readable,
    /// Never `8bit`: for servers without the 8BITMIME extension.
    SevenBit,
}

pub(super) struct Built {
    pub message: lettre::Message,
    /// Whether a part went out as `8bit`.
    pub eight_bit: bool,
}

/// A new `Message-ID`, `<uuid@sojourn>`, for a message that is never sent again.
pub fn new_message_id() -> String {
    format!("<{}@sojourn>", kernel::new_id())
}

/// The message as `from` sends it at `date`: the bytes both mailers deliver.
pub fn render(from: &str, email: &Email, date: SystemTime) -> Result<Vec<u8>, MailError> {
    let from = from.parse::<Mailbox>().map_err(|_| invalid("mail.from is not an address"))?;
    Ok(message(&from, email, date, Transfer::Readable)?.message.formatted())
}

fn invalid(why: impl Into<String>) -> MailError {
    MailError::Invalid(why.into())
}

/// One line, no control characters (tabs are fine): what a header value may hold.
fn one_line(value: &str) -> bool {
    !value.chars().any(|c| c.is_control() && c != '\t')
}

/// Extra headers a caller may set; every other name is lettre's or nobody's.
fn allowed_header(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && (lower.strip_prefix("list-").is_some_and(|rest| !rest.is_empty())
            || lower.strip_prefix("x-sojourn-").is_some_and(|rest| !rest.is_empty())
            || matches!(lower.as_str(), "auto-submitted" | "precedence" | "feedback-id"))
}

/// `<left@right>`: printable ASCII, no spaces, no brackets inside.
fn valid_message_id(id: &str) -> bool {
    let Some(inner) = id.strip_prefix('<').and_then(|s| s.strip_suffix('>')) else { return false };
    let Some((left, right)) = inner.split_once('@') else { return false };
    id.len() <= 250
        && !left.is_empty()
        && !right.is_empty()
        && inner.bytes().all(|b| b.is_ascii_graphic() && !matches!(b, b'<' | b'>'))
        && !right.contains('@')
}

/// The body of a text part, encoded as [`Transfer`] allows. The flag says whether it is 8-bit.
fn body(text: &str, transfer: Transfer) -> (Body, bool) {
    let crlf = text.replace("\r\n", "\n").replace('\r', "\n").replace('\n', "\r\n");
    let fits = !crlf.contains('\0') && crlf.split("\r\n").all(|line| line.len() <= MAX_LINE);
    if fits && crlf.is_ascii() {
        (Body::dangerous_pre_encoded(crlf.into_bytes(), ContentTransferEncoding::SevenBit), false)
    } else if fits && transfer == Transfer::Readable {
        (Body::dangerous_pre_encoded(crlf.into_bytes(), ContentTransferEncoding::EightBit), true)
    } else {
        (Body::new(crlf), false)
    }
}

fn part(content_type: ContentType, text: &str, transfer: Transfer) -> (SinglePart, bool) {
    let (body, eight_bit) = body(text, transfer);
    (SinglePart::builder().header(content_type).body(body), eight_bit)
}

fn raw_header(name: &str, value: &str) -> Result<HeaderValue, MailError> {
    let name = HeaderName::new_from_ascii(name.to_owned()).map_err(|_| invalid(format!("header name {name}")))?;
    Ok(HeaderValue::new(name, value.to_owned()))
}

pub(super) fn message(from: &Mailbox, email: &Email, date: SystemTime, transfer: Transfer) -> Result<Built, MailError> {
    if !one_line(&email.to) {
        return Err(invalid("the recipient must be one line"));
    }
    let to = email.to.parse::<Mailbox>().map_err(|_| invalid("recipient is not an address"))?;
    if !one_line(&email.subject) {
        return Err(invalid("the subject must be one line"));
    }
    if !valid_message_id(&email.message_id) {
        return Err(invalid("the message id must look like <unique@domain>"));
    }
    let mut seen: Vec<String> = Vec::with_capacity(email.headers.len());
    for (name, value) in &email.headers {
        if !allowed_header(name) {
            return Err(invalid(format!("header {name} is not allowed")));
        }
        if !one_line(value) || value.len() > MAX_HEADER_VALUE {
            return Err(invalid(format!("header {name} must be one line of at most {MAX_HEADER_VALUE} bytes")));
        }
        let lower = name.to_ascii_lowercase();
        if seen.contains(&lower) {
            return Err(invalid(format!("header {name} is given twice")));
        }
        seen.push(lower);
    }

    let mut builder = lettre::Message::builder()
        .from(from.clone())
        .to(to)
        .subject(email.subject.clone())
        .date(date)
        .message_id(Some(email.message_id.clone()));
    if !seen.iter().any(|n| n == "auto-submitted") {
        builder = builder.raw_header(raw_header("Auto-Submitted", "auto-generated")?);
    }
    for (name, value) in &email.headers {
        builder = builder.raw_header(raw_header(name, value)?);
    }

    let (text, text_8bit) = part(ContentType::TEXT_PLAIN, &email.text, transfer);
    let built = match &email.html {
        None => (builder.singlepart(text), text_8bit),
        Some(html) => {
            let (html, html_8bit) = part(ContentType::TEXT_HTML, html, transfer);
            (builder.multipart(MultiPart::alternative().singlepart(text).singlepart(html)), text_8bit || html_8bit)
        }
    };
    let (message, eight_bit) = built;
    let message = message.map_err(|e| invalid(format!("message could not be built: {e}")))?;
    Ok(Built { message, eight_bit })
}
