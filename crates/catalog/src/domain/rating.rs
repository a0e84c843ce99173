//! A listing's rating, as the reviews context publishes it (`review.summary_changed`): catalog
//! keeps the newest summary per listing and shows it in every listing view, so a guest sees the
//! stars on the page they book from. Reviews owns the numbers; catalog only reads them.
//!
//! Reviews shows an average from 3 reviews: below that (or once a review is hidden by
//! moderation) its summary carries `rating`, `categories` and `distribution` as null while
//! `reviewCount` still counts the published reviews. Each summary has a version that only grows
//! per listing, so an older one arriving late is recognised and skipped.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

/// What a listing view shows of its reviews. The default is a listing never reviewed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListingRating {
    /// Average overall rating, 1–5 with 2 decimals; null until the listing has 3 published reviews.
    pub rating: Option<f64>,
    /// Published, not hidden guest reviews of the listing (0 when it has none).
    pub review_count: i64,
    /// Average per category, e.g. `{"cleanliness": 4.67, "accuracy": 5.0}` (the categories
    /// depend on the listing's kind); null while `rating` is.
    #[schema(value_type = Option<BTreeMap<String, f64>>)]
    pub rating_categories: Option<BTreeMap<String, f64>>,
    /// How many reviews gave each overall rating, `{"1": 0, …, "5": 7}`; null while `rating` is.
    #[schema(value_type = Option<BTreeMap<String, i64>>)]
    pub rating_distribution: Option<BTreeMap<String, i64>>,
}

/// One `review.summary_changed` payload (or Ratings feed item), read.
#[derive(Debug, Clone, PartialEq)]
pub struct RatingSummary {
    pub listing_id: Uuid,
    /// Grows per listing: applied only when newer than the last one applied.
    pub version: i64,
    pub rating: ListingRating,
}

/// Whether `r` is an average the reviews context can publish.
fn in_range(r: f64) -> bool {
    (0.0..=5.0).contains(&r)
}

impl RatingSummary {
    /// Reads reviews' payload; `None` without a listing id and a version, or with a rating that
    /// is neither null nor a number in 0–5 (nothing is applied then). A null or absent rating,
    /// or `shown: false`, clears the average, its categories and distribution.
    pub fn from_payload(v: &Value) -> Option<Self> {
        let listing_id = v["listingId"].as_str()?.parse().ok()?;
        let version = v["version"].as_i64()?;
        let average = match &v["rating"] {
            Value::Null => None,
            r => Some(r.as_f64().filter(|r| in_range(*r))?),
        };
        let average = average.filter(|_| v["shown"].as_bool() != Some(false));
        let review_count = v["reviewCount"].as_i64().unwrap_or(0).max(0);
        let shown = average.is_some();
        let rating = ListingRating {
            rating: average,
            review_count,
            rating_categories: categories(&v["categories"]).filter(|_| shown),
            rating_distribution: distribution(&v["distribution"]).filter(|_| shown),
        };
        Some(Self { listing_id, version, rating })
    }
}

/// The categories' averages; entries that are not a number in 0–5 are left out.
fn categories(v: &Value) -> Option<BTreeMap<String, f64>> {
    let object = v.as_object()?;
    Some(object.iter().filter_map(|(k, v)| Some((k.clone(), v.as_f64().filter(|r| in_range(*r))?))).collect())
}

/// Counts per star ("1" to "5"); other keys and counts that are not whole and ≥ 0 are left out.
fn distribution(v: &Value) -> Option<BTreeMap<String, i64>> {
    let object = v.as_object()?;
    let stars = ["1", "2", "3", "4", "5"];
    Some(
        object
            .iter()
            .filter(|(k, _)| stars.contains(&k.as_str()))
            .filter_map(|(k, v)| Some((k.clone(), v.as_i64().filter(|n| *n >= 0)?)))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn shown() -> Value {
        json!({"listingId": Uuid::nil(), "version": 7, "reviewCount": 10, "shown": true, "rating": 4.7,
               "categories": {"cleanliness": 4.67, "accuracy": 5.0, "odd": "x"},
               "distribution": {"1": 0, "2": 0, "3": 1, "4": 2, "5": 7, "6": 1}})
    }

    #[test]
    fn a_shown_summary_keeps_its_numbers_and_drops_what_is_malformed() {
        let s = RatingSummary::from_payload(&shown()).unwrap_or_else(|| panic!("valid"));
        assert_eq!((s.version, s.rating.rating, s.rating.review_count), (7, Some(4.7), 10));
        let categories = s.rating.rating_categories.unwrap_or_default();
        assert_eq!(categories.keys().collect::<Vec<_>>(), ["accuracy", "cleanliness"]);
        assert_eq!(s.rating.rating_distribution.map(|d| d.values().sum::<i64>()), Some(10));
    }

    #[test]
    fn a_null_rating_clears_everything_but_the_count() {
        let mut v = shown();
        v["rating"] = Value::Null;
        v["shown"] = json!(false);
        let s = RatingSummary::from_payload(&v).unwrap_or_else(|| panic!("valid"));
        assert_eq!(s.rating, ListingRating { review_count: 10, ..ListingRating::default() });
        // `shown: false` wins over a stray number.
        let mut v = shown();
        v["shown"] = json!(false);
        assert_eq!(RatingSummary::from_payload(&v).and_then(|s| s.rating.rating), None);
    }

    #[test]
    fn without_a_listing_a_version_or_a_sane_rating_nothing_is_applied() {
        for (field, bad) in [
            ("listingId", json!("x")),
            ("version", Value::Null),
            ("rating", json!(5.5)),
            ("rating", json!(-1)),
            ("rating", json!("4.5")),
        ] {
            let mut v = shown();
            v[field] = bad;
            assert!(RatingSummary::from_payload(&v).is_none(), "{field}");
        }
    }
}
