//! What the user sees: the popup's [`TabView`] of a tab and each tab's toolbar badge.
//!
//! Both are computed from the engine's state and nothing else; the shell renders them as
//! they are. Badges are sent only when they change (each tab keeps the one last shown).

use serde::Serialize;

use super::badge::{colors, Badge};
use super::diagnosis::{Diagnosis, Report};
use super::events::TabId;
use super::incident::Fix;
use super::recovery::{Advice, ErrorName, Phase, Step, TabRecovery};
use super::{url, Action, Engine};
use crate::settings::CookieClearing;

/// The popup's model of one tab (camelCase JSON; written only, never read back).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TabView {
    pub tab_id: TabId,
    pub state: ViewState,
    /// The page is being brought back (the state is one of the active ones).
    pub active: bool,
    /// The in-page banner shows this view (the tab is active and the banner setting is on).
    pub show_banner: bool,
    pub url: Option<String>,
    /// The host.
    pub site: Option<String>,
    pub last_status: Option<u16>,
    pub last_error: Option<ErrorName>,
    pub vendor: Option<String>,
    pub summary: String,
    pub reasons: Vec<String>,
    /// Failed attempts so far.
    pub attempt: u32,
    pub max_attempts: u32,
    pub next_attempt_at_ms: Option<f64>,
    /// While recovering: what the next healthy answer leads to.
    pub next_step: Option<NextStep>,
    pub cookies_suspected: bool,
    /// The cookie policy that applies to this site.
    pub cookie_clearing: CookieClearing,
    pub site_enabled: bool,
    /// After giving up: what happened and what the user can do, one code per sentence
    /// (empty otherwise).
    pub advice: Vec<Advice>,
    /// What was tried, in order.
    pub tried: Vec<Fix>,
    /// While watching: when the watch ends.
    pub watch_until_ms: Option<f64>,
    /// Which hop of the path to the site failed (while the tab is in recovery).
    pub diagnosis: Option<Diagnosis>,
    /// The report for the site's support, as data for the UI to word (with the diagnosis).
    pub report: Option<Report>,
}

/// Where a tab stands, as the popup, the badge's title and the banner name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ViewState {
    /// Not in recovery.
    Healthy,
    /// A page that loaded before Bounceback listened is being looked at (a few seconds at
    /// most); it is not called fine until that is done.
    Checking,
    /// Waiting for the next probe, reloading or clearing cookies.
    Recovering,
    /// A probe of the site is out.
    Probing,
    /// Waiting out the server's `Retry-After`.
    WaitingRetryAfter,
    /// The browser is offline; recovery resumes when it is back.
    Offline,
    /// Recovery gave up; advice shows.
    GaveUp,
    /// After giving up, checking slowly to say when the site is back.
    Watching,
    /// A failed POST (or other non-idempotent request) waits for the user.
    FailedPost,
}

impl ViewState {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            ViewState::Healthy => "healthy",
            ViewState::Checking => "checking",
            ViewState::Recovering => "recovering",
            ViewState::Probing => "probing",
            ViewState::WaitingRetryAfter => "waitingRetryAfter",
            ViewState::Offline => "offline",
            ViewState::GaveUp => "gaveUp",
            ViewState::Watching => "watching",
            ViewState::FailedPost => "failedPost",
        }
    }

    /// Whether the page is being brought back: the popup offers Retry now and Stop, and the
    /// in-page banner shows.
    pub fn is_active(self) -> bool {
        matches!(self, ViewState::Recovering | ViewState::Probing | ViewState::WaitingRetryAfter | ViewState::Offline)
    }
}

/// What the next healthy answer of the site leads to, as the popup names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum NextStep {
    /// Checking the site first (a reload follows a healthy answer).
    Probe,
    Reload,
    HardReload,
    ClearCookies,
    GiveUp,
}

impl From<Step> for NextStep {
    fn from(step: Step) -> NextStep {
        match step {
            Step::Reload => NextStep::Reload,
            Step::HardReload => NextStep::HardReload,
            Step::ClearCookies => NextStep::ClearCookies,
            Step::GiveUp => NextStep::GiveUp,
        }
    }
}

