//! The vocabulary between the shell and the recovery engine.
//!
//! Events are what happened (past tense), actions are what the shell must do (imperative).
//! Both cross the JS boundary as JSON objects tagged by `type`, with camelCase fields, e.g.
//! `{"type":"navigationCompleted","tabId":3,"url":"https://a.example/","method":"GET","status":502,"headers":[["server","nginx"]]}`.
//! Anything that does not fit these shapes is refused by the parser before it reaches the engine.

use serde::{Deserialize, Serialize};

use crate::settings::Settings;

/// A browser tab id as the extension APIs give it (non-negative for real tabs).
pub type TabId = i64;

/// Longest `html` a [`Event::PageHtmlSeen`] or [`Event::ProbeCompleted`] may carry, in bytes
/// (UTF-8); longer is refused. The content script and the shell cut at the same length. A
/// branded error page can carry tens of KiB of inline styles, scripts and images before its few
/// lines of text, so the bound is generous; extraction stops anyway once it has
/// [`crate::detect::MAX_TEXT_CHARS`] characters of text.
pub const MAX_PAGE_HTML: usize = 256 * 1024;

/// Something that happened in the browser, the user, or a probe, as the shell reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase", deny_unknown_fields)]
#[serde(try_from = "RawEvent")]
pub enum Event {
    /// A top-level navigation started in `tab_id` (the user typed, clicked, or we reloaded).
    NavigationStarted {
        tab_id: TabId,
        url: String,
        /// The request method, when the shell knows it.
        #[serde(default)]
        method: Option<String>,
    },
    /// A top-level navigation received a response.
    NavigationCompleted {
        tab_id: TabId,
        url: String,
        method: String,
        status: u16,
        /// Response headers as `[name, value]` pairs; the shell sends only the ones that matter.
        #[serde(default)]
        headers: Vec<(String, String)>,
    },
    /// A top-level navigation failed without an HTTP response (`error` is the browser's code,
    /// e.g. `net::ERR_CONNECTION_REFUSED` or `NS_ERROR_CONNECTION_REFUSED`).
    NavigationFailed { tab_id: TabId, url: String, method: String, error: String },
    /// A page's title and a bounded prefix of its visible text, already extracted (tests, and
    /// shells that extract text themselves).
    PageTextSeen { tab_id: TabId, url: String, title: String, text: String },
    /// The content script's copy of a page: a prefix of its HTML (`document.documentElement
    /// .outerHTML`), at most `MAX_PAGE_HTML` (256 KiB). The core extracts title and text from it
    /// with [`crate::detect::html_to_text`], the same code the corpus tests run.
    PageHtmlSeen { tab_id: TabId, url: String, html: String },
    /// A deadline the engine asked for (or the shell's backstop alarm) has been reached.
    WokeUp,
    /// A probe the engine asked for finished; `status` is absent when it failed at the network level.
    ProbeCompleted {
        probe_id: u64,
        #[serde(default)]
        status: Option<u16>,
        #[serde(default)]
        error: Option<String>,
        #[serde(default)]
        retry_after: Option<String>,
        /// A bounded prefix of the body, when the probe was asked to read it (`readBody`).
        #[serde(default)]
        html: Option<String>,
    },
    /// The shell finished clearing cookies the engine asked it to clear.
    CookiesCleared { tab_id: TabId, removed: u32 },
    /// The user asked for something, from the popup, the banner or a notification.
    UserCommanded { tab_id: TabId, command: Command },
    /// The tab was closed.
    TabClosed { tab_id: TabId },
    /// The browser went offline or came back online.
    ConnectivityChanged { online: bool },
    /// The user clicked a notification the engine asked for (by its id).
    NotificationClicked { notification_id: String },
    /// The user granted or took back the (optional) permission to clear cookies. Until the
    /// shell says otherwise the engine assumes it may, as it assumes it is online.
    CookieAccessChanged { allowed: bool },
    /// The user saved new settings.
    SettingsChanged { settings: Settings },
    /// These tabs are open and the shell may look into them; the engine asks to inspect the
    /// ones whose load it did not watch (`InspectTab`). Sent when the background starts
    /// without a record of the tabs (install, enable, browser start-up, update) and when the
    /// popup opens on a tab.
    TabsFound { tabs: Vec<FoundTab> },
    /// The content script the engine asked to run in a tab (`InspectTab`) has run: its report,
    /// if the page looked like an error page, came before this (also when the content script
    /// the browser injected sent it); none means the page is fine.
    InspectionEnded { tab_id: TabId },
}

