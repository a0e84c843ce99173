//! A virtual tour: scenes (one panorama each, with the view it opens on) joined by hotspots
//! placed at a yaw/pitch — a door to another scene or an info card. The whole tour is one
//! document, validated here before it is stored; that its panoramas exist, are ready and
//! belong to the listing is the service's check.

use std::collections::BTreeSet;

use kernel::FieldError;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const MAX_SCENES: usize = 50;
pub const MAX_HOTSPOTS: usize = 32;
const MAX_ID: usize = 40;
const MAX_TITLE: usize = 120;
const MAX_TEXT: usize = 1000;

/// The direction a viewer looks in, in degrees: yaw −180…180 (0 = the image's centre), pitch
/// −90…90 (0 = horizon), field of view 30…120.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct View {
    pub yaw: f64,
    pub pitch: f64,
    #[serde(default = "default_fov")]
    pub fov: f64,
}

fn default_fov() -> f64 {
    90.0
}

impl Default for View {
    fn default() -> Self {
        Self { yaw: 0.0, pitch: 0.0, fov: default_fov() }
    }
}

/// What a hotspot does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum Target {
    /// Moves the viewer to another scene.
    Scene {
        #[serde(rename = "targetSceneId")]
        target_scene_id: String,
    },
    /// Shows a card.
    Info { title: String, text: Option<String> },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Hotspot {
    pub yaw: f64,
    pub pitch: f64,
    #[serde(flatten)]
    pub target: Target,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Scene {
    /// Chosen by the editor: 1–40 characters of `a-z 0-9 - _`, unique in the tour.
    pub id: String,
    /// A ready panorama of the same listing.
    pub panorama_id: Uuid,
    pub title: Option<String>,
    #[serde(default)]
    pub initial_view: View,
    #[serde(default)]
    pub hotspots: Vec<Hotspot>,
}

/// A tour as edited and stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TourDoc {
    pub title: Option<String>,
    /// The scene a viewer starts in; the first scene when absent.
    pub initial_scene_id: Option<String>,
    pub scenes: Vec<Scene>,
}

impl TourDoc {
    pub fn scene(&self, id: &str) -> Option<&Scene> {
        self.scenes.iter().find(|s| s.id == id)
    }

    /// The scene a viewer starts in.
    pub fn start(&self) -> Option<&Scene> {
        match &self.initial_scene_id {
            Some(id) => self.scene(id),
            None => self.scenes.first(),
        }
    }

    /// The panoramas the tour shows, once each.
    pub fn panoramas(&self) -> BTreeSet<Uuid> {
        self.scenes.iter().map(|s| s.panorama_id).collect()
    }
}

fn text_ok(s: &str, max: usize) -> Option<&'static str> {
    let n = s.trim().chars().count();
    if n == 0 {
        Some("must not be empty")
    } else if n > max {
        Some("is too long")
    } else if s.chars().any(char::is_control) {
        Some("must not contain control characters")
    } else {
        None
    }
}

/// Adds a field error unless `v` is a finite angle in `min..=max`.
pub fn angle(errors: &mut Vec<FieldError>, field: String, v: f64, min: f64, max: f64) {
    if !v.is_finite() || v < min || v > max {
        errors.push(FieldError::new(field, format!("must be between {min} and {max}")));
    }
}

/// Adds field errors (`<at>.yaw`, …) for a view out of range.
pub fn view_ok(errors: &mut Vec<FieldError>, at: &str, v: &View) {
    angle(errors, format!("{at}.yaw"), v.yaw, -180.0, 180.0);
    angle(errors, format!("{at}.pitch"), v.pitch, -90.0, 90.0);
    angle(errors, format!("{at}.fov"), v.fov, 30.0, 120.0);
}

/// Every rule a tour document must meet, as field errors (empty when valid). Titles are
/// trimmed in place.
pub fn validate(doc: &mut TourDoc) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Some(t) = doc.title.as_mut() {
        *t = t.trim().to_owned();
        if let Some(m) = text_ok(t, MAX_TITLE) {
            errors.push(FieldError::new("title", m));
        }
    }
    if doc.scenes.is_empty() || doc.scenes.len() > MAX_SCENES {
        errors.push(FieldError::new("scenes", format!("must have 1 to {MAX_SCENES} scenes")));
    }
    let mut ids = BTreeSet::new();
    for (i, s) in doc.scenes.iter().enumerate() {
        let id_ok = !s.id.is_empty()
            && s.id.len() <= MAX_ID
            && s.id.bytes().all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_'));
        if !id_ok {
            errors.push(FieldError::new(format!("scenes[{i}].id"), "must be 1-40 characters of a-z, 0-9, - and _"));
        } else if !ids.insert(s.id.clone()) {
            errors.push(FieldError::new(format!("scenes[{i}].id"), "is used by another scene"));
        }
    }
    for (i, s) in doc.scenes.iter_mut().enumerate() {
        if let Some(t) = s.title.as_mut() {
            *t = t.trim().to_owned();
            if let Some(m) = text_ok(t, MAX_TITLE) {
                errors.push(FieldError::new(format!("scenes[{i}].title"), m));
            }
        }
        view_ok(&mut errors, &format!("scenes[{i}].initialView"), &s.initial_view);
        if s.hotspots.len() > MAX_HOTSPOTS {
            errors.push(FieldError::new(format!("scenes[{i}].hotspots"), format!("at most {MAX_HOTSPOTS} per scene")));
        }
        for (j, h) in s.hotspots.iter_mut().enumerate() {
            let at = format!("scenes[{i}].hotspots[{j}]");
            angle(&mut errors, format!("{at}.yaw"), h.yaw, -180.0, 180.0);
            angle(&mut errors, format!("{at}.pitch"), h.pitch, -90.0, 90.0);
            match &mut h.target {
                Target::Scene { target_scene_id } => {
                    if !ids.contains(target_scene_id.as_str()) {
                        errors.push(FieldError::new(format!("{at}.targetSceneId"), "names no scene of this tour"));
                    } else if *target_scene_id == s.id {
                        errors.push(FieldError::new(format!("{at}.targetSceneId"), "must lead to another scene"));
                    }
                }
                Target::Info { title, text } => {
                    *title = title.trim().to_owned();
                    if let Some(m) = text_ok(title, MAX_TITLE) {
                        errors.push(FieldError::new(format!("{at}.title"), m));
                    }
                    if let Some(t) = text.as_mut() {
                        *t = t.trim().to_owned();
                        if let Some(m) = text_ok(t, MAX_TEXT) {
                            errors.push(FieldError::new(format!("{at}.text"), m));
                        }
                    }
                }
            }
        }
    }
    if let Some(start) = &doc.initial_scene_id
        && !ids.contains(start.as_str())
    {
        errors.push(FieldError::new("initialSceneId", "names no scene of this tour"));
    }
    errors
}

#[cfg(test)]
#[path = "tour_tests.rs"]
mod tests;
