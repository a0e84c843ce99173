//! One-click unsubscribe (RFC 8058). Every notice email carries
//! `List-Unsubscribe: <…/api/v1/notifications/unsubscribe?token=…>` and
//! `List-Unsubscribe-Post: List-Unsubscribe=One-Click`: a mail client POSTs to the link and that
//! type's email is off, with no sign-in (the signed token is the authority). Opening the link in
//! a browser (GET) only shows a page with a button: link scanners that prefetch URLs must not
//! unsubscribe anyone.

use axum::extract::State as AxumState;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use kernel::{ApiError, ErrorBody, FieldError};
use platform::http::Query;
use serde::Deserialize;
use utoipa::IntoParams;

use super::State;
use crate::domain::{Channel, Topic};
use crate::service;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TokenQuery {
    /// The token of the mail's unsubscribe link.
    pub token: Option<String>,
}

fn verify(state: &State, q: &TokenQuery) -> Result<(uuid::Uuid, Topic), ApiError> {
    let token = q.token.as_deref().filter(|t| t.len() <= 200);
    token.and_then(|t| state.pipeline.links.verify_unsubscribe(t)).ok_or_else(|| {
        ApiError::new(400, "invalid_token", "This unsubscribe link is not valid")
            .with_details(vec![FieldError::new("token", "is not a link we sent")])
    })
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn page_html(title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width\"><title>{t}</title></head><body style=\"font-family:sans-serif;\
         max-width:32rem;margin:3rem auto;padding:0 1rem\"><h1 style=\"font-size:1.4rem\">{t}</h1>{body}</body></html>",
        t = escape(title)
    );
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], html).into_response()
}

fn topic_name(topic: Topic) -> &'static str {
    match topic {
        Topic::BookingConfirmation => "booking updates",
        Topic::BookingCancelled => "booking cancellations",
        Topic::PaymentSucceeded => "payment receipts",
        Topic::PaymentFailed => "failed payments",
        Topic::RefundProcessed => "refunds",
        Topic::PriceAlert => "price alerts",
        Topic::TripReminder => "trip reminders",
        Topic::Promotions => "offers",
        Topic::PlatformUpdate => "platform news",
        Topic::AccountSecurity => "security alerts",
        Topic::Messages => "new messages",
        Topic::Reviews => "reviews",
    }
}

/// The page an unsubscribe link opens: what it turns off, and a button that does.
#[utoipa::path(get, path = "/api/v1/notifications/unsubscribe", tag = "NotificationPreferences", operation_id = "unsubscribe_page",
    params(TokenQuery),
    responses((status = 200, description = "A confirmation page", content_type = "text/html"),
        (status = 400, description = "`invalid_token` (field `token`)", body = ErrorBody)))]
pub async fn page(AxumState(state): AxumState<State>, Query(q): Query<TokenQuery>) -> Result<Response, ApiError> {
    let (_, topic) = verify(&state, &q)?;
    let token = escape(q.token.as_deref().unwrap_or_default());
    Ok(page_html(
        "Unsubscribe",
        &format!(
            "<p>Stop emails about <strong>{}</strong>? You will still see them in your Sojourn inbox.</p>\
             <form method=\"post\" action=\"?token={token}\"><input type=\"hidden\" name=\"List-Unsubscribe\" \
             value=\"One-Click\"><button type=\"submit\">Unsubscribe</button></form>",
            topic_name(topic)
        ),
    ))
}

/// RFC 8058 one-click unsubscribe: turns the token's type of email off. Idempotent.
#[utoipa::path(post, path = "/api/v1/notifications/unsubscribe", tag = "NotificationPreferences", operation_id = "unsubscribe_one_click",
    params(TokenQuery),
    request_body(content = String, description = "`List-Unsubscribe=One-Click` (form-encoded); ignored", content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "Unsubscribed", content_type = "text/html"),
        (status = 400, description = "`invalid_token` (field `token`)", body = ErrorBody)))]
pub async fn one_click(AxumState(state): AxumState<State>, Query(q): Query<TokenQuery>) -> Result<Response, ApiError> {
    let (user, topic) = verify(&state, &q)?;
    service::change_preferences(&state.db, user, vec![(topic, Channel::Email, false)], false, state.clock.now())
        .await?;
    Ok(page_html(
        "Unsubscribed",
        &format!(
            "<p>You will no longer receive emails about <strong>{}</strong>. You can turn them back on in \
             <a href=\"{}\">your notification settings</a>.</p>",
            topic_name(topic),
            escape(&state.pipeline.links.preferences())
        ),
    ))
}
