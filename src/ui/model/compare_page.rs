//! The compare view as plain data: titles, every value side by side, the shared series and
//! images, and which project files differ; built once per change of what has arrived.

use super::compare::{CompareRow, compare_rows, shared_images, shared_series};
use super::step_images::{StepImage, image_series};
use crate::api::ext::RunDetail;
use crate::api::snapshot::Snapshot;
use crate::project::diff::{FileDiff, diff_snapshots};

/// How one run's project files stand against the first run's.
#[derive(Debug, Clone, PartialEq)]
pub enum ProjectFiles {
    /// Still being read.
    Loading,
    /// The run was not started from a snapshot (logged by a script, not tracked).
    NoSnapshot,
    Changes(Vec<FileDiff>),
}

/// Per other run (index >= 1), its files against the first run's.
pub type ProjectChanges = Vec<(usize, ProjectFiles)>;

/// A run's snapshot as the compare state holds it.
#[derive(Debug, Clone, Copy)]
pub enum SnapshotOf<'a> {
    Loading,
    Missing,
    Loaded(&'a Snapshot),
}

#[derive(Debug, Clone, PartialEq)]
pub struct CompareModel {
    pub title: String,
    /// One heading per run, in order.
    pub columns: Vec<String>,
    /// Every row; the view hides equal ones when "only differences" is on.
    pub rows: Vec<CompareRow>,
    pub series: Vec<String>,
    pub images: Vec<String>,
    /// Images logged at steps under a key at least two runs share: each run's series (empty for
    /// a run without it), by key.
    pub step_images: Vec<(String, Vec<Vec<StepImage>>)>,
    /// Per other run (index >= 1): its files against the first run's. None until the first run's
    /// snapshot is known (and when it has none).
    pub project: Option<ProjectChanges>,
}

/// What a compare model is built from; a model is rebuilt only when this changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompareInputs {
    pub runs: Vec<u64>,
    pub artifacts: Vec<u64>,
    pub snapshots: Vec<u64>,
    pub live_second: i64,
}

