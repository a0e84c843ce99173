//! What the search benchmark asks: a deterministic mix of listing searches (text with typos and
//! prefixes, filters, geo, dates), suggest prefixes, and the SQL list endpoint's searches on the
//! same catalogue. Everything is built from the catalogue as the search reports it (its city
//! and kind facets, one hit per city for the coordinates), so the queries follow whatever was
//! seeded rather than a copy of the seed's tables.

use std::collections::BTreeMap;

use serde_json::Value;

/// The mix's classes and their share (out of 100).
pub const CLASSES: [(&str, usize); 4] = [
    ("text (typos, prefixes, words + city)", 35),
    ("filters (kind, city, guests, price, amenities, sort)", 25),
    ("geo (`near` + `radiusKm`, mostly sort=distance)", 20),
    ("dates (`checkIn`/`checkOut`, guests, stays)", 20),
];

/// Searches generated (then cycled over).
const MIX_SIZE: usize = 4_000;

/// Words of seeded titles and descriptions (stay adjectives and nouns, activities, cuisines,
/// products): the text queries are made of these, misspelt or cut short.
const WORDS: &[&str] = &[
    "bright",
    "quiet",
    "sunny",
    "cosy",
    "spacious",
    "charming",
    "modern",
    "historic",
    "flat",
    "house",
    "studio",
    "cabin",
    "houseboat",
    "villa",
    "room",
    "walking",
    "tour",
    "cooking",
    "class",
    "wine",
    "tasting",
    "kayak",
    "street",
    "french",
    "italian",
    "japanese",
    "lebanese",
    "indian",
    "mexican",
    "table",
    "backpack",
    "guidebook",
    "jacket",
    "shuttle",
    "coach",
    "airport",
];
/// Amenities asked for by the filter queries (part of catalog's vocabulary).
const AMENITIES: &[&str] = &["wifi", "kitchen", "parking", "pool", "heating", "washer"];
const SORTS: &[&str] = &["relevance", "price_asc", "price_desc", "newest"];

/// A small deterministic generator (splitmix64): the same mix on every run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

#[derive(Debug, Clone)]
pub struct City {
    pub name: String,
    pub lat: f64,
    pub lng: f64,
}

/// The catalogue as the search sees it.
#[derive(Debug, Clone)]
pub struct Catalogue {
    pub cities: Vec<City>,
    pub kinds: Vec<String>,
}

/// One search of the mix: its class (index into [`CLASSES`]) and URL.
#[derive(Debug, Clone)]
pub struct Search {
    pub class: usize,
    pub url: String,
}

async fn get(client: &reqwest::Client, url: &str) -> Value {
    let answer = client.get(url).send().await.unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = answer.status();
    let body: Value = answer.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "GET {url} answered {status}: {body}");
    body
}

fn url(base: &str, path: &str, params: &[(&str, String)]) -> String {
    reqwest::Url::parse_with_params(&format!("{base}{path}"), params).expect("URL").to_string()
}

/// Reads the catalogue from the search: cities and kinds (facets), and each city's coordinates
/// (its first hit's location).
pub async fn catalogue(client: &reqwest::Client, base: &str) -> Catalogue {
    let all = get(client, &format!("{base}/api/v1/search/listings?limit=1")).await;
    let facet = |name: &str| -> BTreeMap<String, u64> {
        all["data"]["facets"][name]
            .as_object()
            .map(|o| o.iter().map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0))).collect())
            .unwrap_or_default()
    };
    let mut cities = Vec::new();
    for name in facet("city").into_keys() {
        let one =
            get(client, &url(base, "/api/v1/search/listings", &[("city", name.clone()), ("limit", "1".into())])).await;
        let location = &one["data"]["listings"][0]["location"];
        let (Some(lat), Some(lng)) = (location["lat"].as_f64(), location["lng"].as_f64()) else { continue };
        cities.push(City { name, lat, lng });
    }
    Catalogue { cities, kinds: facet("kind").into_keys().collect() }
}

/// One edit a typist makes (a letter dropped, two swapped, one replaced), on words of five
/// letters or more, the length from which the search forgives one.
fn typo(rng: &mut Rng, word: &str) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    if chars.len() < 5 {
        return word.to_owned();
    }
    let at = 1 + rng.below(chars.len() - 2);
    match rng.below(3) {
        0 => {
            chars.remove(at);
        }
        1 => chars.swap(at, at + 1),
        _ => chars[at] = *rng.pick(&['a', 'e', 'i', 'o', 'r', 't']),
    }
    chars.into_iter().collect()
}

/// The first letters of a word (at least three), as typed before the word is finished.
fn prefix(rng: &mut Rng, word: &str) -> String {
    let len = word.chars().count();
    let keep = 3.max(len.saturating_sub(rng.below(3) + 1)).min(len);
    word.chars().take(keep).collect()
}

fn text_query(rng: &mut Rng, city: &City) -> String {
    let city_name = city.name.to_lowercase();
    let word = *rng.pick(WORDS);
    match rng.below(5) {
        // "apartmnt paris": a misspelt word and the city.
        0 => format!("{} {city_name}", typo(rng, word)),
        // Two words, the second misspelt.
        1 => format!("{} {}", rng.pick(WORDS), typo(rng, word)),
        // A word, then the city still being typed.
        2 => format!("{word} {}", prefix(rng, &city_name)),
        // A word still being typed.
        3 => prefix(rng, word),
        // A misspelt city alone.
        _ => typo(rng, &city_name),
    }
}

