//! What a search finds: text (typos, stems, prefixes), filters, distance, sorts, facets and
//! pagination, on a four-listing catalogue.

use super::support::*;

#[tokio::test]
async fn a_misspelt_apartment_in_paris_is_found() {
    let app = spawn().await;
    let c = catalogue(&app).await;
    assert_eq!(ids(&app, "q=apartmnt%20paris").await, vec![c.paris.clone()]);
    // Every word must match: the Lyon house is no apartment, and nothing matches a nonsense word.
    assert_eq!(ids(&app, "q=apartment%20lyon").await, Vec::<String>::new());
    assert_eq!(ids(&app, "q=zzzzqqq").await, Vec::<String>::new());
    // Two typos from nine letters: "apartemnt" is two edits from "appartement".
    assert_eq!(ids(&app, "q=apartemnt%20nantes").await, vec![c.nantes.clone()]);
    // Three are too many.
    assert_eq!(ids(&app, "q=aparteemnnt%20nantes").await, Vec::<String>::new());
    // Short words get no typo: "hose" is not "house".
    assert_eq!(ids(&app, "q=hose%20river").await, Vec::<String>::new());
}

#[tokio::test]
async fn stems_match_in_english_and_french_and_the_last_word_is_a_prefix() {
    let app = spawn().await;
    let c = catalogue(&app).await;
    // French: plural and feminine forms of the words of the Nantes listing, too far for typos.
    assert_eq!(ids(&app, "q=appartements").await, vec![c.nantes.clone()]);
    assert_eq!(ids(&app, "q=lumineuses%20gare").await, vec![c.nantes.clone()]);
    // English: "runs" (four letters, no typo allowed, not a prefix of "running") by its stem.
    assert_eq!(ids(&app, "q=runs%20water").await, vec![c.paris.clone()]);
    // Prefix on the last word, accents folded.
    let mut paris = ids(&app, "q=pari").await;
    paris.sort();
    let mut expected = vec![c.paris.clone(), c.montmartre.clone()];
    expected.sort();
    assert_eq!(paris, expected);
    assert_eq!(ids(&app, "q=sacre%20coe").await, vec![c.montmartre.clone()]);
}

#[tokio::test]
async fn filters_narrow_the_set() {
    let app = spawn().await;
    let c = catalogue(&app).await;
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let set = |v: &[&String]| sorted(v.iter().map(|s| (*s).clone()).collect());
    assert_eq!(sorted(ids(&app, "city=paris").await), set(&[&c.paris, &c.montmartre]));
    assert_eq!(sorted(ids(&app, "country=fr&kind=stay").await).len(), 4);
    assert_eq!(ids(&app, "kind=product").await, Vec::<String>::new());
    assert_eq!(sorted(ids(&app, "guests=4").await), set(&[&c.lyon, &c.montmartre]));
    assert_eq!(sorted(ids(&app, "bedrooms=2").await), set(&[&c.lyon, &c.montmartre]));
    assert_eq!(sorted(ids(&app, "priceMin=9000&priceMax=12000").await), set(&[&c.paris, &c.nantes]));
    assert_eq!(ids(&app, "amenities=wifi,kitchen").await, vec![c.paris.clone()]);
    assert_eq!(ids(&app, "instantBook=true").await, vec![c.montmartre.clone()]);
    assert_eq!(ids(&app, "q=room&city=Lyon").await, Vec::<String>::new());
}

#[tokio::test]
async fn near_keeps_what_is_within_the_radius_and_sorts_by_distance() {
    let app = spawn().await;
    let c = catalogue(&app).await;
    let (status, body) = search_raw(&app, "near=48.8566,2.3522&radiusKm=10&sort=distance").await;
    assert_eq!(status, 200, "{body}");
    let d = &body["data"];
    let hits = d["listings"].as_array().unwrap();
    assert_eq!(hits.iter().map(|h| h["id"].as_str().unwrap()).collect::<Vec<_>>(), vec![&c.paris, &c.montmartre]);
    let d0 = hits[0]["distanceKm"].as_f64().unwrap();
    let d1 = hits[1]["distanceKm"].as_f64().unwrap();
    assert!(d0 < 1.0 && (3.0..4.5).contains(&d1), "{d0} {d1}");
    assert_eq!(d["pagination"]["total"], 2);
    assert_eq!(d["facets"]["city"], serde_json::json!({"Paris": 2}));
    // A box corner is not within the radius: Montmartre is ~3.4 km away, outside 3 km.
    assert_eq!(ids(&app, "near=48.8566,2.3522&radiusKm=3").await, vec![c.paris.clone()]);
    // Lyon from Paris is ~390 km.
    assert_eq!(ids(&app, "near=48.8566,2.3522&radiusKm=500&sort=distance").await.last(), Some(&c.lyon));
}

