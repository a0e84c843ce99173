//! Search as a visitor does it today: `GET /listings?city=…&kind=…&limit=20`, over the seeded
//! cities and every kind, first pages and further ones (`offset`). The cities come from the
//! catalogue itself (read through the public list), so the searches follow whatever the seed
//! made; only pages that exist are asked for, so every search finds something.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde_json::Value;

/// Results per page, as a search page shows them.
const PAGE: usize = 20;
/// Pages asked for per (city, kind), when the catalogue has that many.
const PAGES: usize = 3;

/// Every published listing's (city, kind), counted, through `GET /listings` (100 per page).
async fn catalogue(client: &reqwest::Client, base: &str) -> BTreeMap<(String, String), usize> {
    let mut counts = BTreeMap::new();
    let mut offset = 0;
    loop {
        let page: Value = client
            .get(format!("{base}/api/v1/listings?limit=100&offset={offset}"))
            .send()
            .await
            .expect("list listings")
            .json()
            .await
            .expect("listings body");
        let listings = page["data"]["listings"].as_array().cloned().unwrap_or_default();
        for l in &listings {
            if let (Some(city), Some(kind)) = (l["address"]["city"].as_str(), l["kind"].as_str()) {
                *counts.entry((city.to_owned(), kind.to_owned())).or_default() += 1;
            }
        }
        offset += listings.len();
        if listings.len() < 100 {
            return counts;
        }
    }
}

/// The searches to cycle over: every (city, kind) in the catalogue, with its first
/// [`PAGES`] pages when it has that many; and how many cities and kinds that covers.
pub async fn urls(client: &reqwest::Client, base: &str) -> (Vec<String>, usize, usize) {
    let counts = catalogue(client, base).await;
    let mut urls = Vec::new();
    for ((city, kind), n) in &counts {
        for page in 0..n.div_ceil(PAGE).min(PAGES) {
            let offset = (page * PAGE).to_string();
            let params = [("city", city.as_str()), ("kind", kind), ("limit", "20"), ("offset", &offset)];
            let url = reqwest::Url::parse_with_params(&format!("{base}/api/v1/listings"), params).expect("search URL");
            urls.push(url.to_string());
        }
    }
    let cities = counts.keys().map(|(c, _)| c).collect::<BTreeSet<_>>().len();
    let kinds = counts.keys().map(|(_, k)| k).collect::<BTreeSet<_>>().len();
    (urls, cities, kinds)
}

/// One search (spread over the list, not in its order); true when it answered 200 with a
/// non-empty page. The page is not parsed (that would be the client's CPU, not the server's):
/// the envelope is compact JSON, so an empty page contains `"listings":[]`.
pub async fn search(client: reqwest::Client, urls: Arc<Vec<String>>, i: usize) -> bool {
    let url = &urls[(i * 7919) % urls.len()];
    let Ok(r) = client.get(url).send().await else { return false };
    if !r.status().is_success() {
        return false;
    }
    r.bytes().await.is_ok_and(|b| !b.windows(EMPTY.len()).any(|w| w == EMPTY))
}

const EMPTY: &[u8] = b"\"listings\":[]";
