//! Which hop failed: the path *your browser → your network → [CDN] → the site's server →
//! the application* and the link of it that is broken, decided from the evidence the engine
//! already has (a network error of the browser's own kind versus a status from a server, the
//! vendors named by the headers and the page, the status and what it means for that vendor).
//!
//! [`diagnose`] is a pure function of one [`Evidence`]; the engine adds one fact no single
//! tab knows, that network failures happen on several unrelated sites at once (then it is
//! probably the user's connection). The answer is codes and names, never sentences: the UI
//! draws the path and words the [`Finding`] (`diag_<finding>` in `_locales`).

use serde::{Deserialize, Serialize};

use super::incident::Fix;
use super::recovery::{CoreError, ErrorName, TabRecovery};
use super::Engine;
use crate::detect::vendor;

/// A `Retry-After` of at least this many seconds on a 503 means planned maintenance.
pub const PLANNED_RETRY_AFTER_S: u64 = 30;

/// How many unrelated sites failing at the network level at once point at the user's connection.
pub const CONNECTION_SITES: usize = 3;

/// What the engine keeps of a tab's latest failure, for [`diagnose`] and the report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Evidence {
    /// The status of the latest failing answer; `None` when it failed at the network level.
    #[serde(default)]
    pub status: Option<u16>,
    /// The network error of the latest failure, when there was no status.
    #[serde(default)]
    pub error: Option<ErrorName>,
    /// The informative response headers of the latest failing answer (see [`KEPT_HEADERS`]).
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// Who generated the error page, as the detector named it from its text or headers.
    #[serde(default)]
    pub vendor: Option<String>,
}

/// Headers kept as evidence: those that name who answered, `Retry-After`, and the request
/// identifiers a site's support asks for.
pub const KEPT_HEADERS: &[&str] = &["server", "via", "x-cache", "x-powered-by", "retry-after", "cf-mitigated"];

/// Response headers that identify one request to the people running the site or its CDN,
/// in the order a report lists them.
pub const REQUEST_ID_HEADERS: &[&str] = &[
    "cf-ray",
    "x-amz-cf-id",
    "x-amz-cf-pop",
    "x-amzn-requestid",
    "x-amzn-trace-id",
    "x-request-id",
    "x-correlation-id",
    "x-served-by",
    "x-fastly-request-id",
    "x-azure-ref",
    "x-msedge-ref",
    "x-ms-request-id",
    "x-github-request-id",
    "x-vercel-id",
    "x-nf-request-id",
    "fly-request-id",
    "akamai-grn",
];

const MAX_HEADER_VALUE: usize = 200;

impl Evidence {
    /// The evidence of a failing answer: its status, headers (only those kept) and vendor.
    pub fn answered(status: Option<u16>, headers: &[(String, String)], vendor: Option<String>) -> Evidence {
        let headers = headers
            .iter()
            .filter(|(n, _)| {
                let n = n.trim().to_ascii_lowercase();
                KEPT_HEADERS.contains(&n.as_str()) || REQUEST_ID_HEADERS.contains(&n.as_str())
            })
            .take(24)
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().chars().take(MAX_HEADER_VALUE).collect()))
            .collect();
        Evidence { status, error: None, headers, vendor }
    }

    /// The evidence of a failure without an answer.
    pub fn unanswered(error: ErrorName) -> Evidence {
        Evidence { error: Some(error), ..Evidence::default() }
    }

    /// The request identifiers among the headers, in [`REQUEST_ID_HEADERS`] order.
    pub fn request_ids(&self) -> Vec<(String, String)> {
        REQUEST_ID_HEADERS
            .iter()
            .filter_map(|name| vendor::header(&self.headers, name).filter(|v| !v.is_empty()).map(|v| (name.to_string(), v.to_string())))
            .collect()
    }

    /// Failed without any answer from a server (the network kind).
    pub fn is_network(&self) -> bool {
        self.status.is_none() && self.error.is_some()
    }
}

/// One hop of the path from the user to the site's application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Hop {
    Browser,
    Network,
    /// A CDN or hosting platform's edge, drawn only when one answered.
    Cdn,
    /// The site's web server or proxy (nginx, Apache, a load balancer...).
    Server,
    /// The application behind it.
    Application,
}

