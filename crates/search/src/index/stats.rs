//! Facets over numbers — a price histogram and rating buckets — counted in one pass over the
//! filtered set's fast fields (or over the hits, on the `near` path).
//!
//! Price buckets are fixed edges in minor units (prices are not converted: each listing
//! counts in its own currency); rating buckets are cumulative ("4.5 and up", …), as a filter
//! chip would use them.

use serde_json::{Value, json};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// Lower edges of the price buckets (minor units); the last bucket is open-ended.
pub const PRICE_EDGES: [i64; 8] = [0, 5_000, 10_000, 15_000, 20_000, 30_000, 50_000, 100_000];
/// Rating buckets: at least this average.
pub const RATING_MINS: [f64; 5] = [4.5, 4.0, 3.0, 2.0, 1.0];

/// Counts per price bucket and rating bucket.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Numbers {
    price: [u64; PRICE_EDGES.len()],
    rating: [u64; RATING_MINS.len()],
}

impl Numbers {
    pub fn add(&mut self, price: Option<i64>, rating: Option<f64>) {
        if let Some(p) = price.filter(|p| *p >= 0) {
            let bucket = PRICE_EDGES.iter().rposition(|edge| p >= *edge).unwrap_or(0);
            self.price[bucket] += 1;
        }
        if let Some(r) = rating {
            for (i, min) in RATING_MINS.iter().enumerate() {
                if r >= *min {
                    self.rating[i] += 1;
                }
            }
        }
    }

    fn merge(&mut self, other: &Numbers) {
        self.price.iter_mut().zip(other.price).for_each(|(a, b)| *a += b);
        self.rating.iter_mut().zip(other.rating).for_each(|(a, b)| *a += b);
    }

    /// `(price, rating)` facets: `[{from, to, count}]` (every bucket, `to` null on the last) and
    /// `[{min, count}]`.
    pub fn to_json(&self) -> (Value, Value) {
        let price = PRICE_EDGES
            .iter()
            .enumerate()
            .map(|(i, from)| json!({"from": from, "to": PRICE_EDGES.get(i + 1), "count": self.price[i]}))
            .collect();
        let rating =
            RATING_MINS.iter().zip(self.rating).map(|(min, count)| json!({"min": min, "count": count})).collect();
        (Value::Array(price), Value::Array(rating))
    }
}

/// Collects [`Numbers`] from the `price` and `rating` fast fields.
pub struct NumbersCollector;

pub struct NumbersSegment {
    price: Column<i64>,
    rating: Column<f64>,
    numbers: Numbers,
}

impl Collector for NumbersCollector {
    type Fruit = Numbers;
    type Child = NumbersSegment;

    fn for_segment(&self, _: SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<NumbersSegment> {
        let fast = segment.fast_fields();
        Ok(NumbersSegment { price: fast.i64("price")?, rating: fast.f64("rating")?, numbers: Numbers::default() })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Numbers>) -> tantivy::Result<Numbers> {
        let mut all = Numbers::default();
        fruits.iter().for_each(|n| all.merge(n));
        Ok(all)
    }
}

impl SegmentCollector for NumbersSegment {
    type Fruit = Numbers;

    fn collect(&mut self, doc: DocId, _: Score) {
        self.numbers.add(self.price.first(doc), self.rating.first(doc));
    }

    fn harvest(self) -> Numbers {
        self.numbers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_fall_in_the_bucket_of_their_lower_edge_and_ratings_count_cumulatively() {
        let mut n = Numbers::default();
        n.add(Some(0), Some(4.6));
        n.add(Some(4_999), Some(4.0));
        n.add(Some(5_000), None);
        n.add(Some(250_000), Some(2.5));
        n.add(None, None);
        let (price, rating) = n.to_json();
        assert_eq!(price[0]["count"], 2);
        assert_eq!(price[1]["count"], 1);
        assert_eq!(price[7], json!({"from": 100_000, "to": null, "count": 1}));
        let counts: Vec<u64> = rating.as_array().into_iter().flatten().filter_map(|r| r["count"].as_u64()).collect();
        assert_eq!(counts, vec![1, 2, 2, 3, 3]);
    }
}
