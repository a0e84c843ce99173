//! VR sessions over HTTP: DreamScape's `POST /api/v1/vr/sessions` and
//! `GET /api/v1/vr/sessions/{pin}` (no authentication, DreamScape's `{ success, data }` /
//! `{ success: false, error }` shapes, plus our `code` and `message`), and our tour sessions
//! (`/api/v1/tours/{tourId}/sessions`, `/api/v1/vr/sessions/{pin}/join`,
//! `/api/v1/tour-sessions/{id}`). Handlers parse, call the service and render.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::response::Response;
use kernel::{ApiError, ErrorBody};
use platform::auth::{Actor, Auth, AuthUser, bearer_token, cookie_token};
use platform::http::{ClientIp, Json, Path, created, ok};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::Vr;
use super::rules::{self, MoveInput};
use super::service::{Resolved, session_json, session_not_found, state_json, tour_not_found};

pub fn routes() -> OpenApiRouter<Vr> {
    OpenApiRouter::new()
        .routes(routes!(create_vr_session))
        .routes(routes!(resolve_vr_session))
        .routes(routes!(join_vr_session))
        .routes(routes!(create_tour_session))
        .routes(routes!(get_tour_session, end_tour_session))
        .routes(routes!(move_tour_session))
}

/// Who made a PIN, when a valid access token came with the request. DreamScape sends none,
/// and a stale one (an expired cookie) must not refuse it: anything else is anonymous.
pub struct Creator(pub Option<Uuid>);

impl<S: Send + Sync> FromRequestParts<S> for Creator {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let token = bearer_token(parts).or_else(|| cookie_token(parts));
        let auth = parts.extensions.get::<Arc<Auth>>();
        let user = match (token, auth) {
            (Some(token), Some(auth)) => auth.verify(token).ok().map(|claims| claims.sub),
            _ => None,
        };
        Ok(Creator(user))
    }
}

/// `POST /api/v1/vr/sessions`'s body. Other fields are ignored.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code, reason = "documents the body, which is read leniently by hand")]
pub struct CreateVrSessionBody {
    /// The VR environment of the destination (`paris`, `barcelona`): trimmed and lower-cased,
    /// 1–64 characters.
    pub destination: String,
}

/// Create a VR PIN for a destination (DreamScape's "VR access" modal). No authentication (a
/// valid access token, if sent, records who made it). The PIN is 6 digits, valid
/// `media.vr_pin_ttl_secs` (10 minutes), and opens the destination once.
#[utoipa::path(post, path = "/api/v1/vr/sessions", tag = "VR sessions", operation_id = "create_vr_session",
    request_body = CreateVrSessionBody,
    responses((status = 201, description = "`{ pin, destination, expiresAt }` — `pin` a 6-digit string, `expiresAt` \
            epoch milliseconds (a number)"),
        (status = 400, description = "`invalid_destination`: `Missing or invalid \"destination\" field` (also for no \
            body or a body that is not JSON)", body = ErrorBody),
        (status = 429, description = "`rate_limited`, with `Retry-After`", body = ErrorBody)))]
pub async fn create_vr_session(
    State(vr): State<Vr>,
    ip: ClientIp,
    Creator(creator): Creator,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    vr.limit("create", &ip, vr.media.config.media.vr_creations_per_ip).await?;
    let body = body.map_err(|e| {
        if e.status().as_u16() == 413 { ApiError::for_status(413) } else { rules::invalid_destination() }
    })?;
    let destination = rules::destination(&body)?;
    let made = vr.create_pin(destination, creator).await?;
    Ok(created(json!({
        "pin": made.pin, "destination": made.destination, "expiresAt": made.expires_at.timestamp_millis(),
    })))
}

/// Resolve a PIN (DreamScape's panorama app). A destination PIN answers once: the first
/// lookup uses it up. A tour session's PIN answers `destination: "tour:<tourId>"` with
/// `tourId` and `sessionId`, and is not used up (every viewer resolves it). No
/// authentication; lookups are rate-limited per client address.
#[utoipa::path(get, path = "/api/v1/vr/sessions/{pin}", tag = "VR sessions", operation_id = "resolve_vr_session",
    params(("pin" = String, Path, description = "The 6-digit PIN")),
    responses((status = 200, description = "`{ destination, autoVR: true }`; for a tour session also `tourId`, \
            `sessionId`"),
        (status = 400, description = "`invalid_pin`: `Invalid PIN format. Must be 6 digits.`", body = ErrorBody),
        (status = 404, description = "`pin_not_found`: `PIN not found or expired`", body = ErrorBody),
        (status = 409, description = "`pin_used`: `PIN has already been used`", body = ErrorBody),
        (status = 410, description = "`pin_expired`: `PIN has expired` (the PIN is deleted)", body = ErrorBody),
        (status = 429, description = "`rate_limited`, with `Retry-After`", body = ErrorBody)))]
pub async fn resolve_vr_session(
    State(vr): State<Vr>,
    ip: ClientIp,
    Path(pin): Path<String>,
) -> Result<Response, ApiError> {
    vr.limit("lookup", &ip, vr.media.config.media.vr_lookups_per_ip).await?;
    Ok(match vr.resolve(&pin).await? {
        Resolved::Destination(destination) => ok(json!({ "destination": destination, "autoVR": true })),
        Resolved::Tour { tour_id, session_id } => ok(json!({
            "destination": format!("tour:{tour_id}"), "autoVR": true, "tourId": tour_id, "sessionId": session_id,
        })),
    })
}

