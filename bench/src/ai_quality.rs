//! `cargo run -p bench --release --bin ai_quality [-- --users N --seed N --reads N]`: the
//! recommender's quality and read latency (issue 31).
//!
//! Quality: synthetic travellers with latent tastes (1–3 interests among the destinations'
//! tags, a budget, a home region, a taste for famous places) interact over 180 days with the 50
//! bundled destinations and with listings in them (views, clicks, favourites, bookings: each
//! drawn from the traveller's affinity, not from the recommender's formulas); 70 % of them
//! completed onboarding and stated some of their interests. Each traveller's interactions are
//! split by time: the last 20 % are held out. The model is built from the first 80 % of
//! everyone's, exactly as the service builds it (`ai::recommend::engine`, `features`), and each
//! traveller's top 10 (destinations they already interacted with left out) is compared with the
//! held-out destinations: precision@10 and recall@10, beside a popularity baseline (the same
//! popularity, everyone's) and the two halves of the blend alone. Printed as markdown.
//!
//! Latency: the stored lists of 1,000 users are read as `GET /personalized` reads them
//! (`store::active` + rendering) on SQLite, N times; p50/p99 (the handler's work without HTTP).
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use ai::profile::Profile;
use ai::recommend::catalog::{self, Destination};
use ai::recommend::engine::{self, ALL, Event, Ranking};
use ai::recommend::features;
use chrono::{DateTime, Duration, TimeZone, Utc};
use uuid::Uuid;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Interests a traveller may have: (the profile word they would state, destination tags).
const TASTES: &[(&str, &[&str])] = &[
    ("BEACH", &["beach", "island", "diving"]),
    ("CULTURAL", &["culture", "art", "history"]),
    ("NATURE", &["nature", "hiking", "safari", "wildlife"]),
    ("CULINARY", &["food", "wine"]),
    ("NIGHTLIFE", &["nightlife", "party"]),
    ("SHOPPING", &["shopping"]),
    ("ADVENTURE", &["adventure", "ski", "sport"]),
    ("ROMANTIC", &["romance"]),
    ("WELLNESS", &["wellness", "relaxation", "luxury"]),
];
const REGIONS: &[&str] = &["europe", "asia", "north_america", "africa", "oceania", "south_america"];

struct Traveller {
    id: Uuid,
    tastes: Vec<usize>,
    budget: u8,
    region: &'static str,
    fame: f64,
    onboarded: bool,
}

/// Fame of a destination (a fixed Zipf-like prior over the file's order, shuffled by seed).
fn fames(rng: &mut Rng) -> HashMap<String, f64> {
    let mut order: Vec<&Destination> = catalog::all().iter().collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    order.iter().enumerate().map(|(rank, d)| (d.code.clone(), 1.0 / (rank as f64 + 1.0).powf(0.8))).collect()
}

/// How much a traveller likes a destination (the hidden truth).
fn affinity(t: &Traveller, d: &Destination, fame: f64) -> f64 {
    let tags: f64 = t.tastes.iter().map(|&i| if TASTES[i].1.iter().any(|tag| d.has(tag)) { 1.0 } else { 0.0 }).sum();
    let region = if d.region == t.region { 0.8 } else { 0.0 };
    let price = 1.0 - (f64::from(d.price_level) - f64::from(t.budget)).abs() / 3.0;
    (1.6 * tags + region + 0.8 * price + t.fame * 6.0 * fame).exp()
}

fn draw(rng: &mut Rng, weights: &[(String, f64)]) -> String {
    let total: f64 = weights.iter().map(|w| w.1).sum();
    let mut x = rng.unit() * total;
    for (item, w) in weights {
        x -= w;
        if x <= 0.0 {
            return item.clone();
        }
    }
    weights.last().map(|w| w.0.clone()).unwrap_or_default()
}