/// An open tab, as `TabsFound` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FoundTab {
    pub tab_id: TabId,
    pub url: String,
}

/// A user's one-click command for one tab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase", deny_unknown_fields)]
#[serde(try_from = "RawCommand")]
pub enum Command {
    /// Skip the wait: probe (or reload) now.
    RetryNow,
    /// Stop recovering this tab.
    Stop,
    /// Reload now, bypassing the cache.
    HardReload,
    /// Clear the cookies that apply to this tab's site, then reload; `remember` makes it the
    /// site's standing choice.
    ClearCookies {
        #[serde(default)]
        remember: bool,
    },
    /// Resend a failed POST (the user saw the warning).
    Resubmit,
    /// After giving up: keep a slow probe going and notify when the site is back.
    WatchWhenBack,
    /// Turn Bounceback on or off for this tab's site.
    SetSiteEnabled { enabled: bool },
}

// Reading the tagged unions above.
//
// serde derives an internally tagged enum's Deserialize by buffering the whole input into its
// private `Content` tree and deserializing again from that; in the wasm build that doubles the
// code for every variant (about 65 KB). Instead each union is read as one flat struct holding
// every field any variant has (`deny_unknown_fields` refuses the rest), then checked against
// the variant `type` names: a missing field or one the variant does not have is an error, as
// with the derived code. The JSON shape is unchanged, and `Serialize` is still derived.

/// Which [`Event`].
#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "camelCase")]
enum EventType {
    NavigationStarted,
    NavigationCompleted,
    NavigationFailed,
    PageTextSeen,
    PageHtmlSeen,
    WokeUp,
    ProbeCompleted,
    CookiesCleared,
    UserCommanded,
    TabClosed,
    ConnectivityChanged,
    CookieAccessChanged,
    SettingsChanged,
    NotificationClicked,
    TabsFound,
    InspectionEnded,
}

/// A struct of optional fields read from a JSON object with `deserialize_map`, so every key
/// present is seen (serde-wasm-bindgen's `deserialize_struct` only looks up the declared
/// ones) and an unknown key is an error; `null` counts as absent.
macro_rules! flat_record {
    ($name:ident / $key:ident { $($field:ident: $ty:ty = $json:literal),* $(,)? }) => {
        struct $name {
            $($field: Option<$ty>),*
        }

        #[derive(Deserialize)]
        #[serde(field_identifier)]
        #[allow(non_camel_case_types)]
        enum $key {
            $(#[serde(rename = $json)] $field),*
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                struct V;
                impl<'de> serde::de::Visitor<'de> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                        f.write_str(concat!("an object for ", stringify!($name)))
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<$name, A::Error> {
                        let mut out = $name { $($field: None),* };
                        while let Some(key) = a.next_key::<$key>()? {
                            match key {
                                $($key::$field => out.$field = a.next_value()?),*
                            }
                        }
                        Ok(out)
                    }
                }
                d.deserialize_map(V)
            }
        }
    };
}

flat_record!(RawEvent / EventKey {
    kind: EventType = "type",
    tab_id: TabId = "tabId",
    url: String = "url",
    method: String = "method",
    status: u16 = "status",
    headers: Vec<(String, String)> = "headers",
    error: String = "error",
    title: String = "title",
    text: String = "text",
    html: String = "html",
    probe_id: u64 = "probeId",
    retry_after: String = "retryAfter",
    removed: u32 = "removed",
    command: Command = "command",
    online: bool = "online",
    allowed: bool = "allowed",
    settings: Settings = "settings",
    notification_id: String = "notificationId",
    tabs: Vec<FoundTab> = "tabs",
});

