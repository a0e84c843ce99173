//! The "what sends what" suites' harness: every context whose events tell people something
//! (identity, catalog, booking, payments on its sandbox, messaging) beside notifications, on a
//! clock the test moves; paid bookings of a Paris flat; and the mail outbox read back as a
//! mail client would (by mail-parser, through [`crate::smtp::ParsedMail`]).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use testkit::TestApp;

use crate::support::{self, User};

/// 2030-01-02 09:00 UTC, a Wednesday.
pub const START: &str = "2030-01-02T09:00:00Z";

pub struct Kit {
    pub app: TestApp,
    pub clock: Arc<kernel::ManualClock>,
    pub dir: tempfile::TempDir,
}

impl std::ops::Deref for Kit {
    type Target = TestApp;
    fn deref(&self) -> &TestApp {
        &self.app
    }
}

pub async fn spawn() -> Kit {
    let dir = tempfile::tempdir().unwrap();
    let mut config = testkit::quick_config(&dir);
    support::fast(&mut config);
    config.secrets.insert(
        "payments_webhook_secret".into(),
        platform::secrets::Secret::new("whsec_notifications_tests_0123456789abcdef"),
    );
    let contexts: Vec<Arc<dyn platform::Context>> = vec![
        Arc::new(identity::Identity),
        Arc::new(notifications::Notifications),
        Arc::new(catalog::Catalog),
        Arc::new(booking::Booking),
        Arc::new(payments::Payments),
        Arc::new(messaging::Messaging),
    ];
    let clock = Arc::new(kernel::ManualClock::new(START.parse().unwrap()));
    let app = testkit::spawn_config_with_clock(config, contexts, clock.clone()).await;
    Kit { app, clock, dir }
}

impl Kit {
    pub fn set_clock(&self, at: &str) {
        self.clock.set(at.parse().unwrap());
    }

    pub fn notifications_db(&self) -> &platform::db::Db {
        self.app.platform.db("notifications").unwrap()
    }
}

/// `email` signed in again (access tokens expire 15 minutes after sign-in, on the test clock).
pub async fn login(app: &TestApp, email: &str) -> User {
    let body = json!({"email": email, "password": support::PASSWORD});
    let (status, body) = testkit::json(app.post_json("/api/v1/auth/login", &body).await).await;
    assert_eq!(status, 200, "login {email}: {body}");
    User {
        token: body["data"]["tokens"]["accessToken"].as_str().unwrap().to_owned(),
        id: body["data"]["user"]["id"].as_str().unwrap().to_owned(),
    }
}

/// A host in Paris with a published flat (100.00 a night, no fees of its own, instant book,
/// check-in from `check_in`): (host, listing id).
pub async fn host_with_flat(app: &TestApp, email: &str, check_in: &str) -> (User, String) {
    let host = support::register(app, email).await;
    let provider = json!({"displayName": "Host", "defaultCurrency": "EUR", "timezone": "Europe/Paris"});
    let (status, made) = support::send(app, Method::POST, "/api/v1/providers", &host.token, Some(&provider)).await;
    assert_eq!(status, 201, "{made}");
    let body = json!({"kind": "stay", "title": "Canal flat", "description": "A bright flat on the canal, close to everything.",
        "address": {"line1": "1 Quai de Valmy", "city": "Paris", "country": "FR"}, "location": {"lat": 48.87, "lng": 2.36},
        "instantBook": true, "cancellationPolicy": "flexible",
        "stay": {"propertyType": "apartment", "maxGuests": 2, "bedrooms": 1, "beds": 1,
        "bathrooms": 1, "nightlyPrice": 10000, "checkInTime": check_in, "checkOutTime": "11:00"}});
    let (status, made) = support::send(app, Method::POST, "/api/v1/listings", &host.token, Some(&body)).await;
    assert_eq!(status, 201, "{made}");
    let id = made["data"]["listing"]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/listings/{id}/publish");
    let (status, published) = support::send(app, Method::POST, &path, &host.token, None).await;
    assert_eq!(status, 200, "{published}");
    app.drain_events().await;
    (host, id)
}

/// A reservation of `guest`, waiting for payment: (id, total).
pub async fn reserve(app: &TestApp, guest: &User, listing: &str, check_in: &str, check_out: &str) -> (String, i64) {
    let body = json!({"listingId": listing, "checkIn": check_in, "checkOut": check_out});
    let (status, r) = support::send(app, Method::POST, "/api/v1/reservations", &guest.token, Some(&body)).await;
    assert_eq!(status, 201, "{r}");
    app.drain_events().await;
    (r["data"]["reservation"]["id"].as_str().unwrap().to_owned(), r["data"]["reservation"]["total"].as_i64().unwrap())
}

/// A payment intent for the reservation: its id.
pub async fn intent(app: &TestApp, guest: &User, reservation: &str, total: i64) -> String {
    let ask = json!({"amount": total, "currency": "eur", "bookingReference": reservation});
    let intent = support::data(app, Method::POST, "/api/v1/payment/intent", &guest.token, Some(&ask)).await;
    intent["paymentIntentId"].as_str().unwrap().to_owned()
}

