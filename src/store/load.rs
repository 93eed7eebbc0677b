//! Reads whole runs (attributes, params, tags, latest metrics, values) with one query per table.

use super::Result;
use super::sql::{Arg, Db, Row};
use crate::api::ext::{LatestMetric, LoggedValue, Num, RunDetail, RunStatus};
use std::collections::HashMap;

const RUN_COLUMNS: &str = "r.run_id, r.experiment_id, r.run_number, r.name, r.script_name, r.arguments, r.user_id,
    r.status, r.created_time, r.start_time, r.end_time, r.description, r.hidden, r.parent_run_id, r.exit_code,
    r.target, r.heartbeat_time, r.lifecycle_stage, r.artifact_uri";

fn run_from_row(row: &Row<'_>) -> Result<RunDetail> {
    let arguments: String = row.get(5)?;
    let status: String = row.get(7)?;
    let experiment_id: i64 = row.get(1)?;
    Ok(RunDetail {
        run_id: row.get(0)?,
        experiment_id: experiment_id.to_string(),
        run_number: row.get(2)?,
        name: row.get(3)?,
        script_name: row.get(4)?,
        arguments: serde_json::from_str(&arguments).unwrap_or_default(),
        user_id: row.get(6)?,
        status: RunStatus::parse(&status).unwrap_or(RunStatus::Failed),
        created_time: row.get(8)?,
        start_time: row.get(9)?,
        end_time: row.get(10)?,
        description: row.get(11)?,
        hidden: row.get(12)?,
        parent_run_id: row.get(13)?,
        exit_code: row.get(14)?,
        target: row.get(15)?,
        heartbeat_time: row.get(16)?,
        lifecycle_stage: row.get(17)?,
        artifact_uri: row.get(18)?,
        properties: Default::default(),
        params: Default::default(),
        tags: Default::default(),
        metrics: Default::default(),
        values: Default::default(),
        inputs: Default::default(),
        outputs: Default::default(),
    })
}

/// NaN is stored as NULL.
pub(super) fn value_from_db(v: Option<f64>) -> f64 {
    v.unwrap_or(f64::NAN)
}

/// Loads every run matching `where_sql` (over the `runs r` table), ordered by run number.
pub(super) fn load_runs(db: &Db<'_>, where_sql: &str, args: &[&dyn Arg]) -> Result<Vec<RunDetail>> {
    let mut runs = db.rows(
        &format!("SELECT {RUN_COLUMNS} FROM runs r WHERE {where_sql} ORDER BY r.run_number"),
        args,
        run_from_row,
    )?;
    if runs.is_empty() {
        return Ok(runs);
    }
    let index: HashMap<String, usize> = runs.iter().enumerate().map(|(i, r)| (r.run_id.clone(), i)).collect();
    // Runs chosen by plain SQL (a whole experiment) are chosen again in each table's query; runs
    // chosen by a list of ids are named by the ids loaded, so PostgreSQL reads the list once
    // instead of comparing it with every run of the experiment.
    let (loaded_ids, only_id);
    let by_ids: [&dyn Arg; 1];
    let (subset, args) = if runs.len() == 1 {
        // One run (a get, a create): its id, which every table's key is looked up by.
        only_id = runs[0].run_id.clone();
        by_ids = [&only_id];
        ("?1".to_string(), &by_ids[..])
    } else if args.is_empty() {
        (format!("SELECT r.run_id FROM runs r WHERE {where_sql}"), args)
    } else {
        let ids: Vec<&str> = runs.iter().map(|r| r.run_id.as_str()).collect();
        loaded_ids = serde_json::to_string(&ids).map_err(|e| super::StoreError::Internal(e.to_string()))?;
        by_ids = [&loaded_ids];
        (db.json_strings(1), &by_ids[..])
    };

    // Properties, params and tags in one query: on PostgreSQL each query is a round trip.
    db.each(
        &format!(
            "SELECT 0, run_id, key, value FROM run_properties WHERE run_id IN ({subset})
             UNION ALL SELECT 1, run_id, key, value FROM params WHERE run_id IN ({subset})
             UNION ALL SELECT 2, run_id, key, value FROM tags WHERE run_id IN ({subset})"
        ),
        args,
        |row| {
            let id: String = row.get(1)?;
            let Some(&i) = index.get(&id) else { return Ok(()) };
            let map = match row.get::<i64>(0)? {
                0 => &mut runs[i].properties,
                1 => &mut runs[i].params,
                _ => &mut runs[i].tags,
            };
            map.insert(row.get(2)?, row.get(3)?);
            Ok(())
        },
    )?;

    db.each(
        &format!(
            "SELECT s.run_id, s.key, l.value, l.step, l.timestamp, l.point_count, l.min, l.max
             FROM series s JOIN latest_metrics l ON l.series_id = s.series_id WHERE s.run_id IN ({subset})"
        ),
        args,
        |row| {
            let id: String = row.get(0)?;
            let Some(&i) = index.get(&id) else { return Ok(()) };
            let metric = LatestMetric {
                value: Num(value_from_db(row.get(2)?)),
                step: row.get(3)?,
                timestamp: row.get(4)?,
                count: row.get(5)?,
                min: row.get::<Option<f64>>(6)?.map(Num),
                max: row.get::<Option<f64>>(7)?.map(Num),
            };
            runs[i].metrics.insert(row.get(1)?, metric);
            Ok(())
        },
    )?;

    db.each(
        &format!("SELECT run_id, key, kind, value FROM run_values WHERE run_id IN ({subset})"),
        args,
        |row| {
            let id: String = row.get(0)?;
            let Some(&i) = index.get(&id) else { return Ok(()) };
            let key: String = row.get(1)?;
            let text: String = row.get(3)?;
            let value = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
            runs[i].values.insert(
                key.clone(),
                LoggedValue {
                    key,
                    kind: row.get(2)?,
                    value,
                },
            );
            Ok(())
        },
    )?;
    super::inputs::load_inputs_outputs(db, &mut runs, &index, &subset, args)?;
    Ok(runs)
}
