//! The `runhistory` command: parses the command line and hands over to the CLI module.

fn main() {
    let cli = runhistory::cli::parse(std::env::args()).unwrap_or_else(|e| e.exit());
    match runhistory::cli::run(cli) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("runhistory: {e}");
            std::process::exit(1);
        }
    }
}
