//! Booking through HTTP: the listings read model fed by catalog events, and the calendar.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod calendar;
