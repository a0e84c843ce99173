//! Emails through a real SMTP server: rendered from the templates, built by `platform::mail`,
//! sent with `SmtpMailer` to the aiosmtpd that `.ci/run` starts, and read back from its Maildir
//! with an independent MIME parser. Skipped without `SOJOURN_TEST_SMTP_URL` (failed in CI).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "api/smtp.rs"]
mod smtp;

use notifications::domain::locale::Lang;
use platform::mail::{Email, Mailer, Message, SmtpMailer};
use serde_json::json;

const FROM: &str = "Sojourn <no-reply@sojourn.test>";

/// An address no other test uses.
fn unique(who: &str) -> String {
    format!("{who}-{}@example.test", uuid::Uuid::now_v7().simple())
}

fn context(title: &str, message: &str) -> serde_json::Value {
    json!({
        "brand": {"name": "Sojourn", "url": "https://app.example.com"},
        "title": title,
        "message": message,
        "recipient": {"firstName": "Zoé"},
        "facts": [{"label": "Logement", "value": "Loft <script>x</script>"}, {"label": "Total", "value": "257,60 EUR"}],
        "action": {"label": "Voir votre réservation", "url": "https://app.example.com/bookings/1?a=1&b=2"},
        "preferencesUrl": "https://app.example.com/settings/notifications",
        "unsubscribeUrl": "https://app.example.com/api/v1/notifications/unsubscribe?token=abc.def"
    })
}

#[tokio::test]
async fn a_templated_email_reaches_the_smtp_server_as_multipart_alternative() {
    let Some(url) = smtp::url() else { return };
    let to = unique("guest");
    let ctx = context(
        "Votre réservation est confirmée",
        "Votre réservation pour « Loft » du 12 au 15 mars 2027 est confirmée.",
    );
    let rendered = notifications::email::render("booking_confirmed", Lang::Fr, &ctx).unwrap();
    let unsubscribe = "<https://app.example.com/api/v1/notifications/unsubscribe?token=abc.def>";
    let email = Email {
        to: to.clone(),
        subject: rendered.subject.clone(),
        text: rendered.text.clone(),
        html: Some(rendered.html.clone()),
        message_id: format!("<{}@sojourn>", uuid::Uuid::now_v7()),
        headers: vec![
            ("List-Unsubscribe".into(), unsubscribe.into()),
            ("List-Unsubscribe-Post".into(), "List-Unsubscribe=One-Click".into()),
        ],
    };
    let mailer = SmtpMailer::new(&url, FROM).unwrap();
    mailer.send_email(&email).await.unwrap();

    let mails = smtp::wait_for(&to, 1).await;
    assert_eq!(mails.len(), 1);
    let got = &mails[0];
    assert_eq!(got.content_type, "multipart/alternative");
    assert_eq!(got.subject.as_deref(), Some("Votre réservation est confirmée"), "UTF-8 subject decoded");
    let raw_subject = got.header("Subject").unwrap();
    assert!(raw_subject.is_ascii() && raw_subject.contains("=?utf-8?"), "encoded on the wire: {raw_subject}");
    assert_eq!(got.message_id.as_deref(), Some(email.message_id.as_str()));
    assert_eq!(got.header("List-Unsubscribe"), Some(unsubscribe));
    assert_eq!(got.header("List-Unsubscribe-Post"), Some("List-Unsubscribe=One-Click"));
    assert_eq!(got.header("Auto-Submitted"), Some("auto-generated"));
    assert_eq!(got.header("From"), Some(FROM));
    assert_eq!(got.header("To"), Some(to.as_str()));
    assert!(got.header("Date").is_some());

    // Both parts, decoded, are what was rendered; text first.
    let text = got.text.as_deref().unwrap().replace("\r\n", "\n");
    let html = got.html.as_deref().unwrap().replace("\r\n", "\n");
    assert_eq!(text.trim_end(), rendered.text.trim_end());
    assert_eq!(html.trim_end(), rendered.html.trim_end());
    assert!(text.contains("Bonjour Zoé,") && text.contains("Loft <script>x</script>"), "{text}");
    assert!(html.contains("Loft &lt;script&gt;") && !html.contains("<script>"), "{html}");
    let raw = String::from_utf8_lossy(&got.raw);
    assert!(raw.find("text/plain").unwrap() < raw.find("text/html").unwrap());
}

#[tokio::test]
async fn links_stay_verbatim_and_a_resend_keeps_its_message_id() {
    let Some(url) = smtp::url() else { return };
    let to = unique("reset");
    let link = "http://127.0.0.1:1234/reset-password?token=AbC_123-xyz0123456789abcdefghijklmnopqrstu";
    let mut ctx = context("Réinitialisez votre mot de passe", "Vous avez demandé à changer votre mot de passe.");
    ctx["link"] = json!(link);
    ctx["expiresIn"] = json!("30 minutes");
    let rendered = notifications::email::render("password_reset", Lang::Fr, &ctx).unwrap();
    let email = Email {
        to: to.clone(),
        subject: rendered.subject,
        text: rendered.text,
        html: Some(rendered.html),
        message_id: format!("<{}@sojourn>", uuid::Uuid::now_v7()),
        headers: Vec::new(),
    };
    let mailer = SmtpMailer::new(&url, FROM).unwrap();
    mailer.send_email(&email).await.unwrap();
    mailer.send_email(&email).await.unwrap(); // a retry: same Message-ID, so the receiver can dedupe

    let mails = smtp::wait_for(&to, 2).await;
    assert_eq!(mails.len(), 2);
    assert!(mails.iter().all(|m| m.message_id.as_deref() == Some(email.message_id.as_str())));
    let raw = String::from_utf8_lossy(&mails[0].raw);
    assert!(raw.contains(&format!("\n{link}\r\n")) || raw.contains(&format!("\n{link}\n")), "{raw}");
    assert!(mails[0].text.as_deref().unwrap().contains("votre mot de passe reste"));
}

#[tokio::test]
async fn a_plain_message_arrives_as_text_only() {
    let Some(url) = smtp::url() else { return };
    let to = unique("plain");
    let mailer = SmtpMailer::new(&url, FROM).unwrap();
    let message = Message { to: to.clone(), subject: "Hello".into(), text: "Line one\nLine two".into() };
    mailer.send(&message).await.unwrap();
    let mails = smtp::wait_for(&to, 1).await;
    let got = &mails[0];
    assert_eq!(got.content_type, "text/plain");
    assert_eq!(got.subject.as_deref(), Some("Hello"));
    assert_eq!(
        got.text.as_deref().map(|t| t.replace("\r\n", "\n")).as_deref().map(str::trim_end),
        Some("Line one\nLine two")
    );
    assert!(got.html.is_none());
    assert!(got.message_id.as_deref().is_some_and(|id| id.ends_with("@sojourn>")));
    // Nobody else's mail is read back.
    assert!(smtp::received(&unique("nobody")).is_empty());
}
