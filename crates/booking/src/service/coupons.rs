//! Coupons: a provider's for their own listings, or the platform's (made by an administrator,
//! valid everywhere and paid for by the platform, so hosts are paid as if there were none).

use chrono::{DateTime, Utc};
use kernel::{ApiError, FieldError};
use platform::auth::AuthUser;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::Bookings;
use crate::store::{self, coupons::Coupon};

/// 3–32 letters, digits, `-` or `_`.
pub fn valid_code(code: &str) -> bool {
    (3..=32).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CouponIn {
    /// 3–32 letters, digits, `-`, `_`; stored upper case, unique.
    pub code: String,
    /// Whole percent off the accommodation (1–100). Give this or `amountOff`.
    pub percent_off: Option<i64>,
    /// Minor units off (needs `currency`).
    pub amount_off: Option<i64>,
    pub currency: Option<String>,
    /// RFC 3339; default: now.
    pub valid_from: Option<String>,
    /// RFC 3339, exclusive; default: no end.
    pub valid_until: Option<String>,
    /// Stays only: at least this many nights.
    pub min_nights: Option<i64>,
    pub max_uses: Option<i64>,
    pub max_uses_per_user: Option<i64>,
    /// Some of your listings (default: all of them). Administrators leaving it out make a
    /// platform coupon.
    pub listing_ids: Option<Vec<String>>,
}

fn instant(field: &str, raw: Option<&str>, errors: &mut Vec<FieldError>) -> Option<DateTime<Utc>> {
    let raw = raw?;
    DateTime::parse_from_rfc3339(raw.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| errors.push(FieldError::new(field, "must be an RFC 3339 instant")))
        .ok()
}

fn bounded(field: &str, v: Option<i64>, max: i64, errors: &mut Vec<FieldError>) -> Option<i64> {
    if v.is_some_and(|n| !(1..=max).contains(&n)) {
        errors.push(FieldError::new(field, format!("must be 1 to {max}")));
    }
    v
}

pub fn coupon_view(c: &Coupon) -> Value {
    let (percent, amount) = if c.discount_kind == "percent" {
        (Some(c.discount_value / 100), None)
    } else {
        (None, Some(c.discount_value))
    };
    json!({
        "id": c.id, "code": c.code, "scope": if c.owner_id.is_some() { "provider" } else { "platform" },
        "ownerId": c.owner_id, "listingIds": c.listing_ids, "percentOff": percent, "amountOff": amount,
        "currency": c.currency, "validFrom": c.valid_from, "validUntil": c.valid_until, "minNights": c.min_nights,
        "maxUses": c.max_uses, "maxUsesPerUser": c.max_uses_per_user, "uses": c.uses, "active": c.active,
        "createdAt": c.created_at,
    })
}

impl Bookings {
    pub async fn create_coupon(&self, user: &AuthUser, body: CouponIn) -> Result<Coupon, ApiError> {
        let mut errors = Vec::new();
        let code = body.code.trim().to_ascii_uppercase();
        if !valid_code(&code) {
            errors.push(FieldError::new("code", "must be 3 to 32 letters, digits, - or _"));
        }
        let (kind, value) = match (body.percent_off, body.amount_off) {
            (Some(p), None) if (1..=100).contains(&p) => ("percent", p * 100),
            (None, Some(a)) if (1..=100_000_000).contains(&a) => ("fixed", a),
            (Some(_), None) => {
                errors.push(FieldError::new("percentOff", "must be 1 to 100"));
                ("percent", 0)
            }
            (None, Some(_)) => {
                errors.push(FieldError::new("amountOff", "must be 1 to 100000000 minor units"));
                ("fixed", 0)
            }
            _ => {
                errors.push(FieldError::new("percentOff", "give either percentOff or amountOff"));
                ("percent", 0)
            }
        };
        let currency = match (kind, body.currency.as_deref()) {
            ("fixed", Some(c)) => match kernel::Currency::parse(c) {
                Ok(c) => Some(c.code().to_owned()),
                Err(_) => {
                    errors.push(FieldError::new("currency", "must be an ISO 4217 code"));
                    None
                }
            },
            ("fixed", None) => {
                errors.push(FieldError::new("currency", "is required with amountOff"));
                None
            }
            (_, Some(_)) if body.amount_off.is_none() => {
                errors.push(FieldError::new("currency", "applies to amountOff only"));
                None
            }
            _ => None,
        };
        let now = self.clock.now();
        let valid_from = instant("validFrom", body.valid_from.as_deref(), &mut errors);
        let valid_until = instant("validUntil", body.valid_until.as_deref(), &mut errors);
        if valid_until.is_some_and(|until| until <= valid_from.unwrap_or(now)) {
            errors.push(FieldError::new("validUntil", "must be after validFrom and in the future"));
        }
        let min_nights = bounded("minNights", body.min_nights, 365, &mut errors);
        let max_uses = bounded("maxUses", body.max_uses, 1_000_000, &mut errors);
        let max_uses_per_user = bounded("maxUsesPerUser", body.max_uses_per_user, 1000, &mut errors);
        let mut listing_ids = Vec::new();
        for (i, raw) in body.listing_ids.iter().flatten().enumerate() {
            match raw.trim().parse::<Uuid>() {
                Ok(id) if !listing_ids.contains(&id) => listing_ids.push(id),
                Ok(_) => {}
                Err(_) => errors.push(FieldError::new(format!("listingIds[{i}]"), "must be a listing id")),
            }
        }
        if listing_ids.len() > 100 {
            errors.push(FieldError::new("listingIds", "must list at most 100 listings"));
        }
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        let owner = if user.is_admin() && body.listing_ids.is_none() {
            None
        } else {
            for id in &listing_ids {
                self.owned_listing(*id, user).await?;
            }
            if listing_ids.is_empty() && !store::owns_any(&self.db, user.user_id).await? {
                return Err(ApiError::new(403, "not_a_provider", "Only providers with listings can make coupons"));
            }
            Some(user.user_id)
        };
        let coupon = Coupon {
            id: kernel::new_id(),
            code,
            owner_id: owner,
            listing_ids,
            discount_kind: kind.into(),
            discount_value: value,
            currency,
            valid_from,
            valid_until,
            min_nights,
            max_uses,
            max_uses_per_user,
            uses: 0,
            active: true,
            created_at: now,
        };
        let mut tx = self.db.begin().await?;
        store::coupons::insert(&mut tx, &coupon).await.map_err(|e| {
            if e.is_unique_violation("code") {
                ApiError::new(409, "coupon_code_taken", "That coupon code is already in use")
            } else {
                e.into()
            }
        })?;
        tx.commit().await?;
        Ok(coupon)
    }

    /// A coupon its owner (or an administrator) may see and change; 404 for others.
    pub async fn coupon(&self, user: &AuthUser, id: Uuid) -> Result<Coupon, ApiError> {
        store::coupons::by_id(&self.db, id)
            .await?
            .filter(|c| c.owner_id == Some(user.user_id) || user.is_admin())
            .ok_or_else(|| ApiError::not_found("Coupon not found"))
    }

    pub async fn deactivate_coupon(&self, user: &AuthUser, id: Uuid) -> Result<Coupon, ApiError> {
        let c = self.coupon(user, id).await?;
        let mut tx = self.db.begin().await?;
        store::coupons::deactivate(&mut tx, c.id).await?;
        tx.commit().await?;
        Ok(Coupon { active: false, ..c })
    }
}

impl Bookings {
    /// A page of an owner's coupons (`None`: the platform's).
    pub async fn coupons(&self, owner: Option<Uuid>, page: &kernel::PageRequest) -> Result<Vec<Coupon>, ApiError> {
        let offset = i64::try_from(page.offset).unwrap_or(i64::MAX);
        Ok(store::coupons::of_owner(&self.db, owner, i64::from(page.limit), offset).await?)
    }
}
