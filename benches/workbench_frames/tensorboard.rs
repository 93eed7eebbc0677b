//! The TensorBoard scenes: a logdir opened in the workbench, from nothing to its charts drawn
//! (the logdir indexed, the runs listed, every chart's lines read and drawn). The logdirs are
//! written by `benches/tensorboard_load.py` with tensorboardX, which also times TensorBoard's own
//! loader on them and prints the two side by side.

use super::Bench;
use super::curves::open_to_drawn;
use runhistory::connect::Source;
use runhistory::tensorboard::Logdir;
use runhistory::ui::WorkbenchApp;
use runhistory::ui::command::Command;
use runhistory::ui::settings::Settings;
use std::path::PathBuf;
use std::time::Instant;

/// Opens `dir` in a new workbench and steps frames until `keys` charts show `runs` lines each;
/// prints one line that the Python side reads.
fn open(what: &str, dir: PathBuf, keys: usize, runs: usize) {
    // The event files alone read and decoded, without a store: the reader's share of an opening.
    let t = Instant::now();
    let points: usize = Logdir::new(&dir)
        .poll()
        .expect("logdir")
        .iter()
        .map(|u| u.points())
        .sum();
    println!(
        "  {what}: {points} scalars read from the event files in {:.0} ms (framing, CRC, decoding)",
        t.elapsed().as_secs_f64() * 1000.0
    );
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let t = Instant::now();
    let app = WorkbenchApp::new(Source::Logdir(dir), Settings::default(), None).expect("app");
    let indexed = t.elapsed().as_secs_f64() * 1000.0;
    let mut b = Bench {
        ctx: egui::Context::default(),
        app,
        start: Instant::now(),
    };
    b.settle(|a| a.wb.experiments().is_some());
    let id = b
        .app
        .wb
        .experiments()
        .and_then(|e| e.iter().find(|e| e.name == name))
        .map(|e| e.experiment_id.clone())
        .expect("the logdir's experiment");
    b.app.wb.apply(Command::SelectExperiment(id.clone()));
    let opening = open_to_drawn(&mut b, &id, keys, runs);
    let total = t.elapsed().as_secs_f64() * 1000.0;
    println!(
        "tensorboard {what}: opened to its charts drawn in {total:.0} ms (indexed in {indexed:.0} ms, \
         lines read at {:.0} ms after)",
        opening.lines_read
    );
}

pub fn scenes() {
    let var = |k: &str| std::env::var_os(k).map(PathBuf::from);
    let (Some(big), Some(many)) = (var("RUNHISTORY_BENCH_TB_BIG"), var("RUNHISTORY_BENCH_TB_MANY")) else {
        println!("tensorboard scenes: run `python3 benches/tensorboard_load.py`, which writes their logdirs");
        return;
    };
    open("1,000,000 scalars in one event file", big, 1, 1);
    open("1,000 runs", many, 1, 1_000);
}
