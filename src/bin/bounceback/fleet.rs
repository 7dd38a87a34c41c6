//! Many users, one outage: the load a retry policy puts on a site at internet scale.
//!
//! The site fails from t = 0 to t = `outage_s`. `users` users meet the failure at random
//! moments while it is down (a Poisson process over the outage, conditioned on its count: each
//! arrival uniform in `[0, outage_s)`), each with one tab, and each then follows a policy:
//! the real [`Engine`] with the given settings (one engine per user, as each user has their
//! own browser, seeded differently), Chromium's or a 5 s fixed reload schedule, or a person
//! who presses reload every 3–10 s (uniformly at random) and gives up a minute after the
//! failure. Every request a user sends after the failing navigation itself (probes and
//! reloads; the arrivals are the same for every policy) is counted in one-second bins, giving
//! the peak and the mean requests per second during the outage and in the minute after it.
//! Responses are instantaneous. Pure: no clock, no I/O; reproducible from the seed.

use std::collections::VecDeque;

use bounceback::engine::backoff::Rng;
use bounceback::engine::{Action, Engine, Event, ViewState};
use bounceback::settings::Settings;
use serde::Serialize;

/// What each user does.
#[derive(Debug, Clone, PartialEq)]
pub enum Crowd {
    /// Bounceback with these settings.
    Extension(Settings),
    /// Reload every 5 s until the page is back.
    Fixed5,
    /// Chromium's error-page auto-reload: after 1, 5, 30, 60, 300, 600, 1800 s, then every 1800 s.
    Chromium,
    /// Reload by hand every 3–10 s; give up a minute after the failure.
    People,
}

impl Crowd {
    fn name(&self) -> &'static str {
        match self {
            Crowd::Extension(_) => "default",
            Crowd::Fixed5 => "fixed5",
            Crowd::Chromium => "chromium",
            Crowd::People => "people",
        }
    }
}

/// Requests per second against the site over one window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rates {
    /// The busiest one-second bin.
    pub peak_rps: f64,
    pub mean_rps: f64,
}

/// One policy's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FleetReport {
    pub policy: String,
    pub users: u32,
    pub outage_s: f64,
    /// Arrivals per second (the failing navigations, not counted in the rates).
    pub arrivals_rps: f64,
    pub during_outage: Rates,
    pub first_minute_after: Rates,
    pub requests_per_user: f64,
    /// Users whose page came back by itself.
    pub restored: u32,
    /// Mean seconds from the site's return to the page, over the restored users.
    pub recovery_delay_mean_s: f64,
}

/// How long after the outage the request times are followed: the reported minute, with room.
const AFTER_S: f64 = 60.0;
const T0: f64 = 1_700_000_000_000.0;
const URL: &str = "https://fleet.example/page";

/// Simulate `users` users of `crowd` meeting an outage of `outage_s` seconds.
pub fn run(crowd: &Crowd, users: u32, outage_s: f64, seed: u64) -> Result<FleetReport, String> {
    if !(outage_s.is_finite() && outage_s > 0.0 && outage_s <= 86_400.0) {
        return Err(format!("the outage must last more than 0 s and at most a day (got {outage_s})"));
    }
    if users == 0 {
        return Err("--fleet needs at least one user".into());
    }
    let bins = (outage_s + AFTER_S).ceil() as usize;
    let mut counts = vec![0u64; bins];
    let (mut total, mut restored, mut delay_sum) = (0u64, 0u32, 0.0);
    let mut rng = Rng::new(seed);
    for _ in 0..users {
        let arrival = rng.next_f64() * outage_s;
        let user_seed = rng.next_u64();
        let outcome = match crowd {
            Crowd::Extension(settings) => extension_user(settings, arrival, outage_s, user_seed),
            Crowd::Fixed5 => reloads(arrival, outage_s, f64::INFINITY, |_| 5.0),
            Crowd::Chromium => reloads(arrival, outage_s, f64::INFINITY, |n| [1.0, 5.0, 30.0, 60.0, 300.0, 600.0, 1800.0].get(n).copied().unwrap_or(1800.0)),
            Crowd::People => {
                let mut r = Rng::new(user_seed);
                reloads(arrival, outage_s, arrival + 60.0, move |_| 3.0 + 7.0 * r.next_f64())
            }
        };
        for &t in &outcome.requests_s {
            total += 1;
            if let Some(c) = counts.get_mut(t as usize) {
                *c += 1;
            }
        }
        if let Some(at) = outcome.restored_at_s {
            restored += 1;
            delay_sum += at - outage_s;
        }
    }
    let during_bins = (outage_s.ceil() as usize).min(bins);
    let during_count: u64 = counts[..during_bins].iter().sum();
    let after = &counts[during_bins..];
    let rates = |bins: &[u64], count: u64, span: f64| Rates {
        peak_rps: bins.iter().copied().max().unwrap_or(0) as f64,
        mean_rps: if span > 0.0 { count as f64 / span } else { 0.0 },
    };
    Ok(FleetReport {
        policy: crowd.name().into(),
        users,
        outage_s,
        arrivals_rps: f64::from(users) / outage_s,
        during_outage: rates(&counts[..during_bins], during_count, outage_s),
        first_minute_after: rates(after, after.iter().sum(), AFTER_S),
        requests_per_user: total as f64 / f64::from(users),
        restored,
        recovery_delay_mean_s: if restored > 0 { delay_sum / f64::from(restored) } else { 0.0 },
    })
}

