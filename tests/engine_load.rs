//! The engine under load and abuse: many tabs on few origins, restarts at every step, and
//! garbage on every input. Simulated clock, no browser.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::{BTreeMap, BTreeSet};

use bounceback::engine::view::ViewState;
use bounceback::engine::{Action, Engine, Event, TabId};
use bounceback::settings::Settings;
use proptest::prelude::*;

const T0: f64 = 1_700_000_000_000.0;

fn origin_of(url: &str) -> String {
    let rest = url.split("://").nth(1).unwrap_or_default();
    format!("{}://{}", url.split("://").next().unwrap_or_default(), rest.split('/').next().unwrap_or_default())
}

fn nav(tab: TabId, url: &str, status: u16) -> Event {
    Event::NavigationCompleted { tab_id: tab, url: url.into(), method: "GET".into(), status, headers: vec![] }
}

/// A tiny world: origins that are down until a given time, and an engine driven by its own
/// wake-up requests. Answers probes and reloads the way a browser and server would.
struct World {
    engine: Engine,
    now: f64,
    wake: Option<f64>,
    healthy_from: BTreeMap<String, f64>,
    tab_url: BTreeMap<TabId, String>,
    recovered: BTreeSet<TabId>,
    probes_per_wake: Vec<BTreeMap<String, usize>>,
    requests: BTreeMap<String, usize>,
    restart_every_batch: bool,
}

impl World {
    fn send(&mut self, event: Event) {
        let mut queue = vec![event];
        while let Some(event) = queue.pop() {
            if self.restart_every_batch {
                // The background is killed and restored between any two events: the state
                // survives only as the JSON text the shell stores.
                let json = serde_json::to_string(&self.engine.snapshot()).expect("serialises");
                let restored = Engine::restore_json(&json).expect("own snapshot restores");
                assert_eq!(restored, self.engine, "the snapshot keeps the whole state");
                self.engine = restored;
            }
            let is_wake = matches!(event, Event::WokeUp);
            let out = self.engine.handle(event, self.now);
            let mut probes = BTreeMap::new();
            for action in out {
                match action {
                    Action::ScheduleWakeUp { at_ms } => self.wake = at_ms,
                    Action::Probe { probe_id, url, .. } => {
                        let origin = origin_of(&url);
                        *probes.entry(origin.clone()).or_insert(0) += 1;
                        *self.requests.entry(origin.clone()).or_insert(0) += 1;
                        let ok = self.now >= self.healthy_from[&origin];
                        queue.push(Event::ProbeCompleted { probe_id, status: Some(if ok { 200 } else { 502 }), error: None, retry_after: None, html: None });
                    }
                    Action::ReloadTab { tab_id, url, .. } => {
                        let origin = origin_of(&url);
                        *self.requests.entry(origin.clone()).or_insert(0) += 1;
                        let ok = self.now >= self.healthy_from[&origin];
                        if ok {
                            self.recovered.insert(tab_id);
                        }
                        queue.push(nav(tab_id, &url, if ok { 200 } else { 502 }));
                    }
                    Action::ClearCookies { tab_id, .. } => queue.push(Event::CookiesCleared { tab_id, removed: 0 }),
                    _ => {}
                }
            }
            if is_wake {
                self.probes_per_wake.push(probes);
            }
        }
    }

    fn run_until(&mut self, end: f64) {
        for _ in 0..100_000 {
            match self.wake {
                Some(w) if w <= end => {
                    self.now = self.now.max(w);
                    self.send(Event::WokeUp);
                }
                _ => return,
            }
        }
        panic!("the engine never stopped asking to be woken up");
    }
}

