//! Policy questions: what the settings and the user's per-site choices allow.
//!
//! Whether a status starts recovery, whether a site is enabled (per-site switch, deny and
//! allow lists), which cookie policy applies to a site and whether cookies may be cleared at
//! all (settings and browser permission), the backoff schedule the settings describe, and the
//! bounded store of per-site choices.

use serde::{Deserialize, Serialize};

use super::backoff::Schedule;
use super::{url, Engine};
use crate::detect::{Class, Verdict};
use crate::settings::CookieClearing;

/// How many per-site choices are remembered.
const MAX_SITES: usize = 1000;

/// A user's per-site choices.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SitePrefs {
    #[serde(default)]
    pub(super) disabled: bool,
    /// Cookie clearing remembered for the site ("clear automatically").
    #[serde(default)]
    pub(super) cookie_clearing: Option<CookieClearing>,
}

impl Engine {
    pub(super) fn schedule(&self) -> Schedule {
        Schedule {
            quick_ms: self.settings.quick_check_ms,
            base_ms: self.settings.base_ms,
            step_ms: self.settings.step_ms,
            cap_ms: self.settings.cap_ms,
            floor_ms: self.settings.floor_ms,
            max_retry_after_ms: self.settings.max_retry_after_ms,
        }
    }

    /// Whether a response status starts recovery: a listed status (429 only with a
    /// `Retry-After`), never a challenge.
    pub(super) fn status_triggers(&self, status: u16, verdict: &Verdict, retry_after_s: Option<f64>) -> bool {
        if verdict.class == Class::Challenge {
            return false;
        }
        if status == 429 {
            return retry_after_s.is_some();
        }
        self.settings.statuses.contains(&status)
    }

    pub(super) fn site_enabled(&self, host: &str) -> bool {
        if self.sites.get(host).is_some_and(|p| p.disabled) {
            return false;
        }
        if self.settings.deny_list.iter().any(|p| url::host_matches(host, p)) {
            return false;
        }
        self.settings.allow_list.is_empty() || self.settings.allow_list.iter().any(|p| url::host_matches(host, p))
    }

    pub(super) fn cookie_policy(&self, host: &str) -> CookieClearing {
        match self.settings.cookie_clearing {
            CookieClearing::Never => CookieClearing::Never,
            global => self.sites.get(host).and_then(|p| p.cookie_clearing).unwrap_or(global),
        }
    }

    /// Whether this site's cookies may be cleared without asking: the policy says so and the
    /// browser allows it. Without the permission an "automatic" site is treated as "ask".
    pub(super) fn clears_automatically(&self, host: &str) -> bool {
        self.cookie_access && self.cookie_policy(host) == CookieClearing::Automatic
    }

    /// Whether any cookies may be cleared at all: the settings allow it and so does the browser.
    pub(super) fn may_clear_cookies(&self) -> bool {
        self.cookie_access && self.settings.cookie_clearing != CookieClearing::Never
    }

    pub(super) fn site_prefs(&mut self, host: &str) -> Option<&mut SitePrefs> {
        if !self.sites.contains_key(host) && self.sites.len() >= MAX_SITES {
            return None;
        }
        Some(self.sites.get_or_insert_with(host.to_string(), SitePrefs::default))
    }
}
