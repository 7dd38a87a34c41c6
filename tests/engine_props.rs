//! Property tests: invariants of the recovery engine over random event sequences.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeMap;

use bounceback::engine::view::ViewState;
use bounceback::engine::{Action, Command, Engine, Event, TabId};
use bounceback::settings::{CookieClearing, Settings};
use proptest::prelude::*;

const URLS: &[&str] = &["https://a.example/x", "https://a.example/y", "http://b.example:8080/", "https://[::1]/z", "file:///tmp/a", "about:blank"];
const STATUSES: &[u16] = &[200, 204, 301, 404, 405, 429, 500, 502, 503, 520];
const ERRORS: &[&str] = &["net::ERR_CONNECTION_REFUSED", "NS_ERROR_NET_RESET", "net::ERR_CERT_INVALID", "net::ERR_ABORTED"];

#[derive(Debug, Clone)]
enum Op {
    Nav { tab: TabId, url: usize, post: bool, status: usize, ra: bool },
    Fail { tab: TabId, url: usize, post: bool, err: usize },
    Started { tab: TabId, url: usize },
    Text { tab: TabId, url: usize },
    Wake,
    Advance(u32),
    Answer { which: usize, status: usize, ra: bool, error: bool },
    Stale(u64),
    Cmd { tab: TabId, cmd: usize, flag: bool },
    Close(TabId),
    Online(bool),
    CookieAccess(bool),
    Cookies(TabId),
    Settings { cookies: usize, attempts: u32 },
    Snapshot,
}

fn op() -> impl Strategy<Value = Op> {
    let tab = 0i64..4;
    prop_oneof![
        4 => (tab.clone(), 0..URLS.len(), prop::bool::weighted(0.2), 0..STATUSES.len(), prop::bool::weighted(0.2))
            .prop_map(|(tab, url, post, status, ra)| Op::Nav { tab, url, post, status, ra }),
        1 => (tab.clone(), 0..URLS.len(), prop::bool::weighted(0.2), 0..ERRORS.len()).prop_map(|(tab, url, post, err)| Op::Fail { tab, url, post, err }),
        1 => (tab.clone(), 0..URLS.len()).prop_map(|(tab, url)| Op::Started { tab, url }),
        1 => (tab.clone(), 0..URLS.len()).prop_map(|(tab, url)| Op::Text { tab, url }),
        5 => Just(Op::Wake),
        2 => (0u32..200_000).prop_map(Op::Advance),
        5 => (0usize..4, 0..STATUSES.len(), prop::bool::weighted(0.2), prop::bool::weighted(0.1))
            .prop_map(|(which, status, ra, error)| Op::Answer { which, status, ra, error }),
        1 => (0u64..30).prop_map(Op::Stale),
        3 => (tab.clone(), 0usize..7, any::<bool>()).prop_map(|(tab, cmd, flag)| Op::Cmd { tab, cmd, flag }),
        1 => tab.clone().prop_map(Op::Close),
        1 => any::<bool>().prop_map(Op::Online),
        1 => any::<bool>().prop_map(Op::CookieAccess),
        1 => tab.prop_map(Op::Cookies),
        1 => (0usize..3, 1u32..6).prop_map(|(cookies, attempts)| Op::Settings { cookies, attempts }),
        1 => Just(Op::Snapshot),
    ]
}

fn command(i: usize, flag: bool) -> Command {
    match i {
        0 => Command::RetryNow,
        1 => Command::Stop,
        2 => Command::HardReload,
        3 => Command::ClearCookies { remember: flag },
        4 => Command::Resubmit,
        5 => Command::WatchWhenBack,
        _ => Command::SetSiteEnabled { enabled: flag },
    }
}

fn origin_of(url: &str) -> String {
    url.split('/').take(3).collect::<Vec<_>>().join("/")
}

/// The harness: the engine, a twin restored from a snapshot, and what the invariants need.
struct World {
    engine: Engine,
    twin: Option<Engine>,
    now: f64,
    wake: Option<f64>,
    /// Probes in flight: id → (origin, deadline).
    in_flight: BTreeMap<u64, (String, f64)>,
    /// Tabs whose last navigation was non-idempotent, and whether Resubmit was asked since.
    post_tabs: BTreeMap<TabId, bool>,
    settings: Settings,
    /// Whether the browser lets the extension clear cookies (the engine assumes so at first).
    cookie_access: bool,
}

