//! As-you-type suggestions: cities (most listings first), then countries, then listing titles.
//!
//! The typed text is cut into folded words; the last is a prefix, the others complete words.
//! Cities and countries come from the per-generation [`PlaceSet`]. Titles are one index query:
//! each complete word is one `suggest_word` term and the prefix one `suggest_prefix` term (all
//! required), so a keystroke costs a few term lookups, never a scan of the listings. Titles
//! rank by whether the last word is also a whole word, then shorter titles, then newer ones.
//!
//! Typing is skewed to a few short prefixes ("p", "pa"), which are also the costliest (most
//! titles to rank), so answers are cached per index generation ([`Cache`]): emptied whenever
//! the index changes, bounded in size.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Value as _};
use tantivy::{DocId, Score, SegmentReader, TantivyDocument, Term};

use super::places::PlaceSet;
use super::{MAX_PREFIX, fold_words, highlight};
use crate::index::{Fields, SearchIndex};

fn term(field: tantivy::schema::Field, text: &str, score: Score) -> Box<dyn Query> {
    let q = TermQuery::new(Term::from_field_text(field, text), IndexRecordOption::Basic);
    Box::new(ConstScoreQuery::new(Box::new(q), score))
}

/// The title query for the folded words `q` (at least one).
fn title_query(f: &Fields, q: &[String]) -> Option<BooleanQuery> {
    let (last, earlier) = q.split_last()?;
    let mut clauses: Vec<(Occur, Box<dyn Query>)> =
        earlier.iter().map(|w| (Occur::Must, term(f.suggest_word, w, 0.0))).collect();
    if last.chars().count() <= MAX_PREFIX {
        clauses.push((Occur::Must, term(f.suggest_prefix, last, 0.0)));
        clauses.push((Occur::Should, term(f.suggest_word, last, 1.0)));
    } else {
        clauses.push((Occur::Must, term(f.suggest_word, last, 1.0)));
    }
    Some(BooleanQuery::new(clauses))
}

/// The rank of a title hit: whole-word match, then shorter, then newer.
type Rank = (Score, i64, i64);

fn ranker(segment: &SegmentReader) -> impl Fn(DocId, Score) -> Rank + use<> {
    let column = |name: &str| segment.fast_fields().i64(name).ok().map(|c| c.first_or_default_col(0));
    let (len, created) = (column("suggest_len"), column("created"));
    move |doc, score| {
        let len = len.as_ref().map_or(0, |c| c.get_val(doc));
        let created = created.as_ref().map_or(0, |c| c.get_val(doc));
        (score, -len, created)
    }
}

/// Up to `limit` suggestions for `text`, on the current reader (blocking).
pub fn run(index: &SearchIndex, places: &PlaceSet, text: &str, limit: usize) -> tantivy::Result<Vec<Value>> {
    let q = fold_words(text);
    let mut out = Vec::with_capacity(limit);
    for p in places.cities(&q, limit) {
        out.push(json!({"type": "city", "text": p.city, "country": p.country, "count": p.count,
                        "highlight": highlight(&p.city, &q)}));
    }
    for c in places.countries(&q, limit - out.len()) {
        out.push(json!({"type": "country", "text": c.name, "country": c.code, "count": c.count,
                        "highlight": highlight(&c.name, &q)}));
    }
    let wanted = limit - out.len();
    let Some(query) = title_query(&index.fields, &q).filter(|_| wanted > 0) else { return Ok(out) };
    let searcher = index.reader.searcher();
    let top = TopDocs::with_limit(wanted).tweak_score(ranker);
    for (_, address) in searcher.search(&query, &top)? {
        let doc: TantivyDocument = searcher.doc(address)?;
        let raw = doc.get_first(index.fields.hit).and_then(|v| v.as_str()).unwrap_or("{}");
        let hit: Value = serde_json::from_str(raw).unwrap_or(Value::Null);
        let title = hit["title"].as_str().unwrap_or_default();
        out.push(json!({"type": "listing", "text": title, "listingId": hit["id"], "city": hit["city"],
                        "highlight": highlight(title, &q)}));
    }
    Ok(out)
}

/// Most answers kept per index generation.
const CACHED: usize = 4_096;

/// Answers by folded query and limit.
type Answers = HashMap<(String, usize), Arc<Vec<Value>>>;

/// Answers of the current index generation.
#[derive(Default)]
pub struct Cache(Mutex<(u64, Answers)>);

impl Cache {
    /// [`run`], answered from the cache when this generation already answered it. Only answers
    /// computed with the places of the same generation are kept.
    pub fn suggest(
        &self,
        index: &SearchIndex,
        places: &PlaceSet,
        text: &str,
        limit: usize,
    ) -> tantivy::Result<Arc<Vec<Value>>> {
        let generation = index.reader.searcher().generation().generation_id();
        let current = places.generation() == Some(generation);
        let key = (fold_words(text).join(" "), limit);
        let lock = || self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if current {
            let cache = lock();
            if let Some(hit) = cache.1.get(&key).filter(|_| cache.0 == generation) {
                return Ok(hit.clone());
            }
        }
        let answer = Arc::new(run(index, places, text, limit)?);
        if current {
            let mut cache = lock();
            if cache.0 != generation {
                *cache = (generation, HashMap::new());
            }
            if cache.1.len() < CACHED {
                cache.1.insert(key, answer.clone());
            }
        }
        Ok(answer)
    }
}
