//! Multi-request flows on the seeded platform: a guest's whole purchase (reservation, payment
//! intent, sandbox confirmation: three requests, with payments learning of the reservation
//! through the event relay in between), and Argon2id logins while visitors browse.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use crate::load::{self, Summary};

#[derive(Clone)]
pub struct Seeded {
    pub client: reqwest::Client,
    pub base: Arc<str>,
    /// Stays that book instantly (paid at once, no host decision).
    pub stays: Arc<Vec<String>>,
    /// Guest access tokens.
    pub guests: Arc<Vec<String>>,
}

async fn post(s: &Seeded, token: &str, path: &str, body: &Value) -> Option<(u16, Value)> {
    let r = s.client.post(format!("{}{path}", s.base)).bearer_auth(token).json(body).send().await.ok()?;
    let status = r.status().as_u16();
    Some((status, r.json().await.ok()?))
}

/// One purchase: a stay reserved on nights nobody else asks for, paid on the sandbox. True when
/// the payment ended `succeeded`.
async fn purchase(s: &Seeded, i: usize) -> bool {
    let token = &s.guests[i % s.guests.len()];
    // Each purchase its own night, beyond the seeded reservations (which end within a year):
    // round-robin over the instant stays, then the next night on each.
    let stay = &s.stays[i % s.stays.len()];
    let night = 380 + (i / s.stays.len()) % 300;
    let from = chrono::Utc::now().date_naive() + chrono::Days::new(night as u64);
    let ask = json!({"listingId": stay, "checkIn": from, "checkOut": from + chrono::Days::new(1)});
    let Some((201, made)) = post(s, token, "/api/v1/reservations", &ask).await else { return false };
    let (Some(id), Some(total)) =
        (made["data"]["reservation"]["id"].as_str(), made["data"]["reservation"]["total"].as_i64())
    else {
        return false;
    };
    let currency = made["data"]["reservation"]["currency"].as_str().unwrap_or("EUR").to_ascii_lowercase();
    let intent = json!({"amount": total, "currency": currency, "bookingReference": id});
    // With `events.read_your_writes` (the default) payments knows the reservation at once.
    // Without it, payments hears of it through the relay a few milliseconds later and answers
    // `425 not_yet_replicated` meanwhile: retried here the way a client would, sooner than
    // `Retry-After` says, to measure the gap rather than the advice.
    let mut answer = None;
    for _ in 0..100 {
        match post(s, token, "/api/v1/payment/intent", &intent).await {
            Some((201 | 200, body)) => {
                answer = Some(body);
                break;
            }
            Some((404 | 409 | 422 | 425, _)) => tokio::time::sleep(Duration::from_millis(5)).await,
            _ => return false,
        }
    }
    let Some(intent) = answer.and_then(|a| a["data"]["paymentIntentId"].as_str().map(str::to_owned)) else {
        return false;
    };
    let pay = json!({"paymentMethod": "pm_card_visa"});
    matches!(post(s, token, &format!("/api/v1/payment/{intent}/confirm"), &pay).await,
        Some((200, body)) if body["data"]["status"] == "succeeded")
}

/// Purchases in a closed loop, numbered from `first` (each number its own night); (summary,
/// purchases that succeeded, the next unused number).
pub async fn checkout(s: Arc<Seeded>, concurrency: usize, duration: Duration, first: usize) -> (Summary, usize, usize) {
    let next = Arc::new(AtomicUsize::new(first));
    let paid = Arc::new(AtomicUsize::new(0));
    let (n, p) = (next.clone(), paid.clone());
    let summary = load::run(concurrency, duration, move |_| {
        let (s, n, p) = (s.clone(), n.clone(), p.clone());
        async move {
            let ok = purchase(&s, n.fetch_add(1, Ordering::Relaxed)).await;
            if ok {
                p.fetch_add(1, Ordering::Relaxed);
            }
            ok
        }
    })
    .await;
    (summary, paid.load(Ordering::Relaxed), next.load(Ordering::Relaxed))
}

/// Logins of seeded guests (their password hashes are upgraded to the configured Argon2id
/// cost by the first one) in a closed loop.
pub async fn logins(s: Arc<Seeded>, concurrency: usize, duration: Duration) -> Summary {
    load::run(concurrency, duration, move |i| {
        let s = s.clone();
        async move {
            let body = json!({"email": format!("guest{}@{}", i % 8, sojourn::seed::DOMAIN),
                              "password": sojourn::seed::DEMO_PASSWORD});
            let r = s.client.post(format!("{}/api/v1/auth/login", s.base)).json(&body).send().await;
            r.is_ok_and(|r| r.status().is_success())
        }
    })
    .await
}
