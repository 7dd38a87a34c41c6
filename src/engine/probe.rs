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
//!
//! When a waiting tab's failure was seen in its text, a status proves nothing (the error page
//! came with 200): the probe is a `GET` whose body the shell reads (bounded) and the same
//! detector judges; an error page, or no body at all, is a failed attempt like a 502.
//!
//! While the browser is offline no probe goes out and nothing is counted; a slow connectivity
//! check ([`OFFLINE_CHECK_MS`]) stays scheduled, so a shell stopped meanwhile is woken again
//! and can say that the connection is back.

use serde::{Deserialize, Serialize};

use super::events::ProbeMethod;
use super::recovery::{CoreError, ErrorName, Phase};
use super::{Action, Engine, NotifyKind, TabId};
use crate::detect::{self, Class};

/// While offline with tabs waiting, how often the engine asks to be woken to learn whether
/// the connection is back (a durable alarm: Chromium's are 30 s at the least).
pub const OFFLINE_CHECK_MS: f64 = 60_000.0;

/// A probe's answer, as `ProbeCompleted` brings it.
pub(super) struct ProbeAnswer {
    pub(super) status: Option<u16>,
    pub(super) error: Option<ErrorName>,
    pub(super) retry_after_s: Option<f64>,
    pub(super) html: Option<String>,
}

impl ProbeAnswer {
    fn failed(error: ErrorName) -> ProbeAnswer {
        ProbeAnswer { status: None, error: Some(error), retry_after_s: None, html: None }
    }
}

/// Whether a probe's body (asked for because the status proves nothing) shows a page that is
/// well: present, and not an error page to the detector.
fn body_is_well(status: Option<u16>, html: Option<&str>, now_ms: f64) -> bool {
    // The body is at most MAX_PAGE_HTML bytes: the event parser refuses longer ones.
    let Some(html) = html else { return false };
    detect::classify_html(status, &[], html, now_ms).class != Class::ServerError
}

/// A probe sent and not yet answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InFlight {
    pub probe_id: u64,
    pub url: String,
    pub method: ProbeMethod,
    pub credentials: bool,
    pub deadline_ms: f64,
    /// The body was asked for: only a body that is well makes the answer healthy.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub read_body: bool,
}

/// One origin's shared schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "RawOriginState", into = "RawOriginState")]
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
    /// No probe before this: the server's `Retry-After`.
    pub not_before_ms: Option<f64>,
    /// Where the outage's one comparison of a probe with and without cookies stands.
    pub cookie_comparison: CookieComparison,
}

/// The cookie comparison, once per outage: after a credentialed probe fails with an HTTP
/// error, the next scheduled probe goes without credentials; if that one is healthy, a
/// credentialed probe follows at once and its failure puts the blame on the cookies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookieComparison {
    /// Not made in this outage (no credentialed probe has failed with an HTTP error yet).
    NotMade,
    /// The next scheduled probe goes without credentials.
    Planned,
    /// The probe without credentials went out (and, if it was healthy, the credentialed
    /// one after it was answered): done for this outage.
    Made,
    /// The probe without credentials was healthy; the credentialed one in flight decides.
    HealthyWithoutCookies,
}

impl CookieComparison {
    /// The snapshot's three flags (`cookieChecked`, `compareNext`, `credlessHealthy`).
    fn flags(self) -> (bool, bool, bool) {
        match self {
            CookieComparison::NotMade => (false, false, false),
            CookieComparison::Planned => (false, true, false),
            CookieComparison::Made => (true, false, false),
            CookieComparison::HealthyWithoutCookies => (true, false, true),
        }
    }

    fn from_flags(cookie_checked: bool, compare_next: bool, credless_healthy: bool) -> CookieComparison {
        match (cookie_checked, compare_next, credless_healthy) {
            (_, _, true) => CookieComparison::HealthyWithoutCookies,
            (false, true, _) => CookieComparison::Planned,
            (true, _, _) => CookieComparison::Made,
            (false, false, false) => CookieComparison::NotMade,
        }
    }
}

/// [`OriginState`] as snapshots store it: the cookie comparison as three flags.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawOriginState {
    attempts: u32,
    started_ms: f64,
    next_ms: Option<f64>,
    retry_after_wait: bool,
    in_flight: Option<InFlight>,
    cookie_checked: bool,
    #[serde(default)]
    not_before_ms: Option<f64>,
    #[serde(default)]
    compare_next: bool,
    #[serde(default)]
    credless_healthy: bool,
}

