//! Does the page text look like an error page, and of which kind?
//!
//! Works on the title and the bounded visible text only (no status, no headers), so it is
//! what finds error pages served with 200 or with an unknown status. The idea: error pages
//! are short and the error phrase *is* the page (the whole title, the first heading, the
//! first lines), while articles about errors are long and mention the phrase among many
//! other things. So a line counts only when the error phrase dominates it ("502 Bad
//! Gateway", "Error 503 Service Unavailable", "Server Error (500)", "no healthy upstream"),
//! the title counts only when it is such a line as a whole, body lines count only among the
//! first few, and the evidence is weighed against the page's length:
//!
//! - title shaped like an error: 2 (a bare generic title such as "Error": 1)
//! - one of the first lines shaped like an error: 2 (generic: 1)
//! - an error-page signature (vendor footer, stack trace, Ray ID): 1
//! - a short page: +1; a long page: -2
//!
//! Three points, with the title or a first line among them, make an error page.

/// What kind of failure a phrase or code speaks of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Server,
    RateLimited,
    Client,
    Challenge,
}

/// How much a matched line says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Strength {
    /// Generic ("Error", "An error occurred", a bare "500").
    Weak = 1,
    /// Status-shaped or an unmistakable phrase.
    Shaped = 2,
}

/// A line of the page recognised as an error line.
#[derive(Debug, Clone, PartialEq)]
pub struct LineHit {
    pub kind: Kind,
    pub code: Option<u16>,
    strength: Strength,
    /// The normalised line, for reasons.
    pub line: String,
}

/// The text verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct TextVerdict {
    pub kind: Kind,
    pub code: Option<u16>,
    pub reasons: Vec<String>,
}

/// Pages up to this many characters of text count as short.
const SHORT_CHARS: usize = 600;
/// Pages beyond this many characters of text count as long.
const LONG_CHARS: usize = 2500;
/// How many leading lines of text are looked at, and within how many characters.
const LEAD_LINES: usize = 4;
const LEAD_CHARS: usize = 400;
/// Longest line that can be "dominated" by an error phrase.
const MAX_LINE: usize = 160;

