//! The client for an OpenAI-compatible API: chat completions (tools, images, streaming) and
//! audio transcriptions. One client for every model-backed part, so the key, the timeouts and
//! the mapping of the model's failures to our errors are decided once:
//!
//! - the model cannot be reached, times out, is overloaded (429) or fails (5xx) →
//!   `503 model_unavailable` with a `Retry-After` hint;
//! - the model refuses our request (other 4xx) or answers something unreadable →
//!   `502 model_error` with a safe message (the upstream body is logged at debug only, the key
//!   never);
//! - no model configured → [`not_configured`] (`503 <what>_not_configured`).

mod stream;
mod types;

#[cfg(feature = "fake")]
pub mod fake;

use std::time::Duration;

use kernel::ApiError;
use platform::ContextEnv;
use platform::config::AiModelConfig;
use platform::secrets::Secret;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use serde_json::Value;

pub use stream::{ChatStream, StreamEvent};
pub use types::*;

/// The secret holding the model API's key (optional: local servers need none).
pub const AI_API_KEY: &str = "ai_api_key";

/// Seconds a client should wait before retrying when the model is unavailable.
const RETRY_SECS: u64 = 30;

/// The `503` a model-backed feature answers when no model is configured; `what` names the
/// feature (`assistant` → `assistant_not_configured`).
pub fn not_configured(what: &str) -> ApiError {
    ApiError::new(
        503,
        format!("{what}_not_configured"),
        format!(
            "The {what} needs a language model: set ai.model.base_url and ai.model.model (and the ai_api_key secret if the API needs a key)"
        ),
    )
}

fn unavailable(message: &str, retry_after: Option<u64>) -> ApiError {
    ApiError::new(503, "model_unavailable", format!("The language model is unavailable: {message}"))
        .with_retry_after(retry_after.unwrap_or(RETRY_SECS))
}

fn model_error(message: &str) -> ApiError {
    ApiError::new(502, "model_error", format!("The language model could not answer: {message}"))
}

/// A configured model API.
#[derive(Clone)]
pub struct Model {
    http: reqwest::Client,
    base_url: String,
    model: String,
    vision_model: String,
    transcription_model: Option<String>,
    key: Option<Secret>,
    timeout: Duration,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("key", &self.key.as_ref().map(|_| "<set>"))
            .finish_non_exhaustive()
    }
}

impl Model {
    /// The model of `[ai.model]` with the `ai_api_key` secret; `None` when no model is configured.
    pub fn from_env(env: &ContextEnv) -> Option<Model> {
        Self::new(&env.config.ai.model, env.secrets.get(AI_API_KEY).cloned())
    }

    /// `None` when `base_url` or `model` is unset (or the HTTP client cannot be built).
    pub fn new(config: &AiModelConfig, key: Option<Secret>) -> Option<Model> {
        let base_url = config.base_url.as_deref().map(str::trim).filter(|u| !u.is_empty())?;
        let model = config.model.as_deref().map(str::trim).filter(|m| !m.is_empty())?;
        let timeout = Duration::from_secs(config.timeout_secs.max(1));
        let http = match reqwest::Client::builder().connect_timeout(timeout.min(Duration::from_secs(10))).build() {
            Ok(http) => http,
            Err(e) => {
                tracing::error!(error = %e, "cannot build the language model's HTTP client");
                return None;
            }
        };
        let key = key.filter(|k| !k.expose().trim().is_empty());
        Some(Model {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            model: model.to_owned(),
            vision_model: config.vision_model.clone().unwrap_or_else(|| model.to_owned()),
            transcription_model: config.transcription_model.clone(),
            key,
            timeout,
        })
    }

    /// The chat model's name.
    pub fn name(&self) -> &str {
        &self.model
    }

    /// The model for images (the chat model unless `vision_model` is set).
    pub fn vision_model(&self) -> &str {
        &self.vision_model
    }

    /// Whether audio can be transcribed (`transcription_model` is set).
    pub fn can_transcribe(&self) -> bool {
        self.transcription_model.is_some()
    }

