//! Correctness after load: a benchmark that sold nights twice or lost money would be fast for
//! the wrong reason. After the purchases, the payments ledger must balance — seen as an
//! administrator sees it (the balances API) and in the database (every journal sums to zero in
//! its own currency) — and every night held by a reservation must be sold exactly once.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use platform::db::{Db, query};
use serde_json::{Value, json};

/// A check's one-line verdict; `ok == false` makes the whole run exit non-zero.
#[derive(Debug)]
pub struct Verdict {
    pub ok: bool,
    pub line: String,
}

/// `12345` EUR → `EUR 123.45` (the currency's own minor digits).
fn money(currency: &str, minor: i64) -> String {
    let digits = kernel::Currency::parse(currency).map_or(2, |c| c.minor_digits());
    if digits == 0 {
        return format!("{currency} {minor}");
    }
    let scale = 10i64.pow(u32::from(digits));
    let sign = if minor < 0 { "-" } else { "" };
    let (units, cents) = (minor.unsigned_abs() / scale as u64, minor.unsigned_abs() % scale as u64);
    format!("{currency} {sign}{units}.{cents:0width$}", width = usize::from(digits))
}

/// Signs in as `email` and reads `GET /payment/ledger/balances`: per currency, the accounts
/// must sum to zero (double entry); also what the processor holds.
pub async fn ledger_balances(client: &reqwest::Client, base: &str, email: &str, password: &str) -> Verdict {
    let login: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("admin login")
        .json()
        .await
        .expect("admin login body");
    let token = login["data"]["tokens"]["accessToken"].as_str().expect("admin token");
    let answer = client
        .get(format!("{base}/api/v1/payment/ledger/balances"))
        .bearer_auth(token)
        .send()
        .await
        .expect("ledger balances");
    let status = answer.status();
    let body: Value = answer.json().await.unwrap_or_default();
    let Some(balances) = body["data"]["balances"].as_array().filter(|_| status.is_success()) else {
        return Verdict { ok: false, line: format!("LEDGER NOT READABLE: {status} {body}") };
    };
    let mut sums: BTreeMap<String, i64> = BTreeMap::new();
    let mut processor: BTreeMap<String, i64> = BTreeMap::new();
    for b in balances {
        let currency = b["currency"].as_str().unwrap_or("?").to_ascii_uppercase();
        let amount = b["balance"].as_i64().unwrap_or(i64::MIN);
        *sums.entry(currency.clone()).or_default() += amount;
        if b["account"] == "processor" {
            *processor.entry(currency).or_default() += amount;
        }
    }
    let ok = !sums.is_empty() && sums.values().all(|&s| s == 0);
    let list = |m: &BTreeMap<String, i64>| m.iter().map(|(c, v)| money(c, *v)).collect::<Vec<_>>().join(", ");
    let verdict = if ok { "every currency sums to 0" } else { "LEDGER DOES NOT BALANCE" };
    let line = format!(
        "{verdict} over {} accounts (admin API): {}; processor holds {}",
        balances.len(),
        list(&sums),
        list(&processor)
    );
    Verdict { ok, line }
}

async fn count(db: &Db, sql: &'static str) -> i64 {
    let (n,): (i64,) = query(sql).fetch_one(db).await.expect(sql);
    n
}

/// In payments' database: journals, and those whose entries do not sum to zero or are in
/// another currency than the journal (or belong to no journal).
pub async fn ledger_journals(payments: &Db) -> Verdict {
    let journals = count(payments, "SELECT CAST(COUNT(*) AS BIGINT) FROM ledger_journals").await;
    let entries = count(payments, "SELECT CAST(COUNT(*) AS BIGINT) FROM ledger_entries").await;
    let unbalanced = count(
        payments,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM (SELECT journal_id FROM ledger_entries GROUP BY journal_id \
         HAVING SUM(amount) <> 0) AS unbalanced",
    )
    .await;
    let stray = count(
        payments,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM ledger_entries e LEFT JOIN ledger_journals j ON j.id = e.journal_id \
         WHERE j.id IS NULL OR e.currency <> j.currency",
    )
    .await;
    let ok = journals > 0 && unbalanced == 0 && stray == 0;
    let verdict = if ok { "OK" } else { "LEDGER DOES NOT BALANCE" };
    let line = format!(
        "{verdict}: {journals} journals, {entries} entries; {unbalanced} journals not summing to 0, \
         {stray} entries outside their journal's currency"
    );
    Verdict { ok, line }
}

