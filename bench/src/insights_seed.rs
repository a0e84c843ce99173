//! The insights benchmark's data: real accounts through `sojourn seed --listings 0` (hosts who
//! can sign in), then their listings and a year of reservations written straight into insights'
//! facts (`insights_listings`, `insights_reservations`) and rolled up by `sojourn insights
//! rebuild`. Not through catalog and booking: insights records a listing from catalog's events
//! at about 100 a second when they were all created the same day, slowing as they add up (each
//! recomputes that day's counts, which group every listing created that day), so 100,000 would
//! take about an hour; and the booking flow would take hours to make half a million
//! reservations on 2 cores. Insights only ever reads its own facts. Also the storage limit the
//! ingestion is compared with: the tracking store's own INSERT, 1 and 100 rows per transaction.

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Days, NaiveDate, Utc};
use platform::db::{Arg, Db, DbError, DbOptions, FromRow, Row, query, query_dynamic};
use uuid::Uuid;

use crate::load::{self, Summary};

/// Where a run keeps its data: SQLite files in the data directory, or PostgreSQL schemas.
#[derive(Debug, Clone)]
pub struct Engine {
    /// `None`: SQLite.
    pub postgres: Option<String>,
    /// Schemas of this run start with it (PostgreSQL).
    pub prefix: String,
    pub name: String,
}

impl Engine {
    pub fn options(&self, dir: &Path) -> DbOptions {
        DbOptions {
            url: self.postgres.clone(),
            data_dir: dir.to_path_buf(),
            schema_prefix: self.prefix.clone(),
            max_connections: 16,
            sqlite_readers: 4,
            busy_timeout: Duration::from_secs(10),
            acquire_timeout: Duration::from_secs(10),
            statement_timeout: Duration::ZERO,
            sqlite_synchronous: Default::default(),
        }
    }

    /// The server's and the CLI's configuration for this engine.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        match &self.postgres {
            Some(url) => vec![
                ("SOJOURN__DATABASE__URL", url.clone()),
                ("SOJOURN__DATABASE__SCHEMA_PREFIX", self.prefix.clone()),
                ("SOJOURN__DATABASE__MAX_CONNECTIONS", "16".to_owned()),
            ],
            None => Vec::new(),
        }
    }

    /// `sojourn ARGS… --data-dir DIR` in the bench's quiet environment (as `server::command`,
    /// plus this engine's database); its output.
    pub fn sojourn(&self, args: &[&str], dir: &Path, extra: &[(&str, &str)]) -> std::process::Output {
        let mut command = Command::new(crate::server::binary());
        for (key, _) in std::env::vars_os() {
            let name = key.to_string_lossy();
            if name.starts_with("SOJOURN__") || ["DATABASE_URL", "REDIS_URL", "NATS_URL"].contains(&name.as_ref()) {
                command.env_remove(&key);
            }
        }
        command
            .env("SOJOURN__RATE_LIMIT__ENABLED", "false")
            .env("SOJOURN__LOG__LEVEL", "warn")
            .envs(self.env())
            .envs(extra.iter().copied())
            .args(args.iter().map(OsStr::new))
            .arg("--data-dir")
            .arg(dir)
            .stdin(Stdio::null())
            .output()
            .expect("run sojourn")
    }
}

/// A listing as insights recorded it from catalog's events.
#[derive(Debug, Clone)]
pub struct Listing {
    pub id: Uuid,
    pub host: Uuid,
    pub city: Option<String>,
    pub timezone: String,
    pub currency: String,
}

impl FromRow for Listing {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Listing {
            id: row.get_at(0)?,
            host: row.get_at(1)?,
            city: row.get_at(2)?,
            timezone: row.get_at(3)?,
            currency: row.get_at(4)?,
        })
    }
}

/// Cities of the listings written: (city, country, time zone, currency).
const CITIES: [(&str, &str, &str, &str); 8] = [
    ("Paris", "FR", "Europe/Paris", "EUR"),
    ("Lisbon", "PT", "Europe/Lisbon", "EUR"),
    ("Rome", "IT", "Europe/Rome", "EUR"),
    ("Berlin", "DE", "Europe/Berlin", "EUR"),
    ("London", "GB", "Europe/London", "GBP"),
    ("Edinburgh", "GB", "Europe/London", "GBP"),
    ("New York", "US", "America/New_York", "USD"),
    ("Lyon", "FR", "Europe/Paris", "EUR"),
];

/// The ids of `sojourn seed`'s hosts (`host{i}@seed.sojourn.test`), in order.
pub async fn hosts(identity: &Db, count: usize) -> Vec<Uuid> {
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let id: Option<(Uuid,)> = query("SELECT id FROM users WHERE email = $1")
            .bind(format!("host{i}@seed.sojourn.test"))
            .fetch_optional(identity)
            .await
            .expect("seeded hosts");
        out.extend(id.map(|(id,)| id));
    }
    out
}

