//! Each searched segment decoded once into plain arrays: its facet values (as ordinals, with
//! their names), its price and rating buckets, coordinates, sort keys, guests and bedrooms.
//!
//! A search touches these for every matching document (counting facets, checking a distance,
//! ranking a page), and reading Tantivy's compressed columns costs tens of nanoseconds per
//! value (optional columns more), several values per document: most of a broad search's time.
//! Segments never change once written, so decoding each one once — a few milliseconds per
//! 20,000 listings, when a commit or merge makes a new one — and keeping it for as long as it
//! is searched ([`SegmentCache`], a dozen bytes and five `f64` per listing) makes each of those
//! reads an array lookup. Deleted documents need no care: queries never hand them to
//! collectors.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tantivy::SegmentReader;
use tantivy::index::SegmentId;
use tantivy::schema::Facet;

use super::stats::{price_bucket, rating_bucket};

/// "No value" in the per-document arrays.
pub(super) const NONE: u32 = u32::MAX;
const NO_BUCKET: u8 = u8::MAX;

/// One segment's facet values, number buckets and the values searches sort and filter on,
/// decoded once.
pub struct Segment {
    /// Per facet field (kind, city, amenities): the names of its values (index = ordinal).
    pub(super) names: [Vec<String>; 3],
    pub(super) kind: Vec<u32>,
    pub(super) city: Vec<u32>,
    /// Amenity ordinals of document `d`: `amenities[starts[d]..starts[d + 1]]`.
    pub(super) starts: Vec<u32>,
    pub(super) amenities: Vec<u32>,
    pub(super) price_bucket: Vec<u8>,
    pub(super) rating_bucket: Vec<u8>,
    /// Coordinates (NaN when the listing has none).
    pub(super) lat: Vec<f64>,
    pub(super) lng: Vec<f64>,
    /// Sort keys: the price (minor units), creation time, rating (NaN: none or unrated).
    pub(super) price: Vec<f64>,
    pub(super) created: Vec<f64>,
    pub(super) rating: Vec<f64>,
    /// Guests and bedrooms (−1: none).
    pub(super) max_guests: Vec<i32>,
    pub(super) bedrooms: Vec<i32>,
}

fn names(reader: &tantivy::fastfield::FacetReader) -> Vec<String> {
    let mut facet = Facet::root();
    (0..reader.num_facets() as u64)
        .map(|ord| {
            if reader.facet_from_ord(ord, &mut facet).is_err() {
                return String::new();
            }
            facet.to_path().last().map(|s| (*s).to_owned()).unwrap_or_default()
        })
        .collect()
}

impl Segment {
    fn decode(segment: &SegmentReader) -> tantivy::Result<Self> {
        let readers = [
            segment.facet_reader("kind_facet")?,
            segment.facet_reader("city_facet")?,
            segment.facet_reader("amenity_facet")?,
        ];
        let fast = segment.fast_fields();
        let (price, rating, created) = (fast.i64("price")?, fast.f64("rating")?, fast.i64("created")?);
        let (lat, lng) = (fast.f64("lat")?, fast.f64("lng")?);
        let (guests, bedrooms) = (fast.i64("max_guests")?, fast.i64("bedrooms")?);
        let docs = segment.max_doc() as usize;
        let mut out = Segment {
            names: [names(&readers[0]), names(&readers[1]), names(&readers[2])],
            kind: Vec::with_capacity(docs),
            city: Vec::with_capacity(docs),
            starts: Vec::with_capacity(docs + 1),
            amenities: Vec::new(),
            price_bucket: Vec::with_capacity(docs),
            rating_bucket: Vec::with_capacity(docs),
            lat: Vec::with_capacity(docs),
            lng: Vec::with_capacity(docs),
            price: Vec::with_capacity(docs),
            created: Vec::with_capacity(docs),
            rating: Vec::with_capacity(docs),
            max_guests: Vec::with_capacity(docs),
            bedrooms: Vec::with_capacity(docs),
        };
        out.starts.push(0);
        for doc in 0..segment.max_doc() {
            let first = |r: &tantivy::fastfield::FacetReader| r.facet_ords(doc).next().map_or(NONE, |o| o as u32);
            out.kind.push(first(&readers[0]));
            out.city.push(first(&readers[1]));
            let before = out.amenities.len();
            for ord in readers[2].facet_ords(doc) {
                let ord = ord as u32;
                if !out.amenities[before..].contains(&ord) {
                    out.amenities.push(ord);
                }
            }
            out.starts.push(out.amenities.len() as u32);
            // Missing values are indexed as negative numbers (see `super::document`).
            let p = price.first(doc).filter(|p| *p >= 0);
            let r = rating.first(doc).filter(|r| *r >= 0.0);
            out.price_bucket.push(p.and_then(price_bucket).map_or(NO_BUCKET, |b| b as u8));
            out.rating_bucket.push(r.and_then(rating_bucket).map_or(NO_BUCKET, |b| b as u8));
            out.price.push(p.map_or(f64::NAN, |p| p as f64));
            out.rating.push(r.unwrap_or(f64::NAN));
            out.created.push(created.first(doc).map_or(f64::NAN, |c| c as f64));
            out.lat.push(lat.first(doc).unwrap_or(f64::NAN));
            out.lng.push(lng.first(doc).unwrap_or(f64::NAN));
            let small = |v: Option<i64>| v.map_or(-1, |v| i32::try_from(v).unwrap_or(i32::MAX));
            out.max_guests.push(small(guests.first(doc)));
            out.bedrooms.push(small(bedrooms.first(doc)));
        }
        Ok(out)
    }
}

/// Decoded segments of the searched index, by segment.
#[derive(Default)]
pub struct SegmentCache {
    segments: Mutex<HashMap<SegmentId, Arc<Segment>>>,
}

impl SegmentCache {
    pub fn get(&self, segment: &SegmentReader) -> tantivy::Result<Arc<Segment>> {
        let id = segment.segment_id();
        if let Some(found) = self.lock().get(&id) {
            return Ok(found.clone());
        }
        // Decoded outside the lock: two searches may both decode a new segment, none waits.
        let decoded = Arc::new(Segment::decode(segment)?);
        self.lock().insert(id, decoded.clone());
        Ok(decoded)
    }

    /// Forgets segments no longer searched (merged away), once enough have gone.
    pub fn keep_only(&self, searcher: &tantivy::Searcher) {
        let live = searcher.segment_readers();
        let mut segments = self.lock();
        if segments.len() > 2 * live.len() + 8 {
            let ids: std::collections::HashSet<SegmentId> = live.iter().map(SegmentReader::segment_id).collect();
            segments.retain(|id, _| ids.contains(id));
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SegmentId, Arc<Segment>>> {
        self.segments.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
