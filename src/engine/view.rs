//! What the user sees: the popup's [`TabView`] of a tab and each tab's toolbar badge.
//!
//! Both are computed from the engine's state and nothing else; the shell renders them as
//! they are. Badges are sent only when they change (each tab keeps the one last shown).

use serde::Serialize;

use super::badge::{colors, Badge};
use super::events::TabId;
use super::recovery::{Advice, Phase, Step, TabRecovery};
use super::{url, Action, Engine};
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

impl Engine {
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
            Phase::Reloading { .. } | Phase::ClearingCookies { .. } => Badge::new("...", colors::RECOVERING, None),
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
