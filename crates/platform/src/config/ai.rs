//! `[ai]`: the ai context's settings. Everything works offline with none of them: the
//! recommender learns from our own data, seasons come from bundled climate normals, and the
//! parts that need a language model (the assistant, captions, transcription, translation)
//! answer `503` with the reason until `ai.model.base_url` and `ai.model.model` are set.

use serde::{Deserialize, Serialize};

use super::ConfigError;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AiConfig {
    /// An OpenAI-compatible API (chat completions, vision, audio transcriptions).
    pub model: AiModelConfig,
    /// A weather provider with Open-Meteo's API shape.
    pub weather: WeatherConfig,
    /// The recommender's jobs.
    pub recommend: RecommendConfig,
}

/// The language model. Its key is the `ai_api_key` secret (never in this section).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AiModelConfig {
    /// Base URL of an OpenAI-compatible API, e.g. `https://api.openai.com/v1` or a local
    /// server's `http://127.0.0.1:8000/v1`. Unset: no model.
    pub base_url: Option<String>,
    /// The chat model (`gpt-4o-mini`, …). Unset: no model.
    pub model: Option<String>,
    /// The model for image captions, tags and moderation (defaults to `model`).
    pub vision_model: Option<String>,
    /// The model for `/audio/transcriptions` (`whisper-1`, …). Unset: no transcription.
    pub transcription_model: Option<String>,
    /// How long one call to the model may take.
    pub timeout_secs: u64,
    /// Tokens (prompt + completion) one user may spend per UTC day.
    pub daily_tokens_per_user: u64,
    /// What one user may spend per UTC day, in micro-units of the price currency
    /// (1_000_000 = 1.00), priced with the two prices below.
    pub daily_cost_micros_per_user: u64,
    /// Price of 1,000 prompt tokens, in micro-units.
    pub input_price_micros_per_1k: u64,
    /// Price of 1,000 completion tokens, in micro-units.
    pub output_price_micros_per_1k: u64,
}

impl Default for AiModelConfig {
    fn default() -> Self {
        Self {
            base_url: None,
            model: None,
            vision_model: None,
            transcription_model: None,
            timeout_secs: 60,
            daily_tokens_per_user: 200_000,
            daily_cost_micros_per_user: 500_000,
            input_price_micros_per_1k: 150,
            output_price_micros_per_1k: 600,
        }
    }
}

impl AiModelConfig {
    /// Whether a chat model is configured.
    pub fn configured(&self) -> bool {
        self.base_url.is_some() && self.model.is_some()
    }
}

/// Current weather and forecasts (Open-Meteo's `/v1/forecast` shape). Unset: seasonal
/// context comes from bundled climate normals and current weather is unavailable.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WeatherConfig {
    /// e.g. `https://api.open-meteo.com`.
    pub url: Option<String>,
    pub timeout_secs: u64,
    /// How long an answer is reused for a city.
    pub cache_secs: u64,
}

impl Default for WeatherConfig {
    fn default() -> Self {
        Self { url: None, timeout_secs: 5, cache_secs: 1800 }
    }
}

/// The recommender's model rebuilds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RecommendConfig {
    /// How often the full rebuild job runs (item similarities, popularity, precomputed lists).
    pub rebuild_interval_secs: u64,
    /// Half-life of an interaction's weight in trending, in days.
    pub trending_half_life_days: u32,
}

impl Default for RecommendConfig {
    fn default() -> Self {
        Self { rebuild_interval_secs: 900, trending_half_life_days: 7 }
    }
}

pub(super) fn validate(config: &AiConfig) -> Result<(), ConfigError> {
    for (key, url) in [("ai.model.base_url", &config.model.base_url), ("ai.weather.url", &config.weather.url)] {
        if let Some(url) = url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(ConfigError::key(key, "must be an http:// or https:// URL"));
        }
    }
    if !(1..=600).contains(&config.model.timeout_secs) {
        return Err(ConfigError::key("ai.model.timeout_secs", "must be between 1 and 600"));
    }
    if !(1..=60).contains(&config.weather.timeout_secs) {
        return Err(ConfigError::key("ai.weather.timeout_secs", "must be between 1 and 60"));
    }
    if !(30..=604_800).contains(&config.recommend.rebuild_interval_secs) {
        return Err(ConfigError::key("ai.recommend.rebuild_interval_secs", "must be between 30 and 604800"));
    }
    if !(1..=365).contains(&config.recommend.trending_half_life_days) {
        return Err(ConfigError::key("ai.recommend.trending_half_life_days", "must be between 1 and 365"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_needed_and_urls_are_checked() {
        let config = AiConfig::default();
        assert!(validate(&config).is_ok());
        assert!(!config.model.configured());
        let mut bad = AiConfig::default();
        bad.model.base_url = Some("ftp://x".into());
        assert!(validate(&bad).is_err_and(|e| e.to_string().contains("ai.model.base_url")));
        let mut slow = AiConfig::default();
        slow.recommend.rebuild_interval_secs = 1;
        assert!(validate(&slow).is_err_and(|e| e.to_string().contains("rebuild_interval_secs")));
    }
}
