//! GDPR across contexts: a guest's export includes their reservations; deleting the account
//! keeps the reservation (an accounting record) without the text the guest wrote.

use reqwest::Method;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn exports_carry_reservations_and_erasure_removes_what_people_wrote() {
    let app = spawn().await;
    let owner = host(&app, "gdpr-host@example.com", "Europe/Paris").await;
    let listing = publish(&app, &owner, &product(5)).await;
    let guest = register(&app, "gdpr-guest@example.com").await;
    let made = data(reserve(&app, &guest, &order(&listing, 2)).await).await;
    let id = made["reservation"]["id"].as_str().unwrap().to_owned();
    let reason = json!({"reason": "Bought the wrong colour"});
    let cancelled = data(
        call(&app, Method::POST, Some(&guest.token), &format!("/api/v1/reservations/{id}/cancel"), Some(&reason)).await,
    )
    .await;
    assert_eq!(cancelled["reservation"]["cancelReason"], "Bought the wrong colour");
    // A plan and a cart line too.
    let plan = json!({"name": "Lisbon in June"});
    assert_eq!(call(&app, Method::POST, Some(&guest.token), "/api/v1/itineraries", Some(&plan)).await.status(), 201);
    let quote = data(
        call(&app, Method::POST, Some(&guest.token), "/api/v1/reservations/quote", Some(&order(&listing, 1))).await,
    )
    .await;
    let price = quote["quote"]["guestTotal"].as_f64().unwrap() / 100.0;
    let line = json!({"itemType": "product", "itemData": order(&listing, 1), "quantity": 1, "price": price});
    assert_eq!(call(&app, Method::POST, Some(&guest.token), "/api/v1/cart/items", Some(&line)).await.status(), 201);

    let filed = data(
        call(
            &app,
            Method::POST,
            Some(&guest.token),
            "/api/v1/users/gdpr/request",
            Some(&json!({"type": "DATA_EXPORT"})),
        )
        .await,
    )
    .await;
    let request = filed["request"]["id"].as_str().unwrap();
    let archive: serde_json::Value =
        call(&app, Method::GET, Some(&guest.token), &format!("/api/v1/users/gdpr/requests/{request}/download"), None)
            .await
            .json()
            .await
            .unwrap();
    let booking = &archive["contexts"]["booking"];
    assert_eq!(booking["reservations"][0]["id"], id.as_str(), "{archive}");
    assert_eq!(booking["reservations"][0]["quantity"], 2);
    assert_eq!(booking["hostedReservations"], json!([]));
    assert_eq!(booking["itineraries"][0]["name"], "Lisbon in June", "{archive}");
    assert_eq!(booking["cart"][0]["itemType"], "product", "{archive}");

    assert_eq!(call(&app, Method::DELETE, Some(&guest.token), "/api/v1/users/profile", None).await.status(), 200);
    app.drain_events().await;
    let hosted = data(call(&app, Method::GET, Some(&owner.token), "/api/v1/reservations/hosting", None).await).await;
    let kept = &hosted["reservations"][0];
    assert_eq!((kept["id"].as_str(), kept["status"].as_str()), (Some(id.as_str()), Some("cancelled")));
    assert_eq!(kept["cancelReason"], serde_json::Value::Null, "the guest's words are gone: {kept}");
    let db = app.platform.db("booking").unwrap();
    for table in ["itineraries", "cart_items"] {
        let (left,): (i64,) = platform::db::query_dynamic(format!("SELECT CAST(COUNT(*) AS BIGINT) FROM {table}"))
            .fetch_one(db)
            .await
            .unwrap();
        assert_eq!(left, 0, "{table} erased");
    }
}
