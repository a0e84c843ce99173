//! The few synchronous questions one context asks another, as traits: booking's checkout asks
//! payments to open a payment and, later, where it stands; it asks the travel supplier to
//! price and book offers. Everything else between contexts goes through events.
//!
//! A context that answers provides its implementation here when it mounts; one that asks
//! looks it up at call time (so mount order does not matter). When the answering context runs
//! in another process, the app provides an HTTP client of it instead ([`http`]), from
//! `services.*_url`; without one the question fails with `503`.

use std::sync::{Arc, RwLock};

mod feeds;
pub mod http;
mod records;
mod remote;

pub use feeds::{DEFAULT_PAGE as FEED_DEFAULT_PAGE, FeedKind, FeedPage, FeedSource, MAX_PAGE as FEED_MAX_PAGE};
pub use remote::{internal_routes, provide_remote};

pub use records::{Known, Need, RecordKind, RecordSource, not_yet_replicated};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kernel::ApiError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// A payment to open for several reservations and supplier offers under one reference.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PaymentRequest {
    /// The booking reference (`DS-…`): the payment is found and announced by it.
    pub reference: String,
    pub payer: Uuid,
    /// Minor units; what the booking owes in all.
    pub amount: i64,
    pub currency: String,
    /// Our reservations it pays for, with their split.
    pub reservations: Vec<ReservationShare>,
    /// The part of `amount` owed to travel suppliers.
    pub supplier_amount: i64,
}

/// What one reservation of a group costs and who gets what (booking's quote).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReservationShare {
    pub reservation_id: Uuid,
    pub host_id: Uuid,
    pub total: i64,
    pub host_payout: i64,
    pub platform_revenue: i64,
    pub taxes: i64,
    /// When it starts (payouts wait until a day after).
    pub starts_at: Option<DateTime<Utc>>,
}

/// A payment opened (or the one already open for the reference).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OpenedPayment {
    pub payment_intent_id: String,
    pub client_secret: String,
    pub status: String,
    pub amount: i64,
    pub currency: String,
}

/// Where the payment of a reference stands.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PaymentState {
    pub payment_intent_id: String,
    /// Stripe's states: `succeeded` means captured.
    pub status: String,
    pub amount: i64,
    pub amount_refunded: i64,
}

#[async_trait]
pub trait PaymentsContract: Send + Sync + 'static {
    /// Opens the payment of `request` (the open one if there is one); `409` if it is paid.
    async fn open_payment(&self, request: &PaymentRequest) -> Result<OpenedPayment, ApiError>;

    /// The latest payment of `reference`, if any.
    async fn payment_state(&self, reference: &str) -> Result<Option<PaymentState>, ApiError>;
}

/// A travel offer as the supplier prices it now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupplierOffer {
    pub offer_id: String,
    /// `flight`, `hotel`, `activity`, `transfer`.
    pub kind: String,
    pub title: String,
    /// Minor units, for the quantity asked.
    pub price: i64,
    pub currency: String,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    /// IANA name of where it starts.
    pub timezone: Option<String>,
    pub location: Option<String>,
    pub details: Vec<String>,
    /// Whether the supplier refunds it when cancelled.
    pub refundable: bool,
    /// The supplier's own description of the offer as priced (Amadeus's priced flight offer,
    /// hotel offer, …): opaque to booking, handed back to [`Supplier::book`].
    #[serde(default)]
    pub payload: Value,
}

/// Who travels, for the supplier's booking.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Traveller {
    pub user_id: Uuid,
    pub email: Option<String>,
    /// DreamScape's `passengerDetails`, as the client sent them.
    pub passengers: Value,
}

/// A travel supplier (Amadeus, or the offline one): re-prices offers, books and cancels them.
/// The client never sets a supplier item's price: the supplier does.
#[async_trait]
pub trait Supplier: Send + Sync + 'static {
    /// The offer `item` names (`itemData` of a cart item: `{offerId, …}`), priced for
    /// `quantity`; `409 offer_unavailable` when it is gone.
    async fn price(&self, kind: &str, item: &Value, quantity: i64) -> Result<SupplierOffer, ApiError>;

    /// Books a priced offer; returns the supplier's confirmation. `key` makes a retry safe.
    async fn book(
        &self,
        offer: &SupplierOffer,
        quantity: i64,
        traveller: &Traveller,
        key: &str,
    ) -> Result<String, ApiError>;

    /// Cancels a booking; returns what the supplier refunds (minor units).
    async fn cancel(&self, confirmation: &str, key: &str) -> Result<i64, ApiError>;

    /// Whether `traveller` (with what `item` carries) is enough to order the offer `item`
    /// names — names, dates of birth, contact — so a checkout is refused before anything is
    /// paid rather than refunded after. `400` naming the field when not. Nothing by default.
    async fn check_travellers(&self, kind: &str, item: &Value, traveller: &Traveller) -> Result<(), ApiError> {
        let _ = (kind, item, traveller);
        Ok(())
    }

    /// Searches offers as the public voyage route of `kind` does (`flights`, `hotels`,
    /// `activities`): `params` are that route's query parameters, the answer is its body
    /// (DreamScape's shape, offer ids the cart accepts). For contexts that suggest or plan
    /// trips (ai). `503` by default: a supplier that cannot search.
    async fn search(&self, kind: &str, params: &std::collections::HashMap<String, String>) -> Result<Value, ApiError> {
        let _ = params;
        Err(ApiError::unavailable(format!("This supplier cannot search {kind}"), None))
    }
}

