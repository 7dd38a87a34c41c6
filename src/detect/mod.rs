//! Is this response a server error page, whose is it, and is it worth retrying?
//!
//! Pure functions of what the shell saw: the status (when known), a few headers, the page
//! title and a bounded prefix of its visible text. Metadata decides first (a 5xx is an
//! error whatever its body, unless its page says first that the visitor is refused, a
//! firewall's block page or a bot check sent with 503; 429 is rate limiting, other 4xx are the
//! client's problem, a Cloudflare challenge is never an outage); the text decides for pages served with 200 or
//! an unknown status ([`signals`]) and names the vendor ([`vendor`]). `Retry-After` is read
//! with [`parse_retry_after`]. No clock, randomness or I/O: `now_ms` comes in with the input.
//!
//! - [`html`]: HTML to title + bounded visible text.
//! - [`retry_after`]: the `Retry-After` header.
//! - [`signals`]: the text classifier.
//! - [`vendor`]: who generated the page.

pub mod html;
pub mod model;
pub mod retry_after;
pub mod signals;
pub mod vendor;

use serde::{Deserialize, Serialize};

pub use html::{html_to_text, PageText, Structure, MAX_TEXT_CHARS, MAX_TITLE_CHARS};
pub use retry_after::{parse_retry_after, MAX_RETRY_AFTER_S};
use signals::Kind;

/// What a page is, as far as recovery is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// 5xx, CDN 52x, or an error page served with 200: worth retrying.
    ServerError,
    /// 429 or a rate-limit page: retry only when told when (`Retry-After`).
    RateLimited,
    /// Other 4xx: retrying will not help.
    ClientError,
    /// A bot check (Cloudflare "Just a moment..."): retrying would fight it.
    Challenge,
    /// An ordinary page.
    Normal,
}

impl Class {
    /// The serde name (`"server_error"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Class::ServerError => "server_error",
            Class::RateLimited => "rate_limited",
            Class::ClientError => "client_error",
            Class::Challenge => "challenge",
            Class::Normal => "normal",
        }
    }
}

/// Everything the detector may look at. All fields are optional in spirit: an unknown status
/// is `None`, unknown text is empty.
#[derive(Debug, Clone, Default)]
pub struct PageInput<'a> {
    pub status: Option<u16>,
    /// Response headers, any case; only the informative ones matter.
    pub headers: &'a [(String, String)],
    pub title: &'a str,
    /// Visible text (or a bounded prefix of it; only the first [`MAX_TEXT_CHARS`] are read).
    pub text: &'a str,
    /// Epoch ms, to resolve an HTTP-date `Retry-After`.
    pub now_ms: f64,
    /// How the page's markup is built, when it came as HTML (see [`html_to_text`]).
    pub structure: Option<&'a Structure>,
}

/// The detector's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    pub class: Class,
    /// Worth retrying: server errors always, rate limiting only with a parsed `Retry-After`.
    pub retryable: bool,
    /// Who generated the page or is in the path, e.g. "nginx", "Cloudflare".
    pub vendor: Option<String>,
    /// Short human name of what was seen, e.g. "nginx 502 Bad Gateway"; empty for normal pages.
    pub summary: String,
    /// Seconds to wait, from `Retry-After` (clamped to [`MAX_RETRY_AFTER_S`]).
    pub retry_after_s: Option<f64>,
    /// Which signals fired, e.g. "status 502", "title: 502 bad gateway".
    pub reasons: Vec<String>,
}

/// Classify a response from its status, headers and text.
pub fn classify(input: &PageInput<'_>) -> Verdict {
    classify_explained(input).0
}

/// [`classify`], and every text signal that was weighed (for `bounceback classify --explain`).
pub fn classify_explained(input: &PageInput<'_>) -> (Verdict, signals::Analysis) {
    classify_explained_with(input, Some(model::Model::shipped()))
}