pub fn compare_model(
    runs: &[&RunDetail],
    artifacts: &[Vec<String>],
    snapshots: &[SnapshotOf<'_>],
    now_ms: i64,
) -> CompareModel {
    compare_model_with(runs, artifacts, project_files(snapshots), now_ms)
}

/// Per other run, its files against the first run's; None until the first run's snapshot is known
/// (and when it has none). The costly part of a compare model, so kept apart to be reused.
pub fn project_files(snapshots: &[SnapshotOf<'_>]) -> Option<ProjectChanges> {
    let Some(SnapshotOf::Loaded(base)) = snapshots.first() else {
        return None;
    };
    Some(
        snapshots
            .iter()
            .enumerate()
            .skip(1)
            .map(|(i, s)| {
                let files = match s {
                    SnapshotOf::Loading => ProjectFiles::Loading,
                    SnapshotOf::Missing => ProjectFiles::NoSnapshot,
                    SnapshotOf::Loaded(other) => ProjectFiles::Changes(diff_snapshots(base, other)),
                };
                (i, files)
            })
            .collect(),
    )
}

/// A compare model over project differences already worked out.
pub fn compare_model_with(
    runs: &[&RunDetail],
    artifacts: &[Vec<String>],
    project: Option<ProjectChanges>,
    now_ms: i64,
) -> CompareModel {
    let title = format!(
        "Comparing runs {}",
        runs.iter()
            .map(|r| r.run_number.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    CompareModel {
        title,
        columns: runs
            .iter()
            .map(|r| format!("Run {} · {}", r.run_number, r.name))
            .collect(),
        rows: compare_rows(runs, now_ms, false),
        series: shared_series(runs),
        images: shared_images(artifacts),
        step_images: shared_step_images(artifacts),
        project,
    }
}

/// The keys of images over steps at least two runs logged, with each run's series.
fn shared_step_images(artifacts: &[Vec<String>]) -> Vec<(String, Vec<Vec<StepImage>>)> {
    let mut per_run: Vec<std::collections::BTreeMap<String, Vec<StepImage>>> = artifacts
        .iter()
        .map(|files| image_series(files.iter().map(String::as_str)))
        .collect();
    let keys: std::collections::BTreeSet<String> = per_run.iter().flat_map(|m| m.keys().cloned()).collect();
    let shared: Vec<String> = keys
        .into_iter()
        .filter(|k| per_run.iter().filter(|m| m.contains_key(k)).count() >= 2)
        .collect();
    shared
        .into_iter()
        .map(|k| {
            let series = per_run.iter_mut().map(|m| m.remove(&k).unwrap_or_default()).collect();
            (k, series)
        })
        .collect()
}

impl CompareModel {
    /// How `path` changed from the first run to run `other`, if it did.
    pub fn file_change(&self, path: &str, other: usize) -> Option<&FileDiff> {
        self.project.as_ref()?.iter().find_map(|(i, files)| match files {
            ProjectFiles::Changes(c) if *i == other => c.iter().find(|d| d.path == path),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::snapshot::SnapshotFile;

    fn run(n: i64, lr: &str) -> RunDetail {
        RunDetail {
            run_id: format!("r{n}"),
            run_number: n,
            name: format!("run-{n}"),
            params: [("lr".to_string(), lr.to_string())].into(),
            ..Default::default()
        }
    }

    fn snap(files: &[(&str, &str)]) -> Snapshot {
        Snapshot {
            files: files
                .iter()
                .map(|(p, h)| SnapshotFile {
                    path: p.to_string(),
                    hash: h.to_string(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn titles_rows_and_shared_images() {
        let (a, b) = (run(1, "0.1"), run(3, "0.3"));
        let files = vec![
            vec!["cm.png".to_string(), "a.png".to_string()],
            vec!["cm.png".to_string()],
        ];
        let m = compare_model(&[&a, &b], &files, &[SnapshotOf::Loading, SnapshotOf::Loading], 0);
        assert_eq!(m.title, "Comparing runs 1, 3");
        assert_eq!(m.columns, ["Run 1 · run-1", "Run 3 · run-3"]);
        let lr = m.rows.iter().find(|r| r.key == "lr").unwrap();
        assert!(lr.differs);
        assert_eq!(lr.cells, ["0.1", "0.3"]);
        assert_eq!(m.images, ["cm.png"]);
        assert_eq!(m.project, None, "the first snapshot has not arrived");
    }

    #[test]
    fn project_files_against_the_first_run() {
        let base = snap(&[("train.py", "h1"), ("data.csv", "h2")]);
        let changed = snap(&[("train.py", "h9"), ("data.csv", "h2")]);
        let (a, b, c, d) = (run(1, "x"), run(2, "x"), run(3, "x"), run(4, "x"));
        for (case, others, want) in [
            (
                "one file changed",
                vec![SnapshotOf::Loaded(&changed)],
                vec![(1, vec!["train.py"])],
            ),
            ("the same files", vec![SnapshotOf::Loaded(&base)], vec![(1, vec![])]),
        ] {
            let mut snaps = vec![SnapshotOf::Loaded(&base)];
            snaps.extend(others);
            let m = compare_model(&[&a, &b], &[vec![], vec![]], &snaps, 0);
            let got: Vec<(usize, Vec<String>)> = m
                .project
                .unwrap()
                .into_iter()
                .map(|(i, f)| match f {
                    ProjectFiles::Changes(c) => (i, c.into_iter().map(|d| d.path).collect()),
                    other => panic!("{case}: {other:?}"),
                })
                .collect();
            let want: Vec<(usize, Vec<String>)> = want
                .into_iter()
                .map(|(i, p)| (i, p.into_iter().map(String::from).collect()))
                .collect();
            assert_eq!(got, want, "{case}");
        }
        let snaps = [
            SnapshotOf::Loaded(&base),
            SnapshotOf::Missing,
            SnapshotOf::Loading,
            SnapshotOf::Loaded(&base),
        ];
        let m = compare_model(&[&a, &b, &c, &d], &[], &snaps, 0);
        let states: Vec<_> = m.project.unwrap().into_iter().map(|(_, f)| f).collect();
        assert_eq!(states[0], ProjectFiles::NoSnapshot);
        assert_eq!(states[1], ProjectFiles::Loading);
        assert_eq!(states[2], ProjectFiles::Changes(vec![]));
    }

    #[test]
    fn a_file_change_is_found_by_path_and_run() {
        let base = snap(&[("train.py", "h1"), ("data.csv", "h2")]);
        let changed = snap(&[("train.py", "h9"), ("data.csv", "h2")]);
        let (a, b, c) = (run(1, "x"), run(2, "x"), run(3, "x"));
        let snaps = [
            SnapshotOf::Loaded(&base),
            SnapshotOf::Loaded(&base),
            SnapshotOf::Loaded(&changed),
        ];
        let m = compare_model(&[&a, &b, &c], &[], &snaps, 0);
        for (path, other, found) in [("train.py", 2, true), ("train.py", 1, false), ("data.csv", 2, false)] {
            assert_eq!(
                m.file_change(path, other).is_some(),
                found,
                "{path} in run index {other}"
            );
        }
    }
}
