//! The user's one-click commands (popup, banner, notification) for one tab.

use super::incident::Fix;
use super::recovery::{Phase, Step};
use super::{url, Action, Command, Engine, OriginState, ProbeMethod, SitePrefs, TabId};
use crate::settings::CookieClearing;

impl Engine {
    pub(super) fn command(&mut self, tab_id: TabId, command: Command, now: f64, out: &mut Vec<Action>) {
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
                        self.reload(tab_id, false, Fix::Reload, now, out);
                    }
                    _ => {}
                }
            }
            Command::HardReload => {
                if self.tabs.get(&tab_id).is_some_and(|t| t.may_reload()) {
                    if let Some(t) = self.tabs.get_mut(&tab_id) {
                        t.step = t.step.max(Step::HardReload);
                        t.forget_advice();
                    }
                    self.reload(tab_id, true, Fix::HardReload, now, out);
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
                    self.reload(tab_id, false, Fix::Resubmit, now, out);
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
}
