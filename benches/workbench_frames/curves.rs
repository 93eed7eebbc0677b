//! The learning-curves scenes: 1,000 runs x 5 metrics x 2,000 steps opened to every chart drawn
//! (one bulk read per chart), frames settled and while hovering, and what a refresh reads while
//! 10 of the runs log; then one experiment of 3,000 metric keys over 20 runs.

use super::{Bench, finish, report, report_median};
use runhistory::api::ext::{CreateRunExt, IngestBatch, Num, SeriesChunk};
use runhistory::store::Store;
use runhistory::ui::command::Command;
use std::time::{Duration, Instant};

const METRICS: usize = 5;
const STEPS: usize = 2_000;

/// `runs` runs of `keys` metrics, each `steps` points; returns the run ids.
pub fn seed(store: &Store, experiment: &str, runs: usize, keys: usize, steps: usize) -> Vec<String> {
    (0..runs)
        .map(|i| {
            let run = store
                .create_run(&CreateRunExt {
                    experiment_name: Some(experiment.into()),
                    start_time: Some(1_700_000_000_000 + i as i64 * 60_000),
                    ..Default::default()
                })
                .expect("run");
            let rate = 1.0 + (i % 10) as f64 / 5.0;
            let series = (0..keys)
                .map(|k| SeriesChunk {
                    key: format!("metric_{k:04}"),
                    values: (0..steps)
                        .map(|s| {
                            let t = s as f64 / steps as f64;
                            Num((-(rate * 3.0 * t)).exp() + 0.05 * ((s * 7 + i * 13 + k) % 17) as f64 / 17.0)
                        })
                        .collect(),
                    timestamps: vec![1_700_000_000_000 + i as i64 * 60_000],
                    ..Default::default()
                })
                .collect();
            store
                .ingest(&IngestBatch {
                    run_id: run.run_id.clone(),
                    series,
                    params: vec![runhistory::api::KeyValue {
                        key: "lr".into(),
                        value: format!("{}", (i % 10 + 1) as f64 / 1000.0),
                    }],
                    ..Default::default()
                })
                .expect("ingest");
            finish(store, &run.run_id);
            run.run_id
        })
        .collect()
}

fn all_drawn(b: &Bench, keys: usize, runs: usize) -> bool {
    let shown: Vec<&String> = b.app.view.curve_frames.keys().collect();
    shown.len() >= keys
        && shown.iter().all(|k| {
            b.app
                .wb
                .curves()
                .feed(k)
                .is_some_and(|f| f.chart().lines.len() == runs && !f.is_loading())
        })
}

/// Where an opening's time went: the runs listed, every chart's lines read, and the UI thread's
/// CPU over all its frames and in the last one (which draws every chart's texture).
pub struct Opening {
    total: f64,
    runs_listed: f64,
    pub lines_read: f64,
    ui_cpu: f64,
    last_frame: f64,
}

/// Opens the experiment and steps frames until every chart on screen has all its runs' lines.
pub fn open_to_drawn(b: &mut Bench, experiment: &str, keys: usize, runs: usize) -> Opening {
    b.app.wb.apply(Command::ShowDashboard);
    b.app.wb.apply(Command::SelectExperiment(experiment.into()));
    b.app.view.curve_frames.clear();
    let t = Instant::now();
    let ms = |t: Instant| t.elapsed().as_secs_f64() * 1000.0;
    let (mut runs_listed, mut ui_cpu) = (None, 0.0);
    // Frames at a display's pace (60 a second), as a window repaints while it waits: stepping
    // frames as fast as they go would take the CPU the reads need.
    let mut next = Instant::now();
    while t.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
        next = Instant::now() + Duration::from_micros(16_667);
        ui_cpu += b.frame(vec![]).as_secs_f64() * 1000.0;
        if b.app.wb.runs().len() == runs {
            runs_listed.get_or_insert(ms(t));
            if all_drawn(b, keys, runs) {
                let lines_read = ms(t);
                let last_frame = b.frame(vec![]).as_secs_f64() * 1000.0;
                return Opening {
                    total: ms(t),
                    runs_listed: runs_listed.unwrap_or(lines_read),
                    lines_read,
                    ui_cpu: ui_cpu + last_frame,
                    last_frame,
                };
            }
        }
    }
    panic!("the curves were never drawn");
}

