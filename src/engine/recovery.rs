//! Per-tab recovery state: where a failing tab stands, what to try next, and the advice
//! given when there is nothing left to try.
//!
//! A tab enters recovery when its top-level navigation fails in a retryable way and leaves
//! it when the page loads, the user navigates elsewhere, stops it, closes the tab or
//! disables the site. In between it is in one [`Phase`]; the escalation [`Step`] says what
//! the next healthy probe of its origin leads to (reload → reload bypassing the cache →
//! clear cookies → give up). A non-idempotent request (POST...) is never resent without
//! the user: it parks in [`Phase::FailedPost`]. This module holds the data and the pure
//! decisions about one tab; `navigation`, `escalation` and `commands` drive the transitions.

use serde::{Deserialize, Serialize};

use super::badge::Badge;
use super::diagnosis::Evidence;
use super::events::TabId;
use super::incident::{Fix, FixedBy, Incident, Outcome};
use crate::settings::CookieClearing;

/// Where a tab in recovery stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "camelCase", rename_all_fields = "camelCase")]
#[serde(try_from = "RawPhase")]
pub enum Phase {
    /// Waiting for its origin's next probe (or for the probe in flight).
    Waiting,
    /// A `ReloadTab` was issued; waiting for the navigation's outcome until `deadline_ms`.
    Reloading { deadline_ms: f64 },
    /// The reloaded page answered with a good status, but the failure was seen in its text:
    /// waiting until `deadline_ms` for the page's text to say whether it is well. Error text
    /// counts as a failed attempt; good text, or none by the deadline, as recovered.
    Verifying { deadline_ms: f64 },
    /// A `ClearCookies` was issued; waiting for `CookiesCleared` until `deadline_ms`.
    /// `retried`: it was issued a second time, the first having gone unanswered.
    ClearingCookies { deadline_ms: f64, retried: bool },
    /// A non-idempotent request failed: only the user's `Resubmit` resends it.
    FailedPost,
    /// Recovery gave up; the advice stays visible until the tab navigates or closes.
    GaveUp,
    /// After giving up, the user asked to be told when the site is back.
    Watching { until_ms: f64 },
}

/// Which [`Phase`] (read flat, without serde's buffering of internally tagged enums: see
/// `engine::events`).
#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "camelCase")]
enum PhaseName {
    Waiting,
    Reloading,
    Verifying,
    ClearingCookies,
    FailedPost,
    GaveUp,
    Watching,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPhase {
    phase: PhaseName,
    deadline_ms: Option<f64>,
    until_ms: Option<f64>,
    /// Absent in snapshots from before it existed.
    retried: Option<bool>,
}

impl TryFrom<RawPhase> for Phase {
    type Error = &'static str;

    fn try_from(raw: RawPhase) -> Result<Phase, &'static str> {
        let deadline_ms = raw.deadline_ms.ok_or("missing field `deadlineMs`");
        Ok(match raw.phase {
            PhaseName::Waiting => Phase::Waiting,
            PhaseName::Reloading => Phase::Reloading { deadline_ms: deadline_ms? },
            PhaseName::Verifying => Phase::Verifying { deadline_ms: deadline_ms? },
            PhaseName::ClearingCookies => Phase::ClearingCookies { deadline_ms: deadline_ms?, retried: raw.retried.unwrap_or(false) },
            PhaseName::FailedPost => Phase::FailedPost,
            PhaseName::GaveUp => Phase::GaveUp,
            PhaseName::Watching => Phase::Watching { until_ms: raw.until_ms.ok_or("missing field `untilMs`")? },
        })
    }
}

/// What the next healthy probe leads to, in escalation order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Step {
    Reload,
    HardReload,
    ClearCookies,
    GiveUp,
}

impl Phase {
    /// Whether recovery is under way (not parked, given up or watching).
    pub fn is_active(&self) -> bool {
        matches!(self, Phase::Waiting | Phase::Reloading { .. } | Phase::Verifying { .. } | Phase::ClearingCookies { .. })
    }
}

impl Step {
    /// The step after this one failed to bring the page back.
    pub fn escalate(self) -> Step {
        match self {
            Step::Reload => Step::HardReload,
            Step::HardReload => Step::ClearCookies,
            Step::ClearCookies | Step::GiveUp => Step::GiveUp,
        }
    }
}

