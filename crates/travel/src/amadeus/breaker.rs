//! The circuit breaker: when Amadeus keeps failing (5xx, timeouts, no connection — not its
//! refusals of a request), calls fail at once for a while instead of each waiting out its
//! timeouts, and one trial call then decides whether to resume.

use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Closed {
        failures: u32,
    },
    Open {
        until: Instant,
    },
    /// One trial is under way since then; others are refused until it reports (or, if it
    /// never does because its caller gave up, until another window has passed).
    HalfOpen {
        since: Instant,
    },
}

pub(super) struct Breaker {
    state: Mutex<State>,
    threshold: u32,
    open_for: Duration,
}

impl Breaker {
    pub(super) fn new(threshold: u32, open_for: Duration) -> Self {
        Self { state: Mutex::new(State::Closed { failures: 0 }), threshold: threshold.max(1), open_for }
    }

    /// Whether a call may go ahead, or the seconds until one may.
    pub(super) fn admit(&self) -> Result<(), u64> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        match *state {
            State::Closed { .. } => Ok(()),
            State::Open { until } if now < until => Err(seconds(until - now)),
            State::HalfOpen { since } if now < since + self.open_for => Err(1),
            State::Open { .. } | State::HalfOpen { .. } => {
                *state = State::HalfOpen { since: now };
                Ok(())
            }
        }
    }

    /// How long the circuit stays open, in whole seconds.
    pub(super) fn open_secs(&self) -> u64 {
        seconds(self.open_for)
    }

    /// Amadeus answered (whatever it said).
    pub(super) fn success(&self) {
        *self.state.lock().unwrap_or_else(|p| p.into_inner()) = State::Closed { failures: 0 };
    }

    /// Amadeus failed: opens the circuit at the threshold, or again after a failed trial.
    /// True when this failure opened it.
    pub(super) fn failure(&self) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let next = match *state {
            State::Closed { failures } if failures + 1 < self.threshold => State::Closed { failures: failures + 1 },
            State::Open { until } => State::Open { until },
            State::Closed { .. } | State::HalfOpen { .. } => State::Open { until: Instant::now() + self.open_for },
        };
        let opened = matches!(next, State::Open { .. }) && !matches!(*state, State::Open { .. });
        *state = next;
        opened
    }
}

/// Whole seconds, rounded up, at least one.
fn seconds(d: Duration) -> u64 {
    (d.as_secs() + u64::from(d.subsec_nanos() > 0)).max(1)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn opens_at_the_threshold_and_one_trial_decides() {
        let breaker = Breaker::new(3, Duration::from_millis(50));
        assert!(!breaker.failure());
        assert!(!breaker.failure());
        breaker.success();
        assert!(!breaker.failure());
        assert!(!breaker.failure());
        assert!(breaker.admit().is_ok());
        assert!(breaker.failure(), "the third consecutive failure opens it");
        assert_eq!(breaker.admit(), Err(1));
        std::thread::sleep(Duration::from_millis(60));
        assert!(breaker.admit().is_ok(), "the trial");
        assert_eq!(breaker.admit(), Err(1), "only one trial at a time");
        assert!(breaker.failure(), "a failed trial opens it again");
        assert!(breaker.admit().is_err());
        std::thread::sleep(Duration::from_millis(60));
        assert!(breaker.admit().is_ok());
        breaker.success();
        assert!(breaker.admit().is_ok() && breaker.admit().is_ok());
    }

    #[test]
    fn a_trial_whose_caller_vanished_does_not_block_forever() {
        let breaker = Breaker::new(1, Duration::from_millis(30));
        breaker.failure();
        std::thread::sleep(Duration::from_millis(40));
        assert!(breaker.admit().is_ok());
        std::thread::sleep(Duration::from_millis(40));
        assert!(breaker.admit().is_ok(), "a new trial after another window");
    }

    #[test]
    fn seconds_round_up() {
        assert_eq!(seconds(Duration::from_millis(1)), 1);
        assert_eq!(seconds(Duration::from_millis(2001)), 3);
        assert_eq!(seconds(Duration::from_secs(30)), 30);
    }
}
