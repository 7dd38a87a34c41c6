//! Navigation: how a tab enters and leaves recovery.
//!
//! A top-level navigation that fails in a retryable way (a listed status, a retryable network
//! error, or an error page recognised from its text) starts recovering its tab; the same page
//! failing again escalates or re-plans; a good answer ends recovery as recovered (with an
//! incident); going elsewhere, a non-retryable error status or the user's stop ends it
//! silently. With text detection on, a reloaded page that loads well is recovered only once
//! its text is well too ([`Phase::Verifying`]): an error page can come with a 200, whatever
//! the first failure's status was. The shell is asked to look into the page (`InspectTab`);
//! its report, or the end of the look without one, decides. The last navigation of each tab is
//! remembered (bounded) for the page-text event and for per-site commands on healthy tabs;
//! page text from a tab whose navigation was not watched (loaded before the background
//! listened) starts an *unwatched* recovery: status and method unknown, so a probe confirms
//! the failure first and the page comes back by a fresh GET navigation, never a reload.

use super::diagnosis::Evidence;
use super::incident::{Fix, FixedBy, Outcome};
use super::recovery::{self, ErrorName, Phase, Step, TabRecovery};
use super::{url, Action, Engine, NotifyKind, OriginState, TabId};
use crate::detect::{self, Class, PageInput, Verdict};
use serde::{Deserialize, Serialize};

/// How many tabs' last navigation (URL, method, status) is remembered.
const MAX_LAST_NAV: usize = 64;

/// How long a reloaded page has to report its text, or the shell to say that its look into the
/// page ended without a report (`InspectionEnded`), before it counts as recovered.
pub(super) const VERIFY_MS: f64 = 8_000.0;

/// The last completed top-level navigation of a tab, for `PageTextSeen`/`PageHtmlSeen` and per-site commands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct LastNav {
    pub(super) url: String,
    pub(super) method: String,
    pub(super) status: Option<u16>,
    seq: u64,
}

/// A failed navigation as the engine sees it.
pub(super) struct Failure {
    pub(super) status: Option<u16>,
    pub(super) error: Option<ErrorName>,
    pub(super) verdict: Option<Verdict>,
    pub(super) retry_after_s: Option<f64>,
    /// The response headers the shell sent (empty without a response).
    pub(super) headers: Vec<(String, String)>,
    /// Seen in the page's text, not in its status.
    pub(super) by_text: bool,
    /// The failing load itself was not watched: its status and method are unknown.
    pub(super) unwatched: bool,
}

impl Failure {
    /// A failure seen in a navigation's status or network error.
    pub(super) fn of_load(status: Option<u16>, error: Option<ErrorName>, verdict: Option<Verdict>, retry_after_s: Option<f64>) -> Failure {
        Failure { status, error, verdict, retry_after_s, headers: Vec::new(), by_text: false, unwatched: false }
    }
}

pub(super) fn same_page(a: &str, b: &str) -> bool {
    url::without_fragment(a) == url::without_fragment(b)
}

fn note_failure(t: &mut TabRecovery, f: &Failure) {
    if let Some(s) = f.status {
        t.saw_status(s);
    }
    if let Some(e) = &f.error {
        t.last_error = Some(e.clone());
    }
    if let Some(v) = &f.verdict {
        if v.vendor.is_some() {
            t.vendor = v.vendor.clone();
        }
        if !v.summary.is_empty() {
            t.summary = v.summary.clone();
        }
        if !v.reasons.is_empty() {
            t.reasons = v.reasons.clone();
        }
    } else if let Some(e) = &f.error {
        t.summary = e.as_str().to_string();
    }
    t.evidence = match (&f.status, &f.error) {
        (None, Some(e)) => Some(Evidence::unanswered(e.clone())),
        _ => Some(Evidence::answered(f.status, &f.headers, t.vendor.clone())),
    };
}

impl Engine {
    pub(super) fn remember_nav(&mut self, tab_id: TabId, url: &str, method: &str, status: Option<u16>) {
        self.nav_seq += 1;
        self.last_nav.insert(tab_id, LastNav { url: url.into(), method: method.into(), status, seq: self.nav_seq });
        while self.last_nav.len() > MAX_LAST_NAV {
            let oldest = self.last_nav.iter().min_by_key(|(_, n)| n.seq).map(|(t, _)| *t);
            match oldest {
                Some(t) => self.last_nav.remove(&t),
                None => break,
            };
        }
    }

