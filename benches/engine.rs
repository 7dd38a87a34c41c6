//! Per-event cost of the recovery engine, natively: a healthy navigation, a 502, a wake-up.
//!
//! A plain harness (no criterion): each figure is the median of 15 batches, in nanoseconds per
//! event. Run with `cargo bench --bench engine`; `./build.sh bench` collects the output.

use std::hint::black_box;
use std::time::Instant;

use bounceback::engine::{Engine, Event};
use bounceback::settings::Settings;

fn median_ns_per_iter(iters: u32, mut f: impl FnMut(u32)) -> f64 {
    let mut batches: Vec<f64> = (0..15)
        .map(|_| {
            let start = Instant::now();
            for i in 0..iters {
                f(i);
            }
            start.elapsed().as_nanos() as f64 / f64::from(iters)
        })
        .collect();
    batches.sort_by(f64::total_cmp);
    batches[batches.len() / 2]
}

fn nav(tab_id: i64, status: u16) -> Event {
    Event::NavigationCompleted {
        tab_id,
        url: format!("https://site{}.example/page", tab_id % 7),
        method: "GET".into(),
        status,
        headers: vec![("server".into(), "nginx".into()), ("content-type".into(), "text/html".into())],
    }
}

fn main() {
    let mut engine = Engine::new(Settings::default(), 1);
    let healthy = median_ns_per_iter(20_000, |i| {
        black_box(engine.handle(black_box(nav(i64::from(i % 50), 200)), f64::from(i)));
    });

    let failing = median_ns_per_iter(20_000, |i| {
        let mut engine = Engine::new(Settings::default(), 1);
        black_box(engine.handle(black_box(nav(i64::from(i % 50), 502)), 1_000.0));
    });
    let fresh = median_ns_per_iter(20_000, |_| {
        black_box(Engine::new(Settings::default(), 1));
    });

    let mut engine = Engine::new(Settings::default(), 1);
    for tab in 0..20 {
        engine.handle(nav(tab, 502), 0.0);
    }
    let mut now = 0.0;
    let wake = median_ns_per_iter(20_000, |_| {
        now += 1.0;
        black_box(engine.handle(Event::WokeUp, now));
    });

    println!("engine/healthy_navigation_ns {healthy:.0}");
    println!("engine/502_navigation_ns {:.0}", (failing - fresh).max(0.0));
    println!("engine/wake_up_20_tabs_ns {wake:.0}");
}
