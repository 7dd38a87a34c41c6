//! How long to wait before the next attempt: exponential backoff with full jitter, and
//! `Retry-After` clamping.
//!
//! `delay(n) = max(floor, random(0, min(cap, base * 2^n)))` (the "full jitter" of AWS's
//! backoff study): the jitter spreads the requests of many clients hitting one struggling
//! server, the floor keeps a lucky draw from hammering it. A server's `Retry-After` takes
//! precedence over the schedule, clamped to `[floor, max_retry_after]`. Randomness comes
//! from [`Rng`], a seeded splitmix64 generator kept in the engine's state, so a run is
//! reproducible from its seed and survives snapshot/restore.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A small deterministic PRNG (splitmix64). Serialised as a hex string so the state survives
/// JSON in JavaScript, whose numbers cannot hold a full `u64`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator whose sequence is fixed by `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform float in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

impl Serialize for Rng {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{:016x}", self.state))
    }
}

impl<'de> Deserialize<'de> for Rng {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Rng, D::Error> {
        let s = String::deserialize(d)?;
        u64::from_str_radix(&s, 16).map(Rng::new).map_err(serde::de::Error::custom)
    }
}

/// The schedule's parameters, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Schedule {
    pub base_ms: f64,
    pub cap_ms: f64,
    pub floor_ms: f64,
    pub max_retry_after_ms: f64,
}

impl Schedule {
    /// The wait before attempt `n + 1` (0-based `n` failed attempts so far), in whole ms
    /// (so deadlines stay integers when the shell's clock is, and survive JSON exactly).
    pub fn delay(&self, n: u32, rng: &mut Rng) -> f64 {
        let ceiling = (self.base_ms * 2f64.powi(n.min(60) as i32)).min(self.cap_ms);
        (rng.next_f64() * ceiling).max(self.floor_ms).round()
    }

    /// A server-requested wait in seconds, clamped to `[floor, max_retry_after]`, in ms.
    pub fn retry_after(&self, seconds: f64) -> f64 {
        let ms = if seconds.is_finite() { seconds * 1000.0 } else { self.max_retry_after_ms };
        ms.min(self.max_retry_after_ms).max(self.floor_ms).round()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Schedule = Schedule { base_ms: 2_000.0, cap_ms: 60_000.0, floor_ms: 500.0, max_retry_after_ms: 3_600_000.0 };

    #[test]
    fn delays_within_bounds() {
        let mut rng = Rng::new(7);
        for n in 0..80 {
            for _ in 0..200 {
                let d = S.delay(n, &mut rng);
                let ceiling = (2_000.0 * 2f64.powi(n.min(60) as i32)).min(60_000.0);
                assert!(d >= 500.0 && d <= ceiling.max(500.0), "n={n} d={d}");
            }
        }
    }

    #[test]
    fn jitter_is_spread_and_reproducible() {
        let mut a = Rng::new(1);
        let mut b = Rng::new(1);
        let xs: Vec<f64> = (0..100).map(|_| S.delay(10, &mut a)).collect();
        let ys: Vec<f64> = (0..100).map(|_| S.delay(10, &mut b)).collect();
        assert_eq!(xs, ys);
        let mean = xs.iter().sum::<f64>() / 100.0;
        assert!(mean > 20_000.0 && mean < 40_000.0, "{mean}");
    }

    #[test]
    fn retry_after_clamped() {
        assert_eq!(S.retry_after(0.0), 500.0);
        assert_eq!(S.retry_after(30.0), 30_000.0);
        assert_eq!(S.retry_after(1e9), 3_600_000.0);
        assert_eq!(S.retry_after(f64::NAN), 3_600_000.0);
    }

    #[test]
    fn rng_roundtrips_through_json() {
        let mut r = Rng::new(u64::MAX - 3);
        r.next_u64();
        let json = serde_json::to_string(&r).unwrap();
        let back: Rng = serde_json::from_str(&json).unwrap();
        assert_eq!(r, back);
        assert!(serde_json::from_str::<Rng>("\"zz\"").is_err());
    }
}
