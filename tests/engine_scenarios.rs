//! Simulated-clock scenarios of the recovery engine: events in, actions checked, no browser.
#![cfg(not(target_arch = "wasm32"))]

use bounceback::engine::incident::{Fix, FixedBy, Outcome};
use bounceback::engine::recovery::ErrorName;
use bounceback::engine::view::{NextStep, ViewState};
use bounceback::engine::{Action, Advice, Command, Engine, Event, NotifyKind, ProbeMethod, TabId};
use bounceback::settings::{CookieClearing, Settings};

const T0: f64 = 1_700_000_000_000.0;
const URL: &str = "https://shop.example/cart?x=1";

struct H {
    e: Engine,
    now: f64,
    wake: Option<f64>,
    /// Whether the shell answers `InspectTab` at once with `InspectionEnded`, as it does for a
    /// page that looks healthy (no report); off to play the page's report by hand.
    healthy_pages: bool,
}

impl H {
    fn new(settings: Settings) -> H {
        H { e: Engine::new(settings, 42), now: T0, wake: None, healthy_pages: true }
    }
    fn send(&mut self, ev: Event) -> Vec<Action> {
        let mut out = self.send_one(ev);
        let looks: Vec<TabId> = out.iter().filter_map(|a| if let Action::InspectTab { tab_id, .. } = a { Some(*tab_id) } else { None }).collect();
        if self.healthy_pages {
            for tab_id in looks {
                out.extend(self.send_one(Event::InspectionEnded { tab_id }));
            }
        }
        out
    }
    fn send_one(&mut self, ev: Event) -> Vec<Action> {
        let out = self.e.handle(ev, self.now);
        match out.last() {
            Some(Action::ScheduleWakeUp { at_ms }) => self.wake = *at_ms,
            other => panic!("batch must end with ScheduleWakeUp, got {other:?}"),
        }
        if let Some(w) = self.wake {
            assert!(w.is_finite());
        }
        out
    }
    fn at(&mut self, t: f64) -> &mut H {
        assert!(t >= self.now);
        self.now = t;
        self
    }
    /// Advance to the requested deadline and wake up.
    fn wake_up(&mut self) -> Vec<Action> {
        let w = self.wake.expect("a deadline");
        self.now = self.now.max(w);
        self.send(Event::WokeUp)
    }
    fn fail(&mut self, tab: TabId, url: &str, status: u16) -> Vec<Action> {
        self.send(nav(tab, url, "GET", status, vec![]))
    }
    fn answer(&mut self, id: u64, status: u16) -> Vec<Action> {
        self.send(Event::ProbeCompleted { probe_id: id, status: Some(status), error: None, retry_after: None, html: None })
    }
    fn cmd(&mut self, tab: TabId, command: Command) -> Vec<Action> {
        self.send(Event::UserCommanded { tab_id: tab, command })
    }
    fn state(&self, tab: TabId) -> ViewState {
        self.e.tab_view(tab, self.now).state
    }
    /// Wake up until a credentialed probe goes out, answering failing ones with `status`.
    fn probe_until_credentialed(&mut self, status: u16) -> u64 {
        for _ in 0..10 {
            let out = self.wake_up();
            let ps = probes(&out);
            assert_eq!(ps.len(), 1, "{out:?}");
            let (id, _, cred) = ps[0].clone();
            if cred {
                return id;
            }
            let again = self.answer(id, status);
            assert!(probes(&again).is_empty());
        }
        panic!("no credentialed probe");
    }
}

fn nav(tab: TabId, url: &str, method: &str, status: u16, headers: Vec<(String, String)>) -> Event {
    Event::NavigationCompleted { tab_id: tab, url: url.into(), method: method.into(), status, headers }
}

fn probes(out: &[Action]) -> Vec<(u64, String, bool)> {
    out.iter()
        .filter_map(|a| match a {
            Action::Probe { probe_id, url, credentials, method, .. } => {
                assert_eq!(*method, ProbeMethod::Head);
                Some((*probe_id, url.clone(), *credentials))
            }
            _ => None,
        })
        .collect()
}

fn reloads(out: &[Action]) -> Vec<(TabId, bool)> {
    out.iter()
        .filter_map(|a| match a {
            Action::ReloadTab { tab_id, bypass_cache, .. } => Some((*tab_id, *bypass_cache)),
            _ => None,
        })
        .collect()
}

fn cleared(out: &[Action]) -> Vec<(TabId, String)> {
    out.iter()
        .filter_map(|a| match a {
            Action::ClearCookies { tab_id, url } => Some((*tab_id, url.clone())),
            _ => None,
        })
        .collect()
}

fn has(out: &[Action], f: impl Fn(&Action) -> bool) -> bool {
    out.iter().any(f)
}

#[test]
fn bad_gateway_then_healthy_probe_single_reload_incident_recorded() {
    let mut h = H::new(Settings::default());
    let out = h.fail(1, URL, 502);
    assert!(probes(&out).is_empty() && reloads(&out).is_empty());
    assert!(has(&out, |a| matches!(a, Action::SetBadge { tab_id: 1, countdown_to_ms: Some(_), .. })));
    let w = h.wake.unwrap();
    assert!(w >= T0 + Settings::default().floor_ms);
    assert_eq!(h.state(1), ViewState::Recovering);
    assert_eq!(h.e.tab_view(1, h.now).next_step, Some(NextStep::Probe));

    let out = h.wake_up();
    let ps = probes(&out);
    assert_eq!(ps.len(), 1);
    assert_eq!(ps[0].1, URL);
    assert!(ps[0].2, "first probe carries credentials");
    assert_eq!(h.state(1), ViewState::Probing);
    let out = h.answer(ps[0].0, 502);
    assert!(reloads(&out).is_empty());
    assert_eq!(h.e.tab_view(1, h.now).attempt, 1);

    let id = h.probe_until_credentialed(502);
    let out = h.answer(id, 200);
    assert_eq!(reloads(&out), vec![(1, false)]);

    // Our own reload starts a navigation to the same URL: that is not "navigating away".
    let out = h.send(Event::NavigationStarted { tab_id: 1, url: URL.into(), method: Some("GET".into()) });
    assert!(!has(&out, |a| matches!(a, Action::ClearBadge { .. })));
    let out = h.fail(1, URL, 200);
    assert!(has(&out, |a| matches!(a, Action::ClearBadge { tab_id: 1 })));
    assert!(has(
        &out,
        |a| matches!(a, Action::Notify { id, kind: NotifyKind::Recovered, site, tab_id: 1, unless_tab_seen: true } if id == "recovered-1" && site == "shop.example")
    ));
    assert_eq!(h.wake, None);
    assert_eq!(h.state(1), ViewState::Healthy);
    let inc = h.e.incidents();
    assert_eq!(inc.len(), 1);
    assert_eq!(inc[0].site, "shop.example");
    assert_eq!(inc[0].outcome, Outcome::Recovered);
    assert_eq!(inc[0].fixed_by, Some(FixedBy::Reload));
    assert_eq!(inc[0].statuses, vec![502]);
    assert!(inc[0].attempts >= 2);
    h.e.clear_incidents();
    assert!(h.e.incidents().is_empty());
}

#[test]
fn notifications_off_no_notify() {
    let mut h = H::new(Settings { notifications: false, ..Settings::default() });
    h.fail(1, URL, 503);
    let id = h.probe_until_credentialed(503);
    h.answer(id, 200);
    let out = h.fail(1, URL, 200);
    assert!(!has(&out, |a| matches!(a, Action::Notify { .. })));
}

#[test]
fn ten_tabs_one_origin_one_probe_per_wake_up() {
    let mut h = H::new(Settings::default());
    for tab in 0..10 {
        h.fail(tab, &format!("https://shop.example/item/{tab}"), 502);
    }
    h.fail(99, "https://other.example/", 502);
    for _ in 0..5 {
        let out = h.wake_up();
        let ps = probes(&out);
        assert!(ps.len() <= 2, "{ps:?}");
        for (id, url, _) in ps {
            h.answer(id, 502);
            let _ = url;
        }
    }
    // Now answer healthy for shop.example only.
    let mut reloaded = Vec::new();
    for _ in 0..10 {
        let out = h.wake_up();
        let ps = probes(&out);
        let shop: Vec<_> = ps.iter().filter(|p| p.1.starts_with("https://shop.example")).collect();
        assert!(shop.len() <= 1);
        for (id, url, cred) in ps.clone() {
            let healthy = url.starts_with("https://shop.example");
            let out = h.answer(id, if healthy { 200 } else { 502 });
            if healthy && !cred {
                // credential-less comparison was healthy: the credentialed follow-up decides
                let follow = probes(&out);
                assert_eq!(follow.len(), 1);
                reloaded.extend(reloads(&h.answer(follow[0].0, 200)));
            } else {
                reloaded.extend(reloads(&out));
            }
        }
        if !reloaded.is_empty() {
            break;
        }
    }
    reloaded.sort();
    assert_eq!(reloaded, (0..10).map(|t| (t, false)).collect::<Vec<_>>());
    assert_eq!(h.state(99), ViewState::Recovering);
}

