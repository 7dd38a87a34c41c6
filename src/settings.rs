//! The user's recovery policy: defaults, parsing with repair, and validation.
//!
//! Settings cross the JS boundary as a camelCase JSON object in which every field is
//! optional (`{}` means all defaults). [`Settings::validate`] says precisely what is wrong
//! with a candidate (the engine applies only valid settings); [`Settings::repair`] (and
//! [`Settings::parse`] for JSON text) never fail: they keep every good field, reset each bad one to
//! its default, and say what they repaired, so a corrupt stored object degrades to
//! something sensible instead of to nothing.

use serde::{Deserialize, Serialize};

/// When Bounceback may clear a site's cookies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CookieClearing {
    /// Never clear cookies, not even on request.
    Never,
    /// Suggest it in the popup; clear only when the user says so (per tab, or remembered per site).
    #[default]
    Ask,
    /// Clear the failing URL's cookies by itself when they look like the culprit.
    Automatic,
}

/// What the user chose. Every field has a default, so `{}` is a valid settings object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Settings {
    /// Wait before a quick first check, ms; 0 for none (see `engine::backoff`).
    pub quick_check_ms: f64,
    /// First wait of the growing part of the schedule (after the quick check), ms.
    pub base_ms: f64,
    /// How much longer each wait is than the one before, ms.
    pub step_ms: f64,
    /// Longest wait between two attempts, ms.
    pub cap_ms: f64,
    /// Shortest wait between two attempts, ms (also the shortest `Retry-After` honoured).
    pub floor_ms: f64,
    /// Failed attempts (probes or reloads) on one origin before giving up.
    pub max_attempts: u32,
    /// Time from the first failure after which recovery gives up, ms.
    pub max_total_ms: f64,
    /// Longest server-requested `Retry-After` wait honoured as is, ms (longer ones are cut).
    pub max_retry_after_ms: f64,
    /// A probe (or a reload, or a cookie clearing) not answered within this is a failure, ms.
    pub probe_timeout_ms: f64,
    /// Interval of the slow probe of "tell me when it's back", ms.
    pub watch_interval_ms: f64,
    /// How long "tell me when it's back" keeps watching, ms.
    pub watch_max_ms: f64,
    /// HTTP statuses that start recovery (429 additionally needs a `Retry-After`).
    pub statuses: Vec<u16>,
    /// Recover from connection-level failures (refused, reset, timed out...).
    pub network_errors: bool,
    /// Recover from error pages served with a success status, recognised by their text.
    pub text_detection: bool,
    /// When cookies may be cleared.
    pub cookie_clearing: CookieClearing,
    /// Notify when a page is back.
    pub notifications: bool,
    /// Show the in-page banner (read by the shell).
    pub banner: bool,
    /// If non-empty, only these hosts (and their subdomains) are recovered.
    pub allow_list: Vec<String>,
    /// These hosts (and their subdomains) are never recovered.
    pub deny_list: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            // Tuned with `bounceback simulate --frontier` on outages log-uniform 5 s..30 min
            // (seed 101; README, Performance): waits of about 3 s, then 16, 24, 32 ... 55 s,
            // each ±15 %.
            quick_check_ms: 3_000.0,
            base_ms: 16_000.0,
            step_ms: 8_000.0,
            cap_ms: 55_000.0,
            floor_ms: 2_000.0,
            max_attempts: 50,
            max_total_ms: 45.0 * 60_000.0,
            max_retry_after_ms: 60.0 * 60_000.0,
            probe_timeout_ms: 30_000.0,
            watch_interval_ms: 5.0 * 60_000.0,
            watch_max_ms: 6.0 * 3_600_000.0,
            statuses: vec![500, 502, 503, 504, 520, 521, 522, 523, 524],
            network_errors: true,
            text_detection: true,
            cookie_clearing: CookieClearing::Ask,
            notifications: true,
            banner: true,
            allow_list: Vec::new(),
            deny_list: Vec::new(),
        }
    }
}

