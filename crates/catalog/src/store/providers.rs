use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, FromRow, Row, Tx, query};
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Provider {
    pub id: Uuid,
    pub user_id: Uuid,
    pub display_name: String,
    /// `individual` or `business`.
    pub kind: String,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub default_currency: String,
    pub timezone: String,
    /// Set by payments when payouts are configured.
    pub payout_account_ref: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl FromRow for Provider {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Provider {
            id: row.get("id")?,
            user_id: row.get("user_id")?,
            display_name: row.get("display_name")?,
            kind: row.get("kind")?,
            contact_email: row.get("contact_email")?,
            contact_phone: row.get("contact_phone")?,
            default_currency: row.get("default_currency")?,
            timezone: row.get("timezone")?,
            payout_account_ref: row.get("payout_account_ref")?,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
        })
    }
}

const COLUMNS: &str = "id, user_id, display_name, kind, contact_email, contact_phone, default_currency, timezone, \
     payout_account_ref, created_at, updated_at";

pub async fn insert(tx: &mut Tx, p: &Provider) -> Result<(), DbError> {
    query(
        "INSERT INTO providers (id, user_id, display_name, kind, contact_email, contact_phone, default_currency, timezone, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
    )
    .bind(p.id)
    .bind(p.user_id)
    .bind(p.display_name.as_str())
    .bind(p.kind.as_str())
    .bind(p.contact_email.clone())
    .bind(p.contact_phone.clone())
    .bind(p.default_currency.as_str())
    .bind(p.timezone.as_str())
    .bind(p.created_at)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn update(tx: &mut Tx, p: &Provider) -> Result<(), DbError> {
    query(
        "UPDATE providers SET display_name = $1, kind = $2, contact_email = $3, contact_phone = $4, default_currency = $5, \
         timezone = $6, updated_at = $7 WHERE id = $8",
    )
    .bind(p.display_name.as_str())
    .bind(p.kind.as_str())
    .bind(p.contact_email.clone())
    .bind(p.contact_phone.clone())
    .bind(p.default_currency.as_str())
    .bind(p.timezone.as_str())
    .bind(p.updated_at)
    .bind(p.id)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn find(db: &Db, id: Uuid) -> Result<Option<Provider>, DbError> {
    platform::db::query_dynamic(format!("SELECT {COLUMNS} FROM providers WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn of_user(db: &Db, user: Uuid) -> Result<Option<Provider>, DbError> {
    platform::db::query_dynamic(format!("SELECT {COLUMNS} FROM providers WHERE user_id = $1"))
        .bind(user)
        .fetch_optional(db)
        .await
}
