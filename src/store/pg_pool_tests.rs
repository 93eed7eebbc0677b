//! The PostgreSQL pool under load and under loss: it never opens more connections than its bound,
//! a database that dropped every connection (a restart) costs no request, and a database that
//! refuses connections is a clear "retry" (503), never a panic, with the store working again after.

use super::backend::Backend;
use super::both_databases_tests::{new_run, tag};
use super::pg_testing::TestDatabase;
use super::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

/// Connections open to the database named `name`.
fn connections_to(name: &str, admin: &mut postgres::Client) -> i64 {
    admin
        .query_one("SELECT count(*) FROM pg_stat_activity WHERE datname = $1", &[&name])
        .unwrap()
        .get(0)
}

/// What a restart of the database does to the connections to it: all of them end.
fn cut_connections(pg: &TestDatabase, admin: &mut postgres::Client) {
    admin
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
            &[&pg.name()],
        )
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
}

fn pool_open(s: &Store) -> usize {
    match &s.backend {
        Backend::Postgres(pool) => pool.open(),
        Backend::Sqlite { .. } => unreachable!("a PostgreSQL store"),
    }
}

#[test]
fn many_threads_share_no_more_connections_than_the_bound() {
    let Some(pg) = TestDatabase::create("pool_bound") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let s = Arc::new(Store::open_postgres_with(pg.url(), dir.path(), 3).unwrap());
    let run = new_run(&s, "bound", "r", 1);
    let stop = Arc::new(AtomicBool::new(false));
    let most = Arc::new(AtomicI64::new(0));
    let watcher = {
        let (stop, most) = (stop.clone(), most.clone());
        let mut admin = pg.admin();
        let pg_name = pg.name().to_string();
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                most.fetch_max(connections_to(&pg_name, &mut admin), Ordering::Relaxed);
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
        })
    };
    let workers: Vec<_> = (0..12)
        .map(|t| {
            let (s, run) = (s.clone(), run.clone());
            std::thread::spawn(move || {
                for i in 0..30 {
                    s.set_tag(&run, &tag(&format!("t{t}"), &i.to_string())).unwrap();
                    assert_eq!(s.get_run(&run).unwrap().run_id, run);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    watcher.join().unwrap();
    assert!(pool_open(&s) <= 3, "the pool holds {} connections", pool_open(&s));
    let most = most.load(Ordering::Relaxed);
    assert!(
        (1..=3).contains(&most),
        "{most} connections were open to the database at once"
    );
    let tags = s.get_run(&run).unwrap().tags;
    for t in 0..12 {
        assert_eq!(
            tags.get(&format!("t{t}")).map(String::as_str),
            Some("29"),
            "thread {t}'s last tag"
        );
    }
}

#[test]
fn a_database_that_dropped_every_connection_costs_no_request() {
    let Some(pg) = TestDatabase::create("pool_restart") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let s = Arc::new(Store::open_postgres_with(pg.url(), dir.path(), 4).unwrap());
    let run = new_run(&s, "restart", "r", 1);
    // Four connections idle in the pool, as after a busy moment.
    std::thread::scope(|scope| {
        for t in 0..4 {
            let (s, run) = (&s, &run);
            scope.spawn(move || {
                for i in 0..20 {
                    s.set_tag(run, &tag(&format!("t{t}"), &i.to_string())).unwrap();
                }
            });
        }
    });
    let mut admin = pg.admin();
    assert!(connections_to(pg.name(), &mut admin) >= 1);

    // What a restart of the database does to the server's connections.
    cut_connections(&pg, &mut admin);
    s.set_tag(&run, &tag("after", "restart"))
        .expect("a write after the restart");
    assert_eq!(
        s.get_run(&run).unwrap().tags.get("after").map(String::as_str),
        Some("restart")
    );

    cut_connections(&pg, &mut admin);
    assert_eq!(s.get_run(&run).expect("a read after the restart").run_id, run);
}

#[test]
fn a_database_refusing_connections_is_a_retry_and_the_store_comes_back() {
    let Some(pg) = TestDatabase::create("pool_refused") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open_postgres_with(pg.url(), dir.path(), 2).unwrap();
    let run = new_run(&s, "refused", "r", 1);
    let mut admin = pg.admin();
    let name = pg.name();
    admin
        .batch_execute(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"))
        .unwrap();
    cut_connections(&pg, &mut admin);

    let refused = s.set_tag(&run, &tag("during", "outage"));
    assert!(
        matches!(&refused, Err(StoreError::Unavailable(m)) if m.contains("Retry")),
        "{refused:?}"
    );
    assert!(matches!(s.get_run(&run), Err(StoreError::Unavailable(_))));

    admin
        .batch_execute(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"))
        .unwrap();
    s.set_tag(&run, &tag("after", "outage")).unwrap();
    let tags = s.get_run(&run).unwrap().tags;
    assert_eq!(tags.get("after").map(String::as_str), Some("outage"));
    assert!(!tags.contains_key("during"), "the refused write stored nothing");
}
