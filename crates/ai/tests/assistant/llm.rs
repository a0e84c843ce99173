//! `ai::llm::Model` against the fake model: what it sends, what it reads, how failures map.

use std::time::Duration;

use ai::llm::fake::{FakeModel, Reply};
use ai::llm::{ChatRequest, ContentPart, Message, Model, StreamEvent, Tool};
use platform::config::AiModelConfig;
use platform::secrets::Secret;
use serde_json::json;

const KEY: &str = "sk-test-0123456789abcdef0123456789abcdef";

fn model(base_url: &str, key: Option<&str>) -> Model {
    let config = AiModelConfig {
        base_url: Some(base_url.to_owned()),
        model: Some("gpt-test".into()),
        transcription_model: Some("whisper-test".into()),
        timeout_secs: 2,
        ..AiModelConfig::default()
    };
    Model::new(&config, key.map(Secret::new)).expect("configured")
}

fn weather_tool() -> Tool {
    Tool::function(
        "weather",
        "The weather in a city",
        json!({"type": "object", "properties": {"city": {"type": "string"}}}),
    )
}

#[tokio::test]
async fn chat_sends_messages_tools_and_key_and_reads_tool_calls() {
    let fake = FakeModel::start().await.unwrap();
    fake.push(Reply::tool_call("weather", json!({"city": "Lisbon"})).usage(12, 4));
    let model = model(&fake.base_url(), Some(KEY));
    let mut request = ChatRequest::new(vec![
        Message::system("be brief"),
        Message::user_parts(vec![
            ContentPart::text("what is this?"),
            ContentPart::image_data("image/png", "iVBORw0KGgo="),
        ]),
    ]);
    request.tools = vec![weather_tool()];
    request.tool_choice = Some(json!("auto"));
    request.max_tokens = Some(100);
    request.temperature = Some(0.5);
    let answer = model.chat(request).await.unwrap();
    assert_eq!(answer.finish_reason.as_deref(), Some("tool_calls"));
    assert_eq!(answer.usage.total(), 16);
    let call = &answer.tool_calls()[0];
    assert_eq!(call.function.name, "weather");
    assert_eq!(call.arguments(), Some(json!({"city": "Lisbon"})));

    let seen = fake.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, "/v1/chat/completions");
    assert_eq!(seen[0].header("authorization"), Some(format!("Bearer {KEY}").as_str()));
    let body = seen[0].body.clone().unwrap();
    assert_eq!(body["model"], "gpt-test");
    assert_eq!(body["max_tokens"], 100);
    assert_eq!(body["tool_choice"], "auto");
    assert_eq!(seen[0].tool_names(), vec!["weather"]);
    assert_eq!(body["messages"][1]["content"][1]["image_url"]["url"], "data:image/png;base64,iVBORw0KGgo=");
    assert!(body.get("stream").is_none());

    // The answer goes back with the tool's result, keyed by the call's id.
    fake.push(Reply::text("Sunny."));
    let mut next = ChatRequest::new(vec![
        Message::user("weather?"),
        answer.message.clone(),
        Message::tool(call.id.clone(), "{\"sky\":\"clear\"}"),
    ]);
    next.tools = vec![weather_tool()];
    assert_eq!(model.chat(next).await.unwrap().text(), "Sunny.");
    let messages = fake.requests()[1].messages();
    assert_eq!(messages[1]["tool_calls"][0]["id"], call.id.as_str());
    assert_eq!(messages[2]["role"], "tool");
    assert_eq!(messages[2]["tool_call_id"], call.id.as_str());
}

#[tokio::test]
async fn no_key_no_authorization_header() {
    let fake = FakeModel::start().await.unwrap();
    model(&fake.base_url(), None).chat(ChatRequest::new(vec![Message::user("hi")])).await.unwrap();
    assert_eq!(fake.requests()[0].header("authorization"), None);
}

