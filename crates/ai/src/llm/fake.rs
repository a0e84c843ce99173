//! A fake OpenAI-compatible model for tests and benchmarks: an HTTP server on 127.0.0.1 that
//! answers `POST /v1/chat/completions` (plain or streamed, as the request asks) and
//! `POST /v1/audio/transcriptions` from a queue of scripted replies, and records every request
//! it receives so a test can assert what the model was sent.

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{ToolCall, Usage};

/// One scripted answer.
#[derive(Debug, Clone)]
pub struct Reply {
    kind: Kind,
    usage: Usage,
    delay: Option<Duration>,
}

#[derive(Debug, Clone)]
enum Kind {
    Chat { text: Option<String>, calls: Vec<ToolCall> },
    Transcript(String),
    Error { status: u16, body: Value },
}

impl Reply {
    fn new(kind: Kind) -> Self {
        Self { kind, usage: Usage { prompt_tokens: 10, completion_tokens: 5 }, delay: None }
    }

    /// An assistant message with this text.
    pub fn text(text: impl Into<String>) -> Self {
        Self::new(Kind::Chat { text: Some(text.into()), calls: Vec::new() })
    }

    /// An assistant message calling one tool (`id` is `call_<n>` in queue order unless given).
    pub fn tool_call(name: &str, arguments: Value) -> Self {
        Self::tool_calls(vec![(name, arguments)])
    }

    /// An assistant message calling several tools at once.
    pub fn tool_calls(calls: Vec<(&str, Value)>) -> Self {
        let calls = calls.into_iter().map(|(name, args)| ToolCall::new("", name, args.to_string())).collect();
        Self::new(Kind::Chat { text: None, calls })
    }

    /// A transcription answer.
    pub fn transcript(text: impl Into<String>) -> Self {
        Self::new(Kind::Transcript(text.into()))
    }

    /// An HTTP error with OpenAI's error body.
    pub fn error(status: u16, code: &str) -> Self {
        Self::new(Kind::Error {
            status,
            body: json!({"error": {"message": format!("fake {code}"), "type": code, "code": code}}),
        })
    }

    /// The usage reported with the answer (default 10 prompt + 5 completion tokens).
    pub fn usage(mut self, prompt_tokens: u64, completion_tokens: u64) -> Self {
        self.usage = Usage { prompt_tokens, completion_tokens };
        self
    }

