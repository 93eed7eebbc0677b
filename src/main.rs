//! The `runhistory` command: parses the command line and hands over to the CLI module.

use clap::Parser;

fn main() {
    let cli = runhistory::cli::Cli::parse_from(runhistory::cli::normalize_args(std::env::args()));
    match runhistory::cli::run(cli) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("runhistory: {e}");
            std::process::exit(1);
        }
    }
}