/// The contracts this process can answer.
#[derive(Default)]
pub struct Contracts {
    payments: RwLock<Option<Arc<dyn PaymentsContract>>>,
    supplier: RwLock<Option<Arc<dyn Supplier>>>,
    records: RwLock<std::collections::HashMap<RecordKind, Owner>>,
    feeds: RwLock<std::collections::HashMap<FeedKind, FeedOwner>>,
}

/// The owner of a kind of record, and whether it runs in this process.
type Owner = (Arc<dyn RecordSource>, bool);
/// The owner of a feed, and whether it runs in this process.
type FeedOwner = (Arc<dyn FeedSource>, bool);

impl std::fmt::Debug for Contracts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Contracts").finish_non_exhaustive()
    }
}

fn unreachable(what: &str) -> ApiError {
    ApiError::unavailable(format!("The {what} cannot be reached from this process"), Some(5))
}

impl Contracts {
    pub fn provide_payments(&self, payments: Arc<dyn PaymentsContract>) {
        *self.payments.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(payments);
    }

    /// Whether a payments implementation is provided (in-process or over HTTP).
    pub fn has_payments(&self) -> bool {
        self.payments.read().unwrap_or_else(std::sync::PoisonError::into_inner).is_some()
    }

    pub fn payments(&self) -> Result<Arc<dyn PaymentsContract>, ApiError> {
        self.payments
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
            .ok_or_else(|| unreachable("payments service"))
    }

    /// Registers the context of this process that owns `kind` records.
    pub fn provide_records(&self, kind: RecordKind, source: Arc<dyn RecordSource>) {
        self.records.write().unwrap_or_else(std::sync::PoisonError::into_inner).insert(kind, (source, true));
    }

    /// Registers a client of the owner of `kind` records in another process, unless the owner
    /// runs here.
    pub fn provide_remote_records(&self, kind: RecordKind, source: Arc<dyn RecordSource>) {
        let mut records = self.records.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        records.entry(kind).or_insert((source, false));
    }

    /// The owner of `kind` records when it runs in this process (what the internal endpoint
    /// answers for).
    pub fn local_records(&self, kind: RecordKind) -> Option<Arc<dyn RecordSource>> {
        let records = self.records.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        records.get(&kind).filter(|(_, local)| *local).map(|(source, _)| source.clone())
    }

    /// What to answer when this context has not heard of record `id` of `kind` (as `caller`
    /// needs it): `missing` (usually 404) unless the owner says it exists and serves `need` for
    /// `caller`, then `425 not_yet_replicated`. An owner that cannot be asked leaves the answer
    /// `missing` (logged): nothing says the record exists.
    pub async fn not_heard_of(
        &self,
        kind: RecordKind,
        id: Uuid,
        caller: Option<Uuid>,
        need: Need,
        missing: ApiError,
    ) -> ApiError {
        let source = {
            let records = self.records.read().unwrap_or_else(std::sync::PoisonError::into_inner);
            records.get(&kind).map(|(source, _)| source.clone())
        };
        let Some(source) = source else { return missing };
        match source.find(kind, id).await {
            Ok(Some(known)) if known.serves(caller, need) => not_yet_replicated(kind),
            Ok(_) => missing,
            Err(error) => {
                tracing::warn!(kind = kind.as_str(), %id, error = %error.message, "record owner could not be asked");
                missing
            }
        }
    }

    /// Registers the context of this process that owns `kind`'s feed.
    pub fn provide_feed(&self, kind: FeedKind, source: Arc<dyn FeedSource>) {
        self.feeds.write().unwrap_or_else(std::sync::PoisonError::into_inner).insert(kind, (source, true));
    }

    /// Registers a client of the owner of `kind`'s feed in another process, unless it runs here.
    pub fn provide_remote_feed(&self, kind: FeedKind, source: Arc<dyn FeedSource>) {
        let mut feeds = self.feeds.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        feeds.entry(kind).or_insert((source, false));
    }

    /// The owner of `kind`'s feed when it runs in this process (what the internal endpoint
    /// answers for).
    pub fn local_feed(&self, kind: FeedKind) -> Option<Arc<dyn FeedSource>> {
        let feeds = self.feeds.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        feeds.get(&kind).filter(|(_, local)| *local).map(|(source, _)| source.clone())
    }

    /// The owner of `kind`'s feed, here or remote; `None` when no owner can be reached (the
    /// reader then keeps what its events gave it).
    pub fn feed(&self, kind: FeedKind) -> Option<Arc<dyn FeedSource>> {
        let feeds = self.feeds.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        feeds.get(&kind).map(|(source, _)| source.clone())
    }

    pub fn provide_supplier(&self, supplier: Arc<dyn Supplier>) {
        *self.supplier.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(supplier);
    }

    /// Whether a travel supplier is provided (in-process or over HTTP).
    pub fn has_supplier(&self) -> bool {
        self.supplier.read().unwrap_or_else(std::sync::PoisonError::into_inner).is_some()
    }

    pub fn supplier(&self) -> Result<Arc<dyn Supplier>, ApiError> {
        self.supplier
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
            // Not an outage: this deployment sells no travel offers (no travel context runs).
            .ok_or_else(|| {
                ApiError::new(
                    422,
                    "no_travel_supplier",
                    "Travel offers (flights, hotels) are not sold on this deployment",
                )
            })
    }
}
