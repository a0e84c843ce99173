//! The recommender's math, free of storage so the quality bench runs exactly what the service
//! runs: users' implicit preference vectors, item-item cosine neighbours, popularity and
//! time-decayed trending per segment, and the blend that ranks a user's candidates with the
//! reasons that decided. Formulas are in docs/ai/recommend.md.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// The segment every user is in, for platform-wide popularity.
pub const ALL: &str = "ALL";
/// Neighbours kept per item.
pub const NEIGHBOURS: usize = 20;
/// Items of one user counted for co-occurrence (their strongest), bounding the pair count.
const MAX_ITEMS_PER_USER: usize = 60;
/// A user's preference for one item is capped, so one enthusiast does not make an item.
const MAX_PREF: f64 = 10.0;

/// Weight, decayed weight, bookings, signals.
type Tally = (f64, f64, u32, u32);

/// One implicit-feedback signal.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub user: Uuid,
    pub item: String,
    pub weight: f64,
    pub booked: bool,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Neighbour {
    pub item: String,
    /// Shrunk cosine, 0–1.
    pub score: f64,
    pub co_users: u32,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pop {
    /// Share of the segment's strongest item, 0–1.
    pub score: f64,
    /// Time-decayed, share of the segment's strongest, 0–1.
    pub trending: f64,
    pub bookings: u32,
    pub signals: u32,
}

/// user → item → preference: the sum of the user's signal weights, capped to ±[`MAX_PREF`].
pub fn preferences(events: &[Event]) -> HashMap<Uuid, HashMap<String, f64>> {
    let mut prefs: HashMap<Uuid, HashMap<String, f64>> = HashMap::new();
    for e in events {
        *prefs.entry(e.user).or_default().entry(e.item.clone()).or_default() += e.weight;
    }
    for items in prefs.values_mut() {
        for v in items.values_mut() {
            *v = v.clamp(-MAX_PREF, MAX_PREF);
        }
    }
    prefs
}

/// Item-item cosine over users' positive preferences (`ln(1 + pref)`), shrunk by
/// `co / (co + 2)` so pairs seen by one user weigh little; the `k` best per item.
pub fn neighbours(prefs: &HashMap<Uuid, HashMap<String, f64>>, k: usize) -> HashMap<String, Vec<Neighbour>> {
    let mut norms: HashMap<&str, f64> = HashMap::new();
    let mut dots: HashMap<(&str, &str), (f64, u32)> = HashMap::new();
    for items in prefs.values() {
        let mut pos: Vec<(&str, f64)> =
            items.iter().filter(|(_, v)| **v > 0.0).map(|(i, v)| (i.as_str(), (1.0 + v).ln())).collect();
        pos.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
        pos.truncate(MAX_ITEMS_PER_USER);
        for (i, (a, va)) in pos.iter().enumerate() {
            *norms.entry(a).or_default() += va * va;
            for (b, vb) in &pos[i + 1..] {
                let key = if a < b { (*a, *b) } else { (*b, *a) };
                let e = dots.entry(key).or_default();
                e.0 += va * vb;
                e.1 += 1;
            }
        }
    }
    let mut out: HashMap<String, Vec<Neighbour>> = HashMap::new();
    for ((a, b), (dot, co)) in dots {
        let denom = (norms[a] * norms[b]).sqrt();
        if denom <= 0.0 {
            continue;
        }
        let score = dot / denom * f64::from(co) / (f64::from(co) + 2.0);
        out.entry(a.to_owned()).or_default().push(Neighbour { item: b.to_owned(), score, co_users: co });
        out.entry(b.to_owned()).or_default().push(Neighbour { item: a.to_owned(), score, co_users: co });
    }
    for list in out.values_mut() {
        list.sort_by(|x, y| y.score.total_cmp(&x.score).then(x.item.cmp(&y.item)));
        list.truncate(k);
    }
    out
}

/// Popularity and trending per segment (and [`ALL`]): positive weights per user and item
/// (capped at 5 each, so popularity counts people more than clicks), trending decayed by
/// `0.5^(age / half_life)`.
pub fn popularity<'a>(
    events: &[Event],
    segment_of: impl Fn(&Uuid) -> Option<&'a str>,
    now: DateTime<Utc>,
    half_life_days: f64,
) -> HashMap<String, HashMap<String, Pop>> {
    let mut per_user: HashMap<(Uuid, &str), Tally> = HashMap::new();
    for e in events.iter().filter(|e| e.weight > 0.0) {
        let age = (now - e.at).num_seconds().max(0) as f64 / 86_400.0;
        let decayed = e.weight * 0.5f64.powf(age / half_life_days.max(0.01));
        let v = per_user.entry((e.user, e.item.as_str())).or_default();
        v.0 += e.weight;
        v.1 += decayed;
        v.2 += u32::from(e.booked);
        v.3 += 1;
    }
    let mut raw: HashMap<String, HashMap<String, Tally>> = HashMap::new();
    for ((user, item), (w, t, b, n)) in per_user {
        let mut segments = vec![ALL];
        if let Some(s) = segment_of(&user) {
            segments.push(s);
        }
        for s in segments {
            let v = raw.entry(s.to_owned()).or_default().entry(item.to_owned()).or_default();
            v.0 += w.min(5.0);
            v.1 += t.min(5.0);
            v.2 += b;
            v.3 += n;
        }
    }
    raw.into_iter()
        .map(|(segment, items)| {
            let top = items.values().map(|v| v.0).fold(0.0, f64::max).max(f64::MIN_POSITIVE);
            let top_t = items.values().map(|v| v.1).fold(0.0, f64::max).max(f64::MIN_POSITIVE);
            let pops = items
                .into_iter()
                .map(|(i, (w, t, b, n))| (i, Pop { score: w / top, trending: t / top_t, bookings: b, signals: n }))
                .collect();
            (segment, pops)
        })
        .collect()
}

