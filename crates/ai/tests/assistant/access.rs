//! Who may do what, the limits, and bad input.

use ai::llm::fake::Reply;
use reqwest::Method;
use serde_json::json;
use testkit::accounts::register;
use testkit::expect_error;

use super::{conversation, send, spawn};

#[tokio::test]
async fn without_a_model_every_route_says_so() {
    let kit = spawn(false, |_| {}).await;
    let ada = register(&kit, "ada@example.com").await;
    let any = "/api/v1/ai/assistant/conversations/0190f5a4-0000-7000-8000-000000000000";
    for (method, path, body) in [
        (Method::POST, "/api/v1/ai/assistant/conversations", Some(json!({}))),
        (Method::GET, "/api/v1/ai/assistant/conversations", None),
        (Method::GET, "/api/v1/ai/assistant/usage", None),
        (Method::GET, any, None),
        (Method::DELETE, any, None),
        (Method::POST, &format!("{any}/messages") as &str, Some(json!({"content": "hi"}))),
        (
            Method::POST,
            "/api/v1/ai/itineraries/draft",
            Some(json!({"destination": "Rome", "startDate": "2030-03-01", "endDate": "2030-03-03"})),
        ),
    ] {
        for token in [Some(ada.token.as_str()), None] {
            let response = kit.call(method.clone(), token, path, body.as_ref()).await;
            let error = expect_error(response, 503, "assistant_not_configured").await;
            assert!(error["message"].as_str().unwrap().contains("ai.model.base_url"), "{error}");
        }
    }
    assert!(kit.fake.requests().is_empty());
}

#[tokio::test]
async fn conversations_are_their_owners_own() {
    let kit = spawn(true, |_| {}).await;
    let ada = register(&kit, "ada@example.com").await;
    let bob = register(&kit, "bob@example.com").await;
    let id = conversation(&kit, &ada).await;
    let path = format!("/api/v1/ai/assistant/conversations/{id}");
    expect_error(kit.call(Method::GET, None, &path, None).await, 401, "unauthorized").await;
    expect_error(kit.call(Method::GET, Some(&bob.token), &path, None).await, 404, "not_found").await;
    expect_error(kit.call(Method::DELETE, Some(&bob.token), &path, None).await, 404, "not_found").await;
    let message = json!({"content": "hello"});
    let response = kit.call(Method::POST, Some(&bob.token), &format!("{path}/messages"), Some(&message)).await;
    expect_error(response, 404, "not_found").await;
    let (_, list) = send(&kit, Method::GET, &bob, "/api/v1/ai/assistant/conversations", None).await;
    assert_eq!(list["total"], 0, "{list}");
    assert!(kit.fake.requests().is_empty(), "nobody else's turn reached the model");
    // Its owner deletes it; then it is gone.
    let (status, _) = send(&kit, Method::DELETE, &ada, &path, None).await;
    assert_eq!(status, 200);
    expect_error(kit.call(Method::GET, Some(&ada.token), &path, None).await, 404, "not_found").await;
}