/// [`classify_explained`] with the given word model, or with the rules alone (`None`): for
/// judging a model before it ships (`examples/train_model.rs`).
pub fn classify_explained_with(input: &PageInput<'_>, model: Option<&model::Model>) -> (Verdict, signals::Analysis) {
    let headers = input.headers;
    let mut reasons = Vec::new();

    let retry_after_s = vendor::header(headers, "retry-after").and_then(|v| {
        let parsed = parse_retry_after(v, input.now_ms);
        if parsed.is_some() {
            reasons.push(format!("header retry-after: {v}"));
        }
        parsed
    });

    let title = bounded(input.title, MAX_TITLE_CHARS);
    let text = bounded(input.text, MAX_TEXT_CHARS);
    let analysis = signals::analyze_with(title, text, input.structure, model);
    let page = analysis.verdict.clone();

    let mitigated = vendor::header(headers, "cf-mitigated").is_some_and(|v| v.eq_ignore_ascii_case("challenge"));
    if mitigated {
        reasons.push("header cf-mitigated: challenge".into());
    }
    // Imperva (Incapsula) holds a request for a check with a page that is nothing but a frame
    // of its own (`/_Incapsula_Resource`), sent with 200: no visible text, and its `x-iinfo`
    // header is the only word on it.
    let imperva_hold = input.status.map_or(true, |s| s < 400) && vendor::header(headers, "x-iinfo").is_some() && input.text.trim().is_empty();
    if imperva_hold {
        reasons.push("header x-iinfo (Imperva) on a page with no text: a held request".into());
    }
    let page_challenge = imperva_hold || page.as_ref().is_some_and(|p| p.kind == Kind::Challenge);

    if let Some(s) = input.status {
        reasons.insert(0, format!("status {s}"));
    }
    // A 5xx whose page says first that the visitor was refused (a firewall's block page, a bot
    // check) is a block, not an outage: retrying would not help or would fight it.
    let refused_5xx = match (input.status, &analysis.refusal) {
        (Some(500..=599), Some((kind, line))) => {
            reasons.push(format!("the page says the visitor is refused: {line}"));
            Some(if *kind == Kind::Challenge { Class::Challenge } else { Class::ClientError })
        }
        _ => None,
    };
    let (class, code) = match input.status {
        _ if mitigated || page_challenge => (Class::Challenge, input.status),
        Some(s @ 500..=599) => match refused_5xx {
            Some(class) => (class, None),
            None => (Class::ServerError, Some(s)),
        },
        Some(429) => (Class::RateLimited, Some(429)),
        Some(s @ 400..=499) => (Class::ClientError, Some(s)),
        _ => match &page {
            Some(p) => {
                let class = match p.kind {
                    Kind::Server => Class::ServerError,
                    Kind::RateLimited => Class::RateLimited,
                    Kind::Client => Class::ClientError,
                    Kind::Challenge => Class::Challenge,
                };
                (class, p.code)
            }
            // Too little for an error page, but its first word is a refusal by a security
            // layer (a content filter's "This web page was blocked", served with 200) and
            // nothing on it reads as a document (MDN's "403 Forbidden" reference does): a
            // block. Nothing retries a block, so this only names it.
            None => match &analysis.refusal {
                Some((kind, _)) if analysis.signals.iter().all(|s| s.weight >= 0) => {
                    (if *kind == Kind::Challenge { Class::Challenge } else { Class::ClientError }, None)
                }
                _ => (Class::Normal, None),
            },
        },
    };
    if let Some(p) = page {
        // Text reasons count when they agree with the class or decided it.
        if class != Class::Normal {
            reasons.extend(p.reasons);
        }
    }

    let ntitle = signals::normalize(title);
    let ntext = signals::normalize(text);
    let header_vendor = vendor::from_headers(headers);
    let text_vendor = if class == Class::Normal { None } else { vendor::from_text(&ntitle, &ntext) };
    if let Some(v) = text_vendor {
        reasons.push(format!("vendor page: {v}"));
    } else if let Some((_, why)) = &header_vendor {
        if class != Class::Normal {
            reasons.push(why.clone());
        }
    }
    let vendor = text_vendor.or(header_vendor.map(|v| v.0)).map(str::to_string);

    let summary = if class == Class::Normal { String::new() } else { summary(class, vendor.as_deref(), code) };
    let verdict = Verdict {
        class,
        retryable: match class {
            Class::ServerError => true,
            Class::RateLimited => retry_after_s.is_some(),
            _ => false,
        },
        vendor,
        summary,
        retry_after_s,
        reasons,
    };
    (verdict, analysis)
}

