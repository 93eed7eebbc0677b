//! An MLflow tracking database (SQLite or PostgreSQL, MLflow's own schema) read in place: opened
//! read-only, so nothing the user has can be changed through it.

use super::source::{Result, RunData, Source, SourceExperiment, SourceModel, SourcePoint, SourceRun};
use crate::api::KeyValue;
use crate::store::StoreError;
use crate::store::sql::{Db, PgConn, Row, args};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;

enum Conn {
    Sqlite(rusqlite::Connection),
    Postgres(Box<PgConn>),
}

pub struct SqlSource {
    conn: Conn,
    /// MLflow 3's logged models (older schemas have none).
    has_models: bool,
    /// How a run's points of one key are found in SQLite: by MLflow's index on the run. With no
    /// statistics SQLite's planner takes the primary key (key, timestamp, ...) instead, and reads
    /// the key's points of every run for each run.
    points_index: &'static str,
    /// The order a metric's points were written in, so that "after the first n" are the new ones
    /// even when a point comes with an older timestamp: SQLite's rowid; PostgreSQL's row
    /// position (rows of MLflow's metrics are never updated), where it can be ordered (14 on).
    insertion_order: &'static str,
}

impl SqlSource {
    /// An MLflow SQLite file, opened read-only.
    pub fn sqlite(path: &Path) -> Result<SqlSource> {
        if !path.is_file() {
            return Err(StoreError::NotFound(format!(
                "no MLflow database at {}",
                path.display()
            )));
        }
        use rusqlite::OpenFlags;
        let conn = rusqlite::Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        SqlSource::checked(Conn::Sqlite(conn))
    }

    /// An MLflow PostgreSQL database; every transaction is read-only.
    pub fn postgres(url: &str) -> Result<SqlSource> {
        let mut conn = PgConn::connect(url)?;
        conn.batch("SET default_transaction_read_only = on")?;
        SqlSource::checked(Conn::Postgres(Box::new(conn)))
    }

    fn checked(conn: Conn) -> Result<SqlSource> {
        let mut source = SqlSource {
            conn,
            has_models: false,
            points_index: "",
            insertion_order: "rowid",
        };
        let tables = match &source.conn {
            Conn::Sqlite(_) => "SELECT name FROM sqlite_master WHERE type = 'table'",
            Conn::Postgres(_) => "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema()",
        };
        let names: Vec<String> = source.db().rows(tables, args![], |r| r.get(0))?;
        if !["experiments", "runs", "metrics", "params", "tags"]
            .iter()
            .all(|t| names.iter().any(|n| n == t))
        {
            return Err(StoreError::Invalid(
                "this database is not an MLflow tracking store (it has no experiments, runs and metrics tables)".into(),
            ));
        }
        source.has_models = ["logged_models", "logged_model_params", "logged_model_tags"]
            .iter()
            .all(|t| names.iter().any(|n| n == t));
        if matches!(source.conn, Conn::Postgres(_)) {
            let version: Option<String> = source.db().value("SHOW server_version_num", args![])?;
            let version: i64 = version.and_then(|v| v.parse().ok()).unwrap_or(0);
            source.insertion_order = if version >= 140_000 {
                "ctid"
            } else {
                "timestamp, step, value"
            };
        }
        if matches!(source.conn, Conn::Sqlite(_)) {
            let indexes: Vec<String> = source.db().rows(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'metrics'",
                args![],
                |r| r.get(0),
            )?;
            let has = |name: &str| indexes.iter().any(|i| i == name);
            source.points_index = if has("index_metrics_run_uuid_key_step") {
                "INDEXED BY index_metrics_run_uuid_key_step"
            } else if has("index_metrics_run_uuid") {
                "INDEXED BY index_metrics_run_uuid"
            } else {
                ""
            };
        }
        Ok(source)
    }

    fn db(&mut self) -> Db<'_> {
        match &mut self.conn {
            Conn::Sqlite(c) => Db::Sqlite(c),
            Conn::Postgres(c) => Db::Postgres(RefCell::new(c)),
        }
    }

    fn key_values(&mut self, sql: &str, id: &str) -> Result<Vec<KeyValue>> {
        self.db().rows(sql, args![id.to_string()], |r| {
            Ok(KeyValue {
                key: r.get(0)?,
                value: r.get::<Option<String>>(1)?.unwrap_or_default(),
            })
        })
    }

    /// `(owner, key, value)` rows grouped by owner.
    fn grouped(&mut self, sql: &str) -> Result<HashMap<String, Vec<KeyValue>>> {
        let mut out: HashMap<String, Vec<KeyValue>> = HashMap::new();
        self.db().each(sql, args![], |r| {
            out.entry(id_text(r, 0)?).or_default().push(KeyValue {
                key: r.get(1)?,
                value: r.get::<Option<String>>(2)?.unwrap_or_default(),
            });
            Ok(())
        })?;
        Ok(out)
    }
}

/// An id column as text: MLflow's experiment ids are integers in a database, text elsewhere.
fn id_text(r: &Row<'_>, i: usize) -> Result<String> {
    Ok(match r.get::<crate::store::sql::Value>(i)? {
        crate::store::sql::Value::Int(n) => n.to_string(),
        crate::store::sql::Value::Text(s) => s,
        other => return Err(StoreError::Internal(format!("column {i}: not an id: {other:?}"))),
    })
}

impl Source for SqlSource {
    fn experiments(&mut self) -> Result<Vec<SourceExperiment>> {
        let mut tags = self.grouped("SELECT experiment_id, key, value FROM experiment_tags")?;
        self.db().rows(
            "SELECT experiment_id, name, lifecycle_stage FROM experiments ORDER BY experiment_id",
            args![],
            |r| {
                let id = id_text(r, 0)?;
                Ok(SourceExperiment {
                    tags: tags.remove(&id).unwrap_or_default(),
                    id,
                    name: r.get(1)?,
                    lifecycle_stage: r.get::<Option<String>>(2)?.unwrap_or_else(|| "active".into()),
                })
            },
        )
    }

