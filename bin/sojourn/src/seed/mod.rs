//! `sojourn seed`: demo data through the API's own code paths — hosts with their businesses,
//! guests, listings of every kind in real cities, and stays reserved, paid, left unpaid or
//! cancelled — deterministic for a given `--seed`, so a newcomer has something to explore in
//! `/docs` and the benchmarks have a realistic catalogue.

mod api;
mod data;
mod rng;

use std::time::{Duration, Instant};

use axum::http::Method;
use futures_util::StreamExt;
use platform::config::{self, Overrides, PasswordHashConfig};
use platform::{App, telemetry};
use serde_json::{Value, json};

use api::{Api, Refused};
use data::CITIES;
use rng::Rng;

/// Every seeded account's password: the data is for demos and benchmarks, never production.
pub const DEMO_PASSWORD: &str = "Demo-password-1";
/// The e-mail domain of seeded accounts (reserved for tests by RFC 2606).
pub const DOMAIN: &str = "seed.sojourn.test";

/// Requests in flight at once: enough to keep both cores busy between database writes.
const CONCURRENCY: usize = 32;

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub users: usize,
    pub listings: usize,
    pub reservations: usize,
    pub seed: u64,
}

struct Host {
    token: String,
    city: usize,
}

/// A published instant-book stay that reservations can be made on.
#[derive(Clone)]
struct Stay {
    id: String,
    currency: String,
    max_guests: i64,
}

/// What became of the reservations asked for.
#[derive(Default, Debug)]
struct Outcome {
    confirmed: usize,
    pending_payment: usize,
    cancelled: usize,
    dates_taken: usize,
}

pub async fn run(overrides: &Overrides, options: Options) -> Result<(), String> {
    let mut config = config::load(overrides).map_err(|e| e.to_string())?;
    // Thousands of requests: the progress lines say more than a log line for each.
    config.log.level = format!("{},platform::http::middleware=warn", config.log.level);
    telemetry::init(&config.log);
    crate::contexts::check_overrides(config.contexts.keys())?;
    // The seeder is the operator: no per-client limit applies. Every seeded account shares the
    // published demo password, so its hash is made at the lowest cost (a login rehashes it at
    // the configured cost).
    config.rate_limit.enabled = false;
    // Hundreds of thousands of events: each consumer takes them a thousand to a transaction.
    config.events.batch_size = config.events.batch_size.max(1000);
    // Passes of such batches outlast a request's usual wait for its events; the seeder waits
    // them out rather than warning for each of its concurrent requests.
    config.events.settle_timeout_ms = config.events.settle_timeout_ms.max(30_000);
    config.auth.password_hash = PasswordHashConfig { memory_kib: 8, iterations: 1, parallelism: 1, max_concurrent: 0 };
    // Boxed: building every context is a large future, and callers hold this one.
    let app = Box::pin(App::build(config, crate::contexts::all())).await.map_err(|e| e.to_string())?;
    let api = Api::new(app.router.clone());
    let started = Instant::now();
    let hosts_wanted = if options.listings > 0 { (options.users / 5).max(1) } else { options.users / 5 };
    let guests_wanted = options.users.saturating_sub(hosts_wanted).max(usize::from(options.reservations > 0));

    let hosts = hosts(&api, options.seed, hosts_wanted).await?;
    let guests = guests(&api, options.seed, guests_wanted).await?;
    let (stays, published) = listings(&api, options.seed, &hosts, options.listings).await?;
    // Booking must know every listing (from catalog's events) before it takes reservations.
    let relaying = Instant::now();
    app.platform.relay.drain().await;
    eprintln!("  {:<13} {:>8.1} s to deliver the catalogue's events", "events", relaying.elapsed().as_secs_f64());
    let outcome = reservations(&app, &api, options.seed, &guests, &stays, options.reservations).await?;
    app.platform.relay.drain().await;

    eprintln!(
        "seeded in {:.1} s: {} hosts, {} guests, {} listings ({published} published, {} instant-book stays), \
         reservations: {} confirmed, {} awaiting payment, {} cancelled ({} dates already taken)",
        started.elapsed().as_secs_f64(),
        hosts.len(),
        guests.len(),
        options.listings,
        stays.len(),
        outcome.confirmed,
        outcome.pending_payment,
        outcome.cancelled,
        outcome.dates_taken,
    );
    eprintln!("sign in as host0@{DOMAIN} or guest0@{DOMAIN}, password {DEMO_PASSWORD}");
    for db in app.platform.dbs() {
        db.close().await;
    }
    Ok(())
}