/// [`html_to_text`] then [`classify`]: for the CLI and tests.
pub fn classify_html(status: Option<u16>, headers: &[(String, String)], html: &str, now_ms: f64) -> Verdict {
    classify_html_explained(status, headers, html, now_ms).0
}

/// [`classify_html`] with the text signals.
pub fn classify_html_explained(status: Option<u16>, headers: &[(String, String)], html: &str, now_ms: f64) -> (Verdict, signals::Analysis) {
    classify_html_with(status, headers, html, now_ms, Some(model::Model::shipped()))
}

/// [`classify_html_explained`] with the given word model, or with the rules alone (`None`).
pub fn classify_html_with(
    status: Option<u16>,
    headers: &[(String, String)],
    html: &str,
    now_ms: f64,
    model: Option<&model::Model>,
) -> (Verdict, signals::Analysis) {
    let page = html_to_text(html);
    let input = PageInput { status, headers, title: &page.title, text: &page.text, now_ms, structure: page.structure.as_ref() };
    classify_explained_with(&input, model)
}

/// What [`model`] reads of a page's HTML: its title and the first lines of its text, bounded
/// and normalised exactly as [`classify_html`] reads them (for training on the corpus).
pub fn model_input_of_html(html: &str) -> String {
    let page = html_to_text(html);
    let title = signals::normalize(bounded(&page.title, MAX_TITLE_CHARS));
    let text = signals::normalize(bounded(&page.text, MAX_TEXT_CHARS));
    let menu = page.structure.as_ref().map_or(0, |s| s.lead_nav_lines as usize);
    model::input(&title, &text, menu)
}

/// The longest prefix of `s` of at most `max` characters.
fn bounded(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// "nginx 502 Bad Gateway", "Cloudflare 522: Connection timed out", "Challenge (Cloudflare)".
fn summary(class: Class, vendor: Option<&str>, code: Option<u16>) -> String {
    let what = match (class, code) {
        (Class::Challenge, _) => "bot challenge".to_string(),
        (_, Some(c)) => match (vendor, cloudflare_phrase(c)) {
            (Some("Cloudflare"), Some(p)) => format!("{c}: {p}"),
            _ => match reason_phrase(c) {
                Some(p) => format!("{c} {p}"),
                None => format!("HTTP {c}"),
            },
        },
        (Class::ServerError, None) => "server error page".into(),
        (Class::RateLimited, None) => "rate limited".into(),
        (Class::ClientError, None) => "client error page".into(),
        (Class::Normal, None) => String::new(),
    };
    match vendor {
        Some(v) => format!("{v} {what}"),
        None => what,
    }
}

/// RFC 9110 reason phrases (and the common unofficial ones) for error codes.
fn reason_phrase(code: u16) -> Option<&'static str> {
    Some(match code {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        410 => "Gone",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        507 => "Insufficient Storage",
        508 => "Loop Detected",
        509 => "Bandwidth Limit Exceeded",
        511 => "Network Authentication Required",
        1015 => "Rate limited",
        _ => return None,
    })
}

