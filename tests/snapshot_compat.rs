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

#[test]
fn an_old_snapshot_restores_and_writes_back_the_same_json() {
    let engine = Engine::restore_json(OLD_SNAPSHOT).expect("the old snapshot restores");
    let again = serde_json::to_value(engine.snapshot()).expect("serialises");
    assert_eq!(again, json(OLD_SNAPSHOT));
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
        for (key, value) in view.as_object().expect("an object") {
            assert_eq!(&new[key], value, "tab {tab_id}, {key}");
        }
    }
}

#[test]
fn an_old_snapshot_carries_on() {
    let mut engine = Engine::restore_json(OLD_SNAPSHOT).expect("the old snapshot restores");
    let now = json(OLD_VIEWS)["nowMs"].as_f64().expect("nowMs");
    // Tab 10 was reloading after a healthy probe: its page now loads, and the incident says
    // the reload fixed it.
    let before = engine.incidents().len();
    engine.handle(
        Event::NavigationCompleted { tab_id: 10, url: "https://back.example/p".into(), method: "GET".into(), status: 200, headers: vec![] },
        now + 1_000.0,
    );
    let last = serde_json::to_value(engine.incidents().last().expect("an incident")).expect("serialises");
    assert_eq!(engine.incidents().len(), before + 1);
    assert_eq!(last["fixedBy"], "reload");
    assert_eq!(last["outcome"], "recovered");
}
