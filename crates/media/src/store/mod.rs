//! Media's tables. SQL lives here only; services call these functions.

pub mod listings;
pub mod objects;
pub mod tours;
pub mod uploads;
