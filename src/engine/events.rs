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

/// Something that happened in the browser, the user, or a probe, as the shell reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase", deny_unknown_fields)]
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
    /// The content script read the page: its title and a bounded prefix of its visible text.
    PageTextSeen { tab_id: TabId, url: String, title: String, text: String },
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
    },
    /// The shell finished clearing cookies the engine asked it to clear.
    CookiesCleared { tab_id: TabId, removed: u32 },
    /// The user asked for something, from the popup, the banner or a notification.
    UserCommanded { tab_id: TabId, command: Command },
    /// The tab was closed.
    TabClosed { tab_id: TabId },
    /// The browser went offline or came back online.
    ConnectivityChanged { online: bool },
    /// The user saved new settings.
    SettingsChanged { settings: Settings },
}

/// A user's one-click command for one tab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase", deny_unknown_fields)]
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

/// Something the shell must do. Actions of one batch are carried out in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Action {
    /// Deliver a `WokeUp` no later than `at_ms` (epoch ms). Replaces any earlier request:
    /// the engine always asks for its single earliest deadline, `None` for no deadline.
    ScheduleWakeUp { at_ms: Option<f64> },
    /// Check `url` from the background and report a `ProbeCompleted` with this id.
    Probe { probe_id: u64, url: String, method: ProbeMethod, credentials: bool },
    /// Reload the tab (navigating it to `url`), bypassing the cache when asked.
    ReloadTab { tab_id: TabId, url: String, bypass_cache: bool },
    /// Remove the cookies that apply to `url` (those the browser would send to it), then
    /// report `CookiesCleared`.
    ClearCookies { tab_id: TabId, url: String },
    /// Show this badge on the tab; when `countdown_to_ms` is set the shell renders the seconds
    /// left until then in place of `text`.
    SetBadge { tab_id: TabId, text: String, color: String, countdown_to_ms: Option<f64> },
    /// Remove the badge from the tab.
    ClearBadge { tab_id: TabId },
    /// Show a system notification.
    Notify { id: String, title: String, message: String },
}

/// How a probe asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ProbeMethod {
    Head,
    Get,
}
