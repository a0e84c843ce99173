//! Menu orders through HTTP: a takeaway through the kitchen flow to `collected` with the
//! payment captured on acceptance and the ledger balanced; rejected orders refunded in full;
//! a pre-order with a table reservation served; orders raced against a menu change; orders
//! the kitchen does not accept in time; bad orders.

use reqwest::Method;
use serde_json::json;

use crate::orders_kit::*;
use crate::support::{assert_ledger_balanced, call, data, register};

#[tokio::test]
async fn a_takeaway_goes_through_the_kitchen_and_the_money_adds_up() {
    let kit = spawn().await;
    let guest = register(&kit, "guest@example.com").await;
    let cook = staff(&kit, "cook@example.com").await;
    let order = placed(&kit, &guest, &takeaway(&kit)).await;
    let id = order["id"].as_str().unwrap().to_owned();
    // 2 × 24.00 + 7.00 = 55.00; service 10 % = 5.50; taxes 10 % of 60.50 = 6.05.
    assert_eq!(
        (order["subtotal"].as_i64(), order["service"].as_i64(), order["taxes"].as_i64()),
        (Some(5500), Some(550), Some(605))
    );
    assert_eq!((order["total"].as_i64(), order["status"].as_str()), (Some(6655), Some("pending_payment")));
    assert_eq!(order["lines"][1]["name"], "Soup", "named as the menu names it");
    assert_eq!(
        (order["lines"][1]["allergens"][0].as_str(), order["lines"][1]["notes"].as_str()),
        (Some("celery"), Some("no bread"))
    );
    assert_eq!(order["lines"][0]["options"][0], "medium rare");

    let payment = pay(&kit, &guest, &order).await;
    assert_eq!(get_order(&kit, &guest, &id).await["status"], "received");
    assert_eq!(intent(&kit, &guest, &payment).await["status"], "requires_capture");

    // The kitchen's queue: the owner's staff sees it; others do not.
    let queue = data(
        call(&kit, Method::GET, Some(&cook.token), &format!("/api/v1/listings/{}/orders", kit.bistro), None).await,
    )
    .await;
    assert_eq!(queue["orders"].as_array().unwrap().len(), 1);
    let stranger = register(&kit, "stranger@example.com").await;
    let (status, _) = act(&kit, &stranger, &id, "accept", None).await;
    assert_eq!(status, 404);
    let (status, body) = act(&kit, &guest, &id, "accept", None).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")));

    assert_eq!(moved(&kit, &cook, &id, "accept").await["status"], "accepted");
    assert_eq!(intent(&kit, &guest, &payment).await["status"], "succeeded", "captured on acceptance");
    let (status, body) = act(&kit, &cook, &id, "ready", None).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("invalid_state")), "one step at a time");
    let (status, body) = act(&kit, &guest, &id, "cancel", None).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("order_in_preparation")));
    assert_eq!(moved(&kit, &cook, &id, "preparing").await["status"], "preparing");
    assert_eq!(moved(&kit, &kit.owner, &id, "ready").await["status"], "ready");
    let (status, _) = act(&kit, &cook, &id, "served", None).await;
    assert_eq!(status, 409, "a takeaway is collected, not served");
    let done = moved(&kit, &cook, &id, "collected").await;
    assert_eq!((done["status"].as_str(), done["paid"].as_i64()), (Some("collected"), Some(6655)));
    let steps: Vec<&str> = done["history"].as_array().unwrap().iter().map(|h| h["step"].as_str().unwrap()).collect();
    assert_eq!(steps, ["placed", "accepted", "preparing", "ready", "collected"]);
    let r = data(call(&kit, Method::GET, Some(&guest.token), &format!("/api/v1/reservations/{id}"), None).await).await;
    assert_eq!(
        (r["reservation"]["status"].as_str(), r["reservation"]["orderMode"].as_str()),
        (Some("completed"), Some("takeaway"))
    );

    // The ledger: the restaurant is owed 60.50 less 3 % (1.815, rounded to 1.82): 58.68; taxes 6.05.
    assert_ledger_balanced(&kit).await;
    let payouts = data(call(&kit, Method::GET, Some(&kit.owner.token), "/api/v1/payouts", None).await).await;
    let owed: i64 = payouts["pending"].as_array().unwrap().iter().map(|p| p["amount"].as_i64().unwrap_or(0)).sum();
    assert_eq!(owed, 5868, "{payouts}");
}

