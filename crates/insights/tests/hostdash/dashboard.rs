//! The dashboard's figures against the reservations the scenario made, computed by hand; the
//! CSV and JSON downloads; the rebuild giving back the same rows.

use serde_json::Value;

use crate::support::{App, Scenario, amounts, contexts, get, int, scenario, share};

const MARCH: &str = "/api/v1/analytics/host/dashboard?from=2026-03-01&to=2026-03-31";

fn round(n: i64, d: i64) -> i64 {
    (2 * n + d) / (2 * d)
}

fn currency<'a>(m: &'a Value, c: &str) -> &'a Value {
    m["revenue"].as_array().unwrap().iter().find(|r| r["currency"] == c).unwrap_or_else(|| panic!("{c} in {m}"))
}

async fn check_figures(app: &App, s: &Scenario) {
    let d = crate::support::data(get(app, &s.host, &format!("{MARCH}&interval=week")).await).await;
    let (b1, g1, f1, n1) = amounts(&s.r1["quote"]);
    let (b2, g2, f2, n2) = amounts(&s.r2["quote"]);
    let (b4, g4, f4, n4) = amounts(&s.r4["quote"]);
    assert_eq!(d["previousPeriod"], serde_json::json!({"from": "2026-01-29", "to": "2026-02-28", "days": 31}));
    assert_eq!(d["timezones"], serde_json::json!(["America/New_York", "Europe/Paris"]));

    // March: the Paris flat has the last night of the February stay and the four of R1.
    let cur = &d["total"]["current"];
    let eur = currency(cur, "EUR");
    let room = share(b2, 3, 2) + b1;
    assert_eq!(
        (int(&eur["roomRevenue"]), int(&eur["gross"]), int(&eur["fees"]), int(&eur["net"])),
        (room, share(g2, 3, 2) + g1, share(f2, 3, 2) + f1, share(n2, 3, 2) + n1),
        "{eur}"
    );
    assert_eq!((int(&eur["nightsBooked"]), int(&eur["nightsAvailable"])), (5, 31));
    assert_eq!((int(&eur["adr"]), int(&eur["revpar"])), (round(room, 5), round(room, 31)));
    let usd = currency(cur, "USD");
    assert_eq!((int(&usd["roomRevenue"]), int(&usd["gross"]), int(&usd["fees"]), int(&usd["net"])), (b4, g4, f4, n4));
    assert_eq!((int(&usd["adr"]), int(&usd["nightsBooked"])), (round(b4, 2), 2));
    assert_eq!((int(&cur["nightsBooked"]), int(&cur["nightsAvailable"])), (7, 62));
    assert_eq!(cur["occupancyRate"].as_f64(), Some(0.1129));
    // Booked in March: R1 (6 March in Paris, 21 days ahead) and R4 (5 March in New York, 2
    // days ahead); R3's cancellation is March's, its booking February's.
    assert_eq!((int(&cur["bookings"]), int(&cur["requests"]), int(&cur["cancellations"])), (2, 2, 1));
    assert_eq!((cur["cancellationRate"].as_f64(), cur["averageLeadTimeDays"].as_f64()), (Some(0.0), Some(11.5)));
    assert_eq!(cur["averageLengthOfStay"].as_f64(), Some(3.0));
    assert_eq!(
        (int(&cur["views"]), cur["viewToBookingRate"].as_f64()),
        (48, Some(round(2 * 10_000, 48) as f64 / 10_000.0))
    );
    assert_eq!((int(&cur["guestConversations"]), int(&cur["responded"])), (2, 1));
    assert_eq!((cur["responseRate"].as_f64(), int(&cur["medianResponseSeconds"])), (Some(0.5), 7200));
    assert_eq!(int(&cur["averageResponseSeconds"]), 7200);
    assert_eq!(
        (int(&cur["ratingCount"]), cur["ratingAverage"].as_f64()),
        (1, Some(4.0)),
        "the hidden 5 and the host's 1 do not count"
    );

    // February (29 Jan – 28 Feb): two nights of R2; both listings published on 10 February.
    let prev = &d["total"]["previous"];
    let eur = currency(prev, "EUR");
    assert_eq!(int(&eur["roomRevenue"]), share(b2, 3, 0) + share(b2, 3, 1));
    assert_eq!(int(&eur["gross"]), share(g2, 3, 0) + share(g2, 3, 1));
    assert_eq!((int(&prev["nightsBooked"]), int(&prev["nightsAvailable"])), (2, 38));
    assert_eq!(
        (int(&prev["bookings"]), int(&prev["bookingsCancelled"]), prev["cancellationRate"].as_f64()),
        (2, 1, Some(0.5))
    );
    assert_eq!((prev["averageLeadTimeDays"].as_f64(), prev["averageLengthOfStay"].as_f64()), (Some(22.5), Some(2.5)));
    assert_eq!((int(&prev["views"]), int(&prev["guestConversations"])), (10, 0));
    assert_eq!((prev["responseRate"].clone(), prev["ratingAverage"].clone()), (Value::Null, Value::Null));

    // Per listing: New York alone in USD, its own views.
    let york = d["listings"].as_array().unwrap().iter().find(|l| l["listingId"] == s.york.as_str()).unwrap();
    assert_eq!((york["timezone"].as_str(), york["currency"].as_str()), (Some("America/New_York"), Some("USD")));
    assert_eq!((int(&york["current"]["nightsBooked"]), int(&york["current"]["views"])), (2, 8));
    assert_eq!(york["current"]["revenue"].as_array().unwrap().len(), 1);

    // Weeks from Monday: 1 March alone (a Sunday), then 2–8 March with R1's and R4's bookings
    // and R4's nights, ... 23–29 March with three of R1's nights.
    let series = d["series"].as_array().unwrap();
    assert_eq!(
        (series.len(), series[0]["from"].as_str(), series[0]["to"].as_str()),
        (6, Some("2026-03-01"), Some("2026-03-01"))
    );
    assert_eq!((int(&series[0]["nightsBooked"]), int(&series[0]["nightsAvailable"])), (1, 2));
    assert_eq!(
        (int(&series[1]["bookings"]), int(&series[1]["nightsBooked"]), int(&series[1]["nightsAvailable"])),
        (2, 2, 14)
    );
    assert_eq!(int(&currency(&series[1], "USD")["gross"]), g4);
    assert_eq!((series[4]["from"].as_str(), int(&series[4]["nightsBooked"])), (Some("2026-03-23"), 3));
    assert_eq!(series[4]["occupancyRate"].as_f64(), Some(0.2143));
    assert_eq!(int(&currency(&series[4], "EUR")["roomRevenue"]), share(b1, 4, 0) + share(b1, 4, 1) + share(b1, 4, 2));

    // One currency: only the Paris flat counts.
    let eur_only = crate::support::data(get(app, &s.host, &format!("{MARCH}&currency=eur")).await).await;
    assert_eq!(eur_only["listings"].as_array().unwrap().len(), 1);
    assert_eq!(
        (int(&eur_only["total"]["current"]["nightsAvailable"]), int(&eur_only["total"]["current"]["bookings"])),
        (31, 1)
    );
}

