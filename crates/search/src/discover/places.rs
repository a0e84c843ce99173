//! Places (a city in a country) and how many published listings each has, read from the
//! index's `place_facet` once per searcher generation: one pass over the facet column when the
//! index changes, never per keystroke. Lookups are by folded word (a `BTreeMap` range for a
//! prefix) or by folded full name.
//!
//! A new generation is counted on a blocking thread while callers keep the previous counts
//! (at most one count runs at a time), so a suggestion never waits for it; a city whose first
//! listing was just published appears once that count is done.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use tantivy::Searcher;
use tantivy::collector::FacetCollector;
use tantivy::query::AllQuery;

use super::{countries, fold_words, name_matches};
use crate::index::SearchIndex;

/// A city with its country (ISO code as listings write it, `""` when none) and listing count.
#[derive(Debug, Clone)]
pub struct Place {
    pub city: String,
    pub country: String,
    pub count: u64,
    words: Vec<String>,
}

/// A country with listings, its English name and how many listings it has.
#[derive(Debug, Clone)]
pub struct Country {
    pub code: String,
    pub name: String,
    pub count: u64,
    words: Vec<String>,
}

/// The places of one searcher generation; most listings first.
#[derive(Debug, Default)]
pub struct PlaceSet {
    generation: Option<u64>,
    places: Vec<Place>,
    by_word: BTreeMap<String, Vec<usize>>,
    by_name: HashMap<String, Vec<usize>>,
    countries: Vec<Country>,
    country_by_word: BTreeMap<String, Vec<usize>>,
}

/// Indexes (in rank order) of the entries with a word starting with `prefix`.
fn starting_with(map: &BTreeMap<String, Vec<usize>>, prefix: &str) -> BTreeSet<usize> {
    map.range(prefix.to_owned()..)
        .take_while(|(k, _)| k.starts_with(prefix))
        .flat_map(|(_, v)| v.iter().copied())
        .collect()
}

fn index_words(map: &mut BTreeMap<String, Vec<usize>>, words: &[String], i: usize) {
    for w in words {
        let entry = map.entry(w.clone()).or_default();
        if entry.last() != Some(&i) {
            entry.push(i);
        }
    }
}

impl PlaceSet {
    fn build(searcher: &Searcher) -> tantivy::Result<Self> {
        let mut collector = FacetCollector::for_field("place_facet");
        collector.add_facet("/");
        let counts = searcher.search(&AllQuery, &collector)?;
        let mut places: Vec<Place> = counts
            .get("/")
            .filter_map(|(facet, count)| {
                let path = facet.to_path();
                let (country, city) = path.last()?.split_once('\u{1f}')?;
                Some(Place { city: city.to_owned(), country: country.to_owned(), count, words: fold_words(city) })
            })
            .filter(|p| !p.words.is_empty())
            .collect();
        places.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.city.cmp(&b.city)));
        let mut set = PlaceSet { generation: Some(searcher.generation().generation_id()), ..Self::default() };
        let mut per_country: BTreeMap<&str, u64> = BTreeMap::new();
        for (i, p) in places.iter().enumerate() {
            index_words(&mut set.by_word, &p.words, i);
            set.by_name.entry(p.words.join(" ")).or_default().push(i);
            if !p.country.is_empty() {
                *per_country.entry(&p.country).or_default() += p.count;
            }
        }
        let mut list: Vec<Country> = per_country
            .into_iter()
            .map(|(code, count)| {
                let name = countries::name(code).unwrap_or(code).to_owned();
                Country { code: code.to_owned(), words: fold_words(&name), name, count }
            })
            .collect();
        list.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
        for (i, c) in list.iter().enumerate() {
            index_words(&mut set.country_by_word, &c.words, i);
        }
        set.countries = list;
        set.places = places;
        Ok(set)
    }

    /// The searcher generation these counts are of.
    pub fn generation(&self) -> Option<u64> {
        self.generation
    }

    /// Cities matching the query words (see [`name_matches`]), most listings first.
    pub fn cities(&self, q: &[String], limit: usize) -> Vec<&Place> {
        let Some(last) = q.last() else { return Vec::new() };
        starting_with(&self.by_word, last)
            .into_iter()
            .filter_map(|i| self.places.get(i))
            .filter(|p| name_matches(&p.words, q))
            .take(limit)
            .collect()
    }

    /// Countries with listings whose English name matches the query words.
    pub fn countries(&self, q: &[String], limit: usize) -> Vec<&Country> {
        let Some(last) = q.last() else { return Vec::new() };
        starting_with(&self.country_by_word, last)
            .into_iter()
            .filter_map(|i| self.countries.get(i))
            .filter(|c| name_matches(&c.words, q))
            .take(limit)
            .collect()
    }

    /// The known place called `city` (any case or accents), in `country` when given; the one
    /// with most listings when several countries have that city.
    pub fn find(&self, city: &str, country: Option<&str>) -> Option<&Place> {
        let ids = self.by_name.get(&fold_words(city).join(" "))?;
        ids.iter()
            .filter_map(|&i| self.places.get(i))
            .find(|p| country.is_none_or(|c| p.country.eq_ignore_ascii_case(c.trim())))
    }

    /// The place a search names: its `city` filter, else the longest run of its words (up to
    /// four, leftmost first) that is the name of a known city.
    pub fn named_by(&self, city: Option<&str>, country: Option<&str>, q: &str) -> Option<&Place> {
        if let Some(city) = city {
            return self.find(city, country);
        }
        let words = fold_words(q);
        for n in (1..=words.len().min(4)).rev() {
            for run in words.windows(n) {
                if let Some(p) = self.find(&run.join(" "), country) {
                    return Some(p);
                }
            }
        }
        None
    }
}

/// The current [`PlaceSet`], recounted when the index changes. Cheap to clone.
#[derive(Clone)]
pub struct Places(Arc<Inner>);

struct Inner {
    index: SearchIndex,
    current: RwLock<Arc<PlaceSet>>,
    counting: AtomicBool,
}

impl Places {
    /// Counts the places of the index as it is now.
    pub fn new(index: SearchIndex) -> Self {
        let places = Places(Arc::new(Inner {
            index,
            current: RwLock::new(Arc::new(PlaceSet::default())),
            counting: AtomicBool::new(true),
        }));
        places.recount(places.0.index.reader.searcher());
        places
    }

    /// The latest counted set; starts a recount when the index has changed since.
    pub fn get(&self) -> Arc<PlaceSet> {
        let current = self.0.current.read().map_or_else(|e| e.into_inner().clone(), |g| g.clone());
        let searcher = self.0.index.reader.searcher();
        if current.generation == Some(searcher.generation().generation_id())
            || self.0.counting.swap(true, Ordering::AcqRel)
        {
            return current;
        }
        let me = self.clone();
        let job = move || me.recount(searcher);
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn_blocking(job)),
            Err(_) => job(),
        }
        current
    }

    fn recount(&self, searcher: Searcher) {
        match PlaceSet::build(&searcher) {
            Ok(set) => match self.0.current.write() {
                Ok(mut current) => *current = Arc::new(set),
                Err(e) => *e.into_inner() = Arc::new(set),
            },
            Err(e) => tracing::error!(error = %e, "search: counting places failed"),
        }
        self.0.counting.store(false, Ordering::Release);
    }
}
