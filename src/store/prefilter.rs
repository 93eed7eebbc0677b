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

/// The runs a filter's simple comparisons allow: a subquery of their ids, with its arguments.
pub(super) struct Candidates {
    pub sql: String,
    pub args: Vec<sql::Value>,
    /// Every comparison of the filter is in the subquery: its runs are exactly the matches.
    pub exact: bool,
}

/// The candidates of `expr`, arguments numbered from `first`; None when the filter has nothing
/// SQL can narrow by.
pub(super) fn candidates(expr: &Expr, first: usize) -> Option<Candidates> {
    let mut parts = Vec::new();
    conjuncts(expr, &mut parts);
    let mut queries = Vec::new();
    let mut args = Vec::new();
    let mut exact = true;
    for part in parts {
        match as_sql(part, first + args.len()) {
            Some((query, values)) => {
                queries.push(query);
                args.extend(values);
            }
            None => exact = false,
        }
    }
    (!queries.is_empty()).then(|| Candidates {
        sql: queries.join(" INTERSECT "),
        args,
        exact,
    })
}