impl Engine {
    /// The countdowns the badges show (tab, deadline), for a shell that restarts and must
    /// resume ticking them.
    pub fn badge_countdowns(&self) -> Vec<(TabId, f64)> {
        self.tabs.values().filter_map(|t| Some((t.tab_id, t.badge.as_ref()?.countdown_to_ms?))).collect()
    }

    /// The popup's view of a tab.
    pub fn tab_view(&self, tab_id: TabId, now_ms: f64) -> TabView {
        let Some(t) = self.tabs.get(&tab_id) else {
            let url = self.last_nav.get(&tab_id).map(|n| n.url.clone());
            let host = url.as_deref().and_then(url::parse).map(|p| p.host);
            let checking = self.inspecting.get(&tab_id).is_some_and(|&until| until > now_ms);
            return TabView {
                tab_id,
                state: if checking { ViewState::Checking } else { ViewState::Healthy },
                active: false,
                show_banner: false,
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
                diagnosis: None,
                report: None,
            };
        };
        let origin = self.origins.get(&t.origin);
        let probing = origin.is_some_and(|o| o.in_flight.is_some());
        let state = match t.phase {
            Phase::FailedPost => ViewState::FailedPost,
            Phase::GaveUp => ViewState::GaveUp,
            Phase::Watching { .. } => ViewState::Watching,
            _ if !self.online => ViewState::Offline,
            Phase::Waiting if probing => ViewState::Probing,
            Phase::Waiting if origin.is_some_and(|o| o.retry_after_wait) => ViewState::WaitingRetryAfter,
            _ => ViewState::Recovering,
        };
        let next_attempt_at_ms = match t.phase {
            // Paused for the user's connection (see `diagnosis`): no time to count down to.
            Phase::Waiting if self.paused_origins().contains(&t.origin) => None,
            Phase::Waiting | Phase::Watching { .. } => origin.and_then(|o| o.next_ms),
            _ => None,
        };
        let next_step = match t.phase {
            Phase::Waiting if t.step == Step::Reload => Some(NextStep::Probe),
            Phase::Waiting => Some(t.step.into()),
            Phase::Reloading { .. } | Phase::Verifying { .. } | Phase::ClearingCookies { .. } => Some(t.step.escalate().into()),
            _ => None,
        };
        let (diagnosis, report) = self.diagnosis_of(t, now_ms).unzip();
        TabView {
            tab_id,
            state,
            active: state.is_active(),
            show_banner: state.is_active() && self.settings.banner,
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
            next_step,
            cookies_suspected: t.cookies_suspected,
            cookie_clearing: self.cookie_policy(&t.host),
            site_enabled: self.site_enabled(&t.host),
            advice: t.advice(self.cookie_policy(&t.host)),
            tried: t.tried.clone(),
            watch_until_ms: match t.phase {
                Phase::Watching { until_ms } => Some(until_ms),
                _ => None,
            },
            diagnosis,
            report,
        }
    }

    pub(super) fn badge_for(&self, t: &TabRecovery) -> Badge {
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
            Phase::Reloading { .. } | Phase::Verifying { .. } | Phase::ClearingCookies { .. } => Badge::new("...", colors::RECOVERING, None),
        }
    }

    pub(super) fn sync_badges(&mut self, out: &mut Vec<Action>) {
        let changes: Vec<(TabId, Badge)> = self
            .tabs
            .values()
            .map(|t| (t.tab_id, self.badge_for(t)))
            .filter(|(id, b)| self.tabs.get(id).is_some_and(|t| t.badge.as_ref() != Some(b)))
            .collect();
        for (tab_id, badge) in changes {
            out.push(Action::SetBadge { tab_id, text: badge.text.clone(), color: badge.color.clone(), countdown_to_ms: badge.countdown_to_ms });
            if let Some(t) = self.tabs.get_mut(&tab_id) {
                t.badge = Some(badge);
            }
        }
    }
}
