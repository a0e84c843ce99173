//! From a traveller to numbers: the 8-dimension user vector (the onboarding profile blended
//! with the destinations they interacted with), how well a destination matches what they told
//! us (with the reasons), and their segments by documented rules.

use crate::profile::Profile;

use super::catalog::{self, Destination};
use super::engine::closeness;

/// Interests as travellers name them (DreamScape travel types, our styles and interests) →
/// destination tags or types, and the words a reason uses.
const INTERESTS: &[(&[&str], &[&str], &str)] = &[
    (&["beach", "beaches", "relaxation"], &["beach", "island", "relaxation"], "beaches"),
    (&["cultural", "culture", "museums", "educational"], &["culture", "art"], "culture"),
    (&["historical", "history", "architecture"], &["history", "architecture"], "history"),
    (&["culinary", "food"], &["food", "wine"], "food"),
    (&["nightlife", "music"], &["nightlife", "party"], "nightlife"),
    (&["shopping"], &["shopping"], "shopping"),
    (&["nature", "hiking", "wildlife", "photography"], &["nature", "hiking", "safari", "wildlife"], "nature"),
    (&["adventure", "sports"], &["adventure", "sport", "hiking", "diving"], "adventure"),
    (&["mountain", "skiing"], &["ski", "mountain"], "mountains"),
    (&["romantic"], &["romance"], "romance"),
    (&["family"], &["family"], "family travel"),
    (&["wellness"], &["wellness", "relaxation"], "wellness"),
    (&["diving"], &["diving"], "diving"),
    (&["urban"], &["city"], "cities"),
    (&["festivals"], &["festival", "party"], "festivals"),
];

fn comfort_budget(level: &str) -> Option<f64> {
    Some(match level {
        "basic" => 0.1,
        "standard" => 0.4,
        "premium" => 0.7,
        "luxury" => 0.95,
        _ => return None,
    })
}

/// The user vector the onboarding profile implies (DreamScape's 8 dimensions, 0–1).
pub fn profile_vector(p: &Profile) -> [f64; 8] {
    let likes = |words: &[&str]| words.iter().filter(|w| p.likes(w)).count() as f64;
    let warm = likes(&["beach", "beaches", "diving"]) - likes(&["mountain", "skiing"]);
    let climate = p.climates.iter().filter_map(|c| catalog::warmth(c)).fold(None, |acc: Option<(f64, f64)>, w| {
        let (s, n) = acc.unwrap_or((0.0, 0.0));
        Some((s + w, n + 1.0))
    });
    let culture = likes(&["cultural", "historical", "educational", "museums", "history", "architecture", "urban"]);
    let nature = likes(&["nature", "adventure", "mountain", "beach", "hiking", "wildlife", "diving"]);
    let active = likes(&["adventure", "mountain", "hiking", "skiing", "diving", "sports"]);
    let calm = likes(&["relaxation", "wellness", "beach"]);
    let activity = match p.activity_level.as_deref() {
        Some("low") => 0.2,
        Some("moderate") => 0.45,
        Some("high") => 0.7,
        Some("very_high") => 0.9,
        _ => 0.45,
    };
    let group = if p.with_children || p.likes("family") {
        0.9
    } else {
        match p.group_type.as_deref() {
            Some("solo") => 0.3,
            Some("couple") => 0.2,
            Some("friends" | "group") => 0.6,
            _ if p.likes("romantic") => 0.2,
            _ => 0.5,
        }
    };
    let urban = likes(&["urban", "nightlife", "shopping", "cultural"]);
    let wild = likes(&["nature", "beach", "mountain", "adventure"]);
    let budget = p.comfort_level.as_deref().and_then(comfort_budget).unwrap_or(match p.budget_max {
        Some(m) if m < 800.0 => 0.2,
        Some(m) if m > 5000.0 => 0.8,
        _ => 0.5,
    });
    [
        climate.map(|(s, n)| s / n).unwrap_or((0.5 + 0.15 * warm).clamp(0.1, 0.95)),
        ((culture + 0.5) / (culture + nature + 1.0)).clamp(0.05, 0.95),
        budget,
        (activity + 0.1 * active - 0.08 * calm).clamp(0.05, 0.95),
        group,
        ((urban + 0.5) / (urban + wild + 1.0)).clamp(0.05, 0.95),
        if p.likes("culinary") || p.likes("food") { 0.9 } else { 0.5 },
        match p.travel_style.as_deref() {
            Some("planned") => 0.6,
            Some("spontaneous") => 0.4,
            _ => 0.5,
        },
    ]
}

