//! The booking context's HTTP surface: thin handlers that parse, call the engine and shape
//! the answer.

mod admin_bookings;
mod availability;
mod calendar;
mod cart;
mod coupons;
mod fulfilment;
mod itineraries;
mod reservations;
mod trips;
mod voyage;

pub use voyage::alias_templates as voyage_aliases;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub type State = crate::service::Bookings;

pub fn routes() -> OpenApiRouter<State> {
    OpenApiRouter::new()
        .routes(routes!(calendar::get, calendar::put))
        .routes(routes!(availability::get))
        .routes(routes!(reservations::quote))
        .routes(routes!(reservations::create, reservations::mine))
        .routes(routes!(reservations::hosting))
        .routes(routes!(reservations::get))
        .routes(routes!(reservations::cancellation))
        .routes(routes!(reservations::accept))
        .routes(routes!(reservations::decline))
        .routes(routes!(reservations::cancel))
        .routes(routes!(reservations::complete))
        .routes(routes!(reservations::run_jobs))
        .routes(routes!(coupons::create, coupons::list))
        .routes(routes!(coupons::get, coupons::deactivate))
        .routes(routes!(admin_bookings::list))
        .routes(routes!(admin_bookings::export))
        .routes(routes!(admin_bookings::bulk_status))
        .routes(routes!(admin_bookings::get))
        .routes(routes!(admin_bookings::set_status))
        .routes(routes!(admin_bookings::cancel))
        .routes(routes!(admin_bookings::modify))
        .routes(routes!(admin_bookings::resend))
        .merge(voyage::routes())
        .merge(fulfilment::routes())
        .merge(crate::orders::http::routes())
}
