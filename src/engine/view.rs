//! What the user sees: the popup's [`TabView`] and the toolbar [`Badge`].
//!
//! Both are computed from the engine's state and nothing else; the shell renders them as
//! they are. Badge colours are CSS hex strings.

use serde::{Deserialize, Serialize};

use super::events::TabId;
use super::recovery::Advice;
use crate::settings::CookieClearing;

/// The popup's model of one tab (camelCase JSON; written only, never read back).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TabView {
    pub tab_id: TabId,
    /// "healthy" | "recovering" | "probing" | "waitingRetryAfter" | "offline" | "gaveUp" |
    /// "watching" | "failedPost".
    pub state: String,
    pub url: Option<String>,
    /// The host.
    pub site: Option<String>,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    pub vendor: Option<String>,
    pub summary: String,
    pub reasons: Vec<String>,
    /// Failed attempts so far.
    pub attempt: u32,
    pub max_attempts: u32,
    pub next_attempt_at_ms: Option<f64>,
    /// "probe" | "reload" | "hardReload" | "clearCookies" | "giveUp", while recovering.
    pub next_step: Option<String>,
    pub cookies_suspected: bool,
    /// The cookie policy that applies to this site.
    pub cookie_clearing: CookieClearing,
    pub site_enabled: bool,
    /// After giving up: what happened and what the user can do, one code per sentence
    /// (empty otherwise).
    pub advice: Vec<Advice>,
    /// What was tried, in order.
    pub tried: Vec<String>,
    /// While watching: when the watch ends.
    pub watch_until_ms: Option<f64>,
}

/// A toolbar badge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Badge {
    pub text: String,
    pub color: String,
    pub countdown_to_ms: Option<f64>,
}

/// Badge colours.
pub mod colors {
    pub const RECOVERING: &str = "#d97706";
    pub const RETRY_AFTER: &str = "#7c3aed";
    pub const OFFLINE: &str = "#6b7280";
    pub const GAVE_UP: &str = "#dc2626";
    pub const WATCHING: &str = "#2563eb";
    pub const FAILED_POST: &str = "#b45309";
}

impl Badge {
    pub fn new(text: &str, color: &str, countdown_to_ms: Option<f64>) -> Badge {
        Badge { text: text.into(), color: color.into(), countdown_to_ms }
    }
}
