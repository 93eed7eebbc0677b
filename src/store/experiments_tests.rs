//! Experiments on both databases: the same calls give the same answers on SQLite and on a
//! PostgreSQL database of the test's own.

use super::pg_testing::TestDatabase;
use super::*;
use crate::api::KeyValue;

/// A fresh SQLite store, and a PostgreSQL one where a server answers.
fn stores() -> Vec<(&'static str, Store, tempfile::TempDir, Option<TestDatabase>)> {
    let dir = tempfile::tempdir().unwrap();
    let mut out = vec![("sqlite", Store::open(dir.path().join("store")).unwrap(), dir, None)];
    if let Some(pg) = TestDatabase::create("experiments") {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_postgres(pg.url(), dir.path()).unwrap();
        out.push(("postgres", store, dir, Some(pg)));
    }
    out
}

fn tag(k: &str, v: &str) -> KeyValue {
    KeyValue {
        key: k.into(),
        value: v.into(),
    }
}

#[test]
fn experiments_are_made_named_tagged_deleted_and_searched_alike_on_both_databases() {
    for (db, s, _dir, _pg) in stores() {
        let default = s.get_experiment("0").unwrap();
        assert_eq!(
            (default.name.as_str(), default.lifecycle_stage.as_str()),
            ("Default", "active"),
            "{db}"
        );
        let a = s.create_experiment("alpha", None, &[tag("team", "x")]).unwrap();
        let b = s.create_experiment("beta", Some("file:///elsewhere"), &[]).unwrap();
        assert_ne!(a, b);
        let got = s.get_experiment(&a).unwrap();
        assert_eq!(got.artifact_location, format!("mlflow-artifacts:/{a}"), "{db}");
        assert_eq!(got.tags, vec![tag("team", "x")], "{db}");
        assert_eq!(s.get_experiment(&b).unwrap().artifact_location, "file:///elsewhere");
        assert!(
            matches!(
                s.create_experiment("alpha", None, &[]),
                Err(StoreError::AlreadyExists(_))
            ),
            "{db}"
        );
        assert_eq!(s.ensure_experiment("alpha").unwrap(), a, "{db}");
        assert!(matches!(s.get_experiment("999"), Err(StoreError::NotFound(_))), "{db}");
        assert!(matches!(s.get_experiment("x"), Err(StoreError::Invalid(_))), "{db}");

        s.rename_experiment(&a, "alpha-2").unwrap();
        assert_eq!(s.get_experiment_by_name("alpha-2").unwrap().experiment_id, a, "{db}");
        assert!(
            matches!(s.rename_experiment(&b, "alpha-2"), Err(StoreError::AlreadyExists(_))),
            "{db}"
        );
        s.set_experiment_tag(&a, &tag("team", "y")).unwrap();
        s.set_experiment_tag(&a, &tag("goal", "auc")).unwrap();
        assert_eq!(
            s.get_experiment(&a).unwrap().tags,
            vec![tag("goal", "auc"), tag("team", "y")],
            "{db}: a tag set again is replaced"
        );
        s.delete_experiment_tag(&a, "goal").unwrap();
        assert!(
            matches!(s.delete_experiment_tag(&a, "goal"), Err(StoreError::NotFound(_))),
            "{db}"
        );

        s.delete_experiment(&b).unwrap();
        assert!(matches!(s.delete_experiment("0"), Err(StoreError::Invalid(_))), "{db}");
        let names = |view, filter: &str| -> Vec<String> {
            s.search_experiments(view, filter, &["name ASC".to_string()], &Page::default())
                .unwrap()
                .0
                .into_iter()
                .map(|e| e.name)
                .collect()
        };
        assert_eq!(names(ViewType::ActiveOnly, ""), ["Default", "alpha-2"], "{db}");
        assert_eq!(names(ViewType::DeletedOnly, ""), ["beta"], "{db}");
        assert_eq!(names(ViewType::All, "tags.team = 'y'"), ["alpha-2"], "{db}");
        s.restore_experiment(&b).unwrap();
        assert_eq!(names(ViewType::ActiveOnly, "name LIKE '%ta%'"), ["beta"], "{db}");
        let (first, token) = s
            .search_experiments(
                ViewType::All,
                "",
                &[],
                &Page {
                    max_results: Some(2),
                    token: None,
                },
            )
            .unwrap();
        assert_eq!(first.len(), 2, "{db}");
        let rest = s
            .search_experiments(
                ViewType::All,
                "",
                &[],
                &Page {
                    max_results: Some(2),
                    token,
                },
            )
            .unwrap()
            .0;
        assert_eq!(rest.len(), 1, "{db}: three experiments in pages of two");
    }
}