#[tokio::test]
async fn a_rejected_order_is_refunded_in_full_before_or_after_acceptance() {
    let kit = spawn().await;
    let guest = register(&kit, "guest@example.com").await;
    // Rejected while received: the authorisation is released.
    let first = placed(&kit, &guest, &takeaway(&kit)).await;
    let first_id = first["id"].as_str().unwrap().to_owned();
    let payment = pay(&kit, &guest, &first).await;
    let (status, body) = act(&kit, &kit.owner, &first_id, "reject", Some(&json!({}))).await;
    assert_eq!((status, body["details"][0]["field"].as_str()), (400, Some("reason")), "{body}");
    let (status, body) = act(&kit, &kit.owner, &first_id, "reject", Some(&json!({"reason": "Out of steak"}))).await;
    assert_eq!(status, 200, "{body}");
    let order = &body["data"]["order"];
    assert_eq!((order["status"].as_str(), order["rejectReason"].as_str()), (Some("rejected"), Some("Out of steak")));
    assert_eq!(intent(&kit, &guest, &payment).await["status"], "canceled");

    // Rejected after acceptance: the capture is refunded in full.
    let second = placed(&kit, &guest, &takeaway(&kit)).await;
    let second_id = second["id"].as_str().unwrap().to_owned();
    let payment = pay(&kit, &guest, &second).await;
    moved(&kit, &kit.owner, &second_id, "accept").await;
    moved(&kit, &kit.owner, &second_id, "preparing").await;
    let (status, body) = act(&kit, &kit.owner, &second_id, "reject", Some(&json!({"reason": "Oven broke"}))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["order"]["refund"]["amount"].as_i64(), Some(6655));
    let paid = intent(&kit, &guest, &payment).await;
    assert_eq!(paid["amountRefunded"].as_i64(), Some(6655), "{paid}");
    assert_eq!(get_order(&kit, &guest, &second_id).await["refunded"].as_i64(), Some(6655));
    assert_ledger_balanced(&kit).await;
}

#[tokio::test]
async fn a_preorder_goes_with_a_table_reservation_and_is_served() {
    let kit = spawn().await;
    let guest = register(&kit, "guest@example.com").await;
    let other = register(&kit, "other@example.com").await;
    let table = json!({"listingId": kit.bistro, "slotStart": "2030-01-02T18:00:00Z", "partySize": 2});
    let r = data(call(&kit, Method::POST, Some(&guest.token), "/api/v1/reservations", Some(&table)).await).await;
    let table_id = r["reservation"]["id"].as_str().unwrap().to_owned();
    kit.drain_events().await;
    let body = json!({"listingId": kit.bistro, "mode": "preorder", "tableReservationId": table_id,
                      "lines": [{"item": "Steak", "quantity": 2}]});
    let (status, answer) = order(&kit, &other, &body).await;
    assert_eq!((status, answer["code"].as_str()), (409, Some("table_reservation_invalid")), "not theirs");
    let pre = placed(&kit, &guest, &body).await;
    assert_eq!(
        (pre["serveAt"].as_str(), pre["tableReservationId"].as_str()),
        (Some("2030-01-02T18:00:00Z"), Some(table_id.as_str()))
    );
    let id = pre["id"].as_str().unwrap().to_owned();
    pay(&kit, &guest, &pre).await;
    for step in ["accept", "preparing", "ready", "served"] {
        moved(&kit, &kit.owner, &id, step).await;
    }
    let done = get_order(&kit, &guest, &id).await;
    assert_eq!((done["status"].as_str(), done["paid"].as_i64()), (Some("served"), Some(5808)));
    assert_ledger_balanced(&kit).await;
}