/// An RFC 4180 reader: records of fields, quotes doubled inside quoted fields.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut field) = (Vec::new(), Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    rows
}

async fn check_downloads(app: &App, s: &Scenario) {
    let r = get(app, &s.host, &MARCH.replace("/dashboard?", "/reports/dashboard.csv?")).await;
    assert_eq!(r.status(), 200);
    let disposition = r.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert_eq!(disposition, "attachment; filename=\"dashboard-2026-03-01-2026-03-31.csv\"");
    let rows = parse_csv(&r.text().await.unwrap());
    assert_eq!(rows[0].join(","), "scope,listing_id,listing_title,timezone,period,from,to,currency,metric,value");
    assert!(rows.iter().all(|r| r.len() == 10), "every record has ten fields");
    let find = |scope: &str, listing: &str, period: &str, currency: &str, metric: &str| {
        rows.iter()
            .find(|r| r[0] == scope && r[1] == listing && r[4] == period && r[7] == currency && r[8] == metric)
            .unwrap_or_else(|| panic!("{scope} {period} {currency} {metric}"))
            .clone()
    };
    let (b1, g1, ..) = amounts(&s.r1["quote"]);
    let (_, g2, ..) = amounts(&s.r2["quote"]);
    let gross = share(g2, 3, 2) + g1;
    let row = find("total", "", "current", "EUR", "gross");
    assert_eq!(row[9], format!("{}.{:02}", gross / 100, gross % 100), "major units, two decimals");
    assert_eq!(row[3], "America/New_York Europe/Paris");
    let title = find("listing", &s.paris, "current", "", "nights_booked");
    assert_eq!((title[2].as_str(), title[3].as_str(), title[9].as_str()), ("Loft, \"Le Marais\"", "Europe/Paris", "5"));
    assert_eq!(find("total", "", "current", "", "occupancy_rate")[9], "0.1129");
    assert_eq!(find("total", "", "previous", "", "response_rate")[9], "", "no denominator: empty");
    let adr = round(b1 + share(amounts(&s.r2["quote"]).0, 3, 2), 5);
    assert_eq!(find("total", "", "current", "EUR", "adr")[9], format!("{}.{:02}", adr / 100, adr % 100));

    let r = get(app, &s.host, &MARCH.replace("/dashboard?", "/reports/dashboard.json?")).await;
    assert_eq!(r.headers()["content-type"], "application/json");
    let file: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    let api = crate::support::data(get(app, &s.host, MARCH).await).await;
    assert_eq!(file, api, "the JSON file is the dashboard");
}

