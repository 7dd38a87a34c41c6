//! A simulated outage, to measure what a recovery policy costs the server and the user.
//!
//! One origin fails (502) from t = 0 for `outage_s` seconds, then is healthy. `tabs` tabs
//! each got a 502 at t = 0. The `Default` policy runs the real [`Engine`]: the loop delivers
//! `WokeUp` at the requested deadlines, answers each `Probe` from the server's state at that
//! moment and each `ReloadTab` with a `NavigationCompleted`, until every tab shows the page
//! (or gave up). The baselines are closed-form: `Fixed5` reloads every tab every 5 s;
//! `Chromium` reloads after 1, 5, 30, 60, 300, 600, 1800 s (successive waits, no jitter),
//! then every 1800 s. Responses are instantaneous.
//!
//! Conventions: a request is anything sent to the origin after the initial failing
//! navigations (probes, comparison probes and reloads, over all tabs). The recovery delay
//! of a tab is the time from the server being healthy again to the tab showing the page;
//! tabs that gave up count in `gave_up` and not in the delays. Pure: no clock, no I/O.

use serde::Serialize;

use crate::engine::backoff::Rng;
use crate::engine::view::ViewState;
use crate::engine::{Action, Engine, Event};
use crate::settings::Settings;

/// The policy under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// The real engine with the given settings.
    Default,
    /// Reload every 5 s.
    Fixed5,
    /// Chromium's error-page auto-reload schedule.
    Chromium,
}

/// How outage lengths are drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OutageDist {
    /// Always this many seconds.
    Fixed(f64),
    /// `exp(uniform(ln min, ln max))` seconds.
    LogUniform { min: f64, max: f64 },
}

/// One simulated outage's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct RunResult {
    pub outage_s: f64,
    pub probes: u64,
    pub reloads: u64,
    /// Per restored tab, seconds from the server's recovery to the page shown.
    pub delays_s: Vec<f64>,
    pub gave_up: u32,
}

/// Aggregate figures over many runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub policy: String,
    pub runs: u32,
    pub tabs: u32,
    pub outage_mean_s: f64,
    pub requests_mean: f64,
    pub probes_mean: f64,
    pub reloads_mean: f64,
    pub recovery_delay_mean_s: f64,
    pub recovery_delay_p50_s: f64,
    pub recovery_delay_p95_s: f64,
    /// Tabs (over all runs) that gave up instead of being restored.
    pub gave_up: u32,
}

const T0: f64 = 1_700_000_000_000.0;
const URL: &str = "https://sim.example/page";
/// Far beyond any sane policy; a safety stop for the loop.
const HORIZON_MS: f64 = 48.0 * 3_600_000.0;

/// Simulate one outage of `outage_s` seconds with `tabs` tabs.
pub fn run_once(policy: Policy, settings: &Settings, outage_s: f64, tabs: u32, seed: u64) -> RunResult {
    match policy {
        Policy::Default => run_engine(settings, outage_s, tabs, seed),
        Policy::Fixed5 => run_schedule(outage_s, tabs, |_| 5.0),
        Policy::Chromium => run_schedule(outage_s, tabs, |n| [1.0, 5.0, 30.0, 60.0, 300.0, 600.0, 1800.0].get(n).copied().unwrap_or(1800.0)),
    }
}

/// Every tab reloads on the same deterministic schedule (`wait(n)` before reload `n + 1`).
fn run_schedule(outage_s: f64, tabs: u32, wait: impl Fn(usize) -> f64) -> RunResult {
    let mut t = 0.0;
    let mut reloads = 0u64;
    for n in 0.. {
        t += wait(n);
        reloads += 1;
        if t >= outage_s {
            break;
        }
    }
    RunResult { outage_s, probes: 0, reloads: reloads * u64::from(tabs), delays_s: vec![t - outage_s; tabs as usize], gave_up: 0 }
}

