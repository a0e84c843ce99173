//! DreamScape's admin payments (rows M19–M21) as its admin screens call them: the list with
//! its filters, one payment with its booking, and the status changes that are safe.

use reqwest::Method;
use serde_json::{Value, json};
use testkit::{TestApp, expect_error};

use crate::dreamscape::{create_body, create_intent, user_id};
use crate::intents::{call, data, listing, register, reservation, spawn, spawn_with_clock};
use crate::refunds::{admin, paid};

async fn get(app: &TestApp, token: &str, path: &str) -> Value {
    data(call(app, Method::GET, token, path, None).await).await
}

fn ids(list: &Value) -> Vec<String> {
    list["payments"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn administrators_list_read_and_settle_payments_safely() {
    let (app, _dir, clock) = spawn_with_clock().await;
    let host = register(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let guest_id = user_id(&app, &guest).await;
    let listing = listing(&app, &host, true).await;
    let (booked, paid_id, total) = paid(&app, &guest, &listing, "2030-05-01", "2030-05-03").await;
    clock.advance(chrono::Duration::minutes(5));
    let (open_booking, open_total) = reservation(&app, &guest, &listing, "2030-06-01", "2030-06-03").await;
    let open = data(create_intent(&app, &guest, &create_body(open_total, &open_booking, &guest_id)).await).await;
    let open_id = open["paymentIntentId"].as_str().unwrap().to_owned();
    let root = admin(&app, "root@example.com").await;

    // Administrators only.
    for (method, path) in [
        (Method::GET, "/api/v1/admin/payments".to_owned()),
        (Method::GET, format!("/api/v1/admin/payments/{paid_id}")),
        (Method::PUT, format!("/api/v1/admin/payments/{paid_id}/status")),
    ] {
        let body = json!({"status": "REFUNDED"});
        let r = call(&app, method, &guest, &path, Some(&body)).await;
        assert_eq!(expect_error(r, 403, "forbidden").await["message"], "Admin access required", "{path}");
    }

    // M19: the list as the admin screen asks for it.
    let list = get(&app, &root, "/api/v1/admin/payments?page=1&limit=20").await;
    assert_eq!(ids(&list), [open_id.as_str(), paid_id.as_str()], "newest first");
    assert_eq!(list["pagination"], json!({"page": 1, "limit": 20, "total": 2, "totalPages": 1}));
    let item = &list["payments"][1];
    assert_eq!((item["status"].as_str(), item["amount"].as_f64()), (Some("SUCCEEDED"), Some(224.0)));
    assert_eq!(
        (item["bookingReference"].as_str(), item["bookingId"].as_str()),
        (Some(booked.as_str()), Some(booked.as_str()))
    );
    assert_eq!(item["userId"], guest_id.as_str());
    assert_eq!(item["user"], json!({"id": guest_id, "email": null, "firstName": null, "lastName": null}));
    assert!(item["confirmedAt"].is_string() && item["failedAt"].is_null() && item["refundedAt"].is_null(), "{item}");
    assert_eq!(list["payments"][0]["status"], "PENDING");

    let only = |q: &str| format!("/api/v1/admin/payments?page=1&limit=20&{q}");
    assert_eq!(ids(&get(&app, &root, &only("status=SUCCEEDED")).await), [paid_id.as_str()]);
    assert_eq!(ids(&get(&app, &root, &only("status=PENDING")).await), [open_id.as_str()]);
    assert_eq!(ids(&get(&app, &root, &only("status=")).await).len(), 2, "an empty filter is no filter");
    assert_eq!(
        ids(&get(&app, &root, &only(&format!("search={}", open_booking[open_booking.len() - 8..].to_uppercase())))
            .await),
        [open_id.as_str()]
    );
    assert_eq!(ids(&get(&app, &root, &only(&format!("search={}", &paid_id[3..12]))).await), [paid_id.as_str()]);
    assert_eq!(ids(&get(&app, &root, &only("search=%25")).await).len(), 0, "% is literal");
    assert_eq!(
        ids(&get(&app, &root, &only("sortBy=createdAt&sortOrder=asc")).await),
        [paid_id.as_str(), open_id.as_str()]
    );
    assert_eq!(ids(&get(&app, &root, &only("minAmount=224&maxAmount=224.00")).await).len(), 2);
    assert_eq!(ids(&get(&app, &root, &only("minAmount=224.01")).await).len(), 0);
    assert_eq!(ids(&get(&app, &root, &only("startDate=2030-01-02&endDate=2030-01-02")).await).len(), 2);
    assert_eq!(ids(&get(&app, &root, &only("startDate=2030-01-03")).await).len(), 0);
    assert_eq!(get(&app, &root, "/api/v1/admin/payments?page=2&limit=1").await["pagination"]["totalPages"], 2);
    for bad in [
        "sortBy=password",
        "sortOrder=up",
        "limit=101",
        "limit=0",
        "page=0",
        "page=x",
        "status=PAID",
        "startDate=yesterday",
        "minAmount=-1",
        "minAmount=abc",
    ] {
        let r = call(&app, Method::GET, &root, &format!("/api/v1/admin/payments?{bad}"), None).await;
        expect_error(r, 400, "validation_failed").await;
    }

    // M20: one payment, its metadata and its booking.
    let one = get(&app, &root, &format!("/api/v1/admin/payments/{paid_id}")).await;
    assert_eq!(one["metadata"], json!({}));
    let booking = &one["booking"];
    assert_eq!((booking["id"].as_str(), booking["reference"].as_str()), (Some(booked.as_str()), Some(booked.as_str())));
    assert_eq!((booking["type"].as_str(), booking["status"].as_str()), (Some("HOTEL"), Some("CONFIRMED")));
    assert_eq!((booking["totalAmount"].as_f64(), booking["currency"].as_str()), (Some(224.0), Some("EUR")));
    expect_error(call(&app, Method::GET, &root, "/api/v1/admin/payments/pi_missing", None).await, 404, "not_found")
        .await;

    // M21: only safe changes.
    let status = |id: &str| format!("/api/v1/admin/payments/{id}/status");
    let put = |id: String, body: Value| {
        let root = root.clone();
        let app = &app;
        async move { call(app, Method::PUT, &root, &status(&id), Some(&body)).await }
    };
    let required = expect_error(put(paid_id.clone(), json!({})).await, 400, "validation_failed").await;
    assert_eq!(required["message"], "Status is required");
    expect_error(put("pi_missing".into(), json!({"status": "BOGUS"})).await, 404, "not_found").await;
    let invalid = expect_error(put(paid_id.clone(), json!({"status": "BOGUS"})).await, 400, "validation_failed").await;
    assert_eq!(invalid["message"], "Invalid status");
    expect_error(put(open_id.clone(), json!({"status": "SUCCEEDED"})).await, 409, "invalid_state").await;
    expect_error(put(paid_id.clone(), json!({"status": "FAILED"})).await, 409, "invalid_state").await;
    expect_error(put(paid_id.clone(), json!({"status": "PENDING"})).await, 409, "invalid_state").await;
    let same = data(put(paid_id.clone(), json!({"status": "SUCCEEDED"})).await).await;
    assert_eq!(same["status"], "SUCCEEDED");

    // FAILED: a payment not made yet is cancelled at the processor and can never be paid.
    let failed = data(put(open_id.clone(), json!({"status": "FAILED"})).await).await;
    assert_eq!((failed["status"].as_str(), failed["processorStatus"].as_str()), (Some("FAILED"), Some("canceled")));
    assert_eq!(failed["failureReason"], "marked_failed_by_administrator");
    assert!(failed["failedAt"].is_string());
    let confirm = json!({"paymentMethod": "pm_card_visa"});
    let path = format!("/api/v1/payment/{open_id}/confirm");
    expect_error(call(&app, Method::POST, &guest, &path, Some(&confirm)).await, 409, "invalid_state").await;

    // REFUNDED: through the refund flow (ledger, processor), everything left.
    let refunded = data(put(paid_id.clone(), json!({"status": "REFUNDED"})).await).await;
    assert_eq!((refunded["status"].as_str(), refunded["amountRefunded"].as_f64()), (Some("REFUNDED"), Some(224.0)));
    assert!(refunded["refundedAt"].is_string());
    app.drain_events().await;
    let seen = data(call(&app, Method::GET, &guest, &format!("/api/v1/payment/{paid_id}"), None).await).await;
    assert_eq!(seen["amountRefunded"].as_i64(), Some(total));
    crate::refunds::assert_balanced(&app).await;
    assert_eq!(ids(&get(&app, &root, &only("status=REFUNDED")).await), [paid_id.as_str()]);
    assert_eq!(ids(&get(&app, &root, &only("status=FAILED")).await), [open_id.as_str()]);
    // Asked again: nothing more happens.
    assert_eq!(data(put(paid_id.clone(), json!({"status": "REFUNDED"})).await).await["status"], "REFUNDED");
}

#[tokio::test]
async fn a_checked_out_booking_is_paid_by_reference_and_shown_with_its_id() {
    let (app, _dir) = spawn().await;
    let host = register(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let guest_id = user_id(&app, &guest).await;
    let listing = listing(&app, &host, true).await;
    let line = json!({"itemType": "stay", "itemData": {"listingId": listing, "checkIn": "2030-05-01", "checkOut": "2030-05-03"},
                      "price": 224.0});
    let added = call(&app, Method::POST, &guest, "/api/v1/cart/items", Some(&line)).await;
    assert_eq!(added.status(), 201);
    let checkout =
        data(call(&app, Method::POST, &guest, &format!("/api/v1/cart/{guest_id}/checkout"), Some(&json!({}))).await)
            .await;
    app.drain_events().await;
    let reference = checkout["bookingReference"].as_str().unwrap().to_owned();
    let opened = checkout["paymentIntentId"].as_str().unwrap().to_owned();

    // The admin view names the booking with its id, as booking's events told payments.
    let root = admin(&app, "root@example.com").await;
    let one = get(&app, &root, &format!("/api/v1/admin/payments/{opened}")).await;
    let booking_id = one["booking"]["id"].as_str().unwrap().to_owned();
    assert_eq!(one["bookingId"], booking_id.as_str());
    assert_eq!(
        (one["booking"]["reference"].as_str(), one["booking"]["status"].as_str()),
        (Some(reference.as_str()), Some("PENDING_PAYMENT"))
    );
    assert!(one["booking"]["type"].is_null());

    // create-intent with DreamScape's bookingId and bookingReference: the checkout's payment.
    let body = json!({"amount": 22400, "currency": "eur", "bookingId": booking_id, "bookingReference": reference, "userId": guest_id});
    assert_eq!(data(create_intent(&app, &guest, &body).await).await["paymentIntentId"], opened.as_str());
    let mut other = body.clone();
    other["bookingId"] = json!(kernel::new_id());
    expect_error(create_intent(&app, &guest, &other).await, 400, "validation_failed").await;
    let stranger = register(&app, "stranger@example.com").await;
    let mut theirs = body.clone();
    theirs["userId"] = json!(user_id(&app, &stranger).await);
    expect_error(create_intent(&app, &stranger, &theirs).await, 404, "not_found").await;

    let confirm = json!({"paymentMethod": "pm_card_visa"});
    data(call(&app, Method::POST, &guest, &format!("/api/v1/payment/{opened}/confirm"), Some(&confirm)).await).await;
    app.drain_events().await;
    let one = get(&app, &root, &format!("/api/v1/admin/payments/{opened}")).await;
    assert_eq!((one["status"].as_str(), one["booking"]["status"].as_str()), (Some("SUCCEEDED"), Some("CONFIRMED")));
    expect_error(create_intent(&app, &guest, &body).await, 409, "not_payable").await;
}