/// One problem with one setting: a code and the numbers that go with it, for the UI to word in
/// its own language and units, and the same in English (`message`). Durations are in ms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldError {
    /// The camelCase name of the field, as in the JSON object (empty when the whole object is
    /// at fault).
    pub field: String,
    pub code: FieldErrorCode,
    /// The smallest value allowed, when there is one.
    pub min: Option<f64>,
    /// The largest value (or number of entries) allowed, when there is one.
    pub max: Option<f64>,
    /// The value given, when it is a number.
    pub got: Option<f64>,
    /// The list entry at fault (`notAHost`).
    pub entry: Option<String>,
    /// What is wrong, in English, naming JSON fields and milliseconds (the CLI, imports).
    pub message: String,
}

/// What is wrong with a setting (camelCase in JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FieldErrorCode {
    /// Must be more than 0 (`got`).
    NotPositive,
    /// Must be at least `min` (`got`).
    AtLeast,
    /// Must be between `min` and `max` (`got`).
    Between,
    /// A status that is not an HTTP error status, 400 (`min`) to 599 (`max`) (`got`).
    NotAnErrorStatus,
    /// A list with more than `max` entries.
    TooMany,
    /// A host list `entry` that is not a host name.
    NotAHost,
    /// The object does not have the shape of settings (a field of the wrong type...).
    Unreadable,
}

impl FieldError {
    /// An error without numbers.
    pub fn new(field: &str, code: FieldErrorCode, message: String) -> FieldError {
        FieldError { field: field.into(), code, min: None, max: None, got: None, entry: None, message }
    }

    fn limits(self, min: Option<f64>, max: Option<f64>, got: Option<f64>) -> FieldError {
        FieldError { min, max, got, ..self }
    }
}

/// Something [`Settings::repair`] changed: a code and its data for the UI to word, and the same
/// in English (`message`, e.g. `"repaired: baseMs was -3, reset to 16000"`). `was` and `to`
/// are JSON texts (ms for durations).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notice {
    pub code: NoticeCode,
    /// The field concerned (its camelCase JSON name), if one.
    pub field: Option<String>,
    /// The value that could not be used (shortened).
    pub was: Option<String>,
    /// The value put in its place.
    pub to: Option<String>,
    pub message: String,
}

/// What [`Settings::repair`] did (camelCase in JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum NoticeCode {
    /// The settings were not JSON at all: all defaults.
    NotJson,
    /// The settings were not an object: all defaults.
    NotAnObject,
    /// An unknown `field` was dropped.
    UnknownSetting,
    /// `field` held an unusable value (`was`), reset to `to`.
    Reset,
    /// `field` contradicted another field, reset to `to`.
    Contradicted,
    /// The timing fields contradicted each other: all reset to their defaults.
    TimingReset,
}

impl Notice {
    fn new(code: NoticeCode, field: Option<&str>, was: Option<String>, to: Option<String>, message: String) -> Notice {
        Notice { code, field: field.map(str::to_string), was, to, message }
    }
}

const MAX_LIST: usize = 1000;
/// Fields whose validity depends on another field; reset together if repair alone fails.
const LINKED: &[&str] = &["baseMs", "capMs", "floorMs", "maxRetryAfterMs", "watchIntervalMs", "watchMaxMs"];

