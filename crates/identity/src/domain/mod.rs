//! Pure rules of accounts and credentials, unit tested without I/O.

pub mod alerts;
pub mod backoffice;
pub mod device;
pub mod email;
pub mod items;
pub mod onboarding;
pub mod password;
pub mod profile;
pub mod sealed;
pub mod secret;
pub mod totp;
pub mod user;
