//! Catalog owns listings: a reader in another process that has not heard of one yet (booking,
//! asked to quote or reserve it) asks here whether it exists and for whom, to answer
//! `425 not_yet_replicated` rather than a wrong 404 (see `platform::contracts::records`).

use async_trait::async_trait;
use kernel::ApiError;
use platform::contracts::{Known, RecordKind, RecordSource};
use platform::db::Db;
use uuid::Uuid;

pub struct Listings {
    pub db: Db,
}

#[async_trait]
impl RecordSource for Listings {
    async fn find(&self, kind: RecordKind, id: Uuid) -> Result<Option<Known>, ApiError> {
        if kind != RecordKind::Listing {
            return Ok(None);
        }
        let listing = crate::store::listings::find(&self.db, id).await?;
        Ok(listing.map(|l| Known { owner: Some(l.owner_id), public: l.status == "published" }))
    }
}
