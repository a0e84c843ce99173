//! A guest's enquiry before booking: the host replies, unread counts and read receipts move,
//! a second enquiry about the same listing lands in the same conversation, archive and mute,
//! and the conversation list pages by cursor.

use reqwest::Method;
use serde_json::json;
use testkit::expect_error;

use crate::support::*;

#[tokio::test]
async fn guest_enquires_host_replies_and_receipts_and_unread_counts_follow() {
    let app = spawn().await;
    let owner = host(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let listing = publish(&app, &owner, true).await;

    let (status, c) = enquire(&app, &guest, &listing, "Hello! Is the flat quiet at night?").await;
    assert_eq!(status, 201, "{c}");
    let cid = text(&c, "id");
    assert_eq!((c["type"].as_str(), c["listingId"].as_str()), (Some("enquiry"), Some(listing.as_str())));
    assert_eq!((c["guestId"].as_str(), c["hostId"].as_str()), (Some(guest.id.as_str()), Some(owner.id.as_str())));
    assert_eq!(c["subject"], "Canal flat");
    assert_eq!(c["unreadCount"], 0, "the guest's own message is not unread for them");

    // The host sees it unread, in their list and in the counts.
    let counts = data(get(&app, &owner, "/api/v1/conversations/unread-count").await).await;
    assert_eq!(counts, json!({"unreadCount": 1, "conversations": [{"conversationId": cid, "unreadCount": 1}]}));
    let list = data(get(&app, &owner, "/api/v1/conversations").await).await;
    assert_eq!(list["conversations"].as_array().unwrap().len(), 1);
    assert_eq!(list["conversations"][0]["lastMessage"]["body"], "Hello! Is the flat quiet at night?");
    assert_eq!(list["conversations"][0]["unreadCount"], 1);

    let reply = sent(&app, &owner, &cid, "Very quiet, it faces the courtyard.").await;
    let follow_up = sent(&app, &guest, &cid, "Great, thanks.").await;
    assert_eq!(reply["authorId"], owner.id.as_str());
    let page = messages(&app, &guest, &cid).await;
    let bodies: Vec<&str> = page.iter().map(|m| m["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, ["Great, thanks.", "Very quiet, it faces the courtyard.", "Hello! Is the flat quiet at night?"]);

    // Sending moved the host's receipt to their reply; the guest's follow-up is unread.
    let counts = data(get(&app, &owner, "/api/v1/conversations/unread-count").await).await;
    assert_eq!(counts["unreadCount"], 1);
    let read = data(post(&app, &owner, &format!("/api/v1/conversations/{cid}/read"), &json!({})).await).await;
    assert_eq!((read["lastReadMessageId"].as_str(), read["unreadCount"].as_i64()), (follow_up["id"].as_str(), Some(0)));
    // Receipts never move backwards.
    let first = page[2]["id"].as_str().unwrap();
    let again =
        data(post(&app, &owner, &format!("/api/v1/conversations/{cid}/read"), &json!({"messageId": first})).await)
            .await;
    assert_eq!(again["lastReadMessageId"], follow_up["id"]);
    assert_eq!(data(get(&app, &owner, "/api/v1/conversations/unread-count").await).await["unreadCount"], 0);
    // The guest sees how far the host read.
    let seen = data(get(&app, &guest, &format!("/api/v1/conversations/{cid}")).await).await["conversation"].clone();
    let host_part =
        seen["participants"].as_array().unwrap().iter().find(|p| p["userId"] == owner.id.as_str()).unwrap().clone();
    assert_eq!((host_part["role"].as_str(), &host_part["lastReadMessageId"]), (Some("host"), &follow_up["id"]));

    // A second enquiry about the same listing is the same conversation (200), with the message.
    let (status, same) = enquire(&app, &guest, &listing, "One more question: is there a lift?").await;
    assert_eq!((status, text(&same, "id")), (200, cid.clone()));
    assert_eq!(messages(&app, &owner, &cid).await.len(), 4);
}

#[tokio::test]
async fn enquiries_need_a_published_listing_of_someone_else() {
    let app = spawn().await;
    let owner = host(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let listing = publish(&app, &owner, true).await;
    let (status, _) = enquire(&app, &owner, &listing, "Talking to myself").await;
    assert_eq!(status, 422);
    let err = expect_error(
        post(&app, &guest, "/api/v1/conversations", &json!({"listingId": kernel::new_id(), "message": "Hi"})).await,
        404,
        "listing_not_found",
    )
    .await;
    assert!(err["message"].is_string());
    expect_error(
        post(&app, &guest, "/api/v1/conversations", &json!({"listingId": "nope", "message": "Hi"})).await,
        404,
        "listing_not_found",
    )
    .await;
    // Unpublished: gone from the read model's published set.
    data(call(&app, Method::POST, &owner, &format!("/api/v1/listings/{listing}/unpublish"), None).await).await;
    app.drain_events().await;
    expect_error(
        post(&app, &guest, "/api/v1/conversations", &json!({"listingId": listing, "message": "Hi"})).await,
        404,
        "listing_not_found",
    )
    .await;
    // Bad bodies.
    let draft = data(post(&app, &owner, "/api/v1/listings", &stay(true)).await).await["listing"]["id"].clone();
    app.drain_events().await;
    expect_error(
        post(&app, &guest, "/api/v1/conversations", &json!({"listingId": draft, "message": "Hi"})).await,
        404,
        "listing_not_found",
    )
    .await;
    expect_error(
        post(&app, &guest, "/api/v1/conversations", &json!({"message": "Hi"})).await,
        400,
        "validation_failed",
    )
    .await;
    expect_error(
        post(&app, &guest, "/api/v1/conversations", &json!({"type": "gossip", "message": "Hi"})).await,
        400,
        "validation_failed",
    )
    .await;
    expect_error(
        post(&app, &guest, "/api/v1/conversations", &json!({"type": "support", "subject": "", "message": "Hi"})).await,
        400,
        "validation_failed",
    )
    .await;
}

#[tokio::test]
async fn archive_mute_and_cursor_pages() {
    let app = spawn().await;
    let owner = host(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let listing = publish(&app, &owner, true).await;
        let (status, c) = enquire(&app, &guest, &listing, "Is it available?").await;
        assert_eq!(status, 201);
        ids.push(text(&c, "id"));
    }
    // Pages of 2 by cursor, newest first, no duplicates, no gaps.
    let first = data(get(&app, &guest, "/api/v1/conversations?limit=2").await).await;
    let cursor = first["pagination"]["nextCursor"].as_str().unwrap().to_owned();
    let second = data(get(&app, &guest, &format!("/api/v1/conversations?limit=2&cursor={cursor}")).await).await;
    assert_eq!(second["pagination"]["nextCursor"], serde_json::Value::Null);
    let seen: Vec<String> = [&first, &second]
        .iter()
        .flat_map(|p| p["conversations"].as_array().unwrap().iter().map(|c| text(c, "id")))
        .collect();
    assert_eq!(seen, ids.iter().rev().cloned().collect::<Vec<_>>());

    let path = format!("/api/v1/conversations/{}", ids[0]);
    let archived =
        data(call(&app, Method::PATCH, &guest, &path, Some(&json!({"archived": true, "muted": true}))).await).await;
    assert_eq!(
        (&archived["conversation"]["archived"], &archived["conversation"]["muted"]),
        (&json!(true), &json!(true))
    );
    let active = data(get(&app, &guest, "/api/v1/conversations").await).await;
    assert_eq!(active["conversations"].as_array().unwrap().len(), 2);
    let shelved = data(get(&app, &guest, "/api/v1/conversations?archived=true").await).await;
    assert_eq!(shelved["conversations"][0]["id"], ids[0].as_str());
    // The host's own view is untouched; a new message from the host brings it back for the guest.
    assert_eq!(data(get(&app, &owner, &path).await).await["conversation"]["archived"], false);
    sent(&app, &owner, &ids[0], "Yes, it is!").await;
    let back = data(get(&app, &guest, &path).await).await["conversation"].clone();
    assert_eq!((&back["archived"], &back["muted"]), (&json!(false), &json!(true)));
    let unarchived = data(call(&app, Method::PATCH, &guest, &path, Some(&json!({"muted": false}))).await).await;
    assert_eq!(unarchived["conversation"]["muted"], false);
    expect_error(get(&app, &guest, "/api/v1/conversations?archived=maybe").await, 400, "validation_failed").await;
}
