//! Booking owns reservations: a reader in another process that has not heard of one yet (payments,
//! asked to open its payment) asks here whether it exists and whose it is, to answer
//! `425 not_yet_replicated` rather than a wrong 404 (see `platform::contracts::records`).

use async_trait::async_trait;
use kernel::ApiError;
use platform::contracts::{Known, RecordKind, RecordSource};
use platform::db::Db;
use uuid::Uuid;

pub struct Reservations {
    pub db: Db,
}

#[async_trait]
impl RecordSource for Reservations {
    async fn find(&self, kind: RecordKind, id: Uuid) -> Result<Option<Known>, ApiError> {
        if kind != RecordKind::Reservation {
            return Ok(None);
        }
        let reservation = crate::store::reservations::find(&self.db, id).await?;
        Ok(reservation.map(|r| Known { owner: Some(r.guest_id), public: false }))
    }
}
