//! The assistant plans a trip: it searches (two searches at once, then activities), drafts an
//! itinerary with an offer it never searched (refused, told why), drafts again with searched
//! offers (accepted, priced), and answers; every item of the draft goes into the cart as is.
//! Then the same through the one-shot draft route, and a streamed answer.

use ai::llm::fake::Reply;
use reqwest::Method;
use serde_json::{Value, json};
use testkit::accounts::register;

use super::{KEY, MODEL, conversation, send, spawn};

const FLIGHTS: &str =
    "originLocationCode=PAR&destinationLocationCode=BCN&departureDate=2030-03-10&returnDate=2030-03-14&adults=2";
const HOTELS: &str = "cityCode=BCN&checkInDate=2030-03-10&checkOutDate=2030-03-14&adults=2";
const ACTIVITIES: &str = "latitude=41.3888&longitude=2.1590";

/// The first offer id of a public search (the offline supplier answers the same offers to the
/// assistant's search).
async fn first_offer(app: &testkit::TestApp, path: &str) -> String {
    let (status, found) = testkit::json(app.get(path).await).await;
    assert_eq!(status, 200, "{found}");
    found["data"][0]["id"].as_str().unwrap().to_owned()
}

fn query_args(query: &str) -> Value {
    let mut out = serde_json::Map::new();
    for pair in query.split('&') {
        let (k, v) = pair.split_once('=').unwrap();
        out.insert(k.into(), v.parse::<i64>().map_or_else(|_| json!(v), |n| json!(n)));
    }
    Value::Object(out)
}

/// Scripts the whole plan on the fake; the three offer ids used.
async fn script_plan(kit: &super::Kit) -> (String, String, String) {
    let flight = first_offer(&kit.app, &format!("/api/v1/flights/search?{FLIGHTS}")).await;
    let hotel = first_offer(&kit.app, &format!("/api/v1/hotels/search?{HOTELS}")).await;
    let activity = first_offer(&kit.app, &format!("/api/v1/activities/search?{ACTIVITIES}")).await;
    let mut activities = query_args(ACTIVITIES);
    activities["latitude"] = json!(41.3888);
    activities["longitude"] = json!(2.159);
    kit.fake
        .push(Reply::tool_calls(vec![("search_flights", query_args(FLIGHTS)), ("search_hotels", query_args(HOTELS))]));
    kit.fake.push(Reply::tool_call("search_activities", activities));
    let draft = |flight_id: &str| {
        json!({"title": "Barcelona in March", "destination": "Barcelona", "startDate": "2030-03-10", "endDate": "2030-03-14",
               "items": [{"type": "FLIGHT", "offerId": flight_id, "title": "Paris → Barcelona", "day": 1},
                         {"type": "HOTEL", "offerId": hotel, "title": "4 nights", "day": 1},
                         {"type": "ACTIVITY", "offerId": activity, "title": "Walking tour", "day": 2, "participants": 2,
                          "notes": "morning"}]})
    };
    kit.fake.push(Reply::tool_call("draft_itinerary", draft("NOT-SEARCHED-1")));
    kit.fake.push(Reply::tool_call("draft_itinerary", draft(&flight)));
    kit.fake.push(Reply::text("Here is a plan for Barcelona: flights, a hotel and a walking tour.").usage(100, 20));
    (flight, hotel, activity)
}

