//! What a search counts over its whole filtered set, in the same pass as its page: the total,
//! the kind, city and amenity facets, the price histogram and the rating buckets.
//!
//! Counting is per matching document, so it reads the segment's decoded arrays
//! ([`super::segments`]), not Tantivy's columns: a match costs a few array reads.

use std::collections::BTreeMap;
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use super::segments::{NONE, Segment, SegmentCache};
use super::stats::{Numbers, PRICE_EDGES, RATING_MINS};

/// The counts of a search's filtered set.
#[derive(Debug, Default)]
pub struct Summary {
    pub total: usize,
    pub kind: BTreeMap<String, u64>,
    pub city: BTreeMap<String, u64>,
    pub amenities: BTreeMap<String, u64>,
    pub numbers: Numbers,
}

/// Collects the [`Summary`], through the cache.
pub struct SummaryCollector(pub Arc<SegmentCache>);

pub struct SummarySegment {
    facets: Arc<Segment>,
    total: usize,
    counts: [Vec<u64>; 3],
    price: [u64; PRICE_EDGES.len()],
    /// Per highest bucket reached; made cumulative at the end.
    rating: [u64; RATING_MINS.len()],
}

impl Collector for SummaryCollector {
    type Fruit = Summary;
    type Child = SummarySegment;

    fn for_segment(&self, _: SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<SummarySegment> {
        let facets = self.0.get(segment)?;
        let counts = [0, 1, 2].map(|i| vec![0; facets.names[i].len()]);
        Ok(SummarySegment { facets, total: 0, counts, price: Default::default(), rating: Default::default() })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Summary>) -> tantivy::Result<Summary> {
        let mut all = Summary::default();
        for s in fruits {
            all.total += s.total;
            for (mine, theirs) in [(&mut all.kind, s.kind), (&mut all.city, s.city), (&mut all.amenities, s.amenities)]
            {
                for (name, n) in theirs {
                    *mine.entry(name).or_default() += n;
                }
            }
            all.numbers.merge(&s.numbers);
        }
        Ok(all)
    }
}

fn bump(counts: &mut [u64], ord: u32) {
    if let Some(n) = counts.get_mut(ord as usize) {
        *n += 1;
    }
}

impl SegmentCollector for SummarySegment {
    type Fruit = Summary;

    #[inline]
    fn collect(&mut self, doc: DocId, _: Score) {
        let (f, d) = (&*self.facets, doc as usize);
        self.total += 1;
        bump(&mut self.counts[0], f.kind.get(d).copied().unwrap_or(NONE));
        bump(&mut self.counts[1], f.city.get(d).copied().unwrap_or(NONE));
        if let (Some(&from), Some(&to)) = (f.starts.get(d), f.starts.get(d + 1)) {
            for &a in f.amenities.get(from as usize..to as usize).unwrap_or(&[]) {
                bump(&mut self.counts[2], a);
            }
        }
        if let Some(n) = f.price_bucket.get(d).and_then(|&b| self.price.get_mut(usize::from(b))) {
            *n += 1;
        }
        if let Some(n) = f.rating_bucket.get(d).and_then(|&b| self.rating.get_mut(usize::from(b))) {
            *n += 1;
        }
    }

    fn harvest(self) -> Summary {
        let named = |i: usize| -> BTreeMap<String, u64> {
            let mut out = BTreeMap::new();
            for (name, &n) in self.facets.names[i].iter().zip(&self.counts[i]) {
                if n > 0 && !name.is_empty() {
                    *out.entry(name.clone()).or_default() += n;
                }
            }
            out
        };
        let mut rating = self.rating;
        for i in 1..rating.len() {
            rating[i] += rating[i - 1];
        }
        Summary {
            total: self.total,
            kind: named(0),
            city: named(1),
            amenities: named(2),
            numbers: Numbers::from_counts(self.price, rating),
        }
    }
}