/// Takes the fields of one variant out of a flat record; whatever is left over is refused.
struct Fields<T> {
    raw: T,
    missing: Option<&'static str>,
}

impl<T> Fields<T> {
    fn need<V>(&mut self, name: &'static str, take: impl FnOnce(&mut T) -> Option<V>) -> Option<V> {
        let v = take(&mut self.raw);
        if v.is_none() && self.missing.is_none() {
            self.missing = Some(name);
        }
        v
    }
}

fn missing(name: &str) -> String {
    format!("missing field `{name}`")
}

fn unknown(name: &str) -> String {
    format!("unknown field `{name}`")
}

impl TryFrom<RawEvent> for Event {
    type Error = String;

    fn try_from(raw: RawEvent) -> Result<Event, String> {
        use EventType as K;
        let kind = raw.kind.ok_or_else(|| missing("type"))?;
        // Page HTML (a page's report, a probe's body) is bounded wherever it comes.
        if let Some(n) = raw.html.as_ref().map(String::len).filter(|&n| n > MAX_PAGE_HTML) {
            return Err(format!("html too long: {n} bytes (at most {MAX_PAGE_HTML})"));
        }
        let mut f = Fields { raw, missing: None };
        macro_rules! need {
            ($field:ident, $name:literal) => {
                f.need($name, |r| r.$field.take())
            };
        }
        macro_rules! opt {
            ($field:ident) => {
                f.raw.$field.take()
            };
        }
        let event = match kind {
            K::NavigationStarted => (|| Some(Event::NavigationStarted { tab_id: need!(tab_id, "tabId")?, url: need!(url, "url")?, method: opt!(method) }))(),
            K::NavigationCompleted => (|| {
                Some(Event::NavigationCompleted {
                    tab_id: need!(tab_id, "tabId")?,
                    url: need!(url, "url")?,
                    method: need!(method, "method")?,
                    status: need!(status, "status")?,
                    headers: opt!(headers).unwrap_or_default(),
                })
            })(),
            K::NavigationFailed => (|| {
                Some(Event::NavigationFailed {
                    tab_id: need!(tab_id, "tabId")?,
                    url: need!(url, "url")?,
                    method: need!(method, "method")?,
                    error: need!(error, "error")?,
                })
            })(),
            K::PageTextSeen => (|| {
                Some(Event::PageTextSeen {
                    tab_id: need!(tab_id, "tabId")?,
                    url: need!(url, "url")?,
                    title: need!(title, "title")?,
                    text: need!(text, "text")?,
                })
            })(),
            K::PageHtmlSeen => (|| Some(Event::PageHtmlSeen { tab_id: need!(tab_id, "tabId")?, url: need!(url, "url")?, html: need!(html, "html")? }))(),
            K::WokeUp => Some(Event::WokeUp),
            K::ProbeCompleted => (|| {
                Some(Event::ProbeCompleted {
                    probe_id: need!(probe_id, "probeId")?,
                    status: opt!(status),
                    error: opt!(error),
                    retry_after: opt!(retry_after),
                    html: opt!(html),
                })
            })(),
            K::CookiesCleared => (|| Some(Event::CookiesCleared { tab_id: need!(tab_id, "tabId")?, removed: need!(removed, "removed")? }))(),
            K::UserCommanded => (|| Some(Event::UserCommanded { tab_id: need!(tab_id, "tabId")?, command: need!(command, "command")? }))(),
            K::TabClosed => (|| Some(Event::TabClosed { tab_id: need!(tab_id, "tabId")? }))(),
            K::ConnectivityChanged => (|| Some(Event::ConnectivityChanged { online: need!(online, "online")? }))(),
            K::CookieAccessChanged => (|| Some(Event::CookieAccessChanged { allowed: need!(allowed, "allowed")? }))(),
            K::SettingsChanged => (|| Some(Event::SettingsChanged { settings: need!(settings, "settings")? }))(),
            K::NotificationClicked => (|| Some(Event::NotificationClicked { notification_id: need!(notification_id, "notificationId")? }))(),
            K::TabsFound => (|| Some(Event::TabsFound { tabs: need!(tabs, "tabs")? }))(),
            K::InspectionEnded => (|| Some(Event::InspectionEnded { tab_id: need!(tab_id, "tabId")? }))(),
        };
        let Some(event) = event else {
            return Err(missing(f.missing.unwrap_or("?")));
        };
        let r = &f.raw;
        let left = [
            ("tabId", r.tab_id.is_some()),
            ("url", r.url.is_some()),
            ("method", r.method.is_some()),
            ("status", r.status.is_some()),
            ("headers", r.headers.is_some()),
            ("error", r.error.is_some()),
            ("title", r.title.is_some()),
            ("text", r.text.is_some()),
            ("html", r.html.is_some()),
            ("probeId", r.probe_id.is_some()),
            ("retryAfter", r.retry_after.is_some()),
            ("removed", r.removed.is_some()),
            ("command", r.command.is_some()),
            ("online", r.online.is_some()),
            ("allowed", r.allowed.is_some()),
            ("settings", r.settings.is_some()),
            ("notificationId", r.notification_id.is_some()),
            ("tabs", r.tabs.is_some()),
        ];
        match left.iter().find(|(_, present)| *present) {
            Some((name, _)) => Err(unknown(name)),
            None => Ok(event),
        }
    }
}

