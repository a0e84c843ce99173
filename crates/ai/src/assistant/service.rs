//! The assistant's service: conversations (each the caller's own), the per-user daily limits,
//! and what the model is sent as history. The tool loop is in [`super::turn`].

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use kernel::{ApiError, Clock, FieldError};
use platform::config::{AiModelConfig, Limit};
use platform::contracts::Contracts;
use platform::db::Db;
use platform::ratelimit::RateLimiter;
use serde_json::{Value, json};
use uuid::Uuid;

use super::budget::{Budget, to_i64};
use super::store::{self, Conversation, StoredMessage};
use crate::llm::{self, Message, Model, ToolCall};

/// Longest user message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 4_000;
/// Most user and assistant messages in one conversation.
pub const MAX_TURNS: i64 = 100;
/// Messages of history the model is sent at most (cut at a user message).
const HISTORY: usize = 60;
/// Turns one user may start per minute.
const TURNS_PER_MINUTE: u32 = 20;
pub const DEFAULT_TITLE: &str = "New conversation";

#[derive(Clone)]
pub struct Assistant {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub contracts: Arc<Contracts>,
    pub limits: Arc<RateLimiter>,
    pub model: Option<Model>,
    pub config: AiModelConfig,
    /// Conversations with a turn running in this process: a second turn at once is refused
    /// (it would interleave with the first in the history).
    pub busy: Arc<Mutex<HashSet<Uuid>>>,
}

/// Marks a conversation busy while it lives.
pub struct TurnGuard {
    busy: Arc<Mutex<HashSet<Uuid>>>,
    id: Uuid,
}

impl Drop for TurnGuard {
    fn drop(&mut self) {
        self.busy.lock().unwrap_or_else(PoisonError::into_inner).remove(&self.id);
    }
}

/// A conversation as clients see it (without its messages).
pub fn conversation_view(c: &Conversation) -> Value {
    json!({"id": c.id, "title": c.title, "createdAt": c.created_at, "updatedAt": c.updated_at})
}

/// A message as clients see it: user and assistant messages; an assistant message that called
/// tools lists them by name, and one that drafted an itinerary carries it.
pub fn message_view(m: &StoredMessage) -> Option<Value> {
    if m.role != "user" && m.role != "assistant" {
        return None;
    }
    let mut out = json!({"id": m.id, "role": m.role, "content": m.content.clone().unwrap_or_default(), "createdAt": m.created_at});
    if let Some(extra) = &m.extra {
        if let Some(calls) = extra.get("toolCalls").and_then(Value::as_array) {
            let names: Vec<Value> = calls.iter().map(|c| json!({"name": c.pointer("/function/name")})).collect();
            out["toolCalls"] = json!(names);
        }
        if let Some(itinerary) = extra.get("itinerary") {
            out["itinerary"] = itinerary.clone();
        }
    }
    if m.role == "assistant" {
        out["usage"] = json!({"promptTokens": m.prompt_tokens, "completionTokens": m.completion_tokens});
    }
    Some(out)
}

fn not_found() -> ApiError {
    ApiError::not_found("Conversation not found")
}

