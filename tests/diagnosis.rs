//! Which hop failed, for every failing case of the corpus (status, headers and page as the
//! browser would show them) and for every kind of network error; and the engine's part: the
//! diagnosis and the report in the popup's view, and the pause when several unrelated sites
//! fail at the network level at once.
#![cfg(not(target_arch = "wasm32"))]

use std::path::Path;

use bounceback::detect::classify_html;
use bounceback::engine::diagnosis::{diagnose, Evidence, Finding, Hop};
use bounceback::engine::recovery::{CoreError, ErrorName};

#[derive(serde::Deserialize)]
struct Case {
    file: String,
    status: Option<u16>,
    #[serde(default)]
    headers: serde_json::Map<String, serde_json::Value>,
    label: String,
}

/// Expected (finding, broken hop, CDN, server) per failing corpus case, by file name prefix.
use Finding::*;
use Hop::*;

/// Case number, finding, broken hop, CDN, server.
type Row = (&'static str, Finding, Hop, Option<&'static str>, Option<&'static str>);

#[rustfmt::skip]
const TABLE: &[Row] = &[
    ("001", AppError, Application, None, Some("nginx")),
    ("003", Unavailable, Application, None, Some("nginx")),
    ("005", AppError, Application, None, Some("nginx")),
    ("006", AppBadAnswer, Application, None, Some("nginx")),
    ("007", ErrorPage, Application, None, Some("nginx")),
    ("008", AppBadAnswer, Application, None, Some("Apache")),
    ("010", AppError, Application, None, Some("Apache")),
    ("012", AppBadAnswer, Application, None, Some("HAProxy")),
    ("013", Unavailable, Application, None, Some("HAProxy")),
    ("014", AppTimedOut, Application, None, Some("HAProxy")),
    ("015", AppError, Application, None, None),
    ("017", Unavailable, Application, None, Some("Varnish")),
    ("018", CdnOriginBadAnswer, Server, Some("Fastly"), None),
    ("019", CdnOriginBadAnswer, Server, Some("Fastly"), None),
    ("021", AppBadAnswer, Application, None, Some("Envoy")),
    ("022", Unavailable, Application, None, Some("Envoy")),
    ("023", AppTimedOut, Application, None, Some("Envoy")),
    ("024", AppBadAnswer, Application, None, None),
    ("025", Unavailable, Application, None, Some("Traefik")),
    ("026", AppTimedOut, Application, None, None),
    ("029", Unavailable, Application, None, Some("IIS")),
    ("031", Unavailable, Application, None, None),
    ("032", CdnOriginRefused, Server, Some("Cloudflare"), None),
    ("034", CdnOriginTimedOut, Server, Some("Cloudflare"), None),
    ("037", CdnOriginBadAnswer, Server, Some("Cloudflare"), None),
    ("039", AppTooSlow, Application, Some("Cloudflare"), None),
    ("040", CdnOriginTls, Server, Some("Cloudflare"), None),
    ("041", CdnOriginBadAnswer, Server, Some("CloudFront"), None),
    ("042", CdnOriginSlow, Server, Some("CloudFront"), None),
    ("043", CdnOriginBadAnswer, Server, Some("Google"), None),
    ("048", AppError, Application, Some("Vercel"), None),
    ("049", AppError, Application, Some("Vercel"), None),
    ("052", Unavailable, Application, None, Some("Jetty")),
    ("053", AppError, Application, None, Some("Jetty")),
    ("055", AppError, Application, None, Some("uWSGI")),
    ("056", AppError, Application, None, None),
    ("058", AppError, Application, None, None),
    ("059", AppError, Application, None, None),
    ("060", AppError, Application, None, None),
    ("061", AppError, Application, None, None),
    ("062", AppError, Application, None, None),
    ("063", AppError, Application, None, None),
    ("064", Maintenance, Application, None, None),
    ("065", AppBadAnswer, Application, None, Some("Python http.server")),
    ("067", AppError, Application, None, None),
    ("071", ErrorPage, Application, None, None),
    ("072", RateLimited, Server, None, Some("nginx")),
    ("074", RateLimited, Server, None, Some("Apache")),
    ("076", RateLimited, Server, None, None),
    ("077", RateLimited, Server, Some("Cloudflare"), None),
];

#[test]
fn every_failing_corpus_case() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let labels = std::fs::read_to_string(dir.join("labels.jsonl")).expect("labels");
    let mut got: Vec<String> = Vec::new();
    let mut others = 0;
    for line in labels.lines().filter(|l| !l.trim().is_empty()) {
        let case: Case = serde_json::from_str(line).expect("labels.jsonl line");
        if !matches!(case.label.as_str(), "server_error" | "rate_limited") {
            continue;
        }
        let html = String::from_utf8_lossy(&std::fs::read(dir.join(&case.file)).expect("case file")).into_owned();
        let headers: Vec<(String, String)> = case.headers.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect();
        let verdict = classify_html(case.status, &headers, &html, 1_760_000_000_000.0);
        let d = diagnose(&Evidence::answered(case.status, &headers, verdict.vendor), false);
        let number = case.file.trim_start_matches("cases/").split('-').next().unwrap_or_default().to_string();
        assert_eq!(d.hops.contains(&Cdn), d.cdn.is_some(), "{}: a CDN is drawn when one answered", case.file);
        // Something answered (a status, or a page): the break is never the user's side.
        assert!(!matches!(d.broken, Browser | Network), "{}: an answered failure blamed on {:?}", case.file, d.broken);
        assert!(
            !matches!(d.finding, YourConnection | Offline | NameNotFound | Refused | ConnectionDropped | TimedOut | SecureConnection | NoAnswer),
            "{}: an answered failure diagnosed as {:?}",
            case.file,
            d.finding
        );
        // The seed cases have their exact diagnosis written down; the cases gathered later
        // (tests/corpus/README.md) are held to the rules above.
        if let Some(row) = TABLE.iter().find(|r| r.0 == number) {
            assert_eq!((d.finding, d.broken, d.cdn.as_deref(), d.server.as_deref()), (row.1, row.2, row.3, row.4), "{}", case.file);
            got.push(number);
        } else {
            others += 1;
        }
    }
    assert_eq!(got.len(), TABLE.len(), "every row of the table is a failing case of the corpus");
    assert!(others >= 100, "the corpus's later cases are checked too ({others})");
}

