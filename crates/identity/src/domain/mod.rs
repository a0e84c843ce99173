//! Pure rules of accounts and credentials, unit tested without I/O.

pub mod alerts;
pub mod backoffice;
pub mod device;
pub mod email;
pub mod items;
pub mod onboarding;
pub mod password;
pub mod phone_code;
pub mod preferences;
pub mod profile;
pub mod questionnaire;
pub mod sealed;
pub mod secret;
pub mod settings;
pub mod totp;
pub mod user;