/// What one candidate's score is made of.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Breakdown {
    pub collaborative: f64,
    pub content: f64,
    pub popularity: f64,
    pub segment: f64,
    pub trending: f64,
    pub final_score: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    pub item: String,
    pub score: f64,
    pub confidence: f64,
    pub reasons: Vec<String>,
    pub breakdown: Breakdown,
}

/// A user as ranking sees them.
pub struct Ranking<'a> {
    /// Their preferences (item → capped weight sum), and which of them they booked.
    pub prefs: &'a HashMap<String, f64>,
    pub booked: &'a [String],
    /// Neighbours of items (the model).
    pub neighbours: &'a HashMap<String, Vec<Neighbour>>,
    /// Popularity for everyone and for the user's segment.
    pub all: Option<&'a HashMap<String, Pop>>,
    pub segment: Option<(&'a str, &'a HashMap<String, Pop>)>,
    /// Whether the user has a profile (content weighs more for those who told us).
    pub has_profile: bool,
}

/// The weights of the blend for a user with `n` liked items: collaborative filtering grows
/// with evidence (`0.65·n/(n+2)`), content shrinks, popularity and trending fill the rest.
pub fn weights(n: usize, has_profile: bool) -> (f64, f64, f64, f64, f64) {
    let evidence = n as f64 / (n as f64 + 2.0);
    let cf = 0.65 * evidence;
    let content = if has_profile { 0.55 - 0.3 * evidence } else { 0.3 - 0.15 * evidence };
    let rest = (1.0 - cf - content).max(0.0);
    (cf, content, rest * 0.3, rest * 0.5, rest * 0.2)
}

