//! The catalog's SQL — the only code that touches its tables.

pub mod listings;
pub mod media;
pub mod photos;
pub mod providers;
pub mod ratings;
pub mod sessions;
pub mod trips;
