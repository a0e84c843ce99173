//! Trip purpose of reservations booked and paid through the real contexts, who may read it,
//! and the same model on features given directly.

use serde_json::json;

use super::*;

fn feature<'a>(p: &'a Value, name: &str) -> &'a Value {
    p["features"].as_array().unwrap().iter().find(|f| f["name"] == name).unwrap_or_else(|| panic!("{name} in {p}"))
}

#[tokio::test]
async fn a_lone_weekday_stay_is_business_a_family_weekend_leisure() {
    let app = spawn(None).await;
    let owner = host(&app, "host@purpose.test").await;
    let listing = flat(&app, &owner, "Lyon").await;
    let guest = register(&app, "guest@purpose.test").await;
    // The clock is Monday 1 March 2027. Tuesday 9 → Thursday 11 March, alone.
    let work = paid(&app, &guest, &listing, "2027-03-09", "2027-03-11", 1).await;
    // Friday 12 → Sunday 14 March, four of them.
    let family = paid(&app, &guest, &listing, "2027-03-12", "2027-03-14", 4).await;

    let p = bare(get(&app, &guest, &format!("/api/v1/ai/reservations/{work}/trip-purpose")).await).await;
    assert_eq!(p["purpose"], "business", "{p}");
    assert!(p["probability"].as_f64().unwrap() > 0.8, "{p}");
    assert_eq!(
        p["inputs"],
        json!({"kind": "stay", "nights": 2, "guests": 1, "checkInWeekday": "tuesday",
        "leadTimeDays": 8, "weekendNight": false})
    );
    assert_eq!(feature(&p, "soloTraveller")["value"], true);
    assert!(feature(&p, "soloTraveller")["contribution"].as_f64().unwrap() > 0.0);
    assert_eq!(feature(&p, "weekendNight")["contribution"], 0.0);
    let sum: f64 = p["features"].as_array().unwrap().iter().map(|f| f["contribution"].as_f64().unwrap()).sum();
    assert!((sum + p["bias"].as_f64().unwrap() - p["logOdds"].as_f64().unwrap()).abs() < 0.001, "{p}");

    let p = bare(get(&app, &owner, &format!("/api/v1/ai/reservations/{family}/trip-purpose")).await).await;
    assert_eq!(p["purpose"], "leisure", "{p}");
    assert_eq!(p["inputs"]["guests"], 4);
    assert_eq!(feature(&p, "groupOfThreeOrMore")["value"], true);
    assert_eq!(feature(&p, "weekendNight")["value"], true);

    // Administrators may read it; anyone else hears of nothing, as for an unknown id.
    let boss = admin(&app, "admin@purpose.test").await;
    assert_eq!(
        bare(get(&app, &boss, &format!("/api/v1/ai/reservations/{work}/trip-purpose")).await).await["purpose"],
        "business"
    );
    let stranger = register(&app, "stranger@purpose.test").await;
    testkit::expect_error(
        get(&app, &stranger, &format!("/api/v1/ai/reservations/{work}/trip-purpose")).await,
        404,
        "not_found",
    )
    .await;
    let unknown = kernel::new_id();
    testkit::expect_error(
        get(&app, &guest, &format!("/api/v1/ai/reservations/{unknown}/trip-purpose")).await,
        404,
        "not_found",
    )
    .await;
    testkit::expect_error(app.get(&format!("/api/v1/ai/reservations/{work}/trip-purpose")).await, 401, "unauthorized")
        .await;

    // The guest's export holds the inputs ai keeps about their trips.
    let request = data(post(&app, &guest, "/api/v1/users/gdpr/data-export", &json!({})).await).await;
    let download = format!("/api/v1/users/gdpr/data-export/{}/download", request["id"].as_str().unwrap());
    let export = bare(get(&app, &guest, &download).await).await;
    let mine = export.pointer("/contexts/ai.analysis/tripPurposeInputs").unwrap_or_else(|| panic!("{export}"));
    let mut ids: Vec<&str> = mine.as_array().unwrap().iter().map(|t| t["reservationId"].as_str().unwrap()).collect();
    ids.sort_unstable();
    let mut expected = [work.as_str(), family.as_str()];
    expected.sort_unstable();
    assert_eq!(ids, expected);

    // The guest's account deleted: what ai kept about their trips goes.
    inject(&app, "user.deleted", json!({"userId": guest.id})).await;
    let path = format!("/api/v1/ai/reservations/{work}/trip-purpose");
    testkit::expect_error(get(&app, &owner, &path).await, 404, "not_found").await;
}

#[tokio::test]
async fn features_given_directly() {
    let app = spawn(None).await;
    let ask = |body: Value| {
        let app = &app;
        async move { app.post_json("/api/v1/ai/trip-purpose", &body).await }
    };
    let p = bare(ask(json!({"nights": 2, "guests": 1, "checkInWeekday": "tue", "leadTimeDays": 3})).await).await;
    assert_eq!(p["purpose"], "business");
    assert_eq!(feature(&p, "bookedWithinAWeek")["value"], true);
    // Dates: lead time from the clock's today (1 March) to check-in.
    let p = bare(ask(json!({"checkIn": "2027-07-09", "checkOut": "2027-07-23", "guests": 5})).await).await;
    assert_eq!(p["purpose"], "leisure");
    assert_eq!((p["inputs"]["nights"].as_i64(), p["inputs"]["leadTimeDays"].as_i64()), (Some(14), Some(130)));
    assert_eq!(feature(&p, "longStay")["value"], true);

    for bad in [
        json!({}),
        json!({"nights": 2}),
        json!({"nights": 0, "checkInWeekday": "monday"}),
        json!({"nights": 2, "checkInWeekday": "someday"}),
        json!({"checkIn": "2027-07-09", "checkOut": "2027-07-09"}),
        json!({"checkIn": "July", "checkOut": "2027-07-09"}),
        json!({"nights": 2, "checkInWeekday": "monday", "guests": 0}),
        json!({"nights": 2, "checkInWeekday": "monday", "kind": "spaceship"}),
        json!({"nights": 2, "checkInWeekday": "monday", "surprise": true}),
        json!({"checkIn": "2027-07-09", "checkOut": "2027-07-10", "leadTimeDays": 4_294_967_295_u64}),
        json!({"checkIn": "-262143-01-01", "checkOut": "262143-12-31"}),
        json!({"nights": 2, "checkInWeekday": "monday", "guests": -1}),
    ] {
        let (status, body) = testkit::json(ask(bad.clone()).await).await;
        assert_eq!(status, 400, "{bad} → {body}");
    }
}
