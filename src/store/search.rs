//! Searching runs (filter, order, pages) and the one-request experiment summary for grids.

use super::experiments::{get_in as get_experiment_in, parse_experiment_id};
use super::load::load_runs;
use super::sql::{Arg, args};
use super::{Result, Store, StoreError, prefilter};
use crate::api::ext::{ExperimentSummary, RunDetail};
use crate::api::ids::now_ms;
use crate::api::limits::MAX_RUNS_PAGE;
use crate::query::{self, Field, FieldValue, OrderBy, Subject};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::cmp::Ordering;

/// Which lifecycle stages a search keeps.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum ViewType {
    #[default]
    ActiveOnly,
    DeletedOnly,
    All,
}

impl ViewType {
    pub fn parse(s: Option<&str>) -> Result<ViewType> {
        match s.unwrap_or("ACTIVE_ONLY").to_ascii_uppercase().as_str() {
            "ACTIVE_ONLY" | "1" => Ok(ViewType::ActiveOnly),
            "DELETED_ONLY" | "2" => Ok(ViewType::DeletedOnly),
            "ALL" | "3" => Ok(ViewType::All),
            other => Err(StoreError::Invalid(format!(
                "Invalid view type '{other}': expected ACTIVE_ONLY, DELETED_ONLY or ALL"
            ))),
        }
    }

    pub fn keeps(self, lifecycle_stage: &str) -> bool {
        match self {
            ViewType::ActiveOnly => lifecycle_stage == "active",
            ViewType::DeletedOnly => lifecycle_stage == "deleted",
            ViewType::All => true,
        }
    }
}

/// A page request: how many and where to start (an opaque token from the previous page).
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub max_results: Option<i64>,
    pub token: Option<String>,
}

pub(super) fn encode_offset(offset: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{{\"offset\": {offset}}}"))
}

pub(super) fn decode_offset(token: Option<&str>) -> Result<i64> {
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return Ok(0);
    };
    let bad = || StoreError::Invalid(format!("Invalid page token '{token}'"));
    let bytes = URL_SAFE_NO_PAD.decode(token.trim_end_matches('=')).map_err(|_| bad())?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    v["offset"].as_i64().filter(|o| *o >= 0).ok_or_else(bad)
}

/// A page's size and first item, checked.
fn page_bounds(page: &Page) -> Result<(i64, i64)> {
    let limit = page.max_results.unwrap_or(1000);
    if !(1..=MAX_RUNS_PAGE).contains(&limit) {
        return Err(StoreError::Invalid(format!(
            "Invalid value {limit} for parameter 'max_results' supplied. It must be between 1 and {MAX_RUNS_PAGE}."
        )));
    }
    Ok((limit, decode_offset(page.token.as_deref())?))
}

/// Cuts one page out of an ordered list.
pub(super) fn paginate<T>(all: Vec<T>, page: &Page) -> Result<(Vec<T>, Option<String>)> {
    let (limit, offset) = page_bounds(page)?;
    let total = all.len() as i64;
    let items: Vec<T> = all.into_iter().skip(offset as usize).take(limit as usize).collect();
    let next = (offset + limit < total).then(|| encode_offset(offset + limit));
    Ok((items, next))
}

impl Subject for RunDetail {
    fn field(&self, f: &Field) -> Option<FieldValue> {
        let s = |v: &str| Some(FieldValue::Str(v.to_string()));
        let n = |v: i64| Some(FieldValue::Num(v as f64));
        match f {
            Field::Metric(k) => self.metrics.get(k).map(|m| FieldValue::Num(m.value.0)),
            Field::Param(k) => self.params.get(k).map(|v| FieldValue::Str(v.clone())),
            Field::Tag(k) => self.tags.get(k).map(|v| FieldValue::Str(v.clone())),
            Field::Attr(a) => match a.as_str() {
                "run_id" => s(&self.run_id),
                "run_name" | "name" => s(&self.name),
                "status" => s(self.status.db_name()),
                "start_time" | "created" => self.start_time.and_then(n),
                "end_time" => self.end_time.and_then(n),
                "user_id" => s(&self.user_id),
                "artifact_uri" => s(&self.artifact_uri),
                "lifecycle_stage" => s(&self.lifecycle_stage),
                "run_number" => n(self.run_number),
                "script_name" => self.script_name.as_deref().and_then(s),
                "duration" => self.duration_ms(now_ms()).and_then(n),
                "experiment_id" => s(&self.experiment_id),
                _ => None,
            },
        }
    }
}

/// What a run search asks for.
#[derive(Debug, Clone, Default)]
pub struct RunQuery {
    pub experiment_ids: Vec<String>,
    pub filter: String,
    pub view: ViewType,
    pub order_by: Vec<String>,
    pub page: Page,
}

fn sort_runs(runs: &mut [RunDetail], orders: &[OrderBy]) {
    runs.sort_by(|a, b| {
        for o in orders {
            let c = query::order_values(&a.field(&o.field), &b.field(&o.field), o.descending);
            if c != Ordering::Equal {
                return c;
            }
        }
        // MLflow's tie-breakers: newest start first, then run id.
        b.start_time.cmp(&a.start_time).then_with(|| a.run_id.cmp(&b.run_id))
    });
}