/// Lowercase, typographic quotes and dashes folded, `_` as space, spaces collapsed per line.
pub fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        let c = match c {
            '\u{2018}' | '\u{2019}' | '`' => '\'',
            '\u{201c}' | '\u{201d}' => '"',
            '\u{2013}' | '\u{2014}' => '-',
            '_' | '\u{a0}' | '\t' | '\r' => ' ',
            '\u{2026}' => {
                out.push_str("...");
                space = false;
                continue;
            }
            c => c,
        };
        if c == '\n' {
            while out.ends_with(' ') {
                out.pop();
            }
            out.push('\n');
            space = false;
        } else if c == ' ' {
            space = true;
        } else {
            if space && !out.is_empty() && !out.ends_with('\n') {
                out.push(' ');
            }
            space = false;
            // ASCII only: every needle is ASCII, and char::to_lowercase costs ~15 KB of tables in the wasm.
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// Reason phrases that, alone or right after a status code, make an error line.
const PHRASES: &[(&str, Kind)] = &[
    ("internal server error", Kind::Server),
    ("server error", Kind::Server),
    ("internal error", Kind::Server),
    ("bad gateway", Kind::Server),
    ("service unavailable", Kind::Server),
    ("service temporarily unavailable", Kind::Server),
    ("the service is unavailable", Kind::Server),
    ("the service is temporarily unavailable", Kind::Server),
    ("service temporarily overloaded", Kind::Server),
    ("gateway timeout", Kind::Server),
    ("gateway time-out", Kind::Server),
    ("proxy error", Kind::Server),
    ("temporary error", Kind::Server),
    ("backend is unhealthy", Kind::Server),
    ("backend fetch failed", Kind::Server),
    ("first byte timeout", Kind::Server),
    ("web server returned an unknown error", Kind::Server),
    ("web server is returning an unknown error", Kind::Server),
    ("unknown error", Kind::Server),
    ("web server is down", Kind::Server),
    ("connection timed out", Kind::Server),
    ("origin is unreachable", Kind::Server),
    ("a timeout occurred", Kind::Server),
    ("ssl handshake failed", Kind::Server),
    ("invalid ssl certificate", Kind::Server),
    ("origin dns error", Kind::Server),
    ("application error", Kind::Server),
    ("site maintenance", Kind::Server),
    ("down for maintenance", Kind::Server),
    ("under maintenance", Kind::Server),
    ("too many requests", Kind::RateLimited),
    ("you are being rate limited", Kind::RateLimited),
    ("rate limit exceeded", Kind::RateLimited),
    ("not found", Kind::Client),
    ("page not found", Kind::Client),
    ("file not found", Kind::Client),
    ("forbidden", Kind::Client),
    ("access denied", Kind::Client),
    ("bad request", Kind::Client),
    ("unauthorized", Kind::Client),
    ("method not allowed", Kind::Client),
    ("gone", Kind::Client),
    ("just a moment...", Kind::Challenge),
    ("attention required! | cloudflare", Kind::Challenge),
    ("one more step", Kind::Challenge),
];

/// Generic phrases: evidence, but weak on their own.
const WEAK_PHRASES: &[&str] = &["error", "an error occurred", "error response", "database error", "server error occurred", "oops"];

/// Phrases found only on error pages; they count anywhere in a short line.
const SIGNATURE_PHRASES: &[(&str, Kind)] = &[
    ("upstream connect error or disconnect/reset before headers", Kind::Server),
    ("no healthy upstream", Kind::Server),
    ("upstream request timeout", Kind::Server),
    ("no available server", Kind::Server),
    ("we're sorry, but something went wrong", Kind::Server),
    ("error establishing a database connection", Kind::Server),
    ("there has been a critical error on this website", Kind::Server),
    ("briefly unavailable for scheduled maintenance", Kind::Server),
    ("this serverless function has crashed", Kind::Server),
    ("a server error has occurred", Kind::Server),
    ("function invocation failed", Kind::Server),
    ("that's an error", Kind::Server),
    ("the request could not be satisfied", Kind::Server),
    ("whitelabel error page", Kind::Server),
    ("python application not found", Kind::Server),
    ("uwsgi error", Kind::Server),
    ("the server encountered a temporary error", Kind::Server),
    ("the server returned an invalid or incomplete response", Kind::Server),
    ("no server is available to handle this request", Kind::Server),
    ("the proxy server received an invalid response", Kind::Server),
    ("an error occurred in the application and your page could not be served", Kind::Server),
    ("this page is taking too long to load", Kind::Server),
    ("we'll be back soon", Kind::Server),
    ("checking your browser", Kind::Challenge),
    ("verify you are human", Kind::Challenge),
    ("cannot get /", Kind::Client),
];

/// Leading words that may precede a status code ("HTTP Error 502", "Error code: 521").
const CODE_PREFIXES: &[&str] = &["http error", "http status", "error code", "status code", "error", "http", "status", "code"];

/// Words a custom reason phrase after a status code must contain one of ("503 first byte
/// timeout"), so that "503 Downtown Express" is not a status line.
const ERROR_WORDS: &[&str] = &[
    "error",
    "unavailable",
    "gateway",
    "timeout",
    "time-out",
    "timed",
    "server",
    "proxy",
    "overloaded",
    "unhealthy",
    "down",
    "unreachable",
    "failed",
    "failure",
    "crashed",
    "maintenance",
    "temporarily",
    "ssl",
    "handshake",
    "invalid",
    "backend",
    "upstream",
    "origin",
    "requests",
    "found",
    "forbidden",
    "denied",
    "unauthorized",
];

fn kind_of_code(code: u16) -> Option<Kind> {
    match code {
        429 | 1015 => Some(Kind::RateLimited),
        400..=499 | 1000..=1099 => Some(Kind::Client),
        500..=599 => Some(Kind::Server),
        _ => None,
    }
}

fn strip_end_punct(s: &str) -> &str {
    s.trim_end_matches(['.', '!', ' ', ':', ')', '(', '1']).trim_start_matches([' ', ':', '-', '.', '(', ')', ','])
}

fn phrase_kind(s: &str) -> Option<(Kind, Strength)> {
    let full = s.trim();
    let s = s.trim_end_matches(['.', '!', ' ']);
    if let Some((_, k)) = PHRASES.iter().find(|(p, _)| *p == s || *p == full) {
        return Some((*k, Strength::Shaped));
    }
    WEAK_PHRASES.contains(&s).then_some((Kind::Server, Strength::Weak))
}

/// Reads a status code (3 digits, or Cloudflare's 4-digit 10xx) at the start of `s`; IIS
/// sub-status ("502.3") is consumed. Returns the code and the rest.
fn leading_code(s: &str) -> Option<(u16, &str)> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits != 3 && digits != 4 {
        return None;
    }
    let code: u16 = s[..digits].parse().ok()?;
    kind_of_code(code)?;
    let mut rest = &s[digits..];
    if let Some(r) = rest.strip_prefix('.') {
        let sub = r.bytes().take_while(u8::is_ascii_digit).count();
        if sub > 0 {
            rest = &r[sub..];
        }
    }
    if rest.starts_with(|c: char| c.is_alphanumeric() || c == '$' || c == '%' || c == ',') {
        return None;
    }
    Some((code, rest))
}

