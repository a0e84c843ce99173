//! The administrators' query: filters, newest first, cursor pages; bad filters are 400.

use serde_json::Value;
use testkit::accounts::{self, admin, register};
use testkit::expect_error;

use crate::support::{entries, fail_login, page, spawn};

fn seqs(entries: &[Value]) -> Vec<i64> {
    entries.iter().map(|e| e["seq"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn filters_select_and_cursors_page_newest_first() {
    let app = spawn().await;
    let ann = register(&app, "ann@example.com").await;
    let boss = admin(&app, "boss@example.com").await;
    for _ in 0..4 {
        accounts::login(&app, &ann).await;
        fail_login(&app, "ann@example.com").await;
    }
    app.clock.advance(chrono::Duration::days(2));
    accounts::login(&app, &ann).await;
    let boss = accounts::login(&app, &boss).await;

    let all = entries(&app, &boss, "").await;
    let all_seqs = seqs(&all);
    assert!(all_seqs.windows(2).all(|w| w[0] == w[1] + 1), "dense, newest first: {all_seqs:?}");
    let ann_in = entries(&app, &boss, &format!("action=user.logged_in&actorId={}", ann.id)).await;
    assert_eq!(ann_in.len(), 5);
    let failed = entries(
        &app,
        &boss,
        &format!("category=security&subjectType=user&subjectId={}&action=user.login_failed", ann.id),
    )
    .await;
    assert_eq!(failed.len(), 4);
    assert!(entries(&app, &boss, "category=admin").await.is_empty());
    // Two days later: two sign-ins; `to` a day is up to that day's end.
    let later = entries(&app, &boss, "from=2030-01-03T09:00:00Z").await;
    assert_eq!(later.len(), 2, "{later:?}");
    let first_day = entries(&app, &boss, "from=2030-01-02&to=2030-01-02").await;
    assert_eq!(first_day.len(), all.len() - 2);

    // Pages of three: every entry once, in order, then no cursor.
    let mut seen = Vec::new();
    let mut query = "limit=3".to_owned();
    loop {
        let p = page(&app, &boss, &query).await;
        let items = p["entries"].as_array().unwrap();
        assert!(items.len() <= 3);
        seen.extend(seqs(items));
        match p["pagination"]["nextCursor"].as_str() {
            Some(cursor) => query = format!("limit=3&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, all_seqs);
    // A cursor with a filter pages within the filter.
    let p = page(&app, &boss, &format!("limit=2&actorId={}&action=user.logged_in", ann.id)).await;
    let cursor = p["pagination"]["nextCursor"].as_str().unwrap().to_owned();
    let next = page(&app, &boss, &format!("limit=2&actorId={}&action=user.logged_in&cursor={cursor}", ann.id)).await;
    let both: Vec<i64> =
        seqs(p["entries"].as_array().unwrap()).into_iter().chain(seqs(next["entries"].as_array().unwrap())).collect();
    assert_eq!(both, seqs(&ann_in[..4]));
}

#[tokio::test]
async fn bad_filters_are_refused_with_each_field_named() {
    let app = spawn().await;
    let boss = admin(&app, "boss@example.com").await;
    for (query, field) in [
        ("category=everything", "category"),
        ("actorId=not-a-uuid", "actorId"),
        ("action=DROP%20TABLE", "action"),
        ("subjectType=x%27y", "subjectType"),
        ("from=yesterday", "from"),
        ("to=2030-13-01", "to"),
        ("from=2030-02-01&to=2030-01-01", "to"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=ten", "limit"),
        ("cursor=%21%21%21", "cursor"),
    ] {
        let r = accounts::get(&app, &boss, &format!("/api/v1/admin/audit?{query}")).await;
        let body = expect_error(r, 400, "validation_failed").await;
        let fields: Vec<&str> =
            body["details"].as_array().unwrap().iter().filter_map(|d| d["field"].as_str()).collect();
        assert!(fields.contains(&field), "{query}: {body}");
    }
    let r = accounts::get(&app, &boss, "/api/v1/admin/audit?category=nope&limit=0").await;
    let body = expect_error(r, 400, "validation_failed").await;
    assert_eq!(body["details"].as_array().unwrap().len(), 2, "{body}");
    // 200 at most per page is fine.
    assert_eq!(page(&app, &boss, "limit=200").await["pagination"]["limit"], 200);
}
