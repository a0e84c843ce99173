//! Amadeus's refusals in our terms: the parameter named, 404, 409 for what is gone.

use travel::provider::{Operation, Provider, Request};

use super::support::*;

#[tokio::test]
async fn a_missing_parameter_is_our_400_naming_it() {
    let s = setup().await;
    let request = Request::new(Operation::FlightOffers)
        .param("originLocationCode", Some("LYS"))
        .param("destinationLocationCode", Some("LIS"))
        .param("adults", Some(1));
    let error = s.amadeus.call(&request).await.unwrap_err();
    assert_eq!((error.status, error.code.as_ref()), (400, "supplier_rejected"));
    assert_eq!(error.details.len(), 1);
    assert_eq!(error.details[0].field, "departureDate");
    assert!(error.message.contains("departureDate"), "{}", error.message);
    assert!(s.backend.seen().is_empty(), "the fake refused it as Amadeus would");
    assert_eq!(s.fake.api_requests().len(), 1, "a 400 is not retried");
}

#[tokio::test]
async fn the_supplier_s_own_400_names_the_parameter_and_a_body_pointer_is_named_too() {
    let s = setup().await;
    let bad_date = flight_offers();
    let bad_date = Request {
        query: bad_date
            .query
            .into_iter()
            .map(|(k, v)| if k == "departureDate" { (k, "2031-13-40".to_owned()) } else { (k, v) })
            .collect(),
        ..bad_date
    };
    let error = s.amadeus.call(&bad_date).await.unwrap_err();
    assert_eq!((error.status, error.details[0].field.as_str()), (400, "departureDate"));
    assert_eq!(error.details[0].message, "is not a date");

    let no_travelers = Request::new(Operation::FlightOrderCreate)
        .body(serde_json::json!({ "data": { "type": "flight-order", "flightOffers": [{ "id": "1" }] } }));
    let error = s.amadeus.call(&no_travelers).await.unwrap_err();
    assert_eq!((error.status, error.details[0].field.as_str()), (400, "/data/travelers"));
}

#[tokio::test]
async fn unknown_is_404_and_gone_or_changed_is_409() {
    let s = setup().await;
    let error = s.amadeus.call(&Request::new(Operation::FlightOrder).id("ORDER-404")).await.unwrap_err();
    assert_eq!((error.status, error.code.as_ref(), error.message.as_str()), (404, "not_found", "No such flight order"));

    let error = s.amadeus.call(&order("gone")).await.unwrap_err();
    assert_eq!((error.status, error.code.as_ref()), (409, "offer_unavailable"));
    assert_eq!(error.message, "No seat left at this fare");
    let error = s.amadeus.call(&order("repriced")).await.unwrap_err();
    assert_eq!((error.status, error.code.as_ref()), (409, "offer_unavailable"));
    assert_eq!(s.fake.api_requests().len(), 3, "refusals are not retried");
}
