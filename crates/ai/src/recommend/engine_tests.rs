#![allow(clippy::unwrap_used)]
use super::*;
use chrono::TimeZone;

fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, day, 12, 0, 0).unwrap()
}

fn ev(user: u128, item: &str, weight: f64, day: u32) -> Event {
    Event { user: Uuid::from_u128(user), item: item.into(), weight, booked: weight >= 5.0, at: at(day) }
}

#[test]
fn co_occurrence_makes_neighbours_and_cosine_is_shrunk() {
    let events = vec![
        ev(1, "LIS", 5.0, 1),
        ev(1, "OPO", 5.0, 2),
        ev(2, "LIS", 5.0, 1),
        ev(2, "OPO", 1.0, 2),
        ev(3, "LIS", 1.0, 3),
        ev(3, "TYO", 1.0, 3),
    ];
    let n = neighbours(&preferences(&events), 5);
    let lis = &n["LIS"];
    assert_eq!(lis[0].item, "OPO");
    assert_eq!(lis[0].co_users, 2);
    assert!(lis[0].score > lis[1].score && lis[1].item == "TYO");
    // one co-user: the cosine is shrunk by 1/3
    let lis_opo_alone = neighbours(&preferences(&events[..2]), 5);
    assert!((lis_opo_alone["LIS"][0].score - 1.0 / 3.0).abs() < 1e-9);
}

#[test]
fn trending_decays_with_the_half_life_and_popularity_caps_one_user() {
    let events = vec![ev(1, "OLD", 5.0, 1), ev(2, "NEW", 5.0, 15), ev(3, "NEW", 1.0, 15), ev(4, "OLD", 1.0, 1)];
    let p = popularity(&events, |_| Some("LUXURY_TRAVELER"), at(15), 7.0);
    let all = &p[ALL];
    assert!((all["OLD"].score - 1.0).abs() < 1e-9 && (all["NEW"].score - 1.0).abs() < 1e-9);
    assert!((all["NEW"].trending - 1.0).abs() < 1e-9);
    assert!((all["OLD"].trending - 0.25).abs() < 1e-9, "two half-lives: {}", all["OLD"].trending);
    assert_eq!(all["NEW"].bookings, 1);
    assert!(p.contains_key("LUXURY_TRAVELER"));
    let spam: Vec<Event> = (0..20).map(|_| ev(9, "SPAM", 5.0, 15)).chain([ev(8, "X", 5.0, 15)]).collect();
    let p = popularity(&spam, |_| None, at(15), 7.0);
    assert!((p[ALL]["SPAM"].score - p[ALL]["X"].score).abs() < 1e-9);
}

#[test]
fn ranking_blends_and_explains() {
    let events = vec![ev(1, "LIS", 5.0, 1), ev(1, "OPO", 5.0, 2), ev(2, "LIS", 5.0, 1), ev(2, "OPO", 3.0, 2)];
    let model = neighbours(&preferences(&events), 5);
    let mut prefs = HashMap::new();
    prefs.insert("LIS".to_owned(), 5.0);
    let booked = vec!["LIS".to_owned()];
    let r =
        Ranking { prefs: &prefs, booked: &booked, neighbours: &model, all: None, segment: None, has_profile: false };
    let out = r.rank(&["OPO".into(), "TYO".into()], |_| (0.5, vec![]), str::to_owned, "", 10);
    assert_eq!(out[0].item, "OPO");
    assert_eq!(out[0].reasons[0], "Travellers who booked LIS also booked OPO");
    assert!(out[0].breakdown.collaborative > 0.99 && out[1].breakdown.collaborative == 0.0);
    let (cf0, content0, ..) = weights(0, true);
    let (cf5, content5, ..) = weights(5, true);
    assert!(cf0 == 0.0 && cf5 > 0.4 && content5 < content0);
}

#[test]
fn vector_helpers() {
    assert!((cosine(&[1.0, 0.0], &[1.0, 0.0]) - 1.0).abs() < 1e-12);
    assert_eq!(cosine(&[0.0, 0.0], &[1.0, 0.0]), 0.0);
    let a = [0.0; 8];
    let mut b = [0.0; 8];
    b[0] = 1.0;
    assert!((closeness(&a, &b, 2) - 0.5).abs() < 1e-12);
}
