//! Trip reminders: a guest hears of their reservation a day (`notifications.reminder_hours`)
//! before it starts. A confirmation plans the reminder in `notification_reminders`; a
//! cancellation, decline or expiry drops it; a periodic sweep makes each due reminder a
//! `trip_reminder` notice, delivered like any other (inbox, email, SMS, push as the guest's
//! preferences allow).
//!
//! "Before it starts" is counted from an instant, found on the listing's clock: a stay starts
//! at its check-in — the `startsAt` booking derived from the listing's check-in time, else the
//! check-in date at `notifications.default_check_in` — so a Paris stay's reminder moves with
//! Paris's summer time, not with the server's zone. A reservation with no start (a product)
//! gets no reminder, nor one whose reminder time has already passed.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use kernel::{ApiError, Clock, EventEnvelope};
use platform::db::{Db, DbError, Tx};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Pipeline, store as queue};
use crate::domain::Kind;
use crate::domain::locale::Lang;
use crate::domain::reminder_texts;
use crate::push::Pusher;
use crate::store::{self, Notification};

/// How often due reminders are looked for: one indexed query, cheap enough to run often, so
/// a reminder goes within seconds of its time.
pub const SWEEP_EVERY: Duration = Duration::from_secs(5);

/// Reminders made per transaction.
const BATCH: u32 = 50;

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

/// `date` at `minutes` after midnight on the clock of `zone` (an IANA name; UTC when unknown),
/// as an instant. A time the clocks skip (spring forward) is read an hour later, as a wall
/// clock would show it; a time they repeat (autumn) is its first occurrence.
pub fn local_instant(date: NaiveDate, minutes: u32, zone: Option<&str>) -> Option<DateTime<Utc>> {
    let time = NaiveTime::from_num_seconds_from_midnight_opt(minutes.min(1439) * 60, 0)?;
    let local = date.and_time(time);
    match zone.and_then(|z| z.trim().parse::<Tz>().ok()) {
        Some(tz) => tz
            .from_local_datetime(&local)
            .earliest()
            .or_else(|| tz.from_local_datetime(&(local + chrono::Duration::hours(1))).earliest())
            .map(|t| t.with_timezone(&Utc)),
        None => Some(local.and_utc()),
    }
}

/// When a reservation (as booking's events carry it) starts: a stay at its check-in, others
/// at `startsAt`; `None` for a product or a reservation that says nothing usable.
/// `default_check_in`: minutes after midnight on the listing's clock, for a stay whose
/// check-in instant the event does not carry.
pub fn start_of(r: &Value, default_check_in: u32) -> Option<DateTime<Utc>> {
    let starts_at = text(r, "startsAt").and_then(|s| DateTime::parse_from_rfc3339(s).ok()).map(|t| t.to_utc());
    match text(r, "kind") {
        Some("product") => None,
        Some("stay") => starts_at.or_else(|| {
            let date: NaiveDate = text(r, "checkIn")?.parse().ok()?;
            local_instant(date, default_check_in, text(r, "timezone"))
        }),
        _ => starts_at,
    }
}

/// When the reminder of a reservation is due: `before` its start.
pub fn due_at(r: &Value, default_check_in: u32, before: chrono::Duration) -> Option<DateTime<Utc>> {
    start_of(r, default_check_in).map(|start| start - before)
}

/// The reminder's name as a notice source: one reminder per reservation, ever.
pub fn source(reservation: Uuid) -> Uuid {
    Uuid::new_v5(&reservation, b"trip_reminder")
}

/// Plans or drops a reservation's reminder as a booking event says (inside its handling).
pub(crate) async fn on_booking(
    tx: &mut Tx,
    p: &Pipeline,
    event: &EventEnvelope,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let Some(r) = event.data.get("reservation") else { return Ok(()) };
    let Some(reservation) = text(r, "id").and_then(|s| Uuid::try_parse(s).ok()) else { return Ok(()) };
    match event.event_type.as_str() {
        "booking.confirmed" => {
            let guest = text(r, "guestId").and_then(|s| Uuid::try_parse(s).ok());
            let due = due_at(r, p.default_check_in, p.reminder_before);
            if let (Some(guest), Some(due)) = (guest, due)
                && due > now
            {
                queue::plan_reminder(tx, reservation, guest, due, &r.to_string()).await?;
            }
        }
        "booking.cancelled" | "booking.declined" | "booking.expired" => queue::drop_reminder(tx, reservation).await?,
        _ => {}
    }
    Ok(())
}

/// Makes the due reminders into notices.
pub(crate) struct Sweep {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub pipeline: Arc<Pipeline>,
    pub push: Arc<Pusher>,
}

impl Sweep {
    /// Makes every reminder due now: how many.
    pub async fn run(&self) -> Result<usize, ApiError> {
        let mut made = 0;
        loop {
            let now = self.clock.now();
            let mut tx = self.db.begin().await?;
            let due = queue::take_due_reminders(&mut tx, now, BATCH).await?;
            let mut inbox = Vec::new();
            let mut queued = 0;
            for (reservation, guest, saved) in &due {
                let (notification, event) = self.reminder(&mut tx, *reservation, *guest, saved, now).await?;
                let delivered = crate::service::deliver(
                    &mut tx,
                    &self.pipeline,
                    &notification,
                    Some(source(*reservation)),
                    Some(&event),
                    None,
                    now,
                )
                .await?;
                queued += delivered.queued;
                if delivered.in_inbox {
                    inbox.push(notification);
                }
            }
            tx.commit().await?;
            for notification in inbox {
                self.push.push(notification);
            }
            if queued > 0 {
                self.pipeline.queued();
            }
            made += due.len();
            if due.len() < BATCH as usize {
                return Ok(made);
            }
        }
    }

