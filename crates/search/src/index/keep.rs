//! Conditions checked on the segments' decoded arrays ([`super::segments`]) rather than in the
//! query: the distance from a point, the guests and bedrooms a listing takes, its price range.
//!
//! As query clauses they were range scans or per-candidate column reads intersected with the
//! rest (and a distance cannot be a clause at all); here each is an array read for a document
//! the rest of the query already matched. [`Keep`] wraps the collectors, so the count, the
//! facets and the page all see only what passes.

use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use super::geo::Circle;
use super::segments::{Segment, SegmentCache};

/// What a listing must satisfy besides the query.
#[derive(Debug, Clone, Copy, Default)]
pub struct Conditions {
    /// Within this circle.
    pub circle: Option<Circle>,
    /// Takes at least this many guests.
    pub guests: Option<i64>,
    /// Has at least this many bedrooms.
    pub bedrooms: Option<i64>,
    /// Price range (minor units), either end open.
    pub price: Option<(Option<i64>, Option<i64>)>,
}

impl Conditions {
    pub fn is_empty(&self) -> bool {
        self.circle.is_none() && self.guests.is_none() && self.bedrooms.is_none() && self.price.is_none()
    }

    /// Whether document `d` of `s` satisfies them (a listing without the value never does).
    #[inline]
    fn keeps(&self, s: &Segment, d: usize) -> bool {
        let at_least = |values: &[i32], min: Option<i64>| {
            min.is_none_or(|min| values.get(d).is_some_and(|&v| v >= 0 && i64::from(v) >= min))
        };
        if !at_least(&s.max_guests, self.guests) || !at_least(&s.bedrooms, self.bedrooms) {
            return false;
        }
        if let Some((low, high)) = self.price {
            // NaN (no price) fails both comparisons.
            let p = s.price.get(d).copied().unwrap_or(f64::NAN);
            if !(p >= low.unwrap_or(0) as f64 && high.is_none_or(|h| p <= h as f64)) {
                return false;
            }
        }
        match self.circle {
            Some(c) => {
                let (lat, lng) = (s.lat.get(d).copied().unwrap_or(f64::NAN), s.lng.get(d).copied().unwrap_or(f64::NAN));
                // NaN (no coordinates) compares false: left out.
                c.distance(lat, lng) <= c.radius
            }
            None => true,
        }
    }
}

/// `inner`, fed only the documents that satisfy `conditions`.
pub struct Keep<C> {
    pub inner: C,
    pub conditions: Conditions,
    pub segments: Arc<SegmentCache>,
}

pub struct KeepSegment<S> {
    inner: S,
    conditions: Conditions,
    segment: Arc<Segment>,
}

impl<C: Collector> Collector for Keep<C> {
    type Fruit = C::Fruit;
    type Child = KeepSegment<C::Child>;

    fn for_segment(&self, ord: SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<Self::Child> {
        Ok(KeepSegment {
            inner: self.inner.for_segment(ord, segment)?,
            conditions: self.conditions,
            segment: self.segments.get(segment)?,
        })
    }

    fn requires_scoring(&self) -> bool {
        self.inner.requires_scoring()
    }

    fn merge_fruits(&self, fruits: Vec<<Self::Child as SegmentCollector>::Fruit>) -> tantivy::Result<Self::Fruit> {
        self.inner.merge_fruits(fruits)
    }
}

impl<S: SegmentCollector> SegmentCollector for KeepSegment<S> {
    type Fruit = S::Fruit;

    #[inline]
    fn collect(&mut self, doc: DocId, score: Score) {
        if self.conditions.keeps(&self.segment, doc as usize) {
            self.inner.collect(doc, score);
        }
    }

    fn harvest(self) -> S::Fruit {
        self.inner.harvest()
    }
}
