//! How long a listing search takes inside the process (no HTTP): the four kinds of search the
//! benchmark mixes — words, filters, distance, dates — run one at a time over an index a server
//! built, so a change to the query path can be measured in seconds, per kind, before the full
//! `bench/run.sh search`. Ignored by default (it measures); run it on a copy of a seeded
//! server's `<data_dir>/search` directory (the writer takes the directory's lock):
//! `SEARCH_INDEX_DIR=/tmp/copy/search cargo test -p search --release --test query_speed -- --ignored --nocapture`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use search::domain::day_number;
use search::index::query::{self, DateFilter, SearchRequest, Sort};

/// Searches per kind.
const RUNS: usize = 400;
const WORDS: &[&str] =
    &["aprtment", "quiet", "charmng", "histor", "studio", "cookin", "tasting", "jackt", "shuttle", "spacious"];

fn request() -> SearchRequest {
    SearchRequest {
        q: String::new(),
        kind: None,
        city: None,
        country: None,
        guests: None,
        price_min: None,
        price_max: None,
        bedrooms: None,
        amenities: Vec::new(),
        instant_book: None,
        near: None,
        bbox: None,
        dates: None,
        rating_min: None,
        sort: Sort::Relevance,
        limit: 20,
        offset: 0,
    }
}

/// The i-th search of kind `class` over `cities` (name, lat, lng).
fn search(class: usize, i: usize, cities: &[(String, f64, f64)]) -> SearchRequest {
    let (city, lat, lng) = cities[(i * 7) % cities.len()].clone();
    let mut r = request();
    match class {
        0 => {
            let word = WORDS[i % WORDS.len()];
            r.q = match i % 3 {
                0 => format!("{word} {}", city.to_lowercase()),
                1 => word.to_owned(),
                _ => format!("{word} {}", &city.to_lowercase()[..3.min(city.len())]),
            };
        }
        1 => {
            r.kind = (!i.is_multiple_of(3)).then(|| ["stay", "restaurant", "activity"][i % 3].to_owned());
            r.city = (i.is_multiple_of(2)).then_some(city);
            r.price_min = (i % 4 == 1).then_some(5_000);
            r.price_max = (i % 4 == 1).then_some(20_000);
            r.amenities = if i.is_multiple_of(5) { vec!["wifi".into()] } else { Vec::new() };
            r.sort = [Sort::Relevance, Sort::PriceAsc, Sort::PriceDesc, Sort::Newest][i % 4];
        }
        2 => {
            r.near = Some((lat + 0.01, lng - 0.01, [1.0, 5.0, 10.0, 50.0][i % 4]));
            r.sort = if i.is_multiple_of(3) { Sort::Relevance } else { Sort::Distance };
        }
        _ => {
            let today = day_number(chrono::Utc::now().date_naive());
            let first = today + 3 + (i as i64 * 13) % 200;
            r.dates = Some(DateFilter { first_night: first, last_night: first + (i as i64 % 7) });
            r.guests = Some(1 + (i as i64 % 4));
            r.kind = (!i.is_multiple_of(3)).then(|| "stay".to_owned());
            r.city = (!i.is_multiple_of(5)).then_some(city);
        }
    }
    r.offset = if i.is_multiple_of(5) { 20 } else { 0 };
    r
}

#[test]
#[ignore = "a measurement: run with SEARCH_INDEX_DIR, --ignored --nocapture, in --release"]
fn each_kind_of_search_over_a_seeded_index() {
    let dir = std::env::var("SEARCH_INDEX_DIR").expect("SEARCH_INDEX_DIR: a copy of a seeded <data_dir>/search");
    if std::env::var("QUERY_SPEED_MERGE").is_ok() {
        // As a rebuild now leaves it: one segment.
        let path = std::path::Path::new(&dir).join(format!("v{}", search::SCHEMA_VERSION));
        let index = tantivy::Index::open_in_dir(path).unwrap();
        let mut writer: tantivy::IndexWriter = index.writer_with_num_threads(1, 50_000_000).unwrap();
        let ids = index.searchable_segment_ids().unwrap();
        let t = Instant::now();
        writer.merge(&ids).wait().unwrap();
        writer.wait_merging_threads().unwrap();
        eprintln!("merged {} segments in {:?}", ids.len(), t.elapsed());
    }
    let opened = search::index::open(std::path::Path::new(&dir)).unwrap();
    let index = opened.index;
    let all = query::run(&index, &request()).unwrap();
    eprintln!("{} listings in the index", all.total);
    let mut cities = Vec::new();
    for city in all.facets["city"].as_object().unwrap().keys() {
        let mut r = request();
        r.city = Some(city.clone());
        r.limit = 1;
        let hit = &query::run(&index, &r).unwrap().hits[0];
        if let (Some(lat), Some(lng)) = (hit["location"]["lat"].as_f64(), hit["location"]["lng"].as_f64()) {
            cities.push((city.clone(), lat, lng));
        }
    }
    let mut total = Duration::ZERO;
    // `QUERY_SPEED_ONLY=dates` runs one kind (to profile it alone).
    let only = std::env::var("QUERY_SPEED_ONLY").ok();
    for (class, name) in ["words", "filters", "distance", "dates"].iter().enumerate() {
        if only.as_deref().is_some_and(|o| o != *name) {
            continue;
        }
        let mut times = Vec::with_capacity(RUNS);
        let mut found = 0;
        for i in 0..RUNS {
            let r = search(class, i, &cities);
            let t = Instant::now();
            let result = query::run(&index, &r).unwrap();
            times.push(t.elapsed());
            found += usize::from(result.total > 0);
        }
        let sum: Duration = times.iter().sum();
        total += sum;
        times.sort();
        eprintln!(
            "{name:>8}: mean {:>6} µs, p50 {:>6} µs, p99 {:>6} µs, max {:>6} µs; {found}/{RUNS} found something",
            sum.as_micros() / RUNS as u128,
            times[RUNS / 2].as_micros(),
            times[RUNS * 99 / 100].as_micros(),
            times[RUNS - 1].as_micros()
        );
        assert!(found > 0, "{name} finds something");
    }
    if only.is_none() {
        eprintln!("all kinds: mean {} µs", total.as_micros() / (4 * RUNS) as u128);
    }
}
