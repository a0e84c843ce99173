//! The rules of VR sessions that need no database: PINs (6 digits from a CSPRNG), DreamScape's
//! destinations, and the live state a tour session's leader moves (scene, view, pointer).
//! Angles follow the tour document's [`View`] ranges, so a session can show any view a tour
//! can open on.

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use kernel::{ApiError, FieldError};
use serde::{Deserialize, Serialize};

use crate::domain::tour::View;

/// PINs are `100000`–`999999`.
const PIN_LOW: u32 = 100_000;
const PIN_SPAN: u32 = 900_000;
/// Longest destination kept (DreamScape's are environment ids such as `paris`).
pub const MAX_DESTINATION: usize = 64;

/// A fresh PIN from the system CSPRNG, uniform over the 900 000 values (rejection sampling:
/// no modulo bias). `None` only if the system generator fails.
pub fn new_pin() -> Option<String> {
    let rng = SystemRandom::new();
    // The largest multiple of the span that fits in a u32: values at or above it are redrawn.
    let ceiling = u32::MAX - (u32::MAX % PIN_SPAN);
    for _ in 0..16 {
        let mut bytes = [0u8; 4];
        rng.fill(&mut bytes).ok()?;
        let n = u32::from_le_bytes(bytes);
        if n < ceiling {
            return Some((PIN_LOW + n % PIN_SPAN).to_string());
        }
    }
    None
}

/// Exactly six ASCII digits (what DreamScape's gateway accepts).
pub fn pin_format_ok(pin: &str) -> bool {
    pin.len() == 6 && pin.bytes().all(|b| b.is_ascii_digit())
}

pub fn invalid_pin() -> ApiError {
    ApiError::new(400, "invalid_pin", "Invalid PIN format. Must be 6 digits.")
}

pub fn invalid_destination() -> ApiError {
    ApiError::new(400, "invalid_destination", "Missing or invalid \"destination\" field")
}

/// `destination` of a create request, trimmed and lower-cased: a non-empty string of at most
/// [`MAX_DESTINATION`] characters without control characters.
pub fn destination(body: &[u8]) -> Result<String, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|_| invalid_destination())?;
    let raw = value.get("destination").and_then(serde_json::Value::as_str).ok_or_else(invalid_destination)?;
    let d = raw.trim().to_lowercase();
    let n = d.chars().count();
    if n == 0 || n > MAX_DESTINATION || d.chars().any(char::is_control) {
        return Err(invalid_destination());
    }
    Ok(d)
}

/// Where the leader points, in degrees (yaw −180…180, pitch −90…90).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Pointer {
    pub yaw: f64,
    pub pitch: f64,
}

/// What viewers of a tour session see: the leader's scene, view and pointer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LiveState {
    pub scene_id: String,
    pub view: View,
    pub pointer: Option<Pointer>,
}

/// A leader's move, as sent over the socket (`vr:state`, with `sessionId`) or over HTTP.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MoveInput {
    /// A scene of the tour.
    pub scene_id: String,
    /// yaw −180…180, pitch −90…90, fov 30…120 (default 90).
    pub view: View,
    /// Where the leader points, or `null`.
    #[serde(default)]
    pub pointer: Option<Pointer>,
}

impl MoveInput {
    /// The move as a state, if its angles are in range and `has_scene` knows its scene.
    pub fn validate(self, has_scene: impl Fn(&str) -> bool) -> Result<LiveState, ApiError> {
        let mut errors = Vec::new();
        if !has_scene(&self.scene_id) {
            errors.push(FieldError::new("sceneId", "names no scene of this tour"));
        }
        crate::domain::tour::view_ok(&mut errors, "view", &self.view);
        if let Some(p) = self.pointer {
            crate::domain::tour::angle(&mut errors, "pointer.yaw".into(), p.yaw, -180.0, 180.0);
            crate::domain::tour::angle(&mut errors, "pointer.pitch".into(), p.pitch, -90.0, 90.0);
        }
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        Ok(LiveState { scene_id: self.scene_id, view: self.view, pointer: self.pointer })
    }
}

/// A move sent over the socket: its JSON read with the same field errors as an HTTP body.
pub fn move_from_json(data: serde_json::Value) -> Result<MoveInput, ApiError> {
    serde_json::from_value(data).map_err(|e| {
        let text = e.to_string();
        ApiError::validation(vec![platform::http::shape_error(".", &text)])
    })
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