/// Which [`Command`].
#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "camelCase")]
enum CommandType {
    RetryNow,
    Stop,
    HardReload,
    ClearCookies,
    Resubmit,
    WatchWhenBack,
    SetSiteEnabled,
}

flat_record!(RawCommand / CommandKey { kind: CommandType = "type", remember: bool = "remember", enabled: bool = "enabled" });

impl TryFrom<RawCommand> for Command {
    type Error = String;

    fn try_from(raw: RawCommand) -> Result<Command, String> {
        use CommandType as K;
        let RawCommand { kind, mut remember, mut enabled } = raw;
        let command = match kind.ok_or_else(|| missing("type"))? {
            K::RetryNow => Command::RetryNow,
            K::Stop => Command::Stop,
            K::HardReload => Command::HardReload,
            K::ClearCookies => Command::ClearCookies { remember: remember.take().unwrap_or_default() },
            K::Resubmit => Command::Resubmit,
            K::WatchWhenBack => Command::WatchWhenBack,
            K::SetSiteEnabled => Command::SetSiteEnabled { enabled: enabled.take().ok_or_else(|| missing("enabled"))? },
        };
        match (remember, enabled) {
            (Some(_), _) => Err(unknown("remember")),
            (_, Some(_)) => Err(unknown("enabled")),
            _ => Ok(command),
        }
    }
}