impl Store {
    fn runs_of_experiments(&self, ids: &[i64]) -> Result<Vec<RunDetail>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        self.read_db(|db| load_runs(db, &format!("r.experiment_id IN ({list})"), args![]))
    }

    pub fn search_runs(&self, q: &RunQuery) -> Result<(Vec<RunDetail>, Option<String>)> {
        let expr = query::parse_filter(&q.filter).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let orders = q
            .order_by
            .iter()
            .map(|o| query::parse_order_by(o))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let ids = q
            .experiment_ids
            .iter()
            .map(|id| parse_experiment_id(id))
            .collect::<Result<Vec<_>>>()?;
        if ids.is_empty() {
            return paginate(Vec::new(), &q.page);
        }
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let stage = match q.view {
            ViewType::ActiveOnly => " AND r.lifecycle_stage = 'active'",
            ViewType::DeletedOnly => " AND r.lifecycle_stage = 'deleted'",
            ViewType::All => "",
        };
        let where_base = format!("r.experiment_id IN ({list}){stage}");
        // Simple comparisons narrow the runs in SQL first; the full filter still decides, unless
        // SQL answered all of it.
        let narrowed = prefilter::candidates(&expr, 1);
        let answered = expr == query::Expr::True || narrowed.as_ref().is_some_and(|c| c.exact);
        let default_order = orders.is_empty() && answered;
        let mut where_sql = where_base;
        if let Some(c) = &narrowed {
            where_sql.push_str(&format!(" AND r.run_id IN ({})", c.sql));
        }
        let (runs, next) = self.read_db(|db| {
            let a: Vec<&dyn Arg> = narrowed
                .iter()
                .flat_map(|c| c.args.iter().map(|v| v as &dyn Arg))
                .collect();
            if !default_order {
                return Ok((load_runs(db, &where_sql, &a)?, None));
            }
            // MLflow's default order, from SQL: only the page's ids are read and its runs loaded.
            let (limit, offset) = page_bounds(&q.page)?;
            let more = limit + 1;
            let mut a = a;
            a.push(&more);
            a.push(&offset);
            let mut page: Vec<String> = db.rows(
                &format!(
                    "SELECT r.run_id FROM runs r WHERE {where_sql}
                     ORDER BY r.start_time IS NULL, r.start_time DESC, r.run_id LIMIT ?{} OFFSET ?{}",
                    a.len() - 1,
                    a.len()
                ),
                &a,
                |r| r.get(0),
            )?;
            let next = (page.len() as i64 > limit).then(|| encode_offset(offset + limit));
            page.truncate(limit as usize);
            let page_json = serde_json::to_string(&page).map_err(|e| StoreError::Internal(e.to_string()))?;
            let mut runs = load_runs(db, &format!("r.run_id IN ({})", db.json_strings(1)), args![page_json])?;
            let position: std::collections::HashMap<&str, usize> =
                page.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
            runs.sort_by_key(|r| position.get(r.run_id.as_str()).copied().unwrap_or(usize::MAX));
            Ok((runs, Some(next)))
        })?;
        if let Some(next) = next {
            return Ok((runs, next));
        }
        let mut runs = runs;
        runs.retain(|r| expr.matches(r));
        sort_runs(&mut runs, &orders);
        paginate(runs, &q.page)
    }

    /// Every active run of an experiment with its latest values, newest first: one request for a grid.
    pub fn experiment_summary(&self, experiment_id: &str, filter: &str) -> Result<ExperimentSummary> {
        let expr = query::parse_filter(filter).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let id = parse_experiment_id(experiment_id)?;
        let experiment = self.read_db(|db| get_experiment_in(db, id))?;
        let mut runs = self.runs_of_experiments(&[id])?;
        runs.retain(|r| r.lifecycle_stage == "active" && expr.matches(r));
        runs.sort_by_key(|r| std::cmp::Reverse(r.run_number));
        Ok(ExperimentSummary { experiment, runs })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_round_trip_and_refuse_garbage() {
        assert_eq!(decode_offset(Some(&encode_offset(42))).unwrap(), 42);
        assert_eq!(decode_offset(None).unwrap(), 0);
        assert!(decode_offset(Some("not a token")).is_err());
        assert!(decode_offset(Some(&URL_SAFE_NO_PAD.encode("{\"offset\": -1}"))).is_err());
    }

    #[test]
    fn paginate_walks_every_item_once() {
        let page = |t: Option<String>| Page {
            max_results: Some(3),
            token: t,
        };
        let (a, t) = paginate((0..7).collect(), &page(None)).unwrap();
        let (b, t) = paginate((0..7).collect(), &page(t)).unwrap();
        let (c, t) = paginate((0..7).collect(), &page(t)).unwrap();
        assert_eq!((a, b, c, t), (vec![0, 1, 2], vec![3, 4, 5], vec![6], None));
        assert!(
            paginate(
                vec![1],
                &Page {
                    max_results: Some(50_001),
                    token: None
                }
            )
            .is_err()
        );
    }
}
