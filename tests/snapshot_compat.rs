//! Stored state keeps working: a snapshot written by an earlier build (tests/fixtures,
//! produced before the engine was split into files and its strings became types) restores,
//! writes back the same JSON, and shows the popup the same views (new fields aside).
#![cfg(not(target_arch = "wasm32"))]

use bounceback::engine::{Engine, Event};

const OLD_SNAPSHOT: &str = include_str!("fixtures/snapshot-v1.json");
const OLD_VIEWS: &str = include_str!("fixtures/snapshot-v1-views.json");

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("fixture is JSON")
}

/// Every value of `old` is in `new` under the same name, at the same place (`new` may have
/// more: fields added since, such as new settings with their defaults).
fn assert_keeps(old: &serde_json::Value, new: &serde_json::Value, path: &str) {
    use serde_json::Value;
    match (old, new) {
        (Value::Object(o), Value::Object(n)) => {
            for (key, value) in o {
                let there = n.get(key).unwrap_or_else(|| panic!("{path}.{key} is gone"));
                assert_keeps(value, there, &format!("{path}.{key}"));
            }
        }
        (Value::Array(o), Value::Array(n)) => {
            assert_eq!(o.len(), n.len(), "{path}: length");
            for (i, (a, b)) in o.iter().zip(n).enumerate() {
                assert_keeps(a, b, &format!("{path}[{i}]"));
            }
        }
        _ => assert_eq!(old, new, "{path}"),
    }
}

#[test]
fn an_old_snapshot_restores_and_writes_back_the_same_json() {
    let engine = Engine::restore_json(OLD_SNAPSHOT).expect("the old snapshot restores");
    let again = serde_json::to_value(engine.snapshot()).expect("serialises");
    assert_keeps(&json(OLD_SNAPSHOT), &again, "snapshot");
    // Only new settings may have been added; the engine's own state is written as it was.
    let (mut old, mut new) = (json(OLD_SNAPSHOT), again);
    old["state"]["settings"].take();
    new["state"]["settings"].take();
    assert_eq!(new, old);
}

#[test]
fn an_old_snapshot_shows_the_same_views() {
    let engine = Engine::restore_json(OLD_SNAPSHOT).expect("the old snapshot restores");
    let old = json(OLD_VIEWS);
    let now = old["nowMs"].as_f64().expect("nowMs");
    let views = old["views"].as_array().expect("views");
    assert_eq!(views.len(), 11);
    for view in views {
        let tab_id = view["tabId"].as_i64().expect("tabId");
        let new = serde_json::to_value(engine.tab_view(tab_id, now)).expect("serialises");
        // The view is written only, never read back: fields may be added, none changed.
        assert_keeps(view, &new, &format!("view of tab {tab_id}"));
    }
}

#[test]
fn an_old_snapshot_shows_which_hop_failed() {
    // Written before the engine kept evidence: the diagnosis comes from what it did keep.
    let engine = Engine::restore_json(OLD_SNAPSHOT).expect("the old snapshot restores");
    let old = json(OLD_VIEWS);
    let now = old["nowMs"].as_f64().expect("nowMs");
    for view in old["views"].as_array().expect("views") {
        let tab_id = view["tabId"].as_i64().expect("tabId");
        let new = serde_json::to_value(engine.tab_view(tab_id, now)).expect("serialises");
        let failed = view["state"] != "healthy" && (view["lastStatus"].is_u64() || view["lastError"].is_string());
        assert_eq!(new["diagnosis"].is_object(), failed, "tab {tab_id}: {}", new["diagnosis"]);
        assert_eq!(new["report"].is_object(), failed, "tab {tab_id}");
    }
    let v = serde_json::to_value(engine.tab_view(7, now)).expect("serialises");
    assert_eq!((v["diagnosis"]["finding"].as_str(), v["report"]["status"].as_u64()), (Some("appError"), Some(500)));
}

#[test]
fn an_old_snapshot_carries_on() {
    let mut engine = Engine::restore_json(OLD_SNAPSHOT).expect("the old snapshot restores");
    let now = json(OLD_VIEWS)["nowMs"].as_f64().expect("nowMs");
    // Tab 10 was reloading after a healthy probe: its page now loads, is looked into and
    // found well, and the incident says the reload fixed it.
    let before = engine.incidents().len();
    let out = engine.handle(
        Event::NavigationCompleted { tab_id: 10, url: "https://back.example/p".into(), method: "GET".into(), status: 200, headers: vec![] },
        now + 1_000.0,
    );
    assert!(out.iter().any(|a| matches!(a, bounceback::engine::Action::InspectTab { tab_id: 10, .. })), "{out:?}");
    engine.handle(Event::InspectionEnded { tab_id: 10 }, now + 1_100.0);
    let last = serde_json::to_value(engine.incidents().last().expect("an incident")).expect("serialises");
    assert_eq!(engine.incidents().len(), before + 1);
    assert_eq!(last["fixedBy"], "reload");
    assert_eq!(last["outcome"], "recovered");
}
