//! The only `#[wasm_bindgen]` surface: one opaque [`Core`] handle for the extension's background.
//!
//! Data crosses as plain JSON-compatible values (serde-wasm-bindgen's `json_compatible`
//! serializer), so whatever comes out can go straight into `storage` or `runtime.sendMessage`.
//! Every export returns `Result<_, JsValue>`: input that does not fit is an `Error` thrown in
//! JS, never a panic.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::engine::{Engine, Event, Snapshot};
use crate::settings::{FieldError, FieldErrorCode, Settings};

fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|e| js_sys::Error::new(&format!("bounceback: cannot serialise: {e}")).into())
}

fn from_js<T: serde::de::DeserializeOwned>(what: &str, value: JsValue) -> Result<T, JsValue> {
    serde_wasm_bindgen::from_value(value).map_err(|e| js_sys::Error::new(&brief(&format!("bounceback: invalid {what}: {e}"))).into())
}

/// An error message cut to a readable length: serde's messages quote the offending value,
/// which may be megabytes that the caller already has.
fn brief(message: &str) -> String {
    const MAX: usize = 300;
    match message.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &message[..cut]),
        None => message.to_string(),
    }
}

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}

/// Checks a settings object as the options page submits it: `{ok: true, settings}` with the
/// canonical object, or `{ok: false, errors: [{field, code, min, max, got, entry, message}]}`
/// naming each bad field (see [`FieldError`]).
#[wasm_bindgen(js_name = validateSettings)]
pub fn validate_settings(candidate: JsValue) -> Result<JsValue, JsValue> {
    #[derive(Serialize)]
    struct Outcome<'a> {
        ok: bool,
        settings: Option<&'a Settings>,
        errors: Vec<FieldError>,
    }
    let parsed: Result<Settings, _> = serde_wasm_bindgen::from_value(candidate);
    let settings = match parsed {
        Ok(s) => s,
        Err(e) => {
            let errors = vec![FieldError::new("", FieldErrorCode::Unreadable, brief(&e.to_string()))];
            return to_js(&Outcome { ok: false, settings: None, errors });
        }
    };
    match settings.validate() {
        Ok(()) => to_js(&Outcome { ok: true, settings: Some(&settings), errors: vec![] }),
        Err(errors) => to_js(&Outcome { ok: false, settings: None, errors }),
    }
}

/// A stored settings object, for [`Settings::repair`].
struct JsCandidate(JsValue);

fn json_text(v: &JsValue) -> String {
    js_sys::JSON::stringify(v).ok().and_then(|s| s.as_string()).unwrap_or_else(|| "null".into())
}

impl crate::settings::Candidate for JsCandidate {
    fn keys(&self) -> Option<Vec<String>> {
        if !self.0.is_object() || js_sys::Array::is_array(&self.0) {
            return None;
        }
        let mut keys: Vec<String> = Vec::new();
        for k in js_sys::Object::keys(self.0.unchecked_ref::<js_sys::Object>()).iter().filter_map(|k| k.as_string()) {
            let at = keys.partition_point(|x| *x < k);
            keys.insert(at, k);
        }
        Some(keys)
    }

    fn settings_from(&self, keys: &[&str]) -> Option<Settings> {
        let some = js_sys::Object::new();
        for k in keys {
            let k = JsValue::from_str(k);
            js_sys::Reflect::set(&some, &k, &js_sys::Reflect::get(&self.0, &k).ok()?).ok()?;
        }
        serde_wasm_bindgen::from_value(some.into()).ok()
    }

    fn show(&self, key: &str) -> String {
        json_text(&js_sys::Reflect::get(&self.0, &JsValue::from_str(key)).unwrap_or(JsValue::NULL))
    }

    fn show_default(&self, key: &str) -> String {
        let defaults = to_js(&Settings::default()).unwrap_or(JsValue::NULL);
        json_text(&js_sys::Reflect::get(&defaults, &JsValue::from_str(key)).unwrap_or(JsValue::NULL))
    }
}

/// The recovery engine, owned by the background.
#[wasm_bindgen]
pub struct Core {
    engine: Engine,
    notices: Vec<crate::settings::Notice>,
    /// The in-memory timer for the next wake-up; dropping it cancels it.
    timer: Option<gloo_timers::callback::Timeout>,
}

