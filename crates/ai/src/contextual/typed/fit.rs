//! How a destination fits a traveller in a month: their named destinations, their interests
//! against the destination's tags, their climates against the month's normals, and the travel
//! season weighed by their thrift. Used to suggest flight destinations and to score offers.

use super::super::climate::{self, City};
use super::prefs::Prefs;

/// The onboarding region (`europe`, `asia`, …) of a bundled destination's country.
pub fn region(country: &str) -> &'static str {
    match country {
        "FR" | "GB" | "IT" | "ES" | "PT" | "NL" | "DE" | "CZ" | "AT" | "GR" | "IS" | "CH" | "HR" | "IE" | "DK"
        | "TR" => "europe",
        "AE" => "middle_east",
        "JP" | "TH" | "SG" | "HK" | "ID" | "KR" | "VN" | "IN" => "asia",
        "AU" | "NZ" => "oceania",
        "US" | "CA" => "north_america",
        "MX" => "north_america",
        "BR" | "AR" | "PE" => "south_america",
        "ZA" | "MA" | "EG" | "KE" | "MU" => "africa",
        _ => "",
    }
}

/// How well a destination fits the traveller in a month (0–1), with the reasons.
pub fn destination_fit(prefs: &Prefs, city: &City, month: u32) -> (f64, Vec<String>) {
    let mut reasons = Vec::new();
    let named = prefs.destinations.iter().any(|d| {
        let d = climate::fold(d);
        d == climate::fold(&city.code) || d == climate::fold(&city.name) || d == climate::fold(&city.country)
    });
    if named {
        reasons.push(format!("{} is one of your preferred destinations", city.name));
    }
    let area = region(&city.country);
    let in_region = !named && !area.is_empty() && prefs.destinations.iter().any(|d| d == area);
    if in_region {
        reasons.push(format!("in a region you want to visit ({})", area.replace('_', " ")));
    }
    let interests: Vec<&String> = prefs.interests().collect();
    let matched: Vec<&str> = city.tags.iter().filter(|t| interests.contains(t)).map(String::as_str).take(3).collect();
    if !matched.is_empty() {
        reasons.push(format!("{} suits your interests: {}", city.name, matched.join(", ")));
    }
    let climate_words = city.climate_words(month);
    let climate_ok = prefs.climates.iter().any(|c| climate_words.contains(&c.as_str()));
    if climate_ok {
        reasons.push(format!("the climate you like in {}", city.name));
    }
    let base = if interests.is_empty() { 0.5 } else { matched.len() as f64 / interests.len().clamp(1, 3) as f64 };
    let bonus = if climate_ok { 0.2 } else { 0.0 } + if in_region { 0.15 } else { 0.0 };
    let fit = if named { 1.0 } else { (0.8 * base + bonus).min(1.0) };
    (fit, reasons)
}

/// The climate side of a destination in a month (0–1): pleasant weather, and for thrifty
/// travellers the off-season.
pub fn season_fit(prefs: &Prefs, city: &City, month: u32) -> (f64, Option<String>) {
    let mut fit = if city.outdoor_month(month) { 0.7 } else { 0.4 };
    let season = city.travel_season(month);
    let thrift = prefs.thrift();
    let note = match season {
        climate::TravelSeason::High => {
            fit -= 0.15 * thrift;
            fit += 0.15 * (1.0 - thrift);
            Some(format!("high season in {}", city.name))
        }
        climate::TravelSeason::Low => {
            fit += 0.2 * thrift;
            (thrift >= 0.6).then(|| format!("low season in {}: quieter and cheaper", city.name))
        }
        climate::TravelSeason::Shoulder => {
            fit += 0.1;
            None
        }
    };
    (fit.clamp(0.0, 1.0), note)
}

/// The bundled destinations that fit best, the named ones first; never the origin.
pub fn suggest<'a>(prefs: &Prefs, origin: &str, month: u32, n: usize) -> Vec<&'a City> {
    let mut all: Vec<(f64, &City)> = climate::all()
        .iter()
        .filter(|c| c.code != origin)
        .map(|c| (destination_fit(prefs, c, month).0 * 2.0 + season_fit(prefs, c, month).0, c))
        .collect();
    all.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.code.cmp(&b.1.code)));
    all.into_iter().take(n).map(|(_, c)| c).collect()
}

#[cfg(test)]
mod tests {
    use super::super::params::Params;
    use super::*;

    #[test]
    fn a_named_region_lifts_its_destinations() {
        let q = Params::parse(Some("travelTypes=beach&preferredDestinations=europe"));
        let european = Prefs::new(None, &q);
        let anywhere = Prefs::new(None, &Params::parse(Some("travelTypes=beach")));
        let lisbon = climate::find("LIS").unwrap();
        let (with, reasons) = destination_fit(&european, lisbon, 6);
        assert!(with > destination_fit(&anywhere, lisbon, 6).0);
        assert!(reasons.iter().any(|r| r.contains("europe")), "{reasons:?}");
        assert!(climate::all().iter().all(|c| !region(&c.country).is_empty()), "every destination has a region");
        assert!(suggest(&european, "PAR", 6, 3).iter().all(|c| region(&c.country) == "europe"));
    }
}
