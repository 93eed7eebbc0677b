//! The SQL layer on both databases: placeholders, and the same statements and reads giving the
//! same answers on SQLite and on a PostgreSQL database of the test's own.

use super::StoreError;
use super::sql::*;
use super::sql_pg::postgres_placeholders;
use std::cell::RefCell;

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
    // Many rows at once (COPY on PostgreSQL) and a few (INSERTs), NULLs among them.
    use super::sql::Column::{Int, Real, Text};
    for n in [100usize, 3] {
        let first = if n == 100 { 1_000i64 } else { 2_000 };
        let put = db
            .insert_many("t", &[("id", Int), ("name", Text), ("score", Real)], n, |i, row| {
                row.push(Value::Int(first + i as i64));
                row.push(Value::Text(format!("row {i}")));
                row.push(if i % 10 == 0 {
                    Value::Null
                } else {
                    Value::Real(i as f64)
                });
            })
            .unwrap();
        assert_eq!(put, n as u64);
    }
    let (bulk, nulls, sum): (i64, i64, f64) = db
        .row(
            "SELECT COUNT(*), COUNT(*) - COUNT(score), SUM(score) FROM t WHERE id >= 1000",
            args![],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap()
        .unwrap();
    assert_eq!((bulk, nulls, sum), (103, 11, (4950.0 - 450.0) + 3.0));
    let name: Option<String> = db.value("SELECT name FROM t WHERE id = 1042", args![]).unwrap();
    assert_eq!(name.as_deref(), Some("row 42"));
    db.exec("DELETE FROM t WHERE id >= 1000", args![]).unwrap();

    // A query inside another's rows, and inside a first row, as SQLite allows.
    let mut nested = Vec::new();
    db.each("SELECT id FROM t ORDER BY id", args![], |r| {
        let id: i64 = r.get(0)?;
        nested.push(db.value::<String>("SELECT name FROM t WHERE id = ?1", args![id])?);
        Ok(())
    })
    .unwrap();
    assert_eq!(nested, vec![Some("a".into()), Some("b".into()), Some("c'?".into())]);
    let inner = db
        .row("SELECT id FROM t WHERE id = ?1", args![2i64], |r| {
            db.value::<i64>("SELECT COUNT(*) FROM t WHERE id <= ?1", args![r.get::<i64>(0)?])
        })
        .unwrap();
    assert_eq!(inner, Some(Some(2)));
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
    let Some(pg) = super::pg_testing::TestDatabase::create("sql_round_trip") else {
        return;
    };
    let mut conn = PgConn::connect(pg.url()).unwrap();
    round_trip(&Db::Postgres(RefCell::new(&mut conn)));
}
