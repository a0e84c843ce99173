//! Media's rules, free of I/O: what an object is, what a tour document may contain.

pub mod object;
pub mod tour;