/// Cost of a call in micro-units.
impl Assistant {
    /// The model, or `503 assistant_not_configured`.
    pub fn model(&self) -> Result<&Model, ApiError> {
        self.model.as_ref().ok_or_else(|| llm::not_configured("assistant"))
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub async fn create(&self, user: Uuid, title: Option<&str>) -> Result<Value, ApiError> {
        self.model()?;
        let now = self.now();
        let title = title.map(str::trim).filter(|t| !t.is_empty()).unwrap_or(DEFAULT_TITLE);
        let c = Conversation {
            id: kernel::new_id(),
            user_id: user,
            title: title_of(title),
            created_at: now,
            updated_at: now,
        };
        store::create(&self.db, &c).await?;
        Ok(json!({"id": c.id, "title": c.title, "createdAt": c.created_at, "updatedAt": c.updated_at, "messages": []}))
    }

    pub async fn list(&self, user: Uuid, page: i64, limit: i64) -> Result<Value, ApiError> {
        self.model()?;
        let total = store::count_conversations(&self.db, user).await?;
        let list = store::conversations(&self.db, user, limit, (page - 1) * limit).await?;
        let list: Vec<Value> = list.iter().map(conversation_view).collect();
        Ok(json!({"conversations": list, "total": total, "page": page, "limit": limit}))
    }

    /// The caller's conversation (anyone else's is not found).
    pub async fn owned(&self, user: Uuid, id: Uuid) -> Result<Conversation, ApiError> {
        self.model()?;
        store::conversation(&self.db, id, user).await?.ok_or_else(not_found)
    }

    pub async fn get(&self, user: Uuid, id: Uuid) -> Result<Value, ApiError> {
        let c = self.owned(user, id).await?;
        let messages: Vec<Value> = store::messages(&self.db, c.id).await?.iter().filter_map(message_view).collect();
        let mut out = conversation_view(&c);
        out["messages"] = json!(messages);
        Ok(out)
    }

    pub async fn delete(&self, user: Uuid, id: Uuid) -> Result<(), ApiError> {
        self.model()?;
        let mut tx = self.db.begin().await?;
        if !store::delete(&mut tx, id, user).await? {
            return Err(not_found());
        }
        tx.commit().await?;
        Ok(())
    }

    /// The user's daily model budget.
    pub fn budget(&self) -> Budget {
        Budget { db: self.db.clone(), clock: self.clock.clone(), config: self.config.clone() }
    }

    /// `429 ai_quota_exceeded` when `user` spent today's tokens or budget.
    pub async fn check_quota(&self, user: Uuid) -> Result<(), ApiError> {
        self.budget().check(user).await
    }

    /// What `user` spent today, the limits and what is left.
    pub async fn usage_today(&self, user: Uuid) -> Result<Value, ApiError> {
        self.model()?;
        let now = self.now();
        let (day, prompt, completion, cost, calls) = store::usage_of(&self.db, user, now.date_naive()).await?;
        let (tokens_limit, cost_limit) =
            (to_i64(self.config.daily_tokens_per_user), to_i64(self.config.daily_cost_micros_per_user));
        let tokens = prompt.saturating_add(completion);
        let resets = (day + Duration::days(1)).and_hms_opt(0, 0, 0).map(|t| t.and_utc());
        Ok(json!({
            "day": day, "promptTokens": prompt, "completionTokens": completion, "totalTokens": tokens,
            "costMicros": cost, "calls": calls,
            "limits": {"tokens": tokens_limit, "costMicros": cost_limit},
            "remaining": {"tokens": (tokens_limit - tokens).max(0), "costMicros": (cost_limit - cost).max(0)},
            "resetsAt": resets,
        }))
    }

    /// Counts a model call against `user`'s day.
    pub async fn record_usage(&self, user: Uuid, usage: llm::Usage) -> Result<(), ApiError> {
        self.budget().record(user, usage).await
    }

    /// Everything a turn checks before the model is called: the model, the rate, the quota,
    /// the conversation (the caller's), the message and the room left in the conversation.
    pub async fn admit(&self, user: Uuid, id: Uuid, content: &str) -> Result<(Conversation, TurnGuard), ApiError> {
        let c = self.owned(user, id).await?;
        check_content(content)?;
        if !self.busy.lock().unwrap_or_else(PoisonError::into_inner).insert(c.id) {
            return Err(ApiError::new(
                409,
                "turn_in_progress",
                "The assistant is still answering in this conversation; wait for it",
            ));
        }
        let guard = TurnGuard { busy: self.busy.clone(), id: c.id };
        self.limits.check(&format!("ai.assistant:{user}"), Limit::new(TURNS_PER_MINUTE, 60)).await?;
        self.check_quota(user).await?;
        if store::count_turns(&self.db, c.id).await? + 2 > MAX_TURNS {
            return Err(ApiError::new(
                422,
                "conversation_full",
                format!("A conversation holds at most {MAX_TURNS} messages: start a new one"),
            ));
        }
        Ok((c, guard))
    }

    /// The conversation as the model is sent it: the system prompt, then the latest messages
    /// (cut at a user message so no tool result loses its call).
    pub async fn history(&self, conversation: Uuid) -> Result<Vec<Message>, ApiError> {
        let stored = store::messages(&self.db, conversation).await?;
        let mut start = stored.len().saturating_sub(HISTORY);
        while start > 0 && stored.get(start).is_some_and(|m| m.role != "user") {
            start -= 1;
        }
        let mut out = vec![Message::system(system_prompt(self.now().date_naive()))];
        for m in stored.iter().skip(start) {
            let content = m.content.clone().unwrap_or_default();
            let extra = m.extra.clone().unwrap_or(Value::Null);
            out.push(match m.role.as_str() {
                "user" => Message::user(content),
                "tool" => Message::tool(extra.get("toolCallId").and_then(Value::as_str).unwrap_or_default(), content),
                _ => {
                    let calls: Vec<ToolCall> =
                        extra.get("toolCalls").and_then(|c| serde_json::from_value(c.clone()).ok()).unwrap_or_default();
                    Message::assistant((!content.is_empty()).then_some(content), calls)
                }
            });
        }
        Ok(out)
    }
}

/// A user message: not blank, at most [`MAX_MESSAGE_CHARS`].
pub fn check_content(content: &str) -> Result<(), ApiError> {
    if content.trim().is_empty() {
        return Err(ApiError::validation(vec![FieldError::new("content", "is required")]));
    }
    if content.chars().count() > MAX_MESSAGE_CHARS {
        return Err(ApiError::validation(vec![FieldError::new(
            "content",
            format!("must be at most {MAX_MESSAGE_CHARS} characters"),
        )]));
    }
    Ok(())
}

fn system_prompt(today: NaiveDate) -> String {
    format!(
        "You are Sojourn's travel assistant. Today is {today}. Help the traveller plan trips. \
         Use search_flights, search_hotels and search_activities to find real offers; never invent \
         offers, prices or offer ids. When the traveller wants a plan, call draft_itinerary with \
         offers the searches of this conversation returned; the traveller can then add each item to \
         their cart. Dates are YYYY-MM-DD and not in the past. Answer briefly, in the traveller's language."
    )
}

/// A title: one line of at most 200 characters (control characters become spaces).
pub fn title_of(text: &str) -> String {
    let line: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).take(200).collect();
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}
