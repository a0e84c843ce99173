//! Travel as its own service: booking, in another process, prices the cart's flight offers at
//! the travel service (`services.travel_url`, the internal supplier endpoints with the internal
//! key) — the price the cart keeps is travel's, and a tampered offer is refused there.

use reqwest::{Client, Method, StatusCode};
use serde_json::json;

use super::Api;
use super::cluster::{Engines, Shared};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn booking_prices_flight_offers_at_the_travel_service() {
    let Some(engines) = Engines::from_env() else { return };
    let client = Client::new();
    let shared = Shared::create(&engines).await;
    let (identity, jwks) = shared.identity(&client).await;
    let verify = ("SOJOURN__AUTH__JWKS_URL", jwks.clone());
    let mut travel = shared.role("travel", std::slice::from_ref(&verify));
    let mut booking = shared.role("booking", &[verify.clone(), ("SOJOURN__SERVICES__TRAVEL_URL", travel.base())]);
    for role in [&mut travel, &mut booking] {
        role.start();
    }
    for role in [&mut travel, &mut booking] {
        role.wait_ready(&client).await;
    }
    let accounts = Api { client: client.clone(), base: identity.base() };
    let account = json!({ "email": "traveller@example.com", "password": "Password1!" });
    let registered = accounts.ok(Method::POST, None, "/api/v1/auth/register", Some(&account)).await;
    let token = registered["tokens"]["accessToken"].as_str().unwrap().to_owned();

    // A search at travel, the offer into the cart at booking.
    let day = chrono::Utc::now().date_naive() + chrono::Days::new(40);
    let search =
        format!("/api/v1/flights/search?originLocationCode=PAR&destinationLocationCode=LON&departureDate={day}");
    let travel_api = Api { client: client.clone(), base: travel.base() };
    let (status, found) = travel_api.call(Method::GET, None, &search, None).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    let offer = found["data"][0].clone();
    let total: f64 = offer["price"]["total"].as_str().unwrap().parse().unwrap();
    let cart = Api { client: client.clone(), base: booking.base() };
    let item = json!({ "itemType": "flight", "itemData": offer, "quantity": 1, "price": total,
                       "currency": offer["price"]["currency"] });
    let (status, added) = cart.call(Method::POST, Some(&token), "/api/v1/cart/items", Some(&item)).await;
    assert_eq!(status, StatusCode::CREATED, "{added}\n{}", booking.logs());
    let kept = cart.ok(Method::GET, Some(&token), "/api/v1/cart/me", None).await;
    assert_eq!(kept["itemCount"], 1, "{kept}");

    // A tampered offer id is refused by travel, named as the cart item's field.
    let mut forged = offer.clone();
    forged["id"] = json!(format!("{}X", offer["id"].as_str().unwrap()));
    let item = json!({ "itemType": "flight", "itemData": forged, "quantity": 1, "price": total });
    let (status, refused) = cart.call(Method::POST, Some(&token), "/api/v1/cart/items", Some(&item)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert!(refused["details"][0]["field"].as_str().unwrap().starts_with("itemData"), "{refused}");
}