fn world(users: usize, seed: u64) -> (Vec<Traveller>, Vec<Event>) {
    let mut rng = Rng(seed.max(1));
    let fame = fames(&mut rng);
    let start = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
    let mut travellers = Vec::new();
    let mut events = Vec::new();
    for u in 0..users {
        let n_tastes = 1 + rng.below(3);
        let mut tastes: Vec<usize> = (0..n_tastes).map(|_| rng.below(TASTES.len())).collect();
        tastes.dedup();
        let t = Traveller {
            id: Uuid::from_u128(u as u128 + 1),
            tastes,
            budget: 1 + rng.below(4) as u8,
            region: REGIONS[rng.below(REGIONS.len())],
            fame: rng.unit(),
            onboarded: rng.unit() < 0.7,
        };
        let weights: Vec<(String, f64)> =
            catalog::all().iter().map(|d| (d.code.clone(), affinity(&t, d, fame[&d.code]))).collect();
        let n = 5 + rng.below(36);
        for _ in 0..n {
            let item = draw(&mut rng, &weights);
            let roll = rng.unit();
            // listing interactions count for their destination, as the service maps them
            let (weight, booked) = match roll {
                r if r < 0.55 => (1.0, false),
                r if r < 0.80 => (2.0, false),
                r if r < 0.90 => (4.0, false),
                _ => (5.0, true),
            };
            let at = start + Duration::seconds((rng.unit() * 180.0 * 86_400.0) as i64);
            events.push(Event { user: t.id, item, weight, booked, at });
        }
        travellers.push(t);
    }
    (travellers, events)
}

/// What the traveller stated at onboarding: their first interest (and the second half the
/// time), their budget as a comfort level.
fn stated(t: &Traveller, rng: &mut Rng) -> Option<Profile> {
    if !t.onboarded {
        return None;
    }
    let mut types: Vec<String> = vec![TASTES[t.tastes[0]].0.to_lowercase()];
    if t.tastes.len() > 1 && rng.unit() < 0.5 {
        types.push(TASTES[t.tastes[1]].0.to_lowercase());
    }
    let comfort = ["basic", "standard", "premium", "luxury"][usize::from(t.budget - 1)];
    Some(Profile { user_id: t.id, travel_types: types, comfort_level: Some(comfort.into()), ..Profile::default() })
}

#[derive(Default)]
struct Score {
    precision: f64,
    recall: f64,
    users: usize,
}

impl Score {
    fn add(&mut self, top: &[String], relevant: &HashSet<String>) {
        let hits = top.iter().filter(|i| relevant.contains(*i)).count() as f64;
        self.precision += hits / 10.0;
        self.recall += hits / relevant.len() as f64;
        self.users += 1;
    }
    fn row(&self, name: &str) -> String {
        let n = self.users.max(1) as f64;
        format!("| {name} | {:.4} | {:.4} |", self.precision / n, self.recall / n)
    }
}

