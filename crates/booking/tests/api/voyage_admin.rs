//! DreamScape's admin back-office over bookings by reference (WEB-CLIENT M13–M18, ROUTES
//! §2.11.3), replayed as the client sends it: lists with filters and sorting, the CSV export,
//! the detail with its payment, status moves only along the booking's own flow, cancelling
//! with a refund, notes and free fields, the confirmation sent again. Administrators only.

use reqwest::Method;
use serde_json::{Value, json};
use testkit::expect_error;

use crate::support::{User, admin, call, data, host, login, register};
use crate::voyage_kit::*;

async fn get(kit: &Kit, user: &User, path: &str) -> Value {
    data(call(kit, Method::GET, Some(&user.token), path, None).await).await
}

async fn put(kit: &Kit, user: &User, path: &str, body: &Value) -> reqwest::Response {
    call(kit, Method::PUT, Some(&user.token), path, Some(body)).await
}

fn refs(list: &Value) -> Vec<String> {
    list["bookings"].as_array().unwrap().iter().map(|b| b["reference"].as_str().unwrap().to_owned()).collect()
}

/// Three bookings: Ann's flat (paid: CONFIRMED, HOTEL, Paris), Ann's flight (unpaid:
/// PENDING_PAYMENT, FLIGHT, Barcelona), Bob's flat and flight (paid: CONFIRMED, PACKAGE).
async fn three_bookings(kit: &Kit) -> (User, User, Value, Value, Value) {
    let owner = host(kit, "host@example.com", "Europe/Paris").await;
    let ann = register(kit, "ann@example.com").await;
    let bob = register(kit, "bob@example.com").await;
    let flat = flat(kit, &owner).await;
    add_nights(kit, &ann, &flat, "2030-05-01", "2030-05-03").await;
    let hotel = checkout(kit, &ann, "ann@example.com", "Ann", "Archer").await;
    pay(kit, &ann, &hotel).await;
    add_flight(kit, &ann, 1).await;
    let flight = checkout(kit, &ann, "ann@example.com", "Ann", "Archer").await;
    add_nights(kit, &bob, &flat, "2030-06-01", "2030-06-02").await;
    add_flight(kit, &bob, 2).await;
    // A contact e-mail a spreadsheet would read as a formula.
    let package = checkout(kit, &bob, "=cmd|' /C calc'!A0@example.com", "Bob", "Baker").await;
    pay(kit, &bob, &package).await;
    (ann, bob, hotel, flight, package)
}

