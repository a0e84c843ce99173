//! New messages through the real messaging context: the recipients' inboxes have the notice at
//! once, but its email waits ten minutes and goes only if the conversation is still unread —
//! reading it, or answering in it, calls the mail off. Muting a conversation silences it.

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::json;

use crate::sends_kit::*;
use crate::support::{self, User};

/// A guest's first message about `listing`: the conversation's id (events delivered).
async fn enquire(kit: &Kit, guest: &User, listing: &str, message: &str) -> String {
    let body = json!({"listingId": listing, "message": message});
    let (status, made) = support::send(kit, Method::POST, "/api/v1/conversations", &guest.token, Some(&body)).await;
    assert_eq!(status, 201, "{made}");
    kit.drain_events().await;
    made["data"]["conversation"]["id"].as_str().unwrap().to_owned()
}

async fn say(kit: &Kit, who: &User, conversation: &str, text: &str) {
    let path = format!("/api/v1/conversations/{conversation}/messages");
    let (status, sent) = support::send(kit, Method::POST, &path, &who.token, Some(&json!({"body": text}))).await;
    assert_eq!(status, 201, "{sent}");
    kit.drain_events().await;
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn statuses(rows: &[(String, DateTime<Utc>)]) -> Vec<&str> {
    rows.iter().map(|(s, _)| s.as_str()).collect()
}

#[tokio::test]
async fn an_unread_message_is_mailed_once_ten_minutes_later() {
    let kit = spawn().await;
    let (host, listing) = host_with_flat(&kit, "msg-host@example.com", "15:00").await;
    support::speaks(&kit, &host, "fr").await;
    let guest = support::register(&kit, "msg-guest@example.com").await;
    let conversation = enquire(&kit, &guest, &listing, "Hello!\nIs the flat quiet at night?").await;

    // The inbox has it at once, in the reader's language; the author hears nothing.
    let told = notices(&kit, &host, "messages").await;
    assert_eq!(told.len(), 1, "{told:?}");
    let n = &told[0];
    assert_eq!((n["type"].as_str(), n["title"].as_str()), (Some("SYSTEM"), Some("Nouveau message")));
    assert_eq!(n["message"], "Hello! Is the flat quiet at night?");
    assert_eq!(n["metadata"]["conversationId"], conversation.as_str());
    assert!(notices(&kit, &guest, "messages").await.is_empty());

    // The mail waits ten minutes.
    let queued = email_deliveries(&kit, &host, "message_received").await;
    assert_eq!(queued, [("pending".to_owned(), at("2030-01-02T09:10:00Z"))]);
    kit.set_clock("2030-01-02T09:09:59Z");
    worker_caught_up(&kit, &host, "msg-host@example.com", "Marker at 9 minutes").await;
    assert!(mails_to(&kit, "msg-host@example.com", "Nouveau message").is_empty(), "too early");

    // Still unread ten minutes on: it goes, once.
    kit.set_clock("2030-01-02T09:10:00Z");
    let mail = mail_to(&kit, "msg-host@example.com", "Nouveau message").await;
    assert!(mail.text.contains("Is the flat quiet at night?"), "{mail:?}");
    worker_caught_up(&kit, &host, "msg-host@example.com", "Marker at 10 minutes").await;
    assert_eq!(mails_to(&kit, "msg-host@example.com", "Nouveau message").len(), 1);
    assert_eq!(statuses(&email_deliveries(&kit, &host, "message_received").await), ["sent"]);
    // Reading it now changes nothing that was sent.
    let path = format!("/api/v1/conversations/{conversation}/read");
    let (status, _) = support::send(&kit, Method::POST, &path, &host.token, Some(&json!({}))).await;
    assert_eq!(status, 200);
    kit.drain_events().await;
    assert_eq!(statuses(&email_deliveries(&kit, &host, "message_received").await), ["sent"]);
}

#[tokio::test]
async fn a_message_read_or_answered_in_time_is_not_mailed_and_a_muted_conversation_is_quiet() {
    let kit = spawn().await;
    let (host, listing) = host_with_flat(&kit, "read-host@example.com", "15:00").await;
    let guest = support::register(&kit, "read-guest@example.com").await;
    let conversation = enquire(&kit, &guest, &listing, "Is there a lift?").await;
    assert_eq!(notices(&kit, &host, "messages").await.len(), 1);

    // Read five minutes later: the waiting mail is called off.
    kit.set_clock("2030-01-02T09:05:00Z");
    let path = format!("/api/v1/conversations/{conversation}/read");
    let (status, read) = support::send(&kit, Method::POST, &path, &host.token, Some(&json!({}))).await;
    assert_eq!(status, 200, "{read}");
    kit.drain_events().await;
    assert_eq!(statuses(&email_deliveries(&kit, &host, "message_received").await), ["cancelled"]);

    // Another question, which the host answers rather than marks read: answering reads it.
    say(&kit, &guest, &conversation, "And is there parking?").await;
    assert_eq!(statuses(&email_deliveries(&kit, &host, "message_received").await), ["cancelled", "pending"]);
    kit.set_clock("2030-01-02T09:06:00Z");
    say(&kit, &host, &conversation, "A lift, yes; parking in the street.").await;
    assert_eq!(statuses(&email_deliveries(&kit, &host, "message_received").await), ["cancelled", "cancelled"]);

    // Long after: the guest, who never read the host's answer, gets its mail; the host none.
    kit.set_clock("2030-01-02T09:30:00Z");
    let mail = mail_to(&kit, "read-guest@example.com", "New message").await;
    assert!(mail.text.contains("A lift, yes; parking in the street."), "{mail:?}");
    worker_caught_up(&kit, &host, "read-host@example.com", "Marker at 30 minutes").await;
    assert!(mails_to(&kit, "read-host@example.com", "New message").is_empty());
    assert_eq!(mails_to(&kit, "read-guest@example.com", "New message").len(), 1);

    // Muted by the host: the guest's next message tells them nothing, by no channel.
    let (host, guest) = (login(&kit, "read-host@example.com").await, login(&kit, "read-guest@example.com").await);
    let mute = json!({"muted": true});
    let (status, muted) =
        support::send(&kit, Method::PATCH, &format!("/api/v1/conversations/{conversation}"), &host.token, Some(&mute))
            .await;
    assert_eq!(status, 200, "{muted}");
    say(&kit, &guest, &conversation, "Thanks!").await;
    assert_eq!(notices(&kit, &host, "messages").await.len(), 2, "nothing for a muted conversation");
    assert_eq!(email_deliveries(&kit, &host, "message_received").await.len(), 2);
}
