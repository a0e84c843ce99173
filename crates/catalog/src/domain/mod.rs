//! Pure rules of the catalog: what a provider and a listing may contain, per kind, when a
//! listing is complete enough to publish, and how reviews' rating summary is read. Unit tested
//! without I/O.

pub mod activity;
pub mod fields;
pub mod listing;
pub mod product;
pub mod rating;
pub mod restaurant;
pub mod stay;
pub mod transport;
