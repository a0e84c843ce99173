//! Messaging through HTTP, with identity (accounts), catalog (listings) and booking
//! (reservations) running beside it: enquiries, reservation conversations and their system
//! messages, masking, attachments, idempotent sends, moderation, search, GDPR, and who may see
//! what.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(dead_code)] // support helpers serve several modules

mod access;
mod attachments;
mod enquiries;
mod moderation;
mod realtime;
mod reservations;
mod sending;
mod socketio;
mod support;