#[tokio::test]
async fn streaming_yields_deltas_then_the_assembled_answer() {
    let fake = FakeModel::start().await.unwrap();
    fake.push(Reply::text("A fairly long answer, in pieces.").usage(20, 9));
    fake.push(Reply::tool_calls(vec![("weather", json!({"city": "Porto"})), ("weather", json!({"city": "Faro"}))]));
    let model = model(&fake.base_url(), Some(KEY));
    let mut stream = model.chat_stream(ChatRequest::new(vec![Message::user("hi")])).await.unwrap();
    let (mut deltas, mut done) = (Vec::new(), None);
    while let Some(event) = stream.next().await {
        match event.unwrap() {
            StreamEvent::Delta(d) => deltas.push(d),
            StreamEvent::Done(r) => done = Some(r),
            StreamEvent::ToolCall { .. } => panic!("no tool call expected"),
        }
    }
    assert!(deltas.len() > 1, "{deltas:?}");
    let done = done.expect("done");
    assert_eq!(deltas.concat(), "A fairly long answer, in pieces.");
    assert_eq!(done.text(), deltas.concat());
    assert_eq!(done.usage.total(), 29);
    let body = fake.requests()[0].body.clone().unwrap();
    assert_eq!(body["stream"], true);
    assert_eq!(body["stream_options"]["include_usage"], true);

    let mut stream = model.chat_stream(ChatRequest::new(vec![Message::user("hi")])).await.unwrap();
    let mut started = Vec::new();
    let mut last = None;
    while let Some(event) = stream.next().await {
        match event.unwrap() {
            StreamEvent::ToolCall { name, .. } => started.push(name),
            StreamEvent::Done(r) => last = Some(r),
            StreamEvent::Delta(_) => {}
        }
    }
    assert_eq!(started, vec!["weather", "weather"]);
    let last = last.unwrap();
    let cities: Vec<_> = last.tool_calls().iter().map(|c| c.arguments().unwrap()["city"].clone()).collect();
    assert_eq!(cities, vec![json!("Porto"), json!("Faro")]);
    assert_ne!(last.tool_calls()[0].id, last.tool_calls()[1].id);
}

#[tokio::test]
async fn transcription_is_a_multipart_upload() {
    let fake = FakeModel::start().await.unwrap();
    fake.push(Reply::transcript("bonjour"));
    let model = model(&fake.base_url(), Some(KEY));
    let t = model.transcribe(b"RIFFfake", "note.wav", "audio/wav", Some("fr")).await.unwrap();
    assert_eq!(t.text, "bonjour");
    let seen = &fake.requests()[0];
    assert_eq!(seen.path, "/v1/audio/transcriptions");
    assert_eq!(seen.fields.get("model").map(String::as_str), Some("whisper-test"));
    assert_eq!(seen.fields.get("response_format").map(String::as_str), Some("json"));
    assert_eq!(seen.fields.get("language").map(String::as_str), Some("fr"));
    assert_eq!(seen.files, vec![("file".into(), "note.wav".into(), "audio/wav".into(), b"RIFFfake".to_vec())]);
}

#[tokio::test]
async fn failures_map_to_503_or_502_without_leaking() {
    let fake = FakeModel::start().await.unwrap();
    let model = model(&fake.base_url(), Some(KEY));
    let ask = || model.chat(ChatRequest::new(vec![Message::user("hi")]));
    fake.push(Reply::error(500, "server_error"));
    let e = ask().await.unwrap_err();
    assert_eq!((e.status, e.code.as_ref()), (503, "model_unavailable"));
    assert!(e.retry_after.is_some());
    fake.push(Reply::error(429, "rate_limit_exceeded"));
    assert_eq!(ask().await.unwrap_err().status, 503);
    fake.push(Reply::error(401, "invalid_api_key"));
    let e = ask().await.unwrap_err();
    assert_eq!((e.status, e.code.as_ref()), (502, "model_error"));
    assert!(!e.message.contains(KEY));
    fake.push(Reply::text("late").after(Duration::from_secs(4)));
    let e = ask().await.unwrap_err();
    assert_eq!((e.status, e.code.as_ref()), (503, "model_unavailable"));
    assert!(e.message.contains("in time"), "{}", e.message);
    fake.push(Reply::text("late").after(Duration::from_secs(4)));
    let Err(e) = model.chat_stream(ChatRequest::new(vec![Message::user("hi")])).await else {
        panic!("a stream that does not start in time is an error")
    };
    assert_eq!((e.status, e.code.as_ref()), (503, "model_unavailable"));
    drop(fake);
    let gone = model.chat(ChatRequest::new(vec![Message::user("hi")])).await.unwrap_err();
    assert_eq!((gone.status, gone.code.as_ref()), (503, "model_unavailable"));
}
