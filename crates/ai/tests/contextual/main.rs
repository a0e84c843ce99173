//! The contextual part of ai through HTTP, on SQLite (and PostgreSQL when
//! `SOJOURN_TEST_POSTGRES_URL` is set): weather, forecasts and seasons with and without the
//! local fake weather server, contextual re-scoring, typed recommendations over the offline
//! travel supplier for users with an onboarding profile, interactions, the A/B split and the
//! admin routes; who may call what, and bad input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod admin;
mod context;
mod typed;

use std::sync::Arc;

use ai::contextual::fake::FakeWeather;
use reqwest::Method;
use serde_json::{Value, json};
use tempfile::TempDir;
use testkit::TestApp;
use testkit::accounts::{User, call, data};

pub struct Kit {
    pub app: TestApp,
    pub clock: Arc<kernel::ManualClock>,
    pub weather: Option<FakeWeather>,
    _dir: TempDir,
}

impl std::ops::Deref for Kit {
    type Target = TestApp;
    fn deref(&self) -> &TestApp {
        &self.app
    }
}

/// Identity, travel (offline supplier) and ai; with the fake weather server when `weather`.
pub async fn spawn(weather: bool) -> Kit {
    spawn_with(weather, true).await
}

/// As [`spawn`], with or without the travel context (no supplier).
pub async fn spawn_with(weather: bool, travel: bool) -> Kit {
    let dir = tempfile::tempdir().unwrap();
    let mut config = testkit::quick_config(&dir);
    let fake = if weather { Some(FakeWeather::start().await.unwrap()) } else { None };
    config.ai.weather.url = fake.as_ref().map(|f| f.url.clone());
    config.ai.weather.cache_secs = 600;
    let mut contexts: Vec<Arc<dyn platform::Context>> = vec![Arc::new(identity::Identity), Arc::new(ai::Ai)];
    if travel {
        contexts.push(Arc::new(travel::Travel));
    }
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let clock = Arc::new(kernel::ManualClock::new(now.parse().unwrap()));
    let app = testkit::spawn_config_with_clock(config, contexts, clock.clone()).await;
    Kit { app, clock, weather: fake, _dir: dir }
}

pub async fn answer(r: reqwest::Response) -> (u16, Value) {
    testkit::json(r).await
}

pub async fn get(app: &TestApp, user: &User, path: &str) -> (u16, Value) {
    answer(call(app, Method::GET, user, path, None).await).await
}

pub async fn send(app: &TestApp, user: &User, method: Method, path: &str, body: &Value) -> (u16, Value) {
    answer(call(app, method, user, path, Some(body)).await).await
}

/// A user whose onboarding (our steps, through identity's routes) says `styles` and `level`.
pub async fn traveller(app: &TestApp, email: &str, styles: &[&str], level: &str) -> User {
    let user = testkit::accounts::register(app, email).await;
    for (step, d) in [
        ("travel_style", json!({"styles": styles})),
        ("destinations", json!({"regions": ["europe"]})),
        ("budget", json!({"level": level, "currency": "EUR"})),
    ] {
        data(
            testkit::accounts::post(app, &user, "/api/v1/users/onboarding/progress", &json!({"step": step, "data": d}))
                .await,
        )
        .await;
    }
    let r = call(app, Method::POST, &user, "/api/v1/users/onboarding/complete", None).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    app.drain_events().await;
    app.drain_events().await;
    user
}

/// A date `days` from the test clock's today.
pub fn in_days(kit: &Kit, days: u64) -> String {
    (kernel::Clock::now(&*kit.clock).date_naive() + chrono::Days::new(days)).to_string()
}
