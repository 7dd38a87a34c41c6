//! A learned second opinion: how much a page's top reads like a server error page.
//!
//! The rules in [`super::signals`] know the phrases they were shown; on pages of sites they
//! were never tuned on, in languages they have few words for, they miss about one server error
//! in three. This model reads the same text as character n-grams (so "wartung", "mantenimiento"
//! and "manutenzione" share pieces, and so do "ошибка" and "ошибки") and gives the probability
//! that the page is a server error page. It is trained on the corpus's tuning part only
//! (`tests/corpus`, `split: tune`), by [`train`], with no randomness, so that anyone can check
//! that the shipped weights come from that part and nothing else (`tests/detect_model.rs`
//! retrains and compares byte for byte).
//!
//! It is one signal among the rules' signals, never a verdict of its own: it counts only on a
//! page the rules already find anchored (a failure line or failure words at the top), and the
//! structure of an article (prose, dates, links, article markup) still counts against it.
//!
//! Features: the normalised title, a line break, and the first [`LEAD_CHARS`] characters of the
//! normalised text; every word padded with a space on each side and cut into its 3-, 4- and
//! 5-character pieces (a shorter word is one piece); each piece hashed (FNV-1a, 32 bit) into
//! one of [`BUCKETS`] counts; the counts scaled to unit length. The weights are a logistic
//! regression over those, stored as one byte per bucket (`model.bin`, see [`Model::to_bytes`]).

/// Hashed feature space.
pub const BUCKETS: usize = 1 << 14;
/// Characters of the page's text read after the title.
pub const LEAD_CHARS: usize = 600;
const MIN_N: usize = 3;
const MAX_N: usize = 5;
const MAGIC: &[u8; 4] = b"BBM1";

/// The shipped weights (see `tests/detect_model.rs` and `examples/train_model.rs`).
static SHIPPED: &[u8] = include_bytes!("model.bin");

/// A page's model input: the title, a line break, and the first [`LEAD_CHARS`] characters of
/// its text (both already normalised by [`super::signals::normalize`]).
pub fn input(title: &str, text: &str, menu_lines: usize) -> String {
    let mut s = String::with_capacity(title.len() + LEAD_CHARS + 1);
    s.push_str(title);
    s.push('\n');
    let mut text = text;
    for _ in 0..menu_lines {
        text = text.trim_start().split_once('\n').map_or("", |(_, rest)| rest);
    }
    s.extend(text.chars().take(LEAD_CHARS));
    s
}

/// The unit-length hashed piece counts of `doc`, as (bucket, value) sorted by bucket.
pub fn features(doc: &str) -> Vec<(u32, f32)> {
    let mut buckets: Vec<u32> = Vec::new();
    let mut chars: Vec<char> = Vec::new();
    let mut buf = [0u8; 4];
    for word in doc.split_whitespace() {
        chars.clear();
        chars.push(' ');
        chars.extend(word.chars());
        chars.push(' ');
        for n in MIN_N..=MAX_N {
            if chars.len() <= n {
                buckets.push(bucket(&chars, &mut buf));
                break;
            }
            for piece in chars.windows(n) {
                buckets.push(bucket(piece, &mut buf));
            }
        }
    }
    buckets.sort_unstable();
    let mut out: Vec<(u32, f32)> = Vec::new();
    for b in buckets {
        match out.last_mut() {
            Some((last, count)) if *last == b => *count += 1.0,
            _ => out.push((b, 1.0)),
        }
    }
    let norm = out.iter().map(|(_, c)| c * c).sum::<f32>().sqrt();
    if norm > 0.0 {
        for (_, c) in &mut out {
            *c /= norm;
        }
    }
    out
}

/// FNV-1a (32-bit): its offset basis, and one step (`bytes.fold(FNV_OFFSET, fnv1a_step)`).
pub const FNV_OFFSET: u32 = 0x811c_9dc5;

pub fn fnv1a_step(h: u32, b: u8) -> u32 {
    (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
}

fn bucket(piece: &[char], buf: &mut [u8; 4]) -> u32 {
    let mut h = FNV_OFFSET;
    for c in piece {
        h = c.encode_utf8(buf).bytes().fold(h, fnv1a_step);
    }
    h % BUCKETS as u32
}

/// Logistic regression weights over [`BUCKETS`] hashed features, quantised to one byte each.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub bias: f32,
    /// Weight of bucket i is `weights[i] as f32 * scale`.
    pub scale: f32,
    pub weights: Vec<i8>,
}

