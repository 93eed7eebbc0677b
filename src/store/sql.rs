//! One way for the store to speak SQL to SQLite and to PostgreSQL: arguments bound, rows read and
//! placeholders translated, so the store's logic is written once for both databases.

use super::sql_pg::postgres_value;
pub use super::sql_pg::{PgConn, postgres_placeholders};
use super::{Result, StoreError};
use postgres::types::ToSql;
use std::cell::RefCell;

/// Which database a statement goes to, for the few places where their SQL differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A value bound to a statement or read from a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl Value {
    /// A real as the database keeps it: NaN as NULL (SQLite has no NaN).
    pub fn real(v: f64) -> Value {
        if v.is_nan() { Value::Null } else { Value::Real(v) }
    }
}

/// Anything the store binds to a statement.
pub trait Arg {
    fn value(&self) -> Value;
}

impl Arg for i64 {
    fn value(&self) -> Value {
        Value::Int(*self)
    }
}

impl Arg for i32 {
    fn value(&self) -> Value {
        Value::Int(i64::from(*self))
    }
}

impl Arg for u32 {
    fn value(&self) -> Value {
        Value::Int(i64::from(*self))
    }
}

impl Arg for bool {
    fn value(&self) -> Value {
        Value::Int(i64::from(*self))
    }
}

impl Arg for f64 {
    fn value(&self) -> Value {
        Value::Real(*self)
    }
}

impl Arg for str {
    fn value(&self) -> Value {
        Value::Text(self.to_string())
    }
}

impl Arg for String {
    fn value(&self) -> Value {
        Value::Text(self.clone())
    }
}

impl Arg for [u8] {
    fn value(&self) -> Value {
        Value::Blob(self.to_vec())
    }
}

impl Arg for Value {
    fn value(&self) -> Value {
        self.clone()
    }
}

impl<T: Arg + ?Sized> Arg for &T {
    fn value(&self) -> Value {
        (**self).value()
    }
}

impl<T: Arg> Arg for Option<T> {
    fn value(&self) -> Value {
        self.as_ref().map_or(Value::Null, Arg::value)
    }
}

/// The arguments of a statement: `args![run_id, step, value]`.
#[macro_export]
macro_rules! sql_args {
    () => { &[] as &[&dyn $crate::store::sql::Arg] };
    ($($a:expr),+ $(,)?) => { &[$(&$a as &dyn $crate::store::sql::Arg),+] as &[&dyn $crate::store::sql::Arg] };
}
pub use sql_args as args;

/// A value read from a column, converted to what the store asks for.
pub trait FromValue: Sized {
    fn from_value(v: Value) -> std::result::Result<Self, String>;
}

impl FromValue for Value {
    fn from_value(v: Value) -> std::result::Result<Self, String> {
        Ok(v)
    }
}

impl FromValue for i64 {
    fn from_value(v: Value) -> std::result::Result<Self, String> {
        match v {
            Value::Int(i) => Ok(i),
            other => Err(format!("expected an integer, found {other:?}")),
        }
    }
}

impl FromValue for f64 {
    fn from_value(v: Value) -> std::result::Result<Self, String> {
        match v {
            Value::Real(f) => Ok(f),
            Value::Int(i) => Ok(i as f64),
            other => Err(format!("expected a number, found {other:?}")),
        }
    }
}

impl FromValue for bool {
    fn from_value(v: Value) -> std::result::Result<Self, String> {
        i64::from_value(v).map(|i| i != 0)
    }
}

