//! Requests arrive as sent: query parameters encoded, ids escaped, bodies and idempotency keys;
//! the cache answers repeated cacheable calls and never pricing or orders.

use serde_json::{Value, json};
use travel::provider::{Operation, Provider, Request};

use super::support::*;

#[tokio::test]
async fn query_parameters_arrive_as_sent() {
    let s = setup().await;
    let request = Request::new(Operation::AirportsNearest)
        .param("latitude", Some(45.72))
        .param("longitude", Some(5.08))
        .param("page[limit]", Some(5))
        .param("page[offset]", Some(0))
        .param("sort", Some("analytics.travelers.score"))
        .param("note", Some("a b&c=d/é+"));
    let answer = s.amadeus.call(&request).await.unwrap();
    assert_eq!(answer["data"][0]["iataCode"], "SMF");
    let seen = &s.fake.api_requests()[0];
    assert_eq!((seen.method.as_str(), seen.path.as_str()), ("GET", "/v1/reference-data/locations/airports"));
    assert_eq!(seen.query, request.query);
    assert!(seen.raw_query.contains("page%5Blimit%5D=5"), "{}", seen.raw_query);
    assert_eq!(s.backend.seen()[0].query, request.query);
}

#[tokio::test]
async fn bodies_ids_and_keys_arrive_as_sent() {
    let s = setup().await;
    let request = order("1").key("order-key-1");
    let answer = s.amadeus.call(&request).await.unwrap();
    assert_eq!(answer["data"]["associatedRecords"][0]["reference"], "QZ7K2M");
    let seen = &s.fake.api_requests()[0];
    assert_eq!((seen.method.as_str(), seen.path.as_str()), ("POST", "/v1/booking/flight-orders"));
    assert_eq!(seen.body.as_ref(), request.body.as_ref());
    assert_eq!(seen.content_type.as_deref(), Some("application/json"));
    assert_eq!(seen.idempotency_key.as_deref(), Some("order-key-1"));
    assert_eq!(s.backend.seen()[0].key.as_deref(), Some("order-key-1"));

    // A read carries no key; an id is escaped as one path segment.
    let answer = s.amadeus.call(&Request::new(Operation::Activity).id("tour 7/b?x").key("ignored")).await.unwrap();
    assert_eq!(answer["data"]["id"], "tour 7/b?x");
    let seen = &s.fake.api_requests()[1];
    assert_eq!(seen.raw_path, "/v1/shopping/activities/tour%207%2Fb%3Fx");
    assert_eq!(seen.idempotency_key, None);

    // Transfers take their offer and confirmation numbers in the query, even when posting.
    let create = Request::new(Operation::TransferOrderCreate)
        .param("offerId", Some("OFFER-9"))
        .body(json!({ "data": { "passengers": [{ "firstName": "ADA", "lastName": "SAMPLE" }] } }));
    let answer = s.amadeus.call(&create).await.unwrap();
    assert_eq!(answer["data"]["transfers"][0]["offerId"], "OFFER-9");
    let cancel =
        Request::new(Operation::TransferOrderCancel).id("T-1").param("confirmNbr", Some("C-77")).key("cancel-1");
    let answer = s.amadeus.call(&cancel).await.unwrap();
    assert_eq!(answer["data"]["status"], "CANCELLED");
    let seen = &s.fake.api_requests()[3];
    assert_eq!(seen.path, "/v1/ordering/transfer-orders/T-1/transfers/cancellation");
    assert_eq!(seen.param("confirmNbr"), Some("C-77"));

    // A cancelled flight order: Amadeus answers 204, the adapter null.
    let answer = s.amadeus.call(&Request::new(Operation::FlightOrderCancel).id("ORDER-1")).await.unwrap();
    assert_eq!(answer, Value::Null);
    assert_eq!(s.fake.api_requests()[4].method, "DELETE");
}

#[tokio::test]
async fn an_id_is_required_where_the_path_has_one() {
    let s = setup().await;
    let error = s.amadeus.call(&Request::new(Operation::FlightOrder)).await.unwrap_err();
    assert_eq!((error.status, error.details[0].field.as_str()), (400, "id"));
    assert_eq!(s.fake.requests().len(), 0);
}

#[tokio::test]
async fn offline_only_operations_are_refused_without_a_call() {
    let s = setup().await;
    for op in [Operation::HotelOrderCancel, Operation::ActivityOrderCreate, Operation::ActivityOrderCancel] {
        let error = s.amadeus.call(&Request::new(op).id("1").body(json!({ "data": {} }))).await.unwrap_err();
        assert_eq!((error.status, error.code.as_ref()), (422, "not_offered_by_supplier"));
    }
    assert!(s.fake.requests().is_empty(), "not even a token");
}

#[tokio::test]
async fn cacheable_answers_are_reused_and_pricing_and_orders_never() {
    let s = setup().await;
    let first = s.amadeus.call(&locations("SAMPLE")).await.unwrap();
    // The same question in another order is the same question.
    let reordered =
        Request::new(Operation::Locations).param("keyword", Some("SAMPLE")).param("subType", Some("CITY,AIRPORT"));
    let second = s.amadeus.call(&reordered).await.unwrap();
    assert_eq!(first, second);
    assert_eq!(s.fake.api_requests().len(), 1);
    assert_eq!(s.amadeus.cache_stats(), (1, 1));
    s.amadeus.call(&locations("OTHER")).await.unwrap();
    assert_eq!(s.fake.api_requests().len(), 2);
    assert_eq!(s.amadeus.cache_stats(), (1, 2));

    for _ in 0..2 {
        s.amadeus.call(&pricing()).await.unwrap();
        s.amadeus.call(&order("1")).await.unwrap();
        s.amadeus.call(&Request::new(Operation::FlightOrder).id("ORDER-1")).await.unwrap();
    }
    assert_eq!(s.fake.api_requests().len(), 2 + 6);
    assert_eq!(s.amadeus.cache_stats(), (1, 2), "not counted either way");
}

#[tokio::test]
async fn identical_concurrent_misses_are_coalesced() {
    let s = setup().await;
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let amadeus = s.amadeus.clone();
            tokio::spawn(async move { amadeus.call(&flight_offers()).await })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap()["data"][0]["id"], "1");
    }
    assert_eq!(s.fake.api_requests().len(), 1);
    assert_eq!(s.amadeus.cache_stats(), (9, 1));
}

#[tokio::test]
async fn failures_are_not_cached() {
    let s = setup_with(|c| c.max_attempts = 1).await;
    s.fake.fail_next(1, travel::amadeus::fake::Fault::ServerError);
    assert_eq!(s.amadeus.call(&locations("SAMPLE")).await.unwrap_err().status, 503);
    assert!(s.amadeus.call(&locations("SAMPLE")).await.is_ok());
    assert_eq!(s.fake.api_requests().len(), 2);
    assert_eq!(s.amadeus.cache_stats(), (0, 2));
}
