//! DreamScape's admin dashboard's recent transactions (`/api/v1/admin/dashboard/recent-transactions`):
//! the period's payments from the read model payments' events keep (`crate::events::BackOffice`),
//! with their payers' e-mails and names. The dashboard's figures are insights' now
//! (`insights::dreamscape`); the period is [`kernel::dreamscape::Period`].

use chrono::{DateTime, Utc};
use kernel::ApiError;
use kernel::dreamscape::Period;
use serde::Serialize;
use utoipa::ToSchema;

use super::Accounts;
use crate::domain::backoffice::{major, two_decimals};
use crate::store::dashboard as store;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DashboardTransaction {
    pub id: String,
    /// `Unknown` when the payer is unknown or the account was erased.
    pub user_email: String,
    /// The payer's names, else the email.
    pub user_name: String,
    pub amount: f64,
    /// Ours: how much of it went back (major units).
    pub amount_refunded: f64,
    pub currency: String,
    /// DreamScape's `PaymentTransactionStatus`.
    pub status: String,
    pub payment_method: Option<String>,
    pub booking_reference: String,
    pub created_at: DateTime<Utc>,
}

impl Accounts {
    pub async fn recent_transactions(&self, p: Period, limit: u32) -> Result<Vec<DashboardTransaction>, ApiError> {
        let rows = store::recent_payments(&self.db, p.from, p.to, limit).await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let names = [r.first_name.as_deref(), r.last_name.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                let email = r.email.unwrap_or_else(|| "Unknown".into());
                DashboardTransaction {
                    id: r.id,
                    user_name: if names.trim().is_empty() { email.clone() } else { names },
                    user_email: email,
                    amount: two_decimals(major(r.amount, &r.currency)),
                    amount_refunded: two_decimals(major(r.refunded, &r.currency)),
                    currency: r.currency,
                    status: r.status,
                    payment_method: r.method,
                    booking_reference: r.reference,
                    created_at: r.created_at,
                }
            })
            .collect())
    }
}
