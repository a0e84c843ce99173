//! "Does this exist?", asked of the context that owns a record when the asking context has not
//! heard of it yet. Contexts keep read models of each other's records from events; in one
//! process a request waits for its events (see `events::settle`), but across processes an event
//! can still be on its way when the client, just told "created", uses the record elsewhere.
//! Answering 404 then would tell the client the record does not exist. Instead the reader asks
//! the owner, and a record that exists (and that the caller may see) is answered
//! `425 not_yet_replicated` with `Retry-After`; the client retries, and the event arrives
//! meanwhile (the gap is JetStream's delivery time, milliseconds when healthy).

use async_trait::async_trait;
use kernel::ApiError;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The kinds of record that can be asked after, and the context that owns each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// A catalog listing; known when published.
    Listing,
    /// A booking reservation; known to its guest.
    Reservation,
}

impl RecordKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Listing => "listing",
            Self::Reservation => "reservation",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "listing" => Some(Self::Listing),
            "reservation" => Some(Self::Reservation),
            _ => None,
        }
    }
}

/// What the owner knows of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Known {
    /// The user it belongs to (a listing's host, a reservation's guest).
    pub owner: Option<Uuid>,
    /// Whether anyone may see it (a published listing).
    pub public: bool,
}

/// What the caller must be to a record for it to matter to them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// To see it: public, or theirs.
    Visible,
    /// To change it: theirs.
    Owned,
}

impl Known {
    pub fn serves(&self, caller: Option<Uuid>, need: Need) -> bool {
        let theirs = caller.is_some() && self.owner == caller;
        match need {
            Need::Visible => self.public || theirs,
            Need::Owned => theirs,
        }
    }
}

/// The owner's side: answers for the records of the kinds it provides.
#[async_trait]
pub trait RecordSource: Send + Sync + 'static {
    /// `Some` when the record exists and may be used (a published listing, a live reservation).
    async fn find(&self, kind: RecordKind, id: Uuid) -> Result<Option<Known>, ApiError>;
}

/// The answer for a record that exists but has not reached the asking context yet.
pub fn not_yet_replicated(kind: RecordKind) -> ApiError {
    ApiError::new(
        425,
        "not_yet_replicated",
        format!("This {} was just created and is not available here yet; retry shortly", kind.as_str()),
    )
    .with_retry_after(1)
}

/// The internal endpoint answering for the records this process owns, for readers in other
/// processes (`GET {RECORDS_PATH}/{kind}/{id}`, with the `internal_api_key` as bearer token).
/// Not in the public API documentation; `data` is the [`Known`] record or `null`.
pub fn routes(contracts: std::sync::Arc<super::Contracts>, key: crate::secrets::Secret) -> axum::Router {
    use axum::extract::{Path, State};
    use axum::http::HeaderMap;
    type Shared = (std::sync::Arc<super::Contracts>, std::sync::Arc<crate::secrets::Secret>);

    async fn find(
        State((contracts, key)): State<Shared>,
        headers: HeaderMap,
        Path((kind, id)): Path<(String, String)>,
    ) -> Result<axum::response::Response, ApiError> {
        super::http::internal_caller(&headers, &key)?;
        let source = RecordKind::parse(&kind)
            .and_then(|kind| Some((kind, contracts.local_records(kind)?)))
            .ok_or_else(|| ApiError::not_found("No such kind of record here"))?;
        let id = Uuid::try_parse(&id).map_err(|_| ApiError::bad_request("The id must be a UUID"))?;
        Ok(crate::http::ok(source.1.find(source.0, id).await?))
    }

    axum::Router::new()
        .route(&format!("{}/{{kind}}/{{id}}", super::http::RECORDS_PATH), axum::routing::get(find))
        .with_state((contracts, std::sync::Arc::new(key)))
}
