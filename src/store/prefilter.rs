//! Narrowing a run search in SQL: the simple comparisons at the top of a filter (a metric against a
//! number, a param or tag equal to a string) become one subquery of the runs that can match, the
//! intersection of each comparison's. Only a superset: the full filter is still evaluated over
//! what is loaded.

use super::sql;
use crate::query::{Expr, Field, Op, Value};

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

/// The SQL of one comparison that can be answered from an index (its key and value bound as
/// arguments `k` and `k + 1`), with those two arguments, if it is one.
fn as_sql(e: &Expr, k: usize) -> Option<(String, [sql::Value; 2])> {
    let Expr::Cmp { field, op, value } = e else { return None };
    let v = k + 1;
    match (field, op, value) {
        (Field::Metric(key), op, Value::Num(n)) => {
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
                     WHERE s.key = ?{k} AND l.value {sql_op} ?{v}"
                ),
                [sql::Value::Text(key.clone()), sql::Value::Real(*n)],
            ))
        }
        (Field::Param(key), Op::Eq, Value::Str(s)) => Some((
            format!("SELECT run_id FROM params WHERE key = ?{k} AND value = ?{v}"),
            [sql::Value::Text(key.clone()), sql::Value::Text(s.clone())],
        )),
        (Field::Tag(key), Op::Eq, Value::Str(s)) => Some((
            format!("SELECT run_id FROM tags WHERE key = ?{k} AND value = ?{v}"),
            [sql::Value::Text(key.clone()), sql::Value::Text(s.clone())],
        )),
        _ => None,
    }
}

/// A subquery of the run ids that can match, its arguments numbered from `first`, with those
/// arguments; None when the filter has nothing SQL can narrow by.
pub(super) fn candidates(expr: &Expr, first: usize) -> Option<(String, Vec<sql::Value>)> {
    let mut parts = Vec::new();
    conjuncts(expr, &mut parts);
    let mut queries = Vec::new();
    let mut values = Vec::new();
    for part in parts {
        if let Some((query, args)) = as_sql(part, first + values.len()) {
            queries.push(query);
            values.extend(args);
        }
    }
    (!queries.is_empty()).then(|| (queries.join(" INTERSECT "), values))
}