/// One tab's recovery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TabRecovery {
    pub tab_id: TabId,
    /// The URL being recovered (without fragment comparisons in mind: see `url::without_fragment`).
    pub url: String,
    pub host: String,
    pub origin: String,
    /// The method of the failed navigation, upper-cased.
    pub method: String,
    pub phase: Phase,
    pub step: Step,
    pub started_ms: f64,
    /// Failed attempts of this tab's origin, as last seen.
    pub attempts: u32,
    pub last_status: Option<u16>,
    pub last_error: Option<ErrorName>,
    pub vendor: Option<String>,
    pub summary: String,
    pub reasons: Vec<String>,
    /// Distinct statuses seen, in order (bounded).
    pub statuses: Vec<u16>,
    /// Things tried, in order, without repeats.
    pub tried: Vec<Fix>,
    pub cookies_suspected: bool,
    pub cookies_cleared: bool,
    /// What the pending reload is.
    pub pending_fix: Option<Fix>,
    /// The wait before the pending reload was a server's `Retry-After`.
    pub retry_after_waited: bool,
    /// Longest `Retry-After` the server asked for, seconds.
    pub longest_retry_after_s: Option<f64>,
    /// When this recovery gave up; the advice is worked out from it and what was observed,
    /// when asked (so the core only ever writes advice, never reads it back).
    #[serde(default)]
    pub gave_up_ms: Option<f64>,
    /// Watching after giving up ended after this long without the site coming back.
    #[serde(default)]
    pub watch_ended_after_ms: Option<f64>,
    /// An incident was already recorded for this recovery (at give-up).
    pub incident_recorded: bool,
    /// The failure was seen in the page's text (the status alone said nothing): a probe must
    /// read the body, and a reload is judged by the reloaded page's text too.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub by_text: bool,
    /// The failing load was not watched (found by inspecting an open tab): its status and
    /// method are unknown, so it comes back by a fresh GET navigation, never a reload, until
    /// a navigation of the tab has been watched.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unwatched: bool,
    /// The badge last shown, so that only changes are sent.
    pub badge: Option<Badge>,
    /// The latest failure as evidence of which hop failed (absent in older snapshots).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

const MAX_STATUSES: usize = 16;
const MAX_TRIED: usize = 16;

impl TabRecovery {
    /// The history entry for this recovery, ending `now` with `outcome`.
    pub fn incident(&self, outcome: Outcome, fixed_by: Option<FixedBy>, now: f64) -> Incident {
        Incident {
            site: self.host.clone(),
            url: self.url.clone(),
            started_ms: self.started_ms,
            ended_ms: now,
            attempts: self.attempts,
            statuses: self.statuses.clone(),
            outcome,
            fixed_by,
            cookies_cleared: self.cookies_cleared,
            tried: self.tried.clone(),
        }
    }

    /// Note a status seen for this tab's URL.
    pub fn saw_status(&mut self, status: u16) {
        self.last_status = Some(status);
        if !self.statuses.contains(&status) && self.statuses.len() < MAX_STATUSES {
            self.statuses.push(status);
        }
    }

    /// Note what a failed probe saw: a status from the site, or no answer. The headers of
    /// the failing page stay (they name who answers and identify the request).
    pub fn saw_probe_failure(&mut self, status: Option<u16>, error: &ErrorName) {
        match status {
            Some(s) => self.saw_status(s),
            None => self.last_error = Some(error.clone()),
        }
        let ev = self.evidence.get_or_insert_with(Evidence::default);
        ev.status = status;
        ev.error = if status.is_some() { None } else { Some(error.clone()) };
    }

    /// Note something tried.
    pub fn tried(&mut self, what: Fix) {
        if !self.tried.contains(&what) && self.tried.len() < MAX_TRIED {
            self.tried.push(what);
        }
    }

    /// Take back a note of something that did not happen after all.
    pub fn untry(&mut self, what: Fix) {
        self.tried.retain(|t| *t != what);
    }

    /// Whether reloading the tab is ours to do: not when what it shows is the answer to a
    /// non-idempotent request (a failed POST, or a resubmission the user asked for), which a
    /// reload would send again. Only the user's `Resubmit` does that.
    pub fn may_reload(&self) -> bool {
        self.phase != Phase::FailedPost && is_resendable(&self.method)
    }