/// Confirms the intent with the sandbox card `card`: the answer's status.
pub async fn pay_with(app: &TestApp, guest: &User, intent: &str, card: &str) -> u16 {
    let path = format!("/api/v1/payment/{intent}/confirm");
    let (status, _) =
        support::send(app, Method::POST, &path, &guest.token, Some(&json!({"paymentMethod": card}))).await;
    app.drain_events().await;
    app.drain_events().await;
    status
}

/// A reservation paid on the sandbox, hence confirmed: (id, total).
pub async fn paid(app: &TestApp, guest: &User, listing: &str, check_in: &str, check_out: &str) -> (String, i64) {
    let (id, total) = reserve(app, guest, listing, check_in, check_out).await;
    let pi = intent(app, guest, &id, total).await;
    assert_eq!(pay_with(app, guest, &pi, "pm_card_visa").await, 200);
    (id, total)
}

/// The reader's notices of one `kind`, newest first.
pub async fn notices(app: &TestApp, user: &User, kind: &str) -> Vec<Value> {
    support::items(app, user, &format!("?type={kind}&limit=50")).await
}

/// The short reference mails and notices quote for a reservation id.
pub fn reference(id: &str) -> String {
    id.chars().filter(char::is_ascii_alphanumeric).take(8).collect::<String>().to_uppercase()
}

// ---------------------------------------------------------------------------------------------
// The mail outbox

/// A mail of the outbox, read back by an independent MIME parser (see [`crate::smtp`]).
#[derive(Debug, Clone)]
pub struct Mail {
    /// The `To` header, decoded.
    pub to: String,
    pub subject: String,
    /// The plain-text part, then the HTML part.
    pub text: String,
}

fn outbox(kit: &Kit) -> PathBuf {
    kit.dir.path().join("mail").join("outbox")
}

/// Every mail written so far.
pub fn mails(kit: &Kit) -> Vec<Mail> {
    let Ok(entries) = std::fs::read_dir(outbox(kit)) else { return Vec::new() };
    entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .map(|p| parse(&std::fs::read(&p).unwrap()))
        .collect()
}

/// The mails to `to` whose subject contains `subject`.
pub fn mails_to(kit: &Kit, to: &str, subject: &str) -> Vec<Mail> {
    mails(kit).into_iter().filter(|m| m.to.contains(to) && m.subject.contains(subject)).collect()
}

/// Waits (up to 20 s: the worker looks at least every second) for a mail to `to` about
/// `subject`, and returns it.
pub async fn mail_to(kit: &Kit, to: &str, subject: &str) -> Mail {
    for _ in 0..200 {
        if let Some(m) = mails_to(kit, to, subject).into_iter().next() {
            return m;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let seen: Vec<(String, String)> = mails(kit).into_iter().map(|m| (m.to, m.subject)).collect();
    panic!("no mail to {to} about {subject:?}; the outbox has {seen:?}");
}

/// Waits for `kind` notices of `user` to number `n`, and returns them (the sweep and the
/// worker run in the background).
pub async fn wait_notices(app: &TestApp, user: &User, kind: &str, n: usize) -> Vec<Value> {
    for _ in 0..200 {
        let found = notices(app, user, kind).await;
        if found.len() >= n {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{user:?} never had {n} {kind} notices");
}

/// The email deliveries queued for `user` with `template`: (status, not_before).
pub async fn email_deliveries(kit: &Kit, user: &User, template: &str) -> Vec<(String, chrono::DateTime<chrono::Utc>)> {
    platform::db::query(
        "SELECT status, not_before FROM notification_deliveries WHERE user_id = $1 AND channel = 'email' \
         AND template = $2 ORDER BY created_at",
    )
    .bind(user.id.parse::<uuid::Uuid>().unwrap())
    .bind(template)
    .fetch_all(kit.notifications_db())
    .await
    .unwrap()
}

/// Makes the worker prove it has run past the current clock: a notice with an email, asked
/// through the internal route, reaches `email`'s outbox (it is sent once everything due before
/// it was looked at: the worker takes due rows oldest first).
pub async fn worker_caught_up(kit: &Kit, user: &User, email: &str, marker: &str) {
    let body = json!({"userId": user.id, "title": marker, "message": "A marker.", "type": "PRICE_ALERT"});
    let r =
        kit.call(Method::POST, Some(support::INTERNAL_KEY), "/api/v1/users/notifications/internal", Some(&body)).await;
    assert_eq!(r.status(), 201);
    mail_to(kit, email, marker).await;
}

pub fn parse(raw: &[u8]) -> Mail {
    let m = crate::smtp::ParsedMail::parse(raw.to_vec()).expect("a MIME message");
    let to = mail_parser::MessageParser::default()
        .parse(raw)
        .and_then(|p| p.to().and_then(|to| to.first()).and_then(|a| a.address().map(str::to_owned)))
        .unwrap_or_default();
    Mail {
        to,
        subject: m.subject.clone().unwrap_or_default(),
        text: [m.text.unwrap_or_default(), m.html.unwrap_or_default()].join("\n"),
    }
}

/// `PUT …/channels` with `body`, as `user`.
pub async fn set_channels(app: &TestApp, user: &User, body: Value) {
    support::data(app, Method::PUT, support::CHANNELS, &user.token, Some(&body)).await;
}