#[tokio::test]
async fn the_admin_list_filters_sorts_pages_and_exports() {
    let kit = spawn().await;
    let (ann, _, hotel, flight, package) = three_bookings(&kit).await;
    let root = admin(&kit, "root@example.com").await;
    let (hotel_amount, flight_amount) = (hotel["amount"].as_f64().unwrap(), flight["amount"].as_f64().unwrap());
    let (hotel, flight, package) = (
        hotel["bookingReference"].as_str().unwrap(),
        flight["bookingReference"].as_str().unwrap(),
        package["bookingReference"].as_str().unwrap(),
    );

    // M13 as the client sends it: newest first, every field it reads.
    let list = get(&kit, &root, "/api/v1/admin/bookings?page=1&limit=50&sortBy=createdAt&sortOrder=desc").await;
    assert_eq!(refs(&list), [package, flight, hotel], "{list}");
    assert_eq!(list["pagination"], json!({"page": 1, "limit": 50, "total": 3, "totalPages": 1}));
    let b = &list["bookings"][2];
    for field in [
        "id",
        "userId",
        "type",
        "reference",
        "status",
        "totalAmount",
        "currency",
        "paymentIntentId",
        "confirmedAt",
        "createdAt",
        "updatedAt",
        "destination",
        "user",
    ] {
        assert!(b.get(field).is_some(), "{field} missing: {b}");
    }
    assert_eq!((b["type"].as_str(), b["status"].as_str()), (Some("HOTEL"), Some("CONFIRMED")));
    assert_eq!(b["totalAmount"].as_f64(), Some(hotel_amount), "a number: {b}");
    assert_eq!(b["destination"], "Paris");
    assert!(b["confirmedAt"].is_string());
    assert_eq!(
        b["user"],
        json!({"id": ann.id, "email": "ann@example.com", "firstName": "Ann", "lastName": "Archer",
                                 "username": null})
    );
    let f = &list["bookings"][1];
    assert_eq!(
        (f["type"].as_str(), f["status"].as_str(), f["destination"].as_str()),
        (Some("FLIGHT"), Some("PENDING_PAYMENT"), Some("Barcelona"))
    );
    assert!(f["confirmedAt"].is_null());
    assert_eq!(list["bookings"][0]["type"], "PACKAGE");

    // Filters, one at a time.
    let by = |q: &str| format!("/api/v1/admin/bookings?{q}");
    assert_eq!(refs(&get(&kit, &root, &by("status=CONFIRMED")).await), [package, hotel]);
    assert_eq!(refs(&get(&kit, &root, &by("type=FLIGHT")).await), [flight]);
    assert_eq!(refs(&get(&kit, &root, &by("status=&type=")).await).len(), 3, "empty means any");
    assert_eq!(refs(&get(&kit, &root, &by(&format!("search={}", hotel[3..].to_lowercase()))).await), [hotel]);
    assert_eq!(refs(&get(&kit, &root, &by("search=BAKER")).await), [package], "a traveller's name");
    assert_eq!(refs(&get(&kit, &root, &by("search=ann%40example")).await), [flight, hotel], "the contact e-mail");
    assert_eq!(refs(&get(&kit, &root, &by("search=100%25")).await).len(), 0, "% is a character, not a wildcard");
    assert_eq!(refs(&get(&kit, &root, &by("destination=barcel")).await), [flight]);
    let window = format!("minAmount={}&maxAmount={}", flight_amount - 0.5, flight_amount + 0.5);
    assert_eq!(refs(&get(&kit, &root, &by(&window)).await), [flight]);
    assert!(hotel_amount < flight_amount, "the sorting below assumes it");
    for q in [
        "startDate=2030-01-02&endDate=2030-01-02",
        "startDate=2030-01-02T00:00:00Z&endDate=2030-01-02T09:00:00.000Z",
        "endDate=2030-01-02T10:00:00%2B01:00",
    ] {
        assert_eq!(refs(&get(&kit, &root, &by(q)).await).len(), 3, "{q}");
    }
    assert_eq!(refs(&get(&kit, &root, &by("startDate=2030-01-03")).await).len(), 0);
    assert_eq!(refs(&get(&kit, &root, &by("endDate=2030-01-01")).await).len(), 0);
    let cheapest = get(&kit, &root, &by("sortBy=totalAmount&sortOrder=asc")).await;
    assert_eq!(refs(&cheapest), [hotel, flight, package]);
    let paged = get(&kit, &root, &by("page=2&limit=2")).await;
    assert_eq!(refs(&paged), [hotel]);
    assert_eq!(paged["pagination"], json!({"page": 2, "limit": 2, "total": 3, "totalPages": 2}));
    assert_eq!(get(&kit, &root, &by("limit=500")).await["pagination"]["limit"], 100, "at most 100 a page");

    // Bad input: 400 naming the field, never a 500.
    for (q, field) in [
        ("sortBy=password", "sortBy"),
        ("sortOrder=up", "sortOrder"),
        ("status=PAID", "status"),
        ("type=CRUISE", "type"),
        ("startDate=yesterday", "startDate"),
        ("endDate=2030-13-01", "endDate"),
        ("minAmount=NaN", "minAmount"),
        ("maxAmount=lots", "maxAmount"),
        ("page=0", "page"),
        ("limit=-1", "limit"),
        ("page=99999999999", "page"),
    ] {
        let e = expect_error(call(&kit, Method::GET, Some(&root.token), &by(q), None).await, 400, "validation_failed")
            .await;
        assert_eq!(e["details"][0]["field"], field, "{q}: {e}");
    }

    // M14: the CSV, every data cell quoted, no formula.
    let csv = call(&kit, Method::GET, Some(&root.token), "/api/v1/admin/bookings/export?status=CONFIRMED", None).await;
    assert_eq!(csv.status(), 200);
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(csv.headers()["content-disposition"].to_str().unwrap().contains("bookings-export"));
    let text = csv.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "id,reference,type,status,destination,userId,userEmail,totalAmount,currency,confirmedAt,createdAt"
    );
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[1..].iter().all(|l| l.starts_with('"') && l.ends_with('"')), "{text}");
    assert!(lines[1].contains(&format!("\"{package}\",\"PACKAGE\",\"CONFIRMED\"")), "{text}");
    assert!(lines[1].contains("\"'=cmd|' /C calc'!A0@example.com\""), "the formula is neutralised: {text}");
    expect_error(
        call(&kit, Method::GET, Some(&root.token), "/api/v1/admin/bookings/export?sortBy=x", None).await,
        400,
        "validation_failed",
    )
    .await;

    // Administrators only.
    for path in ["/api/v1/admin/bookings", "/api/v1/admin/bookings/export", &format!("/api/v1/admin/bookings/{hotel}")]
    {
        expect_error(call(&kit, Method::GET, Some(&ann.token), path, None).await, 403, "forbidden").await;
        assert_eq!(call(&kit, Method::GET, None, path, None).await.status(), 401);
    }
}

