//! Is this response a server error page, whose is it, and is it worth retrying?
//!
//! PLACEHOLDER owned by the detector work: replaced by the full detector.

use serde::{Deserialize, Serialize};

/// What a page is, as far as recovery is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    ServerError,
    RateLimited,
    ClientError,
    Challenge,
    Normal,
}

/// Everything the detector may look at. All fields are optional in spirit: an unknown status
/// is `None`, unknown text is empty.
#[derive(Debug, Clone, Default)]
pub struct PageInput<'a> {
    pub status: Option<u16>,
    /// Response headers, any case; only the informative ones matter.
    pub headers: &'a [(String, String)],
    pub title: &'a str,
    /// Visible text (or a bounded prefix of it).
    pub text: &'a str,
    /// Epoch ms, to resolve an HTTP-date `Retry-After`.
    pub now_ms: f64,
}

/// The detector's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    pub class: Class,
    pub retryable: bool,
    pub vendor: Option<String>,
    /// Short human name of what was seen, e.g. "nginx 502 Bad Gateway".
    pub summary: String,
    pub retry_after_s: Option<f64>,
    pub reasons: Vec<String>,
}

/// Classify a response from its status, headers and text.
pub fn classify(input: &PageInput<'_>) -> Verdict {
    let class = match input.status {
        Some(500..=599) => Class::ServerError,
        Some(429) => Class::RateLimited,
        Some(400..=499) => Class::ClientError,
        _ => Class::Normal,
    };
    Verdict {
        class,
        retryable: class == Class::ServerError,
        vendor: None,
        summary: input.status.map(|s| format!("HTTP {s}")).unwrap_or_default(),
        retry_after_s: None,
        reasons: vec![],
    }
}

/// Whether a network-level failure (`net::ERR_*` in Chromium, `NS_ERROR_*` in Firefox) is of
/// the connection kind worth retrying: refused, reset, closed, timed out, empty response,
/// unreachable. Certificate errors, blocked or aborted requests and user stops are not.
pub fn network_error_is_retryable(error: &str) -> bool {
    const RETRYABLE: &[&str] = &[
        "CONNECTION_REFUSED", "CONNECTION_RESET", "CONNECTION_CLOSED", "CONNECTION_TIMED_OUT",
        "TIMED_OUT", "EMPTY_RESPONSE", "NET_RESET", "NET_TIMEOUT", "ADDRESS_UNREACHABLE",
        "NET_INTERRUPT", "CONNECTION_ABORTED",
    ];
    RETRYABLE.iter().any(|k| error.contains(k))
}
