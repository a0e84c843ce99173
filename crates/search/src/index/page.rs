//! A page of hits ranked by a value — price, creation time, rating or distance — read from
//! the segments' decoded arrays ([`super::segments`]). Listings without the value (no price,
//! no rating, no coordinates) come last whichever way the page is sorted; ties go to the
//! earlier document, so pages are stable.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

use super::geo::Circle;
use super::segments::{Segment, SegmentCache};

/// What a page is ranked by.
#[derive(Debug, Clone, Copy)]
pub enum Key {
    PriceAsc,
    PriceDesc,
    Newest,
    Rating,
    /// Nearest first.
    Distance(Circle),
}

impl Key {
    /// The document's rank value, higher first; NaN when it has none.
    #[inline]
    fn value(self, s: &Segment, d: usize) -> f64 {
        let at = |v: &[f64]| v.get(d).copied().unwrap_or(f64::NAN);
        match self {
            Key::PriceAsc => -at(&s.price),
            Key::PriceDesc => at(&s.price),
            Key::Newest => at(&s.created),
            Key::Rating => at(&s.rating),
            Key::Distance(c) => -c.distance(at(&s.lat), at(&s.lng)),
        }
    }
}

/// A ranked document: greater is better (a value beats none; then the higher value; then the
/// earlier document).
#[derive(Debug, Clone, Copy)]
pub struct Ranked {
    value: f64,
    address: DocAddress,
}

impl Ranked {
    fn cmp_rank(&self, other: &Self) -> Ordering {
        match (self.value.is_nan(), other.value.is_nan()) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (true, true) => Ordering::Equal,
            (false, false) => self.value.total_cmp(&other.value),
        }
        .then_with(|| other.address.cmp(&self.address))
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Ranked {}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Reversed, so the heap's top is the worst kept document.
impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        other.cmp_rank(self)
    }
}

/// Keeps the best `limit + offset` documents by `key`; the fruit is the page from `offset`.
pub struct ByKey {
    pub key: Key,
    pub limit: usize,
    pub offset: usize,
    pub segments: Arc<SegmentCache>,
}

pub struct ByKeySegment {
    key: Key,
    keep: usize,
    ord: SegmentOrdinal,
    segment: Arc<Segment>,
    best: BinaryHeap<Ranked>,
}

impl Collector for ByKey {
    type Fruit = Vec<DocAddress>;
    type Child = ByKeySegment;

    fn for_segment(&self, ord: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<ByKeySegment> {
        let keep = self.limit + self.offset;
        Ok(ByKeySegment {
            key: self.key,
            keep,
            ord,
            segment: self.segments.get(reader)?,
            best: BinaryHeap::with_capacity(keep + 1),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<Ranked>>) -> tantivy::Result<Vec<DocAddress>> {
        let mut all: Vec<Ranked> = fruits.into_iter().flatten().collect();
        all.sort_by(|a, b| b.cmp_rank(a));
        Ok(all.into_iter().skip(self.offset).take(self.limit).map(|r| r.address).collect())
    }
}

impl SegmentCollector for ByKeySegment {
    type Fruit = Vec<Ranked>;

    #[inline]
    fn collect(&mut self, doc: DocId, _: Score) {
        if self.keep == 0 {
            return;
        }
        let ranked =
            Ranked { value: self.key.value(&self.segment, doc as usize), address: DocAddress::new(self.ord, doc) };
        if self.best.len() < self.keep {
            self.best.push(ranked);
        } else if self.best.peek().is_some_and(|worst| ranked.cmp_rank(worst) == Ordering::Greater) {
            self.best.pop();
            self.best.push(ranked);
        }
    }

    fn harvest(self) -> Vec<Ranked> {
        self.best.into_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranked(value: f64, doc: DocId) -> Ranked {
        Ranked { value, address: DocAddress::new(0, doc) }
    }

    #[test]
    fn a_value_beats_none_then_higher_wins_then_the_earlier_document() {
        let mut all = vec![ranked(f64::NAN, 0), ranked(1.0, 5), ranked(3.0, 9), ranked(1.0, 2), ranked(-2.0, 1)];
        all.sort_by(|a, b| b.cmp_rank(a));
        let docs: Vec<DocId> = all.iter().map(|r| r.address.doc_id).collect();
        assert_eq!(docs, vec![9, 2, 5, 1, 0]);
        // The heap keeps the worst on top, to be replaced first.
        let heap: BinaryHeap<Ranked> = all.into_iter().collect();
        assert_eq!(heap.peek().map(|r| r.address.doc_id), Some(0));
    }
}