impl Model {
    /// The weights that ship in the extension.
    pub fn shipped() -> &'static Model {
        static MODEL: std::sync::OnceLock<Model> = std::sync::OnceLock::new();
        MODEL.get_or_init(|| Model::from_bytes(SHIPPED).expect("src/detect/model.bin is a model (tests/detect_model.rs checks it)"))
    }

    /// `BBM1`, bias (f32 LE), scale (f32 LE), then one signed byte per bucket.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(12 + BUCKETS);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.bias.to_le_bytes());
        out.extend_from_slice(&self.scale.to_le_bytes());
        out.extend(self.weights.iter().map(|w| *w as u8));
        out
    }

    pub fn from_bytes(b: &[u8]) -> Result<Model, String> {
        if b.len() != 12 + BUCKETS || &b[..4] != MAGIC {
            return Err(format!("not a model: {} bytes (want {} starting with BBM1)", b.len(), 12 + BUCKETS));
        }
        let f = |i: usize| f32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        Ok(Model { bias: f(4), scale: f(8), weights: b[12..].iter().map(|x| *x as i8).collect() })
    }

    /// The probability that the page whose [`input`] is `doc` is a server error page.
    pub fn probability(&self, doc: &str) -> f32 {
        let z = self.bias + features(doc).iter().map(|(i, v)| f32::from(self.weights[*i as usize]) * self.scale * v).sum::<f32>();
        1.0 / (1.0 + (-z).exp())
    }
}

/// Training settings: L2 strength as scikit-learn's `C` (the loss summed over pages, times C,
/// plus half the squared weights), and the number of gradient steps.
#[derive(Debug, Clone, Copy)]
pub struct TrainOptions {
    pub c: f64,
    pub steps: usize,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions { c: 16.0, steps: 1500 }
    }
}

/// Fit the weights to `docs` (model input, is a server error page) by Nesterov-accelerated
/// gradient descent on the class-balanced logistic loss with an L2 penalty (the bias is not
/// penalised), then quantise them. Deterministic: the same documents give the same bytes.
pub fn train(docs: &[(String, bool)], opts: TrainOptions) -> Model {
    let xs: Vec<Vec<(u32, f32)>> = docs.iter().map(|(d, _)| features(d)).collect();
    let n = docs.len().max(1) as f64;
    let pos = docs.iter().filter(|(_, y)| *y).count().max(1) as f64;
    let neg = (docs.len() as f64 - pos).max(1.0);
    // Balanced class weights, as scikit-learn's class_weight="balanced".
    let w: Vec<f64> = docs.iter().map(|(_, y)| if *y { n / (2.0 * pos) } else { n / (2.0 * neg) }).collect();
    // Objective (divided by C n): mean weighted loss + lambda/2 |theta|^2.
    let lambda = 1.0 / (opts.c * n);
    // Lipschitz constant of the gradient: each x has unit length, plus the bias's constant 1.
    let lip = w.iter().sum::<f64>() * 2.0 / (4.0 * n) + lambda;
    let step = 1.0 / lip;
    let dim = BUCKETS + 1; // the last one is the bias
    let mut theta = vec![0f64; dim];
    let mut prev = theta.clone();
    let mut grad = vec![0f64; dim];
    for k in 0..opts.steps {
        // Look-ahead point y = theta + (k-1)/(k+2) (theta - prev).
        let mom = if k == 0 { 0.0 } else { (k as f64 - 1.0) / (k as f64 + 2.0) };
        let look: Vec<f64> = theta.iter().zip(&prev).map(|(t, p)| t + mom * (t - p)).collect();
        grad.iter_mut().for_each(|g| *g = 0.0);
        for ((x, (_, y)), wi) in xs.iter().zip(docs).zip(&w) {
            let z = look[BUCKETS] + x.iter().map(|(i, v)| look[*i as usize] * f64::from(*v)).sum::<f64>();
            let p = 1.0 / (1.0 + (-z).exp());
            let r = wi * (p - if *y { 1.0 } else { 0.0 }) / n;
            for (i, v) in x {
                grad[*i as usize] += r * f64::from(*v);
            }
            grad[BUCKETS] += r;
        }
        for (g, l) in grad[..BUCKETS].iter_mut().zip(&look) {
            *g += lambda * l;
        }
        prev.clone_from(&theta);
        for ((t, l), g) in theta.iter_mut().zip(&look).zip(&grad) {
            *t = l - step * g;
        }
    }
    let max = theta[..BUCKETS].iter().fold(0f64, |m, t| m.max(t.abs()));
    let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
    Model {
        bias: theta[BUCKETS] as f32,
        scale: scale as f32,
        weights: theta[..BUCKETS].iter().map(|t| (t / scale).round().clamp(-127.0, 127.0) as i8).collect(),
    }
}

