//! Narrowing a run search in SQL: the simple comparisons at the top of a filter (a metric against a
//! number, a param or tag equal to a string) give the runs that can match. Only a superset: the
//! full filter is still evaluated over what is loaded.

use super::Result;
use crate::query::{Expr, Field, Op, Value};
use rusqlite::Connection;
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
fn as_sql(e: &Expr) -> Option<(String, String, rusqlite::types::Value)> {
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
                rusqlite::types::Value::Real(*n),
            ))
        }
        (Field::Param(k), Op::Eq, Value::Str(v)) => Some((
            "SELECT run_id FROM params WHERE key = ?1 AND value = ?2".into(),
            k.clone(),
            rusqlite::types::Value::Text(v.clone()),
        )),
        (Field::Tag(k), Op::Eq, Value::Str(v)) => Some((
            "SELECT run_id FROM tags WHERE key = ?1 AND value = ?2".into(),
            k.clone(),
            rusqlite::types::Value::Text(v.clone()),
        )),
        _ => None,
    }
}

/// The run ids that can match, or None when the filter has nothing SQL can narrow by.
pub(super) fn candidates(conn: &Connection, expr: &Expr) -> Result<Option<Vec<String>>> {
    let mut parts = Vec::new();
    conjuncts(expr, &mut parts);
    let mut result: Option<HashSet<String>> = None;
    for part in parts {
        let Some((sql, key, arg)) = as_sql(part) else { continue };
        let mut stmt = conn.prepare_cached(&sql)?;
        let ids: HashSet<String> = stmt
            .query_map(rusqlite::params![key, arg], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
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
