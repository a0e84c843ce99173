//! The consumer of booking's `booking.confirmed`: one more booking for the listing's place on
//! the day it was confirmed. The place is the listing's city and country as search knows them —
//! read from the index by the event's `reservation.listingId` — or, for a listing no longer in
//! the index, the event's `reservation.destination` (booking's copy of the city) matched to a
//! known place. The platform's dedupe, in the same transaction, makes redelivery harmless.

use async_trait::async_trait;
use kernel::EventEnvelope;
use platform::db::Tx;
use platform::events::{EventHandler, HandlerError};
use serde_json::Value;
use tantivy::collector::TopDocs;
use tantivy::query::TermQuery;
use tantivy::schema::{IndexRecordOption, Value as _};
use tantivy::{TantivyDocument, Term};
use uuid::Uuid;

use super::places::Places;
use super::popular::day_of;
use super::store::{self, DayPlace};
use crate::index::SearchIndex;

/// Consumer name: dedupe records are keyed on it, so it must never change.
pub const BOOKINGS_CONSUMER: &str = "search.popular-bookings";

pub struct BookingCounter {
    pub index: SearchIndex,
    pub places: Places,
}

/// `(city, country)` of listing `id` in the index, if it is there with a city.
fn indexed_place(index: &SearchIndex, id: Uuid) -> tantivy::Result<Option<(String, String)>> {
    let searcher = index.reader.searcher();
    let query = TermQuery::new(Term::from_field_text(index.fields.id, &id.to_string()), IndexRecordOption::Basic);
    let Some((_, address)) = searcher.search(&query, &TopDocs::with_limit(1).order_by_score())?.into_iter().next()
    else {
        return Ok(None);
    };
    let doc: TantivyDocument = searcher.doc(address)?;
    let hit: Value = doc
        .get_first(index.fields.hit)
        .and_then(|v| v.as_str())
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default();
    Ok(hit["city"].as_str().map(|city| (city.to_owned(), hit["country"].as_str().unwrap_or_default().to_owned())))
}

#[async_trait]
impl EventHandler for BookingCounter {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        if event.event_type != "booking.confirmed" {
            return Ok(());
        }
        let r = &event.data["reservation"];
        let listing = r["listingId"].as_str().and_then(|s| s.parse::<Uuid>().ok());
        let mut place = None;
        if let Some(id) = listing {
            let index = self.index.clone();
            place = tokio::task::spawn_blocking(move || indexed_place(&index, id))
                .await
                .map_err(|e| format!("search: the index lookup failed: {e}"))?
                .map_err(|e| format!("search: the index lookup failed: {e}"))?;
        }
        if place.is_none()
            && let Some(city) = r["destination"].as_str()
        {
            place = self.places.get().find(city, None).map(|p| (p.city.clone(), p.country.clone()));
        }
        let Some((city, country)) = place else {
            tracing::warn!(event_id = %event.id, "search: a confirmed booking of an unknown place: not counted");
            return Ok(());
        };
        store::add(tx, &DayPlace { day: day_of(event.occurred_at), city, country }, 1, 0).await?;
        Ok(())
    }
}
