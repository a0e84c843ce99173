//! A streamed chat completion: the server-sent `data: {…}` chunks read as they arrive.
//! Content deltas are handed out at once; tool calls come in pieces (an `index`, then an id and
//! a name, then fragments of the arguments) and are assembled by index; the last chunk may carry
//! the usage (`stream_options.include_usage`). `data: [DONE]` (or the end of the body) closes it
//! with the assembled answer.

use std::collections::BTreeMap;
use std::time::Duration;

use kernel::ApiError;
use serde::Deserialize;

use super::{ChatResponse, Message, ToolCall, Usage, model_error, unavailable};

/// What a stream yields.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    /// A piece of the answer's text.
    Delta(String),
    /// The model started a tool call (its name is known; arguments are still coming).
    ToolCall { index: u32, name: String },
    /// The end: the whole answer, as [`super::Model::chat`] would have returned it.
    Done(ChatResponse),
}

/// A streamed answer; call [`ChatStream::next`] until it returns `None`.
pub struct ChatStream {
    response: Option<reqwest::Response>,
    idle: Duration,
    buffer: Vec<u8>,
    data: String,
    parser: Assembler,
    pending: std::collections::VecDeque<StreamEvent>,
    finished: bool,
}

impl ChatStream {
    pub(super) fn new(response: reqwest::Response, idle: Duration) -> Self {
        Self {
            response: Some(response),
            idle,
            buffer: Vec::new(),
            data: String::new(),
            parser: Assembler::default(),
            pending: Default::default(),
            finished: false,
        }
    }

    /// The next event; `None` after [`StreamEvent::Done`] or an error.
    pub async fn next(&mut self) -> Option<Result<StreamEvent, ApiError>> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some(Ok(event));
            }
            if self.finished {
                return None;
            }
            let Some(response) = self.response.as_mut() else {
                return self.finish();
            };
            let chunk = match tokio::time::timeout(self.idle, response.chunk()).await {
                Err(_) => {
                    self.finished = true;
                    return Some(Err(unavailable("it stopped answering", None)));
                }
                Ok(Err(e)) => {
                    self.finished = true;
                    tracing::warn!(error = %e.without_url(), "the language model's stream was cut short");
                    return Some(Err(unavailable("its answer was cut short", None)));
                }
                Ok(Ok(chunk)) => chunk,
            };
            let Some(chunk) = chunk else {
                // The end of the body ends the last line and the last event, if unterminated.
                self.response = None;
                self.buffer.extend_from_slice(b"\n\n");
                if let Err(e) = self.drain_lines() {
                    self.finished = true;
                    return Some(Err(e));
                }
                continue;
            };
            self.buffer.extend_from_slice(&chunk);
            if let Err(e) = self.drain_lines() {
                self.finished = true;
                return Some(Err(e));
            }
        }
    }

    fn finish(&mut self) -> Option<Result<StreamEvent, ApiError>> {
        self.finished = true;
        self.response = None;
        Some(Ok(StreamEvent::Done(std::mem::take(&mut self.parser).into_response())))
    }

    /// Reads the complete lines in the buffer; an empty line ends one event.
    fn drain_lines(&mut self) -> Result<(), ApiError> {
        while let Some(end) = self.buffer.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.buffer.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\n', '\r']);
            if line.is_empty() {
                let data = std::mem::take(&mut self.data);
                if !data.is_empty() {
                    self.dispatch(&data)?;
                }
            } else if let Some(value) = line.strip_prefix("data:") {
                if !self.data.is_empty() {
                    self.data.push('\n');
                }
                self.data.push_str(value.strip_prefix(' ').unwrap_or(value));
            }
            // `event:`, `id:`, `retry:` and `:` comments carry nothing for us.
        }
        Ok(())
    }

    fn dispatch(&mut self, data: &str) -> Result<(), ApiError> {
        if data.trim() == "[DONE]" {
            self.response = None;
            self.buffer.clear();
            let done = self.finish();
            if let Some(Ok(event)) = done {
                self.pending.push_back(event);
            }
            return Ok(());
        }
        let events = self.parser.chunk(data)?;
        self.pending.extend(events);
        Ok(())
    }
}