/// `count` published listings in insights' facts, listing `n` belonging to host `n % hosts`
/// (so 100 each for 100,000 over 1,000 hosts), created over the 400 days before `now`, one
/// transaction per 1,000.
pub async fn listing_facts(db: &Db, hosts: &[Uuid], count: usize, now: DateTime<Utc>) {
    let first = now - chrono::Duration::days(400);
    let step = 400 * 86_400 / count.max(1) as i64;
    let rows: Vec<Vec<Arg>> = (0..count)
        .map(|n| {
            let (city, country, zone, currency) = CITIES[(n / hosts.len().max(1)) % CITIES.len()];
            let created = first + chrono::Duration::seconds(n as i64 * step);
            vec![
                Arg::Uuid(Some(kernel::new_id())),
                Arg::Uuid(Some(hosts[n % hosts.len()])),
                Arg::Text(Some(format!("Flat {n} in {city}"))),
                Arg::Text(Some(city.into())),
                Arg::Text(Some(country.into())),
                Arg::Text(Some(zone.into())),
                Arg::Text(Some(currency.into())),
                Arg::Time(Some(created)),
                Arg::Time(Some(created + chrono::Duration::hours(1))),
            ]
        })
        .collect();
    for chunk in rows.chunks(1_000) {
        let mut tx = db.begin().await.expect("begin");
        for part in chunk.chunks(ROWS_PER_INSERT) {
            let mut sql = String::from(
                "INSERT INTO insights_listings (id, host_id, kind, title, city, country, timezone, currency, status, \
                 created_at, published_at, version) VALUES ",
            );
            for i in 0..part.len() {
                let p = |k: usize| format!("${}", i * 9 + k);
                sql.push_str(if i == 0 { "(" } else { ", (" });
                sql.push_str(&format!(
                    "{}, {}, 'stay', {}, {}, {}, {}, {}, 'published', {}, {}, 1)",
                    p(1),
                    p(2),
                    p(3),
                    p(4),
                    p(5),
                    p(6),
                    p(7),
                    p(8),
                    p(9)
                ));
            }
            let mut q = query_dynamic(sql);
            for arg in part.iter().flatten() {
                q = q.bind(arg.clone());
            }
            q.execute(&mut tx).await.expect("insert listings");
        }
        tx.commit().await.expect("commit");
    }
}

pub async fn listings(db: &Db) -> Vec<Listing> {
    query("SELECT id, host_id, city, timezone, currency FROM insights_listings WHERE status = 'published' ORDER BY id")
        .fetch_all(db)
        .await
        .expect("insights' listings")
}

/// xorshift64*: the same seed gives the same reservations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const COLUMNS: &str = "id, listing_id, host_id, guest_id, kind, status, currency, timezone, destination, starts_at, \
     ends_at, check_in, check_out, nights, quantity, base, guest_total, guest_service_fee, host_fee, taxes, host_payout, \
     platform_revenue, paid, refunded, booked_at, confirmed_at, cancelled_at, updated_at";
const WIDTH: usize = 28;
const ROWS_PER_INSERT: usize = 500;

/// One stay booked at `booked_at` on a random listing: 1–7 nights starting 0–59 days later,
/// 80.00–279.99 a night plus 25.00 cleaning, 12 % guest fee, 3 % host fee; one in 16 cancelled
/// within its lead time.
fn reservation(rng: &mut Rng, l: &Listing, booked_at: DateTime<Utc>, now: DateTime<Utc>) -> Vec<Arg> {
    let lead = rng.below(60);
    let nights = 1 + rng.below(7);
    let check_in = booked_at.date_naive() + Days::new(lead);
    let check_out = check_in + Days::new(nights);
    let starts_at = check_in.and_hms_opt(15, 0, 0).unwrap().and_utc();
    let ends_at = check_out.and_hms_opt(11, 0, 0).unwrap().and_utc();
    let nightly = 8_000 + rng.below(20_000) as i64;
    let base = nightly * nights as i64 + 2_500;
    let (guest_fee, host_fee) = (base * 12 / 100, base * 3 / 100);
    let total = base + guest_fee;
    let confirmed_at = booked_at + chrono::Duration::minutes(1);
    let cancelled_at = (rng.below(16) == 0)
        .then(|| booked_at + chrono::Duration::hours(1 + rng.below(24 * (lead + 1)) as i64))
        .filter(|at| *at < now);
    let status = match cancelled_at {
        Some(_) => "cancelled",
        None if ends_at < now => "completed",
        None => "confirmed",
    };
    vec![
        Arg::Uuid(Some(kernel::new_id())),
        Arg::Uuid(Some(l.id)),
        Arg::Uuid(Some(l.host)),
        Arg::Uuid(Some(kernel::new_id())),
        Arg::Text(Some("stay".into())),
        Arg::Text(Some(status.into())),
        Arg::Text(Some(l.currency.clone())),
        Arg::Text(Some(l.timezone.clone())),
        Arg::Text(l.city.clone()),
        Arg::Time(Some(starts_at)),
        Arg::Time(Some(ends_at)),
        Arg::Date(Some(check_in)),
        Arg::Date(Some(check_out)),
        Arg::I64(Some(nights as i64)),
        Arg::I64(Some(2)),
        Arg::I64(Some(base)),
        Arg::I64(Some(total)),
        Arg::I64(Some(guest_fee)),
        Arg::I64(Some(host_fee)),
        Arg::I64(Some(0)),
        Arg::I64(Some(base - host_fee)),
        Arg::I64(Some(guest_fee + host_fee)),
        Arg::I64(Some(total)),
        Arg::I64(Some(if cancelled_at.is_some() { total } else { 0 })),
        Arg::Time(Some(booked_at)),
        Arg::Time(Some(confirmed_at)),
        Arg::Time(cancelled_at),
        Arg::Time(Some(cancelled_at.unwrap_or(confirmed_at))),
    ]
}

