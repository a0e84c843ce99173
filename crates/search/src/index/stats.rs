//! Facets over numbers — a price histogram and rating buckets — as counted by
//! [`super::summary`].
//!
//! Price buckets are fixed edges in minor units (prices are not converted: each listing
//! counts in its own currency); rating buckets are cumulative ("4.5 and up", …), as a filter
//! chip would use them.

use serde_json::{Value, json};

/// Lower edges of the price buckets (minor units); the last bucket is open-ended.
pub const PRICE_EDGES: [i64; 8] = [0, 5_000, 10_000, 15_000, 20_000, 30_000, 50_000, 100_000];
/// Rating buckets: at least this average.
pub const RATING_MINS: [f64; 5] = [4.5, 4.0, 3.0, 2.0, 1.0];

/// The price bucket of `price` (minor units): the last edge it reaches.
pub fn price_bucket(price: i64) -> Option<usize> {
    (price >= 0).then(|| PRICE_EDGES.iter().rposition(|edge| price >= *edge).unwrap_or(0))
}

/// The highest rating bucket `rating` reaches (it also counts in every lower one).
pub fn rating_bucket(rating: f64) -> Option<usize> {
    RATING_MINS.iter().position(|min| rating >= *min)
}

/// Counts per price bucket and rating bucket.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Numbers {
    price: [u64; PRICE_EDGES.len()],
    rating: [u64; RATING_MINS.len()],
}

impl Numbers {
    /// From counts per price bucket and (cumulative) per rating bucket.
    pub fn from_counts(price: [u64; PRICE_EDGES.len()], rating: [u64; RATING_MINS.len()]) -> Self {
        Self { price, rating }
    }

    #[cfg(test)]
    fn add(&mut self, price: Option<i64>, rating: Option<f64>) {
        if let Some(b) = price.and_then(price_bucket) {
            self.price[b] += 1;
        }
        if let Some(b) = rating.and_then(rating_bucket) {
            self.rating[b..].iter_mut().for_each(|n| *n += 1);
        }
    }

    pub fn merge(&mut self, other: &Numbers) {
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