/// A trailing "(500)" or " 500" code.
fn trailing_code(s: &str) -> Option<(u16, &str)> {
    let t = s.trim_end_matches(['.', '!', ' ']);
    let t = t.strip_suffix(')').unwrap_or(t);
    let digits = t.bytes().rev().take_while(u8::is_ascii_digit).count();
    if digits != 3 {
        return None;
    }
    let head = &t[..t.len() - 3];
    if !(head.ends_with('(') || head.ends_with(' ')) {
        return None;
    }
    let code: u16 = t[t.len() - 3..].parse().ok()?;
    kind_of_code(code)?;
    Some((code, head.trim_end_matches(['(', ' '])))
}

/// Is this (normalised) line dominated by an error phrase?
pub fn line_hit(line: &str) -> Option<LineHit> {
    let line = line.trim();
    if line.is_empty() || line.chars().count() > MAX_LINE {
        return None;
    }
    let hit = |kind, code, strength| Some(LineHit { kind, code, strength, line: line.to_string() });

    // "<prefix> <code> <phrase>"
    let mut rest = line;
    let mut prefixed = false;
    for p in CODE_PREFIXES {
        if let Some(r) = rest.strip_prefix(p) {
            if r.is_empty() || r.starts_with([' ', ':', '#']) {
                rest = r.trim_start_matches([' ', ':', '#']);
                prefixed = true;
                break;
            }
        }
    }
    if let Some((code, after)) = leading_code(rest) {
        let kind = kind_of_code(code)?;
        let reason = strip_end_punct(after);
        if reason.is_empty() || reason == "error" {
            let strength = if prefixed || reason == "error" { Strength::Shaped } else { Strength::Weak };
            return hit(kind, Some(code), strength);
        }
        if let Some((k, _)) = phrase_kind(reason) {
            // The code decides the kind, except a challenge phrase.
            let kind = if k == Kind::Challenge { k } else { kind };
            return hit(kind, Some(code), Strength::Shaped);
        }
        let short_reason = reason.len() <= 40 && reason.split(' ').count() <= 5;
        let no_site_suffix = !reason.contains(['|', '·', '—']) && !reason.contains(" - ");
        if short_reason && no_site_suffix && reason.split([' ', '(', ')', ':', '.']).any(|w| ERROR_WORDS.contains(&w)) {
            return hit(kind, Some(code), Strength::Shaped);
        }
        // "Error 502 ... long text" is not a status line; fall through to the phrases.
    }
    // "<phrase> (<code>)"
    if let Some((code, head)) = trailing_code(line) {
        // Cloudflare's heading reads "Web server is down Error code 521".
        let cf = [" error code", " code", " error"].iter().find_map(|s| head.strip_suffix(s));
        if cf.is_some_and(|h| phrase_kind(h).is_some()) || phrase_kind(head).is_some() || SIGNATURE_PHRASES.iter().any(|(p, _)| head.starts_with(p)) {
            return hit(kind_of_code(code)?, Some(code), Strength::Shaped);
        }
    }
    // A phrase as the whole line, or the line's lead-in ("Bad Gateway: The proxy server ...").
    let bare = line.strip_prefix("error:").map_or(line, str::trim_start);
    if let Some((k, s)) = phrase_kind(bare) {
        return hit(k, None, s);
    }
    for (p, k) in PHRASES {
        if let Some(r) = bare.strip_prefix(p) {
            if r.starts_with([':', '.', '!']) && *k != Kind::Client {
                return hit(*k, None, Strength::Shaped);
            }
        }
    }
    for (p, k) in SIGNATURE_PHRASES {
        if line.contains(p) {
            return hit(*k, None, Strength::Shaped);
        }
    }
    // Generic apology: only as a sentence of its own ("Something went wrong. Try reloading."),
    // not as the start of a headline ("Something went wrong with my taxes").
    if let Some(i) = line.find("something went wrong") {
        let next = line[i + "something went wrong".len()..].chars().next();
        if next.map_or(true, |c| matches!(c, '.' | ',' | '!' | ':' | ';' | ')')) {
            return hit(Kind::Server, None, Strength::Shaped);
        }
    }
    // PHP: "Fatal error: Uncaught ... on line 3"
    if (line.starts_with("fatal error:") || line.starts_with("parse error:")) && line.contains(" on line ") {
        return hit(Kind::Server, None, Strength::Shaped);
    }
    None
}

