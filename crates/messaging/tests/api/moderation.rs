//! Blocks, reports and the moderators' queue, support conversations with the administrators,
//! and GDPR: the export carries the user's messages; erasure anonymises the author and keeps
//! the other party's copy readable.

use reqwest::Method;
use serde_json::{Value, json};
use testkit::expect_error;

use crate::support::*;

#[tokio::test]
async fn a_blocked_user_can_neither_write_nor_enquire_until_unblocked() {
    let app = spawn().await;
    let owner = host(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let listing = publish(&app, &owner, true).await;
    let second = publish(&app, &owner, true).await;
    let (_, c) = enquire(&app, &guest, &listing, "Hello").await;
    let cid = text(&c, "id");

    let blocked = data(post(&app, &owner, "/api/v1/blocks", &json!({"userId": guest.id})).await).await;
    assert_eq!(blocked["block"]["userId"], guest.id.as_str());
    let list = data(get(&app, &owner, "/api/v1/blocks").await).await;
    assert_eq!(list["blocks"][0]["userId"], guest.id.as_str());
    let (status, err) = send(&app, &guest, &cid, "Why no answer?").await;
    assert_eq!((status, err["code"].as_str()), (403, Some("blocked")));
    let (status, _) = enquire(&app, &guest, &second, "Another flat then").await;
    assert_eq!(status, 403);
    // The blocker still writes; blocking oneself is refused; the blocked user's list is theirs.
    sent(&app, &owner, &cid, "Sorry, fully booked.").await;
    expect_error(post(&app, &owner, "/api/v1/blocks", &json!({"userId": owner.id})).await, 422, "cannot_block_self")
        .await;
    assert_eq!(data(get(&app, &guest, "/api/v1/blocks").await).await["blocks"], json!([]));

    let path = format!("/api/v1/blocks/{}", guest.id);
    data(call(&app, Method::DELETE, &owner, &path, None).await).await;
    expect_error(call(&app, Method::DELETE, &owner, &path, None).await, 404, "block_not_found").await;
    assert_eq!(send(&app, &guest, &cid, "Thanks anyway").await.0, 201);
}

#[tokio::test]
async fn reports_reach_the_moderators_who_dismiss_or_remove() {
    let app = spawn().await;
    let owner = host(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let admin = admin(&app, "admin@example.com").await;
    let listing = publish(&app, &owner, true).await;
    let (_, c) = enquire(&app, &guest, &listing, "Hello").await;
    let cid = text(&c, "id");
    let rude = sent(&app, &owner, &cid, "Pay me by wire at host@example.com instead").await;
    let polite = sent(&app, &owner, &cid, "Welcome!").await;
    let report_path = |m: &Value| format!("/api/v1/conversations/{cid}/messages/{}/report", text(m, "id"));

    let filed = post(
        &app,
        &guest,
        &report_path(&rude),
        &json!({"reason": "off_platform_payment", "details": "Asks for a wire"}),
    )
    .await;
    assert_eq!(filed.status(), 201);
    let report = data(filed).await["report"].clone();
    assert_eq!((report["status"].as_str(), report["reason"].as_str()), (Some("open"), Some("off_platform_payment")));
    expect_error(post(&app, &guest, &report_path(&rude), &json!({"reason": "spam"})).await, 409, "already_reported")
        .await;
    expect_error(
        post(&app, &guest, &report_path(&polite), &json!({"reason": "because"})).await,
        400,
        "validation_failed",
    )
    .await;
    let second =
        data(post(&app, &guest, &report_path(&polite), &json!({"reason": "other"})).await).await["report"].clone();

    // Only administrators see the queue; the report carries the message as written.
    expect_error(get(&app, &guest, "/api/v1/admin/message-reports").await, 403, "forbidden").await;
    let queue = data(get(&app, &admin, "/api/v1/admin/message-reports?status=open").await).await;
    assert_eq!(queue["pagination"]["total"], 2);
    assert_eq!(queue["reports"][0]["message"]["body"], "Pay me by wire at host@example.com instead");
    // The report lets the moderator see the message, not the private conversation.
    expect_error(get(&app, &admin, &format!("/api/v1/conversations/{cid}")).await, 404, "conversation_not_found").await;

    let resolve = |id: &Value| format!("/api/v1/admin/message-reports/{}/resolve", id.as_str().unwrap());
    expect_error(
        post(&app, &admin, &resolve(&report["id"]), &json!({"action": "ban"})).await,
        400,
        "validation_failed",
    )
    .await;
    let removed = data(
        post(&app, &admin, &resolve(&report["id"]), &json!({"action": "remove_message", "note": "Off-platform"})).await,
    )
    .await;
    assert_eq!(
        (removed["report"]["status"].as_str(), removed["report"]["action"].as_str()),
        (Some("resolved"), Some("remove_message"))
    );
    expect_error(
        post(&app, &admin, &resolve(&report["id"]), &json!({"action": "dismiss"})).await,
        409,
        "report_resolved",
    )
    .await;
    data(post(&app, &admin, &resolve(&second["id"]), &json!({"action": "dismiss"})).await).await;
    let page = messages(&app, &guest, &cid).await;
    assert_eq!((&page[1]["id"], &page[1]["body"]), (&rude["id"], &Value::Null), "removed");
    assert_eq!(page[0]["body"], "Welcome!", "dismissed: kept");
    let resolved = data(get(&app, &admin, "/api/v1/admin/message-reports?status=resolved").await).await;
    assert_eq!(resolved["pagination"]["total"], 2);
    assert_eq!(data(get(&app, &admin, "/api/v1/admin/message-reports").await).await["reports"], json!([]));
    expect_error(
        post(&app, &admin, &resolve(&json!(kernel::new_id().to_string())), &json!({"action": "dismiss"})).await,
        404,
        "report_not_found",
    )
    .await;
}

#[tokio::test]
async fn support_conversations_are_answered_by_any_administrator() {
    let app = spawn().await;
    let user = register(&app, "user@example.com").await;
    let other = register(&app, "other@example.com").await;
    let (admin_a, admin_b) = (admin(&app, "a@example.com").await, admin(&app, "b@example.com").await);
    let opened = post(
        &app,
        &user,
        "/api/v1/conversations",
        &json!({"type": "support", "subject": "Refund", "message": "Where is my refund? Call 06 12 34 56 78"}),
    )
    .await;
    assert_eq!(opened.status(), 201);
    let c = data(opened).await["conversation"].clone();
    let cid = text(&c, "id");
    assert_eq!((c["type"].as_str(), c["subject"].as_str()), (Some("support"), Some("Refund")));

    let queue = data(get(&app, &admin_a, "/api/v1/admin/conversations?type=support").await).await;
    assert_eq!(queue["conversations"][0]["id"], cid.as_str());
    expect_error(get(&app, &user, "/api/v1/admin/conversations?type=support").await, 403, "forbidden").await;
    expect_error(get(&app, &admin_a, "/api/v1/admin/conversations?type=enquiry").await, 400, "validation_failed").await;
    // Support is never masked; any administrator reads and answers.
    assert_eq!(messages(&app, &admin_b, &cid).await[0]["masked"], false);
    sent(&app, &admin_a, &cid, "Looking into it.").await;
    sent(&app, &admin_b, &cid, "Refunded today.").await;
    assert_eq!(data(get(&app, &user, "/api/v1/conversations/unread-count").await).await["unreadCount"], 2);
    let authors: Vec<Value> = messages(&app, &user, &cid).await.iter().map(|m| m["authorId"].clone()).collect();
    assert_eq!(authors, [json!(admin_b.id), json!(admin_a.id), json!(user.id)]);
    expect_error(get(&app, &other, &format!("/api/v1/conversations/{cid}")).await, 404, "conversation_not_found").await;
}

#[tokio::test]
async fn exports_carry_messages_and_erasure_keeps_the_other_partys_copy() {
    let app = spawn().await;
    let owner = host(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let listing = publish(&app, &owner, true).await;
    let (_, c) = enquire(&app, &guest, &listing, "Do you allow pets?").await;
    let cid = text(&c, "id");
    sent(&app, &owner, &cid, "Small ones, yes.").await;

    let filed = data(post(&app, &guest, "/api/v1/users/gdpr/request", &json!({"type": "DATA_EXPORT"})).await).await;
    let request = filed["request"]["id"].as_str().unwrap().to_owned();
    let archive: Value =
        get(&app, &guest, &format!("/api/v1/users/gdpr/requests/{request}/download")).await.json().await.unwrap();
    let mine = &archive["contexts"]["messaging"];
    assert_eq!(mine["conversations"][0]["id"], cid.as_str(), "{archive}");
    let bodies: Vec<&str> = mine["messages"].as_array().unwrap().iter().map(|m| m["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, ["Do you allow pets?"], "only what the guest wrote");

    assert_eq!(call(&app, Method::DELETE, &guest, "/api/v1/users/profile", None).await.status(), 200);
    app.drain_events().await;
    let page = messages(&app, &owner, &cid).await;
    assert_eq!(page.len(), 2);
    assert_eq!(
        (&page[1]["body"], &page[1]["authorId"], &page[1]["authorDeleted"]),
        (&json!("Do you allow pets?"), &Value::Null, &json!(true))
    );
    let conversation =
        data(get(&app, &owner, &format!("/api/v1/conversations/{cid}")).await).await["conversation"].clone();
    assert_eq!(conversation["guestId"], Value::Null);
    assert_eq!(conversation["participants"].as_array().unwrap().len(), 1);
}