impl From<RawOriginState> for OriginState {
    fn from(r: RawOriginState) -> OriginState {
        OriginState {
            attempts: r.attempts,
            started_ms: r.started_ms,
            next_ms: r.next_ms,
            retry_after_wait: r.retry_after_wait,
            in_flight: r.in_flight,
            not_before_ms: r.not_before_ms,
            cookie_comparison: CookieComparison::from_flags(r.cookie_checked, r.compare_next, r.credless_healthy),
        }
    }
}

impl From<OriginState> for RawOriginState {
    fn from(o: OriginState) -> RawOriginState {
        let (cookie_checked, compare_next, credless_healthy) = o.cookie_comparison.flags();
        RawOriginState {
            attempts: o.attempts,
            started_ms: o.started_ms,
            next_ms: o.next_ms,
            retry_after_wait: o.retry_after_wait,
            in_flight: o.in_flight,
            cookie_checked,
            not_before_ms: o.not_before_ms,
            compare_next,
            credless_healthy,
        }
    }
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
            not_before_ms: None,
            cookie_comparison: CookieComparison::NotMade,
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

/// A probe's `Retry-After` header, in seconds (the detector parses both RFC 9110 forms).
pub(super) fn probe_retry_after(value: Option<&str>, now_ms: f64) -> Option<f64> {
    value.and_then(|v| detect::parse_retry_after(v, now_ms))
}

impl Engine {
    /// Plan the origin's next probe: the backoff step for its attempts (`fresh` replaces a
    /// pending time, otherwise it is kept), never before a server's `Retry-After`. A
    /// `Retry-After` reaching past the time limit gives up at once (the advice says when).
    pub(super) fn plan_next(&mut self, origin_key: &str, retry_after_s: Option<f64>, fresh: bool, now: f64) {
        let schedule = self.schedule();
        let max_total = self.settings.max_total_ms;
        let Some(o) = self.origins.get_mut(origin_key) else { return };
        if let Some(s) = retry_after_s {
            let until = now + schedule.retry_after(s);
            o.not_before_ms = Some(o.not_before_ms.map_or(until, |n| n.max(until)));
        }
        if o.in_flight.is_none() {
            if fresh || o.next_ms.is_none() {
                o.next_ms = Some(now + schedule.delay(o.attempts, &mut self.rng));
            }
            if let (Some(next), Some(nb)) = (o.next_ms, o.not_before_ms) {
                if nb > next {
                    o.next_ms = Some(nb);
                }
            }
            o.retry_after_wait = o.not_before_ms.is_some_and(|nb| o.next_ms == Some(nb) && nb > now);
        }
        let gives_up = retry_after_s.is_some() && o.not_before_ms.is_some_and(|nb| nb > o.started_ms + max_total);
        let tabs: Vec<TabId> = self.tabs.values().filter(|t| t.origin == origin_key).map(|t| t.tab_id).collect();
        for tab_id in &tabs {
            if let (Some(t), Some(s)) = (self.tabs.get_mut(tab_id), retry_after_s) {
                t.longest_retry_after_s = Some(t.longest_retry_after_s.map_or(s, |l| l.max(s)));
            }
        }
        if gives_up {
            for tab_id in tabs {
                if self.tabs.get(&tab_id).is_some_and(|t| t.phase == Phase::Waiting) {
                    self.give_up(tab_id, now);
                }
            }
        }
    }

