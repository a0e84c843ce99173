//! The text tools: offline ones answer without a model; model ones say `503` without one and
//! send the fake model what the docs say with one.

use ai::llm::fake::{FakeModel, Reply};
use serde_json::json;

use super::*;

#[tokio::test]
async fn offline_tools_answer_without_a_model() {
    let app = spawn(None).await;
    let user = register(&app, "writer@text.test").await;
    let tool = |name: &str, body: Value| {
        let (app, user, path) = (&app, &user, format!("/api/v1/ai/text/{name}"));
        async move { post(app, user, &path, &body).await }
    };
    let review = "The flat was spotless and the host very friendly. But the street was noisy at night and the bed not comfortable.";

    let s = bare(tool("sentiment", json!({"text": "Spotless, very friendly host, a perfect stay!"})).await).await;
    assert_eq!((s["label"].as_str(), s["language"].as_str()), (Some("positive"), Some("en")), "{s}");
    assert!(s["words"].as_array().unwrap().iter().any(|w| w["phrase"] == "very friendly"));
    let s = bare(tool("sentiment", json!({"text": "Logement sale et bruyant, pas du tout confortable."})).await).await;
    assert_eq!((s["label"].as_str(), s["language"].as_str()), (Some("negative"), Some("fr")), "{s}");

    let k = bare(
        tool(
            "keywords",
            json!({"text": "A fully equipped kitchen and a stunning sea view. The sea view is the best part."}),
        )
        .await,
    )
    .await;
    assert_eq!(k["keywords"][0]["phrase"], "fully equipped kitchen", "{k}");

    let c = bare(tool("classify", json!({"text": review})).await).await;
    assert_eq!(c["source"], "topics");
    let topics = c["topics"].as_array().unwrap();
    let topic = |name: &str| topics.iter().find(|t| t["topic"] == name).unwrap_or_else(|| panic!("{name} in {c}"));
    assert!(topic("cleanliness")["sentiment"].as_f64().unwrap() > 0.0);
    assert!(topic("noise")["sentiment"].as_f64().unwrap() < 0.0);
    assert!(topics.iter().all(|t| t["topic"] != "food"));

    // The model's tools say why they cannot answer.
    for (name, body) in [
        ("summarize", json!({"text": review})),
        ("translate", json!({"text": review, "targetLanguage": "fr"})),
        ("classify", json!({"text": review, "labels": ["complaint", "praise"]})),
    ] {
        let e = testkit::expect_error(tool(name, body).await, 503, "model_not_configured").await;
        assert!(e["message"].as_str().unwrap().contains("ai.model.base_url"), "{e}");
    }

    // Bad input is 400; an unknown tool 404; no token 401.
    let long = "a".repeat(20_001);
    for body in [
        json!({"text": ""}),
        json!({"text": "   "}),
        json!({"text": long}),
        json!({"text": "ok", "language": "de"}),
        json!({}),
        json!({"text": 42}),
        json!({"text": "ok", "extra": 1}),
    ] {
        let (status, answer) = testkit::json(tool("sentiment", body.clone()).await).await;
        assert_eq!(status, 400, "{body} → {answer}");
    }
    testkit::expect_error(tool("translate", json!({"text": "hello"})).await, 400, "validation_failed").await;
    testkit::expect_error(tool("classify", json!({"text": "hello", "labels": []})).await, 400, "validation_failed")
        .await;
    testkit::expect_error(tool("poetry", json!({"text": "hello"})).await, 404, "not_found").await;
    let (status, _) = testkit::json(app.post_json("/api/v1/ai/text/sentiment", &json!({"text": "hello"})).await).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn model_tools_go_through_the_model() {
    let fake = FakeModel::start().await.unwrap();
    let app = spawn(Some(&fake)).await;
    let user = register(&app, "writer@model.test").await;
    let tool = |name: &str, body: Value| {
        let (app, user, path) = (&app, &user, format!("/api/v1/ai/text/{name}"));
        async move { post(app, user, &path, &body).await }
    };

    fake.push(Reply::text("A clean, quiet flat with a kind host."));
    let s =
        bare(tool("summarize", json!({"text": "Long review about a clean and quiet flat.", "language": "en"})).await)
            .await;
    assert_eq!(s["summary"], "A clean, quiet flat with a kind host.");
    fake.push(Reply::text("Un appartement propre."));
    let t = bare(tool("translate", json!({"text": "A clean flat.", "targetLanguage": "fr"})).await).await;
    assert_eq!((t["translation"].as_str(), t["targetLanguage"].as_str()), (Some("Un appartement propre."), Some("fr")));
    fake.push(Reply::text(r#"{"labels": [{"label": "praise", "score": 0.9}, {"label": "invented", "score": 0.8}]}"#));
    let c = bare(tool("classify", json!({"text": "Lovely!", "labels": ["complaint", "praise"]})).await).await;
    assert_eq!(c, json!({"source": "model", "labels": [{"label": "praise", "score": 0.9}]}));
    fake.push(Reply::text("not json at all"));
    testkit::expect_error(tool("classify", json!({"text": "Lovely!", "labels": ["praise"]})).await, 502, "model_error")
        .await;

    let seen = fake.requests();
    assert_eq!(seen.len(), 4);
    assert!(seen.iter().all(|r| r.path == "/v1/chat/completions"));
    let summary = &seen[0];
    assert_eq!(summary.body.as_ref().unwrap()["model"], "fake-chat");
    let messages = summary.messages();
    assert_eq!(messages[0]["role"], "system");
    assert!(messages[0]["content"].as_str().unwrap().contains("summarise"));
    assert_eq!(messages[1]["content"], "Long review about a clean and quiet flat.");
    assert!(seen[1].messages()[0]["content"].as_str().unwrap().contains("`fr`"));
    let classify = seen[2].body.as_ref().unwrap();
    assert_eq!(classify["response_format"], json!({"type": "json_object"}));
    assert!(classify["messages"][0]["content"].as_str().unwrap().contains(r#"["complaint","praise"]"#));
}

#[tokio::test]
async fn the_tools_are_rate_limited_per_user() {
    let app = spawn_limited().await;
    let (one, other) = (register(&app, "busy@limits.test").await, register(&app, "calm@limits.test").await);
    let body = json!({"text": "A lovely flat."});
    for _ in 0..60 {
        bare(post(&app, &one, "/api/v1/ai/text/sentiment", &body).await).await;
    }
    let r = post(&app, &one, "/api/v1/ai/text/sentiment", &body).await;
    assert!(r.headers().get("retry-after").is_some());
    testkit::expect_error(r, 429, "rate_limited").await;
    bare(post(&app, &other, "/api/v1/ai/text/sentiment", &body).await).await;
}

#[tokio::test]
async fn model_tools_draw_on_the_users_daily_budget() {
    let fake = FakeModel::start().await.unwrap();
    let app = spawn(Some(&fake)).await;
    let (spender, other) = (register(&app, "spender@budget.test").await, register(&app, "other@budget.test").await);
    let body = json!({"text": "A long review to summarise.", "language": "en"});

    // One call spends the whole day's tokens (200,000 by default), counted from its usage.
    fake.push(Reply::text("Short.").usage(150_000, 50_000));
    bare(post(&app, &spender, "/api/v1/ai/text/summarize", &body).await).await;
    let usage = bare(get(&app, &spender, "/api/v1/ai/assistant/usage").await).await;
    assert_eq!(usage["totalTokens"], 200_000, "{usage}");

    // The next model call is refused before the model is asked, whichever tool; the offline
    // tools still answer, and another user's budget is whole.
    let r = post(&app, &spender, "/api/v1/ai/text/translate", &json!({"text": "Hi", "targetLanguage": "fr"})).await;
    testkit::expect_error(r, 429, "ai_quota_exceeded").await;
    assert_eq!(fake.requests().len(), 1);
    bare(post(&app, &spender, "/api/v1/ai/text/sentiment", &body).await).await;
    fake.push(Reply::text("Court."));
    bare(post(&app, &other, "/api/v1/ai/text/summarize", &body).await).await;
    assert_eq!(fake.requests().len(), 2);
}
