//! The OpenAI-compatible client against the fake model, and the travel assistant over HTTP
//! with identity, catalog, booking, payments and travel (its offline supplier) running and the
//! fake model scripted: searches, a refused then accepted draft whose items the cart takes,
//! streaming, limits, who may see what, and bad input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod access;
mod flows;
mod llm;

use std::sync::Arc;

use ai::llm::fake::FakeModel;
use reqwest::Method;
use serde_json::Value;
use tempfile::TempDir;
use testkit::TestApp;
use testkit::accounts::User;

pub const KEY: &str = "sk-assistant-tests-0123456789abcdef0123";
pub const MODEL: &str = "gpt-travel-test";

pub struct Kit {
    pub app: TestApp,
    pub fake: FakeModel,
    _dir: TempDir,
}

impl std::ops::Deref for Kit {
    type Target = TestApp;
    fn deref(&self) -> &TestApp {
        &self.app
    }
}

/// The app on a test clock (2030-01-02), with the fake model configured when `model`.
pub async fn spawn(model: bool, tweak: impl FnOnce(&mut platform::config::Config)) -> Kit {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeModel::start().await.unwrap();
    let mut config = testkit::quick_config(&dir);
    config.secrets.insert(
        "payments_webhook_secret".into(),
        platform::secrets::Secret::new("whsec_assistant_tests_0123456789abcdef"),
    );
    if model {
        config.ai.model.base_url = Some(fake.base_url());
        config.ai.model.model = Some(MODEL.into());
        config.secrets.insert("ai_api_key".into(), platform::secrets::Secret::new(KEY));
    }
    tweak(&mut config);
    let contexts: Vec<Arc<dyn platform::Context>> = vec![
        Arc::new(identity::Identity),
        Arc::new(catalog::Catalog),
        Arc::new(booking::Booking),
        Arc::new(payments::Payments),
        Arc::new(travel::Travel),
        Arc::new(ai::Ai),
    ];
    let clock = Arc::new(kernel::ManualClock::new("2030-01-02T09:00:00Z".parse().unwrap()));
    let app = testkit::spawn_config_with_clock(config, contexts, clock).await;
    Kit { app, fake, _dir: dir }
}

pub async fn send(app: &TestApp, method: Method, user: &User, path: &str, body: Option<&Value>) -> (u16, Value) {
    testkit::json(app.call(method, Some(&user.token), path, body).await).await
}

/// A new conversation of `user`; its id.
pub async fn conversation(app: &TestApp, user: &User) -> String {
    let (status, c) =
        send(app, Method::POST, user, "/api/v1/ai/assistant/conversations", Some(&serde_json::json!({}))).await;
    assert_eq!(status, 201, "{c}");
    c["id"].as_str().unwrap().to_owned()
}