fn run_engine(settings: &Settings, outage_s: f64, tabs: u32, seed: u64) -> RunResult {
    let mut engine = Engine::new(settings.clone(), seed);
    let healthy_at = T0 + outage_s * 1000.0;
    let status_at = |t: f64| if t >= healthy_at { 200u16 } else { 502 };
    let mut result = RunResult { outage_s, probes: 0, reloads: 0, delays_s: Vec::new(), gave_up: 0 };
    let mut restored = vec![false; tabs as usize];
    let mut wake: Option<f64> = None;
    let mut queue: std::collections::VecDeque<Event> =
        (0..tabs).map(|i| Event::NavigationCompleted { tab_id: i64::from(i), url: URL.into(), method: "GET".into(), status: 502, headers: vec![] }).collect();
    let mut now = T0;
    loop {
        while let Some(event) = queue.pop_front() {
            for action in engine.handle(event, now) {
                match action {
                    Action::ScheduleWakeUp { at_ms } => wake = at_ms,
                    Action::Probe { probe_id, .. } => {
                        result.probes += 1;
                        queue.push_back(Event::ProbeCompleted { probe_id, status: Some(status_at(now)), error: None, retry_after: None, html: None });
                    }
                    Action::ReloadTab { tab_id, url, .. } => {
                        result.reloads += 1;
                        let status = status_at(now);
                        if status == 200 {
                            if let Some(r) = usize::try_from(tab_id).ok().and_then(|i| restored.get_mut(i)) {
                                if !*r {
                                    *r = true;
                                    result.delays_s.push((now - healthy_at) / 1000.0);
                                }
                            }
                        }
                        queue.push_back(Event::NavigationStarted { tab_id, url: url.clone(), method: Some("GET".into()) });
                        queue.push_back(Event::NavigationCompleted { tab_id, url, method: "GET".into(), status, headers: vec![] });
                    }
                    Action::ClearCookies { tab_id, .. } => queue.push_back(Event::CookiesCleared { tab_id, removed: 0 }),
                    // A reloaded page is looked into: a healthy one sends no report.
                    Action::InspectTab { tab_id, .. } => queue.push_back(Event::InspectionEnded { tab_id }),
                    _ => {}
                }
            }
        }
        let gave_up = (0..tabs).filter(|&i| engine.tab_view(i64::from(i), now).state == ViewState::GaveUp).count() as u32;
        let done = restored.iter().filter(|r| **r).count() as u32;
        if done + gave_up >= tabs {
            result.gave_up = gave_up;
            break;
        }
        match wake {
            Some(at) if at - T0 <= HORIZON_MS => {
                now = at.max(now);
                queue.push_back(Event::WokeUp);
            }
            _ => {
                result.gave_up = tabs - done;
                break;
            }
        }
    }
    result
}

/// Run `runs` outages drawn from `dist` and aggregate.
pub fn run_many(policy: Policy, settings: &Settings, dist: OutageDist, tabs: u32, runs: u32, seed: u64) -> Summary {
    let mut rng = Rng::new(seed);
    let (mut requests, mut probes, mut reloads, mut outage_sum, mut gave_up) = (0u64, 0u64, 0u64, 0.0, 0u32);
    let mut delays = Vec::new();
    for _ in 0..runs {
        let outage_s = match dist {
            OutageDist::Fixed(s) => s,
            OutageDist::LogUniform { min, max } => (min.ln() + rng.next_f64() * (max.ln() - min.ln())).exp(),
        };
        let r = run_once(policy, settings, outage_s, tabs, rng.next_u64());
        outage_sum += outage_s;
        probes += r.probes;
        reloads += r.reloads;
        requests += r.probes + r.reloads;
        gave_up += r.gave_up;
        delays.extend(r.delays_s);
    }
    delays.sort_by(f64::total_cmp);
    let n = f64::from(runs.max(1));
    let pct = |p: f64| if delays.is_empty() { 0.0 } else { delays[((delays.len() - 1) as f64 * p).round() as usize] };
    Summary {
        policy: match policy {
            Policy::Default => "default",
            Policy::Fixed5 => "fixed5",
            Policy::Chromium => "chromium",
        }
        .into(),
        runs,
        tabs,
        outage_mean_s: outage_sum / n,
        requests_mean: requests as f64 / n,
        probes_mean: probes as f64 / n,
        reloads_mean: reloads as f64 / n,
        recovery_delay_mean_s: if delays.is_empty() { 0.0 } else { delays.iter().sum::<f64>() / delays.len() as f64 },
        recovery_delay_p50_s: pct(0.5),
        recovery_delay_p95_s: pct(0.95),
        gave_up,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed5_is_closed_form() {
        let r = run_once(Policy::Fixed5, &Settings::default(), 12.0, 2, 0);
        assert_eq!(r.reloads, 6);
        assert_eq!(r.delays_s, vec![3.0, 3.0]);
    }

    #[test]
    fn engine_restores_every_tab_with_shared_probes() {
        let one = run_once(Policy::Default, &Settings::default(), 90.0, 1, 3);
        let ten = run_once(Policy::Default, &Settings::default(), 90.0, 10, 3);
        assert_eq!(one.gave_up, 0);
        assert_eq!(ten.gave_up, 0);
        assert_eq!(ten.delays_s.len(), 10);
        assert_eq!(one.probes, ten.probes, "one probe per wake-up whatever the number of tabs");
        assert_eq!(ten.reloads, 10);
    }
}
