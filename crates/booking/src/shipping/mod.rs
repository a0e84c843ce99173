//! Product orders: the rules of shipping goods a guest bought from stock. Pure, unit tested;
//! the engine (`service::fulfilment`) runs them against the store.
//!
//! A product's `shippingOptions` come from the catalog with the listing. A request names one
//! and gives a delivery address; the option must serve the address's country. Its price is a
//! line of the quote that the guest pays and the seller gets whole — the platform takes no fee
//! on carriage it does not provide, and the seller's price is taken to include any tax on it.
//! The seller then ships (carrier, tracking), the parcel is delivered (the seller says so or
//! the guest confirms receipt), which completes the reservation; units sent back are refunded
//! at their share of what was paid, carriage excepted.

pub mod address;
pub mod options;
mod postal;
pub mod returns;
pub mod tracking;

pub use address::{AddressInput, DeliveryAddress};
pub use options::{ShippingAsk, ask, choose, with_shipping};

/// Text a person typed, trimmed, `min..=max` characters, on one line and without markup.
/// `None` when absent or empty (the caller decides whether that is allowed).
fn line(field: &str, raw: Option<&str>, max: usize, errors: &mut Vec<kernel::FieldError>) -> Option<String> {
    let v = raw.map(str::trim).filter(|v| !v.is_empty())?;
    if v.chars().count() > max {
        errors.push(kernel::FieldError::new(field, format!("must be at most {max} characters")));
        None
    } else if v.chars().any(|c| c.is_control() || c == '<' || c == '>') {
        errors.push(kernel::FieldError::new(field, "must be plain text on one line"));
        None
    } else {
        Some(v.to_owned())
    }
}
