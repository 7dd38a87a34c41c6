//! Does the page look like an error page, and of which kind?
//!
//! Works on the title, the bounded visible text and, when the page came as HTML, how its
//! markup is built ([`Structure`]); no status, no headers. So it is what finds error pages
//! served with 200 or with an unknown status. The idea: an error page is short and the error
//! *is* the page (the whole title, the first heading, the first lines), with an apology, a
//! retry hint or a vendor footer around it; a document about errors (article, thread, docs
//! page, changelog, code view) carries structure an error page lacks: prose, navigation,
//! dates, many links, headings, code blocks, bylines. Each piece of evidence is a [`Signal`]
//! with a weight; their sum is the score:
//!
//! - the title is an error line: +3 ("502 Bad Gateway", "Application Error"; a bare "Error":
//!   +2; a short title made of failure words, "Could Not Connect": +2; an error line followed
//!   by a site's one-part name, "Internal Server Error - Gitea: Git with a cup of tea": +2; with
//!   a 5xx code: +1; a status code and a short reason in any language over a heading that is
//!   that code alone, "503 Сервис недоступен" over "503": +3); a title that reads like a
//!   document ("How to fix ...", "... · Issue #12"; document cues are words, so "DroidWiki
//!   Error" is not a wiki page): -2
//! - an error line among the first lines: +3 (+1 when it is the very first line; a bare error
//!   word or a short line of failure words: +1; on an untitled page, a long first line whose
//!   lead-in before ": " is failure words: +1); title and first lines agree: +1. The first
//!   lines are those after a site's menu (`<nav>` text at the top of the page)
//! - a JSON error body (an error message, a 5xx `status`/`statusCode`/`code`, a `title` that is
//!   a server error line; a 4xx there and no 5xx makes it a client or rate-limit body whatever
//!   its words), PHP's own error output: +5
//! - only on a *plain* page (a title that does not read like a document, thread or site page,
//!   at most 2500 characters, not a paragraph of prose, no bylines, dates, article markup, nor
//!   more than 5 links, 5 headings or 3 code blocks):
//!   a body that is nothing but failure lines (no title of its own, at most 4 short lines of
//!   failure words or an incident reference, no 4xx words): +3; a crash page (a server error
//!   at the top and 3 or more stack frames of Java, .NET, JavaScript, Python, PHP or Ruby
//!   shape): +3 (+1 beside the stack trace signature), its code blocks not counted as
//!   documentation, and +2 more when the page is untitled and nothing but the error line and
//!   its frames (a server's plain-text crash report); on either, or on any plain page headed by
//!   a server error, a failing backend named ("could not connect to", "connection refused",
//!   "SQLSTATE[", "is not running"): +1 (a short line naming one is a failure line of a bare
//!   body); and on a
//!   short untitled or error-titled one, a long first line opened by a signature phrase is an
//!   error line
//! - apologies and retry hints on a page that is little else, in its short lines (at most 40
//!   words; not in a paragraph of explanation): +1 (2-3 kinds), +2 (4 or more)
//! - a vendor or crash signature (nginx footer, Guru Meditation, stack trace): +2
//! - the language of a specification (two of "the client should", "header field", "rfc ",
//!   "retry-after header", ...): -5
//! - length: short (at most 600 characters, and not an `<article>`) +1, nothing but the title
//!   +1; over 1500 -2; over 2500 or more than was read -3; paragraphs of prose -2 (3) or -3 (5
//!   or more); bylines -2
//! - structure: navigation -1, `<article>` -2, `<time>` -2, 12 links -2 (25: -3), 5 headings
//!   -1, 10 paragraphs -1, 3 code blocks -1, 3 form controls -1
//!
//! Error lines are status lines ("404 Not Found", "Error 502"), reason phrases, vendor phrases
//! ("no healthy upstream"), short sentences saying the site is down ("Our website is
//! temporarily unavailable.", "Our servers are currently experiencing a technical problem."
//! opening a line, the headline "Website Temporarily Unavailable"), unhandled-crash lines ("Fatal exception of type ..."), a debug
//! page's headline ("NoMethodError at /orders/42"), and sentences of refusal, which make
//! client lines ("The resource cannot be found.", "You don't have permission to access /x",
//! "Cannot POST /x", "Your access to this site has been limited").
//!
//! Whatever the score, [`Analysis::refusal`] says whether the page's first well-shaped error
//! line (title, then the first three lines) is a refusal by a security layer or a bot check:
//! with a 5xx status that makes the response a block, not an outage (see [`super::classify`]).
//!
//! A page with an error line (title, first lines, JSON body or crash output) and a score of
//! at least [`ERROR_PAGE_SCORE`] is an error page. Its kind is decided after the score, by
//! zero-weight signals that `--explain` shows too: a status line in the title, else the first
//! one near the top, decides (an error page naming a 4xx and a 5xx code follows its heading);
//! else a client, rate-limit or challenge line near the top (a proxy's "Access Denied" page
//! also says "ERROR", ASP.NET's 404 is headed "Server Error in '/' Application."); else, when
//! the error line names no code and the page names only 4xx codes ("Whitelabel Error Page ...
//! status=404"), a client error; else the strongest error line. `bounceback classify
//! --explain` prints the signals of a page.

use super::html::Structure;
use super::model::{self, Model};

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
const LEAD_LINES: usize = 6;
const LEAD_CHARS: usize = 600;
/// Longest line that can be "dominated" by an error phrase.
const MAX_LINE: usize = 160;
/// Longest line that a signature phrase opening it still makes an error line.
const MAX_SIGNATURE_LINE: usize = 400;

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
            // ASCII, Latin-1 and Cyrillic capitals by offset: char::to_lowercase costs ~15 KB
            // of tables in the wasm.
            out.push(fold_case(c));
        }
    }
    out
}

/// Lowercase for ASCII, Latin-1 (`À`..`Þ` but `×`), Latin Extended-A (Polish, Czech, Turkish,
/// Hungarian: `Ł`, `Č`, `Ş`, `Ő`), Vietnamese (Latin Extended Additional: `Ỗ`), basic Greek and
/// Cyrillic (`Ѐ`..`Я`, Ukrainian `Ґ`) capitals; other characters unchanged. Pages shout their
/// error lines in capitals ("LỖI MÁY CHỦ", "BŁĄD SERWERA") in every script.
fn fold_case(c: char) -> char {
    let u = c as u32;
    let lower = match u {
        0x41..=0x5a | 0xc0..=0xd6 | 0xd8..=0xde | 0x410..=0x42f => u + 0x20,
        0x391..=0x3a1 | 0x3a3..=0x3a9 => u + 0x20,
        0x400..=0x40f => u + 0x50,
        // Turkish dotted capital I: plain `i` (its full lowercase adds a combining dot).
        0x130 => 0x69,
        0x178 => 0xff,
        // Capital and small letters alternate: capitals on even code points here...
        0x100..=0x137 | 0x14a..=0x177 | 0x490..=0x4bf | 0x1e00..=0x1e95 | 0x1ea0..=0x1eff if u % 2 == 0 => u + 1,
        // ...and on odd ones here.
        0x139..=0x148 | 0x179..=0x17e if u % 2 == 1 => u + 1,
        _ => u,
    };
    char::from_u32(lower).unwrap_or(c)
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
    ("not implemented", Kind::Server),
    ("http version not supported", Kind::Server),
    ("variant also negotiates", Kind::Server),
    ("insufficient storage", Kind::Server),
    ("loop detected", Kind::Server),
    ("not extended", Kind::Server),
    ("network authentication required", Kind::Server),
    ("bandwidth limit exceeded", Kind::Server),
    // The standard reason phrases of 500, 502, 503 and 504 ("Internal Server Error", "Server
    // Error", "Service Unavailable", "Bad Gateway") as localised servers, frameworks and sites
    // write them, by language: the same words, so the same standing as the English ones.
    // German.
    ("interner serverfehler", Kind::Server),
    ("serverfehler", Kind::Server),
    ("server-fehler", Kind::Server),
    ("dienst nicht verfügbar", Kind::Server),
    ("dienst vorübergehend nicht verfügbar", Kind::Server),
    ("service nicht verfügbar", Kind::Server),
    ("fehlerhaftes gateway", Kind::Server),
    ("gateway-zeitüberschreitung", Kind::Server),
    // French.
    ("erreur interne du serveur", Kind::Server),
    ("erreur interne", Kind::Server),
    ("erreur serveur", Kind::Server),
    ("erreur du serveur", Kind::Server),
    ("service indisponible", Kind::Server),
    ("service temporairement indisponible", Kind::Server),
    ("passerelle incorrecte", Kind::Server),
    ("mauvaise passerelle", Kind::Server),
    // Spanish.
    ("error interno del servidor", Kind::Server),
    ("error del servidor", Kind::Server),
    ("error de servidor", Kind::Server),
    ("servicio no disponible", Kind::Server),
    ("servicio temporalmente no disponible", Kind::Server),
    ("puerta de enlace incorrecta", Kind::Server),
    // Italian.
    ("errore interno del server", Kind::Server),
    ("errore del server", Kind::Server),
    ("errore server", Kind::Server),
    ("servizio non disponibile", Kind::Server),
    ("servizio temporaneamente non disponibile", Kind::Server),
    ("gateway non valido", Kind::Server),
    // Portuguese.
    ("erro interno do servidor", Kind::Server),
    ("erro interno no servidor", Kind::Server),
    ("erro do servidor", Kind::Server),
    ("erro no servidor", Kind::Server),
    ("serviço indisponível", Kind::Server),
    ("serviço temporariamente indisponível", Kind::Server),
    ("gateway inválido", Kind::Server),
    // Dutch.
    ("interne serverfout", Kind::Server),
    ("serverfout", Kind::Server),
    ("service niet beschikbaar", Kind::Server),
    ("dienst niet beschikbaar", Kind::Server),
    ("ongeldige gateway", Kind::Server),
    // Polish.
    ("wewnętrzny błąd serwera", Kind::Server),
    ("błąd serwera", Kind::Server),
    ("usługa niedostępna", Kind::Server),
    ("usługa chwilowo niedostępna", Kind::Server),
    ("serwis niedostępny", Kind::Server),
    // Czech and Slovak.
    ("interní chyba serveru", Kind::Server),
    ("chyba serveru", Kind::Server),
    ("služba není dostupná", Kind::Server),
    ("služba nedostupná", Kind::Server),
    ("vnútorná chyba servera", Kind::Server),
    ("chyba servera", Kind::Server),
    // Turkish.
    ("sunucu hatası", Kind::Server),
    ("server hatası", Kind::Server),
    ("iç sunucu hatası", Kind::Server),
    ("dahili sunucu hatası", Kind::Server),
    ("hizmet kullanılamıyor", Kind::Server),
    ("servis kullanılamıyor", Kind::Server),
    // Russian and Ukrainian.
    ("внутренняя ошибка сервера", Kind::Server),
    ("ошибка сервера", Kind::Server),
    ("сервис недоступен", Kind::Server),
    ("сервис временно недоступен", Kind::Server),
    ("служба недоступна", Kind::Server),
    ("внутрішня помилка сервера", Kind::Server),
    ("помилка сервера", Kind::Server),
    ("сервіс недоступний", Kind::Server),
    ("сервіс тимчасово недоступний", Kind::Server),
    // Japanese.
    ("内部サーバーエラー", Kind::Server),
    ("サーバーエラー", Kind::Server),
    ("サーバエラー", Kind::Server),
    ("サービス利用不可", Kind::Server),
    // Korean.
    ("내부 서버 오류", Kind::Server),
    ("서버 오류", Kind::Server),
    // Chinese.
    ("服务器内部错误", Kind::Server),
    ("内部服务器错误", Kind::Server),
    ("伺服器內部錯誤", Kind::Server),
    ("服务器错误", Kind::Server),
    ("伺服器錯誤", Kind::Server),
    ("服務器錯誤", Kind::Server),
    ("服务不可用", Kind::Server),
    ("服務無法使用", Kind::Server),
    ("网关错误", Kind::Server),
    ("网关超时", Kind::Server),
    // Vietnamese.
    ("lỗi máy chủ", Kind::Server),
    ("lỗi máy chủ nội bộ", Kind::Server),
    ("dịch vụ không khả dụng", Kind::Server),
    // Indonesian and Malay.
    ("kesalahan server internal", Kind::Server),
    ("kesalahan server", Kind::Server),
    ("layanan tidak tersedia", Kind::Server),
    ("ralat pelayan", Kind::Server),
    // Swedish, Norwegian and Danish.
    ("internt serverfel", Kind::Server),
    ("serverfel", Kind::Server),
    ("intern serverfeil", Kind::Server),
    ("serverfeil", Kind::Server),
    ("intern serverfejl", Kind::Server),
    ("serverfejl", Kind::Server),
    // Finnish.
    ("sisäinen palvelinvirhe", Kind::Server),
    ("palvelinvirhe", Kind::Server),
    // Hungarian.
    ("belső szerverhiba", Kind::Server),
    ("szerverhiba", Kind::Server),
    // Romanian.
    ("eroare internă de server", Kind::Server),
    ("eroare de server", Kind::Server),
    ("serviciu indisponibil", Kind::Server),
    // Greek.
    ("εσωτερικό σφάλμα διακομιστή", Kind::Server),
    ("σφάλμα διακομιστή", Kind::Server),
    // Arabic and Persian.
    ("خطأ في الخادم", Kind::Server),
    ("خطأ داخلي في الخادم", Kind::Server),
    ("الخدمة غير متوفرة", Kind::Server),
    ("الخدمة غير متاحة", Kind::Server),
    ("خطای سرور", Kind::Server),
    ("خطای داخلی سرور", Kind::Server),
    // Hebrew.
    ("שגיאת שרת", Kind::Server),
    ("שגיאת שרת פנימית", Kind::Server),
    // Thai.
    ("เซิร์ฟเวอร์ขัดข้อง", Kind::Server),
    ("ข้อผิดพลาดของเซิร์ฟเวอร์", Kind::Server),
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
    ("not acceptable", Kind::Client),
    ("request timeout", Kind::Client),
    ("conflict", Kind::Client),
    ("length required", Kind::Client),
    ("precondition failed", Kind::Client),
    ("payload too large", Kind::Client),
    ("request entity too large", Kind::Client),
    ("uri too long", Kind::Client),
    ("unsupported media type", Kind::Client),
    ("request blocked", Kind::Client),
    ("page expired", Kind::Client),
    ("just a moment...", Kind::Challenge),
    ("attention required! | cloudflare", Kind::Challenge),
    ("one more step", Kind::Challenge),
    // Cloudflare localises its "Just a moment..." title to the browser's language.
    ("один момент...", Kind::Challenge),
    // Distil Networks' (later Imperva's) bot-block page.
    ("pardon our interruption", Kind::Challenge),
    ("pardon our interruption...", Kind::Challenge),
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
    ("no server is currently available to service your request", Kind::Server),
    ("the application is currently not serving requests at this endpoint", Kind::Server),
    ("sorry, you have been blocked", Kind::Client),
    ("you are unable to access", Kind::Client),
    // Content filters' block pages (Untangle's "This web page was blocked because…", FortiGuard's
    // "Web Page Blocked!").
    ("web page was blocked", Kind::Client),
    ("web page blocked", Kind::Client),
    ("checking your browser", Kind::Challenge),
    ("verify you are human", Kind::Challenge),
    ("verify you are a human", Kind::Challenge),
    ("made us think you were a bot", Kind::Challenge),
];

/// Sentences that say the request itself was refused or pointed nowhere: a 4xx page read
/// without its status ("The resource cannot be found.", "You don't have permission to access
/// /x on this server."). They count in a short line, at its start or after a short subject.
const CLIENT_SENTENCES: &[&str] = &[
    "cannot be found",
    "could not be found",
    "can't be found",
    "couldn't be found",
    "was not found on this server",
    "was not found on the server",
    "doesn't exist",
    "does not exist",
    "don't have permission to access",
    "do not have permission to access",
    "don't have the permission to access",
    "is no longer available on this server",
    "have been blocked",
    "has been denied",
    "has been blocked",
    "was blocked",
    "csrf verification failed",
    // A firewall's refusal ("The requested URL was rejected. Please consult with your
    // administrator.").
    "was rejected",
];

/// What a security layer says it did to the visitor's access ("Your access to this site has
/// been limited").
const ACCESS_REFUSED: &[&str] =
    &["has been limited", "has been restricted", "has been blocked", "has been denied", "has been suspended", "is blocked", "is denied"];

/// Request methods, for Express's "Cannot POST /login".
const METHODS: &[&str] = &["get", "head", "post", "put", "delete", "patch", "options"];

