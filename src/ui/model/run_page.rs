//! The details view of one run as plain data, built once per change of the run or its artifact
//! list (and once a second while the run is live, for its duration) rather than every frame.

use super::details::{Folder, artifact_tree, header, scalars, tables};
use crate::api::ext::RunDetail;

/// A logged table: its name, column names and rows of cells.
pub type Table = (String, Vec<String>, Vec<Vec<String>>);

#[derive(Debug, Clone, PartialEq)]
pub struct DetailsModel {
    pub title: String,
    pub header: Vec<(&'static str, String)>,
    /// Values with one point, and logged strings.
    pub values: Vec<(String, String)>,
    pub tables: Vec<Table>,
    pub params: Vec<(String, String)>,
    /// The user's tags, which can be removed and added to.
    pub tags: Vec<(String, String)>,
    /// Tags the tools keep (`mlflow.*`, `runhistory.*`), shown apart.
    pub system_tags: Vec<(String, String)>,
    /// The run's description (MLflow's note), markdown.
    pub description: String,
    /// The artifact tree, once the list has arrived.
    pub artifacts: Option<Folder>,
    pub artifact_count: usize,
    /// The run started from a project snapshot, so the project can be restored to it.
    pub restorable: bool,
    /// The registered model versions made from this run (`iris v2 @champion`).
    pub registered: Vec<String>,
    /// Images logged at steps, by key, in step order.
    pub step_images: std::collections::BTreeMap<String, Vec<super::step_images::StepImage>>,
}

/// What a details model is built from; a model is rebuilt only when this changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DetailsInputs {
    pub run_generation: u64,
    pub artifacts_generation: u64,
    pub registered_generation: u64,
    /// The second a live run's duration was computed at (0 once the run has ended).
    pub live_second: i64,
}

/// A tag a tool keeps (MLflow's `mlflow.*`, ours), not one the user set.
pub fn is_system_tag(key: &str) -> bool {
    key.starts_with("mlflow.") || key.starts_with("runhistory.")
}

pub fn details_model(run: &RunDetail, artifacts: Option<&[(String, u64)]>, now_ms: i64) -> DetailsModel {
    let pairs = |m: &std::collections::BTreeMap<String, String>| -> Vec<(String, String)> {
        m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    };
    DetailsModel {
        title: format!("Run {} · {}", run.run_number, run.name),
        header: header(run, now_ms),
        values: scalars(run),
        tables: tables(run),
        params: pairs(&run.params),
        tags: run
            .tags
            .iter()
            .filter(|(k, _)| !is_system_tag(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        system_tags: run
            .tags
            .iter()
            .filter(|(k, _)| is_system_tag(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        description: run.description.clone().unwrap_or_default(),
        artifacts: artifacts.map(artifact_tree),
        artifact_count: artifacts.map_or(0, <[_]>::len),
        restorable: run.properties.contains_key("SnapshotId"),
        registered: Vec::new(),
        step_images: super::step_images::image_series(artifacts.unwrap_or(&[]).iter().map(|(p, _)| p.as_str())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ext::{LatestMetric, Num, RunStatus};

    fn run(metrics: &[(&str, f64, i64)], props: &[(&str, &str)]) -> RunDetail {
        RunDetail {
            run_id: "r1".into(),
            run_number: 7,
            name: "bright-owl".into(),
            status: RunStatus::Completed,
            metrics: metrics
                .iter()
                .map(|(k, v, n)| {
                    (
                        k.to_string(),
                        LatestMetric {
                            value: Num(*v),
                            count: *n,
                            ..Default::default()
                        },
                    )
                })
                .collect(),
            params: [("lr".to_string(), "0.1".to_string())].into(),
            tags: [
                ("team".to_string(), "vision".to_string()),
                ("mlflow.source.name".to_string(), "train.py".to_string()),
            ]
            .into(),
            description: Some("# Sweep".into()),
            properties: props.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn the_model_holds_what_the_view_draws() {
        let files = vec![("outputs/model.pkl".to_string(), 10), ("log.txt".to_string(), 3)];
        for (case, r, arts, title, values, restorable, tree) in [
            (
                "scalars only, no artifacts yet",
                run(&[("acc", 0.5, 1)], &[]),
                None,
                "Run 7 · bright-owl",
                vec![("acc".to_string(), "0.5".to_string())],
                false,
                None,
            ),
            (
                "a series is not a value; artifacts make a tree; a snapshot makes it restorable",
                run(&[("loss", 0.1, 300)], &[("SnapshotId", "4")]),
                Some(files.as_slice()),
                "Run 7 · bright-owl",
                vec![],
                true,
                Some(2),
            ),
        ] {
            let m = details_model(&r, arts, 0);
            assert_eq!(m.title, title, "{case}");
            assert_eq!(m.values, values, "{case}");
            assert_eq!(m.restorable, restorable, "{case}");
            assert_eq!(m.artifacts.is_some(), tree.is_some(), "{case}");
            assert_eq!(m.artifact_count, tree.unwrap_or(0), "{case}");
            assert_eq!(m.params, vec![("lr".to_string(), "0.1".to_string())], "{case}");
            assert_eq!(m.tags, vec![("team".to_string(), "vision".to_string())], "{case}");
            assert_eq!(m.system_tags[0].0, "mlflow.source.name", "{case}: tools' tags apart");
            assert_eq!(m.description, "# Sweep", "{case}");
            assert_eq!(m.header[0], ("Run", "7 · bright-owl".to_string()), "{case}");
        }
    }
}
