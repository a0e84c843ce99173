//! Sojourn's kernel: the small vocabulary every context speaks.
//!
//! Kept free of I/O so that domain code can be unit tested without a runtime, and stable so
//! that a change here is a deliberate, platform-wide decision. Rendering to HTTP sits behind
//! the `axum` feature for the same reason: the types do not need a web server to exist.

pub mod clock;
pub mod country;
pub mod dreamscape;
pub mod envelope;
pub mod error;
pub mod event;
pub mod id;
pub mod money;
pub mod page;
pub mod phone;
pub mod time;
pub mod window;

#[cfg(feature = "axum")]
mod http;

pub use clock::{Clock, ManualClock, SystemClock};
pub use country::country_code;
pub use envelope::{Envelope, ErrorBody};
pub use error::{ApiError, ErrorCode, FieldError};
pub use event::EventEnvelope;
pub use id::{new_id, parse_id};
pub use money::{Currency, Money, MoneyError};
pub use page::{Cursor, KeyedPage, Page, PageQuery, PageRequest, Pagination};
pub use phone::Phone;
pub use time::{DateRange, Instant, parse_day_or_instant, truncate_micros};
pub use window::{Bound, Window};
