//! A host's monthly financial statement (a UTC month), per currency, from payments' events as
//! insights recorded them: captures of the host's reservations (what each earned the host),
//! refunds (the host's share taken back), recoveries (shares taken back from later payouts
//! because the host was already paid) and payouts. Its closing movement, earnings − refund
//! shares − payouts, is what the month changed of what the platform owes the host: the
//! negation of the month's sum of the `host:<id>` entries in payments' ledger (debits positive).

use chrono::{DateTime, NaiveDate, Utc};
use kernel::{ApiError, FieldError};
use serde::Serialize;
use uuid::Uuid;

use super::Insights;
use super::host::Caller;
use super::host_store;

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Bookings {
    /// Captures of the host's reservations.
    pub count: i64,
    /// What the guests paid.
    pub guest_total: i64,
    /// The host fees of those reservations.
    pub host_fees: i64,
    /// What the captures credited the host (their payouts).
    pub earnings: i64,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Refunds {
    pub count: i64,
    /// What went back to the guests.
    pub guest_amount: i64,
    /// What the refunds took back from the host.
    pub host_share: i64,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Counted {
    pub count: i64,
    pub amount: i64,
}

/// One currency's lines, in minor units.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatementLine {
    pub currency: String,
    pub bookings: Bookings,
    pub refunds: Refunds,
    /// Part of `refunds.hostShare`: shares recovered from later payouts (already in the
    /// refunds; shown, not subtracted again).
    pub recoveries: Counted,
    /// Payouts paid in the month (net of the recoveries they took).
    pub payouts: Counted,
    /// earnings − refund shares − payouts.
    pub closing_movement: i64,
    /// The month's change of the `host:<id>` ledger account (debits positive): −closing movement.
    pub host_account_change: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Statement {
    pub host_id: Uuid,
    /// `YYYY-MM`.
    pub month: String,
    /// Months are UTC months.
    pub timezone: String,
    pub from: DateTime<Utc>,
    /// Exclusive.
    pub to: DateTime<Utc>,
    pub currencies: Vec<StatementLine>,
}

/// The first instants of `YYYY-MM` and of the next month (UTC).
pub fn month(raw: &str) -> Result<(DateTime<Utc>, DateTime<Utc>), ApiError> {
    let bad = || ApiError::validation(vec![FieldError::new("month", "must be a month YYYY-MM")]);
    let first = NaiveDate::parse_from_str(&format!("{}-01", raw.trim()), "%Y-%m-%d").map_err(|_| bad())?;
    if raw.trim().len() != 7 {
        return Err(bad());
    }
    let next = first.checked_add_months(chrono::Months::new(1)).ok_or_else(bad)?;
    let at = |d: NaiveDate| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    Ok((at(first), at(next)))
}

impl Insights {
    /// `host`'s statement for the month `raw` (`YYYY-MM`).
    pub async fn host_statement(&self, caller: Caller, host: Option<&str>, raw: &str) -> Result<Statement, ApiError> {
        let mut errors = Vec::new();
        let host = super::host::host_of(caller, host, &mut errors)?;
        let period = month(raw);
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        let (from, to) = period?;
        let mut lines: Vec<StatementLine> = Vec::new();
        for m in host_store::money(&self.db, host, from, to).await? {
            if lines.last().is_none_or(|l| l.currency != m.currency) {
                lines.push(StatementLine { currency: m.currency.clone(), ..StatementLine::default() });
            }
            let Some(line) = lines.last_mut() else { continue };
            match m.kind.as_str() {
                "capture" => {
                    line.bookings = Bookings {
                        count: m.count,
                        guest_total: m.amount,
                        host_fees: m.host_fees,
                        earnings: m.host_amount,
                    }
                }
                "refund" => {
                    line.refunds = Refunds { count: m.count, guest_amount: m.amount, host_share: m.host_amount }
                }
                "recovery" => line.recoveries = Counted { count: m.count, amount: m.amount },
                _ => line.payouts = Counted { count: m.count, amount: m.amount },
            }
        }
        for line in &mut lines {
            line.closing_movement = line.bookings.earnings - line.refunds.host_share - line.payouts.amount;
            line.host_account_change = -line.closing_movement;
        }
        Ok(Statement {
            host_id: host,
            month: raw.trim().to_owned(),
            timezone: "UTC".into(),
            from,
            to,
            currencies: lines,
        })
    }
}
