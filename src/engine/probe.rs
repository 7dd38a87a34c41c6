//! Per-origin probing: one shared backoff schedule and at most one probe in flight per origin.
//!
//! Every failing tab of an origin (`scheme://host:port`) waits on the same schedule, so ten
//! tabs of one site cost one probe per wake-up, and one healthy answer releases them all.
//! A probe is a cheap `HEAD` with credentials; `405`/`501` to `HEAD` is retried at once as
//! `GET`. When a credentialed probe fails with an HTTP error, the next scheduled probe (once
//! per outage) goes without credentials; if that one is healthy a credentialed probe follows
//! at once, and if it fails the site's cookies are the likely culprit. (Replacing a scheduled
//! probe rather than adding one keeps the comparison free while the site is down for all.) A probe not
//! answered by its deadline counts as failed, so a shell killed mid-probe never hangs us.

use serde::{Deserialize, Serialize};

use super::events::ProbeMethod;

/// A probe sent and not yet answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InFlight {
    pub probe_id: u64,
    pub url: String,
    pub method: ProbeMethod,
    pub credentials: bool,
    pub deadline_ms: f64,
}

/// One origin's shared schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OriginState {
    /// Failed attempts (probes answering unhealthy, reloads failing again) so far.
    pub attempts: u32,
    /// When the first failure was seen (shifted forward by time spent offline).
    pub started_ms: f64,
    /// When the next probe is due; `None` while a probe is in flight or nobody waits.
    pub next_ms: Option<f64>,
    /// The current wait is a server's `Retry-After`.
    pub retry_after_wait: bool,
    pub in_flight: Option<InFlight>,
    /// The credential-less comparison probe was already made in this outage.
    pub cookie_checked: bool,
    /// No probe before this: the server's `Retry-After`.
    #[serde(default)]
    pub not_before_ms: Option<f64>,
    /// The next scheduled probe goes without credentials (a credentialed one failed).
    #[serde(default)]
    pub compare_next: bool,
    /// The credential-less probe was healthy; the credentialed one in flight decides.
    #[serde(default)]
    pub credless_healthy: bool,
}

impl OriginState {
    /// A fresh schedule starting at `now_ms`.
    pub fn new(now_ms: f64) -> OriginState {
        OriginState {
            attempts: 0,
            started_ms: now_ms,
            next_ms: None,
            retry_after_wait: false,
            in_flight: None,
            cookie_checked: false,
            not_before_ms: None,
            compare_next: false,
            credless_healthy: false,
        }
    }

    /// Whether the schedule has anything pending (a due time or a probe in flight).
    pub fn is_pending(&self) -> bool {
        self.next_ms.is_some() || self.in_flight.is_some()
    }
}

/// A probe answer that means "the site serves pages": 2xx or 3xx.
pub fn is_healthy(status: Option<u16>) -> bool {
    matches!(status, Some(200..=399))
}

/// Whether a `HEAD` probe should be asked again with `GET` (servers that refuse `HEAD`).
pub fn retry_with_get(method: ProbeMethod, status: Option<u16>) -> bool {
    method == ProbeMethod::Head && matches!(status, Some(405 | 501))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health() {
        assert!(is_healthy(Some(200)) && is_healthy(Some(304)) && is_healthy(Some(301)));
        assert!(!is_healthy(Some(502)) && !is_healthy(None) && !is_healthy(Some(404)) && !is_healthy(Some(100)));
        assert!(retry_with_get(ProbeMethod::Head, Some(405)));
        assert!(!retry_with_get(ProbeMethod::Get, Some(405)));
    }
}