fn class_of(mut roll: usize) -> usize {
    for (class, (_, share)) in CLASSES.iter().enumerate() {
        if roll < *share {
            return class;
        }
        roll -= share;
    }
    0
}

/// The searches of the mix, deterministic; `base` is the server's address.
pub fn mix(base: &str, cat: &Catalogue) -> Vec<Search> {
    let mut rng = Rng::new(24);
    let today = chrono::Utc::now().date_naive();
    let total_share: usize = CLASSES.iter().map(|(_, s)| s).sum();
    let mut out = Vec::with_capacity(MIX_SIZE);
    for i in 0..MIX_SIZE {
        // 37 is prime to 100: the classes interleave evenly, in their shares.
        let class = class_of((i * 37) % total_share);
        let city = rng.pick(&cat.cities).clone();
        let mut p: Vec<(&str, String)> = Vec::new();
        match class {
            0 => p.push(("q", text_query(&mut rng, &city))),
            1 => {
                let kind = rng.chance(70).then(|| rng.pick(&cat.kinds).clone());
                if rng.chance(60) {
                    p.push(("city", city.name.clone()));
                }
                if kind.as_deref().is_none_or(|k| k == "stay") && rng.chance(40) {
                    p.push(("guests", (1 + rng.below(6)).to_string()));
                }
                if let Some(kind) = kind {
                    p.push(("kind", kind));
                }
                if rng.chance(50) {
                    let min = 500 * rng.below(40);
                    p.push(("priceMin", min.to_string()));
                    p.push(("priceMax", (min + 500 * (4 + rng.below(40))).to_string()));
                }
                if rng.chance(30) {
                    let mut wanted = vec![*rng.pick(AMENITIES)];
                    if rng.chance(40) {
                        wanted.push(*rng.pick(AMENITIES));
                    }
                    wanted.dedup();
                    p.push(("amenities", wanted.join(",")));
                }
                if rng.chance(20) {
                    p.push(("instantBook", "true".into()));
                }
                p.push(("sort", (*rng.pick(SORTS)).to_owned()));
            }
            2 => {
                let jitter = |rng: &mut Rng| (rng.below(2001) as f64 - 1000.0) / 1000.0 * 0.03;
                p.push(("near", format!("{:.5},{:.5}", city.lat + jitter(&mut rng), city.lng + jitter(&mut rng))));
                p.push(("radiusKm", (*rng.pick(&[1, 2, 5, 10, 25, 50])).to_string()));
                if rng.chance(70) {
                    p.push(("sort", "distance".into()));
                }
                if rng.chance(40) {
                    p.push(("kind", rng.pick(&cat.kinds).clone()));
                }
            }
            _ => {
                let check_in = today + chrono::Days::new(3 + rng.below(200) as u64);
                let check_out = check_in + chrono::Days::new(1 + rng.below(7) as u64);
                p.push(("checkIn", check_in.to_string()));
                p.push(("checkOut", check_out.to_string()));
                p.push(("guests", (1 + rng.below(4)).to_string()));
                if rng.chance(70) {
                    p.push(("kind", "stay".into()));
                }
                if rng.chance(80) {
                    p.push(("city", city.name.clone()));
                }
            }
        }
        // Two results pages in ten are a second or third page.
        if rng.chance(20) {
            p.push(("offset", (20 * (1 + rng.below(2))).to_string()));
        }
        out.push(Search { class, url: url(base, "/api/v1/search/listings", &p) });
    }
    out
}

/// Prefixes as typed into a search box, letter by letter: city names (one to five letters,
/// and multi-word ones up to the second word's start) and title words.
pub fn suggest_urls(base: &str, cat: &Catalogue) -> Vec<String> {
    let mut prefixes = Vec::new();
    for city in &cat.cities {
        let name = city.name.to_lowercase();
        for n in 1..=5.min(name.chars().count()) {
            prefixes.push(name.chars().take(n).collect::<String>());
        }
        if let Some((first, second)) = name.split_once(' ') {
            prefixes.push(format!("{first} {}", second.chars().take(1).collect::<String>()));
        }
    }
    for word in WORDS {
        for n in 2..=4.min(word.len()) {
            prefixes.push(word[..n].to_owned());
        }
    }
    prefixes.sort();
    prefixes.dedup();
    prefixes.iter().map(|q| url(base, "/api/v1/search/suggest", &[("q", q.clone())])).collect()
}

/// Results per page of the SQL list, and pages asked for per (city, kind).
const PAGE: u64 = 20;
const PAGES: u64 = 3;

/// Today's SQL list search (`GET /listings?city=…&kind=…`, as the browse bench asks it), over
/// every (city, kind) with listings and up to three pages each; the counts come from the
/// search, so the whole catalogue need not be paged through.
pub async fn sql_urls(client: &reqwest::Client, base: &str, cat: &Catalogue) -> Vec<String> {
    let mut urls = Vec::new();
    for city in &cat.cities {
        for kind in &cat.kinds {
            let params = [("city", city.name.clone()), ("kind", kind.clone()), ("limit", "1".into())];
            let count =
                get(client, &url(base, "/api/v1/search/listings", &params)).await["data"]["pagination"]["total"]
                    .as_u64()
                    .unwrap_or(0);
            for page in 0..count.div_ceil(PAGE).min(PAGES) {
                let params = [
                    ("city", city.name.clone()),
                    ("kind", kind.clone()),
                    ("limit", PAGE.to_string()),
                    ("offset", (page * PAGE).to_string()),
                ];
                urls.push(url(base, "/api/v1/listings", &params));
            }
        }
    }
    urls
}