    fn post(&self, path: &str) -> reqwest::RequestBuilder {
        let builder = self.http.post(format!("{}{path}", self.base_url));
        match &self.key {
            Some(key) => builder.header(AUTHORIZATION, format!("Bearer {}", key.expose())),
            None => builder,
        }
    }

    fn body(&self, request: &ChatRequest, stream: bool) -> Result<Value, ApiError> {
        let mut body = serde_json::to_value(request).map_err(|e| {
            tracing::error!(error = %e, "cannot serialize a chat request");
            ApiError::internal()
        })?;
        if let Some(map) = body.as_object_mut() {
            map.insert("model".into(), request.model.clone().unwrap_or_else(|| self.model.clone()).into());
            if stream {
                map.insert("stream".into(), true.into());
                map.insert("stream_options".into(), serde_json::json!({"include_usage": true}));
            }
        }
        Ok(body)
    }

    /// One chat completion.
    pub async fn chat(&self, request: ChatRequest) -> Result<ChatResponse, ApiError> {
        let body = self.body(&request, false)?;
        let response = self.send(self.post("/chat/completions").timeout(self.timeout).json(&body)).await?;
        let bytes = response.bytes().await.map_err(|e| transport("chat", e))?;
        let wire: WireResponse = serde_json::from_slice(&bytes).map_err(|e| {
            tracing::warn!(error = %e, "the language model answered a body that is not a chat completion");
            model_error("its answer was not a chat completion")
        })?;
        let choice = wire.choices.into_iter().next().ok_or_else(|| model_error("its answer had no choices"))?;
        Ok(ChatResponse {
            message: choice.message,
            finish_reason: choice.finish_reason,
            usage: wire.usage.unwrap_or_default(),
            model: wire.model,
        })
    }

    /// A streamed chat completion: content deltas as they come, then the assembled answer.
    pub async fn chat_stream(&self, request: ChatRequest) -> Result<ChatStream, ApiError> {
        let body = self.body(&request, true)?;
        // No overall deadline (a long answer may stream for a while): the headers, then each
        // chunk, must come within the timeout.
        let request = self.post("/chat/completions").header("Accept", "text/event-stream").json(&body);
        let response = tokio::time::timeout(self.timeout, self.send(request))
            .await
            .map_err(|_| unavailable("it did not answer in time", None))??;
        Ok(ChatStream::new(response, self.timeout))
    }

    /// Transcribes audio (`file` as `filename` of `content_type`); `language` is an ISO-639-1 hint.
    pub async fn transcribe(
        &self,
        bytes: &[u8],
        filename: &str,
        content_type: &str,
        language: Option<&str>,
    ) -> Result<Transcript, ApiError> {
        let model = self.transcription_model.as_deref().ok_or_else(|| not_configured("transcription"))?;
        let mut fields = vec![("model", model), ("response_format", "json")];
        if let Some(language) = language {
            fields.push(("language", language));
        }
        let (boundary, body) = multipart(&fields, filename, content_type, bytes);
        let builder = self
            .post("/audio/transcriptions")
            .timeout(self.timeout)
            .header(CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
            .body(body);
        let response = self.send(builder).await?;
        let bytes = response.bytes().await.map_err(|e| transport("transcription", e))?;
        serde_json::from_slice(&bytes).map_err(|e| {
            tracing::warn!(error = %e, "the language model answered a transcription that is not JSON");
            model_error("its transcription was not readable")
        })
    }

    /// Sends and maps a failed exchange to our errors; a 2xx response is returned unread.
    async fn send(&self, builder: reqwest::RequestBuilder) -> Result<reqwest::Response, ApiError> {
        let response = builder.send().await.map_err(|e| transport("request", e))?;
        let status = response.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(response);
        }
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let body = response.bytes().await.unwrap_or_default();
        let kind = upstream_error_kind(&body);
        tracing::warn!(status, kind = kind.as_deref().unwrap_or("-"), "the language model refused a call");
        tracing::debug!(status, body = %String::from_utf8_lossy(&body[..body.len().min(2000)]), "the model's error body");
        if status == 429 || status >= 500 || status == 408 {
            return Err(unavailable(&format!("it answered HTTP {status}"), retry_after));
        }
        let detail = kind.map(|k| format!(" ({k})")).unwrap_or_default();
        Err(model_error(&format!("it refused the request with HTTP {status}{detail}")))
    }
}