    /// Send a probe for the origin if none is in flight and some tab still needs it. A tab
    /// whose failure was seen in its text is probed first, with a `GET` whose body is read.
    pub(super) fn send_probe(&mut self, origin_key: &str, method: ProbeMethod, credentials: bool, now: f64, out: &mut Vec<Action>) {
        let target = self
            .tabs
            .values()
            .filter(|t| t.origin == origin_key && matches!(t.phase, Phase::Waiting | Phase::Watching { .. }))
            .min_by_key(|t| (!matches!(t.phase, Phase::Waiting), !t.by_text, t.tab_id))
            .map(|t| (t.url.clone(), t.by_text));
        let (target, read_body) = match target {
            Some((url, by_text)) => (Some(url), by_text),
            None => (None, false),
        };
        let method = if read_body { ProbeMethod::Get } else { method };
        let timeout = self.settings.probe_timeout_ms;
        let Some(origin) = self.origins.get_mut(origin_key) else { return };
        let Some(url) = target else {
            origin.next_ms = None;
            return;
        };
        if origin.in_flight.is_some() {
            return;
        }
        let probe_id = self.next_probe_id;
        self.next_probe_id += 1;
        origin.next_ms = None;
        origin.in_flight = Some(InFlight { probe_id, url: url.clone(), method, credentials, deadline_ms: now + timeout, read_body });
        out.push(Action::Probe { probe_id, url, method, credentials, timeout_ms: timeout, read_body });
    }

    pub(super) fn probe_completed(&mut self, probe_id: u64, answer: ProbeAnswer, now: f64, out: &mut Vec<Action>) {
        let ProbeAnswer { status, error, retry_after_s, html } = answer;
        let Some(origin_key) = self.origins.iter().find(|(_, o)| o.in_flight.as_ref().is_some_and(|p| p.probe_id == probe_id)).map(|(k, _)| k.clone()) else {
            return; // late, duplicate or unknown
        };
        let Some(probe) = self.origins.get_mut(&origin_key).and_then(|o| o.in_flight.take()) else { return };
        if retry_with_get(probe.method, status) {
            self.send_probe(&origin_key, ProbeMethod::Get, probe.credentials, now, out);
            return;
        }
        // A status that proves nothing alone is judged with the body.
        let error_page = probe.read_body && is_healthy(status) && !body_is_well(status, html.as_deref(), now);
        let healthy = is_healthy(status) && !error_page;
        let waiting: Vec<TabId> = self.tabs.values().filter(|t| t.origin == origin_key && t.phase == Phase::Waiting).map(|t| t.tab_id).collect();
        if !probe.credentials && healthy {
            // Healthy without cookies: ask again with them at once; that answer decides.
            if let Some(o) = self.origins.get_mut(&origin_key) {
                o.cookie_comparison = CookieComparison::HealthyWithoutCookies;
            }
            self.send_probe(&origin_key, ProbeMethod::Head, true, now, out);
            return;
        }
        let credless_healthy = self.origins.get_mut(&origin_key).is_some_and(|o| {
            let decides = o.cookie_comparison == CookieComparison::HealthyWithoutCookies;
            if decides {
                o.cookie_comparison = CookieComparison::Made;
            }
            decides
        });
        if healthy {
            for tab_id in waiting {
                self.advance(tab_id, now, out);
            }
            let watchers: Vec<TabId> =
                self.tabs.values().filter(|t| t.origin == origin_key && matches!(t.phase, Phase::Watching { .. })).map(|t| t.tab_id).collect();
            for tab_id in watchers {
                if let Some(t) = self.tabs.remove(&tab_id) {
                    if self.settings.notifications {
                        out.push(NotifyKind::Back.notification(tab_id, t.host));
                    }
                    out.push(Action::ClearBadge { tab_id });
                }
            }
            if let Some(o) = self.origins.get_mut(&origin_key) {
                o.next_ms = None;
                o.retry_after_wait = false;
                o.not_before_ms = None;
            }
            return;
        }
        for &tab_id in &waiting {
            if let Some(t) = self.tabs.get_mut(&tab_id) {
                // A 200 whose body is still an error page says nothing new about the status.
                if !(status.is_some() && error_page) {
                    t.saw_probe_failure(status, &error.clone().unwrap_or(ErrorName::Core(CoreError::NoAnswer)));
                }
            }
        }
        if credless_healthy {
            // Fails with cookies, works without: the cookies are the likely culprit.
            for &tab_id in &waiting {
                if let Some(t) = self.tabs.get_mut(&tab_id) {
                    t.cookies_suspected = true;
                }
                if self.tabs.get(&tab_id).is_some_and(|t| self.clears_automatically(&t.host)) {
                    self.clear_cookies(tab_id, false, now, out);
                }
            }
        } else if probe.credentials && status.is_some_and(|s| s >= 400) && !waiting.is_empty() {
            if let Some(o) = self.origins.get_mut(&origin_key).filter(|o| o.cookie_comparison == CookieComparison::NotMade) {
                o.cookie_comparison = CookieComparison::Planned;
            }
        }
        self.probe_failed(&origin_key, retry_after_s, now);
    }

