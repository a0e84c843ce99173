//! The inbox: welcome notice, unread count, marking read, deleting, filters and pages.

use reqwest::Method;
use serde_json::Value;

use crate::support::*;

fn ids(items: &[Value]) -> Vec<String> {
    items.iter().map(|n| n["id"].as_str().expect("id").to_owned()).collect()
}

#[tokio::test]
async fn registering_puts_a_welcome_notice_in_the_inbox() {
    let app = spawn().await;
    let ada = register_named(&app, "ada@example.com", Some("Ada")).await;
    let page = inbox(&app, &ada, "").await;
    let list = page["notifications"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{page}");
    let n = &list[0];
    assert_eq!((n["type"].as_str(), n["kind"].as_str()), (Some("SYSTEM"), Some("welcome")));
    assert_eq!(n["userId"], ada.id.as_str());
    assert_eq!(n["title"], "Welcome to Sojourn");
    assert!(n["message"].as_str().unwrap().contains("Ada"), "{n}");
    assert_eq!((n["read"].clone(), n["readAt"].clone()), (Value::Bool(false), Value::Null));
    assert!(n["metadata"].is_object() && n["createdAt"].is_string(), "{n}");
    assert_eq!(n["updatedAt"], n["createdAt"], "never changed");
    assert_eq!(
        page["pagination"],
        serde_json::json!({"total": 1, "page": 1, "limit": 20, "hasMore": false, "offset": 0})
    );
    assert_eq!(page["unreadCount"], 1);
    assert_eq!(unread(&app, &ada).await, 1);

    // Without a first name the welcome still comes, without a greeting by name.
    let anon = register(&app, "anon@example.com").await;
    let list = items(&app, &anon, "").await;
    assert_eq!(list.len(), 1);
    assert!(list[0]["message"].as_str().unwrap().starts_with("Welcome to Sojourn"), "{}", list[0]);
}

#[tokio::test]
async fn marking_read_is_idempotent_and_unknown_ids_are_not_found() {
    let app = spawn().await;
    let user = register(&app, "reader@example.com").await;
    let id = items(&app, &user, "").await[0]["id"].as_str().unwrap().to_owned();
    let path = format!("{INBOX}/{id}/read");

    let first = data(&app, Method::PATCH, &path, &user.token, None).await;
    assert_eq!(first["id"], id.as_str());
    assert_eq!(first["read"], true);
    assert!(first["readAt"].is_string(), "{first}");
    assert_eq!(first["updatedAt"], first["readAt"], "reading is the last change");
    assert_eq!(unread(&app, &user).await, 0);

    let again = data(&app, Method::PATCH, &path, &user.token, None).await;
    assert_eq!(again["readAt"], first["readAt"], "the first read time stays");

    for bad in ["not-an-id", &kernel::new_id().to_string()] {
        let response = call(&app, Method::PATCH, &format!("{INBOX}/{bad}/read"), &user.token, None).await;
        let body = testkit::expect_error(response, 404, "not_found").await;
        assert_eq!(body["message"], "Notification not found");
    }
}

#[tokio::test]
async fn read_all_then_delete_read_keeps_unread_ones() {
    let app = spawn().await;
    let user = register(&app, "bulk@example.com").await;
    add_security_notices(&app, &user, 3).await;
    assert_eq!(unread(&app, &user).await, 4);

    let first = items(&app, &user, "").await[0]["id"].as_str().unwrap().to_owned();
    data(&app, Method::PATCH, &format!("{INBOX}/{first}/read"), &user.token, None).await;
    let d = data(&app, Method::POST, &format!("{INBOX}/read-all"), &user.token, None).await;
    assert_eq!(d["updated"], 3, "only the unread ones change");
    assert_eq!(unread(&app, &user).await, 0);
    let d = data(&app, Method::POST, &format!("{INBOX}/read-all"), &user.token, None).await;
    assert_eq!(d["updated"], 0);

    add_security_notices(&app, &user, 1).await;
    let d = data(&app, Method::DELETE, INBOX, &user.token, None).await;
    assert_eq!(d["deleted"], 4);
    let left = items(&app, &user, "").await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["read"], false);
    let d = data(&app, Method::DELETE, INBOX, &user.token, None).await;
    assert_eq!(d["deleted"], 0);
}