#[test]
fn failed_post_never_reloaded_until_resubmit() {
    let mut h = H::new(Settings::default());
    let out = h.send(nav(1, URL, "POST", 502, vec![]));
    assert!(probes(&out).is_empty() && reloads(&out).is_empty());
    assert_eq!(h.wake, None);
    assert_eq!(h.state(1), ViewState::FailedPost);
    assert!(has(&out, |a| matches!(a, Action::SetBadge { text, .. } if text == "POST")));
    h.at(T0 + 3_600_000.0);
    for c in [Command::RetryNow, Command::HardReload, Command::WatchWhenBack] {
        let out = h.cmd(1, c);
        assert!(reloads(&out).is_empty() && probes(&out).is_empty());
    }
    assert!(reloads(&h.send(Event::WokeUp)).is_empty());
    let out = h.cmd(1, Command::Resubmit);
    assert_eq!(reloads(&out), vec![(1, false)]);
    let out = h.fail(1, URL, 200);
    assert!(has(&out, |a| matches!(a, Action::ClearBadge { tab_id: 1 })));
    assert_eq!(h.e.incidents()[0].fixed_by, Some(FixedBy::Resubmit));
}

#[test]
fn post_arriving_during_get_recovery_blocks_automatic_reload() {
    let mut h = H::new(Settings::default());
    h.fail(1, URL, 502);
    h.send(nav(1, URL, "POST", 502, vec![]));
    assert_eq!(h.state(1), ViewState::FailedPost);
    h.at(T0 + 600_000.0);
    let out = h.send(Event::WokeUp);
    assert!(probes(&out).is_empty() && reloads(&out).is_empty());
}

#[test]
fn a_users_answered_post_during_get_recovery_ends_it_and_is_never_reloaded() {
    // Found by engine_props in CI: GET 500, then the user's POST to the same URL answered 200,
    // then "Hard reload" from the popup reloaded (resent) the POST.
    let mut h = H::new(Settings::default());
    h.fail(1, URL, 500);
    assert_eq!(h.state(1), ViewState::Recovering);
    let out = h.send(nav(1, URL, "POST", 200, vec![]));
    assert!(has(&out, |a| matches!(a, Action::ClearBadge { tab_id: 1 })), "{out:?}");
    assert_eq!(h.state(1), ViewState::Healthy);
    assert!(h.e.incidents().is_empty(), "the user's submission did not fix anything of ours");
    for c in [Command::HardReload, Command::RetryNow, Command::ClearCookies { remember: false }] {
        let out = h.cmd(1, c);
        assert!(reloads(&out).is_empty() && probes(&out).is_empty(), "{out:?}");
    }
    // The answer is itself an error page by its text: a fresh recovery, as a failed POST.
    h.send(soft_error_text(1, URL));
    assert_eq!(h.state(1), ViewState::FailedPost);
    let out = h.cmd(1, Command::HardReload);
    assert!(reloads(&out).is_empty(), "{out:?}");
}

#[test]
fn hard_reload_while_a_resubmission_is_verified_does_not_resend_it() {
    let mut h = H::new(Settings::default());
    h.healthy_pages = false;
    h.send(nav(1, URL, "POST", 502, vec![]));
    assert_eq!(reloads(&h.cmd(1, Command::Resubmit)), vec![(1, false)]);
    // The resubmission answered 200 (its text is being read): a hard reload would resend it.
    let out = h.send(nav(1, URL, "POST", 200, vec![]));
    assert!(has(&out, |a| matches!(a, Action::InspectTab { tab_id: 1, .. })), "{out:?}");
    let out = h.cmd(1, Command::HardReload);
    assert!(reloads(&out).is_empty(), "{out:?}");
    // Its text is an error page still: a failed POST again, waiting for the user.
    h.send(soft_error_text(1, URL));
    assert_eq!(h.state(1), ViewState::FailedPost);
}

#[test]
fn clearing_cookies_while_a_resubmission_is_out_never_reloads_and_leaves_no_stale_deadline() {
    // Found by engine_props: with the resubmission in flight, "Clear cookies" used to start a
    // clearing whose reload (of a POST) was refused, leaving its deadline in the past.
    let mut h = H::new(Settings { cookie_clearing: CookieClearing::Ask, ..Settings::default() });
    h.send(Event::NavigationFailed { tab_id: 1, url: URL.into(), method: "POST".into(), error: "net::ERR_CONNECTION_REFUSED".into() });
    assert_eq!(h.state(1), ViewState::FailedPost);
    assert_eq!(reloads(&h.cmd(1, Command::Resubmit)), vec![(1, false)]);
    let out = h.cmd(1, Command::ClearCookies { remember: false });
    assert!(has(&out, |a| matches!(a, Action::ClearCookies { tab_id: 1, .. })), "{out:?}");
    for _ in 0..4 {
        let Some(w) = h.wake else { break };
        h.now = h.now.max(w);
        let out = h.send(Event::WokeUp);
        assert!(reloads(&out).is_empty(), "{out:?}");
        assert!(h.wake.map_or(true, |w| w > h.now), "a deadline in the past: {:?}", h.wake);
    }
    assert_eq!(h.state(1), ViewState::FailedPost);
}

#[test]
fn retry_after_on_navigation_is_respected() {
    let mut h = H::new(Settings::default());
    let ra = vec![("Retry-After".to_string(), "120".to_string())];
    h.send(nav(1, URL, "GET", 503, ra));
    assert_eq!(h.wake, Some(T0 + 120_000.0));
    assert_eq!(h.state(1), ViewState::WaitingRetryAfter);
    h.at(T0 + 60_000.0);
    let out = h.send(Event::WokeUp);
    assert!(probes(&out).is_empty(), "no probe before Retry-After");
    let out = h.wake_up();
    assert_eq!(probes(&out).len(), 1);
    let id = probes(&out)[0].0;
    let out = h.answer(id, 200);
    assert_eq!(reloads(&out).len(), 1);
    h.fail(1, URL, 200);
    assert_eq!(h.e.incidents()[0].fixed_by, Some(FixedBy::RetryAfterWait));
}

#[test]
fn retry_after_on_probe_is_respected() {
    let mut h = H::new(Settings::default());
    h.fail(1, URL, 503);
    let out = h.wake_up();
    let id = probes(&out)[0].0;
    let sent = h.now;
    h.send(Event::ProbeCompleted { probe_id: id, status: Some(503), error: None, retry_after: Some("300".into()), html: None });
    assert_eq!(h.wake, Some(sent + 300_000.0));
    assert_eq!(h.state(1), ViewState::WaitingRetryAfter);
}

#[test]
fn too_many_requests_only_with_retry_after() {
    let mut h = H::new(Settings::default());
    h.fail(1, URL, 429);
    assert_eq!(h.state(1), ViewState::Healthy);
    h.send(nav(2, URL, "GET", 429, vec![("retry-after".into(), "30".into())]));
    assert_eq!(h.state(2), ViewState::WaitingRetryAfter);
    assert_eq!(h.wake, Some(T0 + 30_000.0));
}

#[test]
fn client_errors_odd_schemes_and_hard_failures_do_not_trigger() {
    let mut h = H::new(Settings::default());
    h.fail(1, URL, 404);
    h.fail(2, URL, 403);
    h.fail(3, "file:///tmp/x.html", 502);
    h.fail(4, "chrome://newtab/", 502);
    h.send(Event::NavigationFailed { tab_id: 5, url: URL.into(), method: "GET".into(), error: "net::ERR_CERT_DATE_INVALID".into() });
    for t in 1..=5 {
        assert_eq!(h.state(t), ViewState::Healthy);
    }
    assert_eq!(h.wake, None);
    h.send(Event::NavigationFailed { tab_id: 6, url: URL.into(), method: "GET".into(), error: "net::ERR_CONNECTION_REFUSED".into() });
    assert_eq!(h.state(6), ViewState::Recovering);
    assert_eq!(h.e.tab_view(6, h.now).last_error.as_ref().map(ErrorName::as_str), Some("net::ERR_CONNECTION_REFUSED"));
}

#[test]
fn network_errors_setting_off() {
    let mut h = H::new(Settings { network_errors: false, ..Settings::default() });
    h.send(Event::NavigationFailed { tab_id: 6, url: URL.into(), method: "GET".into(), error: "NS_ERROR_CONNECTION_REFUSED".into() });
    assert_eq!(h.state(6), ViewState::Healthy);
}

#[test]
fn offline_pauses_online_resumes_promptly() {
    let mut h = H::new(Settings::default());
    h.fail(1, URL, 502);
    let out = h.send(Event::ConnectivityChanged { online: false });
    assert_eq!(h.wake, Some(T0 + 60_000.0), "a slow connectivity check stays scheduled");
    assert_eq!(h.state(1), ViewState::Offline);
    assert!(has(&out, |a| matches!(a, Action::SetBadge { text, .. } if text == "off")));
    h.at(T0 + 600_000.0);
    let out = h.send(Event::WokeUp);
    assert!(probes(&out).is_empty());
    assert_eq!(h.wake, Some(T0 + 660_000.0));
    h.at(T0 + 700_000.0);
    let out = h.send(Event::ConnectivityChanged { online: true });
    assert_eq!(probes(&out).len(), 1, "probe promptly when back online");
    assert_eq!(h.state(1), ViewState::Probing);
}

