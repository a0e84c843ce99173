//! Price alerts: routes and target prices a user wants to watch. Nothing feeds current prices
//! yet, so `currentPrice` and `priceChange` stay `null` until a price source exists.

use chrono::{DateTime, NaiveDate, Utc};
use kernel::{ApiError, Currency, FieldError};
use serde::Serialize;
use uuid::Uuid;

use super::Accounts;
use super::favorites::rejected;
use crate::domain::alerts::{self, MAX_ALERTS};
use crate::store::{self, alerts::Alert};

/// An alert as the client sends it (`targetPrice` in major units).
#[derive(Debug)]
pub struct NewAlert {
    pub route: String,
    pub target_price: f64,
    pub departure_date: String,
    pub currency: String,
}

/// What `PATCH` may change.
#[derive(Debug, Default)]
pub struct AlertPatch {
    pub is_active: Option<bool>,
    pub target_price: Option<f64>,
}

/// An alert as the dashboard reads it; prices are numbers in major units of `currency`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AlertView {
    pub id: Uuid,
    /// `"<from> → <to>"`.
    pub route: String,
    pub origin: String,
    pub destination: String,
    pub departure_date: NaiveDate,
    /// `null` until a price source feeds alerts.
    pub current_price: Option<f64>,
    pub target_price: f64,
    pub currency: String,
    /// Change of `currentPrice` since the previous price seen, in percent (`null` until then).
    pub price_change: Option<f64>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Alert> for AlertView {
    fn from(a: &Alert) -> Self {
        let currency = Currency::parse(&a.currency).unwrap_or(Currency::EUR);
        let price_change = match (a.current_price, a.previous_price) {
            #[allow(clippy::cast_precision_loss)]
            (Some(now), Some(before)) if before != 0 => {
                Some(((now - before) as f64 / before as f64 * 1000.0).round() / 10.0)
            }
            _ => None,
        };
        AlertView {
            id: a.id,
            route: a.route.clone(),
            origin: a.origin.clone(),
            destination: a.destination.clone(),
            departure_date: a.departure_date,
            current_price: a.current_price.map(|p| alerts::major(p, currency)),
            target_price: alerts::major(a.target_price, currency),
            currency: a.currency.clone(),
            price_change,
            is_active: a.is_active,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

impl Accounts {
    pub async fn price_alerts(&self, user: Uuid) -> Result<Vec<AlertView>, ApiError> {
        Ok(store::alerts::list(&self.db, user).await?.iter().map(AlertView::from).collect())
    }

    pub async fn create_price_alert(&self, user: Uuid, new: NewAlert) -> Result<AlertView, ApiError> {
        let mut errors = Vec::new();
        let route = alerts::route(&new.route).map_err(|m| errors.push(FieldError::new("route", m))).ok();
        let today = self.now().date_naive();
        let day = alerts::departure_date(&new.departure_date, today)
            .map_err(|m| errors.push(FieldError::new("departureDate", m)))
            .ok();
        let currency = alerts::currency(&new.currency).map_err(|m| errors.push(FieldError::new("currency", m))).ok();
        let target = currency.and_then(|c| {
            alerts::target_price(new.target_price, c).map_err(|m| errors.push(FieldError::new("targetPrice", m))).ok()
        });
        let (Some((origin, destination)), Some(day), Some(currency), Some(target)) = (route, day, currency, target)
        else {
            return Err(ApiError::validation(errors));
        };
        let now = self.now();
        let alert = Alert {
            id: kernel::new_id(),
            user_id: user,
            route: format!("{origin} → {destination}"),
            origin,
            destination,
            departure_date: day,
            currency: currency.code().to_owned(),
            target_price: target,
            current_price: None,
            previous_price: None,
            is_active: true,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.db.begin().await?;
        if store::alerts::count(&mut tx, user).await? >= MAX_ALERTS {
            return Err(ApiError::new(
                422,
                "price_alerts_limit",
                format!("At most {MAX_ALERTS} price alerts per account"),
            ));
        }
        store::alerts::insert(&mut tx, &alert).await?;
        tx.commit().await?;
        Ok(AlertView::from(&alert))
    }

    /// Pauses, resumes or re-targets an alert; another user's is `404`.
    pub async fn update_price_alert(&self, user: Uuid, id: Uuid, patch: AlertPatch) -> Result<AlertView, ApiError> {
        let mut tx = self.db.begin().await?;
        let mut alert = store::alerts::find(&mut tx, user, id)
            .await?
            .ok_or_else(|| ApiError::not_found("Price alert not found"))?;
        let mut errors = Vec::new();
        if let Some(p) = patch.target_price {
            let currency = Currency::parse(&alert.currency).unwrap_or(Currency::EUR);
            match alerts::target_price(p, currency) {
                Ok(minor) => alert.target_price = minor,
                Err(m) => errors.push(FieldError::new("targetPrice", m)),
            }
        }
        if patch.is_active.is_none() && patch.target_price.is_none() {
            errors.push(FieldError::new("body", "Give isActive or targetPrice"));
        }
        if !errors.is_empty() {
            return Err(rejected(errors));
        }
        if let Some(active) = patch.is_active {
            alert.is_active = active;
        }
        alert.updated_at = self.now();
        store::alerts::update(&mut tx, &alert).await?;
        tx.commit().await?;
        Ok(AlertView::from(&alert))
    }

    pub async fn delete_price_alert(&self, user: Uuid, id: Uuid) -> Result<(), ApiError> {
        let mut tx = self.db.begin().await?;
        if !store::alerts::remove(&mut tx, user, id).await? {
            return Err(ApiError::not_found("Price alert not found"));
        }
        tx.commit().await?;
        Ok(())
    }
}
