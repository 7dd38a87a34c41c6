//! The detector against the labelled corpus (`tests/corpus`, or `$BOUNCEBACK_CORPUS`),
//! twice: with status and headers, and text-only (no status, no headers).
//!
//! - `server_error` cases must be `server_error` in both modes;
//! - no other case may ever be `server_error`, in either mode;
//! - with status: `rate_limited` stays `rate_limited`, `client_error` is `client_error` or
//!   `challenge` (the Cloudflare "Just a moment..." 503 must be `challenge`).
#![cfg(not(target_arch = "wasm32"))]

use std::path::{Path, PathBuf};

use bounceback::detect::{classify_html, Class};
use serde::Deserialize;

#[derive(Deserialize)]
struct Case {
    file: String,
    status: Option<u16>,
    #[serde(default)]
    headers: serde_json::Map<String, serde_json::Value>,
    label: String,
}

/// Positives that are impossible to recognise without the status (none so far).
const TEXT_ONLY_EXEMPT: &[(&str, &str)] = &[];

fn corpus_dir() -> PathBuf {
    match std::env::var_os("BOUNCEBACK_CORPUS") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus"),
    }
}

#[test]
fn corpus() {
    let dir = corpus_dir();
    let labels = std::fs::read_to_string(dir.join("labels.jsonl")).unwrap_or_else(|e| panic!("corpus labels at {}: {e}", dir.display()));
    let now_ms = 1_760_000_000_000.0;
    let mut failures = Vec::new();
    let (mut pos, mut neg) = (0, 0);
    let (mut pos_ok_status, mut pos_ok_text) = (0, 0);
    let (mut false_status, mut false_text) = (0, 0);

    for line in labels.lines().filter(|l| !l.trim().is_empty()) {
        let case: Case = serde_json::from_str(line).expect("labels.jsonl line");
        let bytes = std::fs::read(dir.join(&case.file)).expect("case file");
        let html = String::from_utf8_lossy(&bytes);
        let headers: Vec<(String, String)> = case.headers.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect();
        let with = classify_html(case.status, &headers, &html, now_ms);
        let text_only = classify_html(None, &[], &html, now_ms);
        let mut fail = |mode: &str, v: &bounceback::detect::Verdict| {
            failures.push(format!("{} [{}] label {} got {:?} {:?}", case.file, mode, case.label, v.class, v.reasons))
        };

        if case.label == "server_error" {
            pos += 1;
            if with.class == Class::ServerError {
                pos_ok_status += 1;
            } else {
                fail("status", &with);
            }
            if text_only.class == Class::ServerError {
                pos_ok_text += 1;
            } else if !TEXT_ONLY_EXEMPT.iter().any(|(f, _)| case.file.contains(f)) {
                fail("text", &text_only);
            }
        } else {
            neg += 1;
            if with.class == Class::ServerError {
                false_status += 1;
                fail("status", &with);
            }
            if text_only.class == Class::ServerError {
                false_text += 1;
                fail("text", &text_only);
            }
            let ok = match case.label.as_str() {
                "rate_limited" => with.class == Class::RateLimited,
                "client_error" => matches!(with.class, Class::ClientError | Class::Challenge),
                _ => true,
            };
            if !ok {
                fail("status", &with);
            }
            if case.file.contains("iuam") && with.class != Class::Challenge {
                fail("status (must be challenge)", &with);
            }
        }
    }
    println!(
        "corpus: {pos_ok_status}/{pos} positives, {false_status} false server_error among {neg} negatives (with status); \
         text-only: {pos_ok_text}/{pos} positives, {false_text} false server_error ({} exempt)",
        TEXT_ONLY_EXEMPT.len()
    );
    assert!(pos > 0 && neg > 0, "empty corpus");
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}
