//! The user's recovery policy: defaults, parsing with repair, and validation.
//!
//! Settings cross the JS boundary as a camelCase JSON object in which every field is
//! optional (`{}` means all defaults). [`Settings::validate`] says precisely what is wrong
//! with a candidate (the engine applies only valid settings); [`Settings::repair`] (and
//! [`Settings::parse`] for JSON text) never fail: they keep every good field, reset each bad one to
//! its default, and say what they repaired, so a corrupt stored object degrades to
//! something sensible instead of to nothing.

use std::fmt;

use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
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
    /// Scale of the first backoff step, ms (the step `n` wait is at most `base·2^n`).
    pub base_ms: f64,
    /// Largest backoff step, ms.
    pub cap_ms: f64,
    /// Smallest wait between two attempts, ms.
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
            // Tuned with `bounceback simulate` (outages log-uniform 5 s..30 min): about 9
            // requests per outage and 25 s mean delay between the site's return and the page.
            base_ms: 10_000.0,
            cap_ms: 110_000.0,
            floor_ms: 10_000.0,
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

/// One problem with one setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The camelCase name of the field, as in the JSON object.
    pub field: String,
    /// What is wrong, for a person.
    pub message: String,
}

const MAX_LIST: usize = 1000;
/// Fields whose validity depends on another field; reset together if repair alone fails.
const LINKED: &[&str] = &["baseMs", "capMs", "floorMs", "maxRetryAfterMs", "watchIntervalMs", "watchMaxMs"];

