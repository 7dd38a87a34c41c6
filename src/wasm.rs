//! The only `#[wasm_bindgen]` surface: one opaque [`Core`] handle for the extension's background.
//!
//! Data crosses as plain JSON-compatible values (serde-wasm-bindgen's `json_compatible`
//! serializer), so whatever comes out can go straight into `storage` or `runtime.sendMessage`.
//! Every export returns `Result<_, JsValue>`: input that does not fit is an `Error` thrown in
//! JS, never a panic.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::engine::{Engine, Event};
use crate::settings::Settings;

fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| js_sys::Error::new(&format!("bounceback: cannot serialise: {e}")).into())
}

fn from_js<T: serde::de::DeserializeOwned>(what: &str, value: JsValue) -> Result<T, JsValue> {
    serde_wasm_bindgen::from_value(value)
        .map_err(|e| js_sys::Error::new(&format!("bounceback: invalid {what}: {e}")).into())
}

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}

/// Classify a whole HTML document (title and visible text are extracted in the core), as the
/// CLI does: `headers` is an array of `[name, value]` pairs; `status` is absent when unknown.
#[wasm_bindgen(js_name = classifyHtml)]
pub fn classify_html(status: Option<u16>, headers: JsValue, html: &str, now_ms: f64) -> Result<JsValue, JsValue> {
    let headers: Vec<(String, String)> = if headers.is_undefined() || headers.is_null() {
        Vec::new()
    } else {
        from_js("headers", headers)?
    };
    to_js(&crate::detect::classify_html(status, &headers, html, now_ms))
}

/// The recovery engine, owned by the background.
#[wasm_bindgen]
pub struct Core {
    engine: Engine,
}

#[wasm_bindgen]
impl Core {
    /// A fresh engine with the given settings object (`{}` for defaults) and PRNG seed.
    #[wasm_bindgen(constructor)]
    pub fn new(settings: JsValue, seed: f64) -> Result<Core, JsValue> {
        let settings: Settings = if settings.is_undefined() || settings.is_null() {
            Settings::default()
        } else {
            from_js("settings", settings)?
        };
        Ok(Core { engine: Engine::new(settings, seed as u64) })
    }

    /// An engine restored from a value made by [`Core::snapshot`].
    pub fn restore(snapshot: JsValue) -> Result<Core, JsValue> {
        Ok(Core { engine: from_js("snapshot", snapshot)? })
    }

    /// Feed one event (an object tagged by `type`) at `now_ms`; returns the actions to carry out.
    pub fn handle(&mut self, event: JsValue, now_ms: f64) -> Result<JsValue, JsValue> {
        let event: Event = from_js("event", event)?;
        to_js(&self.engine.handle(event, now_ms))
    }

    /// What the popup shows for one tab.
    pub fn view(&self, tab_id: f64, now_ms: f64) -> Result<JsValue, JsValue> {
        to_js(&self.engine.tab_view(tab_id as i64, now_ms))
    }

    /// The settings in force.
    pub fn settings(&self) -> Result<JsValue, JsValue> {
        to_js(self.engine.settings())
    }

    /// The whole state, for `storage.session`.
    pub fn snapshot(&self) -> Result<JsValue, JsValue> {
        to_js(&self.engine)
    }
}
