//! DreamScape's admin dashboard (`/api/v1/admin/dashboard/stats`, `revenue-chart`,
//! `bookings-by-destination`), served from insights' facts with DreamScape's rules: bookings in
//! DreamScape's statuses, a DreamScape booking by reference counting once for the reservations
//! it holds, revenue of captured EUR payments net of their refunds, conversion per server-side
//! search. What only these need of booking's `voyage.*` events and of payments' is kept by
//! [`events`]. Recent transactions (payers' e-mails and names) stay in identity.

mod events;
mod http;
mod service;
mod store;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use events::{VOYAGES_CONSUMER, Voyages, movement_recorded, payment_event, reservation_changed};

pub fn routes() -> OpenApiRouter<crate::http::State> {
    OpenApiRouter::new()
        .routes(routes!(http::stats))
        .routes(routes!(http::revenue_chart))
        .routes(routes!(http::bookings_by_destination))
}
