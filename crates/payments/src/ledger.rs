//! The double-entry ledger. Every money movement is a journal of entries in one currency that
//! sum to zero (debits positive, credits negative), so balances are derivable from the ledger
//! alone. Accounts:
//!
//! - `processor`: money held at the payment processor (an asset);
//! - `host:<user id>`: what is owed to a host (a liability, so its balance is negative);
//! - `platform_revenue`: the platform's fees (income, negative when earned);
//! - `taxes_payable`: taxes collected for remittance (a liability).

use chrono::{DateTime, Utc};
use kernel::ApiError;
use platform::db::{Db, DbError, Tx, query};
use uuid::Uuid;

use crate::store::Payable;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub account: String,
    pub amount: i64,
}

fn entry(account: impl Into<String>, amount: i64) -> Entry {
    Entry { account: account.into(), amount }
}

fn host_account(p: &Payable) -> String {
    p.host_id.map_or_else(|| "host:unknown".to_owned(), |h| format!("host:{h}"))
}

/// A capture of `amount`: the processor holds it; the host is owed their payout, taxes are
/// owed to the authorities, and the platform earns the rest.
pub fn capture(p: &Payable, amount: i64) -> Vec<Entry> {
    let host = p.host_payout.clamp(0, amount);
    let taxes = p.taxes.clamp(0, amount - host);
    vec![
        entry("processor", amount),
        entry(host_account(p), -host),
        entry("taxes_payable", -taxes),
        entry("platform_revenue", -(amount - host - taxes)),
    ]
}

/// A refund of `amount`. With booking's breakdown (`host_reversal`: how much less the host is
/// now owed, `tax_reversal`: the taxes refunded), each side gives back its part; without one
/// (a refund decided by an administrator), the platform bears it.
pub fn refund(p: &Payable, amount: i64, split: Option<(i64, i64)>) -> Vec<Entry> {
    let (host, taxes) = split.unwrap_or((0, 0));
    let host = host.clamp(0, amount);
    let taxes = taxes.clamp(0, amount - host);
    vec![
        entry("processor", -amount),
        entry(host_account(p), host),
        entry("taxes_payable", taxes),
        entry("platform_revenue", amount - host - taxes),
    ]
}

/// A refund of `amount` borne by `account` alone (the platform for an administrator's refund
/// of a group, the suppliers for a supplier's).
pub fn refund_from(account: &str, amount: i64) -> Vec<Entry> {
    vec![entry("processor", -amount), entry(account, amount)]
}

/// A capture's part owed to travel suppliers.
pub fn supplier_capture(amount: i64) -> Vec<Entry> {
    vec![entry("processor", amount), entry("suppliers_payable", -amount)]
}

/// What a capture's entries owe the host.
pub fn host_share(entries: &[Entry]) -> i64 {
    entries.iter().filter(|e| e.account.starts_with("host:")).map(|e| -e.amount).sum()
}

/// What a refund's entries take back from the host.
pub fn host_reversal(entries: &[Entry]) -> i64 {
    entries.iter().filter(|e| e.account.starts_with("host:")).map(|e| e.amount).sum()
}

/// Records a journal once per `(kind, reference)`; a second posting is ignored.
#[allow(clippy::too_many_arguments)]
pub async fn post(
    tx: &mut Tx,
    kind: &str,
    reference: &str,
    reservation: Option<Uuid>,
    currency: &str,
    entries: &[Entry],
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    if entries.iter().map(|e| e.amount).sum::<i64>() != 0 {
        tracing::error!(kind, reference, ?entries, "unbalanced journal refused");
        return Err(ApiError::internal());
    }
    let id = kernel::new_id();
    let inserted = query(
        "INSERT INTO ledger_journals (id, kind, reference, reservation_id, currency, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(kind)
    .bind(reference)
    .bind(reservation)
    .bind(currency)
    .bind(now)
    .execute(&mut *tx)
    .await;
    match inserted {
        Ok(_) => {}
        Err(DbError::UniqueViolation { .. }) => return Ok(()),
        Err(e) => return Err(e.into()),
    }
    for e in entries.iter().filter(|e| e.amount != 0) {
        query("INSERT INTO ledger_entries (journal_id, account, amount, currency) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(e.account.as_str())
            .bind(e.amount)
            .bind(currency)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// Every account's balance per currency, from the entries alone.
pub async fn balances(db: &Db) -> Result<Vec<(String, String, i64)>, DbError> {
    query(
        "SELECT account, currency, CAST(SUM(amount) AS BIGINT) AS balance FROM ledger_entries \
         GROUP BY account, currency ORDER BY account, currency",
    )
    .fetch_all(db)
    .await
}

/// One account's entries in `[from, to)` summed per currency and journal kind (`capture`,
/// `refund`, `payout`): (currency, kind, entries, sum), debits positive.
pub async fn account_sums(
    db: &Db,
    account: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(String, String, i64, i64)>, DbError> {
    let rows: Vec<(String, String, i64)> = query(
        "SELECT e.currency, j.kind, CAST(SUM(e.amount) AS BIGINT) AS total FROM ledger_entries e \
         JOIN ledger_journals j ON j.id = e.journal_id WHERE e.account = $1 AND j.created_at >= $2 \
         AND j.created_at < $3 GROUP BY e.currency, j.kind ORDER BY e.currency, j.kind",
    )
    .bind(account)
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await?;
    let counts: Vec<(String, String, i64)> = query(
        "SELECT e.currency, j.kind, CAST(COUNT(*) AS BIGINT) AS n FROM ledger_entries e \
         JOIN ledger_journals j ON j.id = e.journal_id WHERE e.account = $1 AND j.created_at >= $2 \
         AND j.created_at < $3 GROUP BY e.currency, j.kind ORDER BY e.currency, j.kind",
    )
    .bind(account)
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().zip(counts).map(|((c, k, sum), (_, _, n))| (c, k, n, sum)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payable() -> Payable {
        Payable {
            reservation_id: Uuid::nil(),
            guest_id: Uuid::nil(),
            host_id: Some(Uuid::nil()),
            currency: "EUR".into(),
            total: 25_760,
            instant_book: true,
            status: "pending_payment".into(),
            host_payout: 22_310,
            platform_revenue: 3_450,
            taxes: 0,
            starts_at: None,
        }
    }

    #[test]
    fn journals_balance_whatever_the_split() {
        let p = payable();
        let sum = |e: &[Entry]| e.iter().map(|x| x.amount).sum::<i64>();
        assert_eq!(sum(&capture(&p, 25_760)), 0);
        // Host payout 22 310 (23 000 − 3 % fee); the platform keeps 2 760 + 690.
        assert_eq!(capture(&p, 25_760)[3], entry("platform_revenue", -3_450));
        assert_eq!(sum(&refund(&p, 25_760, Some((22_310, 0)))), 0);
        assert_eq!(sum(&refund(&p, 1_000, None)), 0);
        assert_eq!(sum(&refund(&p, 100, Some((500, 500)))), 0, "a split larger than the refund is clamped");
    }
}
