//! The shipped word model (`src/detect/model.bin`) is what `model::train` makes of the corpus's
//! tuning part, byte for byte: it was trained on nothing else (not on a held-out case), and
//! nobody edited it by hand. After changing the tuning part, the features or the training,
//! regenerate it with `cargo run --release --locked --example train_model`.

#![cfg(not(target_arch = "wasm32"))]

use bounceback::detect::model::{self, Model, TrainOptions};
use std::path::Path;

#[test]
fn the_shipped_model_is_trained_on_the_tuning_part_only() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let docs: Vec<(String, bool)> = model::tuning_docs(&corpus).expect("corpus").into_iter().map(|d| (d.input, d.server_error)).collect();
    assert!(docs.len() > 500, "tuning part of {} cases", docs.len());
    let trained = model::train(&docs, TrainOptions::default());
    let shipped = Model::shipped();
    let differ = trained.weights.iter().zip(&shipped.weights).filter(|(a, b)| a != b).count();
    assert!(
        trained.bias == shipped.bias && trained.scale == shipped.scale && differ == 0,
        "src/detect/model.bin is not the model of the tuning part ({differ} weights differ, bias {} vs {}); run cargo run --release --locked --example train_model",
        shipped.bias,
        trained.bias
    );
}
