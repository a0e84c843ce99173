//! The `sojourn` binary's library half: the CLI and the registry of contexts, exposed so that
//! integration tests (schema parity, architecture) see exactly what the binary runs.

pub mod admin;
pub mod cli;
pub mod contexts;
pub mod memory;
pub mod reindex;
pub mod seed;