    /// Whether the tab still depends on its origin's probes.
    pub fn needs_origin(&self) -> bool {
        matches!(self.phase, Phase::Waiting | Phase::Reloading { .. } | Phase::Verifying { .. } | Phase::ClearingCookies { .. } | Phase::Watching { .. })
    }

    /// Gave up (again) now: the advice speaks of this moment.
    pub fn gave_up(&mut self, now_ms: f64) {
        self.gave_up_ms = Some(now_ms);
        self.watch_ended_after_ms = None;
    }

    /// Trying again: no advice until the next give-up.
    pub fn forget_advice(&mut self) {
        self.gave_up_ms = None;
        self.watch_ended_after_ms = None;
    }

    /// The advice shown after giving up (or after watching ended), from what was observed;
    /// empty at any other time.
    pub fn advice(&self, policy: CookieClearing) -> Vec<Advice> {
        if !matches!(self.phase, Phase::GaveUp | Phase::Watching { .. }) {
            return Vec::new();
        }
        if let Some(watched_ms) = self.watch_ended_after_ms {
            return vec![Advice::WatchEnded([watched_ms])];
        }
        let Some(gave_up_ms) = self.gave_up_ms else { return Vec::new() };
        let took_ms = (gave_up_ms - self.started_ms).max(0.0);
        let mut advice = vec![if self.step > Step::Reload {
            Advice::PageKeptFailing(self.tried.clone(), took_ms)
        } else if self.by_text {
            Advice::ErrorPageKept([took_ms])
        } else if !self.statuses.is_empty() {
            Advice::ServerDown(self.statuses.clone(), took_ms)
        } else {
            Advice::Unreachable(self.last_error.clone(), took_ms)
        }];
        if let Some(s) = self.longest_retry_after_s.filter(|s| *s >= 300.0) {
            advice.push(Advice::RetryAfter([s * 1000.0]));
        }
        if self.cookies_suspected && !self.cookies_cleared {
            advice.push(match policy {
                CookieClearing::Never => Advice::CookiesSuspectedClearingOff(),
                _ => Advice::CookiesSuspected(),
            });
        } else if self.step >= Step::ClearCookies && !self.cookies_cleared && policy != CookieClearing::Never {
            advice.push(Advice::ClearCookiesMayHelp());
        }
        advice.push(Advice::WatchOffer());
        advice
    }
}

/// One sentence of advice after giving up, as a code and its arguments for the UI to word:
/// `{"code": "serverDown", "args": [[502, 504], 90000]}` (camelCase JSON, `args` always an
/// array; durations in ms). The variants' docs give the arguments in order.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "code", content = "args", rename_all = "camelCase")]
pub enum Advice {
    /// The site answers again, but this page kept failing: `[tried, tookMs]`, `tried` as in
    /// [`TabRecovery::tried`] ("reload", "hard reload", ...).
    PageKeptFailing(Vec<Fix>, f64),
    /// The server kept answering these statuses; it is probably down: `[statuses, tookMs]`.
    ServerDown(Vec<u16>, f64),
    /// The site kept serving an error page (recognised by its text, whatever the status):
    /// `[tookMs]`.
    ErrorPageKept([f64; 1]),
    /// The server could not be reached: `[error, tookMs]`, `error` the browser's or the
    /// probe's error name, one of the core's own codes, or null.
    Unreachable(Option<ErrorName>, f64),
    /// The server asked to wait this long before retrying: `[waitMs]`.
    RetryAfter([f64; 1]),
    /// The site answers without cookies: clearing this site's cookies should help: `[]`.
    CookiesSuspected(),
    /// The same, but cookie clearing is turned off in the settings: `[]`.
    CookiesSuspectedClearingOff(),
    /// Clearing this site's cookies, not tried yet, may help: `[]`.
    ClearCookiesMayHelp(),
    /// "Tell me when it's back" keeps checking and notifies: `[]`.
    WatchOffer(),
    /// Watching ended after this long without the site coming back: `[watchedMs]`.
    WatchEnded([f64; 1]),
}

/// Why a page or a probe failed without an HTTP answer: the core's own code, or the name
/// the browser gave (`net::ERR_CONNECTION_REFUSED`, `NS_ERROR_NET_RESET`, `TypeError`...),
/// kept apart so that a browser's word is never taken for the core's. Both are a plain
/// string in JSON; reading one back, a core code's string is the core code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum ErrorName {
    Core(CoreError),
    Browser(String),
}

