//! The SMS senders for real: [`TwilioSender`] against a local fake of Twilio's API (what it
//! sends, and how each kind of answer is classified), and [`OutboxSms`] on a temporary
//! directory.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "api/fake_twilio.rs"]
mod fake_twilio;

use std::time::Duration;

use fake_twilio::FakeTwilio;
use kernel::Phone;
use notifications::sms::{OutboxSms, Sms, SmsError, SmsSender, TwilioSender, TwilioSettings};
use platform::secrets::Secret;

const SID: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "twilio-auth-token-for-the-sms-tests";
const FROM: &str = "+15005550006";

fn sms(to: &str, body: &str, key: &str) -> Sms {
    Sms { to: Phone::parse(to).unwrap(), body: body.into(), key: key.into() }
}

fn settings(fake: &FakeTwilio) -> TwilioSettings {
    TwilioSettings {
        api_base: fake.api_base(),
        account_sid: SID.into(),
        auth_token: Secret::new(TOKEN),
        from: Some(FROM.into()),
        messaging_service_sid: None,
    }
}

fn sender(settings: TwilioSettings) -> TwilioSender {
    TwilioSender::new(settings, reqwest::Client::new()).unwrap()
}

#[tokio::test]
async fn a_message_reaches_twilio_with_its_sid_kept() {
    let fake = FakeTwilio::start(SID, TOKEN).await;
    let twilio = sender(settings(&fake));
    let body = "Your Sojourn code is 123456. It expires in 10 minutes. Ça marche & c'est +1 = ok?";
    let sent = twilio.send(&sms("+33 6 12 34 56 78", body, "d1")).await.unwrap();

    let got = fake.wait_for("+33612345678", 1, Duration::from_secs(2)).await;
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert_eq!((m.body.as_str(), m.from.as_deref(), m.messaging_service_sid.as_deref()), (body, Some(FROM), None));
    assert!(m.sid.starts_with("SM") && m.sid.len() == 34, "{}", m.sid);
    assert_eq!(sent.provider_ref.as_deref(), Some(m.sid.as_str()));
}

#[tokio::test]
async fn a_messaging_service_is_sent_instead_of_a_number() {
    let fake = FakeTwilio::start(SID, TOKEN).await;
    let twilio = sender(TwilioSettings {
        from: None,
        messaging_service_sid: Some("MG9752274e9e519418a7406176694466fa".into()),
        ..settings(&fake)
    });
    twilio.send(&sms("+14155552671", "hello", "d2")).await.unwrap();
    let m = &fake.messages()[0];
    assert_eq!(
        (m.from.as_deref(), m.messaging_service_sid.as_deref()),
        (None, Some("MG9752274e9e519418a7406176694466fa"))
    );
}

#[tokio::test]
async fn bad_credentials_are_rejected_not_retried() {
    let fake = FakeTwilio::start(SID, TOKEN).await;
    let wrong = sender(TwilioSettings { auth_token: Secret::new("not-the-token"), ..settings(&fake) });
    let err = wrong.send(&sms("+33612345678", "hello", "d3")).await.unwrap_err();
    match &err {
        SmsError::Rejected(reason) => assert!(reason.contains("20003"), "{reason}"),
        other => panic!("expected a rejection, got {other:?}"),
    }
    assert!(!err.to_string().contains("not-the-token"));
    // Another account's sid with the right token: refused as well.
    let other = sender(TwilioSettings { account_sid: "ACffffffffffffffffffffffffffffffff".into(), ..settings(&fake) });
    assert!(matches!(other.send(&sms("+33612345678", "hello", "d3")).await, Err(SmsError::Rejected(_))));
    assert!(fake.messages().is_empty());
}

#[tokio::test]
async fn twilio_s_refusals_name_its_code() {
    let fake = FakeTwilio::start(SID, TOKEN).await;
    fake.fail_next(400, 1);
    let err = sender(settings(&fake)).send(&sms("+33612345678", "hello", "d4")).await.unwrap_err();
    assert_eq!(err, SmsError::Rejected("Twilio error 21211: The 'To' number is not a valid phone number.".into()));
}

#[tokio::test]
async fn server_errors_are_retried_and_the_next_attempt_goes_through() {
    let fake = FakeTwilio::start(SID, TOKEN).await;
    let twilio = sender(settings(&fake));
    fake.fail_next(500, 1);
    let first = twilio.send(&sms("+33612345678", "hello", "d5")).await.unwrap_err();
    assert!(matches!(&first, SmsError::Retry { after: None, reason } if reason.contains("20500")), "{first:?}");
    fake.fail_next(503, 1);
    fake.retry_after(Some(30));
    let second = twilio.send(&sms("+33612345678", "hello", "d5")).await.unwrap_err();
    assert!(matches!(second, SmsError::Retry { after: Some(d), .. } if d == Duration::from_secs(30)));
    assert!(twilio.send(&sms("+33612345678", "hello", "d5")).await.is_ok());
    assert_eq!(fake.messages().len(), 1);
    assert_eq!(fake.requests(), 3);
}