/// The one plain sentence under the picture, as a code (`diag_<code>` in `_locales`; `$1`
/// the CDN's name, `$2` the server's, `$3` the site).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Finding {
    /// Several unrelated sites fail at the network level at once: probably the user's connection.
    YourConnection,
    /// The browser says it is offline, or the network itself was unreachable.
    Offline,
    /// The site's name could not be found (DNS).
    NameNotFound,
    /// Nothing at the site's address accepted the connection.
    Refused,
    /// The site's server dropped the connection or sent nothing back.
    ConnectionDropped,
    /// The site's server did not answer in time.
    TimedOut,
    /// The secure connection to the site could not be set up.
    SecureConnection,
    /// A proxy between the user and the site failed.
    Proxy,
    /// Some other failure without an answer.
    NoAnswer,
    /// CDN: the site's server refused its connection (Cloudflare 521).
    CdnOriginRefused,
    /// CDN: connecting to the site's server timed out (Cloudflare 522).
    CdnOriginTimedOut,
    /// CDN: the site's server could not be reached (Cloudflare 523, 530).
    CdnOriginUnreachable,
    /// CDN: the secure connection to the site's server failed (Cloudflare 525, 526).
    CdnOriginTls,
    /// CDN: the site's server answered something it could not use (Cloudflare 520, a CDN's 502).
    CdnOriginBadAnswer,
    /// CDN: the site's server did not answer in time (a CDN's 504).
    CdnOriginSlow,
    /// The site's server reached the application, which answered too slowly (Cloudflare 524).
    AppTooSlow,
    /// The site's server got no proper answer from the application behind it (502).
    AppBadAnswer,
    /// The site's server waited in vain for the application (504).
    AppTimedOut,
    /// Planned maintenance: 503 with `Retry-After`.
    Maintenance,
    /// The site is overloaded or down for now (503 without `Retry-After`).
    Unavailable,
    /// The application failed on this page (500 and other 5xx).
    AppError,
    /// The page is an error page although the server said all was well.
    ErrorPage,
    /// The site is limiting how often it is asked (429).
    RateLimited,
}

/// The picture of a failure.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Diagnosis {
    /// The hops drawn, in order (a CDN only when one answered).
    pub hops: Vec<Hop>,
    /// The hop the broken link leads to: everything before it worked, it or the way to it did not.
    pub broken: Hop,
    /// The CDN or edge that answered, by name ("Cloudflare").
    pub cdn: Option<String>,
    /// The site's server, by name ("nginx"), when known.
    pub server: Option<String>,
    pub finding: Finding,
}

/// Vendors that are an edge in front of the site (CDNs and hosting platforms' front doors).
const EDGES: &[&str] = &["Cloudflare", "CloudFront", "Fastly", "Akamai", "Azure", "Google", "Vercel", "Netlify", "Fly.io", "GitHub"];

/// Vendors that are the application itself or its framework, not a server in front of it.
const APPLICATIONS: &[&str] = &["PHP", "Rails", "WordPress", "Spring Boot", "Express", "Next.js", "ASP.NET", "Werkzeug"];

/// What kind of network failure an error name is.
fn network_finding(error: &ErrorName) -> (Finding, Hop) {
    let e = match error {
        ErrorName::Core(CoreError::ProbeTimedOut | CoreError::ReloadTimedOut) => return (Finding::TimedOut, Hop::Server),
        ErrorName::Core(CoreError::NoAnswer) => return (Finding::NoAnswer, Hop::Server),
        ErrorName::Browser(s) => s.trim().to_ascii_uppercase(),
    };
    let has = |keys: &[&str]| keys.iter().any(|k| e.contains(k));
    if has(&["INTERNET_DISCONNECTED", "NS_ERROR_OFFLINE", "NETWORK_CHANGED", "NETWORK_ACCESS_DENIED"]) {
        (Finding::Offline, Hop::Network)
    } else if has(&["PROXY", "TUNNEL"]) {
        (Finding::Proxy, Hop::Network)
    } else if has(&["NAME_NOT_RESOLVED", "UNKNOWN_HOST", "NAME_RESOLUTION", "DNS"]) {
        (Finding::NameNotFound, Hop::Server)
    } else if has(&["REFUSED"]) {
        (Finding::Refused, Hop::Server)
    } else if has(&["TIMED_OUT", "TIMEOUT"]) {
        (Finding::TimedOut, Hop::Server)
    } else if has(&["CERT", "SSL", "SEC_ERROR", "TLS", "INADEQUATE_SECURITY", "HSTS"]) {
        (Finding::SecureConnection, Hop::Server)
    } else if has(&["ADDRESS_UNREACHABLE", "UNREACHABLE"]) {
        (Finding::Offline, Hop::Network)
    } else if has(&["RESET", "CLOSED", "EMPTY_RESPONSE", "INTERRUPT", "PARTIAL_TRANSFER", "ABORTED", "INCOMPLETE", "MISMATCH", "PROTOCOL", "GOAWAY", "SOCKET"])
    {
        (Finding::ConnectionDropped, Hop::Server)
    } else {
        (Finding::NoAnswer, Hop::Server)
    }
}

