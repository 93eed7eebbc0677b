//! One way for the store to speak SQL to SQLite and to PostgreSQL: arguments bound, rows read and
//! placeholders translated, so the store's logic is written once for both databases.

use super::{Result, StoreError};
use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use std::cell::RefCell;
use std::collections::HashMap;

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

fn postgres_value(r: &postgres::Row, i: usize) -> Result<Value> {
    let ty = r
        .columns()
        .get(i)
        .map(|c| c.type_().clone())
        .ok_or_else(|| StoreError::Internal(format!("no column {i}")))?;
    let v = match ty {
        Type::INT8 => r.try_get::<_, Option<i64>>(i)?.map(Value::Int),
        Type::INT4 => r.try_get::<_, Option<i32>>(i)?.map(|v| Value::Int(v.into())),
        Type::INT2 => r.try_get::<_, Option<i16>>(i)?.map(|v| Value::Int(v.into())),
        Type::FLOAT8 => r.try_get::<_, Option<f64>>(i)?.map(Value::Real),
        Type::FLOAT4 => r.try_get::<_, Option<f32>>(i)?.map(|v| Value::Real(v.into())),
        Type::BOOL => r.try_get::<_, Option<bool>>(i)?.map(|v| Value::Int(v.into())),
        Type::BYTEA => r.try_get::<_, Option<Vec<u8>>>(i)?.map(Value::Blob),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => r.try_get::<_, Option<String>>(i)?.map(Value::Text),
        other => {
            return Err(StoreError::Internal(format!(
                "column {i} has type {other}, which the store does not read (cast it in the query)"
            )));
        }
    };
    Ok(v.unwrap_or(Value::Null))
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match (self, ty) {
            (Value::Null, _) => Ok(IsNull::Yes),
            (Value::Int(i), &Type::INT8) => i.to_sql(ty, out),
            (Value::Int(i), &Type::INT4) => i32::try_from(*i)?.to_sql(ty, out),
            (Value::Int(i), &Type::INT2) => i16::try_from(*i)?.to_sql(ty, out),
            (Value::Int(i), &Type::BOOL) => (*i != 0).to_sql(ty, out),
            (Value::Int(i), &Type::FLOAT8) => (*i as f64).to_sql(ty, out),
            (Value::Int(i), &Type::TEXT | &Type::VARCHAR) => i.to_string().to_sql(ty, out),
            (Value::Real(f), &Type::FLOAT8) => f.to_sql(ty, out),
            (Value::Real(f), &Type::FLOAT4) => (*f as f32).to_sql(ty, out),
            (Value::Text(s), _) => s.to_sql(ty, out),
            (Value::Blob(b), _) => b.to_sql(ty, out),
            (v, ty) => Err(format!("cannot bind {v:?} to a column of type {ty}").into()),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        use postgres::error::SqlState;
        let state = e.code().cloned();
        if e.is_closed() || state.is_none() && e.as_db_error().is_none() {
            return StoreError::Unavailable(format!(
                "The database cannot be reached ({e}): nothing was written. Retry."
            ));
        }
        match state {
            Some(s)
                if s == SqlState::ADMIN_SHUTDOWN
                    || s == SqlState::CANNOT_CONNECT_NOW
                    || s == SqlState::CRASH_SHUTDOWN
                    || s == SqlState::T_R_SERIALIZATION_FAILURE
                    || s == SqlState::T_R_DEADLOCK_DETECTED
                    || s == SqlState::DISK_FULL
                    || s == SqlState::TOO_MANY_CONNECTIONS =>
            {
                StoreError::Unavailable(format!(
                    "The database cannot take this now ({e}): nothing was written. Retry."
                ))
            }
            _ => StoreError::Internal(match e.as_db_error() {
                Some(db) => format!("database error: {} ({})", db.message(), db.code().code()),
                None => format!("database error: {e}"),
            }),
        }
    }
}

/// `?1`, `?2` (or bare `?`) placeholders as PostgreSQL's `$1`, `$2`; quoted text left alone.
pub fn postgres_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut next = 1;
    let mut quote: Option<char> = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                out.push(c);
            }
            (Some(_), c) => out.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                out.push(c);
            }
            (None, '?') => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                out.push('$');
                if digits.is_empty() {
                    out.push_str(&next.to_string());
                    next += 1;
                } else {
                    out.push_str(&digits);
                }
            }
            (None, c) => out.push(c),
        }
    }
    out
}

/// A PostgreSQL connection with its prepared statements, kept by the SQL it was asked for.
pub struct PgConn {
    client: postgres::Client,
    statements: HashMap<String, postgres::Statement>,
}

impl PgConn {
    pub fn connect(url: &str) -> Result<PgConn> {
        let client = postgres::Client::connect(url, postgres::NoTls)?;
        Ok(PgConn {
            client,
            statements: HashMap::new(),
        })
    }

    pub fn is_closed(&self) -> bool {
        self.client.is_closed()
    }

