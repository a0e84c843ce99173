//! `GET /bookings/stats` (the caller's own bookings) and the admin CSV export.

use std::collections::BTreeMap;

use kernel::ApiError;
use platform::auth::AuthUser;
use serde_json::{Value, json};

use super::admin::{Loaded, STATUSES, TYPES};
use super::money::major;
use crate::service::Bookings;

/// At most this many of a user's bookings are counted.
const STATS_LIMIT: i64 = 10_000;

impl Bookings {
    /// The caller's bookings counted: `{total, byStatus, byType, totalSpent, currency,
    /// upcomingTrips}` (plus the dashboard's `totalBookings`, `totalAmount`, and the spending
    /// of each currency). Spent = CONFIRMED and COMPLETED bookings, what was paid less refunds.
    pub async fn trip_stats(&self, user: &AuthUser) -> Result<Value, ApiError> {
        let (trips, _) = super::store::trips_of(&self.db, user.user_id, STATS_LIMIT, 0).await?;
        let loaded = self.load_trips(trips).await?;
        let now = self.clock.now();
        let mut by_status: BTreeMap<&str, i64> = STATUSES.iter().map(|s| (*s, 0)).collect();
        let mut by_type: BTreeMap<&str, i64> = TYPES.iter().map(|t| (*t, 0)).collect();
        let mut spent: BTreeMap<String, (i64, usize)> = BTreeMap::new();
        let mut upcoming = 0;
        for b in &loaded {
            *by_status.entry(b.status).or_default() += 1;
            *by_type.entry(b.kind).or_default() += 1;
            let t = &b.trip;
            let entry = spent.entry(t.currency.clone()).or_default();
            entry.1 += 1;
            if ["CONFIRMED", "COMPLETED"].contains(&b.status) {
                entry.0 += (t.paid - t.refunded).max(0);
            }
            let starts = b.found.iter().filter_map(|r| r.starts_at).min();
            if ["CONFIRMED", "PENDING"].contains(&b.status) && starts.is_some_and(|s| s > now) {
                upcoming += 1;
            }
        }
        // The currency of most of the caller's bookings (EUR without any).
        let currency = spent.iter().max_by_key(|(_, (_, n))| *n).map_or_else(|| "EUR".to_owned(), |(c, _)| c.clone());
        let total_spent = spent.get(&currency).map_or(0.0, |(minor, _)| major(*minor, &currency));
        let per_currency: Vec<Value> = spent
            .iter()
            .map(|(c, (minor, _))| json!({ "currency": c, "amount": major(*minor, c), "amountMinor": minor }))
            .collect();
        Ok(json!({ "total": loaded.len(), "totalBookings": loaded.len(), "byStatus": by_status, "byType": by_type,
                   "totalSpent": total_spent, "totalAmount": total_spent, "currency": currency,
                   "spentByCurrency": per_currency, "upcomingTrips": upcoming }))
    }
}

/// One CSV cell: quoted, quotes doubled, and a leading `=`, `+`, `-`, `@`, tab or carriage
/// return neutralised with `'` so a spreadsheet never reads it as a formula.
fn cell(value: &str) -> String {
    let guarded =
        if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_owned() };
    format!("\"{}\"", guarded.replace('"', "\"\""))
}

/// ROUTES.md's export: `id,reference,type,status,destination,userId,userEmail,totalAmount,
/// currency,confirmedAt,createdAt`, every data cell quoted.
pub fn export_csv(rows: &[Loaded]) -> String {
    let mut out = String::from(
        "id,reference,type,status,destination,userId,userEmail,totalAmount,currency,confirmedAt,createdAt\n",
    );
    let at = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)).unwrap_or_default()
    };
    for b in rows {
        let t = &b.trip;
        let cells = [
            t.id.to_string(),
            t.reference.clone(),
            b.kind.to_owned(),
            b.status.to_owned(),
            b.destination.clone().unwrap_or_default(),
            t.user_id.to_string(),
            t.contact_email.clone().unwrap_or_default(),
            major(t.total, &t.currency).to_string(),
            t.currency.clone(),
            at(t.confirmed_at),
            at(Some(t.created_at)),
        ];
        out.push_str(&cells.iter().map(|c| cell(c)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn cells_are_quoted_and_never_formulas() {
        assert_eq!(cell("DS-1"), "\"DS-1\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("+1"), "\"'+1\"");
        assert_eq!(cell("@SUM(A1)"), "\"'@SUM(A1)\"");
        assert_eq!(cell("a,b\nc"), "\"a,b\nc\"");
    }
}
