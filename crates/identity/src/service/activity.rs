//! A user's activity for DreamScape's admin detail screen: their latest history entries,
//! bookings and payments (the read model), merged newest first.

use chrono::{DateTime, Utc};
use kernel::ApiError;
use uuid::Uuid;

use super::Accounts;
use crate::domain::backoffice::{major, two_decimals};
use crate::store::admin_users;
use crate::store::dashboard as store;

/// One entry of a user's activity.
#[derive(Debug, Clone)]
pub struct ActivityItem {
    pub id: String,
    pub kind: &'static str,
    pub label: String,
    pub detail: String,
    pub status: Option<String>,
    pub amount: Option<f64>,
    pub currency: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// At most this many of each kind are merged into the activity.
const ACTIVITY_EACH: u32 = 100;

fn history_label(kind: &str) -> &'static str {
    match kind {
        "search" | "SEARCHED" => "Search",
        "view" | "VIEWED" => "Viewed",
        "booking" | "CREATED" => "Booked",
        "favorite" | "FAVORITED" => "Added to favourites",
        "UNFAVORITED" => "Removed from favourites",
        "UPDATED" => "Updated",
        "DELETED" => "Deleted",
        _ => "Activity",
    }
}

impl Accounts {
    /// A user's latest history entries, bookings and payments merged, newest first; one page
    /// of them and the number of all.
    pub async fn activity(&self, id: Uuid, limit: u32, offset: u64) -> Result<(Vec<ActivityItem>, usize), ApiError> {
        admin_users::find(&self.db, id).await?.ok_or_else(|| ApiError::not_found("User not found"))?;
        let mut items = Vec::new();
        for h in store::history_of(&self.db, id, ACTIVITY_EACH).await? {
            let detail =
                [h.item_type.as_deref(), h.item_id.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
            items.push(ActivityItem {
                id: format!("history-{}", h.id),
                kind: "history",
                label: history_label(&h.kind).to_owned(),
                detail,
                status: None,
                amount: None,
                currency: None,
                created_at: h.created_at,
            });
        }
        for b in store::bookings_of(&self.db, id, ACTIVITY_EACH).await? {
            let detail = match &b.destination {
                Some(d) => format!("{} · {d}", b.booking_type),
                None => b.booking_type.clone(),
            };
            items.push(ActivityItem {
                id: format!("booking-{}", b.id),
                kind: "booking",
                label: format!("Booking {}", b.reference),
                detail,
                status: Some(b.status),
                amount: Some(two_decimals(major(b.amount, &b.currency))),
                currency: Some(b.currency),
                created_at: b.created_at,
            });
        }
        for p in store::payments_of(&self.db, id, ACTIVITY_EACH).await? {
            items.push(ActivityItem {
                id: format!("payment-{}", p.id),
                kind: "payment",
                label: format!("Payment for {}", p.reference),
                detail: p.method.clone().unwrap_or_else(|| "card".into()),
                status: Some(p.status),
                amount: Some(two_decimals(major(p.amount, &p.currency))),
                currency: Some(p.currency),
                created_at: p.created_at,
            });
        }
        items.sort_by(|a, b| b.created_at.cmp(&a.created_at).then_with(|| b.id.cmp(&a.id)));
        let total = items.len();
        let start = usize::try_from(offset).unwrap_or(usize::MAX).min(total);
        let page = items.into_iter().skip(start).take(limit as usize).collect();
        Ok((page, total))
    }
}