    /// Waits this long before answering (for timeout tests).
    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }
}

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub path: String,
    /// Header names in lower case.
    pub headers: BTreeMap<String, String>,
    /// The JSON body (chat completions).
    pub body: Option<Value>,
    /// Multipart text fields (transcriptions).
    pub fields: BTreeMap<String, String>,
    /// Multipart files: (field name, file name, content type, bytes).
    pub files: Vec<(String, String, String, Vec<u8>)>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_ascii_lowercase()).map(String::as_str)
    }

    /// The chat request's messages.
    pub fn messages(&self) -> Vec<Value> {
        self.body.as_ref().and_then(|b| b.get("messages")).and_then(Value::as_array).cloned().unwrap_or_default()
    }

    /// The names of the tools the request declared.
    pub fn tool_names(&self) -> Vec<String> {
        let tools = self.body.as_ref().and_then(|b| b.get("tools")).and_then(Value::as_array);
        tools
            .map(|t| {
                t.iter()
                    .filter_map(|t| t.pointer("/function/name").and_then(Value::as_str).map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[derive(Default)]
struct Script {
    replies: VecDeque<Reply>,
    seen: Vec<Recorded>,
    calls: u64,
}

type Shared = Arc<Mutex<Script>>;

/// The running fake; dropped, it stops.
pub struct FakeModel {
    addr: SocketAddr,
    script: Shared,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeModel {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeModel {
    /// Starts on a free port.
    pub async fn start() -> std::io::Result<FakeModel> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let script = Shared::default();
        let app = axum::Router::new().fallback(answer).with_state(script.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(FakeModel { addr, script, task })
    }

    /// What `ai.model.base_url` should be.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Queues a reply (answered in order; with none queued the fake answers `"ok"`).
    pub fn push(&self, reply: Reply) {
        self.lock().replies.push_back(reply);
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().seen.clone()
    }

    /// Replies still queued.
    pub fn pending(&self) -> usize {
        self.lock().replies.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Script> {
        self.script.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

async fn answer(State(script): State<Shared>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let headers: BTreeMap<String, String> = request
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let multipart = headers.get("content-type").is_some_and(|c| c.starts_with("multipart/form-data"));
    let mut recorded = Recorded { path, headers, body: None, fields: BTreeMap::new(), files: Vec::new() };
    if multipart {
        let Ok(mut form) = Multipart::from_request(request, &()).await else {
            return (StatusCode::BAD_REQUEST, "bad multipart").into_response();
        };
        while let Ok(Some(field)) = form.next_field().await {
            let name = field.name().unwrap_or_default().to_owned();
            let filename = field.file_name().map(str::to_owned);
            let content_type = field.content_type().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.unwrap_or_default();
            match filename {
                Some(filename) => recorded.files.push((name, filename, content_type, bytes.to_vec())),
                None => {
                    recorded.fields.insert(name, String::from_utf8_lossy(&bytes).into_owned());
                }
            }
        }
    } else {
        let bytes = axum::body::to_bytes(request.into_body(), 64 << 20).await.unwrap_or_default();
        recorded.body = serde_json::from_slice(&bytes).ok();
    }
    let stream = recorded.body.as_ref().and_then(|b| b.get("stream")).and_then(Value::as_bool) == Some(true);
    let usage_wanted =
        recorded.body.as_ref().and_then(|b| b.pointer("/stream_options/include_usage")).and_then(Value::as_bool)
            == Some(true);
    let model =
        recorded.body.as_ref().and_then(|b| b.get("model")).and_then(Value::as_str).unwrap_or("fake").to_owned();
    let (reply, n) = {
        let mut script = script.lock().unwrap_or_else(PoisonError::into_inner);
        script.seen.push(recorded);
        script.calls += 1;
        (script.replies.pop_front().unwrap_or_else(|| Reply::text("ok")), script.calls)
    };
    if let Some(delay) = reply.delay {
        tokio::time::sleep(delay).await;
    }
    let Reply { kind, usage, .. } = reply;
    let usage_json = json!({"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens, "total_tokens": usage.total()});
    match kind {
        Kind::Error { status, body } => {
            (StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), axum::Json(body))
                .into_response()
        }
        Kind::Transcript(text) => axum::Json(json!({"text": text})).into_response(),
        Kind::Chat { text, calls } => {
            let calls: Vec<ToolCall> = calls
                .into_iter()
                .enumerate()
                .map(|(i, mut c)| {
                    if c.id.is_empty() {
                        c.id = format!("call_{n}_{i}");
                    }
                    c
                })
                .collect();
            let finish = if calls.is_empty() { "stop" } else { "tool_calls" };
            if stream {
                sse(&model, text, &calls, finish, usage_wanted.then_some(usage_json))
            } else {
                let mut message = json!({"role": "assistant", "content": text});
                if !calls.is_empty() {
                    message["tool_calls"] = json!(calls);
                }
                axum::Json(json!({
                    "id": format!("chatcmpl-{n}"), "object": "chat.completion", "model": model,
                    "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                    "usage": usage_json,
                }))
                .into_response()
            }
        }
    }
}

/// The answer as OpenAI streams it: text in small pieces, each tool call as a header chunk then
/// its arguments in two fragments, the finish reason, the usage, `[DONE]`.
fn sse(model: &str, text: Option<String>, calls: &[ToolCall], finish: &str, usage: Option<Value>) -> Response {
    let mut chunks: Vec<Value> = vec![json!({"choices": [{"index": 0, "delta": {"role": "assistant"}}]})];
    if let Some(text) = text {
        let chars: Vec<char> = text.chars().collect();
        for piece in chars.chunks(8) {
            let piece: String = piece.iter().collect();
            chunks.push(json!({"choices": [{"index": 0, "delta": {"content": piece}}]}));
        }
    }
    for (i, call) in calls.iter().enumerate() {
        let head = json!({"index": i, "id": call.id, "type": "function", "function": {"name": call.function.name, "arguments": ""}});
        chunks.push(json!({"choices": [{"index": 0, "delta": {"tool_calls": [head]}}]}));
        let args: Vec<char> = call.function.arguments.chars().collect();
        let (a, b) = args.split_at(args.len() / 2);
        for part in [a, b] {
            let part: String = part.iter().collect();
            chunks.push(json!({"choices": [{"index": 0, "delta": {"tool_calls": [{"index": i, "function": {"arguments": part}}]}}]}));
        }
    }
    chunks.push(json!({"choices": [{"index": 0, "delta": {}, "finish_reason": finish}]}));
    if let Some(usage) = usage {
        chunks.push(json!({"choices": [], "usage": usage}));
    }
    let mut body = String::new();
    for mut chunk in chunks {
        if let Some(map) = chunk.as_object_mut() {
            map.insert("model".into(), model.into());
            map.insert("object".into(), "chat.completion.chunk".into());
        }
        body.push_str(&format!("data: {chunk}\n\n"));
    }
    body.push_str("data: [DONE]\n\n");
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, header::HeaderValue::from_static("text/event-stream"));
    (headers, Body::from(Bytes::from(body))).into_response()
}