fn fifty_tabs_on_five_origins(restart_every_batch: bool) -> World {
    let settings = Settings { max_total_ms: 3_600_000.0, ..Settings::default() };
    let mut w = World {
        engine: Engine::new(settings, 7),
        now: T0,
        wake: None,
        healthy_from: BTreeMap::new(),
        tab_url: BTreeMap::new(),
        recovered: BTreeSet::new(),
        probes_per_wake: vec![],
        requests: BTreeMap::new(),
        restart_every_batch,
    };
    for o in 0..5 {
        // Origin o is down for (o+1) minutes.
        w.healthy_from.insert(format!("https://site{o}.example"), T0 + (o as f64 + 1.0) * 60_000.0);
    }
    for tab in 0..50 {
        let url = format!("https://site{}.example/page/{tab}", tab % 5);
        w.tab_url.insert(tab, url.clone());
        w.send(nav(tab, &url, 502));
    }
    w
}

#[test]
fn fifty_tabs_on_five_origins_one_probe_per_origin_per_wake_up_and_all_recover() {
    let mut w = fifty_tabs_on_five_origins(false);
    w.run_until(T0 + 3_600_000.0);
    assert_eq!(w.recovered.len(), 50, "every tab recovers when its origin does");
    for probes in &w.probes_per_wake {
        for (origin, n) in probes {
            assert!(*n <= 1, "{n} probes to {origin} in one wake-up");
        }
    }
    // Ten tabs of one origin cost that origin what one tab costs, plus one reload each.
    for (origin, n) in &w.requests {
        assert!(*n <= 10 + 20, "{origin} received {n} requests");
    }
    for tab in 0..50 {
        w.send(Event::TabClosed { tab_id: tab });
    }
    let empty = Engine::new(Settings { max_total_ms: 3_600_000.0, ..Settings::default() }, 7);
    let bytes = |e: &Engine| serde_json::to_string(&e.snapshot()).map(|s| s.len()).unwrap_or(0);
    assert!(bytes(&w.engine) < bytes(&empty) + 20_000, "closed tabs leave only the capped incident history: {} bytes", bytes(&w.engine));
    assert!(w.engine.incidents().len() <= 50, "incident history is capped");
}

#[test]
fn killed_between_every_two_events_still_recovers_every_tab_and_never_doubles_a_reload() {
    let mut calm = fifty_tabs_on_five_origins(false);
    calm.run_until(T0 + 3_600_000.0);
    let mut restarted = fifty_tabs_on_five_origins(true);
    restarted.run_until(T0 + 3_600_000.0);
    assert_eq!(restarted.recovered.len(), 50);
    assert_eq!(restarted.requests, calm.requests, "restarts change nothing the sites can see");
}

#[test]
fn incident_history_stays_bounded_oldest_first() {
    let mut e = Engine::new(Settings::default(), 1);
    let mut now = T0;
    for i in 0..500 {
        let url = format!("https://site{i}.example/");
        e.handle(nav(i, &url, 502), now);
        now += 1.0;
        e.handle(Event::UserCommanded { tab_id: i, command: bounceback::engine::Command::RetryNow }, now);
        now += 1.0;
        e.handle(nav(i, &url, 200), now);
        // The shell's look into the reloaded page ends without a report: it is well.
        e.handle(Event::InspectionEnded { tab_id: i }, now);
        now += 1.0;
        e.handle(Event::TabClosed { tab_id: i }, now);
    }
    let incidents = serde_json::to_value(e.incidents()).expect("json");
    let list = incidents.as_array().expect("array");
    assert!(!list.is_empty() && list.len() <= 100, "{} incidents kept", list.len());
    let last = list.last().map(|i| i.to_string()).unwrap_or_default();
    assert!(last.contains("site499.example"), "newest kept, oldest dropped: {last}");
}

