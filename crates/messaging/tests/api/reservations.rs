//! Every reservation has its conversation (id derived from the reservation's, shown on the
//! reservation), created from booking's events, with system messages for the request, the
//! host's answer, cancellations and the check-in; contact details are masked until the
//! reservation is confirmed.

use chrono::Duration;
use serde_json::{Value, json};

use crate::support::*;

fn codes(page: &[Value]) -> Vec<String> {
    page.iter().rev().filter(|m| m["kind"] == "system").map(|m| text(m, "code")).collect()
}

#[tokio::test]
async fn a_request_to_book_writes_its_story_and_contact_details_wait_for_confirmation() {
    let app = spawn().await;
    let owner = host(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let admin = admin(&app, "admin@example.com").await;
    let listing = publish(&app, &owner, false).await;

    // Before booking, in the enquiry: the host reads the guest's contact details hidden.
    let (_, enquiry) =
        enquire(&app, &guest, &listing, "Can I call you? +33 6 12 34 56 78 or jane at example dot com").await;
    let eid = text(&enquiry, "id");
    let host_reads = &messages(&app, &owner, &eid).await[0];
    assert_eq!(host_reads["masked"], true);
    let hidden = host_reads["body"].as_str().unwrap();
    assert!(!hidden.contains("12 34") && !hidden.contains("example"), "{hidden}");
    assert!(hidden.starts_with("Can I call you? "), "{hidden}");
    let guest_reads = &messages(&app, &guest, &eid).await[0];
    assert_eq!(guest_reads["body"], "Can I call you? +33 6 12 34 56 78 or jane at example dot com");
    assert_eq!((guest_reads["masked"].as_bool(), guest_reads["maskedBody"].as_str()), (Some(true), Some(hidden)));
    assert_eq!(guest_reads["maskedRanges"].as_array().unwrap().len(), 2, "{guest_reads}");

    // The reservation: its conversation exists as soon as booking announced it.
    let r = reserve(&app, &guest, &listing, "2027-02-01", "2027-02-04").await;
    let rid = text(&r, "id");
    let cid = text(&r, "conversationId");
    assert_eq!(cid, kernel::id::reservation_conversation_id(&rid.parse().unwrap()).to_string());
    let c = data(get(&app, &owner, &format!("/api/v1/conversations/{cid}")).await).await["conversation"].clone();
    assert_eq!((c["type"].as_str(), c["reservationId"].as_str()), (Some("reservation"), Some(rid.as_str())));
    assert_eq!((c["guestId"].as_str(), c["hostId"].as_str()), (Some(guest.id.as_str()), Some(owner.id.as_str())));
    let linked = data(get(&app, &guest, &format!("/api/v1/conversations/{eid}")).await).await["conversation"].clone();
    assert_eq!(linked["reservationId"], rid.as_str(), "the enquiry points at the reservation");

    payment_event(&app, "authorized", &rid, 36_960).await;
    let masked = sent(&app, &guest, &cid, "My number: 06.12.34.56.78").await;
    assert_eq!(masked["masked"], true);
    assert_eq!(act(&app, &owner, &rid, "accept").await["status"], "confirmed");
    let open = sent(&app, &guest, &cid, "My number: 06.12.34.56.78").await;
    assert_eq!(open["masked"], false);

    let page = messages(&app, &owner, &cid).await;
    assert_eq!(codes(&page), ["booking.requested", "booking.confirmed"]);
    let system = page.iter().find(|m| m["code"] == "booking.confirmed").unwrap();
    assert_eq!((&system["authorId"], system["body"].as_str()), (&Value::Null, Some("The reservation is confirmed.")));
    assert_eq!(page[0]["body"], "My number: 06.12.34.56.78", "after confirmation the host reads it as written");
    assert_ne!(page[2]["body"], "My number: 06.12.34.56.78", "what was masked stays masked: {}", page[2]);
    // New messages in the enquiry are unmasked too: its reservation is confirmed.
    assert_eq!(sent(&app, &guest, &eid, "Call 06 12 34 56 78").await["masked"], false);

    // The stay starts on 1 February 15:00 Paris: the sweep writes the check-in once.
    app.clock.advance(Duration::days(29));
    let admin = login(&app, &admin).await;
    let run = data(post(&app, &admin, "/api/v1/admin/messaging/jobs/run", &json!({})).await).await;
    assert_eq!(run["checkIns"], 1);
    let run = data(post(&app, &admin, "/api/v1/admin/messaging/jobs/run", &json!({})).await).await;
    assert_eq!(run["checkIns"], 0);
    let owner = login(&app, &owner).await;
    let page = messages(&app, &owner, &cid).await;
    assert_eq!(codes(&page), ["booking.requested", "booking.confirmed", "booking.checked_in"]);
}

#[tokio::test]
async fn declines_and_cancellations_are_told_in_the_conversation() {
    let app = spawn().await;
    let owner = host(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let on_request = publish(&app, &owner, false).await;
    let instant = publish(&app, &owner, true).await;

    let declined = reserve(&app, &guest, &on_request, "2027-03-01", "2027-03-03").await;
    payment_event(&app, "authorized", &text(&declined, "id"), 25_760).await;
    assert_eq!(act(&app, &owner, &text(&declined, "id"), "decline").await["status"], "declined");
    let page = messages(&app, &guest, &text(&declined, "conversationId")).await;
    assert_eq!(codes(&page), ["booking.requested", "booking.declined"]);
    assert_eq!(page[0]["body"], "The host declined the booking request.");

    let cancelled = reserve(&app, &guest, &instant, "2027-04-01", "2027-04-03").await;
    let rid = text(&cancelled, "id");
    payment_event(&app, "succeeded", &rid, 25_760).await;
    assert_eq!(act(&app, &guest, &rid, "cancel").await["status"], "cancelled");
    let page = messages(&app, &owner, &text(&cancelled, "conversationId")).await;
    assert_eq!(codes(&page), ["booking.confirmed", "booking.cancelled"]);
    assert_eq!(page[0]["body"], "The guest cancelled the reservation.");

    // Both conversations are in both lists; replayed events add nothing.
    let list = data(get(&app, &owner, "/api/v1/conversations").await).await;
    assert_eq!(list["conversations"].as_array().unwrap().len(), 2);
    app.drain_events().await;
    assert_eq!(messages(&app, &owner, &text(&cancelled, "conversationId")).await.len(), 2);
}
