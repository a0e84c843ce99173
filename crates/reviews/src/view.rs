//! The JSON of a review for a viewer: the private note only for the two sides and
//! administrators, the moderator's reason only for the author and administrators, an erased
//! author without name or id. `date` and `author` (a name) are what DreamScape's client reads
//! of a review; the rest is ours.

use serde_json::{Value, json};

use crate::domain::Viewer;
use crate::service::status;
use crate::store::Review;

/// "Jane D.": a first name and an initial, as marketplaces show reviewers.
fn display_name(r: &Review) -> String {
    if r.author_erased {
        return "Former user".to_owned();
    }
    let first = r.author_first_name.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let initial = r.author_last_name.as_deref().and_then(|l| l.trim().chars().next());
    match (first, initial) {
        (Some(f), Some(i)) => format!("{f} {i}."),
        (Some(f), None) => f.to_owned(),
        _ => if r.author_role == "host" { "Host" } else { "Guest" }.to_owned(),
    }
}

pub fn review(r: &Review, viewer: Viewer) -> Value {
    let status = status(r);
    let author_id = (!r.author_erased).then_some(r.author_id);
    let response = r.response.as_ref().map(|text| json!({"text": text, "respondedAt": r.responded_at}));
    let mut v = json!({
        "id": r.id, "reservationId": r.reservation_id, "listingId": r.listing_id, "kind": r.kind,
        "authorRole": r.author_role, "authorId": author_id, "author": display_name(r), "subjectId": r.subject_id,
        "rating": r.rating, "categories": r.categories, "comment": r.comment, "response": response,
        "status": status.as_str(), "publishedAt": r.published_at, "createdAt": r.created_at,
        "date": r.published_at.unwrap_or(r.created_at),
    });
    if let Some(map) = v.as_object_mut() {
        if viewer.reads_private_note() {
            map.insert("privateNote".into(), json!(r.private_note));
        }
        if matches!(viewer, Viewer::Author | Viewer::Admin) {
            map.insert("hiddenAt".into(), json!(r.hidden_at));
            map.insert("hiddenReason".into(), json!(r.hidden_reason));
        }
    }
    v
}