#[tokio::test]
async fn orders_keep_the_prices_they_were_placed_at_while_the_menu_changes() {
    let kit = spawn().await;
    let guest = register(&kit, "guest@example.com").await;
    let before = placed(&kit, &guest, &takeaway(&kit)).await;

    // Orders race a menu change (Steak 24.00 → 30.00): each is priced wholly from one menu.
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let (client, url, token) = (kit.client.clone(), kit.url("/api/v1/orders"), guest.token.clone());
        let body = json!({"listingId": kit.bistro, "mode": "takeaway", "pickupAt": "2030-01-02T11:30:00Z",
                          "lines": [{"item": "Steak", "quantity": 1}]});
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }));
    }
    set_menu(&kit, &kit.owner, &kit.bistro, &menu(3000, false)).await;
    for t in tasks {
        let o = t.await.unwrap()["data"]["order"].clone();
        let unit = o["lines"][0]["unitPrice"].as_i64().unwrap();
        assert!(unit == 2400 || unit == 3000, "{o}");
        assert_eq!(o["subtotal"].as_i64(), Some(unit));
    }
    let kept = get_order(&kit, &guest, before["id"].as_str().unwrap()).await;
    assert_eq!((kept["lines"][0]["unitPrice"].as_i64(), kept["total"].as_i64()), (Some(2400), Some(6655)));
    let (status, body) = order(&kit, &guest, &takeaway(&kit)).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("item_unavailable")));
    assert!(body["message"].as_str().unwrap().contains("Soup"), "{body}");
    let steak = json!({"listingId": kit.bistro, "mode": "takeaway", "pickupAt": "2030-01-02T11:30:00Z",
                       "lines": [{"item": "Steak", "quantity": 1}]});
    assert_eq!(placed(&kit, &guest, &steak).await["subtotal"], 3000);
}

#[tokio::test]
async fn orders_the_kitchen_does_not_accept_in_time_are_cancelled_and_released() {
    let kit = spawn().await;
    let guest = register(&kit, "guest@example.com").await;
    let paid_order = placed(&kit, &guest, &takeaway(&kit)).await;
    let payment = pay(&kit, &guest, &paid_order).await;
    // Lunch time: a dine-in order paid at table T1.
    kit.clock.set("2030-01-02T11:15:00Z".parse().unwrap());
    let guest = crate::support::login(&kit, "guest@example.com").await;
    let at_table = json!({"listingId": kit.bistro, "mode": "dine_in", "tableCode": "t1", "payAtTable": true,
                          "lines": [{"item": "Soup", "quantity": 1}]});
    let dine = placed(&kit, &guest, &at_table).await;
    assert_eq!(
        (dine["status"].as_str(), dine["tableCode"].as_str(), dine["paymentRequired"].as_bool()),
        (Some("received"), Some("T1"), Some(false))
    );

    kit.clock.set("2030-01-02T11:40:00Z".parse().unwrap());
    let root = crate::support::login(&kit, "root@example.com").await;
    data(call(&kit, Method::POST, Some(&root.token), "/api/v1/admin/booking/jobs/run", None).await).await;
    kit.drain_events().await;
    kit.drain_events().await;
    let guest = crate::support::login(&kit, "guest@example.com").await;
    assert_eq!(get_order(&kit, &guest, paid_order["id"].as_str().unwrap()).await["status"], "expired");
    assert_eq!(get_order(&kit, &guest, dine["id"].as_str().unwrap()).await["status"], "expired");
    assert_eq!(intent(&kit, &guest, &payment).await["status"], "canceled", "the authorisation is released");
}

