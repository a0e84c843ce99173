//! What the administrators' back-office reads and writes of bookings by reference: the
//! bookings a search narrows down (by creation time and by text), their lines in bulk, the
//! administrators' area of a booking and, while no payment exists, its total.

use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, Tx, query, query_dynamic};
use serde_json::Value;
use uuid::Uuid;

use super::store::{TRIP_COLUMNS, Trip, TripItem};

/// At most this many bookings are read for one admin list or export.
pub const SCAN_LIMIT: i64 = 10_000;

/// What SQL narrows before the derived fields (status, type, destination) are computed.
#[derive(Debug, Default, Clone)]
pub struct Narrow {
    pub created_from: Option<DateTime<Utc>>,
    /// Exclusive.
    pub created_before: Option<DateTime<Utc>>,
    /// Lower-case `LIKE` pattern, escaped, with `%` around it.
    pub pattern: Option<String>,
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern that contains `text`.
pub fn contains_pattern(text: &str) -> String {
    let mut out = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// The newest bookings (at most [`SCAN_LIMIT`]) created in the window whose reference,
/// contact e-mail or travellers' names contain the pattern.
pub async fn narrowed(db: &Db, n: &Narrow) -> Result<Vec<Trip>, DbError> {
    query_dynamic(format!(
        "SELECT {TRIP_COLUMNS} FROM trips WHERE ($1 IS NULL OR created_at >= $1) AND ($2 IS NULL OR created_at < $2) \
         AND ($3 IS NULL OR LOWER(reference) LIKE $3 ESCAPE '\\' OR LOWER(COALESCE(contact_email, '')) LIKE $3 ESCAPE '\\' \
         OR LOWER(CAST(passengers AS TEXT)) LIKE $3 ESCAPE '\\') \
         ORDER BY created_at DESC, id DESC LIMIT $4"
    ))
    .bind(n.created_from)
    .bind(n.created_before)
    .bind(n.pattern.clone())
    .bind(SCAN_LIMIT)
    .fetch_all(db)
    .await
}

/// The lines of `trips`, in position order (chunks of 500 binds).
pub async fn items_of(db: &Db, trips: &[Uuid]) -> Result<Vec<TripItem>, DbError> {
    let mut out = Vec::new();
    for chunk in trips.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
        let mut q = query_dynamic(format!(
            "SELECT id, trip_id, position, item_type, title, quantity, amount, reservation_id, offer, status, \
             supplier_ref, created_at FROM trip_items WHERE trip_id IN ({}) ORDER BY trip_id, position",
            marks.join(", ")
        ));
        for id in chunk {
            q = q.bind(*id);
        }
        out.extend(q.fetch_all::<TripItem>(db).await?);
    }
    Ok(out)
}

/// Replaces the administrators' area of a booking.
pub async fn set_admin_data(tx: &mut Tx, trip: Uuid, data: &Value, now: DateTime<Utc>) -> Result<(), DbError> {
    query("UPDATE trips SET admin_data = $2, updated_at = $3 WHERE id = $1")
        .bind(trip)
        .bind(data.clone())
        .bind(now)
        .execute(tx)
        .await?;
    Ok(())
}

/// Sets the total (and the suppliers' part) of a booking whose payment was never opened and
/// that owes all of it; `false` when that is no longer so.
pub async fn set_unpaid_total(
    tx: &mut Tx,
    trip: Uuid,
    total: i64,
    supplier_amount: i64,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let n = query(
        "UPDATE trips SET total = $2, supplier_amount = $3, updated_at = $4 \
         WHERE id = $1 AND status = 'pending_payment' AND payment_intent_id IS NULL AND paid = 0",
    )
    .bind(trip)
    .bind(total)
    .bind(supplier_amount)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(n == 1)
}
