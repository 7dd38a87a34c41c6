//! `bounceback simulate`: measure a recovery policy against simulated outages and print one
//! JSON object of figures (see `bounceback::sim` for the conventions). With
//! `--frontier`, the object also holds the optimal schedule's figures for the same outage
//! distribution (see [`crate::frontier`]). With `--fleet N`, it prints instead the load that
//! `N` users meeting one outage put on the site, for each policy and for people reloading by
//! hand (see [`crate::fleet`]).

use std::process::ExitCode;

use bounceback::settings::Settings;
use bounceback::sim::{self, OutageDist, Policy};

use crate::fleet::{self, Crowd};
use crate::frontier::{Frontier, Outages};

/// Grid step of the frontier's check times, seconds.
const FRONTIER_STEP_S: f64 = 0.5;

const USAGE: &str = "usage: bounceback simulate (--outage SECONDS | --outage-dist log-uniform:MIN:MAX) [--tabs N] [--policy default|fixed5|chromium] [--runs N] [--seed S] [--settings JSON] [--frontier | --fleet USERS]";

struct Args {
    dist: OutageDist,
    tabs: u32,
    policy: Policy,
    runs: u32,
    seed: u64,
    settings: Settings,
    frontier: bool,
    fleet: Option<u32>,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut dist = None;
    let (mut tabs, mut policy, mut runs, mut seed) = (1u32, Policy::Default, None, 1u64);
    let mut settings = Settings::default();
    let mut frontier = false;
    let mut fleet = None;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--outage" => {
                let s: f64 = value()?.parse().map_err(|_| "--outage must be a number of seconds".to_string())?;
                if !(s.is_finite() && s >= 0.0) {
                    return Err("--outage must be a non-negative number of seconds".into());
                }
                dist = Some(OutageDist::Fixed(s));
            }
            "--outage-dist" => {
                let v = value()?;
                let parts: Vec<&str> = v.split(':').collect();
                let [kind, min, max] = parts[..] else {
                    return Err(format!("bad --outage-dist {v:?}: expected log-uniform:MIN:MAX"));
                };
                let (min, max) = (min.parse::<f64>(), max.parse::<f64>());
                match (kind, min, max) {
                    ("log-uniform", Ok(min), Ok(max)) if min > 0.0 && max >= min && max.is_finite() => dist = Some(OutageDist::LogUniform { min, max }),
                    _ => return Err(format!("bad --outage-dist {v:?}: expected log-uniform:MIN:MAX with 0 < MIN <= MAX")),
                }
            }
            "--tabs" => tabs = value()?.parse().ok().filter(|n| (1..=1000).contains(n)).ok_or("--tabs must be 1..=1000")?,
            "--runs" => runs = Some(value()?.parse().ok().filter(|n| (1..=10_000_000).contains(n)).ok_or("--runs must be 1..=10000000")?),
            "--seed" => seed = value()?.parse().map_err(|_| "--seed must be an unsigned integer".to_string())?,
            "--policy" => {
                policy = match value()?.as_str() {
                    "default" => Policy::Default,
                    "fixed5" => Policy::Fixed5,
                    "chromium" => Policy::Chromium,
                    other => return Err(format!("unknown policy {other:?} (default, fixed5 or chromium)")),
                }
            }
            "--settings" => {
                let json = value()?;
                let (parsed, notices) = Settings::parse(json);
                if let Some(n) = notices.first() {
                    return Err(format!("--settings: {}", n.message));
                }
                settings = parsed;
            }
            "--frontier" => frontier = true,
            "--fleet" => fleet = Some(value()?.parse().ok().filter(|n| (1..=1_000_000).contains(n)).ok_or("--fleet must be 1..=1000000 users")?),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let dist = dist.ok_or("one of --outage or --outage-dist is required")?;
    let runs = runs.unwrap_or(match dist {
        OutageDist::Fixed(_) => 1,
        OutageDist::LogUniform { .. } => 1000,
    });
    if frontier && tabs != 1 {
        return Err("--frontier compares one tab's requests: leave --tabs at 1".into());
    }
    if fleet.is_some() && (frontier || !matches!(dist, OutageDist::Fixed(s) if s > 0.0)) {
        return Err("--fleet needs one outage of more than 0 s (--outage SECONDS), and not --frontier".into());
    }
    Ok(Args { dist, tabs, policy, runs, seed, settings, frontier, fleet })
}

/// Run the `simulate` subcommand with the arguments after its name.
pub fn run(args: &[String]) -> ExitCode {
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let args = match parse(args) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("bounceback simulate: {e}");
            return ExitCode::from(2);
        }
    };
    if let (Some(users), OutageDist::Fixed(outage_s)) = (args.fleet, args.dist) {
        return print(fleet_figures(&args.settings, users, outage_s, args.seed));
    }
    let summary = sim::run_many(args.policy, &args.settings, args.dist, args.tabs, args.runs, args.seed);
    let json = serde_json::to_value(&summary).map_err(|e| e.to_string()).and_then(|mut json| {
        if args.frontier {
            json["frontier"] = frontier_figures(args.dist, summary.requests_mean, summary.recovery_delay_mean_s)?;
        }
        Ok(json)
    });
    print(json)
}