#[test]
fn navigating_elsewhere_stops_and_tab_closed_drops_state() {
    let mut h = H::new(Settings::default());
    h.fail(1, URL, 502);
    h.send(Event::NavigationStarted { tab_id: 1, url: format!("{URL}#section"), method: None });
    assert_eq!(h.state(1), ViewState::Recovering, "a fragment change is the same page");
    let out = h.send(Event::NavigationStarted { tab_id: 1, url: "https://elsewhere.example/".into(), method: Some("GET".into()) });
    assert!(has(&out, |a| matches!(a, Action::ClearBadge { tab_id: 1 })));
    assert_eq!(h.state(1), ViewState::Healthy);
    assert_eq!(h.wake, None);

    h.fail(2, URL, 502);
    h.send(Event::TabClosed { tab_id: 2 });
    assert_eq!(h.state(2), ViewState::Healthy);
    assert_eq!(h.e.tab_view(2, h.now).url, None);
    assert_eq!(h.wake, None);
    let snap = serde_json::to_string(&h.e.snapshot()).unwrap();
    assert!(!snap.contains("shop.example"), "no trace of closed tab: {snap}");
}

#[test]
fn stop_command_clears_badge() {
    let mut h = H::new(Settings::default());
    h.fail(1, URL, 502);
    let out = h.cmd(1, Command::Stop);
    assert!(has(&out, |a| matches!(a, Action::ClearBadge { tab_id: 1 })));
    assert_eq!(h.wake, None);
}

/// Drive one tab through the escalation with a site whose probe is healthy but whose page fails.
fn escalate(policy: CookieClearing) -> (H, Vec<Vec<Action>>) {
    escalate_with(policy, true)
}

/// `escalate`, with the browser's permission to clear cookies granted or not.
fn escalate_with(policy: CookieClearing, cookie_access: bool) -> (H, Vec<Vec<Action>>) {
    let mut h = H::new(Settings { cookie_clearing: policy, ..Settings::default() });
    h.send(Event::CookieAccessChanged { allowed: cookie_access });
    h.fail(1, URL, 502);
    let mut steps = Vec::new();
    for _ in 0..3 {
        let out = h.wake_up();
        let ps = probes(&out);
        assert_eq!(ps.len(), 1);
        let mut out = h.answer(ps[0].0, 200);
        if !ps[0].2 {
            out = h.answer(probes(&out)[0].0, 200);
        }
        steps.push(out.clone());
        if !reloads(&out).is_empty() {
            h.fail(1, URL, 502);
        } else if !cleared(&out).is_empty() {
            let out = h.send(Event::CookiesCleared { tab_id: 1, removed: 3 });
            steps.push(out);
            break;
        } else {
            break;
        }
    }
    (h, steps)
}

#[test]
fn escalation_reload_hard_reload_then_cookies_automatic() {
    let (mut h, steps) = escalate(CookieClearing::Automatic);
    assert_eq!(reloads(&steps[0]), vec![(1, false)]);
    assert_eq!(reloads(&steps[1]), vec![(1, true)]);
    assert_eq!(cleared(&steps[2]), vec![(1, URL.to_string())]);
    assert_eq!(reloads(&steps[3]), vec![(1, true)]);
    h.fail(1, URL, 200);
    let inc = &h.e.incidents()[0];
    assert_eq!(inc.fixed_by, Some(FixedBy::CookiesCleared));
    assert!(inc.cookies_cleared);
    assert_eq!(inc.tried, vec![Fix::Reload, Fix::HardReload, Fix::CookiesCleared]);
}

#[test]
fn escalation_with_ask_gives_up_suggesting_cookies_then_user_clears() {
    let (mut h, steps) = escalate(CookieClearing::Ask);
    assert_eq!(steps.len(), 3);
    assert!(cleared(&steps[2]).is_empty());
    assert_eq!(h.state(1), ViewState::GaveUp);
    let v = h.e.tab_view(1, h.now);
    assert!(matches!(&v.advice[0], Advice::PageKeptFailing(tried, took) if tried == &[Fix::Reload, Fix::HardReload] && *took > 0.0), "{v:?}");
    assert_eq!(v.advice[1..], [Advice::ClearCookiesMayHelp(), Advice::WatchOffer()], "{v:?}");
    assert!(has(&steps[2], |a| matches!(a, Action::SetBadge { text, .. } if text == "!")));
    let out = h.cmd(1, Command::ClearCookies { remember: true });
    assert_eq!(cleared(&out), vec![(1, URL.to_string())]);
    let out = h.send(Event::CookiesCleared { tab_id: 1, removed: 2 });
    assert_eq!(reloads(&out), vec![(1, true)]);
    // Remembered for the site.
    assert_eq!(h.e.tab_view(1, h.now).cookie_clearing, CookieClearing::Automatic);
}

#[test]
fn escalation_with_never_never_clears() {
    let (mut h, steps) = escalate(CookieClearing::Never);
    assert!(steps.iter().all(|s| cleared(s).is_empty()));
    assert_eq!(h.state(1), ViewState::GaveUp);
    let out = h.cmd(1, Command::ClearCookies { remember: true });
    assert!(cleared(&out).is_empty());
    assert_eq!(h.e.tab_view(1, h.now).cookie_clearing, CookieClearing::Never);
}

#[test]
fn automatic_without_the_cookie_permission_acts_as_ask() {
    let (mut h, steps) = escalate_with(CookieClearing::Automatic, false);
    assert!(steps.iter().all(|s| cleared(s).is_empty()), "{steps:?}");
    assert_eq!(h.state(1), ViewState::GaveUp);
    let v = h.e.tab_view(1, h.now);
    assert!(v.advice.contains(&Advice::ClearCookiesMayHelp()), "{v:?}");
    // A command that slipped past the popup's permission request does nothing either.
    assert!(cleared(&h.cmd(1, Command::ClearCookies { remember: false })).is_empty());
    assert_eq!(h.state(1), ViewState::GaveUp);
    // Granted (the popup's request): the same command clears.
    h.send(Event::CookieAccessChanged { allowed: true });
    assert_eq!(cleared(&h.cmd(1, Command::ClearCookies { remember: false })), vec![(1, URL.to_string())]);
}

/// Escalates tab 1 (automatic clearing) up to the step that clears its cookies.
fn to_clearing() -> H {
    let mut h = H::new(Settings { cookie_clearing: CookieClearing::Automatic, ..Settings::default() });
    h.fail(1, URL, 502);
    for _ in 0..3 {
        let ps = probes(&h.wake_up());
        let mut out = h.answer(ps[0].0, 200);
        if !ps[0].2 {
            out = h.answer(probes(&out)[0].0, 200);
        }
        if !cleared(&out).is_empty() {
            return h;
        }
        h.fail(1, URL, 502);
    }
    panic!("never reached the clearing step");
}

#[test]
fn permission_taken_back_while_clearing_gives_up_instead_of_reloading() {
    let mut h = to_clearing();
    // The shell finds the permission gone before it could clear anything.
    let out = h.send(Event::CookieAccessChanged { allowed: false });
    assert!(reloads(&out).is_empty());
    assert_eq!(h.state(1), ViewState::GaveUp);
    // A late answer for the clearing that never happened reloads nothing.
    assert!(reloads(&h.send(Event::CookiesCleared { tab_id: 1, removed: 0 })).is_empty());
    h.fail(1, URL, 200);
    let inc = &h.e.incidents()[0];
    assert!(!inc.cookies_cleared);
    assert_eq!(inc.tried, vec![Fix::Reload, Fix::HardReload]);
}

#[test]
fn an_unanswered_clearing_is_asked_for_once_more_then_the_tab_reloads() {
    // The shell was stopped between saving the state and reporting the clearing.
    let mut h = to_clearing();
    // Snapshots from before the retry existed read as "not retried yet".
    let old = serde_json::to_string(&h.e.snapshot()).unwrap().replace(",\"retried\":false", "");
    assert!(!old.contains("retried"), "{old}");
    assert_eq!(Engine::restore_json(&old).unwrap(), h.e);
    let out = h.wake_up();
    assert_eq!(cleared(&out), vec![(1, URL.to_string())], "cleared once more (removing cookies is idempotent)");
    assert!(reloads(&out).is_empty());
    // A snapshot taken now restores the retry as it is.
    let json = serde_json::to_string(&h.e.snapshot()).unwrap();
    assert_eq!(Engine::restore_json(&json).unwrap(), h.e);
    // Unanswered again: reload anyway, never a third clearing.
    let out = h.wake_up();
    assert!(cleared(&out).is_empty());
    assert_eq!(reloads(&out), vec![(1, true)]);
}

