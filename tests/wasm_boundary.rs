//! The JS <-> Rust boundary, in a real browser: values built in JS go in, plain JSON-compatible
//! values come out, and malformed input is a thrown error, never a panic.
#![cfg(target_arch = "wasm32")]

use bounceback::wasm::Core;
use js_sys::{Array, Reflect, JSON};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

// No `wasm_bindgen_test_configure!`: build.sh chooses where these run, per browser, with
// WASM_BINDGEN_USE_SERVICE_WORKER (Chromium's background is a service worker) and
// WASM_BINDGEN_USE_BROWSER (Firefox's is an event page, a document).

fn js(json: &str) -> JsValue {
    JSON::parse(json).expect("test JSON")
}

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn failing_navigation() -> JsValue {
    js(r#"{"type":"navigationCompleted","tabId":7,"url":"https://shop.example/cart","method":"GET","status":502,"headers":[["server","nginx"]]}"#)
}

#[wasm_bindgen_test]
fn a_502_schedules_a_wake_up_as_plain_json() {
    let mut core = Core::new(js("{}"), 1.0).expect("default settings");
    let actions = core.handle(failing_navigation(), 1_000_000.0).expect("valid event");
    assert!(Array::is_array(&actions));
    // Plain objects and numbers, so the value survives storage and sendMessage unchanged.
    let text = JSON::stringify(&actions).expect("serialisable").as_string().unwrap_or_default();
    let wake = Array::from(&actions).iter().find(|a| get(a, "type").as_string().as_deref() == Some("scheduleWakeUp")).expect("a wake-up is scheduled");
    let at = get(&wake, "atMs").as_f64().expect("atMs is a number");
    assert!(at > 1_000_000.0, "wake-up after now: {text}");
}

#[wasm_bindgen_test]
fn malformed_events_are_refused_with_an_error() {
    let mut core = Core::new(JsValue::UNDEFINED, 1.0).expect("undefined settings mean defaults");
    for bad in [
        js(r#"{"type":"noSuchEvent"}"#),
        js(r#"{"type":"navigationCompleted","tabId":"seven"}"#),
        js(r#"{"type":"tabClosed","tabId":7,"bogus":1}"#),
        js(r#"{"type":"tabClosed","tabId":7,"url":"https://shop.example/"}"#),
        js(r#"[1,2,3]"#),
        JsValue::from_str("navigationCompleted"),
        JsValue::NULL,
    ] {
        let err = core.handle(bad, 0.0).expect_err("malformed event refused");
        let message = get(&err, "message").as_string().unwrap_or_default();
        assert!(message.contains("invalid event"), "clear message: {message}");
    }
    // An oversized bad value is not quoted back whole.
    let huge = format!(r#"{{"type":"tabClosed","tabId":"{}"}}"#, "7".repeat(1_000_000));
    let err = core.handle(js(&huge), 0.0).expect_err("a string tab id is refused");
    let message = get(&err, "message").as_string().unwrap_or_default();
    assert!(message.contains("invalid event") && message.chars().count() <= 301, "{} chars", message.len());
    // Page HTML over the limit is refused with a message that says so.
    let long = format!(r#"{{"type":"pageHtmlSeen","tabId":7,"url":"https://shop.example/","html":"{}"}}"#, "a".repeat(262_145));
    let err = core.handle(js(&long), 0.0).expect_err("oversized html is refused");
    let message = get(&err, "message").as_string().unwrap_or_default();
    assert!(message.contains("html too long: 262145 bytes (at most 262144)"), "{message}");
    // The core still works afterwards.
    core.handle(failing_navigation(), 0.0).expect("valid event after garbage");
}

/// The events the shell really sent, recorded by the fake-browser tests (tests/shell,
/// lib/recorded-events.mjs): one of each shape.
const SHELL_EVENTS: &str = include_str!("fixtures/shell-events.json");

#[wasm_bindgen_test]
fn every_event_the_shell_sends_is_accepted() {
    let mut core = Core::new(JsValue::UNDEFINED, 1.0).expect("defaults");
    let events = Array::from(&js(SHELL_EVENTS));
    assert!(events.length() >= 10, "the recorded events are there");
    for good in events.iter() {
        let text = JSON::stringify(&good).ok().and_then(|s| s.as_string()).unwrap_or_default();
        if let Err(e) = core.handle(good, 1_000_000.0) {
            panic!("{text} refused: {:?}", get(&e, "message").as_string());
        }
    }
}

#[wasm_bindgen_test]
fn a_snapshot_restores_into_an_equal_engine() {
    let mut core = Core::new(js("{}"), 9.0).expect("core");
    core.handle(failing_navigation(), 5_000.0).expect("event");
    let snapshot = core.snapshot().expect("snapshot");
    let restored = Core::restore(&snapshot).expect("restore");
    assert_eq!(restored.snapshot().expect("snapshot"), snapshot);
    for corrupt in ["", "{}", "{\"version\":999,\"state\":{}}", "[1,2]", "{\"version\":1,\"state\":{\"tabs\":7}}"] {
        assert!(Core::restore(corrupt).is_err(), "corrupt snapshot refused: {corrupt}");
    }
}

#[wasm_bindgen_test]
fn corrupt_settings_are_repaired_with_notices() {
    let core = Core::new(js(r#"{"baseMs":"soon","capMs":-1,"cookieClearing":"always"}"#), 1.0).expect("repaired, not refused");
    let notices = Array::from(&core.notices().expect("notices"));
    assert_eq!(notices.length(), 3, "one notice per bad field");
    let base = notices.iter().find(|n| get(n, "field").as_string().as_deref() == Some("baseMs")).expect("a notice for baseMs");
    assert_eq!(get(&base, "code").as_string().as_deref(), Some("reset"));
    assert_eq!((get(&base, "was").as_string().as_deref(), get(&base, "to").as_string().as_deref()), (Some("\"soon\""), Some("16000")));
    let settings = core.settings().expect("settings");
    assert_eq!(get(&settings, "cookieClearing").as_string().as_deref(), Some("ask"));
}

#[wasm_bindgen_test]
fn settings_validation_names_the_bad_field() {
    let outcome = bounceback::wasm::validate_settings(js(r#"{"baseMs":5000,"capMs":1000}"#)).expect("outcome");
    assert_eq!(get(&outcome, "ok").as_bool(), Some(false));
    let errors = Array::from(&get(&outcome, "errors"));
    let cap = errors.iter().find(|e| get(e, "field").as_string().as_deref() == Some("capMs")).expect("an error for capMs");
    assert_eq!(get(&cap, "code").as_string().as_deref(), Some("atLeast"));
    assert_eq!((get(&cap, "min").as_f64(), get(&cap, "got").as_f64()), (Some(5000.0), Some(1000.0)));
    assert!(get(&cap, "max").is_null());
    let outcome = bounceback::wasm::validate_settings(js(r#"{"baseMs":5000}"#)).expect("outcome");
    assert_eq!(get(&outcome, "ok").as_bool(), Some(true));
}

#[wasm_bindgen_test]
async fn the_wake_up_timer_fires_once_and_re_arming_cancels_the_old_one() {
    use std::cell::Cell;
    use std::rc::Rc;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    let mut core = Core::new(JsValue::UNDEFINED, 1.0).expect("core");
    let counter = |hits: Rc<Cell<u32>>| Closure::<dyn Fn()>::new(move || hits.set(hits.get() + 1)).into_js_value().unchecked_into::<js_sys::Function>();
    let stale = Rc::new(Cell::new(0));
    let fresh = Rc::new(Cell::new(0));
    core.arm_timer(30.0, counter(stale.clone()));
    core.arm_timer(60.0, counter(fresh.clone())); // Replaces the first.
    gloo_timers::future::TimeoutFuture::new(200).await;
    assert_eq!((stale.get(), fresh.get()), (0, 1));
    core.arm_timer(30.0, counter(stale.clone()));
    core.disarm_timer();
    gloo_timers::future::TimeoutFuture::new(100).await;
    assert_eq!(stale.get(), 0, "a disarmed timer never fires");
}
