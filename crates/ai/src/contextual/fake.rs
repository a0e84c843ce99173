//! A local server with Open-Meteo's `/v1/forecast` shape, for tests and benchmarks (feature
//! `fake`). It refuses requests without the parameters the real API needs, answers with a
//! weather the test chooses (clear and 24 °C by default), counts its calls, and can be put
//! down (answers `500`) to test the provider failing.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

#[derive(Default)]
struct Shared {
    hits: AtomicUsize,
    down: AtomicBool,
    /// (WMO weather code, temperature °C)
    weather: Mutex<(i64, f64)>,
}

/// The running fake; stops when dropped.
pub struct FakeWeather {
    /// `http://127.0.0.1:PORT`, for `ai.weather.url`.
    pub url: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeWeather {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeWeather {
    /// Starts on a free local port.
    pub async fn start() -> std::io::Result<Self> {
        let shared = Arc::new(Shared { weather: Mutex::new((0, 24.0)), ..Shared::default() });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let app = Router::new().route("/v1/forecast", get(forecast)).with_state(shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { url, shared, task })
    }

    /// Calls answered so far (including refused ones).
    pub fn hits(&self) -> usize {
        self.shared.hits.load(Ordering::SeqCst)
    }

    /// Answer `500` to everything (`true`) or work again.
    pub fn set_down(&self, down: bool) {
        self.shared.down.store(down, Ordering::SeqCst);
    }

    /// The weather of every place from now on: a WMO code and a temperature.
    pub fn set_weather(&self, code: i64, temperature: f64) {
        *self.shared.weather.lock().unwrap_or_else(PoisonError::into_inner) = (code, temperature);
    }
}

async fn forecast(State(shared): State<Arc<Shared>>, Query(q): Query<HashMap<String, String>>) -> Response {
    shared.hits.fetch_add(1, Ordering::SeqCst);
    if shared.down.load(Ordering::SeqCst) {
        return (StatusCode::INTERNAL_SERVER_ERROR, "down").into_response();
    }
    let coordinate = |k: &str, max: f64| q.get(k).and_then(|v| v.parse::<f64>().ok()).filter(|v| v.abs() <= max);
    let (Some(_), Some(_)) = (coordinate("latitude", 90.0), coordinate("longitude", 180.0)) else {
        return (StatusCode::BAD_REQUEST, axum::Json(json!({"error": true, "reason": "latitude and longitude"})))
            .into_response();
    };
    let wants = |k: &str, field: &str| q.get(k).is_some_and(|v| v.split(',').any(|f| f == field));
    if !wants("current", "weather_code") || !wants("daily", "temperature_2m_max") {
        return (StatusCode::BAD_REQUEST, axum::Json(json!({"error": true, "reason": "current and daily fields"})))
            .into_response();
    }
    let days = q.get("forecast_days").and_then(|v| v.parse::<usize>().ok()).unwrap_or(7).min(16);
    let (code, temp) = *shared.weather.lock().unwrap_or_else(PoisonError::into_inner);
    let today = chrono::Utc::now().date_naive();
    let dates: Vec<String> =
        (0..days).map(|i| (today + chrono::Days::new(i as u64)).format("%Y-%m-%d").to_string()).collect();
    let rain = if (51..=99).contains(&code) { 80 } else { 5 };
    axum::Json(json!({
        "latitude": q.get("latitude"), "longitude": q.get("longitude"), "timezone": "GMT",
        "current": {"time": chrono::Utc::now().format("%Y-%m-%dT%H:%M").to_string(), "temperature_2m": temp,
                    "relative_humidity_2m": 55, "apparent_temperature": temp - 1.0, "weather_code": code,
                    "wind_speed_10m": 11.5, "uv_index": 4.0, "visibility": 20000.0},
        "daily": {"time": dates, "weather_code": vec![code; days], "temperature_2m_max": vec![temp + 2.0; days],
                  "temperature_2m_min": vec![temp - 6.0; days], "precipitation_probability_max": vec![rain; days]}
    }))
    .into_response()
}
