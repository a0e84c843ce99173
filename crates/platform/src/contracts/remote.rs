//! Wiring a process into the others of a split deployment: clients of the contexts that run
//! elsewhere (from `services.*_url`), and the internal endpoints through which this process
//! answers for the contexts it runs. Owners mounted here always win over a remote client.

use std::sync::Arc;

use super::http::{HttpFeeds, HttpPayments, HttpRecords, HttpSupplier, INTERNAL_API_KEY};
use super::{Contracts, FeedKind, RecordKind};
use crate::StartError;
use crate::config::Config;
use crate::secrets::{Secret, Secrets};

fn start_error(e: impl Into<String>) -> StartError {
    StartError::Context("platform".into(), e.into())
}

fn internal_key(secrets: &Secrets) -> Result<Secret, StartError> {
    secrets.get(INTERNAL_API_KEY).cloned().ok_or_else(|| start_error("secret `internal_api_key` is missing"))
}

/// Provides, for each contract no context of this process answers, an HTTP client of the
/// service that does when its URL is configured: payments (`services.payments_url`), records
/// and feeds of booking (`services.booking_url`) and catalog (`services.catalog_url`),
/// reviews' ratings feed (`services.reviews_url`) and the travel supplier (`services.travel_url`). Call after every context has mounted.
pub fn provide_remote(config: &Config, secrets: &Secrets, contracts: &Contracts) -> Result<(), StartError> {
    let services = &config.services;
    if !contracts.has_payments()
        && let Some(url) = &services.payments_url
    {
        contracts.provide_payments(Arc::new(HttpPayments::new(url, internal_key(secrets)?).map_err(start_error)?));
    }
    if !contracts.has_supplier()
        && let Some(url) = &services.travel_url
    {
        contracts.provide_supplier(Arc::new(HttpSupplier::new(url, internal_key(secrets)?).map_err(start_error)?));
    }
    let owners = [
        ("booking service", &services.booking_url, RecordKind::Reservation, FeedKind::Availability),
        ("catalog service", &services.catalog_url, RecordKind::Listing, FeedKind::Listings),
    ];
    for (what, url, records, feed) in owners {
        let Some(url) = url else { continue };
        let key = internal_key(secrets)?;
        let client = HttpRecords::new(what, url, key.clone()).map_err(start_error)?;
        contracts.provide_remote_records(records, Arc::new(client));
        contracts.provide_remote_feed(feed, Arc::new(HttpFeeds::new(what, url, key).map_err(start_error)?));
    }
    // Reviews owns no record another context asks about: only its ratings feed.
    if let Some(url) = &services.reviews_url {
        let feeds = HttpFeeds::new("reviews service", url, internal_key(secrets)?).map_err(start_error)?;
        contracts.provide_remote_feed(FeedKind::Ratings, Arc::new(feeds));
    }
    Ok(())
}

/// The internal endpoints answering for what this process owns (records, feeds): undocumented,
/// key-checked, served only when the process has an `internal_api_key`.
pub fn internal_routes(contracts: &Arc<Contracts>, secrets: &Secrets) -> Option<axum::Router> {
    let key = secrets.get(INTERNAL_API_KEY)?;
    Some(
        super::records::routes(contracts.clone(), key.clone())
            .merge(super::feeds::routes(contracts.clone(), key.clone())),
    )
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn secrets() -> Secrets {
        let key = Secret::new("remote-test-internal-key-0123456789abcdef");
        Secrets::for_tests(BTreeMap::from([(INTERNAL_API_KEY.to_owned(), key)]))
    }

    #[test]
    fn the_reviews_url_provides_a_client_of_the_ratings_feed() {
        let mut config = Config::default();
        config.services.reviews_url = Some("http://reviews.internal:3000".into());
        let contracts = Contracts::default();
        assert!(provide_remote(&config, &secrets(), &contracts).is_ok());
        assert!(contracts.feed(FeedKind::Ratings).is_some(), "a client of reviews' feed");
        assert!(contracts.local_feed(FeedKind::Ratings).is_none(), "served by reviews, not here");
        assert!(contracts.feed(FeedKind::Availability).is_none() && contracts.feed(FeedKind::Listings).is_none());
        // Without the key to call it with, start-up says so.
        let refused = provide_remote(&config, &Secrets::for_tests(BTreeMap::new()), &Contracts::default());
        assert!(refused.err().is_some_and(|e| e.to_string().contains("internal_api_key")));
    }
}
