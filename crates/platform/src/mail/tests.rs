#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, SystemTime};

use mail_parser::{MessageParser, MimeHeaders};

use super::*;

const FROM: &str = "Sojourn <no-reply@example.com>";
const TOKEN: &str = "AbC_123-xyz0123456789abcdefghijklmnopqrstu"; // 43 characters

fn email() -> Email {
    Email {
        to: "jean@example.com".into(),
        subject: "Réinitialisation de votre mot de passe".into(),
        text: format!(
            "Bonjour Jean,\n\nOuvrez ce lien :\nhttp://127.0.0.1:1234/verify-email?token={TOKEN}\n\nÀ bientôt"
        ),
        html: Some("<p>Bonjour <b>Jean</b>, à bientôt</p>".into()),
        message_id: "<0190a8b2-7c1e-7000-8000-000000000001@sojourn>".into(),
        headers: vec![
            ("List-Unsubscribe".into(), "<https://app.example.com/api/v1/notifications/unsubscribe?token=xyz>".into()),
            ("List-Unsubscribe-Post".into(), "List-Unsubscribe=One-Click".into()),
        ],
    }
}

/// A decoded part as it was given: LF line ends, no trailing line break.
fn lf(part: Option<std::borrow::Cow<'_, str>>) -> String {
    part.unwrap().replace("\r\n", "\n").trim_end().to_owned()
}

fn raw(email: &Email) -> String {
    String::from_utf8(render(FROM, email, SystemTime::now()).unwrap()).unwrap()
}

/// The headers of a part (or of the message): the lines before the first blank line.
fn head(raw: &str) -> &str {
    raw.split("\r\n\r\n").next().unwrap()
}

