//! The user's recovery policy: defaults, parsing and validation.
//!
//! PLACEHOLDER owned by the recovery-engine work: replaced by the full settings model.

use serde::{Deserialize, Serialize};

/// What the user chose. Every field has a default, so `{}` is a valid settings object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Settings {
    /// First backoff step, ms.
    pub base_ms: f64,
    /// Largest backoff step, ms.
    pub cap_ms: f64,
    /// Attempts before giving up.
    pub max_attempts: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { base_ms: 2_000.0, cap_ms: 120_000.0, max_attempts: 8 }
    }
}
