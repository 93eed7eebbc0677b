//! Frame cost of the workbench, headless, over a real store: CPU time of the ui pass plus
//! tessellation per frame for the dashboard (1,000 runs, 12 charts), details of a 10,000,000-point
//! series (settled and while zooming), compare of 3 runs with 1,000,000 points each; the time from
//! opening a run with a 1,000,000- or 10,000,000-point series to its chart drawn, and from a zoom
//! of the 10,000,000-point series to its re-read buckets; learning curves of 1,000 runs and an
//! experiment of 3,000 metric keys (`curves`); TensorBoard logdirs opened (`tensorboard`); one
//! learning-curves chart's texture drawn alone (`raster`).
//!
//! `cargo bench --bench workbench_frames` (release). Prints figures; asserts nothing about time.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark stops at its first failure"
)]

use runhistory::api::Metric;
use runhistory::api::ext::{CreateRunExt, IngestBatch, Num, SeriesChunk, UpdateRunExt};
use runhistory::connect::Source;
use runhistory::store::Store;
use runhistory::ui::WorkbenchApp;
use runhistory::ui::command::{ChartView, Command, FeedId};
use runhistory::ui::settings::Settings;
use std::time::{Duration, Instant};

#[path = "workbench_frames/curves.rs"]
mod curves;
#[path = "workbench_frames/raster.rs"]
mod raster;
#[path = "workbench_frames/tensorboard.rs"]
mod tensorboard;

const SIZE: [f32; 2] = [1600.0, 900.0];

/// CPU time of this thread (the UI thread): what a frame costs, whatever the I/O threads do.
#[allow(unsafe_code, reason = "the thread's CPU clock is only reachable through libc")]
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes into the timespec it is given and nothing else.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

struct Bench {
    ctx: egui::Context,
    app: WorkbenchApp,
    start: Instant,
}

impl Bench {
    fn input(&self, events: Vec<egui::Event>) -> egui::RawInput {
        egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(egui::Pos2::ZERO, SIZE.into())),
            time: Some(self.start.elapsed().as_secs_f64()),
            events,
            ..Default::default()
        }
    }

    /// One frame; returns its UI-thread CPU time.
    fn frame(&mut self, events: Vec<egui::Event>) -> Duration {
        let input = self.input(events);
        let t0 = thread_cpu();
        let app = &mut self.app;
        let out = self.ctx.run_ui(input, |ui| app.frame(ui));
        let _ = self.ctx.tessellate(out.shapes, out.pixels_per_point);
        thread_cpu().saturating_sub(t0)
    }

    fn settle(&mut self, done: impl Fn(&WorkbenchApp) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            self.frame(vec![]);
            if done(&self.app) && !self.app.wb.is_busy() {
                for _ in 0..3 {
                    self.frame(vec![]);
                }
                return;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        panic!("did not settle");
    }

    /// Frames of a view left alone, then while zooming its chart in and out; waits for the reads.
    fn settled_and_zooming(&mut self, what: &str, chart_id: &str) {
        report(&format!("{what}, settled"), self.measure(200, |_| vec![]), 8.0);
        let frame = self.app.view.series_frames[chart_id];
        report(&format!("{what}, zooming"), self.measure(200, zoom_events(frame)), 16.0);
        self.settle(|_| true);
    }

    fn measure(&mut self, frames: usize, events: impl Fn(usize) -> Vec<egui::Event>) -> (f64, f64) {
        let mut t: Vec<f64> = (0..frames)
            .map(|i| self.frame(events(i)).as_secs_f64() * 1000.0)
            .collect();
        t.sort_by(f64::total_cmp);
        (t.iter().sum::<f64>() / t.len() as f64, t[t.len() * 95 / 100])
    }
}

fn seed_runs(store: &Store, experiment: &str, n: usize, metrics: usize) {
    for i in 0..n {
        let run = store
            .create_run(&CreateRunExt {
                experiment_name: Some(experiment.into()),
                script_name: Some(format!("train_{}.py", i % 3)),
                start_time: Some(1_700_000_000_000 + i as i64 * 60_000),
                ..Default::default()
            })
            .expect("run");
        let batch = IngestBatch {
            run_id: run.run_id.clone(),
            metrics: (0..metrics)
                .map(|m| Metric {
                    key: format!("metric_{m:02}"),
                    value: ((i * 7 + m * 13) % 100) as f64 / 100.0,
                    timestamp: 1,
                    step: 0,
                    ..Default::default()
                })
                .collect(),
            params: vec![runhistory::api::KeyValue {
                key: "lr".into(),
                value: format!("{}", (i % 10) as f64 / 100.0),
            }],
            ..Default::default()
        };
        store.ingest(&batch).expect("ingest");
        finish(store, &run.run_id);
    }
}

