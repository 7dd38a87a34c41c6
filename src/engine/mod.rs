//! The recovery engine: events in (with the time), actions out.
//!
//! [`Engine::handle`] takes one [`Event`] and the current time (epoch ms) and returns the
//! [`Action`]s the shell must carry out, in order; every batch ends with one
//! `ScheduleWakeUp` naming the engine's single earliest deadline. The engine is pure and
//! deterministic: no clock, no I/O, randomness from a seeded generator in its state, so the
//! same seed and events give the same actions, and a [`Snapshot`] restored after the
//! background was killed carries on exactly where it stopped. Deadlines are only acted on
//! when a `WokeUp` arrives; a late one catches up once, a duplicate does nothing.
//!
//! - [`backoff`]: how long to wait; [`probe`]: the per-origin shared schedule;
//!   [`recovery`]: per-tab state and escalation; [`incident`]: history; [`view`]: popup and
//!   badge; [`url`]: the little URL parsing needed; [`sim`]: a simulated outage.

pub mod backoff;
mod events;
pub mod incident;
mod lower;
pub mod probe;
pub mod recovery;
pub mod sim;
pub mod url;
mod vec_map;
pub mod view;

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

pub use events::{Action, Command, Event, NotifyKind, ProbeMethod, TabId};
pub use incident::Incident;
pub use recovery::Advice;
pub use view::TabView;

use crate::detect::{self, Class, PageInput, Verdict};
use crate::settings::{CookieClearing, Settings};
use backoff::{Rng, Schedule};
use incident::IncidentLog;
use probe::{InFlight, OriginState};
use recovery::{Phase, Step, TabRecovery};
use vec_map::VecMap;
use view::{colors, Badge};

/// Version of the [`Snapshot`] format; a snapshot of another version is refused.
pub const SNAPSHOT_VERSION: u32 = 1;
/// How many tabs' last navigation (URL, method, status) is remembered.
const MAX_LAST_NAV: usize = 64;
/// How many per-site choices are remembered.
const MAX_SITES: usize = 1000;

/// The last completed top-level navigation of a tab, for `PageTextSeen` and per-site commands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LastNav {
    url: String,
    method: String,
    status: Option<u16>,
    seq: u64,
}

/// A user's per-site choices.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SitePrefs {
    #[serde(default)]
    disabled: bool,
    /// Cookie clearing remembered for the site ("clear automatically").
    #[serde(default)]
    cookie_clearing: Option<CookieClearing>,
}

/// A failed navigation as the engine sees it.
struct Failure {
    status: Option<u16>,
    error: Option<String>,
    verdict: Option<Verdict>,
    retry_after_s: Option<f64>,
}

/// The whole engine state; serialisable (see also [`Engine::snapshot`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Engine {
    settings: Settings,
    rng: Rng,
    next_probe_id: u64,
    /// The latest time seen; time never runs backwards inside the engine.
    now_ms: f64,
    online: bool,
    /// Whether the browser lets Bounceback clear cookies (an optional permission the user
    /// grants on first use). Snapshots from before it existed read as allowed, as `new` does.
    #[serde(default = "allowed")]
    cookie_access: bool,
    offline_since_ms: Option<f64>,
    tabs: VecMap<TabId, TabRecovery>,
    origins: VecMap<String, OriginState>,
    last_nav: VecMap<TabId, LastNav>,
    nav_seq: u64,
    sites: VecMap<String, SitePrefs>,
    incidents: IncidentLog,
}

/// A versioned, serialisable copy of the engine's state: the same JSON shape whether it is
/// written by `serde_json` (the CLI, the tests) or crosses to JS via serde-wasm-bindgen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot<'a> {
    pub version: u32,
    pub state: Cow<'a, Engine>,
}

/// A probe's `Retry-After` header, in seconds (the detector parses both RFC 9110 forms).
fn probe_retry_after(value: Option<&str>, now_ms: f64) -> Option<f64> {
    value.and_then(|v| detect::parse_retry_after(v, now_ms))
}

fn allowed() -> bool {
    true
}

fn same_page(a: &str, b: &str) -> bool {
    url::without_fragment(a) == url::without_fragment(b)
}

impl Engine {
    /// A fresh engine with these settings (invalid ones are replaced by defaults) and PRNG seed.
    pub fn new(settings: Settings, seed: u64) -> Engine {
        let settings = if settings.validate().is_ok() { settings } else { Settings::default() };
        Engine {
            settings,
            rng: Rng::new(seed),
            next_probe_id: 1,
            now_ms: 0.0,
            online: true,
            cookie_access: true,
            offline_since_ms: None,
            tabs: VecMap::new(),
            origins: VecMap::new(),
            last_nav: VecMap::new(),
            nav_seq: 0,
            sites: VecMap::new(),
            incidents: IncidentLog::default(),
        }
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// A versioned copy of the state, to persist after every batch.
    pub fn snapshot(&self) -> Snapshot<'_> {
        Snapshot { version: SNAPSHOT_VERSION, state: Cow::Borrowed(self) }
    }