/// The user's vector: the profile's (or neutral 0.5 without one) blended with the mean vector
/// of the destinations they liked, weighted by preference; behaviour weighs `n / (n + 3)`.
pub fn user_vector(profile: Option<&Profile>, liked: &[(&Destination, f64)]) -> [f64; 8] {
    let base = profile.map(profile_vector).unwrap_or([0.5; 8]);
    let total: f64 = liked.iter().map(|(_, w)| w).sum();
    if liked.is_empty() || total <= 0.0 {
        return base;
    }
    let n = liked.len() as f64;
    let alpha = if profile.is_some() { n / (n + 3.0) } else { 1.0 };
    let mut out = [0.0; 8];
    for (k, o) in out.iter_mut().enumerate() {
        let seen: f64 = liked.iter().map(|(d, w)| d.vector[k] * w).sum::<f64>() / total;
        *o = ((1.0 - alpha) * base[k] + alpha * seen).clamp(0.0, 1.0);
    }
    out
}

/// How well `d` matches the user: half vector closeness (first 7 dimensions), half the share
/// of their stated interests it satisfies (up to 3), plus 0.25 when it is a place they named;
/// a destination far above a basic budget loses 0.15. With the reasons.
pub fn content(profile: Option<&Profile>, vector: &[f64; 8], d: &Destination) -> (f64, Vec<String>) {
    let near = closeness(vector, &d.vector, 7);
    let Some(p) = profile else { return (near, Vec::new()) };
    let mut reasons = Vec::new();
    let mut stated = 0usize;
    let mut matched = 0usize;
    for (words, tags, label) in INTERESTS {
        if words.iter().any(|w| p.likes(w)) {
            stated += 1;
            if tags.iter().any(|t| d.has(t)) {
                matched += 1;
                reasons.push(format!("Matches your interest in {label}"));
            }
        }
    }
    let interest = if stated == 0 { near } else { matched as f64 / stated.min(3) as f64 };
    let mut score = 0.5 * near + 0.5 * interest.min(1.0);
    let named = p.preferred_destinations.iter().any(|w| {
        let name = d.name.to_lowercase();
        *w == d.code.to_lowercase() || *w == d.country.to_lowercase() || *w == d.region || name.contains(w.as_str())
    });
    if named {
        score += 0.25;
        reasons.insert(0, format!("{} is in a place you want to visit", d.name));
    }
    if p.comfort_level.as_deref() == Some("basic") && d.price_level >= 4 {
        score -= 0.15;
    } else if matches!(p.comfort_level.as_deref(), Some("premium" | "luxury")) && d.price_level >= 3 {
        reasons.push("Fits your comfort level".to_owned());
    }
    if stated == 0 && near > 0.75 {
        reasons.push("Close to the kind of places you like".to_owned());
    }
    reasons.truncate(3);
    (score.clamp(0.0, 1.0), reasons)
}

/// DreamScape's eight user segments.
pub const SEGMENTS: [&str; 8] = [
    "BUDGET_BACKPACKER",
    "FAMILY_EXPLORER",
    "LUXURY_TRAVELER",
    "ADVENTURE_SEEKER",
    "CULTURAL_ENTHUSIAST",
    "ROMANTIC_COUPLE",
    "BUSINESS_LEISURE",
    "SENIOR_COMFORT",
];

/// A segment's label in reasons ("luxury").
pub fn label(segment: &str) -> String {
    segment.split('_').next().unwrap_or_default().to_lowercase()
}

/// One segment's score (0–1) and the features that made it.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentScore {
    pub segment: &'static str,
    pub score: f64,
    pub reasons: Vec<String>,
}