/// Which hop failed, from one tab's latest evidence; `connection_suspected`: network failures
/// happen on several unrelated sites at once, so this one is probably the user's connection too.
pub fn diagnose(ev: &Evidence, connection_suspected: bool) -> Diagnosis {
    let (cdn, server) = who_answered(ev);
    let with = |broken: Hop, finding: Finding, cdn: Option<String>, server: Option<String>| {
        let mut hops = vec![Hop::Browser, Hop::Network];
        if cdn.is_some() {
            hops.push(Hop::Cdn);
        }
        hops.extend([Hop::Server, Hop::Application]);
        Diagnosis { hops, broken, cdn, server, finding }
    };
    if let (None, Some(e)) = (ev.status, &ev.error) {
        let (finding, broken) = if connection_suspected { (Finding::YourConnection, Hop::Network) } else { network_finding(e) };
        return with(broken, finding, None, None);
    }
    // Without a status or an error it is a page judged by its text (its status not known yet).
    let status = ev.status.unwrap_or(200);
    // A wait of a few seconds is a busy server's "come back shortly"; a longer one or a date is planned.
    let planned = vendor::header(&ev.headers, "retry-after").is_some_and(|v| match v.parse::<u64>() {
        Ok(s) => s >= PLANNED_RETRY_AFTER_S,
        Err(_) => !v.is_empty(),
    });
    let is_cloudflare = cdn.as_deref() == Some("Cloudflare");
    // The page is the edge's own (its wording), not one it passed on from the site.
    let edge_page = server.is_none() && ev.vendor.as_deref().is_some_and(|v| EDGES.contains(&v));
    let (broken, finding) = match status {
        521 if is_cloudflare => (Hop::Server, Finding::CdnOriginRefused),
        522 if is_cloudflare => (Hop::Server, Finding::CdnOriginTimedOut),
        523 | 530 if is_cloudflare => (Hop::Server, Finding::CdnOriginUnreachable),
        524 if is_cloudflare => (Hop::Application, Finding::AppTooSlow),
        525 | 526 if is_cloudflare => (Hop::Server, Finding::CdnOriginTls),
        520 | 527 if is_cloudflare => (Hop::Server, Finding::CdnOriginBadAnswer),
        // The edge made its own error page: it is the one that could not get an answer.
        502 if cdn.is_some() && server.is_none() => (Hop::Server, Finding::CdnOriginBadAnswer),
        504 if cdn.is_some() && server.is_none() => (Hop::Server, Finding::CdnOriginSlow),
        502 => (Hop::Application, Finding::AppBadAnswer),
        504 => (Hop::Application, Finding::AppTimedOut),
        503 if planned => (Hop::Application, Finding::Maintenance),
        503 if edge_page => (Hop::Server, Finding::CdnOriginBadAnswer),
        503 => (Hop::Application, Finding::Unavailable),
        429 => (Hop::Server, Finding::RateLimited),
        500..=599 => (Hop::Application, Finding::AppError),
        s if s < 400 => (Hop::Application, Finding::ErrorPage),
        _ => (Hop::Application, Finding::AppError),
    };
    with(broken, finding, cdn, server)
}