#[tokio::test]
async fn bad_input_is_400() {
    let kit = spawn(true, |_| {}).await;
    let ada = register(&kit, "ada@example.com").await;
    let id = conversation(&kit, &ada).await;
    let path = format!("/api/v1/ai/assistant/conversations/{id}/messages");
    let long = "x".repeat(4_001);
    for body in [
        json!({"content": ""}),
        json!({"content": "  "}),
        json!({"content": long}),
        json!({}),
        json!({"content": 5}),
        json!({"content": "hi", "extra": 1}),
    ] {
        let response = kit.call(Method::POST, Some(&ada.token), &path, Some(&body)).await;
        let status = response.status().as_u16();
        assert_eq!(status, 400, "{body}");
    }
    let response = kit.post_raw(&path, "{not json").await;
    assert!(response.status().as_u16() == 400 || response.status().as_u16() == 401);
    for query in ["?limit=0", "?limit=101", "?page=0", "?page=x"] {
        let response =
            kit.call(Method::GET, Some(&ada.token), &format!("/api/v1/ai/assistant/conversations{query}"), None).await;
        assert_eq!(response.status(), 400, "{query}");
    }
    let response = kit.call(Method::GET, Some(&ada.token), "/api/v1/ai/assistant/conversations/not-a-uuid", None).await;
    expect_error(response, 404, "not_found").await;
    for body in [
        json!({"destination": "", "startDate": "2030-03-01", "endDate": "2030-03-03"}),
        json!({"destination": "Rome", "startDate": "2029-03-01", "endDate": "2029-03-03"}),
        json!({"destination": "Rome", "startDate": "2030-03-05", "endDate": "2030-03-03"}),
        json!({"destination": "Rome", "startDate": "2030-03-01", "endDate": "2030-05-03"}),
        json!({"destination": "Rome", "startDate": "01/03/2030", "endDate": "2030-03-03"}),
        json!({"destination": "Rome", "startDate": "2030-03-01", "endDate": "2030-03-03", "adults": 0}),
        json!({"destination": "Rome", "startDate": "2030-03-01", "endDate": "2030-03-03", "budget": -5}),
        json!({"destination": "Rome", "startDate": "2030-03-01", "endDate": "2030-03-03", "currency": "XYZ"}),
    ] {
        let response = kit.call(Method::POST, Some(&ada.token), "/api/v1/ai/itineraries/draft", Some(&body)).await;
        expect_error(response, 400, "validation_failed").await;
    }
    assert!(kit.fake.requests().is_empty(), "bad input never reaches the model");
}

