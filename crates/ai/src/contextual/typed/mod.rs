//! Typed recommendations (DreamScape §5.2): flights, activities and accommodations searched at
//! the travel supplier and ranked for the caller, their interaction routes, status and the
//! accommodation configuration. Everything about a user needs the caller's token; `userId`
//! must be theirs (administrators may name anyone).

mod activities;
mod extra;
mod fit;
mod flights;
mod handlers;
pub mod params;
mod prefs;
mod score;
mod stays;

use std::collections::HashMap;
use std::time::Duration;

use kernel::ApiError;
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::settings::{AB_TEST, AbTest, CIRCUIT, Circuit, FAILURES_TO_OPEN, Variant};
use super::{Service, State, store};
use score::{Scored, learned_popularity};

/// How long one supplier search may take.
const SEARCH_TIMEOUT: Duration = Duration::from_secs(15);

pub fn routes() -> OpenApiRouter<State> {
    OpenApiRouter::new()
        .routes(routes!(handlers::flights))
        .routes(routes!(handlers::accommodations))
        .routes(routes!(handlers::activities))
        .routes(routes!(extra::flight_interaction))
        .routes(routes!(extra::activity_interaction))
        .routes(routes!(extra::accommodation_interaction))
        .routes(routes!(extra::flights_status))
        .routes(routes!(extra::accommodations_status))
        .routes(routes!(extra::get_config, extra::patch_config))
}

fn strategy(error: ApiError, strategy: &str) -> ApiError {
    error.with_data(json!({"metadata": {"strategy": strategy}}))
}

/// One supplier search; its failures carry `metadata.strategy` (`voyage_timeout`,
/// `voyage_error`, `invalid_params`), which DreamScape's client reads as errors.
async fn search(s: &Service, kind: &str, params: HashMap<String, String>) -> Result<Value, ApiError> {
    let supplier = s.contracts.supplier().map_err(|e| strategy(e, "voyage_error"))?;
    match tokio::time::timeout(SEARCH_TIMEOUT, supplier.search(kind, &params)).await {
        Err(_) => Err(strategy(
            ApiError::unavailable("The travel supplier did not answer in time", Some(30)).with_retry_after(30),
            "voyage_timeout",
        )),
        Ok(Err(e)) if e.status >= 500 => Err(strategy(e, "voyage_error")),
        Ok(Err(e)) => Err(strategy(e, "invalid_params")),
        Ok(Ok(body)) => Ok(body),
    }
}

async fn setting<T: serde::de::DeserializeOwned + Default>(s: &Service, name: &str) -> Result<T, ApiError> {
    Ok(store::setting(&s.db, name).await?.and_then(|v| serde_json::from_value(v).ok()).unwrap_or_default())
}

/// The user's arm of the A/B test.
async fn variant(s: &Service, user: Uuid) -> Result<Variant, ApiError> {
    let ab: AbTest = setting(s, AB_TEST).await?;
    let circuit: Circuit = setting(s, CIRCUIT).await?;
    Ok(ab.variant(user, circuit.open))
}

/// For the learned arm, each item's learned popularity; a failure to read them counts against
/// the circuit and the request falls back to rule-based scoring.
async fn learn(s: &Service, kind: &str, scored: &mut [Scored], variant: Variant) -> Variant {
    if variant != Variant::Learned {
        return variant;
    }
    let ids: Vec<String> = scored.iter().map(|x| x.id.clone()).filter(|i| !i.is_empty()).collect();
    match store::counts(&s.db, kind, &ids).await {
        Ok(counts) => {
            for x in scored.iter_mut() {
                x.learned = learned_popularity(counts.get(&x.id)).or(Some(0.5));
            }
            Variant::Learned
        }
        Err(e) => {
            tracing::warn!(error = %e, "learned scoring failed; rule-based for this request");
            record_failure(s, &e.to_string()).await;
            Variant::Fallback
        }
    }
}

async fn record_failure(s: &Service, reason: &str) {
    let Ok(mut circuit) = setting::<Circuit>(s, CIRCUIT).await else { return };
    circuit.failures += 1;
    circuit.last_failure = Some(reason.chars().take(200).collect());
    circuit.open = circuit.failures >= FAILURES_TO_OPEN;
    if let Ok(value) = serde_json::to_value(&circuit)
        && let Err(e) = store::put_setting(&s.db, CIRCUIT, &value, s.clock.now()).await
    {
        tracing::warn!(error = %e, "circuit state not saved");
    }
}

/// Average, min and max of some prices (rounded to cents).
fn price_stats(prices: &[f64]) -> Value {
    if prices.is_empty() {
        return json!({"average": null, "min": null, "max": null});
    }
    let avg = prices.iter().sum::<f64>() / prices.len() as f64;
    let r = |x: f64| (x * 100.0).round() / 100.0;
    json!({"average": r(avg), "min": r(prices.iter().copied().fold(f64::MAX, f64::min)),
           "max": r(prices.iter().copied().fold(0.0, f64::max))})
}
