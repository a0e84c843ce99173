//! Aggregates of reviews: count, average, per-category averages and the distribution of
//! overall ratings, built from the database's sums and counts. Shown publicly only from
//! [`SHOWN_FROM`] reviews: below that, only the count is public.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::SHOWN_FROM;

/// Sums and counts as the database grouped them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    /// (overall rating 1–5, reviews with it).
    pub ratings: Vec<(i64, i64)>,
    /// (category, sum of scores, scores).
    pub categories: Vec<(String, i64, i64)>,
}

fn two_decimals(sum: i64, count: i64) -> Option<f64> {
    (count > 0).then(|| ((sum as f64 / count as f64) * 100.0).round() / 100.0)
}

impl Tally {
    pub fn count(&self) -> i64 {
        self.ratings.iter().map(|(_, n)| n).sum()
    }

    /// The average overall rating, two decimals; `None` without reviews.
    pub fn average(&self) -> Option<f64> {
        two_decimals(self.ratings.iter().map(|(r, n)| r * n).sum(), self.count())
    }

    fn distribution(&self) -> Value {
        let mut d: BTreeMap<String, i64> = (1..=5).map(|r| (r.to_string(), 0)).collect();
        for (r, n) in &self.ratings {
            if let Some(slot) = d.get_mut(&r.to_string()) {
                *slot += n;
            }
        }
        json!(d)
    }

    fn category_averages(&self) -> Value {
        let m: BTreeMap<&str, Option<f64>> =
            self.categories.iter().map(|(c, sum, n)| (c.as_str(), two_decimals(*sum, *n))).collect();
        json!(m)
    }

    /// `{reviewCount, shown, rating, categories, distribution}`: the numbers only when shown
    /// (`full` shows them whatever the count, for administrators).
    pub fn render(&self, full: bool) -> Value {
        let count = self.count();
        let shown = count >= SHOWN_FROM;
        if shown || full {
            json!({"reviewCount": count, "shown": shown, "rating": self.average(),
                   "categories": self.category_averages(), "distribution": self.distribution()})
        } else {
            json!({"reviewCount": count, "shown": false, "rating": null, "categories": null, "distribution": null})
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(ratings: &[(i64, i64)]) -> Tally {
        Tally { ratings: ratings.to_vec(), categories: vec![("cleanliness".into(), 14, 3), ("value".into(), 9, 2)] }
    }

    #[test]
    fn numbers_are_public_from_three_reviews() {
        let two = tally(&[(5, 1), (4, 1)]).render(false);
        assert_eq!(
            two,
            json!({"reviewCount": 2, "shown": false, "rating": null, "categories": null, "distribution": null})
        );
        let three = tally(&[(5, 2), (4, 1)]).render(false);
        assert_eq!(three["rating"], json!(4.67));
        assert_eq!(three["shown"], true);
        assert_eq!(three["categories"], json!({"cleanliness": 4.67, "value": 4.5}));
        assert_eq!(three["distribution"], json!({"1": 0, "2": 0, "3": 0, "4": 1, "5": 2}));
    }

    #[test]
    fn administrators_see_numbers_below_the_threshold() {
        let full = tally(&[(2, 1)]).render(true);
        assert_eq!((full["shown"].as_bool(), full["rating"].as_f64()), (Some(false), Some(2.0)));
        assert_eq!(Tally::default().render(true)["rating"], Value::Null);
    }
}
