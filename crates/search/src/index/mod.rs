//! The on-disk Tantivy index: its schema, its analysers and the single writer.
//!
//! The index lives under `<data_dir>/search/v<SCHEMA_VERSION>/`; changing the schema means a
//! new version, hence a fresh directory (the old one is left for an operator to delete).
//!
//! Text is analysed three ways, each into its own field, all filled from the same text
//! (title, description, city, amenities): `text_en` (English Snowball stems), `text_fr`
//! (French stems) and `text_raw` (lowercased, accents folded, not stemmed) on which typo
//! tolerance and prefix matching run — fuzzy matching against stems would match words the user
//! never typed.
//!
//! Availability is indexed as day numbers: `busy_day` (a stay's unavailable nights) and
//! `open_day` (the dates another kind has something left), so a date filter is a term or range
//! query like any other. The writer is in [`writer`].

mod geo;
pub(crate) mod highlight;
mod keep;
mod page;
pub mod query;
mod segments;
mod stats;
mod summary;
mod writer;

pub use writer::{Change, Progress, Writer};

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tantivy::schema::{
    FAST, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{AsciiFoldingFilter, Language, LowerCaser, SimpleTokenizer, Stemmer, TextAnalyzer};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, doc};

use crate::domain::{IndexedListing, key};

/// Bump on any change of fields or analysers: the index is then rebuilt in a new directory.
pub const SCHEMA_VERSION: u32 = 4;
/// The value of a number a listing does not have (price, guests, bedrooms, rating).
pub const MISSING: i64 = -1;
/// How often, at most, the writer commits.
pub const COMMIT_EVERY: Duration = Duration::from_millis(250);
const WRITER_HEAP: usize = 15_000_000;

/// The fields, resolved once.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub id: Field,
    pub text_en: Field,
    pub text_fr: Field,
    pub text_raw: Field,
    pub kind: Field,
    pub city: Field,
    pub country: Field,
    pub amenity: Field,
    pub instant_book: Field,
    pub price: Field,
    pub max_guests: Field,
    pub bedrooms: Field,
    pub lat: Field,
    pub lng: Field,
    pub created: Field,
    pub kind_facet: Field,
    pub city_facet: Field,
    pub amenity_facet: Field,
    /// The hit as answered (JSON), stored only.
    pub hit: Field,
    /// A stay's unavailable nights (day numbers).
    pub busy_day: Field,
    /// Dates another kind has a seat, slot or table left (day numbers).
    pub open_day: Field,
    /// A product with stock left.
    pub in_stock: Field,
    /// Average rating 0–5, when reviews shows one (−1 otherwise).
    pub rating: Field,
    /// The grid cell of the listing's location at each level of [`geo::LEVELS`].
    pub geo_cell: Field,
    pub review_count: Field,
    // --- Suggestions (`crate::discover`), filled by `document()` like every other field, so any
    // (re)build of the index rebuilds them too. ---
    /// Each folded title word (a complete word of a suggest query is one term).
    pub suggest_word: Field,
    /// Each prefix of each folded title word (a typed prefix is one term).
    pub suggest_prefix: Field,
    /// Title length in characters (shorter titles rank first among equals).
    pub suggest_len: Field,
    /// `COUNTRY\u{1f}City`: listings per place, counted once per searcher generation.
    pub place_facet: Field,
    // --- end of suggestions ---
}

fn analysed(tokenizer: &str) -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    )
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let num = INDEXED | FAST;
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        text_en: b.add_text_field("text_en", analysed("sojourn_en")),
        text_fr: b.add_text_field("text_fr", analysed("sojourn_fr")),
        text_raw: b.add_text_field("text_raw", analysed("sojourn_raw")),
        kind: b.add_text_field("kind", STRING),
        city: b.add_text_field("city", STRING),
        country: b.add_text_field("country", STRING),
        amenity: b.add_text_field("amenity", STRING),
        instant_book: b.add_bool_field("instant_book", INDEXED),
        price: b.add_i64_field("price", num.clone()),
        max_guests: b.add_i64_field("max_guests", num.clone()),
        bedrooms: b.add_i64_field("bedrooms", num.clone()),
        lat: b.add_f64_field("lat", num.clone()),
        lng: b.add_f64_field("lng", num.clone()),
        created: b.add_i64_field("created", num.clone()),
        kind_facet: b.add_facet_field("kind_facet", FacetOptions::default()),
        city_facet: b.add_facet_field("city_facet", FacetOptions::default()),
        amenity_facet: b.add_facet_field("amenity_facet", FacetOptions::default()),
        hit: b.add_text_field("hit", STORED),
        busy_day: b.add_i64_field("busy_day", INDEXED),
        open_day: b.add_i64_field("open_day", INDEXED),
        in_stock: b.add_bool_field("in_stock", INDEXED),
        rating: b.add_f64_field("rating", INDEXED | FAST),
        review_count: b.add_i64_field("review_count", FAST),
        geo_cell: b.add_text_field("geo_cell", STRING),
        // --- Suggestions (`crate::discover`) ---
        suggest_word: b.add_text_field("suggest_word", STRING),
        suggest_prefix: b.add_text_field("suggest_prefix", STRING),
        suggest_len: b.add_i64_field("suggest_len", FAST),
        place_facet: b.add_facet_field("place_facet", FacetOptions::default()),
        // --- end of suggestions ---
    };
    (b.build(), fields)
}

