//! `bounceback classify`: run the detector on a saved response body.
//!
//! `bounceback classify [--status N] [--header 'Name: value']... [--explain] [FILE | -]` reads
//! the body from FILE (or stdin when FILE is `-` or absent; invalid UTF-8 is decoded lossily),
//! and prints one JSON object: `verdict`, `vendor`, `summary`, `retryable`, `retry_after_s`,
//! `reasons`. With `--explain` it adds `signals` (every text signal with its weight, positive
//! for an error page, negative for a document), `score` (their sum) and `threshold` (the score
//! from which a page with an error line reads as an error page; the status, when given,
//! decides first). Exit 0 when classified, 2 (one line on stderr) for bad arguments or unreadable
//! input. `Retry-After` dates are resolved against the system clock (the core reads none).

use std::io::Read;
use std::process::ExitCode;

use bounceback::detect::{classify_html_explained, signals::ERROR_PAGE_SCORE};

struct Args {
    status: Option<u16>,
    headers: Vec<(String, String)>,
    file: Option<String>,
    explain: bool,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut out = Args { status: None, headers: Vec::new(), file: None, explain: false };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--status" => {
                let v = it.next().ok_or("--status needs a value")?;
                let n: u16 = v.parse().map_err(|_| format!("bad --status '{v}'"))?;
                if !(100..=999).contains(&n) {
                    return Err(format!("bad --status '{v}'"));
                }
                out.status = Some(n);
            }
            "--header" => {
                let v = it.next().ok_or("--header needs 'Name: value'")?;
                let (name, value) = v.split_once(':').ok_or_else(|| format!("bad --header '{v}' (want 'Name: value')"))?;
                if name.trim().is_empty() {
                    return Err(format!("bad --header '{v}' (empty name)"));
                }
                out.headers.push((name.trim().to_string(), value.trim().to_string()));
            }
            "--explain" => out.explain = true,
            "-" if out.file.is_none() => out.file = Some("-".into()),
            f if f.starts_with("--") => return Err(format!("unknown option '{f}'")),
            f if out.file.is_none() => out.file = Some(f.to_string()),
            f => return Err(format!("unexpected argument '{f}'")),
        }
    }
    Ok(out)
}

fn read_input(file: Option<&str>) -> Result<String, String> {
    let mut bytes = Vec::new();
    match file {
        None | Some("-") => std::io::stdin().read_to_end(&mut bytes).map_err(|e| format!("cannot read stdin: {e}"))?,
        Some(path) => {
            bytes = std::fs::read(path).map_err(|e| format!("cannot read '{path}': {e}"))?;
            bytes.len()
        }
    };
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Runs `classify` with the arguments after the subcommand.
pub fn run(args: &[String]) -> ExitCode {
    let result = parse(args).and_then(|a| {
        let body = read_input(a.file.as_deref())?;
        let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64() * 1000.0);
        Ok((classify_html_explained(a.status, &a.headers, &body, now_ms), a.explain))
    });
    match result {
        Ok(((v, analysis), explain)) => {
            let mut json = serde_json::json!({
                "verdict": v.class.as_str(),
                "vendor": v.vendor,
                "summary": v.summary,
                "retryable": v.retryable,
                "retry_after_s": v.retry_after_s,
                "reasons": v.reasons,
            });
            if explain {
                let signals: Vec<_> = analysis.signals.iter().map(|s| serde_json::json!({ "weight": s.weight, "signal": s.what })).collect();
                json["signals"] = serde_json::Value::Array(signals);
                json["score"] = analysis.score.into();
                json["threshold"] = ERROR_PAGE_SCORE.into();
            }
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bounceback classify: {e}");
            ExitCode::from(2)
        }
    }
}
