//! Numbered schema migrations; each runs once, in order, inside a transaction.

use super::Result;
use rusqlite::Connection;

pub(super) const MIGRATIONS: &[&str] = &[
    // 1: experiments, runs, values, metric points.
    r#"
    CREATE TABLE experiments (
        experiment_id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        artifact_location TEXT NOT NULL,
        lifecycle_stage TEXT NOT NULL DEFAULT 'active',
        creation_time INTEGER NOT NULL,
        last_update_time INTEGER NOT NULL
    );
    CREATE TABLE experiment_tags (
        experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id),
        key TEXT NOT NULL, value TEXT NOT NULL,
        PRIMARY KEY (experiment_id, key)
    );
    CREATE TABLE runs (
        run_id TEXT PRIMARY KEY,
        experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id),
        run_number INTEGER NOT NULL,
        name TEXT NOT NULL,
        user_id TEXT NOT NULL,
        status TEXT NOT NULL,
        created_time INTEGER NOT NULL,
        start_time INTEGER,
        end_time INTEGER,
        lifecycle_stage TEXT NOT NULL DEFAULT 'active',
        artifact_uri TEXT NOT NULL,
        script_name TEXT,
        arguments TEXT NOT NULL DEFAULT '[]',
        description TEXT,
        hidden INTEGER NOT NULL DEFAULT 0,
        parent_run_id TEXT,
        exit_code INTEGER,
        target TEXT NOT NULL DEFAULT 'local',
        heartbeat_time INTEGER,
        heartbeat_interval_ms INTEGER,
        UNIQUE (experiment_id, run_number)
    );
    CREATE INDEX runs_by_status ON runs(status);
    CREATE TABLE run_properties (
        run_id TEXT NOT NULL REFERENCES runs(run_id), key TEXT NOT NULL, value TEXT NOT NULL,
        PRIMARY KEY (run_id, key)
    );
    CREATE TABLE params (
        run_id TEXT NOT NULL REFERENCES runs(run_id), key TEXT NOT NULL, value TEXT NOT NULL,
        PRIMARY KEY (run_id, key)
    );
    CREATE TABLE tags (
        run_id TEXT NOT NULL REFERENCES runs(run_id), key TEXT NOT NULL, value TEXT NOT NULL,
        PRIMARY KEY (run_id, key)
    );
    CREATE TABLE run_values (
        run_id TEXT NOT NULL REFERENCES runs(run_id), key TEXT NOT NULL,
        kind TEXT NOT NULL, value TEXT NOT NULL,
        PRIMARY KEY (run_id, key)
    );
    -- One row per (run, metric key); points refer to it by a small integer.
    CREATE TABLE series (
        series_id INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES runs(run_id),
        key TEXT NOT NULL,
        UNIQUE (run_id, key)
    );
    -- Every point ever logged, clustered by series and step. NaN is stored as NULL.
    CREATE TABLE metric_points (
        series_id INTEGER NOT NULL,
        step INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        timestamp INTEGER NOT NULL,
        value REAL,
        PRIMARY KEY (series_id, step, seq)
    ) WITHOUT ROWID;
    -- The latest point per series (highest step, then timestamp), so grids never scan history.
    CREATE TABLE latest_metrics (
        series_id INTEGER PRIMARY KEY REFERENCES series(series_id),
        step INTEGER NOT NULL,
        timestamp INTEGER NOT NULL,
        value REAL,
        point_count INTEGER NOT NULL
    );
    -- Batch ids already applied: a re-sent batch is acknowledged without being stored twice.
    CREATE TABLE ingested_batches (
        batch_id TEXT PRIMARY KEY,
        run_id TEXT NOT NULL,
        ingested_time INTEGER NOT NULL
    );
    CREATE TABLE assets (
        name TEXT NOT NULL,
        version INTEGER NOT NULL,
        run_id TEXT NOT NULL REFERENCES runs(run_id),
        prefix TEXT NOT NULL,
        artifacts TEXT NOT NULL,
        created_time INTEGER NOT NULL,
        PRIMARY KEY (name, version)
    );
    "#,
    // 2: project snapshots; file contents live once each under blobs/, named by their SHA-256.
    r#"
    CREATE TABLE snapshots (
        snapshot_id INTEGER PRIMARY KEY,
        created_time INTEGER NOT NULL,
        label TEXT NOT NULL,
        run_id TEXT
    );
    CREATE INDEX snapshots_by_run ON snapshots(run_id);
    CREATE TABLE snapshot_files (
        snapshot_id INTEGER NOT NULL REFERENCES snapshots(snapshot_id),
        path TEXT NOT NULL,
        hash TEXT NOT NULL,
        size INTEGER NOT NULL,
        executable INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (snapshot_id, path)
    ) WITHOUT ROWID;
    "#,
    // 3: indexes for searches narrowed by a param, tag or metric value.
    r#"
    CREATE INDEX params_by_key_value ON params(key, value);
    CREATE INDEX tags_by_key_value ON tags(key, value);
    CREATE INDEX series_by_key ON series(key);
    "#,
    // 4: MLflow 3's logged models (params, tags, metrics tied to them) and a run's inputs/outputs.
    r#"
    CREATE TABLE logged_models (
        model_id TEXT PRIMARY KEY,
        experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id),
        name TEXT NOT NULL,
        artifact_location TEXT NOT NULL,
        creation_time INTEGER NOT NULL,
        last_updated_time INTEGER NOT NULL,
        status TEXT NOT NULL,
        status_message TEXT,
        model_type TEXT,
        source_run_id TEXT,
        lifecycle_stage TEXT NOT NULL DEFAULT 'active'
    );
    CREATE INDEX logged_models_by_experiment ON logged_models(experiment_id, creation_time);
    CREATE TABLE logged_model_params (
        model_id TEXT NOT NULL REFERENCES logged_models(model_id), key TEXT NOT NULL, value TEXT NOT NULL,
        PRIMARY KEY (model_id, key)
    );
    CREATE TABLE logged_model_tags (
        model_id TEXT NOT NULL REFERENCES logged_models(model_id), key TEXT NOT NULL, value TEXT NOT NULL,
        PRIMARY KEY (model_id, key)
    );
    CREATE TABLE logged_model_metrics (
        model_id TEXT NOT NULL REFERENCES logged_models(model_id),
        key TEXT NOT NULL,
        value REAL,
        timestamp INTEGER NOT NULL,
        step INTEGER NOT NULL,
        run_id TEXT NOT NULL,
        dataset_name TEXT,
        dataset_digest TEXT
    );
    CREATE INDEX logged_model_metrics_by_model ON logged_model_metrics(model_id, key);
    CREATE TABLE datasets (
        dataset_id INTEGER PRIMARY KEY,
        experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id),
        name TEXT NOT NULL,
        digest TEXT NOT NULL,
        source_type TEXT NOT NULL,
        source TEXT NOT NULL,
        schema TEXT,
        profile TEXT,
        UNIQUE (experiment_id, name, digest)
    );
    CREATE TABLE run_dataset_inputs (
        run_id TEXT NOT NULL REFERENCES runs(run_id),
        dataset_id INTEGER NOT NULL REFERENCES datasets(dataset_id),
        position INTEGER NOT NULL,
        tags TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (run_id, dataset_id)
    );
    CREATE TABLE run_model_inputs (
        run_id TEXT NOT NULL REFERENCES runs(run_id), model_id TEXT NOT NULL,
        PRIMARY KEY (run_id, model_id)
    );
    CREATE TABLE run_model_outputs (
        run_id TEXT NOT NULL REFERENCES runs(run_id), model_id TEXT NOT NULL, step INTEGER NOT NULL,
        PRIMARY KEY (run_id, model_id, step)
    );
    "#,
    // 5: MLflow's model registry. The promoted assets of before become its versions, sourced from
    // their runs' artifacts.
    r#"
    CREATE TABLE registered_models (
        name TEXT PRIMARY KEY,
        creation_time INTEGER NOT NULL,
        last_updated_time INTEGER NOT NULL,
        description TEXT,
        next_version INTEGER NOT NULL DEFAULT 1
    );
    CREATE TABLE registered_model_tags (
        name TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
        PRIMARY KEY (name, key)
    );
    CREATE TABLE model_versions (
        name TEXT NOT NULL,
        version INTEGER NOT NULL,
        creation_time INTEGER NOT NULL,
        last_updated_time INTEGER NOT NULL,
        description TEXT,
        current_stage TEXT NOT NULL DEFAULT 'None',
        source TEXT NOT NULL,
        storage_location TEXT NOT NULL,
        run_id TEXT,
        run_link TEXT,
        model_id TEXT,
        PRIMARY KEY (name, version)
    );
    CREATE INDEX model_versions_by_run ON model_versions(run_id);
    CREATE TABLE model_version_tags (
        name TEXT NOT NULL, version INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
        PRIMARY KEY (name, version, key)
    );
    CREATE TABLE registered_model_aliases (
        name TEXT NOT NULL, alias TEXT NOT NULL, version INTEGER NOT NULL,
        PRIMARY KEY (name, alias)
    );
    INSERT INTO registered_models (name, creation_time, last_updated_time, next_version)
        SELECT name, MIN(created_time), MAX(created_time), MAX(version) + 1 FROM assets GROUP BY name;
    INSERT INTO model_versions (name, version, creation_time, last_updated_time, source, storage_location, run_id)
        SELECT a.name, a.version, a.created_time, a.created_time,
               r.artifact_uri || CASE WHEN a.prefix = '' THEN '' ELSE '/' || a.prefix END,
               r.artifact_uri || CASE WHEN a.prefix = '' THEN '' ELSE '/' || a.prefix END,
               a.run_id
        FROM assets a JOIN runs r ON r.run_id = a.run_id;
    DROP TABLE assets;
    "#,
    // 6: a summary pyramid per series (see pyramid.rs), filled for the points already stored.
    r#"
    CREATE TABLE series_blocks (
        series_id INTEGER NOT NULL,
        axis INTEGER NOT NULL,
        level INTEGER NOT NULL,
        block INTEGER NOT NULL,
        x_first INTEGER NOT NULL,
        x_last INTEGER NOT NULL,
        min REAL,
        max REAL,
        last REAL,
        count INTEGER NOT NULL,
        x_min INTEGER NOT NULL,
        x_max INTEGER NOT NULL,
        min_positive REAL,
        non_positive INTEGER NOT NULL,
        PRIMARY KEY (series_id, axis, level, block)
    ) WITHOUT ROWID;
    "#,
    // 7: the least and greatest value of each series beside its latest (the grid's min and max
    // columns), filled for the series already stored; NaN (stored as NULL) is left out.
    r#"
    ALTER TABLE latest_metrics ADD COLUMN min REAL;
    ALTER TABLE latest_metrics ADD COLUMN max REAL;
    UPDATE latest_metrics SET
        min = (SELECT MIN(p.value) FROM metric_points p WHERE p.series_id = latest_metrics.series_id),
        max = (SELECT MAX(p.value) FROM metric_points p WHERE p.series_id = latest_metrics.series_id);
    "#,
    // 8: every series' points packed 128 to a row (see point_blocks.rs), filled for the points
    // already stored.
    r#"
    CREATE TABLE point_blocks (
        series_id INTEGER NOT NULL,
        block INTEGER NOT NULL,
        step_min INTEGER NOT NULL,
        step_max INTEGER NOT NULL,
        time_min INTEGER NOT NULL,
        time_max INTEGER NOT NULL,
        points BLOB NOT NULL,
        PRIMARY KEY (series_id, block)
    );
    "#,
    // 9: the users of a team server (`serve --auth`): a role each, and a token kept only as its
    // SHA-256 (tokens are 256 random bits, so a fast hash is as safe as a slow one).
    r#"
    CREATE TABLE users (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        created_time INTEGER NOT NULL
    );
    "#,
    // 10: a user's permission on an experiment (READ, EDIT, MANAGE, NO_PERMISSIONS), beside their
    // role; gone with the user or the experiment.
    r#"
    CREATE TABLE experiment_permissions (
        experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id) ON DELETE CASCADE,
        user_name TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
        permission TEXT NOT NULL,
        PRIMARY KEY (experiment_id, user_name)
    );
    CREATE INDEX experiment_permissions_by_user ON experiment_permissions (user_name);
    "#,
];