    /// The origin is still failing: count the attempt, give up or plan the next probe.
    pub(super) fn probe_failed(&mut self, origin_key: &str, retry_after_s: Option<f64>, now: f64) {
        let Some(origin) = self.origins.get_mut(origin_key) else { return };
        origin.attempts += 1;
        origin.next_ms = None;
        self.check_limits(origin_key, now);
        let active = self.tabs.values().any(|t| t.origin == origin_key && t.phase == Phase::Waiting);
        let watching = self.tabs.values().any(|t| t.origin == origin_key && matches!(t.phase, Phase::Watching { .. }));
        if active {
            self.plan_next(origin_key, retry_after_s, true, now);
        } else if watching {
            let interval = self.settings.watch_interval_ms;
            if let Some(o) = self.origins.get_mut(origin_key) {
                o.next_ms = Some(now + interval);
                o.retry_after_wait = false;
            }
        }
    }

    /// While offline with tabs waiting: the next slow connectivity check, on a fixed grid
    /// from when the connection went, so that it stays put between batches.
    pub(super) fn offline_check_ms(&self) -> Option<f64> {
        if self.online || !self.tabs.values().any(|t| t.phase == Phase::Waiting) {
            return None;
        }
        let since = self.offline_since_ms.unwrap_or(self.now_ms);
        let periods = ((self.now_ms - since).max(0.0) / OFFLINE_CHECK_MS).floor() + 1.0;
        Some(since + periods * OFFLINE_CHECK_MS)
    }

    pub(super) fn connectivity(&mut self, online: bool, now: f64, out: &mut Vec<Action>) {
        if online == self.online {
            return;
        }
        self.online = online;
        if !online {
            self.offline_since_ms = Some(now);
            return;
        }
        let away = self.offline_since_ms.take().map_or(0.0, |t| (now - t).max(0.0));
        let keys: Vec<String> = self.origins.keys().cloned().collect();
        for key in keys {
            if let Some(o) = self.origins.get_mut(&key) {
                o.started_ms += away;
            }
            if self.tabs.values().any(|t| t.origin == key && t.phase == Phase::Waiting) {
                self.send_probe(&key, ProbeMethod::Head, true, now, out);
            }
        }
    }

    /// Probes that were not answered by their deadline count as failed.
    pub(super) fn expire_probes(&mut self, now: f64, out: &mut Vec<Action>) {
        let timed_out: Vec<u64> = self.origins.values().filter_map(|o| o.in_flight.as_ref().filter(|p| p.deadline_ms <= now).map(|p| p.probe_id)).collect();
        for probe_id in timed_out {
            self.probe_completed(probe_id, ProbeAnswer::failed(ErrorName::Core(CoreError::ProbeTimedOut)), now, out);
        }
    }

    /// Send the probes that are due.
    pub(super) fn send_due_probes(&mut self, now: f64, out: &mut Vec<Action>) {
        let paused = self.paused_origins();
        let due: Vec<String> = self
            .origins
            .iter()
            .filter(|(k, o)| o.in_flight.is_none() && o.next_ms.is_some_and(|t| t <= now) && !paused.contains(k))
            .map(|(k, _)| k.clone())
            .collect();
        for origin_key in due {
            // After a failed credentialed probe, the next one goes without credentials (once
            // per outage): it costs no extra request unless the site answers it healthily.
            let compare = self.origins.get_mut(&origin_key).is_some_and(|o| {
                let planned = o.cookie_comparison == CookieComparison::Planned;
                if planned {
                    o.cookie_comparison = CookieComparison::Made;
                }
                planned
            });
            self.send_probe(&origin_key, ProbeMethod::Head, !compare, now, out);
        }
    }
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

    #[test]
    fn the_cookie_comparison_is_stored_as_the_old_three_flags() {
        use CookieComparison::*;
        for c in [NotMade, Planned, Made, HealthyWithoutCookies] {
            let (checked, next, healthy) = c.flags();
            assert_eq!(CookieComparison::from_flags(checked, next, healthy), c);
        }
        assert_eq!(Made.flags(), (true, false, false));
        assert_eq!(Planned.flags(), (false, true, false));
    }
}