fn net(name: &str) -> Evidence {
    Evidence::unanswered(ErrorName::Browser(name.into()))
}

#[test]
fn every_network_error_kind() {
    let cases: &[(&str, Finding, Hop)] = &[
        ("net::ERR_NAME_NOT_RESOLVED", NameNotFound, Server),
        ("NS_ERROR_UNKNOWN_HOST", NameNotFound, Server),
        ("net::ERR_CONNECTION_REFUSED", Refused, Server),
        ("NS_ERROR_CONNECTION_REFUSED", Refused, Server),
        ("net::ERR_CONNECTION_RESET", ConnectionDropped, Server),
        ("net::ERR_CONNECTION_CLOSED", ConnectionDropped, Server),
        ("net::ERR_EMPTY_RESPONSE", ConnectionDropped, Server),
        ("NS_ERROR_NET_RESET", ConnectionDropped, Server),
        ("NS_ERROR_NET_INTERRUPT", ConnectionDropped, Server),
        ("NS_ERROR_NET_PARTIAL_TRANSFER", ConnectionDropped, Server),
        ("net::ERR_HTTP2_PROTOCOL_ERROR", ConnectionDropped, Server),
        ("net::ERR_CONNECTION_TIMED_OUT", TimedOut, Server),
        ("net::ERR_TIMED_OUT", TimedOut, Server),
        ("NS_ERROR_NET_TIMEOUT", TimedOut, Server),
        ("net::ERR_CERT_DATE_INVALID", SecureConnection, Server),
        ("net::ERR_SSL_PROTOCOL_ERROR", SecureConnection, Server),
        ("SEC_ERROR_UNKNOWN_ISSUER", SecureConnection, Server),
        ("NS_ERROR_NET_INADEQUATE_SECURITY", SecureConnection, Server),
        ("net::ERR_INTERNET_DISCONNECTED", Offline, Network),
        ("NS_ERROR_OFFLINE", Offline, Network),
        ("net::ERR_NETWORK_CHANGED", Offline, Network),
        ("net::ERR_ADDRESS_UNREACHABLE", Offline, Network),
        ("net::ERR_PROXY_CONNECTION_FAILED", Proxy, Network),
        ("NS_ERROR_PROXY_CONNECTION_REFUSED", Proxy, Network),
        ("net::ERR_TUNNEL_CONNECTION_FAILED", Proxy, Network),
        ("net::ERR_FAILED", NoAnswer, Server),
        ("TypeError", NoAnswer, Server),
    ];
    for (name, finding, hop) in cases {
        let d = diagnose(&net(name), false);
        assert_eq!((d.finding, d.broken), (*finding, *hop), "{name}");
        assert_eq!(d.hops, [Browser, Network, Server, Application], "{name}: no CDN answered");
        let d = diagnose(&net(name), true);
        assert_eq!((d.finding, d.broken), (YourConnection, Network), "{name}, on several sites at once");
    }
    assert_eq!(diagnose(&Evidence::default(), false).finding, ErrorPage, "an error page whose status is not known yet");
    for (core, finding) in [(CoreError::ProbeTimedOut, TimedOut), (CoreError::ReloadTimedOut, TimedOut), (CoreError::NoAnswer, NoAnswer)] {
        assert_eq!(diagnose(&Evidence::unanswered(ErrorName::Core(core)), false).finding, finding, "{core:?}");
    }
}

