//! Cross-validate the text-only detector (rules and word model) on the corpus's tuning part:
//!
//!     cargo run --release --locked --example cv_model [-- --list] [-- --folds N]
//!
//! The tuning cases are split into folds by `origin` (FNV-1a of the name, so a source is on one
//! side); for each fold a word model is trained on the other folds and the detector, with it,
//! judges the fold's pages as the browser sends them, status unknown. The figures are what the
//! tuning part can honestly say about pages the model has not seen (the shipped model's own
//! figures on `tune` are in-sample), so a change to the rules or to how the model's opinion
//! counts can be chosen on `tune` alone, before a held-out batch is measured. `--list` prints
//! each out-of-fold miss and false alarm. The held-out part is never read.

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> Result<(), String> {
    use bounceback::detect::model::{self, TrainOptions};
    use bounceback::detect::{classify_html_with, Class};
    use std::path::PathBuf;

    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut corpus = root.join("tests/corpus");
    let mut folds = 5u32;
    let mut list = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--corpus" => corpus = PathBuf::from(value()?),
            "--folds" => folds = value()?.parse().map_err(|e| format!("--folds: {e}"))?,
            "--list" => list = true,
            _ => return Err(format!("unknown argument {a}")),
        }
    }
    if folds < 2 {
        return Err("--folds must be at least 2".into());
    }
    let fold_of = |origin: &str| origin.to_lowercase().bytes().fold(model::FNV_OFFSET, model::fnv1a_step) % folds;
    let docs = model::tuning_docs(&corpus)?;
    // [with the fold's model, rules alone]: found, missed, other false alarms, ordinary pages alarmed.
    let mut tally = [[0u32; 4]; 2];
    for k in 0..folds {
        let train: Vec<(String, bool)> = docs.iter().filter(|d| fold_of(&d.origin) != k).map(|d| (d.input.clone(), d.server_error)).collect();
        let m = model::train(&train, TrainOptions::default());
        for d in docs.iter().filter(|d| fold_of(&d.origin) == k) {
            let verdict = |model| classify_html_with(None, &[], &d.html, 0.0, model).0.class == Class::ServerError;
            for (j, v) in [verdict(Some(&m)), verdict(None)].into_iter().enumerate() {
                let Some(i) = d.outcome(v) else { continue };
                tally[j][i] += 1;
                if list && j == 0 && i > 0 {
                    println!("{}\t{:.3}\t{}", ["", "missed", "alarm (4xx/429)", "ALARM (ordinary page)"][i], m.probability(&d.input), d.file);
                }
            }
        }
    }
    for (name, t) in ["rules and model", "rules alone"].iter().zip(tally) {
        let (tp, fn_, fp) = (f64::from(t[0]), f64::from(t[1]), f64::from(t[2] + t[3]));
        println!(
            "tune, {folds} folds by origin, text only, {name}: P {:.3} R {:.3} ({} of {} found; false alarms: {} 4xx/429, {} ordinary pages)",
            tp / (tp + fp).max(1.0),
            tp / (tp + fn_).max(1.0),
            t[0],
            t[0] + t[1],
            t[2],
            t[3]
        );
    }
    Ok(())
}
