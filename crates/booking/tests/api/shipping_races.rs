//! Product orders raced: returns of one order sent at once take back each unit once, and one
//! `Idempotency-Key` sent several times at once makes one return.

use serde_json::{Value, json};

use crate::shipping::{mugs, reservation, step};
use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn raced_returns_take_back_each_unit_once() {
    let app = spawn().await;
    let shop = host(&app, "shop@example.com", "Europe/Paris").await;
    let mug = publish(&app, &shop, &mugs(10)).await;
    let ana = register(&app, "ana@example.com").await;
    let parcel = json!({"carrier": "La Poste", "trackingNumber": "6A123"});
    let mut orders = Vec::new();
    for _ in 0..2 {
        let r = data(reserve(&app, &ana, &order(&mug, 3)).await).await["reservation"].clone();
        let id = r["id"].as_str().unwrap().to_owned();
        payment_event(&app, "succeeded", &id, r["total"].as_i64().unwrap()).await;
        data(step(&app, &shop, &id, "ship", Some(&parcel)).await).await;
        orders.push((id, r["total"].as_i64().unwrap()));
    }

    // Six returns of one unit each for three units bought: three are made, three refused.
    let (id, total) = &orders[0];
    let racers = (0..6).map(|i| {
        let body = json!({"quantity": 1, "reason": format!("Return {i}")});
        let (app, shop) = (&app, &shop);
        async move { testkit::json(step(app, shop, id, "returns", Some(&body)).await).await }
    });
    let results = futures_util::future::join_all(racers).await;
    let made: Vec<&Value> = results.iter().filter(|(s, _)| *s == 201).map(|(_, b)| b).collect();
    assert_eq!(made.len(), 3, "{results:?}");
    for (status, body) in results.iter().filter(|(s, _)| *s != 201) {
        assert_eq!((*status, body["code"].as_str()), (409, Some("return_exceeds_quantity")), "{body}");
    }
    let refunded: i64 = made.iter().map(|b| b["data"]["return"]["refundAmount"].as_i64().unwrap()).sum();
    assert_eq!(refunded, total - 500, "all but the shipping, exactly");

    // The same return sent four times at once with one key: made once, answered four times.
    let (id, _) = &orders[1];
    let path = format!("/api/v1/reservations/{id}/returns");
    let same =
        (0..4).map(|_| {
            let request = app.client.post(app.url(&path)).bearer_auth(&shop.token).header("Idempotency-Key", "once");
            async move {
                testkit::json(request.json(&json!({"quantity": 2, "reason": "Too big"})).send().await.unwrap()).await
            }
        });
    let answers = futures_util::future::join_all(same).await;
    assert!(answers.iter().all(|(s, _)| *s == 201), "{answers:?}");
    let ids: std::collections::BTreeSet<&str> =
        answers.iter().map(|(_, b)| b["data"]["return"]["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 1, "{answers:?}");
    assert_eq!(reservation(&app, &ana, id).await["returns"].as_array().map(Vec::len), Some(1));
}