/// Prints `label done/total (rate/s)` on one line at most five times a second.
struct Progress {
    label: &'static str,
    total: usize,
    done: usize,
    started: Instant,
    shown: Instant,
}

impl Progress {
    fn new(label: &'static str, total: usize) -> Self {
        let now = Instant::now();
        Self { label, total, done: 0, started: now, shown: now }
    }

    fn advance(&mut self, by: usize) {
        self.done += by;
        // On a terminal the line updates in place; in a log, only the final count is written.
        let live = std::io::IsTerminal::is_terminal(&std::io::stderr());
        if (live && self.shown.elapsed() >= Duration::from_millis(200)) || self.done == self.total {
            self.shown = Instant::now();
            let rate = self.done as f64 / self.started.elapsed().as_secs_f64().max(1e-3);
            eprint!("\r  {:<13} {:>8}/{:<8} {:>7.0}/s", self.label, self.done, self.total, rate);
            if self.done == self.total {
                eprintln!();
            }
        }
    }
}

fn refused(error: Refused) -> String {
    if error.status == 409 && error.what.contains("/auth/register") {
        return format!("{error}: this data directory already holds seeded accounts; seed a fresh --data-dir");
    }
    error.to_string()
}

fn text(value: &Value, pointer: &str) -> Result<String, String> {
    value.pointer(pointer).and_then(Value::as_str).map(str::to_owned).ok_or_else(|| format!("no {pointer} in {value}"))
}

async fn register(api: &Api, email: &str, rng: &mut Rng) -> Result<String, String> {
    let (first, last) = data::person(rng);
    let body = json!({"email": email, "password": DEMO_PASSWORD, "firstName": first, "lastName": last});
    let answer = api.call(Method::POST, "/api/v1/auth/register", None, Some(&body)).await.map_err(refused)?;
    text(&answer, "/tokens/accessToken")
}

/// Makes items `0..count` with `make`, `CONCURRENCY` at a time, showing progress; the results
/// come back in index order, whatever order they finished in.
async fn in_order<T, F, Fut>(label: &'static str, count: usize, make: F) -> Result<Vec<T>, String>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    in_order_weighted(label, count, |_| 1, make).await
}

/// [`in_order`] where item `i` stands for `weight(i)` units of progress (a batch of listings).
async fn in_order_weighted<T, F, Fut>(
    label: &'static str,
    count: usize,
    weight: impl Fn(usize) -> usize,
    make: F,
) -> Result<Vec<T>, String>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let mut progress = Progress::new(label, (0..count).map(&weight).sum());
    let mut made = futures_util::stream::iter(0..count)
        .map(|i| {
            let item = make(i);
            async move { item.await.map(|t| (i, t)) }
        })
        .buffer_unordered(CONCURRENCY);
    let mut items = Vec::with_capacity(count);
    while let Some(item) = made.next().await {
        let item = item?;
        progress.advance(weight(item.0));
        items.push(item);
    }
    items.sort_by_key(|(i, _)| *i);
    Ok(items.into_iter().map(|(_, t)| t).collect())
}

