//! DreamScape's payment service (`/api/v1/payment/create-intent`, `update-metadata`) and its
//! admin payments (`/api/v1/admin/payments`) on our payments. DreamScape authenticates none
//! of its payment routes; here each needs the caller's token, acts on the caller's own
//! payments (administrators: any), and never takes an amount from the client.
//!
//! The routes DreamScape shares with ours (`config`, `webhook`, `refund`, `cancel/{id}`) are
//! served by [`crate::http`] with DreamScape's fields added.

pub mod admin;
pub mod admin_http;
pub mod bookings;
pub mod http;
pub mod intents;
pub mod transactions;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::service::Payments;

pub fn routes() -> OpenApiRouter<Payments> {
    OpenApiRouter::new()
        .routes(routes!(http::create_intent))
        .routes(routes!(http::update_metadata))
        .routes(routes!(admin_http::list))
        .routes(routes!(admin_http::get))
        .routes(routes!(admin_http::set_status))
}
