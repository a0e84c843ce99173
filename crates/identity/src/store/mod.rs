//! The identity context's SQL — the only code that touches its tables.

pub mod one_time;
pub mod recovery;
pub mod sessions;
pub mod users;