#[test]
fn an_answered_retry_reloads_exactly_once() {
    let mut h = to_clearing();
    h.wake_up();
    let out = h.send(Event::CookiesCleared { tab_id: 1, removed: 0 });
    assert_eq!(reloads(&out), vec![(1, true)]);
    // The first clearing's answer, arriving late, changes nothing.
    assert!(reloads(&h.send(Event::CookiesCleared { tab_id: 1, removed: 2 })).is_empty());
    h.fail(1, URL, 200);
    assert_eq!(h.e.incidents()[0].fixed_by, Some(FixedBy::CookiesCleared));
}

#[test]
fn cookie_culprit_without_the_permission_is_suspected_not_cleared() {
    let (h, out) = cookie_culprit_with(CookieClearing::Automatic, false);
    assert!(cleared(&out).is_empty());
    let v = h.e.tab_view(1, h.now);
    assert!(v.cookies_suspected);
    assert_eq!(v.state, ViewState::Recovering);
}

/// A site that fails with the user's cookies and works without them.
fn cookie_culprit(policy: CookieClearing) -> (H, Vec<Action>) {
    cookie_culprit_with(policy, true)
}

fn cookie_culprit_with(policy: CookieClearing, cookie_access: bool) -> (H, Vec<Action>) {
    // Every wait exactly 10 s (the cap and the floor leave no room for jitter), so both origins
    // are probed at each wake-up.
    let lockstep = Settings { quick_check_ms: 0.0, base_ms: 10_000.0, step_ms: 0.0, cap_ms: 10_000.0, floor_ms: 10_000.0, ..Settings::default() };
    let mut h = H::new(Settings { cookie_clearing: policy, ..lockstep });
    h.send(Event::CookieAccessChanged { allowed: cookie_access });
    h.fail(1, URL, 520);
    h.fail(2, "https://bystander.example/", 502);
    let out = h.wake_up();
    for (id, _, cred) in probes(&out) {
        assert!(cred);
        h.answer(id, if cred { 520 } else { 200 });
    }
    // The next probe of shop.example goes without credentials.
    let out = h.wake_up();
    let ps = probes(&out);
    let (id, url, cred) = ps.iter().find(|p| p.1 == URL).cloned().unwrap_or_else(|| panic!("{ps:?}"));
    assert!(!cred, "{url}");
    let out = h.answer(id, 200);
    let follow = probes(&out);
    assert_eq!(follow.len(), 1);
    assert!(follow[0].2);
    let out = h.answer(follow[0].0, 520);
    (h, out)
}

#[test]
fn cookies_suspected_automatic_clears_only_failing_url() {
    let (h, out) = cookie_culprit(CookieClearing::Automatic);
    assert_eq!(cleared(&out), vec![(1, URL.to_string())]);
    assert!(h.e.tab_view(1, h.now).cookies_suspected);
    assert!(!h.e.tab_view(2, h.now).cookies_suspected);
}

#[test]
fn cookies_suspected_ask_shows_in_view_and_continues() {
    let (mut h, out) = cookie_culprit(CookieClearing::Ask);
    assert!(cleared(&out).is_empty());
    let v = h.e.tab_view(1, h.now);
    assert!(v.cookies_suspected);
    assert_eq!(v.state, ViewState::Recovering);
    assert!(h.wake.is_some());
    let json = serde_json::to_value(&v).unwrap();
    assert_eq!(json["cookiesSuspected"], true);
    let out = h.cmd(1, Command::ClearCookies { remember: false });
    assert_eq!(cleared(&out), vec![(1, URL.to_string())]);
}

#[test]
fn give_up_with_advice_then_watch_notifies() {
    let mut h = H::new(Settings { max_attempts: 3, ..Settings::default() });
    h.fail(1, URL, 502);
    for _ in 0..3 {
        let out = h.wake_up();
        let ps = probes(&out);
        assert_eq!(ps.len(), 1);
        h.answer(ps[0].0, 502);
    }
    assert_eq!(h.state(1), ViewState::GaveUp);
    assert_eq!(h.wake, None);
    let v = h.e.tab_view(1, h.now);
    assert!(matches!(&v.advice[..], [Advice::ServerDown(statuses, _), Advice::WatchOffer()] if statuses == &[502]), "{:?}", v.advice);
    assert_eq!(h.e.incidents()[0].outcome, Outcome::GaveUp);

    let out = h.cmd(1, Command::WatchWhenBack);
    assert_eq!(h.state(1), ViewState::Watching);
    assert!(has(&out, |a| matches!(a, Action::SetBadge { text, .. } if text == "W")));
    assert_eq!(h.wake, Some(h.now + 300_000.0));
    let out = h.wake_up();
    let id = probes(&out)[0].0;
    h.answer(id, 502);
    assert_eq!(h.wake, Some(h.now + 300_000.0), "slow probe stays slow");
    let out = h.wake_up();
    let id = probes(&out)[0].0;
    let out = h.answer(id, 200);
    assert!(has(
        &out,
        |a| matches!(a, Action::Notify { id, kind: NotifyKind::Back, site, tab_id: 1, unless_tab_seen: false } if id == "back-1" && site == "shop.example")
    ));
    assert!(reloads(&out).is_empty());
    assert_eq!(h.e.incidents().len(), 1);
}

#[test]
fn give_up_after_max_total_time() {
    let mut h = H::new(Settings { max_total_ms: 60_000.0, ..Settings::default() });
    h.fail(1, URL, 504);
    for _ in 0..20 {
        if h.state(1) == ViewState::GaveUp {
            break;
        }
        let out = h.wake_up();
        for (id, _, _) in probes(&out) {
            h.answer(id, 504);
        }
    }
    assert_eq!(h.state(1), ViewState::GaveUp);
    assert!(h.now - T0 <= 60_000.0 + Settings::default().cap_ms);
}

#[test]
fn watch_ends_after_its_limit() {
    let mut h = H::new(Settings { max_attempts: 1, watch_max_ms: 600_000.0, ..Settings::default() });
    h.fail(1, URL, 502);
    let out = h.wake_up();
    h.answer(probes(&out)[0].0, 502);
    h.cmd(1, Command::WatchWhenBack);
    for _ in 0..5 {
        let out = h.wake_up();
        for (id, _, _) in probes(&out) {
            h.answer(id, 502);
        }
        if h.state(1) == ViewState::GaveUp {
            break;
        }
    }
    assert_eq!(h.state(1), ViewState::GaveUp);
    assert_eq!(h.e.tab_view(1, h.now).advice, [Advice::WatchEnded([600_000.0])]);
}

#[test]
fn snapshot_restore_mid_backoff_then_late_wake_up_one_probe() {
    let mut h = H::new(Settings::default());
    h.fail(1, URL, 502);
    h.fail(2, URL, 502);
    let wake = h.wake.unwrap();
    let json = serde_json::to_string(&h.e.snapshot()).unwrap();
    let restored = Engine::restore_json(&json).expect("restores");
    assert_eq!(restored, h.e);
    h.e = restored;
    h.at(wake + 20.0 * 60_000.0);
    let out = h.send(Event::WokeUp);
    assert_eq!(probes(&out).len(), 1, "a late wake-up catches up once");
    let out = h.send(Event::WokeUp);
    assert!(probes(&out).is_empty() && reloads(&out).is_empty(), "duplicate wake-up does nothing");
}

#[test]
fn snapshot_with_advice_as_english_text_still_restores() {
    // Before advice had codes, a tab that gave up stored it as one English string; advice is
    // now worked out when asked, and whatever an older snapshot holds there is not read.
    let mut h = H::new(Settings { max_attempts: 1, ..Settings::default() });
    h.fail(1, URL, 502);
    let out = h.wake_up();
    h.answer(probes(&out)[0].0, 502);
    assert_eq!(h.state(1), ViewState::GaveUp);
    let mut old = serde_json::to_value(h.e.snapshot()).unwrap();
    /// Puts `advice` into every stored tab (an object with a `phase`), as older versions did.
    fn put_advice(v: &mut serde_json::Value, advice: &serde_json::Value) -> usize {
        match v {
            serde_json::Value::Object(map) if map.contains_key("phase") && map.contains_key("tried") => {
                map.insert("advice".into(), advice.clone());
                1
            }
            serde_json::Value::Object(map) => map.values_mut().map(|v| put_advice(v, advice)).sum(),
            serde_json::Value::Array(items) => items.iter_mut().map(|v| put_advice(v, advice)).sum(),
            _ => 0,
        }
    }
    for advice in [
        serde_json::json!("The server kept answering 502 for 10 seconds. The site is probably down: try again later."),
        serde_json::Value::Null,
        serde_json::json!([{"code": "noSuchAdvice", "args": []}]),
    ] {
        assert_eq!(put_advice(&mut old, &advice), 1);
        let restored = Engine::restore_json(&old.to_string()).expect("restores");
        let v = restored.tab_view(1, h.now);
        assert_eq!(v.state, ViewState::GaveUp, "the tab is kept");
        assert_eq!(v.advice, h.e.tab_view(1, h.now).advice, "the advice is worked out as before");
    }
}