#[tokio::test]
async fn sorts_facets_and_pages() {
    let app = spawn().await;
    let c = catalogue(&app).await;
    let by_price = vec![c.montmartre.clone(), c.nantes.clone(), c.paris.clone(), c.lyon.clone()];
    assert_eq!(ids(&app, "sort=price_asc").await, by_price);
    assert_eq!(ids(&app, "sort=price_desc").await, by_price.iter().rev().cloned().collect::<Vec<_>>());
    let newest = vec![c.nantes.clone(), c.montmartre.clone(), c.lyon.clone(), c.paris.clone()];
    assert_eq!(ids(&app, "sort=newest").await, newest);
    // Without words, relevance is newest first.
    assert_eq!(ids(&app, "").await, newest);

    let (_, body) = search_raw(&app, "sort=price_asc&limit=2&offset=1").await;
    let d = &body["data"];
    assert_eq!(d["pagination"]["total"], 4);
    assert_eq!((d["pagination"]["limit"].as_u64(), d["pagination"]["offset"].as_u64()), (Some(2), Some(1)));
    assert!(d["pagination"]["nextCursor"].is_string(), "{d}");
    let page: Vec<&str> = d["listings"].as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap()).collect();
    assert_eq!(page, vec![c.nantes.as_str(), c.paris.as_str()]);
    // Facets count the whole filtered set, not the page.
    assert_eq!(d["facets"]["kind"], serde_json::json!({"stay": 4}));
    assert_eq!(d["facets"]["city"], serde_json::json!({"Paris": 2, "Lyon": 1, "Nantes": 1}));
    assert_eq!(d["facets"]["amenities"], serde_json::json!({"wifi": 2, "kitchen": 2, "parking": 1}));

    let (_, body) = search_raw(&app, "q=apartmnt%20paris").await;
    let hit = &body["data"]["listings"][0];
    assert_eq!(hit["title"], "Bright apartment in the Marais");
    assert_eq!(hit["city"], "Paris");
    assert_eq!(hit["country"], "FR");
    assert_eq!(hit["price"], 12000);
    assert_eq!(hit["currency"], "EUR");
    assert_eq!(hit["kind"], "stay");
    assert_eq!(hit["location"]["lat"], 48.857);
    assert!(hit["score"].as_f64().unwrap() > 0.0, "{hit}");
    assert_eq!(body["data"]["facets"]["city"], serde_json::json!({"Paris": 1}));
    // Highlights follow the matching rules: the typo and the prefix are marked.
    assert_eq!(hit["highlights"]["title"], "Bright <em>apartment</em> in the Marais");
    assert_eq!(hit["highlights"]["description"], "Quiet <em>apartment</em>, running water and a balcony.");
    assert!(hit.get("_description").is_none(), "{hit}");
    // Stems too; and the city matched, not the title: no title highlight.
    let (_, body) = search_raw(&app, "q=appartements%20nant").await;
    let hit = &body["data"]["listings"][0];
    assert_eq!(hit["highlights"]["title"], "<em>Appartement</em> lumineux");
    assert_eq!(hit["highlights"]["description"], "Un <em>appartement</em> calme près de la gare.");
    let (_, body) = search_raw(&app, "q=paris&near=48.8566,2.3522&radiusKm=10&sort=distance").await;
    let hit = &body["data"]["listings"][0];
    assert_eq!(hit["highlights"], serde_json::json!({"title": null, "description": null}), "{hit}");
    assert!(hit.get("_description").is_none(), "{hit}");
    // No words, no highlights.
    let (_, body) = search_raw(&app, "sort=newest").await;
    assert!(body["data"]["listings"][0].get("highlights").is_none());
}
