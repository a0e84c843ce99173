//! DreamScape's cold start (`GET /cold-start`): recommendations for users with little or no
//! history, by an explicit strategy, diversified by destination type.

use std::collections::HashMap;

use kernel::ApiError;
use serde_json::json;
use uuid::Uuid;

use super::catalog::{self, Destination};
use super::engine::{ALL, Scored};
use super::features;
use super::service::{Recommender, rank, round, user_state};
use super::store;

/// A destination, its popularity, profile similarity, segment popularity, score and reasons.
type Candidate = (&'static Destination, f64, f64, f64, f64, Vec<String>);

impl Recommender {
    /// DreamScape's cold start: candidates scored by `strategy` (POPULARITY_ONLY: popularity;
    /// HYBRID_SEGMENT: half popularity, half the segment's; HYBRID_PREFERENCES: 0.3 popularity
    /// plus 0.7 profile match; ADAPTIVE: the full blend), then picked greedily, each
    /// destination losing `0.15 · diversity` per destination of its type already picked.
    pub async fn cold_start(
        &self,
        user: Uuid,
        strategy: &str,
        limit: usize,
        diversity: f64,
    ) -> Result<Vec<serde_json::Value>, ApiError> {
        let mut tx = self.db.begin().await?;
        let st = user_state(&mut tx, user).await?;
        let all = store::popularity(&mut tx, ALL).await?;
        let primary = st.segments.first().map(|x| x.segment).unwrap_or(ALL);
        let seg = store::popularity(&mut tx, primary).await?;
        let full: HashMap<String, Scored> = if strategy == "ADAPTIVE" {
            rank(&mut tx, &st, catalog::all().len()).await?.into_iter().map(|x| (x.item.clone(), x)).collect()
        } else {
            HashMap::new()
        };
        tx.rollback().await?;
        let mut pool: Vec<Candidate> = Vec::new();
        for d in catalog::all().iter().filter(|d| !st.booked.contains(&d.code)) {
            let pop = all.get(&d.code).map(|p| p.score).unwrap_or(0.0);
            let segment = seg.get(&d.code).map(|p| p.score).unwrap_or(0.0);
            let (similarity, mut reasons) = features::content(st.profile.as_ref(), &st.vector, d);
            let score = match strategy {
                "POPULARITY_ONLY" => pop,
                "HYBRID_SEGMENT" => 0.5 * pop + 0.5 * segment,
                "HYBRID_PREFERENCES" => 0.3 * pop + 0.7 * similarity,
                _ => match full.get(&d.code) {
                    Some(x) => {
                        reasons = x.reasons.clone();
                        x.score
                    }
                    None => continue,
                },
            };
            if pop >= 0.6 && !reasons.iter().any(|r| r.starts_with("Popular")) {
                reasons.push("Popular with our travellers".into());
            }
            pool.push((d, pop, similarity, segment, score, reasons));
        }
        let mut out = Vec::new();
        let mut types: HashMap<&str, usize> = HashMap::new();
        while out.len() < limit && !pool.is_empty() {
            let adjusted =
                |x: &Candidate| x.4 - 0.15 * diversity * types.get(x.0.kind.as_str()).copied().unwrap_or(0) as f64;
            let Some((best, adjusted_score)) = pool
                .iter()
                .enumerate()
                .map(|(i, x)| (i, adjusted(x)))
                .max_by(|a, b| a.1.total_cmp(&b.1).then(pool[b.0].0.code.cmp(&pool[a.0].0.code)))
            else {
                break;
            };
            let (d, pop, similarity, segment, _, reasons) = pool.swap_remove(best);
            let score = round(adjusted_score.clamp(0.0, 1.0));
            *types.entry(d.kind.as_str()).or_default() += 1;
            let evidence = st.prefs.len() as f64 / (st.prefs.len() as f64 + 3.0);
            out.push(json!({
                "destinationId": d.code, "destinationName": d.name, "destinationType": d.kind,
                "score": score, "confidence": round(0.3 + 0.3 * evidence + 0.4 * similarity.max(pop)),
                "breakdown": {"popularityScore": round(pop), "similarityScore": round(similarity),
                              "segmentScore": round(segment), "finalScore": score},
                "reasons": reasons, "strategy": strategy, "rank": out.len() + 1,
            }));
        }
        Ok(out)
    }
}