#[test]
fn corrupt_or_old_snapshots_are_errors() {
    let h = H::new(Settings::default());
    let mut snap = h.e.snapshot();
    snap.version = 0;
    assert!(Engine::restore(snap).is_err());
    assert!(Engine::restore_json("{\"version\":1,\"state\":{\"tabs\":7}}").is_err());
    assert!(Engine::restore_json("garbage").is_err());
    assert!(Engine::restore_json("{}").is_err());
}

#[test]
fn duplicate_wake_up_no_double_action() {
    let mut h = H::new(Settings::default());
    h.fail(1, URL, 502);
    let out = h.wake_up();
    assert_eq!(probes(&out).len(), 1);
    let out = h.send(Event::WokeUp);
    assert!(probes(&out).is_empty());
    let id = probes(&h.wake_up()).len();
    assert_eq!(id, 0, "the next deadline is the probe timeout: no second probe");
}

#[test]
fn probe_timeout_counts_as_failure_and_late_answer_ignored() {
    let mut h = H::new(Settings::default());
    h.fail(1, URL, 502);
    let out = h.wake_up();
    let (id, _, _) = probes(&out)[0].clone();
    let sent = h.now;
    assert_eq!(h.wake, Some(sent + 30_000.0));
    let out = h.wake_up();
    assert!(probes(&out).is_empty());
    assert_eq!(h.e.tab_view(1, h.now).attempt, 1);
    assert!(h.wake.unwrap() > h.now);
    let out = h.answer(id, 200);
    assert!(reloads(&out).is_empty(), "late answer of a timed-out probe is ignored");
}

#[test]
fn head_refused_retried_with_get() {
    let mut h = H::new(Settings::default());
    h.fail(1, URL, 502);
    let out = h.wake_up();
    let id = probes(&out)[0].0;
    let out = h.answer(id, 405);
    let get = out.iter().find_map(|a| match a {
        Action::Probe { probe_id, method: ProbeMethod::Get, credentials: true, .. } => Some(*probe_id),
        _ => None,
    });
    let out = h.answer(get.expect("GET probe"), 200);
    assert_eq!(reloads(&out).len(), 1);
}

#[test]
fn retry_now_and_hard_reload_commands() {
    let mut h = H::new(Settings::default());
    h.fail(1, URL, 502);
    let out = h.cmd(1, Command::RetryNow);
    assert_eq!(probes(&out).len(), 1);
    let out = h.cmd(1, Command::RetryNow);
    assert!(probes(&out).is_empty(), "one probe in flight per origin");
    let out = h.cmd(1, Command::HardReload);
    assert_eq!(reloads(&out), vec![(1, true)]);
}

#[test]
fn site_disabled_and_deny_list() {
    let mut h = H::new(Settings::default());
    h.fail(1, URL, 502);
    h.fail(2, "https://shop.example/other", 502);
    let out = h.cmd(1, Command::SetSiteEnabled { enabled: false });
    assert!(has(&out, |a| matches!(a, Action::ClearBadge { tab_id: 1 })));
    assert!(has(&out, |a| matches!(a, Action::ClearBadge { tab_id: 2 })));
    assert!(!h.e.tab_view(1, h.now).site_enabled);
    h.fail(3, URL, 502);
    assert_eq!(h.state(3), ViewState::Healthy);
    h.cmd(3, Command::SetSiteEnabled { enabled: true });
    h.fail(3, URL, 502);
    assert_eq!(h.state(3), ViewState::Recovering);

    let mut h = H::new(Settings { deny_list: vec!["example.com".into()], ..Settings::default() });
    h.fail(1, "https://www.example.com/", 502);
    assert_eq!(h.state(1), ViewState::Healthy);
    let mut h = H::new(Settings { allow_list: vec!["*.allowed.example".into()], ..Settings::default() });
    h.fail(1, "https://www.example.com/", 502);
    h.fail(2, "https://a.allowed.example/", 502);
    assert_eq!(h.state(1), ViewState::Healthy);
    assert_eq!(h.state(2), ViewState::Recovering);
}

#[test]
fn settings_changed_applies_only_valid_settings() {
    let mut h = H::new(Settings::default());
    let bad = Settings { base_ms: -1.0, ..Settings::default() };
    h.send(Event::SettingsChanged { settings: bad });
    assert_eq!(h.e.settings(), &Settings::default());
    let good = Settings { max_attempts: 7, ..Settings::default() };
    h.send(Event::SettingsChanged { settings: good.clone() });
    assert_eq!(h.e.settings(), &good);
}

#[test]
fn text_detection_off_ignores_page_text() {
    let mut h = H::new(Settings { text_detection: false, ..Settings::default() });
    h.fail(1, URL, 200);
    h.send(Event::PageTextSeen { tab_id: 1, url: URL.into(), title: "502 Bad Gateway".into(), text: "502 Bad Gateway nginx".into() });
    assert_eq!(h.state(1), ViewState::Healthy);
}

#[test]
fn soft_error_page_served_with_200_triggers() {
    let mut h = H::new(Settings::default());
    h.fail(1, URL, 200);
    h.send(Event::PageTextSeen { tab_id: 1, url: URL.into(), title: "502 Bad Gateway".into(), text: "502 Bad Gateway\nnginx/1.25.3".into() });
    assert_eq!(h.state(1), ViewState::Recovering);
}

#[test]
fn page_html_goes_through_the_same_extraction_as_the_corpus() {
    // A Spring Boot error page served with 200, as the content script sends it (HTML prefix).
    let html = "<html><body><h1>Whitelabel Error Page</h1><p>This application has no explicit mapping for /error, so you are seeing this as a fallback.</p><div id='created'>Mon Nov 30 10:14:07 UTC 2026</div><div>There was an unexpected error (type=Internal Server Error, status=500).</div></body></html>";
    let mut h = H::new(Settings::default());
    h.fail(1, URL, 200);
    h.send(Event::PageHtmlSeen { tab_id: 1, url: URL.into(), html: html.into() });
    assert_eq!(h.state(1), ViewState::Recovering);
    // An article about the same error stays a page the user is reading.
    let mut h = H::new(Settings::default());
    h.fail(2, URL, 200);
    let article = format!("<title>Whitelabel Error Page in Spring Boot</title><nav><a href='/'>Home</a></nav><article><h1>Whitelabel Error Page in Spring Boot</h1><p>Published <time>2024-01-02</time></p>{}</article>", "<p>When Spring Boot has no error view, it renders the Whitelabel Error Page; this tutorial shows how to replace it with your own template and how to turn it off.</p>".repeat(12));
    h.send(Event::PageHtmlSeen { tab_id: 2, url: URL.into(), html: article });
    assert_eq!(h.state(2), ViewState::Healthy);
}

#[test]
fn a_page_naming_its_server_names_it_when_the_headers_did_not() {
    // HAProxy sends no `Server` header: the 503 alone names nobody; its page does.
    let mut h = H::new(Settings::default());
    h.fail(1, URL, 503);
    assert_eq!(h.e.tab_view(1, h.now).vendor, None);
    let html = "<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n";
    h.send(Event::PageHtmlSeen { tab_id: 1, url: URL.into(), html: html.into() });
    let v = h.e.tab_view(1, h.now);
    assert_eq!((v.state, v.vendor.as_deref()), (ViewState::Recovering, Some("HAProxy")));
    assert!(v.summary.contains("HAProxy"), "{}", v.summary);
    // A vendor the headers named is kept.
    let mut h = H::new(Settings::default());
    h.send(nav(2, URL, "GET", 502, vec![("server".into(), "nginx".into())]));
    h.send(Event::PageHtmlSeen { tab_id: 2, url: URL.into(), html: html.into() });
    assert_eq!(h.e.tab_view(2, h.now).vendor.as_deref(), Some("nginx"));
}

fn soft_error_text(tab: TabId, url: &str) -> Event {
    Event::PageTextSeen { tab_id: tab, url: url.into(), title: "502 Bad Gateway".into(), text: "502 Bad Gateway\nnginx/1.25.3".into() }
}

#[test]
fn page_text_of_a_navigation_never_seen_starts_an_unwatched_recovery_confirmed_by_a_probe() {
    let mut h = H::new(Settings::default());
    let out = h.send(soft_error_text(1, URL));
    assert_eq!(h.state(1), ViewState::Recovering);
    assert!(probe_reqs(&out).is_empty() && reloads(&out).is_empty() && navigations(&out).is_empty(), "{out:?}");
    assert_eq!(h.wake, Some(T0), "one probe confirms at once");
    let out = h.wake_up();
    assert_eq!(probe_reqs(&out), [(1, URL.to_string(), ProbeMethod::Get, true)], "a GET whose body is read");
}

#[test]
fn page_text_off_or_site_disabled_never_starts_an_unwatched_recovery() {
    let mut h = H::new(Settings { text_detection: false, ..Settings::default() });
    h.send(soft_error_text(1, URL));
    assert_eq!(h.state(1), ViewState::Healthy);
    let mut h = H::new(Settings { deny_list: vec!["shop.example".into()], ..Settings::default() });
    h.send(soft_error_text(1, URL));
    assert_eq!(h.state(1), ViewState::Healthy);
}

