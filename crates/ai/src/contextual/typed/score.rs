//! What the three rankings share: the score parts (`breakdown`), the learned popularity of an
//! item from what travellers did with it, the diversity re-ranking and the answer document.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::super::settings::Variant;

/// An offer with its score parts (each 0–1; `segment_boost` −0.15–0.15).
#[derive(Debug, Clone)]
pub struct Scored {
    /// The offer as the client reads it.
    pub offer: Value,
    pub id: String,
    /// What diversity spreads over (airline, category, stars).
    pub group: String,
    pub vector: Vec<f64>,
    pub similarity: f64,
    pub popularity: f64,
    pub quality: f64,
    pub contextual: f64,
    pub price: f64,
    pub segment_boost: f64,
    pub learned: Option<f64>,
    pub final_score: f64,
    pub confidence: f64,
    pub reasons: Vec<String>,
}

/// 1 for the lowest of the range, 0 for the highest (1 when all are equal).
pub fn low_is_better(x: f64, min: f64, max: f64) -> f64 {
    if max - min < 1e-9 { 1.0 } else { ((max - x) / (max - min)).clamp(0.0, 1.0) }
}

pub fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The popularity learned from interactions with an item (0.5 without any): engagement
/// (click, like, save, compare; a booking counts 3) against the times it was seen and
/// disliked, smoothed by two neutral observations.
pub fn learned_popularity(counts: Option<&HashMap<String, i64>>) -> Option<f64> {
    let counts = counts?;
    let n = |k: &str| counts.get(k).copied().unwrap_or(0) as f64;
    let positive = n("click") + n("like") + n("save") + n("wishlist") + 0.5 * n("compare") + 3.0 * n("book");
    let negative = 2.0 * n("dislike");
    let seen: f64 = counts.values().sum::<i64>() as f64;
    Some(((positive - negative + 1.0) / (seen + 2.0)).clamp(0.0, 1.0))
}

/// Weights of the parts: similarity, price, quality, contextual, popularity.
#[derive(Debug, Clone, Copy)]
pub struct Weights {
    pub similarity: f64,
    pub price: f64,
    pub quality: f64,
    pub contextual: f64,
    pub popularity: f64,
}

impl Weights {
    /// Price matters more to thrifty travellers (`thrift` 1) and quality to lavish ones (0).
    pub fn for_thrift(self, thrift: f64) -> Self {
        Self { price: self.price * (0.4 + 1.2 * thrift), quality: self.quality * (1.6 - 1.2 * thrift), ..self }
    }
}

impl Scored {
    /// Sets `final_score` (and confidence) from the parts; the learned arm blends the learned
    /// popularity into popularity and weighs it more.
    pub fn finish(&mut self, w: Weights, variant: Variant) {
        let (popularity, pop_weight) = match (variant, self.learned) {
            (Variant::Learned, Some(l)) => (0.3 * self.popularity + 0.7 * l, w.popularity * 2.0),
            _ => (self.popularity, w.popularity),
        };
        let total = w.similarity + w.price + w.quality + w.contextual + pop_weight;
        let base = if total <= 0.0 {
            0.5
        } else {
            (w.similarity * self.similarity
                + w.price * self.price
                + w.quality * self.quality
                + w.contextual * self.contextual
                + pop_weight * popularity)
                / total
        };
        self.final_score = round((base + self.segment_boost).clamp(0.0, 1.0));
        self.confidence =
            round(if self.reasons.is_empty() { 0.4 } else { (0.5 + 0.1 * self.reasons.len() as f64).min(0.9) });
    }

    fn item(&self, kind: &str, rank: usize) -> Value {
        let mut breakdown = json!({
            "similarityScore": round(self.similarity), "popularityScore": round(self.popularity),
            "qualityScore": round(self.quality), "contextualScore": round(self.contextual),
            "priceScore": round(self.price), "segmentBoost": round(self.segment_boost), "finalScore": self.final_score,
        });
        if let Some(l) = self.learned {
            breakdown["mlScore"] = json!(round(l));
        }
        json!({
            kind: self.offer, "id": self.id, "vector": self.vector.iter().map(|v| round(*v)).collect::<Vec<_>>(),
            "score": self.final_score, "confidence": self.confidence, "breakdown": breakdown,
            "reasons": self.reasons, "rank": rank,
        })
    }
}

/// The best `limit`, spread by `diversity` (0–1): each pick costs the others of its group.
pub fn rank(mut pool: Vec<Scored>, limit: usize, diversity: f64) -> Vec<Scored> {
    let mut picked: Vec<Scored> = Vec::new();
    let mut groups: HashMap<String, usize> = HashMap::new();
    while picked.len() < limit && !pool.is_empty() {
        let adjusted =
            |s: &Scored| s.final_score - diversity * 0.08 * groups.get(&s.group).copied().unwrap_or(0) as f64;
        let best = (0..pool.len())
            .max_by(|a, b| adjusted(&pool[*a]).total_cmp(&adjusted(&pool[*b])).then(b.cmp(a)))
            .unwrap_or(0);
        let s = pool.swap_remove(best);
        *groups.entry(s.group.clone()).or_default() += 1;
        picked.push(s);
    }
    picked
}

/// The answer document; `recommendations` also under `data` (DreamScape's dashboard reads it).
pub fn document(user: uuid::Uuid, kind: &str, picked: &[Scored], metadata: Value, context: Value) -> Value {
    let items: Vec<Value> = picked.iter().enumerate().map(|(i, s)| s.item(kind, i + 1)).collect();
    json!({
        "userId": user, "count": items.len(), "recommendations": items, "data": items,
        "metadata": metadata, "context": context,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scored(id: &str, group: &str, score: f64) -> Scored {
        Scored {
            offer: json!({}),
            id: id.into(),
            group: group.into(),
            vector: vec![],
            similarity: 0.0,
            popularity: 0.0,
            quality: 0.0,
            contextual: 0.0,
            price: 0.0,
            segment_boost: 0.0,
            learned: None,
            final_score: score,
            confidence: 0.0,
            reasons: vec![],
        }
    }

    #[test]
    fn diversity_spreads_the_picks_over_groups() {
        let pool = vec![scored("a", "x", 0.9), scored("b", "x", 0.89), scored("c", "y", 0.85)];
        let plain: Vec<String> = rank(pool.clone(), 2, 0.0).into_iter().map(|s| s.id).collect();
        assert_eq!(plain, vec!["a", "b"]);
        let spread: Vec<String> = rank(pool, 2, 1.0).into_iter().map(|s| s.id).collect();
        assert_eq!(spread, vec!["a", "c"]);
    }

    #[test]
    fn learned_popularity_rewards_engagement() {
        assert_eq!(learned_popularity(None), None);
        let counts =
            |pairs: &[(&str, i64)]| pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect::<HashMap<_, _>>();
        let booked = learned_popularity(Some(&counts(&[("view", 3), ("book", 1)]))).unwrap();
        let ignored = learned_popularity(Some(&counts(&[("view", 5)]))).unwrap();
        let disliked = learned_popularity(Some(&counts(&[("view", 1), ("dislike", 2)]))).unwrap();
        assert!(booked > 0.5 && ignored < 0.5 && disliked < ignored, "{booked} {ignored} {disliked}");
    }
}