/// 2000 cases per run (each run draws new ones); `PROPTEST_CASES=…` searches harder.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    /// Whatever text arrives as an event or as settings, parsing gives a value or an error,
    /// never a panic, and a parsed event never panics the engine.
    #[test]
    fn garbage_events_and_settings_never_panic(text in ".{0,300}", tab in any::<i64>(), status in any::<u16>(), now in any::<f64>()) {
        if let Ok(event) = serde_json::from_str::<Event>(&text) {
            let mut e = Engine::new(Settings::default(), 1);
            let _ = e.handle(event, if now.is_finite() { now } else { 0.0 });
        }
        let _ = Settings::parse(&text);
        let mut e = Engine::new(Settings::default(), 1);
        let now = if now.is_finite() { now } else { 0.0 };
        let _ = e.handle(Event::NavigationCompleted { tab_id: tab, url: text.clone(), method: text.clone(), status, headers: vec![(text.clone(), text.clone())] }, now);
        let _ = e.handle(Event::PageTextSeen { tab_id: tab, url: text.clone(), title: text.clone(), text: text.clone() }, now);
        let _ = e.handle(Event::WokeUp, now + 1e9);
    }

    /// Event-shaped JSON with wrong field types or extra fields is refused, not half-read.
    #[test]
    fn mistyped_events_are_refused(field in "[a-zA-Z]{1,12}", value in "[0-9a-z\"\\[\\]{}:,]{0,20}") {
        let json = format!(r#"{{"type":"navigationCompleted","tabId":1,"url":"https://a.example/","method":"GET","status":502,"{field}":{value}}}"#);
        if let Ok(Event::NavigationCompleted { .. }) = serde_json::from_str::<Event>(&json) {
            prop_assert!(field == "headers", "accepted unknown field {field}");
        }
    }
}

#[test]
fn odd_urls_are_ignored_or_handled() {
    let mut e = Engine::new(Settings::default(), 1);
    let odd = [
        "file:///etc/passwd",
        "data:text/html,<h1>502 Bad Gateway</h1>",
        "about:blank",
        "chrome://settings",
        "moz-extension://abc/popup.html",
        "view-source:https://a.example/",
        "javascript:alert(1)",
        "",
        "https://",
        "https://user:pass@a.example/",
        "http://[::1]:8080/x",
        "http://127.0.0.1:1/",
        "https://xn--bcher-kva.example/",
        "https://bücher.example/",
        "https://a.example:99999/",
        "HTTPS://A.EXAMPLE/",
    ];
    for (i, url) in odd.iter().enumerate() {
        let out = e.handle(nav(i as i64, url, 502), T0);
        let web = url.to_ascii_lowercase().starts_with("http://") || url.to_ascii_lowercase().starts_with("https://");
        if !web {
            assert_eq!(e.tab_view(i as i64, T0).state, ViewState::Healthy, "{url} must be ignored");
            assert!(out.iter().all(|a| matches!(a, Action::ScheduleWakeUp { .. })), "{url}: {out:?}");
        }
    }
}

#[test]
fn after_a_browser_restart_recoveries_end_and_history_and_site_choices_stay() {
    let mut e = Engine::new(Settings::default(), 1);
    e.handle(nav(1, "https://a.example/", 502), T0);
    e.handle(Event::UserCommanded { tab_id: 1, command: bounceback::engine::Command::RetryNow }, T0 + 1.0);
    e.handle(nav(1, "https://a.example/", 200), T0 + 2.0);
    e.handle(Event::InspectionEnded { tab_id: 1 }, T0 + 2.0);
    e.handle(Event::UserCommanded { tab_id: 2, command: bounceback::engine::Command::SetSiteEnabled { enabled: false } }, T0 + 3.0);
    e.handle(nav(3, "https://b.example/", 502), T0 + 4.0);
    let before = e.durable_revision();
    e.handle(nav(3, "https://b.example/", 502), T0 + 5.0);
    assert_eq!(e.durable_revision(), before, "a failing navigation is not durable news");
    assert_eq!(e.incidents().len(), 1);
    e.forget_tabs();
    assert_eq!(e.tab_view(3, T0 + 6.0).state, ViewState::Healthy);
    let out = e.handle(Event::WokeUp, T0 + 3_600_000.0);
    assert!(out.iter().all(|a| matches!(a, Action::ScheduleWakeUp { at_ms: None } | Action::SetBadge { .. } | Action::ClearBadge { .. })), "{out:?}");
    assert_eq!(e.incidents().len(), 1, "history kept");
    e.clear_incidents();
    assert_ne!(e.durable_revision(), before, "clearing history is durable news");
}