fn transport(op: &str, e: reqwest::Error) -> ApiError {
    let timeout = e.is_timeout();
    tracing::warn!(op, timeout, error = %e.without_url(), "the language model did not answer");
    if timeout { unavailable("it did not answer in time", None) } else { unavailable("it cannot be reached", None) }
}

/// The upstream error's `code` or `type` when it is a short identifier (safe to show).
fn upstream_error_kind(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let error = value.get("error")?;
    let kind = error.get("code").and_then(Value::as_str).or_else(|| error.get("type").and_then(Value::as_str))?;
    let safe = kind.len() <= 64 && kind.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
    safe.then(|| kind.to_owned())
}

/// A `multipart/form-data` body with text `fields` and one `file` part.
fn multipart(fields: &[(&str, &str)], filename: &str, content_type: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = format!("sojourn-{}", uuid::Uuid::now_v7().simple());
    let mut body = Vec::with_capacity(bytes.len() + 512);
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    let filename: String = filename.chars().filter(|c| !matches!(c, '"' | '\r' | '\n' | '\\')).collect();
    let content_type: String = content_type.chars().filter(|c| !c.is_control()).collect();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (boundary, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_model_without_a_url_and_a_name() {
        let mut config = AiModelConfig::default();
        assert!(Model::new(&config, None).is_none());
        config.base_url = Some("http://127.0.0.1:1/v1/".into());
        assert!(Model::new(&config, None).is_none());
        config.model = Some("m".into());
        let model = Model::new(&config, Some(Secret::new("  "))).expect("a model");
        assert_eq!(model.base_url, "http://127.0.0.1:1/v1");
        assert!(model.key.is_none(), "a blank key is no key");
        assert_eq!(model.vision_model(), "m");
        assert!(!format!("{model:?}").contains("  "));
    }

    #[test]
    fn only_short_identifiers_from_the_upstream_error_are_shown() {
        assert_eq!(
            upstream_error_kind(br#"{"error":{"code":"context_length_exceeded","message":"x"}}"#).as_deref(),
            Some("context_length_exceeded")
        );
        assert_eq!(upstream_error_kind(br#"{"error":{"type":"invalid request: sk-123 leaked"}}"#), None);
        assert_eq!(upstream_error_kind(b"not json"), None);
    }

    #[test]
    fn a_null_tool_calls_list_is_an_empty_one() {
        let wire: WireResponse =
            serde_json::from_str(r#"{"choices":[{"message":{"role":"assistant","content":"hi","tool_calls":null}}]}"#)
                .unwrap();
        assert!(wire.choices[0].message.tool_calls.is_empty());
        assert_eq!(wire.choices[0].message.text(), "hi");
    }

    #[test]
    fn not_configured_names_the_feature() {
        let e = not_configured("assistant");
        assert_eq!((e.status, e.code.as_ref()), (503, "assistant_not_configured"));
    }

    #[test]
    fn multipart_carries_the_fields_and_the_file() {
        let (boundary, body) = multipart(&[("model", "whisper-1")], "a\"b.mp3", "audio/mpeg", b"\x00\x01");
        let text = String::from_utf8_lossy(&body);
        assert!(text.starts_with(&format!("--{boundary}\r\n")));
        assert!(text.contains("name=\"model\"\r\n\r\nwhisper-1\r\n"));
        assert!(text.contains("filename=\"ab.mp3\"\r\nContent-Type: audio/mpeg\r\n\r\n"));
        assert!(text.ends_with(&format!("--{boundary}--\r\n")));
    }
}
