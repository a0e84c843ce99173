//! Distance: candidates come from grid cells, the radius is checked exactly.
//!
//! Each listing is indexed with the cell that holds it at every level of [`LEVELS`] (cells of
//! 4°, 1°, ¼° and 1/16° — about 7 km — of latitude and longitude). A `near` search asks for
//! the cells, at the finest level that needs few of them, covering the circle's bounding box:
//! a handful of term lookups give the candidates, where a range over the coordinates would
//! scan every listing's. [`super::keep::Keep`] then keeps those within the radius (great-circle
//! distance from the segment's decoded coordinates) for the count, the facets and the page
//! alike.

use tantivy::Term;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};

use crate::domain::haversine_km;

/// Cell sizes in degrees, coarsest first.
pub const LEVELS: [f64; 4] = [4.0, 1.0, 0.25, 0.0625];
/// A search uses the finest level that covers its box with at most this many cells.
const MAX_CELLS: usize = 24;

/// A point and a radius (km).
#[derive(Debug, Clone, Copy)]
pub struct Circle {
    pub lat: f64,
    pub lng: f64,
    pub radius: f64,
}

impl Circle {
    /// Great-circle distance (km) to a point; NaN when the point is missing (NaN).
    #[inline]
    pub fn distance(&self, lat: f64, lng: f64) -> f64 {
        if lat.is_nan() || lng.is_nan() {
            return f64::NAN;
        }
        haversine_km(self.lat, self.lng, lat, lng)
    }

    /// `(south, north, half-width in longitude)` of the bounding box, degrees.
    fn bounds(&self) -> (f64, f64, f64) {
        let dlat = self.radius / 111.0;
        let dlng = self.radius / (111.0 * self.lat.to_radians().cos().abs().max(0.01));
        ((self.lat - dlat).max(-90.0), (self.lat + dlat).min(90.0), dlng.min(180.0))
    }
}

fn cell_index(value: f64, origin: f64, size: f64) -> i64 {
    ((value - origin) / size).floor() as i64
}

/// The cell of a point at each level, as indexed.
pub fn cells(lat: f64, lng: f64) -> Vec<String> {
    LEVELS
        .iter()
        .enumerate()
        .map(|(level, size)| {
            let columns = (360.0 / size) as i64;
            let x = cell_index(lng, -180.0, *size).rem_euclid(columns);
            format!("{level}:{}:{x}", cell_index(lat, -90.0, *size))
        })
        .collect()
}

/// The cells covering `circle`'s bounding box, at the finest level needing at most
/// [`MAX_CELLS`] (the coarsest level otherwise).
fn covering(circle: Circle) -> Vec<String> {
    let (south, north, half) = circle.bounds();
    let mut chosen = Vec::new();
    for (level, size) in LEVELS.iter().enumerate() {
        let columns = (360.0 / size) as i64;
        let rows = cell_index(south, -90.0, *size)..=cell_index(north, -90.0, *size);
        let (west, east) = (cell_index(circle.lng - half, -180.0, *size), cell_index(circle.lng + half, -180.0, *size));
        let width = (east - west + 1).min(columns);
        let count = (rows.end() - rows.start() + 1) * width;
        if level > 0 && count > MAX_CELLS as i64 {
            break;
        }
        chosen = rows
            .flat_map(|y| (0..width).map(move |i| format!("{level}:{y}:{}", (west + i).rem_euclid(columns))))
            .collect();
    }
    chosen
}

/// The candidates of a `near` search: the listings in the cells covering the circle.
pub fn candidates(field: Field, circle: Circle) -> Box<dyn Query> {
    let cells = covering(circle)
        .into_iter()
        .map(|cell| -> (Occur, Box<dyn Query>) {
            (Occur::Should, Box::new(TermQuery::new(Term::from_field_text(field, &cell), IndexRecordOption::Basic)))
        })
        .collect();
    Box::new(BooleanQuery::new(cells))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_covering_cells_hold_every_point_of_the_circle() {
        for (lat, lng, radius) in [(48.85, 2.35, 5.0), (48.85, 2.35, 50.0), (0.0, 179.9, 30.0), (-33.9, 151.2, 400.0)] {
            let circle = Circle { lat, lng, radius };
            let cover = covering(circle);
            assert!(!cover.is_empty() && cover.len() <= MAX_CELLS.max(64), "{} cells", cover.len());
            for step in 0..36 {
                let bearing = f64::from(step) * 10.0_f64.to_radians();
                let (dlat, dlng) = (radius * 0.999 / 111.0 * bearing.cos(), 0.0);
                let dlng =
                    dlng + radius * 0.999 * bearing.sin() / (111.0 * lat.to_radians().cos().abs().max(0.01)) * 0.95;
                let (plat, plng) = (lat + dlat, ((lng + dlng + 540.0) % 360.0) - 180.0);
                assert!(
                    cells(plat, plng).iter().any(|c| cover.contains(c)),
                    "({plat}, {plng}) within {radius} km of ({lat}, {lng}) is in no covering cell"
                );
            }
        }
    }
}