impl Settings {
    /// Check every field; all problems are reported, each naming its field.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        use FieldErrorCode::{AtLeast, NotAHost, NotAnErrorStatus, NotPositive, TooMany};
        let mut errs = Vec::new();
        let ms = |v: f64| v.is_finite();
        if !(ms(self.base_ms) && self.base_ms > 0.0) {
            let message = format!("baseMs must be a positive number of milliseconds (got {})", self.base_ms);
            errs.push(FieldError::new("baseMs", NotPositive, message).limits(None, None, Some(self.base_ms)));
        }
        if !(ms(self.cap_ms) && self.cap_ms >= self.base_ms) {
            let message = format!("capMs must be at least baseMs ({} < {})", self.cap_ms, self.base_ms);
            errs.push(FieldError::new("capMs", AtLeast, message).limits(Some(self.base_ms), None, Some(self.cap_ms)));
        }
        /// `got` must lie in `min..=max`; the message is only written when it does not.
        fn between(errs: &mut Vec<FieldError>, field: &str, min: f64, max: f64, got: f64, message: impl FnOnce() -> String) {
            if !(got.is_finite() && got >= min && got <= max) {
                errs.push(FieldError::new(field, FieldErrorCode::Between, message()).limits(Some(min), Some(max), Some(got)));
            }
        }
        between(&mut errs, "floorMs", 100.0, self.cap_ms, self.floor_ms, || format!("floorMs must be between 100 and capMs (got {})", self.floor_ms));
        let quick = self.quick_check_ms;
        between(&mut errs, "quickCheckMs", 0.0, 60_000.0, quick, || format!("quickCheckMs must be between 0 (none) and 60000 (got {quick})"));
        let step = self.step_ms;
        between(&mut errs, "stepMs", 0.0, 3_600_000.0, step, || format!("stepMs must be between 0 and 3600000 (got {step})"));
        let attempts = f64::from(self.max_attempts);
        between(&mut errs, "maxAttempts", 1.0, 50.0, attempts, || format!("maxAttempts must be between 1 and 50 (got {})", self.max_attempts));
        let (total, week, day) = (self.max_total_ms, 7.0 * 86_400_000.0, 86_400_000.0);
        between(&mut errs, "maxTotalMs", 1_000.0, week, total, || format!("maxTotalMs must be between 1 s and 7 days in ms (got {total})"));
        let retry_after = self.max_retry_after_ms;
        between(&mut errs, "maxRetryAfterMs", self.floor_ms, day, retry_after, || {
            format!("maxRetryAfterMs must be between floorMs and 1 day (got {retry_after})")
        });
        let timeout = self.probe_timeout_ms;
        between(&mut errs, "probeTimeoutMs", 1_000.0, 300_000.0, timeout, || format!("probeTimeoutMs must be between 1000 and 300000 (got {timeout})"));
        if !(ms(self.watch_interval_ms) && self.watch_interval_ms >= 10_000.0) {
            let message = format!("watchIntervalMs must be at least 10000 (got {})", self.watch_interval_ms);
            errs.push(FieldError::new("watchIntervalMs", AtLeast, message).limits(Some(10_000.0), None, Some(self.watch_interval_ms)));
        }
        let watch_max = self.watch_max_ms;
        between(&mut errs, "watchMaxMs", self.watch_interval_ms, week, watch_max, || {
            format!("watchMaxMs must be between watchIntervalMs and 7 days (got {watch_max})")
        });
        if let Some(s) = self.statuses.iter().find(|s| !(400..=599).contains(*s)) {
            let message = format!("statuses must be HTTP error codes 400-599 (got {s})");
            errs.push(FieldError::new("statuses", NotAnErrorStatus, message).limits(Some(400.0), Some(599.0), Some(f64::from(*s))));
        }
        if self.statuses.len() > 200 {
            errs.push(FieldError::new("statuses", TooMany, "statuses has too many entries".into()).limits(None, Some(200.0), None));
        }
        for (name, list) in [("allowList", &self.allow_list), ("denyList", &self.deny_list)] {
            if list.len() > MAX_LIST {
                let message = format!("{name} has more than {MAX_LIST} entries");
                errs.push(FieldError::new(name, TooMany, message).limits(None, Some(MAX_LIST as f64), None));
            }
            if let Some(p) = list.iter().find(|p| {
                let p = p.trim().trim_start_matches("*.");
                p.is_empty() || p.len() > 253 || p.contains(['/', ':', ' ', '@'])
            }) {
                let message = format!("{name} entry \"{p}\" is not a host name (use e.g. example.com or *.example.com)");
                errs.push(FieldError { entry: Some(p.clone()), ..FieldError::new(name, NotAHost, message) });
            }
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(errs)
        }
    }

    /// Parse settings from JSON text, repairing what is wrong (see [`Settings::repair`]).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn parse(json: &str) -> (Settings, Vec<Notice>) {
        match serde_json::from_str::<serde_json::Value>(json) {
            Ok(v) => Settings::from_json_value(&v),
            Err(e) => {
                let message = format!("repaired: settings were not valid JSON ({e}), using defaults");
                (Settings::default(), vec![Notice::new(NoticeCode::NotJson, None, None, None, message)])
            }
        }
    }

    /// [`Settings::repair`] of a JSON value.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn from_json_value(value: &serde_json::Value) -> (Settings, Vec<Notice>) {
        Settings::repair(value)
    }

    /// Build settings from a possibly corrupt or partial object: good fields are kept, missing
    /// ones take defaults, bad ones are reset to their default with a notice such as
    /// `"repaired: baseMs was -3, reset to 16000"`. Never fails; the result always validates.
    pub fn repair(input: &impl Candidate) -> (Settings, Vec<Notice>) {
        use NoticeCode::{Contradicted, NotAnObject, Reset, TimingReset, UnknownSetting};
        let defaults = Settings::default();
        let Some(keys) = input.keys() else {
            let message = "repaired: settings were not an object, using defaults".into();
            return (defaults, vec![Notice::new(NotAnObject, None, None, None, message)]);
        };
        let mut notices = Vec::new();
        let mut good: Vec<&str> = Vec::new();
        for key in &keys {
            if !FIELDS.contains(&key.as_str()) {
                notices.push(Notice::new(UnknownSetting, Some(key), None, None, format!("ignored unknown setting {key}")));
                continue;
            }
            let ok = input.settings_from(&[key.as_str()]).is_some_and(|s| s.validate().err().map_or(true, |errs| !errs.iter().any(|e| &e.field == key)));
            if ok {
                good.push(key);
            } else {
                let (was, to) = (short(input.show(key)), short(input.show_default(key)));
                let message = format!("repaired: {key} was {was}, reset to {to}");
                notices.push(Notice::new(Reset, Some(key), Some(was), Some(to), message));
            }
        }
        let mut settings = input.settings_from(&good).unwrap_or_default();
        // Fields that are fine alone may contradict each other (capMs below baseMs).
        if let Err(errs) = settings.validate() {
            for e in &errs {
                let to = short(input.show_default(&e.field));
                let message = format!("repaired: {} ({}), reset to {to}", e.field, e.message);
                notices.push(Notice::new(Contradicted, Some(&e.field), None, Some(to), message));
                good.retain(|k| *k != e.field);
            }
            settings = input.settings_from(&good).unwrap_or_default();
            if settings.validate().is_err() {
                good.retain(|k| !LINKED.contains(k));
                let message = "repaired: timing settings contradicted each other, reset to defaults".into();
                notices.push(Notice::new(TimingReset, None, None, None, message));
                settings = input.settings_from(&good).unwrap_or_default();
            }
            if settings.validate().is_err() {
                settings = Settings::default();
            }
        }
        (settings, notices)
    }
}

