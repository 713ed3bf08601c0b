//! When to try a failed delivery again: exponential backoff with jitter, bounded by a number of
//! attempts and by the time spent.
//!
//! After failed attempt `n` (1-based) the ceiling is `initial_backoff × multiplier^(n−1)`, capped
//! at `max_backoff`, and the wait is drawn uniformly between half the ceiling and the ceiling
//! ("equal jitter": never less than half, so a flapping endpoint is not hammered, and spread
//! out, so many senders do not retry in step). A `Retry-After` from the server lengthens the
//! wait up to `max_backoff`. A finding is given up (dead-lettered) after `max_attempts`
//! attempts, or when the next wait would end more than `max_elapsed` after the first attempt.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use serde::Deserialize;

use crate::config::deserialize_duration;

/// How a sink retries transient failures. In TOML, a sink's `retry` table; every key is
/// optional:
///
/// ```toml
/// retry = { max_attempts = 6, initial_backoff = "500ms", max_backoff = "30s", multiplier = 2.0, max_elapsed = "5m" }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (at least 1; default 6).
    pub max_attempts: u32,
    /// The ceiling of the first wait (default 500 ms).
    #[serde(deserialize_with = "deserialize_duration")]
    pub initial_backoff: Duration,
    /// The largest ceiling (default 30 s).
    #[serde(deserialize_with = "deserialize_duration")]
    pub max_backoff: Duration,
    /// Growth of the ceiling per attempt (at least 1; default 2).
    pub multiplier: f64,
    /// Give up when the next attempt would start later than this after the first (default
    /// 5 minutes).
    #[serde(deserialize_with = "deserialize_duration")]
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 6,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            multiplier: 2.0,
            max_elapsed: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// A policy that tries once and never retries.
    pub const NEVER: RetryPolicy = RetryPolicy {
        max_attempts: 1,
        initial_backoff: Duration::ZERO,
        max_backoff: Duration::ZERO,
        multiplier: 1.0,
        max_elapsed: Duration::ZERO,
    };

    /// What is wrong with this policy, if anything: `max_attempts` 0, a multiplier below 1 or
    /// not finite, `initial_backoff` above `max_backoff`.
    #[must_use]
    pub fn problem(&self) -> Option<&'static str> {
        if self.max_attempts == 0 {
            Some("max_attempts must be at least 1")
        } else if !self.multiplier.is_finite() || self.multiplier < 1.0 {
            Some("multiplier must be a number of at least 1")
        } else if self.initial_backoff > self.max_backoff {
            Some("initial_backoff must not exceed max_backoff")
        } else {
            None
        }
    }

    /// The ceiling of the wait after failed attempt `attempt` (1-based).
    #[must_use]
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exponent = i32::try_from(attempt.saturating_sub(1)).unwrap_or(i32::MAX);
        let factor = self.multiplier.powi(exponent);
        let secs = self.initial_backoff.as_secs_f64() * factor;
        if !secs.is_finite() || secs >= self.max_backoff.as_secs_f64() {
            self.max_backoff
        } else {
            Duration::from_secs_f64(secs)
        }
    }

    /// The wait after failed attempt `attempt`, with jitter: `unit` (in `[0, 1]`) picks a point
    /// between half the ceiling and the ceiling.
    #[must_use]
    pub fn jittered(&self, attempt: u32, unit: f64) -> Duration {
        let ceiling = self.backoff(attempt);
        ceiling.mul_f64(0.5 + 0.5 * unit.clamp(0.0, 1.0))
    }
}

/// A small random source for jitter (SplitMix64). Jitter needs spread, not secrecy; the seed
/// comes from the standard library's randomly keyed hasher, so sinks and processes differ.
#[derive(Debug)]
pub(crate) struct Jitter(u64);

impl Jitter {
    pub(crate) fn new() -> Jitter {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(0x7472_6970_6c69_6e65);
        Jitter(hasher.finish())
    }

    /// A number in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        // The top 53 bits make an exact f64 in [0, 1).
        #[allow(clippy::cast_precision_loss)]
        let unit = (z >> 11) as f64 / (1u64 << 53) as f64;
        unit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy {
            max_attempts: 10,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
            multiplier: 2.0,
            max_elapsed: Duration::from_secs(60),
        };
        assert_eq!(p.backoff(1), Duration::from_millis(100));
        assert_eq!(p.backoff(2), Duration::from_millis(200));
        assert_eq!(p.backoff(4), Duration::from_millis(800));
        assert_eq!(p.backoff(5), Duration::from_secs(1));
        assert_eq!(p.backoff(u32::MAX), Duration::from_secs(1));
        assert_eq!(p.jittered(2, 0.0), Duration::from_millis(100));
        assert_eq!(p.jittered(2, 1.0), Duration::from_millis(200));
    }

    #[test]
    fn jitter_stays_in_range_and_spreads() {
        let mut j = Jitter::new();
        let values: Vec<f64> = (0..1000).map(|_| j.unit()).collect();
        assert!(values.iter().all(|v| (0.0..1.0).contains(v)));
        assert!(values.iter().any(|v| *v < 0.25));
        assert!(values.iter().any(|v| *v > 0.75));
    }

    #[test]
    fn problems() {
        assert_eq!(RetryPolicy::default().problem(), None);
        assert_eq!(RetryPolicy::NEVER.problem(), None);
        let zero = RetryPolicy {
            max_attempts: 0,
            ..RetryPolicy::default()
        };
        assert!(zero.problem().is_some());
        let shrinking = RetryPolicy {
            multiplier: 0.5,
            ..RetryPolicy::default()
        };
        assert!(shrinking.problem().is_some());
    }
}