fn quality(users: usize, seed: u64) -> bool {
    let (travellers, events) = world(users, seed);
    let mut by_user: HashMap<Uuid, Vec<&Event>> = HashMap::new();
    for e in &events {
        by_user.entry(e.user).or_default().push(e);
    }
    let mut train: Vec<Event> = Vec::new();
    let mut held: HashMap<Uuid, HashSet<String>> = HashMap::new();
    for list in by_user.values_mut() {
        list.sort_by_key(|e| e.at);
        let cut = list.len() - (list.len() / 5).max(1);
        train.extend(list[..cut].iter().map(|e| (*e).clone()));
        held.insert(list[0].user, list[cut..].iter().map(|e| e.item.clone()).collect());
    }
    let now: DateTime<Utc> = train.iter().map(|e| e.at).max().unwrap();
    let mut rng = Rng(seed ^ 0x9e37_79b9_7f4a_7c15);
    let profiles: HashMap<Uuid, Option<Profile>> = travellers.iter().map(|t| (t.id, stated(t, &mut rng))).collect();
    let prefs = engine::preferences(&train);
    let vector_of = |u: &Uuid| {
        let liked: Vec<(&Destination, f64)> = prefs
            .get(u)
            .map(|p| {
                p.iter().filter(|(_, w)| **w > 0.0).filter_map(|(d, w)| catalog::get(d).map(|d| (d, *w))).collect()
            })
            .unwrap_or_default();
        features::user_vector(profiles[u].as_ref(), &liked)
    };
    let segments: HashMap<Uuid, &'static str> = travellers
        .iter()
        .map(|t| (t.id, features::segments(profiles[&t.id].as_ref(), &vector_of(&t.id))[0].segment))
        .collect();
    let built = Instant::now();
    let neighbours = engine::neighbours(&prefs, engine::NEIGHBOURS);
    let popularity = engine::popularity(&train, |u| segments.get(u).copied(), now, 7.0);
    let build_ms = built.elapsed().as_millis();
    let empty = HashMap::new();
    let no_neighbours = HashMap::new();
    let no_pop = empty_pop();
    let (mut blend, mut pop, mut cf_only, mut content_only) =
        (Score::default(), Score::default(), Score::default(), Score::default());
    for t in &travellers {
        let mine = prefs.get(&t.id).unwrap_or(&empty);
        let relevant: HashSet<String> = held[&t.id].iter().filter(|d| !mine.contains_key(*d)).cloned().collect();
        if relevant.is_empty() {
            continue;
        }
        let candidates: Vec<String> =
            catalog::all().iter().map(|d| d.code.clone()).filter(|c| !mine.contains_key(c)).collect();
        let profile = profiles[&t.id].as_ref();
        let vector = vector_of(&t.id);
        let content = |c: &str| features::content(profile, &vector, catalog::get(c).unwrap());
        let segment = segments[&t.id];
        let seg_pop = popularity.get(segment).unwrap_or(&no_pop);
        let ranking = Ranking {
            prefs: mine,
            booked: &[],
            neighbours: &neighbours,
            all: popularity.get(ALL),
            segment: Some((segment, seg_pop)),
            has_profile: profile.is_some(),
        };
        let top = |r: Vec<engine::Scored>| r.into_iter().map(|s| s.item).collect::<Vec<_>>();
        blend.add(&top(ranking.rank(&candidates, content, str::to_owned, "", 10)), &relevant);
        let cf = Ranking { all: None, segment: None, ..ranking };
        cf_only.add(&top(cf.rank(&candidates, |_| (0.0, Vec::new()), str::to_owned, "", 10)), &relevant);
        let content_ranking =
            Ranking { neighbours: &no_neighbours, prefs: &empty, all: None, segment: None, ..ranking };
        content_only.add(&top(content_ranking.rank(&candidates, content, str::to_owned, "", 10)), &relevant);
        let all = popularity.get(ALL).unwrap();
        let mut by_pop = candidates.clone();
        by_pop.sort_by(|a, b| {
            let s = |c: &String| all.get(c).map(|p| p.score).unwrap_or(0.0);
            s(b).total_cmp(&s(a)).then(a.cmp(b))
        });
        by_pop.truncate(10);
        pop.add(&by_pop, &relevant);
    }
    println!("## Recommender quality (issue 31)\n");
    println!(
        "{} synthetic travellers (seed {seed}), {} interactions over 180 days with the 50 bundled destinations \
         (and listings in them); time-based split per traveller (last 20 % held out); {} evaluated \
         (held-out destinations not already seen); model built in {build_ms} ms.\n",
        travellers.len(),
        events.len(),
        blend.users
    );
    println!("| ranking | precision@10 | recall@10 |\n|---|---|---|");
    println!("{}", blend.row("recommender (CF + content + popularity blend)"));
    println!("{}", pop.row("popularity baseline"));
    println!("{}", cf_only.row("item-based CF alone"));
    println!("{}", content_only.row("content (onboarding profile) alone"));
    let beats = blend.precision > pop.precision && blend.recall > pop.recall;
    println!("\nThe recommender {} the popularity baseline.\n", if beats { "beats" } else { "does NOT beat" });
    beats
}