#[tokio::test]
async fn an_admin_reads_moves_cancels_annotates_and_resends_a_booking() {
    let kit = spawn().await;
    let (ann, bob, hotel, flight, package) = three_bookings(&kit).await;
    let root = admin(&kit, "root@example.com").await;
    let hotel_ref = hotel["bookingReference"].as_str().unwrap();
    let flight_ref = flight["bookingReference"].as_str().unwrap();
    let package_ref = package["bookingReference"].as_str().unwrap();
    let list = get(&kit, &root, "/api/v1/admin/bookings?search=").await;
    let id_of = |r: &str| {
        list["bookings"].as_array().unwrap().iter().find(|b| b["reference"] == r).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let hotel_id = id_of(hotel_ref);
    let flight_id = id_of(flight_ref);
    let base = "/api/v1/admin/bookings";

    // M15 by id (and by reference): the lines in `data`, the payment as payments has it.
    let detail = get(&kit, &root, &format!("{base}/{hotel_id}")).await;
    assert_eq!(detail["reference"], hotel_ref);
    assert_eq!(detail["data"]["items"][0]["itemType"], "stay", "{detail}");
    assert_eq!(detail["data"]["metadata"]["contactEmail"], "ann@example.com");
    let payment = &detail["payment"];
    assert_eq!(payment["paymentIntentId"], hotel["paymentIntentId"], "{detail}");
    assert_eq!(payment["status"], "SUCCEEDED");
    for field in ["paymentMethod", "failureReason", "confirmedAt", "refundedAt"] {
        assert!(payment.get(field).is_some(), "{field}: {payment}");
    }
    assert_eq!(get(&kit, &root, &format!("{base}/{}", hotel_ref.to_lowercase())).await["id"], hotel_id.as_str());
    expect_error(
        call(&kit, Method::GET, Some(&root.token), &format!("{base}/DS-NOPE0000"), None).await,
        404,
        "not_found",
    )
    .await;

    // PUT status: missing 400, unknown 404 (before an invalid status), invalid 400, off the flow 409.
    let status = |id: &str| format!("{base}/{id}/status");
    expect_error(put(&kit, &root, &status(&hotel_id), &json!({})).await, 400, "validation_failed").await;
    expect_error(put(&kit, &root, &status("nope"), &json!({"status": "BOGUS"})).await, 404, "not_found").await;
    expect_error(put(&kit, &root, &status(&hotel_id), &json!({"status": "BOGUS"})).await, 400, "validation_failed")
        .await;
    expect_error(
        put(&kit, &root, &status(&hotel_id), &json!({"status": "PENDING_PAYMENT"})).await,
        409,
        "invalid_transition",
    )
    .await;
    expect_error(
        put(&kit, &root, &status(&flight_id), &json!({"status": "CONFIRMED"})).await,
        409,
        "payment_incomplete",
    )
    .await;
    expect_error(put(&kit, &root, &status(&hotel_id), &json!({"status": "COMPLETED"})).await, 409, "not_finished")
        .await;
    let same = data(put(&kit, &root, &status(&hotel_id), &json!({"status": "CONFIRMED"})).await).await;
    assert_eq!(same["status"], "CONFIRMED");
    expect_error(put(&kit, &ann, &status(&hotel_id), &json!({"status": "CANCELLED"})).await, 403, "forbidden").await;

    // Paid by the sandbox, the flight booking can be confirmed by an administrator.
    pay(&kit, &ann, &flight).await;
    let confirmed = data(put(&kit, &root, &status(&flight_id), &json!({"status": "CONFIRMED"})).await).await;
    assert_eq!(confirmed["status"], "CONFIRMED", "{confirmed}");

    // M17: notes to data.adminNotes, free fields to data.extra, never the lines; a paid total stays.
    let modify = format!("{base}/{hotel_id}/modify");
    let body = json!({"notes": "VIP guest", "data": {"items": "not the lines", "tag": "gold"}, "totalAmount": hotel["amount"]});
    let modified = data(put(&kit, &root, &modify, &body).await).await;
    assert_eq!(modified["data"]["adminNotes"], "VIP guest", "{modified}");
    assert_eq!(modified["data"]["extra"], json!({"items": "not the lines", "tag": "gold"}));
    assert_eq!(modified["data"]["items"][0]["itemType"], "stay", "the lines are untouched");
    let again = data(put(&kit, &root, &modify, &json!({"data": {"tag": null}})).await).await;
    assert_eq!(again["data"]["extra"], json!({"items": "not the lines"}));
    assert_eq!(again["data"]["adminNotes"], "VIP guest");
    expect_error(put(&kit, &root, &modify, &json!({"totalAmount": 1})).await, 409, "amount_locked").await;
    expect_error(put(&kit, &root, &modify, &json!({"totalAmount": -1})).await, 400, "validation_failed").await;
    expect_error(put(&kit, &root, &modify, &json!({"notes": "x".repeat(2001)})).await, 400, "validation_failed").await;
    expect_error(put(&kit, &root, &format!("{base}/nope/modify"), &json!({"notes": "x"})).await, 404, "not_found")
        .await;

    // M18: the confirmation again, to the booking's contact e-mail; no body, no content type.
    let before = mails(&kit).len();
    let resend = kit.app.client.post(kit.url(&format!("{base}/{hotel_id}/resend-email"))).bearer_auth(&root.token);
    let sent = data(resend.send().await.unwrap()).await;
    assert_eq!(sent["success"], true);
    let mail = mails(&kit);
    assert_eq!(mail.len(), before + 1);
    assert!(mail.iter().any(|m| m.contains("To: ann@example.com") && m.contains(hotel_ref)), "{mail:?}");
    let unknown = call(&kit, Method::POST, Some(&root.token), &format!("{base}/nope/resend-email"), None).await;
    expect_error(unknown, 404, "not_found").await;

    // Bulk (reachable, before /{id}/status): cancelled by the policies; unknown ids are listed.
    let bulk = json!({"ids": [flight_id, "DS-NOPE0000"], "status": "CANCELLED"});
    let moved = data(put(&kit, &root, &format!("{base}/bulk/status"), &bulk).await).await;
    assert_eq!(moved["updated"], 1, "{moved}");
    assert_eq!(moved["failed"][0]["id"], "DS-NOPE0000");
    expect_error(put(&kit, &root, &format!("{base}/bulk/status"), &json!({"ids": []})).await, 400, "validation_failed")
        .await;
    expect_error(
        put(&kit, &root, &format!("{base}/bulk/status"), &json!({"ids": ["a"], "status": "X"})).await,
        400,
        "validation_failed",
    )
    .await;
    // No jump back: a cancelled booking is never confirmed again.
    expect_error(
        put(&kit, &root, &status(&flight_id), &json!({"status": "CONFIRMED"})).await,
        409,
        "invalid_transition",
    )
    .await;

    // M16: cancelled with a refund: everything paid goes back, the reason is kept.
    let cancel = format!("{base}/{hotel_id}/cancel");
    let done = data(put(&kit, &root, &cancel, &json!({"refund": true, "reason": "Overbooked"})).await).await;
    assert_eq!(done["status"], "CANCELLED", "{done}");
    assert_eq!(done["data"]["cancellationReason"], "Overbooked");
    assert_eq!(done["data"]["refundRequested"], true);
    kit.drain_events().await;
    let intent = hotel["paymentIntentId"].as_str().unwrap();
    let paid = data(call(&kit, Method::GET, Some(&ann.token), &format!("/api/v1/payment/{intent}"), None).await).await;
    assert_eq!(paid["amountRefunded"], paid["amount"], "{paid}");
    assert_eq!(get(&kit, &root, &format!("{base}/{hotel_id}")).await["payment"]["status"], "REFUNDED");
    expect_error(put(&kit, &root, &cancel, &json!({"refund": false})).await, 409, "invalid_state").await;
    // The traveller sees it cancelled too.
    let mine =
        data(call(&kit, Method::GET, Some(&ann.token), &format!("/api/v1/bookings/{hotel_ref}"), None).await).await;
    assert_eq!(mine["status"], "CANCELLED");

    // Bob's package, once its stay has ended, is completed by the administrator.
    kit.clock.set("2030-06-03T12:00:00Z".parse().unwrap());
    let root = login(&kit, "root@example.com").await;
    let package_id = get(&kit, &root, &format!("{base}/{package_ref}")).await["id"].as_str().unwrap().to_owned();
    let completed = data(put(&kit, &root, &status(&package_id), &json!({"status": "COMPLETED"})).await).await;
    assert_eq!(completed["status"], "COMPLETED", "{completed}");
    let cancel = format!("{base}/{package_id}/cancel");
    expect_error(put(&kit, &root, &cancel, &json!({"refund": true})).await, 409, "invalid_state").await;
    let _ = bob;
}

#[tokio::test]
async fn a_total_changes_only_while_no_payment_was_opened() {
    // Without payments the checkout stops at DRAFT: the booking exists, no payment does.
    let app = crate::support::spawn_at("2030-01-02T09:00:00Z").await;
    let owner = host(&app, "host@example.com", "Europe/Paris").await;
    let guest = register(&app, "guest@example.com").await;
    let root = admin(&app, "root@example.com").await;
    let flat = crate::support::publish(&app, &owner, &crate::support::stay()).await;
    add_nights(&app, &guest, &flat, "2030-05-01", "2030-05-02").await;
    let price = price_of(
        &app,
        &guest,
        &json!({"listingId": flat, "checkIn": "2030-05-01", "checkOut": "2030-05-02", "guests": 1}),
    )
    .await;
    let r = call(&app, Method::POST, Some(&guest.token), "/api/v1/cart/me/checkout", None).await;
    assert_eq!(r.status(), 503);
    let list =
        data(call(&app, Method::GET, Some(&root.token), "/api/v1/admin/bookings?status=DRAFT", None).await).await;
    let id = list["bookings"][0]["id"].as_str().unwrap().to_owned();
    assert!((list["bookings"][0]["totalAmount"].as_f64().unwrap() - price).abs() < 1e-9, "{list}");
    let modify = format!("/api/v1/admin/bookings/{id}/modify");
    let more = price + 20.5;
    let raised =
        data(call(&app, Method::PUT, Some(&root.token), &modify, Some(&json!({"totalAmount": more}))).await).await;
    assert!((raised["totalAmount"].as_f64().unwrap() - more).abs() < 1e-9, "{raised}");
    assert_eq!(raised["data"]["amountAdjustment"]["fromMinor"].as_f64(), Some((price * 100.0).round()));
    // Never below what the reservations' hosts are paid.
    let low = call(&app, Method::PUT, Some(&root.token), &modify, Some(&json!({"totalAmount": price - 1.0}))).await;
    expect_error(low, 400, "validation_failed").await;
}

#[tokio::test]
async fn the_document_declares_what_the_routes_accept() {
    let app = crate::support::spawn().await;
    let doc: Value = app.get("/api-docs/openapi.json").await.json().await.unwrap();
    let paths = &doc["paths"];
    for (path, method) in [("/api/v1/admin/bookings/{id}/cancel", "put"), ("/api/v1/admin/bookings/{id}/modify", "put")]
    {
        let op = &paths[path][method];
        assert_ne!(op["requestBody"]["required"], true, "{path}: the body is optional: {op}");
    }
    assert!(paths["/api/v1/admin/bookings/bulk/status"]["put"].is_object());
    assert!(paths["/api/v1/bookings/stats"]["get"].is_object());
    let params = paths["/api/v1/admin/bookings"]["get"]["parameters"].as_array().unwrap();
    let names: Vec<&str> = params.iter().map(|p| p["name"].as_str().unwrap()).collect();
    for name in [
        "page",
        "limit",
        "search",
        "status",
        "type",
        "startDate",
        "endDate",
        "minAmount",
        "maxAmount",
        "destination",
        "sortBy",
        "sortOrder",
    ] {
        assert!(names.contains(&name), "{name}: {names:?}");
    }
    // Every schema these routes name is in the document.
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let mine = ["/api/v1/admin/bookings", "/api/v1/bookings/stats"];
    for (path, item) in paths.as_object().unwrap().iter().filter(|(p, _)| mine.iter().any(|m| p.starts_with(m))) {
        let text = item.to_string();
        for name in text.split("#/components/schemas/").skip(1).map(|rest| rest.split('"').next().unwrap()) {
            assert!(schemas.contains_key(name), "{path} names {name}, missing from the document");
        }
    }
    let status = &params.iter().find(|p| p["name"] == "status").unwrap()["schema"];
    assert!(status.to_string().contains("PENDING_PAYMENT"), "{status}");
    let page = &params.iter().find(|p| p["name"] == "page").unwrap()["schema"];
    assert_eq!((page["minimum"].as_i64(), page["maximum"].as_i64()), (Some(1), Some(1_000_000)), "{page}");
}