impl Settings {
    /// Check every field; all problems are reported, each naming its field.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errs = Vec::new();
        let mut err = |field: &str, message: String| errs.push(FieldError { field: field.into(), message });
        let ms = |v: f64| v.is_finite();
        if !(ms(self.base_ms) && self.base_ms > 0.0) {
            err("baseMs", format!("baseMs must be a positive number of milliseconds (got {})", self.base_ms));
        }
        if !(ms(self.cap_ms) && self.cap_ms >= self.base_ms) {
            err("capMs", format!("capMs must be at least baseMs ({} < {})", self.cap_ms, self.base_ms));
        }
        if !(ms(self.floor_ms) && self.floor_ms >= 100.0 && self.floor_ms <= self.cap_ms) {
            err("floorMs", format!("floorMs must be between 100 and capMs (got {})", self.floor_ms));
        }
        if !(1..=50).contains(&self.max_attempts) {
            err("maxAttempts", format!("maxAttempts must be between 1 and 50 (got {})", self.max_attempts));
        }
        if !(ms(self.max_total_ms) && self.max_total_ms >= 1_000.0 && self.max_total_ms <= 7.0 * 86_400_000.0) {
            err("maxTotalMs", format!("maxTotalMs must be between 1 s and 7 days in ms (got {})", self.max_total_ms));
        }
        if !(ms(self.max_retry_after_ms) && self.max_retry_after_ms >= self.floor_ms && self.max_retry_after_ms <= 86_400_000.0) {
            err("maxRetryAfterMs", format!("maxRetryAfterMs must be between floorMs and 1 day (got {})", self.max_retry_after_ms));
        }
        if !(ms(self.probe_timeout_ms) && (1_000.0..=300_000.0).contains(&self.probe_timeout_ms)) {
            err("probeTimeoutMs", format!("probeTimeoutMs must be between 1000 and 300000 (got {})", self.probe_timeout_ms));
        }
        if !(ms(self.watch_interval_ms) && self.watch_interval_ms >= 10_000.0) {
            err("watchIntervalMs", format!("watchIntervalMs must be at least 10000 (got {})", self.watch_interval_ms));
        }
        if !(ms(self.watch_max_ms) && self.watch_max_ms >= self.watch_interval_ms && self.watch_max_ms <= 7.0 * 86_400_000.0) {
            err("watchMaxMs", format!("watchMaxMs must be between watchIntervalMs and 7 days (got {})", self.watch_max_ms));
        }
        if let Some(s) = self.statuses.iter().find(|s| !(400..=599).contains(*s)) {
            err("statuses", format!("statuses must be HTTP error codes 400-599 (got {s})"));
        }
        if self.statuses.len() > 200 {
            err("statuses", "statuses has too many entries".into());
        }
        for (name, list) in [("allowList", &self.allow_list), ("denyList", &self.deny_list)] {
            if list.len() > MAX_LIST {
                err(name, format!("{name} has more than {MAX_LIST} entries"));
            }
            if let Some(p) = list.iter().find(|p| {
                let p = p.trim().trim_start_matches("*.");
                p.is_empty() || p.len() > 253 || p.contains(['/', ':', ' ', '@'])
            }) {
                err(name, format!("{name} entry \"{p}\" is not a host name (use e.g. example.com or *.example.com)"));
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
    pub fn parse(json: &str) -> (Settings, Vec<String>) {
        match serde_json::from_str::<serde_json::Value>(json) {
            Ok(v) => Settings::from_json_value(&v),
            Err(e) => (Settings::default(), vec![format!("repaired: settings were not valid JSON ({e}), using defaults")]),
        }
    }

    /// [`Settings::repair`] of a JSON value.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn from_json_value(value: &serde_json::Value) -> (Settings, Vec<String>) {
        Settings::repair(value)
    }

    /// Build settings from a possibly corrupt or partial object in any serde format: good
    /// fields are kept, missing ones take defaults, bad ones are reset to their default with a
    /// notice such as `"repaired: baseMs was -3, reset to 10000"`. Never fails; the result
    /// always validates.
    pub fn repair<'de, D: Deserializer<'de>>(input: D) -> (Settings, Vec<String>) {
        let defaults = Settings::default();
        let Ok(Candidate(mut input)) = Candidate::deserialize(input) else {
            return (defaults, vec!["repaired: settings were not an object, using defaults".into()]);
        };
        // Key order, as a JSON object read into a sorted map gives it.
        input.sort_by(|a, b| a.0.cmp(&b.0));
        let mut notices = Vec::new();
        let mut good: Vec<(String, Field)> = Vec::new();
        for (key, val) in input {
            let Some(default_val) = defaults.field(&key) else {
                notices.push(format!("ignored unknown setting {key}"));
                continue;
            };
            let shown = match val {
                Loose::Good(v) => {
                    let mut single = Settings::default();
                    let ok = single.set(&key, v.clone()) && single.validate().err().map_or(true, |errs| !errs.iter().any(|e| e.field == key));
                    if ok {
                        good.retain(|(k, _)| *k != key);
                        good.push((key, v));
                        continue;
                    }
                    v.show()
                }
                Loose::Bad(text) => text,
            };
            notices.push(format!("repaired: {key} was {}, reset to {}", short(shown), short(default_val.show())));
        }
        let build = |good: &[(String, Field)]| {
            let mut s = Settings::default();
            for (k, v) in good {
                s.set(k, v.clone());
            }
            s
        };
        let mut settings = build(&good);
        // Fields that are fine alone may contradict each other (capMs below baseMs).
        if let Err(errs) = settings.validate() {
            for e in &errs {
                let default_val = defaults.field(&e.field).map(|v| short(v.show())).unwrap_or_default();
                notices.push(format!("repaired: {} ({}), reset to {default_val}", e.field, e.message));
                good.retain(|(k, _)| *k != e.field);
            }
            settings = build(&good);
            if settings.validate().is_err() {
                good.retain(|(k, _)| !LINKED.contains(&k.as_str()));
                notices.push("repaired: timing settings contradicted each other, reset to defaults".into());
                settings = build(&good);
            }
            if settings.validate().is_err() {
                settings = Settings::default();
            }
        }
        (settings, notices)
    }

    /// The value of the field named `key` (camelCase), if there is one.
    fn field(&self, key: &str) -> Option<Field> {
        Some(match key {
            "baseMs" => Field::Ms(self.base_ms),
            "capMs" => Field::Ms(self.cap_ms),
            "floorMs" => Field::Ms(self.floor_ms),
            "maxAttempts" => Field::Count(self.max_attempts),
            "maxTotalMs" => Field::Ms(self.max_total_ms),
            "maxRetryAfterMs" => Field::Ms(self.max_retry_after_ms),
            "probeTimeoutMs" => Field::Ms(self.probe_timeout_ms),
            "watchIntervalMs" => Field::Ms(self.watch_interval_ms),
            "watchMaxMs" => Field::Ms(self.watch_max_ms),
            "statuses" => Field::Statuses(self.statuses.clone()),
            "networkErrors" => Field::Flag(self.network_errors),
            "textDetection" => Field::Flag(self.text_detection),
            "cookieClearing" => Field::Cookies(self.cookie_clearing),
            "notifications" => Field::Flag(self.notifications),
            "banner" => Field::Flag(self.banner),
            "allowList" => Field::Hosts(self.allow_list.clone()),
            "denyList" => Field::Hosts(self.deny_list.clone()),
            _ => return None,
        })
    }

    /// Set the field named `key` to `value`; false if there is no such field of that type.
    fn set(&mut self, key: &str, value: Field) -> bool {
        match (key, value) {
            ("baseMs", Field::Ms(v)) => self.base_ms = v,
            ("capMs", Field::Ms(v)) => self.cap_ms = v,
            ("floorMs", Field::Ms(v)) => self.floor_ms = v,
            ("maxAttempts", Field::Count(v)) => self.max_attempts = v,
            ("maxTotalMs", Field::Ms(v)) => self.max_total_ms = v,
            ("maxRetryAfterMs", Field::Ms(v)) => self.max_retry_after_ms = v,
            ("probeTimeoutMs", Field::Ms(v)) => self.probe_timeout_ms = v,
            ("watchIntervalMs", Field::Ms(v)) => self.watch_interval_ms = v,
            ("watchMaxMs", Field::Ms(v)) => self.watch_max_ms = v,
            ("statuses", Field::Statuses(v)) => self.statuses = v,
            ("networkErrors", Field::Flag(v)) => self.network_errors = v,
            ("textDetection", Field::Flag(v)) => self.text_detection = v,
            ("cookieClearing", Field::Cookies(v)) => self.cookie_clearing = v,
            ("notifications", Field::Flag(v)) => self.notifications = v,
            ("banner", Field::Flag(v)) => self.banner = v,
            ("allowList", Field::Hosts(v)) => self.allow_list = v,
            ("denyList", Field::Hosts(v)) => self.deny_list = v,
            _ => return false,
        }
        true
    }
}

/// One setting's value, typed.
#[derive(Clone)]
enum Field {
    Ms(f64),
    Count(u32),
    Flag(bool),
    Statuses(Vec<u16>),
    Hosts(Vec<String>),
    Cookies(CookieClearing),
}

impl Field {
    /// The value as JSON-like text, for notices.
    fn show(&self) -> String {
        fn list<T>(items: &[T], one: impl Fn(&T) -> String) -> String {
            format!("[{}]", items.iter().map(one).collect::<Vec<_>>().join(","))
        }
        match self {
            Field::Ms(v) => show_number(*v),
            Field::Count(v) => v.to_string(),
            Field::Flag(v) => v.to_string(),
            Field::Statuses(v) => list(v, |s| s.to_string()),
            Field::Hosts(v) => list(v, |h| format!("\"{h}\"")),
            Field::Cookies(c) => match c {
                CookieClearing::Never => "\"never\"",
                CookieClearing::Ask => "\"ask\"",
                CookieClearing::Automatic => "\"automatic\"",
            }
            .into(),
        }
    }
}

fn show_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        (v as i64).to_string()
    } else {
        v.to_string()
    }
}