/// Cloudflare's own names for its 5xx/52x/1015 pages.
fn cloudflare_phrase(code: u16) -> Option<&'static str> {
    Some(match code {
        500 => "Internal server error",
        502 => "Bad gateway",
        503 => "Service unavailable",
        504 => "Gateway time-out",
        520 => "Web server returned an unknown error",
        521 => "Web server is down",
        522 => "Connection timed out",
        523 => "Origin is unreachable",
        524 => "A timeout occurred",
        525 => "SSL handshake failed",
        526 => "Invalid SSL certificate",
        527 => "Railgun error",
        530 => "Origin DNS error",
        1015 => "You are being rate limited",
        _ => return None,
    })
}

/// Whether a network-level failure (`net::ERR_*` in Chromium, `NS_ERROR_*` in Firefox) is of
/// the connection kind worth retrying: refused, reset, closed, timed out, empty response,
/// unreachable, proxy/tunnel failures. Certificate errors, blocked or aborted requests and
/// user stops are not. Name-not-resolved (`ERR_NAME_NOT_RESOLVED`, `NS_ERROR_UNKNOWN_HOST`)
/// is not retryable either: it is usually a typo or being offline (the offline case is
/// handled by pausing until the browser is back online), not a struggling server.
pub fn network_error_is_retryable(error: &str) -> bool {
    let e = error.trim().to_ascii_uppercase();
    const NEVER: &[&str] = &[
        "ABORTED",
        "BLOCKED",
        "CERT",
        "SSL",
        "NAME_NOT_RESOLVED",
        "UNKNOWN_HOST",
        "NAME_RESOLUTION",
        "BINDING_ABORTED",
        "UNSAFE",
        "INSECURE",
        "HSTS",
        "FILE_NOT_FOUND",
        "ACCESS_DENIED",
        "TOO_MANY_REDIRECTS",
        "REDIRECT_LOOP",
        "UNKNOWN_PROTOCOL",
        "DISALLOWED",
        "INVALID_URL",
    ];
    if NEVER.iter().any(|k| e.contains(k)) {
        return false;
    }
    const RETRYABLE: &[&str] = &[
        // Chromium net::ERR_*
        "CONNECTION_REFUSED",
        "CONNECTION_RESET",
        "CONNECTION_CLOSED",
        "CONNECTION_TIMED_OUT",
        "CONNECTION_FAILED",
        "TIMED_OUT",
        "EMPTY_RESPONSE",
        "ADDRESS_UNREACHABLE",
        "NETWORK_CHANGED",
        "HTTP2_PROTOCOL_ERROR",
        "QUIC_PROTOCOL_ERROR",
        "TUNNEL_CONNECTION_FAILED",
        "PROXY_CONNECTION_FAILED",
        "SOCKET_NOT_CONNECTED",
        "INCOMPLETE_CHUNKED_ENCODING",
        "CONTENT_LENGTH_MISMATCH",
        "HTTP2_SERVER_REFUSED_STREAM",
        "HTTP2_PING_FAILED",
        // Firefox NS_ERROR_*
        "NET_RESET",
        "NET_TIMEOUT",
        "NET_INTERRUPT",
        "NET_PARTIAL_TRANSFER",
        "NET_EMPTY_RESPONSE",
        "CONNECTION_ABORTED",
        "PROXY_CONNECTION_REFUSED",
        "NET_HTTP2_SENT_GOAWAY",
        "NS_ERROR_NET_ERROR_RESPONSE",
    ];
    RETRYABLE.iter().any(|k| e.contains(k))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn status_decides_first() {
        let v = classify_html(Some(502), &h(&[("server", "nginx")]), "<h1>Welcome</h1>", 0.0);
        assert_eq!((v.class, v.retryable), (Class::ServerError, true));
        assert_eq!(v.summary, "nginx 502 Bad Gateway");
        assert_eq!(classify_html(Some(404), &[], "", 0.0).class, Class::ClientError);
        assert_eq!(classify_html(Some(200), &[], "<p>hello</p>", 0.0).class, Class::Normal);
    }

    #[test]
    fn rate_limited_retryable_only_with_retry_after() {
        let v = classify_html(Some(429), &[], "", 0.0);
        assert_eq!((v.class, v.retryable, v.retry_after_s), (Class::RateLimited, false, None));
        let v = classify_html(Some(429), &h(&[("Retry-After", "30")]), "", 0.0);
        assert_eq!((v.class, v.retryable, v.retry_after_s), (Class::RateLimited, true, Some(30.0)));
    }

    #[test]
    fn challenge_never_retried() {
        let v = classify_html(Some(503), &h(&[("cf-mitigated", "challenge")]), "", 0.0);
        assert_eq!((v.class, v.retryable), (Class::Challenge, false));
        assert!(v.reasons.contains(&"header cf-mitigated: challenge".to_string()));
        let v = classify_html(Some(503), &[], "<title>Just a moment...</title><p>x</p>", 0.0);
        assert_eq!(v.class, Class::Challenge);
    }

    #[test]
    fn a_block_page_sent_with_200_is_named_a_block_but_a_reference_page_is_not() {
        let filter = "<title>Untangle | Web Filter Warning</title><h1>Web Filter</h1><p>This web page was blocked because it is considered inappropriate.</p><p>Host: www.example.com</p><p>Please contact your network administrator.</p>";
        assert_eq!(classify_html(Some(200), &[], filter, 0.0).class, Class::ClientError);
        let distil = "<title>Pardon Our Interruption</title><h1>Pardon Our Interruption...</h1><p>As you were browsing something about your browser made us think you were a bot.</p>";
        assert_eq!(classify_html(Some(200), &[], distil, 0.0).class, Class::Challenge);
        // MDN's reference page for 403 (a corpus case): headed "403 Forbidden", and a document.
        let reference = include_str!("../../tests/corpus/cases/419-mdn-403-reference-bare.html");
        assert_eq!(classify_html(Some(200), &[], reference, 0.0).class, Class::Normal);
    }

    #[test]
    fn a_block_page_sent_with_5xx_is_no_outage() {
        // A WordPress firewall's block page, sent with 503.
        let wordfence = "<title>Your access to this site has been limited by the site owner</title><h1>Your access to this site has been limited by the site owner</h1><p>Your access to this service has been limited. (HTTP response code 503)</p><p>If you think you have been blocked in error, contact the owner of this site for assistance.</p>";
        let v = classify_html(Some(503), &[], wordfence, 0.0);
        assert_eq!((v.class, v.retryable), (Class::ClientError, false));
        assert!(v.reasons.iter().any(|r| r.starts_with("the page says the visitor is refused")), "{:?}", v.reasons);
        assert_eq!(v.summary, "client error page");
        let akamai = "<title>Access Denied</title><h1>Access Denied</h1><p>You don't have permission to access \"http://www.example.com/\" on this server.</p><p>Reference #18.1f2e3d4c</p>";
        assert_eq!(classify_html(Some(503), &[], akamai, 0.0).class, Class::ClientError);
        let check = "<title>Security check</title><h1>Verify you are human</h1><p>This takes a few seconds.</p>";
        assert_eq!(classify_html(Some(503), &[], check, 0.0).class, Class::Challenge);
        // Outage pages that mention a denial below their own error line stay outages.
        let squid = "<title>ERROR: The requested URL could not be retrieved</title><h2>The requested URL could not be retrieved</h2><p>Connection to 192.0.2.1 failed.</p><p>The system returned: (13) Permission denied</p>";
        assert_eq!(classify_html(Some(503), &[], squid, 0.0).class, Class::ServerError);
        let outage = "<title>503 Service Unavailable</title><h1>Service Unavailable</h1><p>Access to the API is blocked while we restore the database.</p>";
        assert_eq!(classify_html(Some(503), &[], outage, 0.0).class, Class::ServerError);
        // An article about block pages, sent with 500 by a broken site, is still a 500.
        let article = "<title>Why am I blocked? A guide to firewall pages</title><h1>Why am I blocked?</h1><p>Firewalls show a page saying access denied.</p>";
        assert_eq!(classify_html(Some(500), &[], article, 0.0).class, Class::ServerError);
        // With a 4xx or 200 the refusal changes nothing (a 4xx is a client error anyway).
        assert_eq!(classify_html(Some(403), &[], akamai, 0.0).class, Class::ClientError);
    }

    #[test]
    fn cloudflare_summary() {
        let v = classify_html(Some(522), &h(&[("server", "cloudflare")]), "", 0.0);
        assert_eq!(v.summary, "Cloudflare 522: Connection timed out");
        let v = classify_html(Some(503), &h(&[("server", "awselb/2.0")]), "", 0.0);
        assert_eq!(v.summary, "AWS ELB 503 Service Unavailable");
    }

    #[test]
    fn soft_errors() {
        let php = "<b>Fatal error</b>: Uncaught Error: Call to undefined function foo() in /var/www/index.php:3\nStack trace:\n#0 {main}\n thrown in <b>/var/www/index.php</b> on line <b>3</b><br />";
        let v = classify_html(Some(200), &[], php, 0.0);
        assert_eq!((v.class, v.vendor.as_deref()), (Class::ServerError, Some("PHP")));
        let wp = "<title>WordPress &rsaquo; Error</title><body><div class=\"wp-die-message\"><p>There has been a critical error on this website.</p><p><a href=\"https://wordpress.org/documentation/article/faq-troubleshooting/\">Learn more about troubleshooting WordPress.</a></p></div></body>";
        assert_eq!(classify_html(Some(200), &[], wp, 0.0).class, Class::ServerError);
        let spring = "<html><body><h1>Whitelabel Error Page</h1><p>This application has no explicit mapping for /error, so you are seeing this as a fallback.</p><div>Tue Mar 04 10:00:00 UTC 2025</div><div>There was an unexpected error (type=Internal Server Error, status=500).</div></body></html>";
        let v = classify_html(None, &[], spring, 0.0);
        assert_eq!((v.class, v.vendor.as_deref()), (Class::ServerError, Some("Spring Boot")));
        let heroku = "<title>Application Error</title><body><iframe src=\"//www.herokucdn.com/error-pages/application-error.html\"></iframe></body>";
        assert_eq!(classify_html(None, &[], heroku, 0.0).class, Class::ServerError);
        let github = "<title>Unicorn! &middot; GitHub</title><body><h1>This page is taking too long to load.</h1><p>Sorry about that. Please try refreshing and contact us if the problem persists.</p></body>";
        let v = classify_html(None, &[], github, 0.0);
        assert_eq!((v.class, v.vendor.as_deref()), (Class::ServerError, Some("GitHub")));
        let iis = "<title>IIS 10.0 Detailed Error - 502.3 - Bad Gateway</title><body><h1>Server Error in Application \"DEFAULT WEB SITE\"</h1><h2>HTTP Error 502.3 - Bad Gateway</h2><h3>The specified CGI application encountered an error and the server terminated the process.</h3><p>Internet Information Services 10.0</p></body>";
        let v = classify_html(None, &[], iis, 0.0);
        assert_eq!((v.class, v.vendor.as_deref()), (Class::ServerError, Some("IIS")));
        let maint = "<title>Site Maintenance</title><h1>We&rsquo;ll be back soon!</h1><p>Sorry for the inconvenience but we&rsquo;re performing some maintenance at the moment.</p>";
        assert_eq!(classify_html(Some(200), &[], maint, 0.0).class, Class::ServerError);
    }

    #[test]
    fn imperva_holding_a_request_is_a_challenge() {
        let body = "<html><head><META NAME=\"ROBOTS\" CONTENT=\"NOINDEX, NOFOLLOW\"></head><body><iframe id=\"main-iframe\" src=\"/_Incapsula_Resource?incident_id=1\">Request unsuccessful. Incapsula incident ID: 1</iframe></body></html>";
        let iinfo = h(&[("x-iinfo", "5-11862241-0 0NNN RT(1764543210123 311)")]);
        let v = classify_html(Some(200), &iinfo, body, 0.0);
        assert_eq!((v.class, v.retryable), (Class::Challenge, false));
        assert!(v.reasons.iter().any(|r| r.starts_with("header x-iinfo")), "{:?}", v.reasons);
        // An ordinary page of a site behind Imperva, and an empty page without the header.
        let article = "<title>Opening hours</title><h1>Opening hours</h1><p>We are open Monday to Friday, 9 to 5.</p>";
        assert_eq!(classify_html(Some(200), &iinfo, article, 0.0).class, Class::Normal);
        assert_eq!(classify_html(Some(200), &[], body, 0.0).class, Class::Normal);
        // A 5xx stays an outage whatever the header says.
        assert_eq!(classify_html(Some(502), &iinfo, body, 0.0).class, Class::ServerError);
    }

    #[test]
    fn a_short_article_headed_by_the_error_is_no_outage() {
        let chrome = |title: &str, body: &str| {
            format!("<title>{title}</title><header><a href=\"/\">Site</a><nav><a href=\"/\">Home</a> <a href=\"/blog/\">Blog</a></nav></header><main><article>{body}</article></main><footer>&copy; Site</footer>")
        };
        // A reference page whose headline is the reason phrase, explaining in one paragraph
        // what a visitor would be told ("try again later", "contact support").
        let explained = "The 500 Internal Server Error is a generic status code: the server met an unexpected condition that kept it from fulfilling the request. The fault is on the server's side, not in the request, and it can come from a misconfigured server, a bug in the site's code or a database that cannot be reached. Visitors usually see a plain page telling them to try again later or to contact support, while the administrators look into the problem.";
        let reference = chrome("Internal Server Error - Site", &format!("<h1>Internal Server Error</h1><p>{explained}</p>"));
        // A blog's tag page named after the error, with the excerpt of one post.
        let excerpt = "Error 500 is what a server answers when something failed that has no status of its own: a missing file is a 404 and a forbidden directory a 403, but an unsupported directive in an .htaccess file, for instance, ends in a 500.";
        let tag =
            chrome("Error 500 - Site", &format!("<h1>Error 500</h1><p>{excerpt}</p><ul><li>when a directive is not supported</li><li>on some hosts</li></ul>"));
        for html in [&reference, &tag] {
            assert_eq!(classify_html(Some(200), &[], html, 0.0).class, Class::Normal, "{html}");
            assert_eq!(classify_html(None, &[], html, 0.0).class, Class::Normal, "{html}");
        }
        // The same site's own error page, in the same chrome but not an article, is one.
        let page = "<title>Error 500 - Site</title><header><a href=\"/\">Site</a><nav><a href=\"/\">Home</a> <a href=\"/blog/\">Blog</a></nav></header><main><h1>Error 500</h1><p>Sorry, something went wrong on our side.</p><p>Please try again later.</p></main>";
        assert_eq!(classify_html(Some(200), &[], page, 0.0).class, Class::ServerError);
        assert_eq!(classify_html(None, &[], page, 0.0).class, Class::ServerError);
    }

    #[test]
    fn maintenance_as_a_service_is_no_outage() {
        // Small businesses' pages about maintenance they offer: the word is not the site's state.
        for title in ["Garden maintenance", "Car maintenance", "Website maintenance", "Lawn care and maintenance", "Maintenance services"] {
            let html = format!("<title>{title}</title><h1>{title}</h1><p>We offer lawn mowing, hedge trimming and seasonal clean-ups across the county.</p><p>Call us for a free quote.</p>");
            assert_eq!(classify_html(Some(200), &[], &html, 0.0).class, Class::Normal, "{title}");
        }
        // A site saying it is in maintenance is an outage, in English and French.
        for line in ["Our site is under maintenance.", "Down for maintenance", "Le site est en maintenance."] {
            let html = format!("<title>{line}</title><h1>{line}</h1><p>Please come back later.</p>");
            assert_eq!(classify_html(Some(200), &[], &html, 0.0).class, Class::ServerError, "{line}");
        }
    }

    #[test]
    fn a_page_defining_a_status_is_no_outage() {
        // A bare reference page: the status line as its title and first line, then what the
        // specification says of it.
        let reference = "<title>503 Service Unavailable</title><pre>503 Service Unavailable\n\nThe server cannot handle the request for now, because it is overloaded or down for maintenance. The delay MAY be given in a Retry-After header; without one, the client SHOULD treat the response as it would a 500.</pre><p><a href=\"codes.html\">Back to the list of codes</a></p>";
        assert_eq!(classify_html(Some(200), &[], reference, 0.0).class, Class::Normal);
        assert_eq!(classify_html(None, &[], reference, 0.0).class, Class::Normal);
        // An error page that tells its visitor when to come back is still one.
        let page = "<title>503 Service Unavailable</title><h1>Service Unavailable</h1><p>The server is temporarily unable to service your request due to maintenance downtime or capacity problems. Please try again later.</p>";
        assert_eq!(classify_html(None, &[], page, 0.0).class, Class::ServerError);
    }

    #[test]
    fn hard_negatives() {
        for html in [
            "<title>Widget Pro – $502 | Shop</title><h1>Widget Pro</h1><p>Price: $502</p><p>Add to cart</p>",
            "<title>Status</title><h1>Example Status</h1><p>All systems operational</p><h2>Past incidents</h2><p>Mar 3: 502 Bad Gateway errors on API (resolved)</p><p>Feb 1: 503 Service Unavailable for uploads (resolved)</p>",
            "<title>Route 503</title><h1>Metro</h1><p>Route 503 timetable</p>",
            "<title>Search: 502 bad gateway</title><nav>Home</nav><p>Results for 502 bad gateway</p><ul><li>502 Bad Gateway - MDN</li><li>Fix 502</li></ul>",
        ] {
            let v = classify_html(Some(200), &[], html, 0.0);
            assert_eq!(v.class, Class::Normal, "{html}");
            assert_eq!(v.summary, "");
        }
    }

    #[test]
    fn network_errors() {
        for e in [
            "net::ERR_CONNECTION_REFUSED",
            "net::ERR_CONNECTION_RESET",
            "net::ERR_EMPTY_RESPONSE",
            "net::ERR_TIMED_OUT",
            "NS_ERROR_NET_RESET",
            "NS_ERROR_CONNECTION_REFUSED",
            "NS_ERROR_NET_TIMEOUT",
            "net::ERR_ADDRESS_UNREACHABLE",
        ] {
            assert!(network_error_is_retryable(e), "{e}");
        }
        for e in [
            "net::ERR_ABORTED",
            "NS_BINDING_ABORTED",
            "net::ERR_CERT_DATE_INVALID",
            "net::ERR_BLOCKED_BY_CLIENT",
            "net::ERR_NAME_NOT_RESOLVED",
            "NS_ERROR_UNKNOWN_HOST",
            "SEC_ERROR_UNKNOWN_ISSUER",
            "",
        ] {
            assert!(!network_error_is_retryable(e), "{e}");
        }
    }

    #[test]
    fn serde_shapes() {
        let v = classify_html(Some(502), &[], "", 0.0);
        let j = serde_json::to_value(&v).unwrap_or_default();
        assert_eq!(j["class"], "server_error");
        assert!(j.get("retryAfterS").is_some());
    }
}