/// Leading words that may precede a status code ("HTTP Error 502", "Error code: 521").
const CODE_PREFIXES: &[&str] = &[
    "http error",
    "http status",
    "error code",
    "status code",
    "error",
    "http",
    "status",
    "code",
    // "Error" in other languages ("Fehler 403", "Erreur 500", "Ошибка 502", "Błąd 503").
    "fehler",
    "erreur",
    "errore",
    "erro",
    "fout",
    "ошибка",
    "błąd",
    "blad",
    "hata",
    "chyba",
    "virhe",
    "feil",
    "fel",
    "lỗi",
];

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
    s.trim_end_matches(['.', '!', ' ', ':', ')', '(', '1']).trim_start_matches([' ', ':', '-', '.', '(', ')', ',', '!'])
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
    // Leading decoration: ":( Application Error", "🚨 Service Unavailable".
    let line = line.trim().trim_start_matches(|c: char| !c.is_alphanumeric() && c != '$' && c != '{').trim();
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
    let short = bare.split_whitespace().count() <= 8;
    for (p, k) in PHRASES {
        if let Some(r) = bare.strip_prefix(p) {
            // "Bad Gateway: The proxy server ...", "Server Error in '/' Application."
            // A bar after the phrase ("Service unavailable | Problems Registry") starts a site's
            // or a document's name, not the page's own words: see [`title_hit`]. (A dash is
            // left as it was: "Internal error - Example Wiki" is MediaWiki's own error title.)
            let separated = r.trim_start().starts_with(['|', '·', '—']);
            let lead_in = r.starts_with([':', '.', '!']) || (short && p.contains(' ') && r.starts_with(' ') && !separated);
            if lead_in && *k != Kind::Client {
                return hit(*k, None, Strength::Shaped);
            }
        }
    }
    // "Trac detected an internal error:", "The server encountered an internal error or
    // misconfiguration": a short statement that something (a subject of at most 3 words) met a
    // server error, ending there ("users encountered a server error while uploading" is a
    // report, not the page's own word).
    if line.split_whitespace().count() <= 12 && !line.contains('?') && !has_cue(line, DOCUMENT_CUES) {
        for verb in ["encountered a", "detected a", "experienced a", "ran into a"] {
            let met = line.match_indices(verb).any(|(i, m)| {
                let rest = line[i + m.len()..].strip_prefix("n ").or_else(|| line[i + m.len()..].strip_prefix(' ')).unwrap_or("");
                let subject = line[..i].split_whitespace().count();
                (1..=3).contains(&subject)
                    && PHRASES.iter().any(|(p, k)| {
                        let tail = rest.strip_prefix(p).map(strip_end_punct);
                        *k == Kind::Server && p.contains(' ') && tail.is_some_and(|t| t.is_empty() || t.starts_with("or "))
                    })
            });
            if met {
                return hit(Kind::Server, None, Strength::Shaped);
            }
        }
    }
    if server_error_occurred(line) || encountered_an_error(line) || an_error_occurred_while(line) {
        return hit(Kind::Server, None, Strength::Shaped);
    }
    // "Error: Database connection failed.": an error label over a short sentence of failure
    // words (not of a refused request, "Error: invalid token", nor a thread's numbered title).
    if let Some(r) = line.strip_prefix("error:").map(str::trim) {
        let words = r.split_whitespace().count();
        let failure = has_any(&r.replace("error", ""), ERROR_VOCAB);
        if (2..=6).contains(&words) && failure && !has_any(r, CLIENT_WORDS) && !has_cue(r, DOCUMENT_CUES) && !r.contains(['?', '|', '·', '#']) {
            return hit(Kind::Server, None, Strength::Shaped);
        }
    }
    for (p, k) in SIGNATURE_PHRASES {
        if line.contains(p) {
            return hit(*k, None, Strength::Shaped);
        }
    }
    if client_sentence(line) {
        // "404: This page could not be found."
        let code = leading_code(line).map(|(c, _)| c).filter(|c| kind_of_code(*c) == Some(Kind::Client));
        return hit(Kind::Client, code, Strength::Shaped);
    }
    if server_sentence(line) || site_temporarily_unavailable(line) || back_soon_line(line) || crash_line(line) || exception_at_path(line) {
        return hit(Kind::Server, None, Strength::Shaped);
    }
    // Generic apology: only as a sentence of its own ("Something went wrong. Try reloading."),
    // not as the start of a headline ("Something went wrong with my taxes").
    if let Some(i) = line.find("something went wrong") {
        let next = line[i + "something went wrong".len()..].chars().next();
        if next.map_or(true, |c| matches!(c, '.' | ',' | '!' | ':' | ';' | ')')) {
            return hit(Kind::Server, None, Strength::Shaped);
        }
    }
    // "NGINX 502 Error :/": a name, a 5xx code and "error", nothing else (emoticons aside).
    let words: Vec<&str> = line.split_whitespace().filter(|w| w.chars().any(char::is_alphanumeric)).collect();
    if let [name, code, "error" | "error!" | "error."] = words.as_slice() {
        let code = code.parse::<u16>().ok().filter(|c| kind_of_code(*c) == Some(Kind::Server));
        let word = [
            "the", "a", "an", "this", "that", "my", "your", "our", "its", "fix", "fixing", "solve", "solving", "about", "how", "why", "what", "any", "new",
            "same", "another",
        ];
        if name.chars().all(char::is_alphabetic) && name.len() > 1 && !word.contains(name) && code.is_some() && !has_cue(line, DOCUMENT_CUES) {
            return hit(Kind::Server, code, Strength::Shaped);
        }
    }
    // PHP: "Fatal error: Uncaught ... on line 3"
    if (line.starts_with("fatal error:") || line.starts_with("parse error:")) && line.contains(" on line ") {
        return hit(Kind::Server, None, Strength::Shaped);
    }
    None
}

/// Errors of the server side that a page reports as having occurred.
const OCCURRED_ERRORS: &[&str] =
    &["internal error", "internal server error", "server error", "internal system error", "system error", "database error", "application error"];

/// "An internal error has occurred.", "A database error occurred", "An internal server error
/// occurred.": a sentence of its own (the whole line) saying that an error of the server side
/// occurred; not "an error occurred" (any error) nor a sentence that goes on ("... while
/// uploading").
fn server_error_occurred(line: &str) -> bool {
    let s = strip_end_punct(line);
    let s = s.strip_prefix("an ").or_else(|| s.strip_prefix("a ")).unwrap_or(s);
    ["has occurred", "have occurred", "occurred"].iter().filter_map(|v| s.strip_suffix(v)).any(|subject| OCCURRED_ERRORS.contains(&subject.trim()))
}

/// "FAFSA on the Web has encountered an error.", "The application encountered an error":
/// the line's first sentence, ending there, says that the site or a part of it (a subject of 1
/// to 5 words, not a person: "I encountered an error when ...") met an error.
fn encountered_an_error(line: &str) -> bool {
    let first = line.split(". ").next().unwrap_or(line);
    let s = strip_end_punct(first);
    let Some(head) = ["has encountered an error", "have encountered an error", "encountered an error"].iter().find_map(|v| s.strip_suffix(v)) else {
        return false;
    };
    let subject: Vec<&str> = head.split_whitespace().collect();
    let person =
        subject.first().is_some_and(|w| ["i", "i've", "you", "you've", "someone", "anyone", "users", "user", "people", "he", "she", "they"].contains(w));
    (1..=5).contains(&subject.len()) && !person && !has_cue(line, DOCUMENT_CUES) && !line.contains('?')
}

/// "An error occurred while trying to load this page.", "Ups! An error has occurred!": a short
/// line (at most 12 words) that opens by saying an error occurred, after at most an
/// interjection, and goes on to what was being done; not a question or a headline about one
/// ("An error occurred while installing X · Issue #12").
fn an_error_occurred_while(line: &str) -> bool {
    let s = ["oops! ", "ups! ", "whoops! ", "oops, ", "sorry, ", "sorry! "].iter().find_map(|p| line.strip_prefix(p)).unwrap_or(line);
    let opens = ["an error occurred while ", "an error has occurred while ", "an error occurred during "].iter().any(|p| s.starts_with(p))
        || ["an error has occurred", "an error occurred"].contains(&strip_end_punct(s)) && s.len() < line.len();
    opens && line.split_whitespace().count() <= 12 && !has_cue(line, DOCUMENT_CUES) && !line.contains(['?', '·', '|', '#'])
}

/// Who a server sentence speaks of: the site or a part of it, not a thing it sells or shows.
const SERVER_SUBJECTS: &[&str] = &[
    "site",
    "website",
    "service",
    "server",
    "application",
    "app",
    "system",
    "platform",
    "api",
    "wiki",
    "forum",
    "shop",
    "store",
    "portal",
    "sites",
    "websites",
    "services",
    "servers",
    "systems",
];

/// What a server sentence says of its subject, after "is"/"are" and an optional "currently" or
/// "temporarily".
const SERVER_STATES: &[&str] = &[
    "unavailable",
    "down for maintenance",
    "down",
    "under maintenance",
    "undergoing maintenance",
    "experiencing technical difficulties",
    "experiencing technical problems",
    "experiencing a technical problem",
    "experiencing technical issues",
    "experiencing a technical issue",
    "not ready yet",
    // Between two versions of itself ("The website is restarting").
    "restarting",
    "starting up",
    "being updated",
    "being upgraded",
];

/// Is `w` a word that names the site or a part of it ("servers", "webservice")?
fn server_subject(w: &str) -> bool {
    SERVER_SUBJECTS.contains(&w) || ["service", "server"].iter().any(|s| w.len() > s.len() && w.ends_with(s))
}

/// A short sentence saying the site itself is down ("Our website is temporarily unavailable.",
/// "Sorry! This site is experiencing technical difficulties", "Our servers are currently
/// experiencing a technical problem. This is probably temporary ..."): a short subject (at
/// most 4 words) that names the site or a part of it, not a product ("This item is currently
/// unavailable"). It is the line, or the first sentence of a line of at most 40 words (an
/// error page opens its paragraph with it). A headline may drop the verb ("Website
/// Temporarily Unavailable", "Webservice currently unavailable Error 502"), when nothing but
/// an error code follows.
fn server_sentence(line: &str) -> bool {
    let words = line.split_whitespace().count();
    if words > APOLOGY_LINE_WORDS {
        return false;
    }
    let first = if words > 16 { line.split(". ").next().unwrap_or(line) } else { line };
    if first.split_whitespace().count() > 16 {
        return false;
    }
    let subject_ok = |head: &str| {
        let subject: Vec<&str> = head.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
        subject.len() <= 4 && subject.last().is_some_and(|w| server_subject(w)) && head.matches('"').count() % 2 == 0
    };
    // Each place a state is named, read backwards: an optional adverb, then the verb (or none),
    // then the subject.
    SERVER_STATES.iter().any(|state| {
        first.match_indices(state).any(|(at, _)| {
            let after = &first[at + state.len()..];
            ["is ", "are ", ""].iter().any(|verb| {
                ["", "currently ", "temporarily "].iter().any(|adverb| {
                    // "is down", "is unavailable" alone say too little ("when the server is down, ...").
                    if adverb.is_empty() && (verb.is_empty() || matches!(*state, "unavailable" | "down")) {
                        return false;
                    }
                    let Some(head) = first[..at].strip_suffix(adverb).and_then(|h| h.strip_suffix(verb)) else {
                        return false;
                    };
                    if !(head.ends_with(' ') && subject_ok(head)) {
                        return false;
                    }
                    if !verb.is_empty() {
                        // "Kibana Server Is Not Ready Yet: The Finest Solution Guide" is a
                        // headline over its subtitle, not the site's word.
                        return !after.trim_start().starts_with([':', '—', '|', '-']);
                    }
                    // A verbless headline: only an error code may follow.
                    let tail = strip_end_punct(after);
                    words <= 10
                        && (tail.is_empty() || maintenance_reason(tail) || line_hit(tail).is_some_and(|h| h.code.is_some() && h.strength == Strength::Shaped))
                })
            })
        })
    })
}

/// A maintenance page's heading that promises the site back soon ("We'll be right back",
/// "¡Regresamos pronto!", "Estamos de volta em breve", "Wir sind gleich zurück"), in a short
/// line (at most 10 words) that asks nothing and is not a document's headline.
fn back_soon_line(line: &str) -> bool {
    const BACK_SOON: &[&str] = &[
        "be right back",
        "we'll be back",
        "we will be back",
        "we'll back soon",
        "regresamos pronto",
        "volvemos pronto",
        "volveremos pronto",
        "volvemos enseguida",
        "regresaremos pronto",
        "estamos de volta em breve",
        "voltamos em breve",
        "voltaremos em breve",
        "torniamo presto",
        "torneremo presto",
        "torniamo subito",
        "torna tra poco",
        "nous revenons bientôt",
        "nous reviendrons bientôt",
        "bientôt de retour",
        "de retour très bientôt",
        "wir sind bald zurück",
        "wir sind gleich zurück",
        "wir sind gleich wieder da",
        "wir sind bald wieder da",
        "we zijn zo terug",
        "we zijn snel terug",
        "zaraz wracamy",
        "wkrótce wracamy",
        "wrócimy wkrótce",
        "brzy se vrátíme",
        "hned jsme zpět",
        "скоро вернемся",
        "скоро вернёмся",
        "скоро повернемося",
        "yakında döneceğiz",
        "birazdan döneceğiz",
        "すぐに戻ります",
        "马上回来",
        "곧 돌아오겠습니다",
        "sẽ sớm trở lại",
        "segera kembali",
        "จะกลับมาในไม่ช้า",
        "سنعود قريبا",
        "snart tillbaka",
        "snart tilbake",
        "snart tilbage",
    ];
    words_of(line) <= 10 && !line.contains('?') && !has_cue(line, DOCUMENT_CUES) && BACK_SOON.iter().any(|p| line.contains(p))
}

/// The site, temporarily, unavailable, in other languages: [`server_sentence`]'s
/// "Our website is temporarily unavailable" as German, Spanish, French, Italian, Portuguese,
/// Dutch, Polish and Russian sites say it ("Сайт временно не доступен.", "Strona jest chwilowo
/// niedostępna", "Die Webseite ist vorübergehend nicht erreichbar"). All three in a short line
/// (at most 12 words) or its first sentence, not a question or a headline over a subtitle.
fn site_temporarily_unavailable(line: &str) -> bool {
    const SITE: &[&str] = &[
        "сайт",
        "сервис",
        "магазин",
        "strona",
        "serwis",
        "sklep",
        "seite",
        "webseite",
        "website",
        "sitio",
        "servicio",
        "tienda",
        "site",
        "sito",
        "servizio",
        "serviço",
        "loja",
        "dienst",
        "winkel",
    ];
    const TEMPORARILY: &[&str] = &[
        "временно",
        "chwilowo",
        "tymczasowo",
        "vorübergehend",
        "kurzzeitig",
        "momentan",
        "temporalmente",
        "momentáneamente",
        "temporairement",
        "momentanément",
        "temporaneamente",
        "momentaneamente",
        "temporariamente",
        "tijdelijk",
    ];
    const UNAVAILABLE: &[&str] = &[
        "недоступ",
        "не доступ",
        "niedostępn",
        "niedostepn",
        "nicht erreichbar",
        "nicht verfügbar",
        "no disponible",
        "no está disponible",
        "indisponible",
        "non disponibile",
        "non è disponibile",
        "indisponível",
        "niet beschikbaar",
        "niet bereikbaar",
    ];
    let first = line.split(". ").next().unwrap_or(line);
    if first.split_whitespace().count() > 12 || line.contains('?') || first.contains([':', '|', '·']) || first.contains(" - ") {
        return false;
    }
    let words: Vec<&str> = first.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    words.iter().any(|w| SITE.contains(w)) && words.iter().any(|w| TEMPORARILY.contains(w)) && has_any(first, UNAVAILABLE)
}

/// The reason a verbless headline may give after the state: "due to maintenance", "for
/// scheduled maintenance" (at most 4 words).
fn maintenance_reason(tail: &str) -> bool {
    let words = tail.split_whitespace().count();
    (tail.starts_with("due to ") || tail.starts_with("for ")) && words <= 4 && tail.split_whitespace().last() == Some("maintenance")
}

/// Words a runtime uses for a crash it did not handle ("Fatal exception of type \"Error\"",
/// "An unhandled exception occurred while processing the request.").
const CRASH_WORDS: &[&str] = &["fatal exception", "unhandled exception", "uncaught exception"];

/// A short line reporting an unhandled crash (not a question or a headline about one).
fn crash_line(line: &str) -> bool {
    line.split_whitespace().count() <= 12 && !has_cue(line, DOCUMENT_CUES) && !line.contains(['?', '·', '|']) && has_any(line, CRASH_WORDS)
}

/// A framework's debug page headline, "<ExceptionType> at <path>" (Django, Sinatra:
/// "NoMethodError at /orders/42", "OperationalError at /admin/").
fn exception_at_path(line: &str) -> bool {
    let words: Vec<&str> = line.split_whitespace().collect();
    let [name, "at", path] = words.as_slice() else { return false };
    let name_ok = (name.ends_with("error") || name.ends_with("exception"))
        && name.len() > "error".len()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b':' || b == b'.');
    name_ok && path.starts_with('/') && !path.starts_with("//")
}