fn print(json: Result<serde_json::Value, String>) -> ExitCode {
    match json {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bounceback simulate: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The fleet's figures for the default policy (with `settings`), the two baselines and people.
fn fleet_figures(settings: &Settings, users: u32, outage_s: f64, seed: u64) -> Result<serde_json::Value, String> {
    let crowds = [Crowd::Extension(settings.clone()), Crowd::Fixed5, Crowd::Chromium, Crowd::People];
    let reports = crowds.iter().map(|c| fleet::run(c, users, outage_s, seed)).collect::<Result<Vec<_>, _>>()?;
    serde_json::to_value(serde_json::json!({ "fleet": reports })).map_err(|e| e.to_string())
}

/// The optimal schedule at the policy's mean request count: its mean delay, the policy's
/// delay as a multiple of it, and its first check times.
fn frontier_figures(dist: OutageDist, requests: f64, delay: f64) -> Result<serde_json::Value, String> {
    let outages = match dist {
        OutageDist::Fixed(s) => Outages::Fixed(s),
        OutageDist::LogUniform { min, max } => Outages::LogUniform { min, max },
    };
    if outages.max() <= 0.0 {
        return Ok(serde_json::json!({ "best_delay_mean_s": 0.0, "ratio": null, "note": "a zero-length outage needs no schedule" }));
    }
    let frontier = Frontier::new(outages, FRONTIER_STEP_S.min(outages.max()))?;
    let Some((best, many, _)) = frontier.at_requests(requests) else {
        return Ok(serde_json::json!({ "requests_mean": requests, "best_delay_mean_s": null, "ratio": null,
            "note": "fewer requests than any schedule that always ends (one check at the longest outage, then the reload)" }));
    };
    let round = |x: f64| (x * 1000.0).round() / 1000.0;
    Ok(serde_json::json!({
        "grid_step_s": FRONTIER_STEP_S.min(outages.max()),
        "requests_mean": round(requests),
        "best_delay_mean_s": round(best),
        "ratio": if best > 0.0 { Some(round(delay / best)) } else { None },
        "optimal_checks_s": many.checks_s.iter().take(12).copied().collect::<Vec<f64>>(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn frontier_flag_parses_and_wants_one_tab() {
        assert!(parse(&args("--outage 30 --frontier")).is_ok_and(|a| a.frontier));
        let err = parse(&args("--outage 30 --frontier --tabs 2")).err().unwrap_or_default();
        assert!(err.contains("--tabs"), "{err}");
    }

    #[test]
    fn fleet_wants_one_outage() {
        assert_eq!(parse(&args("--outage 300 --fleet 1000")).map(|a| a.fleet).ok(), Some(Some(1000)));
        for bad in ["--outage-dist log-uniform:5:1800 --fleet 10", "--outage 0 --fleet 10", "--outage 30 --fleet 0", "--outage 30 --fleet 10 --frontier"] {
            assert!(parse(&args(bad)).is_err(), "{bad}");
        }
        let json = fleet_figures(&Settings::default(), 50, 30.0, 1).unwrap();
        let names: Vec<&str> = json["fleet"].as_array().unwrap().iter().filter_map(|r| r["policy"].as_str()).collect();
        assert_eq!(names, ["default", "fixed5", "chromium", "people"]);
    }

    #[test]
    fn frontier_figures_name_the_ratio() {
        let f = frontier_figures(OutageDist::LogUniform { min: 5.0, max: 1800.0 }, 10.0, 20.0).unwrap();
        let best = f["best_delay_mean_s"].as_f64().unwrap();
        assert!((best - 15.88).abs() < 0.05, "{f}");
        assert!((f["ratio"].as_f64().unwrap() - 20.0 / best).abs() < 0.01, "{f}");
        let none = frontier_figures(OutageDist::LogUniform { min: 5.0, max: 1800.0 }, 1.5, 20.0).unwrap();
        assert!(none["best_delay_mean_s"].is_null(), "{none}");
    }

    /// Issue 14's targets for the default settings, on the seed the README reports (1; the
    /// defaults were tuned on seed 101): at most 10 requests and 20 s mean delay for outages
    /// log-uniform 5 s..30 min, and a 2 s outage back within 3 s whatever the jitter draws.
    #[test]
    fn default_policy_meets_the_targets() {
        let s = Settings::default();
        let mix = sim::run_many(Policy::Default, &s, OutageDist::LogUniform { min: 5.0, max: 1800.0 }, 1, 10_000, 1);
        assert!(mix.requests_mean <= 10.0 && mix.recovery_delay_mean_s <= 20.0, "{mix:?}");
        assert_eq!(mix.gave_up, 0);
        for seed in 0..300 {
            let blip = sim::run_once(Policy::Default, &s, 2.0, 1, seed);
            assert!(blip.delays_s.len() == 1 && blip.delays_s[0] <= 3.0, "seed {seed}: {blip:?}");
            assert_eq!(blip.probes + blip.reloads, 2, "seed {seed}: one quick check, one reload");
        }
    }
}