#[test]
fn maintenance_needs_a_real_wait() {
    let h = |v: &str| vec![("retry-after".to_string(), v.to_string())];
    assert_eq!(diagnose(&Evidence::answered(Some(503), &h("3600"), None), false).finding, Maintenance);
    assert_eq!(diagnose(&Evidence::answered(Some(503), &h("Wed, 21 Oct 2026 07:28:00 GMT"), None), false).finding, Maintenance);
    assert_eq!(diagnose(&Evidence::answered(Some(503), &h("5"), None), false).finding, Unavailable);
    assert_eq!(diagnose(&Evidence::answered(Some(503), &[], None), false).finding, Unavailable);
}

mod engine {
    use bounceback::engine::{Action, Engine, Event};
    use bounceback::settings::Settings;

    const T0: f64 = 1_760_000_000_000.0;

    fn failed(e: &mut Engine, tab: i64, url: &str, error: &str, now: f64) -> Vec<Action> {
        e.handle(Event::NavigationFailed { tab_id: tab, url: url.into(), method: "GET".into(), error: error.into() }, now)
    }

    fn probes(actions: &[Action]) -> Vec<String> {
        actions.iter().filter_map(|a| if let Action::Probe { url, .. } = a { Some(url.clone()) } else { None }).collect()
    }

    fn wake_at(actions: &[Action]) -> Option<f64> {
        actions.iter().rev().find_map(|a| if let Action::ScheduleWakeUp { at_ms } = a { Some(*at_ms) } else { None }).flatten()
    }

    #[test]
    fn the_view_carries_the_diagnosis_and_the_report() {
        let mut e = Engine::new(Settings::default(), 1);
        let headers = vec![("server".into(), "cloudflare".into()), ("cf-ray".into(), "8a1b2c3d4e5f6789-AMS".into()), ("set-cookie".into(), "s=1".into())];
        e.handle(Event::NavigationCompleted { tab_id: 1, url: "https://shop.example/cart".into(), method: "GET".into(), status: 522, headers }, T0);
        let v = serde_json::to_value(e.tab_view(1, T0 + 5_000.0)).unwrap();
        assert_eq!(v["diagnosis"]["finding"], "cdnOriginTimedOut");
        assert_eq!(v["diagnosis"]["broken"], "server");
        assert_eq!(v["diagnosis"]["hops"], serde_json::json!(["browser", "network", "cdn", "server", "application"]));
        assert_eq!(v["diagnosis"]["cdn"], "Cloudflare");
        let r = &v["report"];
        assert_eq!(r["url"], "https://shop.example/cart");
        assert_eq!((r["failingSinceMs"].as_f64(), r["atMs"].as_f64()), (Some(T0), Some(T0 + 5_000.0)));
        assert_eq!(r["status"], 522);
        assert_eq!(r["requestIds"], serde_json::json!([["cf-ray", "8a1b2c3d4e5f6789-AMS"]]));
        assert!(!r.to_string().contains("s=1"), "no cookies in a report");
        // A healthy tab has neither.
        assert!(e.tab_view(2, T0).diagnosis.is_none() && e.tab_view(2, T0).report.is_none());
    }

    #[test]
    fn the_page_text_names_the_server_behind_the_cdn() {
        let mut e = Engine::new(Settings::default(), 1);
        let headers = vec![("server".into(), "cloudflare".into()), ("cf-ray".into(), "1-AMS".into())];
        e.handle(Event::NavigationCompleted { tab_id: 1, url: "https://a.example/".into(), method: "GET".into(), status: 502, headers }, T0);
        assert_eq!(serde_json::to_value(e.tab_view(1, T0)).unwrap()["diagnosis"]["finding"], "cdnOriginBadAnswer");
        let text = "502 Bad Gateway\nnginx/1.24.0";
        e.handle(Event::PageTextSeen { tab_id: 1, url: "https://a.example/".into(), title: "502 Bad Gateway".into(), text: text.into() }, T0 + 10.0);
        let d = serde_json::to_value(e.tab_view(1, T0)).unwrap()["diagnosis"].clone();
        assert_eq!((d["finding"].as_str(), d["server"].as_str(), d["cdn"].as_str()), (Some("appBadAnswer"), Some("nginx"), Some("Cloudflare")));
    }

