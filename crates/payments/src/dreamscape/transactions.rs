//! Payments as DreamScape's "payment transactions" (its Appendix A.13), for administrators:
//! our intents with DreamScape's status, the booking they are for, and when they were
//! captured, failed or refunded (from the audit log and the refunds).

use chrono::{DateTime, Utc};
use platform::db::{Arg, Db, DbError, Executor, FromRow, Json, Row, query_dynamic};
use serde_json::{Value, json};
use uuid::Uuid;

/// DreamScape's PaymentTransactionStatus of an intent. One definition, used to show, filter
/// and sort:
///
/// - `REFUNDED`: money was given back (or a refund is on its way), in full or in part;
/// - `SUCCEEDED`: captured;
/// - `FAILED`: the last attempt was declined (the payer may try again), or an administrator
///   marked it failed (it is then cancelled at the processor);
/// - `CANCELED`: cancelled before anything was taken;
/// - `PROCESSING`: the processor is working on it, or the card is authorised and waits for its
///   capture (a request to book);
/// - `PENDING`: opened, not paid yet.
pub const STATUS_SQL: &str = "CASE WHEN i.amount_refunded > 0 THEN 'REFUNDED' \
     WHEN i.status = 'succeeded' THEN 'SUCCEEDED' \
     WHEN i.status IN ('requires_payment_method', 'canceled') AND i.last_error IS NOT NULL THEN 'FAILED' \
     WHEN i.status = 'canceled' THEN 'CANCELED' \
     WHEN i.status IN ('processing', 'requires_capture') THEN 'PROCESSING' ELSE 'PENDING' END";

/// Every PaymentTransactionStatus.
pub const STATUSES: [&str; 6] = ["PENDING", "PROCESSING", "SUCCEEDED", "FAILED", "CANCELED", "REFUNDED"];

/// Why an administrator's `FAILED` cancelled a payment (its `failureReason`).
pub const MARKED_FAILED: &str = "marked_failed_by_administrator";

/// A payment with what administrators see of it.
#[derive(Debug, Clone)]
pub struct Transaction {
    pub id: String,
    pub user_id: Uuid,
    pub reservation_id: Uuid,
    pub booking_reference: String,
    /// The DS- booking's id, when booking's events told payments.
    pub booking_id: Option<Uuid>,
    pub amount: i64,
    pub amount_refunded: i64,
    pub currency: String,
    /// Ours (Stripe's states).
    pub processor_status: String,
    /// DreamScape's ([`STATUS_SQL`]).
    pub status: String,
    pub last_error: Option<String>,
    pub provider: String,
    pub metadata: Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub failed_at: Option<DateTime<Utc>>,
    pub refunded_at: Option<DateTime<Utc>>,
}

impl FromRow for Transaction {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let Json(metadata): Json<Value> = row.get("metadata")?;
        Ok(Transaction {
            id: row.get("id")?,
            user_id: row.get("user_id")?,
            reservation_id: row.get("reservation_id")?,
            booking_reference: row.get("booking_reference")?,
            booking_id: row.get("booking_id")?,
            amount: row.get("amount")?,
            amount_refunded: row.get("amount_refunded")?,
            currency: row.get("currency")?,
            processor_status: row.get("status")?,
            status: row.get("ds_status")?,
            last_error: row.get("last_error")?,
            provider: row.get("provider")?,
            metadata,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
            confirmed_at: row.get("confirmed_at")?,
            failed_at: row.get("failed_at")?,
            refunded_at: row.get("refunded_at")?,
        })
    }
}

fn select() -> String {
    format!(
        "SELECT i.id, i.user_id, i.reservation_id, i.booking_reference, b.id AS booking_id, i.amount, \
         i.amount_refunded, i.currency, i.status, {STATUS_SQL} AS ds_status, i.last_error, i.provider, i.metadata, \
         i.created_at, i.updated_at, \
         (SELECT MIN(a.at) FROM audit_log a WHERE a.subject = i.id AND a.action = 'payment.succeeded') AS confirmed_at, \
         (SELECT MAX(a.at) FROM audit_log a WHERE a.subject = i.id \
            AND a.action IN ('payment.failed', 'payment.marked_failed')) AS failed_at, \
         (SELECT MIN(r.created_at) FROM refunds r WHERE r.intent_id = i.id AND r.status <> 'failed') AS refunded_at \
         FROM payment_intents i LEFT JOIN payment_bookings b ON b.reference = i.booking_reference AND b.kind IS NULL"
    )
}

/// Filters of the administrators' list, validated.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Lower-case; matched anywhere in the booking reference or the payment id.
    pub search: Option<String>,
    pub status: Option<&'static str>,
    pub from: Option<DateTime<Utc>>,
    /// Exclusive.
    pub to: Option<DateTime<Utc>>,
    /// Major units, as DreamScape counts them.
    pub min_amount: Option<f64>,
    pub max_amount: Option<f64>,
    /// A column of [`sort_column`].
    pub sort: &'static str,
    pub descending: bool,
}

/// The column behind a DreamScape `sortBy`; `None` for anything else.
pub fn sort_column(name: &str) -> Option<&'static str> {
    Some(match name {
        "createdAt" => "i.created_at",
        "updatedAt" => "i.updated_at",
        "amount" => "i.amount",
        "status" => "ds_status",
        "currency" => "i.currency",
        "paymentIntentId" | "id" => "i.id",
        "bookingReference" => "i.booking_reference",
        _ => return None,
    })
}