/// One corpus case as the model reads it: its file, its [`input`], whether it is a server error
/// page, and its batch (if any).
#[cfg(not(target_arch = "wasm32"))]
pub struct CorpusDoc {
    pub file: String,
    pub input: String,
    pub server_error: bool,
    pub batch: Option<String>,
    /// The case's source (`origin`): cross-validation folds keep a source on one side.
    pub origin: String,
    /// The case's label (`server_error`, `normal`, ...).
    pub label: String,
    /// What the browser sends: the first `MAX_PAGE_HTML` bytes.
    pub html: String,
}

#[cfg(not(target_arch = "wasm32"))]
impl CorpusDoc {
    /// How a verdict on this case counts, as an index into a tally: 0 found, 1 missed, 2 a
    /// 4xx/429 page alarmed, 3 an ordinary page alarmed; `None` for a negative left alone.
    pub fn outcome(&self, alarmed: bool) -> Option<usize> {
        match (self.server_error, alarmed) {
            (true, true) => Some(0),
            (true, false) => Some(1),
            (false, true) if self.label == "normal" => Some(3),
            (false, true) => Some(2),
            (false, false) => None,
        }
    }
}

/// The tuning part (`"split": "tune"`) of the corpus in `dir` (its `labels.jsonl` layout), each
/// case read as the browser sends it (the first `MAX_PAGE_HTML` bytes) and as
/// [`super::classify_html`] reads it. The held-out part is never read.
#[cfg(not(target_arch = "wasm32"))]
pub fn tuning_docs(dir: &std::path::Path) -> Result<Vec<CorpusDoc>, String> {
    let labels = std::fs::read_to_string(dir.join("labels.jsonl")).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut out = Vec::new();
    for line in labels.lines().filter(|l| !l.trim().is_empty()) {
        let case: serde_json::Value = serde_json::from_str(line).map_err(|e| format!("labels.jsonl: {e}"))?;
        if case["split"] != "tune" {
            continue;
        }
        let file = case["file"].as_str().ok_or("labels.jsonl: a case without \"file\"")?;
        let bytes = std::fs::read(dir.join(file)).map_err(|e| format!("{file}: {e}"))?;
        let html = String::from_utf8_lossy(&bytes);
        let mut cut = html.len().min(crate::engine::MAX_PAGE_HTML);
        while !html.is_char_boundary(cut) {
            cut -= 1;
        }
        let html = &html[..cut];
        out.push(CorpusDoc {
            file: file.to_string(),
            input: super::model_input_of_html(html),
            server_error: case["label"] == "server_error",
            batch: case["batch"].as_str().map(str::to_string),
            origin: case["origin"].as_str().unwrap_or(file).to_string(),
            label: case["label"].as_str().unwrap_or_default().to_string(),
            html: html.to_string(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_of_words() {
        // " ab " is one piece (shorter than 5 but 4 long: its 3-pieces and the whole word).
        let f = features("ab");
        assert_eq!(f.len(), 3, "{f:?}"); // " ab", "ab ", " ab "
        let norm: f32 = f.iter().map(|(_, v)| v * v).sum();
        assert!((norm - 1.0).abs() < 1e-5);
        assert!(features("").is_empty());
        assert!(features("   \n ").is_empty());
        // Same pieces in any order of words.
        assert_eq!(features("service unavailable"), features("unavailable service"));
    }

    #[test]
    fn bytes_round_trip_and_bad_bytes() {
        let m = Model { bias: -0.5, scale: 0.01, weights: (0..BUCKETS).map(|i| (i % 255) as u8 as i8).collect() };
        assert_eq!(Model::from_bytes(&m.to_bytes()), Ok(m));
        assert!(Model::from_bytes(b"BBM1").is_err());
        assert!(Model::from_bytes(&[0u8; 12 + BUCKETS]).is_err());
    }

    #[test]
    fn learns_a_separable_toy_set_and_is_deterministic() {
        let docs: Vec<(String, bool)> = [
            ("503 service unavailable\nthe server is down for maintenance", true),
            ("wartungsarbeiten\nunsere seite ist gleich wieder da", true),
            ("502 bad gateway\nnginx", true),
            ("how to fix a 502 error\nin this article we explain", false),
            ("recipes\nour favourite soups and breads", false),
            ("news\nthe city council met on tuesday", false),
        ]
        .iter()
        .map(|(d, y)| (d.to_string(), *y))
        .collect();
        let m = train(&docs, TrainOptions { c: 10.0, steps: 300 });
        assert_eq!(m, train(&docs, TrainOptions { c: 10.0, steps: 300 }));
        for (d, y) in &docs {
            assert_eq!(m.probability(d) > 0.5, *y, "{d}: {}", m.probability(d));
        }
    }

    #[test]
    fn the_shipped_model_loads() {
        let m = Model::shipped();
        let p = m.probability(&input("502 bad gateway", "502 bad gateway\nnginx", 0));
        assert!((0.0..=1.0).contains(&p));
    }
}
