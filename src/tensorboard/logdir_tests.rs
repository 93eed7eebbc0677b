use super::*;
use crate::tensorboard::write::{Writer, frame, scalar_record as scalar_event};
use std::io::Write;

fn version_record() -> Vec<u8> {
    frame(&Writer::default().double(1, 1.0).bytes(3, b"brain.Event:2").0)
}

/// A logdir of one file holding steps 0..10 of "x".
fn ten_steps() -> (tempfile::TempDir, Logdir) {
    let dir = tempfile::tempdir().unwrap();
    let bytes: Vec<u8> = (0..10).flat_map(|s| scalar_event(s, s as f64, "x", s as f32)).collect();
    std::fs::write(dir.path().join("events.out.tfevents.1.h"), bytes).unwrap();
    let logdir = Logdir::new(dir.path());
    (dir, logdir)
}

/// Every step of every scalar in `updates`, in order.
fn steps(updates: &[RunUpdate]) -> Vec<i64> {
    updates
        .iter()
        .flat_map(|u| u.scalars.values().flat_map(|s| s.steps.clone()))
        .collect()
}

fn append(path: &Path, bytes: &[u8]) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    f.write_all(bytes).unwrap();
}

#[test]
fn runs_are_the_folders_with_event_files_and_only_news_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("logs");
    std::fs::create_dir_all(root.join("a/train")).unwrap();
    std::fs::create_dir_all(root.join("b")).unwrap();
    std::fs::create_dir_all(root.join("empty")).unwrap();
    append(&root.join("events.out.tfevents.1.host"), &version_record());
    append(&root.join("a/train/events.out.tfevents.1.host"), &version_record());
    append(
        &root.join("a/train/events.out.tfevents.1.host"),
        &scalar_event(0, 10.0, "loss", 1.0),
    );
    append(
        &root.join("b/events.out.tfevents.2.host"),
        &scalar_event(5, 20.5, "acc", 0.5),
    );
    std::fs::write(root.join("b/notes.txt"), b"not an event file").unwrap();

    let mut logdir = Logdir::new(&root);
    let first = logdir.poll().unwrap();
    let names: Vec<_> = first.iter().map(|u| (u.name.as_str(), u.new, u.points())).collect();
    assert_eq!(names, vec![(".", true, 0), ("a/train", true, 1), ("b", true, 1)]);
    let b = &first[2].scalars["acc"];
    assert_eq!(
        (b.steps.clone(), b.times.clone(), b.values.clone()),
        (vec![5], vec![20_500], vec![0.5])
    );
    assert!(logdir.poll().unwrap().is_empty(), "nothing new: nothing read");

    // Appended records, a second file in a run, and a new run folder.
    append(
        &root.join("a/train/events.out.tfevents.1.host"),
        &scalar_event(1, 11.0, "loss", 0.5),
    );
    append(
        &root.join("b/events.out.tfevents.3.host"),
        &scalar_event(6, 21.0, "acc", 0.6),
    );
    std::fs::create_dir_all(root.join("c")).unwrap();
    append(
        &root.join("c/events.out.tfevents.4.host"),
        &scalar_event(0, 30.0, "loss", 2.0),
    );
    let second = logdir.poll().unwrap();
    let got: Vec<_> = second
        .iter()
        .map(|u| {
            (
                u.name.as_str(),
                u.new,
                u.scalars.values().flat_map(|s| s.steps.clone()).collect::<Vec<_>>(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![("a/train", false, vec![1]), ("b", false, vec![6]), ("c", true, vec![0])]
    );
}

#[test]
fn a_record_still_being_written_is_read_once_it_is_whole() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("events.out.tfevents.1.h");
    append(&file, &version_record());
    append(&file, &scalar_event(0, 1.0, "x", 1.0));
    let rec = scalar_event(1, 2.0, "x", 2.0);
    append(&file, &rec[..rec.len() - 5]);
    let mut logdir = Logdir::new(dir.path());
    let first = logdir.poll().unwrap();
    assert_eq!(first[0].scalars["x"].steps, vec![0]);
    assert!(
        first[0].warnings.is_empty(),
        "a cut record is no damage: {:?}",
        first[0].warnings
    );
    append(&file, &rec[rec.len() - 5..]);
    let second = logdir.poll().unwrap();
    assert_eq!(second[0].scalars["x"].steps, vec![1]);
}

#[test]
fn a_damaged_record_is_skipped_with_a_warning_and_the_rest_read() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("events.out.tfevents.1.h");
    let mut bytes = version_record();
    bytes.extend(scalar_event(0, 1.0, "x", 1.0));
    let damaged_at = bytes.len();
    bytes.extend(scalar_event(1, 2.0, "x", 2.0));
    bytes.extend(scalar_event(2, 3.0, "x", 3.0));
    bytes[damaged_at + 20] ^= 0xff;
    std::fs::write(&file, &bytes).unwrap();
    let updates = Logdir::new(dir.path()).poll().unwrap();
    assert_eq!(updates[0].scalars["x"].steps, vec![0, 2]);
    assert_eq!(updates[0].warnings.len(), 1);
    assert!(
        updates[0].warnings[0].contains(&format!("at byte {damaged_at}")),
        "{:?}",
        updates[0].warnings
    );
}

