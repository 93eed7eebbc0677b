//! The search filter language: MLflow's grammar plus OR, NOT and parentheses, parsed to a tree and
//! evaluated over any record that can answer field look-ups.

mod eval;
mod lexer;

pub use eval::like;
use lexer::{Token, tokenize};
use std::cmp::Ordering;

/// A filter or order-by clause refused, with what is wrong in words.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct QueryError(String);

impl From<String> for QueryError {
    fn from(message: String) -> QueryError {
        QueryError(message)
    }
}

impl From<&str> for QueryError {
    fn from(message: &str) -> QueryError {
        QueryError(message.to_string())
    }
}

/// What a comparison reads from a run (or an experiment).
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    Metric(String),
    Param(String),
    Tag(String),
    Attr(String),
}

impl Field {
    /// Parses `metrics.acc`, `params.lr`, `tags.x`, `attributes.status` and their aliases.
    fn from_parts(prefix: &str, key: String) -> Result<Field, QueryError> {
        match prefix.to_ascii_lowercase().as_str() {
            "metric" | "metrics" => Ok(Field::Metric(key)),
            "param" | "params" | "parameter" | "parameters" => Ok(Field::Param(key)),
            "tag" | "tags" => Ok(Field::Tag(key)),
            "attribute" | "attributes" | "attr" | "run" => Ok(Field::Attr(key.to_ascii_lowercase())),
            other => Err(QueryError::from(format!(
                "Invalid entity type '{other}'. Valid values are metrics, params, tags, attributes"
            ))),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    Num(f64),
    List(Vec<Value>),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Like { case_sensitive: bool, negated: bool },
    In { negated: bool },
    IsNull { negated: bool },
}

/// A status as the workbench shows it (`Completed`, `Canceled`, any case) or as MLflow names it
/// (`FINISHED`, `KILLED`) compares as the name the store keeps.
fn status_names(value: Value) -> Value {
    match value {
        Value::Str(s) => Value::Str(crate::api::ext::RunStatus::parse(&s).map_or(s, |st| st.db_name().to_string())),
        Value::List(items) => Value::List(items.into_iter().map(status_names).collect()),
        other => other,
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Cmp { field: Field, op: Op, value: Value },
    True,
}

/// A value a record holds for a field.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    Num(f64),
    Str(String),
}

/// Anything the filter can be evaluated over.
pub trait Subject {
    fn field(&self, field: &Field) -> Option<FieldValue>;
}

/// Parses a filter; the empty string is the filter that keeps everything.
pub fn parse_filter(text: &str) -> Result<Expr, QueryError> {
    let tokens = tokenize(text)?;
    if tokens.is_empty() {
        return Ok(Expr::True);
    }
    let mut p = Parser { tokens, pos: 0 };
    let expr = p.or()?;
    if p.pos < p.tokens.len() {
        return Err(QueryError::from(format!(
            "Unexpected '{}' in filter",
            p.tokens[p.pos].text()
        )));
    }
    Ok(expr)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn keyword(&mut self, word: &str) -> bool {
        if matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Result<Expr, QueryError> {
        let mut left = self.and()?;
        while self.keyword("OR") {
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, QueryError> {
        let mut left = self.not()?;
        while self.keyword("AND") {
            left = Expr::And(Box::new(left), Box::new(self.not()?));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Expr, QueryError> {
        if self.keyword("NOT") {
            return Ok(Expr::Not(Box::new(self.not()?)));
        }
        if self.peek() == Some(&Token::LParen) {
            self.pos += 1;
            let e = self.or()?;
            if self.next() != Some(Token::RParen) {
                return Err(QueryError::from("Missing ')' in filter"));
            }
            return Ok(e);
        }
        self.comparison()
    }

    fn field(&mut self) -> Result<Field, QueryError> {
        match self.next() {
            Some(Token::Word(w)) => {
                if let Some(prefix) = w.strip_suffix('.') {
                    // `metrics."my key"` or metrics.`my key`
                    match self.next() {
                        Some(Token::Quoted(k)) | Some(Token::Backticked(k)) => Field::from_parts(prefix, k),
                        _ => Err(QueryError::from(format!("Expected a quoted key after '{w}'"))),
                    }
                } else if let Some((prefix, key)) = w.split_once('.') {
                    Field::from_parts(prefix, key.to_string())
                } else {
                    let attr = w.to_ascii_lowercase();
                    if ATTRIBUTES.contains(&attr.as_str()) {
                        Ok(Field::Attr(attr))
                    } else {
                        Err(QueryError::from(format!(
                            "Invalid identifier '{w}': use metrics.KEY, params.KEY, tags.KEY or attributes.NAME"
                        )))
                    }
                }
            }
            Some(t) => Err(QueryError::from(format!(
                "Expected an identifier, found '{}'",
                t.text()
            ))),
            None => Err(QueryError::from("Filter ends where an identifier was expected")),
        }
    }

    fn comparison(&mut self) -> Result<Expr, QueryError> {
        let field = self.field()?;
        let op = match self.next() {
            Some(Token::Op(o)) => match o.as_str() {
                "=" | "==" => Op::Eq,
                "!=" | "<>" => Op::Ne,
                "<" => Op::Lt,
                "<=" => Op::Le,
                ">" => Op::Gt,
                ">=" => Op::Ge,
                other => return Err(QueryError::from(format!("Unknown operator '{other}'"))),
            },
            Some(Token::Word(w)) => match w.to_ascii_uppercase().as_str() {
                "LIKE" => Op::Like {
                    case_sensitive: true,
                    negated: false,
                },
                "ILIKE" => Op::Like {
                    case_sensitive: false,
                    negated: false,
                },
                "IN" => Op::In { negated: false },
                "IS" => {
                    let negated = self.keyword("NOT");
                    if !self.keyword("NULL") {
                        return Err(QueryError::from("Expected NULL after IS"));
                    }
                    return Ok(Expr::Cmp {
                        field,
                        op: Op::IsNull { negated },
                        value: Value::List(vec![]),
                    });
                }
                "NOT" => {
                    if self.keyword("IN") {
                        Op::In { negated: true }
                    } else if self.keyword("LIKE") {
                        Op::Like {
                            case_sensitive: true,
                            negated: true,
                        }
                    } else if self.keyword("ILIKE") {
                        Op::Like {
                            case_sensitive: false,
                            negated: true,
                        }
                    } else {
                        return Err(QueryError::from("Expected IN, LIKE or ILIKE after NOT"));
                    }
                }
                other => return Err(QueryError::from(format!("Unknown operator '{other}'"))),
            },
            Some(t) => {
                return Err(QueryError::from(format!(
                    "Expected a comparison operator, found '{}'",
                    t.text()
                )));
            }
            None => return Err(QueryError::from("Filter ends where an operator was expected")),
        };
        let value = if matches!(op, Op::In { .. }) {
            self.list()?
        } else {
            self.scalar()?
        };
        if matches!(op, Op::Like { .. }) && !matches!(value, Value::Str(_)) {
            return Err(QueryError::from("LIKE and ILIKE compare with a quoted string"));
        }
        let value = match (&field, &op) {
            (Field::Attr(a), Op::Eq | Op::Ne | Op::In { .. }) if a == "status" => status_names(value),
            _ => value,
        };
        Ok(Expr::Cmp { field, op, value })
    }

    fn scalar(&mut self) -> Result<Value, QueryError> {
        match self.next() {
            Some(Token::Quoted(s)) => Ok(Value::Str(s)),
            Some(Token::Number(n)) => Ok(Value::Num(n)),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("true") || w.eq_ignore_ascii_case("false") => {
                Ok(Value::Str(w.to_ascii_lowercase()))
            }
            Some(t) => Err(QueryError::from(format!("Expected a value, found '{}'", t.text()))),
            None => Err(QueryError::from("Filter ends where a value was expected")),
        }
    }

    fn list(&mut self) -> Result<Value, QueryError> {
        if self.next() != Some(Token::LParen) {
            return Err(QueryError::from("IN takes a list in parentheses, e.g. IN ('a', 'b')"));
        }
        let mut items = vec![self.scalar()?];
        loop {
            match self.next() {
                Some(Token::Comma) => items.push(self.scalar()?),
                Some(Token::RParen) => return Ok(Value::List(items)),
                _ => return Err(QueryError::from("Expected ',' or ')' in IN list")),
            }
        }
    }
}

/// Attribute names a filter or order_by may use without a prefix.
pub const ATTRIBUTES: &[&str] = &[
    "run_id",
    "run_name",
    "status",
    "start_time",
    "end_time",
    "created",
    "user_id",
    "artifact_uri",
    "lifecycle_stage",
    "run_number",
    "script_name",
    "duration",
    "name",
    "creation_time",
    "last_update_time",
    "experiment_id",
    // The model registry's.
    "version_number",
    "source_path",
    "current_stage",
    "model_id",
    "creation_timestamp",
    "last_updated_timestamp",
];

/// One `order_by` clause: a field and its direction.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderBy {
    pub field: Field,
    pub descending: bool,
}

/// Parses `metrics.acc DESC`, `attributes.start_time`, `params."a b" ASC`.
pub fn parse_order_by(text: &str) -> Result<OrderBy, QueryError> {
    let tokens = tokenize(text)?;
    let mut p = Parser { tokens, pos: 0 };
    let field = p
        .field()
        .map_err(|e| format!("Invalid order_by clause '{text}': {e}"))?;
    let descending = if p.keyword("DESC") {
        true
    } else {
        p.keyword("ASC");
        false
    };
    if p.pos < p.tokens.len() {
        return Err(QueryError::from(format!("Invalid order_by clause '{text}'")));
    }
    Ok(OrderBy { field, descending })
}

/// Orders two field values with missing ones last, numbers before strings.
pub fn order_values(a: &Option<FieldValue>, b: &Option<FieldValue>, descending: bool) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => {
            let o = match (x, y) {
                (FieldValue::Num(x), FieldValue::Num(y)) => x.total_cmp(y),
                (FieldValue::Str(x), FieldValue::Str(y)) => x.cmp(y),
                (FieldValue::Num(_), FieldValue::Str(_)) => Ordering::Less,
                (FieldValue::Str(_), FieldValue::Num(_)) => Ordering::Greater,
            };
            if descending { o.reverse() } else { o }
        }
    }
}

#[cfg(test)]
mod tests;
