//! GDPR for travel. The export holds the orders placed at the supplier for the user (what, when,
//! how much, confirmation, status, and the travellers as the supplier has them). Erasure keeps
//! each order's accounting facts (kind, amount, confirmation, status) and drops the travellers'
//! names, dates of birth and contacts — from our record and, for the offline supplier, from its
//! own (it lives in our database; Amadeus keeps its records under its own policy).

use async_trait::async_trait;
use platform::db::Db;
use platform::privacy::{PersonalData, PrivacyError};
use serde_json::{Value, json};
use uuid::Uuid;

pub struct TravelData {
    pub db: Db,
}

fn err(e: impl std::fmt::Display) -> PrivacyError {
    PrivacyError::new("travel", e)
}

#[async_trait]
impl PersonalData for TravelData {
    async fn export(&self, user: Uuid) -> Result<Value, PrivacyError> {
        let orders: Vec<Value> = crate::store::of_user(&self.db, user)
            .await
            .map_err(|e| err(e.message))?
            .into_iter()
            .map(|o| {
                let travellers = o
                    .answer
                    .pointer("/data/travelers")
                    .or_else(|| o.answer.pointer("/data/guests"))
                    .or_else(|| o.answer.pointer("/data/passengers"))
                    .cloned();
                json!({ "id": o.id, "supplier": o.supplier, "kind": o.kind, "confirmation": o.confirmation,
                        "supplierOrderId": o.supplier_order_id, "status": o.status, "amountMinor": o.amount,
                        "currency": o.currency, "createdAt": o.created_at, "travellers": travellers })
            })
            .collect();
        Ok(json!({ "supplierOrders": orders }))
    }

    async fn erase(&self, user: Uuid) -> Result<(), PrivacyError> {
        let mut tx = self.db.begin().await.map_err(err)?;
        let erased = json!({ "erased": true });
        platform::db::query(
            "UPDATE offline_orders SET answer = $2 WHERE id IN \
             (SELECT supplier_order_id FROM supplier_orders WHERE user_id = $1 AND supplier = 'offline')",
        )
        .bind(user)
        .bind(erased.clone())
        .execute(&mut tx)
        .await
        .map_err(err)?;
        platform::db::query("UPDATE supplier_orders SET answer = $2, offer = $2 WHERE user_id = $1")
            .bind(user)
            .bind(erased)
            .execute(&mut tx)
            .await
            .map_err(err)?;
        tx.commit().await.map_err(err)
    }
}