fn empty_pop() -> HashMap<String, engine::Pop> {
    HashMap::new()
}

async fn latency(reads: usize) {
    let dir = tempfile::tempdir().unwrap();
    let opts = platform::db::DbOptions {
        url: None,
        data_dir: dir.path().to_path_buf(),
        schema_prefix: String::new(),
        max_connections: 8,
        sqlite_readers: 4,
        busy_timeout: StdDuration::from_secs(5),
        acquire_timeout: StdDuration::from_secs(5),
        statement_timeout: StdDuration::ZERO,
        sqlite_synchronous: Default::default(),
    };
    let db = platform::db::connect("ai", &opts).await.unwrap();
    let set = platform::db::Migrations { scope: "ai", list: platform::Context::migrations(&ai::Ai) };
    platform::db::migrate(&db, &set).await.unwrap();
    let service = ai::recommend::service::Recommender {
        db: db.clone(),
        clock: Arc::new(kernel::SystemClock),
        half_life_days: 7.0,
        interval_secs: 900,
        dirty: Arc::default(),
    };
    let (travellers, events) = world(1000, 7);
    let seeded = Instant::now();
    let mut tx = db.begin().await.unwrap();
    for e in &events {
        let s = ai::recommend::feedback::Signal {
            user: e.user,
            item_kind: "destination".into(),
            item_id: e.item.clone(),
            destination: Some(e.item.clone()),
            action: if e.booked { "book".into() } else { "view".into() },
            weight: e.weight,
            source: "bench".into(),
            at: e.at,
        };
        ai::recommend::feedback::insert(&mut tx, &s).await.unwrap();
    }
    tx.commit().await.unwrap();
    let run = service.rebuild("bench").await.unwrap();
    println!(
        "## Recommendation reads\n\n{} users' lists computed by a full rebuild ({} signals, {} neighbour pairs) in {:.1} s.\n",
        travellers.len(),
        run.interactions,
        run.pairs,
        seeded.elapsed().as_secs_f64()
    );
    let now = Utc::now();
    let mut list_times = Vec::with_capacity(reads);
    let mut floor_times = Vec::with_capacity(reads);
    for i in 0..reads {
        let user = travellers[i % travellers.len()].id;
        let t = Instant::now();
        let recs = ai::recommend::store::active(&db, user, None, now, 10).await.unwrap();
        let body = serde_json::to_vec(&recs.iter().map(|r| (r.destination_id.clone(), r.score)).collect::<Vec<_>>());
        assert!(body.is_ok() && recs.len() == 10);
        list_times.push(t.elapsed());
        let t = Instant::now();
        let one: (i64,) = platform::db::query("SELECT 1").fetch_one(&db).await.unwrap();
        assert_eq!(one.0, 1);
        floor_times.push(t.elapsed());
    }
    let at = |times: &mut Vec<StdDuration>, q: f64| {
        times.sort();
        times[((times.len() as f64 * q) as usize).min(times.len() - 1)].as_secs_f64() * 1000.0
    };
    println!("| read (SQLite, {reads} reads each) | p50 | p99 |\n|---|---|---|");
    println!(
        "| a stored list: `store::active` (GET /personalized's query) | {:.2} ms | {:.2} ms |",
        at(&mut list_times, 0.5),
        at(&mut list_times, 0.99)
    );
    println!(
        "| this machine's floor: `SELECT 1` through platform::db | {:.2} ms | {:.2} ms |\n",
        at(&mut floor_times, 0.5),
        at(&mut floor_times, 0.99)
    );
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str, default: usize| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let beats = quality(arg("--users", 3000), arg("--seed", 42) as u64);
    latency(arg("--reads", 5000)).await;
    if !beats {
        std::process::exit(1);
    }
}