/// Signatures of generated error pages, anywhere in the text (a fact, not proof: articles
/// quote them, which is why they only add to a title or first-line hit).
pub fn signature(text: &str) -> Option<&'static str> {
    const SIGS: &[(&str, &str)] = &[
        ("faithfully yours, nginx", "nginx 50x page"),
        ("guru meditation", "Varnish Guru Meditation"),
        ("guru mediation", "Fastly Guru Mediation"),
        ("varnish cache server", "Varnish footer"),
        ("generated by cloudfront", "CloudFront footer"),
        ("cloudflare ray id", "Cloudflare Ray ID"),
        ("that's all we know", "Google error page"),
        ("powered by jetty", "Jetty footer"),
        ("apache tomcat/", "Tomcat footer"),
        ("if you are the application owner check the logs", "Rails 500 page"),
        ("this application has no explicit mapping for /error", "Spring Boot error page"),
        ("function invocation failed", "Vercel error code"),
        ("microsoft-azure-application-gateway", "Azure Application Gateway"),
    ];
    if let Some((_, name)) = SIGS.iter().find(|(p, _)| text.contains(p)) {
        return Some(name);
    }
    if stack_trace(text) {
        return Some("stack trace");
    }
    text.lines().any(|l| l == "nginx" || l.starts_with("nginx/") || l == "openresty" || l.starts_with("openresty/")).then_some("nginx footer")
}

/// A JavaScript/Java or Python stack trace: "at f (file:1:2)" lines, or a traceback.
fn stack_trace(text: &str) -> bool {
    text.contains("traceback (most recent call last)") || text.lines().filter(|l| l.starts_with("at ") && l.contains(':')).take(2).count() >= 2
}

/// The title, or for Cloudflare-style "host | 522: Connection timed out" its last part.
fn title_hit(title: &str) -> Option<LineHit> {
    if let Some(h) = line_hit(title) {
        return Some(h);
    }
    let (head, tail) = title.split_once(" | ")?;
    let hostlike = !head.contains(' ') && head.contains('.');
    if hostlike && !tail.contains(" | ") {
        return line_hit(tail);
    }
    None
}

fn better(a: Option<LineHit>, b: LineHit) -> Option<LineHit> {
    match a {
        Some(a) if (a.strength, a.code.is_some()) >= (b.strength, b.code.is_some()) => Some(a),
        _ => Some(b),
    }
}

/// Weighs title and text (both as given; normalised here) and says what kind of error page
/// this is, if any.
pub fn analyze(title: &str, text: &str) -> Option<TextVerdict> {
    let title = normalize(title);
    let text = normalize(text);
    let mut reasons = Vec::new();
    let mut score = 0i32;

    let t_hit = title_hit(&title);
    if let Some(h) = &t_hit {
        score += h.strength as i32;
        reasons.push(format!("title: {}", h.line));
    }
    let mut l_hit: Option<LineHit> = None;
    let mut seen = 0usize;
    for line in text.lines().filter(|l| !l.trim().is_empty()).take(LEAD_LINES) {
        if seen > LEAD_CHARS {
            break;
        }
        seen += line.len() + 1;
        if let Some(h) = line_hit(line) {
            l_hit = better(l_hit, h);
        }
    }
    if let Some(h) = &l_hit {
        score += h.strength as i32;
        reasons.push(format!("first lines: {}", h.line));
    }
    if t_hit.is_none() && l_hit.is_none() {
        return None;
    }
    // A bot check says so in its title; nothing else is needed (and nothing else may
    // outvote it, as its page can also carry error-ish words).
    if let Some(h) = t_hit.as_ref().filter(|h| h.kind == Kind::Challenge) {
        return Some(TextVerdict { kind: Kind::Challenge, code: h.code, reasons });
    }
    if let Some(sig) = signature(&text) {
        score += 1;
        reasons.push(format!("signature: {sig}"));
    }
    let len = text.chars().count();
    if len <= SHORT_CHARS {
        score += 1;
        reasons.push(format!("short page ({len} chars)"));
    } else if len > LONG_CHARS {
        score -= 2;
    }
    if score < 3 {
        return None;
    }
    // The more specific hit names the kind: a coded, shaped hit over a generic one.
    let best = match (t_hit, l_hit) {
        (Some(t), Some(l)) => {
            if (l.strength, l.code.is_some()) > (t.strength, t.code.is_some()) {
                l
            } else {
                t
            }
        }
        (Some(h), None) | (None, Some(h)) => h,
        (None, None) => return None,
    };
    let code = best.code.or_else(|| implied_code(&best.line));
    Some(TextVerdict { kind: best.kind, code, reasons })
}

