//! The search benchmark's writes, all through the public API as the seeded hosts: listing
//! updates streamed at a fixed rate (open loop), single listings published and then looked for
//! until the search finds them (publish-to-searchable lag), and a burst of published listings
//! timed until all are searchable (indexing throughput on the event path). The listings it
//! publishes are deleted afterwards, so a reused data directory keeps its catalogue.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::search_mix::Rng;

/// A seeded host, signed in, with some of its published listings.
pub struct Host {
    pub token: String,
    pub listings: Vec<String>,
}

/// Signs in as the first `count` seeded hosts (`host{i}@…`, the demo password) and reads their
/// first page of listings (the published ones are kept).
pub async fn hosts(client: &reqwest::Client, base: &str, count: usize) -> Vec<Host> {
    let mut hosts = Vec::new();
    for i in 0..count {
        let body =
            json!({"email": format!("host{i}@{}", sojourn::seed::DOMAIN), "password": sojourn::seed::DEMO_PASSWORD});
        let Ok(answer) = client.post(format!("{base}/api/v1/auth/login")).json(&body).send().await else { continue };
        let answer: Value = answer.json().await.unwrap_or(Value::Null);
        let Some(token) = answer["data"]["tokens"]["accessToken"].as_str() else { continue };
        let mine: Value = client
            .get(format!("{base}/api/v1/listings/mine?limit=100"))
            .bearer_auth(token)
            .send()
            .await
            .expect("my listings")
            .json()
            .await
            .expect("my listings body");
        let listings = mine["data"]["listings"]
            .as_array()
            .map(|l| {
                l.iter()
                    .filter(|l| l["status"] == "published")
                    .filter_map(|l| l["id"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        hosts.push(Host { token: token.to_owned(), listings });
    }
    hosts
}

/// What an update stream did.
#[derive(Debug, Default)]
pub struct Updates {
    pub sent: usize,
    pub ok: usize,
    /// Why the others failed: the status answered (or the transport error), counted.
    pub failures: std::collections::BTreeMap<String, usize>,
    /// Latencies of the updates, microseconds, sorted.
    pub latencies_us: Vec<u64>,
}

/// Amenities the updates set (catalog's vocabulary): an update changes what a listing offers,
/// which the search indexes and facets.
const AMENITIES: &[&str] = &["wifi", "kitchen", "parking", "pool", "air_conditioning", "heating", "washer", "dryer"];

/// `PUT /api/v1/listings/{id}` (a partial update: only the amenities) as the listing's host,
/// `rate` per second for `duration`, each sent on its schedule whatever the previous ones are
/// doing (open loop).
pub async fn stream_updates(
    client: reqwest::Client,
    base: Arc<str>,
    hosts: Arc<Vec<Host>>,
    rate: u64,
    duration: Duration,
) -> Updates {
    let owned: Vec<(usize, String)> =
        hosts.iter().enumerate().flat_map(|(h, host)| host.listings.iter().map(move |id| (h, id.clone()))).collect();
    if owned.is_empty() || rate == 0 {
        return Updates::default();
    }
    let done = Arc::new(Mutex::new(Updates::default()));
    let mut rng = Rng::new(50);
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
    let started = Instant::now();
    let mut tasks = Vec::new();
    while started.elapsed() < duration {
        tick.tick().await;
        let (h, id) = owned[rng.below(owned.len())].clone();
        let mut amenities: Vec<&str> = (0..2 + rng.below(4)).map(|_| *rng.pick(AMENITIES)).collect();
        amenities.sort_unstable();
        amenities.dedup();
        let (client, base, hosts, done) = (client.clone(), base.clone(), hosts.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            let sent = Instant::now();
            let answer = client
                .put(format!("{base}/api/v1/listings/{id}"))
                .bearer_auth(&hosts[h].token)
                .json(&json!({"amenities": amenities}))
                .send()
                .await;
            let failure = match answer {
                Ok(r) if r.status().is_success() => r.bytes().await.err().map(|e| format!("body: {e}")),
                Ok(r) => {
                    let status = r.status().as_u16();
                    let body: Value = r.json().await.unwrap_or(Value::Null);
                    Some(format!("{status} {}", body["code"].as_str().unwrap_or("")))
                }
                Err(e) => Some(format!("error: {e}")),
            };
            let mut done = done.lock().unwrap();
            done.sent += 1;
            match failure {
                None => done.ok += 1,
                Some(why) => *done.failures.entry(why).or_default() += 1,
            }
            done.latencies_us.push(sent.elapsed().as_micros() as u64);
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    let mut done = std::mem::take(&mut *done.lock().unwrap());
    done.latencies_us.sort_unstable();
    done
}

/// A word no seeded listing has (and no typo of one): lowercase letters, ten of them.
pub fn token(rng: &mut Rng) -> String {
    (0..10).map(|_| char::from(b'a' + rng.below(26) as u8)).collect()
}

/// A complete stay in Paris whose title carries `token`.
fn probe_listing(token: &str, n: usize) -> Value {
    json!({"kind": "stay", "title": format!("Bench probe {token} {n}"),
           "description": "A listing the search benchmark publishes, looks for, then deletes.",
           "address": {"line1": "1 Rue de Rivoli", "city": "Paris", "country": "FR"},
           "location": {"lat": 48.8566, "lng": 2.3522}, "instantBook": true,
           "stay": {"propertyType": "apartment", "maxGuests": 2, "bedrooms": 1, "beds": 1, "bathrooms": 1,
                    "nightlyPrice": 9000, "checkInTime": "15:00", "checkOutTime": "11:00"}})
}

/// Publishes `listings` (created and published in one request); their ids.
async fn publish(
    client: &reqwest::Client,
    base: &str,
    host: &Host,
    listings: Vec<Value>,
) -> Result<Vec<String>, String> {
    let answer = client
        .post(format!("{base}/api/v1/listings/batch"))
        .bearer_auth(&host.token)
        .json(&json!({"listings": listings, "publish": true}))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = answer.status();
    let body: Value = answer.json().await.unwrap_or(Value::Null);
    let ids: Option<Vec<String>> = body["data"]["listings"]
        .as_array()
        .map(|l| l.iter().filter_map(|v| v["id"].as_str().map(str::to_owned)).collect());
    ids.filter(|_| status.is_success()).ok_or_else(|| format!("POST /listings/batch answered {status}: {body}"))
}

/// Searches for `q` until `found` holds of the answer (every 2 ms, for at most `patience`).
async fn until_found(
    client: &reqwest::Client,
    base: &str,
    q: &str,
    patience: Duration,
    found: impl Fn(&Value) -> bool,
) -> bool {
    let url = reqwest::Url::parse_with_params(&format!("{base}/api/v1/search/listings"), [("q", q), ("limit", "5")])
        .expect("URL")
        .to_string();
    let started = Instant::now();
    while started.elapsed() < patience {
        if let Ok(answer) = client.get(&url).send().await
            && let Ok(body) = answer.json::<Value>().await
            && found(&body)
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    false
}

/// Publish-to-searchable lag, one listing at a time: from sending the publishing request to
/// the first search that finds the listing. Latencies (µs, sorted), the publish requests' own
/// (µs, sorted), how many were never found within 10 s, and the ids to delete.
pub async fn lag_probes(
    client: &reqwest::Client,
    base: &str,
    host: &Host,
    count: usize,
    rng: &mut Rng,
) -> (Vec<u64>, Vec<u64>, usize, Vec<String>) {
    let (mut lags, mut answers, mut lost, mut ids) = (Vec::new(), Vec::new(), 0, Vec::new());
    for n in 0..count {
        let token = token(rng);
        let sent = Instant::now();
        let Ok(id) = publish(client, base, host, vec![probe_listing(&token, n)]).await.map(|mut v| v.remove(0)) else {
            lost += 1;
            continue;
        };
        answers.push(sent.elapsed().as_micros() as u64);
        let id_text = id.clone();
        let found = until_found(client, base, &token, Duration::from_secs(10), move |body| {
            body["data"]["listings"].as_array().is_some_and(|l| l.iter().any(|h| h["id"] == id_text.as_str()))
        })
        .await;
        if found {
            lags.push(sent.elapsed().as_micros() as u64);
        } else {
            lost += 1;
        }
        ids.push(id);
    }
    lags.sort_unstable();
    answers.sort_unstable();
    (lags, answers, lost, ids)
}

/// A burst on the event path: `count` listings published in batches of 100 (two requests in
/// flight), then searched for until all are found. (seconds until the API had accepted them
/// all, seconds until all were searchable or None, the ids to delete).
pub async fn burst(
    client: &reqwest::Client,
    base: &str,
    host: &Host,
    count: usize,
    rng: &mut Rng,
) -> (f64, Option<f64>, Vec<String>) {
    use futures_util::StreamExt;
    let token = token(rng);
    let started = Instant::now();
    let batches: Vec<Vec<Value>> = (0..count)
        .collect::<Vec<_>>()
        .chunks(100)
        .map(|c| c.iter().map(|&n| probe_listing(&token, n)).collect())
        .collect();
    let made: Vec<Result<Vec<String>, String>> =
        futures_util::stream::iter(batches).map(|b| publish(client, base, host, b)).buffer_unordered(2).collect().await;
    let accepted = started.elapsed().as_secs_f64();
    let mut ids = Vec::new();
    for m in made {
        match m {
            Ok(m) => ids.extend(m),
            Err(e) => eprintln!("bench search: burst batch refused: {e}"),
        }
    }
    let want = ids.len() as u64;
    let all = until_found(client, base, &token, Duration::from_secs(300), move |body| {
        body["data"]["pagination"]["total"].as_u64() == Some(want)
    })
    .await;
    (accepted, all.then(|| started.elapsed().as_secs_f64()), ids)
}

/// Deletes what the benchmark published (8 at a time); how many deletions failed.
pub async fn delete(client: &reqwest::Client, base: &str, host: &Host, ids: Vec<String>) -> usize {
    use futures_util::StreamExt;
    let failed = futures_util::stream::iter(ids)
        .map(|id| async move {
            let answer = client.delete(format!("{base}/api/v1/listings/{id}")).bearer_auth(&host.token).send().await;
            answer.is_ok_and(|r| r.status().is_success())
        })
        .buffer_unordered(8)
        .collect::<Vec<bool>>()
        .await;
    failed.iter().filter(|ok| !**ok).count()
}
