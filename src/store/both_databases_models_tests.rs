//! The store's project snapshots, logged models, run inputs and the model registry on both
//! databases: the same calls give the same answers on SQLite and on a PostgreSQL database of the
//! test's own.

use super::both_databases_tests::{new_run, stores, tag};
use super::*;

#[test]
fn snapshots_are_recorded_and_read_alike_on_both_databases() {
    use crate::api::snapshot::{CreateSnapshot, SnapshotFile};
    for (db, s, _dir, _pg) in stores() {
        let run = new_run(&s, "snap", "r", 1_000);
        let hash = s.put_blob(b"print('hi')").unwrap();
        let file = |path: &str, executable| SnapshotFile {
            path: path.into(),
            hash: hash.clone(),
            size: 11,
            executable,
        };
        let made = s
            .create_snapshot(&CreateSnapshot {
                label: "run".into(),
                run_id: Some(run.clone()),
                files: vec![file("train.py", false), file("bin/go.sh", true)],
            })
            .unwrap();
        let got = s.run_snapshot(&run).unwrap();
        assert_eq!(got.snapshot_id, made.snapshot_id, "{db}");
        let paths: Vec<(&str, bool)> = got.files.iter().map(|f| (f.path.as_str(), f.executable)).collect();
        assert_eq!(paths, [("bin/go.sh", true), ("train.py", false)], "{db}");
        assert_eq!(
            s.get_run(&run).unwrap().properties.get("SnapshotId"),
            Some(&made.snapshot_id.to_string()),
            "{db}"
        );
        assert!(
            matches!(s.get_snapshot(made.snapshot_id + 100), Err(StoreError::NotFound(_))),
            "{db}"
        );
    }
}

#[test]
fn logged_models_and_run_inputs_are_recorded_alike_on_both_databases() {
    use crate::api::Metric;
    use crate::api::models::{
        CreateLoggedModel, Dataset, DatasetInput, LoggedModelStatus, ModelInput, ModelOutput, SearchLoggedModels,
    };
    for (db, s, _dir, _pg) in stores() {
        let run = new_run(&s, "models", "r", 1_000);
        let exp = s.get_run(&run).unwrap().experiment_id;
        let model = s
            .create_logged_model(&CreateLoggedModel {
                experiment_id: Some(exp.clone()),
                name: Some("clf".into()),
                source_run_id: Some(run.clone()),
                params: vec![tag("C", "1.0")],
                tags: vec![tag("k", "v")],
                ..Default::default()
            })
            .unwrap();
        let id = model.info.model_id.clone();
        assert_eq!(model.info.status, LoggedModelStatus::Pending, "{db}");
        s.set_logged_model_tags(&id, &[tag("k", "w"), tag("flavor", "sklearn")])
            .unwrap();
        s.log_logged_model_params(&id, &[tag("max_iter", "100")]).unwrap();
        s.log_batch(
            &crate::api::LogBatch {
                metrics: vec![Metric {
                    key: "acc".into(),
                    value: 0.8,
                    timestamp: 5,
                    step: 1,
                    model_id: Some(id.clone()),
                    ..Default::default()
                }],
                ..Default::default()
            },
            &run,
        )
        .unwrap();
        let ready = s.finalize_logged_model(&id, LoggedModelStatus::Ready).unwrap();
        assert_eq!(ready.info.status, LoggedModelStatus::Ready, "{db}");
        assert_eq!(ready.info.tags, vec![tag("flavor", "sklearn"), tag("k", "w")], "{db}");
        assert_eq!(ready.data.params, vec![tag("C", "1.0"), tag("max_iter", "100")], "{db}");
        assert_eq!(ready.data.metrics.len(), 1, "{db}");
        assert_eq!(ready.data.metrics[0].run_id.as_deref(), Some(run.as_str()), "{db}");
        s.delete_logged_model_tag(&id, "k").unwrap();
        assert!(
            matches!(s.delete_logged_model_tag(&id, "k"), Err(StoreError::NotFound(_))),
            "{db}"
        );

        let dataset = DatasetInput {
            tags: vec![tag("mlflow.data.context", "training")],
            dataset: Dataset {
                name: "iris".into(),
                digest: "d1".into(),
                source_type: "local".into(),
                source: "{}".into(),
                ..Default::default()
            },
        };
        s.log_inputs(
            &run,
            &[dataset.clone(), dataset],
            &[ModelInput { model_id: id.clone() }],
        )
        .unwrap();
        s.log_outputs(
            &run,
            &[ModelOutput {
                model_id: id.clone(),
                step: 2,
            }],
        )
        .unwrap();
        let r = s.get_run(&run).unwrap();
        assert_eq!(r.inputs.dataset_inputs.len(), 1, "{db}: the same dataset once");
        assert_eq!(r.inputs.model_inputs.len(), 1, "{db}");
        assert_eq!(r.outputs.model_outputs[0].step, 2, "{db}");
        let summaries = s.search_datasets(std::slice::from_ref(&exp)).unwrap();
        assert_eq!(summaries.len(), 1, "{db}");
        assert_eq!(summaries[0].context.as_deref(), Some("training"), "{db}");

        let found = s
            .search_logged_models(&SearchLoggedModels {
                experiment_ids: vec![exp.clone()],
                filter: Some("name = 'clf'".into()),
                ..Default::default()
            })
            .unwrap()
            .0;
        assert_eq!(found.len(), 1, "{db}");
        s.delete_logged_model(&id).unwrap();
        assert!(matches!(s.get_logged_model(&id), Err(StoreError::NotFound(_))), "{db}");
    }
}

