//! Consent and GDPR: nothing kept without consent; a signed-in user's own analytics consent
//! decides; their tracked events are in their export and lose their name on erasure.

use reqwest::Method;
use serde_json::json;
use testkit::accounts::{PASSWORD, call};

use crate::support::*;

const AN_HOUR_AGO: &str = "2027-01-04T22:30:00Z";

#[tokio::test]
async fn without_consent_nothing_is_kept_and_no_cookie_is_set() {
    let app = spawn().await;
    let boss = admin(&app, "admin@example.com").await;
    let batch = json!({"events": [event("page_view", AN_HOUR_AGO), event("click", AN_HOUR_AGO)]});
    for headers in [vec![], vec![("x-analytics-consent", "denied")]] {
        let r = track(&app, None, &headers, &batch).await;
        assert_eq!(minted_cookie(&r), None);
        let d = accepted(r).await;
        assert_eq!((d["accepted"].as_u64(), d["dropped"].as_u64()), (Some(0), Some(2)), "{d}");
        assert!(d.get("visitorId").is_none(), "{d}");
    }
    // A banner answer of "denied" wins over a "granted" elsewhere in the request.
    let mixed = json!({"consent": "granted", "events": [event("page_view", AN_HOUR_AGO)]});
    let d = accepted(track(&app, None, &[("x-analytics-consent", "denied")], &mixed).await).await;
    assert_eq!(d["dropped"], 1);
    assert_eq!(summary(&app, &boss, "from=2027-01-04&to=2027-01-04").await["total"], 0);
}

#[tokio::test]
async fn a_signed_in_users_events_are_kept_only_while_their_analytics_consent_is_granted() {
    let app = spawn().await;
    let boss = admin(&app, "admin@example.com").await;
    let gina = register_named(&app, "gina@example.com", "Gina", "Guest").await;
    let granted_header = [("x-analytics-consent", "granted")];
    let batch = || json!({"events": [event("page_view", AN_HOUR_AGO)]});

    // Identity's default: analytics off. What the request says does not override it.
    let d = accepted(track(&app, Some(&gina.token), &granted_header, &batch()).await).await;
    assert_eq!((d["accepted"].as_u64(), d["dropped"].as_u64()), (Some(0), Some(1)), "{d}");

    data(post(&app, &gina, "/api/v1/users/gdpr/consent", &json!({"analytics": true})).await).await;
    app.drain_events().await;
    let r = track(&app, Some(&gina.token), &[], &batch()).await;
    assert!(minted_cookie(&r).is_some(), "a signed-in user's browser gets a visitor id too");
    let d = accepted(r).await;
    assert_eq!((d["accepted"].as_u64(), d.get("dropped")), (Some(1), None), "{d}");
    assert_eq!(rows_of(&app, &gina.id).await, 1, "recorded with the user");

    data(post(&app, &gina, "/api/v1/users/gdpr/consent", &json!({"analytics": false})).await).await;
    app.drain_events().await;
    let d = accepted(track(&app, Some(&gina.token), &[], &batch()).await).await;
    assert_eq!(d["dropped"], 1, "{d}");
    assert_eq!(summary(&app, &boss, "from=2027-01-04&to=2027-01-04").await["total"], 1);
}

#[tokio::test]
async fn tracked_events_are_exported_and_erasure_removes_the_user() {
    let app = spawn().await;
    let boss = admin(&app, "admin@example.com").await;
    let (_, listing) = paris_listing(&app).await;
    let gina = register_named(&app, "gina@example.com", "Gina", "Guest").await;
    data(post(&app, &gina, "/api/v1/users/gdpr/consent", &json!({"analytics": true})).await).await;
    app.drain_events().await;
    let search = json!({"id": uuid::Uuid::now_v7(), "type": "search", "at": AN_HOUR_AGO, "query": "paris canal"});
    let d =
        accepted(track(&app, Some(&gina.token), &[], &json!({"events": [view(&listing, AN_HOUR_AGO), search]})).await)
            .await;
    assert_eq!(d["accepted"], 2, "{d}");

    let filed = data(post(&app, &gina, "/api/v1/users/gdpr/request", &json!({"type": "DATA_EXPORT"})).await).await;
    let request = filed["request"]["id"].as_str().unwrap().to_owned();
    let archive: serde_json::Value =
        get(&app, &gina, &format!("/api/v1/users/gdpr/requests/{request}/download")).await.json().await.unwrap();
    let part = &archive["contexts"]["insights"];
    let tracked = part["trackedEvents"].as_array().unwrap_or_else(|| panic!("{archive}"));
    assert_eq!(tracked.len(), 2, "{part}");
    let seen = tracked.iter().find(|e| e["type"] == "listing_view").unwrap();
    assert_eq!(
        (seen["listingId"].as_str(), seen["path"].as_str()),
        (Some(listing.as_str()), Some(&*format!("/listings/{listing}")))
    );
    assert_eq!(seen["at"], "2027-01-04T22:30:00Z");
    assert!(tracked.iter().any(|e| e["type"] == "search" && e["query"] == "paris canal"), "{part}");
    assert_eq!(part["consent"]["analytics"], true);

    let gone = call(&app, Method::DELETE, &gina, "/api/v1/users/profile", Some(&json!({"password": PASSWORD}))).await;
    assert_eq!(gone.status(), 200);
    app.drain_events().await;
    assert_eq!(rows_of(&app, &gina.id).await, 0, "no tracked row names the user any more");
    let s = summary(&app, &boss, "from=2027-01-04&to=2027-01-05").await;
    assert_eq!(s["total"], 2, "the events stay, anonymous: {s}");
    assert_eq!(s["listings"][0]["views"], 1);
}
