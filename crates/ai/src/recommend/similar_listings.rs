//! "Similar to this listing": its neighbours ranked by content — same place, same kind, shared
//! tags (amenities and property type read as tags), a close nightly price — and by what
//! travellers who liked it also liked. Each result says which of these decided.

use std::collections::{HashMap, HashSet};

use super::catalog;
use super::listings::Listing;

/// The weights of the blend (they sum to 1).
/// Travellers weigh most: two who liked both listings outweigh a price nine times higher.
const PLACE: f64 = 0.25;
const KIND: f64 = 0.10;
const TAGS: f64 = 0.20;
const PRICE: f64 = 0.15;
const TRAVELLERS: f64 = 0.30;

#[derive(Debug, Clone, PartialEq)]
pub struct Similar {
    pub listing: Listing,
    /// 0–1.
    pub score: f64,
    pub reasons: Vec<String>,
}

/// How close two nightly prices are: 1 when equal, 0 from a factor of four apart.
fn price_closeness(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    let (a, b) = (a.filter(|p| *p > 0.0)?, b.filter(|p| *p > 0.0)?);
    Some((1.0 - (a / b).ln().abs() / 4f64.ln()).clamp(0.0, 1.0))
}

fn same_place(a: &Listing, b: &Listing) -> bool {
    match (&a.destination, &b.destination) {
        (Some(x), Some(y)) => x == y,
        _ => !a.city.is_empty() && a.city.eq_ignore_ascii_case(&b.city) && a.country == b.country,
    }
}

/// Ranks `candidates` by their likeness to `of`; `co_liked` maps a listing id to how many
/// travellers liked both. At most `limit`, best first (ties by id, so the order is stable).
pub fn rank(of: &Listing, candidates: Vec<Listing>, co_liked: &HashMap<String, i64>, limit: usize) -> Vec<Similar> {
    let mine: HashSet<&str> = of.tags.iter().map(String::as_str).filter(|t| *t != of.kind).collect();
    let mut out: Vec<Similar> = candidates
        .into_iter()
        .filter(|c| c.id != of.id)
        .map(|c| {
            let mut reasons = Vec::new();
            let mut score = 0.0;
            if same_place(of, &c) {
                score += PLACE;
                let place = c.destination.as_deref().and_then(catalog::get).map_or(c.city.clone(), |d| d.name.clone());
                reasons.push(format!("Also in {place}"));
            }
            if c.kind == of.kind {
                score += KIND;
            }
            let theirs: HashSet<&str> = c.tags.iter().map(String::as_str).filter(|t| *t != c.kind).collect();
            let union = mine.union(&theirs).count();
            if union > 0 {
                let mut shared: Vec<&str> = mine.intersection(&theirs).copied().collect();
                score += TAGS * shared.len() as f64 / union as f64;
                if !shared.is_empty() {
                    shared.sort_unstable();
                    reasons.push(format!("Also {}", shared.join(", ")));
                }
            }
            if let Some(close) = price_closeness(of.nightly_price, c.nightly_price) {
                score += PRICE * close;
                if close >= 0.8 {
                    reasons.push("A similar price".to_owned());
                }
            }
            let both = co_liked.get(&c.id.to_string()).copied().unwrap_or(0);
            if both > 0 {
                score += TRAVELLERS * both as f64 / (both as f64 + 2.0);
                let who = if both == 1 { "A traveller" } else { "Travellers" };
                reasons.push(format!("{who} who liked this listing also liked it"));
            }
            Similar { listing: c, score: (score * 10_000.0).round() / 10_000.0, reasons }
        })
        .filter(|s| s.score > 0.0)
        .collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.listing.id.cmp(&b.listing.id)));
    out.truncate(limit);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn listing(n: u128, kind: &str, city: &str, destination: Option<&str>, price: f64, tags: &[&str]) -> Listing {
        Listing {
            id: Uuid::from_u128(n),
            title: format!("L{n}"),
            kind: kind.into(),
            city: city.into(),
            country: "PT".into(),
            destination: destination.map(Into::into),
            nightly_price: Some(price),
            previous_price: None,
            currency: Some("EUR".into()),
            dropped_at: None,
            tags: std::iter::once(kind).chain(tags.iter().copied()).map(Into::into).collect(),
        }
    }

    #[test]
    fn place_kind_tags_price_and_travellers_decide() {
        let of = listing(1, "stay", "Lisbon", Some("LIS"), 100.0, &["beach", "family"]);
        let twin = listing(2, "stay", "Lisbon", Some("LIS"), 110.0, &["beach", "family"]);
        let across = listing(3, "stay", "Porto", None, 100.0, &["beach"]);
        let dinner = listing(4, "restaurant", "Lisbon", Some("LIS"), 30.0, &[]);
        let far = listing(5, "stay", "Oslo", None, 1000.0, &[]);
        let co = HashMap::from([(Uuid::from_u128(3).to_string(), 3)]);
        let ranked = rank(&of, vec![far.clone(), dinner, across, twin, of.clone()], &co, 10);
        let order: Vec<u128> = ranked.iter().map(|s| s.listing.id.as_u128()).collect();
        assert_eq!(order, [2, 3, 4, 5]);
        assert!(ranked[0].reasons.contains(&"Also in Lisbon".to_owned()), "{:?}", ranked[0].reasons);
        assert!(ranked[0].reasons.contains(&"Also beach, family".to_owned()));
        assert!(ranked[1].reasons.iter().any(|r| r.contains("also liked")));
        // A stay ten times the price elsewhere shares only the kind.
        assert_eq!(ranked[3].score, KIND);
        assert_eq!(rank(&of, vec![far], &HashMap::new(), 0), vec![]);
    }
}