#[tokio::test]
async fn a_user_over_the_daily_budget_gets_429_before_the_model_is_asked() {
    let kit = spawn(true, |c| c.ai.model.daily_tokens_per_user = 1_000).await;
    let ada = register(&kit, "ada@example.com").await;
    let bob = register(&kit, "bob@example.com").await;
    let id = conversation(&kit, &ada).await;
    let path = format!("/api/v1/ai/assistant/conversations/{id}/messages");
    kit.fake.push(Reply::text("A long answer.").usage(900, 150));
    let (status, _) = send(&kit, Method::POST, &ada, &path, Some(&json!({"content": "hi"}))).await;
    assert_eq!(status, 200);
    let response = kit.call(Method::POST, Some(&ada.token), &path, Some(&json!({"content": "again"}))).await;
    let retry: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry > 0 && retry <= 15 * 3600, "{retry}: until midnight UTC");
    let body = expect_error(response, 429, "ai_quota_exceeded").await;
    assert_eq!(body["data"]["usedTokens"], 1_050, "{body}");
    assert_eq!(kit.fake.requests().len(), 1, "refused before calling the model");
    let (status, usage) = send(&kit, Method::GET, &ada, "/api/v1/ai/assistant/usage", None).await;
    assert_eq!(status, 200);
    assert_eq!(usage["day"], "2030-01-02");
    assert_eq!((usage["promptTokens"].clone(), usage["completionTokens"].clone()), (json!(900), json!(150)));
    assert_eq!(usage["calls"], 1);
    assert_eq!(usage["limits"]["tokens"], 1_000);
    assert_eq!(usage["remaining"]["tokens"], 0);
    assert_eq!(usage["costMicros"], (900 * 150 + 150 * 600_u64).div_ceil(1000), "{usage}");
    assert_eq!(usage["resetsAt"], "2030-01-03T00:00:00Z");
    // Someone else still has their day.
    let other = conversation(&kit, &bob).await;
    let (status, _) = send(
        &kit,
        Method::POST,
        &bob,
        &format!("/api/v1/ai/assistant/conversations/{other}/messages"),
        Some(&json!({"content": "hi"})),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn the_cost_budget_counts_too() {
    // 1,000 prompt tokens at 150 micro-units per 1k: 150 micro-units per call, the budget 200.
    let kit = spawn(true, |c| c.ai.model.daily_cost_micros_per_user = 200).await;
    let ada = register(&kit, "ada@example.com").await;
    let id = conversation(&kit, &ada).await;
    let path = format!("/api/v1/ai/assistant/conversations/{id}/messages");
    kit.fake.push(Reply::text("one").usage(1_000, 0));
    kit.fake.push(Reply::text("two").usage(1_000, 0));
    for _ in 0..2 {
        let (status, _) = send(&kit, Method::POST, &ada, &path, Some(&json!({"content": "hi"}))).await;
        assert_eq!(status, 200);
    }
    let response = kit.call(Method::POST, Some(&ada.token), &path, Some(&json!({"content": "three"}))).await;
    let body = expect_error(response, 429, "ai_quota_exceeded").await;
    assert_eq!(body["data"]["usedCostMicros"], 300, "{body}");
}

#[tokio::test]
async fn a_model_that_fails_is_503_or_502_and_nothing_is_answered() {
    let kit = spawn(true, |_| {}).await;
    let ada = register(&kit, "ada@example.com").await;
    let id = conversation(&kit, &ada).await;
    let path = format!("/api/v1/ai/assistant/conversations/{id}/messages");
    kit.fake.push(Reply::error(503, "overloaded"));
    let response = kit.call(Method::POST, Some(&ada.token), &path, Some(&json!({"content": "hi"}))).await;
    assert!(response.headers().contains_key("retry-after"));
    expect_error(response, 503, "model_unavailable").await;
    kit.fake.push(Reply::error(400, "context_length_exceeded"));
    let response = kit.call(Method::POST, Some(&ada.token), &path, Some(&json!({"content": "hi"}))).await;
    let body = expect_error(response, 502, "model_error").await;
    assert!(!body.to_string().contains(super::KEY));
    let (_, read) = send(&kit, Method::GET, &ada, &format!("/api/v1/ai/assistant/conversations/{id}"), None).await;
    let roles: Vec<&str> = read["messages"].as_array().unwrap().iter().map(|m| m["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["user", "user"], "the questions are kept, no answer invented");
}

#[tokio::test]
async fn conversations_are_exported_and_erased_with_the_account() {
    let kit = spawn(true, |_| {}).await;
    let ada = register(&kit, "ada@example.com").await;
    let bob = register(&kit, "bob@example.com").await;
    for user in [&ada, &bob] {
        let id = conversation(&kit, user).await;
        kit.fake.push(Reply::text("Lisbon is lovely in May."));
        let path = format!("/api/v1/ai/assistant/conversations/{id}/messages");
        let (status, _) = send(&kit, Method::POST, user, &path, Some(&json!({"content": "Where in May?"}))).await;
        assert_eq!(status, 200);
    }
    let response = kit.call(Method::POST, Some(&ada.token), "/api/v1/users/gdpr/data-export", None).await;
    assert_eq!(response.status(), 201);
    let (_, requests) = send(&kit, Method::GET, &ada, "/api/v1/users/gdpr/requests", None).await;
    let mine = &requests["data"][0]["exportData"]["contexts"]["ai.assistant"];
    assert_eq!(mine["conversations"][0]["messages"][0]["content"], "Where in May?", "{requests}");
    assert_eq!(mine["conversations"][0]["messages"][1]["content"], "Lisbon is lovely in May.");
    assert_eq!(mine["conversations"].as_array().unwrap().len(), 1, "only hers");
    assert_eq!(mine["usage"][0]["calls"], 1, "{mine}");

    let (status, gone) = send(&kit, Method::DELETE, &ada, "/api/v1/users/profile", None).await;
    assert_eq!(status, 200, "{gone}");
    kit.drain_events().await;
    let db = kit.platform.db("ai").unwrap();
    let count = |table: &'static str| async move {
        let sql = match table {
            "c" => "SELECT COUNT(*) FROM ai_assistant_conversations",
            "m" => "SELECT COUNT(*) FROM ai_assistant_messages",
            _ => "SELECT COUNT(*) FROM ai_assistant_usage",
        };
        let (n,): (i64,) = platform::db::query(sql).fetch_one(db).await.unwrap();
        n
    };
    assert_eq!((count("c").await, count("m").await, count("u").await), (1, 2, 1), "bob's remain, ada's are gone");
}

#[tokio::test]
async fn a_conversation_holds_at_most_a_hundred_messages() {
    let kit = spawn(true, |_| {}).await;
    let ada = register(&kit, "ada@example.com").await;
    let id = conversation(&kit, &ada).await;
    let path = format!("/api/v1/ai/assistant/conversations/{id}/messages");
    for i in 0..50 {
        let (status, out) =
            send(&kit, Method::POST, &ada, &path, Some(&json!({"content": format!("question {i}")}))).await;
        assert_eq!(status, 200, "{i}: {out}");
    }
    let response = kit.call(Method::POST, Some(&ada.token), &path, Some(&json!({"content": "one more"}))).await;
    expect_error(response, 422, "conversation_full").await;
    assert_eq!(kit.fake.requests().len(), 50);
    // The history sent to the model is bounded: the last turns only, from a question.
    let last = kit.fake.requests().last().unwrap().messages();
    assert!(last.len() <= 1 + 60 + 1, "the system prompt, 60 messages, back to a question: {}", last.len());
    assert_eq!(last[1]["role"], "user");
    assert_eq!(last.last().unwrap()["content"], "question 49");
}

#[tokio::test]
async fn one_turn_at_a_time_in_a_conversation() {
    let kit = spawn(true, |_| {}).await;
    let ada = register(&kit, "ada@example.com").await;
    let id = conversation(&kit, &ada).await;
    let path = format!("/api/v1/ai/assistant/conversations/{id}/messages");
    kit.fake.push(Reply::text("slow").after(std::time::Duration::from_millis(800)));
    let one = json!({"content": "one"});
    let first = kit.call(Method::POST, Some(&ada.token), &path, Some(&one));
    let second = async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        kit.call(Method::POST, Some(&ada.token), &path, Some(&json!({"content": "two"}))).await
    };
    let (first, second) = tokio::join!(first, second);
    assert_eq!(first.status(), 200);
    expect_error(second, 409, "turn_in_progress").await;
    // Once answered, the next turn is welcome.
    let (status, _) = send(&kit, Method::POST, &ada, &path, Some(&json!({"content": "three"}))).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_model_that_reports_no_usage_still_counts() {
    let kit = spawn(true, |c| c.ai.model.daily_tokens_per_user = 200).await;
    let ada = register(&kit, "ada@example.com").await;
    let id = conversation(&kit, &ada).await;
    let path = format!("/api/v1/ai/assistant/conversations/{id}/messages");
    kit.fake.push(Reply::text("An answer the server did not count.").usage(0, 0));
    let (status, _) = send(&kit, Method::POST, &ada, &path, Some(&json!({"content": "hi"}))).await;
    assert_eq!(status, 200);
    let response = kit.call(Method::POST, Some(&ada.token), &path, Some(&json!({"content": "again"}))).await;
    let body = expect_error(response, 429, "ai_quota_exceeded").await;
    assert!(body["data"]["usedTokens"].as_i64().unwrap() > 200, "{body}");
}

#[tokio::test]
async fn nul_characters_are_no_server_error() {
    let kit = spawn(true, |_| {}).await;
    let ada = register(&kit, "ada@example.com").await;
    let (status, c) =
        send(&kit, Method::POST, &ada, "/api/v1/ai/assistant/conversations", Some(&json!({"title": "a\u{0}b"}))).await;
    assert_eq!((status, c["title"].as_str()), (201, Some("a b")), "{c}");
    let id = c["id"].as_str().unwrap();
    kit.fake.push(Reply::text("fi\u{0}ne"));
    let path = format!("/api/v1/ai/assistant/conversations/{id}/messages");
    let (status, answer) = send(&kit, Method::POST, &ada, &path, Some(&json!({"content": "he\u{0}llo"}))).await;
    assert_eq!((status, answer["content"].as_str()), (200, Some("fine")), "{answer}");
}
