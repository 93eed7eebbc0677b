use super::*;
use crate::connect::{Source, connect};
use crate::tensorboard::records::frame;
use crate::tensorboard::wire::Writer;
use std::time::Duration;

fn event(step: u64, wall: f64, values: Vec<Writer>) -> Vec<u8> {
    let summary = values.into_iter().fold(Writer::default(), |s, v| s.message(1, v));
    frame(&Writer::default().double(1, wall).varint(2, step).message(5, summary).0)
}

fn scalar(tag: &str, v: f32) -> Writer {
    Writer::default().bytes(1, tag.as_bytes()).float(2, v)
}

fn hparams(pairs: &[(&str, f64)]) -> Writer {
    let start = pairs.iter().fold(Writer::default(), |w, (k, v)| {
        w.message(
            1,
            Writer::default()
                .bytes(1, k.as_bytes())
                .message(2, Writer::default().double(2, *v)),
        )
    });
    let content = Writer::default().message(3, start);
    let metadata = Writer::default().message(1, Writer::default().bytes(1, b"hparams").bytes(2, &content.0));
    Writer::default()
        .bytes(1, b"_hparams_/session_start_info")
        .message(9, metadata)
}

fn image(tag: &str, png: &[u8]) -> Writer {
    Writer::default()
        .bytes(1, tag.as_bytes())
        .message(4, Writer::default().bytes(4, png))
}

fn write_logdir(root: &Path) {
    std::fs::create_dir_all(root.join("lr_0.1")).unwrap();
    let mut bytes = event(0, 100.0, vec![hparams(&[("lr", 0.1), ("batch", 32.0)])]);
    for step in 0..300u64 {
        bytes.extend(event(
            step,
            100.0 + step as f64,
            vec![scalar("train/loss", 1.0 / (step + 1) as f32)],
        ));
    }
    bytes.extend(event(299, 400.0, vec![image("val/sample", b"\x89PNG fake")]));
    std::fs::write(root.join("lr_0.1/events.out.tfevents.1.host"), bytes).unwrap();
}

#[test]
fn a_logdir_becomes_runs_with_points_params_and_images_and_stays_the_same_on_resync() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("logs");
    write_logdir(&root);
    let store = Store::open(dir.path().join("index")).unwrap();
    let mut mirror = Mirror::new(&root);
    let synced = mirror.sync(&store).unwrap();
    assert_eq!((synced.new_runs, synced.points, synced.images), (1, 300, 1));
    let run = store.get_run(&mirror.run_id("lr_0.1")).unwrap();
    assert_eq!(run.name, "lr_0.1");
    assert_eq!(run.start_time, Some(100_000));
    assert_eq!(run.end_time, Some(400_000));
    assert_eq!(run.params.get("lr").map(String::as_str), Some("0.1"));
    assert_eq!(run.params.get("batch").map(String::as_str), Some("32"));
    assert_eq!(run.tags.get(TAG_TENSORBOARD_RUN).map(String::as_str), Some("lr_0.1"));
    let loss = &run.metrics["train/loss"];
    assert_eq!((loss.count, loss.step), (300, 299));
    let artifacts = store.all_artifacts(&run.run_id).unwrap();
    assert_eq!(
        artifacts,
        vec![("images/val#sample%step%299%timestamp%400000%0.png".to_string(), 9)]
    );
    // Nothing new: nothing written, and the run keeps its id in a fresh mirror too.
    assert_eq!(mirror.sync(&store).unwrap(), Synced::default());
    assert_eq!(Mirror::new(&root).run_id("lr_0.1"), run.run_id);
}

