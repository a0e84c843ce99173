//! Current weather and short forecasts behind [`WeatherProvider`], with Open-Meteo's API as the
//! one implementation (`ai.weather.url`; any server with its `/v1/forecast` shape, such as the
//! local fake the tests run). One call per city fetches both the current conditions and five
//! days, and the answer is reused for `ai.weather.cache_secs` (per process: a city's weather is
//! the same for every caller and a stale minute harms no one).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kernel::{ApiError, Clock};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::climate::City;

/// Days a forecast covers at most (DreamScape's limit).
pub const MAX_DAYS: usize = 5;

/// The conditions now, in DreamScape's vocabulary.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Current {
    /// °C.
    pub temperature: f64,
    pub feels_like: f64,
    /// Percent.
    pub humidity: f64,
    /// km/h.
    pub wind_speed: f64,
    /// `sunny`, `partly_cloudy`, `cloudy`, `rainy`, `stormy`, `snowy`, `foggy`, `windy`, `hot`, `cold`.
    pub condition: String,
    /// In French, as DreamScape's.
    pub condition_description: String,
    pub uv_index: Option<f64>,
    /// km.
    pub visibility: Option<f64>,
    pub is_outdoor_friendly: bool,
}

/// One forecast day.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Day {
    /// `YYYY-MM-DD`, the city's local day.
    pub date: String,
    pub temp_min: f64,
    pub temp_max: f64,
    pub condition: String,
    /// Percent, when the provider gives it.
    pub precipitation_probability: Option<f64>,
    pub is_outdoor_friendly: bool,
}

/// What one call to the provider gives for a place.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub current: Current,
    pub days: Vec<Day>,
    pub fetched_at: DateTime<Utc>,
}

/// A weather source. Errors are a reason for the logs; callers answer `503`.
#[async_trait]
pub trait WeatherProvider: Send + Sync {
    async fn fetch(&self, lat: f64, lon: f64, at: DateTime<Utc>) -> Result<Snapshot, String>;
}

/// WMO weather interpretation codes (Open-Meteo's `weather_code`) → DreamScape's condition and
/// a French description.
pub fn wmo(code: i64) -> (&'static str, &'static str) {
    match code {
        0 => ("sunny", "Ciel dégagé"),
        1 => ("partly_cloudy", "Principalement dégagé"),
        2 => ("partly_cloudy", "Partiellement nuageux"),
        3 => ("cloudy", "Couvert"),
        45 | 48 => ("foggy", "Brouillard"),
        51 | 53 | 55 | 56 | 57 => ("rainy", "Bruine"),
        61 | 63 | 65 | 66 | 67 => ("rainy", "Pluie"),
        80..=82 => ("rainy", "Averses"),
        71 | 73 | 75 | 77 => ("snowy", "Neige"),
        85 | 86 => ("snowy", "Averses de neige"),
        95..=99 => ("stormy", "Orage"),
        _ => ("cloudy", "Conditions inconnues"),
    }
}

/// The condition with temperature and wind taken into account: a clear sky at 38 °C is `hot`,
/// a dry day with 55 km/h of wind `windy`.
fn condition(code: i64, temp: f64, wind: f64) -> (&'static str, &'static str) {
    let (cond, text) = wmo(code);
    let dry = matches!(cond, "sunny" | "partly_cloudy" | "cloudy");
    if dry && wind >= 50.0 {
        ("windy", "Vent fort")
    } else if dry && temp >= 35.0 {
        ("hot", "Chaleur")
    } else if dry && temp <= 0.0 {
        ("cold", "Froid")
    } else {
        (cond, text)
    }
}

fn outdoor(cond: &str, temp: f64) -> bool {
    matches!(cond, "sunny" | "partly_cloudy" | "cloudy") && (10.0..=33.0).contains(&temp)
}

/// Open-Meteo (`GET {url}/v1/forecast`).
pub struct OpenMeteo {
    base: String,
    client: reqwest::Client,
}

impl OpenMeteo {
    pub fn new(base: &str, timeout_secs: u64) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(timeout_secs))
            .build()
            .map_err(|e| format!("weather client: {e}"))?;
        Ok(Self { base: base.trim_end_matches('/').to_owned(), client })
    }
}

fn num(v: &Value, key: &str) -> Option<f64> {
    v.get(key).and_then(Value::as_f64)
}

fn at<'a>(v: &'a Value, key: &str, i: usize) -> Option<&'a Value> {
    v.get(key).and_then(Value::as_array).and_then(|a| a.get(i))
}

/// Reads Open-Meteo's answer.
pub fn read_answer(body: &Value, fetched_at: DateTime<Utc>) -> Result<Snapshot, String> {
    let now = body.get("current").ok_or("no `current` in the answer")?;
    let temperature = num(now, "temperature_2m").ok_or("no current temperature")?;
    let wind = num(now, "wind_speed_10m").unwrap_or(0.0);
    let code = now.get("weather_code").and_then(Value::as_i64).unwrap_or(-1);
    let (cond, text) = condition(code, temperature, wind);
    let current = Current {
        temperature,
        feels_like: num(now, "apparent_temperature").unwrap_or(temperature),
        humidity: num(now, "relative_humidity_2m").unwrap_or(0.0),
        wind_speed: wind,
        condition: cond.to_owned(),
        condition_description: text.to_owned(),
        uv_index: num(now, "uv_index"),
        visibility: num(now, "visibility").map(|m| (m / 100.0).round() / 10.0),
        is_outdoor_friendly: outdoor(cond, temperature) && wind < 40.0,
    };
    let daily = body.get("daily").cloned().unwrap_or(Value::Null);
    let mut days = Vec::new();
    for i in 0..MAX_DAYS {
        let Some(date) = at(&daily, "time", i).and_then(Value::as_str) else { break };
        let (Some(max), Some(min)) = (
            at(&daily, "temperature_2m_max", i).and_then(Value::as_f64),
            at(&daily, "temperature_2m_min", i).and_then(Value::as_f64),
        ) else {
            break;
        };
        let code = at(&daily, "weather_code", i).and_then(Value::as_i64).unwrap_or(-1);
        let (cond, _) = condition(code, max, 0.0);
        let rain = at(&daily, "precipitation_probability_max", i).and_then(Value::as_f64);
        days.push(Day {
            date: date.to_owned(),
            temp_min: min,
            temp_max: max,
            condition: cond.to_owned(),
            precipitation_probability: rain,
            is_outdoor_friendly: outdoor(cond, max) && rain.is_none_or(|p| p < 50.0),
        });
    }
    Ok(Snapshot { current, days, fetched_at })
}

