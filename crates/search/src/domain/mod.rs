//! What search knows of a listing: catalog's public view ([`listing`]), booking's availability
//! and reviews' rating ([`signals`]), each read from the owner's event payload (or feed item, the
//! same shape). Pure: no I/O, unit tested here.

pub mod listing;
pub mod signals;

pub use listing::IndexedListing;
pub use signals::{Availability, Rating, Rev};

/// The key a city or amenity is matched on: trimmed, lowercase.
pub fn key(s: &str) -> String {
    s.trim().to_lowercase()
}

/// Great-circle distance in kilometres.
pub fn haversine_km(lat1: f64, lng1: f64, lat2: f64, lng2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lng2 - lng1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6371.0088 * a.sqrt().asin()
}

/// Days since 1970-01-01 of a calendar date (how dates are indexed).
pub fn day_number(date: chrono::NaiveDate) -> i64 {
    date.signed_duration_since(chrono::NaiveDate::default()).num_days()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_count_from_the_epoch() {
        let d = |s: &str| day_number(s.parse().unwrap_or_default());
        assert_eq!(d("1970-01-02"), 1);
        assert_eq!(d("2027-01-04") - d("2027-01-01"), 3);
    }
}
