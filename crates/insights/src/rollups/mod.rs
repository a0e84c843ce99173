//! Rollups: per listing and local day (`listing_days`, what host dashboards read) and per
//! platform day (`platform_days`, what administrators' KPIs read), kept from the facts in the
//! same transaction as the fact that changes them, and rebuildable from the facts alone.
//!
//! Every hook recomputes the rows it touches from the facts (never adds deltas), so applying
//! one twice, or rebuilding, gives the same rows.

pub mod listing_days;
pub mod platform_days;

use chrono::NaiveDate;
use platform::db::{Db, DbError, Tx};
use uuid::Uuid;

use crate::facts::{Listing, Movement, Reservation};

/// A reservation was recorded; `before` is what was known of it until now.
pub async fn reservation_changed(
    tx: &mut Tx,
    before: Option<&Reservation>,
    after: &Reservation,
) -> Result<(), DbError> {
    listing_days::reservation_changed(tx, before, after).await?;
    platform_days::reservation_changed(tx, before, after).await
}

/// A listing was recorded; `before` is what was known of it until now.
pub async fn listing_changed(tx: &mut Tx, before: Option<&Listing>, after: &Listing) -> Result<(), DbError> {
    listing_days::listing_changed(tx, before, after).await?;
    platform_days::listing_changed(tx, before, after).await
}

/// A money movement was recorded (the first time only).
pub async fn movement_recorded(tx: &mut Tx, m: &Movement) -> Result<(), DbError> {
    listing_days::movement_recorded(tx, m).await?;
    platform_days::movement_recorded(tx, m).await
}

/// Something about `user` changed on `day` (created, verified, deleted, active).
pub async fn user_changed(tx: &mut Tx, user: Uuid, day: NaiveDate) -> Result<(), DbError> {
    platform_days::user_changed(tx, user, day).await
}

/// Recomputes every rollup row from `from` on, from the facts; how many rows were written.
pub async fn rebuild(db: &Db, from: NaiveDate) -> Result<u64, DbError> {
    Ok(listing_days::rebuild(db, from).await? + platform_days::rebuild(db, from).await?)
}