impl Ranking<'_> {
    /// Ranks `candidates`; `content(item)` gives a 0–1 match and its reasons; `name(item)` a
    /// display name for reasons. Best first, at most `limit`.
    pub fn rank(
        &self,
        candidates: &[String],
        content: impl Fn(&str) -> (f64, Vec<String>),
        name: impl Fn(&str) -> String,
        segment_label: &str,
        limit: usize,
    ) -> Vec<Scored> {
        let liked: Vec<(&String, f64)> = self.prefs.iter().filter(|(_, v)| **v > 0.0).map(|(i, v)| (i, *v)).collect();
        let (w_cf, w_content, w_pop, w_seg, w_trend) = weights(liked.len(), self.has_profile);
        let mut cf: HashMap<&str, (f64, Option<&str>, f64)> = HashMap::new();
        for (j, pref) in self.prefs {
            for n in self.neighbours.get(j).map(Vec::as_slice).unwrap_or_default() {
                let contribution = n.score * pref.signum() * (1.0 + pref.abs()).ln();
                let e = cf.entry(n.item.as_str()).or_insert((0.0, None, 0.0));
                e.0 += contribution;
                if contribution > e.2 {
                    e.1 = Some(j.as_str());
                    e.2 = contribution;
                }
            }
        }
        let top_cf = cf.values().map(|v| v.0).fold(0.0, f64::max);
        let mut out: Vec<Scored> = candidates
            .iter()
            .map(|item| {
                let (raw_cf, because, _) = cf.get(item.as_str()).copied().unwrap_or((0.0, None, 0.0));
                let c = if top_cf > 0.0 { (raw_cf / top_cf).clamp(0.0, 1.0) } else { 0.0 };
                let (content_score, mut reasons) = content(item);
                let all = self.all.and_then(|p| p.get(item)).cloned().unwrap_or_default();
                let seg = self.segment.and_then(|(_, p)| p.get(item)).cloned().unwrap_or_default();
                let final_score = w_cf * c
                    + w_content * content_score
                    + w_pop * all.score
                    + w_seg * seg.score
                    + w_trend * all.trending;
                let penalty = if self.prefs.get(item).is_some_and(|p| *p < 0.0) { 0.5 } else { 1.0 };
                if let Some(j) = because.filter(|_| c >= 0.2) {
                    let verb = if self.booked.iter().any(|b| b == j) { "booked" } else { "liked" };
                    reasons.insert(0, format!("Travellers who {verb} {} also {verb} {}", name(j), name(item)));
                }
                if seg.score >= 0.6 && !segment_label.is_empty() {
                    reasons.push(format!("Popular with {segment_label} travellers"));
                } else if all.score >= 0.6 {
                    reasons.push("Popular with our travellers".to_owned());
                }
                if all.trending >= 0.6 {
                    reasons.push("Trending now".to_owned());
                }
                let evidence = liked.len() as f64 / (liked.len() as f64 + 3.0);
                let confidence = (0.35 + 0.35 * evidence + 0.3 * c.max(content_score)).min(1.0);
                let breakdown = Breakdown {
                    collaborative: c,
                    content: content_score,
                    popularity: all.score,
                    segment: seg.score,
                    trending: all.trending,
                    final_score: final_score * penalty,
                };
                Scored { item: item.clone(), score: final_score * penalty, confidence, reasons, breakdown }
            })
            .collect();
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.item.cmp(&b.item)));
        out.truncate(limit);
        out
    }
}

/// Cosine similarity of two vectors (0 when either is zero).
pub fn cosine(a: &[f64], b: &[f64]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f64 = a.iter().map(|x| x * x).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| x * x).sum::<f64>().sqrt();
    if na == 0.0 || nb == 0.0 { 0.0 } else { dot / (na * nb) }
}

/// 1 − mean absolute difference over the first `dims` dimensions (0–1 vectors).
pub fn closeness(a: &[f64; 8], b: &[f64; 8], dims: usize) -> f64 {
    let d = dims.clamp(1, 8);
    1.0 - a.iter().zip(b).take(d).map(|(x, y)| (x - y).abs()).sum::<f64>() / d as f64
}

#[cfg(test)]
#[path = "engine_tests.rs"]
mod tests;