/// A report for the site's support, as data: the UI words it (`report_*` in `_locales`) and
/// puts it on the clipboard when the user asks; it is never sent anywhere.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub url: String,
    /// When the report was made (the view's time), epoch ms.
    pub at_ms: f64,
    /// When the page first failed, epoch ms.
    pub failing_since_ms: f64,
    /// The latest failing status, or the network error when there was none.
    pub status: Option<u16>,
    pub error: Option<ErrorName>,
    /// Who answered: the CDN and the site's server, when named.
    pub cdn: Option<String>,
    pub server: Option<String>,
    /// `[header, value]` pairs identifying the failing request.
    pub request_ids: Vec<(String, String)>,
    /// Failed checks of the site so far.
    pub attempts: u32,
    /// What Bounceback tried, in order.
    pub tried: Vec<Fix>,
    /// It waited as long as the server asked (`Retry-After`), this long at most, seconds.
    pub retry_after_s: Option<f64>,
    pub finding: Finding,
}

/// The registrable part of a host, roughly (its last two labels; an IP address whole), so
/// that `a.example.com` and `b.example.com` count as one site.
fn site_of(host: &str) -> &str {
    if host.starts_with('[') || host.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return host;
    }
    let dot_before = |end: usize| host.as_bytes()[..end].iter().rposition(|&b| b == b'.');
    match dot_before(host.len()).and_then(dot_before) {
        Some(i) => &host[i + 1..],
        None => host,
    }
}

impl Engine {
    /// Network-kind failures are under way on several ([`CONNECTION_SITES`]) unrelated sites
    /// at once: probably the user's own connection, not theirs.
    pub fn connection_suspected(&self) -> bool {
        let mut sites: Vec<&str> = Vec::new();
        for t in self.tabs.values().filter(|t| t.phase.is_active() && is_network_failure(t)) {
            let site = site_of(&t.host);
            if !sites.contains(&site) {
                sites.push(site);
            }
        }
        sites.len() >= CONNECTION_SITES
    }

    /// While the connection is suspected, the origins failing at the network level wait,
    /// all but one: its probes tell when the connection works again (then the others carry
    /// on). Like being offline, a pause spends none of their attempts.
    pub(super) fn paused_origins(&self) -> Vec<String> {
        if !self.connection_suspected() {
            return Vec::new();
        }
        let mut failing: Vec<(&String, &super::OriginState)> = self
            .origins
            .iter()
            .filter(|(key, _)| {
                let mut tabs = self.tabs.values().filter(|t| &t.origin == *key && t.phase.is_active()).peekable();
                tabs.peek().is_some() && tabs.all(is_network_failure)
            })
            .collect();
        // The same one each time (the one out, or the first), so the pause is not a relay.
        let canary = failing.iter().position(|(_, o)| o.in_flight.is_some()).or((!failing.is_empty()).then_some(0));
        if let Some(i) = canary {
            failing.remove(i);
        }
        failing.into_iter().map(|(k, _)| k.clone()).collect()
    }

    /// Which hop failed for this tab, and the report for its site.
    pub(super) fn diagnosis_of(&self, t: &TabRecovery, now_ms: f64) -> Option<(Diagnosis, Report)> {
        let ev = &evidence_of(t)?;
        let d = diagnose(ev, is_network_failure(t) && self.connection_suspected());
        let report = Report {
            url: t.url.clone(),
            at_ms: now_ms,
            failing_since_ms: t.started_ms,
            status: ev.status,
            error: if ev.status.is_none() { ev.error.clone() } else { None },
            cdn: d.cdn.clone(),
            server: d.server.clone(),
            request_ids: ev.request_ids(),
            attempts: t.attempts,
            tried: t.tried.clone(),
            retry_after_s: t.longest_retry_after_s.filter(|_| t.retry_after_waited),
            finding: d.finding,
        };
        Some((d, report))
    }
}

/// A tab's evidence; for a recovery restored from a snapshot older than evidence, what its
/// other fields tell.
fn evidence_of(t: &TabRecovery) -> Option<Evidence> {
    if let Some(ev) = &t.evidence {
        return Some(ev.clone());
    }
    let error = if t.last_status.is_none() { t.last_error.clone() } else { None };
    (t.last_status.is_some() || error.is_some()).then(|| Evidence { status: t.last_status, error, headers: Vec::new(), vendor: t.vendor.clone() })
}

