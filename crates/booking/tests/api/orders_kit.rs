//! Menu orders end to end: identity, catalog, booking and payments (its sandbox processor),
//! a Paris bistro with a menu, a service charge and taxes, its owner and staff.

use std::sync::Arc;

use reqwest::Method;
use serde_json::{Value, json};
use testkit::TestApp;

use crate::support::{User, admin, call, data, host, publish, register, restaurant};

pub struct Kit {
    pub app: TestApp,
    pub clock: Arc<kernel::ManualClock>,
    pub _dir: tempfile::TempDir,
    pub owner: User,
    pub bistro: String,
    pub root: User,
}

impl std::ops::Deref for Kit {
    type Target = TestApp;
    fn deref(&self) -> &TestApp {
        &self.app
    }
}

pub fn menu(steak: i64, soup_available: bool) -> Value {
    json!({"sections": [
        {"name": "Starters", "items": [
            {"name": "Soup", "price": 700, "allergens": ["celery"], "dietary": ["vegan"], "available": soup_available},
            {"name": "Oysters", "price": 1800, "allergens": ["molluscs"], "available": false}]},
        {"name": "Mains", "items": [{"name": "Steak", "price": steak, "allergens": []}]}]})
}

/// Wednesday 2030-01-02, 10:00 in Paris: the bistro (open 12–14 and 19–23) sells Steak at
/// 24.00 and Soup at 7.00, with 10 % service and 10 % taxes.
pub async fn spawn() -> Kit {
    // Messaging serves the sockets (`/ws`) order updates are pushed to.
    let (app, clock, dir) =
        crate::support::spawn_paying("2030-01-02T09:00:00Z", vec![Arc::new(messaging::Messaging)]).await;
    let owner = host(&app, "chef@example.com", "Europe/Paris").await;
    let bistro = publish(&app, &owner, &restaurant()).await;
    set_menu(&app, &owner, &bistro, &menu(2400, true)).await;
    let settings = json!({"serviceBps": 1000, "payAtTable": true, "tableCodes": ["T1", "T2"]});
    let path = format!("/api/v1/listings/{bistro}/order-settings");
    data(call(&app, Method::PUT, Some(&owner.token), &path, Some(&settings)).await).await;
    let rules = json!({"rules": {"taxBps": 1000}});
    data(
        call(&app, Method::PUT, Some(&owner.token), &format!("/api/v1/listings/{bistro}/calendar"), Some(&rules)).await,
    )
    .await;
    let root = admin(&app, "root@example.com").await;
    Kit { app, clock, _dir: dir, owner, bistro, root }
}

pub async fn set_menu(app: &TestApp, owner: &User, listing: &str, menu: &Value) {
    data(call(app, Method::PUT, Some(&owner.token), &format!("/api/v1/listings/{listing}/menu"), Some(menu)).await)
        .await;
    app.drain_events().await;
}

/// Places an order: (status, body).
pub async fn order(app: &TestApp, guest: &User, body: &Value) -> (u16, Value) {
    let r = testkit::json(call(app, Method::POST, Some(&guest.token), "/api/v1/orders", Some(body)).await).await;
    app.drain_events().await;
    r
}

/// A takeaway of two steaks and a soup, picked up at 12:30 in Paris.
pub fn takeaway(kit: &Kit) -> Value {
    json!({"listingId": kit.bistro, "mode": "takeaway", "pickupAt": "2030-01-02T11:30:00Z",
           "lines": [{"item": "Steak", "quantity": 2, "options": ["medium rare"]}, {"item": "soup", "quantity": 1, "notes": "no bread"}]})
}

/// An order that must be accepted as placed.
pub async fn placed(app: &TestApp, guest: &User, body: &Value) -> Value {
    let (status, answer) = order(app, guest, body).await;
    assert_eq!(status, 201, "{answer}");
    answer["data"]["order"].clone()
}

/// Pays an order through the sandbox (an authorisation: the kitchen's acceptance captures it).
pub async fn pay(app: &TestApp, guest: &User, order: &Value) -> String {
    let ask = json!({"amount": order["total"], "currency": "eur", "bookingReference": order["id"]});
    let intent = data(call(app, Method::POST, Some(&guest.token), "/api/v1/payment/intent", Some(&ask)).await).await;
    let id = intent["paymentIntentId"].as_str().unwrap().to_owned();
    let card = json!({"paymentMethod": "pm_card_visa"});
    data(call(app, Method::POST, Some(&guest.token), &format!("/api/v1/payment/{id}/confirm"), Some(&card)).await)
        .await;
    app.drain_events().await;
    app.drain_events().await;
    id
}

/// Moves an order: (status, body).
pub async fn act(app: &TestApp, who: &User, order: &str, action: &str, body: Option<&Value>) -> (u16, Value) {
    let path = format!("/api/v1/orders/{order}/{action}");
    let r = testkit::json(call(app, Method::POST, Some(&who.token), &path, body).await).await;
    app.drain_events().await;
    app.drain_events().await;
    r
}

/// Moves an order, which must succeed; the order after.
pub async fn moved(app: &TestApp, who: &User, order: &str, action: &str) -> Value {
    let (status, body) = act(app, who, order, action, None).await;
    assert_eq!(status, 200, "{action}: {body}");
    body["data"]["order"].clone()
}

pub async fn get_order(app: &TestApp, who: &User, order: &str) -> Value {
    data(call(app, Method::GET, Some(&who.token), &format!("/api/v1/orders/{order}"), None).await).await["order"]
        .clone()
}

pub async fn intent(app: &TestApp, who: &User, id: &str) -> Value {
    data(call(app, Method::GET, Some(&who.token), &format!("/api/v1/payment/{id}"), None).await).await
}

/// A staff member of the bistro, through an invitation.
pub async fn staff(kit: &Kit, email: &str) -> User {
    let path = format!("/api/v1/listings/{}/staff/invitations", kit.bistro);
    let inv = data(call(&kit.app, Method::POST, Some(&kit.owner.token), &path, None).await).await;
    let member = register(&kit.app, email).await;
    let code = json!({"code": inv["invitation"]["code"]});
    data(call(&kit.app, Method::POST, Some(&member.token), "/api/v1/staff/join", Some(&code)).await).await;
    member
}
