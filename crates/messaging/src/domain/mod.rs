//! Messaging's pure rules, without I/O: what a message body may contain, how contact details
//! are found and hidden, what an uploaded file really is, and the words of system messages.

pub mod mask;
pub mod sniff;
pub mod system;
pub mod text;

/// The kinds of conversation.
pub const ENQUIRY: &str = "enquiry";
pub const RESERVATION: &str = "reservation";
pub const SUPPORT: &str = "support";

/// Reservation states after which guest and host may share contact details.
pub fn unmasks(status: &str) -> bool {
    matches!(status, "confirmed" | "completed")
}
