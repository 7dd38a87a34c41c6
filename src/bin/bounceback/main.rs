//! `bounceback`: the core on the command line.
//!
//! - `bounceback classify [--status N] [--header 'Name: value']... [FILE | -]`
//! - `bounceback simulate ...`

#[cfg(not(target_arch = "wasm32"))]
mod classify;
#[cfg(not(target_arch = "wasm32"))]
mod fleet;
#[cfg(not(target_arch = "wasm32"))]
mod frontier;
#[cfg(not(target_arch = "wasm32"))]
mod simulate;

#[cfg(not(target_arch = "wasm32"))]
use std::process::ExitCode;

/// The CLI is native only (it reads files and prints JSON with `serde_json`, a native-only
/// dependency); `cargo test --target wasm32-unknown-unknown` still builds this target.
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("-h" | "--help") | None => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some("classify") => classify::run(&args[1..]),
        Some("simulate") => simulate::run(&args[1..]),
        Some(other) => {
            eprintln!("bounceback: unknown command '{other}'\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
const USAGE: &str = "usage: bounceback classify [--status N] [--header 'Name: value']... [FILE | -]
       bounceback simulate (--outage SECONDS | --outage-dist log-uniform:MIN:MAX) [--tabs N] [--policy default|fixed5|chromium] [--runs N] [--seed S] [--settings JSON] [--frontier | --fleet USERS]";
