//! The daily budget every model call of a user draws on — assistant turns and the analysis
//! tools alike — in tokens and in cost (`ai.model.daily_*`), counted per UTC day from the
//! usage the model reports.

use std::sync::Arc;

use chrono::{Duration, NaiveDate};
use kernel::{ApiError, Clock};
use platform::config::AiModelConfig;
use platform::db::Db;
use serde_json::json;
use uuid::Uuid;

use super::store;
use crate::llm::{self, ChatResponse, Message, Usage};

/// What one call costs, in micro-units of the price currency (rounded up).
pub fn cost_micros(config: &AiModelConfig, prompt: u64, completion: u64) -> i64 {
    let micros = prompt
        .saturating_mul(config.input_price_micros_per_1k)
        .saturating_add(completion.saturating_mul(config.output_price_micros_per_1k))
        .div_ceil(1000);
    i64::try_from(micros).unwrap_or(i64::MAX)
}

pub(crate) fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A user's daily model budget.
#[derive(Clone)]
pub struct Budget {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub config: AiModelConfig,
}

impl Budget {
    /// `429 ai_quota_exceeded` when `user` spent today's tokens or budget.
    pub async fn check(&self, user: Uuid) -> Result<(), ApiError> {
        let now = self.clock.now();
        let (tokens, cost) = store::usage(&self.db, user, now.date_naive()).await?;
        let over_tokens = tokens >= to_i64(self.config.daily_tokens_per_user);
        let over_cost = cost >= to_i64(self.config.daily_cost_micros_per_user);
        if !(over_tokens || over_cost) {
            return Ok(());
        }
        let midnight = (now.date_naive() + Duration::days(1)).and_hms_opt(0, 0, 0).map(|t| t.and_utc());
        let wait = midnight.map_or(3600, |m| (m - now).num_seconds().max(1));
        let what = if over_tokens { "tokens" } else { "budget" };
        Err(ApiError::new(
            429,
            "ai_quota_exceeded",
            format!("You have used today's AI {what} (assistant and tools); it renews at midnight UTC"),
        )
        .with_retry_after(u64::try_from(wait).unwrap_or(3600))
        .with_data(json!({"usedTokens": tokens, "usedCostMicros": cost})))
    }

    /// Counts a model call against `user`'s day.
    pub async fn record(&self, user: Uuid, usage: llm::Usage) -> Result<(), ApiError> {
        // A server reporting absurd numbers must not overflow the day's sums.
        const MOST: u64 = 100_000_000;
        let usage = llm::Usage {
            prompt_tokens: usage.prompt_tokens.min(MOST),
            completion_tokens: usage.completion_tokens.min(MOST),
        };
        let cost = cost_micros(&self.config, usage.prompt_tokens, usage.completion_tokens);
        let day: NaiveDate = self.clock.now().date_naive();
        store::add_usage(&self.db, user, day, to_i64(usage.prompt_tokens), to_i64(usage.completion_tokens), cost)
            .await?;
        Ok(())
    }
}

/// Tokens of a call the server did not count, estimated at four characters a token.
pub(crate) fn estimate(sent: &[Message], answer: &ChatResponse) -> Usage {
    let chars = |m: &Message| {
        let calls: usize = m.tool_calls.iter().map(|c| c.function.name.len() + c.function.arguments.len()).sum();
        m.text().chars().count() + calls
    };
    let prompt: usize = sent.iter().map(chars).sum::<usize>() + 500;
    let completion = chars(&answer.message);
    Usage { prompt_tokens: (prompt as u64).div_ceil(4), completion_tokens: (completion as u64).div_ceil(4).max(1) }
}
