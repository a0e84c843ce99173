//! Identifiers are UUID v7: globally unique without coordination, and time-ordered so that
//! primary-key indexes stay append-mostly and "newest first" is a cheap sort.

use uuid::Uuid;

use crate::error::ApiError;

/// A fresh UUID v7.
pub fn new_id() -> Uuid {
    Uuid::now_v7()
}

/// Parses an id received from a client (path segment, body field) into a [`Uuid`].
///
/// A malformed id is reported as `404 not_found` rather than `400`: from the client's point of
/// view a resource with that id does not exist, and answering differently would let callers
/// probe the id format for no benefit.
pub fn parse_id(raw: &str, resource: &str) -> Result<Uuid, ApiError> {
    Uuid::try_parse(raw.trim()).map_err(|_| ApiError::not_found(format!("{resource} not found")))
}

/// The id of a reservation's conversation (messaging), derived from the reservation's id: the
/// link both ways without either context asking the other. UUID v5 in the reservation's own
/// namespace, so the same reservation always names the same conversation.
pub fn reservation_conversation_id(reservation: &Uuid) -> Uuid {
    Uuid::new_v5(reservation, b"sojourn.conversation")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_v7_and_increase() {
        let a = new_id();
        let b = new_id();
        assert_eq!(a.get_version_num(), 7);
        assert!(b > a);
    }

    #[test]
    fn garbage_ids_are_not_found() {
        let err = parse_id("nope", "booking").unwrap_err();
        assert_eq!(err.status, 404);
        assert_eq!(err.message, "booking not found");
        assert!(parse_id(&new_id().to_string(), "booking").is_ok());
    }

    #[test]
    fn reservation_conversations_are_stable_and_distinct() {
        let a = new_id();
        let b = new_id();
        assert_eq!(reservation_conversation_id(&a), reservation_conversation_id(&a));
        assert_ne!(reservation_conversation_id(&a), reservation_conversation_id(&b));
        assert_eq!(reservation_conversation_id(&a).get_version_num(), 5);
    }
}
