//! The analysis tools that need the language model: summaries, translations, classification
//! into the caller's labels, and image captions, tags and moderation (the vision API with the
//! picture inline as a `data:` URL). The model is asked for JSON where a structure is
//! expected; an answer that is not the JSON asked for is a `502 model_error`.

use kernel::ApiError;
use serde::Serialize;
use serde_json::{Value, json};

use uuid::Uuid;

use crate::assistant::Budget;
use crate::llm::{ChatRequest, ChatResponse, ContentPart, Message, Model};

/// The model as one user calls it: each call is checked against and counted in that user's
/// daily budget (the assistant's: one budget for every model call of a user).
pub struct Metered<'a> {
    pub model: &'a Model,
    pub budget: &'a Budget,
    pub user: Uuid,
}

impl Metered<'_> {
    pub async fn chat(&self, request: ChatRequest) -> Result<ChatResponse, ApiError> {
        self.budget.check(self.user).await?;
        let sent = request.messages.clone();
        let mut answer = self.model.chat(request).await?;
        if answer.usage.prompt_tokens == 0 && answer.usage.completion_tokens == 0 {
            answer.usage = crate::assistant::estimate(&sent, &answer);
        }
        self.budget.record(self.user, answer.usage).await?;
        Ok(answer)
    }

    pub fn name(&self) -> &str {
        self.model.name()
    }

    fn vision_model(&self) -> &str {
        self.model.vision_model()
    }
}

/// `503 model_not_configured` when no model is configured.
pub fn require(model: Option<&Model>) -> Result<&Model, ApiError> {
    model.ok_or_else(|| crate::llm::not_configured("model"))
}

fn json_request(system: &str, user: Message) -> ChatRequest {
    ChatRequest {
        temperature: Some(0.0),
        response_format: Some(json!({"type": "json_object"})),
        ..ChatRequest::new(vec![Message::system(system), user])
    }
}

/// The JSON object in the model's answer (tolerating a fenced block around it).
fn object(text: &str) -> Result<Value, ApiError> {
    let start = text.find('{');
    let end = text.rfind('}');
    let parsed = match (start, end) {
        (Some(s), Some(e)) if e > s => serde_json::from_str::<Value>(&text[s..=e]).ok(),
        _ => None,
    };
    parsed.filter(Value::is_object).ok_or_else(|| {
        ApiError::new(502, "model_error", "The language model could not answer: its answer was not the JSON asked for")
    })
}

pub async fn summarize(model: &Metered<'_>, text: &str, language: Option<&str>) -> Result<String, ApiError> {
    let lang = language.map(|l| format!(" Write it in the language `{l}`.")).unwrap_or_default();
    let system = format!(
        "You summarise texts about travel listings and reviews in two to four sentences, without adding facts.{lang} Answer only the summary."
    );
    let answer = model
        .chat(ChatRequest {
            temperature: Some(0.2),
            ..ChatRequest::new(vec![Message::system(system), Message::user(text)])
        })
        .await?;
    Ok(answer.text().trim().to_owned())
}

pub async fn translate(
    model: &Metered<'_>,
    text: &str,
    target: &str,
    source: Option<&str>,
) -> Result<String, ApiError> {
    let from = source.map(|s| format!(" from `{s}`")).unwrap_or_default();
    let system = format!(
        "You translate{from} into the language `{target}`, keeping the meaning, tone and formatting. Answer only the translation."
    );
    let answer = model
        .chat(ChatRequest {
            temperature: Some(0.0),
            ..ChatRequest::new(vec![Message::system(system), Message::user(text)])
        })
        .await?;
    Ok(answer.text().trim().to_owned())
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Label {
    pub label: String,
    /// 0..1, as the model judged it.
    pub score: f64,
}

/// The caller's labels that apply to `text`, by the model; labels it names that were not
/// offered are dropped.
pub async fn classify(model: &Metered<'_>, text: &str, labels: &[String]) -> Result<Vec<Label>, ApiError> {
    let system = format!(
        "You classify a text into these labels: {}. Answer a JSON object {{\"labels\": [{{\"label\": <one of the labels>, \"score\": <0..1>}}]}} listing the labels that apply, best first.",
        serde_json::to_string(labels).unwrap_or_default()
    );
    let answer = model.chat(json_request(&system, Message::user(text))).await?;
    let value = object(&answer.text())?;
    let mut out: Vec<Label> = value
        .get("labels")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|i| {
                    let label = i.get("label")?.as_str()?;
                    let offered = labels.iter().find(|l| l.eq_ignore_ascii_case(label))?;
                    let score = i.get("score").and_then(Value::as_f64).unwrap_or(1.0).clamp(0.0, 1.0);
                    Some(Label { label: offered.clone(), score })
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort_by(|a, b| b.score.total_cmp(&a.score));
    out.dedup_by(|a, b| a.label == b.label);
    Ok(out)
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Moderation {
    /// `safe`, `review` or `unsafe`.
    pub verdict: String,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Description {
    pub caption: String,
    pub tags: Vec<String>,
    pub moderation: Moderation,
    /// The model that answered.
    pub model: String,
}

const DESCRIBE: &str = "You describe photos of travel listings (rooms, views, food, activities). Answer a JSON object \
{\"caption\": <one sentence>, \"tags\": [<up to 10 lower-case words>], \"moderation\": {\"verdict\": \"safe\"|\"review\"|\"unsafe\", \
\"reasons\": [<why, if not safe>]}}. A photo is unsafe with nudity, violence, hateful symbols or personal documents; \
review when people's faces or licence plates are recognisable.";

pub async fn describe(model: &Metered<'_>, content_type: &str, bytes: &[u8]) -> Result<Description, ApiError> {
    let parts = vec![ContentPart::text("Describe this photo."), ContentPart::image_data(content_type, &base64(bytes))];
    let request = ChatRequest {
        model: Some(model.vision_model().to_owned()),
        ..json_request(DESCRIBE, Message::user_parts(parts))
    };
    let answer = model.chat(request).await?;
    let value = object(&answer.text())?;
    let strings = |v: Option<&Value>, max: usize| -> Vec<String> {
        v.and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .take(max)
                    .collect()
            })
            .unwrap_or_default()
    };
    let moderation = value.get("moderation");
    let verdict = moderation.and_then(|m| m.get("verdict")).and_then(Value::as_str).unwrap_or("review");
    Ok(Description {
        caption: value.get("caption").and_then(Value::as_str).unwrap_or_default().trim().to_owned(),
        tags: strings(value.get("tags"), 10),
        moderation: Moderation {
            // Anything but the three verdicts asked for needs a person to look.
            verdict: if matches!(verdict, "safe" | "review" | "unsafe") { verdict } else { "review" }.to_owned(),
            reasons: strings(moderation.and_then(|m| m.get("reasons")), 10),
        },
        model: answer.model.unwrap_or_else(|| model.vision_model().to_owned()),
    })
}

/// Standard base64 with padding.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_rfc_vectors() {
        for (input, expected) in
            [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("foobar", "Zm9vYmFy")]
        {
            assert_eq!(base64(input.as_bytes()), expected);
        }
    }

    #[test]
    fn json_is_found_in_the_answer() {
        assert!(object("```json\n{\"caption\": \"x\"}\n```").is_ok());
        assert!(object("no json here").is_err());
        assert!(object("[1, 2]").is_err());
    }
}