/// Something the shell must do. Actions of one batch are carried out in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Action {
    /// Deliver a `WokeUp` no later than `at_ms` (epoch ms). Replaces any earlier request:
    /// the engine always asks for its single earliest deadline, `None` for no deadline.
    ScheduleWakeUp { at_ms: Option<f64> },
    /// Check `url` from the background and report a `ProbeCompleted` with this id; give up
    /// on it (report an error) after `timeout_ms`. `read_body`: the answer's status proves
    /// nothing alone (the page was an error page served with 200), so report a bounded prefix
    /// of the body as `html` (the method is then `GET`).
    Probe { probe_id: u64, url: String, method: ProbeMethod, credentials: bool, timeout_ms: f64, read_body: bool },
    /// Reload the tab (navigating it to `url`), bypassing the cache when asked.
    ReloadTab { tab_id: TabId, url: String, bypass_cache: bool },
    /// Load `url` afresh in the tab with a plain GET navigation, never a reload: the method
    /// of the load the tab shows is unknown, and a reload could resend a form.
    NavigateTab { tab_id: TabId, url: String },
    /// Look into the tab (which shows `url`) the way the content script does, so that the page
    /// is reported (`PageHtmlSeen`) if it may be an error page, then say so (`InspectionEnded`).
    /// Asked for tabs whose load was not watched, and for a reloaded page being verified.
    InspectTab { tab_id: TabId, url: String },
    /// Remove the cookies that apply to `url` (those the browser would send to it), then
    /// report `CookiesCleared`.
    ClearCookies { tab_id: TabId, url: String },
    /// Show this badge on the tab; when `countdown_to_ms` is set the shell renders the seconds
    /// left until then in place of `text`.
    SetBadge { tab_id: TabId, text: String, color: String, countdown_to_ms: Option<f64> },
    /// Remove the badge from the tab.
    ClearBadge { tab_id: TabId },
    /// Tell the user that `site` is back, in a system notification with this id; the shell
    /// words it. `unless_tab_seen`: leave it out if `tab_id` is the active tab of a focused
    /// window (the user sees the page anyway). A click comes back as `NotificationClicked`.
    Notify { id: String, tab_id: TabId, kind: NotifyKind, site: String, unless_tab_seen: bool },
    /// Bring this tab to the front (select it, focus its window).
    ShowTab { tab_id: TabId },
}

/// What a notification says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum NotifyKind {
    /// The page was reloaded and loaded.
    Recovered,
    /// After giving up, the watched site answers again (the tab is not reloaded).
    Back,
}

impl NotifyKind {
    /// The notification for `tab_id`: the id it is shown under (`<kind>-<tabId>`), and
    /// whether it stays out of sight of a user who sees the page anyway.
    pub fn notification(self, tab_id: TabId, site: String) -> Action {
        let (name, unless_tab_seen) = match self {
            NotifyKind::Recovered => ("recovered", true),
            NotifyKind::Back => ("back", false),
        };
        Action::Notify { id: format!("{name}-{tab_id}"), tab_id, kind: self, site, unless_tab_seen }
    }

    /// The tab of a notification id made by [`NotifyKind::notification`].
    pub fn tab_of(id: &str) -> Option<TabId> {
        let (name, tab) = id.split_once('-')?;
        if !matches!(name, "recovered" | "back") || !tab.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        tab.parse().ok()
    }
}