#[test]
fn the_model_registry_works_alike_on_both_databases() {
    use crate::api::registry::{CreateModelVersion, RegistrySearch};
    for (db, s, _dir, _pg) in stores() {
        let run = new_run(&s, "registry", "r", 1_000);
        let uri = s.get_run(&run).unwrap().artifact_uri;
        s.create_registered_model(Some("iris"), &[tag("team", "x")], Some("the iris model"))
            .unwrap();
        assert!(
            matches!(
                s.create_registered_model(Some("iris"), &[], None),
                Err(StoreError::AlreadyExists(_))
            ),
            "{db}"
        );
        let version = |s: &Store| {
            s.create_model_version(&CreateModelVersion {
                name: Some("iris".into()),
                source: Some(format!("{uri}/model")),
                run_id: Some(run.clone()),
                tags: vec![tag("stage", "dev")],
                ..Default::default()
            })
            .unwrap()
        };
        let v1 = version(&s);
        let v2 = version(&s);
        assert_eq!((v1.version.as_str(), v2.version.as_str()), ("1", "2"), "{db}");
        s.set_registered_model_alias("iris", "champion", "1").unwrap();
        assert_eq!(
            s.model_version_by_alias("iris", "champion").unwrap().version,
            "1",
            "{db}"
        );
        s.set_registered_model_tag("iris", &tag("team", "y")).unwrap();
        let got = s.get_registered_model("iris").unwrap();
        assert_eq!(got.tags, vec![tag("team", "y")], "{db}");
        assert_eq!(got.aliases.len(), 1, "{db}");
        assert_eq!(got.latest_versions.len(), 1, "{db}: the newest of the one stage");
        assert_eq!(
            s.get_model_version("iris", "2").unwrap().tags,
            vec![tag("stage", "dev")],
            "{db}"
        );
        s.rename_registered_model("iris", Some("iris-2")).unwrap();
        assert_eq!(s.get_model_version("iris-2", "1").unwrap().name, "iris-2", "{db}");
        let found = s
            .search_model_versions(&RegistrySearch {
                filter: format!("run_id = '{run}'"),
                ..Default::default()
            })
            .unwrap()
            .0;
        assert_eq!(found.len(), 2, "{db}");
        let models = s
            .search_registered_models(&RegistrySearch {
                filter: "name LIKE 'iris%'".into(),
                ..Default::default()
            })
            .unwrap()
            .0;
        assert_eq!(models.len(), 1, "{db}");
        s.delete_registered_model("iris-2").unwrap();
        assert!(
            matches!(s.get_registered_model("iris-2"), Err(StoreError::NotFound(_))),
            "{db}"
        );
    }
}
