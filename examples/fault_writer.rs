//! One writer of the fault script (scripts/fault-kill9): logs N points at steps 0..N into a run
//! with the Rust logger, value = writer * 1e7 + step, then closes (delivering or spooling the rest).
//!
//!     cargo run --release --example fault_writer -- URL RUN_ID WRITER N SPOOL_DIR

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "an example stops at its first failure"
)]

use runhistory::client::logger::Logger;
use std::time::Duration;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 6 {
        eprintln!("usage: fault_writer URL RUN_ID WRITER N SPOOL_DIR");
        std::process::exit(2);
    }
    let (url, run_id) = (&args[1], &args[2]);
    let (Ok(writer), Ok(n)) = (args[3].parse::<i64>(), args[4].parse::<i64>()) else {
        eprintln!("WRITER and N are numbers");
        std::process::exit(2);
    };
    let mut logger = match Logger::start(url, None, run_id, Some(args[5].clone().into())) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot start the logger: {e}");
            std::process::exit(1);
        }
    };
    for step in 0..n {
        logger.log_at("v", (writer * 10_000_000 + step) as f64, step);
        if step % 1_000 == 0 {
            // Spread the writing over a few seconds, so the kills land in the middle of it.
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    logger.close();
}
