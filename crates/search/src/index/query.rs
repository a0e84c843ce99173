//! Running a search: the query is built from the user's words and filters directly (never
//! through Tantivy's query-parser syntax, so no input can make it fail), then collected with
//! the count and the facets of the whole filtered set.
//!
//! Ranking (`relevance`): BM25 over the analysed text. Each word must match (AND) one of its
//! English stem, its French stem (boosted ×2), its raw form with typos (one from 5 characters,
//! two from 9) or, for the last word, a prefix (fuzzy and prefix matches score a constant 1).
//! Without words, `relevance` means newest first.
//!
//! With `near`, grid cells narrow the candidates. The radius, guests, bedrooms and price range
//! are checked on decoded arrays by [`super::keep::Keep`], for the count, the facets and the
//! page alike. Sorts other than relevance rank
//! from the segments' decoded values ([`super::page`]).

use std::ops::Bound;
use std::sync::Arc;

use serde_json::{Value, json};
use tantivy::collector::{Collector, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{IndexRecordOption, Value as _};
use tantivy::tokenizer::{Language, TextAnalyzer};
use tantivy::{DocAddress, Searcher, TantivyDocument, Term};

use super::geo::Circle;
use super::keep::{Conditions, Keep};
use super::page::{ByKey, Key};
use super::segments::SegmentCache;
use super::summary::{Summary, SummaryCollector};
use super::{Fields, SearchIndex, raw_analyzer, stemming_analyzer};
use crate::domain::{IndexedListing, haversine_km, key};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Relevance,
    PriceAsc,
    PriceDesc,
    Newest,
    Distance,
    Rating,
}

impl Sort {
    pub const NAMES: &'static str = "relevance, price_asc, price_desc, rating, newest, distance";

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "relevance" => Self::Relevance,
            "price_asc" => Self::PriceAsc,
            "price_desc" => Self::PriceDesc,
            "newest" => Self::Newest,
            "distance" => Self::Distance,
            "rating" => Self::Rating,
            _ => return None,
        })
    }
}

/// A validated search.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    pub q: String,
    pub kind: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub guests: Option<i64>,
    pub price_min: Option<i64>,
    pub price_max: Option<i64>,
    pub bedrooms: Option<i64>,
    pub amenities: Vec<String>,
    pub instant_book: Option<bool>,
    /// `(lat, lng, radius_km)`.
    pub near: Option<(f64, f64, f64)>,
    /// `(south, west, north, east)`; `west > east` crosses the antimeridian.
    pub bbox: Option<(f64, f64, f64, f64)>,
    pub dates: Option<DateFilter>,
    pub rating_min: Option<f64>,
    pub sort: Sort,
    pub limit: usize,
    pub offset: usize,
}

/// Dates asked for, as day numbers: a stay must be free every night from `first_night` to
/// `last_night`; another kind must have something left on `first_night`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateFilter {
    pub first_night: i64,
    pub last_night: i64,
}

/// One page of hits, the total and the facets of the filtered set.
#[derive(Debug)]
pub struct SearchResult {
    pub hits: Vec<Value>,
    pub total: usize,
    pub facets: Value,
}

const DESCRIPTION: &str = "_description";

/// Takes the stored description out of each hit and, when the query has words, adds
/// `highlights: {title, description}` (`null` where nothing matched).
fn finish(hits: &mut [Value], q: &str) {
    let mut matcher = super::highlight::Matcher::new(q);
    for hit in hits {
        let description = hit.as_object_mut().and_then(|o| o.remove(DESCRIPTION));
        if matcher.is_empty() {
            continue;
        }
        let title = hit["title"].as_str().and_then(|t| matcher.title(t));
        let snippet = description.as_ref().and_then(Value::as_str).and_then(|d| matcher.snippet(d));
        hit["highlights"] = json!({"title": title, "description": snippet});
    }
}

/// The hit as stored in the index (and answered, plus `score` and `distanceKm`).
pub fn hit_json(l: &IndexedListing) -> Value {
    let location = match (l.lat, l.lng) {
        (Some(lat), Some(lng)) => json!({"lat": lat, "lng": lng}),
        _ => Value::Null,
    };
    let created =
        chrono::DateTime::from_timestamp(l.created_at, 0).map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    json!({"id": l.id, "kind": l.kind, "title": l.title, "city": l.city, "country": l.country, "price": l.price,
           "currency": l.currency, "location": location, "instantBook": l.instant_book, "maxGuests": l.max_guests,
           "bedrooms": l.bedrooms, "amenities": l.amenities, "createdAt": created,
           "rating": l.rating.and_then(|r| r.rating).map(|r| (r * 100.0).round() / 100.0),
           "reviewCount": l.rating.map_or(0, |r| r.review_count),
           // For highlights only; removed before answering.
           DESCRIPTION: l.description})
}

