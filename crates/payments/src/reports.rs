//! Financial reports, from the ledger alone: per currency and period, what was captured
//! (gross), refunded, earned in fees, kept (net) and paid out.

use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, FromRow, Row, query};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Line {
    pub currency: String,
    /// Captures in the period.
    pub payments: i64,
    pub gross: i64,
    pub refunds: i64,
    /// The platform's fees, net of what refunds gave back.
    pub fees: i64,
    /// Gross less refunds.
    pub net: i64,
    pub payouts: i64,
}

impl FromRow for Line {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let (gross, refunds): (i64, i64) = (row.get("gross")?, row.get("refunds")?);
        Ok(Line {
            currency: row.get("currency")?,
            payments: row.get("payments")?,
            gross,
            refunds,
            fees: row.get("fees")?,
            net: gross - refunds,
            payouts: row.get("payouts")?,
        })
    }
}

/// One line per currency for journals in `[from, to)`.
pub async fn lines(db: &Db, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Line>, DbError> {
    query(
        "SELECT j.currency, \
         CAST(SUM(CASE WHEN j.kind = 'capture' AND e.account = 'processor' THEN 1 ELSE 0 END) AS BIGINT) AS payments, \
         CAST(SUM(CASE WHEN j.kind = 'capture' AND e.account = 'processor' THEN e.amount ELSE 0 END) AS BIGINT) AS gross, \
         CAST(SUM(CASE WHEN j.kind = 'refund' AND e.account = 'processor' THEN -e.amount ELSE 0 END) AS BIGINT) AS refunds, \
         CAST(SUM(CASE WHEN e.account = 'platform_revenue' THEN -e.amount ELSE 0 END) AS BIGINT) AS fees, \
         CAST(SUM(CASE WHEN j.kind = 'payout' AND e.account = 'processor' THEN -e.amount ELSE 0 END) AS BIGINT) AS payouts \
         FROM ledger_journals j JOIN ledger_entries e ON e.journal_id = j.id \
         WHERE j.created_at >= $1 AND j.created_at < $2 GROUP BY j.currency ORDER BY j.currency",
    )
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await
}

/// The report as CSV (RFC 4180), one line per currency.
pub fn csv(lines: &[Line], from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let mut out = String::from("period_start,period_end,currency,payments,gross,fees,refunds,net,payouts\r\n");
    for l in lines {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}\r\n",
            from.to_rfc3339(),
            to.to_rfc3339(),
            l.currency,
            l.payments,
            l.gross,
            l.fees,
            l.refunds,
            l.net,
            l.payouts
        ));
    }
    out
}
