//! The identity context's SQL — the only code that touches its tables.

pub mod admin_users;
pub mod alerts;
pub mod backoffice;
pub mod dashboard;
pub mod favorites;
pub mod history;
pub mod onboarding;
pub mod one_time;
pub mod phone;
pub mod privacy;
pub mod profiles;
pub mod recovery;
pub mod requests;
pub mod sessions;
pub mod users;