/// Runs `r` on the current reader (blocking: call it off the async runtime). One pass over the
/// matches collects the count, the facets and the page together.
pub fn run(index: &SearchIndex, r: &SearchRequest) -> tantivy::Result<SearchResult> {
    let searcher = index.reader.searcher();
    let segments = &index.segments;
    segments.keep_only(&searcher);
    let f = &index.fields;
    let (query, has_words) = build(f, r);
    let sort = if r.sort == Sort::Relevance && !has_words { Sort::Newest } else { r.sort };
    let circle = r.near.map(|(lat, lng, radius)| Circle { lat, lng, radius });
    let price = (r.price_min.is_some() || r.price_max.is_some()).then_some((r.price_min, r.price_max));
    let conditions = Conditions { circle, guests: r.guests, bedrooms: r.bedrooms, price };
    let by = |key| ByKey { key, limit: r.limit, offset: r.offset, segments: segments.clone() };
    let key = match (sort, circle) {
        (Sort::Distance, Some(circle)) => Some(Key::Distance(circle)),
        (Sort::Relevance | Sort::Distance, _) => None,
        (Sort::PriceAsc, _) => Some(Key::PriceAsc),
        (Sort::PriceDesc, _) => Some(Key::PriceDesc),
        (Sort::Newest, _) => Some(Key::Newest),
        (Sort::Rating, _) => Some(Key::Rating),
    };
    let (summary, page): (Summary, Vec<(Option<f32>, DocAddress)>) = match key {
        Some(key) => {
            let (s, page) = one_pass(segments, &searcher, &*query, conditions, by(key))?;
            (s, page.into_iter().map(|d| (None, d)).collect())
        }
        None => {
            let top = TopDocs::with_limit(r.limit).and_offset(r.offset).order_by_score();
            let (s, page) = one_pass(segments, &searcher, &*query, conditions, top)?;
            (s, page.into_iter().map(|(score, d)| (Some(score), d)).collect())
        }
    };
    let mut hits = Vec::with_capacity(page.len());
    for (score, address) in page {
        let mut hit = stored_hit(&searcher, f, address)?;
        hit["score"] = json!(score);
        if let (Some(c), Some(lat), Some(lng)) =
            (circle, hit["location"]["lat"].as_f64(), hit["location"]["lng"].as_f64())
        {
            hit["distanceKm"] = json!((haversine_km(c.lat, c.lng, lat, lng) * 1000.0).round() / 1000.0);
        }
        hits.push(hit);
    }
    finish(&mut hits, &r.q);
    let (price, rating) = summary.numbers.to_json();
    let facets = json!({"kind": summary.kind, "city": summary.city, "amenities": summary.amenities,
                        "price": price, "rating": rating});
    Ok(SearchResult { hits, total: summary.total, facets })
}

/// The [`Summary`] and the page, in one pass over the matches that satisfy `conditions`.
fn one_pass<P: Collector>(
    segments: &Arc<SegmentCache>,
    searcher: &Searcher,
    query: &dyn Query,
    conditions: Conditions,
    page: P,
) -> tantivy::Result<(Summary, P::Fruit)> {
    let both = (SummaryCollector(segments.clone()), page);
    if conditions.is_empty() {
        searcher.search(query, &both)
    } else {
        searcher.search(query, &Keep { inner: both, conditions, segments: segments.clone() })
    }
}

fn stored_hit(searcher: &Searcher, f: &Fields, address: DocAddress) -> tantivy::Result<Value> {
    let doc: TantivyDocument = searcher.doc(address)?;
    let raw = doc.get_first(f.hit).and_then(|v| v.as_str()).unwrap_or("{}");
    Ok(serde_json::from_str(raw).unwrap_or(Value::Null))
}

fn words(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while let Some(t) = stream.next() {
        out.push(t.text.clone());
    }
    out
}