#[tokio::test]
async fn deleting_one_notification() {
    let app = spawn().await;
    let user = register(&app, "deleter@example.com").await;
    add_security_notices(&app, &user, 1).await;
    let before = ids(&items(&app, &user, "").await);
    assert_eq!(before.len(), 2);

    let path = format!("{INBOX}/{}", before[0]);
    let d = data(&app, Method::DELETE, &path, &user.token, None).await;
    assert_eq!(d["deleted"], 1);
    assert_eq!(ids(&items(&app, &user, "").await), vec![before[1].clone()]);
    testkit::expect_error(call(&app, Method::DELETE, &path, &user.token, None).await, 404, "not_found").await;
    testkit::expect_error(
        call(&app, Method::DELETE, &format!("{INBOX}/%20x"), &user.token, None).await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn lists_filter_by_status_and_type() {
    let app = spawn().await;
    let user = register(&app, "filter@example.com").await;
    add_security_notices(&app, &user, 2).await;
    let welcome = items(&app, &user, "?type=welcome").await;
    assert_eq!(welcome.len(), 1);
    let welcome_id = welcome[0]["id"].as_str().unwrap().to_owned();
    data(&app, Method::PATCH, &format!("{INBOX}/{welcome_id}/read"), &user.token, None).await;

    let count = |v: Value| v["pagination"]["total"].as_u64().unwrap();
    assert_eq!(count(inbox(&app, &user, "").await), 3, "all by default");
    assert_eq!(count(inbox(&app, &user, "?status=all").await), 3);
    assert_eq!(count(inbox(&app, &user, "?status=unread").await), 2);
    assert_eq!(ids(&items(&app, &user, "?status=read").await), vec![welcome_id.clone()]);
    assert_eq!(count(inbox(&app, &user, "?type=account_security").await), 2);
    assert_eq!(count(inbox(&app, &user, "?type=account_security&status=read").await), 0);
    assert_eq!(count(inbox(&app, &user, "?type=promotions").await), 0);
    // unreadCount ignores the filters.
    assert_eq!(inbox(&app, &user, "?status=read").await["unreadCount"], 2);

    // Only the documented values: an empty one is no exception.
    for (query, field) in [
        ("?status=archived", "status"),
        ("?status=UNREAD", "status"),
        ("?status=", "status"),
        ("?type=spam", "type"),
        ("?type=", "type"),
        ("?type=%20", "type"),
        ("?type=BOOKING_CONFIRMED", "type"),
    ] {
        let response = call(&app, Method::GET, &format!("{INBOX}{query}"), &user.token, None).await;
        let body = testkit::expect_error(response, 400, "validation_failed").await;
        assert_eq!(detail_fields(&body), vec![field.to_owned()], "{query}: {body}");
    }
}

#[tokio::test]
async fn pages_are_newest_first_with_offsets_and_clamped_limits() {
    let app = spawn().await;
    let user = register(&app, "pages@example.com").await;
    add_security_notices(&app, &user, 4).await;

    let all = items(&app, &user, "").await;
    assert_eq!(all.len(), 5);
    assert_eq!(all.last().unwrap()["kind"], "welcome", "the oldest comes last");
    let times: Vec<chrono::DateTime<chrono::FixedOffset>> =
        all.iter().map(|n| chrono::DateTime::parse_from_rfc3339(n["createdAt"].as_str().unwrap()).unwrap()).collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "newest first");

    let page = inbox(&app, &user, "?limit=2&offset=1").await;
    assert_eq!(ids(page["notifications"].as_array().unwrap()), ids(&all[1..3]));
    assert_eq!(page["pagination"]["total"], 5);
    assert_eq!(page["pagination"]["limit"], 2);
    assert_eq!(page["pagination"]["offset"], 1);
    assert_eq!(page["pagination"]["hasMore"], true);
    assert_eq!(items(&app, &user, "?offset=4").await.len(), 1);
    assert_eq!(inbox(&app, &user, "?offset=4").await["pagination"]["hasMore"], false);
    assert_eq!(items(&app, &user, "?offset=10").await.len(), 0);
    // `offset` wins over `page`.
    assert_eq!(ids(&items(&app, &user, "?limit=2&page=3&offset=1").await), ids(&all[1..3]));

    // DreamScape's limits are clamped to 1–50, not refused.
    for (query, limit) in [("?limit=100", 50), ("?limit=0", 1), ("?limit=-3", 1), ("?limit=9223372036854775807", 50)] {
        assert_eq!(inbox(&app, &user, query).await["pagination"]["limit"], limit, "{query}");
    }

    for (query, fields) in [
        ("?limit=abc", vec!["limit"]),
        ("?limit=", vec!["limit"]),
        ("?page=x", vec!["page"]),
        ("?page=9223372036854775808", vec!["page"]),
        ("?offset=-1", vec!["offset"]),
        ("?offset=100001", vec!["offset"]),
        ("?offset=", vec!["offset"]),
        ("?limit=1.5&offset=x&status=nope", vec!["status", "limit", "offset"]),
    ] {
        let response = call(&app, Method::GET, &format!("{INBOX}{query}"), &user.token, None).await;
        let body = testkit::expect_error(response, 400, "validation_failed").await;
        assert_eq!(detail_fields(&body), fields, "{query}: {body}");
    }
}