/// One user's requests (seconds since the outage began) and when their page came back.
struct Outcome {
    requests_s: Vec<f64>,
    restored_at_s: Option<f64>,
}

/// Reload after each `wait(n)` until a reload finds the site up or the next one would come
/// after `give_up_at`.
fn reloads(arrival: f64, outage_s: f64, give_up_at: f64, mut wait: impl FnMut(usize) -> f64) -> Outcome {
    let (mut t, mut requests_s) = (arrival, Vec::new());
    for n in 0..10_000 {
        t += wait(n);
        if t > give_up_at {
            break;
        }
        requests_s.push(t);
        if t >= outage_s {
            return Outcome { requests_s, restored_at_s: Some(t) };
        }
    }
    Outcome { requests_s, restored_at_s: None }
}

/// The real engine, driven as `bounceback::sim` drives it, from the user's failing navigation to
/// their page shown (or the engine giving up, or a safety horizon a day after the outage).
fn extension_user(settings: &Settings, arrival: f64, outage_s: f64, seed: u64) -> Outcome {
    let mut engine = Engine::new(settings.clone(), seed);
    let at = |s: f64| T0 + s * 1000.0;
    let status_at = |ms: f64| if ms >= at(outage_s) { 200u16 } else { 502 };
    let mut out = Outcome { requests_s: Vec::new(), restored_at_s: None };
    let mut queue = VecDeque::from([Event::NavigationCompleted { tab_id: 1, url: URL.into(), method: "GET".into(), status: 502, headers: vec![] }]);
    let (mut now, mut wake) = (at(arrival), None);
    for _ in 0..100_000 {
        while let Some(event) = queue.pop_front() {
            for action in engine.handle(event, now) {
                match action {
                    Action::ScheduleWakeUp { at_ms } => wake = at_ms,
                    Action::Probe { probe_id, .. } => {
                        out.requests_s.push((now - T0) / 1000.0);
                        queue.push_back(Event::ProbeCompleted { probe_id, status: Some(status_at(now)), error: None, retry_after: None, html: None });
                    }
                    Action::ReloadTab { tab_id, url, .. } => {
                        out.requests_s.push((now - T0) / 1000.0);
                        let status = status_at(now);
                        if status == 200 && out.restored_at_s.is_none() {
                            out.restored_at_s = Some((now - T0) / 1000.0);
                        }
                        queue.push_back(Event::NavigationStarted { tab_id, url: url.clone(), method: Some("GET".into()) });
                        queue.push_back(Event::NavigationCompleted { tab_id, url, method: "GET".into(), status, headers: vec![] });
                    }
                    Action::ClearCookies { tab_id, .. } => queue.push_back(Event::CookiesCleared { tab_id, removed: 0 }),
                    _ => {}
                }
            }
        }
        if out.restored_at_s.is_some() || engine.tab_view(1, now).state == ViewState::GaveUp {
            break;
        }
        match wake {
            Some(w) if w <= at(outage_s + 86_400.0) => {
                now = w.max(now);
                queue.push_back(Event::WokeUp);
            }
            _ => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_reloads_are_counted_in_their_bins() {
        // One user, arrival somewhere in [0, 12): reloads every 5 s until the first at or after 12 s.
        let r = run(&Crowd::Fixed5, 1, 12.0, 3).unwrap();
        assert_eq!(r.restored, 1);
        assert!(r.recovery_delay_mean_s >= 0.0 && r.recovery_delay_mean_s < 5.0, "{r:?}");
        let during = r.during_outage.mean_rps * 12.0;
        let after = r.first_minute_after.mean_rps * 60.0;
        assert_eq!(during + after, r.requests_per_user, "{r:?}");
        assert_eq!(after, 1.0, "exactly the reload that finds the site up");
    }

    #[test]
    fn people_give_up_after_a_minute() {
        let r = run(&Crowd::People, 200, 600.0, 5).unwrap();
        // Arrivals in the last minute may still be there when the site returns; others are not.
        assert!(r.restored < 40, "{r:?}");
        // 60 s of reloads every 3–10 s: 7 to 20 each.
        assert!(r.requests_per_user >= 6.0 && r.requests_per_user <= 20.0, "{r:?}");
    }

    #[test]
    fn every_extension_user_comes_back_and_load_is_shared_out() {
        let r = run(&Crowd::Extension(Settings::default()), 300, 120.0, 9).unwrap();
        assert_eq!(r.restored, 300);
        assert!(r.recovery_delay_mean_s < 60.0, "{r:?}");
        assert!(r.during_outage.peak_rps >= r.during_outage.mean_rps);
        let five = run(&Crowd::Fixed5, 300, 120.0, 9).unwrap();
        assert!(r.during_outage.mean_rps < five.during_outage.mean_rps / 2.0, "{r:?} vs {five:?}");
    }

    #[test]
    fn bad_input_is_refused() {
        assert!(run(&Crowd::Fixed5, 0, 10.0, 1).is_err());
        assert!(run(&Crowd::Fixed5, 10, 0.0, 1).is_err());
        assert!(run(&Crowd::Fixed5, 10, f64::NAN, 1).is_err());
    }
}
