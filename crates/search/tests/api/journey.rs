//! The traveller, with booking running: "apartmnt paris" with dates and two guests
//! finds the Paris apartments free for those nights (one is booked), ranked, with facets; then
//! sorted by distance. And an administrator's reindex walks catalog's and booking's feeds.

use std::sync::Arc;

use reqwest::Method;
use serde_json::json;

use super::support::*;

async fn spawn_with_booking() -> App {
    let contexts: Vec<Arc<dyn platform::Context>> = vec![
        Arc::new(identity::Identity),
        Arc::new(catalog::Catalog),
        Arc::new(booking::Booking),
        Arc::new(search::Search),
    ];
    testkit::spawn_clocked("2027-01-04T09:00:00Z", contexts).await
}

/// A signed-up account's access token.
async fn guest(app: &App, email: &str) -> String {
    let body = json!({"email": email, "password": "Password1!"});
    let d = data(app.post_json("/api/v1/auth/register", &body).await).await;
    d["tokens"]["accessToken"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_traveller_finds_free_paris_apartments_for_their_dates_then_sorts_by_distance() {
    let app = spawn_with_booking().await;
    let token = host(&app, "host@example.com").await;
    let apartment = |title: &str, at: (f64, f64)| {
        stay(
            title,
            "A bright apartment with a kitchen, close to the metro.",
            "Paris",
            "FR",
            at,
            json!({"amenities": ["wifi"]}),
        )
    };
    let marais = publish(&app, &token, &apartment("Apartment in the Marais", (48.857, 2.357))).await;
    let bastille = publish(&app, &token, &apartment("Apartment near Bastille", (48.853, 2.369))).await;
    let batignolles = publish(&app, &token, &apartment("Apartment in Batignolles", (48.887, 2.316))).await;
    let lyon = publish(
        &app,
        &token,
        &stay("Apartment in Lyon", "Bright, near the river and the old town.", "Lyon", "FR", (45.76, 4.83), json!({})),
    )
    .await;

    let traveller = guest(&app, "traveller@example.com").await;
    let body = json!({"listingId": bastille, "checkIn": "2027-03-10", "checkOut": "2027-03-13", "guests": 2});
    let r = app.call(Method::POST, Some(&traveller), "/api/v1/reservations", Some(&body)).await;
    data(r).await;
    app.drain_events().await;

    let query = "q=apartmnt+paris&checkIn=2027-03-11&checkOut=2027-03-14&guests=2";
    let d = eventually(&app, query, |d| !has(d, &bastille) && d["listings"].as_array().unwrap().len() == 2).await;
    let mut found: Vec<&str> = d["listings"].as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap()).collect();
    found.sort();
    let mut expected = vec![marais.as_str(), batignolles.as_str()];
    expected.sort();
    assert_eq!(found, expected, "{d}");
    assert!(d["listings"][0]["score"].as_f64().unwrap() > 0.0);
    assert_eq!(d["facets"]["city"], json!({"Paris": 2}));
    assert_eq!(d["facets"]["amenities"], json!({"wifi": 2}));
    assert!(!has(&d, &lyon));

    // From the Place de la Bastille: the Marais first, Batignolles further.
    let near = format!("{query}&near=48.8532,2.3691&radiusKm=10&sort=distance");
    let hits = ids(&app, &near).await;
    assert_eq!(hits, vec![marais.clone(), batignolles.clone()]);
    // Other dates: Bastille is free again.
    assert!(ids(&app, "q=apartmnt+paris&checkIn=2027-03-13&checkOut=2027-03-15").await.contains(&bastille));

    // A reindex from the feeds ends with the same answers, even when search's own copies were
    // lost: the listings from catalog's feed, the booked nights from booking's.
    let db = app.platform.db("search").unwrap();
    platform::db::query("DELETE FROM indexed_listings").execute(db).await.unwrap();
    platform::db::query("DELETE FROM listing_availability").execute(db).await.unwrap();
    let admin = administrator(&app, "admin@example.com").await;
    let status = reindex(&app, &admin).await;
    assert_eq!(
        (status["lastRebuild"]["ok"].as_bool(), status["lastRebuild"]["source"].as_str()),
        (Some(true), Some("feeds"))
    );
    assert_eq!(status["documents"], 4);
    assert_eq!(ids(&app, &near).await, vec![marais, batignolles]);
    // Administrators only.
    let r = app.call(Method::POST, Some(&traveller), "/api/v1/admin/search/reindex", None).await;
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(app.call(Method::GET, None, "/api/v1/admin/search/status", None).await.status().as_u16(), 401);
}