/// The migration whose schema the pyramid's backfill needs.
const PYRAMID_MIGRATION: i64 = 6;
/// The migration whose schema the packed blocks' backfill needs.
const BLOCKS_MIGRATION: i64 = 8;

/// Brings the schema up to date and makes sure the Default experiment (id 0) exists.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate() {
        let number = i as i64 + 1;
        if number <= version {
            continue;
        }
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        if number == PYRAMID_MIGRATION {
            super::pyramid::backfill(&super::sql::Db::Sqlite(&tx))?;
        }
        if number == BLOCKS_MIGRATION {
            super::point_blocks::backfill(&super::sql::Db::Sqlite(&tx))?;
        }
        tx.execute_batch(&format!("PRAGMA user_version = {number}"))?;
        tx.commit()?;
    }
    let now = crate::api::ids::now_ms();
    conn.execute(
        "INSERT OR IGNORE INTO experiments (experiment_id, name, artifact_location, creation_time, last_update_time)
         VALUES (0, 'Default', 'mlflow-artifacts:/0', ?1, ?1)",
        [now],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn promoted_assets_become_registered_model_versions() {
        let mut conn = Connection::open_in_memory().unwrap();
        for sql in &MIGRATIONS[..4] {
            conn.execute_batch(sql).unwrap();
        }
        conn.execute_batch(
            "PRAGMA user_version = 4;
             INSERT INTO experiments VALUES (1, 'e', 'mlflow-artifacts:/1', 'active', 1, 1);
             INSERT INTO runs (run_id, experiment_id, run_number, name, user_id, status, created_time, artifact_uri)
                 VALUES ('r1', 1, 1, 'first', '', 'Completed', 1, 'mlflow-artifacts:/1/r1/artifacts');
             INSERT INTO assets VALUES ('model', 1, 'r1', 'outputs', '[\"outputs/m.pkl\"]', 10);
             INSERT INTO assets VALUES ('model', 2, 'r1', '', '[\"outputs/m.pkl\"]', 20);",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let versions: Vec<(i64, String, String, i64)> = conn
            .prepare("SELECT version, source, run_id, creation_time FROM model_versions WHERE name = 'model' ORDER BY version")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            versions,
            vec![
                (1, "mlflow-artifacts:/1/r1/artifacts/outputs".into(), "r1".into(), 10),
                (2, "mlflow-artifacts:/1/r1/artifacts".into(), "r1".into(), 20)
            ]
        );
        let next: i64 = conn
            .query_row(
                "SELECT next_version FROM registered_models WHERE name = 'model'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(next, 3);
    }

    #[test]
    fn series_stored_before_min_and_max_were_kept_get_them_from_their_points() {
        let mut conn = Connection::open_in_memory().unwrap();
        for sql in &MIGRATIONS[..6] {
            conn.execute_batch(sql).unwrap();
        }
        conn.execute_batch(
            "PRAGMA user_version = 6;
             INSERT INTO experiments VALUES (1, 'e', 'mlflow-artifacts:/1', 'active', 1, 1);
             INSERT INTO runs (run_id, experiment_id, run_number, name, user_id, status, created_time, artifact_uri)
                 VALUES ('r1', 1, 1, 'first', '', 'Completed', 1, 'mlflow-artifacts:/1/r1/artifacts');
             INSERT INTO series VALUES (1, 'r1', 'loss'), (2, 'r1', 'gone');
             INSERT INTO metric_points VALUES (1, 0, 0, 1, 3.0), (1, 1, 1, 2, NULL), (1, 2, 2, 3, -1.5), (2, 0, 0, 1, NULL);
             INSERT INTO latest_metrics VALUES (1, 2, 3, -1.5, 3), (2, 0, 1, NULL, 1);",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let ranges: Vec<(i64, Option<f64>, Option<f64>)> = conn
            .prepare("SELECT series_id, min, max FROM latest_metrics ORDER BY series_id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(ranges, vec![(1, Some(-1.5), Some(3.0)), (2, None, None)]);
    }
}
