//! Copies one store into another, either database to either, files included: what `runhistory
//! migrate` does. The rows go in one transaction of the target (all or nothing); a row already
//! there is brought up to date, so copying again adds what is new and doubles nothing.

use super::file_space::FileSpace;
use super::sql::{Db, Dialect, Value};
use super::{Result, Store, StoreError};

/// Every table of the store with its key, in an order that puts a row after those it refers to.
/// A table with no key is copied row by row, a row equal to one there skipped.
pub(super) const TABLES: &[(&str, &[&str])] = &[
    ("experiments", &["experiment_id"]),
    ("experiment_tags", &["experiment_id", "key"]),
    ("runs", &["run_id"]),
    ("run_properties", &["run_id", "key"]),
    ("params", &["run_id", "key"]),
    ("tags", &["run_id", "key"]),
    ("run_values", &["run_id", "key"]),
    ("series", &["series_id"]),
    ("metric_points", &["series_id", "step", "seq"]),
    ("latest_metrics", &["series_id"]),
    ("point_blocks", &["series_id", "block"]),
    ("series_blocks", &["series_id", "axis", "level", "block"]),
    ("ingested_batches", &["batch_id"]),
    ("snapshots", &["snapshot_id"]),
    ("snapshot_files", &["snapshot_id", "path"]),
    ("logged_models", &["model_id"]),
    ("logged_model_params", &["model_id", "key"]),
    ("logged_model_tags", &["model_id", "key"]),
    ("logged_model_metrics", &[]),
    ("datasets", &["dataset_id"]),
    ("run_dataset_inputs", &["run_id", "dataset_id"]),
    ("run_model_inputs", &["run_id", "model_id"]),
    ("run_model_outputs", &["run_id", "model_id", "step"]),
    ("registered_models", &["name"]),
    ("registered_model_tags", &["name", "key"]),
    ("model_versions", &["name", "version"]),
    ("model_version_tags", &["name", "version", "key"]),
    ("registered_model_aliases", &["name", "alias"]),
    ("users", &["name"]),
    ("experiment_permissions", &["experiment_id", "user_name"]),
];

/// PostgreSQL's numbering columns, moved past the copied rows so new rows do not collide.
const NUMBERED: &[(&str, &str)] = &[
    ("experiments", "experiment_id"),
    ("series", "series_id"),
    ("snapshots", "snapshot_id"),
    ("datasets", "dataset_id"),
];

/// The numbered rows with what makes each the same row in another store: a copy refuses a target
/// where a number names another row (another history), instead of writing over it. The Default
/// experiment (0) is every store's own and is exempt.
const IDENTITIES: &[(&str, &str, &str)] = &[
    ("experiments", "experiment_id", "creation_time"),
    ("series", "series_id", "run_id || '/' || key"),
    ("snapshots", "snapshot_id", "created_time || '/' || label"),
    (
        "datasets",
        "dataset_id",
        "experiment_id || '/' || name || '/' || digest",
    ),
];

/// Arguments one statement binds at most (under SQLite's and PostgreSQL's limits).
const MAX_ARGS: usize = 30_000;

/// Rows read from the source at a time.
const CHUNK: usize = 5_000;

/// Where a copy is: a table (or "files") with its rows (or files) done of its total.
#[derive(Debug, Clone, PartialEq)]
pub struct CopyProgress {
    pub what: &'static str,
    pub done: u64,
    pub total: u64,
}

/// What a copy copied: rows per table, then files and their bytes (files already there, of the
/// same size, are not copied again).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct CopyReport {
    pub rows: Vec<(&'static str, u64)>,
    pub files: u64,
    pub bytes: u64,
}

impl Store {
    /// Copies every row and file of `from` into this store; `progress` hears of each chunk.
    pub fn copy_from(&self, from: &Store, mut progress: impl FnMut(&CopyProgress)) -> Result<CopyReport> {
        let sqlite = |s: &Store| matches!(s.backend, super::backend::Backend::Sqlite { .. });
        if sqlite(from) && sqlite(self) && from.root() == self.root() {
            return Err(StoreError::Invalid(
                "the source and the target are the same store".into(),
            ));
        }
        same_history(from, self)?;
        let mut report = CopyReport::default();
        let mut plan = Vec::new();
        for (table, keys) in TABLES {
            let columns = shared_columns(from, self, table)?;
            let total: i64 = from
                .read_db(|db| db.value(&format!("SELECT COUNT(*) FROM {table}"), &[]))?
                .unwrap_or(0);
            plan.push((*table, *keys, columns, u64::try_from(total).unwrap_or(0)));
        }
        self.write_db(|to| {
            for (table, keys, columns, total) in &plan {
                let mut done = 0u64;
                progress(&CopyProgress {
                    what: table,
                    done,
                    total: *total,
                });
                let select = format!("SELECT {} FROM {table}", columns.join(", "));
                from.scan(&select, columns.len(), CHUNK, |rows| {
                    if keys.is_empty() {
                        insert_missing(to, table, columns, rows)?;
                    } else {
                        upsert(to, table, keys, columns, rows)?;
                    }
                    done += rows.len() as u64;
                    progress(&CopyProgress {
                        what: table,
                        done,
                        total: *total,
                    });
                    Ok(())
                })?;
                report.rows.push((table, done));
            }
            if to.dialect() == Dialect::Postgres {
                for (table, column) in NUMBERED {
                    to.value::<i64>(
                        &format!(
                            "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), \
                             (SELECT COALESCE(MAX({column}), 0) + 1 FROM {table}), false)"
                        ),
                        &[],
                    )?;
                }
            }
            Ok(())
        })?;
        if !sqlite(self) {
            // Fresh planner statistics for the rows that came in, as after a restore: without
            // them a search plans blind until autovacuum looks (about 3x slower just after).
            self.read_db(|db| db.exec("ANALYZE", &[]))?;
        }
        for folder in ["artifacts", "blobs"] {
            let (files, bytes) = copy_tree(&from.files, &self.files, folder, &mut progress)?;
            report.files += files;
            report.bytes += bytes;
        }
        Ok(report)
    }
}

