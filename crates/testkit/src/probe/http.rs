//! The probe context's HTTP surface.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::{ApiError, Clock, EventEnvelope, FieldError};
use platform::Events;
use platform::db::Db;
use platform::events::enqueue;
use platform::http::{Json, Path, Query, created, ok};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::store::{self, Probe};

#[derive(Clone)]
pub struct State {
    pub db: Db,
    pub events: Events,
    pub clock: Arc<dyn Clock>,
}

pub fn routes() -> OpenApiRouter<State> {
    OpenApiRouter::new()
        .routes(routes!(create_probe))
        .routes(routes!(received))
        .routes(routes!(slow))
        .routes(routes!(panic))
        .routes(routes!(get_probe))
        .routes(routes!(whoami))
        .routes(routes!(echo))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateProbe {
    name: String,
    /// Write the row and the event, then fail: the transaction must roll back both.
    #[serde(default)]
    fail_after_write: bool,
    /// Ask the subscriber to fail on this probe's event.
    #[serde(default)]
    fail_handler: bool,
}

/// Create a probe (writes a row and a `probe.created` event in one transaction).
#[utoipa::path(
    post,
    path = "/api/v1/probes",
    tag = "Probe",
    request_body = CreateProbe,
    responses((status = 201, description = "Created"), (status = 400, body = kernel::ErrorBody), (status = 409, body = kernel::ErrorBody))
)]
async fn create_probe(AxumState(state): AxumState<State>, Json(body): Json<CreateProbe>) -> Result<Response, ApiError> {
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::validation(vec![FieldError::new("name", "must be 1 to 100 characters")]));
    }
    let probe = Probe { id: kernel::new_id(), name: name.to_owned(), created_at: state.clock.now() };
    let mut tx = state.db.begin().await?;
    store::insert(&mut tx, &probe).await.map_err(|e| {
        if e.is_unique_violation("name") {
            ApiError::conflict("A probe with this name already exists")
        } else {
            e.into()
        }
    })?;
    let event = EventEnvelope::new(
        "probe.created",
        probe.id,
        probe.created_at,
        json!({"name": probe.name, "failHandler": body.fail_handler}),
    );
    enqueue(&mut tx, &event).await?;
    if body.fail_after_write {
        // Dropping `tx` rolls back the row and the event together.
        return Err(ApiError::unprocessable("Asked to fail after writing"));
    }
    tx.commit().await?;
    state.events.committed();
    Ok(created(json!({ "probe": probe, "eventId": event.id })))
}

/// Fetch a probe.
#[utoipa::path(get, path = "/api/v1/probes/{id}", tag = "Probe", responses((status = 200, description = "Found"), (status = 404, body = kernel::ErrorBody)))]
async fn get_probe(AxumState(state): AxumState<State>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id = kernel::parse_id(&id, "probe")?;
    let probe = store::find(&state.db, id).await?.ok_or_else(|| ApiError::not_found("probe not found"))?;
    Ok(ok(json!({ "probe": probe })))
}

/// The authenticated caller, as any context sees it (auth tests, split-service tests).
#[utoipa::path(get, path = "/api/v1/probes/whoami", tag = "Probe", security(("bearerAuth" = [])),
    responses((status = 200, description = "Caller"), (status = 401, body = kernel::ErrorBody)))]
async fn whoami(user: platform::auth::AuthUser) -> Response {
    ok(json!({ "userId": user.user_id, "sessionId": user.session_id, "role": user.role }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EchoQuery {
    /// A comma-separated list (`tags[]=a&tags[]=b` arrives as `a,b`).
    tags: Option<String>,
    n: Option<u32>,
}

/// Echoes its query (query-parsing tests).
#[utoipa::path(get, path = "/api/v1/probes/echo", tag = "Probe", params(EchoQuery), responses((status = 200, description = "The query"), (status = 400, body = kernel::ErrorBody)))]
async fn echo(Query(q): Query<EchoQuery>) -> Response {
    let tags: Vec<&str> = q.tags.as_deref().map(|t| t.split(',').collect()).unwrap_or_default();
    ok(json!({ "tags": tags, "n": q.n }))
}

/// Events the probe subscriber has handled, and how many probes exist.
#[utoipa::path(get, path = "/api/v1/probes/received", tag = "Probe", responses((status = 200, description = "Received events")))]
async fn received(AxumState(state): AxumState<State>) -> Result<Response, ApiError> {
    let events = store::received(&state.db).await?;
    let probes = store::count(&state.db).await?;
    Ok(ok(json!({ "events": events, "probes": probes })))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SlowQuery {
    /// Milliseconds to wait (max 10 000).
    ms: u64,
}

/// Answers after a delay (graceful-shutdown and timeout tests).
#[utoipa::path(get, path = "/api/v1/probes/slow", tag = "Probe", params(SlowQuery), responses((status = 200, description = "Done")))]
async fn slow(Query(q): Query<SlowQuery>) -> Response {
    tokio::time::sleep(Duration::from_millis(q.ms.min(10_000))).await;
    ok(json!({ "sleptMs": q.ms.min(10_000) }))
}

/// Panics (panic-to-500 test).
#[utoipa::path(get, path = "/api/v1/probes/panic", tag = "Probe", responses((status = 500, body = kernel::ErrorBody)))]
#[allow(clippy::panic)]
async fn panic() -> Response {
    panic!("probe asked to panic")
}