#[test]
fn a_full_email_is_multipart_alternative_text_first() {
    let e = email();
    let raw = raw(&e);
    let headers = head(&raw);
    assert!(headers.contains("Content-Type: multipart/alternative;"), "{raw}");
    assert!(headers.contains("From: Sojourn <no-reply@example.com>"), "{raw}");
    assert!(headers.contains("To: jean@example.com"), "{raw}");
    assert!(headers.contains("Message-ID: <0190a8b2-7c1e-7000-8000-000000000001@sojourn>"), "{raw}");
    assert!(headers.contains("Auto-Submitted: auto-generated"), "{raw}");
    assert!(headers.contains("MIME-Version: 1.0"), "{raw}");
    assert!(headers.contains("Date: "), "{raw}");
    assert!(headers.contains("Subject: =?utf-8?"), "a UTF-8 subject is encoded: {raw}");
    assert!(!headers.contains("Réinitialisation"), "{raw}");
    assert!(
        headers.contains("List-Unsubscribe: <https://app.example.com/api/v1/notifications/unsubscribe?token=xyz>"),
        "{raw}"
    );
    assert!(headers.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"), "{raw}");
    let text_at = raw.find("Content-Type: text/plain; charset=utf-8").unwrap();
    let html_at = raw.find("Content-Type: text/html; charset=utf-8").unwrap();
    assert!(text_at < html_at, "text/plain comes first: {raw}");

    // An independent parser reads it back.
    let parsed = MessageParser::default().parse(raw.as_bytes()).unwrap();
    assert_eq!(parsed.subject(), Some(e.subject.as_str()));
    assert_eq!(parsed.message_id(), Some("0190a8b2-7c1e-7000-8000-000000000001@sojourn"));
    assert_eq!(parsed.content_type().map(|c| (c.ctype(), c.subtype())), Some(("multipart", Some("alternative"))));
    assert_eq!(lf(parsed.body_text(0)), e.text);
    assert_eq!(lf(parsed.body_html(0)), e.html.clone().unwrap());
    assert_eq!(parsed.text_body_count(), 1);
    assert_eq!(parsed.html_body_count(), 1);
}

#[test]
fn a_long_link_stays_verbatim_in_the_raw_text_part() {
    let link = format!("http://127.0.0.1:1234/verify-email?token={TOKEN}");
    assert!(link.len() > 76, "longer than the line lettre would quote-print");
    for html in [None, Some("<p>x</p>".to_owned())] {
        // ASCII text (7bit) and UTF-8 text (8bit).
        for text in [format!("Open this link:\n{link}\n"), format!("Ouvrez ce lien, s’il vous plaît :\n{link}\n")] {
            let e = Email { text, html: html.clone(), ..email() };
            let raw = raw(&e);
            assert!(raw.contains(&format!("\r\n{link}\r\n")), "{raw}");
            assert!(!raw.contains("quoted-printable") && !raw.contains("base64"), "{raw}");
        }
    }
    let ascii = raw(&Email { text: link.clone(), html: None, ..email() });
    assert!(ascii.contains("Content-Transfer-Encoding: 7bit"), "{ascii}");
    let utf8 = raw(&Email { text: format!("À {link}"), html: None, ..email() });
    assert!(utf8.contains("Content-Transfer-Encoding: 8bit"), "{utf8}");
}

#[test]
fn lines_too_long_for_8bit_are_encoded_and_still_decode() {
    let long = format!("début {}", "x".repeat(1200));
    let e = Email { text: long.clone(), html: None, ..email() };
    let raw = raw(&e);
    assert!(raw.lines().all(|l| l.len() <= 998), "no line over 998 bytes");
    let parsed = MessageParser::default().parse(raw.as_bytes()).unwrap();
    assert_eq!(lf(parsed.body_text(0)), long);
}

#[test]
fn a_message_is_plain_text_with_a_fresh_id() {
    let m = Message { to: "a@example.com".into(), subject: "hi".into(), text: "line1\nline2".into() };
    let (a, b) = (Email::from(&m), Email::from(&m));
    assert_ne!(a.message_id, b.message_id);
    assert!(a.message_id.starts_with('<') && a.message_id.ends_with("@sojourn>"));
    let raw = raw(&a);
    assert!(raw.contains("Content-Type: text/plain; charset=utf-8"), "{raw}");
    assert!(!raw.contains("multipart"), "{raw}");
    assert!(raw.contains("Subject: hi\r\n"), "{raw}");
    assert!(raw.contains("\r\n\r\nline1\r\nline2"), "{raw}");
}

#[test]
fn header_injection_is_refused() {
    let refused = |e: Email| match render(FROM, &e, SystemTime::now()) {
        Err(MailError::Invalid(why)) => why,
        other => panic!("{e:?} gave {other:?}"),
    };
    refused(Email { to: "a@b.co\r\nBcc: x@y.z".into(), ..email() });
    refused(Email { to: "not an address".into(), ..email() });
    refused(Email { subject: "hi\r\nBcc: x@y.z".into(), ..email() });
    refused(Email { subject: "hi\nthere".into(), ..email() });
    for id in ["", "no-brackets@x", "<no-at>", "<a@b@c>", "<a b@c>", "<@c>", "<a@>", "<a<b@c>"] {
        refused(Email { message_id: id.into(), ..email() });
    }
    let with = |name: &str, value: &str| Email { headers: vec![(name.into(), value.into())], ..email() };
    for name in ["Bcc", "From", "To", "Subject", "Message-ID", "Content-Type", "X-Other", "List-", "X-Sojourn-", ""] {
        assert!(refused(with(name, "v")).contains("not allowed"), "{name}");
    }
    for name in ["List-Unsubscribe: x", "List Unsubscribe", "List-Ünsubscribe", "List-Unsubscribe\r\nBcc"] {
        refused(with(name, "v"));
    }
    for value in ["<https://x>\r\nBcc: x@y.z", "a\nb", "a\rb", "a\0b", &"x".repeat(901)] {
        assert!(refused(with("List-Unsubscribe", value)).contains("one line"));
    }
    let twice = Email { headers: vec![("List-Id".into(), "a".into()), ("list-id".into(), "b".into())], ..email() };
    assert!(refused(twice).contains("twice"));
    assert!(matches!(render("not an address", &email(), SystemTime::now()), Err(MailError::Invalid(_))));

    // What is allowed goes through, once each; a caller's Auto-Submitted replaces ours.
    let ok = Email {
        headers: vec![
            ("List-Id".into(), "Sojourn notifications <notifications.sojourn>".into()),
            ("X-Sojourn-Delivery".into(), "0190a8b2".into()),
            ("Auto-Submitted".into(), "auto-replied".into()),
            ("Precedence".into(), "bulk".into()),
        ],
        ..email()
    };
    let raw = raw(&ok);
    assert!(raw.contains("\r\nList-Id: Sojourn notifications <notifications.sojourn>\r\n"), "{raw}");
    assert!(raw.contains("\r\nX-Sojourn-Delivery: 0190a8b2\r\n"), "{raw}");
    assert!(raw.contains("\r\nAuto-Submitted: auto-replied\r\n"), "{raw}");
    assert!(!raw.contains("auto-generated"), "{raw}");
    assert!(raw.contains("\r\nPrecedence: bulk\r\n"), "{raw}");
}

#[test]
fn errors_say_whether_a_retry_can_help() {
    assert!(MailError::Invalid("x".into()).is_permanent());
    assert!(!MailError::Io(std::io::Error::other("disk full")).is_permanent());
    assert!(MailError::Smtp { message: "550".into(), permanent: true }.is_permanent());
    assert!(!MailError::Smtp { message: "451".into(), permanent: false }.is_permanent());
}

#[tokio::test]
async fn file_mailer_writes_one_eml_per_message() {
    let dir = tempfile::tempdir().unwrap();
    let mailer = FileMailer::new(dir.path().join("out"), FROM.into());
    let m = Message { to: "a@example.com".into(), subject: "hi".into(), text: "body".into() };
    mailer.send(&m).await.unwrap();
    mailer.send_email(&email()).await.unwrap();
    let mut files: Vec<_> = std::fs::read_dir(dir.path().join("out")).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert_eq!(files.len(), 2);
    assert!(files.iter().all(|p| p.extension().is_some_and(|e| e == "eml")), "{files:?}");
    let second = std::fs::read_to_string(&files[1]).unwrap();
    assert!(second.contains("multipart/alternative"), "written in order: {second}");
    assert!(second.contains(&format!("token={TOKEN}\r\n")), "{second}");
}

/// How the fake server answers.
#[derive(Clone, Copy)]
struct Fake {
    eight_bit_mime: bool,
    /// The reply to `RCPT TO`.
    rcpt: &'static str,
}

const OK: Fake = Fake { eight_bit_mime: true, rcpt: "250 ok" };

/// A minimal SMTP server: accepts one message and hands back what it received.
async fn fake_smtp(fake: Fake) -> (u16, tokio::sync::oneshot::Receiver<String>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let tx = std::sync::Arc::new(std::sync::Mutex::new(Some(tx)));
    tokio::spawn(async move {
        // One task per connection: lettre may open another one (a pool, a retry).
        while let Ok((socket, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 fake ESMTP\r\n").await.unwrap();
                let mut data = String::new();
                let mut in_data = false;
                while let Ok(Some(line)) = lines.next_line().await {
                    if in_data {
                        if line == "." {
                            in_data = false;
                            write.write_all(b"250 queued\r\n").await.unwrap();
                            if let Some(tx) = tx.lock().unwrap().take() {
                                let _ = tx.send(std::mem::take(&mut data));
                            }
                        } else {
                            data.push_str(&line);
                            data.push('\n');
                        }
                        continue;
                    }
                    let verb = line.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
                    let reply = match verb.as_str() {
                        "EHLO" if fake.eight_bit_mime => "250-fake\r\n250 8BITMIME".to_owned(),
                        "EHLO" | "HELO" => "250 fake".to_owned(),
                        "RCPT" => fake.rcpt.to_owned(),
                        "DATA" => {
                            in_data = true;
                            "354 go ahead".to_owned()
                        }
                        "QUIT" => "221 bye".to_owned(),
                        _ => "250 ok".to_owned(),
                    };
                    if write.write_all(format!("{reply}\r\n").as_bytes()).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    (port, rx)
}

async fn received(rx: tokio::sync::oneshot::Receiver<String>) -> String {
    tokio::time::timeout(Duration::from_secs(5), rx).await.unwrap().unwrap()
}

#[tokio::test]
async fn smtp_mailer_delivers_through_the_server() {
    let (port, rx) = fake_smtp(OK).await;
    let mailer = SmtpMailer::new(&format!("smtp://127.0.0.1:{port}"), FROM).unwrap();
    let m =
        Message { to: "jean@example.com".into(), subject: "Réinitialisation".into(), text: "Bonjour\nline 2".into() };
    mailer.send(&m).await.unwrap();
    let data = received(rx).await;
    assert!(data.contains("To: jean@example.com"), "{data}");
    assert!(data.contains("From: Sojourn <no-reply@example.com>"), "{data}");
    assert!(data.contains("Subject: "), "{data}");
    assert!(data.contains("Bonjour"), "{data}");
    let bad = Message { to: "not an address".into(), ..m };
    assert!(matches!(mailer.send(&bad).await, Err(MailError::Invalid(_))));
}

#[tokio::test]
async fn smtp_sends_the_same_bytes_as_the_outbox() {
    let (port, rx) = fake_smtp(OK).await;
    let mailer = SmtpMailer::new(&format!("smtp://127.0.0.1:{port}"), FROM).unwrap();
    mailer.send_email(&email()).await.unwrap();
    let data = received(rx).await;
    assert!(data.contains("Content-Transfer-Encoding: 8bit"), "{data}");
    assert!(data.contains(&format!("token={TOKEN}\n")), "{data}");
    let parsed = MessageParser::default().parse(data.as_bytes()).unwrap();
    assert_eq!(lf(parsed.body_html(0)), email().html.unwrap());
}

#[tokio::test]
async fn a_server_without_8bitmime_gets_7bit_parts() {
    let (port, rx) = fake_smtp(Fake { eight_bit_mime: false, ..OK }).await;
    let mailer = SmtpMailer::new(&format!("smtp://127.0.0.1:{port}"), FROM).unwrap();
    let e = email();
    mailer.send_email(&e).await.unwrap();
    let data = received(rx).await;
    assert!(data.is_ascii(), "{data}");
    assert!(!data.contains("8bit"), "{data}");
    let parsed = MessageParser::default().parse(data.as_bytes()).unwrap();
    assert_eq!(lf(parsed.body_text(0)), e.text);
    assert_eq!(lf(parsed.body_html(0)), e.html.unwrap());
}

#[tokio::test]
async fn smtp_refusals_are_permanent_or_transient() {
    let (port, _rx) = fake_smtp(Fake { rcpt: "550 5.1.1 no such user", ..OK }).await;
    let mailer = SmtpMailer::new(&format!("smtp://127.0.0.1:{port}"), FROM).unwrap();
    let err = mailer.send_email(&email()).await.unwrap_err();
    assert!(matches!(err, MailError::Smtp { permanent: true, .. }), "{err:?}");
    assert!(err.is_permanent());
    assert!(err.to_string().contains("permanent"), "{err}");

    let (port, _rx) = fake_smtp(Fake { rcpt: "451 4.3.0 try again later", ..OK }).await;
    let mailer = SmtpMailer::new(&format!("smtp://127.0.0.1:{port}"), FROM).unwrap();
    let err = mailer.send_email(&email()).await.unwrap_err();
    assert!(matches!(err, MailError::Smtp { permanent: false, .. }), "{err:?}");

    // Nobody listening: transient.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mailer = SmtpMailer::new(&format!("smtp://127.0.0.1:{port}"), FROM).unwrap();
    let err = mailer.send_email(&email()).await.unwrap_err();
    assert!(matches!(err, MailError::Smtp { permanent: false, .. }), "{err:?}");
}

#[tokio::test]
async fn smtps_to_a_server_without_tls_fails_cleanly() {
    // Builds the rustls client (no process-level provider needed) and fails the handshake
    // with an error, not a panic.
    let (port, _received) = fake_smtp(OK).await;
    let mailer = SmtpMailer::new(&format!("smtps://127.0.0.1:{port}"), "s@example.com").unwrap();
    let m = Message { to: "jean@example.com".into(), subject: "hi".into(), text: "x".into() };
    let err = mailer.send(&m).await.unwrap_err();
    assert!(matches!(err, MailError::Smtp { permanent: false, .. }), "{err:?}");
}