/// A short line saying the request was refused or found nothing (see [`CLIENT_SENTENCES`]),
/// or Express's "Cannot POST /login".
fn client_sentence(line: &str) -> bool {
    if let Some(rest) = line.strip_prefix("cannot ") {
        if METHODS.iter().any(|m| rest.strip_prefix(m).is_some_and(|r| r.starts_with(" /"))) {
            return true;
        }
    }
    if line.split_whitespace().count() > 16 {
        return false;
    }
    // "Your access to this site has been limited by the site owner."
    if line.find("your access to ").is_some_and(|i| i < 24) && has_any(line, ACCESS_REFUSED) {
        return true;
    }
    // The subject before the sentence is short ("The page", "The requested URL /a/b"), so a
    // line that merely mentions a missing thing in passing does not count.
    // A quoted sentence is a mention (`Search results for "cannot be found"`), not a statement.
    CLIENT_SENTENCES.iter().any(|p| line.find(p).is_some_and(|i| line[..i].split_whitespace().count() <= 6 && line[..i].matches('"').count() % 2 == 0))
}

/// The status codes a page names in the words around them ("HTTP 404", "Error 403",
/// "status=404", "(404)", "404 Not Found"), among its first 1500 characters.
pub fn named_codes(text: &str) -> Vec<u16> {
    const BEFORE: &[&str] = &["http ", "http error ", "error ", "error code ", "status ", "status=", "status: ", "status code ", "code ", "("];
    let head: String = text.chars().take(1500).collect();
    let b = head.as_bytes();
    let mut codes = Vec::new();
    let mut i = 0;
    while i + 3 <= b.len() {
        let is_code = b[i..i + 3].iter().all(u8::is_ascii_digit)
            && (i == 0 || !b[i - 1].is_ascii_alphanumeric())
            && b.get(i + 3).map_or(true, |c| !c.is_ascii_alphanumeric());
        if !is_code {
            i += 1;
            continue;
        }
        let code: u16 = head[i..i + 3].parse().unwrap_or(0);
        let before = &head[..i];
        let after = &head[i + 3..];
        let after = after.strip_prefix(['.', ' ', ':', ')']).unwrap_or(after).trim_start();
        // "a 404 error", "HTTP 503 error": the word after the code frames it too.
        let framed_after = after.starts_with("error") && !after["error".len()..].starts_with(|c: char| c.is_alphanumeric());
        let framed = BEFORE.iter().any(|w| before.ends_with(w)) || PHRASES.iter().any(|(p, _)| after.starts_with(p)) || framed_after;
        if framed && kind_of_code(code).is_some_and(|k| k != Kind::Challenge) && !codes.contains(&code) {
            codes.push(code);
        }
        i += 3;
    }
    codes
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

/// A generated message that runs long after a signature phrase opening it ("upstream connect
/// error or disconnect/reset before headers. retried and the latest reset reason: ..."):
/// [`line_hit`] leaves lines this long alone; [`analyze`] asks this of a bare page's first line.
fn long_signature_line(line: &str) -> Option<LineHit> {
    let line = line.trim();
    let n = line.chars().count();
    if n <= MAX_LINE || n > MAX_SIGNATURE_LINE {
        return None;
    }
    let (_, kind) = SIGNATURE_PHRASES.iter().find(|(p, k)| *k == Kind::Server && line.starts_with(p))?;
    Some(LineHit { kind: *kind, code: None, strength: Strength::Shaped, line: line.to_string() })
}

/// How many stack frames the text holds, in the shapes of the common runtimes, whether the
/// frames keep their own lines or were run together by the page's markup:
/// - JavaScript, Java, .NET: `at f (/app/a.js:1:2)`, `at org.a.B.m(B.java:12)`,
///   `at Ns.Type.Method(String s)`: "at" then a dotted call, or a name then `(file:line)`;
/// - Python: `File "/app/x.py", line 12, in f`;
/// - PHP: `#0 /var/www/a.php(12): f()`, `#3 {main}`;
/// - Ruby: `/app/a.rb:12:in 'f'`.
pub fn stack_frames(text: &str) -> usize {
    let words: Vec<&str> = text.split_whitespace().take(4000).collect();
    let mut frames = 0;
    for (i, w) in words.iter().enumerate() {
        let next = words.get(i + 1).copied().unwrap_or("");
        let after = words.get(i + 2).copied().unwrap_or("");
        let call = |t: &str| t.find('(').is_some_and(|p| p > 0 && t[..p].contains('.') && !t[..p].contains('/'));
        let js_frame = !next.is_empty() && after.starts_with('(') && after.contains(':');
        let at_frame = *w == "at" && (call(next) || js_frame);
        let python_frame = *w == "file" && next.starts_with('"') && next.ends_with("\",") && after == "line";
        let php_frame = w.len() >= 2 && w.starts_with('#') && w[1..].bytes().all(|b| b.is_ascii_digit()) && (next.contains(".php(") || next == "{main}");
        let ruby_frame = w.contains(".rb:") && w.contains(":in");
        if at_frame || python_frame || php_frame || ruby_frame {
            frames += 1;
        }
    }
    frames
}

/// The title, or for Cloudflare-style "host | 522: Connection timed out" its last part; or,
/// weakly, a status line or reason phrase followed by a site's name ("Internal Server Error -
/// Gitea: Git with a cup of tea"), when the name is one part (a document's title runs on:
/// "502 Bad Gateway - HTTP | MDN").
fn title_hit(title: &str) -> Option<LineHit> {
    // A page titled nothing but "Captcha" is a bot check's interstitial.
    if strip_end_punct(title.trim()) == "captcha" {
        return Some(LineHit { kind: Kind::Challenge, code: None, strength: Strength::Shaped, line: title.to_string() });
    }
    if let Some(h) = line_hit(title) {
        return Some(h);
    }
    // "Internal Server Error - Gitea: Git with a cup of tea", "Service Unavailable | Example":
    // an error line under a one-part site suffix is a weak title (a document about the error is
    // titled the same way).
    for sep in [" - ", " | "] {
        if let Some((head, tail)) = title.split_once(sep) {
            let one_part = !tail.contains(" - ") && !tail.contains(['|', '·', '—']) && !has_cue(title, DOCUMENT_CUES);
            if let Some(h) = line_hit(head).filter(|h| one_part && h.strength == Strength::Shaped) {
                return Some(LineHit { strength: Strength::Weak, line: title.to_string(), ..h });
            }
        }
    }
    let (head, tail) = title.split_once(" | ")?;
    let hostlike = !head.contains(' ') && head.contains('.');
    if hostlike && !tail.contains(" | ") {
        return line_hit(tail);
    }
    None
}

/// A title that opens with a status code and a short reason in any language ("503 Сервис
/// недоступен", "404 Ресурс не найден"), on a page whose heading is that code alone: the shape
/// of an error page, whatever its language. Only a title that does not read like a document.
fn coded_title(title: &str, lead: &[&str]) -> Option<LineHit> {
    let (code, rest) = leading_code(title.trim())?;
    let kind = kind_of_code(code)?;
    let reason = rest.trim_start_matches([' ', ':', '-', '.']).trim();
    let n = reason.split_whitespace().count();
    if n == 0 || n > 5 || reason.contains(['|', '·', '—']) || reason.contains(" - ") {
        return None;
    }
    let bare = code.to_string();
    if lead.iter().any(|l| l.trim() == bare) {
        return Some(LineHit { kind, code: Some(code), strength: Strength::Shaped, line: title.to_string() });
    }
    // Without that heading, a 5xx code over failure words ("504 Target not responding.") is
    // still an error title, weakly: the code and the words must agree.
    (kind == Kind::Server && error_words_line(reason, 5)).then(|| LineHit { kind, code: Some(code), strength: Strength::Weak, line: title.to_string() })
}

fn better(a: Option<LineHit>, b: LineHit) -> Option<LineHit> {
    match a {
        Some(a) if (a.strength, a.code.is_some()) >= (b.strength, b.code.is_some()) => Some(a),
        _ => Some(b),
    }
}

/// One piece of evidence and its weight (positive: error page; negative: document).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signal {
    pub weight: i32,
    pub what: String,
}

/// Everything the text analysis found: the signals, their sum, and the verdict they give.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    pub signals: Vec<Signal>,
    pub score: i32,
    /// `Some` when the page reads as an error page (score at least [`ERROR_PAGE_SCORE`] and an
    /// error line, a JSON error body or a crash dump among the signals), or as a bot check.
    pub verdict: Option<TextVerdict>,
    /// The page's first word on itself (the first well-shaped error line of its title, then
    /// of its first three lines) says the visitor was refused by a security layer or must prove
    /// to be human, whatever the score: the kind ([`Kind::Client`] or [`Kind::Challenge`]) and
    /// the line. A 5xx sent with such a page is a block, not an outage.
    pub refusal: Option<(Kind, String)>,
}

/// Words of a refusal by a security layer (not of a missing page).
const REFUSAL_WORDS: &[&str] = &["blocked", "denied", "forbidden", "rejected", "your access", "firewall"];

/// The page's first word on itself, when it is a refusal: the first well-shaped error line
/// among the title and the first three lines is a client line of refusal ("Access Denied",
/// "Sorry, you have been blocked", "Your access to this site has been limited by the site
/// owner") or a bot check ("Verify you are human"). An outage page that mentions a denied
/// permission further down ("(13) Permission denied") is headed by its own error line first.
fn top_refusal(title: &str, text: &str) -> Option<(Kind, String)> {
    let lines = text.lines().map(str::trim).filter(|l| !l.is_empty()).take(3);
    let first = title_hit(title).into_iter().chain(lines.filter_map(line_hit)).find(|h| h.strength == Strength::Shaped);
    if let Some(first) = first {
        let refused = first.kind == Kind::Challenge || first.kind == Kind::Client && has_any(&first.line, REFUSAL_WORDS);
        if refused {
            return Some((first.kind, first.line));
        }
    }
    // A short page that says the visitor's address is on a block list ("It seems your
    // IP-address is on a blacklist we use."), whatever its heading says: a block, not an
    // outage.
    if text.len() > 3000 {
        return None;
    }
    text.lines().find(|l| listed_address(l)).map(|l| (Kind::Client, l.trim().to_string()))
}

/// A sentence (at most 30 words) saying that the visitor's IP address is listed, banned or
/// blocked.
fn listed_address(line: &str) -> bool {
    const ADDRESS: &[&str] = &["your ip", "your address", "ip address", "ip-address", "ip adres"];
    const LISTED: &[&str] = &["blacklist", "blocklist", "block list", "banned", "has been blocked", "is blocked", "zwarte lijst"];
    line.split_whitespace().count() <= 30 && has_any(line, ADDRESS) && has_any(line, LISTED) && !line.contains('?')
}

/// The score from which a page with an error line reads as an error page.
pub const ERROR_PAGE_SCORE: i32 = 5;

/// The word model's probabilities for its two weights (+3, +4).
const MODEL_LIKELY: f32 = 0.5;
const MODEL_STRONG: f32 = 0.8;

/// Words and phrases of failure, for titles and lines that are not status lines ("Could Not
/// Connect", "Inactivity Timeout", "Oops, something broke", "运行时错误").
const ERROR_VOCAB: &[&str] = &[
    "error",
    "unavailable",
    "not available",
    "n't available",
    "no server",
    "timeout",
    "time-out",
    "timed out",
    "is down",
    "down for",
    // Maintenance as the site's state, not the word: "Garden maintenance" is a gardener's
    // page, and the bare word counts only as a line of its own ([`maintenance_line`]).
    "under maintenance",
    "for maintenance",
    "maintenance mode",
    "scheduled maintenance",
    "planned maintenance",
    "maintenance in progress",
    "undergoing maintenance",
    "performing maintenance",
    "performing some maintenance",
    "performing scheduled maintenance",
    "site en maintenance",
    "est en maintenance",
    "actuellement en maintenance",
    "maintenance en cours",
    "went wrong",
    "could not",
    "cannot",
    "can't",
    "unable to",
    "failed",
    "failure",
    "problem",
    "oops",
    "whoops",
    "sorry",
    "crashed",
    "overloaded",
    "too long",
    "too much time",
    "invalid response",
    "no valid host",
    "unexpected",
    "broken",
    "exception",
    "trouble",
    "bad gateway",
    "not responding",
    "错误",
    "錯誤",
    "故障",
    "不可用",
    "维护",
    "維護",
    "服务器",
    "服務器",
    "fehler",
    "erreur",
    // A site under maintenance in German, Spanish, Italian, Portuguese and Dutch (French and
    // English say "maintenance"); the bare word counts only as a line of its own
    // ([`maintenance_line`]): "Mantenimiento de jardines" is a gardener's page.
    "wartungsarbeiten",
    "wartungsmodus",
    "in wartung",
    "en mantenimiento",
    "tareas de mantenimiento",
    "modo mantenimiento",
    "modo de mantenimiento",
    "in manutenzione",
    "em manutenção",
    "in onderhoud",
    // Japanese: "under maintenance" (メンテナンス中), the site's state, not the word.
    "メンテナンス中",
    "errore",
    "ошибка",
    "エラー",
    "오류",
    // Unavailable, a technical problem, an error, in the languages of sites seen so far
    // (German, Spanish, French, Italian, Portuguese, Dutch, Polish, Czech, Turkish, Russian,
    // Japanese, Korean, Chinese): a site's state, not a product's ("not in stock").
    "nicht erreichbar",
    "nicht verfügbar",
    "technische probleme",
    "technischen problemen",
    "no disponible",
    "fuera de servicio",
    "indisponible",
    "problème technique",
    "non disponibile",
    "indisponível",
    "erro ",
    "niet beschikbaar",
    "niet bereikbaar",
    "błąd",
    "wystąpił błąd",
    "wystapil blad",
    "niedostępn",
    "niedostepn",
    "problemy techniczne",
    "problemów technicznych",
    "przerwa techniczna",
    "przerwa w działaniu",
    "prace serwisowe",
    "prace konserwacyjne",
    "nedostupn",
    "hizmet dışı",
    "kullanılamıyor",
    "недоступ",
    "не доступ",
    "технические работы",
    "техническая неполадка",
    "технические неполадки",
    "сбой",
    "一時的に",
    "利用できません",
    "点検中",
    "점검",
    "일시적",
    "暂时无法",
    "系统繁忙",
    // Maintenance as the site's state in Turkish, Vietnamese, Indonesian, Russian, Japanese and
    // Arabic; an error in Arabic and Vietnamese.
    "bakımda",
    "bakım çalışması",
    "đang bảo trì",
    "bảo trì hệ thống",
    "dalam pemeliharaan",
    "sedang melakukan pemeliharaan",
    "техническом обслуживании",
    "техническое обслуживание",
    "メンテナンスのお知らせ",
    // Offline or stopped for maintenance, in English, Italian, Czech and Arabic.
    "offline for maintenance",
    "offline for routine maintenance",
    "currently offline",
    "temporarily offline",
    "manutenzione pianificata",
    "manutenzione programmata",
    "in corso la manutenzione",
    "kvůli údržbě",
    "لأغراض الصيانة",
    "متوقفة حاليا",
    "متوقفة حاليًا",
    "متوقف حاليا",
    "متوقف حاليًا",
    "一時停止",
    "تحت الصيانة",
    "خطأ",
    "lỗi",
];

/// What people write on an error page besides the error: apologies, retry advice, whom to
/// tell, an id to quote.
const APOLOGY_CUES: &[&str] = &[
    "try again",
    "please try",
    "later",
    "temporar",
    "sorry",
    "apolog",
    "inconvenience",
    "administrator",
    "webmaster",
    "server log",
    "error log",
    "contact support",
    "contact us",
    "refresh",
    "retry",
    "resubmit",
    "could not",
    "unable to",
    "problem",
    "unexpected",
    "request id",
    "request_id",
    "reference",
    "incident id",
    "ray id",
    "error id",
    "xid:",
    "back soon",
    "check back",
    "working to",
    "be back",
    "persists",
    "reload",
    // The same words in German, Spanish, French and Italian: later, again, sorry,
    // inconvenience.
    "später",
    "erneut",
    "entschuldig",
    "más tarde",
    "de nuevo",
    "disculp",
    "molestias",
    "inconvenientes",
    "plus tard",
    "désolé",
    "più tardi",
    "scusa",
    // And in Portuguese, Dutch, Polish, Russian, Japanese, Korean and Chinese: sorry, try
    // again (later).
    "desculp",
    "tente novamente",
    "mais tarde",
    "excuses",
    "probeer het",
    "przepraszamy",
    "spróbuj ponownie",
    "sprobuj ponownie",
    "prosimy spróbować",
    "извин",
    "попробуйте",
    "ご迷惑",
    "しばらく",
    "죄송",
    "잠시 후",
    "抱歉",
    "稍后",
    // Turkish, Vietnamese, Indonesian, Arabic, Japanese: sorry, come back later.
    "üzgünüm",
    "özür dileriz",
    "xin lỗi",
    "quay lại sau",
    "mohon maaf",
    "kembali lagi nanti",
    "عذرا",
    "لاحقا",
    "ご了承",
];

