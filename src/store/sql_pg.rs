//! PostgreSQL's side of the SQL layer: its connection with prepared statements kept, values bound
//! to its types and read from them, `?N` placeholders as `$N`, and its errors as the store's.

use super::sql::Value;
use super::{Result, StoreError};
use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use std::collections::HashMap;

/// Column `i` of a PostgreSQL row as a value, from the column types the store uses.
pub(super) fn postgres_value(r: &postgres::Row, i: usize) -> Result<Value> {
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
        let why = e
            .as_db_error()
            .map_or_else(|| e.to_string(), |d| d.message().to_string());
        if e.is_closed() || state.is_none() && e.as_db_error().is_none() {
            return StoreError::Unavailable(format!(
                "The database cannot be reached ({why}): nothing was written. Retry."
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
                let why = e
                    .as_db_error()
                    .map_or_else(|| e.to_string(), |d| d.message().to_string());
                StoreError::Unavailable(format!(
                    "The database cannot take this now ({why}): nothing was written. Retry."
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
    pub(super) client: postgres::Client,
    statements: HashMap<String, postgres::Statement>,
}

impl PgConn {
    pub fn connect(url: &str) -> Result<PgConn> {
        // Any failure to connect is the database being out of reach for now: 503, retry.
        let client = postgres::Client::connect(url, postgres::NoTls).map_err(|e| {
            StoreError::Unavailable(format!(
                "The database cannot be reached ({e}): nothing was written. Retry."
            ))
        })?;
        Ok(PgConn {
            client,
            statements: HashMap::new(),
        })
    }

    pub fn is_closed(&self) -> bool {
        self.client.is_closed()
    }

    pub(super) fn statement(&mut self, sql: &str) -> Result<postgres::Statement> {
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

    /// Rows `0..n` of `table`'s `columns` (of `types`) sent with binary COPY, `fill` giving row
    /// `i`'s values into a buffer reused for every row: PostgreSQL's fastest way in.
    pub(super) fn copy_in(
        &mut self,
        table: &str,
        columns: &[(&str, Type)],
        n: usize,
        mut fill: impl FnMut(usize, &mut Vec<Value>),
    ) -> Result<u64> {
        let names: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
        let types: Vec<Type> = columns.iter().map(|(_, t)| t.clone()).collect();
        let sink = self
            .client
            .copy_in(&format!("COPY {table} ({}) FROM STDIN BINARY", names.join(", ")))?;
        let mut writer = postgres::binary_copy::BinaryCopyInWriter::new(sink, &types);
        let mut row = Vec::with_capacity(columns.len());
        for i in 0..n {
            row.clear();
            fill(i, &mut row);
            let values: Vec<&(dyn ToSql + Sync)> = row.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
            writer.write(&values)?;
        }
        Ok(writer.finish()?)
    }
}
