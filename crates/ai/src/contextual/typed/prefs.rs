//! What a ranking knows of the traveller: their onboarding profile ([`crate::profile`]) with the
//! query's profile-enrichment parameters on top (DreamScape's client sends the profile it read
//! with each call), in one lower-case vocabulary.

use crate::profile::Profile;

use super::params::Params;

#[derive(Debug, Clone, Default)]
pub struct Prefs {
    pub travel_types: Vec<String>,
    pub activity_types: Vec<String>,
    pub accommodation_types: Vec<String>,
    pub destinations: Vec<String>,
    pub climates: Vec<String>,
    /// Per-trip budget as the profile or query gave it, in `currency`.
    pub budget_min: Option<f64>,
    pub budget_max: Option<f64>,
    pub currency: Option<String>,
    pub comfort: Option<String>,
    pub activity_level: Option<String>,
    pub travel_style: Option<String>,
    pub group_type: Option<String>,
    pub with_children: bool,
    pub cabin: Option<String>,
    /// Whether an onboarding profile was found.
    pub has_profile: bool,
}

fn merge(into: &mut Vec<String>, more: Vec<String>) {
    for m in more {
        let m = m.replace([' ', '-'], "_");
        if !into.contains(&m) {
            into.push(m);
        }
    }
}

impl Prefs {
    pub fn new(profile: Option<&Profile>, q: &Params) -> Self {
        let mut p = match profile {
            Some(pr) => Prefs {
                travel_types: pr.travel_types.clone(),
                activity_types: pr.activity_types.clone(),
                accommodation_types: pr.accommodation_types.clone(),
                destinations: pr.preferred_destinations.clone(),
                climates: pr.climates.clone(),
                budget_min: pr.budget_min,
                budget_max: pr.budget_max,
                currency: pr.currency.clone(),
                comfort: pr.comfort_level.clone(),
                activity_level: pr.activity_level.clone(),
                travel_style: pr.travel_style.clone(),
                group_type: pr.group_type.clone(),
                with_children: pr.with_children,
                cabin: pr.cabin_class.clone(),
                has_profile: true,
            },
            None => Prefs::default(),
        };
        merge(&mut p.travel_types, q.words("travelTypes"));
        merge(&mut p.activity_types, q.words("activityTypes"));
        merge(&mut p.accommodation_types, q.words("accommodationTypes"));
        merge(&mut p.destinations, q.words("preferredDestinations"));
        let text = |k: &str| q.get(k).map(|v| v.trim().to_lowercase());
        if let Some(v) = text("comfortLevel") {
            p.comfort = Some(v);
        }
        if let Some(v) = text("activityLevel") {
            p.activity_level = Some(v);
        }
        if let Some(v) = text("travelStyle") {
            p.travel_style = Some(v);
        }
        if let Some(v) = text("travelGroupType").or_else(|| text("travelCompanions")) {
            p.with_children |= v.contains("famil") || v.contains("child");
            p.group_type = Some(v);
        }
        if let Some(v) = q.get("currency") {
            p.currency = Some(v.to_ascii_uppercase());
        }
        p
    }

    /// The query's budget bounds override the profile's (checked by the caller).
    pub fn set_budget(&mut self, min: Option<f64>, max: Option<f64>) {
        if min.is_some() {
            self.budget_min = min;
        }
        if max.is_some() {
            self.budget_max = max;
        }
    }

    /// Every interest word: travel and activity types.
    pub fn interests(&self) -> impl Iterator<Item = &String> {
        self.travel_types.iter().chain(&self.activity_types)
    }

    pub fn likes(&self, word: &str) -> bool {
        self.interests().any(|t| t == word)
    }

    /// How much price matters (0 lavish – 1 thrifty), from the comfort level.
    pub fn thrift(&self) -> f64 {
        match self.comfort.as_deref() {
            Some("basic") => 1.0,
            Some("standard") => 0.6,
            Some("premium") => 0.3,
            Some("luxury") => 0.0,
            _ if self.likes("budget") || self.travel_style.as_deref() == Some("backpacking") => 1.0,
            _ => 0.5,
        }
    }

    /// The hotel stars the comfort level points at.
    pub fn stars(&self) -> Option<f64> {
        match self.comfort.as_deref() {
            Some("basic") => Some(2.0),
            Some("standard") => Some(3.0),
            Some("premium") => Some(4.0),
            Some("luxury") => Some(5.0),
            _ => None,
        }
    }

    /// 0–1 from the activity level.
    pub fn activity(&self) -> f64 {
        match self.activity_level.as_deref() {
            Some("low") => 0.2,
            Some("moderate") => 0.5,
            Some("high") => 0.8,
            Some("very_high") => 1.0,
            _ => 0.5,
        }
    }
}

/// Words that show an interest in an offer's text, per interest.
pub fn interest_words(interest: &str) -> &'static [&'static str] {
    match interest {
        "beach" | "beaches" | "relaxation" => {
            &["beach", "boat", "snorkel", "surf", "sea", "island", "sail", "diving", "coast", "bay", "swim"]
        }
        "cultural" | "culture" | "museums" | "historical" | "history" | "architecture" | "educational" => &[
            "museum",
            "tour",
            "history",
            "historic",
            "art",
            "monument",
            "cathedral",
            "palace",
            "gallery",
            "heritage",
            "old town",
        ],
        "culinary" | "food" | "gastronomy" => {
            &["food", "wine", "cooking", "tasting", "culinary", "market", "gastronom", "dinner"]
        }
        "adventure" | "hiking" | "sports" | "mountain" | "skiing" => &[
            "hike",
            "hiking",
            "trek",
            "climb",
            "kayak",
            "bike",
            "cycling",
            "rafting",
            "zip",
            "ski",
            "adventure",
            "mountain",
        ],
        "nature" | "wildlife" | "photography" => {
            &["nature", "park", "garden", "wildlife", "safari", "forest", "lake", "outdoor", "scenic"]
        }
        "nightlife" | "music" | "festivals" => &["night", "bar", "club", "pub", "music", "concert", "show", "festival"],
        "wellness" => &["spa", "yoga", "wellness", "massage", "thermal"],
        "shopping" => &["shopping", "market", "boutique", "mall"],
        "family" => &["family", "kids", "children", "zoo", "aquarium", "theme park"],
        "romantic" => &["romantic", "sunset", "cruise", "dinner", "couple"],
        "urban" | "city" => &["city", "walking tour", "downtown", "district"],
        _ => &[],
    }
}

/// The interests of `prefs` that `text` (lower-case) shows, at most 3.
pub fn matched_interests<'a>(prefs: &'a Prefs, text: &str) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for interest in prefs.interests() {
        if out.len() < 3
            && !out.contains(&interest.as_str())
            && interest_words(interest).iter().any(|w| text.contains(w))
        {
            out.push(interest);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_enriches_the_profile() {
        let q = Params::parse(Some("travelTypes[]=BEACH&activityTypes=food,hiking&comfortLevel=BASIC"));
        let p = Prefs::new(None, &q);
        assert!(p.likes("beach") && p.likes("food") && p.likes("hiking"));
        assert_eq!(p.thrift(), 1.0);
        assert_eq!(p.stars(), Some(2.0));
        assert_eq!(matched_interests(&p, "sunset boat trip and wine tasting"), vec!["beach", "food"]);
        assert!(!p.has_profile);
    }
}