#[derive(Debug, Deserialize)]
struct Chunk {
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    choices: Vec<ChunkChoice>,
    #[serde(default)]
    usage: Option<Usage>,
    #[serde(default)]
    error: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct ChunkChoice {
    #[serde(default)]
    delta: Delta,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Delta {
    #[serde(default)]
    content: Option<String>,
    #[serde(default, deserialize_with = "super::types::null_as_empty")]
    tool_calls: Vec<ToolCallDelta>,
}

#[derive(Debug, Deserialize)]
struct ToolCallDelta {
    #[serde(default)]
    index: u32,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    function: Option<FunctionDelta>,
}

#[derive(Debug, Deserialize)]
struct FunctionDelta {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    arguments: Option<String>,
}

/// The answer being assembled from chunks.
#[derive(Debug, Default)]
pub(crate) struct Assembler {
    text: String,
    calls: BTreeMap<u32, ToolCall>,
    finish_reason: Option<String>,
    usage: Usage,
    model: Option<String>,
}

impl Assembler {
    /// Takes one chunk's JSON; returns what to hand out now.
    pub(crate) fn chunk(&mut self, data: &str) -> Result<Vec<StreamEvent>, ApiError> {
        let chunk: Chunk = serde_json::from_str(data).map_err(|e| {
            tracing::warn!(error = %e, "the language model streamed a chunk that is not JSON");
            model_error("its streamed answer was not readable")
        })?;
        if chunk.error.is_some() {
            tracing::warn!("the language model streamed an error");
            return Err(model_error("it failed while answering"));
        }
        if chunk.model.is_some() {
            self.model = chunk.model;
        }
        if let Some(usage) = chunk.usage {
            self.usage = usage;
        }
        let mut events = Vec::new();
        for choice in chunk.choices {
            if let Some(content) = choice.delta.content.filter(|c| !c.is_empty()) {
                self.text.push_str(&content);
                events.push(StreamEvent::Delta(content));
            }
            for delta in choice.delta.tool_calls {
                let call = self.calls.entry(delta.index).or_insert_with(|| ToolCall::new("", "", ""));
                if let Some(id) = delta.id.filter(|id| !id.is_empty()) {
                    call.id = id;
                }
                if let Some(function) = delta.function {
                    if let Some(name) = function.name.filter(|n| !n.is_empty()) {
                        let first = call.function.name.is_empty();
                        call.function.name.push_str(&name);
                        if first {
                            events.push(StreamEvent::ToolCall { index: delta.index, name });
                        }
                    }
                    if let Some(arguments) = function.arguments {
                        call.function.arguments.push_str(&arguments);
                    }
                }
            }
            if choice.finish_reason.is_some() {
                self.finish_reason = choice.finish_reason;
            }
        }
        Ok(events)
    }

    pub(crate) fn into_response(self) -> ChatResponse {
        let text = (!self.text.is_empty()).then_some(self.text);
        let calls: Vec<ToolCall> = self.calls.into_values().filter(|c| !c.function.name.is_empty()).collect();
        ChatResponse {
            message: Message::assistant(text, calls),
            finish_reason: self.finish_reason,
            usage: self.usage,
            model: self.model,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_and_tool_calls_are_assembled_by_index() {
        let mut a = Assembler::default();
        let e = a.chunk(r#"{"model":"m","choices":[{"delta":{"role":"assistant","content":"Hel"}}]}"#).unwrap();
        assert_eq!(e, vec![StreamEvent::Delta("Hel".into())]);
        a.chunk(r#"{"choices":[{"delta":{"content":"lo"}}]}"#).unwrap();
        let e = a
            .chunk(r#"{"choices":[{"delta":{"tool_calls":[{"index":1,"id":"b","function":{"name":"g","arguments":""}},{"index":0,"id":"a","function":{"name":"f","arguments":"{\"x\""}}]}}]}"#)
            .unwrap();
        assert_eq!(e.len(), 2);
        a.chunk(r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":":1}"}}]},"finish_reason":"tool_calls"}]}"#).unwrap();
        a.chunk(r#"{"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10}}"#).unwrap();
        let r = a.into_response();
        assert_eq!(r.text(), "Hello");
        assert_eq!(r.tool_calls().len(), 2);
        assert_eq!(r.tool_calls()[0].id, "a");
        assert_eq!(r.tool_calls()[0].arguments(), Some(serde_json::json!({"x": 1})));
        assert_eq!(r.tool_calls()[1].function.name, "g");
        assert_eq!(r.finish_reason.as_deref(), Some("tool_calls"));
        assert_eq!(r.usage.total(), 10);
        assert_eq!(r.model.as_deref(), Some("m"));
    }

    async fn read(body: &'static str) -> Vec<StreamEvent> {
        let response = reqwest::Response::from(axum::http::Response::new(body));
        let mut stream = ChatStream::new(response, std::time::Duration::from_secs(1));
        let mut out = Vec::new();
        while let Some(event) = stream.next().await {
            out.push(event.unwrap());
        }
        out
    }

    #[tokio::test]
    async fn a_body_is_read_to_its_end_with_or_without_done() {
        for body in [
            "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\r\n\r\n: keep-alive\n\ndata: [DONE]",
            "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}",
        ] {
            let events = read(body).await;
            assert_eq!(events.len(), 2, "{body}: {events:?}");
            assert_eq!(events[0], StreamEvent::Delta("Hi".into()));
            assert!(matches!(&events[1], StreamEvent::Done(r) if r.text() == "Hi"));
        }
    }

    #[test]
    fn an_unreadable_or_error_chunk_is_a_model_error() {
        let mut a = Assembler::default();
        assert_eq!(a.chunk("{oops").unwrap_err().status, 502);
        assert_eq!(a.chunk(r#"{"error":{"message":"boom"}}"#).unwrap_err().code, "model_error");
    }
}
