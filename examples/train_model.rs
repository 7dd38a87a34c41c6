//! Train the detector's word model (`src/detect/model.rs`) on the corpus's tuning part and
//! write `src/detect/model.bin`:
//!
//!     cargo run --release --locked --example train_model
//!
//! Options: `--corpus DIR` (default `tests/corpus`), `--out FILE` (default
//! `src/detect/model.bin`), `--without-batch NAME` (repeatable: leave a released batch out of
//! the training, to see how the model does on it as if unseen; prints each left-out case's
//! probability). `tests/detect_model.rs` retrains with the defaults and checks that the shipped
//! file is the result.

// Reading the corpus is native only (the library reads JSON only natively).
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> Result<(), String> {
    use bounceback::detect::model::{self, TrainOptions};
    use std::path::PathBuf;

    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut corpus = root.join("tests/corpus");
    let mut out = root.join("src/detect/model.bin");
    let mut without: Vec<String> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--corpus" => corpus = PathBuf::from(value()?),
            "--out" => out = PathBuf::from(value()?),
            "--without-batch" => without.push(value()?),
            _ => return Err(format!("unknown argument {a}")),
        }
    }
    let (left_out, train): (Vec<_>, Vec<_>) = model::tuning_docs(&corpus)?.into_iter().partition(|d| d.batch.as_ref().is_some_and(|b| without.contains(b)));
    let docs: Vec<(String, bool)> = train.into_iter().map(|d| (d.input, d.server_error)).collect();
    let m = model::train(&docs, TrainOptions::default());
    // Each left-out case: the model's probability, its label, the text-only verdict with this
    // model and with the rules alone, and a tally of both.
    let mut tally = [[0u32; 4]; 2];
    for d in &left_out {
        let verdict = |model| bounceback::detect::classify_html_with(None, &[], &d.html, 0.0, model).0.class == bounceback::detect::Class::ServerError;
        let (with, rules) = (verdict(Some(&m)), verdict(None));
        println!("{:.3}\t{}\t{}\t{}\t{}", m.probability(&d.input), d.label, u8::from(with), u8::from(rules), d.file);
        for (t, v) in tally.iter_mut().zip([with, rules]) {
            if let Some(i) = d.outcome(v) {
                t[i] += 1;
            }
        }
    }
    if !left_out.is_empty() {
        for (name, t) in ["with this model", "rules alone"].iter().zip(tally) {
            eprintln!("left out, text only, {name}: {} of {} server errors found; false alarms: {} other, {} ordinary", t[0], t[0] + t[1], t[2], t[3]);
        }
    }
    std::fs::write(&out, m.to_bytes()).map_err(|e| format!("{}: {e}", out.display()))?;
    eprintln!("trained on {} tuning cases ({} left out); wrote {}", docs.len(), left_out.len(), out.display());
    Ok(())
}
