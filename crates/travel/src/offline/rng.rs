//! Deterministic randomness: every generated value is a pure function of the seed and what it
//! describes (a route and day, a hotel, a night), so the same question gets the same answer in
//! every process and after a restart, without storing anything.

/// A SplitMix64 stream seeded from a seed and a list of labels.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// The stream for `labels` under `seed` (FNV-1a of the labels, mixed with the seed).
    pub fn new(seed: u64, labels: &[&str]) -> Self {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        for label in labels {
            for b in label.bytes().chain(std::iter::once(0x1f)) {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        Self(h)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `[low, high]` (`low` when the range is empty).
    pub fn range(&mut self, low: i64, high: i64) -> i64 {
        if high <= low {
            return low;
        }
        let span = u64::try_from(high - low).unwrap_or(0).saturating_add(1);
        low + i64::try_from(self.next_u64() % span).unwrap_or(0)
    }

    /// One of `items` (`None` when empty).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            return None;
        }
        let i = usize::try_from(self.next_u64() % items.len() as u64).unwrap_or(0);
        items.get(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_labels_give_the_same_stream_and_others_differ() {
        let a: Vec<u64> = (0..4)
            .map({
                let mut r = Rng::new(7, &["CDG", "JFK"]);
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..4)
            .map({
                let mut r = Rng::new(7, &["CDG", "JFK"]);
                move |_| r.next_u64()
            })
            .collect();
        assert_eq!(a, b);
        assert_ne!(Rng::new(7, &["CDGJ", "FK"]).next_u64(), Rng::new(7, &["CDG", "JFK"]).next_u64());
        assert_ne!(Rng::new(8, &["CDG", "JFK"]).next_u64(), a[0]);
        let mut r = Rng::new(1, &["x"]);
        assert!((0..1000).map(|_| r.range(3, 5)).all(|v| (3..=5).contains(&v)));
        assert!((0..1000).map(|_| r.unit()).all(|v| (0.0..1.0).contains(&v)));
    }
}