impl World {
    fn deliver(&mut self, event: Event) -> Vec<Action> {
        let before: BTreeMap<TabId, (Option<ViewState>, Option<String>)> = (0..4)
            .map(|t| {
                (t, {
                    let v = self.engine.tab_view(t, self.now);
                    (Some(v.state), v.url)
                })
            })
            .collect();
        let out = self.engine.handle(event.clone(), self.now);
        if let Some(twin) = &mut self.twin {
            let twin_out = twin.handle(event, self.now);
            assert_eq!(out, twin_out, "a restored engine behaves the same");
        }
        assert!(matches!(out.last(), Some(Action::ScheduleWakeUp { .. })));
        for a in &out {
            match a {
                Action::ScheduleWakeUp { at_ms } => {
                    assert!(at_ms.map_or(true, f64::is_finite));
                    self.wake = *at_ms;
                }
                Action::Probe { probe_id, url, .. } => {
                    let origin = origin_of(url);
                    for (id, (o, deadline)) in &self.in_flight {
                        assert!(!(o == &origin && *deadline > self.now), "probe {probe_id} while {id} is in flight for {origin}");
                    }
                    self.in_flight.retain(|_, (o, _)| o != &origin);
                    self.in_flight.insert(*probe_id, (origin, self.now + self.settings.probe_timeout_ms));
                }
                Action::ReloadTab { tab_id, .. } => {
                    if let Some(resubmit) = self.post_tabs.get(tab_id) {
                        assert!(*resubmit, "reloaded tab {tab_id} whose last navigation was a POST without Resubmit");
                    }
                }
                Action::ClearCookies { tab_id, url } => {
                    assert_ne!(self.settings.cookie_clearing, CookieClearing::Never, "cleared cookies with clearing = never");
                    assert!(self.cookie_access, "cleared cookies without the permission");
                    let (state, tab_url) = before.get(tab_id).cloned().unwrap_or_default();
                    let view = self.engine.tab_view(*tab_id, self.now);
                    assert!(state != Some(ViewState::Healthy) || view.state != ViewState::Healthy, "cleared cookies of a tab not in recovery");
                    assert!(tab_url.as_deref() == Some(url.as_str()) || view.url.as_deref() == Some(url.as_str()), "cookies of another URL");
                }
                _ => {}
            }
        }
        out
    }

    fn apply(&mut self, op: Op) {
        match op {
            Op::Nav { tab, url, post, status, ra } => {
                let method = if post { "POST" } else { "GET" };
                self.note_method(tab, post);
                let headers = if ra { vec![("Retry-After".to_string(), "45".to_string())] } else { vec![] };
                self.deliver(Event::NavigationCompleted { tab_id: tab, url: URLS[url].into(), method: method.into(), status: STATUSES[status], headers });
            }
            Op::Fail { tab, url, post, err } => {
                self.note_method(tab, post);
                let method = if post { "POST" } else { "GET" };
                self.deliver(Event::NavigationFailed { tab_id: tab, url: URLS[url].into(), method: method.into(), error: ERRORS[err].into() });
            }
            Op::Started { tab, url } => {
                self.deliver(Event::NavigationStarted { tab_id: tab, url: URLS[url].into(), method: None });
            }
            Op::Text { tab, url } => {
                self.deliver(Event::PageTextSeen { tab_id: tab, url: URLS[url].into(), title: "502 Bad Gateway".into(), text: "nginx".into() });
            }
            Op::Wake => {
                if let Some(w) = self.wake {
                    self.now = self.now.max(w);
                }
                self.deliver(Event::WokeUp);
                assert!(self.wake.map_or(true, |w| w > self.now), "deadline not in the future after a wake-up: {:?} <= {}", self.wake, self.now);
                let again = self.deliver(Event::WokeUp);
                assert!(
                    !again.iter().any(|a| matches!(a, Action::Probe { .. } | Action::ReloadTab { .. } | Action::ClearCookies { .. })),
                    "second wake-up at the same time acted: {again:?}"
                );
            }
            Op::Advance(ms) => self.now += f64::from(ms),
            Op::Answer { which, status, ra, error } => {
                let ids: Vec<u64> = self.in_flight.keys().copied().collect();
                if let Some(&id) = ids.get(which % ids.len().max(1)) {
                    self.in_flight.remove(&id);
                    let (status, err) = if error { (None, Some("net::ERR_CONNECTION_RESET".to_string())) } else { (Some(STATUSES[status]), None) };
                    self.deliver(Event::ProbeCompleted { probe_id: id, status, error: err, retry_after: ra.then(|| "30".into()), html: None });
                }
            }
            Op::Stale(id) => {
                if !self.in_flight.contains_key(&id) {
                    self.deliver(Event::ProbeCompleted { probe_id: id, status: Some(200), error: None, retry_after: None, html: None });
                }
            }
            Op::Cmd { tab, cmd, flag } => {
                let c = command(cmd, flag);
                if c == Command::Resubmit {
                    if let Some(r) = self.post_tabs.get_mut(&tab) {
                        *r = true;
                    }
                }
                self.deliver(Event::UserCommanded { tab_id: tab, command: c });
            }
            Op::Close(tab) => {
                self.post_tabs.remove(&tab);
                self.deliver(Event::TabClosed { tab_id: tab });
            }
            Op::Online(online) => {
                self.deliver(Event::ConnectivityChanged { online });
            }
            Op::CookieAccess(allowed) => {
                self.cookie_access = allowed;
                self.deliver(Event::CookieAccessChanged { allowed });
            }
            Op::Cookies(tab) => {
                self.deliver(Event::CookiesCleared { tab_id: tab, removed: 1 });
            }
            Op::Settings { cookies, attempts } => {
                let cookie_clearing = [CookieClearing::Never, CookieClearing::Ask, CookieClearing::Automatic][cookies];
                let s = Settings { cookie_clearing, max_attempts: attempts, ..self.settings.clone() };
                self.settings = s.clone();
                self.deliver(Event::SettingsChanged { settings: s });
            }
            Op::Snapshot => {
                let json = serde_json::to_string(&self.engine.snapshot()).expect("serialises");
                let restored = Engine::restore_json(&json).expect("restores");
                assert_eq!(restored, self.engine);
                self.twin = Some(restored);
            }
        }
    }

