//! Just enough URL parsing for recovery: scheme, host, port and origin of http(s) URLs.
//!
//! The engine only needs to know whether a URL is something it may recover (http or https
//! with a host), which site it belongs to (the host, for per-site settings and lists) and
//! which origin serves it (scheme://host[:port], for sharing one probe between tabs). Every
//! other scheme (`file:`, `data:`, `about:`, `chrome:`, `moz-extension:`, `view-source:`...)
//! is refused. This is deliberately not a full WHATWG parser (the `url` crate would cost
//! wasm size); hosts come from the browser already normalised (IDN as punycode), and we
//! only lower-case them.

/// The parts of an http(s) URL the engine cares about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedUrl {
    /// `http` or `https`.
    pub scheme: &'static str,
    /// Lower-cased host, IPv6 literals keep their brackets (`[::1]`).
    pub host: String,
    /// Explicit port if it differs from the scheme's default.
    pub port: Option<u16>,
}

impl ParsedUrl {
    /// `scheme://host[:port]`, the key under which probes are shared.
    pub fn origin(&self) -> String {
        match self.port {
            Some(p) => format!("{}://{}:{}", self.scheme, self.host, p),
            None => format!("{}://{}", self.scheme, self.host),
        }
    }
}

/// Parse an http or https URL; `None` for any other scheme or a URL without a usable host.
pub fn parse(url: &str) -> Option<ParsedUrl> {
    let url = url.trim();
    let colon = url.find(':')?;
    let scheme_raw = &url[..colon];
    let scheme = if scheme_raw.eq_ignore_ascii_case("http") {
        "http"
    } else if scheme_raw.eq_ignore_ascii_case("https") {
        "https"
    } else {
        return None;
    };
    let rest = url[colon + 1..].strip_prefix("//")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    // Credentials (`user:pass@`) are not part of the host; the last `@` ends them.
    let hostport = match authority.rfind('@') {
        Some(i) => &authority[i + 1..],
        None => authority,
    };
    let (host, port_str) = if let Some(after) = hostport.strip_prefix('[') {
        let close = after.find(']')?;
        let inner = &after[..close];
        if inner.is_empty() || !inner.chars().all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.') {
            return None;
        }
        let tail = &after[close + 1..];
        let port = match tail {
            "" => None,
            t => Some(t.strip_prefix(':')?),
        };
        (format!("[{}]", inner.to_ascii_lowercase()), port)
    } else {
        match hostport.rfind(':') {
            // Browsers hand hosts over in ASCII (internationalised names punycoded).
            Some(i) => (hostport[..i].to_ascii_lowercase(), Some(&hostport[i + 1..])),
            None => (hostport.to_ascii_lowercase(), None),
        }
    };
    let host = host.trim_end_matches('.').to_string();
    let bad_char = |c: char| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '\\' | '%' | '[' | ']' | '^' | '|');
    if host.is_empty() || (!host.starts_with('[') && host.chars().any(bad_char)) {
        return None;
    }
    let default_port = if scheme == "http" { 80 } else { 443 };
    let port = match port_str {
        None | Some("") => None,
        Some(p) => {
            if !p.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let n: u16 = p.parse().ok()?;
            (n != default_port).then_some(n)
        }
    };
    Some(ParsedUrl { scheme, host, port })
}

/// The URL without its `#fragment`: two URLs that differ only there are the same page.
pub fn without_fragment(url: &str) -> &str {
    match url.find('#') {
        Some(i) => &url[..i],
        None => url,
    }
}

