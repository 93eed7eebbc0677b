//! Evaluating a parsed filter over a record: comparisons with MLflow's typing (numeric strings
//! compare as numbers), SQL LIKE, and the registry's reading of a missing tag.

use super::{Expr, Field, FieldValue, Op, Subject, Value};
use std::cmp::Ordering;

/// SQL LIKE: `%` any run, `_` one character.
pub fn like(text: &str, pattern: &str, case_sensitive: bool) -> bool {
    let (t, p): (Vec<char>, Vec<char>) = if case_sensitive {
        (text.chars().collect(), pattern.chars().collect())
    } else {
        (
            text.to_lowercase().chars().collect(),
            pattern.to_lowercase().chars().collect(),
        )
    };
    // Iterative matcher with backtracking on the last '%'.
    let (mut ti, mut pi) = (0usize, 0usize);
    let (mut star, mut mark) = (None::<usize>, 0usize);
    while ti < t.len() {
        if pi < p.len() && p[pi] == '%' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if pi < p.len() && (p[pi] == '_' || p[pi] == t[ti]) {
            ti += 1;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '%' {
        pi += 1;
    }
    pi == p.len()
}

fn compare(have: &FieldValue, want: &Value) -> Option<Ordering> {
    match (have, want) {
        (FieldValue::Num(a), Value::Num(b)) => a.partial_cmp(b),
        (FieldValue::Num(a), Value::Str(b)) => b.trim().parse::<f64>().ok().and_then(|b| a.partial_cmp(&b)),
        (FieldValue::Str(a), Value::Num(b)) => a.trim().parse::<f64>().ok().and_then(|a| a.partial_cmp(b)),
        (FieldValue::Str(a), Value::Str(b)) => Some(a.as_str().cmp(b.as_str())),
        (_, Value::List(_)) => None,
    }
}

impl Expr {
    /// The same filter where a missing tag differs from every value (`tags.x != 'v'` holds for a
    /// record without tag `x`), as MLflow's registry searches read it; run searches do not.
    pub fn missing_tags_differ(self) -> Expr {
        match self {
            Expr::And(a, b) => Expr::And(Box::new(a.missing_tags_differ()), Box::new(b.missing_tags_differ())),
            Expr::Or(a, b) => Expr::Or(Box::new(a.missing_tags_differ()), Box::new(b.missing_tags_differ())),
            Expr::Not(a) => Expr::Not(Box::new(a.missing_tags_differ())),
            Expr::Cmp {
                field: Field::Tag(key),
                op: Op::Ne,
                value,
            } => Expr::Or(
                Box::new(Expr::Cmp {
                    field: Field::Tag(key.clone()),
                    op: Op::Ne,
                    value,
                }),
                Box::new(Expr::Cmp {
                    field: Field::Tag(key),
                    op: Op::IsNull { negated: false },
                    value: Value::List(Vec::new()),
                }),
            ),
            other => other,
        }
    }

    pub fn matches(&self, s: &dyn Subject) -> bool {
        match self {
            Expr::True => true,
            Expr::And(a, b) => a.matches(s) && b.matches(s),
            Expr::Or(a, b) => a.matches(s) || b.matches(s),
            Expr::Not(a) => !a.matches(s),
            Expr::Cmp { field, op, value } => {
                let Some(have) = s.field(field) else {
                    return matches!(op, Op::IsNull { negated: false });
                };
                match op {
                    Op::Eq => compare(&have, value) == Some(Ordering::Equal),
                    Op::Ne => compare(&have, value).is_some_and(|o| o != Ordering::Equal),
                    Op::Lt => compare(&have, value) == Some(Ordering::Less),
                    Op::Le => matches!(compare(&have, value), Some(Ordering::Less | Ordering::Equal)),
                    Op::Gt => compare(&have, value) == Some(Ordering::Greater),
                    Op::Ge => matches!(compare(&have, value), Some(Ordering::Greater | Ordering::Equal)),
                    Op::Like {
                        case_sensitive,
                        negated,
                    } => {
                        let text = match &have {
                            FieldValue::Str(t) => t.clone(),
                            FieldValue::Num(n) => n.to_string(),
                        };
                        let Value::Str(pattern) = value else {
                            return false;
                        };
                        like(&text, pattern, *case_sensitive) != *negated
                    }
                    Op::In { negated } => {
                        let Value::List(items) = value else {
                            return false;
                        };
                        items.iter().any(|v| compare(&have, v) == Some(Ordering::Equal)) != *negated
                    }
                    Op::IsNull { negated } => *negated,
                }
            }
        }
    }
}