#[tokio::test]
async fn the_assistant_drafts_an_itinerary_the_cart_accepts() {
    let kit = spawn(true, |_| {}).await;
    let ada = register(&kit, "ada@example.com").await;
    let (flight, hotel, activity) = script_plan(&kit).await;
    let id = conversation(&kit, &ada).await;
    let path = format!("/api/v1/ai/assistant/conversations/{id}/messages");
    let (status, answer) =
        send(&kit, Method::POST, &ada, &path, Some(&json!({"content": "Plan me 4 days in Barcelona from Paris"})))
            .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["role"], "assistant");
    assert!(answer["content"].as_str().unwrap().starts_with("Here is a plan"), "{answer}");
    assert_eq!(answer["turnUsage"]["rounds"], 5);
    assert_eq!(answer["turnUsage"]["totalTokens"], 4 * 15 + 120);

    // What the model was sent.
    let seen = kit.fake.requests();
    assert_eq!(seen.len(), 5);
    for r in &seen {
        assert_eq!(r.path, "/v1/chat/completions");
        assert_eq!(r.header("authorization"), Some(format!("Bearer {KEY}").as_str()));
        assert_eq!(r.body.as_ref().unwrap()["model"], MODEL);
    }
    let mut names = seen[0].tool_names();
    names.sort();
    assert_eq!(names, ["draft_itinerary", "search_activities", "search_flights", "search_hotels"]);
    assert_eq!(seen[0].messages()[0]["role"], "system");
    assert_eq!(seen[0].messages().last().unwrap()["content"], "Plan me 4 days in Barcelona from Paris");
    // The searches' results came back keyed by their calls' ids, with the offers found.
    let second = seen[1].messages();
    let calls = second[second.len() - 3]["tool_calls"].as_array().unwrap().clone();
    assert_eq!(calls.len(), 2);
    for (call, result) in calls.iter().zip(&second[second.len() - 2..]) {
        assert_eq!(result["role"], "tool");
        assert_eq!(result["tool_call_id"], call["id"]);
    }
    let flights: Value = serde_json::from_str(second[second.len() - 2]["content"].as_str().unwrap()).unwrap();
    assert_eq!(flights["offers"][0]["offerId"], flight.as_str(), "{flights}");
    // The first draft named an offer no search returned: refused, and the model told why.
    let fourth = seen[3].messages();
    let refused: Value = serde_json::from_str(fourth.last().unwrap()["content"].as_str().unwrap()).unwrap();
    assert_eq!(refused["accepted"], false, "{refused}");
    assert!(refused["errors"][0].as_str().unwrap().contains("NOT-SEARCHED-1"), "{refused}");
    let fifth = seen[4].messages();
    let accepted: Value = serde_json::from_str(fifth.last().unwrap()["content"].as_str().unwrap()).unwrap();
    assert_eq!(accepted["accepted"], true, "{accepted}");

    // The itinerary: priced, in the cart's shape; every item goes into the cart.
    let itinerary = &answer["itinerary"];
    assert_eq!(itinerary["startDate"], "2030-03-10");
    let items = itinerary["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["offerId"], flight.as_str());
    assert_eq!(items[1]["cartItem"]["itemData"]["offerId"], hotel.as_str());
    assert_eq!(items[2]["cartItem"]["itemData"], json!({"offerId": activity, "date": "2030-03-11"}));
    assert_eq!(items[2]["cartItem"]["quantity"], 2);
    let mut total = 0;
    for item in items {
        let (status, added) = send(&kit, Method::POST, &ada, "/api/v1/cart/items", Some(&item["cartItem"])).await;
        assert_eq!(status, 201, "{item}: {added}");
        assert_eq!(added["data"]["item"]["totalMinor"], item["price"]["amountMinor"], "{added}");
        total += item["price"]["amountMinor"].as_i64().unwrap();
    }
    assert_eq!(itinerary["totals"][0]["amountMinor"], total);
    let (_, cart) = send(&kit, Method::GET, &ada, "/api/v1/cart/me", None).await;
    assert_eq!(cart["data"]["itemCount"], 3, "{cart}");

    // The conversation reads back: the user's message, then the answer with its itinerary and
    // the tools it used; tool results are not shown.
    let (status, read) = send(&kit, Method::GET, &ada, &format!("/api/v1/ai/assistant/conversations/{id}"), None).await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(read["title"], "Plan me 4 days in Barcelona from Paris");
    let roles: Vec<&str> = read["messages"].as_array().unwrap().iter().map(|m| m["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["user", "assistant", "assistant", "assistant", "assistant", "assistant"]);
    assert_eq!(read["messages"][1]["toolCalls"].as_array().unwrap().len(), 2);
    assert_eq!(read["messages"].as_array().unwrap().last().unwrap()["itinerary"], *itinerary);

    // The next turn sends the whole history, tool calls and results included.
    kit.fake.push(Reply::text("You're welcome."));
    let (status, _) = send(&kit, Method::POST, &ada, &path, Some(&json!({"content": "Thanks!"}))).await;
    assert_eq!(status, 200);
    let history = kit.fake.requests().last().unwrap().messages();
    assert_eq!(history.len(), 1 + 1 + 9 + 1 + 1, "system, question, 4 rounds (calls + results), answer, thanks");
    assert_eq!(history.iter().filter(|m| m["role"] == "tool").count(), 5);
}

#[tokio::test]
async fn a_one_shot_draft_runs_the_same_loop() {
    let kit = spawn(true, |_| {}).await;
    let ada = register(&kit, "ada@example.com").await;
    let (flight, _, _) = script_plan(&kit).await;
    let body = json!({"destination": "Barcelona", "origin": "Paris", "startDate": "2030-03-10", "endDate": "2030-03-14",
                      "adults": 2, "budget": 3000, "interests": ["architecture", "food"]});
    let (status, out) = send(&kit, Method::POST, &ada, "/api/v1/ai/itineraries/draft", Some(&body)).await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["itinerary"]["items"][0]["offerId"], flight.as_str());
    let prompt = kit.fake.requests()[0].messages().last().unwrap()["content"].as_str().unwrap().to_owned();
    assert!(prompt.contains("Barcelona") && prompt.contains("Paris") && prompt.contains("architecture"), "{prompt}");
    let id = out["conversationId"].as_str().unwrap();
    let (status, list) = send(&kit, Method::GET, &ada, "/api/v1/ai/assistant/conversations", None).await;
    assert_eq!(status, 200);
    assert_eq!(list["conversations"][0]["id"], id, "{list}");
    assert_eq!(list["total"], 1);
}

/// The SSE events of a streamed answer: (event, data).
fn events(text: &str) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for block in text.split("\n\n") {
        let mut name = String::new();
        let mut data = String::new();
        for line in block.lines() {
            if let Some(v) = line.strip_prefix("event:") {
                name = v.trim().to_owned();
            } else if let Some(v) = line.strip_prefix("data:") {
                data.push_str(v.trim_start());
            }
        }
        if !name.is_empty() {
            out.push((name, serde_json::from_str(&data).unwrap_or(Value::Null)));
        }
    }
    out
}

