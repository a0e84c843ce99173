//! Booking through HTTP: the listings read model fed by catalog events, calendars, quotes,
//! reservations of every kind and their state machine, coupons, and the races.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(dead_code)] // support helpers serve several modules

mod availability;
mod calendar;
mod capacity;
mod cart;
mod coupons;
mod itineraries;
mod lifecycle;
mod notices;
mod orders;
mod orders_kit;
mod privacy;
mod races;
mod rules;
mod shipping;
mod shipping_races;
mod stays;
mod support;
mod voyage_admin;
mod voyage_kit;
mod voyage_stats;