/// The eight segments scored by the rules of docs/ai/recommend.md, best first.
pub fn segments(profile: Option<&Profile>, v: &[f64; 8]) -> Vec<SegmentScore> {
    let likes = |w: &str| profile.is_some_and(|p| p.likes(w));
    let children = profile.is_some_and(|p| p.with_children);
    let pct = |x: f64| format!("{:.0}%", x * 100.0);
    let (budget, activity, group, culture, urban) = (v[2], v[3], v[4], v[1], v[5]);
    let mut out = vec![
        SegmentScore {
            segment: "BUDGET_BACKPACKER",
            score: 0.7 * (1.0 - budget) + 0.3 * activity,
            reasons: vec![format!("budget {} of luxury", pct(budget)), format!("activity {}", pct(activity))],
        },
        SegmentScore {
            segment: "FAMILY_EXPLORER",
            score: if children { 0.95 } else { 0.8 * group },
            reasons: vec![if children { "travels with children".into() } else { format!("group {}", pct(group)) }],
        },
        SegmentScore {
            segment: "LUXURY_TRAVELER",
            score: 0.8 * budget + 0.2 * (1.0 - activity),
            reasons: vec![format!("budget {} of luxury", pct(budget))],
        },
        SegmentScore {
            segment: "ADVENTURE_SEEKER",
            score: 0.7 * activity + 0.3 * (1.0 - culture) + if likes("adventure") { 0.1 } else { 0.0 },
            reasons: vec![format!("activity {}", pct(activity)), format!("nature {}", pct(1.0 - culture))],
        },
        SegmentScore {
            segment: "CULTURAL_ENTHUSIAST",
            score: 0.8 * culture + 0.2 * urban,
            reasons: vec![format!("culture {}", pct(culture)), format!("urban {}", pct(urban))],
        },
        SegmentScore {
            segment: "ROMANTIC_COUPLE",
            score: if likes("romantic") { 0.85 } else { 0.6 * (1.0 - group) },
            reasons: vec![if likes("romantic") { "romantic trips".into() } else { format!("group {}", pct(group)) }],
        },
        SegmentScore {
            segment: "BUSINESS_LEISURE",
            score: if likes("business") { 0.85 } else { 0.4 * urban * (1.0 - group) },
            reasons: vec![if likes("business") { "business trips".into() } else { format!("urban {}", pct(urban)) }],
        },
        SegmentScore {
            segment: "SENIOR_COMFORT",
            score: 0.5 * (1.0 - activity) + 0.3 * budget + if likes("relaxation") { 0.2 } else { 0.0 },
            reasons: vec![format!("activity {}", pct(activity)), format!("budget {} of luxury", pct(budget))],
        },
    ];
    for s in &mut out {
        s.score = (s.score * 1000.0).round().clamp(0.0, 1000.0) / 1000.0;
    }
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.segment.cmp(b.segment)));
    out
}

/// How sure the primary segment is: its score, less when the runner-up is close.
pub fn confidence(scores: &[SegmentScore]) -> f64 {
    match scores {
        [a, b, ..] => (a.score * (0.5 + (a.score - b.score).min(0.5))).clamp(0.0, 1.0),
        [a] => a.score,
        [] => 0.0,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;
    use uuid::Uuid;

    fn profile(types: &[&str], comfort: &str) -> Profile {
        Profile::from_onboarding(Uuid::nil(), &json!({}), &json!({"travelTypes": types, "comfortLevel": comfort}))
    }

    #[test]
    fn beach_lovers_match_beaches_and_luxury_segments_follow_budget() {
        let p = profile(&["BEACH", "RELAXATION"], "STANDARD");
        let v = profile_vector(&p);
        let mru = catalog::get("MRU").unwrap();
        let ber = catalog::get("BER").unwrap();
        let (beach, reasons) = content(Some(&p), &v, mru);
        let (city, _) = content(Some(&p), &v, ber);
        assert!(beach > city + 0.2, "{beach} vs {city}");
        assert_eq!(reasons[0], "Matches your interest in beaches");

        let rich = profile_vector(&profile(&["RELAXATION"], "LUXURY"));
        let s = segments(None, &rich);
        assert_eq!(s[0].segment, "LUXURY_TRAVELER");
        let cheap = profile_vector(&profile(&["ADVENTURE"], "BASIC"));
        assert_eq!(segments(None, &cheap)[0].segment, "BUDGET_BACKPACKER");
        assert!(confidence(&segments(None, &cheap)) > 0.0);
    }

    #[test]
    fn behaviour_moves_the_vector() {
        let p = profile(&["CULTURAL"], "STANDARD");
        let rek = catalog::get("REK").unwrap();
        let before = user_vector(Some(&p), &[]);
        let after = user_vector(Some(&p), &[(rek, 5.0), (rek, 5.0), (rek, 5.0)]);
        assert!(after[0] < before[0] && after[1] < before[1]);
        assert_eq!(user_vector(None, &[(rek, 1.0)]), rek.vector);
    }
}