    /// Rebuild an engine from a snapshot; an older, newer or corrupt one is an `Err`.
    pub fn restore(snapshot: Snapshot<'_>) -> Result<Engine, String> {
        if snapshot.version != SNAPSHOT_VERSION {
            return Err(format!("snapshot version {} is not {SNAPSHOT_VERSION}", snapshot.version));
        }
        let engine = snapshot.state.into_owned();
        engine.settings.validate().map_err(|e| format!("corrupt snapshot: invalid settings ({} errors)", e.len()))?;
        if !engine.now_ms.is_finite() {
            return Err("corrupt snapshot: bad clock".into());
        }
        Ok(engine)
    }

    /// [`Engine::restore`] from JSON text.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn restore_json(json: &str) -> Result<Engine, String> {
        let snapshot: Snapshot = serde_json::from_str(json).map_err(|e| format!("corrupt snapshot: {e}"))?;
        Engine::restore(snapshot)
    }

    /// Past incidents, oldest first.
    pub fn incidents(&self) -> &[Incident] {
        self.incidents.as_slice()
    }

    /// Forget past incidents.
    pub fn clear_incidents(&mut self) {
        self.incidents.clear();
    }

    /// After the browser itself restarted: tab ids and in-flight work mean nothing any more, so
    /// every recovery, probe and remembered navigation ends here (without actions: the tabs
    /// and their badges are gone). Settings, per-site choices and the incident history stay.
    pub fn forget_tabs(&mut self) {
        self.tabs = VecMap::new();
        self.origins = VecMap::new();
        self.last_nav = VecMap::new();
    }

    /// The parts of the state worth keeping across a browser restart, as a number that
    /// changes whenever they do (incidents recorded or cleared, per-site choices made), so
    /// the shell writes durable storage only then.
    pub fn durable_revision(&self) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut mix = |x: u64| {
            h ^= x;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        };
        let incidents = self.incidents.as_slice();
        mix(incidents.len() as u64);
        for i in incidents {
            mix(i.started_ms.to_bits());
            mix(i.ended_ms.to_bits());
        }
        mix(self.sites.len() as u64);
        for (host, prefs) in self.sites.iter() {
            mix(host.len() as u64);
            for b in host.bytes() {
                mix(u64::from(b));
            }
            mix(u64::from(prefs.disabled) | (prefs.cookie_clearing.map_or(0, |c| c as u64 + 1) << 1));
        }
        h
    }

    /// Handle one event at `now_ms` (epoch ms) and return what the shell must do, in order.
    pub fn handle(&mut self, event: Event, now_ms: f64) -> Vec<Action> {
        if now_ms.is_finite() && now_ms > self.now_ms {
            self.now_ms = now_ms;
        }
        let now = self.now_ms;
        let mut out = Vec::new();
        match event {
            Event::NavigationStarted { tab_id, url, method } => {
                if let Some(method) = method {
                    self.remember_nav(tab_id, &url, &method, None);
                } else if self.last_nav.get(&tab_id).is_some_and(|n| !same_page(&n.url, &url)) {
                    self.last_nav.remove(&tab_id);
                }
                if self.tabs.get(&tab_id).is_some_and(|t| !same_page(&t.url, &url)) {
                    self.stop(tab_id, &mut out);
                }
            }
            Event::NavigationCompleted { tab_id, url, method, status, headers } => {
                self.remember_nav(tab_id, &url, &method, Some(status));
                let verdict = detect::classify(&PageInput { status: Some(status), headers: &headers, now_ms: now, ..Default::default() });
                let retry_after_s = verdict.retry_after_s;
                let trigger = self.status_triggers(status, &verdict, retry_after_s);
                let failure = Failure { status: Some(status), error: None, verdict: Some(verdict), retry_after_s };
                self.navigation_outcome(tab_id, &url, &method, if trigger { Ok(failure) } else { Err(status) }, now, &mut out);
            }
            Event::NavigationFailed { tab_id, url, method, error } => {
                self.remember_nav(tab_id, &url, &method, None);
                let trigger = self.settings.network_errors && detect::network_error_is_retryable(&error);
                let failure = Failure { status: None, error: Some(error), verdict: None, retry_after_s: None };
                if trigger {
                    self.navigation_outcome(tab_id, &url, &method, Ok(failure), now, &mut out);
                } else if self.tabs.get(&tab_id).is_some_and(|t| !same_page(&t.url, &url) || !recovery::is_resendable(&method)) {
                    // Gone elsewhere, or the user's own POST of this URL: not ours to repeat.
                    self.stop(tab_id, &mut out);
                }
            }
            Event::PageTextSeen { tab_id, url, title, text } => {
                self.page_text(tab_id, &url, &detect::PageText { title, text, structure: None }, now, &mut out)
            }
            Event::PageHtmlSeen { tab_id, url, html } => self.page_text(tab_id, &url, &detect::html_to_text(&html), now, &mut out),
            Event::WokeUp => self.wake(now, &mut out),
            Event::ProbeCompleted { probe_id, status, error, retry_after } => {
                let ra = probe_retry_after(retry_after.as_deref(), now);
                self.probe_completed(probe_id, status, error, ra, now, &mut out);
            }
            Event::CookiesCleared { tab_id, .. } => self.cookies_cleared(tab_id, now, &mut out),
            Event::UserCommanded { tab_id, command } => self.command(tab_id, command, now, &mut out),
            Event::TabClosed { tab_id } => {
                self.tabs.remove(&tab_id);
                self.last_nav.remove(&tab_id);
            }
            Event::ConnectivityChanged { online } => self.connectivity(online, now, &mut out),
            Event::CookieAccessChanged { allowed } => self.cookie_access_changed(allowed, now),
            Event::SettingsChanged { settings } => {
                if settings.validate().is_ok() {
                    self.settings = settings;
                    let gone: Vec<TabId> = self.tabs.values().filter(|t| !self.site_enabled(&t.host)).map(|t| t.tab_id).collect();
                    for tab_id in gone {
                        self.stop(tab_id, &mut out);
                    }
                }
            }
        }
        self.collect_garbage();
        self.sync_badges(&mut out);
        out.push(Action::ScheduleWakeUp { at_ms: self.next_deadline() });
        out
    }

    /// The popup's view of a tab.
    pub fn tab_view(&self, tab_id: TabId, now_ms: f64) -> TabView {
        let _ = now_ms;
        let Some(t) = self.tabs.get(&tab_id) else {
            let url = self.last_nav.get(&tab_id).map(|n| n.url.clone());
            let host = url.as_deref().and_then(url::parse).map(|p| p.host);
            return TabView {
                tab_id,
                state: "healthy".into(),
                site_enabled: host.as_deref().map_or(true, |h| self.site_enabled(h)),
                cookie_clearing: host.as_deref().map_or(self.settings.cookie_clearing, |h| self.cookie_policy(h)),
                site: host,
                url,
                last_status: self.last_nav.get(&tab_id).and_then(|n| n.status),
                last_error: None,
                vendor: None,
                summary: String::new(),
                reasons: vec![],
                attempt: 0,
                max_attempts: self.settings.max_attempts,
                next_attempt_at_ms: None,
                next_step: None,
                cookies_suspected: false,
                advice: Vec::new(),
                tried: vec![],
                watch_until_ms: None,
            };
        };
        let origin = self.origins.get(&t.origin);
        let probing = origin.is_some_and(|o| o.in_flight.is_some());
        let state = match t.phase {
            Phase::FailedPost => "failedPost",
            Phase::GaveUp => "gaveUp",
            Phase::Watching { .. } => "watching",
            _ if !self.online => "offline",
            Phase::Waiting if probing => "probing",
            Phase::Waiting if origin.is_some_and(|o| o.retry_after_wait) => "waitingRetryAfter",
            _ => "recovering",
        };
        let next_attempt_at_ms = match t.phase {
            Phase::Waiting | Phase::Watching { .. } => origin.and_then(|o| o.next_ms),
            _ => None,
        };
        let next_step = match t.phase {
            Phase::Waiting if t.step == Step::Reload => Some("probe"),
            Phase::Waiting => Some(t.step.name()),
            Phase::Reloading { .. } | Phase::ClearingCookies { .. } => Some(t.step.escalate().name()),
            _ => None,
        };
        TabView {
            tab_id,
            state: state.into(),
            url: Some(t.url.clone()),
            site: Some(t.host.clone()),
            last_status: t.last_status,
            last_error: t.last_error.clone(),
            vendor: t.vendor.clone(),
            summary: t.summary.clone(),
            reasons: t.reasons.clone(),
            attempt: t.attempts,
            max_attempts: self.settings.max_attempts,
            next_attempt_at_ms,
            next_step: next_step.map(str::to_string),
            cookies_suspected: t.cookies_suspected,
            cookie_clearing: self.cookie_policy(&t.host),
            site_enabled: self.site_enabled(&t.host),
            advice: t.advice(self.cookie_policy(&t.host)),
            tried: t.tried.clone(),
            watch_until_ms: match t.phase {
                Phase::Watching { until_ms } => Some(until_ms),
                _ => None,
            },
        }
    }

    // ---- policy questions ----

    fn schedule(&self) -> Schedule {
        Schedule {
            base_ms: self.settings.base_ms,
            cap_ms: self.settings.cap_ms,
            floor_ms: self.settings.floor_ms,
            max_retry_after_ms: self.settings.max_retry_after_ms,
        }
    }

    /// Whether a response status starts recovery: a listed status (429 only with a
    /// `Retry-After`), never a challenge.
    fn status_triggers(&self, status: u16, verdict: &Verdict, retry_after_s: Option<f64>) -> bool {
        if verdict.class == Class::Challenge {
            return false;
        }
        if status == 429 {
            return retry_after_s.is_some();
        }
        self.settings.statuses.contains(&status)
    }

    fn site_enabled(&self, host: &str) -> bool {
        if self.sites.get(host).is_some_and(|p| p.disabled) {
            return false;
        }
        if self.settings.deny_list.iter().any(|p| url::host_matches(host, p)) {
            return false;
        }
        self.settings.allow_list.is_empty() || self.settings.allow_list.iter().any(|p| url::host_matches(host, p))
    }

    fn cookie_policy(&self, host: &str) -> CookieClearing {
        match self.settings.cookie_clearing {
            CookieClearing::Never => CookieClearing::Never,
            global => self.sites.get(host).and_then(|p| p.cookie_clearing).unwrap_or(global),
        }
    }

    /// Whether this site's cookies may be cleared without asking: the policy says so and the
    /// browser allows it. Without the permission an "automatic" site is treated as "ask".
    fn clears_automatically(&self, host: &str) -> bool {
        self.cookie_access && self.cookie_policy(host) == CookieClearing::Automatic
    }

    fn remember_nav(&mut self, tab_id: TabId, url: &str, method: &str, status: Option<u16>) {
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

    fn site_prefs(&mut self, host: &str) -> Option<&mut SitePrefs> {
        if !self.sites.contains_key(host) && self.sites.len() >= MAX_SITES {
            return None;
        }
        Some(self.sites.get_or_insert_with(host.to_string(), SitePrefs::default))
    }

    // ---- navigation ----

    /// A navigation of `tab_id` to `url` ended: failed in a retryable way (`failure`) or not.
    /// `Err(status)` is a non-retryable answer: a success ends recovery as recovered, an
    /// error status (404, a challenge...) ends it without calling it recovered.
    fn navigation_outcome(&mut self, tab_id: TabId, url: &str, method: &str, outcome: Result<Failure, u16>, now: f64, out: &mut Vec<Action>) {
        if let Some(t) = self.tabs.get(&tab_id) {
            if same_page(&t.url, url) {
                match outcome {
                    Ok(f) => self.failed_again(tab_id, method, f, now),
                    Err(status) if status >= 400 => self.stop(tab_id, out),
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

    fn page_text(&mut self, tab_id: TabId, url: &str, page: &detect::PageText, now: f64, out: &mut Vec<Action>) {
        if !self.settings.text_detection || self.tabs.get(&tab_id).is_some_and(|t| same_page(&t.url, url)) {
            return;
        }
        // Only a page whose own navigation we saw: otherwise we cannot know it was a GET, and
        // reloading the answer to a POST would resend it.
        let Some(last) = self.last_nav.get(&tab_id).filter(|n| same_page(&n.url, url)) else { return };
        let status = last.status;
        let method = last.method.clone();
        let (title, text, structure) = (&page.title, &page.text, page.structure.as_ref());
        let verdict = detect::classify(&PageInput { status, headers: &[], title, text, now_ms: now, structure });
        if verdict.class != Class::ServerError || status.is_some_and(|s| s >= 400) {
            return;
        }
        let retry_after_s = verdict.retry_after_s;
        let failure = Failure { status, error: None, verdict: Some(verdict), retry_after_s };
        self.navigation_outcome(tab_id, url, &method, Ok(failure), now, out);
    }

    /// Start recovering `tab_id`.
    fn begin(&mut self, tab_id: TabId, url: &str, method: &str, f: Failure, now: f64) {
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
            badge: None,
        };
        note_failure(&mut tab, &f);
        if !resendable {
            self.tabs.insert(tab_id, tab);
            return;
        }
        let has_active = self.tabs.values().any(|t| t.origin == origin_key && is_active(&t.phase));
        let origin = self.origins.get_or_insert_with(origin_key.clone(), || OriginState::new(now));
        if !has_active {
            // Nobody was recovering here (perhaps only watching): a fresh outage.
            *origin = OriginState { in_flight: origin.in_flight.take(), ..OriginState::new(now) };
        }
        tab.attempts = origin.attempts;
        tab.cookies_suspected = self.tabs.values().any(|t| t.origin == origin_key && t.cookies_suspected);
        self.tabs.insert(tab_id, tab);
        self.plan_next(&origin_key, f.retry_after_s, !has_active, now);
    }

    /// The recovered URL failed again.
    fn failed_again(&mut self, tab_id: TabId, method: &str, f: Failure, now: f64) {
        let Some(t) = self.tabs.get_mut(&tab_id) else { return };
        note_failure(t, &f);
        if !recovery::is_resendable(method) {
            // Whatever we were doing, a reload would now resend this request.
            t.method = method.trim().to_ascii_uppercase();
            t.phase = Phase::FailedPost;
            t.pending_fix = None;
            return;
        }
        let origin_key = t.origin.clone();
        match t.phase {
            Phase::Reloading { .. } => {
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
    fn page_loaded(&mut self, tab_id: TabId, now: f64, out: &mut Vec<Action>) {
        let Some(t) = self.tabs.remove(&tab_id) else { return };
        if !t.incident_recorded {
            let fixed_by = match (&t.pending_fix, t.retry_after_waited) {
                (Some(f), true) if f == "reload" => "retry-after wait".to_string(),
                (Some(f), _) => f.clone(),
                (None, _) => "page loaded".to_string(),
            };
            self.incidents.record(t.incident("recovered", Some(fixed_by), now));
            if self.settings.notifications {
                out.push(Action::Notify { id: format!("recovered-{tab_id}"), kind: NotifyKind::Recovered, site: t.host });
            }
        }
        out.push(Action::ClearBadge { tab_id });
    }

    /// End recovery of a tab without recording anything.
    fn stop(&mut self, tab_id: TabId, out: &mut Vec<Action>) {
        if self.tabs.remove(&tab_id).is_some() {
            out.push(Action::ClearBadge { tab_id });
        }
    }

    // ---- the schedule ----

    /// Plan the origin's next probe: the backoff step for its attempts (`fresh` replaces a
    /// pending time, otherwise it is kept), never before a server's `Retry-After`. A
    /// `Retry-After` reaching past the time limit gives up at once (the advice says when).
    fn plan_next(&mut self, origin_key: &str, retry_after_s: Option<f64>, fresh: bool, now: f64) {
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

    /// Give up the origin's waiting tabs if its limits are reached; true if it did.
    fn check_limits(&mut self, origin_key: &str, now: f64) -> bool {
        let Some(origin) = self.origins.get(origin_key) else { return false };
        let attempts = origin.attempts;
        let over = attempts >= self.settings.max_attempts || now - origin.started_ms >= self.settings.max_total_ms;
        let tabs: Vec<TabId> = self.tabs.values().filter(|t| t.origin == origin_key).map(|t| t.tab_id).collect();
        for &tab_id in &tabs {
            if let Some(t) = self.tabs.get_mut(&tab_id) {
                if is_active(&t.phase) {
                    t.attempts = attempts;
                }
            }
        }
        if !over {
            return false;
        }
        for tab_id in tabs {
            if self.tabs.get(&tab_id).is_some_and(|t| t.phase == Phase::Waiting) {
                self.give_up(tab_id, now);
            }
        }
        true
    }

    fn give_up(&mut self, tab_id: TabId, now: f64) {
        let Some(t) = self.tabs.get_mut(&tab_id) else { return };
        t.phase = Phase::GaveUp;
        t.gave_up(now);
        t.pending_fix = None;
        if !t.incident_recorded {
            t.incident_recorded = true;
            let incident = t.incident("gaveUp", None, now);
            self.incidents.record(incident);
        }
    }

    fn wake(&mut self, now: f64, out: &mut Vec<Action>) {
        // Probes that never answered count as failed.
        let timed_out: Vec<(String, u64)> = self
            .origins
            .iter()
            .filter_map(|(k, o)| o.in_flight.as_ref().filter(|p| p.deadline_ms <= now).map(|p| (k.clone(), p.probe_id)))
            .collect();
        for (_, probe_id) in timed_out {
            self.probe_completed(probe_id, None, Some("probe timed out".into()), None, now, out);
        }
        let tab_ids: Vec<TabId> = self.tabs.keys().copied().collect();
        for tab_id in tab_ids {
            let Some(t) = self.tabs.get(&tab_id) else { continue };
            match t.phase {
                Phase::Reloading { deadline_ms } if deadline_ms <= now => {
                    let method = t.method.clone();
                    let f = Failure { status: None, error: Some("reload timed out".into()), verdict: None, retry_after_s: None };
                    self.failed_again(tab_id, &method, f, now);
                }
                Phase::ClearingCookies { deadline_ms, retried } if deadline_ms <= now => {
                    // No word back: the shell was most likely stopped half-way (persisted, then
                    // killed). Removing a site's cookies is idempotent, so ask once more rather
                    // than reload with the culprit possibly still there; then reload regardless.
                    if !retried && self.may_clear_cookies() {
                        self.clear_cookies(tab_id, true, now, out);
                    } else {
                        self.reload(tab_id, true, "cookies cleared", now, out);
                    }
                }
                Phase::Watching { until_ms } if until_ms <= now => {
                    if let Some(t) = self.tabs.get_mut(&tab_id) {
                        t.phase = Phase::GaveUp;
                        t.watch_ended_after_ms = Some(self.settings.watch_max_ms);
                    }
                }
                _ => {}
            }
        }
        if !self.online {
            return;
        }
        let due: Vec<String> = self
            .origins
            .iter()
            .filter(|(_, o)| o.in_flight.is_none() && o.next_ms.is_some_and(|t| t <= now))
            .map(|(k, _)| k.clone())
            .collect();
        for origin_key in due {
            // After a failed credentialed probe, the next one goes without credentials (once
            // per outage): it costs no extra request unless the site answers it healthily.
            let compare = self.origins.get_mut(&origin_key).is_some_and(|o| {
                let c = std::mem::take(&mut o.compare_next);
                o.cookie_checked |= c;
                c
            });
            self.send_probe(&origin_key, ProbeMethod::Head, !compare, now, out);
        }
    }

    /// Send a probe for the origin if none is in flight and some tab still needs it.
    fn send_probe(&mut self, origin_key: &str, method: ProbeMethod, credentials: bool, now: f64, out: &mut Vec<Action>) {
        let target = self
            .tabs
            .values()
            .filter(|t| t.origin == origin_key && matches!(t.phase, Phase::Waiting | Phase::Watching { .. }))
            .min_by_key(|t| (!matches!(t.phase, Phase::Waiting), t.tab_id))
            .map(|t| t.url.clone());
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
        origin.in_flight = Some(InFlight { probe_id, url: url.clone(), method, credentials, deadline_ms: now + timeout });
        out.push(Action::Probe { probe_id, url, method, credentials });
    }

    fn probe_completed(&mut self, probe_id: u64, status: Option<u16>, error: Option<String>, retry_after_s: Option<f64>, now: f64, out: &mut Vec<Action>) {
        let Some(origin_key) = self.origins.iter().find(|(_, o)| o.in_flight.as_ref().is_some_and(|p| p.probe_id == probe_id)).map(|(k, _)| k.clone())
        else {
            return; // late, duplicate or unknown
        };
        let Some(probe) = self.origins.get_mut(&origin_key).and_then(|o| o.in_flight.take()) else { return };
        if probe::retry_with_get(probe.method, status) {
            self.send_probe(&origin_key, ProbeMethod::Get, probe.credentials, now, out);
            return;
        }
        let healthy = probe::is_healthy(status);
        let waiting: Vec<TabId> = self.tabs.values().filter(|t| t.origin == origin_key && t.phase == Phase::Waiting).map(|t| t.tab_id).collect();
        if !probe.credentials && healthy {
            // Healthy without cookies: ask again with them at once; that answer decides.
            if let Some(o) = self.origins.get_mut(&origin_key) {
                o.credless_healthy = true;
            }
            self.send_probe(&origin_key, ProbeMethod::Head, true, now, out);
            return;
        }
        let credless_healthy = self.origins.get_mut(&origin_key).is_some_and(|o| std::mem::take(&mut o.credless_healthy));
        if healthy {
            for tab_id in waiting {
                self.advance(tab_id, now, out);
            }
            let watchers: Vec<TabId> = self.tabs.values().filter(|t| t.origin == origin_key && matches!(t.phase, Phase::Watching { .. })).map(|t| t.tab_id).collect();
            for tab_id in watchers {
                if let Some(t) = self.tabs.remove(&tab_id) {
                    out.push(Action::Notify { id: format!("back-{tab_id}"), kind: NotifyKind::Back, site: t.host });
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
                match status {
                    Some(s) => t.saw_status(s),
                    None => t.last_error = error.clone().or(Some("no answer".into())),
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
            if let Some(o) = self.origins.get_mut(&origin_key).filter(|o| !o.cookie_checked) {
                o.compare_next = true;
            }
        }
        self.probe_failed(&origin_key, retry_after_s, now);
    }

    /// The origin is still failing: count the attempt, give up or plan the next probe.
    fn probe_failed(&mut self, origin_key: &str, retry_after_s: Option<f64>, now: f64) {
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

    /// The origin answered healthily: take the tab's next escalation step.
    fn advance(&mut self, tab_id: TabId, now: f64, out: &mut Vec<Action>) {
        let Some(t) = self.tabs.get(&tab_id) else { return };
        match t.step {
            Step::Reload => self.reload(tab_id, false, "reload", now, out),
            Step::HardReload => self.reload(tab_id, true, "hard reload", now, out),
            Step::ClearCookies => {
                if self.clears_automatically(&t.host) {
                    self.clear_cookies(tab_id, false, now, out);
                } else {
                    self.give_up(tab_id, now);
                }
            }
            Step::GiveUp => self.give_up(tab_id, now),
        }
    }

    fn reload(&mut self, tab_id: TabId, bypass_cache: bool, fix: &str, now: f64, out: &mut Vec<Action>) {
        let retry_after_wait = self.tabs.get(&tab_id).and_then(|t| self.origins.get(&t.origin)).is_some_and(|o| o.retry_after_wait);
        let timeout = self.settings.probe_timeout_ms;
        let Some(t) = self.tabs.get_mut(&tab_id) else { return };
        if t.phase == Phase::FailedPost && fix != "resubmit" {
            return;
        }
        t.phase = Phase::Reloading { deadline_ms: now + timeout.max(60_000.0) };
        t.pending_fix = Some(fix.to_string());
        t.retry_after_waited = retry_after_wait;
        t.tried(fix);
        out.push(Action::ReloadTab { tab_id, url: t.url.clone(), bypass_cache });
    }

    /// Whether any cookies may be cleared at all: the settings allow it and so does the browser.
    fn may_clear_cookies(&self) -> bool {
        self.cookie_access && self.settings.cookie_clearing != CookieClearing::Never
    }

    /// Asks the shell to clear the tab's cookies; `retried`: the first request went unanswered.
    fn clear_cookies(&mut self, tab_id: TabId, retried: bool, now: f64, out: &mut Vec<Action>) {
        if !self.may_clear_cookies() {
            return;
        }
        let Some(t) = self.tabs.get_mut(&tab_id) else { return };
        if t.phase != Phase::FailedPost {
            t.phase = Phase::ClearingCookies { deadline_ms: now + self.settings.probe_timeout_ms, retried };
        }
        t.tried("cookies cleared");
        t.cookies_cleared = true;
        out.push(Action::ClearCookies { tab_id, url: t.url.clone() });
    }

    fn cookies_cleared(&mut self, tab_id: TabId, now: f64, out: &mut Vec<Action>) {
        if self.tabs.get(&tab_id).is_some_and(|t| matches!(t.phase, Phase::ClearingCookies { .. })) {
            self.reload(tab_id, true, "cookies cleared", now, out);
        }
    }

    /// The permission to clear cookies came or went. A clearing the shell could not carry out
    /// (the permission was taken back meanwhile) did not happen: the tab gives up with advice
    /// rather than reload as if it had.
    fn cookie_access_changed(&mut self, allowed: bool, now: f64) {
        self.cookie_access = allowed;
        if allowed {
            return;
        }
        let stranded: Vec<TabId> =
            self.tabs.values().filter(|t| matches!(t.phase, Phase::ClearingCookies { .. })).map(|t| t.tab_id).collect();
        for tab_id in stranded {
            if let Some(t) = self.tabs.get_mut(&tab_id) {
                t.cookies_cleared = false;
                t.untry("cookies cleared");
            }
            self.give_up(tab_id, now);
        }
    }

    fn connectivity(&mut self, online: bool, now: f64, out: &mut Vec<Action>) {
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

    // ---- user commands ----

    fn command(&mut self, tab_id: TabId, command: Command, now: f64, out: &mut Vec<Action>) {
        match command {
            Command::SetSiteEnabled { enabled } => {
                let host = match self.tabs.get(&tab_id) {
                    Some(t) => Some(t.host.clone()),
                    None => self.last_nav.get(&tab_id).and_then(|n| url::parse(&n.url)).map(|p| p.host),
                };
                let Some(host) = host else { return };
                if let Some(p) = self.site_prefs(&host) {
                    p.disabled = !enabled;
                }
                if !enabled {
                    let gone: Vec<TabId> = self.tabs.values().filter(|t| t.host == host).map(|t| t.tab_id).collect();
                    for tab_id in gone {
                        self.stop(tab_id, out);
                    }
                }
                self.sites.retain(|_, p| *p != SitePrefs::default());
            }
            Command::Stop => self.stop(tab_id, out),
            Command::RetryNow => {
                let Some(t) = self.tabs.get(&tab_id) else { return };
                match t.phase {
                    Phase::Waiting if t.step == Step::Reload => {
                        let key = t.origin.clone();
                        self.send_probe(&key, ProbeMethod::Head, true, now, out);
                    }
                    Phase::Waiting => self.advance(tab_id, now, out),
                    Phase::GaveUp | Phase::Watching { .. } => {
                        if let Some(t) = self.tabs.get_mut(&tab_id) {
                            t.step = Step::Reload;
                            t.forget_advice();
                        }
                        self.reload(tab_id, false, "reload", now, out);
                    }
                    _ => {}
                }
            }
            Command::HardReload => {
                if self.tabs.get(&tab_id).is_some_and(|t| t.phase != Phase::FailedPost) {
                    if let Some(t) = self.tabs.get_mut(&tab_id) {
                        t.step = t.step.max(Step::HardReload);
                        t.forget_advice();
                    }
                    self.reload(tab_id, true, "hard reload", now, out);
                }
            }
            Command::ClearCookies { remember } => {
                // The popup asks for the permission before sending this; without it, nothing.
                if !self.may_clear_cookies() {
                    return;
                }
                let Some(host) = self.tabs.get(&tab_id).map(|t| t.host.clone()) else { return };
                if remember {
                    if let Some(p) = self.site_prefs(&host) {
                        p.cookie_clearing = Some(CookieClearing::Automatic);
                    }
                }
                if let Some(t) = self.tabs.get_mut(&tab_id) {
                    t.forget_advice();
                    if matches!(t.phase, Phase::GaveUp | Phase::Watching { .. }) {
                        t.phase = Phase::Waiting;
                    }
                }
                self.clear_cookies(tab_id, false, now, out);
            }
            Command::Resubmit => {
                if self.tabs.get(&tab_id).is_some_and(|t| t.phase == Phase::FailedPost) {
                    self.reload(tab_id, false, "resubmit", now, out);
                }
            }
            Command::WatchWhenBack => {
                let until_ms = now + self.settings.watch_max_ms;
                let interval = self.settings.watch_interval_ms;
                let Some(t) = self.tabs.get_mut(&tab_id) else { return };
                if t.phase != Phase::GaveUp {
                    return;
                }
                t.phase = Phase::Watching { until_ms };
                let key = t.origin.clone();
                let active = self.tabs.values().any(|t| t.origin == key && t.phase == Phase::Waiting);
                let origin = self.origins.get_or_insert_with(key, || OriginState::new(now));
                if !active && origin.in_flight.is_none() {
                    let at = now + interval;
                    origin.next_ms = Some(origin.next_ms.map_or(at, |n| n.min(at)));
                    origin.retry_after_wait = false;
                }
            }
        }
    }

    // ---- bookkeeping ----

    /// Drop origins nobody needs (kept while a probe is out, so that a new failure of the
    /// origin waits for its answer instead of sending a second probe alongside).
    fn collect_garbage(&mut self) {
        let tabs = &self.tabs;
        self.origins.retain(|key, o| o.in_flight.is_some() || tabs.values().any(|t| &t.origin == key && t.needs_origin()));
    }

    fn badge_for(&self, t: &TabRecovery) -> Badge {
        let origin = self.origins.get(&t.origin);
        match t.phase {
            Phase::FailedPost => Badge::new("POST", colors::FAILED_POST, None),
            Phase::GaveUp => Badge::new("!", colors::GAVE_UP, None),
            Phase::Watching { .. } => Badge::new("W", colors::WATCHING, None),
            _ if !self.online => Badge::new("off", colors::OFFLINE, None),
            Phase::Waiting => match origin {
                Some(o) if o.in_flight.is_none() && o.next_ms.is_some() => {
                    let color = if o.retry_after_wait { colors::RETRY_AFTER } else { colors::RECOVERING };
                    Badge::new("...", color, o.next_ms)
                }
                _ => Badge::new("...", colors::RECOVERING, None),
            },
            Phase::Reloading { .. } | Phase::ClearingCookies { .. } => Badge::new("...", colors::RECOVERING, None),
        }
    }

    fn sync_badges(&mut self, out: &mut Vec<Action>) {
        let changes: Vec<(TabId, Badge)> =
            self.tabs.values().map(|t| (t.tab_id, self.badge_for(t))).filter(|(id, b)| self.tabs.get(id).is_some_and(|t| t.badge.as_ref() != Some(b))).collect();
        for (tab_id, badge) in changes {
            out.push(Action::SetBadge { tab_id, text: badge.text.clone(), color: badge.color.clone(), countdown_to_ms: badge.countdown_to_ms });
            if let Some(t) = self.tabs.get_mut(&tab_id) {
                t.badge = Some(badge);
            }
        }
    }

    /// The single earliest deadline, if any.
    fn next_deadline(&self) -> Option<f64> {
        let mut best: Option<f64> = None;
        let mut consider = |t: f64| best = Some(best.map_or(t, |b| b.min(t)));
        for o in self.origins.values() {
            if let Some(p) = &o.in_flight {
                consider(p.deadline_ms);
            } else if let (Some(n), true) = (o.next_ms, self.online) {
                consider(n);
            }
        }
        for t in self.tabs.values() {
            match t.phase {
                Phase::Reloading { deadline_ms } | Phase::ClearingCookies { deadline_ms, .. } => consider(deadline_ms),
                Phase::Watching { until_ms } => consider(until_ms),
                _ => {}
            }
        }
        best
    }
}

fn is_active(phase: &Phase) -> bool {
    matches!(phase, Phase::Waiting | Phase::Reloading { .. } | Phase::ClearingCookies { .. })
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
        t.summary = e.clone();
    }
}
