//! Searching logged models: the filter language over a model's attributes, params, tags and
//! metrics, datasets, and MLflow's order (a metric on a dataset, or an attribute).

use super::experiments::parse_experiment_id;
use super::logged_models::load;
use super::search::{Page, paginate};
use super::sql::args;
use super::{Result, Store, StoreError};
use crate::api::KeyValue;
use crate::api::models::{LoggedModel, SearchLoggedModels};
use crate::query::{self, Field, FieldValue, Subject};
use std::cmp::Ordering;

/// How many models a search page holds when the client does not say.
const DEFAULT_MODELS_PAGE: i64 = 100;

impl Subject for LoggedModel {
    fn field(&self, f: &Field) -> Option<FieldValue> {
        let s = |v: &str| Some(FieldValue::Str(v.to_string()));
        let kv = |list: &[KeyValue], k: &str| {
            list.iter()
                .find(|p| p.key == k)
                .map(|p| FieldValue::Str(p.value.clone()))
        };
        match f {
            Field::Metric(k) => self
                .data
                .metrics
                .iter()
                .filter(|m| &m.key == k)
                .max_by_key(|m| (m.timestamp, m.step))
                .map(|m| FieldValue::Num(m.value)),
            Field::Param(k) => kv(&self.data.params, k),
            Field::Tag(k) => kv(&self.info.tags, k),
            Field::Attr(a) => match a.as_str() {
                "name" => s(&self.info.name),
                "model_id" => s(&self.info.model_id),
                "model_type" => self.info.model_type.as_deref().and_then(s),
                "status" => s(self.info.status.db_name()),
                "source_run_id" => self.info.source_run_id.as_deref().and_then(s),
                "creation_timestamp" | "creation_time" => Some(FieldValue::Num(self.info.creation_timestamp_ms as f64)),
                "last_updated_timestamp" | "last_updated_time" => {
                    Some(FieldValue::Num(self.info.last_updated_timestamp_ms as f64))
                }
                _ => None,
            },
        }
    }
}

/// The value a model is ordered by for one order-by key (a metric: its latest on the dataset given).
fn order_value(m: &LoggedModel, o: &crate::api::models::ModelOrderBy) -> Option<FieldValue> {
    if let Some(key) = o.field_name.strip_prefix("metrics.") {
        return m
            .data
            .metrics
            .iter()
            .filter(|x| x.key == key)
            .filter(|x| o.dataset_name.is_none() || x.dataset_name == o.dataset_name)
            .filter(|x| o.dataset_digest.is_none() || x.dataset_digest == o.dataset_digest)
            .max_by_key(|x| (x.timestamp, x.step))
            .map(|x| FieldValue::Num(x.value));
    }
    let attr = o.field_name.strip_prefix("attributes.").unwrap_or(&o.field_name);
    m.field(&Field::Attr(attr.to_string()))
}

fn compare(a: &Option<FieldValue>, b: &Option<FieldValue>) -> Ordering {
    match (a, b) {
        (Some(FieldValue::Num(x)), Some(FieldValue::Num(y))) => x.total_cmp(y),
        (Some(FieldValue::Str(x)), Some(FieldValue::Str(y))) => x.cmp(y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        _ => Ordering::Equal,
    }
}

impl Store {
    /// Models of the experiments matching the filter (and with metrics on the datasets given),
    /// newest first unless ordered otherwise, a page at a time.
    pub fn search_logged_models(&self, q: &SearchLoggedModels) -> Result<(Vec<LoggedModel>, Option<String>)> {
        let expr =
            query::parse_filter(q.filter.as_deref().unwrap_or("")).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let exps = q
            .experiment_ids
            .iter()
            .map(|e| parse_experiment_id(e))
            .collect::<Result<Vec<i64>>>()?;
        if exps.is_empty() {
            return Err(StoreError::Invalid(
                "Missing value for required parameter 'experiment_ids'.".into(),
            ));
        }
        let mut models = self.read_db(|db| {
            let mut out = Vec::new();
            for e in &exps {
                let ids: Vec<String> = db.rows(
                    "SELECT model_id FROM logged_models WHERE experiment_id = ?1 AND lifecycle_stage = 'active'",
                    args![*e],
                    |r| r.get(0),
                )?;
                for id in ids {
                    out.push(load(db, &id)?);
                }
            }
            Ok(out)
        })?;
        models.retain(|m| expr.matches(m));
        if !q.datasets.is_empty() {
            models.retain(|m| {
                q.datasets.iter().any(|d| {
                    m.data.metrics.iter().any(|x| {
                        x.dataset_name.as_deref() == Some(d.dataset_name.as_str())
                            && (d.dataset_digest.is_none() || x.dataset_digest == d.dataset_digest)
                    })
                })
            });
        }
        models.sort_by(|a, b| {
            for o in &q.order_by {
                let ord = compare(&order_value(a, o), &order_value(b, o));
                let ord = if o.ascending { ord } else { ord.reverse() };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
            b.info
                .creation_timestamp_ms
                .cmp(&a.info.creation_timestamp_ms)
                .then_with(|| b.info.model_id.cmp(&a.info.model_id))
        });
        paginate(
            models,
            &Page {
                max_results: Some(q.max_results.unwrap_or(DEFAULT_MODELS_PAGE)),
                token: q.page_token.clone(),
            },
        )
    }
}