/// Words of documents about errors, in titles and first lines ("How to fix ...", "... · Issue #12").
const DOCUMENT_CUES: &[&str] = &[
    "how to",
    "how do",
    "how i ",
    "why ",
    "what is",
    "what are",
    "what does",
    "fix",
    "guide",
    "tutorial",
    "troubleshoot",
    "explained",
    "meaning",
    "issue #",
    "pull request",
    "docs",
    "documentation",
    // The same in German and Spanish (beside the maintenance words of [`ERROR_VOCAB`]).
    "dokumentation",
    "documentación",
    "anleitung",
    "manual",
    "reference",
    "changelog",
    "changes",
    "release notes",
    "blog",
    "question",
    "forum",
    "wiki",
    "report",
    "postmortem",
    "post-mortem",
    "writing",
    "lessons",
    "handling",
    "understanding",
    "best practices",
    "search",
    "results",
    // Questions and answers: a FAQ entry about an error is a document ("「510 Not Extended」と
    // いうエラーが表示されて... - よくある質問").
    "faq",
    "よくある質問",
    "常见问题",
    "常見問題",
];

/// Bylines and thread furniture in the text ("Posted", "6 min read", "answered", "3 Comments").
const BYLINE_CUES: &[&str] = &[
    "posted",
    "published",
    "min read",
    "last updated",
    "last modified",
    "asked",
    "answered",
    "commented",
    "edited",
    "comments",
    "reply",
    "share",
    "written by",
    "author",
    "tags:",
    "views",
];

/// How many words a line has: those between spaces, and one for every three characters of
/// Chinese or Japanese, which write none ("サービスが一時的に利用できません" is a short line; a
/// question of forty characters is not).
fn words_of(line: &str) -> usize {
    let cjk = line.chars().filter(|c| matches!(*c as u32, 0x3040..=0x30ff | 0x3400..=0x4dbf | 0x4e00..=0x9fff | 0xf900..=0xfaff)).count();
    line.split_whitespace().count() + cjk / 3
}

fn has_any(s: &str, words: &[&str]) -> bool {
    words.iter().any(|w| s.contains(w))
}

/// Does `s` hold one of `cues` at the start of a word ("wiki" in "example wiki" and
/// "wikipedia", not in "droidwiki")? Document cues are words, not parts of a site's name.
fn has_cue(s: &str, cues: &[&str]) -> bool {
    cues.iter().any(|c| s.match_indices(c).any(|(i, _)| !s[..i].ends_with(|ch: char| ch.is_alphanumeric())))
}

fn count_distinct<'a>(s: &str, words: &'a [&'a str]) -> Vec<&'a str> {
    words.iter().copied().filter(|w| s.contains(w)).collect()
}

/// A short line made of failure words and not a document's headline.
fn error_words_line(line: &str, max_words: usize) -> bool {
    let words = words_of(line);
    words > 0 && words <= max_words && (has_any(line, ERROR_VOCAB) || maintenance_line(line)) && !has_cue(line, DOCUMENT_CUES) && !line.contains('?')
}

/// A line that is one word for maintenance ("Wartung", "Serverwartung", "🚧 Mantenimiento").
fn maintenance_line(line: &str) -> bool {
    let words: Vec<&str> = line.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    matches!(words.as_slice(), [w] if has_any(w, MAINTENANCE_WORDS))
}

/// Words for maintenance, in the languages of [`ERROR_VOCAB`] and more. Not Japanese
/// "メンテナンス": Japanese writes no spaces, so a whole headline ("車のメンテナンス方法", how to
/// maintain a car) would read as that one word; "メンテナンス中" (the site's state) is in
/// [`ERROR_VOCAB`].
const MAINTENANCE_WORDS: &[&str] = &[
    "maintenance",
    "wartung",
    "mantenimiento",
    "manutenzione",
    "manutenção",
    "onderhoud",
    "údržba",
    "konserwacja",
    "karbantartás",
    "underhåll",
    "vedlikehold",
    "техобслуживание",
    "維護中",
    "维护中",
    "pemeliharaan",
    "صيانة",
];

/// A title that is one name and "error" ("Wikimedia Error", "DroidWiki Error").
fn site_error_title(title: &str) -> bool {
    let words: Vec<&str> = title.split_whitespace().collect();
    matches!(words.as_slice(), [name, "error" | "error!"] if name.chars().all(char::is_alphanumeric) && !name.chars().all(|c| c.is_ascii_digit()))
}

/// A first line of failure words: a short line (at most 12 words) of them, or a line whose
/// first sentence (at most 12 words) says maintenance ("Estamos realizando tareas de
/// mantenimiento. Por favor, inténtalo de nuevo en unos minutos.").
fn failure_words_lead(line: &str) -> bool {
    if error_words_line(line, 12) {
        return true;
    }
    let first = line.split(". ").next().unwrap_or(line);
    first.len() < line.len() && has_any(first, MAINTENANCE_WORDS) && error_words_line(first, 12)
}

/// A body that is one small JSON object speaking of an error (`{"message":"Internal server
/// error"}`, `{"status":500,"error":"Internal Server Error",...}`); its kind.
fn json_error(text: &str) -> Option<Kind> {
    let t = text.trim();
    if !(t.starts_with('{') && t.ends_with('}') && t.len() <= 800) {
        return None;
    }
    let error_keys = t.contains("\"message\"") || t.contains("\"error\"") || t.contains("\"status\"");
    if error_keys && (t.contains("rate limit") || t.contains("too many requests")) {
        return Some(Kind::RateLimited);
    }
    // A 5xx number under a status-like key: "status", "statusCode" (NestJS), "code" (Railway).
    // "code" counts only beside an error key (a product's "code" is no status).
    let keys: &[&str] =
        if error_keys { &["\"status\":", "\"statuscode\":", "\"status code\":", "\"code\":"] } else { &["\"status\":", "\"statuscode\":", "\"status code\":"] };
    let codes: Vec<u16> = after_keys(t, keys)
        .filter(|rest| rest.get(..3).is_some_and(|c| c.bytes().all(|b| b.is_ascii_digit())) && !rest[3..].starts_with(|c: char| c.is_ascii_digit()))
        .filter_map(|rest| rest[..3].parse().ok())
        .collect();
    let status_5xx = codes.iter().any(|c| (500..600).contains(c));
    // A 4xx there (and no 5xx) says the request was refused, whatever words come with it
    // (Kubernetes: `{"status": "Failure", "reason": "Forbidden", "code": 403}`).
    if !status_5xx {
        if codes.contains(&429) {
            return Some(Kind::RateLimited);
        }
        if codes.iter().any(|c| (400..500).contains(c)) {
            return Some(Kind::Client);
        }
        // An error type or code that names a refused request (Anthropic: `{"type":"error",
        // "error":{"type":"authentication_error",...}}`, `"code": "invalid_api_key"`), and none
        // that names a server's failure, is a client body.
        let kinds = json_type_values(t);
        let client = kinds.iter().any(|v| has_any(v, JSON_CLIENT_TYPES));
        let server = kinds.iter().any(|v| has_any(v, JSON_SERVER_TYPES));
        if client && !server {
            return Some(Kind::Client);
        }
    }
    // A problem document's title or detail that is itself a server error line
    // (`{"title": "500 Internal Server Error"}`).
    let titled = after_keys(t, &["\"title\":", "\"detail\":"])
        .filter_map(string_value)
        .any(|v| line_hit(v).is_some_and(|h| h.kind == Kind::Server && h.strength == Strength::Shaped));
    (status_5xx || titled || error_keys && has_any(t, ERROR_VOCAB) && !t.contains("not found")).then_some(Kind::Server)
}

/// Words of an error type or code in a JSON body that say the request was refused.
const JSON_CLIENT_TYPES: &[&str] = &[
    "authentication",
    "unauthori",
    "unauthenticated",
    "permission",
    "forbidden",
    "not found",
    "invalid request",
    "invalid api key",
    "bad request",
    "validation",
];
/// Words of an error type or code in a JSON body that say the server failed.
const JSON_SERVER_TYPES: &[&str] = &["server", "internal", "overloaded", "unavailable", "timeout", "api error", "upstream", "gateway"];

/// What follows each occurrence of each of `keys` (`"status":`) in a small JSON body, from its
/// value on.
fn after_keys<'a>(t: &'a str, keys: &'a [&str]) -> impl Iterator<Item = &'a str> {
    keys.iter().flat_map(move |key| t.match_indices(key).map(move |(i, m)| t[i + m.len()..].trim_start()))
}

/// The string a JSON value starts with (`"authentication_error", ...` -> `authentication_error`);
/// `None` for a number, object or other value.
fn string_value(rest: &str) -> Option<&str> {
    rest.strip_prefix('"').and_then(|r| r.split('"').next())
}

/// The short string values (at most 4 words) of a JSON body's type-like keys: "type", "code",
/// "reason", "error" (an enum, not a message).
fn json_type_values(t: &str) -> Vec<&str> {
    after_keys(t, &["\"type\":", "\"code\":", "\"reason\":", "\"error\":"]).filter_map(string_value).filter(|v| v.split_whitespace().count() <= 4).collect()
}

/// Stack frames from which a page holds a crash dump.
const CRASH_FRAMES: usize = 3;
/// Words of a text that defines HTTP statuses (RFC 9110 and its quotes, reference pages), never
/// of a page that reports one to its visitor; two of them make a page a specification's. Not
/// "status code", "user-agent" or "the response": debug and proxy error pages print those.
const SPEC_CUES: &[&str] = &[
    "the client should",
    "the client must",
    "the client may",
    "a client should",
    "a client must",
    "the server must",
    "a server must",
    "header field",
    "rfc ",
    "retry-after header",
    "the origin server",
];
/// Apology and retry cues count in lines of at most this many words (an error page's
/// sentences), not in paragraphs of explanation.
const APOLOGY_LINE_WORDS: usize = 40;

/// Most links, headings and code blocks a plain page (see [`analyze`]) has.
const PLAIN_LINKS: u32 = 5;
const PLAIN_HEADINGS: u32 = 5;
const PLAIN_CODE: u32 = 3;

/// Titles of threads, questions and site pages, beyond [`DOCUMENT_CUES`].
const THREAD_CUES: &[&str] = &[
    "issue",
    "·",
    "|",
    " when ",
    " while ",
    " after ",
    "getting",
    "help",
    "problem",
    "solved",
    "stack overflow",
    "stackoverflow",
    "reddit",
    "discussion",
    "example",
];

/// Does the title read like a document, a thread or a page of a site ("... · Issue #42 ·
/// owner/repo", "Getting 500 error when ...", "PDOException | Site", "How to fix ...")?
fn document_title(title: &str) -> bool {
    let numbered = title.match_indices('#').any(|(i, _)| title[i + 1..].starts_with(|c: char| c.is_ascii_digit()));
    has_cue(title, DOCUMENT_CUES) || has_any(title, THREAD_CUES) || title.contains('?') || numbered
}

/// Words that name a failing backend (database, upstream connection) on an error page.
const BACKEND_FAILURES: &[&str] = &[
    "could not connect to",
    "couldn't connect to",
    "can't connect to",
    "cannot connect to",
    "unable to connect to",
    "connection refused",
    "lost connection to",
    "too many connections",
    "sqlstate[",
    // A part of the service that should answer and does not ("Function host is not running.").
    "is not running",
];

/// Words of a request refused or a thing missing: a short body with them is a 4xx page, not
/// an outage ("Sorry, we couldn't find that page.").
const CLIENT_WORDS: &[&str] = &[
    "found",
    "find",
    "exist",
    "permission",
    "denied",
    "forbidden",
    "unauthori",
    "log in",
    "login",
    "sign in",
    "password",
    "expired",
    "invalid",
    "blocked",
    "not allowed",
];

/// Lines that only carry an incident reference.
const REFERENCE_CUES: &[&str] = &["request id", "error id", "incident id", "ray id", "trace id", "correlation id", "reference"];

/// A short body that is nothing but failure lines (see [`analyze`]).
fn bare_failure_body(title: &str, text: &str, structure: Option<&Structure>) -> bool {
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    if lines.is_empty() || lines.len() > 4 || text.len() > 300 {
        return false;
    }
    let titled = !title.trim().is_empty();
    if titled && title_hit(title).is_none() && !error_words_line(title, 8) {
        return false;
    }
    if structure.is_some_and(|s| s.navs > 0 || s.links > 2 || s.controls > 0) {
        return false;
    }
    // A failure line: failure words, or a failing backend named ("connection refused").
    let failure = |l: &str| {
        (error_words_line(l, 16) || has_any(l, BACKEND_FAILURES) && l.split_whitespace().count() <= 8)
            && !has_any(l, CLIENT_WORDS)
            && line_hit(l).map_or(true, |h| h.kind == Kind::Server)
    };
    let reference = |l: &str| has_any(l, REFERENCE_CUES) && l.split_whitespace().count() <= 6;
    lines.iter().any(|l| failure(l)) && lines.iter().all(|l| failure(l) || reference(l)) && !has_any(text, CLIENT_WORDS)
}

/// The first line, then nothing but stack frames (3 or more, one a line).
fn nothing_but_a_trace(text: &str) -> bool {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty()).skip(1);
    let mut n = 0;
    lines.all(|l| {
        n += 1;
        stack_frames(l) == 1
    }) && n >= CRASH_FRAMES
}

/// PHP's own error output (`display_errors`): "Fatal error: ... on line N".
fn php_error(lines: &[&str], text: &str) -> bool {
    text.contains(" on line ") && lines.iter().any(|l| l.starts_with("fatal error:") || l.starts_with("parse error:"))
}

/// Weighs title, text and (when the page came as HTML) its structure, and says what kind of
/// error page this is, if any, with every signal that counted.
pub fn analyze(title: &str, text: &str, structure: Option<&Structure>) -> Analysis {
    analyze_with(title, text, structure, Some(Model::shipped()))
}

/// [`analyze`] with the given word model, or with the rules alone (`None`).
pub fn analyze_with(title: &str, text: &str, structure: Option<&Structure>, model: Option<&Model>) -> Analysis {
    let title = normalize(title);
    let text = normalize(text);
    let mut analysis = weigh(&title, &text, structure, model);
    analysis.refusal = top_refusal(&title, &text);
    // A page read as an outage that says the visitor's address is on a block list is a block.
    if let (Some(v), Some((Kind::Client, line))) = (analysis.verdict.as_mut(), &analysis.refusal) {
        if v.kind == Kind::Server && listed_address(line) {
            v.kind = Kind::Client;
            v.code = None;
            let what = format!("kind from a block-list line: {line}");
            v.reasons.push(what.clone());
            analysis.signals.push(Signal { weight: 0, what });
        }
    }
    analysis
}

