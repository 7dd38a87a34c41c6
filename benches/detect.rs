//! Detector cost per page (not a timed test): `cargo bench --bench detect`.
//!
//! Times `classify_html` on a small error page (the corpus nginx 50x page served with 502, or
//! an inline nginx 502 when the corpus is absent) and on a generated ~2 MB article, and prints
//! the median per-page cost over several batches.

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use bounceback::detect::model::{self, Model};
use bounceback::detect::{classify_html, model_input_of_html};

fn median_us(batches: usize, iters: usize, f: impl Fn()) -> f64 {
    let mut per_page: Vec<f64> = (0..batches)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..iters {
                f();
            }
            t.elapsed().as_secs_f64() * 1e6 / iters as f64
        })
        .collect();
    per_page.sort_by(f64::total_cmp);
    per_page[per_page.len() / 2]
}

fn main() {
    let corpus = std::env::var_os("BOUNCEBACK_CORPUS").map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus"), Into::into);
    let small = std::fs::read_dir(corpus.join("cases"))
        .ok()
        .and_then(|d| d.flatten().find(|e| e.file_name().to_string_lossy().contains("nginx-50x")))
        .and_then(|e| std::fs::read_to_string(e.path()).ok())
        .unwrap_or_else(|| {
            "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n<center><h1>502 Bad Gateway</h1></center>\n<hr><center>nginx</center>\n</body>\n</html>\n".into()
        });
    let para = "<p>When a proxy such as nginx reports a <strong>502 Bad Gateway</strong>, the upstream \
                answered badly; this article explains timeouts, pools &amp; retries in detail.</p>\n";
    let article = format!(
        "<!doctype html><html><head><title>How to fix 502 Bad Gateway | Blog</title><style>p{{}}</style></head><body><nav><a href=/>Home</a></nav><article><h1>How to fix 502 Bad Gateway</h1>{}</article></body></html>",
        para.repeat(2 * 1024 * 1024 / para.len())
    );
    let headers = vec![("server".to_string(), "nginx".to_string())];

    let small_us = median_us(9, 20_000, || {
        black_box(classify_html(Some(502), black_box(&headers), black_box(&small), 0.0));
    });
    let article_us = median_us(9, 2_000, || {
        black_box(classify_html(None, &[], black_box(&article), 0.0));
    });
    // The word model alone, on the small page's input (title and first lines).
    let doc = model_input_of_html(&small);
    let m = Model::shipped();
    let model_us = median_us(9, 20_000, || {
        black_box(m.probability(black_box(&doc)));
    });
    let features_us = median_us(9, 20_000, || {
        black_box(model::features(black_box(&doc)));
    });
    println!("word model on the small page's input ({} chars): {model_us:.2} µs (features alone {features_us:.2} µs)", doc.chars().count());
    println!("classify_html small error page ({} B): {small_us:.2} µs/page (median of 9 batches)", small.len());
    println!("classify_html article ({:.1} MB, text capped): {article_us:.2} µs/page (median of 9 batches)", article.len() as f64 / 1e6);
}
