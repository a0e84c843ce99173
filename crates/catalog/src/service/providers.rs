//! Becoming a provider, and the provider's own profile.

use kernel::ApiError;
use serde_json::json;
use uuid::Uuid;

use super::Catalog;
use crate::domain::fields::{Errors, currency, one_of, text, timezone};
use crate::store::{self, providers::Provider};

pub const PROVIDER_KINDS: [&str; 2] = ["individual", "business"];

#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProviderInput {
    #[schema(example = "Canal Stays")]
    pub display_name: Option<String>,
    /// `individual` or `business`.
    pub kind: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    /// ISO 4217, default EUR.
    pub default_currency: Option<String>,
    /// IANA time zone, default UTC.
    pub timezone: Option<String>,
}

fn apply(p: &mut Provider, input: &ProviderInput, e: &mut Errors) {
    if let Some(v) = &input.display_name
        && let Some(v) = e.check("displayName", text(v, 2, 80, false))
    {
        p.display_name = v;
    }
    if let Some(v) = &input.kind
        && let Some(v) = e.check("kind", one_of(v, &PROVIDER_KINDS))
    {
        p.kind = v;
    }
    if let Some(v) = &input.contact_email {
        let v = v.trim().to_lowercase();
        let ok = v.len() <= 254
            && v.split_once('@').is_some_and(|(a, b)| !a.is_empty() && b.contains('.'))
            && !v.contains(char::is_whitespace);
        if ok { p.contact_email = Some(v) } else { e.add("contactEmail", "must be an email address") }
    }
    if let Some(v) = &input.contact_phone {
        let digits = v.chars().filter(char::is_ascii_digit).count();
        if (6..=15).contains(&digits) && v.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c)) {
            p.contact_phone = Some(v.trim().to_owned());
        } else {
            e.add("contactPhone", "must be a phone number such as +33 1 23 45 67 89");
        }
    }
    if let Some(v) = &input.default_currency
        && let Some(v) = e.check("defaultCurrency", currency(v))
    {
        p.default_currency = v;
    }
    if let Some(v) = &input.timezone
        && let Some(v) = e.check("timezone", timezone(v))
    {
        p.timezone = v;
    }
}

impl Catalog {
    /// Makes `user` a provider; identity gives them the `host` role on `provider.created`.
    pub async fn become_provider(&self, user: Uuid, input: &ProviderInput) -> Result<Provider, ApiError> {
        let now = self.clock.now();
        let mut p = Provider {
            id: kernel::new_id(),
            user_id: user,
            display_name: String::new(),
            kind: "individual".into(),
            contact_email: None,
            contact_phone: None,
            default_currency: "EUR".into(),
            timezone: "UTC".into(),
            payout_account_ref: None,
            created_at: now,
            updated_at: now,
        };
        let mut e = Errors::default();
        if input.display_name.is_none() {
            e.add("displayName", "is required");
        }
        apply(&mut p, input, &mut e);
        if !e.is_empty() {
            return Err(ApiError::validation(e.0));
        }
        let mut tx = self.db.begin().await?;
        store::providers::insert(&mut tx, &p).await.map_err(|err| {
            if err.is_unique_violation("user") {
                ApiError::new(409, "already_provider", "You are already a provider")
            } else {
                err.into()
            }
        })?;
        let data = json!({"providerId": p.id, "userId": user, "displayName": p.display_name, "kind": p.kind});
        self.emit(&mut tx, "provider.created", p.id, user, data).await?;
        tx.commit().await?;
        self.events.committed();
        Ok(p)
    }

    /// The public answer about provider `id`, `shown` as the body, from the hot cache.
    pub async fn provider_answer(
        &self,
        id: Uuid,
        shown: impl FnOnce(&Provider) -> serde_json::Value,
    ) -> Result<std::sync::Arc<platform::hot::Hot>, ApiError> {
        let group = super::cached::provider_group(id);
        let ticket = match self.hot.get(&group, super::cached::PROFILE) {
            platform::hot::HotLookup::Hit(hot) => return Ok(hot),
            platform::hot::HotLookup::Miss(ticket) => ticket,
        };
        let p = self.provider(id).await?;
        let version = p.updated_at.timestamp_millis();
        Ok(self.hot.put(ticket, platform::hot::Hot::json(&shown(&p), version, None)?))
    }

    pub async fn provider(&self, id: Uuid) -> Result<Provider, ApiError> {
        store::providers::find(&self.db, id).await?.ok_or_else(|| ApiError::not_found("Provider not found"))
    }

    /// The caller's provider profile; 403 `not_a_provider` when they have none.
    pub async fn my_provider(&self, user: Uuid) -> Result<Provider, ApiError> {
        store::providers::of_user(&self.db, user)
            .await?
            .ok_or_else(|| ApiError::new(403, "not_a_provider", "Become a provider first (POST /api/v1/providers)"))
    }

    pub async fn update_provider(&self, user: Uuid, input: &ProviderInput) -> Result<Provider, ApiError> {
        let mut p = self.my_provider(user).await?;
        let mut e = Errors::default();
        apply(&mut p, input, &mut e);
        if !e.is_empty() {
            return Err(ApiError::validation(e.0));
        }
        p.updated_at = self.clock.now();
        let mut tx = self.db.begin().await?;
        store::providers::update(&mut tx, &p).await?;
        let data = json!({"providerId": p.id, "userId": user, "displayName": p.display_name, "kind": p.kind});
        self.emit(&mut tx, "provider.updated", p.id, user, data).await?;
        tx.commit().await?;
        self.events.committed();
        self.hot.forget(&super::cached::provider_group(p.id)).await;
        Ok(p)
    }
}