fn finish(store: &Store, run_id: &str) {
    store
        .update_run(&UpdateRunExt {
            run_id: run_id.into(),
            status: Some("FINISHED".into()),
            end_time: Some(1_700_000_000_000 + 3_600_000),
            ..Default::default()
        })
        .expect("finish");
}

fn long_run(store: &Store, experiment: &str, points: usize) -> String {
    let run = store
        .create_run(&CreateRunExt {
            experiment_name: Some(experiment.into()),
            start_time: Some(1_700_000_000_000),
            ..Default::default()
        })
        .expect("run");
    let chunk = 500_000;
    for start in (0..points).step_by(chunk) {
        let n = chunk.min(points - start);
        let values = (start..start + n)
            .map(|s| Num((s as f64 / 5e4).sin() / (1.0 + s as f64 / 1e6) + (s % 97) as f64 / 970.0))
            .collect();
        store
            .ingest(&IngestBatch {
                run_id: run.run_id.clone(),
                series: vec![SeriesChunk {
                    key: "loss".into(),
                    values,
                    timestamps: vec![1_700_000_000_000 + start as i64],
                    ..Default::default()
                }],
                ..Default::default()
            })
            .expect("ingest");
    }
    finish(store, &run.run_id);
    run.run_id
}

fn zoom_events(frame: egui_plot::PlotTransform) -> impl Fn(usize) -> Vec<egui::Event> {
    let c = frame.frame().center();
    move |i| {
        vec![
            egui::Event::PointerMoved(c + egui::vec2((i % 40) as f32 * 5.0 - 100.0, 0.0)),
            egui::Event::Zoom(if (i / 20).is_multiple_of(2) { 1.15 } else { 1.0 / 1.15 }),
        ]
    }
}

fn report(what: &str, (mean, p95): (f64, f64), target: f64) {
    let verdict = if p95 <= target { "meets" } else { "MISSES" };
    println!("{what:<52} mean {mean:6.2} ms   p95 {p95:6.2} ms   target {target} ms: {verdict}");
}

