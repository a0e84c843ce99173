//! Coordinates for listings that give only an address: a Nominatim-compatible lookup when
//! `geocoding.url` is configured. Without it, or when the lookup finds nothing, coordinates stay
//! required input (publishing says so).

use std::time::Duration;

use async_trait::async_trait;
use serde::Deserialize;

use crate::domain::listing::{Address, Location};

#[async_trait]
pub trait Geocoder: Send + Sync {
    /// The best match for `address`, if any.
    async fn locate(&self, address: &Address) -> Result<Option<Location>, String>;
}

pub struct Nominatim {
    client: reqwest::Client,
    url: String,
}

impl Nominatim {
    pub fn new(url: &str, user_agent: Option<&str>) -> Result<Self, String> {
        let agent = user_agent.unwrap_or("Sojourn (https://github.com/sojourn)");
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .user_agent(agent)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self { client, url: url.to_owned() })
    }
}

#[derive(Deserialize)]
struct Place {
    lat: String,
    lon: String,
}

#[async_trait]
impl Geocoder for Nominatim {
    async fn locate(&self, a: &Address) -> Result<Option<Location>, String> {
        let mut query: Vec<(&str, String)> = vec![("format", "jsonv2".into()), ("limit", "1".into())];
        if let Some(street) = &a.line1 {
            query.push(("street", street.clone()));
        }
        if let Some(city) = &a.city {
            query.push(("city", city.clone()));
        }
        if let Some(code) = &a.postal_code {
            query.push(("postalcode", code.clone()));
        }
        if let Some(country) = &a.country {
            query.push(("countrycodes", country.to_ascii_lowercase()));
        }
        let mut url = reqwest::Url::parse(&self.url).map_err(|e| e.to_string())?;
        url.query_pairs_mut().extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        let response = self.client.get(url).send().await.map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("geocoder answered {}", response.status()));
        }
        let places: Vec<Place> = response.json().await.map_err(|e| e.to_string())?;
        Ok(places.first().and_then(|p| {
            let (lat, lng) = (p.lat.parse::<f64>().ok()?, p.lon.parse::<f64>().ok()?);
            ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lng)).then_some(Location { lat, lng })
        }))
    }
}