    fn note_method(&mut self, tab: TabId, post: bool) {
        if post {
            self.post_tabs.insert(tab, false);
        } else {
            self.post_tabs.remove(&tab);
        }
    }
}

/// Any event the shell could send, odd values included: well-known URLs, statuses and error
/// names mostly, sometimes arbitrary text and numbers.
fn any_event() -> impl Strategy<Value = Event> {
    let tab = prop_oneof![8 => 0i64..4, 1 => any::<i64>()];
    let url = prop_oneof![6 => prop::sample::select(URLS).prop_map(String::from), 1 => "https?://[a-z.]{1,10}(:[0-9]{1,5})?/[ -~]{0,12}", 1 => ".{0,30}"];
    let method = prop_oneof![6 => Just("GET".to_string()), 2 => Just("POST".to_string()), 1 => Just("head".to_string()), 1 => "[A-Za-z]{0,8}"];
    let status = prop_oneof![6 => prop::sample::select(STATUSES), 1 => any::<u16>()];
    let text = prop_oneof![Just(String::new()), Just("502 Bad Gateway".to_string()), Just("Error 522: Connection timed out".to_string()), ".{0,40}"];
    let error = prop_oneof![4 => prop::sample::select(ERRORS).prop_map(String::from), 1 => Just("probe timed out".to_string()), 1 => ".{0,20}"];
    let header = (prop::sample::select(&["server", "retry-after", "cf-ray", "x-cache"][..]).prop_map(String::from), "[ -~]{0,20}");
    let retry_after = prop::option::of(prop_oneof!["[0-9]{1,6}", ".{0,20}"]);
    prop_oneof![
        3 => (tab.clone(), url.clone(), prop::option::of(method.clone())).prop_map(|(tab_id, url, method)| Event::NavigationStarted { tab_id, url, method }),
        5 => (tab.clone(), url.clone(), method.clone(), status.clone(), prop::collection::vec(header, 0..3))
            .prop_map(|(tab_id, url, method, status, headers)| Event::NavigationCompleted { tab_id, url, method, status, headers }),
        2 => (tab.clone(), url.clone(), method, error.clone()).prop_map(|(tab_id, url, method, error)| Event::NavigationFailed { tab_id, url, method, error }),
        2 => (tab.clone(), url, text.clone(), text).prop_map(|(tab_id, url, title, text)| Event::PageTextSeen { tab_id, url, title, text }),
        5 => Just(Event::WokeUp),
        5 => (0u64..40, prop::option::of(status), prop::option::of(error), retry_after)
            .prop_map(|(probe_id, status, error, retry_after)| Event::ProbeCompleted { probe_id, status, error, retry_after, html: None }),
        1 => (tab.clone(), any::<u32>()).prop_map(|(tab_id, removed)| Event::CookiesCleared { tab_id, removed }),
        3 => (tab.clone(), 0usize..7, any::<bool>()).prop_map(|(tab_id, i, flag)| Event::UserCommanded { tab_id, command: command(i, flag) }),
        1 => tab.prop_map(|tab_id| Event::TabClosed { tab_id }),
        1 => any::<bool>().prop_map(|online| Event::ConnectivityChanged { online }),
        1 => any::<bool>().prop_map(|allowed| Event::CookieAccessChanged { allowed }),
        1 => (0usize..3, 0u32..8).prop_map(|(cookies, max_attempts)| Event::SettingsChanged { settings: Settings { max_attempts, ..settings(cookies) } }),
        1 => "(recovered|back|x)-[0-9]{0,22}".prop_map(|notification_id| Event::NotificationClicked { notification_id }),
    ]
}