/// [`analyze`] on the normalised title and text.
fn weigh(title: &str, text: &str, structure: Option<&Structure>, model: Option<&Model>) -> Analysis {
    let mut signals: Vec<Signal> = Vec::new();
    let mut add = |weight: i32, what: String| signals.push(Signal { weight, what });

    // A bot check says so in its title; nothing else is needed (and nothing may outvote it).
    let title_line = title_hit(title);
    if let Some(h) = title_line.as_ref().filter(|h| h.kind == Kind::Challenge) {
        add(10, format!("title: bot check: {}", h.line));
        return finish(signals, Some(TextVerdict { kind: Kind::Challenge, code: h.code, reasons: vec![] }));
    }

    let lead: Vec<&str> = {
        let mut seen = 0usize;
        let mut out = Vec::new();
        // A site's menu above the page's content is not its first lines.
        let menu = structure.map_or(0, |s| s.lead_nav_lines as usize);
        for l in text.lines().map(str::trim).filter(|l| !l.is_empty()).skip(menu).take(LEAD_LINES) {
            if seen > LEAD_CHARS {
                break;
            }
            seen += l.len() + 1;
            out.push(l);
        }
        out
    };
    // Each first line's error line, read once for the signals and the kind below.
    let lead_hits: Vec<Option<LineHit>> = lead.iter().map(|l| line_hit(l)).collect();

    let len = text.chars().count();
    let lone_article = len <= SHORT_CHARS && structure.is_some_and(|s| s.articles == 1 && s.links <= 1 && s.navs == 0 && s.times == 0 && s.headings <= 2);
    // Evidence a document can quote (a stack trace, a failing backend, a long generated
    // message) counts only on a page titled like an error page, or untitled.
    // "<Site> Error" ("Wikimedia Error"): a site naming its own error page, not a document,
    // whatever the site's name holds ("wiki").
    let site_error = site_error_title(title);
    let doc_title = document_title(title) && !site_error;

    // Title.
    let t_hit = title_line.or_else(|| if doc_title { None } else { coded_title(title, &lead) });
    let mut anchored = false;
    match &t_hit {
        Some(h) if h.strength == Strength::Shaped => add(3, format!("title is an error line: {}", h.line)),
        Some(h) => add(2, format!("title is a bare or site-suffixed error line: {}", h.line)),
        None if error_words_line(title, 8) => add(2, format!("short title of failure words: {title}")),
        None if site_error => add(2, format!("title is a site's name and \"error\": {title}")),
        None => {}
    }
    if t_hit.is_none() && error_words_line(title, 8) && has_5xx_token(title) {
        add(1, "title carries a 5xx code".into());
    }
    if (has_cue(title, DOCUMENT_CUES) || title.ends_with('?')) && !site_error {
        add(-2, format!("title reads like a document: {title}"));
    }

    // First lines.
    let mut l_hit: Option<LineHit> = None;
    for h in lead_hits.iter().flatten() {
        l_hit = better(l_hit, h.clone());
    }
    let mut first_is_error = lead_hits.first().and_then(Option::as_ref).is_some_and(|h| h.strength == Strength::Shaped);
    // A short page that opens with a long generated message (Envoy's "upstream connect error
    // or disconnect/reset before headers. ... reset reason: ..."), under no title of its own.
    if l_hit.is_none() && len <= SHORT_CHARS && !doc_title && (title.is_empty() || t_hit.as_ref().is_some_and(|h| h.kind == Kind::Server)) {
        if let Some(h) = lead.first().and_then(|l| long_signature_line(l)) {
            l_hit = Some(h);
            first_is_error = true;
        }
    }
    match &l_hit {
        Some(h) if h.strength == Strength::Shaped => {
            anchored = true;
            add(3, format!("error line near the top: {}", h.line));
            if first_is_error {
                add(1, "the error line is the first line".into());
            }
        }
        Some(h) => {
            anchored = true;
            add(1, format!("bare error word near the top: {}", h.line));
        }
        None => {
            // On an untitled page, a long first line counts by its lead-in ("Puma caught this
            // error: could not obtain a connection from the pool ...").
            let lead_in = |l: &str| title.is_empty() && l.split_once(": ").is_some_and(|(h, _)| error_words_line(h, 6));
            if let Some(l) = lead.iter().find(|l| failure_words_lead(l)).or(lead.first().filter(|l| lead_in(l))) {
                anchored = true;
                add(1, format!("failure words near the top: {l}"));
            }
        }
    }
    if t_hit.is_some() || error_words_line(title, 8) || site_error {
        anchored = true;
        if l_hit.is_some() || lead.iter().any(|l| failure_words_lead(l)) {
            add(1, "title and first lines agree".into());
        }
    }
    let json = json_error(text);
    if let Some(k) = json {
        anchored = true;
        add(5, format!("a JSON error body ({k:?})"));
    }
    let php = php_error(&lead, text);
    if php {
        anchored = true;
        add(5, "PHP error output at the top".into());
    }

    // The rest of the page.
    let head: String = text.chars().take(1500).collect();
    // Apologies count on a page that is little else, and in its short lines: in a long page,
    // or in a paragraph of explanation (more than 40 words), they are just prose.
    let short_lines: String = head.lines().filter(|l| l.split_whitespace().count() <= APOLOGY_LINE_WORDS).collect::<Vec<_>>().join("\n");
    let cues = if len <= 1500 { count_distinct(&short_lines, APOLOGY_CUES) } else { Vec::new() };
    match cues.len() {
        0 | 1 => {}
        2 | 3 => add(1, format!("apology / retry words: {}", cues.join(", "))),
        _ => add(2, format!("apology / retry words: {}", cues.join(", "))),
    }
    // Prose, in paragraph-sized units of 300 characters of lines of 15 words or more.
    let prose_chars: usize = text.lines().filter(|l| l.split_whitespace().count() >= 15).map(str::len).sum();
    let prose = prose_chars / 300;
    let bylines = count_distinct(&head, BYLINE_CUES);
    let truncated = structure.is_some_and(|s| s.truncated);
    // A page that is nothing but itself: titled like an error page (or untitled), not long, not
    // a paragraph of prose, no bylines, no dates, no article markup, hardly any links, headings
    // or code blocks. Only such a page may count the evidence below, which documents quote
    // (traces, backends, failure lines).
    let plain = !doc_title
        && !truncated
        && len <= LONG_CHARS
        && prose == 0
        && bylines.is_empty()
        && structure.map_or(true, |s| {
            s.times == 0 && s.articles == 0 && s.links <= PLAIN_LINKS && s.paragraphs < 10 && s.headings <= PLAIN_HEADINGS && s.code <= PLAIN_CODE
        });
    // A plain page headed by a few failure words ("Cannot Connect", "Przerwa techniczna",
    // "Сайт временно не доступен."): its heading, in whatever language, says what it is.
    if plain && l_hit.is_none() && lead.first().is_some_and(|l| error_words_line(l, 8)) {
        add(1, "a plain page headed by failure words".into());
    }
    // A status line ("500: Internal server error.") that opens a plain page's content under a
    // site's header of a few short items ("Log in", "Skip Content") is the page's own heading,
    // as if it were the first line.
    if plain && !first_is_error {
        let status_line = |h: &Option<LineHit>| h.as_ref().is_some_and(|h| h.kind == Kind::Server && h.code.is_some() && h.strength == Strength::Shaped);
        if let Some(i) = lead_hits.iter().position(status_line) {
            if (1..=3).contains(&i) && lead[..i].iter().all(|l| l.split_whitespace().count() <= 2) {
                add(1, "a status line opens the content under a short header".into());
            }
        }
    }
    // The error at the top is a server error (a title or first line, failure words near the
    // top), not a refusal.
    let top_server = anchored && t_hit.iter().chain(l_hit.iter()).all(|h| h.kind == Kind::Server);
    let sig = signature(text);
    if let Some(sig) = sig {
        add(2, format!("signature: {sig}"));
    }
    // A crash page: a plain page (so at most 2500 characters) headed by a server error, with a
    // stack trace of 3 frames or more (frames of Java, .NET, JavaScript, Python, PHP or Ruby
    // shape; the trace signature above knows only two line-shaped kinds of them).
    let frames = if plain && top_server { stack_frames(text) } else { 0 };
    let crash = frames >= CRASH_FRAMES;
    if crash {
        let w = if sig == Some("stack trace") { 1 } else { 3 };
        add(w, format!("a crash page: a server error at the top over a stack trace ({frames} frames)"));
    }
    // A body that is nothing but failure lines: no title (or an error title), a few short lines
    // of failure words or an incident reference ("Application failed to respond / This error
    // appears to be caused by the application. / Request ID: ..."), nothing to navigate.
    let bare = plain && bare_failure_body(title, text, structure);
    if bare {
        anchored = true;
        add(3, "the page is nothing but failure lines".into());
    }
    // An untitled body that is nothing but an error line and its stack trace (a server's
    // plain-text crash report: "Puma caught this error: ... (ActiveRecord::...)" over frames).
    if crash && title.is_empty() && nothing_but_a_trace(text) {
        add(2, "the page is nothing but an error line and its stack trace".into());
    }
    // On such a page, or on a plain page headed by a server error, a failing backend named
    // ("Could not connect to MySQL", "SQLSTATE[HY000] [2002] Connection refused", "dial tcp
    // ...: connect: connection refused") says what failed.
    if crash || bare || (plain && top_server) {
        if let Some(b) = BACKEND_FAILURES.iter().find(|b| head.contains(*b)) {
            add(1, format!("a failing backend is named: {b}"));
        }
    }
    if truncated || len > LONG_CHARS {
        add(-3, format!("long text ({len} chars{})", if truncated { ", more not read" } else { "" }));
    } else if len > 1500 {
        add(-2, format!("text of {len} chars"));
    } else if len <= SHORT_CHARS && !structure.is_some_and(|s| s.articles > 0 && !lone_article) {
        // Short is an error page's shape; a short article (a tag page, a glossary entry) is
        // still an article.
        add(1, format!("short page ({len} chars)"));
        if len < 40 && t_hit.is_some() {
            add(1, "nothing on the page but the title".into());
        }
    }
    if prose >= 5 {
        add(-3, format!("{prose} paragraphs of prose"));
    } else if prose >= 3 {
        add(-2, format!("{prose} paragraphs of prose"));
    }
    // A page that explains what a status means speaks of clients, servers, responses and
    // headers in a specification's words (RFC text, reference pages); an error page speaks to
    // its visitor.
    let spec = count_distinct(text, SPEC_CUES);
    let speaks_spec = spec.len() >= 2;
    if speaks_spec {
        add(-5, format!("the language of a specification: {}", spec.join(", ")));
    }
    if bylines.len() >= 2 {
        add(-2, format!("bylines: {}", bylines.join(", ")));
    }
    if let Some(s) = structure {
        if s.navs > 0 {
            add(-1, format!("navigation ({})", s.navs));
        }
        // An error page is not an article; a document about errors often is one. But a short
        // page that is one <article> and nothing else (no links, menus or dates) is a
        // maintenance template's box ("<article><h1>We'll be back soon!</h1>..."), not a post.
        if s.articles > 0 && !lone_article {
            add(-2, "article markup".into());
        }
        if s.times > 0 {
            add(-2, format!("dates in <time> ({})", s.times));
        }
        if s.links >= 25 {
            add(-3, format!("{} links", s.links));
        } else if s.links >= 12 {
            add(-2, format!("{} links", s.links));
        }
        if s.headings >= 5 {
            add(-1, format!("{} headings", s.headings));
        }
        if s.paragraphs >= 10 {
            add(-1, format!("{} paragraphs", s.paragraphs));
        }
        // A crash page's code blocks are its stack trace.
        if s.code >= 3 && !crash {
            add(-1, format!("{} code blocks", s.code));
        }
        if s.controls >= 3 {
            add(-1, format!("{} form controls", s.controls));
        }
    }

    // The word model's second opinion ([`model`]): how much the title and first lines read
    // like the server error pages of the tuning part, in whatever words and language. It counts
    // only where the rules leave little room for a document or a refusal: a plain page (see
    // above) whose own first lines carry a server error or failure words, with no word of a
    // refused or missing request at the top (the model tells error pages from others, not a
    // server's error from a client's).
    // A short page titled by a server error's reason phrase ("Internal Server Error", "500 -
    // Serverfout", "Site Maintenance") is anchored by its title alone: the model reads the
    // first lines, in whatever language they go on.
    let titled = t_hit.as_ref().is_some_and(|h| h.kind == Kind::Server && h.strength == Strength::Shaped) && len <= SHORT_CHARS;
    let lead_anchor =
        l_hit.as_ref().is_some_and(|h| h.kind == Kind::Server) || lead.iter().any(|l| failure_words_lead(l)) || bare || json.is_some() || php || titled;
    let client_words = has_any(title, CLIENT_WORDS) || lead.iter().any(|l| has_any(l, CLIENT_WORDS));
    // Nor where the page explains a status in a specification's words: a reference page
    // headed by the status line reads, word for word, like the error page it describes.
    if let Some(m) = model.filter(|_| anchored && plain && lead_anchor && !client_words && !speaks_spec) {
        let p = m.probability(&model::input(title, text, structure.map_or(0, |s| s.lead_nav_lines as usize)));
        let w = if p >= MODEL_STRONG {
            4
        } else if p >= MODEL_LIKELY {
            3
        } else {
            0
        };
        if w > 0 {
            add(w, format!("the word model reads a server error page (p = {p:.2})"));
        }
    }

    let score: i32 = signals.iter().map(|s| s.weight).sum();
    if !anchored || score < ERROR_PAGE_SCORE {
        return finish(signals, None);
    }
    // The kind, in this order (each decision is a zero-weight signal):
    // 1. a status line in the title, else the first one near the top, is the page's own word
    //    on it, so an error page that also names another code follows its heading; but a bot
    //    check near the top is a bot check whatever its heading says (retrying would fight it);
    // 2. a client, rate-limit or challenge line near the top outranks failure words (a proxy's
    //    "Access Denied" page reads "ERROR ... could not be retrieved" too; ASP.NET's 404 is
    //    headed "Server Error in '/' Application.");
    // 3. a page whose error line names no code, and whose text names only 4xx codes
    //    ("Whitelabel Error Page ... status=404"), is a client error page;
    // 4. else the strongest error line.
    let hits: Vec<&LineHit> = t_hit.iter().chain(l_hit.iter()).collect();
    let coded = |h: &LineHit| h.code.is_some() && h.strength == Strength::Shaped;
    let client = lead_hits
        .iter()
        .flatten()
        .cloned()
        .chain(std::iter::once_with(|| line_hit(title)).flatten())
        .find(|h| h.kind != Kind::Server && h.strength == Strength::Shaped);
    let challenge = client.as_ref().is_some_and(|h| h.kind == Kind::Challenge);
    let headed = t_hit.clone().filter(coded).or_else(|| lead_hits.iter().flatten().find(|h| coded(h)).cloned()).filter(|_| !challenge);
    let (kind, code) = match (headed, client, json) {
        (Some(h), _, _) => {
            signals.push(Signal { weight: 0, what: format!("kind from the heading's status line: {}", h.line) });
            (h.kind, h.code)
        }
        (None, Some(h), _) => {
            signals.push(Signal { weight: 0, what: format!("kind from a {} line near the top: {}", format!("{:?}", h.kind).to_ascii_lowercase(), h.line) });
            (h.kind, h.code.or_else(|| implied_code(&h.line)))
        }
        (None, None, Some(k)) if hits.is_empty() => (k, None),
        _ => {
            let best = hits.iter().max_by_key(|h| (h.strength, h.code.is_some())).copied();
            let codes = named_codes(text);
            let only_4xx = !codes.is_empty() && codes.iter().all(|c| kind_of_code(*c) == Some(Kind::Client));
            if best.map_or(true, |h| h.code.is_none() && h.kind == Kind::Server) && only_4xx {
                signals.push(Signal { weight: 0, what: format!("kind from the codes the page names, all 4xx: {codes:?}") });
                (Kind::Client, codes.first().copied())
            } else {
                let code = best.and_then(|h| h.code.or_else(|| implied_code(&h.line)));
                (best.map_or(Kind::Server, |h| h.kind), code)
            }
        }
    };
    finish(signals, Some(TextVerdict { kind, code, reasons: vec![] }))
}

fn has_5xx_token(s: &str) -> bool {
    s.split(|c: char| !c.is_ascii_digit()).any(|t| t.len() == 3 && t.starts_with('5'))
}