#[test]
fn the_logdir_is_served_read_only_and_followed_as_it_grows() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("logs");
    write_logdir(&root);
    let before: Vec<u8> = std::fs::read(root.join("lr_0.1/events.out.tfevents.1.host")).unwrap();
    let conn = connect(Source::Logdir(root.clone())).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let c = &conn.client;
    let exp = rt
        .block_on(c.get_experiment_by_name("logs"))
        .unwrap()
        .expect("the logdir's experiment");
    let summary = rt.block_on(c.experiment_runs(&exp.experiment_id, "")).unwrap();
    assert_eq!(summary.runs.len(), 1);
    let run_id = summary.runs[0].run_id.clone();
    let history = rt.block_on(c.metric_history(&run_id, "train/loss")).unwrap();
    assert_eq!(history.len(), 300);
    assert_eq!((history[7].step, history[7].timestamp), (7, 107_000));

    let refused = rt.block_on(c.rename_run(&run_id, "mine")).unwrap_err().to_string();
    assert!(
        refused.contains("read-only") && refused.contains("TensorBoard logdir"),
        "{refused}"
    );
    assert_eq!(
        std::fs::read(root.join("lr_0.1/events.out.tfevents.1.host")).unwrap(),
        before
    );

    // A new run folder appears while the workbench is open.
    std::fs::create_dir_all(root.join("lr_0.2")).unwrap();
    std::fs::write(
        root.join("lr_0.2/events.out.tfevents.2.host"),
        event(0, 500.0, vec![scalar("train/loss", 2.0)]),
    )
    .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let n = rt
            .block_on(c.experiment_runs(&exp.experiment_id, ""))
            .unwrap()
            .runs
            .len();
        if n == 2 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the new run never appeared");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn an_import_run_again_goes_on_from_each_files_position() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("logs");
    std::fs::create_dir_all(root.join("a")).unwrap();
    let file = root.join("a/events.out.tfevents.1.host");
    let events = |steps: std::ops::Range<u64>| -> Vec<u8> {
        steps
            .flat_map(|s| event(s, s as f64, vec![scalar("loss", s as f32)]))
            .collect()
    };
    std::fs::write(&file, events(0..5)).unwrap();
    let store = Store::open(dir.path().join("kept")).unwrap();
    let first = Mirror::for_import(&root, &store).unwrap().sync(&store).unwrap();
    assert_eq!((first.new_runs, first.points), (1, 5));
    // Training went on in the same file; a new import reads only what was appended.
    let mut f = std::fs::OpenOptions::new().append(true).open(&file).unwrap();
    std::io::Write::write_all(&mut f, &events(5..8)).unwrap();
    let second = Mirror::for_import(&root, &store).unwrap().sync(&store).unwrap();
    assert_eq!((second.new_runs, second.points), (0, 3));
    let third = Mirror::for_import(&root, &store).unwrap().sync(&store).unwrap();
    assert_eq!(third.points, 0);
    let run = store.get_run(&Mirror::new(&root).run_id("a")).unwrap();
    assert_eq!((run.metrics["loss"].count, run.metrics["loss"].step), (8, 7));
}

#[test]
fn an_import_resumed_mid_file_still_knows_a_tags_plugin_named_only_on_its_first_value() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("logs");
    std::fs::create_dir_all(root.join("a")).unwrap();
    let file = root.join("a/events.out.tfevents.1.host");
    // TF2's text summary: the plugin is named on the tag's first value only.
    let text = |s: &str, first: bool| {
        let w = Writer::default().bytes(1, b"notes");
        let w = if first {
            w.message(9, Writer::default().message(1, Writer::default().bytes(1, b"text")))
        } else {
            w
        };
        w.message(8, Writer::default().varint(1, 7).bytes(8, s.as_bytes()))
    };
    std::fs::write(&file, event(0, 1.0, vec![text("first", true)])).unwrap();
    let store = Store::open(dir.path().join("kept")).unwrap();
    let first = Mirror::for_import(&root, &store).unwrap().sync(&store).unwrap();
    assert_eq!(first.texts, 1);
    let mut f = std::fs::OpenOptions::new().append(true).open(&file).unwrap();
    std::io::Write::write_all(&mut f, &event(1, 2.0, vec![text("second", false)])).unwrap();
    let second = Mirror::for_import(&root, &store).unwrap().sync(&store).unwrap();
    assert_eq!(second.texts, 1, "the resumed import reads the later value as text");
    let run = store.get_run(&Mirror::new(&root).run_id("a")).unwrap();
    let files: Vec<String> = store
        .all_artifacts(&run.run_id)
        .unwrap()
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert_eq!(files, ["text/notes/step_0.txt", "text/notes/step_1.txt"]);
}