    fn runs(&mut self, stamps: bool) -> Result<Vec<SourceRun>> {
        // The stamp: each run's latest metrics (a point logged later moves them), tags and params
        // (a note or a tag added or edited changes their count or length).
        let (stamp, joins) = if stamps {
            (
                "COALESCE(m.c, 0), COALESCE(m.t, 0), COALESCE(m.s, 0), COALESCE(g.c, 0), COALESCE(g.l, 0),
                 COALESCE(p.c, 0)",
                "LEFT JOIN (SELECT run_uuid, COUNT(*) AS c, MAX(timestamp) AS t, CAST(SUM(step) AS BIGINT) AS s
                            FROM latest_metrics GROUP BY run_uuid) m ON m.run_uuid = r.run_uuid
                 LEFT JOIN (SELECT run_uuid, COUNT(*) AS c,
                                   CAST(SUM(LENGTH(key) + LENGTH(COALESCE(value, ''))) AS BIGINT) AS l
                            FROM tags GROUP BY run_uuid) g ON g.run_uuid = r.run_uuid
                 LEFT JOIN (SELECT run_uuid, COUNT(*) AS c FROM params GROUP BY run_uuid) p ON p.run_uuid = r.run_uuid",
            )
        } else {
            ("0, 0, 0, 0, 0, 0", "")
        };
        let sql = format!(
            "SELECT r.run_uuid, r.experiment_id, r.name, r.user_id, r.status, r.start_time, r.end_time,
                r.lifecycle_stage, r.artifact_uri, {stamp}
             FROM runs r {joins} ORDER BY r.start_time, r.run_uuid"
        );
        self.db().rows(&sql, args![], |r| {
            let parts: Vec<i64> = (9..15)
                .map(|i| r.get::<Option<i64>>(i).map(Option::unwrap_or_default))
                .collect::<Result<_>>()?;
            Ok(SourceRun {
                id: r.get(0)?,
                experiment_id: id_text(r, 1)?,
                name: r.get::<Option<String>>(2)?.unwrap_or_default(),
                user_id: r.get::<Option<String>>(3)?.unwrap_or_default(),
                status: r.get::<Option<String>>(4)?.unwrap_or_else(|| "FINISHED".into()),
                start_time: r.get(5)?,
                end_time: r.get(6)?,
                lifecycle_stage: r.get::<Option<String>>(7)?.unwrap_or_else(|| "active".into()),
                artifact_uri: r.get::<Option<String>>(8)?.unwrap_or_default(),
                stamp: if stamps {
                    parts.iter().map(i64::to_string).collect::<Vec<_>>().join(":")
                } else {
                    String::new()
                },
            })
        })
    }

    fn run_data(&mut self, run: &SourceRun) -> Result<RunData> {
        Ok(RunData {
            params: self.key_values("SELECT key, value FROM params WHERE run_uuid = ?1", &run.id)?,
            tags: self.key_values("SELECT key, value FROM tags WHERE run_uuid = ?1", &run.id)?,
        })
    }

    fn metric_counts(&mut self, run: &SourceRun) -> Result<Vec<(String, u64)>> {
        self.db().rows(
            "SELECT key, COUNT(*) FROM metrics WHERE run_uuid = ?1 GROUP BY key ORDER BY key",
            args![run.id.clone()],
            |r| Ok((r.get(0)?, r.get::<i64>(1)?.max(0) as u64)),
        )
    }

    fn metric_points(&mut self, run: &SourceRun, key: &str, skip: u64) -> Result<Vec<SourcePoint>> {
        let all = match self.conn {
            Conn::Sqlite(_) => "LIMIT -1",
            Conn::Postgres(_) => "LIMIT ALL",
        };
        let sql = format!(
            "SELECT timestamp, step, value, is_nan FROM metrics {} WHERE run_uuid = ?1 AND key = ?2
             ORDER BY {} {all} OFFSET ?3",
            self.points_index, self.insertion_order
        );
        let skip = i64::try_from(skip).unwrap_or(i64::MAX);
        self.db().rows(&sql, args![run.id.clone(), key.to_string(), skip], |r| {
            let nan: bool = r.get(3)?;
            Ok(SourcePoint {
                timestamp: r.get(0)?,
                step: r.get(1)?,
                value: if nan { f64::NAN } else { r.get(2)? },
            })
        })
    }

    fn models(&mut self) -> Result<Vec<SourceModel>> {
        if !self.has_models {
            return Ok(Vec::new());
        }
        let mut params = self.grouped("SELECT model_id, param_key, param_value FROM logged_model_params")?;
        let mut tags = self.grouped("SELECT model_id, tag_key, tag_value FROM logged_model_tags")?;
        self.db().rows(
            "SELECT model_id, experiment_id, name, artifact_location, source_run_id, model_type, status,
                lifecycle_stage
             FROM logged_models ORDER BY creation_timestamp_ms, model_id",
            args![],
            |r| {
                let id: String = r.get(0)?;
                Ok(SourceModel {
                    params: params.remove(&id).unwrap_or_default(),
                    tags: tags.remove(&id).unwrap_or_default(),
                    id,
                    experiment_id: id_text(r, 1)?,
                    name: r.get(2)?,
                    artifact_location: r.get(3)?,
                    source_run_id: r.get(4)?,
                    model_type: r.get(5)?,
                    status: r.get(6)?,
                    lifecycle_stage: r.get::<Option<String>>(7)?.unwrap_or_else(|| "active".into()),
                })
            },
        )
    }
}
