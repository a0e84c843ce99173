//! Menu orders at restaurants: a guest orders from the menu — a pre-order with their table
//! reservation, a takeaway at a pickup time in the opening hours, or at a table by its code —
//! and the restaurant's kitchen works a live queue (`received → accepted → preparing → ready →
//! served / collected`, or rejected with a full refund). Orders not accepted in
//! `booking.order_accept_minutes` are cancelled and refunded by booking's scheduler.
//!
//! An order lives here, in booking, and is a reservation row too (`unit_key` `order:<mode>`):
//! payment, capture on acceptance, release or refund, payouts and the scheduler's expiry are
//! the reservation machinery's, under `order.*` event names (see `domain::event_name`), so
//! consumers of `booking.*` (messaging, reviews, search) do not take orders for bookings.

pub mod domain;
pub mod http;
mod kitchen;
mod service;
mod staff;
pub mod store;
pub mod view;