/// How a probe asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ProbeMethod {
    Head,
    Get,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Result<Event, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn every_variant_reads_back_what_it_writes() {
        let events = [
            Event::NavigationStarted { tab_id: 1, url: "https://a/".into(), method: None },
            Event::NavigationStarted { tab_id: 1, url: "https://a/".into(), method: Some("POST".into()) },
            Event::NavigationCompleted { tab_id: 2, url: "u".into(), method: "GET".into(), status: 502, headers: vec![("server".into(), "nginx".into())] },
            Event::NavigationFailed { tab_id: 3, url: "u".into(), method: "GET".into(), error: "net::ERR_CONNECTION_RESET".into() },
            Event::PageTextSeen { tab_id: 4, url: "u".into(), title: "t".into(), text: "x".into() },
            Event::PageHtmlSeen { tab_id: 4, url: "u".into(), html: "<title>t</title>x".into() },
            Event::WokeUp,
            Event::ProbeCompleted { probe_id: 5, status: Some(200), error: None, retry_after: Some("120".into()), html: None },
            Event::ProbeCompleted { probe_id: 5, status: None, error: Some("timeout".into()), retry_after: None, html: Some("<h1>x</h1>".into()) },
            Event::CookiesCleared { tab_id: 6, removed: 3 },
            Event::UserCommanded { tab_id: 7, command: Command::ClearCookies { remember: true } },
            Event::UserCommanded { tab_id: 7, command: Command::SetSiteEnabled { enabled: false } },
            Event::UserCommanded { tab_id: 7, command: Command::RetryNow },
            Event::TabClosed { tab_id: 8 },
            Event::ConnectivityChanged { online: false },
            Event::CookieAccessChanged { allowed: false },
            Event::SettingsChanged { settings: Settings::default() },
            Event::NotificationClicked { notification_id: "back-3".into() },
            Event::TabsFound { tabs: vec![FoundTab { tab_id: 9, url: "https://a/".into() }] },
            Event::InspectionEnded { tab_id: 9 },
        ];
        for e in events {
            let json = serde_json::to_string(&e).expect("writes");
            assert_eq!(read(&json), Ok(e), "{json}");
        }
    }

    #[test]
    fn page_html_is_bounded() {
        let ok = format!(r#"{{"type":"pageHtmlSeen","tabId":1,"url":"u","html":"{}"}}"#, "a".repeat(MAX_PAGE_HTML));
        assert!(read(&ok).is_ok());
        let long = format!(r#"{{"type":"pageHtmlSeen","tabId":1,"url":"u","html":"{}"}}"#, "a".repeat(MAX_PAGE_HTML + 1));
        let err = read(&long).expect_err("too long");
        assert!(err.contains("html too long: 262145 bytes (at most 262144)"), "{err}");
        assert!(read(r#"{"type":"pageHtmlSeen","tabId":1,"url":"u"}"#).is_err_and(|e| e.contains("missing field `html`")));
        assert!(read(r#"{"type":"pageHtmlSeen","tabId":1,"url":"u","html":"x","text":"y"}"#).is_err_and(|e| e.contains("unknown field `text`")));
    }

    #[test]
    fn fields_are_checked_per_variant() {
        assert_eq!(read(r#"{"url":"u","type":"tabClosed","tabId":1}"#).map_err(|e| e.contains("unknown field `url`")), Err(true));
        assert_eq!(read(r#"{"tabId":1,"type":"tabClosed"}"#), Ok(Event::TabClosed { tab_id: 1 }));
        assert!(read(r#"{"type":"tabClosed"}"#).is_err_and(|e| e.contains("missing field `tabId`")));
        assert!(read(r#"{"type":"tabClosed","tabId":1,"bogus":2}"#).is_err_and(|e| e.contains("bogus")));
        assert!(read(r#"{"type":"noSuchEvent"}"#).is_err());
        assert!(read(r#"{"type":"tabsFound"}"#).is_err_and(|e| e.contains("missing field `tabs`")));
        assert!(read(r#"{"type":"tabsFound","tabs":[{"tabId":1,"url":"u","x":1}]}"#).is_err());
        assert!(read(r#"{"type":"wokeUp","html":"x"}"#).is_err_and(|e| e.contains("unknown field `html`")));
        assert!(read(r#"{"tabId":1}"#).is_err());
        assert!(read(r#"{"type":"navigationCompleted","tabId":1,"url":"u","method":"GET"}"#).is_err());
        assert!(read(r#"{"type":"userCommanded","tabId":1,"command":{"type":"stop","enabled":true}}"#).is_err());
        assert!(read(r#"{"type":"userCommanded","tabId":1,"command":{"type":"setSiteEnabled"}}"#).is_err());
        assert_eq!(
            read(r#"{"type":"userCommanded","tabId":1,"command":{"type":"clearCookies"}}"#),
            Ok(Event::UserCommanded { tab_id: 1, command: Command::ClearCookies { remember: false } })
        );
    }

    #[test]
    fn notification_ids_name_their_tab() {
        let Action::Notify { id, .. } = NotifyKind::Back.notification(12, "a".into()) else { panic!() };
        assert_eq!(NotifyKind::tab_of(&id), Some(12));
        assert_eq!(NotifyKind::tab_of("recovered-7"), Some(7));
        assert_eq!(NotifyKind::tab_of("other-7"), None);
        assert_eq!(NotifyKind::tab_of("back--7"), None);
        assert_eq!(NotifyKind::tab_of("back-"), None);
        assert_eq!(NotifyKind::tab_of("back-99999999999999999999999"), None);
    }
}
