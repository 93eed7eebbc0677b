//! Narrowing a run search in SQL: the simple comparisons at the top of a filter (a metric against a
//! number, a param or tag equal to a string) give the runs that can match. Only a superset: the
//! full filter is still evaluated over what is loaded.

use super::Result;
use super::sql::{self, Db, args};
use crate::query::{Expr, Field, Op, Value};
use std::collections::HashSet;

/// The top-level conjuncts of a filter.
fn conjuncts<'a>(e: &'a Expr, out: &mut Vec<&'a Expr>) {
    match e {
        Expr::And(a, b) => {
            conjuncts(a, out);
            conjuncts(b, out);
        }
        other => out.push(other),
    }
}

/// The SQL and argument of one comparison that can be answered from an index, if it is one.
fn as_sql(e: &Expr) -> Option<(String, String, sql::Value)> {
    let Expr::Cmp { field, op, value } = e else { return None };
    match (field, op, value) {
        (Field::Metric(k), op, Value::Num(n)) => {
            let sql_op = match op {
                Op::Eq => "=",
                Op::Lt => "<",
                Op::Le => "<=",
                Op::Gt => ">",
                Op::Ge => ">=",
                _ => return None,
            };
            Some((
                format!(
                    "SELECT s.run_id FROM series s JOIN latest_metrics l ON l.series_id = s.series_id
                     WHERE s.key = ?1 AND l.value {sql_op} ?2"
                ),
                k.clone(),
                sql::Value::Real(*n),
            ))
        }
        (Field::Param(k), Op::Eq, Value::Str(v)) => Some((
            "SELECT run_id FROM params WHERE key = ?1 AND value = ?2".into(),
            k.clone(),
            sql::Value::Text(v.clone()),
        )),
        (Field::Tag(k), Op::Eq, Value::Str(v)) => Some((
            "SELECT run_id FROM tags WHERE key = ?1 AND value = ?2".into(),
            k.clone(),
            sql::Value::Text(v.clone()),
        )),
        _ => None,
    }
}

/// The run ids that can match, or None when the filter has nothing SQL can narrow by.
pub(super) fn candidates(db: &Db<'_>, expr: &Expr) -> Result<Option<Vec<String>>> {
    let mut parts = Vec::new();
    conjuncts(expr, &mut parts);
    let mut result: Option<HashSet<String>> = None;
    for part in parts {
        let Some((sql, key, arg)) = as_sql(part) else { continue };
        let ids: HashSet<String> = db.rows(&sql, args![key, arg], |r| r.get(0))?.into_iter().collect();
        result = Some(match result {
            Some(prev) => prev.intersection(&ids).cloned().collect(),
            None => ids,
        });
    }
    Ok(result.map(|set| {
        let mut v: Vec<String> = set.into_iter().collect();
        v.sort();
        v
    }))
}
