//! Pure rules of the catalog: what a provider and a listing may contain, per kind, when a
//! listing is complete enough to publish, how reviews' rating summary and media's events are
//! read, and what an uploaded photo must look like before it is queued. Unit tested without
//! I/O.

pub mod activity;
pub mod fields;
pub mod listing;
pub mod media;
pub mod product;
pub mod rating;
pub mod restaurant;
pub mod stay;
pub mod transport;
