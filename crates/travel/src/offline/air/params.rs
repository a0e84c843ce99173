//! Reading an operation's query parameters and body with Amadeus's names: every problem is
//! collected and answered as one `400` naming each parameter.

use chrono::NaiveDate;
use kernel::{ApiError, FieldError};

use super::fares;
use super::network::{self, Ap};
use crate::provider::Request;
use crate::reference;

pub struct Params<'a> {
    request: &'a Request,
    pub today: NaiveDate,
    errors: Vec<FieldError>,
}

impl<'a> Params<'a> {
    pub fn new(request: &'a Request, today: NaiveDate) -> Self {
        Self { request, today, errors: Vec::new() }
    }

    pub fn fail(&mut self, field: &str, message: &str) {
        self.errors.push(FieldError::new(field, message));
    }

    /// The value, trimmed; empty counts as absent.
    pub fn opt(&self, name: &str) -> Option<&'a str> {
        self.request.get(name).map(str::trim).filter(|v| !v.is_empty())
    }

    pub fn required(&mut self, name: &str) -> Option<&'a str> {
        let v = self.opt(name);
        if v.is_none() {
            self.fail(name, "is required");
        }
        v
    }

    /// A `YYYY-MM-DD` date, not before today.
    pub fn date(&mut self, name: &str, required: bool) -> Option<NaiveDate> {
        let raw = if required { self.required(name)? } else { self.opt(name)? };
        match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
            Ok(d) if d < self.today => {
                self.fail(name, "must not be in the past");
                None
            }
            Ok(d) => Some(d),
            Err(_) => {
                self.fail(name, "must be a date YYYY-MM-DD");
                None
            }
        }
    }

    /// A date in any year (periods and statistics).
    pub fn any_date(&mut self, name: &str, required: bool) -> Option<NaiveDate> {
        let raw = if required { self.required(name)? } else { self.opt(name)? };
        let d = NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok();
        if d.is_none() {
            self.fail(name, "must be a date YYYY-MM-DD");
        }
        d
    }

    /// An integer in `[min, max]`, `default` when absent.
    pub fn int(&mut self, name: &str, default: i64, min: i64, max: i64) -> i64 {
        match self.opt(name).map(str::parse::<i64>) {
            None => default,
            Some(Ok(v)) if (min..=max).contains(&v) => v,
            Some(_) => {
                self.fail(name, &format!("must be a whole number from {min} to {max}"));
                default
            }
        }
    }

    pub fn flag(&mut self, name: &str, default: bool) -> bool {
        match self.opt(name) {
            None => default,
            Some("true") => true,
            Some("false") => false,
            Some(_) => {
                self.fail(name, "must be true or false");
                default
            }
        }
    }

    /// The airports of an airport or city code.
    pub fn location(&mut self, name: &str) -> Vec<Ap> {
        let Some(code) = self.required(name) else { return Vec::new() };
        let airports: Vec<Ap> =
            reference::get().airports_for(code).into_iter().filter(|a| network::served(a)).collect();
        if airports.is_empty() {
            self.fail(name, "is not a known airport or city code");
        }
        airports
    }

    /// One airport (not a city).
    pub fn airport(&mut self, name: &str) -> Option<Ap> {
        let code = self.required(name)?;
        let found = reference::get().airport(code).filter(|a| code.len() == 3 && network::served(a));
        if found.is_none() {
            self.fail(name, "is not a known airport code");
        }
        found
    }

    pub fn airline(&mut self, name: &str) -> Option<&'static reference::Airline> {
        let code = self.required(name)?;
        let found = reference::get().airline(code);
        if found.is_none() {
            self.fail(name, "is not a known airline code");
        }
        found
    }

    /// A currency of the conversion table (`default` when absent).
    pub fn currency(&mut self, name: &str, default: &str) -> String {
        let code = self.opt(name).unwrap_or(default).to_ascii_uppercase();
        if fares::rate(&code).is_none() {
            self.fail(name, "is not a supported currency");
        }
        code
    }

    /// `travelClass`: one of the four cabins (economy when absent).
    pub fn cabin(&mut self, name: &str) -> usize {
        match self.opt(name) {
            None => 0,
            Some(c) => fares::cabin_index(c).unwrap_or_else(|| {
                self.fail(name, "must be ECONOMY, PREMIUM_ECONOMY, BUSINESS or FIRST");
                0
            }),
        }
    }

    /// A `YYYY-MM` period.
    pub fn period(&mut self, name: &str) -> Option<NaiveDate> {
        let raw = self.required(name)?;
        let d = NaiveDate::parse_from_str(&format!("{raw}-01"), "%Y-%m-%d").ok().filter(|_| raw.len() == 7);
        if d.is_none() {
            self.fail(name, "must be a month YYYY-MM");
        }
        d
    }

    pub fn finish(&mut self) -> Result<(), ApiError> {
        if self.errors.is_empty() { Ok(()) } else { Err(ApiError::validation(std::mem::take(&mut self.errors))) }
    }
}

/// An `ApiError` for one field of a body.
pub fn body_error(field: &str, message: &str) -> ApiError {
    ApiError::validation(vec![FieldError::new(field, message)])
}
