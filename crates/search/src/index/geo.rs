//! The radius filter, on fast fields: [`Within`] wraps any collector and hands it only the
//! documents within the radius of a point (exact great-circle distance from the `lat`/`lng`
//! columns), so counts, facets and pages of a `near` search cost what they cost without it —
//! no stored document is read to decide. [`by_distance`] orders a page nearest first.

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

use crate::domain::haversine_km;

/// A point and a radius (km).
#[derive(Debug, Clone, Copy)]
pub struct Circle {
    pub lat: f64,
    pub lng: f64,
    pub radius: f64,
}

impl Circle {
    fn distance(&self, lat: &Column<f64>, lng: &Column<f64>, doc: DocId) -> Option<f64> {
        let (a, b) = (lat.first(doc)?, lng.first(doc)?);
        Some(haversine_km(self.lat, self.lng, a, b))
    }
}

/// `inner`, fed only the documents within `circle`.
pub struct Within<C> {
    pub inner: C,
    pub circle: Circle,
}

pub struct WithinSegment<S> {
    inner: S,
    circle: Circle,
    lat: Column<f64>,
    lng: Column<f64>,
}

fn columns(segment: &SegmentReader) -> tantivy::Result<(Column<f64>, Column<f64>)> {
    let fast = segment.fast_fields();
    Ok((fast.f64("lat")?, fast.f64("lng")?))
}

impl<C: Collector> Collector for Within<C> {
    type Fruit = C::Fruit;
    type Child = WithinSegment<C::Child>;

    fn for_segment(&self, ord: SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<Self::Child> {
        let (lat, lng) = columns(segment)?;
        Ok(WithinSegment { inner: self.inner.for_segment(ord, segment)?, circle: self.circle, lat, lng })
    }

    fn requires_scoring(&self) -> bool {
        self.inner.requires_scoring()
    }

    fn merge_fruits(&self, fruits: Vec<<Self::Child as SegmentCollector>::Fruit>) -> tantivy::Result<Self::Fruit> {
        self.inner.merge_fruits(fruits)
    }
}

impl<S: SegmentCollector> SegmentCollector for WithinSegment<S> {
    type Fruit = S::Fruit;

    fn collect(&mut self, doc: DocId, score: Score) {
        if self.circle.distance(&self.lat, &self.lng, doc).is_some_and(|d| d <= self.circle.radius) {
            self.inner.collect(doc, score);
        }
    }

    fn harvest(self) -> S::Fruit {
        self.inner.harvest()
    }
}

/// The page `offset..offset+limit` of the documents within `circle`, nearest first.
pub fn by_distance(
    searcher: &tantivy::Searcher,
    query: &dyn tantivy::query::Query,
    circle: Circle,
    limit: usize,
    offset: usize,
) -> tantivy::Result<Vec<DocAddress>> {
    let top = tantivy::collector::TopDocs::with_limit(limit).and_offset(offset).tweak_score(
        move |segment: &SegmentReader| {
            let (lat, lng) = columns(segment).ok().unzip();
            move |doc: DocId, _score: Score| -> f64 {
                match (&lat, &lng) {
                    (Some(lat), Some(lng)) => -circle.distance(lat, lng, doc).unwrap_or(f64::MAX),
                    _ => f64::MIN,
                }
            }
        },
    );
    Ok(searcher.search(query, &Within { inner: top, circle })?.into_iter().map(|(_, d)| d).collect())
}
