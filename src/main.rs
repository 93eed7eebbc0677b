//! The `runhistory` command: parses the command line and hands over to the CLI module.

use clap::Parser;

fn main() {
    let cli = runhistory::cli::Cli::parse_from(runhistory::cli::normalize_args(std::env::args()));
    if let Err(e) = runhistory::cli::run(cli) {
        eprintln!("runhistory: {e}");
        std::process::exit(1);
    }
}