/// In booking's database: no (listing, night) sold twice, every stay reservation that holds
/// its nights (any status but declined, cancelled, expired) holds exactly its nights, and no
/// night is held for a reservation that released them.
pub async fn nights(booking: &Db) -> Verdict {
    let (rows, distinct): (i64, i64) = query(
        "SELECT CAST(COUNT(*) AS BIGINT), CAST(COUNT(DISTINCT listing_id || ':' || CAST(night AS TEXT)) AS BIGINT) \
         FROM reserved_nights",
    )
    .fetch_one(booking)
    .await
    .expect("reserved nights");
    let held: Vec<(Option<String>, Option<String>, i64)> = query(
        "SELECT CAST(r.check_in AS TEXT), CAST(r.check_out AS TEXT), \
         (SELECT CAST(COUNT(*) AS BIGINT) FROM reserved_nights n WHERE n.reservation_id = r.id) \
         FROM reservations r WHERE r.kind = 'stay' AND r.status NOT IN ('declined', 'cancelled', 'expired')",
    )
    .fetch_all(booking)
    .await
    .expect("stay reservations");
    let day = |d: &Option<String>| d.as_deref().and_then(|d| d.get(..10)?.parse::<NaiveDate>().ok());
    let mut expected = 0i64;
    let mut wrong = 0usize;
    for (check_in, check_out, sold) in &held {
        let nights = match (day(check_in), day(check_out)) {
            (Some(a), Some(b)) => (b - a).num_days(),
            _ => -1,
        };
        expected += nights.max(0);
        if nights != *sold {
            wrong += 1;
        }
    }
    let orphans = count(
        booking,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM reserved_nights n WHERE NOT EXISTS (SELECT 1 FROM reservations r \
         WHERE r.id = n.reservation_id AND r.status NOT IN ('declined', 'cancelled', 'expired'))",
    )
    .await;
    let ok = rows == distinct && rows == expected && wrong == 0 && orphans == 0;
    let verdict = if ok { "OK" } else { "FAILED" };
    let line = format!(
        "{verdict}: {rows} nights sold, {distinct} distinct; {} stay reservations holding nights expect {expected}, \
         {wrong} of them hold a different number; {orphans} nights held for no live reservation",
        held.len()
    );
    Verdict { ok, line }
}

#[cfg(test)]
mod tests {

    use platform::db::{Db, DbOptions, query, query_dynamic};
    use serde_json::json;

    use super::{ledger_balances, ledger_journals, money, nights};

    #[test]
    fn money_uses_the_currency_digits() {
        assert_eq!(money("EUR", 12345), "EUR 123.45");
        assert_eq!(money("EUR", -5), "EUR -0.05");
        assert_eq!(money("JPY", 700), "JPY 700");
        assert_eq!(money("EUR", 0), "EUR 0.00");
    }

    /// A SQLite database with `ddl` run in it.
    async fn db(dir: &tempfile::TempDir, ddl: &str) -> Db {
        let opts = DbOptions::small(None, dir.path().to_path_buf());
        let db = platform::db::connect("checks", &opts).await.unwrap();
        for statement in ddl.split(';').filter(|s| !s.trim().is_empty()) {
            query_dynamic(statement.to_owned()).execute(&db).await.unwrap();
        }
        db
    }

    const LEDGER: &str = "CREATE TABLE ledger_journals (id TEXT PRIMARY KEY, currency TEXT NOT NULL); \
        CREATE TABLE ledger_entries (journal_id TEXT NOT NULL, account TEXT NOT NULL, amount BIGINT NOT NULL, currency TEXT NOT NULL); \
        INSERT INTO ledger_journals VALUES ('j1', 'EUR'); \
        INSERT INTO ledger_entries VALUES ('j1', 'processor', 1000, 'EUR'), ('j1', 'platform_revenue', -1000, 'EUR')";

    #[tokio::test]
    async fn an_unbalanced_journal_fails_loudly() {
        let dir = tempfile::tempdir().unwrap();
        let db = db(&dir, LEDGER).await;
        assert!(ledger_journals(&db).await.ok);
        query("INSERT INTO ledger_entries VALUES ('j1', 'taxes_payable', -1, 'EUR')").execute(&db).await.unwrap();
        let verdict = ledger_journals(&db).await;
        assert!(!verdict.ok);
        assert!(verdict.line.starts_with("LEDGER DOES NOT BALANCE: 1 journals"), "{}", verdict.line);
    }

    #[tokio::test]
    async fn a_night_sold_for_a_released_reservation_fails() {
        let dir = tempfile::tempdir().unwrap();
        let db = db(
            &dir,
            "CREATE TABLE reservations (id TEXT PRIMARY KEY, kind TEXT, status TEXT, check_in TEXT, check_out TEXT); \
             CREATE TABLE reserved_nights (listing_id TEXT, night TEXT, reservation_id TEXT, PRIMARY KEY (listing_id, night)); \
             INSERT INTO reservations VALUES ('r1', 'stay', 'confirmed', '2027-01-01', '2027-01-03'), \
                                             ('r2', 'stay', 'cancelled', '2027-02-01', '2027-02-02'); \
             INSERT INTO reserved_nights VALUES ('l', '2027-01-01', 'r1'), ('l', '2027-01-02', 'r1')",
        )
        .await;
        let verdict = nights(&db).await;
        assert!(verdict.ok, "{}", verdict.line);
        query("INSERT INTO reserved_nights VALUES ('l', '2027-02-01', 'r2')").execute(&db).await.unwrap();
        let verdict = nights(&db).await;
        assert!(!verdict.ok);
        assert!(verdict.line.contains("1 nights held for no live reservation"), "{}", verdict.line);
    }

    #[tokio::test]
    async fn balances_that_do_not_sum_to_zero_fail_loudly() {
        let token = json!({"data": {"tokens": {"accessToken": "t"}}});
        let balances = json!({"data": {"balances": [
            {"account": "processor", "currency": "EUR", "balance": 1000},
            {"account": "platform_revenue", "currency": "EUR", "balance": -999},
        ]}});
        let router = axum::Router::new()
            .route("/api/v1/auth/login", axum::routing::post(move || async move { axum::Json(token) }))
            .route("/api/v1/payment/ledger/balances", axum::routing::get(move || async move { axum::Json(balances) }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await });
        let verdict = ledger_balances(&reqwest::Client::new(), &base, "a@b.test", "p").await;
        assert!(!verdict.ok);
        assert_eq!(
            verdict.line,
            "LEDGER DOES NOT BALANCE over 2 accounts (admin API): EUR 0.01; processor holds EUR 10.00"
        );
    }
}
