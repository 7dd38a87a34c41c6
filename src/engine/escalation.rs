//! Escalation: what a tab does when its origin answers, and when it runs out of tries.
//!
//! A healthy probe releases each waiting tab to its next [`Step`]: reload, reload bypassing
//! the cache, clear the site's cookies (only where that is automatic and allowed), give up.
//! A reload or a clearing that is not answered by its deadline counts as failed (or, for a
//! clearing, is asked once more). The origin's limits (attempts, total time) give up every
//! waiting tab of the origin at once, recording one incident per tab.

use super::incident::{Fix, Outcome};
use super::navigation::Failure;
use super::recovery::{CoreError, ErrorName, Phase, Step};
use super::{Action, Engine, TabId};

impl Engine {
    /// The origin answered healthily: take the tab's next escalation step.
    pub(super) fn advance(&mut self, tab_id: TabId, now: f64, out: &mut Vec<Action>) {
        let Some(t) = self.tabs.get(&tab_id) else { return };
        match t.step {
            Step::Reload => self.reload(tab_id, false, Fix::Reload, now, out),
            Step::HardReload => self.reload(tab_id, true, Fix::HardReload, now, out),
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

    pub(super) fn reload(&mut self, tab_id: TabId, bypass_cache: bool, fix: Fix, now: f64, out: &mut Vec<Action>) {
        let retry_after_wait = self.tabs.get(&tab_id).and_then(|t| self.origins.get(&t.origin)).is_some_and(|o| o.retry_after_wait);
        let timeout = self.settings.probe_timeout_ms;
        let Some(t) = self.tabs.get_mut(&tab_id) else { return };
        if fix != Fix::Resubmit && !t.may_reload() {
            // Nothing to do but wait for the user's `Resubmit` (and no deadline left behind).
            t.phase = Phase::FailedPost;
            t.pending_fix = None;
            return;
        }
        t.phase = Phase::Reloading { deadline_ms: now + timeout.max(60_000.0) };
        t.pending_fix = Some(fix);
        t.retry_after_waited = retry_after_wait;
        t.tried(fix);
        if t.unwatched {
            // The method of the load the tab shows is unknown: load the URL afresh with a GET.
            out.push(Action::NavigateTab { tab_id, url: t.url.clone() });
        } else {
            out.push(Action::ReloadTab { tab_id, url: t.url.clone(), bypass_cache });
        }
    }

    /// Asks the shell to clear the tab's cookies; `retried`: the first request went unanswered.
    pub(super) fn clear_cookies(&mut self, tab_id: TabId, retried: bool, now: f64, out: &mut Vec<Action>) {
        if !self.may_clear_cookies() {
            return;
        }
        let Some(t) = self.tabs.get_mut(&tab_id) else { return };
        // A tab we may not reload keeps its phase: the clearing is not followed by a reload.
        if t.may_reload() {
            t.phase = Phase::ClearingCookies { deadline_ms: now + self.settings.probe_timeout_ms, retried };
        }
        t.tried(Fix::CookiesCleared);
        t.cookies_cleared = true;
        out.push(Action::ClearCookies { tab_id, url: t.url.clone() });
    }

    pub(super) fn cookies_cleared(&mut self, tab_id: TabId, now: f64, out: &mut Vec<Action>) {
        if self.tabs.get(&tab_id).is_some_and(|t| matches!(t.phase, Phase::ClearingCookies { .. })) {
            self.reload(tab_id, true, Fix::CookiesCleared, now, out);
        }
    }

    /// The permission to clear cookies came or went. A clearing the shell could not carry out
    /// (the permission was taken back meanwhile) did not happen: the tab gives up with advice
    /// rather than reload as if it had.
    pub(super) fn cookie_access_changed(&mut self, allowed: bool, now: f64) {
        self.cookie_access = allowed;
        if allowed {
            return;
        }
        let stranded: Vec<TabId> = self.tabs.values().filter(|t| matches!(t.phase, Phase::ClearingCookies { .. })).map(|t| t.tab_id).collect();
        for tab_id in stranded {
            if let Some(t) = self.tabs.get_mut(&tab_id) {
                t.cookies_cleared = false;
                t.untry(Fix::CookiesCleared);
            }
            self.give_up(tab_id, now);
        }
    }

    /// Give up the origin's waiting tabs if its limits are reached; true if it did.
    pub(super) fn check_limits(&mut self, origin_key: &str, now: f64) -> bool {
        let Some(origin) = self.origins.get(origin_key) else { return false };
        let attempts = origin.attempts;
        let over = attempts >= self.settings.max_attempts || now - origin.started_ms >= self.settings.max_total_ms;
        let tabs: Vec<TabId> = self.tabs.values().filter(|t| t.origin == origin_key).map(|t| t.tab_id).collect();
        for &tab_id in &tabs {
            if let Some(t) = self.tabs.get_mut(&tab_id) {
                if t.phase.is_active() {
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

    pub(super) fn give_up(&mut self, tab_id: TabId, now: f64) {
        let Some(t) = self.tabs.get_mut(&tab_id) else { return };
        t.phase = Phase::GaveUp;
        t.gave_up(now);
        t.pending_fix = None;
        if !t.incident_recorded {
            t.incident_recorded = true;
            let incident = t.incident(Outcome::GaveUp, None, now);
            self.incidents.record(incident);
        }
    }

    /// Reloads and clearings past their deadline, and watches that ran out.
    pub(super) fn expire_tab_deadlines(&mut self, now: f64, out: &mut Vec<Action>) {
        let tab_ids: Vec<TabId> = self.tabs.keys().copied().collect();
        for tab_id in tab_ids {
            let Some(t) = self.tabs.get(&tab_id) else { continue };
            match t.phase {
                Phase::Reloading { deadline_ms } if deadline_ms <= now => {
                    let method = t.method.clone();
                    let f = Failure::of_load(None, Some(ErrorName::Core(CoreError::ReloadTimedOut)), None, None);
                    self.failed_again(tab_id, &method, f, now);
                }
                // The reloaded page did not say it is an error page: it is well.
                Phase::Verifying { deadline_ms } if deadline_ms <= now => self.page_loaded(tab_id, now, out),
                Phase::ClearingCookies { deadline_ms, retried } if deadline_ms <= now => {
                    // No word back: the shell was most likely stopped half-way (persisted, then
                    // killed). Removing a site's cookies is idempotent, so ask once more rather
                    // than reload with the culprit possibly still there; then reload regardless.
                    if !retried && self.may_clear_cookies() {
                        self.clear_cookies(tab_id, true, now, out);
                    } else {
                        self.reload(tab_id, true, Fix::CookiesCleared, now, out);
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
    }
}
