//! What else places a listing in a search: booking's availability (`availability.changed`) and
//! reviews' rating (`review.summary_changed`). Each carries a version that only grows per
//! listing, so a late, older payload is recognised and skipped.
//!
//! [`Rev`] is the revision of an indexed document: the versions of the three sources it was
//! assembled from. One document is newer than another when none of its versions is older — how
//! the writer tells a stale change (a rebuild's snapshot overtaken by an event) from a fresh one.

use chrono::NaiveDate;
use serde_json::Value;
use uuid::Uuid;

use super::day_number;

/// A listing's availability, as booking publishes it. Dates are day numbers ([`day_number`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Availability {
    pub listing_id: Uuid,
    pub version: i64,
    /// Stays: nights that cannot be booked within booking's horizon (nights beyond it are free).
    pub unavailable: Vec<i64>,
    /// Other kinds: dates with a session seat, trip seat or table left.
    pub available: Vec<i64>,
    /// Products: whether any stock is left.
    pub in_stock: Option<bool>,
}

fn dates(v: &Value) -> Vec<i64> {
    v.as_array().into_iter().flatten().filter_map(|d| d.as_str()?.parse::<NaiveDate>().ok()).map(day_number).collect()
}

fn listing_and_version(v: &Value) -> Option<(Uuid, i64)> {
    Some((v["listingId"].as_str()?.parse().ok()?, v["version"].as_i64()?))
}

impl Availability {
    /// Reads booking's payload; `None` without a listing id and a version.
    pub fn from_payload(v: &Value) -> Option<Self> {
        let (listing_id, version) = listing_and_version(v)?;
        Some(Self {
            listing_id,
            version,
            unavailable: dates(&v["unavailable"]),
            available: dates(&v["available"]),
            in_stock: v["inStock"].as_bool(),
        })
    }
}

/// A listing's rating, as reviews publishes it. Reviews shows an average only from 3 reviews:
/// below that (a review hidden by moderation, say) its summary carries `rating: null`, which
/// clears the rating here too — the listing is then searched as one never rated — while the
/// version is kept, so a late older summary cannot bring the stale average back.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rating {
    pub listing_id: Uuid,
    pub version: i64,
    /// Average, 0–5; `None` while reviews does not show one.
    pub rating: Option<f64>,
    pub review_count: i64,
}

impl Rating {
    /// Reads reviews' payload; `None` without a listing id or a version, or with a rating that
    /// is neither null nor a number in 0–5. A null or absent rating (or `shown: false`) clears.
    pub fn from_payload(v: &Value) -> Option<Self> {
        let (listing_id, version) = listing_and_version(v)?;
        let hidden = v["shown"].as_bool() == Some(false);
        let rating = match &v["rating"] {
            Value::Null => None,
            r => Some(r.as_f64().filter(|r| (0.0..=5.0).contains(r))?),
        };
        let review_count = v["reviewCount"].as_i64().unwrap_or(0).max(0);
        Some(Self { listing_id, version, rating: rating.filter(|_| !hidden), review_count })
    }
}

/// The versions a document was assembled from: (listing, availability, rating); 0 for none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rev(pub i64, pub i64, pub i64);

impl Rev {
    /// Whether a document of revision `self` may replace one of revision `other`.
    pub fn supersedes(self, other: Rev) -> bool {
        self.0 >= other.0 && self.1 >= other.1 && self.2 >= other.2
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn availability_reads_dates_and_skips_bad_ones() {
        let a = Availability::from_payload(&json!({"listingId": Uuid::nil(), "version": 3,
            "unavailable": ["1970-01-02", "nope", 5], "available": null, "inStock": null}))
        .unwrap_or_else(|| panic!("valid"));
        assert_eq!((a.version, a.unavailable, a.available, a.in_stock), (3, vec![1], vec![], None));
        assert!(Availability::from_payload(&json!({"listingId": "x", "version": 1})).is_none());
    }

    #[test]
    fn a_rating_outside_zero_to_five_is_refused() {
        let base = json!({"listingId": Uuid::nil(), "version": 1, "reviewCount": 2});
        let with = |r: Value| {
            let mut v = base.clone();
            v["rating"] = r;
            Rating::from_payload(&v)
        };
        assert_eq!(with(json!(4.5)).map(|r| (r.rating, r.review_count)), Some((Some(4.5), 2)));
        assert!(with(json!(5.5)).is_none());
        assert!(with(json!(-1.0)).is_none());
        assert!(with(json!("4.5")).is_none());
    }

    #[test]
    fn a_null_rating_clears_it_and_keeps_the_count() {
        let cleared = Rating::from_payload(&json!({"listingId": Uuid::nil(), "version": 7, "reviewCount": 2,
            "shown": false, "rating": null, "categories": null, "distribution": null}));
        assert_eq!(cleared.map(|r| (r.version, r.rating, r.review_count)), Some((7, None, 2)));
        let absent = Rating::from_payload(&json!({"listingId": Uuid::nil(), "version": 1}));
        assert_eq!(absent.map(|r| (r.rating, r.review_count)), Some((None, 0)));
        let hidden =
            Rating::from_payload(&json!({"listingId": Uuid::nil(), "version": 2, "shown": false, "rating": 4.0}));
        assert_eq!(hidden.and_then(|r| r.rating), None);
        // Without a listing or a version nothing can be applied.
        assert!(Rating::from_payload(&json!({"listingId": "x", "version": 1, "rating": null})).is_none());
        assert!(Rating::from_payload(&json!({"listingId": Uuid::nil(), "rating": null})).is_none());
    }

    #[test]
    fn a_revision_supersedes_only_when_nothing_in_it_is_older() {
        assert!(Rev(2, 1, 0).supersedes(Rev(2, 1, 0)));
        assert!(Rev(3, 1, 0).supersedes(Rev(2, 1, 0)));
        assert!(!Rev(3, 0, 0).supersedes(Rev(2, 1, 0)));
        assert!(!Rev(1, 5, 5).supersedes(Rev(2, 0, 0)));
    }
}