/// The median opening, with where its time went.
fn report_openings(what: &str, mut opens: Vec<Opening>) {
    opens.sort_by(|a, b| a.total.total_cmp(&b.total));
    let m = &opens[opens.len() / 2];
    report_median(what, opens.iter().map(|o| o.total).collect(), 1000.0);
    println!(
        "  runs listed at {:.0} ms, every chart's lines read at {:.0} ms; UI thread {:.0} ms in all, \
         {:.0} ms of it in the last frame (drawing the charts)",
        m.runs_listed, m.lines_read, m.ui_cpu, m.last_frame
    );
}

pub fn scenes(b: &mut Bench, store: &Store, id_of: impl Fn(&str) -> String) {
    let t = Instant::now();
    let ids = seed(store, "curves", 1_000, METRICS, STEPS);
    println!(
        "seeded 1,000 runs x {METRICS} metrics x {STEPS} steps in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let exp = id_of("curves");
    let mut opens = Vec::new();
    for _ in 0..3 {
        b.app.wb.apply(Command::SelectExperiment(id_of("dashboard")));
        b.settle(|a| a.wb.runs().len() == 1000);
        opens.push(open_to_drawn(b, &exp, METRICS, 1_000));
    }
    report_openings("learning curves, 1,000 runs: opened to all drawn", opens);
    bulk_read_cost(b, store, &ids);
    b.settle(|_| true);
    report("learning curves, 1,000 runs, settled", b.measure(200, |_| vec![]), 16.0);
    let frame = b.app.view.curve_frames["metric_0000"];
    let r = *frame.frame();
    let hover = move |i: usize| {
        let x = r.left() + 10.0 + (i % 60) as f32 * (r.width() - 20.0) / 60.0;
        let y = r.top() + r.height() * (0.2 + 0.6 * ((i / 60) % 5) as f32 / 5.0);
        vec![egui::Event::PointerMoved(egui::pos2(x, y))]
    };
    report("learning curves, 1,000 runs, hovering", b.measure(300, hover), 16.0);

    // 10 runs log 100 more points of every metric; a refresh reads those runs alone.
    for id in ids.iter().take(10) {
        store
            .ingest(&IngestBatch {
                run_id: id.clone(),
                series: (0..METRICS)
                    .map(|k| SeriesChunk {
                        key: format!("metric_{k:04}"),
                        values: vec![Num(0.01); 100],
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            })
            .expect("ingest");
    }
    b.app.wb.apply(Command::Refresh);
    b.settle(|a| {
        a.wb.curves().feed("metric_0000").is_some_and(|f| {
            f.chart()
                .lines
                .iter()
                .filter(|l| l.total_points == (STEPS + 100) as u64)
                .count()
                == 10
        })
    });
    let read = b.app.wb.curves().feed("metric_0000").expect("feed").last_read;
    let summary = reqwest::blocking::get(format!(
        "{}/api/2.0/runhistory/experiments/summary?experiment_id={exp}",
        b.app.wb.base_url()
    ))
    .and_then(|r| r.bytes())
    .map_or(0, |b| b.len());
    let px = b.app.view.curve_frames["metric_0000"].frame().width() as usize;
    let changed: Vec<&String> = ids.iter().take(10).collect();
    let curves = reqwest::blocking::Client::new()
        .post(format!(
            "{}/api/2.0/runhistory/metrics/downsample-runs",
            b.app.wb.base_url()
        ))
        .header("Accept", runhistory::api::curves_binary::MEDIA_TYPE)
        .json(&serde_json::json!({"key": "metric_0000", "run_ids": changed, "buckets": px}))
        .send()
        .and_then(|r| r.bytes())
        .map_or(0, |b| b.len());
    println!(
        "  a refresh with 10 of 1,000 runs live: each chart re-reads {} runs ({} buckets, {} KB), \
         plus the runs' summary ({} KB) once; {} charts: {} KB in all",
        read.runs,
        read.buckets,
        curves / 1024,
        summary / 1024,
        METRICS,
        (curves * METRICS + summary) / 1024
    );

    let t = Instant::now();
    seed(store, "keys", 20, 3_000, 20);
    println!("seeded 20 runs x 3,000 keys in {:.1} s", t.elapsed().as_secs_f64());
    let keys_exp = id_of("keys");
    let mut opens = Vec::new();
    for _ in 0..3 {
        b.app.wb.apply(Command::SelectExperiment(id_of("dashboard")));
        b.settle(|a| a.wb.runs().len() == 1000);
        opens.push(open_to_drawn(b, &keys_exp, 2, 20));
    }
    report_openings("3,000 metric keys: opened to charts drawn", opens);
    b.settle(|_| true);
    report("3,000 metric keys, settled", b.measure(200, |_| vec![]), 16.0);
    b.app.view.curve_search = "metric_2999".into();
    let t = Instant::now();
    b.frame(vec![]);
    let search_ms = t.elapsed().as_secs_f64() * 1000.0;
    println!("  the chart search over 3,000 keys answered in one frame of {search_ms:.1} ms");
}

/// Where the opening's time goes: one chart's bulk read of every run, timed as the server answers
/// it (the body's bytes) and as the client decodes it.
fn bulk_read_cost(b: &Bench, store: &Store, ids: &[String]) {
    let px = b.app.view.curve_frames["metric_0000"].frame().width() as usize;
    let url = format!("{}/api/2.0/runhistory/metrics/downsample-runs", b.app.wb.base_url());
    let body = serde_json::json!({"key": "metric_0000", "run_ids": ids, "buckets": px});
    let http = reqwest::blocking::Client::new();
    // The store's read alone, and its JSON encoding, in this process.
    let req = runhistory::api::curves::CurvesRequest {
        key: "metric_0000".into(),
        run_ids: ids.to_vec(),
        x: "step".into(),
        buckets: px,
        ..Default::default()
    };
    let t = Instant::now();
    let read = store.downsample_runs(&req).expect("store read");
    let store_ms = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let encoded = serde_json::to_vec(&read).expect("encode").len();
    let encode_ms = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let packed = runhistory::api::curves_binary::encode(&read).len();
    let pack_ms = t.elapsed().as_secs_f64() * 1000.0;
    println!(
        "  of which the store's read {store_ms:.0} ms; encoding as JSON {encode_ms:.0} ms ({:.1} MB), \
         in binary {pack_ms:.0} ms ({:.1} MB)",
        encoded as f64 / 1e6,
        packed as f64 / 1e6
    );
    let binary = runhistory::api::curves_binary::MEDIA_TYPE;
    for (form, accept) in [("JSON", "application/json"), ("binary", binary)] {
        let mut served = Vec::new();
        let mut decoded = Vec::new();
        let mut bytes = 0;
        for _ in 0..3 {
            let t = Instant::now();
            let raw = http
                .post(&url)
                .header("Accept", accept)
                .json(&body)
                .send()
                .and_then(|r| r.bytes())
                .expect("bulk read");
            served.push(t.elapsed().as_secs_f64() * 1000.0);
            bytes = raw.len();
            let t = Instant::now();
            // Into each run's buckets, as the workbench reads either form.
            let series = if accept == binary {
                runhistory::api::curves_binary::decode_series(&raw).expect("curves").2
            } else {
                let curves: runhistory::api::curves::Curves = serde_json::from_slice(&raw).expect("curves");
                curves
                    .series
                    .into_iter()
                    .filter_map(|c| c.into_series("metric_0000", "step"))
                    .collect()
            };
            let n: usize = series.iter().map(|s| s.buckets.len()).sum();
            decoded.push(t.elapsed().as_secs_f64() * 1000.0);
            assert!(n > 0);
        }
        served.sort_by(f64::total_cmp);
        decoded.sort_by(f64::total_cmp);
        println!(
            "  one chart's bulk read as {form}, 1,000 runs x {px} buckets: {:.0} ms served and received, \
             {:.1} MB, {:.0} ms decoded (medians)",
            served[1],
            bytes as f64 / 1e6,
            decoded[1]
        );
    }
}