/// `LIKE` pattern for a substring, `%`, `_` and `\` taken literally.
fn like_pattern(needle: &str) -> String {
    let mut out = String::from("%");
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Positional arguments of a query built piece by piece.
#[derive(Default)]
struct Args(Vec<Arg>);

impl Args {
    fn push(&mut self, arg: impl platform::db::IntoArg) -> String {
        self.0.push(arg.into_arg());
        format!("${}", self.0.len())
    }
}

/// The minor-unit bounds of a major-unit range in `currency`.
fn minor_bounds(currency: &str, min: Option<f64>, max: Option<f64>) -> (Option<i64>, Option<i64>) {
    let digits = kernel::Currency::parse(currency).map_or(2, |c| c.minor_digits());
    let scale = 10_f64.powi(i32::from(digits));
    #[allow(clippy::cast_possible_truncation)]
    let bound = |v: f64, up: bool| {
        let scaled = if up { (v * scale - 1e-6).ceil() } else { (v * scale + 1e-6).floor() };
        scaled.clamp(-9.0e15, 9.0e15) as i64
    };
    (min.map(|v| bound(v, true)), max.map(|v| bound(v, false)))
}

async fn where_clause(db: &Db, f: &Filter, args: &mut Args) -> Result<String, DbError> {
    let mut parts = Vec::new();
    if let Some(s) = &f.search {
        let p = args.push(like_pattern(s));
        parts.push(format!("(LOWER(i.booking_reference) LIKE {p} ESCAPE '\\' OR LOWER(i.id) LIKE {p} ESCAPE '\\')"));
    }
    if let Some(status) = f.status {
        parts.push(format!("{STATUS_SQL} = {}", args.push(status)));
    }
    if let Some(from) = f.from {
        parts.push(format!("i.created_at >= {}", args.push(from)));
    }
    if let Some(to) = f.to {
        parts.push(format!("i.created_at < {}", args.push(to)));
    }
    if f.min_amount.is_some() || f.max_amount.is_some() {
        // Amounts are kept in minor units: the bounds are converted per currency.
        let currencies: Vec<(String,)> =
            query_dynamic("SELECT DISTINCT currency FROM payment_intents".into()).fetch_all(db).await?;
        let mut any = Vec::new();
        for (currency,) in currencies {
            let (min, max) = minor_bounds(&currency, f.min_amount, f.max_amount);
            let mut one = vec![format!("i.currency = {}", args.push(currency))];
            if let Some(min) = min {
                one.push(format!("i.amount >= {}", args.push(min)));
            }
            if let Some(max) = max {
                one.push(format!("i.amount <= {}", args.push(max)));
            }
            any.push(format!("({})", one.join(" AND ")));
        }
        parts.push(if any.is_empty() { "1 = 0".into() } else { format!("({})", any.join(" OR ")) });
    }
    Ok(if parts.is_empty() { String::new() } else { format!(" WHERE {}", parts.join(" AND ")) })
}

/// A page of payments matching `f`, and how many match.
pub async fn list(db: &Db, f: &Filter, limit: i64, offset: i64) -> Result<(Vec<Transaction>, i64), DbError> {
    let mut args = Args::default();
    let filter = where_clause(db, f, &mut args).await?;
    let mut count = query_dynamic(format!("SELECT CAST(COUNT(*) AS BIGINT) FROM payment_intents i{filter}"));
    for a in args.0.clone() {
        count = count.bind(a);
    }
    let (total,): (i64,) = count.fetch_one(db).await?;
    let order = if f.descending { "DESC" } else { "ASC" };
    let (l, o) = (args.push(limit), args.push(offset));
    let mut page =
        query_dynamic(format!("{}{filter} ORDER BY {} {order}, i.id {order} LIMIT {l} OFFSET {o}", select(), f.sort));
    for a in args.0 {
        page = page.bind(a);
    }
    Ok((page.fetch_all(db).await?, total))
}

/// One payment.
pub async fn find<'c>(on: impl Executor<'c>, id: &str) -> Result<Option<Transaction>, DbError> {
    query_dynamic(format!("{} WHERE i.id = $1", select())).bind(id).fetch_optional(on).await
}

/// Minor units as DreamScape's major-unit number (`22400` EUR → `224`).
pub fn major(amount: i64, currency: &str) -> f64 {
    crate::processor::decimal(amount, currency).parse().unwrap_or_default()
}

/// DreamScape's admin payment item. Payments does not hold users' names or e-mail addresses:
/// `user` carries the id only.
pub fn item(t: &Transaction) -> Value {
    let booking_id = t.booking_id.map_or_else(
        || {
            if crate::groups::is_group(&t.booking_reference) {
                t.booking_reference.clone()
            } else {
                t.reservation_id.to_string()
            }
        },
        |id| id.to_string(),
    );
    json!({
        "id": t.id, "paymentIntentId": t.id, "bookingId": booking_id, "bookingReference": t.booking_reference,
        "userId": t.user_id, "amount": major(t.amount, &t.currency), "amountMinor": t.amount,
        "amountRefunded": major(t.amount_refunded, &t.currency), "currency": t.currency, "status": t.status,
        "processorStatus": t.processor_status, "provider": t.provider, "paymentMethod": null,
        "stripeCustomerId": null, "failureReason": t.last_error, "createdAt": t.created_at, "updatedAt": t.updated_at,
        "confirmedAt": t.confirmed_at, "failedAt": t.failed_at, "refundedAt": t.refunded_at,
        "user": { "id": t.user_id, "email": null, "firstName": null, "lastName": null },
    })
}