    /// A navigation of `tab_id` to `url` ended: failed in a retryable way (`failure`) or not.
    /// `Err(status)` is a non-retryable answer: a success ends recovery as recovered, an
    /// error status (404, a challenge...) ends it without calling it recovered.
    pub(super) fn navigation_outcome(&mut self, tab_id: TabId, url: &str, method: &str, outcome: Result<Failure, u16>, now: f64, out: &mut Vec<Action>) {
        if let Some(t) = self.tabs.get_mut(&tab_id) {
            if same_page(&t.url, url) {
                if !outcome.as_ref().is_ok_and(|f| f.unwatched) && recovery::is_resendable(method) {
                    // A load of this page was watched now: its method is known from here on.
                    t.unwatched = false;
                }
                let verify = self.settings.text_detection && t.phase.is_active();
                // A load that ends well while the recovery still waits (nothing reloaded yet) is
                // the very load whose text started it, reported after the text (Firefox can
                // deliver the page's report first, and probes may have answered meanwhile), or
                // a load by the user: its 200 says nothing about the page's text, and the next
                // probe (which reads the body) tells whether the site is well.
                let own_load = t.by_text && t.phase == Phase::Waiting;
                // The user's own submission to this page (a POST, not our `Resubmit`), answered:
                // the tab shows their answer now, and reloading it would send it again.
                let users_submission = !recovery::is_resendable(method) && t.pending_fix != Some(Fix::Resubmit);
                match outcome {
                    Ok(f) => self.failed_again(tab_id, method, f, now),
                    Err(status) if status >= 400 => self.stop(tab_id, out),
                    Err(_) if users_submission => self.stop(tab_id, out),
                    Err(status) if own_load => t.saw_status(status),
                    Err(_) if verify => {
                        if let Some(t) = self.tabs.get_mut(&tab_id) {
                            t.phase = Phase::Verifying { deadline_ms: now + VERIFY_MS };
                            out.push(Action::InspectTab { tab_id, url: t.url.clone() });
                        }
                    }
                    Err(_) => self.page_loaded(tab_id, now, out),
                }
                return;
            }
            self.stop(tab_id, out);
        }
        if let Ok(f) = outcome {
            self.begin(tab_id, url, method, f, now);
        }
    }

    pub(super) fn page_text(&mut self, tab_id: TabId, url: &str, page: &detect::PageText, now: f64, out: &mut Vec<Action>) {
        let (title, text, structure) = (page.title.as_str(), page.text.as_str(), page.structure.as_ref());
        if !self.settings.text_detection {
            return;
        }
        if let Some(t) = self.tabs.get_mut(&tab_id).filter(|t| same_page(&t.url, url)) {
            // Already recovering: the page's text names who made it, for the diagnosis, and
            // for the popup when the headers named nobody (HAProxy sends no `Server`).
            if let Some(ev) = t.evidence.as_mut().filter(|ev| ev.status.is_some()) {
                let verdict = detect::classify(&PageInput { status: ev.status, headers: &ev.headers, title, text, now_ms: now, structure });
                if verdict.vendor.is_some() {
                    if t.vendor.is_none() && verdict.class == Class::ServerError {
                        t.vendor.clone_from(&verdict.vendor);
                        t.summary.clone_from(&verdict.summary);
                    }
                    ev.vendor = verdict.vendor;
                }
            }
        }
        if let Some(t) = self.tabs.get(&tab_id).filter(|t| same_page(&t.url, url)) {
            if matches!(t.phase, Phase::Verifying { .. }) {
                // The reloaded page's text decides: still an error page is a failed attempt.
                let status = self.last_nav.get(&tab_id).filter(|n| same_page(&n.url, url)).and_then(|n| n.status);
                let verdict = detect::classify(&PageInput { status, headers: &[], title, text, now_ms: now, structure });
                if verdict.class == Class::ServerError {
                    let method = t.method.clone();
                    let retry_after_s = verdict.retry_after_s;
                    let f = Failure { by_text: true, ..Failure::of_load(status, None, Some(verdict), retry_after_s) };
                    self.failed_again(tab_id, &method, f, now);
                } else {
                    self.page_loaded(tab_id, now, out);
                }
            }
            return;
        }
        // A page whose own navigation we saw has a known status and method. Any other was
        // loaded before we listened: we cannot know it was a GET (reloading the answer to a
        // POST would resend it), so it is recovered as unwatched.
        let last = self.last_nav.get(&tab_id).filter(|n| same_page(&n.url, url));
        let unwatched = last.is_none();
        let status = last.and_then(|n| n.status);
        let method = last.map_or_else(|| "GET".to_string(), |n| n.method.clone());
        let verdict = detect::classify(&PageInput { status, headers: &[], title, text, now_ms: now, structure });
        if verdict.class != Class::ServerError || status.is_some_and(|s| s >= 400) {
            return;
        }
        let retry_after_s = verdict.retry_after_s;
        let failure = Failure { by_text: true, unwatched, ..Failure::of_load(status, None, Some(verdict), retry_after_s) };
        self.navigation_outcome(tab_id, url, &method, Ok(failure), now, out);
    }

    /// The shell's look into `tab_id` ended; a page being verified that sent no report (it
    /// would have come first) is well.
    pub(super) fn inspection_ended(&mut self, tab_id: TabId, now: f64, out: &mut Vec<Action>) {
        if self.tabs.get(&tab_id).is_some_and(|t| matches!(t.phase, Phase::Verifying { .. })) {
            self.page_loaded(tab_id, now, out);
        }
    }

