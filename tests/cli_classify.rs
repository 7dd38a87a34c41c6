//! `bounceback classify` end to end: arguments, stdin/file input, JSON shape, exit codes.
#![cfg(not(target_arch = "wasm32"))]

use std::io::Write;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_bounceback");

fn run(args: &[&str], stdin: &[u8]) -> (i32, serde_json::Value, String) {
    let mut child = Command::new(BIN).args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn bounceback");
    child.stdin.take().expect("stdin").write_all(stdin).expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    let json = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code().unwrap_or(-1), json, String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn classifies_stdin_with_status_and_headers() {
    let page = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr><center>nginx</center></body></html>";
    let (code, j, _) = run(&["classify", "--status", "502", "--header", "Retry-After: 7", "-"], page);
    assert_eq!(code, 0);
    assert_eq!(j["verdict"], "server_error");
    assert_eq!(j["vendor"], "nginx");
    assert_eq!(j["summary"], "nginx 502 Bad Gateway");
    assert_eq!(j["retryable"], true);
    assert_eq!(j["retry_after_s"], 7.0);
    assert!(j["reasons"].as_array().is_some_and(|r| r.iter().any(|x| x == "status 502")));
}

#[test]
fn text_only_from_file_and_no_file_means_stdin() {
    let dir = std::env::temp_dir().join(format!("bounceback-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let f = dir.join("page.html");
    std::fs::write(&f, "no healthy upstream").expect("write");
    let (code, j, _) = run(&["classify", f.to_str().expect("utf-8 path")], b"");
    assert_eq!((code, j["verdict"].as_str()), (0, Some("server_error")));
    assert!(j["vendor"].is_string());
    assert!(j["retry_after_s"].is_null());
    let (code, j, _) = run(&["classify"], b"<title>Hello</title><p>hi</p>");
    assert_eq!((code, j["verdict"].as_str(), j["vendor"].is_null()), (0, Some("normal"), true));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn invalid_utf8_is_decoded_lossily() {
    let (code, j, _) = run(&["classify"], b"<h1>502 Bad Gateway</h1>\xff\xfe\n");
    assert_eq!((code, j["verdict"].as_str()), (0, Some("server_error")));
}

#[test]
fn bad_arguments_exit_2_with_one_line() {
    for args in [
        &["classify", "--status"][..],
        &["classify", "--status", "abc"],
        &["classify", "--header", "no-colon"],
        &["classify", "--bogus"],
        &["classify", "/nonexistent/definitely/missing.html"],
        &["classify", "a", "b"],
    ] {
        let (code, _, err) = run(args, b"");
        assert_eq!(code, 2, "{args:?}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
    }
}

#[test]
fn explain_lists_every_signal_with_its_weight_and_the_score() {
    let page = b"<title>502 Bad Gateway</title><h1>502 Bad Gateway</h1><hr><center>nginx</center>";
    let (code, v, _) = run(&["classify", "--explain"], page);
    assert_eq!(code, 0);
    assert_eq!(v["verdict"], "server_error");
    let signals = v["signals"].as_array().expect("signals");
    assert!(signals.iter().any(|s| s["signal"].as_str().is_some_and(|t| t.starts_with("title is an error line")) && s["weight"] == 3), "{v}");
    let sum: i64 = signals.iter().map(|s| s["weight"].as_i64().expect("weight")).sum();
    assert_eq!(v["score"].as_i64(), Some(sum));
    assert!(v["threshold"].as_i64().is_some_and(|t| sum >= t));
    // An article about the error: negative weights for its structure, a score below the threshold.
    let article = format!(
        "<title>How to fix 502 Bad Gateway | Blog</title><nav><a href='/'>Home</a></nav><article><h1>502 Bad Gateway</h1><p>Posted <time>2024-05-01</time></p>{}</article>",
        "<p>A 502 means the proxy got no valid answer from the upstream server; check the upstream logs, the timeouts and the proxy configuration.</p>".repeat(10)
    );
    let (code, v, _) = run(&["classify", "--explain", "-"], article.as_bytes());
    assert_eq!((code, v["verdict"].as_str()), (0, Some("normal")));
    assert!(v["signals"].as_array().expect("signals").iter().any(|s| s["weight"].as_i64().is_some_and(|w| w < 0)), "{v}");
    assert!(v["score"].as_i64() < v["threshold"].as_i64());
    // Without --explain the output has no signals.
    let (_, v, _) = run(&["classify"], page);
    assert!(v.get("signals").is_none());
}
