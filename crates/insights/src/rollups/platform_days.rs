//! (being written in this session's parallel work)

use chrono::NaiveDate;
use platform::db::{Db, DbError, Tx};
#[allow(unused_imports)]
use uuid::Uuid;

use crate::facts::{Listing, Movement, Reservation};

pub async fn reservation_changed(
    _tx: &mut Tx,
    _before: Option<&Reservation>,
    _after: &Reservation,
) -> Result<(), DbError> {
    Ok(())
}

pub async fn listing_changed(_tx: &mut Tx, _before: Option<&Listing>, _after: &Listing) -> Result<(), DbError> {
    Ok(())
}

pub async fn movement_recorded(_tx: &mut Tx, _m: &Movement) -> Result<(), DbError> {
    Ok(())
}

pub async fn rebuild(_db: &Db, _from: NaiveDate) -> Result<u64, DbError> {
    Ok(0)
}

pub async fn user_changed(_tx: &mut Tx, _user: Uuid, _day: NaiveDate) -> Result<(), DbError> {
    Ok(())
}