#[test]
fn a_missing_logdir_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    assert!(Logdir::new(dir.path().join("nope")).poll().is_err());
}

#[test]
fn a_rewritten_file_is_said_once_and_not_read_twice() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("events.out.tfevents.1.h");
    append(&file, &scalar_event(0, 1.0, "x", 1.0));
    append(&file, &scalar_event(1, 2.0, "x", 2.0));
    let mut logdir = Logdir::new(dir.path());
    assert_eq!(logdir.poll().unwrap()[0].points(), 2);
    std::fs::write(&file, scalar_event(0, 9.0, "x", 9.0)).unwrap();
    let after = logdir.poll().unwrap();
    assert_eq!(after[0].points(), 0);
    assert_eq!(after[0].warnings.len(), 1, "{:?}", after[0].warnings);
    assert!(after[0].warnings[0].contains("rewritten"));
    assert!(logdir.poll().unwrap().is_empty(), "said once");
}

#[test]
fn an_update_not_kept_is_read_again_and_one_kept_is_not() {
    let (_dir, mut logdir) = ten_steps();
    // With a flush every 3 points or more: the first update is kept, the second refused.
    let mut seen = Vec::new();
    logdir
        .poll_each(|u, _, _| {
            let steps: Vec<i64> = u.scalars.values().flat_map(|s| s.steps.clone()).collect();
            let flow = if seen.is_empty() { Flow::Kept } else { Flow::Failed };
            seen.push(steps);
            flow
        })
        .unwrap();
    assert_eq!(seen.len(), 2, "stopped at the refused update: {seen:?}");
    let kept = seen[0].len() as i64;
    assert_eq!(seen[0], (0..kept).collect::<Vec<_>>());
    assert_eq!(seen[1].first(), Some(&kept));
    let again = steps(&logdir.poll().unwrap());
    assert_eq!(
        again,
        (kept..10).collect::<Vec<_>>(),
        "from the refused update on, once each"
    );
}

#[test]
fn a_stop_keeps_what_was_handed_on_and_the_next_poll_reads_the_rest_once() {
    let (_dir, mut logdir) = ten_steps();
    let mut first = Vec::new();
    logdir
        .poll_each(|u, _, _| {
            first.extend(u.scalars.values().flat_map(|s| s.steps.clone()));
            Flow::Stop
        })
        .unwrap();
    assert!(
        !first.is_empty() && first.len() < 10,
        "stopped after one update: {first:?}"
    );
    first.extend(steps(&logdir.poll().unwrap()));
    assert_eq!(first, (0..10).collect::<Vec<_>>(), "every step once");
}
