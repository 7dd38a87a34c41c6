//! State stored by the version before the quick check and the linear step (settings without
//! `quickCheckMs` and `stepMs`, with that version's timing) still loads and still works.
#![cfg(not(target_arch = "wasm32"))]

use bounceback::engine::{Action, Engine, Event};
use bounceback::settings::Settings;

const T0: f64 = 1_700_000_000_000.0;

#[test]
fn an_engine_snapshot_of_the_previous_version_restores_and_carries_on() {
    let previous = Settings { base_ms: 10_000.0, cap_ms: 110_000.0, floor_ms: 10_000.0, ..Settings::default() };
    let mut engine = Engine::new(previous, 7);
    let failed = Event::NavigationCompleted { tab_id: 1, url: "https://old.example/".into(), method: "GET".into(), status: 502, headers: vec![] };
    let out = engine.handle(failed, T0);
    let Some(Action::ScheduleWakeUp { at_ms: Some(wake) }) = out.last().cloned() else { panic!("{out:?}") };
    let mut json = serde_json::to_value(engine.snapshot()).unwrap();
    let settings = json["state"]["settings"].as_object_mut().expect("the settings inside the snapshot");
    assert!(settings.remove("quickCheckMs").is_some() && settings.remove("stepMs").is_some());
    let mut restored = Engine::restore_json(&json.to_string()).expect("an old snapshot restores");
    let s = restored.settings();
    assert_eq!((s.base_ms, s.cap_ms, s.floor_ms), (10_000.0, 110_000.0, 10_000.0), "the stored timing is kept");
    assert_eq!((s.quick_check_ms, s.step_ms), (Settings::default().quick_check_ms, Settings::default().step_ms));
    let out = restored.handle(Event::WokeUp, wake);
    assert!(out.iter().any(|a| matches!(a, Action::Probe { .. })), "{out:?}");
}