    fn statement(&mut self, sql: &str) -> Result<postgres::Statement> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(&postgres_placeholders(sql))?;
        self.statements.insert(sql.to_string(), s.clone());
        Ok(s)
    }

    /// Runs statements with no arguments and no results (schema changes, BEGIN, COMMIT).
    pub fn batch(&mut self, sql: &str) -> Result<()> {
        Ok(self.client.batch_execute(sql)?)
    }

    pub fn client(&mut self) -> &mut postgres::Client {
        &mut self.client
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

    /// Runs one statement `n` times, prepared once, `fill` giving row `i`'s arguments into a buffer
    /// reused for every row (the hot path of ingest).
    pub fn exec_many(&self, sql: &str, n: usize, mut fill: impl FnMut(usize, &mut Vec<Value>)) -> Result<u64> {
        let mut changed = 0;
        let mut row = Vec::new();
        match self {
            Db::Sqlite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
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
                let mut c = c.borrow_mut();
                let stmt = c.statement(sql)?;
                for i in 0..n {
                    row.clear();
                    fill(i, &mut row);
                    let params: Vec<&(dyn ToSql + Sync)> = row.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
                    changed += c.client.execute(&stmt, &params)?;
                }
            }
        }
        Ok(changed)
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
                let mut c = c.borrow_mut();
                let stmt = c.statement(sql)?;
                let params: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
                for r in c.client.query(&stmt, &params)? {
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

    /// The first row of a query made into a `T`, or None when there is none.
    pub fn row<T>(&self, sql: &str, args: &[&dyn Arg], f: impl FnOnce(&Row<'_>) -> Result<T>) -> Result<Option<T>> {
        let mut f = Some(f);
        let mut out = None;
        self.each(sql, args, |r| {
            if let Some(f) = f.take() {
                out = Some(f(r)?);
            }
            Ok(())
        })?;
        Ok(out)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_numbered_outside_quotes() {
        assert_eq!(
            postgres_placeholders("SELECT a FROM t WHERE b = ?1 AND c = ?12 AND d = '?' AND \"e?\" = ?"),
            "SELECT a FROM t WHERE b = $1 AND c = $12 AND d = '?' AND \"e?\" = $1"
        );
        assert_eq!(
            postgres_placeholders("VALUES (?, ?, 'it''s ?')"),
            "VALUES ($1, $2, 'it''s ?')"
        );
    }

    /// The same statements and reads give the same answers on both databases.
    fn round_trip(db: &Db<'_>) {
        db.exec(
            "CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT NOT NULL, score DOUBLE PRECISION, note TEXT)",
            args![],
        )
        .unwrap();
        for (id, name, score) in [(1i64, "a", Some(0.5)), (2, "b", None), (3, "c'?", Some(-1e300))] {
            let n = db
                .exec(
                    "INSERT INTO t (id, name, score, note) VALUES (?1, ?2, ?3, ?4)",
                    args![id, name, score, None::<String>],
                )
                .unwrap();
            assert_eq!(n, 1);
        }
        let rows: Vec<(i64, String, Option<f64>, Option<String>)> = db
            .rows(
                "SELECT id, name, score, note FROM t WHERE id >= ?1 ORDER BY id",
                args![2i64],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!(
            rows,
            vec![(2, "b".into(), None, None), (3, "c'?".into(), Some(-1e300), None)]
        );
        let count: Option<i64> = db.value("SELECT COUNT(*) FROM t", args![]).unwrap();
        assert_eq!(count, Some(3));
        let one: Option<i64> = db.value("SELECT 1 FROM t WHERE id = ?1", args![1i64]).unwrap();
        assert_eq!(one, Some(1), "a literal reads as an integer on both");
        let none: Option<String> = db.value("SELECT name FROM t WHERE id = ?1", args![99i64]).unwrap();
        assert_eq!(none, None);
        let changed = db
            .exec(
                "INSERT INTO t (id, name) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET name = excluded.name",
                args![1i64, "renamed"],
            )
            .unwrap();
        assert_eq!(changed, 1);
        let name: Option<String> = db.value("SELECT name FROM t WHERE id = 1", args![]).unwrap();
        assert_eq!(name.as_deref(), Some("renamed"));
        let wrong = db.value::<i64>("SELECT name FROM t WHERE id = 1", args![]);
        assert!(matches!(wrong, Err(StoreError::Internal(m)) if m.contains("expected an integer")));
    }

    #[test]
    fn statements_and_rows_read_alike_on_sqlite() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        round_trip(&Db::Sqlite(&conn));
    }

    #[test]
    fn statements_and_rows_read_alike_on_postgres() {
        let Some(pg) = super::super::pg_testing::TestDatabase::create("sql_round_trip") else {
            return;
        };
        let mut conn = PgConn::connect(pg.url()).unwrap();
        round_trip(&Db::Postgres(RefCell::new(&mut conn)));
    }
}