/// A candidate settings object, field by field in input order: each value either of its
/// field's type or not (then kept only as text for the notice); unknown fields are kept too.
struct Candidate(Vec<(String, Loose)>);

enum Loose {
    Good(Field),
    Bad(String),
}

impl<'de> Deserialize<'de> for Candidate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Candidate, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Candidate;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a settings object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Candidate, A::Error> {
                let mut out = Vec::new();
                while let Some(key) = a.next_key::<String>()? {
                    let raw: Raw = a.next_value()?;
                    let val = match Settings::default().field(&key).and_then(|default| raw.to_field(&default)) {
                        Some(v) => Loose::Good(v),
                        None => Loose::Bad(raw.show()),
                    };
                    out.push((key, val));
                }
                Ok(Candidate(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// Any value, as read (one small tree type rather than serde's untagged "this type, or else
/// anything" per field type, which would buffer every value in serde's `Content`).
enum Raw {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Raw>),
    Map(Vec<(String, Raw)>),
}

impl Raw {
    /// The value as the type of the field `like` is, if it is one (as serde would read it).
    fn to_field(&self, like: &Field) -> Option<Field> {
        fn int(r: &Raw) -> Option<i128> {
            match *r {
                Raw::Int(i) => Some(i.into()),
                Raw::UInt(u) => Some(u.into()),
                _ => None,
            }
        }
        Some(match (like, self) {
            (Field::Ms(_), Raw::Float(f)) => Field::Ms(*f),
            (Field::Ms(_), r) => Field::Ms(int(r)? as f64),
            (Field::Count(_), r) => Field::Count(int(r)?.try_into().ok()?),
            (Field::Flag(_), Raw::Bool(b)) => Field::Flag(*b),
            (Field::Statuses(_), Raw::Seq(items)) => {
                Field::Statuses(items.iter().map(|r| int(r)?.try_into().ok()).collect::<Option<_>>()?)
            }
            (Field::Hosts(_), Raw::Seq(items)) => Field::Hosts(
                items.iter().map(|r| if let Raw::Str(s) = r { Some(s.clone()) } else { None }).collect::<Option<_>>()?,
            ),
            (Field::Cookies(_), Raw::Str(s)) => Field::Cookies(match s.as_str() {
                "never" => CookieClearing::Never,
                "ask" => CookieClearing::Ask,
                "automatic" => CookieClearing::Automatic,
                _ => return None,
            }),
            _ => return None,
        })
    }

    /// As JSON-like text, for notices.
    fn show(&self) -> String {
        match self {
            Raw::Null => "null".into(),
            Raw::Bool(b) => b.to_string(),
            Raw::Int(i) => i.to_string(),
            Raw::UInt(u) => u.to_string(),
            Raw::Float(f) => show_number(*f),
            Raw::Str(s) => format!("\"{s}\""),
            Raw::Seq(items) => format!("[{}]", items.iter().map(Raw::show).collect::<Vec<_>>().join(",")),
            Raw::Map(entries) => {
                format!("{{{}}}", entries.iter().map(|(k, v)| format!("\"{k}\":{}", v.show())).collect::<Vec<_>>().join(","))
            }
        }
    }
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Raw, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Raw;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Raw, E> {
                Ok(Raw::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Raw, E> {
                Ok(Raw::Int(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Raw, E> {
                Ok(Raw::UInt(v))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Raw, E> {
                Ok(Raw::Float(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Raw, E> {
                Ok(Raw::Str(v.into()))
            }
            fn visit_string<E>(self, v: String) -> Result<Raw, E> {
                Ok(Raw::Str(v))
            }
            fn visit_unit<E>(self) -> Result<Raw, E> {
                Ok(Raw::Null)
            }
            fn visit_none<E>(self) -> Result<Raw, E> {
                Ok(Raw::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
                Raw::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Raw, A::Error> {
                let mut items = Vec::new();
                while let Some(r) = a.next_element()? {
                    items.push(r);
                }
                Ok(Raw::Seq(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Raw, A::Error> {
                let mut entries = Vec::new();
                while let Some(e) = a.next_entry()? {
                    entries.push(e);
                }
                Ok(Raw::Map(entries))
            }
        }
        d.deserialize_any(V)
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

#[cfg(test)]
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
    fn repairs_bad_fields_and_keeps_good_ones() {
        let (s, n) = Settings::from_json_value(&json!({
            "baseMs": -3, "capMs": 300000, "maxAttempts": "many", "cookieClearing": "automatic", "bogus": 1
        }));
        assert_eq!(s.base_ms, 10_000.0);
        assert_eq!(s.cap_ms, 300_000.0);
        assert_eq!(s.max_attempts, Settings::default().max_attempts);
        assert_eq!(s.cookie_clearing, CookieClearing::Automatic);
        assert!(n.iter().any(|m| m == "repaired: baseMs was -3, reset to 10000"), "{n:?}");
        assert!(n.iter().any(|m| m.contains("maxAttempts")));
        assert!(n.iter().any(|m| m.contains("bogus")));
        assert_eq!(s.validate(), Ok(()));
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
}
