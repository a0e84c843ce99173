//! Discovery around listing search: as-you-type suggestions ([`suggest`]), popular
//! destinations ([`popular`], from confirmed bookings and from searches) and the signed-in
//! caller's search history ([`history`], published as `search.performed` for identity, which
//! keeps the one history store).
//!
//! Suggestions are part of the Tantivy index itself — title words and their prefixes are
//! fields filled by [`index_suggestions`] like any other, and places are counted from a facet
//! once per searcher generation ([`places`]) — so every (re)build of the index rebuilds them
//! and there is no second copy to keep in sync.

mod bookings;
pub mod countries;
pub mod history;
pub mod places;
pub mod popular;
mod store;
pub mod suggest;

use std::collections::HashSet;
use std::sync::Arc;

use tantivy::TantivyDocument;
use tantivy::schema::Facet;

pub use bookings::{BOOKINGS_CONSUMER, BookingCounter};

use crate::domain::IndexedListing;
use crate::index::query::SearchRequest;
use crate::index::{Fields, raw_analyzer};

/// The event the search counts are published as (docs/search.md).
pub const SEARCH_COUNTED: &str = "search.counted";

/// Longest title-word prefix indexed; a longer typed word is looked up as a complete word.
pub const MAX_PREFIX: usize = 20;

/// What the search handlers share: place counts, search counts, the history publisher.
/// `search.counted` (`source: "listings"`) is the event [`SEARCH_COUNTED`] names.
#[derive(Clone)]
pub struct Discover {
    pub places: places::Places,
    pub popular: Arc<popular::Popular>,
    pub history: Arc<history::SearchLog>,
    /// Every first-page search, published as `search.counted` (insights' search totals).
    pub searches: Arc<platform::events::DailyCounter>,
    pub suggestions: Arc<suggest::Cache>,
}

impl Discover {
    /// A listing search was answered: counts it and the destination it names (first pages
    /// only — a next page is the same search) and, for a signed-in caller, publishes it to
    /// their history.
    pub fn searched(&self, user: Option<uuid::Uuid>, r: &SearchRequest, results: usize) {
        if r.offset > 0 {
            return;
        }
        self.searches.count();
        let places = self.places.get();
        if let Some(place) = places.named_by(r.city.as_deref(), r.country.as_deref(), &r.q) {
            self.popular.count_search(place);
        }
        if let Some(user) = user
            && let Some(query) = history::given(r)
        {
            self.history.performed(user, query, results);
        }
    }
}

/// The words of `text` as they are matched: lowercased, accents folded (`text_raw`'s analyser).
pub fn fold_words(text: &str) -> Vec<String> {
    let mut analyzer = raw_analyzer();
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while let Some(t) = stream.next() {
        out.push(t.text.clone());
    }
    out
}

/// The place facet's value: country and city in one segment, so one facet pass counts both.
pub fn place_key(country: &str, city: &str) -> String {
    format!("{country}\u{1f}{city}")
}

/// Adds the suggestion fields of `l` to its document.
pub fn index_suggestions(f: &Fields, l: &IndexedListing, d: &mut TantivyDocument) {
    let mut words = HashSet::new();
    let mut prefixes = HashSet::new();
    for word in fold_words(&l.title) {
        for end in word.char_indices().map(|(i, c)| i + c.len_utf8()).take(MAX_PREFIX) {
            if prefixes.insert(word[..end].to_owned()) {
                d.add_text(f.suggest_prefix, &word[..end]);
            }
        }
        if words.insert(word.clone()) {
            d.add_text(f.suggest_word, word);
        }
    }
    d.add_i64(f.suggest_len, i64::try_from(l.title.chars().count()).unwrap_or(i64::MAX));
    if let Some(city) = &l.city {
        d.add_facet(f.place_facet, Facet::from_path([place_key(l.country.as_deref().unwrap_or(""), city)]));
    }
}

/// Whether a name's folded words match the query's: the earlier query words equal consecutive
/// words of the name and the last query word starts the next one ("new yo" → New York).
pub fn name_matches(name: &[String], q: &[String]) -> bool {
    let Some((last, earlier)) = q.split_last() else { return false };
    name.len() >= q.len()
        && (0..=name.len() - q.len())
            .any(|i| name[i..i + earlier.len()] == *earlier && name[i + earlier.len()].starts_with(last.as_str()))
}

/// `text` HTML-escaped, with every word equal to an earlier query word, and the typed part of
/// every word the last query word starts, in `<em>…</em>` (accents and case as written).
pub fn highlight(text: &str, q: &[String]) -> String {
    let Some((last, earlier)) = q.split_last() else { return crate::index::highlight::mark(text, &[]) };
    let mut ranges = Vec::new();
    let mut analyzer = raw_analyzer();
    let mut stream = analyzer.token_stream(text);
    while let Some(t) = stream.next() {
        let (from, to) = (t.offset_from, t.offset_to);
        if earlier.contains(&t.text) {
            ranges.push((from, to));
        } else if t.text.starts_with(last.as_str()) {
            ranges.push((from, from + typed_bytes(&text[from..to], last.chars().count())));
        }
    }
    crate::index::highlight::mark(text, &ranges)
}

/// How many bytes of `word` (as written) make up its first `chars` folded characters.
fn typed_bytes(word: &str, chars: usize) -> usize {
    let mut analyzer = raw_analyzer();
    let mut folded = 0;
    for (i, c) in word.char_indices() {
        let mut buf = [0u8; 4];
        let mut stream = analyzer.token_stream(c.encode_utf8(&mut buf));
        let mut n = 0;
        while let Some(t) = stream.next() {
            n += t.text.chars().count();
        }
        folded += n.max(1);
        if folded >= chars {
            return i + c.len_utf8();
        }
    }
    word.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        fold_words(s)
    }

    #[test]
    fn names_match_on_complete_words_then_a_prefix() {
        assert!(name_matches(&words("New York"), &words("new yo")));
        assert!(name_matches(&words("New York"), &words("yor")));
        assert!(name_matches(&words("Île-de-France"), &words("ile")));
        assert!(!name_matches(&words("New York"), &words("ne york")));
        assert!(!name_matches(&words("Paris"), &words("paris x")));
        assert!(!name_matches(&words("Paris"), &[]));
    }

    #[test]
    fn highlights_keep_accents_and_escape_the_rest() {
        assert_eq!(highlight("Paris", &words("par")), "<em>Par</em>is");
        assert_eq!(highlight("Île-de-France", &words("ile")), "<em>Île</em>-de-France");
        assert_eq!(highlight("New York", &words("new yo")), "<em>New</em> <em>Yo</em>rk");
        assert_eq!(
            highlight("Parc <des> Princes & loft", &words("par")),
            "<em>Par</em>c &lt;des&gt; Princes &amp; loft"
        );
        assert_eq!(highlight("Straße", &words("strass")), "<em>Straß</em>e");
    }
}
