//! How long to wait before the next attempt: a quick first check, then waits that grow by a
//! fixed step up to a cap, each spread ±15 % at random; and `Retry-After` clamping.
//!
//! Wait `n` (0-based) is `quick` for `n = 0` when there is a quick check, then
//! `min(cap, base + step·k)` for the `k`-th wait after it, times a random factor in
//! `[0.85, 1.15)`, kept within `[floor, cap]`. The shape is the optimal one's (see
//! `bounceback simulate --frontier`): for outages log-uniform between seconds and half an
//! hour the best check times have gaps that grow roughly linearly and then level off; the
//! quick check catches restarts of a few seconds for the price of one request. The jitter
//! spreads the requests of many clients hitting one struggling server, the floor keeps a
//! lucky draw from hammering it. A server's `Retry-After` takes precedence over the
//! schedule, clamped to `[floor, max_retry_after]`. Randomness comes from [`Rng`], a seeded
//! splitmix64 generator kept in the engine's state, so a run is reproducible from its seed
//! and survives snapshot/restore.

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

/// Each wait is its nominal value times a random factor in `[1 - JITTER, 1 + JITTER)`.
pub const JITTER: f64 = 0.15;

/// The schedule's parameters, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Schedule {
    /// The wait before a quick first check; 0 for none.
    pub quick_ms: f64,
    /// The first wait of the growing part.
    pub base_ms: f64,
    /// How much each wait of the growing part is longer than the one before.
    pub step_ms: f64,
    pub cap_ms: f64,
    pub floor_ms: f64,
    pub max_retry_after_ms: f64,
}

impl Schedule {
    /// The wait before attempt `n + 1` (0-based `n` failed attempts so far), in whole ms
    /// (so deadlines stay integers when the shell's clock is, and survive JSON exactly).
    pub fn delay(&self, n: u32, rng: &mut Rng) -> f64 {
        let factor = 1.0 + JITTER * (2.0 * rng.next_f64() - 1.0);
        (self.nominal(n) * factor).min(self.cap_ms).max(self.floor_ms).round()
    }

    /// The wait before attempt `n + 1` before jitter.
    pub fn nominal(&self, n: u32) -> f64 {
        let k = match (self.quick_ms > 0.0, n) {
            (true, 0) => return self.quick_ms.min(self.cap_ms),
            (true, n) => n - 1,
            (false, n) => n,
        };
        (self.base_ms + self.step_ms * f64::from(k)).min(self.cap_ms)
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

    const S: Schedule =
        Schedule { quick_ms: 3_000.0, base_ms: 15_000.0, step_ms: 5_000.0, cap_ms: 60_000.0, floor_ms: 2_000.0, max_retry_after_ms: 3_600_000.0 };

    #[test]
    fn quick_check_then_linear_growth_up_to_the_cap() {
        let nominal: Vec<f64> = (0..13).map(|n| S.nominal(n)).collect();
        let want = [3.0, 15.0, 20.0, 25.0, 30.0, 35.0, 40.0, 45.0, 50.0, 55.0, 60.0, 60.0, 60.0].map(|s| s * 1000.0);
        assert_eq!(nominal, want);
        let none = Schedule { quick_ms: 0.0, ..S };
        assert_eq!((none.nominal(0), none.nominal(1)), (15_000.0, 20_000.0));
        assert_eq!(S.nominal(u32::MAX), 60_000.0);
    }

    #[test]
    fn delays_within_bounds() {
        let mut rng = Rng::new(7);
        for n in 0..80 {
            let nominal = S.nominal(n);
            for _ in 0..200 {
                let d = S.delay(n, &mut rng);
                assert!(d >= (nominal * (1.0 - JITTER)).floor().max(2_000.0), "n={n} d={d}");
                assert!(d <= (nominal * (1.0 + JITTER)).ceil().min(60_000.0), "n={n} d={d}");
            }
        }
        let tight = Schedule { floor_ms: 10_000.0, cap_ms: 12_000.0, ..S };
        for n in 0..5 {
            let d = tight.delay(n, &mut rng);
            assert!((10_000.0..=12_000.0).contains(&d), "n={n} d={d}");
        }
    }

    #[test]
    fn jitter_is_spread_and_reproducible() {
        let mut a = Rng::new(1);
        let mut b = Rng::new(1);
        let xs: Vec<f64> = (0..1000).map(|_| S.delay(3, &mut a)).collect();
        let ys: Vec<f64> = (0..1000).map(|_| S.delay(3, &mut b)).collect();
        assert_eq!(xs, ys);
        let mean = xs.iter().sum::<f64>() / 1000.0;
        assert!((mean - 25_000.0).abs() < 500.0, "{mean}");
        let (lo, hi) = xs.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &x| (lo.min(x), hi.max(x)));
        assert!(lo < 21_800.0 && hi > 28_200.0, "spread {lo}..{hi}");
    }

    #[test]
    fn retry_after_clamped() {
        assert_eq!(S.retry_after(0.0), 2_000.0);
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