    /// The notice of one reminder, in its guest's language, and the event-like envelope its
    /// email's details are read from.
    async fn reminder(
        &self,
        tx: &mut Tx,
        reservation: Uuid,
        guest: Uuid,
        saved: &str,
        now: DateTime<Utc>,
    ) -> Result<(Notification, EventEnvelope), DbError> {
        let r: Value = serde_json::from_str(saved).unwrap_or(Value::Null);
        let lang = Lang::from_tag(store::reader_language(&mut *tx, guest).await?.as_deref());
        let facts = reminder_texts::facts(&r, start_of(&r, self.pipeline.default_check_in));
        let (title, body) = reminder_texts::render(lang, &facts);
        let data = json!({"event": "trip.reminder", "reservationId": reservation, "listingId": r.get("listingId"),
                          "startsAt": start_of(&r, self.pipeline.default_check_in)});
        let notification = Notification {
            id: kernel::new_id(),
            user_id: guest,
            kind: Kind::TripReminder.as_str().to_owned(),
            title,
            body,
            data: data.to_string(),
            read_at: None,
            created_at: now,
        };
        let event = EventEnvelope::new("trip.reminder", reservation, now, json!({"reservation": r}));
        Ok((notification, event))
    }

    /// Runs [`Sweep::run`] every `every` until the database closes.
    pub fn spawn(self, every: Duration) {
        let sweep = Arc::new(self);
        let db = sweep.db.clone();
        platform::schedule::every(db, every, "trip reminders", move || {
            let sweep = sweep.clone();
            async move { sweep.run().await.map(|_| ()) }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    const THREE_PM: u32 = 15 * 60;

    #[test]
    fn a_paris_stay_checks_in_at_three_on_the_paris_clock_either_side_of_summer_time() {
        let stay =
            |date: &str| json!({"kind": "stay", "checkIn": date, "checkOut": "2027-04-02", "timezone": "Europe/Paris"});
        // Winter (UTC+1), the day of the change (28 March 2027, UTC+2 from 02:00), summer.
        assert_eq!(start_of(&stay("2027-03-27"), THREE_PM), Some(utc("2027-03-27T14:00:00Z")));
        assert_eq!(start_of(&stay("2027-03-28"), THREE_PM), Some(utc("2027-03-28T13:00:00Z")));
        // The reminder is 24 real hours before: across the change that is 14:00 the day before
        // on the Paris clock, not 15:00.
        let day = chrono::Duration::hours(24);
        assert_eq!(due_at(&stay("2027-03-28"), THREE_PM, day), Some(utc("2027-03-27T13:00:00Z")));
        // Autumn back to winter (31 October 2027).
        assert_eq!(start_of(&stay("2027-10-31"), THREE_PM), Some(utc("2027-10-31T14:00:00Z")));
        // Another hemisphere, and no zone at all (UTC).
        let sydney = json!({"kind": "stay", "checkIn": "2027-01-10", "timezone": "Australia/Sydney"});
        assert_eq!(start_of(&sydney, THREE_PM), Some(utc("2027-01-10T04:00:00Z")));
        let nowhere = json!({"kind": "stay", "checkIn": "2027-01-10", "timezone": "Mars/Olympus"});
        assert_eq!(start_of(&nowhere, THREE_PM), Some(utc("2027-01-10T15:00:00Z")));
    }

    #[test]
    fn a_stay_whose_check_in_instant_is_known_starts_then() {
        let stay = json!({"kind": "stay", "checkIn": "2027-03-28", "timezone": "Europe/Paris",
                          "startsAt": "2027-03-28T14:00:00Z"});
        assert_eq!(start_of(&stay, THREE_PM), Some(utc("2027-03-28T14:00:00Z")));
    }

    #[test]
    fn times_the_clocks_skip_or_repeat_are_read_as_a_wall_clock_would() {
        let date = NaiveDate::from_ymd_opt(2027, 3, 28).unwrap();
        // 02:30 does not exist in Paris that night: 03:30 CEST.
        assert_eq!(local_instant(date, 150, Some("Europe/Paris")), Some(utc("2027-03-28T01:30:00Z")));
        // 02:30 happens twice on 31 October: the first one (CEST).
        let autumn = NaiveDate::from_ymd_opt(2027, 10, 31).unwrap();
        assert_eq!(local_instant(autumn, 150, Some("Europe/Paris")), Some(utc("2027-10-31T00:30:00Z")));
    }

    #[test]
    fn others_start_at_their_start_and_products_never() {
        let table = json!({"kind": "restaurant", "startsAt": "2026-12-12T18:00:00Z", "timezone": "Europe/Paris"});
        assert_eq!(due_at(&table, THREE_PM, chrono::Duration::hours(24)), Some(utc("2026-12-11T18:00:00Z")));
        assert_eq!(start_of(&json!({"kind": "product", "startsAt": "2026-12-12T18:00:00Z"}), THREE_PM), None);
        assert_eq!(start_of(&json!({"kind": "activity"}), THREE_PM), None);
        assert_eq!(start_of(&json!({"kind": "stay", "checkIn": "soon"}), THREE_PM), None);
        let r = kernel::new_id();
        assert_eq!(source(r), source(r));
        assert_ne!(source(r), r);
    }
}
