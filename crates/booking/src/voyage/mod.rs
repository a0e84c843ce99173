//! DreamScape's voyage service on the booking engine: a cart of our listings and travel
//! supplier offers, checkout into one booking with a `DS-` reference and one payment, the
//! bookings themselves (status, confirm, cancel, PDF, ICS).

pub mod admin;
pub mod admin_actions;
mod admin_query;
mod admin_store;
pub mod cancel;
pub mod cart;
pub mod checkout;
pub mod documents;
pub mod money;
pub mod stats;
pub mod store;
pub mod trips;
