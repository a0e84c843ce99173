//! What one socket may send: a token bucket of emits, and strikes for frames refused, so that
//! a client flooding or sending garbage is cut off instead of costing the server without end.

use std::time::Instant;

pub(crate) struct Bucket {
    tokens: f64,
    capacity: f64,
    per_sec: f64,
    last: Instant,
    /// Refused emits and bad frames since the connection opened, fading as time passes.
    strikes: f64,
}

/// What to do with one more emit or bad frame.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    Allow,
    /// Refuse this one and tell the client.
    Refuse,
    /// Too much: close the socket.
    Cut,
}

impl Bucket {
    pub fn new(per_sec: u32) -> Self {
        let per_sec = f64::from(per_sec.max(1));
        Self { tokens: per_sec * 2.0, capacity: per_sec * 2.0, per_sec, last: Instant::now(), strikes: 0.0 }
    }

    fn refill(&mut self) {
        let now = Instant::now();
        let elapsed = now.duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.per_sec).min(self.capacity);
        // Strikes fade at one per second.
        self.strikes = (self.strikes - elapsed).max(0.0);
    }

    /// One emit.
    pub fn emit(&mut self) -> Verdict {
        self.refill();
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Verdict::Allow;
        }
        self.strike()
    }

    /// One frame the server could not use.
    pub fn strike(&mut self) -> Verdict {
        self.refill();
        self.strikes += 1.0;
        if self.strikes > self.capacity { Verdict::Cut } else { Verdict::Refuse }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_a_burst_then_refuses_then_cuts() {
        let mut b = Bucket::new(5);
        let allowed = (0..10).filter(|_| b.emit() == Verdict::Allow).count();
        assert_eq!(allowed, 10);
        assert_eq!(b.emit(), Verdict::Refuse);
        let verdicts: Vec<Verdict> = (0..20).map(|_| b.emit()).collect();
        assert_eq!(verdicts.last(), Some(&Verdict::Cut));
    }
}
