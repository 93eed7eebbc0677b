//! A bounded pool of PostgreSQL connections: at most `max` open per server process, so a few
//! replicas under many clients stay inside the database's connection limit; a request waits for
//! a free connection (up to a timeout, then 503) instead of opening one more.

use super::sql::PgConn;
use super::{Result, StoreError};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// Connections a server process opens at most, unless told otherwise (`serve --database-connections`).
pub const DEFAULT_MAX_CONNECTIONS: u16 = 16;

/// How long a request waits for a connection when all are busy before it is told to retry.
const WAIT: Duration = Duration::from_secs(30);

pub(super) struct PgPool {
    url: String,
    max: usize,
    state: Mutex<PoolState>,
    freed: Condvar,
}

struct PoolState {
    idle: Vec<PgConn>,
    /// Connections open, idle or lent.
    open: usize,
}

/// A connection lent by the pool; `fresh` when it was opened for this loan (not reused).
pub(super) struct Lent {
    pub conn: PgConn,
    pub fresh: bool,
}

impl Lent {
    /// A pooled connection the database dropped since it was last used (a restart): whatever
    /// failed on it did nothing, and may be tried again on a new one.
    pub(super) fn lost(&self) -> bool {
        !self.fresh && self.conn.is_closed()
    }
}

impl PgPool {
    pub(super) fn new(url: &str, first: PgConn, max: usize) -> PgPool {
        PgPool {
            url: url.to_string(),
            max: max.max(1),
            state: Mutex::new(PoolState {
                idle: vec![first],
                open: 1,
            }),
            freed: Condvar::new(),
        }
    }

    /// An idle connection, else a new one while fewer than `max` are open, else the first one
    /// given back within the wait.
    pub(super) fn take(&self) -> Result<Lent> {
        let deadline = Instant::now() + WAIT;
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            while let Some(conn) = state.idle.pop() {
                if !conn.is_closed() {
                    return Ok(Lent { conn, fresh: false });
                }
                state.open -= 1;
            }
            if state.open < self.max {
                state.open += 1;
                drop(state);
                return match PgConn::connect(&self.url) {
                    Ok(conn) => Ok(Lent { conn, fresh: true }),
                    Err(e) => {
                        self.forget();
                        Err(e)
                    }
                };
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(StoreError::Unavailable(format!(
                    "All {} database connections stayed busy for {} s: nothing was written. Retry.",
                    self.max,
                    WAIT.as_secs()
                )));
            }
            state = self
                .freed
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// A new loan for `lent`, a pooled connection the database dropped (see `Lent::lost`).
    pub(super) fn renew(&self, lent: Lent) -> Result<Lent> {
        self.give(lent.conn);
        self.take()
    }

    /// Takes a connection back: kept if it still works, else forgotten. A lost connection means
    /// the database went away, so the idle ones are dropped with it (they were lost too).
    pub(super) fn give(&self, conn: PgConn) {
        if conn.is_closed() {
            let stale = {
                let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
                state.open -= 1 + state.idle.len();
                std::mem::take(&mut state.idle)
            };
            drop(stale);
            drop(conn);
            self.freed.notify_all();
            return;
        }
        self.state.lock().unwrap_or_else(|p| p.into_inner()).idle.push(conn);
        self.freed.notify_one();
    }

    /// A connection lent out will not come back (it could not be opened).
    fn forget(&self) {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).open -= 1;
        self.freed.notify_one();
    }

    /// Connections open now, idle or lent (for tests).
    #[cfg(test)]
    pub(super) fn open(&self) -> usize {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).open
    }
}