/// Whether `host` matches a user's host pattern: `example.com` (or `*.example.com`) matches
/// the host itself and its subdomains; patterns are case-insensitive.
pub fn host_matches(host: &str, pattern: &str) -> bool {
    let p = pattern.trim().trim_start_matches("*.").trim_end_matches('.').to_ascii_lowercase();
    if p.is_empty() {
        return false;
    }
    let host = host.to_ascii_lowercase();
    host == p || (host.len() > p.len() && host.ends_with(&p) && host.as_bytes()[host.len() - p.len() - 1] == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(u: &str) -> Option<String> {
        parse(u).map(|p| p.origin())
    }

    #[test]
    fn plain_http_and_https() {
        assert_eq!(origin("https://Example.COM/a/b?c#d").as_deref(), Some("https://example.com"));
        assert_eq!(origin("http://example.com").as_deref(), Some("http://example.com"));
        assert_eq!(origin("HTTPS://example.com:443/").as_deref(), Some("https://example.com"));
        assert_eq!(origin("http://example.com:80/").as_deref(), Some("http://example.com"));
        assert_eq!(origin("http://example.com:8080/x").as_deref(), Some("http://example.com:8080"));
        assert_eq!(origin("https://example.com?q=1").as_deref(), Some("https://example.com"));
        assert_eq!(origin("https://example.com.#x").as_deref(), Some("https://example.com"));
    }

    #[test]
    fn other_schemes_refused() {
        for u in [
            "file:///etc/passwd",
            "data:text/html,<h1>502</h1>",
            "about:blank",
            "chrome://newtab/",
            "chrome-extension://abc/popup.html",
            "moz-extension://abc/popup.html",
            "view-source:https://example.com/",
            "ftp://example.com/",
            "javascript:alert(1)",
            "blob:https://example.com/uuid",
            "",
            "https:",
            "https:/example.com",
            "https://",
            "https:///path",
        ] {
            assert_eq!(parse(u), None, "{u}");
        }
    }

    #[test]
    fn ip_literals() {
        assert_eq!(origin("http://127.0.0.1:8000/").as_deref(), Some("http://127.0.0.1:8000"));
        assert_eq!(origin("http://[::1]/").as_deref(), Some("http://[::1]"));
        assert_eq!(origin("http://[::1]:8080/x").as_deref(), Some("http://[::1]:8080"));
        assert_eq!(origin("https://[2001:DB8::1]:443/").as_deref(), Some("https://[2001:db8::1]"));
        assert_eq!(parse("http://[::1/"), None);
        assert_eq!(parse("http://[::1]x/"), None);
        assert_eq!(parse("http://[zz]/"), None);
    }

    #[test]
    fn credentials_and_ports() {
        let p = parse("https://user:p%40ss@Example.com:8443/x").unwrap();
        assert_eq!(p.host, "example.com");
        assert_eq!(p.port, Some(8443));
        assert_eq!(origin("http://a@b@example.com/").as_deref(), Some("http://example.com"));
        assert_eq!(parse("http://example.com:99999/"), None);
        assert_eq!(parse("http://example.com:-1/"), None);
        assert_eq!(parse("http://example.com:8a/"), None);
        assert_eq!(origin("http://example.com:/").as_deref(), Some("http://example.com"));
    }

    #[test]
    fn idn_hosts() {
        assert_eq!(origin("https://xn--bcher-kva.example/").as_deref(), Some("https://xn--bcher-kva.example"));
        // Browsers hand hosts over punycoded; a raw Unicode host is only ASCII-lowercased.
        assert_eq!(origin("https://BÜCHER.example/").as_deref(), Some("https://bÜcher.example"));
    }

    #[test]
    fn host_patterns() {
        assert!(host_matches("example.com", "example.com"));
        assert!(host_matches("www.example.com", "example.com"));
        assert!(host_matches("www.example.com", "*.example.com"));
        assert!(!host_matches("badexample.com", "example.com"));
        assert!(!host_matches("example.com", ""));
        assert!(host_matches("EXAMPLE.com", "Example.COM"));
    }

    #[test]
    fn fragments() {
        assert_eq!(without_fragment("https://a/b#c"), "https://a/b");
        assert_eq!(without_fragment("https://a/b"), "https://a/b");
    }
}