fn finish(signals: Vec<Signal>, verdict: Option<TextVerdict>) -> Analysis {
    let score = signals.iter().map(|s| s.weight).sum();
    let verdict = verdict.map(|mut v| {
        // Zero-weight signals are the ones that chose the kind.
        v.reasons = signals.iter().filter(|s| s.weight >= 0).map(|s| s.what.clone()).collect();
        v
    });
    Analysis { signals, score, verdict, refusal: None }
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
        ("cannot be found", 404),
        ("could not be found", 404),
        ("can't be found", 404),
        ("couldn't be found", 404),
        ("does not exist", 404),
        ("doesn't exist", 404),
        ("was not found", 404),
        ("permission to access", 403),
    ];
    if line.starts_with("cannot ") && client_sentence(line) {
        return Some(404);
    }
    IMPLIED.iter().find(|(p, _)| line.contains(p)).map(|(_, c)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(title: &str, text: &str) -> Option<Kind> {
        analyze(title, text, None).verdict.map(|v| v.kind)
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
        assert_eq!(line_hit("please verify you are a human").map(|h| h.kind), Some(Kind::Challenge));
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
    fn client_sentences() {
        for l in [
            "the page cannot be found",
            "the resource cannot be found.",
            "404: this page could not be found.",
            "cannot post /account/login",
            "cannot delete /api/items/3",
            "you don't have permission to access /private/ on this server.",
            "the requested url was not found on this server.",
            "sorry, you have been blocked",
            "csrf verification failed. request aborted.",
            "access to this page has been denied.",
        ] {
            assert_eq!(line_hit(l).map(|h| h.kind), Some(Kind::Client), "{l}");
        }
        assert_eq!(line_hit("404: this page could not be found.").and_then(|h| h.code), Some(404));
        // Not a refusal: a method word without a path, and a missing thing deep in a sentence.
        assert_eq!(line_hit("cannot post comments while logged out").map(|h| h.kind), None);
        assert_eq!(line_hit("search results for \"cannot be found\"").map(|h| h.kind), None);
        assert_eq!(line_hit("we moved the shop last spring and some of the older product pages from the catalogue cannot be found").map(|h| h.kind), None);
    }

    #[test]
    fn named_status_codes() {
        assert_eq!(named_codes("there was an unexpected error (type=not found, status=404).\nno message available"), vec![404]);
        assert_eq!(named_codes("description: http 404. the resource you are looking for could have been removed"), vec![404]);
        assert_eq!(named_codes("error 403 forbidden\nhttp error 502 - bad gateway"), vec![403, 502]);
        assert_eq!(named_codes("502 items in stock, 404 pages, call 555 0100"), Vec::<u16>::new());
    }

    #[test]
    fn client_pages_read_without_status() {
        let whitelabel = |status: &str| {
            format!("Whitelabel Error Page\nThis application has no explicit mapping for /error, so you are seeing this as a fallback.\nMon Nov 30 10:21:44 UTC 2026\nThere was an unexpected error ({status}).\nNo message available")
        };
        assert_eq!(kind("", &whitelabel("type=Not Found, status=404")), Some(Kind::Client));
        assert_eq!(kind("", &whitelabel("type=Internal Server Error, status=500")), Some(Kind::Server));
        // ASP.NET's 404 is headed "Server Error in '/' Application."
        let aspnet = "Server Error in '/' Application.\nThe resource cannot be found.\nDescription: HTTP 404. The resource you are looking for (or one of its dependencies) could have been removed, had its name changed, or is temporarily unavailable.";
        assert_eq!(kind("The resource cannot be found.", aspnet), Some(Kind::Client));
        assert_eq!(kind("Error", "Cannot POST /account/login"), Some(Kind::Client));
        assert_eq!(kind("The page cannot be found", "The page cannot be found\nThe page you are looking for might have been removed, had its name changed, or is temporarily unavailable.\nPlease try the following:"), Some(Kind::Client));
    }

    #[test]
    fn the_heading_decides_between_codes() {
        // An error page that names a 4xx and a 5xx code follows its title.
        assert_eq!(
            kind("500 Internal Server Error", "500 Internal Server Error\nNot Found\nThe error page for 404 Not Found failed as well."),
            Some(Kind::Server)
        );
        assert_eq!(
            kind("404 Not Found", "404 Not Found\nInternal Server Error\nAdditionally, a 500 Internal Server Error was encountered."),
            Some(Kind::Client)
        );
        // The heading is not always the first line; the first status line near the top is.
        assert_eq!(
            kind("Error", "Example Shop\nHTTP Error 503 - Service Unavailable\nForbidden\nThe upstream refused the proxy. Please try again later."),
            Some(Kind::Server)
        );
    }

    #[test]
    fn a_bot_check_outranks_its_heading() {
        let page = "503 Service Temporarily Unavailable\nChecking your browser before accessing example.org.\nThis process is automatic.";
        assert_eq!(kind("503 Service Temporarily Unavailable", page), Some(Kind::Challenge));
    }

    #[test]
    fn stack_frames_of_common_runtimes() {
        let java = "request processing failed at org.a.web.servlet.frameworkservlet.doget(frameworkservlet.java:903) at jakarta.servlet.http.httpservlet.service(httpservlet.java:564) at org.a.b.c.run(c.java:1)";
        assert_eq!(stack_frames(java), 3);
        let dotnet = "system.invalidoperationexception: boom\nat microsoft.extensions.di.callsitefactory.create(type t)\nat microsoft.aspnetcore.hosting.genericwebhostservice.startasync(cancellationtoken c)";
        assert_eq!(stack_frames(dotnet), 2);
        let php = "#0 /var/www/a/connection.php(286): pdo->__construct('mysql:')\n#1 /var/www/public/index.php(40): app->run()\n#2 {main}";
        assert_eq!(stack_frames(php), 3);
        let python = "file \"/app/x.py\", line 12, in f\nfile \"/app/y.py\", line 3, in g";
        assert_eq!(stack_frames(python), 2);
        assert_eq!(stack_frames("we met at the station (platform 2) and at noon.the next day"), 0);
    }

    #[test]
    fn crash_pages_read_without_status() {
        // A framework's exception page inside a site layout: a weak heading, a PHP trace.
        let php = "an error occurred\nan error occurred during execution; please try again later.\nadditional information:\npdoexception\nmessage:\nsqlstate[hy000] [2002] connection refused\nstack trace:\n#0 /var/www/a/connection.php(286): pdo->__construct('mysql:')\n#1 /var/www/a/statement.php(217): connection->connect()\n#2 /var/www/public/index.php(40): app->run()\n#3 {main}";
        let st = Structure { navs: 1, code: 3, ..Default::default() };
        assert_eq!(analyze("Laminas MVC Skeleton", php, Some(&st)).verdict.map(|v| v.kind), Some(Kind::Server));
    }

    #[test]
    fn quoted_traces_do_not_count_on_documents() {
        let trace = "pdoexception: sqlstate[hy000] [2002] connection refused\nfile \"/a/connector.php\", line 119, in f\nfile \"/a/connection.php\", line 965, in g\nfile \"/a/connection.php\", line 986, in h";
        let quoted = |s: &Signal| s.what.contains("crash page") || s.what.contains("failing backend");
        let page = analyze("Error", trace, None);
        assert_eq!(page.signals.iter().filter(|s| quoted(s)).count(), 2, "{:?}", page.signals);
        assert_eq!(page.verdict.map(|v| v.kind), Some(Kind::Server));
        // Titles of threads, questions and site pages.
        for title in [
            "PDOException: connection refused · Issue #42 · owner/repo",
            "Getting 500 error when saving a post",
            "PDOException | My Blog",
            "Internal Server Error on login #1234",
            "Why does Laravel throw SQLSTATE[HY000]?",
            "Internal server error - Help - Forum",
        ] {
            let a = analyze(title, trace, None);
            assert!(!a.signals.iter().any(quoted), "{title}: {:?}", a.signals);
        }
        // A page with a document's structure: dates, article markup, links, prose.
        for st in [
            Structure { times: 1, ..Default::default() },
            Structure { articles: 1, ..Default::default() },
            Structure { links: 6, ..Default::default() },
            Structure { paragraphs: 10, ..Default::default() },
            Structure { headings: 6, ..Default::default() },
            Structure { code: 4, ..Default::default() },
        ] {
            let a = analyze("Error", trace, Some(&st));
            assert!(!a.signals.iter().any(quoted), "{st:?}: {:?}", a.signals);
        }
        let prose =
            format!("{trace}\n{}", "we saw this error after upgrading the framework and the database driver to the latest versions last week. ".repeat(3));
        assert!(!analyze("Error", &prose, None).signals.iter().any(quoted));
        // A trace under a refusal is no crash page.
        assert!(!analyze("403 Forbidden", trace, None).signals.iter().any(quoted));
    }

    #[test]
    fn a_failing_backend_counts_only_on_a_bare_or_crash_page() {
        // A short page that names a backend but is neither (a CDN's 403 that says it "can't
        // connect to the server ... or the request was blocked").
        let cdn = "403 error\nthe request could not be satisfied.\nwe can't connect to the server for this app or website at this time.";
        assert!(!analyze("ERROR: The request could not be satisfied", cdn, None).signals.iter().any(|s| s.what.contains("failing backend")));
        // A bare body that names one.
        let joomla = "Error displaying the error page: Application Instantiation Error: Could not connect to MySQL.";
        assert!(analyze("", joomla, None).signals.iter().any(|s| s.what.contains("failing backend")));
    }

    #[test]
    fn long_signature_lines_only_open_short_bare_pages() {
        let envoy = "upstream connect error or disconnect/reset before headers. retried and the latest reset reason: remote connection failure, transport failure reason: delayed connect error: 111";
        assert_eq!(kind("", envoy), Some(Kind::Server));
        // Not a title, not under a thread's title, not on a long page.
        assert_eq!(line_hit(envoy), None);
        assert_eq!(kind("Envoy returns 503 after upgrade", envoy), None);
        let long = format!("{envoy}\n{}", "the sidecar logs show the cluster was warming when the request came in. ".repeat(8));
        assert_eq!(kind("", &long), None);
    }

    #[test]
    fn bare_bodies_read_without_status() {
        // Nothing but failure lines and an incident reference, no title.
        let railway = "Application failed to respond\nThis error appears to be caused by the application.\nRequest ID: db4wLar4Q6ikJhnTPvyhXg";
        assert_eq!(kind("", railway), Some(Kind::Server));
        assert_eq!(kind("", "Error displaying the error page: Application Instantiation Error: Could not connect to MySQL."), Some(Kind::Server));
        // A signature phrase opening a long generated line.
        let envoy = "upstream connect error or disconnect/reset before headers. retried and the latest reset reason: remote connection failure, transport failure reason: delayed connect error: 111";
        assert_eq!(kind("", envoy), Some(Kind::Server));
        // A short 4xx sentence is not an outage, nor a page that has a title of its own.
        assert_eq!(kind("", "Sorry, we could not find that page."), None);
        // The rules alone read no outage in a bare body under a title of the site's own; the word
        // model knows Railway's words and does, on such a plain, short page.
        let railway_titled = "Application failed to respond\nThis error appears to be caused by the application.";
        assert_eq!(analyze_with("My Shop", railway_titled, None, None).verdict, None);
        let a = analyze("My Shop", railway_titled, None);
        assert!(a.signals.iter().any(|s| s.what.starts_with("the word model")), "{:?}", a.signals);
        assert_eq!(a.verdict.map(|v| v.kind), Some(Kind::Server));
    }

    #[test]
    fn json_error_bodies() {
        assert_eq!(json_error("{\"title\": \"500 internal server error\"}"), Some(Kind::Server));
        assert_eq!(json_error("{\"statuscode\":500,\"message\":\"internal server error\"}"), Some(Kind::Server));
        assert_eq!(json_error("{\"status\":\"error\",\"code\":502,\"message\":\"application failed to respond\"}"), Some(Kind::Server));
        // A document's title that mentions an error is not an error body; nor is a 5-digit code.
        assert_eq!(json_error("{\"title\": \"how to fix a 500 internal server error\", \"body\": \"...\"}"), None);
        assert_eq!(json_error("{\"code\": 50012, \"name\": \"widget\"}"), None);
        assert_eq!(json_error("{\"title\": \"release notes\", \"body\": \"rate limit raised\"}"), None);
    }

    #[test]
    fn json_bodies_with_a_4xx_status_are_refusals() {
        // Kubernetes' Status object: failure words, but the code says the request was refused.
        let k8s = "{\"kind\": \"status\", \"apiversion\": \"v1\", \"status\": \"failure\", \"message\": \"forbidden: user cannot list pods\", \"reason\": \"forbidden\", \"code\": 403}";
        assert_eq!(json_error(k8s), Some(Kind::Client));
        assert_eq!(kind("", k8s), Some(Kind::Client));
        assert_eq!(json_error("{\"timestamp\":\"2024-01-01\",\"status\":404,\"error\":\"not found\",\"path\":\"/a\"}"), Some(Kind::Client));
        assert_eq!(json_error("{\"status\":429,\"error\":\"slow down\"}"), Some(Kind::RateLimited));
        // A 5xx beside it still decides; a product's "code" without error keys is no status.
        assert_eq!(json_error("{\"status\":503,\"error\":\"unavailable\",\"upstream\":{\"code\":404}}"), Some(Kind::Server));
        assert_eq!(json_error("{\"code\": 403, \"name\": \"room 403\"}"), None);
    }

    #[test]
    fn json_error_types_of_refused_requests_are_client_bodies() {
        // Anthropic's 401: an error type naming authentication, no status field.
        let auth = "{\"type\":\"error\",\"error\":{\"type\":\"authentication error\",\"message\":\"invalid x-api-key\"}}";
        assert_eq!(json_error(auth), Some(Kind::Client));
        assert_eq!(kind("", auth), Some(Kind::Client));
        assert_eq!(json_error("{\"error\":{\"code\":\"invalid api key\",\"message\":\"incorrect api key provided\"}}"), Some(Kind::Client));
        // A server type beside it, or only in a message, leaves the body a server error.
        assert_eq!(json_error("{\"type\":\"error\",\"error\":{\"type\":\"overloaded error\",\"message\":\"overloaded\"}}"), Some(Kind::Server));
        assert_eq!(json_error("{\"type\":\"error\",\"error\":{\"type\":\"api error\",\"message\":\"internal server error\"}}"), Some(Kind::Server));
        assert_eq!(json_error("{\"error\":{\"message\":\"the server had an error; authentication service failed\"}}"), Some(Kind::Server));
        // A 5xx status decides whatever the type says.
        assert_eq!(json_error("{\"status\":503,\"error\":{\"type\":\"permission error\"}}"), Some(Kind::Server));
    }

    #[test]
    fn a_code_followed_by_error_is_named() {
        assert_eq!(named_codes("there has been a 404 error."), vec![404]);
        assert_eq!(named_codes("nginx 502 error :/"), vec![502]);
        // Not a code's word: "404 errors" in prose is still a code, "500 errorless" is not.
        assert_eq!(named_codes("room 500 erroneously booked"), Vec::<u16>::new());
        // Dokku's 404 page: failure words, but the only code it names is a 4xx.
        assert_eq!(kind("", "there has been a 404 error."), Some(Kind::Client));
    }

    #[test]
    fn a_rejected_request_is_a_refusal() {
        // F5 ASM's blocking page (sent with 200).
        let f5 = "the requested url was rejected. please consult with your administrator.\nyour support id is: 4045204596866416688\n[go back]";
        assert_eq!(kind("request rejected", f5), Some(Kind::Client));
        assert!(top_refusal("request rejected", f5).is_some());
        // Rails' 422.
        assert_eq!(
            kind(
                "the change you wanted was rejected (422)",
                "the change you wanted was rejected.\nmaybe you tried to change something you didn't have access to."
            ),
            Some(Kind::Client)
        );
        // A sentence in passing, far from the start of a long line, is no refusal.
        assert!(!client_sentence("last year the city council discussed the plan for a new bridge which was rejected"));
    }

    #[test]
    fn a_statement_that_something_met_a_server_error() {
        for l in ["trac detected an internal error:", "the server encountered an internal error or misconfiguration."] {
            assert_eq!(line_hit(l).map(|h| (h.kind, h.strength)), Some((Kind::Server, Strength::Shaped)), "{l}");
        }
        // Trac's plain-text crash page.
        let trac = "oops...\ntrac detected an internal error:\noperationalerror: database is locked\ntraceback (most recent call last):\n  file \"/usr/lib/python3/dist-packages/trac/web/main.py\", line 609, in dispatch_request\n    dispatcher.dispatch(req)\nsqlite3.operationalerror: database is locked";
        assert_eq!(kind("", trac), Some(Kind::Server));
        // Reports, questions and long subjects are not the page's own word.
        for l in [
            "users encountered a server error while uploading",
            "why have we encountered an internal server error?",
            "after the upgrade last night our whole team encountered an internal server error",
            "encountered an internal server error",
        ] {
            assert!(line_hit(l).is_none_or(|h| h.strength != Strength::Shaped), "{l}");
        }
    }

    #[test]
    fn an_error_label_over_a_short_failure_sentence() {
        let h = line_hit("error: database connection failed.").unwrap();
        assert_eq!((h.kind, h.strength), (Kind::Server, Strength::Shaped));
        // Moodle's page when its database is down.
        let moodle = "error: database connection failed.\nit is possible that the database is overloaded or otherwise not running properly.\nthe site administrator should also check that the database details have been correctly specified in config.php";
        assert_eq!(kind("", moodle), Some(Kind::Server));
        // Not a refused request, a thread's numbered title, a question, a bare label or a long line.
        assert!(line_hit("error: invalid token").is_none_or(|h| h.kind != Kind::Server));
        assert!(line_hit("error: database connection failed #512").is_none_or(|h| h.strength != Strength::Shaped));
        assert!(line_hit("error: why does my connection fail?").is_none_or(|h| h.strength != Strength::Shaped));
        assert!(line_hit("error: the value of the field").is_none());
        assert!(line_hit("error: failed to resolve the dependency tree of the workspace package").is_none_or(|h| h.strength != Strength::Shaped));
        // A thread quoting it stays a document.
        let thread = "error: database connection failed #512\nopened this issue on 3 mar 2024 · 4 comments\nafter upgrading to 2.3 the installer stops with the message below. the database is running and i can connect to it with the mysql client from the same host, so the credentials are right.\nerror: database connection failed.\nany idea what changed between 2.2 and 2.3? i am on debian 12 with mariadb 10.11.";
        assert_eq!(kind("error: database connection failed · issue #512 · example/app · github", thread), None);
    }

    #[test]
    fn a_site_name_and_error_is_an_error_title() {
        assert!(site_error_title("wikimedia error"));
        assert!(site_error_title("droidwiki error"));
        assert!(!site_error_title("500 error"));
        assert!(!site_error_title("error"));
        assert!(!site_error_title("wiki error handling"));
        assert!(!site_error_title("how to fix wikimedia error"));
        // Wikimedia's edge page: the "wiki" in the name no longer reads as a document.
        let wm = "error\nour servers are currently under maintenance or experiencing a technical problem. please try again in a few minutes.\nsee the error message at the bottom of this page for more information.";
        assert_eq!(kind("wikimedia error", wm), Some(Kind::Server));
        // A wiki's article about errors stays a document.
        assert_eq!(
            kind("error - wikipedia", "error\nan error is an action which is inaccurate or incorrect. in some usages, an error is synonymous with a mistake."),
            None
        );
    }

    #[test]
    fn maintenance_pages_in_other_languages() {
        assert_eq!(
            kind("wartungsarbeiten", "wir sind gleich zurück\nwir führen gerade wartungsarbeiten durch. bitte versuche es später erneut."),
            Some(Kind::Server)
        );
        assert_eq!(
            kind(
                "serverwartung",
                "wartung\nsehr geehrte besucher,\ndie seite befindet sich im moment im wartungsmodus.\nsie wird in kürze wieder erreichbar sein."
            ),
            Some(Kind::Server)
        );
        assert_eq!(
            kind("sitio en mantenimiento", "volvemos pronto\nestamos realizando tareas de mantenimiento. por favor, inténtalo de nuevo en unos minutos."),
            Some(Kind::Server)
        );
        assert_eq!(
            kind("mantenimiento", "🚧 estamos en mantenimiento 🚧\ndisculpa las molestias, estamos realizando mejoras importantes. volveremos muy pronto."),
            Some(Kind::Server)
        );
        // The first sentence of a line counts only for maintenance, and only when short.
        assert!(failure_words_lead("estamos realizando tareas de mantenimiento. por favor, inténtalo de nuevo en unos minutos."));
        assert!(!failure_words_lead(
            "el equipo de mantenimiento del ayuntamiento ha publicado hoy el calendario de obras de las calles del centro. más información abajo."
        ));
        // Not on pages about maintenance: a manual's page, an article in German, a word in passing.
        assert_eq!(kind("wartungsmodus – typo3 dokumentation", "wartungsmodus\nim wartungsmodus ist die seite für besucher nicht erreichbar. so aktivieren sie ihn: öffnen sie die einstellungen und setzen sie den schalter."), None);
        assert_eq!(kind("", "die wartung der heizung im herbst spart geld\nvon anna muster, 12. oktober\nwer seine heizung vor dem winter warten lässt, spart bares geld, sagen experten. eine wartung kostet zwischen 100 und 200 euro und dauert etwa eine stunde; dabei prüft der techniker brenner, pumpe und abgaswerte und reinigt den kessel gründlich von rückständen."), None);
        assert_eq!(kind("mantenimiento de jardines", "servicios\npoda, riego y mantenimiento de jardines en madrid.\npide presupuesto sin compromiso."), None);
    }

    #[test]
    fn document_cues_are_words_not_parts_of_names() {
        assert!(!document_title("acmewiki error"));
        assert!(!document_title("prefix server error"));
        assert!(document_title("example wiki"));
        assert!(document_title("wikipedia: http 500"));
        assert!(document_title("how to fix a 502"));
        // A wiki's own error page, named after the wiki.
        let text = "Acmewiki Error\nOur servers are currently experiencing a technical problem. This is probably temporary and should be fixed soon. Please try again in a few minutes.";
        assert_eq!(kind("Acmewiki Error", text), Some(Kind::Server));
    }

    #[test]
    fn server_sentences_with_plural_subjects_headlines_and_following_sentences() {
        for l in [
            "our servers are currently experiencing a technical problem. this is probably temporary and should be fixed soon. please try again in a few minutes.",
            "our systems are temporarily down for maintenance",
            "website temporarily unavailable",
            "webservice currently unavailable error 502",
        ] {
            assert_eq!(line_hit(l).map(|h| h.kind), Some(Kind::Server), "{l}");
        }
        for l in [
            // A headline that goes on; no adverb; a product; the outage sentence not first.
            "website temporarily unavailable after cyberattack on the council",
            "when the server is down, requests fail",
            "tickets temporarily unavailable",
            "residents can still pay their bills by phone on friday, the council said. our website is temporarily unavailable.",
            "our servers are fast and our prices are low",
        ] {
            assert_eq!(line_hit(l).map(|h| h.kind), None, "{l}");
        }
        // A title that is nothing but the headline, on a page that shows only an image.
        assert_eq!(kind("Website Temporarily Unavailable", ""), Some(Kind::Server));
    }

    #[test]
    fn a_coded_title_in_any_language_over_a_bare_code_heading() {
        let ru = "503\nСервис недоступен\nСервер перегружен или находится на обслуживании. Попробуйте позже.";
        assert_eq!(kind("503 Сервис недоступен", ru), Some(Kind::Server));
        assert_eq!(kind("404 Ресурс не найден", "404\nРесурс не найден\nПроверьте адрес."), Some(Kind::Client));
        // Without the bare code as a heading the title is a weak error line, and only when its
        // words are failure words; the page is then found by what it says.
        let no_heading = "Сервис недоступен\nСервер перегружен или находится на обслуживании. Попробуйте позже.";
        assert_eq!(coded_title("503 сервис недоступен", &["сервис недоступен"]).map(|h| h.strength), Some(Strength::Weak));
        assert_eq!(kind("503 Сервис недоступен", no_heading), Some(Kind::Server));
        assert!(coded_title("503 новости дня", &["новости"]).is_none());
        // Under a site-suffixed or document title, the title is no error line.
        assert_eq!(title_hit("503 сервис недоступен — что это значит").map(|h| h.kind), None);
        assert!(coded_title("503 сервис недоступен | справка", &["503"]).is_none());
        assert!(coded_title("503 что делать если сайт выдаёт эту ошибку каждый день", &["503"]).is_none());
        assert!(coded_title("503 сервис недоступен", &["503"]).is_some());
    }

    #[test]
    fn a_coded_title_of_failure_words_without_the_code_heading_is_weak() {
        let page = "Page Could Not Be Loaded\nThe web page you were looking for could not be delivered.";
        assert_eq!(kind("504 Target not responding.", page), Some(Kind::Server));
        let t = coded_title("504 target not responding.", &["page could not be loaded"]).expect("a coded title");
        assert_eq!((t.code, t.strength), (Some(504), Strength::Weak));
        // Not words of no failure, nor a 4xx code, nor a document's title.
        assert!(coded_title("500 days of summer", &[]).is_none());
        assert!(coded_title("404 page not here", &[]).is_none());
        assert_eq!(kind("504 Target not responding - how to fix it", page), None);
        // Not enough on a long page of prose under it.
        let article = format!(
            "{page}\n{}",
            "A long paragraph of explanation about gateways and upstream servers and what they do when one of them is slow to answer. ".repeat(20)
        );
        assert_eq!(kind("504 Target not responding.", &article), None);
    }

    #[test]
    fn a_site_that_says_it_met_an_error() {
        for l in [
            "fafsa on the web has encountered an error. this could be due to normal maintenance.",
            "the application encountered an error",
            "an error occurred while trying to load this page.",
            "ups! an error has occurred!",
            "an error occurred while executing this script!",
        ] {
            assert_eq!(line_hit(l).map(|h| h.kind), Some(Kind::Server), "{l}");
        }
        for l in [
            // A person, a question, a thread's title, a headline that goes on.
            "i encountered an error when installing the package",
            "users encountered an error",
            "has anyone encountered an error with this?",
            "an error occurred while installing rails #1234",
            "an error occurred while processing your request: how to fix it in iis · github",
            "an error occurred",
            "how to fix: the server encountered an error",
            "an error occurred while downloading the data from the remote host after many tries and restarts",
        ] {
            assert_ne!(line_hit(l).map(|h| (h.kind, h.strength)), Some((Kind::Server, Strength::Shaped)), "{l}");
        }
        assert_eq!(kind("", "An error occurred while trying to load this page."), Some(Kind::Server));
    }

    #[test]
    fn a_name_a_5xx_code_and_error() {
        let h = line_hit("nginx 502 error :/").expect("a status line");
        assert_eq!((h.kind, h.code, h.strength), (Kind::Server, Some(502), Strength::Shaped));
        for l in ["nginx 404 error", "the 502 error", "nginx 502 error fix", "how to 502 error", "a 500 error"] {
            assert_ne!(line_hit(l).map(|h| (h.kind, h.strength)), Some((Kind::Server, Strength::Shaped)), "{l}");
        }
    }

    #[test]
    fn the_site_temporarily_unavailable_in_other_languages() {
        for l in [
            "сайт временно не доступен.",
            "strona jest chwilowo niedostępna",
            "die webseite ist vorübergehend nicht erreichbar.",
            "el sitio no está disponible temporalmente",
            "le site est temporairement indisponible. merci de revenir plus tard.",
            "il sito è temporaneamente non disponibile",
            "o site está temporariamente indisponível",
            "de website is tijdelijk niet beschikbaar",
        ] {
            assert_eq!(line_hit(l).map(|h| h.kind), Some(Kind::Server), "{l}");
        }
        for l in [
            // A question, a headline over a subtitle, a product, a long sentence.
            "warum ist die seite vorübergehend nicht erreichbar?",
            "strona chwilowo niedostępna - co robić",
            "dieser artikel ist vorübergehend nicht verfügbar",
            "le site est temporairement indisponible lorsque le serveur redémarre après une mise à jour de sécurité du système",
        ] {
            assert_eq!(line_hit(l), None, "{l}");
        }
    }

    #[test]
    fn a_plain_page_headed_by_failure_words() {
        let page = "Przerwa w działaniu serwisu\nZe względu na prace serwisowe strona jest niedostępna.";
        let a = analyze("", page, None);
        assert!(a.signals.iter().any(|s| s.what == "a plain page headed by failure words"), "{:?}", a.signals);
        // Not on a page of prose.
        let long = format!("{page}\n{}", "Długi akapit o tym, jak działa serwis i dlaczego czasem trzeba go wyłączyć na kilka godzin w nocy. ".repeat(8));
        assert!(!analyze("", &long, None).signals.iter().any(|s| s.what == "a plain page headed by failure words"));
    }

    fn html_kind(html: &str) -> Option<Kind> {
        let p = crate::detect::html::html_to_text(html);
        analyze(&p.title, &p.text, p.structure.as_ref()).verdict.map(|v| v.kind)
    }

    #[test]
    fn a_maintenance_box_in_one_article_is_not_a_post() {
        let boxed = "<title>Site en maintenance</title><article><h1>Site en maintenance!</h1>\
            <p>Veuillez nous excuser car notre site est en maintenance. Nous revenons bientôt.</p></article>";
        assert_eq!(html_kind(boxed), Some(Kind::Server));
        // An article with a date, or among links, is a post whatever its headline.
        let post = "<title>Site en maintenance</title><article><h1>Site en maintenance!</h1><time>12 mars</time>\
            <p>Veuillez nous excuser car notre site est en maintenance. Nous revenons bientôt.</p></article>";
        assert_eq!(html_kind(post), None);
    }

    #[test]
    fn maintenance_and_errors_in_more_languages() {
        for (title, text) in [
            (
                "Situs Sedang dalam Pemeliharaan",
                "Situs Sedang dalam Pemeliharaan\nKami sedang melakukan pemeliharaan rutin. Mohon maaf atas ketidaknyamanan ini.\nSilakan kembali lagi nanti.",
            ),
            ("Bảo trì hệ thống", "Website đang bảo trì\nChúng tôi đang nâng cấp hệ thống để phục vụ bạn tốt hơn.\nVui lòng quay lại sau vài phút."),
            ("خطأ في الخادم", "عذراً، لقد حدث خطأ في الخادم\nيرجى المحاولة مرة أخرى لاحقاً"),
            ("Сайт на техническом обслуживании", "Идёт техническое обслуживание\nПриложение временно недоступно.\nПопробуйте зайти позже."),
        ] {
            assert_eq!(kind(title, text), Some(Kind::Server), "{title}");
        }
    }

    #[test]
    fn a_block_list_page_sent_with_5xx_is_a_refusal() {
        let text = "503:\nDienst Niet Beschikbaar.\nService Unavailable.\nIt seems your IP-address is on a blacklist we use.\nCheck if your computer is free of malware.";
        let a = analyze("Website not available", text, None);
        assert!(matches!(&a.refusal, Some((Kind::Client, l)) if l.contains("blacklist")), "{:?}", a.refusal);
        assert_eq!(a.verdict.map(|v| v.kind), Some(Kind::Client));
        assert!(!listed_address("how do i get my ip address off a blacklist?"));
        assert!(!listed_address("the server at this ip address is down"));
        // An outage page says nothing of the kind.
        assert_eq!(analyze("502 Bad Gateway", "502 Bad Gateway\nnginx", None).refusal, None);
    }

    #[test]
    fn a_site_between_two_versions_of_itself() {
        assert_eq!(line_hit("the website is restarting").map(|h| h.kind), Some(Kind::Server));
        assert_eq!(line_hit("this item is being updated"), None);
    }

    #[test]
    fn a_component_not_running_is_a_failing_backend() {
        assert_eq!(kind("", "Function host is not running."), Some(Kind::Server));
        // Not on a titled page that is not an error page, nor in a longer sentence.
        assert_eq!(kind("Cron jobs", "The backup job is not running."), None);
        assert_eq!(kind("", "The scheduler is not running jobs on weekends, see the settings page."), None);
    }

    #[test]
    fn a_menu_above_the_content_is_not_the_first_lines() {
        let text =
            "Home\nEvents\nGallery\nAbout Us\nSponsors\nContact Us\nInternal Server Error\n500\nOops, something broke when loading the page you requested!";
        let st = Structure { navs: 2, links: 7, headings: 3, lead_nav_lines: 6, ..Default::default() };
        let a = analyze("Error 500", text, Some(&st));
        assert_eq!(a.verdict.map(|v| v.kind), Some(Kind::Server));
        // Without the menu counted, the same page is not read as one (its lead is all menu).
        let st0 = Structure { lead_nav_lines: 0, ..st };
        assert_eq!(analyze("Error 500", text, Some(&st0)).verdict, None);
        // A reference page under its menu is still a document.
        let doc = format!(
            "References\nHTTP\nStatus\n502 Bad Gateway\n{}",
            "The HTTP 502 Bad Gateway server error response status code indicates that a server was acting as a gateway or proxy and that it received an invalid response from the upstream server. ".repeat(4)
        );
        let st = Structure { navs: 2, links: 14, headings: 5, articles: 1, paragraphs: 6, lead_nav_lines: 3, ..Default::default() };
        assert_eq!(analyze("502 Bad Gateway - HTTP | MDN", &doc, Some(&st)).verdict, None);
    }

    #[test]
    fn a_maintenance_page_promising_the_site_back_soon() {
        for (title, text) in [
            ("We'll be right back", "We'll be right back.\nWe're busy updating our site to give you the best experience, and will be back soon."),
            ("Mantenimiento", "¡Regresamos pronto!\nEl sitio web se encuentra en mantenimiento. Disculpe los inconvenientes."),
            ("Site em Manutenção", "Estamos de Volta em Breve!\nNosso site está passando por uma pequena manutenção para melhorias."),
            (
                "Manutenzione pianificata",
                "Nel sito web è in corso la manutenzione pianificata.\nCi scusiamo per l'inconveniente. Torna tra poco e saremo pronti!",
            ),
            ("الخدمة متوقفة حاليًا", "نأسف لأزعاجكم، الموقع حاليًا متوقف لأغراض الصيانة\nسيتم استئناف الخدمة قريبًا"),
        ] {
            assert_eq!(kind(title, text), Some(Kind::Server), "{title}");
        }
        // Headlines and questions that say it are not the page's own word.
        for (title, text) in [
            ("Will the site be right back?", "Will the site be right back? Our guide to planned outages, with a checklist for your team and a template for the status page you show while you work on the servers."),
            ("Podcast: we'll be right back after these messages", "In this episode we talk about ad breaks in radio, why hosts say it, and how the phrase became a meme among streamers and their audiences."),
        ] {
            assert_eq!(kind(title, text), None, "{title}");
        }
    }

    #[test]
    fn case_folding_beyond_ascii() {
        assert_eq!(normalize("ОДИН Момент… ÉRREUR"), "один момент... érreur");
        assert_eq!(
            normalize("LỖI MÁY CHỦ · BŁĄD SERWERA · SUNUCU HATASI İÇ · ŽÁDOST · ΣΦΑΛΜΑ · ҐРАТКА"),
            "lỗi máy chủ · błąd serwera · sunucu hatasi iç · žádost · σφαλμα · ґратка"
        );
        // Other scripts and signs pass unchanged.
        assert_eq!(normalize("×÷ 错误 ẞ"), "×÷ 错误 ẞ");
        // Cloudflare's challenge title in Russian, however it is cased.
        assert_eq!(kind("Один момент…", "shop.example.ru\nRay ID: 8e4c2a91f03b7d16"), Some(Kind::Challenge));
        assert_eq!(kind("Один момент: как выбрать чайник", "Статья о чайниках"), None);
    }

    #[test]
    fn server_sentences() {
        for l in [
            "our website is temporarily unavailable.",
            "sorry! this site is experiencing technical difficulties.",
            "the service is currently unavailable, please try again later",
            "example shop is down for maintenance",
        ] {
            assert_eq!(line_hit(l).map(|h| h.kind), Some(Kind::Server), "{l}");
        }
        for l in [
            // A product, not the site; a long subject; a quoted sentence; a headline.
            "this item is currently unavailable",
            "the old payment page on the north american version of our website is temporarily unavailable",
            "search results for \"website is temporarily unavailable\"",
            "what to do when a website is temporarily unavailable: a guide for shop owners, with examples and advice",
        ] {
            assert_eq!(line_hit(l).map(|h| h.kind), None, "{l}");
        }
        // A maintenance notice under the site's own title.
        assert_eq!(kind("Mountain Notes", "Maintenance Mode\nOur website is temporarily unavailable.\nSorry for inconvenience."), Some(Kind::Server));
        // A news item that says so in passing, on a page with a document's structure.
        let news = format!(
            "Council news\nThe council's website is temporarily unavailable\n{}",
            "Residents can still pay their bills by phone while the new system is installed over the weekend, the council said on Friday. ".repeat(6)
        );
        let st = Structure { links: 30, navs: 1, paragraphs: 8, times: 1, ..Default::default() };
        assert_eq!(analyze("Council website down this weekend | Town Gazette", &news, Some(&st)).verdict, None);
    }

    #[test]
    fn crash_lines_and_debug_headlines() {
        for l in [
            "[c1f0a8e2b4d9] 2026-11-30 18:04:51: fatal exception of type \"error\"",
            "an unhandled exception occurred while processing the request.",
            "nomethoderror at /orders/42",
            "operationalerror at /admin/",
        ] {
            assert_eq!(line_hit(l).map(|h| h.kind), Some(Kind::Server), "{l}");
        }
        for l in [
            "how to fix an unhandled exception in .net",
            "unhandled exception when opening a file · issue #123 · owner/repo",
            "why do i get a fatal exception of type error?",
            "nomethoderror at /orders/42 when saving",
            "we met at /home",
            "error at /x",
            "nomethoderror at //cdn.example.com",
        ] {
            assert_eq!(line_hit(l).map(|h| h.kind), None, "{l}");
        }
        // A thread that quotes the headline: long, linked, dated.
        let thread = format!(
            "NoMethodError at /orders/42\nasked 3 years ago\n{}",
            "I keep getting this error after upgrading Sinatra and I do not understand where the nil order comes from in my route. ".repeat(8)
        );
        let st = Structure { links: 40, navs: 1, times: 3, ..Default::default() };
        assert_eq!(analyze("ruby - NoMethodError at /orders/42 - Stack Overflow", &thread, Some(&st)).verdict, None);
    }

    #[test]
    fn status_lines_in_other_languages_and_bar_suffixed_titles() {
        // "Error" in other languages opens a status line, whose code decides the kind.
        let h = line_hit(&normalize("Fehler 403")).map(|h| (h.kind, h.code, h.strength));
        assert_eq!(h, Some((Kind::Client, Some(403), Strength::Shaped)));
        let h = line_hit(&normalize("Erreur 500")).map(|h| (h.kind, h.code));
        assert_eq!(h, Some((Kind::Server, Some(500))));
        assert_eq!(line_hit(&normalize("Ошибка 502")).map(|h| h.code), Some(Some(502)));
        assert!(line_hit(&normalize("Fehlerbehebung 500 Tipps")).is_none());
        // An error line under a bar-separated suffix is a weak title, as under a dash: a
        // reference page is titled "Service unavailable | Problems Registry" too.
        let h = title_hit(&normalize("Service unavailable | Problems Registry")).map(|h| h.strength);
        assert_eq!(h, Some(Strength::Weak));
        assert_eq!(title_hit(&normalize("503 Service Unavailable")).map(|h| h.strength), Some(Strength::Shaped));
        let doc = "Problems Registry\nProblems\nAbout\nService unavailable\nThis problem occurs when the service requested is currently unavailable.\nExamples of a service-unavailable problem details:";
        let st = Structure { links: 4, navs: 1, articles: 1, paragraphs: 8, headings: 1, ..Default::default() };
        assert_eq!(analyze("Service unavailable | Problems Registry", doc, Some(&st)).verdict, None);
    }

    #[test]
    fn chinese_and_japanese_lines_count_their_characters_as_words() {
        assert_eq!(words_of("service unavailable"), 2);
        assert_eq!(words_of("サービスが一時的に利用できません"), 6);
        // A question of forty characters is not a short title of failure words, and a FAQ is a
        // document.
        let faq = normalize("「510 Not Extended」というエラーが表示されてホームページが見られません。 - よくある質問 | レンタルサーバー");
        assert!(words_of(&faq) > 8, "{}", words_of(&faq));
        assert!(!error_words_line(&faq, 8));
        assert!(document_title(&faq));
        assert!(document_title("faq: 502 bad gateway"));
    }

    #[test]
    fn site_suffixed_titles_are_weak() {
        let h = title_hit(&normalize("Internal Server Error - Gitea: Git with a cup of tea")).map(|h| (h.kind, h.strength));
        assert_eq!(h, Some((Kind::Server, Strength::Weak)));
        // A document's title runs on, or says it is one.
        for t in ["502 Bad Gateway - HTTP | MDN", "502 Bad Gateway - Example Search", "503 Service Unavailable - Docs - Example", "Welcome - Example Shop"] {
            assert_eq!(title_hit(&normalize(t)), None, "{t}");
        }
        // Gitea's page: the error under a site-suffixed title, a failing backend named.
        let gitea = "Explore Help\nAn error occurred:\nGetUserByName: dial tcp 10.0.3.4:5432: connect: connection refused\nApplication Version: 1.21.4";
        let st = Structure { links: 4, navs: 1, paragraphs: 3, ..Default::default() };
        assert_eq!(analyze("Internal Server Error - Gitea: Git with a cup of tea", gitea, Some(&st)).verdict.map(|v| v.kind), Some(Kind::Server));
        // Not without the backend, nor on a page with a document's structure.
        // The rules alone need the backend; the word model reads the quiet page as the error
        // page it is (a plain page, its title and first line agreeing).
        let quiet = "Explore Help\nAn error occurred:\nApplication Version: 1.21.4";
        assert_eq!(analyze_with("Internal Server Error - Gitea: Git with a cup of tea", quiet, Some(&st), None).verdict, None);
        assert_eq!(analyze("Internal Server Error - Gitea: Git with a cup of tea", quiet, Some(&st)).verdict.map(|v| v.kind), Some(Kind::Server));
        let doc = Structure { links: 4, navs: 1, paragraphs: 3, times: 1, ..Default::default() };
        assert_eq!(analyze("Internal Server Error - Gitea: Git with a cup of tea", gitea, Some(&doc)).verdict, None);
    }

    #[test]
    fn bare_crash_reports() {
        let puma = "Puma caught this error: could not obtain a connection from the pool within 5.000 seconds (waited 5.001 seconds); all pooled connections were in use (ActiveRecord::ConnectionTimeoutError)\n/gems/activerecord-7.1.3/lib/active_record/connection_pool/queue.rb:128:in `block in wait_poll'\n/gems/activerecord-7.1.3/lib/active_record/connection_pool/queue.rb:117:in `loop'\n/gems/puma-6.4.2/lib/puma/request.rb:98:in `handle_request'";
        let a = analyze("", puma, None);
        assert!(a.signals.iter().any(|s| s.what.contains("nothing but an error line and its stack trace")), "{:?}", a.signals);
        assert_eq!(a.verdict.map(|v| v.kind), Some(Kind::Server));
        // Not under a title of its own, not with prose between the frames, not a log whose
        // first line is no error.
        let titled = analyze("Build log", puma, None);
        assert!(!titled.signals.iter().any(|s| s.what.contains("nothing but")) && titled.verdict.is_none(), "{:?}", titled.signals);
        let prose = puma.replacen('\n', "\nThis happens every morning when the nightly job runs and the pool is small.\n", 1);
        assert!(!analyze("", &prose, None).signals.iter().any(|s| s.what.contains("nothing but")));
        let log = puma.replacen("Puma caught this error: ", "2026-11-30 request served in 5.001 seconds; ", 1);
        assert_eq!(analyze("", &log, None).verdict, None);
    }

    #[test]
    fn a_backend_line_is_a_failure_line() {
        assert_eq!(kind("", "connection refused"), Some(Kind::Server));
        // Not in a sentence that says more, nor beside a refusal.
        assert_eq!(kind("", "We could not find the page you asked for, and the connection refused to wait for it any longer."), None);
        assert_eq!(kind("", "connection refused\nyou do not have permission to access this server"), None);
    }

    #[test]
    fn refusals_at_the_top() {
        let refusal = |title: &str, text: &str| analyze(title, text, None).refusal.map(|r| r.0);
        assert_eq!(
            refusal("Your access to this site has been limited by the site owner", "If you think you have been blocked in error, contact the owner."),
            Some(Kind::Client)
        );
        assert_eq!(refusal("", "Access Denied\nYou don't have permission to access this page."), Some(Kind::Client));
        assert_eq!(refusal("Attention Required! | Cloudflare", "Sorry, you have been blocked"), Some(Kind::Challenge));
        // An outage page whose own line comes first, a missing page, a page with no error line.
        assert_eq!(refusal("503 Service Unavailable", "Access denied\nThe backend refused the connection."), None);
        assert_eq!(
            refusal("ERROR: The requested URL could not be retrieved", "Connection to 192.0.2.1 failed.\nThe system returned: (13) Permission denied"),
            None
        );
        assert_eq!(refusal("404 Not Found", "The page was not found."), None);
        assert_eq!(refusal("Firewall rules explained", "How a web application firewall decides what to block."), None);
        // "your access" only as the sentence's subject.
        assert_eq!(line_hit("your access to this site has been limited by the site owner").map(|h| h.kind), Some(Kind::Client));
        assert_eq!(line_hit("we changed how your access token is blocked after a password reset in the new release").map(|h| h.kind), None);
    }

    #[test]
    fn manual_pages_and_questions_read_as_documents() {
        // A manual's page for a status code: its headline and the RFC's text, little else.
        let rfc = "Manuals > Browser codes\n503 Service Unavailable\nThe server is currently unable to handle the request due to a\ntemporary overloading or maintenance of the server. The implication\nis that this is a temporary condition which will be alleviated after\nsome delay.\n< 502 | 504 >";
        let a = analyze("503 Service Unavailable - Browser codes - HQ42 manuals", rfc, None);
        assert!(a.signals.iter().any(|s| s.what.starts_with("title reads like a document")), "{:?}", a.signals);
        assert!(a.verdict.is_none(), "{:?}", a.signals);
        // A question in a title is no failure line, wherever its question mark is.
        assert!(!error_words_line("what causes a 504 error? | ewebdiscussion", 8));
        assert!(error_words_line("could not connect", 8));
    }

    #[test]
    fn articles_are_not_error_pages() {
        let long = "A 502 Bad Gateway error means one server got a bad answer from another. ".repeat(60);
        assert_eq!(kind("502 Bad Gateway", &format!("502 Bad Gateway\n{long}")), None);
        assert_eq!(kind("Blog", "Blog\nHome\nAbout\nContact\n502 Bad Gateway"), None);
        let long404 = "When a page cannot be found the server answers 404 Not Found, and a friendly page helps readers move on. ".repeat(40);
        assert_eq!(kind("The page cannot be found: what a 404 means", &format!("The page cannot be found\n{long404}")), None);
        assert_eq!(kind("Fix it | Blog", "Something went wrong with my taxes, and what I learned from it over the years of filing them late: a long personal essay about paperwork, deadlines, forms, and the patience of accountants everywhere in the world"), None);
    }

    #[test]
    fn a_server_error_that_occurred_is_an_error_line() {
        for l in ["an internal error has occurred.", "a database error occurred", "an internal server error occurred.", "internal error occurred"] {
            assert_eq!(line_hit(l).map(|h| (h.kind, h.strength)), Some((Kind::Server, Strength::Shaped)), "{l}");
        }
        // Any error, a sentence that goes on, a question, a headline about it: no error line.
        for l in [
            "an error occurred",
            "an unexpected error occurred",
            "a database error occurred while saving your draft",
            "why an internal server error occurred on my site",
            "an internal error occurred in production last night",
        ] {
            assert!(line_hit(l).is_none_or(|h| h.strength != Strength::Shaped), "{l}");
        }
        // CakePHP's production page (untitled), Yii's in its layout.
        assert_eq!(kind("", "An Internal Error Has Occurred.\nError:\nAn Internal Error Has Occurred.\nBack"), Some(Kind::Server));
        // An article headed by the sentence stays an article.
        let long = "When the database refuses a connection, the framework logs it and shows a generic page; here is how we traced ours. ".repeat(30);
        assert_eq!(kind("A database error occurred: how we fixed it", &format!("A database error occurred\n{long}")), None);
    }

    #[test]
    fn site_down_sentences_portal_readiness_and_maintenance_reason() {
        // "portal" names a site; a product or a feature is not one.
        assert!(server_sentence("benefits portal is temporarily unavailable. please try again later or visit http://www.in.gov/fssa"));
        assert!(!server_sentence("this product is temporarily unavailable"));
        assert!(!server_sentence("the patient portal lets you see your results online"));
        // A server that says it is not ready yet; a feature that is not ready yet says nothing.
        assert!(server_sentence("kibana server is not ready yet"));
        assert!(!server_sentence("the new dashboard is not ready yet"));
        // A verbless headline may give maintenance as its reason, and only that.
        assert!(server_sentence("website temporarily unavailable due to maintenance."));
        assert!(server_sentence("site temporarily unavailable for scheduled maintenance"));
        assert!(!server_sentence("website temporarily unavailable due to heavy snow in the valley"));
        assert!(!server_sentence("parts temporarily unavailable due to maintenance"));
        assert!(!maintenance_reason("due to maintenance of the garden paths"));
        // A headline over its subtitle is an article's.
        assert!(!server_sentence("kibana server is not ready yet: the finest solution guide"));
        assert!(!server_sentence("our website is under maintenance - what to tell customers"));
    }

    #[test]
    fn japanese_maintenance_is_the_sites_state_not_the_word() {
        let page = "ただいまメンテナンス中です\nご迷惑をおかけいたしますが、ご協力をお願いいたします。\nサービスの復旧は、 13:00 頃を予定しております。";
        assert_eq!(kind("ただいまメンテナンス中です", page), Some(Kind::Server));
        // "How to maintain a car" is a page about maintenance.
        assert!(!error_words_line("車のメンテナンス方法", 8));
        assert_eq!(kind("車のメンテナンス方法", "車のメンテナンス方法\nオイル交換の目安と手順を説明します。"), None);
    }

    #[test]
    fn a_page_titled_captcha_is_a_bot_check() {
        let page = "village.example.us\nis protected by Imunify360\nWe have noticed an unusual activity from your IP 203.0.113.24 and blocked access to this website.\nPlease confirm that you are not a robot";
        assert_eq!(kind("Captcha", page), Some(Kind::Challenge));
        // A page about captchas is not one.
        assert_eq!(kind("What is a CAPTCHA? | Blog", "What is a CAPTCHA?\nA CAPTCHA is a test that tells people from programs."), None);
        assert!(title_hit("captcha solving api - docs").is_none_or(|h| h.kind != Kind::Challenge));
    }

    #[test]
    fn a_status_line_under_a_short_header_opens_the_content() {
        let opens = |title: &str, text: &str| analyze(title, text, None).signals.iter().any(|s| s.what.starts_with("a status line opens the content"));
        let zulip = "Log in\n500: Internal server error.\nWell oops. This one's our fault, probably. We'll keep trying until it goes through.";
        assert!(opens("Humbug", zulip));
        assert_eq!(kind("Humbug", zulip), Some(Kind::Server));
        // Not when a sentence precedes it, nor on a page that is not plain (prose), nor for a 4xx.
        assert!(!opens("Humbug", "Welcome back to the team chat, friends\n500: Internal server error.\nWell oops."));
        let long = "A 500 status means the server failed while handling a request it understood; here is how to read the logs. ".repeat(30);
        assert!(!opens("Status codes", &format!("Home\nBlog\n500 Internal Server Error\n{long}")));
        assert!(!opens("Humbug", "Log in\n404: Not found.\nThat page is not here."));
    }
}
