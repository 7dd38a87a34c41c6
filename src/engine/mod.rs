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
//! One file a job; the files that own a piece of state hold the `impl Engine` methods that
//! change it:
//! - this file: the state, [`Engine::handle`] (dispatch of each event to the job that owns
//!   it), snapshot and restore, and the bookkeeping every batch ends with;
//! - `events`: the vocabulary (events in, actions out) and its strict parser;
//! - `navigation`: a tab's navigations start, re-fail and end its recovery;
//! - [`probe`]: the per-origin shared schedule, probes and the cookie comparison;
//! - `escalation`: a healthy origin's next step per tab, reloads, clearing cookies, giving up;
//! - `inspection`: open tabs whose load was not watched, to be looked into;
//! - `commands`: the user's one-click commands;
//! - [`diagnosis`]: which hop of the path to the site failed;
//! - [`view`]: the popup's view and the badges; [`badge`]: the badge's data;
//! - `policy`: what the settings and per-site choices allow;
//! - [`recovery`]: one tab's recovery state and its advice; [`incident`]: the history;
//! - [`backoff`]: how long to wait; [`url`]: the little URL parsing needed;
//!   `vec_map`: the small ordered map the state is kept in.

pub mod backoff;
pub mod badge;
mod commands;
pub mod diagnosis;
mod escalation;
mod events;
pub mod incident;
mod inspection;
mod navigation;
mod policy;
pub mod probe;
pub mod recovery;
pub mod url;
mod vec_map;
pub mod view;

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

pub use events::{Action, Command, Event, FoundTab, NotifyKind, ProbeMethod, TabId, MAX_PAGE_HTML};
pub use incident::Incident;
pub use recovery::Advice;
pub use view::{NextStep, TabView, ViewState};

use crate::detect::{self, PageInput};
use crate::settings::Settings;
use backoff::Rng;
use incident::IncidentLog;
use navigation::{same_page, Failure, LastNav};
use policy::SitePrefs;
use probe::{probe_retry_after, OriginState, ProbeAnswer};
use recovery::{ErrorName, Phase, TabRecovery};
use vec_map::VecMap;

/// Version of the [`Snapshot`] format; a snapshot of another version is refused.
pub const SNAPSHOT_VERSION: u32 = 1;

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
    /// Tabs being inspected (`InspectTab` asked, no report yet), until when the popup says
    /// "looking at this page" rather than "fine". Left out of snapshots while empty.
    #[serde(default, skip_serializing_if = "VecMap::is_empty")]
    inspecting: VecMap<TabId, f64>,
}

/// A versioned, serialisable copy of the engine's state: the same JSON shape whether it is
/// written by `serde_json` (the CLI, the tests) or crosses to JS via serde-wasm-bindgen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot<'a> {
    pub version: u32,
    pub state: Cow<'a, Engine>,
}

fn allowed() -> bool {
    true
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
            inspecting: VecMap::new(),
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
        if let Some(tab_id) = inspection::settled_by(&event) {
            self.inspecting.remove(&tab_id);
        }
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
                let failure = Failure { headers, ..Failure::of_load(Some(status), None, Some(verdict), retry_after_s) };
                self.navigation_outcome(tab_id, &url, &method, if trigger { Ok(failure) } else { Err(status) }, now, &mut out);
            }
            Event::NavigationFailed { tab_id, url, method, error } => {
                self.remember_nav(tab_id, &url, &method, None);
                let trigger = self.settings.network_errors && detect::network_error_is_retryable(&error);
                let failure = Failure::of_load(None, Some(ErrorName::Browser(error)), None, None);
                if trigger {
                    self.navigation_outcome(tab_id, &url, &method, Ok(failure), now, &mut out);
                } else if self.tabs.get(&tab_id).is_some_and(|t| !same_page(&t.url, &url) || !recovery::is_resendable(&method)) {
                    // Gone elsewhere, or the user's own POST of this URL: not ours to repeat.
                    self.stop(tab_id, &mut out);
                }
            }
            Event::PageTextSeen { tab_id, url, title, text } => self.page_text(tab_id, &url, &detect::PageText { title, text, structure: None }, now, &mut out),
            Event::PageHtmlSeen { tab_id, url, html } => self.page_text(tab_id, &url, &detect::html_to_text(&html), now, &mut out),
            Event::WokeUp => self.wake(now, &mut out),
            Event::ProbeCompleted { probe_id, status, error, retry_after, html } => {
                let ra = probe_retry_after(retry_after.as_deref(), now);
                let answer = ProbeAnswer { status, error: error.map(ErrorName::Browser), retry_after_s: ra, html };
                self.probe_completed(probe_id, answer, now, &mut out);
            }
            Event::TabsFound { tabs } => self.tabs_found(tabs, now, &mut out),
            Event::InspectionEnded { tab_id } => self.inspection_ended(tab_id, now, &mut out),
            Event::CookiesCleared { tab_id, .. } => self.cookies_cleared(tab_id, now, &mut out),
            Event::UserCommanded { tab_id, command } => self.command(tab_id, command, now, &mut out),
            Event::TabClosed { tab_id } => {
                self.tabs.remove(&tab_id);
                self.last_nav.remove(&tab_id);
            }
            Event::NotificationClicked { notification_id } => {
                if let Some(tab_id) = NotifyKind::tab_of(&notification_id) {
                    out.push(Action::ShowTab { tab_id });
                }
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

    /// A deadline was reached: probes that never answered count as failed, reloads and
    /// clearings past their deadline move on, then the origins whose probe is due send it.
    fn wake(&mut self, now: f64, out: &mut Vec<Action>) {
        self.expire_probes(now, out);
        self.expire_tab_deadlines(now, out);
        if self.online {
            self.send_due_probes(now, out);
        }
    }

    /// Drop origins nobody needs (kept while a probe is out, so that a new failure of the
    /// origin waits for its answer instead of sending a second probe alongside).
    fn collect_garbage(&mut self) {
        let now = self.now_ms;
        self.inspecting.retain(|_, until| *until > now);
        let tabs = &self.tabs;
        self.origins.retain(|key, o| o.in_flight.is_some() || tabs.values().any(|t| &t.origin == key && t.needs_origin()));
    }

    /// The single earliest deadline, if any.
    fn next_deadline(&self) -> Option<f64> {
        let mut best: Option<f64> = None;
        let mut consider = |t: f64| best = Some(best.map_or(t, |b| b.min(t)));
        let paused = self.paused_origins();
        for (key, o) in self.origins.iter() {
            if let Some(p) = &o.in_flight {
                consider(p.deadline_ms);
            } else if paused.contains(key) {
                // Waits for the connection (see `diagnosis`): another origin's probe wakes it.
            } else if let (Some(n), true) = (o.next_ms, self.online) {
                consider(n);
            }
        }
        if let Some(t) = self.offline_check_ms() {
            consider(t);
        }
        for t in self.tabs.values() {
            match t.phase {
                Phase::Reloading { deadline_ms } | Phase::Verifying { deadline_ms } | Phase::ClearingCookies { deadline_ms, .. } => consider(deadline_ms),
                Phase::Watching { until_ms } => consider(until_ms),
                _ => {}
            }
        }
        best
    }
}