impl FromValue for String {
    fn from_value(v: Value) -> std::result::Result<Self, String> {
        match v {
            Value::Text(s) => Ok(s),
            other => Err(format!("expected text, found {other:?}")),
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(v: Value) -> std::result::Result<Self, String> {
        match v {
            Value::Blob(b) => Ok(b),
            other => Err(format!("expected bytes, found {other:?}")),
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: Value) -> std::result::Result<Self, String> {
        match v {
            Value::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}

/// One row of a result, from either database.
pub enum Row<'r> {
    Sqlite(&'r rusqlite::Row<'r>),
    Postgres(&'r postgres::Row),
}

impl Row<'_> {
    /// Column `i` as `T`.
    pub fn get<T: FromValue>(&self, i: usize) -> Result<T> {
        let v = match self {
            Row::Sqlite(r) => sqlite_value(r.get_ref(i)?),
            Row::Postgres(r) => postgres_value(r, i)?,
        };
        T::from_value(v).map_err(|e| StoreError::Internal(format!("column {i}: {e}")))
    }

    /// Column `i`, a blob, lent to `f` without a copy (a chart's read goes through megabytes).
    pub fn with_blob<T>(&self, i: usize, f: impl FnOnce(&[u8]) -> T) -> Result<T> {
        let bytes: &[u8] = match self {
            Row::Sqlite(r) => r
                .get_ref(i)?
                .as_blob()
                .map_err(|e| StoreError::Internal(format!("column {i}: {e}")))?,
            Row::Postgres(r) => r.try_get(i)?,
        };
        Ok(f(bytes))
    }
}

fn sqlite_value(v: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

/// Rows from which `insert_many` uses COPY on PostgreSQL (below it, its set-up costs more).
const COPY_FROM: usize = 64;

/// Values PostgreSQL binds in one statement at most.
const MAX_PG_BINDS: usize = 65_535;

/// The largest power of two not above `n` (n >= 1).
fn largest_power_of_two_upto(n: usize) -> usize {
    1 << (usize::BITS - 1 - n.max(1).leading_zeros())
}

/// A column's type, for `insert_many`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Int,
    Real,
    Text,
    Blob,
}

impl Column {
    fn postgres(self) -> postgres::types::Type {
        match self {
            Column::Int => postgres::types::Type::INT8,
            Column::Real => postgres::types::Type::FLOAT8,
            Column::Text => postgres::types::Type::TEXT,
            Column::Blob => postgres::types::Type::BYTEA,
        }
    }
}

/// A connection (or transaction) of either database, as the store's logic uses it.
pub enum Db<'c> {
    Sqlite(&'c rusqlite::Connection),
    Postgres(RefCell<&'c mut PgConn>),
}

impl Db<'_> {
    pub fn dialect(&self) -> Dialect {
        match self {
            Db::Sqlite(_) => Dialect::Sqlite,
            Db::Postgres(_) => Dialect::Postgres,
        }
    }

    /// A subquery of the strings in a JSON array bound as argument `n` (a list of ids).
    pub fn json_strings(&self, n: usize) -> String {
        match self.dialect() {
            Dialect::Sqlite => format!("SELECT value FROM json_each(?{n})"),
            Dialect::Postgres => format!("SELECT jsonb_array_elements_text(CAST(CAST(?{n} AS TEXT) AS jsonb))"),
        }
    }

    /// Runs a statement; how many rows it changed.
    pub fn exec(&self, sql: &str, args: &[&dyn Arg]) -> Result<u64> {
        let values: Vec<Value> = args.iter().map(|a| a.value()).collect();
        match self {
            Db::Sqlite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
                Ok(stmt.execute(rusqlite::params_from_iter(values.iter().map(sqlite_arg)))? as u64)
            }
            Db::Postgres(c) => {
                let mut c = c.borrow_mut();
                let stmt = c.statement(sql)?;
                let params: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
                Ok(c.client.execute(&stmt, &params)?)
            }
        }
    }

    /// Runs `head VALUES (…) tail` for rows `0..n` of `width` values each, `fill` giving row `i`'s.
    /// SQLite runs one prepared statement per row (a statement there is a call); PostgreSQL, where
    /// each statement is a round trip, gets the rows as few multi-row statements, of 2^k rows each
    /// so that a connection keeps few shapes of the statement prepared.
    pub fn exec_rows(
        &self,
        head: &str,
        tail: &str,
        width: usize,
        n: usize,
        mut fill: impl FnMut(usize, &mut Vec<Value>),
    ) -> Result<u64> {
        let statement = |rows: usize| {
            let tuples: Vec<String> = (0..rows)
                .map(|r| {
                    let marks: Vec<String> = (1..=width).map(|c| format!("?{}", r * width + c)).collect();
                    format!("({})", marks.join(", "))
                })
                .collect();
            format!("{head} VALUES {} {tail}", tuples.join(", "))
        };
        let mut changed = 0;
        let mut row = Vec::new();
        match self {
            Db::Sqlite(c) => {
                let mut stmt = c.prepare_cached(&statement(1))?;
                for i in 0..n {
                    row.clear();
                    fill(i, &mut row);
                    for (k, v) in row.iter().enumerate() {
                        stmt.raw_bind_parameter(k + 1, sqlite_arg(v))?;
                    }
                    changed += stmt.raw_execute()? as u64;
                }
            }
            Db::Postgres(c) => {
                let most = (MAX_PG_BINDS / width.max(1)).max(1);
                let mut c = c.borrow_mut();
                let mut start = 0;
                while start < n {
                    let rows = largest_power_of_two_upto((n - start).min(most));
                    let stmt = c.statement(&statement(rows))?;
                    row.clear();
                    for i in start..start + rows {
                        fill(i, &mut row);
                    }
                    let params: Vec<&(dyn ToSql + Sync)> = row.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
                    changed += c.client.execute(&stmt, &params)?;
                    start += rows;
                }
            }
        }
        Ok(changed)
    }

    /// Inserts rows `0..n` into `table`'s `columns`, `fill` giving row `i`'s values: one prepared
    /// INSERT per row on SQLite, binary COPY on PostgreSQL (a few rows go as INSERTs there too).
    pub fn insert_many(
        &self,
        table: &str,
        columns: &[(&str, Column)],
        n: usize,
        fill: impl FnMut(usize, &mut Vec<Value>),
    ) -> Result<u64> {
        match self {
            Db::Postgres(c) if n >= COPY_FROM => {
                let typed: Vec<(&str, postgres::types::Type)> =
                    columns.iter().map(|(name, kind)| (*name, kind.postgres())).collect();
                c.borrow_mut().copy_in(table, &typed, n, fill)
            }
            _ => {
                let names: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
                let head = format!("INSERT INTO {table} ({})", names.join(", "));
                self.exec_rows(&head, "", columns.len(), n, fill)
            }
        }
    }

    /// Calls `f` on each row of a query, in order.
    pub fn each(&self, sql: &str, args: &[&dyn Arg], mut f: impl FnMut(&Row<'_>) -> Result<()>) -> Result<()> {
        let values: Vec<Value> = args.iter().map(|a| a.value()).collect();
        match self {
            Db::Sqlite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
                let mut rows = stmt.query(rusqlite::params_from_iter(values.iter().map(sqlite_arg)))?;
                while let Some(r) = rows.next()? {
                    f(&Row::Sqlite(r))?;
                }
                Ok(())
            }
            Db::Postgres(c) => {
                // The rows are read whole and the connection let go before `f` runs, so `f` may
                // query again (on SQLite a statement may run inside another's loop).
                let rows = {
                    let mut c = c.borrow_mut();
                    let stmt = c.statement(sql)?;
                    let params: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
                    c.client.query(&stmt, &params)?
                };
                for r in rows {
                    f(&Row::Postgres(&r))?;
                }
                Ok(())
            }
        }
    }

    /// Every row of a query, each made into a `T` by `f`.
    pub fn rows<T>(&self, sql: &str, args: &[&dyn Arg], mut f: impl FnMut(&Row<'_>) -> Result<T>) -> Result<Vec<T>> {
        let mut out = Vec::new();
        self.each(sql, args, |r| {
            out.push(f(r)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// The first row of a query made into a `T`, or None when there is none; the rest are not read.
    pub fn row<T>(&self, sql: &str, args: &[&dyn Arg], f: impl FnOnce(&Row<'_>) -> Result<T>) -> Result<Option<T>> {
        let values: Vec<Value> = args.iter().map(|a| a.value()).collect();
        match self {
            Db::Sqlite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
                let mut rows = stmt.query(rusqlite::params_from_iter(values.iter().map(sqlite_arg)))?;
                rows.next()?.map(|r| f(&Row::Sqlite(r))).transpose()
            }
            Db::Postgres(c) => {
                let first = {
                    let mut c = c.borrow_mut();
                    let stmt = c.statement(sql)?;
                    let params: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
                    postgres::fallible_iterator::FallibleIterator::next(
                        &mut c.client.query_raw(&stmt, params.iter().copied())?,
                    )?
                };
                first.map(|r| f(&Row::Postgres(&r))).transpose()
            }
        }
    }

    /// The first column of the first row, or None when there is no row.
    pub fn value<T: FromValue>(&self, sql: &str, args: &[&dyn Arg]) -> Result<Option<T>> {
        self.row(sql, args, |r| r.get(0))
    }
}

fn sqlite_arg(v: &Value) -> rusqlite::types::ToSqlOutput<'_> {
    use rusqlite::types::{ToSqlOutput, ValueRef};
    ToSqlOutput::Borrowed(match v {
        Value::Null => ValueRef::Null,
        Value::Int(i) => ValueRef::Integer(*i),
        Value::Real(f) => ValueRef::Real(*f),
        Value::Text(s) => ValueRef::Text(s.as_bytes()),
        Value::Blob(b) => ValueRef::Blob(b),
    })
}