fn main() {
    // `cargo bench --bench workbench_frames -- tensorboard` runs the TensorBoard scenes alone.
    if std::env::args().any(|a| a == "tensorboard") {
        tensorboard::scenes();
        return;
    }
    // `cargo bench --bench workbench_frames -- raster` draws a learning-curves texture alone.
    if std::env::args().any(|a| a == "raster") {
        raster::scene();
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("store");
    // `cargo bench --bench workbench_frames -- curves` runs the learning-curve scenes alone.
    let only_curves = std::env::args().any(|a| a == "curves");
    let t = Instant::now();
    seed_runs(&store, "dashboard", 1000, 12);
    let long = (!only_curves).then(|| {
        let big = long_run(&store, "long", 10_000_000);
        let million = long_run(&store, "million", 1_000_000);
        let cmp: Vec<String> = (0..3).map(|_| long_run(&store, "compare", 1_000_000)).collect();
        (big, million, cmp)
    });
    println!("seeded the store in {:.1} s", t.elapsed().as_secs_f64());

    let id_of = |name: &str| store.get_experiment_by_name(name).expect("experiment").experiment_id;
    let app = WorkbenchApp::new(
        Source::Embedded {
            store: dir.path().into(),
            create: true,
        },
        Settings::default(),
        None,
    )
    .expect("app");
    let mut b = Bench {
        ctx: egui::Context::default(),
        app,
        start: Instant::now(),
    };

    b.settle(|a| a.wb.experiments().is_some());
    if let Some((big, million, cmp)) = long {
        b.app.wb.apply(Command::SelectExperiment(id_of("dashboard")));
        b.settle(|a| a.wb.runs().len() == 1000);
        report(
            "dashboard, 1,000 runs, 12 charts, settled",
            b.measure(200, |_| vec![]),
            8.0,
        );
        let scroll = |i: usize| {
            vec![
                egui::Event::PointerMoved(egui::pos2(800.0, 800.0)),
                egui::Event::MouseWheel {
                    unit: egui::MouseWheelUnit::Point,
                    delta: egui::vec2(0.0, if (i / 30).is_multiple_of(2) { -40.0 } else { 40.0 }),
                    modifiers: Default::default(),
                    phase: egui::TouchPhase::Move,
                    source: egui::MouseWheelSource::Wheel,
                },
            ]
        };
        report("dashboard, scrolling the grid", b.measure(200, scroll), 16.0);

        b.app.wb.apply(Command::SelectExperiment(id_of("long")));
        b.settle(|a| a.wb.runs().len() == 1);
        b.app.wb.apply(Command::OpenRun(big.clone()));
        b.settle(|a| a.view.series_frames.contains_key("series_loss"));
        b.settled_and_zooming("details, 10,000,000-point series", "series_loss");
        let shown = b
            .app
            .wb
            .route()
            .details()
            .and_then(|d| d.series.get("loss"))
            .and_then(|f| f.total_points());
        println!("  after zooming, the chart shows {shown:?} of 10,000,000 points, re-read for the visible range");

        b.app.wb.apply(Command::SelectExperiment(id_of("compare")));
        b.settle(|a| a.wb.runs().len() == 3);
        for id in &cmp {
            b.app.wb.apply(Command::ToggleSelected(id.clone()));
        }
        b.app.wb.apply(Command::CompareSelected);
        b.settle(|a| a.view.series_frames.contains_key("cmp_loss"));
        b.settled_and_zooming("compare, 3 runs x 1,000,000 points", "cmp_loss");

        let million_ms = b.open_to_drawn(&id_of("million"), &million);
        report_median("open a run with 1,000,000 points to chart drawn", million_ms, 300.0);
        let big_ms = b.open_to_drawn(&id_of("long"), &big);
        report_median("open a run with 10,000,000 points to chart drawn", big_ms, 300.0);
        report_median("zoom re-read, 10,000,000 points", b.zoom_rereads(), 100.0);
    }

    curves::scenes(&mut b, &store, id_of);
}

fn report_median(what: &str, mut times: Vec<f64>, target: f64) {
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let verdict = if median <= target { "meets" } else { "MISSES" };
    println!("{what:<52} median {median:6.1} ms   target {target} ms: {verdict}");
}

impl Bench {
    fn details_feed(&self) -> Option<&runhistory::ui::feed::SeriesFeed> {
        self.app.wb.route().details().and_then(|d| d.series.get("loss"))
    }

    /// Times from opening a run to its "loss" chart drawn, five times over.
    fn open_to_drawn(&mut self, experiment: &str, run: &str) -> Vec<f64> {
        self.app.wb.apply(Command::SelectExperiment(experiment.into()));
        self.settle(|a| a.wb.runs().len() == 1);
        let mut times = Vec::new();
        for _ in 0..5 {
            self.app.wb.apply(Command::ShowDashboard);
            self.frame(vec![]);
            let t = Instant::now();
            self.app.wb.apply(Command::OpenRun(run.into()));
            loop {
                self.frame(vec![]);
                if self.details_feed().is_some_and(|f| f.has_data()) {
                    self.frame(vec![]);
                    break;
                }
                std::thread::sleep(Duration::from_micros(200));
            }
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times
    }

    /// Times from a zoom (a new visible range) to its buckets drawn, over the open 10M-point run.
    fn zoom_rereads(&mut self) -> Vec<f64> {
        let mut times = Vec::new();
        for (lo, hi) in [
            (0.0, 5e6),
            (2.5e6, 3.75e6),
            (3e6, 3.1e6),
            (3.05e6, 3.06e6),
            (1e6, 9e6),
            (123_457.0, 7_654_321.0),
            (0.0, 1e7),
        ] {
            let feed = FeedId::Details("loss".into());
            let view = ChartView {
                range: Some((lo, hi)),
                px: 1400,
            };
            let t = Instant::now();
            self.app.wb.apply(Command::ViewSeries(feed, view));
            loop {
                self.frame(vec![]);
                if self.details_feed().is_some_and(|f| !f.is_loading()) {
                    break;
                }
                std::thread::sleep(Duration::from_micros(200));
            }
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times
    }
}
