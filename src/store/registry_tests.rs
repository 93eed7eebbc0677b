//! The model registry over a real store: versions, stages, aliases, renames, deletes, searches,
//! sources and where a version's files are.

use super::*;
use crate::api::KeyValue;
use crate::api::ext::CreateRunExt;
use crate::api::registry::{CreateModelVersion, RegistrySearch};

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path().join("store")).unwrap();
    (dir, s)
}

fn run(s: &Store) -> crate::api::ext::RunDetail {
    s.create_run(&CreateRunExt {
        experiment_name: Some("e".into()),
        ..Default::default()
    })
    .unwrap()
}

fn version(s: &Store, name: &str, source: &str, run_id: Option<&str>) -> Result<crate::api::registry::ModelVersion> {
    s.create_model_version(&CreateModelVersion {
        name: Some(name.into()),
        source: Some(source.into()),
        run_id: run_id.map(String::from),
        ..Default::default()
    })
}

fn search(filter: &str) -> RegistrySearch {
    RegistrySearch {
        filter: filter.into(),
        ..Default::default()
    }
}

#[test]
fn versions_count_up_move_through_stages_and_keep_their_numbers() {
    let (_d, s) = store();
    let r = run(&s);
    s.create_registered_model(Some("iris"), &[], Some("a classifier"))
        .unwrap();
    assert!(matches!(
        s.create_registered_model(Some("iris"), &[], None),
        Err(StoreError::AlreadyExists(_))
    ));
    assert!(matches!(
        s.create_registered_model(Some(""), &[], None),
        Err(StoreError::Invalid(_))
    ));
    let source = format!("{}/model", r.artifact_uri);
    for want in ["1", "2", "3"] {
        assert_eq!(version(&s, "iris", &source, Some(&r.run_id)).unwrap().version, want);
    }
    assert!(matches!(
        version(&s, "nosuch", &source, None),
        Err(StoreError::NotFound(_))
    ));
    s.transition_model_version_stage("iris", "1", "production", false)
        .unwrap();
    let v2 = s
        .transition_model_version_stage("iris", "2", "Production", true)
        .unwrap();
    assert_eq!(v2.current_stage, "Production");
    assert_eq!(s.get_model_version("iris", "1").unwrap().current_stage, "Archived");
    assert!(s.transition_model_version_stage("iris", "1", "Prod", false).is_err());
    let latest: Vec<(String, String)> = s
        .latest_model_versions("iris", &[])
        .unwrap()
        .into_iter()
        .map(|v| (v.current_stage, v.version))
        .collect();
    assert_eq!(
        latest,
        [("Archived", "1"), ("Production", "2"), ("None", "3")].map(|(a, b)| (a.to_string(), b.to_string()))
    );
    let prod = s.latest_model_versions("iris", &["PRODUCTION".into()]).unwrap();
    assert_eq!(prod.len(), 1);
    s.delete_model_version("iris", "3").unwrap();
    assert_eq!(
        version(&s, "iris", &source, Some(&r.run_id)).unwrap().version,
        "4",
        "numbers are not reused"
    );
    assert!(matches!(s.get_model_version("iris", "3"), Err(StoreError::NotFound(_))));
    assert!(matches!(s.get_model_version("iris", "x"), Err(StoreError::Invalid(_))));
    let m = s.get_registered_model("iris").unwrap();
    assert_eq!(m.description.as_deref(), Some("a classifier"));
    assert_eq!(s.model_version_download_uri("iris", "2").unwrap(), source);
}

