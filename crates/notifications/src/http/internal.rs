//! `POST /api/v1/users/notifications/internal`: another service (or an administrator) puts a
//! notification into a user's inbox. DreamScape leaves it open to anyone; here the caller
//! presents the `internal_api_key` as its bearer token, as every internal call between
//! Sojourn's services does (compared in constant time), or an administrator's access token.

use axum::extract::{FromRequestParts, State as AxumState};
use axum::http::request::Parts;
use axum::response::Response;
use kernel::{ApiError, ErrorBody, FieldError};
use platform::auth::{AuthUser, bearer_token};
use platform::http::{Json, created};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::State;
use super::view::{DsTypeDoc, NotificationView};
use crate::domain::DsType;
use crate::service;

/// Who may create notifications for others.
#[derive(Debug)]
pub enum Notifier {
    /// A Sojourn service holding the internal key.
    Service,
    /// An administrator (their id).
    Admin(Uuid),
}

impl FromRequestParts<State> for Notifier {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &State) -> Result<Self, Self::Rejection> {
        if let (Some(key), Some(given)) = (state.internal_key.as_deref(), bearer_token(parts))
            && key.ct_eq(given.as_bytes())
        {
            return Ok(Notifier::Service);
        }
        let user = AuthUser::from_request_parts(parts, state).await?;
        user.require_admin()?;
        Ok(Notifier::Admin(user.user_id))
    }
}

/// A notification to create. `userId`, `title` and `message` are required; other fields are
/// ignored.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewNotification {
    /// The recipient.
    #[schema(value_type = String, format = Uuid, required = true)]
    pub user_id: Option<String>,
    #[schema(value_type = String, min_length = 1, max_length = 200, required = true)]
    pub title: Option<String>,
    #[schema(value_type = String, min_length = 1, max_length = 2000, required = true)]
    pub message: Option<String>,
    /// DreamScape's type (default `SYSTEM`).
    #[serde(rename = "type")]
    #[schema(rename = "type", value_type = Option<DsTypeDoc>)]
    pub kind: Option<String>,
    /// Details for the client: an object of at most 8 KiB of JSON.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
}

/// DreamScape's answer when a required field is missing or empty.
const MISSING: &str = "Missing required fields: userId, title, message";

fn present(value: Option<&String>) -> Option<&str> {
    value.map(|s| s.trim()).filter(|s| !s.is_empty())
}

impl NewNotification {
    fn into_request(self) -> Result<service::Request, ApiError> {
        let (user_id, title, message) =
            (present(self.user_id.as_ref()), present(self.title.as_ref()), present(self.message.as_ref()));
        let (Some(user_id), Some(title), Some(message)) = (user_id, title, message) else {
            let missing = [("userId", user_id), ("title", title), ("message", message)]
                .into_iter()
                .filter(|(_, v)| v.is_none())
                .map(|(field, _)| FieldError::new(field, "is required"))
                .collect();
            return Err(ApiError::new(400, "validation_failed", MISSING).with_details(missing));
        };
        let metadata = self.metadata.unwrap_or(Value::Null);
        // The limits apply to the text as sent, as the document states them.
        let raw = |v: &Option<String>| v.as_deref().unwrap_or_default().to_owned();
        let mut errors = service::check_request(&raw(&self.title), &raw(&self.message), &metadata);
        let user_id = Uuid::try_parse(user_id).map_err(|_| errors.push(FieldError::new("userId", "must be a user id")));
        let kind = match self.kind.as_deref() {
            None => Ok(DsType::System),
            Some(raw) => DsType::parse(raw).ok_or_else(|| {
                let names: Vec<&str> = DsType::ALL.iter().map(|t| t.as_str()).collect();
                errors.push(FieldError::new("type", format!("must be one of {}", names.join(", "))));
            }),
        };
        match (user_id, kind) {
            (Ok(user_id), Ok(kind)) if errors.is_empty() => Ok(service::Request {
                user_id,
                kind: kind.kind(),
                title: title.to_owned(),
                message: message.to_owned(),
                metadata,
            }),
            _ => Err(ApiError::validation(errors)),
        }
    }
}

/// Put a notification into a user's inbox, unless their preferences turn its type off in the
/// inbox (then `data` is `null` and nothing is stored). For Sojourn's services (bearer token =
/// the `internal_api_key`) and administrators.
#[utoipa::path(post, path = "/api/v1/users/notifications/internal", tag = "Notifications", operation_id = "create_notification",
    security(("bearerAuth" = [])),
    request_body = NewNotification,
    responses((status = 201, description = "The notification, or `null` when the user's preferences keep it out", body = Option<NotificationView>),
        (status = 400, description = "`validation_failed`: a missing field (\"Missing required fields: userId, title, message\"), a bad `userId`, an unknown `type`, a text or metadata over its limit", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Neither the internal key nor an administrator", body = ErrorBody)))]
pub async fn create(
    AxumState(state): AxumState<State>,
    notifier: Notifier,
    Json(body): Json<NewNotification>,
) -> Result<Response, ApiError> {
    let request = body.into_request()?;
    let (recipient, kind) = (request.user_id, request.kind);
    let made = service::create(&state.db, &state.pipeline, request, state.clock.now()).await?;
    if let Some(made) = &made {
        state.push.push(made.clone());
    }
    let by = match notifier {
        Notifier::Service => "service".to_owned(),
        Notifier::Admin(admin) => format!("admin {admin}"),
    };
    tracing::info!(%by, %recipient, kind = kind.as_str(), stored = made.is_some(), "notification requested");
    Ok(created(made.map(NotificationView::from)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::{MAX_MESSAGE, MAX_METADATA, MAX_TITLE};

    #[test]
    fn limits_match_the_document() {
        // The schema states 200 and 2000 characters and 8 KiB of metadata.
        assert_eq!((MAX_TITLE, MAX_MESSAGE, MAX_METADATA), (200, 2000, 8192));
        let schema = serde_json::to_value(<NewNotification as utoipa::PartialSchema>::schema()).unwrap_or_default();
        assert_eq!(schema["properties"]["title"]["maxLength"], 200, "{schema}");
        assert_eq!(schema["properties"]["message"]["maxLength"], 2000, "{schema}");
        let required = schema["required"].as_array().cloned().unwrap_or_default();
        assert_eq!(required.len(), 3, "{schema}");
    }
}