async fn hosts(api: &Api, seed: u64, count: usize) -> Result<Vec<Host>, String> {
    in_order("hosts", count, |i| async move {
        let mut rng = Rng::for_item(seed, 1, i as u64);
        let token = register(api, &format!("host{i}@{DOMAIN}"), &mut rng).await?;
        let city = usize::try_from(rng.below(CITIES.len() as u64)).unwrap_or(0);
        let place = &CITIES[city];
        let (first, last) = data::person(&mut rng);
        let provider = json!({"displayName": format!("{first} {last} — {}", place.name),
                              "defaultCurrency": place.currency, "timezone": place.timezone});
        api.call(Method::POST, "/api/v1/providers", Some(&token), Some(&provider)).await.map_err(refused)?;
        Ok(Host { token, city })
    })
    .await
}

async fn guests(api: &Api, seed: u64, count: usize) -> Result<Vec<String>, String> {
    in_order("guests", count, |i| async move {
        let mut rng = Rng::for_item(seed, 2, i as u64);
        register(api, &format!("guest{i}@{DOMAIN}"), &mut rng).await
    })
    .await
}

/// Listings per request: each host's listings go in batches (`POST /api/v1/listings/batch`),
/// one transaction each, which is what lets a large catalogue load in seconds.
const LISTING_BATCH: usize = 100;

/// One listing to make: its number (which fixes its data), kind, body and whether it stays a
/// draft (one in twenty).
struct Planned {
    n: usize,
    kind: &'static str,
    body: Value,
    draft: bool,
}

fn plan(seed: u64, host: &Host, n: usize) -> Planned {
    let mut rng = Rng::for_item(seed, 3, n as u64);
    let kind = data::kind(&mut rng);
    let body = data::listing(&mut rng, kind, &CITIES[host.city], n as u64);
    Planned { n, kind, body, draft: rng.chance(5) }
}

/// Creates the listings (one in twenty stays a draft) and returns the instant-book stays, in
/// the order of their numbers, and how many were published.
async fn listings(api: &Api, seed: u64, hosts: &[Host], count: usize) -> Result<(Vec<Stay>, usize), String> {
    if hosts.is_empty() {
        return Ok((Vec::new(), 0));
    }
    // Listing n belongs to host n % hosts; each host's listings are cut into batches.
    let mut batches: Vec<(usize, Vec<usize>)> = Vec::new();
    for (h, _) in hosts.iter().enumerate() {
        let own: Vec<usize> = (h..count).step_by(hosts.len()).collect();
        batches.extend(own.chunks(LISTING_BATCH).map(|chunk| (h, chunk.to_vec())));
    }
    let batches = &batches;
    let made = in_order_weighted(
        "listings",
        batches.len(),
        |b| batches[b].1.len(),
        |b| async move {
            let (h, numbers) = &batches[b];
            let host = &hosts[*h];
            let planned: Vec<Planned> = numbers.iter().map(|&n| plan(seed, host, n)).collect();
            let mut made = Vec::with_capacity(planned.len());
            for publish in [true, false] {
                let group: Vec<&Planned> = planned.iter().filter(|p| p.draft != publish).collect();
                if group.is_empty() {
                    continue;
                }
                let body = json!({"listings": group.iter().map(|p| &p.body).collect::<Vec<_>>(), "publish": publish});
                let answer = api
                    .call(Method::POST, "/api/v1/listings/batch", Some(&host.token), Some(&body))
                    .await
                    .map_err(refused)?;
                let views = answer["listings"].as_array().ok_or_else(|| format!("no listings in {answer}"))?;
                for (p, view) in group.iter().zip(views) {
                    let stay = (publish && p.kind == "stay" && p.body["instantBook"] == true)
                        .then(|| -> Result<Stay, String> {
                            Ok(Stay {
                                id: text(view, "/id")?,
                                currency: view["currency"].as_str().unwrap_or("EUR").to_ascii_lowercase(),
                                max_guests: p.body["stay"]["maxGuests"].as_i64().unwrap_or(1),
                            })
                        })
                        .transpose()?;
                    made.push((p.n, stay, publish));
                }
            }
            Ok(made)
        },
    )
    .await?;
    let mut made: Vec<(usize, Option<Stay>, bool)> = made.into_iter().flatten().collect();
    made.sort_by_key(|(n, _, _)| *n);
    let published = made.iter().filter(|(_, _, published)| *published).count();
    Ok((made.into_iter().filter_map(|(_, stay, _)| stay).collect(), published))
}