#[test]
fn soft_error_after_a_post_is_never_reloaded_on_its_own() {
    let mut h = H::new(Settings::default());
    h.send(nav(1, URL, "POST", 200, vec![]));
    h.send(soft_error_text(1, URL));
    assert_eq!(h.state(1), ViewState::FailedPost);
    for _ in 0..20 {
        h.now += 60_000.0;
        let out = h.send(Event::WokeUp);
        assert!(!out.iter().any(|a| matches!(a, Action::ReloadTab { .. } | Action::Probe { .. })), "{out:?}");
    }
}

#[test]
fn a_bot_challenge_is_never_retried() {
    let mut h = H::new(Settings::default());
    h.send(nav(1, URL, "GET", 503, vec![("server".into(), "cloudflare".into()), ("cf-mitigated".into(), "challenge".into())]));
    assert_eq!(h.state(1), ViewState::Healthy);
    h.send(Event::PageTextSeen {
        tab_id: 1,
        url: URL.into(),
        title: "Just a moment...".into(),
        text: "Checking your browser before accessing shop.example".into(),
    });
    assert_eq!(h.state(1), ViewState::Healthy);
}

#[test]
fn a_429_without_retry_after_is_left_alone_and_with_it_is_waited_out() {
    let mut h = H::new(Settings::default());
    h.fail(1, URL, 429);
    assert_eq!(h.state(1), ViewState::Healthy);
    h.send(nav(2, "https://other.example/", "GET", 429, vec![("retry-after".into(), "Wed, 21 Oct 2015 07:28:00 GMT".into())]));
    assert_ne!(h.state(2), ViewState::Healthy, "an HTTP-date Retry-After (in the past) still counts");
}

#[test]
fn tab_view_json_shape() {
    let mut h = H::new(Settings::default());
    h.fail(1, URL, 502);
    let v = serde_json::to_value(h.e.tab_view(1, h.now)).unwrap();
    for key in [
        "state",
        "url",
        "site",
        "lastStatus",
        "vendor",
        "summary",
        "reasons",
        "attempt",
        "maxAttempts",
        "nextAttemptAtMs",
        "nextStep",
        "cookiesSuspected",
        "cookieClearing",
        "siteEnabled",
        "advice",
        "tried",
    ] {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    assert_eq!(v["site"], "shop.example");
    assert_eq!(v["lastStatus"], 502);
    assert_eq!(v["cookieClearing"], "ask");
    assert_eq!(v["advice"], serde_json::json!([]));
}

#[test]
fn advice_json_is_codes_with_argument_arrays() {
    let advice = [Advice::ServerDown(vec![502, 504], 90_000.0), Advice::RetryAfter([600_000.0]), Advice::WatchOffer()];
    assert_eq!(
        serde_json::to_value(advice).unwrap(),
        serde_json::json!([
            {"code": "serverDown", "args": [[502, 504], 90_000.0]},
            {"code": "retryAfter", "args": [600_000.0]},
            {"code": "watchOffer", "args": []},
        ])
    );
}

/// The decisions the shell used to make: the probe's timeout, which views show the banner,
/// which notifications are wanted, which tab a notification click shows, and the countdowns
/// a restarted background resumes.
#[test]
fn the_shell_is_told_what_it_used_to_decide() {
    let settings = Settings { max_attempts: 1, probe_timeout_ms: 7_000.0, notifications: false, ..Settings::default() };
    let mut h = H::new(settings.clone());
    h.fail(1, URL, 502);
    let v = h.e.tab_view(1, h.now);
    assert!(v.active && v.show_banner);
    let countdowns = h.e.badge_countdowns();
    assert_eq!(countdowns, vec![(1, h.wake.unwrap())]);
    let out = h.wake_up();
    assert!(has(&out, |a| matches!(a, Action::Probe { timeout_ms, .. } if *timeout_ms == 7_000.0)), "{out:?}");
    assert!(h.e.badge_countdowns().is_empty(), "no countdown while the probe is out");
    let id = probes(&out)[0].0;
    h.answer(id, 502);
    assert_eq!(h.state(1), ViewState::GaveUp);
    let v = h.e.tab_view(1, h.now);
    assert!(!v.active && !v.show_banner);
    h.cmd(1, Command::WatchWhenBack);
    let out = h.wake_up();
    let id = probes(&out)[0].0;
    let out = h.answer(id, 200);
    assert!(!has(&out, |a| matches!(a, Action::Notify { .. })), "notifications are off: {out:?}");

    let mut h = H::new(Settings { banner: false, ..settings });
    h.fail(1, URL, 502);
    let v = h.e.tab_view(1, h.now);
    assert!(v.active && !v.show_banner, "the banner setting is off");

    let out = h.send(Event::NotificationClicked { notification_id: "recovered-12".into() });
    assert!(has(&out, |a| matches!(a, Action::ShowTab { tab_id: 12 })), "{out:?}");
    let out = h.send(Event::NotificationClicked { notification_id: "someone-else-12".into() });
    assert!(!has(&out, |a| matches!(a, Action::ShowTab { .. })), "{out:?}");
}

// ---- The whole life of a failing tab: found at install, bounded when the error persists,
// woken after offline (issue 12).

/// The maintenance page of the issue: served with 200, an error page by its text.
const SOFT_HTML: &str = "<html><head><title>Service Unavailable</title></head><body><h1>Service Unavailable</h1><p>Service Unavailable \u{2014} database connection failed</p></body></html>";
const WELL_HTML: &str = "<!DOCTYPE html><html><head><title>Cart</title></head><body><h1>Your cart</h1><p>2 items</p></body></html>";

fn soft_text(tab: TabId, url: &str) -> Event {
    Event::PageTextSeen {
        tab_id: tab,
        url: url.into(),
        title: "Service Unavailable".into(),
        text: "Service Unavailable\nService Unavailable \u{2014} database connection failed".into(),
    }
}

/// Every probe of a batch: (id, url, method, body read).
fn probe_reqs(out: &[Action]) -> Vec<(u64, String, ProbeMethod, bool)> {
    out.iter()
        .filter_map(|a| match a {
            Action::Probe { probe_id, url, method, read_body, .. } => Some((*probe_id, url.clone(), *method, *read_body)),
            _ => None,
        })
        .collect()
}

fn navigations(out: &[Action]) -> Vec<(TabId, String)> {
    out.iter()
        .filter_map(|a| match a {
            Action::NavigateTab { tab_id, url } => Some((*tab_id, url.clone())),
            _ => None,
        })
        .collect()
}

/// What the site saw, as a timeline: seconds since T0 and the request.
#[derive(Default)]
struct SiteLog(Vec<(f64, String)>);

impl SiteLog {
    fn note(&mut self, now: f64, out: &[Action]) {
        for (_, _, method, _) in probe_reqs(out) {
            self.0.push(((now - T0) / 1000.0, format!("{method:?} probe")));
        }
        for _ in reloads(out) {
            self.0.push(((now - T0) / 1000.0, "reload".into()));
        }
        for _ in navigations(out) {
            self.0.push(((now - T0) / 1000.0, "GET navigation".into()));
        }
    }
    fn times(&self) -> Vec<f64> {
        self.0.iter().map(|(t, _)| *t).collect()
    }
}

impl H {
    fn answer_html(&mut self, id: u64, status: u16, html: &str) -> Vec<Action> {
        self.send(Event::ProbeCompleted { probe_id: id, status: Some(status), error: None, retry_after: None, html: Some(html.into()) })
    }
}

fn assert_growing_gaps(times: &[f64]) {
    let gaps: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps.len() >= 4, "{times:?}");
    // ±15 % jitter aside, every gap is at least the one two before it, and the last ones are
    // the longest: the site sees a decreasing request rate.
    for i in 2..gaps.len() {
        assert!(gaps[i] >= gaps[i - 2] * 0.85 / 1.15, "gap {i} shrank: {gaps:?}");
    }
    let half = gaps.len() / 2;
    let mean = |g: &[f64]| g.iter().sum::<f64>() / g.len() as f64;
    assert!(mean(&gaps[half..]) > mean(&gaps[..half]), "{gaps:?}");
}

