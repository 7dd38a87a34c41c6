//! HTML to title + visible text, for the detector.
//!
//! A small forgiving scanner, not a parser: it keeps the first `<title>`, the text of the
//! document with script/style/noscript/template/head content and `hidden` or
//! `display:none` elements dropped, entities decoded, whitespace collapsed, and block
//! boundaries (`<p>`, `<h1>`, `<br>`, `<li>`, ...) turned into newlines so that later stages
//! can speak of "the first lines". Work is linear in the input and stops as soon as
//! [`MAX_TEXT_CHARS`] characters of text have been produced. Any input, however malformed
//! (unterminated tags, stray `<`, unbalanced nesting 100k deep), yields a result; nothing
//! here panics or recurses.

/// Most characters of visible text kept (and so the most the detector ever reads).
pub const MAX_TEXT_CHARS: usize = 4096;
/// Most characters of title kept.
pub const MAX_TITLE_CHARS: usize = 256;

/// What the detector reads from a page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageText {
    /// The first `<title>`, decoded and collapsed to one line.
    pub title: String,
    /// Visible text, lines separated by `\n`, at most [`MAX_TEXT_CHARS`] characters.
    pub text: String,
    /// How the markup read up to the text cap is built (`None` for plain-text bodies).
    pub structure: Option<Structure>,
}

/// Counts of the visible elements that tell a document (article, thread, docs page) from a
/// generated error page, over the part of the page that was read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Structure {
    /// `<a>` elements.
    pub links: u32,
    /// `<p>` elements.
    pub paragraphs: u32,
    /// `<h1>`..`<h6>`.
    pub headings: u32,
    /// `<li>`, `<dd>`, `<dt>`.
    pub list_items: u32,
    /// `<nav>` elements and `role="navigation"`.
    pub navs: u32,
    /// `<article>` elements.
    pub articles: u32,
    /// `<time>` and `<relative-time>` elements.
    pub times: u32,
    /// `<header>`, `<footer>`, `<aside>`, `<main>`.
    pub landmarks: u32,
    /// `<form>`, `<input>`, `<textarea>`, `<button>`, `<select>`.
    pub controls: u32,
    /// `<pre>` and `<code>`.
    pub code: u32,
    /// `<table>` rows (`<tr>`).
    pub rows: u32,
    /// Whether the text cap was reached (the page has more text than was read).
    pub truncated: bool,
    /// Lines of text at the top of the page that are all inside `<nav>` (a site's menu above
    /// its content): the page's own first lines come after them.
    pub lead_nav_lines: u32,
}

/// Extract the title and a bounded prefix of the visible text of `html`.
///
/// Plain-text bodies come through unchanged apart from whitespace collapsing (their line
/// breaks are kept, as they are inside `<pre>`).
pub fn html_to_text(html: &str) -> PageText {
    let mut s = Scanner {
        src: html,
        bytes: html.as_bytes(),
        pos: 0,
        text: Collapser::new(MAX_TEXT_CHARS),
        title: None,
        skip: None,
        in_head: false,
        pre_depth: 0,
        seen_tag: false,
        nav_depth: 0,
        content_seen: false,
        structure: Structure::default(),
    };
    s.run();
    let mut structure = s.structure;
    structure.truncated = s.text.full();
    PageText { title: s.title.map(|c| c.out).unwrap_or_default(), text: s.text.out, structure: s.seen_tag.then_some(structure) }
}

/// Appends text with whitespace collapsed and a character cap.
struct Collapser {
    out: String,
    chars: usize,
    cap: usize,
    /// 0: nothing pending, 1: a space, 2: a line break.
    pending: u8,
}

impl Collapser {
    fn new(cap: usize) -> Self {
        Collapser { out: String::new(), chars: 0, cap, pending: 0 }
    }

    fn full(&self) -> bool {
        self.chars >= self.cap
    }

    fn brk(&mut self, level: u8) {
        self.pending = self.pending.max(level);
    }

    fn push(&mut self, c: char) {
        if self.full() {
            return;
        }
        if c.is_whitespace() || c == '\u{a0}' {
            self.brk(1);
            return;
        }
        if self.pending > 0 && !self.out.is_empty() {
            self.out.push(if self.pending == 2 { '\n' } else { ' ' });
            self.chars += 1;
            if self.full() {
                return;
            }
        }
        self.pending = 0;
        self.out.push(c);
        self.chars += 1;
    }
}