    /// Start recovering `tab_id`.
    pub(super) fn begin(&mut self, tab_id: TabId, url: &str, method: &str, f: Failure, now: f64) {
        let Some(parsed) = url::parse(url) else { return };
        if !self.site_enabled(&parsed.host) {
            return;
        }
        let origin_key = parsed.origin();
        let resendable = recovery::is_resendable(method);
        let mut tab = TabRecovery {
            tab_id,
            url: url.to_string(),
            host: parsed.host,
            origin: origin_key.clone(),
            method: method.trim().to_ascii_uppercase(),
            phase: if resendable { Phase::Waiting } else { Phase::FailedPost },
            step: Step::Reload,
            started_ms: now,
            attempts: 0,
            last_status: None,
            last_error: None,
            vendor: None,
            summary: String::new(),
            reasons: vec![],
            statuses: vec![],
            tried: vec![],
            cookies_suspected: false,
            cookies_cleared: false,
            pending_fix: None,
            retry_after_waited: false,
            longest_retry_after_s: None,
            gave_up_ms: None,
            watch_ended_after_ms: None,
            incident_recorded: false,
            by_text: f.by_text,
            unwatched: f.unwatched,
            badge: None,
            evidence: None,
        };
        note_failure(&mut tab, &f);
        if !resendable {
            self.tabs.insert(tab_id, tab);
            return;
        }
        let has_active = self.tabs.values().any(|t| t.origin == origin_key && t.phase.is_active());
        let origin = self.origins.get_or_insert_with(origin_key.clone(), || OriginState::new(now));
        if !has_active {
            // Nobody was recovering here (perhaps only watching): a fresh outage.
            *origin = OriginState { in_flight: origin.in_flight.take(), ..OriginState::new(now) };
        }
        tab.attempts = origin.attempts;
        tab.cookies_suspected = self.tabs.values().any(|t| t.origin == origin_key && t.cookies_suspected);
        self.tabs.insert(tab_id, tab);
        self.plan_next(&origin_key, f.retry_after_s, !has_active, now);
        if f.unwatched && !has_active {
            // Status unknown (the page may be long stale): one probe confirms before anything.
            if let Some(o) = self.origins.get_mut(&origin_key).filter(|o| o.in_flight.is_none() && o.not_before_ms.is_none()) {
                o.next_ms = Some(now);
            }
        }
    }

    /// The recovered URL failed again.
    pub(super) fn failed_again(&mut self, tab_id: TabId, method: &str, f: Failure, now: f64) {
        let Some(t) = self.tabs.get_mut(&tab_id) else { return };
        if t.statuses.is_empty() && f.status.is_some_and(|s| s >= 400) {
            // Begun from the page's text before its status was known (the report can come
            // first): the status tells from now on, a cheap probe can judge it.
            t.by_text = false;
        }
        note_failure(t, &f);
        t.by_text |= f.by_text;
        if !recovery::is_resendable(method) {
            // Whatever we were doing, a reload would now resend this request.
            t.method = method.trim().to_ascii_uppercase();
            t.phase = Phase::FailedPost;
            t.pending_fix = None;
            return;
        }
        let origin_key = t.origin.clone();
        match t.phase {
            Phase::Reloading { .. } | Phase::Verifying { .. } => {
                t.step = t.step.escalate();
                t.phase = Phase::Waiting;
                t.pending_fix = None;
                let origin = self.origins.get_or_insert_with(origin_key.clone(), || OriginState::new(now));
                origin.attempts += 1;
                if !self.check_limits(&origin_key, now) {
                    self.plan_next(&origin_key, f.retry_after_s, false, now);
                }
            }
            Phase::FailedPost => {
                let url = t.url.clone();
                self.tabs.remove(&tab_id);
                self.begin(tab_id, &url, method, f, now);
            }
            Phase::Waiting if f.retry_after_s.is_some() => self.plan_next(&origin_key, f.retry_after_s, false, now),
            _ => {}
        }
    }

    /// The recovered URL loaded without a retryable error: done.
    pub(super) fn page_loaded(&mut self, tab_id: TabId, now: f64, out: &mut Vec<Action>) {
        let Some(t) = self.tabs.remove(&tab_id) else { return };
        if !t.incident_recorded {
            let fixed_by = match (t.pending_fix, t.retry_after_waited) {
                (Some(Fix::Reload), true) => FixedBy::RetryAfterWait,
                (Some(f), _) => f.into(),
                (None, _) => FixedBy::PageLoaded,
            };
            self.incidents.record(t.incident(Outcome::Recovered, Some(fixed_by), now));
            if self.settings.notifications {
                out.push(NotifyKind::Recovered.notification(tab_id, t.host));
            }
        }
        out.push(Action::ClearBadge { tab_id });
    }

    /// End recovery of a tab without recording anything.
    pub(super) fn stop(&mut self, tab_id: TabId, out: &mut Vec<Action>) {
        if self.tabs.remove(&tab_id).is_some() {
            out.push(Action::ClearBadge { tab_id });
        }
    }
}