/// The JSON names of the fields of [`Settings`].
const FIELDS: &[&str] = &[
    "quickCheckMs",
    "baseMs",
    "stepMs",
    "capMs",
    "floorMs",
    "maxAttempts",
    "maxTotalMs",
    "maxRetryAfterMs",
    "probeTimeoutMs",
    "watchIntervalMs",
    "watchMaxMs",
    "statuses",
    "networkErrors",
    "textDetection",
    "cookieClearing",
    "notifications",
    "banner",
    "allowList",
    "denyList",
];

/// A candidate settings object for [`Settings::repair`], in the caller's representation: a
/// JSON value natively, a JS object in the extension (see `wasm.rs`), so that repair reuses the
/// `Settings` (de)serialisation the caller has anyway.
pub trait Candidate {
    /// The object's keys in sorted order, or `None` when it is not an object.
    fn keys(&self) -> Option<Vec<String>>;
    /// Settings from only these keys of the object (every other field its default); `None`
    /// when one of them does not have its field's type.
    fn settings_from(&self, keys: &[&str]) -> Option<Settings>;
    /// The value at `key`, as JSON text.
    fn show(&self, key: &str) -> String;
    /// The default value of the field `key`, as JSON text.
    fn show_default(&self, key: &str) -> String;
}

#[cfg(not(target_arch = "wasm32"))]
impl Candidate for serde_json::Value {
    fn keys(&self) -> Option<Vec<String>> {
        Some(self.as_object()?.keys().cloned().collect())
    }