/// What a seeded reservation ends as.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fate {
    Paid,
    Unpaid,
    PaidThenCancelled,
    CancelledUnpaid,
}

fn fate(rng: &mut Rng) -> Fate {
    match rng.below(100) {
        0..65 => Fate::Paid,
        65..80 => Fate::Unpaid,
        80..90 => Fate::PaidThenCancelled,
        _ => Fate::CancelledUnpaid,
    }
}

struct Made {
    id: String,
    total: i64,
    currency: String,
    guest: usize,
    fate: Fate,
}

async fn reservations(
    app: &App,
    api: &Api,
    seed: u64,
    guests: &[String],
    stays: &[Stay],
    count: usize,
) -> Result<Outcome, String> {
    let mut outcome = Outcome::default();
    if stays.is_empty() || guests.is_empty() || count == 0 {
        return Ok(outcome);
    }
    let today = chrono::Utc::now().date_naive();
    let asked = in_order("reservations", count, |k| async move {
        let mut rng = Rng::for_item(seed, 4, k as u64);
        let guest = k % guests.len();
        let stay = rng.pick(stays);
        let fate = fate(&mut rng);
        // Two tries: a random stretch of nights may already be sold.
        for _ in 0..2 {
            let check_in = today + chrono::Days::new(rng.below(330) + 3);
            let check_out = check_in + chrono::Days::new(rng.below(6) + 1);
            let body = json!({"listingId": stay.id, "checkIn": check_in, "checkOut": check_out,
                              "guests": stay.max_guests.min(2)});
            match api.call(Method::POST, "/api/v1/reservations", Some(&guests[guest]), Some(&body)).await {
                Ok(answer) => {
                    let total = answer["reservation"]["total"].as_i64().ok_or("a reservation without total")?;
                    let id = text(&answer, "/reservation/id")?;
                    return Ok(Some(Made { id, total, currency: stay.currency.clone(), guest, fate }));
                }
                Err(e) if e.status == 409 => {}
                Err(e) => return Err(e.to_string()),
            }
        }
        Ok(None)
    })
    .await?;
    outcome.dates_taken = asked.iter().filter(|m| m.is_none()).count();
    let made: Vec<Made> = asked.into_iter().flatten().collect();
    // Payments learns of each reservation from booking's events.
    app.platform.relay.drain().await;
    let made = &made;
    in_order("payments", made.len(), |i| async move {
        let m = &made[i];
        let token = Some(guests[m.guest].as_str());
        if matches!(m.fate, Fate::Paid | Fate::PaidThenCancelled) {
            let ask = json!({"amount": m.total, "currency": m.currency, "bookingReference": m.id});
            let intent = api.call(Method::POST, "/api/v1/payment/intent", token, Some(&ask)).await;
            let intent = text(&intent.map_err(|e| e.to_string())?, "/paymentIntentId")?;
            let pay = json!({"paymentMethod": "pm_card_visa"});
            let path = format!("/api/v1/payment/{intent}/confirm");
            api.call(Method::POST, &path, token, Some(&pay)).await.map_err(|e| e.to_string())?;
        }
        Ok(())
    })
    .await?;
    app.platform.relay.drain().await;
    for m in made {
        if matches!(m.fate, Fate::PaidThenCancelled | Fate::CancelledUnpaid) {
            let path = format!("/api/v1/reservations/{}/cancel", m.id);
            let reason = json!({"reason": "Plans changed"});
            api.call(Method::POST, &path, Some(&guests[m.guest]), Some(&reason)).await.map_err(|e| e.to_string())?;
            outcome.cancelled += 1;
        } else if m.fate == Fate::Paid {
            outcome.confirmed += 1;
        } else {
            outcome.pending_payment += 1;
        }
    }
    Ok(outcome)
}