#[tokio::test]
async fn too_many_requests_waits_what_twilio_says() {
    let fake = FakeTwilio::start(SID, TOKEN).await;
    fake.fail_next(429, 1);
    fake.retry_after(Some(7));
    let err = sender(settings(&fake)).send(&sms("+33612345678", "hello", "d6")).await.unwrap_err();
    match err {
        SmsError::Retry { reason, after } => {
            assert_eq!(after, Some(Duration::from_secs(7)));
            assert!(reason.contains("20429"), "{reason}");
        }
        other => panic!("expected a retry, got {other:?}"),
    }
    assert!(fake.messages().is_empty());
}

#[tokio::test]
async fn an_unreachable_twilio_is_retried() {
    // A port nothing listens on: bound, then released.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let twilio = TwilioSender::new(
        TwilioSettings {
            api_base: base,
            account_sid: SID.into(),
            auth_token: Secret::new(TOKEN),
            from: Some(FROM.into()),
            messaging_service_sid: None,
        },
        reqwest::Client::new(),
    )
    .unwrap();
    let err = twilio.send(&sms("+33612345678", "hello", "d7")).await.unwrap_err();
    assert!(matches!(&err, SmsError::Retry { after: None, reason } if reason.contains("unreachable")), "{err:?}");
    assert!(!err.to_string().contains(TOKEN));
}

#[tokio::test]
async fn a_body_too_long_is_refused_before_sending() {
    let fake = FakeTwilio::start(SID, TOKEN).await;
    let twilio = sender(settings(&fake));
    let err = twilio.send(&sms("+33612345678", &"a".repeat(1601), "d8")).await.unwrap_err();
    assert!(matches!(err, SmsError::Rejected(_)));
    assert!(twilio.send(&sms("+33612345678", &"é".repeat(1600), "d8")).await.is_ok());
    assert_eq!(fake.requests(), 1, "only the message within the limit was sent");
}

#[tokio::test]
async fn the_fake_checks_what_it_receives() {
    let fake = FakeTwilio::start(SID, TOKEN).await;
    let client = reqwest::Client::new();
    let url = format!("{}/2010-04-01/Accounts/{SID}/Messages.json", fake.api_base());
    let post = |form: &'static [(&'static str, &'static str)]| {
        client.post(&url).basic_auth(SID, Some(TOKEN)).form(form).send()
    };
    let code = |r: reqwest::Response| async move {
        let status = r.status().as_u16();
        let body: serde_json::Value = r.json().await.unwrap();
        (status, body["code"].as_u64().unwrap())
    };
    assert_eq!(code(post(&[("To", "0612345678"), ("Body", "x"), ("From", FROM)]).await.unwrap()).await, (400, 21211));
    assert_eq!(code(post(&[("To", "+33612345678"), ("Body", ""), ("From", FROM)]).await.unwrap()).await, (400, 21602));
    assert_eq!(code(post(&[("To", "+33612345678"), ("Body", "x")]).await.unwrap()).await, (400, 21603));
    let anonymous = client.post(&url).form(&[("To", "+33612345678"), ("Body", "x"), ("From", FROM)]).send();
    assert_eq!(code(anonymous.await.unwrap()).await, (401, 20003));
    assert!(fake.messages().is_empty());
}

// ---------------------------------------------------------------------------------------------
// The outbox

fn files(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

#[tokio::test]
async fn the_outbox_writes_one_file_per_delivery() {
    let data = tempfile::tempdir().unwrap();
    let dir = OutboxSms::outbox(data.path());
    assert_eq!(dir, data.path().join("sms").join("outbox"));
    let outbox = OutboxSms::new(dir.clone());

    let sent = outbox.send(&sms("+33 6 12 34 56 78", "Your Sojourn code is 123456", "0190f3c2-delivery")).await;
    assert_eq!(sent.unwrap().provider_ref, None);
    let file = dir.join("0190f3c2-delivery.txt");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "To: +33612345678\nKey: 0190f3c2-delivery\n\nYour Sojourn code is 123456\n"
    );

    // A retry of the same delivery replaces its file: still one file, never two.
    outbox.send(&sms("+33612345678", "Your Sojourn code is 654321", "0190f3c2-delivery")).await.unwrap();
    assert_eq!(files(&dir), ["0190f3c2-delivery.txt"]);
    assert!(std::fs::read_to_string(&file).unwrap().ends_with("\n\nYour Sojourn code is 654321\n"));

    outbox.send(&sms("+14155552671", "Another", "second")).await.unwrap();
    assert_eq!(files(&dir), ["0190f3c2-delivery.txt", "second.txt"], "no temporary file is left behind");
}

#[tokio::test]
async fn the_outbox_refuses_what_twilio_would_and_keys_that_are_not_file_names() {
    let data = tempfile::tempdir().unwrap();
    let dir = OutboxSms::outbox(data.path());
    let outbox = OutboxSms::new(dir.clone());
    for key in ["../escape", ".hidden", "a/b", ""] {
        assert!(matches!(outbox.send(&sms("+33612345678", "x", key)).await, Err(SmsError::Rejected(_))), "{key}");
    }
    assert!(matches!(outbox.send(&sms("+33612345678", &"a".repeat(1601), "long")).await, Err(SmsError::Rejected(_))));
    assert!(!dir.exists() || files(&dir).is_empty());
    assert!(!data.path().join("sms").join("escape.txt").exists());
}