#[tokio::test]
async fn bad_orders_are_refused_naming_what_is_wrong() {
    let kit = spawn().await;
    let guest = register(&kit, "guest@example.com").await;
    let fields = |body: &serde_json::Value| -> Vec<String> {
        body["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap().to_owned()).collect()
    };
    let (status, body) = order(&kit, &guest, &json!({"lines": []})).await;
    assert_eq!((status, fields(&body)), (400, vec!["listingId".to_owned(), "mode".into(), "lines".into()]));
    let bad_lines = json!({"listingId": kit.bistro, "mode": "takeaway", "pickupAt": "2030-01-02T11:30:00Z",
                           "lines": [{"item": "Pizza", "quantity": 1}, {"item": "Steak", "quantity": 51}]});
    let (status, body) = order(&kit, &guest, &bad_lines).await;
    assert_eq!((status, fields(&body)), (400, vec!["lines[1].quantity".to_owned()]));
    let unknown = json!({"listingId": kit.bistro, "mode": "takeaway", "pickupAt": "2030-01-02T11:30:00Z",
                         "lines": [{"item": "Pizza", "quantity": 1}]});
    let (status, body) = order(&kit, &guest, &unknown).await;
    assert_eq!((status, fields(&body)), (400, vec!["lines[0].item".to_owned()]));
    let steak = json!([{"item": "Steak", "quantity": 1}]);
    for (pickup, code) in
        [("2030-01-02T09:05:00Z", "pickup_out_of_range"), ("2030-01-02T14:30:00Z", "closed_at_pickup")]
    {
        let body = json!({"listingId": kit.bistro, "mode": "takeaway", "pickupAt": pickup, "lines": steak});
        let (status, answer) = order(&kit, &guest, &body).await;
        assert_eq!((status, answer["code"].as_str(), fields(&answer)), (422, Some(code), vec!["pickupAt".to_owned()]));
    }
    let body = json!({"listingId": kit.bistro, "mode": "dine_in", "tableCode": "T9", "lines": steak});
    let (status, answer) = order(&kit, &guest, &body).await;
    assert_eq!((status, answer["code"].as_str()), (422, Some("unknown_table")));
    let body = json!({"listingId": kit.bistro, "mode": "takeaway", "pickupAt": "2030-01-02T11:30:00Z", "payAtTable": true, "lines": steak});
    let (status, answer) = order(&kit, &guest, &body).await;
    assert_eq!((status, answer["code"].as_str()), (422, Some("pay_at_table_unavailable")));
    let (status, answer) = order(&kit, &kit.owner, &takeaway(&kit)).await;
    assert_eq!((status, answer["code"].as_str()), (422, Some("own_listing")));
    let oysters = json!({"listingId": kit.bistro, "mode": "takeaway", "pickupAt": "2030-01-02T11:30:00Z",
                         "lines": [{"item": "Oysters", "quantity": 1}]});
    let (status, answer) = order(&kit, &guest, &oysters).await;
    assert_eq!((status, answer["code"].as_str()), (409, Some("item_unavailable")));
    // Closed now: no dine-in order at 10:00.
    let body = json!({"listingId": kit.bistro, "mode": "dine_in", "tableCode": "T1", "lines": steak});
    let (status, answer) = order(&kit, &guest, &body).await;
    assert_eq!((status, answer["code"].as_str()), (409, Some("restaurant_closed")));
}

#[tokio::test]
async fn the_guest_and_the_kitchen_see_each_step_on_their_sockets() {
    use std::time::Duration;
    use testkit::ws::{WsAuth, WsClient, ws_url};
    let kit = spawn().await;
    let guest = register(&kit, "guest@example.com").await;
    let (mut guest_ws, _) = WsClient::connect_ready(&ws_url(&kit.base), WsAuth::Header(guest.token.clone())).await;
    let (mut kitchen_ws, _) =
        WsClient::connect_ready(&ws_url(&kit.base), WsAuth::Header(kit.owner.token.clone())).await;
    let order = placed(&kit, &guest, &takeaway(&kit)).await;
    let id = order["id"].as_str().unwrap().to_owned();
    pay(&kit, &guest, &order).await;
    let wait = Duration::from_secs(5);
    let mut seen = Vec::new();
    while let Some(frame) = kitchen_ws.next_event("order:updated", wait).await {
        seen.push(frame["data"]["status"].as_str().unwrap_or_default().to_owned());
        if seen.last().map(String::as_str) == Some("received") {
            break;
        }
    }
    assert_eq!(seen.last().map(String::as_str), Some("received"), "the kitchen hears of the paid order: {seen:?}");
    moved(&kit, &kit.owner, &id, "accept").await;
    moved(&kit, &kit.owner, &id, "preparing").await;
    let mut steps = Vec::new();
    while let Some(frame) = guest_ws.next_event("order:updated", wait).await {
        assert_eq!(frame["data"]["id"], id.as_str());
        steps.push(frame["data"]["status"].as_str().unwrap_or_default().to_owned());
        if steps.last().map(String::as_str) == Some("preparing") {
            break;
        }
    }
    assert!(steps.ends_with(&["accepted".to_owned(), "preparing".to_owned()]), "{steps:?}");
}

#[tokio::test]
async fn staff_join_by_invitation_once_and_lose_access_when_removed() {
    let kit = spawn().await;
    let guest = register(&kit, "guest@example.com").await;
    let invitations = format!("/api/v1/listings/{}/staff/invitations", kit.bistro);
    let (status, _) = testkit::json(call(&kit, Method::POST, Some(&guest.token), &invitations, None).await).await;
    assert_eq!(status, 403, "only the owner invites");
    let inv = data(call(&kit, Method::POST, Some(&kit.owner.token), &invitations, None).await).await;
    let code = json!({"code": inv["invitation"]["code"]});
    let cook = register(&kit, "cook@example.com").await;
    let bad = json!({"code": "not-a-code"});
    let (status, body) =
        testkit::json(call(&kit, Method::POST, Some(&cook.token), "/api/v1/staff/join", Some(&bad)).await).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("invitation_not_found")));
    data(call(&kit, Method::POST, Some(&cook.token), "/api/v1/staff/join", Some(&code)).await).await;
    let late = register(&kit, "late@example.com").await;
    let (status, _) =
        testkit::json(call(&kit, Method::POST, Some(&late.token), "/api/v1/staff/join", Some(&code)).await).await;
    assert_eq!(status, 404, "an invitation is used once");

    let list = data(
        call(&kit, Method::GET, Some(&kit.owner.token), &format!("/api/v1/listings/{}/staff", kit.bistro), None).await,
    )
    .await;
    assert_eq!(list["staff"][0]["userId"], cook.id.as_str());
    let order = placed(&kit, &guest, &takeaway(&kit)).await;
    let id = order["id"].as_str().unwrap().to_owned();
    pay(&kit, &guest, &order).await;
    assert_eq!(get_order(&kit, &cook, &id).await["status"], "received");
    let settings = format!("/api/v1/listings/{}/order-settings", kit.bistro);
    let (status, _) =
        testkit::json(call(&kit, Method::PUT, Some(&cook.token), &settings, Some(&json!({"serviceBps": 0}))).await)
            .await;
    assert_eq!(status, 403, "staff work orders, they do not set prices");
    let (status, _) = testkit::json(
        call(&kit, Method::PUT, Some(&kit.owner.token), &settings, Some(&json!({"serviceBps": 9000}))).await,
    )
    .await;
    assert_eq!(status, 400);

    let member = format!("/api/v1/listings/{}/staff/{}", kit.bistro, cook.id);
    data(call(&kit, Method::DELETE, Some(&kit.owner.token), &member, None).await).await;
    let (status, _) = act(&kit, &cook, &id, "accept", None).await;
    assert_eq!(status, 404, "removed from the staff: the order is not theirs to see");
    let (status, _) = testkit::json(call(&kit, Method::DELETE, Some(&kit.owner.token), &member, None).await).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn an_order_sent_many_times_with_one_key_is_placed_once() {
    let kit = spawn().await;
    let guest = register(&kit, "guest@example.com").await;
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let (client, url, token, body) =
            (kit.client.clone(), kit.url("/api/v1/orders"), guest.token.clone(), takeaway(&kit));
        tasks.push(tokio::spawn(async move {
            let r = client
                .post(url)
                .bearer_auth(token)
                .header("Idempotency-Key", "dinner-42")
                .json(&body)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<serde_json::Value>().await.unwrap()["data"]["order"]["id"].clone())
        }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        let (status, id) = t.await.unwrap();
        assert_eq!(status, 201);
        ids.push(id);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "{ids:?}");
    let mine = data(call(&kit, Method::GET, Some(&guest.token), "/api/v1/orders", None).await).await;
    assert_eq!(mine["orders"].as_array().unwrap().len(), 1);
    let other = json!({"listingId": kit.bistro, "mode": "takeaway", "pickupAt": "2030-01-02T11:30:00Z",
                       "lines": [{"item": "Soup", "quantity": 1}]});
    let r = kit
        .client
        .post(kit.url("/api/v1/orders"))
        .bearer_auth(&guest.token)
        .header("Idempotency-Key", "dinner-42")
        .json(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
}

/// The titles of `who`'s inbox, oldest first.
async fn inbox(kit: &Kit, who: &crate::support::User) -> Vec<String> {
    let d = data(call(kit, Method::GET, Some(&who.token), "/api/v1/users/notifications?limit=50", None).await).await;
    let mut titles: Vec<String> =
        d["notifications"].as_array().unwrap().iter().map(|n| n["title"].as_str().unwrap().to_owned()).collect();
    titles.reverse();
    titles
}

#[tokio::test]
async fn the_guest_and_the_restaurant_get_notices_of_the_steps_that_concern_them() {
    let kit = spawn().await;
    let guest = register(&kit, "guest@example.com").await;
    let order = placed(&kit, &guest, &takeaway(&kit)).await;
    let id = order["id"].as_str().unwrap().to_owned();
    pay(&kit, &guest, &order).await;
    assert!(inbox(&kit, &kit.owner).await.contains(&"New order".to_owned()));
    for step in ["accept", "preparing", "ready"] {
        moved(&kit, &kit.owner, &id, step).await;
    }
    let notices = inbox(&kit, &guest).await;
    let orders: Vec<&str> = notices.iter().map(String::as_str).filter(|t| t.contains("order")).collect();
    assert_eq!(orders, ["Your order was accepted", "Your order is ready to collect"], "{notices:?}");
    let second = placed(&kit, &guest, &takeaway(&kit)).await;
    pay(&kit, &guest, &second).await;
    act(&kit, &kit.owner, second["id"].as_str().unwrap(), "reject", Some(&json!({"reason": "Kitchen closed early"})))
        .await;
    assert_eq!(inbox(&kit, &guest).await.last().map(String::as_str), Some("Your order was declined"));
}

#[tokio::test]
async fn anonymous_malformed_and_foreign_order_requests_get_a_clear_4xx() {
    let kit = spawn().await;
    let guest = register(&kit, "guest@example.com").await;
    let stranger = register(&kit, "stranger@example.com").await;
    let order = placed(&kit, &guest, &takeaway(&kit)).await;
    let id = order["id"].as_str().unwrap().to_owned();
    // No token.
    assert_eq!(kit.post_json("/api/v1/orders", &takeaway(&kit)).await.status(), 401);
    assert_eq!(kit.get(&format!("/api/v1/orders/{id}")).await.status(), 401);
    // Malformed body, wrong types, bad ids, unknown actions.
    let raw = kit
        .client
        .post(kit.url("/api/v1/orders"))
        .bearer_auth(&guest.token)
        .header("content-type", "application/json")
        .body("{\"lines\": [")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
    let typed = json!({"listingId": kit.bistro, "mode": "takeaway", "lines": "steak"});
    assert_eq!(order_status(&kit, &guest, &typed).await, 400);
    let (status, _) =
        testkit::json(call(&kit, Method::GET, Some(&guest.token), "/api/v1/orders/nope", None).await).await;
    assert_eq!(status, 404);
    let (status, _) = act(&kit, &kit.owner, &id, "teleport", None).await;
    assert_eq!(status, 404);
    // Someone else's order, restaurant, settings and staff.
    let (status, _) =
        testkit::json(call(&kit, Method::GET, Some(&stranger.token), &format!("/api/v1/orders/{id}"), None).await)
            .await;
    assert_eq!(status, 404);
    let (status, _) = act(&kit, &stranger, &id, "cancel", None).await;
    assert_eq!(status, 404);
    let queue = format!("/api/v1/listings/{}/orders", kit.bistro);
    let (status, _) = testkit::json(call(&kit, Method::GET, Some(&stranger.token), &queue, None).await).await;
    assert_eq!(status, 404);
    let staff = format!("/api/v1/listings/{}/staff", kit.bistro);
    let (status, _) = testkit::json(call(&kit, Method::GET, Some(&stranger.token), &staff, None).await).await;
    assert_eq!(status, 403);
    let (status, _) =
        testkit::json(call(&kit, Method::GET, Some(&kit.owner.token), &format!("{queue}?active=maybe"), None).await)
            .await;
    assert_eq!(status, 400);
}

async fn order_status(kit: &Kit, who: &crate::support::User, body: &serde_json::Value) -> u16 {
    order(kit, who, body).await.0
}