    #[test]
    fn network_failures_on_several_sites_pause_all_but_one() {
        let mut e = Engine::new(Settings::default(), 7);
        failed(&mut e, 1, "https://one.example/", "net::ERR_CONNECTION_TIMED_OUT", T0);
        failed(&mut e, 2, "https://www.two.example/", "net::ERR_CONNECTION_TIMED_OUT", T0);
        let finding = |e: &Engine, tab| serde_json::to_value(e.tab_view(tab, T0)).unwrap()["diagnosis"]["finding"].clone();
        assert_eq!(finding(&e, 1), "timedOut", "two sites may share a failing host");
        // Another page of a site already failing is not another site.
        failed(&mut e, 3, "https://api.two.example/", "net::ERR_CONNECTION_TIMED_OUT", T0);
        assert!(!e.connection_suspected());
        let out = failed(&mut e, 4, "https://three.example/", "net::ERR_CONNECTION_TIMED_OUT", T0);
        assert!(e.connection_suspected());
        assert_eq!(finding(&e, 1), "yourConnection");
        assert_eq!(serde_json::to_value(e.tab_view(4, T0)).unwrap()["diagnosis"]["broken"], "network");
        let counting = [1, 2, 3, 4].iter().filter(|&&tab| e.tab_view(tab, T0).next_attempt_at_ms.is_some()).count();
        assert!(counting <= 1, "only the one site still checked counts down; the paused ones count down to nothing ({counting} tabs count down)");
        // Only one origin keeps checking; the wake-up is its, not a busy loop of the others'.
        let mut sent = probes(&out);
        let mut now = T0;
        let mut at = wake_at(&out);
        for _ in 0..40 {
            let Some(t) = at else { break };
            now = t.max(now);
            let out = e.handle(Event::WokeUp, now);
            let new = probes(&out);
            for (i, url) in new.iter().enumerate() {
                let Action::Probe { probe_id, .. } = out.iter().filter(|a| matches!(a, Action::Probe { .. })).nth(i).unwrap() else { unreachable!() };
                let _ = url;
                let reply = e.handle(
                    Event::ProbeCompleted {
                        probe_id: *probe_id,
                        status: None,
                        error: Some("net::ERR_CONNECTION_TIMED_OUT".into()),
                        retry_after: None,
                        html: None,
                    },
                    now + 1.0,
                );
                at = wake_at(&reply);
            }
            if new.is_empty() {
                at = wake_at(&out);
            }
            sent.extend(new);
            if !e.connection_suspected() {
                break;
            }
            assert!(at.is_none_or(|t| t > now), "no wake-up in the past while paused");
        }
        assert!(sent.len() >= 3, "the check goes on while paused: {sent:?}");
        let mut origins = sent.clone();
        origins.sort();
        origins.dedup();
        assert_eq!(origins.len(), 1, "one origin checks for all while paused: {sent:?}");
        // A site that answers with a status is not the connection's fault: the pause ends.
        e.handle(Event::NavigationCompleted { tab_id: 1, url: "https://one.example/".into(), method: "GET".into(), status: 502, headers: vec![] }, now + 2.0);
        e.handle(Event::NavigationCompleted { tab_id: 4, url: "https://three.example/".into(), method: "GET".into(), status: 502, headers: vec![] }, now + 2.0);
        assert!(!e.connection_suspected());
    }

    #[test]
    fn a_snapshot_from_before_evidence_still_shows_a_diagnosis() {
        let mut e = Engine::new(Settings::default(), 1);
        e.handle(
            Event::NavigationCompleted {
                tab_id: 1,
                url: "https://a.example/".into(),
                method: "GET".into(),
                status: 504,
                headers: vec![("server".into(), "nginx".into())],
            },
            T0,
        );
        let mut json = serde_json::to_value(e.snapshot()).unwrap();
        let tabs = json["state"]["tabs"].as_object_mut().unwrap();
        for tab in tabs.values_mut() {
            tab.as_object_mut().unwrap().remove("evidence").expect("evidence is written");
        }
        let old = Engine::restore_json(&json.to_string()).expect("restores");
        let v = serde_json::to_value(old.tab_view(1, T0)).unwrap();
        assert_eq!((v["diagnosis"]["finding"].as_str(), v["diagnosis"]["server"].as_str()), (Some("appTimedOut"), Some("nginx")));
    }
}
