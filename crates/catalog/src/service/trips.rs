//! Trips of transport listings: the owner schedules departures on the listing's routes; each
//! is sold by the seat. Additions and removals are events for booking.

use chrono::{DateTime, Utc};
use kernel::{ApiError, FieldError};
use platform::auth::AuthUser;
use serde_json::json;
use uuid::Uuid;

use super::Catalog;
use crate::store::{self, trips::Trip};
use kernel::Window;

pub struct NewTrip {
    pub origin: String,
    pub destination: String,
    pub departs_at: DateTime<Utc>,
    pub arrives_at: DateTime<Utc>,
    pub seats: Option<i64>,
    pub price_per_seat: Option<i64>,
}

/// Whether two place names are the same place as typed: case (in any script) and surrounding
/// spaces aside.
fn same_place(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

impl Catalog {
    pub async fn add_trip(&self, listing: Uuid, user: &AuthUser, t: NewTrip) -> Result<Trip, ApiError> {
        let l = self.owned(listing, user).await?;
        if l.kind != "transport" {
            return Err(ApiError::new(409, "not_transport", "Only transport listings have trips"));
        }
        let now = self.clock.now();
        let mut errors = Vec::new();
        // The trip takes the route's names as the listing spells them, whatever casing the
        // client typed: travellers read "Lisbon → Porto", not "lisbon → PORTO".
        let route = l
            .transport
            .routes
            .as_deref()
            .unwrap_or_default()
            .iter()
            .find(|r| same_place(&r.origin, &t.origin) && same_place(&r.destination, &t.destination));
        let (origin, destination) = match route {
            Some(r) => (r.origin.clone(), r.destination.clone()),
            None => {
                errors.push(FieldError::new("origin", "must be one of the listing's routes (transport.routes)"));
                (String::new(), String::new())
            }
        };
        if t.departs_at <= now || t.departs_at > now + chrono::Duration::days(2 * 366) {
            errors.push(FieldError::new("departsAt", "must be in the future, at most two years ahead"));
        }
        if t.arrives_at <= t.departs_at || t.arrives_at - t.departs_at > chrono::Duration::days(7) {
            errors.push(FieldError::new("arrivesAt", "must be after departsAt, within 7 days"));
        }
        let vehicle_seats = l.transport.vehicle.as_ref().and_then(|v| v.seats);
        let seats = t.seats.or(vehicle_seats);
        match (seats, vehicle_seats) {
            (Some(s), Some(max)) if (1..=max).contains(&s) => {}
            (Some(_), Some(max)) => {
                errors.push(FieldError::new("seats", format!("must be from 1 to the vehicle's {max} seats")))
            }
            _ => errors.push(FieldError::new("seats", "set transport.vehicle.seats first")),
        }
        let price = t.price_per_seat.or(l.transport.price_per_seat);
        match price {
            Some(p) if (0..=100_000_000).contains(&p) => {}
            Some(_) => errors.push(FieldError::new("pricePerSeat", "must be 0 to 100000000 minor units")),
            None => errors.push(FieldError::new("pricePerSeat", "is required (or set transport.pricePerSeat)")),
        }
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        let trip = Trip {
            id: kernel::new_id(),
            listing_id: l.id,
            origin,
            destination,
            departs_at: t.departs_at,
            arrives_at: t.arrives_at,
            seats: seats.unwrap_or(1),
            price_per_seat: price.unwrap_or(0),
            created_at: now,
        };
        let mut tx = self.db.begin().await?;
        store::trips::insert(&mut tx, &trip).await.map_err(|e| {
            if e.is_unique_violation("departure") || e.is_unique_violation("departs_at") {
                ApiError::new(409, "trip_exists", "A trip already leaves from there at that time")
            } else {
                e.into()
            }
        })?;
        let data = json!({"listingId": l.id, "tripId": trip.id, "origin": trip.origin, "destination": trip.destination,
                          "departsAt": trip.departs_at, "arrivesAt": trip.arrives_at, "seats": trip.seats,
                          "pricePerSeat": trip.price_per_seat, "currency": l.currency});
        self.emit(&mut tx, "listing.trip_added", l.id, user.user_id, data).await?;
        tx.commit().await?;
        self.events.committed();
        Ok(trip)
    }

    pub async fn trips(
        &self,
        listing: Uuid,
        viewer: Option<&AuthUser>,
        window: &Window,
    ) -> Result<Vec<Trip>, ApiError> {
        let l = self.listing(listing, viewer).await?;
        let (from, to) = window.resolve(&l.timezone.parse().unwrap_or(chrono_tz::UTC), self.clock.now())?;
        Ok(store::trips::between(&self.db, l.id, from, to).await?)
    }

    pub async fn remove_trip(&self, listing: Uuid, user: &AuthUser, id: Uuid) -> Result<(), ApiError> {
        let l = self.owned(listing, user).await?;
        let mut tx = self.db.begin().await?;
        let removed =
            store::trips::remove(&mut tx, l.id, id).await?.ok_or_else(|| ApiError::not_found("Trip not found"))?;
        let data = json!({"listingId": l.id, "tripId": removed.id, "departsAt": removed.departs_at});
        self.emit(&mut tx, "listing.trip_removed", l.id, user.user_id, data).await?;
        tx.commit().await?;
        self.events.committed();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::same_place;

    #[test]
    fn places_match_whatever_the_casing() {
        assert!(same_place("Lisbon", " lisbon "));
        assert!(same_place("Zürich", "ZÜRICH"));
        assert!(same_place("Kraków", "kraków"));
        assert!(!same_place("Porto", "Lisbon"));
    }
}