/// Elements whose content is never visible text and is not markup (skipped to their end tag).
const RAW_TEXT: &[&str] = &["script", "style", "noscript", "iframe", "noembed", "noframes", "xmp", "textarea"];

/// Elements that start a new line of text.
const BLOCK: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "br",
    "center",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "html",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "td",
    "th",
    "tr",
    "ul",
    "title",
    "button",
    "option",
    "caption",
];

/// Elements that never have content (so never open a skipped region).
const VOID: &[&str] = &["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"];

struct Scanner<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    text: Collapser,
    title: Option<Collapser>,
    /// Inside a hidden element or `<template>`: (its name, nesting depth of that name).
    skip: Option<(String, usize)>,
    in_head: bool,
    pre_depth: usize,
    seen_tag: bool,
    /// Open `<nav>` elements.
    nav_depth: usize,
    /// Whether visible text outside `<nav>` has been read.
    content_seen: bool,
    structure: Structure,
}

struct Tag {
    name: String,
    closing: bool,
    self_closing: bool,
    hidden: bool,
    /// `role="navigation"`.
    navigation: bool,
}

impl Scanner<'_> {
    fn run(&mut self) {
        while self.pos < self.bytes.len() && !self.text.full() {
            if self.bytes[self.pos] == b'<' {
                self.markup();
            } else {
                self.text_run();
            }
        }
    }

    fn emitting(&self) -> bool {
        self.skip.is_none() && !self.in_head
    }

    /// Text up to the next `<`, decoded into the output when visible.
    fn text_run(&mut self) {
        let end = find_byte(self.bytes, self.pos, b'<').unwrap_or(self.bytes.len());
        let src = self.src;
        let chunk = &src[self.pos..end];
        self.pos = end;
        if !self.emitting() {
            return;
        }
        if !self.content_seen && self.nav_depth == 0 && chunk.bytes().any(|b| !b.is_ascii_whitespace()) {
            self.content_seen = true;
            // The lines read so far are all the menu's; the last one is shared with this text
            // unless a line break is pending.
            let lines = self.text.out.lines().filter(|l| !l.trim().is_empty()).count();
            let shared = self.text.pending < 2 && !self.text.out.is_empty();
            self.structure.lead_nav_lines = (lines - usize::from(shared && lines > 0)) as u32;
        }
        let keep_lines = self.pre_depth > 0 || !self.seen_tag;
        let text = &mut self.text;
        decode_entities(chunk, |c| {
            if c == '\n' && keep_lines {
                text.brk(2);
            } else {
                text.push(c);
            }
            !text.full()
        });
    }

    fn markup(&mut self) {
        let rest = &self.bytes[self.pos..];
        if rest.starts_with(b"<!--") {
            self.pos = find_sub(self.bytes, self.pos + 4, b"-->").map_or(self.bytes.len(), |i| i + 3);
            return;
        }
        if rest.len() >= 2 && (rest[1] == b'!' || rest[1] == b'?') {
            // Doctype, CDATA, processing instruction, bogus comment: dropped.
            let close: &[u8] = if starts_with_ci(rest, b"<![cdata[") { b"]]>" } else { b">" };
            self.pos = find_sub(self.bytes, self.pos + 2, close).map_or(self.bytes.len(), |i| i + close.len());
            return;
        }
        let Some(tag) = self.parse_tag() else {
            // A lone `<` is text.
            if self.emitting() {
                self.text.push('<');
            }
            self.pos += 1;
            return;
        };
        self.seen_tag = true;
        let name = tag.name.as_str();

        if let Some((skip_name, depth)) = &mut self.skip {
            if name == skip_name.as_str() && !tag.self_closing {
                if tag.closing {
                    *depth -= 1;
                    if *depth == 0 {
                        self.skip = None;
                    }
                } else {
                    *depth += 1;
                }
            }
            if !tag.closing && RAW_TEXT.contains(&name) {
                self.skip_raw(name);
            }
            return;
        }

        if tag.closing {
            match name {
                "head" => self.in_head = false,
                "pre" => self.pre_depth = self.pre_depth.saturating_sub(1),
                "nav" => self.nav_depth = self.nav_depth.saturating_sub(1),
                _ => {}
            }
            if BLOCK.contains(&name) {
                self.text.brk(2);
            }
            return;
        }
        match name {
            "head" => self.in_head = true,
            "body" => self.in_head = false,
            "title" => {
                self.read_title();
                return;
            }
            "pre" => self.pre_depth += 1,
            "nav" if !tag.self_closing => self.nav_depth += 1,
            _ => {}
        }
        if RAW_TEXT.contains(&name) {
            self.skip_raw(name);
            return;
        }
        if (tag.hidden || name == "template") && !tag.self_closing && !VOID.contains(&name) {
            self.skip = Some((tag.name, 1));
            return;
        }
        if !self.in_head {
            let st = &mut self.structure;
            match name {
                "a" => st.links += 1,
                "p" => st.paragraphs += 1,
                "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => st.headings += 1,
                "li" | "dd" | "dt" => st.list_items += 1,
                "nav" => st.navs += 1,
                "article" => st.articles += 1,
                "time" | "relative-time" => st.times += 1,
                "header" | "footer" | "aside" | "main" => st.landmarks += 1,
                "form" | "input" | "textarea" | "button" | "select" => st.controls += 1,
                "pre" | "code" => st.code += 1,
                "tr" => st.rows += 1,
                _ => {}
            }
            if tag.navigation {
                st.navs += 1;
            }
        }
        if BLOCK.contains(&name) {
            self.text.brk(2);
        }
    }

    /// Parses the tag at `self.pos` (which is `<`) and moves past it. `None` (position
    /// unchanged) when this `<` does not open a tag.
    fn parse_tag(&mut self) -> Option<Tag> {
        let b = self.bytes;
        let mut i = self.pos + 1;
        let closing = b.get(i) == Some(&b'/');
        if closing {
            i += 1;
        }
        if !b.get(i).is_some_and(u8::is_ascii_alphabetic) {
            return None;
        }
        let name_start = i;
        while i < b.len() && !matches!(b[i], b'\t' | b'\n' | b'\x0c' | b'\r' | b' ' | b'/' | b'>') {
            i += 1;
        }
        let name = self.src[name_start..i].to_ascii_lowercase();
        let mut hidden = false;
        let mut navigation = false;
        let mut self_closing = false;
        // Attributes: name[=value], values quoted or not; ends at the first `>` outside quotes.
        loop {
            while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
                self_closing = b[i] == b'/';
                i += 1;
            }
            if i >= b.len() {
                self.pos = b.len();
                break;
            }
            if b[i] == b'>' {
                self.pos = i + 1;
                break;
            }
            self_closing = false;
            let an_start = i;
            while i < b.len() && !matches!(b[i], b'\t' | b'\n' | b'\x0c' | b'\r' | b' ' | b'/' | b'>' | b'=') {
                i += 1;
            }
            let attr = &b[an_start..i];
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            let mut value: &[u8] = &[];
            if i < b.len() && b[i] == b'=' {
                i += 1;
                while i < b.len() && b[i].is_ascii_whitespace() {
                    i += 1;
                }
                if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                    let q = b[i];
                    let v_start = i + 1;
                    let v_end = find_byte(b, v_start, q).unwrap_or(b.len());
                    value = &b[v_start..v_end];
                    i = (v_end + 1).min(b.len());
                } else {
                    let v_start = i;
                    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                        i += 1;
                    }
                    value = &b[v_start..i];
                }
            }
            if !closing {
                let hides = attr.eq_ignore_ascii_case(b"hidden") || (attr.eq_ignore_ascii_case(b"style") && style_hides(value));
                hidden |= hides;
                navigation |= attr.eq_ignore_ascii_case(b"role") && value.eq_ignore_ascii_case(b"navigation");
            }
        }
        Some(Tag { name, closing, self_closing, hidden, navigation })
    }

    /// Skips the content of a raw-text element up to and including its end tag.
    fn skip_raw(&mut self, name: &str) {
        let mut i = self.pos;
        loop {
            let Some(lt) = find_sub(self.bytes, i, b"</") else {
                self.pos = self.bytes.len();
                return;
            };
            let after = lt + 2;
            if starts_with_ci(&self.bytes[after..], name.as_bytes()) {
                self.pos = find_byte(self.bytes, after, b'>').map_or(self.bytes.len(), |g| g + 1);
                return;
            }
            i = after;
        }
    }

    /// Reads the `<title>` content (RCDATA: no tags inside) and moves past `</title>`.
    fn read_title(&mut self) {
        let start = self.pos;
        let mut end = self.bytes.len();
        let mut i = start;
        while let Some(lt) = find_sub(self.bytes, i, b"</") {
            if starts_with_ci(&self.bytes[lt + 2..], b"title") {
                end = lt;
                break;
            }
            i = lt + 2;
        }
        self.pos = if end == self.bytes.len() { end } else { find_byte(self.bytes, end, b'>').map_or(self.bytes.len(), |g| g + 1) };
        if self.title.is_some() || self.skip.is_some() {
            return;
        }
        let src = self.src;
        let mut t = Collapser::new(MAX_TITLE_CHARS);
        decode_entities(&src[start..end], |c| {
            t.push(c);
            !t.full()
        });
        self.title = Some(t);
    }
}

