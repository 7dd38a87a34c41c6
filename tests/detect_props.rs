//! Properties of the detector on arbitrary input: no panic, bounded output, linear work.
#![cfg(not(target_arch = "wasm32"))]

use bounceback::detect::{classify, classify_html, html_to_text, parse_retry_after, PageInput, MAX_TEXT_CHARS};
use proptest::prelude::*;

/// 256 cases per run (each run draws new ones); `PROPTEST_CASES=…` searches harder.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn html_to_text_never_panics(s in any::<String>()) {
        let p = html_to_text(&s);
        prop_assert!(p.text.chars().count() <= MAX_TEXT_CHARS);
    }

    #[test]
    fn bytes_as_lossy_utf8(b in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let s = String::from_utf8_lossy(&b);
        let v = classify_html(None, &[], &s, 0.0);
        let _ = serde_json::to_string(&v);
    }

    #[test]
    fn markup_soup(parts in proptest::collection::vec(prop_oneof![
        Just("<"), Just(">"), Just("</"), Just("<div"), Just(" hidden"), Just("<script>"), Just("</script>"),
        Just("<!--"), Just("-->"), Just("<![CDATA["), Just("]]>"), Just("&"), Just("&#x"), Just("&amp;"),
        Just("\""), Just("'"), Just("="), Just("<title>"), Just("</title>"), Just("502 Bad Gateway"), Just("\n"),
        Just("<template>"), Just("</div>"), Just("é"), Just("<p style='display:none'>"),
    ], 0..64)) {
        let s: String = parts.concat();
        let p = html_to_text(&s);
        let _ = classify(&PageInput { status: Some(200), title: &p.title, text: &p.text, structure: p.structure.as_ref(), ..Default::default() });
    }

    #[test]
    fn classify_any_status_headers_text(status in proptest::option::of(any::<u16>()),
                                         name in "[A-Za-z-]{0,16}", value in any::<String>(),
                                         title in any::<String>(), text in any::<String>(), now in any::<f64>()) {
        let headers = vec![(name, value.clone()), ("retry-after".to_string(), value)];
        let v = classify(&PageInput { status, headers: &headers, title: &title, text: &text, now_ms: now, structure: None });
        if let Some(r) = v.retry_after_s {
            prop_assert!((0.0..=86_400.0).contains(&r));
        }
    }

    #[test]
    fn retry_after_bounded(v in any::<String>(), now in any::<f64>()) {
        if let Some(r) = parse_retry_after(&v, now) {
            prop_assert!((0.0..=86_400.0).contains(&r));
        }
    }

    #[test]
    fn retry_after_dates_roundtrip(days in 0i64..2_900_000, secs in 0i64..86_400, ahead in 0i64..80_000) {
        // A date `ahead` seconds after now is `ahead` seconds away, in all three forms.
        let t = days * 86_400 + secs;
        let now_ms = ((t - ahead) as f64) * 1000.0;
        let (y, m, d) = civil(days);
        const MON: [&str; 12] = ["Jan","Feb","Mar","Apr","May","Jun","Jul","Aug","Sep","Oct","Nov","Dec"];
        let (hh, mm, ss) = (secs / 3600, secs / 60 % 60, secs % 60);
        let imf = format!("Mon, {d:02} {} {y:04} {hh:02}:{mm:02}:{ss:02} GMT", MON[(m - 1) as usize]);
        prop_assert_eq!(parse_retry_after(&imf, now_ms), Some(ahead as f64));
        let asc = format!("Mon {} {d:>2} {hh:02}:{mm:02}:{ss:02} {y:04}", MON[(m - 1) as usize]);
        prop_assert_eq!(parse_retry_after(&asc, now_ms), Some(ahead as f64));
    }
}

/// Civil date of a day count since 1970-01-01 (independent of the library's inverse).
fn civil(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[test]
fn deeply_nested_tags() {
    let depth = 100_000;
    let html = format!("{}502 Bad Gateway{}", "<div>".repeat(depth), "</div>".repeat(depth));
    assert_eq!(html_to_text(&html).text, "502 Bad Gateway");
    let hidden = format!("{}secret{}<p>shown</p>", "<div hidden>".repeat(depth), "</div>".repeat(depth));
    assert_eq!(html_to_text(&hidden).text, "shown");
    let unclosed = "<div><span><b>".repeat(depth);
    assert_eq!(html_to_text(&unclosed).text, "");
}

#[test]
fn fifty_megabytes_is_capped() {
    // Tags and text: the scan stops at the text cap long before the end.
    let unit = "<div class=\"row\"><span>word &amp; more</span></div>\n";
    let big = unit.repeat(50 * 1024 * 1024 / unit.len());
    assert!(big.len() >= 49 * 1024 * 1024);
    let p = html_to_text(&big);
    assert!(p.text.chars().count() <= MAX_TEXT_CHARS);
    assert!(p.text.chars().count() >= MAX_TEXT_CHARS - 20);
    // Tags only, no text: the whole input is scanned once, output stays empty.
    let tags = "<div><br/><img src=x></div>".repeat(50 * 1024 * 1024 / 27);
    assert_eq!(html_to_text(&tags).text, "");
    let v = classify_html(Some(200), &[], &big, 0.0);
    assert_eq!(v.class, bounceback::detect::Class::Normal);
}
