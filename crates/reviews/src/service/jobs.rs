//! The scheduled work: publishing the reviews of reservations whose window closed, and
//! reminding each side that has not written yet (the day after completion, and three days
//! before the window closes). Each step claims its row, so several instances running the same
//! sweep do each thing once.

use std::time::Duration;

use kernel::ApiError;
use serde_json::json;

use super::{Reviews, event};
use crate::domain::{FIRST_REMINDER_AFTER, LAST_REMINDER_BEFORE};
use crate::store::stays::{self, Reminder};
use crate::store::{self};

/// Rows handled per sweep; the next sweep takes the rest.
const BATCH: u32 = 200;

/// What one run did.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Ran {
    pub windows_closed: u64,
    pub reminders: u64,
}

impl Reviews {
    /// Publishes what was written for every reservation whose window has closed.
    pub async fn close_windows(&self) -> Result<u64, ApiError> {
        let now = self.clock.now();
        let mut closed = 0;
        for id in stays::closed_windows(&self.db, now, BATCH).await? {
            let mut tx = self.db.begin().await?;
            let Some(stay) = stays::lock(&mut tx, id).await? else { continue };
            if stay.closes_at.is_none_or(|c| c > now) || !stays::claim_publication(&mut tx, id, now).await? {
                continue;
            }
            self.publish(&mut tx, &stay).await?;
            tx.commit().await?;
            closed += 1;
        }
        if closed > 0 {
            self.events.committed();
        }
        Ok(closed)
    }

    /// Sends the reminders that are due, to each side that has not written.
    pub async fn remind(&self) -> Result<u64, ApiError> {
        let now = self.clock.now();
        let mut sent = 0;
        for (which, due) in
            [(Reminder::Last, now + LAST_REMINDER_BEFORE), (Reminder::First, now - FIRST_REMINDER_AFTER)]
        {
            for stay in stays::due_reminders(&self.db, which, due, now, BATCH).await? {
                let mut tx = self.db.begin().await?;
                if !stays::claim_reminder(&mut tx, stay.id, which, now).await? {
                    continue;
                }
                let written = store::of_reservation(&mut tx, stay.id).await?;
                for (user, role) in [(stay.guest_id, "guest"), (stay.host_id, "host")] {
                    let Some(user) = user else { continue };
                    if written.iter().any(|r| r.author_id == user) {
                        continue;
                    }
                    let data = json!({"userId": user, "reservationId": stay.id, "listingId": stay.listing_id,
                        "listingTitle": stay.listing_title, "role": role, "stage": which.as_str(), "closesAt": stay.closes_at,
                        "timezone": stay.timezone});
                    platform::events::enqueue(&mut tx, &event("review.reminder", stay.id, None, now, data)).await?;
                    sent += 1;
                }
                tx.commit().await?;
            }
        }
        if sent > 0 {
            self.events.committed();
        }
        Ok(sent)
    }

    /// One run of the scheduled work.
    pub async fn run_jobs(&self) -> Result<Ran, ApiError> {
        let windows_closed = self.close_windows().await?;
        let reminders = self.remind().await?;
        Ok(Ran { windows_closed, reminders })
    }

    /// Runs the scheduled work every `every`, until the database closes.
    pub fn spawn_scheduler(&self, every: Duration) {
        let service = self.clone();
        platform::schedule::every(self.db.clone(), every, "reviews jobs", move || {
            let service = service.clone();
            async move { service.run_jobs().await.map(|_| ()) }
        });
    }
}
