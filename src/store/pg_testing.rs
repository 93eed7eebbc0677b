//! A PostgreSQL database of its own for each test: made on the server named by
//! `RUNHISTORY_TEST_POSTGRES` (else the local one), dropped when the test ends. Where no server
//! answers the test says "skipped: no PostgreSQL", except under CI, where it must run.

use std::sync::atomic::{AtomicU32, Ordering};

/// The server tests use when `RUNHISTORY_TEST_POSTGRES` is not set.
const LOCAL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database made for one test; dropped (with its connections) when this is dropped.
pub struct TestDatabase {
    admin: String,
    name: String,
    url: String,
}

impl TestDatabase {
    /// A new empty database named after `what`, or None (said on stdout) when no PostgreSQL
    /// answers outside CI. Under CI (`CI=true`) an unreachable server fails the test.
    pub fn create(what: &str) -> Option<TestDatabase> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let admin = std::env::var("RUNHISTORY_TEST_POSTGRES").unwrap_or_else(|_| LOCAL.into());
        let mut client = match postgres::Client::connect(&admin, postgres::NoTls) {
            Ok(c) => c,
            Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => {
                panic!("CI must run the PostgreSQL tests, and {admin} cannot be reached: {e}")
            }
            Err(e) => {
                println!("skipped: no PostgreSQL ({admin}: {e})");
                return None;
            }
        };
        let tag: String = what
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .take(30)
            .collect();
        let name = format!(
            "rh_test_{tag}_{}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            rand::random::<u32>()
        );
        if let Err(e) = client.batch_execute(&format!("CREATE DATABASE {name}")) {
            panic!("could not create the test database {name}: {e}");
        }
        let url = match admin.rsplit_once('/') {
            Some((server, _)) if server.contains("://") && server.len() > "postgres://".len() => {
                format!("{server}/{name}")
            }
            _ => format!("{admin}/{name}"),
        };
        Some(TestDatabase { admin, name, url })
    }

    /// The URL of the database, for the store or a server.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's name on its server.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A connection to the server's administrative database (to watch or cut this one's
    /// connections); panics if the server went away.
    #[allow(clippy::expect_used, reason = "a test helper")]
    pub fn admin(&self) -> postgres::Client {
        postgres::Client::connect(&self.admin, postgres::NoTls).expect("the test's PostgreSQL server answers")
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}