/// Join a tour session with its PIN: the caller becomes a viewer (may `vr:join` its room on
/// the realtime channel and read it) and gets the session with the leader's current state.
/// Rate-limited per client address with the lookups.
#[utoipa::path(post, path = "/api/v1/vr/sessions/{pin}/join", tag = "VR sessions", operation_id = "join_vr_session",
    security(("bearerAuth" = [])), params(("pin" = String, Path, description = "The tour session's PIN")),
    responses((status = 200, description = "The session: `{ id, pin, tourId, listingId, leaderId, expiresAt, state: \
            { sceneId, view, pointer, seq } }`"),
        (status = 400, description = "`invalid_pin`", body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, description = "`pin_not_found`", body = ErrorBody),
        (status = 409, description = "`not_a_tour_session` (a DreamScape destination PIN), `session_full`",
            body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody)))]
pub async fn join_vr_session(
    State(vr): State<Vr>,
    ip: ClientIp,
    user: AuthUser,
    Path(pin): Path<String>,
) -> Result<Response, ApiError> {
    vr.limit("lookup", &ip, vr.media.config.media.vr_lookups_per_ip).await?;
    let session = vr.join(Actor::from(&user), &pin).await?;
    Ok(ok(session_json(&session)))
}

/// Start a live session of a tour: the caller leads, starting at the tour's initial scene and
/// view. Anyone who may see the tour may (its listing is published, or theirs, or an
/// administrator). Viewers join with the returned `pin`.
#[utoipa::path(post, path = "/api/v1/tours/{tourId}/sessions", tag = "VR sessions",
    operation_id = "create_tour_session", security(("bearerAuth" = [])),
    params(("tourId" = String, Path, description = "Tour id")),
    responses((status = 201, description = "`{ id, pin, tourId, listingId, leaderId, expiresAt, state: { sceneId, \
            view, pointer, seq } }`"),
        (status = 401, body = ErrorBody), (status = 404, description = "`tour_not_found`", body = ErrorBody),
        (status = 409, description = "`tour_empty`, `too_many_sessions`", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody)))]
pub async fn create_tour_session(
    State(vr): State<Vr>,
    ip: ClientIp,
    user: AuthUser,
    Path(tour): Path<String>,
) -> Result<Response, ApiError> {
    let tour = kernel::parse_id(&tour, "Tour").map_err(|_| tour_not_found())?;
    vr.limit("create", &ip, vr.media.config.media.vr_creations_per_ip).await?;
    let session = vr.start_session(Actor::from(&user), tour).await?;
    Ok(created(session_json(&session)))
}

fn session_id(raw: &str) -> Result<Uuid, ApiError> {
    kernel::parse_id(raw, "Tour session").map_err(|_| session_not_found())
}

/// A tour session with the leader's current state (late joiners start here): for its leader,
/// the viewers who joined with its PIN, and administrators.
#[utoipa::path(get, path = "/api/v1/tour-sessions/{id}", tag = "VR sessions", operation_id = "get_tour_session",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "Tour session id")),
    responses((status = 200, description = "The session with `state`"), (status = 401, body = ErrorBody),
        (status = 404, description = "`tour_session_not_found` (also for anyone not in it)", body = ErrorBody)))]
pub async fn get_tour_session(
    State(vr): State<Vr>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let session = vr.session_for(Actor::from(&user), session_id(&id)?).await?;
    Ok(ok(session_json(&session)))
}

/// The leader moves (for leaders without a socket; on a socket, emit `vr:state`). Viewers get
/// `vr:state { sessionId, sceneId, view, pointer, seq }`. Moves within a scene are throttled
/// to 20 a second per session: an extra one answers `applied: false` and is not broadcast.
#[utoipa::path(put, path = "/api/v1/tour-sessions/{id}/state", tag = "VR sessions",
    operation_id = "move_tour_session", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Tour session id")), request_body = MoveInput,
    responses((status = 200, description = "`{ sceneId, view, pointer, seq, applied }` (the current state when not \
            applied)"),
        (status = 400, description = "`validation_failed`: unknown scene, angle out of range", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, description = "`not_leader`", body = ErrorBody),
        (status = 404, description = "`tour_session_not_found`", body = ErrorBody)))]
pub async fn move_tour_session(
    State(vr): State<Vr>,
    user: AuthUser,
    Path(id): Path<String>,
    Json(input): Json<MoveInput>,
) -> Result<Response, ApiError> {
    let moved = vr.move_state(Actor::from(&user), session_id(&id)?, input).await?;
    let mut body = state_json(&moved.state, moved.seq);
    body["applied"] = json!(moved.applied);
    Ok(ok(body))
}

/// End a tour session (its leader or an administrator): viewers get `vr:ended` and the PIN
/// stops working.
#[utoipa::path(delete, path = "/api/v1/tour-sessions/{id}", tag = "VR sessions", operation_id = "end_tour_session",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "Tour session id")),
    responses((status = 200, description = "`{ id, ended: true }`"), (status = 401, body = ErrorBody),
        (status = 403, description = "`not_leader` (a viewer)", body = ErrorBody),
        (status = 404, description = "`tour_session_not_found`", body = ErrorBody)))]
pub async fn end_tour_session(
    State(vr): State<Vr>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = session_id(&id)?;
    vr.end(Actor::from(&user), id).await?;
    Ok(ok(json!({ "id": id, "ended": true })))
}