/// Whether an inline style hides the element (`display:none` or `visibility:hidden`).
fn style_hides(style: &[u8]) -> bool {
    let compact: Vec<u8> = style.iter().take(512).filter(|b| !b.is_ascii_whitespace()).map(u8::to_ascii_lowercase).collect();
    find_sub(&compact, 0, b"display:none").is_some() || find_sub(&compact, 0, b"visibility:hidden").is_some()
}

fn find_byte(hay: &[u8], from: usize, needle: u8) -> Option<usize> {
    hay.get(from..)?.iter().position(|&b| b == needle).map(|p| p + from)
}

fn find_sub(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let first = *needle.first()?;
    let mut i = from;
    while let Some(p) = find_byte(hay, i, first) {
        if hay[p..].starts_with(needle) {
            return Some(p);
        }
        i = p + 1;
    }
    None
}

fn starts_with_ci(hay: &[u8], prefix: &[u8]) -> bool {
    hay.len() >= prefix.len() && hay[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// Feeds the characters of `s` to `sink` with character references decoded; stops when
/// `sink` returns false. Unknown or malformed references are kept literally.
pub(crate) fn decode_entities(s: &str, mut sink: impl FnMut(char) -> bool) {
    let mut rest = s;
    while !rest.is_empty() {
        let amp = rest.find('&').unwrap_or(rest.len());
        for c in rest[..amp].chars() {
            if !sink(c) {
                return;
            }
        }
        rest = &rest[amp..];
        if rest.is_empty() {
            return;
        }
        let (c, used) = entity(rest).unwrap_or(('&', 1));
        if !sink(c) {
            return;
        }
        rest = &rest[used..];
    }
}

/// Decodes the character reference at the start of `s` (which begins with `&`):
/// the character and the bytes consumed.
fn entity(s: &str) -> Option<(char, usize)> {
    let b = s.as_bytes();
    if b.get(1) == Some(&b'#') {
        let (radix, start) = if matches!(b.get(2), Some(b'x' | b'X')) { (16, 3) } else { (10, 2) };
        let digits = b[start.min(b.len())..].iter().take(8).take_while(|c| c.is_ascii_hexdigit() && (radix == 16 || c.is_ascii_digit())).count();
        if digits == 0 {
            return None;
        }
        let end = start + digits;
        let n = u32::from_str_radix(&s[start..end], radix).ok()?;
        let c = match n {
            0 => '\u{fffd}',
            // Windows-1252 quirks that pages still rely on.
            0x91 | 0x92 => '\'',
            0x93 | 0x94 => '"',
            0x96 | 0x97 => '-',
            _ => char::from_u32(n).unwrap_or('\u{fffd}'),
        };
        let used = if b.get(end) == Some(&b';') { end + 1 } else { end };
        return Some((c, used));
    }
    let len = b[1..].iter().take(10).take_while(|c| c.is_ascii_alphanumeric()).count();
    let name = &s[1..1 + len];
    let c = match name {
        "amp" | "AMP" => '&',
        "lt" | "LT" => '<',
        "gt" | "GT" => '>',
        "quot" | "QUOT" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "ndash" => '–',
        "mdash" => '—',
        "hellip" => '…',
        "middot" => '·',
        "bull" => '•',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "laquo" => '«',
        "raquo" => '»',
        "rsaquo" => '›',
        "lsaquo" => '‹',
        "times" => '×',
        "euro" => '€',
        "pound" => '£',
        "eacute" => 'é',
        "egrave" => 'è',
        "agrave" => 'à',
        "ccedil" => 'ç',
        "uuml" => 'ü',
        "ouml" => 'ö',
        "auml" => 'ä',
        "szlig" => 'ß',
        "rarr" => '→',
        "larr" => '←',
        "deg" => '°',
        "sect" => '§',
        _ => return None,
    };
    let used = if b.get(1 + len) == Some(&b';') { len + 2 } else { len + 1 };
    Some((c, used))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn menu_lines_at_the_top() {
        let p = html_to_text(
            "<body><nav><ul><li><a href=/>Home</a></li><li><a href=/a>About</a></li></ul></nav><h1>Internal Server Error</h1><p>Sorry.</p></body>",
        );
        assert_eq!(p.text, "Home\nAbout\nInternal Server Error\nSorry.");
        assert_eq!(p.structure.unwrap().lead_nav_lines, 2);
        // Text before the menu (a site's name) is the page's own: nothing is skipped.
        let p = html_to_text("<body><header><b>Acme</b><nav><a href=/>Home</a></nav></header><h1>Oops</h1></body>");
        assert_eq!(p.structure.unwrap().lead_nav_lines, 0);
        // A menu that is empty, or no menu at all.
        let p = html_to_text("<body><nav></nav><h1>500</h1></body>");
        assert_eq!(p.structure.unwrap().lead_nav_lines, 0);
        let p = html_to_text("<body><h1>500</h1><nav><a href=/>Home</a></nav></body>");
        assert_eq!(p.structure.unwrap().lead_nav_lines, 0);
    }

    #[test]
    fn title_and_text() {
        let p = html_to_text(
            "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>",
        );
        assert_eq!(p.title, "502 Bad Gateway");
        assert_eq!(p.text, "502 Bad Gateway\nnginx");
    }

    #[test]
    fn drops_invisible_content() {
        let p = html_to_text(
            "<head><style>h1{}</style><script>var a='</div>';</script></head><body>\
             <noscript>Enable JS</noscript><div hidden><div>Something went wrong</div></div>\
             <template><h1>500 Internal Server Error</h1></template>\
             <p style=\"display: none\">Bad Gateway</p><p>Visible</p><!-- 502 --></body>",
        );
        assert_eq!(p.text, "Visible");
    }

    #[test]
    fn entities() {
        let p = html_to_text("<p>a &amp; b &lt;c&gt; &#39;d&#x27; &nbsp;e&hellip; &bogus; &#xZZ; & x</p>");
        assert_eq!(p.text, "a & b <c> 'd' e… &bogus; &#xZZ; & x");
    }

    #[test]
    fn plain_text_keeps_lines() {
        let p = html_to_text("A server error has occurred\n\nFUNCTION_INVOCATION_FAILED\n");
        assert_eq!(p.text, "A server error has occurred\nFUNCTION_INVOCATION_FAILED");
        assert_eq!(p.title, "");
    }

    #[test]
    fn html_source_newlines_are_spaces() {
        let p = html_to_text("<p>The proxy server received an invalid\nresponse</p>");
        assert_eq!(p.text, "The proxy server received an invalid response");
    }

    #[test]
    fn odd_input() {
        for s in ["<", "<<<", "a < b", "<a href='x", "<!--", "<![CDATA[ x", "</", "<script>", "<title>x", "&#", "&#x110000;", "<div hidden", "<p>1 < 2 > 0</p>"]
        {
            let _ = html_to_text(s);
        }
        assert_eq!(html_to_text("<p>1 < 2 > 0</p>").text, "1 < 2 > 0");
        assert_eq!(html_to_text("<title>a &amp; b").title, "a & b");
    }

    #[test]
    fn quoted_gt_in_attribute() {
        let p = html_to_text("<a title=\"a > b\" hidden>x</a><b>y</b>");
        assert_eq!(p.text, "y");
    }

    #[test]
    fn capped() {
        let big = "<p>word </p>".repeat(10_000);
        let p = html_to_text(&big);
        assert!(p.text.chars().count() <= MAX_TEXT_CHARS);
        assert!(p.text.chars().count() > MAX_TEXT_CHARS - 10);
    }
}
