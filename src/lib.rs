//! Bounceback's decision core.
//!
//! Everything Bounceback decides lives here, and none of it does I/O: the core contains no
//! networking code, reads no clock and no ambient randomness, and touches no browser API.
//! Time comes in as `now_ms` (milliseconds since the Unix epoch) with every event, randomness
//! from a seeded generator kept in the engine's state, and every effect goes out as an
//! [`engine::Action`] for the host (the extension's background, or the CLI's simulator) to
//! carry out. The only platform code is [`wasm`], the `#[wasm_bindgen]` surface.
//!
//! - [`detect`]: is this response or page a server error, whose, and is it worth retrying?
//! - [`engine`]: the recovery policy: backoff, probes, reloads, escalation, giving up.
//! - [`settings`]: the user's policy, parsed and validated.
//! - [`sim`]: a simulated outage driving the engine, for the CLI's `simulate` (not part of
//!   the engine: it is a host of it, like the extension's background).

pub mod detect;
pub mod engine;
pub mod settings;
pub mod sim;

#[cfg(target_arch = "wasm32")]
pub mod wasm;