/// The analyser of `text_raw`, also used to cut the user's query into words.
pub fn raw_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default()).filter(LowerCaser).filter(AsciiFoldingFilter).build()
}

pub fn stemming_analyzer(language: Language) -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(language))
        .build()
}

/// The open index: what queries need.
#[derive(Clone)]
pub struct SearchIndex {
    pub index: Index,
    pub reader: IndexReader,
    pub fields: Fields,
    /// Each searched segment, decoded once (see [`segments`]).
    pub(crate) segments: Arc<segments::SegmentCache>,
}

/// The file a complete build leaves in the index directory: without it the index is rebuilt.
const COMPLETE: &str = "COMPLETE";

/// Opens (or creates) the index under `dir/v<SCHEMA_VERSION>` and starts its writer thread;
/// `complete` is false when the directory holds no finished build (new, or a build was cut
/// short), so the caller must rebuild it.
pub fn open(dir: &Path) -> tantivy::Result<Opened> {
    let path = dir.join(format!("v{SCHEMA_VERSION}"));
    std::fs::create_dir_all(&path)?;
    let (schema, fields) = schema();
    let directory = tantivy::directory::MmapDirectory::open(&path)?;
    let index = Index::open_or_create(directory, schema)?;
    let tokenizers = index.tokenizers();
    tokenizers.register("sojourn_en", stemming_analyzer(Language::English));
    tokenizers.register("sojourn_fr", stemming_analyzer(Language::French));
    tokenizers.register("sojourn_raw", raw_analyzer());
    let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
    let writer: IndexWriter = index.writer_with_num_threads(1, WRITER_HEAP)?;
    let search = SearchIndex { index, reader, fields, segments: Arc::default() };
    let marker = path.join(COMPLETE);
    let complete = marker.exists();
    let (writer, confirmed) = Writer::start(search.clone(), writer, Marker(marker))?;
    Ok(Opened { index: search, writer, confirmed, complete })
}

/// What [`open`] gives.
pub struct Opened {
    pub index: SearchIndex,
    pub writer: Writer,
    /// The changes each commit made durable (listing, token), to forget them in the database.
    pub confirmed: tokio::sync::mpsc::UnboundedReceiver<Vec<(uuid::Uuid, uuid::Uuid)>>,
    /// Whether the directory holds a finished build.
    pub complete: bool,
}

/// The completeness marker of one index directory.
pub struct Marker(PathBuf);

impl Marker {
    /// Written after a rebuild's commit.
    fn set(&self) -> std::io::Result<()> {
        std::fs::write(&self.0, b"complete\n")
    }

    /// Removed when a rebuild starts, so a rebuild cut short is redone at the next start.
    fn clear(&self) -> std::io::Result<()> {
        match std::fs::remove_file(&self.0) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

pub(crate) fn document(f: &Fields, l: &IndexedListing) -> TantivyDocument {
    let text =
        [l.title.as_str(), l.description.as_str(), l.city.as_deref().unwrap_or(""), &l.amenities.join(" ")].join("\n");
    let mut d = doc!(
        f.id => l.id.to_string(),
        f.text_en => text.clone(),
        f.text_fr => text.clone(),
        f.text_raw => text,
        f.kind => l.kind.clone(),
        f.instant_book => l.instant_book,
        f.created => l.created_at,
        f.kind_facet => tantivy::schema::Facet::from_path([l.kind.as_str()]),
        f.hit => crate::index::query::hit_json(l).to_string(),
    );
    if let Some(city) = &l.city {
        d.add_text(f.city, key(city));
        d.add_facet(f.city_facet, tantivy::schema::Facet::from_path([city.as_str()]));
    }
    if let Some(country) = &l.country {
        d.add_text(f.country, country);
    }
    for a in &l.amenities {
        d.add_text(f.amenity, key(a));
        d.add_facet(f.amenity_facet, tantivy::schema::Facet::from_path([key(a).as_str()]));
    }
    // Every listing has a value in each number column, −1 for none (filters ask for 0 and up):
    // a column with a value per document reads faster than one with gaps.
    for (field, value) in [(f.price, l.price), (f.max_guests, l.max_guests), (f.bedrooms, l.bedrooms)] {
        d.add_i64(field, value.unwrap_or(MISSING).max(MISSING));
    }
    if let (Some(lat), Some(lng)) = (l.lat, l.lng) {
        d.add_f64(f.lat, lat);
        d.add_f64(f.lng, lng);
        for cell in geo::cells(lat, lng) {
            d.add_text(f.geo_cell, cell);
        }
    }
    if let Some(a) = &l.availability {
        for &day in &a.unavailable {
            d.add_i64(f.busy_day, day);
        }
        for &day in &a.available {
            d.add_i64(f.open_day, day);
        }
        if let Some(in_stock) = a.in_stock {
            d.add_bool(f.in_stock, in_stock);
        }
    }
    // A cleared rating (reviews shows none) is indexed as never rated; its count stays.
    d.add_f64(f.rating, l.rating.and_then(|r| r.rating).unwrap_or(MISSING as f64));
    d.add_i64(f.review_count, l.rating.map_or(0, |r| r.review_count));
    crate::discover::index_suggestions(f, l, &mut d);
    d
}