/// Writes `per_day` reservations booked on each of the `days` UTC days ending `today`, one
/// transaction per day; how many.
pub async fn reservations(db: &Db, listings: &[Listing], days: u64, per_day: usize, today: NaiveDate) -> usize {
    let mut rng = Rng(0x1_5EED_1A5E);
    let now = Utc::now();
    let first = today - Days::new(days - 1);
    let mut written = 0;
    for d in 0..days {
        let day = (first + Days::new(d)).and_hms_opt(0, 0, 0).unwrap().and_utc();
        let rows: Vec<Vec<Arg>> = (0..per_day)
            .map(|_| {
                let l = &listings[rng.below(listings.len() as u64) as usize];
                let booked_at = day + chrono::Duration::seconds(rng.below(86_400) as i64);
                reservation(&mut rng, l, booked_at.min(now), now)
            })
            .collect();
        let mut tx = db.begin().await.expect("begin");
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            let mut sql = format!("INSERT INTO insights_reservations ({COLUMNS}) VALUES ");
            for i in 0..chunk.len() {
                let marks: Vec<String> = (1..=WIDTH).map(|p| format!("${}", i * WIDTH + p)).collect();
                sql.push_str(if i == 0 { "(" } else { ", (" });
                sql.push_str(&marks.join(", "));
                sql.push(')');
            }
            let mut q = query_dynamic(sql);
            for arg in chunk.iter().flatten() {
                q = q.bind(arg.clone());
            }
            q.execute(&mut tx).await.expect("insert reservations");
        }
        tx.commit().await.expect("commit");
        written += rows.len();
    }
    written
}

/// The tracking store's INSERT (`tracking::store::insert`), as the endpoint runs it.
const TRACKED: &str = "INSERT INTO insights_tracked (id, client_id, visitor_id, user_id, type, at, received_at, \
     listing_id, path, query, target, referrer, props) VALUES ($1, $2, $3, NULL, 'page_view', $4, $4, NULL, $5, NULL, \
     NULL, NULL, NULL) ON CONFLICT (visitor_id, client_id) DO NOTHING";

/// The visitor of every row the limits write (deleted afterwards).
pub const LIMIT_VISITOR: Uuid = Uuid::from_u128(0xbe4c_0000_0000_4000_8000_0000_0000_0001);

/// `rows` tracked events per transaction from `concurrency` tasks for `duration`, into
/// insights' own `insights_tracked` through `platform::db`: (summary of transactions, rows/s).
pub async fn insert_limit(db: &Db, rows: usize, concurrency: usize, duration: Duration) -> (Summary, f64) {
    let written = Arc::new(AtomicUsize::new(0));
    let (d, w) = (db.clone(), written.clone());
    let started = Instant::now();
    let summary = load::run(concurrency, duration, move |_| {
        let (db, written) = (d.clone(), w.clone());
        async move {
            let Ok(mut tx) = db.begin().await else { return false };
            let now = Utc::now();
            for _ in 0..rows {
                let ok = query(TRACKED)
                    .bind(kernel::new_id())
                    .bind(kernel::new_id())
                    .bind(LIMIT_VISITOR)
                    .bind(now)
                    .bind("/listings")
                    .execute(&mut tx)
                    .await
                    .is_ok();
                if !ok {
                    return false;
                }
            }
            let ok = tx.commit().await.is_ok();
            if ok {
                written.fetch_add(rows, Ordering::Relaxed);
            }
            ok
        }
    })
    .await;
    let per_s = written.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64();
    (summary, per_s)
}

/// Removes what the limits wrote.
pub async fn forget_limit_rows(db: &Db) {
    query("DELETE FROM insights_tracked WHERE visitor_id = $1").bind(LIMIT_VISITOR).execute(db).await.expect("delete");
}
