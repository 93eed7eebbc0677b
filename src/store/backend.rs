//! Where the store's rows live: SQLite's connections (one writer, pooled readers) or a pool of
//! PostgreSQL connections, and the read and write scopes the store's modules run in.
//!
//! Every module of the store runs over `Db` in `read_db` and `write_db`, on either database.
//! `read` and `write` hand out SQLite's own connection, for SQLite's migrations and for tests
//! that look at its files.

use super::pg_pool::PgPool;
use super::sql::{Db, PgConn, Row, Value};
use super::{Result, Store, StoreError};
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

/// How many idle connections are kept open.
const MAX_IDLE: usize = 8;

pub(super) enum Backend {
    Sqlite {
        db_path: PathBuf,
        writer: Mutex<Connection>,
        readers: Mutex<Vec<Connection>>,
    },
    Postgres(PgPool),
}

fn open_connection(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(10))?;
    // WAL + NORMAL: a committed transaction survives a crash of this process. The file is read
    // through a memory map (its first GiB): a chart's read of a thousand runs goes through
    // tens of megabytes, which would otherwise be copied a page at a time by system calls.
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;
         PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536; PRAGMA mmap_size=1073741824;",
    )?;
    Ok(conn)
}

impl Backend {
    /// The SQLite file at `db_path`, made and migrated if needed.
    pub(super) fn sqlite(db_path: &Path) -> Result<Backend> {
        let mut writer = open_connection(db_path)?;
        super::schema::migrate(&mut writer)?;
        Ok(Backend::Sqlite {
            db_path: db_path.to_path_buf(),
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
        })
    }

    /// The PostgreSQL database at `url`, migrated if needed, with at most `max_connections` open.
    pub(super) fn postgres(url: &str, max_connections: usize) -> Result<Backend> {
        let mut conn = PgConn::connect(url)?;
        super::schema_pg::migrate(&mut conn)?;
        Ok(Backend::Postgres(PgPool::new(url, conn, max_connections)))
    }
}

fn not_yet() -> StoreError {
    StoreError::Internal("SQLite's own connection was asked of a PostgreSQL store".into())
}

impl Store {
    /// Runs `f` on a SQLite read connection from the pool.
    pub(super) fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let Backend::Sqlite { db_path, readers, .. } = &self.backend else {
            return Err(not_yet());
        };
        let pooled = readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match pooled {
            Some(c) => c,
            None => open_connection(db_path)?,
        };
        let out = f(&conn);
        let mut idle = readers.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push(conn);
        }
        out
    }

    /// Runs settings (PRAGMAs) on SQLite's writing connection, outside any transaction.
    pub(super) fn set_on_writer(&self, pragmas: &str) -> Result<()> {
        let Backend::Sqlite { writer, .. } = &self.backend else {
            return Err(not_yet());
        };
        writer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .execute_batch(pragmas)?;
        Ok(())
    }

    /// Runs `f` in one immediate SQLite transaction: all of it is stored, or none of it.
    pub(super) fn write<T>(&self, f: impl FnOnce(&Transaction) -> Result<T>) -> Result<T> {
        let Backend::Sqlite { writer, .. } = &self.backend else {
            return Err(not_yet());
        };
        let mut conn = writer.lock().unwrap_or_else(|p| p.into_inner());
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Runs `f` over a read connection of either database. On PostgreSQL a read that found its
    /// pooled connection lost (the database restarted since) is run once more on a new one.
    pub(super) fn read_db<T>(&self, f: impl Fn(&Db<'_>) -> Result<T>) -> Result<T> {
        match &self.backend {
            Backend::Sqlite { .. } => self.read(|c| f(&Db::Sqlite(c))),
            Backend::Postgres(pool) => {
                let mut lent = pool.take()?;
                let mut out = f(&Db::Postgres(RefCell::new(&mut lent.conn)));
                if matches!(out, Err(StoreError::Unavailable(_))) && lent.lost() {
                    lent = pool.renew(lent)?;
                    out = f(&Db::Postgres(RefCell::new(&mut lent.conn)));
                }
                pool.give(lent.conn);
                out
            }
        }
    }

    /// Runs `f` in one transaction of either database: all of it is stored, or none of it. On
    /// PostgreSQL a pooled connection found lost at BEGIN (nothing done yet) is replaced by a new
    /// one, and the level is READ COMMITTED whatever the server's default: a write that waited
    /// for a series' lock then reads what the writer before it left.
    pub(super) fn write_db<T>(&self, f: impl FnOnce(&Db<'_>) -> Result<T>) -> Result<T> {
        match &self.backend {
            Backend::Sqlite { .. } => self.write(|tx| f(&Db::Sqlite(tx))),
            Backend::Postgres(pool) => {
                let mut lent = pool.take()?;
                let mut begun = lent.conn.batch("BEGIN ISOLATION LEVEL READ COMMITTED");
                if begun.is_err() && lent.lost() {
                    lent = pool.renew(lent)?;
                    begun = lent.conn.batch("BEGIN ISOLATION LEVEL READ COMMITTED");
                }
                let out = begun.and_then(|()| {
                    let conn = &mut lent.conn;
                    match f(&Db::Postgres(RefCell::new(&mut *conn))) {
                        Ok(out) => {
                            conn.batch("COMMIT")?;
                            Ok(out)
                        }
                        Err(e) => {
                            // A lost connection is forgotten by the pool; a refused change is undone.
                            let _ = conn.batch("ROLLBACK");
                            Err(e)
                        }
                    }
                });
                pool.give(lent.conn);
                out
            }
        }
    }
}

impl Store {
    /// Reads every row of `sql` (with `columns` columns) in chunks of up to `chunk` rows, handing
    /// each to `f` in order; PostgreSQL through a cursor, so a table of any size reads in bounded
    /// memory. For copying whole tables out.
    pub(super) fn scan(
        &self,
        sql: &str,
        columns: usize,
        chunk: usize,
        mut f: impl FnMut(&[Vec<Value>]) -> Result<()>,
    ) -> Result<()> {
        let mut rows: Vec<Vec<Value>> = Vec::with_capacity(chunk);
        let read = |r: &Row<'_>| (0..columns).map(|i| r.get::<Value>(i)).collect::<Result<Vec<Value>>>();
        match &self.backend {
            Backend::Sqlite { .. } => self.read(|c| {
                Db::Sqlite(c).each(sql, &[], |r| {
                    rows.push(read(r)?);
                    if rows.len() >= chunk {
                        f(&rows)?;
                        rows.clear();
                    }
                    Ok(())
                })?;
                if !rows.is_empty() {
                    f(&rows)?;
                }
                Ok(())
            }),
            Backend::Postgres(pool) => {
                let mut lent = pool.take()?;
                let conn = &mut lent.conn;
                let out = (|| {
                    conn.batch("BEGIN READ ONLY")?;
                    conn.batch(&format!("DECLARE copy_out NO SCROLL CURSOR FOR {sql}"))?;
                    loop {
                        let fetched = conn.client().query(&format!("FETCH {chunk} FROM copy_out"), &[])?;
                        if fetched.is_empty() {
                            break;
                        }
                        rows.clear();
                        for r in &fetched {
                            rows.push(read(&Row::Postgres(r))?);
                        }
                        f(&rows)?;
                    }
                    conn.batch("COMMIT")
                })();
                if out.is_err() {
                    let _ = conn.batch("ROLLBACK");
                }
                pool.give(lent.conn);
                out
            }
        }
    }
}