    fn settings_from(&self, keys: &[&str]) -> Option<Settings> {
        let all = self.as_object()?;
        let some = keys.iter().filter_map(|k| Some((k.to_string(), all.get(*k)?.clone()))).collect();
        serde_json::from_value(serde_json::Value::Object(some)).ok()
    }

    fn show(&self, key: &str) -> String {
        show_json(&self[key])
    }

    fn show_default(&self, key: &str) -> String {
        serde_json::to_value(Settings::default()).map(|d| show_json(&d[key])).unwrap_or_default()
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn show_json(v: &serde_json::Value) -> String {
    match v.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 1e15) {
        Some(f) => format!("{}", f as i64),
        None => v.to_string(),
    }
}

fn short(s: String) -> String {
    if s.len() > 60 {
        let mut end = 57;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}...", &s[..end])
    } else {
        s
    }
}

// Native only, as `Settings::parse` is.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_validate_and_empty_object_is_defaults() {
        assert_eq!(Settings::default().validate(), Ok(()));
        let (s, n) = Settings::parse("{}");
        assert_eq!(s, Settings::default());
        assert!(n.is_empty());
    }

    #[test]
    fn validate_names_fields() {
        let s = Settings { base_ms: 0.0, cap_ms: -1.0, max_attempts: 0, statuses: vec![200], ..Settings::default() };
        let errs = s.validate().unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        for f in ["baseMs", "capMs", "maxAttempts", "statuses"] {
            assert!(fields.contains(&f), "{fields:?}");
        }
    }

    #[test]
    fn errors_carry_a_code_and_the_limits_in_ms() {
        let s = Settings { base_ms: 1_000.0, cap_ms: 200.0, floor_ms: 100.0, ..Settings::default() };
        let errs = s.validate().unwrap_err();
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!((errs[0].field.as_str(), errs[0].code), ("capMs", FieldErrorCode::AtLeast));
        assert_eq!((errs[0].min, errs[0].max, errs[0].got), (Some(1_000.0), None, Some(200.0)));
        assert_eq!(errs[0].message, "capMs must be at least baseMs (200 < 1000)");
        let s = Settings { probe_timeout_ms: 500.0, deny_list: vec!["a.example/x".into()], ..Settings::default() };
        let errs = s.validate().unwrap_err();
        assert_eq!((errs[0].code, errs[0].min, errs[0].max, errs[0].got), (FieldErrorCode::Between, Some(1_000.0), Some(300_000.0), Some(500.0)));
        assert_eq!((errs[1].code, errs[1].entry.as_deref()), (FieldErrorCode::NotAHost, Some("a.example/x")));
        let json = serde_json::to_value(&errs[0]).unwrap();
        assert_eq!(
            json,
            json!({"field": "probeTimeoutMs", "code": "between", "min": 1000.0, "max": 300000.0, "got": 500.0, "entry": null,
                   "message": "probeTimeoutMs must be between 1000 and 300000 (got 500)"})
        );
    }

    #[test]
    fn repairs_bad_fields_and_keeps_good_ones() {
        let (s, n) = Settings::from_json_value(&json!({
            "baseMs": -3, "capMs": 300000, "maxAttempts": "many", "cookieClearing": "automatic", "bogus": 1
        }));
        assert_eq!(s.base_ms, Settings::default().base_ms);
        assert_eq!(s.cap_ms, 300_000.0);
        assert_eq!(s.max_attempts, Settings::default().max_attempts);
        assert_eq!(s.cookie_clearing, CookieClearing::Automatic);
        assert!(n.iter().any(|m| m.message == "repaired: baseMs was -3, reset to 16000"), "{n:?}");
        let base = n.iter().find(|m| m.field.as_deref() == Some("baseMs")).unwrap();
        assert_eq!((base.code, base.was.as_deref(), base.to.as_deref()), (NoticeCode::Reset, Some("-3"), Some("16000")));
        assert!(n.iter().any(|m| m.code == NoticeCode::Reset && m.field.as_deref() == Some("maxAttempts")));
        assert!(n.iter().any(|m| m.code == NoticeCode::UnknownSetting && m.field.as_deref() == Some("bogus")));
        assert_eq!(s.validate(), Ok(()));
    }

    #[test]
    fn fields_are_the_serialised_ones() {
        let v = serde_json::to_value(Settings::default()).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        let mut fields = FIELDS.to_vec();
        fields.sort_unstable();
        assert_eq!(keys, fields);
    }

    #[test]
    fn repairs_contradictions() {
        let (s, n) = Settings::from_json_value(&json!({"baseMs": 500000, "capMs": 1000}));
        assert_eq!(s.validate(), Ok(()));
        assert!(!n.is_empty());
        let (s, n) = Settings::parse("not json");
        assert_eq!(s, Settings::default());
        assert_eq!(n.len(), 1);
        let (s, _) = Settings::from_json_value(&json!([1, 2]));
        assert_eq!(s, Settings::default());
    }

    /// Settings stored by the version before the quick check and the linear step (its
    /// defaults, as the options page saved them) still load as they are, with no notice; the
    /// new fields take their defaults.
    #[test]
    fn settings_of_the_previous_version_still_load() {
        let stored = json!({
            "baseMs": 10000, "capMs": 110000, "floorMs": 10000, "maxAttempts": 50, "maxTotalMs": 2700000,
            "maxRetryAfterMs": 3600000, "probeTimeoutMs": 30000, "watchIntervalMs": 300000, "watchMaxMs": 21600000,
            "statuses": [500, 502, 503, 504, 520, 521, 522, 523, 524], "networkErrors": true, "textDetection": true,
            "cookieClearing": "ask", "notifications": true, "banner": true, "allowList": [], "denyList": []
        });
        let (s, n) = Settings::from_json_value(&stored);
        assert!(n.is_empty(), "{n:?}");
        assert_eq!((s.base_ms, s.cap_ms, s.floor_ms), (10_000.0, 110_000.0, 10_000.0));
        assert_eq!((s.quick_check_ms, s.step_ms), (Settings::default().quick_check_ms, Settings::default().step_ms));
        assert_eq!(s.validate(), Ok(()));
    }

    #[test]
    fn quick_check_and_step_are_validated() {
        let s = Settings { quick_check_ms: -1.0, step_ms: f64::NAN, ..Settings::default() };
        let errs = s.validate().unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["quickCheckMs", "stepMs"]);
        let off = Settings { quick_check_ms: 0.0, step_ms: 0.0, ..Settings::default() };
        assert_eq!(off.validate(), Ok(()));
        let short = Settings { base_ms: 1_000.0, step_ms: 10_000.0, cap_ms: 2_000.0, ..Settings::default() };
        assert_eq!(short.validate(), Ok(()), "a step longer than the cap is fine: the cap bounds the waits");
        let (s, n) = Settings::from_json_value(&json!({"stepMs": 5e6, "capMs": 30000}));
        assert_eq!((s.step_ms, s.cap_ms), (Settings::default().step_ms, 30_000.0));
        assert!(n.iter().any(|m| m.field.as_deref() == Some("stepMs")), "{n:?}");
    }
}
