//! `POST /api/v1/ai/text/{tool}`: sentiment, keywords and topics offline; summaries,
//! translations and free-label classification through the model.

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::{ApiError, ErrorBody, FieldError};
use platform::auth::AuthUser;
use platform::http::{Json, Path};
use serde::Deserialize;
use serde_json::json;

use super::{State, bare, count_use};
use crate::analysis::keywords;
use crate::analysis::lexicon::{self, Language};
use crate::analysis::model;

pub const MAX_TEXT_CHARS: usize = 20_000;
const MAX_LABELS: usize = 20;
const MAX_LABEL_CHARS: usize = 60;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TextRequest {
    /// 1–20,000 characters.
    #[schema(min_length = 1, max_length = 20000)]
    pub text: String,
    /// The text's language (`en` or `fr` for the offline tools; detected when absent).
    pub language: Option<String>,
    /// `translate`: the language to translate into (e.g. `fr`, `pt-BR`).
    pub target_language: Option<String>,
    /// `classify`: labels to choose from (through the model; up to 20, each ≤ 60 characters).
    pub labels: Option<Vec<String>>,
}

/// A language tag as clients send them: letters, digits and `-`, 2–35 characters.
fn tag(field: &str, raw: &str) -> Result<String, FieldError> {
    let t = raw.trim();
    let ok = (2..=35).contains(&t.len()) && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok { Ok(t.to_owned()) } else { Err(FieldError::new(field, "a language tag such as en, fr or pt-BR")) }
}

fn offline_language(body: &TextRequest) -> Result<Option<Language>, ApiError> {
    body.language
        .as_deref()
        .map(|l| {
            Language::parse(l).ok_or_else(|| {
                ApiError::validation(vec![FieldError::new(
                    "language",
                    "the offline tools know en and fr (omit it to detect)",
                )])
            })
        })
        .transpose()
}

/// One text tool on a text. `sentiment` (lexicon: score −1..1, label, the phrases that
/// decided), `keywords` (RAKE), `classify` (the documented topics, offline; or the caller's
/// `labels` through the model), `summarize` and `translate` (`targetLanguage`) through the
/// model: `503 model_not_configured` without one. Rate-limited per user.
#[utoipa::path(post, path = "/api/v1/ai/text/{tool}", tag = "AI", operation_id = "ai_an_text_tool",
    security(("bearerAuth" = [])),
    params(("tool" = String, Path, description = "`sentiment`, `keywords`, `classify`, `summarize` or `translate`")),
    request_body = TextRequest,
    responses((status = 200, description = "The tool's answer (bare JSON)"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 429, body = ErrorBody),
        (status = 502, body = ErrorBody), (status = 503, description = "`model_not_configured`", body = ErrorBody)))]
pub async fn tool(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(tool): Path<String>,
    Json(body): Json<TextRequest>,
) -> Result<Response, ApiError> {
    if !matches!(tool.as_str(), "sentiment" | "keywords" | "classify" | "summarize" | "translate") {
        return Err(ApiError::not_found("No such text tool: sentiment, keywords, classify, summarize or translate"));
    }
    let text = body.text.trim();
    let chars = text.chars().count();
    if chars == 0 || chars > MAX_TEXT_CHARS {
        return Err(ApiError::validation(vec![FieldError::new("text", "between 1 and 20000 characters")]));
    }
    count_use(&state, &user).await?;
    match tool.as_str() {
        "sentiment" => Ok(bare(lexicon::sentiment(text, offline_language(&body)?))),
        "keywords" => {
            let language = offline_language(&body)?.unwrap_or_else(|| lexicon::detect(text));
            Ok(bare(json!({"language": language, "keywords": keywords::keywords(text, language)})))
        }
        "classify" => match &body.labels {
            None => {
                let language = offline_language(&body)?.unwrap_or_else(|| lexicon::detect(text));
                Ok(bare(
                    json!({"source": "topics", "language": language, "topics": keywords::classify(text, language)}),
                ))
            }
            Some(labels) => {
                let labels = check_labels(labels)?;
                let m = model::Metered {
                    model: model::require(state.model.as_ref())?,
                    budget: &state.budget,
                    user: user.user_id,
                };
                Ok(bare(json!({"source": "model", "labels": model::classify(&m, text, &labels).await?})))
            }
        },
        "summarize" => {
            let language = body.language.as_deref().map(|l| tag("language", l)).transpose().map_err(one)?;
            let m = model::Metered {
                model: model::require(state.model.as_ref())?,
                budget: &state.budget,
                user: user.user_id,
            };
            Ok(bare(json!({"summary": model::summarize(&m, text, language.as_deref()).await?, "model": m.name()})))
        }
        _ => {
            let target = body
                .target_language
                .as_deref()
                .ok_or_else(|| FieldError::new("targetLanguage", "required to translate"))
                .and_then(|t| tag("targetLanguage", t))
                .map_err(one)?;
            let source = body.language.as_deref().map(|l| tag("language", l)).transpose().map_err(one)?;
            let m = model::Metered {
                model: model::require(state.model.as_ref())?,
                budget: &state.budget,
                user: user.user_id,
            };
            let translation = model::translate(&m, text, &target, source.as_deref()).await?;
            Ok(bare(json!({"translation": translation, "targetLanguage": target, "model": m.name()})))
        }
    }
}

fn one(e: FieldError) -> ApiError {
    ApiError::validation(vec![e])
}

fn check_labels(labels: &[String]) -> Result<Vec<String>, ApiError> {
    let cleaned: Vec<String> = labels.iter().map(|l| l.trim().to_owned()).collect();
    if cleaned.is_empty()
        || cleaned.len() > MAX_LABELS
        || cleaned
            .iter()
            .any(|l| l.is_empty() || l.chars().count() > MAX_LABEL_CHARS || l.chars().any(char::is_control))
    {
        return Err(one(FieldError::new("labels", "1 to 20 labels of 1 to 60 characters")));
    }
    Ok(cleaned)
}
