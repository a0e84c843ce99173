//! How long a suggestion takes: 1,000 suggests over 20,000 synthetic listings written straight
//! through the index module (no HTTP, no database). Ignored by default (it measures, it does
//! not check behaviour); run it with
//! `cargo test -p search --release --test suggest_speed -- --ignored --nocapture`
//! (a debug build of Tantivy is several times slower than the release one).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use search::discover::places::Places;
use search::discover::suggest;
use search::domain::IndexedListing;
use search::index::{self, Change};

/// Listings indexed; `SUGGEST_DOCS` overrides it (e.g. 100000).
const DOCS: usize = 20_000;
const RUNS: usize = 1_000;

const CITIES: &[(&str, &str)] = &[
    ("Paris", "FR"),
    ("Lyon", "FR"),
    ("Marseille", "FR"),
    ("Nantes", "FR"),
    ("Île-de-Bréhat", "FR"),
    ("New York", "US"),
    ("New Orleans", "US"),
    ("Newcastle", "GB"),
    ("London", "GB"),
    ("Berlin", "DE"),
    ("München", "DE"),
    ("Madrid", "ES"),
    ("Barcelona", "ES"),
    ("Roma", "IT"),
    ("Parma", "IT"),
    ("Porto", "PT"),
    ("Lisboa", "PT"),
    ("Amsterdam", "NL"),
    ("Bruxelles", "BE"),
    ("Genève", "CH"),
];
const ADJECTIVES: &[&str] = &[
    "Bright",
    "Cosy",
    "Quiet",
    "Spacious",
    "Charming",
    "Modern",
    "Rustic",
    "Sunny",
    "Elegant",
    "Lumineux",
    "Parisian",
    "Panoramic",
    "Peaceful",
    "Private",
    "Lovely",
    "Historic",
];
const NOUNS: &[&str] = &[
    "apartment",
    "loft",
    "studio",
    "house",
    "villa",
    "room",
    "cottage",
    "appartement",
    "suite",
    "penthouse",
    "parc",
    "garden",
    "chalet",
    "maisonette",
];
const QUERIES: &[&str] = &[
    "p",
    "pa",
    "par",
    "pari",
    "paris",
    "new",
    "new yo",
    "new or",
    "l",
    "lo",
    "lof",
    "cosy l",
    "bright ap",
    "apart",
    "apartment",
    "ile",
    "mun",
    "gen",
    "ma",
    "quiet stu",
    "s",
    "su",
    "sunny",
    "histo",
    "private ga",
    "zzz",
    "a",
    "parc",
    "pe",
    "panoramic penthouse",
];

fn listing(i: usize) -> IndexedListing {
    let (city, country) = CITIES[i % CITIES.len()];
    let adjective = ADJECTIVES[(i / 7) % ADJECTIVES.len()];
    let noun = NOUNS[(i / 3) % NOUNS.len()];
    IndexedListing {
        id: kernel::new_id(),
        version: 1,
        status: "published".into(),
        kind: "stay".into(),
        title: format!("{adjective} {noun} in {city} #{i}"),
        description: format!("A {noun} with character, close to everything {city} offers."),
        city: Some(city.into()),
        country: Some(country.into()),
        lat: Some(48.0),
        lng: Some(2.0),
        price: Some(10_000),
        currency: "EUR".into(),
        amenities: vec!["wifi".into()],
        max_guests: Some(2),
        bedrooms: Some(1),
        instant_book: false,
        created_at: 1_800_000_000 + i as i64,
        availability: None,
        rating: None,
    }
}

#[test]
#[ignore = "a measurement: run with --ignored --nocapture (in --release for real numbers)"]
fn a_thousand_suggests_over_twenty_thousand_listings() {
    let dir = tempfile::tempdir().unwrap();
    let opened = index::open(dir.path()).unwrap();
    let (index, writer) = (opened.index, opened.writer);
    let docs: usize = std::env::var("SUGGEST_DOCS").ok().and_then(|n| n.parse().ok()).unwrap_or(DOCS);
    let start = Instant::now();
    for i in 0..docs {
        assert!(writer.send(Change::Upsert(Box::new(listing(i))), None));
    }
    drop(writer); // the last commit, and the reader reloads
    eprintln!("indexed {docs} listings in {:?}", start.elapsed());
    let start = Instant::now();
    let places = Places::new(index.clone());
    eprintln!("counted places in {:?}", start.elapsed());
    let set = places.get();
    assert_eq!(index.reader.searcher().num_docs(), docs as u64);

    let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
    let mut per_query: Vec<Vec<Duration>> = vec![Vec::new(); QUERIES.len()];
    let mut found = 0;
    for run in 0..RUNS {
        let q = QUERIES[run % QUERIES.len()];
        let t = Instant::now();
        let suggestions = suggest::run(&index, &set, q, 8).unwrap();
        times.push(t.elapsed());
        per_query[run % QUERIES.len()].push(t.elapsed());

        found += suggestions.len();
    }
    let mut slowest: Vec<(Duration, &str)> = per_query
        .iter_mut()
        .zip(QUERIES)
        .map(|(t, q)| {
            t.sort();
            (t[t.len() / 2], *q)
        })
        .collect();
    slowest.sort_by(|a, b| b.cmp(a));
    eprintln!("slowest queries (median): {:?}", &slowest[..5]);
    times.sort();
    let at = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    eprintln!(
        "{RUNS} suggests over {docs} listings: p50 {:?}, p90 {:?}, p99 {:?}, max {:?} ({found} suggestions)",
        at(0.50),
        at(0.90),
        at(0.99),
        times[times.len() - 1]
    );
    assert!(found > RUNS, "the queries find things");

    // The same mix through the per-generation cache the endpoint uses.
    let cache = suggest::Cache::default();
    let mut cached: Vec<Duration> = (0..RUNS)
        .map(|run| {
            let t = Instant::now();
            cache.suggest(&index, &set, QUERIES[run % QUERIES.len()], 8).unwrap();
            t.elapsed()
        })
        .collect();
    cached.sort();
    eprintln!("the same through the cache: p50 {:?}, p99 {:?}", cached[RUNS / 2], cached[RUNS * 99 / 100]);
    let p = cache.suggest(&index, &set, "P", 8).unwrap();
    assert_eq!(*p, suggest::run(&index, &set, "p", 8).unwrap(), "case folded into one key");
    let paris = suggest::run(&index, &set, "par", 8).unwrap();
    assert_eq!(paris[0]["type"], "city");
    assert_eq!(paris[0]["text"], "Paris");
    assert_eq!(paris[0]["count"], docs / CITIES.len());
}