#[wasm_bindgen]
impl Core {
    /// A fresh engine with the stored settings object (`{}` or undefined for defaults) and a
    /// PRNG seed. A corrupt or outdated settings object is repaired, never refused: see
    /// [`Core::notices`].
    #[wasm_bindgen(constructor)]
    pub fn new(settings: JsValue, seed: f64) -> Result<Core, JsValue> {
        let (settings, notices) =
            if settings.is_undefined() || settings.is_null() { (Settings::default(), Vec::new()) } else { Settings::repair(&JsCandidate(settings)) };
        Ok(Core { engine: Engine::new(settings, seed as u64), notices, timer: None })
    }

    /// An engine restored from the JSON text made by [`Core::snapshot`].
    pub fn restore(snapshot: &str) -> Result<Core, JsValue> {
        let value = js_sys::JSON::parse(snapshot).map_err(|_| js_sys::Error::new("bounceback: corrupt snapshot: not JSON"))?;
        let snapshot: Snapshot<'static> = from_js("snapshot", value)?;
        let engine = Engine::restore(snapshot).map_err(|e| js_sys::Error::new(&format!("bounceback: {e}")))?;
        Ok(Core { engine, notices: Vec::new(), timer: None })
    }

    /// What was repaired in the settings this core was made with (empty when nothing was), as
    /// `[{code, field, was, to, message}]` (see [`crate::settings::Notice`]).
    pub fn notices(&self) -> Result<JsValue, JsValue> {
        to_js(&self.notices)
    }

    /// Feed one event (an object tagged by `type`) at `now_ms`; returns the actions to carry out.
    pub fn handle(&mut self, event: JsValue, now_ms: f64) -> Result<JsValue, JsValue> {
        let event: Event = from_js("event", event)?;
        if !now_ms.is_finite() {
            return Err(js_sys::Error::new("bounceback: now_ms must be a finite number").into());
        }
        to_js(&self.engine.handle(event, now_ms))
    }

    /// What the popup shows for one tab.
    pub fn view(&self, tab_id: f64, now_ms: f64) -> Result<JsValue, JsValue> {
        to_js(&self.engine.tab_view(tab_id as i64, now_ms))
    }

    /// The countdowns the badges show, as `[[tabId, atMs], ...]`: what a restarted
    /// background resumes ticking.
    pub fn countdowns(&self) -> Result<JsValue, JsValue> {
        to_js(&self.engine.badge_countdowns())
    }

    /// The recent incidents, oldest first.
    pub fn incidents(&self) -> Result<JsValue, JsValue> {
        to_js(self.engine.incidents())
    }

    /// Arms the short-wait timer: `on_due` is called once, `delay_ms` from now, unless the timer
    /// is re-armed or disarmed first. It lives only as long as this background does; the
    /// shell keeps a durable backstop (`alarms`) for every wait.
    #[wasm_bindgen(js_name = armTimer)]
    pub fn arm_timer(&mut self, delay_ms: f64, on_due: js_sys::Function) {
        self.timer = None;
        if !delay_ms.is_finite() {
            return;
        }
        let ms = delay_ms.clamp(0.0, f64::from(i32::MAX)) as u32;
        self.timer = Some(gloo_timers::callback::Timeout::new(ms, move || {
            if let Err(e) = on_due.call0(&JsValue::NULL) {
                web_sys::console::error_2(&JsValue::from_str("bounceback: wake-up callback failed"), &e);
            }
        }));
    }

    /// Cancels the short-wait timer, if any.
    #[wasm_bindgen(js_name = disarmTimer)]
    pub fn disarm_timer(&mut self) {
        self.timer = None;
    }

    /// After a browser restart: end every recovery, keep settings, site choices and history.
    #[wasm_bindgen(js_name = forgetTabs)]
    pub fn forget_tabs(&mut self) {
        self.engine.forget_tabs();
    }

    /// Changes whenever what should survive a browser restart changes (see `Engine`).
    #[wasm_bindgen(js_name = durableRevision)]
    pub fn durable_revision(&self) -> f64 {
        // 53 bits: exact as a JS number.
        (self.engine.durable_revision() >> 11) as f64
    }

    /// Forget the incident history.
    #[wasm_bindgen(js_name = clearIncidents)]
    pub fn clear_incidents(&mut self) {
        self.engine.clear_incidents();
    }

    /// The settings in force.
    pub fn settings(&self) -> Result<JsValue, JsValue> {
        to_js(self.engine.settings())
    }

    /// The whole state as JSON text, for `storage.session`.
    pub fn snapshot(&self) -> Result<String, JsValue> {
        // serde-wasm-bindgen and the browser's JSON, so the module carries no JSON codec of its own.
        let value = to_js(&self.engine.snapshot())?;
        js_sys::JSON::stringify(&value)?.as_string().ok_or_else(|| js_sys::Error::new("bounceback: cannot snapshot").into())
    }
}
