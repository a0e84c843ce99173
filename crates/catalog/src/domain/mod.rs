//! Pure rules of the catalog: what a provider and a listing may contain, per kind, and when a
//! listing is complete enough to publish. Unit tested without I/O.

pub mod activity;
pub mod fields;
pub mod listing;
pub mod product;
pub mod restaurant;
pub mod stay;
pub mod transport;