/// How far the clock moves before an event: mostly forward, sometimes not at all or back,
/// rarely not a number.
fn any_time_step() -> impl Strategy<Value = Option<f64>> {
    prop_oneof![8 => (0.0f64..400_000.0).prop_map(Some), 1 => (-5_000.0f64..0.0).prop_map(Some), 1 => Just(None)]
}

fn settings(cookies: usize) -> Settings {
    let cookie_clearing = [CookieClearing::Never, CookieClearing::Ask, CookieClearing::Automatic][cookies];
    Settings { cookie_clearing, max_attempts: 6, ..Settings::default() }
}

/// 300 cases per run (each run draws new ones); `PROPTEST_CASES=50000` searches harder.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(300)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold(cookies in 0usize..3, seed in any::<u64>(), ops in prop::collection::vec(op(), 1..80)) {
        let s = settings(cookies);
        let mut w = World {
            engine: Engine::new(s.clone(), seed),
            twin: None,
            now: 1_700_000_000_000.0,
            wake: None,
            in_flight: BTreeMap::new(),
            post_tabs: BTreeMap::new(),
            cookie_access: true,
            settings: s,
        };
        for op in ops {
            w.apply(op);
        }
        // Closed tabs leave nothing behind.
        for t in 0..4 {
            w.deliver(Event::TabClosed { tab_id: t });
        }
        // A probe still out keeps its origin until it answers or times out.
        for _ in 0..3 {
            if let Some(at) = w.wake {
                w.now = w.now.max(at);
                w.deliver(Event::WokeUp);
            }
        }
        let snap = serde_json::to_value(w.engine.snapshot()).expect("serialises");
        prop_assert_eq!(&snap["state"]["tabs"], &serde_json::json!({}));
        prop_assert_eq!(&snap["state"]["origins"], &serde_json::json!({}));
        prop_assert_eq!(&snap["state"]["lastNav"], &serde_json::json!({}));
        prop_assert!(w.wake.is_none());
    }

    /// Structured events, odd values included, cross the JSON parser intact and never panic
    /// the engine; every batch ends with one finite (or no) wake-up, also after a restore.
    #[test]
    fn structured_events_parse_back_and_never_panic(seed in any::<u64>(), cookies in 0usize..3, steps in prop::collection::vec((any_event(), any_time_step()), 1..60)) {
        let mut e = Engine::new(settings(cookies), seed);
        let mut now = 1_700_000_000_000.0;
        for (i, (event, step)) in steps.into_iter().enumerate() {
            let json = serde_json::to_string(&event).expect("serialises");
            let parsed: Event = serde_json::from_str(&json).map_err(|err| TestCaseError::fail(format!("{json}: {err}")))?;
            prop_assert_eq!(&parsed, &event);
            now = match step {
                Some(dt) => now + dt,
                None => f64::NAN,
            };
            let out = e.handle(parsed, now);
            let Some(Action::ScheduleWakeUp { at_ms }) = out.last() else { return Err(TestCaseError::fail(format!("no wake-up last: {out:?}"))) };
            prop_assert!(at_ms.is_none_or(f64::is_finite));
            prop_assert_eq!(out.iter().filter(|a| matches!(a, Action::ScheduleWakeUp { .. })).count(), 1);
            if !now.is_finite() {
                now = 1_700_000_000_000.0 + i as f64;
            }
            if i % 7 == 6 {
                let json = serde_json::to_string(&e.snapshot()).expect("serialises");
                e = Engine::restore_json(&json).map_err(TestCaseError::fail)?;
            }
        }
    }

    /// Text that is not a snapshot or settings is an error, never a panic.
    #[test]
    fn garbage_text_is_refused(json in "\\PC{0,200}") {
        prop_assert!(Engine::restore_json(&json).is_err());
        let _ = Settings::parse(&json);
    }

    #[test]
    fn odd_times_never_panic(t1 in any::<f64>(), t2 in any::<f64>()) {
        let mut e = Engine::new(Settings::default(), 3);
        e.handle(Event::NavigationCompleted { tab_id: 1, url: "https://a.example/".into(), method: "GET".into(), status: 502, headers: vec![] }, t1);
        let out = e.handle(Event::WokeUp, t2);
        if let Some(Action::ScheduleWakeUp { at_ms: Some(at) }) = out.last() {
            prop_assert!(at.is_finite());
        }
    }
}