/// The status a code-less error line implies ("Bad Gateway" is a 502), for summaries.
fn implied_code(line: &str) -> Option<u16> {
    const IMPLIED: &[(&str, u16)] = &[
        ("internal server error", 500),
        ("bad gateway", 502),
        ("proxy error", 502),
        ("upstream connect error", 503),
        ("service unavailable", 503),
        ("service is unavailable", 503),
        ("temporarily unavailable", 503),
        ("no healthy upstream", 503),
        ("no available server", 503),
        ("gateway timeout", 504),
        ("gateway time-out", 504),
        ("upstream request timeout", 504),
        ("too many requests", 429),
        ("not found", 404),
        ("forbidden", 403),
        ("bad request", 400),
    ];
    IMPLIED.iter().find(|(p, _)| line.contains(p)).map(|(_, c)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(title: &str, text: &str) -> Option<Kind> {
        analyze(title, text).map(|v| v.kind)
    }

    #[test]
    fn status_lines() {
        for l in [
            "502 bad gateway",
            "error 502",
            "temporary error (502)",
            "502 proxy error",
            "http 502",
            "502. that's an error.",
            "http error 502 - bad gateway",
            "http error 502.3 - bad gateway",
            "502 service temporarily overloaded",
            "503 first byte timeout",
            "server error (500)",
            "500: internal server error",
            "error 503 service unavailable",
            "http error 503. the service is unavailable.",
            "http status 500 - internal server error",
            "we're sorry, but something went wrong (500)",
            "bad gateway: the proxy server received an invalid response from an upstream server",
            "502 server error: the server encountered a temporary error and could not complete your request",
            "error code 521",
            "504 error",
            "no healthy upstream",
            "web server is down error code 521",
        ] {
            let h = line_hit(l).unwrap_or_else(|| panic!("{l}"));
            assert_eq!(h.kind, Kind::Server, "{l}");
        }
    }

    #[test]
    fn not_status_lines() {
        for l in [
            "502 bad gateway error & how to fix it (8 easy ways) | example hosting blog",
            "502 bad gateway - http | mdn",
            "route 503 - downtown express | metro transit",
            "error 522 · cloudflare support docs",
            "$502",
            "502 items in stock",
            "list of http status codes",
            "5022 bad gateway",
            "getting 502 bad gateway · issue #684",
        ] {
            assert_eq!(line_hit(l).map(|h| h.kind), None, "{l}");
        }
    }

    #[test]
    fn other_kinds() {
        assert_eq!(line_hit("429 too many requests").map(|h| h.kind), Some(Kind::RateLimited));
        assert_eq!(line_hit("error 1015").map(|h| h.kind), Some(Kind::RateLimited));
        assert_eq!(line_hit("404 not found").map(|h| h.kind), Some(Kind::Client));
        assert_eq!(line_hit("just a moment...").map(|h| h.kind), Some(Kind::Challenge));
    }

    #[test]
    fn pages() {
        assert_eq!(kind("502 Bad Gateway", "502 Bad Gateway\nnginx"), Some(Kind::Server));
        assert_eq!(kind("", "no healthy upstream"), Some(Kind::Server));
        assert_eq!(kind("Error", "TypeError: x is undefined\nat f (/a.js:1:2)\nat g (/b.js:3:4)"), Some(Kind::Server));
        assert_eq!(kind("Error", "Cannot GET /x"), Some(Kind::Client));
        assert_eq!(kind("Error", "Hello"), None);
    }

    #[test]
    fn articles_are_not_error_pages() {
        let long = "A 502 Bad Gateway error means one server got a bad answer from another. ".repeat(60);
        assert_eq!(kind("502 Bad Gateway", &format!("502 Bad Gateway\n{long}")), None);
        assert_eq!(kind("Blog", "Blog\nHome\nAbout\nContact\n502 Bad Gateway"), None);
        assert_eq!(kind("Fix it | Blog", "Something went wrong with my taxes, and what I learned from it over the years of filing them late: a long personal essay about paperwork, deadlines, forms, and the patience of accountants everywhere in the world"), None);
    }
}