/// The failures the core itself names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoreError {
    /// A probe was not answered by its deadline.
    ProbeTimedOut,
    /// A reload's navigation did not end by its deadline.
    ReloadTimedOut,
    /// A probe failed without a status or an error name.
    NoAnswer,
}

impl CoreError {
    const ALL: [CoreError; 3] = [CoreError::ProbeTimedOut, CoreError::ReloadTimedOut, CoreError::NoAnswer];

    /// The stable JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            CoreError::ProbeTimedOut => "probe timed out",
            CoreError::ReloadTimedOut => "reload timed out",
            CoreError::NoAnswer => "no answer",
        }
    }
}

impl ErrorName {
    /// The name as shown and stored.
    pub fn as_str(&self) -> &str {
        match self {
            ErrorName::Core(c) => c.as_str(),
            ErrorName::Browser(s) => s,
        }
    }
}

impl From<String> for ErrorName {
    fn from(s: String) -> ErrorName {
        match CoreError::ALL.into_iter().find(|c| c.as_str() == s) {
            Some(c) => ErrorName::Core(c),
            None => ErrorName::Browser(s),
        }
    }
}

impl From<ErrorName> for String {
    fn from(e: ErrorName) -> String {
        match e {
            ErrorName::Core(c) => c.as_str().to_string(),
            ErrorName::Browser(s) => s,
        }
    }
}

/// Whether a request method may be resent without asking (RFC 9110 §9.2.2, the safe subset
/// a browser reload would repeat: GET, HEAD, OPTIONS).
pub fn is_resendable(method: &str) -> bool {
    ["GET", "HEAD", "OPTIONS"].iter().any(|m| m.eq_ignore_ascii_case(method.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escalation_order() {
        assert_eq!(Step::Reload.escalate(), Step::HardReload);
        assert_eq!(Step::HardReload.escalate(), Step::ClearCookies);
        assert_eq!(Step::ClearCookies.escalate(), Step::GiveUp);
        assert_eq!(Step::GiveUp.escalate(), Step::GiveUp);
    }

    #[test]
    fn methods() {
        assert!(is_resendable("GET") && is_resendable("get") && is_resendable("HEAD"));
        assert!(!is_resendable("POST") && !is_resendable("PUT") && !is_resendable("DELETE") && !is_resendable(""));
    }

    #[test]
    fn advice_is_one_code_per_observation() {
        let mut t = TabRecovery {
            tab_id: 1,
            url: "https://a.example/".into(),
            host: "a.example".into(),
            origin: "https://a.example".into(),
            method: "GET".into(),
            phase: Phase::GaveUp,
            step: Step::Reload,
            started_ms: 1_000.0,
            attempts: 3,
            last_status: None,
            last_error: Some(ErrorName::Browser("net::ERR_CONNECTION_REFUSED".into())),
            vendor: None,
            summary: String::new(),
            reasons: vec![],
            statuses: vec![],
            tried: vec![],
            cookies_suspected: true,
            cookies_cleared: false,
            pending_fix: None,
            retry_after_waited: false,
            longest_retry_after_s: Some(600.0),
            gave_up_ms: Some(61_000.0),
            watch_ended_after_ms: None,
            incident_recorded: false,
            by_text: false,
            unwatched: false,
            badge: None,
            evidence: None,
        };
        assert_eq!(
            t.advice(CookieClearing::Never),
            [
                Advice::Unreachable(Some(ErrorName::Browser("net::ERR_CONNECTION_REFUSED".into())), 60_000.0),
                Advice::RetryAfter([600_000.0]),
                Advice::CookiesSuspectedClearingOff(),
                Advice::WatchOffer(),
            ]
        );
        t.last_error = None;
        t.gave_up_ms = Some(1_000.0);
        assert_eq!(t.advice(CookieClearing::Ask)[0], Advice::Unreachable(None, 0.0));
        assert_eq!(t.advice(CookieClearing::Ask)[2], Advice::CookiesSuspected());
        t.watch_ended_after_ms = Some(5.0);
        assert_eq!(t.advice(CookieClearing::Ask), [Advice::WatchEnded([5.0])]);
        t.phase = Phase::Waiting;
        assert!(t.advice(CookieClearing::Ask).is_empty(), "no advice while trying again");
    }
}