#[test]
fn aliases_tags_and_renames_travel_with_the_model() {
    let (_d, s) = store();
    let r = run(&s);
    s.create_registered_model(
        Some("iris"),
        &[KeyValue {
            key: "team".into(),
            value: "a".into(),
        }],
        None,
    )
    .unwrap();
    for _ in 0..2 {
        version(&s, "iris", &r.artifact_uri, Some(&r.run_id)).unwrap();
    }
    s.set_registered_model_alias("iris", "champion", "1").unwrap();
    s.set_registered_model_alias("iris", "champion", "2").unwrap();
    for (alias, ok) in [
        ("latest", false),
        ("v3", false),
        ("V12", false),
        ("a b", false),
        ("", false),
        ("v1x", true),
    ] {
        assert_eq!(s.set_registered_model_alias("iris", alias, "1").is_ok(), ok, "{alias}");
    }
    assert!(s.set_registered_model_alias("iris", "x", "9").is_err());
    s.set_model_version_tag(
        "iris",
        "2",
        &KeyValue {
            key: "ok".into(),
            value: "yes".into(),
        },
    )
    .unwrap();
    let renamed = s.rename_registered_model("iris", Some("flowers")).unwrap();
    assert_eq!(renamed.tags[0].value, "a");
    let v = s.model_version_by_alias("flowers", "champion").unwrap();
    assert_eq!((v.name.as_str(), v.version.as_str()), ("flowers", "2"));
    assert_eq!(v.aliases, ["champion"]);
    assert_eq!(v.tags[0].key, "ok");
    assert!(matches!(s.get_registered_model("iris"), Err(StoreError::NotFound(_))));
    s.create_registered_model(Some("other"), &[], None).unwrap();
    assert!(matches!(
        s.rename_registered_model("flowers", Some("other")),
        Err(StoreError::AlreadyExists(_))
    ));
    s.delete_model_version("flowers", "2").unwrap();
    assert!(
        s.model_version_by_alias("flowers", "champion").is_err(),
        "the alias went with its version"
    );
    s.delete_registered_model("flowers").unwrap();
    let left = s.search_model_versions(&search("")).unwrap().0;
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn searches_filter_order_and_page() {
    let (_d, s) = store();
    let (a, b) = (run(&s), run(&s));
    for (name, tag) in [("alpha", "x"), ("beta", "y"), ("gamma", "x")] {
        s.create_registered_model(
            Some(name),
            &[KeyValue {
                key: "t".into(),
                value: tag.into(),
            }],
            None,
        )
        .unwrap();
        version(&s, name, &a.artifact_uri, Some(&a.run_id)).unwrap();
    }
    // Newer by the clock than the others, so "newest first" cannot tie on the millisecond.
    std::thread::sleep(std::time::Duration::from_millis(3));
    version(&s, "beta", &b.artifact_uri, Some(&b.run_id)).unwrap();
    let names = |filter: &str| -> Vec<String> {
        s.search_registered_models(&search(filter))
            .unwrap()
            .0
            .into_iter()
            .map(|m| m.name)
            .collect()
    };
    for (filter, want) in [
        ("", vec!["alpha", "beta", "gamma"]),
        ("name = 'beta'", vec!["beta"]),
        ("name LIKE '%a'", vec!["alpha", "beta", "gamma"]),
        ("name ILIKE 'G%'", vec!["gamma"]),
        ("tags.t = 'x'", vec!["alpha", "gamma"]),
    ] {
        assert_eq!(names(filter), want, "{filter}");
    }
    let by_name_desc = s
        .search_registered_models(&RegistrySearch {
            order_by: vec!["name DESC".into()],
            max_results: Some(2),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        by_name_desc.0.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(),
        ["gamma", "beta"]
    );
    let rest = s
        .search_registered_models(&RegistrySearch {
            order_by: vec!["name DESC".into()],
            max_results: Some(2),
            page_token: by_name_desc.1,
            ..Default::default()
        })
        .unwrap();
    assert_eq!((rest.0.len(), rest.1), (1, None));
    assert!(
        s.search_registered_models(&RegistrySearch {
            order_by: vec!["size".into()],
            ..Default::default()
        })
        .is_err()
    );
    assert!(
        s.search_registered_models(&RegistrySearch {
            max_results: Some(1001),
            ..Default::default()
        })
        .is_err()
    );
    let of_b = s
        .search_model_versions(&search(&format!("run_id = '{}'", b.run_id)))
        .unwrap()
        .0;
    assert_eq!(
        of_b.iter()
            .map(|v| (v.name.as_str(), v.version.as_str()))
            .collect::<Vec<_>>(),
        [("beta", "2")]
    );
    let beta = s
        .search_model_versions(&search("name = 'beta' AND version_number > 1"))
        .unwrap()
        .0;
    assert_eq!(beta.len(), 1);
    let newest_first = s.search_model_versions(&search("")).unwrap().0;
    assert_eq!(
        (newest_first[0].name.as_str(), newest_first[0].version.as_str()),
        ("beta", "2")
    );
}

#[test]
fn sources_are_checked_as_mlflow_checks_them_and_located() {
    let (_d, s) = store();
    let r = run(&s);
    s.create_registered_model(Some("m"), &[], None).unwrap();
    let dir = s.artifact_file(&s.run_artifact_path(&r.run_id, "").unwrap()).unwrap();
    std::fs::create_dir_all(dir.join("model")).unwrap();
    std::fs::write(dir.join("model/MLmodel"), "flavors: {}").unwrap();
    let local = dir.join("model").display().to_string();
    for (source, run_id, ok) in [
        (local.as_str(), Some(r.run_id.as_str()), true),
        (local.as_str(), None, false),
        ("/tmp", Some(r.run_id.as_str()), false),
        ("mlflow-artifacts:/models/../../x", Some(r.run_id.as_str()), false),
        ("s3://bucket/models/m", None, true),
    ] {
        assert_eq!(version(&s, "m", source, run_id).is_ok(), ok, "{source} {run_id:?}");
    }
    let v = version(&s, "m", &format!("{}/model", r.artifact_uri), Some(&r.run_id)).unwrap();
    let file = s.model_version_artifact_path("m", &v.version, "MLmodel").unwrap();
    assert_eq!(
        std::fs::read_to_string(s.artifact_file(&file).unwrap()).unwrap(),
        "flavors: {}"
    );
    let by_local = s.model_version_artifact_path("m", "1", "MLmodel").unwrap();
    assert_eq!(s.artifact_file(&by_local).unwrap(), s.artifact_file(&file).unwrap());
    assert!(
        s.model_version_artifact_path("m", "2", "MLmodel").is_err(),
        "s3 is not ours to serve"
    );
    // A models:/ source is kept as given and located where the version it names is.
    let copy = version(&s, "m", &format!("models:/m/{}", v.version), None).unwrap();
    assert_eq!(copy.source, format!("models:/m/{}", v.version));
    assert_eq!(s.model_version_download_uri("m", &copy.version).unwrap(), v.source);
    s.set_registered_model_alias("m", "best", &v.version).unwrap();
    let by_alias = version(&s, "m", "models:/m@best", None).unwrap();
    assert_eq!(s.model_version_download_uri("m", &by_alias.version).unwrap(), v.source);
    assert!(version(&s, "m", "models:/m/99", None).is_err());
}

#[test]
fn a_version_from_a_logged_model_is_noted_on_it() {
    use crate::api::models::CreateLoggedModel;
    let (_d, s) = store();
    let r = run(&s);
    let model = s
        .create_logged_model(&CreateLoggedModel {
            experiment_id: Some(r.experiment_id.clone()),
            source_run_id: Some(r.run_id.clone()),
            ..Default::default()
        })
        .unwrap();
    s.create_registered_model(Some("reg"), &[], None).unwrap();
    for _ in 0..2 {
        let v = s
            .create_model_version(&CreateModelVersion {
                name: Some("reg".into()),
                source: Some(format!("models:/{}", model.info.model_id)),
                model_id: Some(model.info.model_id.clone()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(
            v.run_id.as_deref(),
            Some(r.run_id.as_str()),
            "the run comes from the model"
        );
        assert_eq!(
            s.model_version_download_uri("reg", &v.version).unwrap(),
            model.info.artifact_uri
        );
    }
    let tags = s.get_logged_model(&model.info.model_id).unwrap().info.tags;
    let noted = tags.iter().find(|t| t.key == "mlflow.modelVersions").unwrap();
    assert_eq!(
        noted.value,
        r#"[{"name": "reg", "version": 1}, {"name": "reg", "version": 2}]"#
    );
    let missing = s.create_model_version(&CreateModelVersion {
        name: Some("reg".into()),
        source: Some("mlflow-artifacts:/x".into()),
        model_id: Some("m-nosuch".into()),
        ..Default::default()
    });
    assert!(matches!(missing, Err(StoreError::NotFound(_))));
}