async fn check_rebuild(app: &App) {
    let db = app.platform.db("insights").unwrap();
    let snapshot = || async {
        platform::db::query(
            "SELECT listing_id, day, currency, nights_booked, room_revenue, gross, net, bookings, cancellations, \
             ratings FROM insights_listing_days ORDER BY listing_id, day, currency",
        )
        .fetch_all::<Row>(db)
        .await
        .unwrap()
    };
    let before = snapshot().await;
    assert!(before.len() > 10, "{}", before.len());
    platform::db::query("DELETE FROM insights_listing_days").execute(db).await.unwrap();
    assert!(snapshot().await.is_empty());
    insights::rebuild(db, "2000-01-01".parse().unwrap()).await.unwrap();
    assert_eq!(snapshot().await, before);
    platform::db::query("DELETE FROM insights_listing_days").execute(db).await.unwrap();
    let written = insights::rollups::listing_days::rebuild(db, "2000-01-01".parse().unwrap()).await.unwrap();
    assert_eq!((written as usize, snapshot().await), (before.len(), before.clone()));
    // From a day on: only those rows are rewritten, the others stay.
    let from: chrono::NaiveDate = "2026-03-15".parse().unwrap();
    let later = before.iter().filter(|r| r.1 >= from).count();
    assert_eq!(insights::rollups::listing_days::rebuild(db, from).await.unwrap() as usize, later);
    assert_eq!(snapshot().await, before);
}

#[derive(Debug, Clone, PartialEq)]
struct Row(uuid::Uuid, chrono::NaiveDate, String, [i64; 7]);

impl platform::db::FromRow for Row {
    fn from_row(row: &platform::db::Row<'_>) -> Result<Self, platform::db::DbError> {
        let mut n = [0; 7];
        for (i, c) in
            ["nights_booked", "room_revenue", "gross", "net", "bookings", "cancellations", "ratings"].iter().enumerate()
        {
            n[i] = row.get(c)?;
        }
        Ok(Row(row.get("listing_id")?, row.get("day")?, row.get("currency")?, n))
    }
}

#[tokio::test]
async fn the_dashboard_matches_the_reservations_and_rebuilds_to_the_same_rows() {
    let app = testkit::spawn_clocked("2026-02-10T10:00:00Z", contexts()).await;
    let s = scenario(&app).await;
    check_figures(&app, &s).await;
    check_downloads(&app, &s).await;
    crate::statement::check_statement(&app, &s).await;
    check_rebuild(&app).await;
}