fn is_network_failure(t: &TabRecovery) -> bool {
    match &t.evidence {
        Some(ev) => ev.is_network(),
        None => t.last_status.is_none() && t.last_error.is_some(),
    }
}

/// The CDN (or platform edge) and the site's server that the evidence names.
fn who_answered(ev: &Evidence) -> (Option<String>, Option<String>) {
    if ev.is_network() {
        return (None, None);
    }
    let by_headers = vendor::from_headers(&ev.headers).map(|(v, _)| v);
    let server_only: Vec<(String, String)> = ev.headers.iter().filter(|(n, _)| n == "server" || n == "via").cloned().collect();
    let by_server = vendor::from_headers(&server_only).map(|(v, _)| v);
    let text = ev.vendor.as_deref();
    let is_edge = |v: &&str| EDGES.contains(v);
    let cdn = by_headers.filter(is_edge).or(text.filter(is_edge)).map(str::to_string);
    let is_server = |v: &&str| !EDGES.contains(v) && !APPLICATIONS.contains(v);
    let server = text.filter(is_server).or(by_server.filter(is_server)).or(by_headers.filter(is_server));
    // Fastly's edge is Varnish: its `Via` names the CDN again, not the site's server.
    let server = server.filter(|s| !(cdn.as_deref() == Some("Fastly") && *s == "Varnish")).map(str::to_string);
    (cdn, server)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(status: u16, headers: &[(&str, &str)]) -> Evidence {
        let headers: Vec<(String, String)> = headers.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        Evidence::answered(Some(status), &headers, None)
    }

    #[test]
    fn a_cdn_is_drawn_only_when_one_answered() {
        let d = diagnose(&ev(522, &[("server", "cloudflare"), ("cf-ray", "8a1b2c3d4e5f6789-AMS")]), false);
        assert_eq!(d.hops, [Hop::Browser, Hop::Network, Hop::Cdn, Hop::Server, Hop::Application]);
        assert_eq!((d.broken, d.finding, d.cdn.as_deref(), d.server.as_deref()), (Hop::Server, Finding::CdnOriginTimedOut, Some("Cloudflare"), None));
        let d = diagnose(&ev(502, &[("server", "nginx/1.24.0")]), false);
        assert_eq!(d.hops, [Hop::Browser, Hop::Network, Hop::Server, Hop::Application]);
        assert_eq!((d.broken, d.finding, d.server.as_deref()), (Hop::Application, Finding::AppBadAnswer, Some("nginx")));
    }

    #[test]
    fn the_headers_kept_are_bounded_and_named_in_lower_case() {
        let long = "x".repeat(1000);
        let e = ev(502, &[("CF-Ray", &long), ("Set-Cookie", "secret=1"), ("X-Request-Id", " abc ")]);
        assert_eq!(e.headers.len(), 2, "no cookies, only what names who answered and the ids");
        assert_eq!(e.request_ids(), [("cf-ray".to_string(), "x".repeat(MAX_HEADER_VALUE)), ("x-request-id".to_string(), "abc".to_string())]);
    }

    #[test]
    fn sites_are_told_apart_by_their_last_two_labels() {
        assert_eq!(site_of("a.shop.example"), "shop.example");
        assert_eq!(site_of("example"), "example");
        assert_eq!(site_of("shop.example"), "shop.example");
        assert_eq!(site_of("127.0.0.1"), "127.0.0.1");
        assert_eq!(site_of("[::1]"), "[::1]");
    }

    #[test]
    fn several_sites_failing_at_the_network_level_point_at_the_connection() {
        let refused = Evidence::unanswered(ErrorName::Browser("net::ERR_CONNECTION_REFUSED".into()));
        assert_eq!((diagnose(&refused, false).finding, diagnose(&refused, false).broken), (Finding::Refused, Hop::Server));
        assert_eq!((diagnose(&refused, true).finding, diagnose(&refused, true).broken), (Finding::YourConnection, Hop::Network));
        // A server that answered is not the user's connection, whatever other tabs do.
        assert_eq!(diagnose(&ev(502, &[]), true).finding, Finding::AppBadAnswer);
    }
}