#[tokio::test]
async fn answers_stream_as_server_sent_events() {
    let kit = spawn(true, |_| {}).await;
    let ada = register(&kit, "ada@example.com").await;
    let id = conversation(&kit, &ada).await;
    kit.fake.push(Reply::tool_call("search_hotels", query_args(HOTELS)));
    kit.fake.push(Reply::text("Three hotels look good for those dates in Barcelona.").usage(40, 12));
    let response = kit
        .client
        .post(kit.url(&format!("/api/v1/ai/assistant/conversations/{id}/messages")))
        .bearer_auth(&ada.token)
        .header("accept", "text/event-stream")
        .json(&json!({"content": "Hotels in Barcelona 10-14 March?"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let events = events(&response.text().await.unwrap());
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names.first(), Some(&"tool"), "{names:?}");
    assert_eq!(events[0].1, json!({"name": "search_hotels", "status": "running"}));
    assert_eq!(events[1].1, json!({"name": "search_hotels", "status": "done"}));
    let deltas: Vec<&str> =
        events.iter().filter(|(n, _)| n == "delta").map(|(_, d)| d["text"].as_str().unwrap()).collect();
    assert!(deltas.len() > 1, "{names:?}");
    assert_eq!(deltas.concat(), "Three hotels look good for those dates in Barcelona.");
    let (last, done) = events.last().unwrap();
    assert_eq!(last, "done");
    assert_eq!(done["content"], deltas.concat());
    assert_eq!(done["usage"], json!({"promptTokens": 40, "completionTokens": 12}));
    assert_eq!(done["turnUsage"]["totalTokens"], 15 + 52);
    // The model was asked to stream, with usage.
    let body = kit.fake.requests()[0].body.clone().unwrap();
    assert_eq!((body["stream"].clone(), body["stream_options"]["include_usage"].clone()), (json!(true), json!(true)));

    // `?stream=true` does the same; a model failing mid-turn ends with an `error` event.
    kit.fake.push(Reply::error(500, "server_error"));
    let response = kit
        .client
        .post(kit.url(&format!("/api/v1/ai/assistant/conversations/{id}/messages?stream=true")))
        .bearer_auth(&ada.token)
        .json(&json!({"content": "And in Madrid?"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let events = super::flows::events(&response.text().await.unwrap());
    let (name, error) = events.last().unwrap();
    assert_eq!(name, "error");
    assert_eq!((error["status"].clone(), error["code"].clone()), (json!(503), json!("model_unavailable")));
}

#[tokio::test]
async fn tool_mistakes_are_told_to_the_model_not_the_traveller() {
    let kit = spawn(true, |_| {}).await;
    let ada = register(&kit, "ada@example.com").await;
    let id = conversation(&kit, &ada).await;
    let past = json!({"title": "Old", "destination": "Rome", "startDate": "2029-12-01", "endDate": "2029-12-03",
                      "items": [{"type": "HOTEL", "offerId": "X", "title": "x"}]});
    kit.fake.push(Reply::tool_calls(vec![
        ("draft_itinerary", past),
        ("no_such_tool", json!({})),
        ("search_flights", json!("not an object")),
        ("search_flights", json!({"originLocationCode": "PAR"})),
    ]));
    kit.fake.push(Reply::text("Sorry, let me try again."));
    let path = format!("/api/v1/ai/assistant/conversations/{id}/messages");
    let (status, answer) = send(&kit, Method::POST, &ada, &path, Some(&json!({"content": "Rome?"}))).await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer.get("itinerary").is_none(), "{answer}");
    let results: Vec<Value> = kit.fake.requests()[1]
        .messages()
        .iter()
        .filter(|m| m["role"] == "tool")
        .map(|m| serde_json::from_str(m["content"].as_str().unwrap()).unwrap())
        .collect();
    assert_eq!(results.len(), 4);
    assert!(results[0]["errors"][0].as_str().unwrap().contains("in the past"), "{}", results[0]);
    assert!(results[1]["error"].as_str().unwrap().contains("no tool named"), "{}", results[1]);
    assert!(results[2]["error"].as_str().unwrap().contains("JSON object"), "{}", results[2]);
    // The supplier's 400 (missing parameters), for the model to correct.
    assert_eq!(results[3]["code"], "validation_failed", "{}", results[3]);
    assert!(results[3]["fields"].as_array().unwrap().contains(&json!("departureDate")), "{}", results[3]);
}

#[tokio::test]
async fn a_turn_stops_after_six_calls_to_the_model() {
    let kit = spawn(true, |_| {}).await;
    let ada = register(&kit, "ada@example.com").await;
    let id = conversation(&kit, &ada).await;
    for _ in 0..7 {
        kit.fake.push(Reply::tool_call("search_hotels", query_args(HOTELS)));
    }
    let path = format!("/api/v1/ai/assistant/conversations/{id}/messages");
    let (status, answer) = send(&kit, Method::POST, &ada, &path, Some(&json!({"content": "Search forever"}))).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["turnUsage"]["rounds"], 6);
    assert!(answer["content"].as_str().unwrap().contains("could not finish"), "{answer}");
    let seen = kit.fake.requests();
    assert_eq!(seen.len(), 6);
    assert_eq!(kit.fake.pending(), 1);
    let choices: Vec<Value> = seen.iter().map(|r| r.body.as_ref().unwrap()["tool_choice"].clone()).collect();
    assert_eq!(choices[..5], vec![json!("auto"); 5][..]);
    assert_eq!(choices[5], "none");
}
