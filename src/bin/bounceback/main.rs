//! `bounceback`: the core on the command line.
//!
//! - `bounceback classify [--status N] [--header 'Name: value']... [FILE | -]`
//! - `bounceback simulate ...`

mod classify;
mod simulate;

use std::process::ExitCode;

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

const USAGE: &str = "usage: bounceback classify [--status N] [--header 'Name: value']... [FILE | -]
       bounceback simulate (--outage SECONDS | --outage-dist log-uniform:MIN:MAX) [--tabs N] [--policy default|fixed5|chromium] [--runs N] [--seed S]";