/// Refuses a target whose numbered rows are other rows than the source's under the same numbers.
fn same_history(from: &Store, to: &Store) -> Result<()> {
    for (table, id, identity) in IDENTITIES {
        let sql = format!("SELECT {id}, CAST({identity} AS TEXT) FROM {table} WHERE {id} <> 0");
        let read = |s: &Store| -> Result<std::collections::HashMap<i64, String>> {
            s.read_db(|db| {
                let mut out = std::collections::HashMap::new();
                db.each(&sql, &[], |r| {
                    out.insert(r.get::<i64>(0)?, r.get::<String>(1)?);
                    Ok(())
                })?;
                Ok(out)
            })
        };
        let (source, target) = (read(from)?, read(to)?);
        let mut clash: Vec<i64> = source
            .iter()
            .filter(|(n, who)| target.get(n).is_some_and(|there| there != *who))
            .map(|(n, _)| *n)
            .collect();
        clash.sort_unstable();
        if let Some(first) = clash.first() {
            return Err(StoreError::Invalid(format!(
                "the target holds another history: {table} {first} there is not the source's ({} such rows); \
                 copy into a new database or into an earlier copy of this store",
                clash.len()
            )));
        }
    }
    Ok(())
}

/// The columns of `table` in both stores, in the source's order.
fn shared_columns(from: &Store, to: &Store, table: &str) -> Result<Vec<String>> {
    let source = from.read_db(|db| columns_of(db, table))?;
    let target = to.read_db(|db| columns_of(db, table))?;
    if source.is_empty() || target.is_empty() {
        return Err(StoreError::Internal(format!(
            "the table {table} is missing from a store"
        )));
    }
    Ok(source.into_iter().filter(|c| target.contains(c)).collect())
}

pub(super) fn columns_of(db: &Db<'_>, table: &str) -> Result<Vec<String>> {
    let sql = match db.dialect() {
        Dialect::Sqlite => "SELECT name FROM pragma_table_info(?1) ORDER BY cid",
        Dialect::Postgres => {
            "SELECT column_name FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = ?1 ORDER BY ordinal_position"
        }
    };
    db.rows(sql, super::sql::args![table], |r| r.get(0))
}

/// Inserts `rows`, a row whose key is there already replacing it.
fn upsert(to: &Db<'_>, table: &str, keys: &[&str], columns: &[String], rows: &[Vec<Value>]) -> Result<()> {
    let per_statement = (MAX_ARGS / columns.len()).clamp(1, 1_000);
    let updates: Vec<String> = columns
        .iter()
        .filter(|c| !keys.contains(&c.as_str()))
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    let on_conflict = if updates.is_empty() {
        format!("ON CONFLICT ({}) DO NOTHING", keys.join(", "))
    } else {
        format!("ON CONFLICT ({}) DO UPDATE SET {}", keys.join(", "), updates.join(", "))
    };
    for part in rows.chunks(per_statement) {
        let tuples: Vec<String> = (0..part.len())
            .map(|r| {
                let marks: Vec<String> = (0..columns.len())
                    .map(|c| format!("?{}", r * columns.len() + c + 1))
                    .collect();
                format!("({})", marks.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES {} {on_conflict}",
            columns.join(", "),
            tuples.join(", ")
        );
        let args: Vec<&dyn super::sql::Arg> = part.iter().flatten().map(|v| v as &dyn super::sql::Arg).collect();
        to.exec(&sql, &args)?;
    }
    Ok(())
}

/// Inserts each of `rows` unless an equal row is there (a table with no key).
fn insert_missing(to: &Db<'_>, table: &str, columns: &[String], rows: &[Vec<Value>]) -> Result<()> {
    let same: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} IS NOT DISTINCT FROM ?{}", i + 1))
        .collect();
    let exists = format!("SELECT 1 FROM {table} WHERE {} LIMIT 1", same.join(" AND "));
    let marks: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
    let insert = format!(
        "INSERT INTO {table} ({}) VALUES ({})",
        columns.join(", "),
        marks.join(", ")
    );
    for row in rows {
        let args: Vec<&dyn super::sql::Arg> = row.iter().map(|v| v as &dyn super::sql::Arg).collect();
        if to.value::<i64>(&exists, &args)?.is_none() {
            to.exec(&insert, &args)?;
        }
    }
    Ok(())
}

/// Copies every file below `folder` of one file space into the other (a folder or object
/// storage on either side); a file already there with the same size is not copied again.
fn copy_tree(
    from: &FileSpace,
    to: &FileSpace,
    folder: &str,
    progress: &mut impl FnMut(&CopyProgress),
) -> Result<(u64, u64)> {
    let files = from.walk(&[folder.to_string()])?;
    let total = files.len() as u64;
    let (mut copied, mut bytes) = (0, 0);
    for (i, (rel, len)) in files.iter().enumerate() {
        let mut key = vec![folder.to_string()];
        key.extend(rel.split('/').map(str::to_string));
        if to.copy_from(from, &key, *len)? {
            copied += 1;
            bytes += len;
        }
        progress(&CopyProgress {
            what: "files",
            done: i as u64 + 1,
            total,
        });
    }
    Ok((copied, bytes))
}