#[test]
fn tabs_found_are_inspected_only_when_unknown_enabled_and_web() {
    let mut h = H::new(Settings { deny_list: vec!["off.example".into()], ..Settings::default() });
    h.fail(2, "https://known.example/", 200);
    let found =
        |tabs: &[(TabId, &str)]| Event::TabsFound { tabs: tabs.iter().map(|(t, u)| bounceback::engine::FoundTab { tab_id: *t, url: (*u).into() }).collect() };
    let out = h.send(found(&[(1, URL), (2, "https://known.example/"), (3, "https://off.example/"), (4, "chrome://settings/"), (5, "https://known.example/")]));
    let inspected: Vec<(TabId, String)> = out
        .iter()
        .filter_map(|a| match a {
            Action::InspectTab { tab_id, url } => Some((*tab_id, url.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(inspected, [(1, URL.to_string()), (5, "https://known.example/".to_string())]);
    let mut h = H::new(Settings { text_detection: false, ..Settings::default() });
    let out = h.send(found(&[(1, URL)]));
    assert!(!has(&out, |a| matches!(a, Action::InspectTab { .. })), "only the text can tell: nothing to inspect without it");
}

#[test]
fn a_page_report_that_overtakes_its_own_loads_end_is_not_undone_by_that_200() {
    // Firefox can deliver the content script's report of a 200 error page before webRequest's
    // onCompleted of the same load: the load's 200 that follows must not end the recovery.
    let mut h = H::new(Settings::default());
    h.send(Event::NavigationStarted { tab_id: 1, url: URL.into(), method: Some("GET".into()) });
    h.at(T0 + 300.0).send(soft_error_text(1, URL));
    assert_ne!(h.state(1), ViewState::Healthy, "the text started a recovery");
    // The quick check goes out and finds the error page before the load's own end arrives.
    let out = h.wake_up();
    let (id, ..) = probe_reqs(&out)[0].clone();
    let html = "<title>502 Bad Gateway</title><h1>502 Bad Gateway</h1><hr><center>nginx</center>";
    h.send(Event::ProbeCompleted { probe_id: id, status: Some(200), error: None, retry_after: None, html: Some(html.into()) });
    h.at(h.now + 100.0).send(nav(1, URL, "GET", 200, vec![]));
    // No second report comes for that load (it was already sent): still not well, later too.
    let out = h.at(h.now + 9_000.0).send(Event::WokeUp);
    assert_ne!(h.state(1), ViewState::Healthy, "its own load's 200 said nothing new: {out:?}");
    assert!(h.e.incidents().is_empty(), "nothing recovered");
    // A load that ends well later while the recovery waits (the user's own reload, say) is
    // not taken for a recovery either: the next probe, which reads the body, decides.
    let mut h = H::new(Settings::default());
    h.send(Event::NavigationStarted { tab_id: 2, url: URL.into(), method: Some("GET".into()) });
    h.send(soft_error_text(2, URL));
    h.at(T0 + 60_000.0).send(nav(2, URL, "GET", 200, vec![]));
    assert_eq!(h.state(2), ViewState::Recovering);
    assert!(h.e.incidents().is_empty());
}

#[test]
fn a_tab_being_inspected_is_never_called_fine_until_its_report_or_five_seconds() {
    let found = |tab: TabId| Event::TabsFound { tabs: vec![bounceback::engine::FoundTab { tab_id: tab, url: URL.into() }] };
    let mut h = H::new(Settings::default());
    h.healthy_pages = false; // The page's report, or its absence, is played by hand.
    assert_eq!(h.state(1), ViewState::Healthy, "a tab nobody asked about");
    h.send(found(1));
    assert_eq!(h.state(1), ViewState::Checking, "asked to inspect: not fine yet");
    // An error page's report starts a recovery; a healthy page's report settles it as fine.
    h.at(T0 + 300.0).send(soft_error_text(1, URL));
    assert_ne!(h.state(1), ViewState::Checking);
    assert_ne!(h.state(1), ViewState::Healthy);
    let mut h = H::new(Settings::default());
    h.healthy_pages = false; // The page's report, or its absence, is played by hand.
    h.send(found(2));
    h.at(T0 + 200.0).send(Event::PageHtmlSeen { tab_id: 2, url: URL.into(), html: "<title>Shop</title><h1>Welcome</h1>".into() });
    assert_eq!(h.state(2), ViewState::Healthy);
    // The shell says the content script has run and sent nothing: fine at once.
    let mut h = H::new(Settings::default());
    h.healthy_pages = false; // The page's report, or its absence, is played by hand.
    h.send(found(4));
    h.at(T0 + 150.0).send(Event::InspectionEnded { tab_id: 4 });
    assert_eq!(h.state(4), ViewState::Healthy);
    // No word at all from the shell: fine after five seconds.
    let mut h = H::new(Settings::default());
    h.healthy_pages = false; // The page's report, or its absence, is played by hand.
    h.send(found(3));
    assert_eq!(h.at(T0 + 4_900.0).state(3), ViewState::Checking);
    assert_eq!(h.at(T0 + 5_000.0).state(3), ViewState::Healthy);
    // And the pending inspection is forgotten by the next batch, so snapshots stay small.
    h.send(Event::WokeUp);
    let json = serde_json::to_string(&h.e.snapshot()).expect("snapshot");
    assert!(!json.contains("inspecting"), "{json}");
}

#[test]
fn a_tab_failing_before_install_is_confirmed_then_brought_back_by_a_get_never_a_reload() {
    let mut h = H::new(Settings::default());
    h.healthy_pages = false; // The page's report, or its absence, is played by hand.
    let mut site = SiteLog::default();
    // Found at install: the content script's report of a page whose load we never saw.
    let out = h.send(soft_error_text(1, URL));
    assert!(has(&out, |a| matches!(a, Action::SetBadge { tab_id: 1, .. })));
    // One probe confirms before anything else; the site is still down.
    let out = h.wake_up();
    site.note(h.now, &out);
    let (id, url, method, body) = probe_reqs(&out)[0].clone();
    assert_eq!((url.as_str(), method, body), (URL, ProbeMethod::Get, true));
    h.answer(id, 502);
    // Down again, then an error page with 200 (proves nothing), then well.
    let out = h.wake_up();
    site.note(h.now, &out);
    h.answer_html(probe_reqs(&out)[0].0, 200, SOFT_HTML);
    assert_eq!(h.state(1), ViewState::Recovering);
    let out = h.wake_up();
    site.note(h.now, &out);
    let out = h.answer_html(probe_reqs(&out)[0].0, 200, WELL_HTML);
    site.note(h.now, &out);
    assert_eq!(navigations(&out), [(1, URL.to_string())], "a fresh GET navigation");
    assert!(reloads(&out).is_empty(), "never a reload: the load's method is unknown");
    // The navigation is watched: a GET answered 200; no error text follows within the window.
    h.send(Event::NavigationStarted { tab_id: 1, url: URL.into(), method: Some("GET".into()) });
    let out = h.send(nav(1, URL, "GET", 200, vec![]));
    assert!(!has(&out, |a| matches!(a, Action::Notify { .. })), "not recovered before the text had its say");
    assert!(h.e.incidents().is_empty());
    let out = h.wake_up();
    assert!(has(&out, |a| matches!(a, Action::ClearBadge { tab_id: 1 })));
    assert_eq!(h.state(1), ViewState::Healthy);
    let inc = h.e.incidents();
    assert_eq!((inc.len(), inc[0].outcome), (1, Outcome::Recovered));
    eprintln!("found at install, site timeline (s): {:?}", site.0);
}

#[test]
fn a_post_result_found_at_install_is_never_resubmitted() {
    // Whatever the tab shows may be the answer to a POST: no reload, whatever happens, even
    // when the user asks for a hard reload or retries after giving up.
    let mut h = H::new(Settings { max_attempts: 3, ..Settings::default() });
    let mut all = Vec::new();
    all.extend(h.send(soft_error_text(1, URL)));
    all.extend(h.cmd(1, Command::HardReload));
    for _ in 0..10 {
        if h.state(1) == ViewState::GaveUp {
            break;
        }
        let out = h.wake_up();
        all.extend(out.clone());
        for (id, ..) in probe_reqs(&out) {
            all.extend(h.answer(id, 502));
        }
    }
    all.extend(h.cmd(1, Command::RetryNow));
    assert!(reloads(&all).is_empty(), "{all:?}");
    assert!(navigations(&all).len() >= 2, "comes back by GET navigations: {all:?}");
}

#[test]
fn a_200_error_page_for_ten_minutes_costs_few_growing_gaps_and_gives_up_without_recovered() {
    let ten_min = 10.0 * 60_000.0;
    let mut h = H::new(Settings { max_total_ms: ten_min, ..Settings::default() });
    h.healthy_pages = false; // The page's report, or its absence, is played by hand.
    let mut site = SiteLog::default();
    site.0.push((0.0, "GET navigation (user)".into()));
    h.fail(1, URL, 200);
    h.send(soft_text(1, URL));
    assert_eq!(h.state(1), ViewState::Recovering);
    // Once the site answers a well page for one probe, but the reloaded page is the error
    // page again: a failed attempt, the count and the clock carry on.
    let mut flap_done = false;
    for _ in 0..100 {
        if h.state(1) == ViewState::GaveUp {
            break;
        }
        let out = h.wake_up();
        site.note(h.now, &out);
        for (id, _, method, body) in probe_reqs(&out) {
            assert_eq!((method, body), (ProbeMethod::Get, true), "a status proves nothing here");
            let attempts_before = h.e.tab_view(1, h.now).attempt;
            if !flap_done && h.now - T0 > 60_000.0 {
                flap_done = true;
                let out = h.answer_html(id, 200, WELL_HTML);
                site.note(h.now, &out);
                assert_eq!(reloads(&out), [(1, false)]);
                h.send(nav(1, URL, "GET", 200, vec![]));
                let out = h.send(soft_text(1, URL));
                assert!(!has(&out, |a| matches!(a, Action::Notify { .. } | Action::ClearBadge { .. })));
                assert_eq!(h.e.tab_view(1, h.now).attempt, attempts_before + 1, "attempts carry across the cycle");
            } else {
                h.answer_html(id, 200, SOFT_HTML);
            }
        }
    }
    assert!(flap_done);
    assert_eq!(h.state(1), ViewState::GaveUp);
    assert!(h.now - T0 <= ten_min + Settings::default().cap_ms * 1.15 + 1.0);
    let times = site.times();
    // Written bound: quick check, then 16, 24, 32, 40, 48, 55... s: about 15 requests in 10
    // minutes; the issue saw 29 in 150 s.
    assert!(times.len() <= 20, "{} requests: {:?}", times.len(), site.0);
    let probe_times: Vec<f64> = site.0.iter().filter(|(_, w)| w.contains("probe")).map(|(t, _)| *t).collect();
    assert_growing_gaps(&probe_times);
    let v = h.e.tab_view(1, h.now);
    // The site once answered well, the reloaded page did not: "this page kept failing".
    assert!(matches!(&v.advice[0], Advice::PageKeptFailing(tried, _) if tried == &[Fix::Reload]), "{:?}", v.advice);
    assert!(v.advice.contains(&Advice::WatchOffer()));
    assert!(h.e.incidents().iter().all(|i| i.outcome == Outcome::GaveUp));
    assert_eq!(h.e.incidents().len(), 1);
    eprintln!("200 error page, site timeline (s): {:?}", site.0);
}

#[test]
fn a_persistent_502_costs_few_growing_gaps_and_ends_at_the_limits() {
    let ten_min = 10.0 * 60_000.0;
    let mut h = H::new(Settings { max_total_ms: ten_min, ..Settings::default() });
    let mut site = SiteLog::default();
    site.0.push((0.0, "GET navigation (user)".into()));
    h.fail(1, URL, 502);
    for _ in 0..100 {
        if h.state(1) == ViewState::GaveUp {
            break;
        }
        let out = h.wake_up();
        site.note(h.now, &out);
        for (id, _, method, body) in probe_reqs(&out) {
            assert_eq!((method, body), (ProbeMethod::Head, false));
            h.answer(id, 502);
        }
    }
    assert_eq!(h.state(1), ViewState::GaveUp);
    let probe_times: Vec<f64> = site.0.iter().filter(|(_, w)| w.contains("probe")).map(|(t, _)| *t).collect();
    assert!(probe_times.len() <= 20, "{:?}", site.0);
    assert_growing_gaps(&probe_times);
    assert!(matches!(&h.e.tab_view(1, h.now).advice[0], Advice::ServerDown(s, _) if s == &[502]));
    assert!(h.e.incidents().iter().all(|i| i.outcome == Outcome::GaveUp));
    eprintln!("persistent 502, site timeline (s): {:?}", site.0);
    // And by attempts: the configured count ends it.
    let mut h = H::new(Settings { max_attempts: 5, ..Settings::default() });
    h.fail(1, URL, 502);
    let mut n = 0;
    for _ in 0..100 {
        if h.state(1) == ViewState::GaveUp {
            break;
        }
        let out = h.wake_up();
        for (id, ..) in probe_reqs(&out) {
            n += 1;
            h.answer(id, 502);
        }
    }
    assert_eq!((h.state(1), n), (ViewState::GaveUp, 5));
}

#[test]
fn offline_then_a_stopped_background_then_online_the_tab_comes_back() {
    let mut h = H::new(Settings::default());
    h.fail(1, URL, 502);
    h.send(Event::ConnectivityChanged { online: false });
    let wake = h.wake.expect("a durable slow check while offline");
    assert!(wake <= h.now + 60_000.0);
    // The background is stopped: only its snapshot survives. Its alarm wakes a new one,
    // which learns that the connection is back (navigator.onLine at start-up).
    let json = serde_json::to_string(&h.e.snapshot()).unwrap();
    h.e = Engine::restore_json(&json).expect("restores");
    h.at(wake);
    let out = h.send(Event::WokeUp);
    assert!(probes(&out).is_empty(), "still offline as far as the engine knows");
    assert_eq!(h.wake, Some(wake + 60_000.0));
    let out = h.send(Event::ConnectivityChanged { online: true });
    let id = probes(&out)[0].0;
    let out = h.answer(id, 200);
    assert_eq!(reloads(&out), [(1, false)]);
    let out = h.fail(1, URL, 200);
    assert!(has(&out, |a| matches!(a, Action::Notify { kind: NotifyKind::Recovered, .. })));
}

#[test]
fn an_error_page_that_never_clears_says_so_in_the_advice() {
    let mut h = H::new(Settings { max_attempts: 3, ..Settings::default() });
    h.fail(1, URL, 200);
    h.send(soft_text(1, URL));
    for _ in 0..3 {
        let out = h.wake_up();
        h.answer_html(probe_reqs(&out)[0].0, 200, SOFT_HTML);
    }
    assert_eq!(h.state(1), ViewState::GaveUp);
    assert!(matches!(h.e.tab_view(1, h.now).advice[..], [Advice::ErrorPageKept(_), .., Advice::WatchOffer()]));
    // A probe whose body could not be read proves nothing either.
    let mut h = H::new(Settings { max_attempts: 1, ..Settings::default() });
    h.fail(1, URL, 200);
    h.send(soft_text(1, URL));
    let out = h.wake_up();
    let out = h.answer(probe_reqs(&out)[0].0, 200);
    assert!(reloads(&out).is_empty());
    assert_eq!(h.state(1), ViewState::GaveUp);
}

#[test]
fn text_reported_before_the_status_then_a_502_probes_cheaply() {
    let mut h = H::new(Settings::default());
    h.send(Event::NavigationStarted { tab_id: 1, url: URL.into(), method: Some("GET".into()) });
    h.send(soft_error_text(1, URL));
    h.fail(1, URL, 502);
    let out = h.wake_up();
    assert_eq!(probe_reqs(&out).iter().map(|p| (p.2, p.3)).collect::<Vec<_>>(), [(ProbeMethod::Head, false)]);
}

#[test]
fn a_reload_that_brings_a_200_error_page_is_a_failed_attempt_whatever_the_first_status() {
    // A 502 (seen in the status, not the text); the site's checks pass, but the reloaded page
    // is a maintenance page served with 200: not recovered, and nobody is told it was.
    let mut h = H::new(Settings::default());
    h.healthy_pages = false;
    h.fail(1, URL, 502);
    let id = h.probe_until_credentialed(502);
    let out = h.answer(id, 200);
    assert_eq!(reloads(&out), vec![(1, false)]);
    h.send(Event::NavigationStarted { tab_id: 1, url: URL.into(), method: Some("GET".into()) });
    let out = h.fail(1, URL, 200);
    assert!(has(&out, |a| matches!(a, Action::InspectTab { tab_id: 1, url } if url == URL)), "the reloaded page is looked into: {out:?}");
    assert!(!has(&out, |a| matches!(a, Action::Notify { .. } | Action::ClearBadge { .. })));
    let attempts = h.e.tab_view(1, h.now).attempt;
    let out = h.send(soft_text(1, URL));
    assert!(!has(&out, |a| matches!(a, Action::Notify { .. } | Action::ClearBadge { .. })), "{out:?}");
    assert_eq!(h.state(1), ViewState::Recovering);
    assert_eq!(h.e.tab_view(1, h.now).attempt, attempts + 1, "a failed attempt");
    assert!(h.e.incidents().is_empty());
    // The look that found it ends; that changes nothing.
    h.send(Event::InspectionEnded { tab_id: 1 });
    assert_eq!(h.state(1), ViewState::Recovering);
    // Next time the page is well: the look ends without a report, and it is recovered at once
    // (not after the verification window).
    let out = h.wake_up();
    let (id, _, method, body) = probe_reqs(&out)[0].clone();
    assert_eq!((method, body), (ProbeMethod::Get, true), "from now on the body tells");
    let out = h.answer_html(id, 200, WELL_HTML);
    assert_eq!(reloads(&out).len(), 1, "{out:?}");
    let out = h.fail(1, URL, 200);
    assert!(!has(&out, |a| matches!(a, Action::ClearBadge { .. })), "not before the look");
    let out = h.send(Event::InspectionEnded { tab_id: 1 });
    assert!(has(&out, |a| matches!(a, Action::ClearBadge { tab_id: 1 })));
    assert!(has(&out, |a| matches!(a, Action::Notify { kind: NotifyKind::Recovered, .. })));
    assert_eq!(h.state(1), ViewState::Healthy);
    assert_eq!(h.e.incidents().len(), 1);
}

#[test]
fn without_text_detection_a_reload_answered_200_is_recovered_at_once() {
    let mut h = H::new(Settings { text_detection: false, ..Settings::default() });
    h.healthy_pages = false;
    h.fail(1, URL, 502);
    let id = h.probe_until_credentialed(502);
    h.answer(id, 200);
    let out = h.fail(1, URL, 200);
    assert!(!has(&out, |a| matches!(a, Action::InspectTab { .. })));
    assert!(has(&out, |a| matches!(a, Action::ClearBadge { tab_id: 1 })));
}