#[async_trait]
impl WeatherProvider for OpenMeteo {
    async fn fetch(&self, lat: f64, lon: f64, fetched_at: DateTime<Utc>) -> Result<Snapshot, String> {
        let url = format!(
            "{}/v1/forecast?latitude={lat:.4}&longitude={lon:.4}\
             &current=temperature_2m,relative_humidity_2m,apparent_temperature,weather_code,wind_speed_10m,uv_index,visibility\
             &daily=weather_code,temperature_2m_max,temperature_2m_min,precipitation_probability_max\
             &timezone=auto&forecast_days={MAX_DAYS}",
            self.base
        );
        let response = self.client.get(&url).send().await.map_err(|e| format!("weather request: {e}"))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("weather provider answered {status}"));
        }
        let bytes = response.bytes().await.map_err(|e| format!("weather answer: {e}"))?;
        let body: Value = serde_json::from_slice(&bytes).map_err(|e| format!("weather answer is not JSON: {e}"))?;
        read_answer(&body, fetched_at)
    }
}

/// The provider (if configured) with its per-city cache.
pub struct Weather {
    provider: Option<Arc<dyn WeatherProvider>>,
    cache: Mutex<HashMap<String, Arc<Snapshot>>>,
    ttl: chrono::Duration,
    clock: Arc<dyn Clock>,
}

impl Weather {
    pub fn new(provider: Option<Arc<dyn WeatherProvider>>, cache_secs: u64, clock: Arc<dyn Clock>) -> Self {
        let ttl =
            i64::try_from(cache_secs).ok().and_then(chrono::Duration::try_seconds).unwrap_or(chrono::Duration::MAX);
        Self { provider, cache: Mutex::new(HashMap::new()), ttl, clock }
    }

    pub fn configured(&self) -> bool {
        self.provider.is_some()
    }

    /// The city's weather; `None` without a provider; `503` when the provider fails.
    pub async fn of(&self, city: &City) -> Result<Option<Arc<Snapshot>>, ApiError> {
        let Some(provider) = &self.provider else { return Ok(None) };
        let now = self.clock.now();
        if let Some(hit) = self.cache.lock().unwrap_or_else(PoisonError::into_inner).get(&city.code)
            && now - hit.fetched_at < self.ttl
        {
            return Ok(Some(hit.clone()));
        }
        let snapshot = provider.fetch(city.lat, city.lon, now).await.map_err(|reason| {
            tracing::warn!(city = %city.code, %reason, "weather provider failed");
            ApiError::new(503, "weather_provider_unavailable", "Le service météo ne répond pas").with_retry_after(60)
        })?;
        let snapshot = Arc::new(snapshot);
        self.cache.lock().unwrap_or_else(PoisonError::into_inner).insert(city.code.clone(), snapshot.clone());
        Ok(Some(snapshot))
    }

    /// Forgets a city's cached answer; whether there was one.
    pub fn forget(&self, city: &City) -> bool {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner).remove(&city.code).is_some()
    }

    /// Whether the provider answers (for `probe`, through the cache: a health check polled
    /// often does not call the provider more than once per `cache_secs`).
    pub async fn reachable(&self, probe: &City) -> bool {
        matches!(self.of(probe).await, Ok(Some(_)))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn open_meteo_answers_read_into_dreamscape_conditions() {
        let body = json!({
            "current": {"temperature_2m": 22.5, "relative_humidity_2m": 40, "apparent_temperature": 21.0,
                        "weather_code": 2, "wind_speed_10m": 12.0, "uv_index": 5.5, "visibility": 24000.0},
            "daily": {"time": ["2030-06-01", "2030-06-02"], "weather_code": [61, 0],
                      "temperature_2m_max": [18.0, 38.0], "temperature_2m_min": [11.0, 24.0],
                      "precipitation_probability_max": [80, 0]}
        });
        let s = read_answer(&body, Utc::now()).unwrap();
        assert_eq!(s.current.condition, "partly_cloudy");
        assert!(s.current.is_outdoor_friendly);
        assert_eq!(s.current.visibility, Some(24.0));
        assert_eq!(s.days.len(), 2);
        assert_eq!(s.days[0].condition, "rainy");
        assert!(!s.days[0].is_outdoor_friendly);
        assert_eq!(s.days[1].condition, "hot");
        assert!(read_answer(&json!({"daily": {}}), Utc::now()).is_err());
    }

    #[test]
    fn wmo_codes_cover_the_families() {
        assert_eq!(wmo(0).0, "sunny");
        assert_eq!(wmo(45).0, "foggy");
        assert_eq!(wmo(81).0, "rainy");
        assert_eq!(wmo(75).0, "snowy");
        assert_eq!(wmo(96).0, "stormy");
        assert_eq!(condition(0, 5.0, 60.0).0, "windy");
        assert_eq!(condition(1, -4.0, 5.0).0, "cold");
    }
}