/// The allowed typos for a word of `chars` characters.
pub fn typos(chars: usize) -> u8 {
    match chars {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

fn term_query(t: Term) -> Box<dyn Query> {
    Box::new(TermQuery::new(t, IndexRecordOption::WithFreqs))
}

/// From `min` (0 when not given: a listing without the number, indexed as −1, never matches)
/// to `max`.
fn range(field: tantivy::schema::Field, min: Option<i64>, max: Option<i64>) -> Box<dyn Query> {
    let low = Bound::Included(Term::from_field_i64(field, min.unwrap_or(0).max(0)));
    let high = max.map_or(Bound::Unbounded, |v| Bound::Included(Term::from_field_i64(field, v)));
    Box::new(RangeQuery::new(low, high))
}

fn f64_range(field: tantivy::schema::Field, lo: f64, hi: f64) -> Box<dyn Query> {
    Box::new(RangeQuery::new(
        Bound::Included(Term::from_field_f64(field, lo)),
        Bound::Included(Term::from_field_f64(field, hi)),
    ))
}

/// Free for the dates: a stay with none of its nights unavailable, another kind with something
/// left on the first date, or a product in stock. With the kind known, only its own rule.
fn dates(f: &Fields, d: DateFilter, kind: Option<&str>) -> (Occur, Box<dyn Query>) {
    let busy = || range(f.busy_day, Some(d.first_night), Some(d.last_night));
    let open = || term_query(Term::from_field_i64(f.open_day, d.first_night));
    let in_stock = || term_query(Term::from_field_bool(f.in_stock, true));
    match kind {
        // The kind is already a required clause.
        Some("stay") => (Occur::MustNot, busy()),
        Some("product") => (Occur::Must, in_stock()),
        Some(_) => (Occur::Must, open()),
        None => {
            let stay_free = BooleanQuery::new(vec![
                (Occur::Must, term_query(Term::from_field_text(f.kind, "stay"))),
                (Occur::MustNot, busy()),
            ]);
            let any: Vec<(Occur, Box<dyn Query>)> =
                vec![(Occur::Should, Box::new(stay_free)), (Occur::Should, open()), (Occur::Should, in_stock())];
            (Occur::Must, Box::new(BooleanQuery::new(any)))
        }
    }
}

/// The query for `r`, and whether it has words.
fn build(f: &Fields, r: &SearchRequest) -> (Box<dyn Query>, bool) {
    let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let raw = words(&mut raw_analyzer(), &r.q);
    let mut en = stemming_analyzer(Language::English);
    let mut fr = stemming_analyzer(Language::French);
    let last = raw.len().saturating_sub(1);
    for (i, word) in raw.iter().enumerate() {
        let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for stem in words(&mut en, word) {
            any.push((
                Occur::Should,
                Box::new(BoostQuery::new(term_query(Term::from_field_text(f.text_en, &stem)), 2.0)),
            ));
        }
        for stem in words(&mut fr, word) {
            any.push((
                Occur::Should,
                Box::new(BoostQuery::new(term_query(Term::from_field_text(f.text_fr, &stem)), 2.0)),
            ));
        }
        let term = Term::from_field_text(f.text_raw, word);
        let distance = typos(word.chars().count());
        if distance > 0 {
            any.push((Occur::Should, Box::new(FuzzyTermQuery::new(term.clone(), distance, true))));
        }
        if i == last {
            any.push((Occur::Should, Box::new(FuzzyTermQuery::new_prefix(term, 0, true))));
        }
        must.push((Occur::Must, Box::new(BooleanQuery::new(any))));
    }
    let has_words = !raw.is_empty();
    if let Some(kind) = &r.kind {
        must.push((Occur::Must, term_query(Term::from_field_text(f.kind, kind))));
    }
    if let Some(city) = &r.city {
        must.push((Occur::Must, term_query(Term::from_field_text(f.city, &key(city)))));
    }
    if let Some(country) = &r.country {
        must.push((Occur::Must, term_query(Term::from_field_text(f.country, &country.to_uppercase()))));
    }
    for a in &r.amenities {
        must.push((Occur::Must, term_query(Term::from_field_text(f.amenity, &key(a)))));
    }
    if let Some(b) = r.instant_book {
        must.push((Occur::Must, term_query(Term::from_field_bool(f.instant_book, b))));
    }
    // Guests, bedrooms, price and distance: checked on arrays by `Keep` (see `run`).
    if let Some(d) = r.dates {
        must.push(dates(f, d, r.kind.as_deref()));
    }
    if let Some(min) = r.rating_min {
        must.push((
            Occur::Must,
            Box::new(RangeQuery::new(Bound::Included(Term::from_field_f64(f.rating, min.max(0.0))), Bound::Unbounded)),
        ));
    }
    if let Some((south, west, north, east)) = r.bbox {
        must.push((Occur::Must, f64_range(f.lat, south, north)));
        let lng: Box<dyn Query> = if west <= east {
            f64_range(f.lng, west, east)
        } else {
            Box::new(BooleanQuery::new(vec![
                (Occur::Should, f64_range(f.lng, west, 180.0)),
                (Occur::Should, f64_range(f.lng, -180.0, east)),
            ]))
        };
        must.push((Occur::Must, lng));
    }
    if let Some((lat, lng, radius)) = r.near {
        must.push((Occur::Must, super::geo::candidates(f.geo_cell, Circle { lat, lng, radius })));
    }
    if must.is_empty() {
        // Nothing else narrows the candidates: a range scan of the column does it faster than
        // checking every listing (`Keep` checks again, harmlessly).
        if r.price_min.is_some() || r.price_max.is_some() {
            return (range(f.price, r.price_min, r.price_max), false);
        }
        if r.guests.is_some() {
            return (range(f.max_guests, r.guests, None), false);
        }
        return (Box::new(AllQuery), false);
    }
    (Box::new(BooleanQuery::new(must)), has_words)
}
