//! The command line, in the spirit of `az ml history`: serve, list, last, info, compare, download, promote.

mod commands;
pub mod format;

use crate::client::HistoryClient;
use crate::server::EmbeddedServer;
use crate::store::{DEFAULT_STORE_DIR, Store};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Parser, Debug)]
#[command(
    name = "runhistory",
    version,
    about = "Run History Workbench: see, compare and reproduce experiment runs"
)]
pub struct Cli {
    /// A history server to use (ours or MLflow); without it, the store folder is read directly.
    #[arg(long, global = true, env = "RUNHISTORY_SERVER")]
    pub server: Option<String>,
    /// The store folder.
    #[arg(long, global = true, env = "RUNHISTORY_STORE", default_value = DEFAULT_STORE_DIR)]
    pub store: PathBuf,
    /// Bearer token for a server started with --token (MLFLOW_TRACKING_TOKEN also works).
    #[arg(long, global = true, env = "RUNHISTORY_TOKEN")]
    pub token: Option<String>,
    /// Without a subcommand, the workbench window opens.
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq)]
pub enum Output {
    Json,
    Table,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Open the workbench window (also what no subcommand does).
    Ui,
    /// Serve the history API (MLflow REST 2.0 and our extensions) over the store folder.
    Serve {
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        #[arg(long, default_value_t = 5000)]
        port: u16,
    },
    /// List runs, newest first.
    List {
        #[arg(short, long, value_enum, default_value = "json")]
        output: Output,
        #[arg(long, short = 'e')]
        experiment: Option<String>,
        /// A filter in the search language, e.g. "metrics.Accuracy > 0.6 OR params.lr = '0.1'".
        #[arg(long, short = 'f')]
        filter: Option<String>,
    },
    /// The most recent run.
    Last {
        #[arg(long, short = 'e')]
        experiment: Option<String>,
    },
    /// Everything about one run, or one of its artifacts with -a.
    Info {
        /// Run id, or run number within --experiment.
        #[arg(short, long)]
        run: String,
        #[arg(short, long)]
        artifact: Option<String>,
        #[arg(long, short = 'e')]
        experiment: Option<String>,
    },
    /// Two or three runs side by side; differing values are marked.
    Compare {
        #[arg(num_args = 2..=3, required = true)]
        runs: Vec<String>,
        #[arg(long, short = 'e')]
        experiment: Option<String>,
    },
    /// Every artifact of a run into a folder.
    Download {
        #[arg(short, long)]
        run: String,
        #[arg(short = 'd', long)]
        dest: Option<PathBuf>,
        #[arg(long, short = 'e')]
        experiment: Option<String>,
    },
    /// Make a named, versioned asset of a run's artifacts under a prefix.
    Promote {
        #[arg(short, long)]
        run: String,
        /// Artifact prefix (also `-ap`, as in az ml history).
        #[arg(long = "artifact-prefix")]
        artifact_prefix: String,
        #[arg(short, long)]
        name: String,
        #[arg(long, short = 'e')]
        experiment: Option<String>,
    },
}

/// Accepts the seed's two-letter `-ap` flag by spelling it out for clap.
pub fn normalize_args(args: impl IntoIterator<Item = String>) -> Vec<String> {
    args.into_iter()
        .map(|a| if a == "-ap" { "--artifact-prefix".to_string() } else { a })
        .collect()
}

/// Where the CLI reads from: a server it was given, or one it starts over the store folder.
pub struct Connection {
    pub client: HistoryClient,
    _embedded: Option<EmbeddedServer>,
}

impl Connection {
    pub fn open(cli: &Cli) -> Result<Connection, String> {
        let token = cli
            .token
            .clone()
            .or_else(|| std::env::var("MLFLOW_TRACKING_TOKEN").ok());
        if let Some(url) = &cli.server {
            let client = HistoryClient::new(url, token).map_err(|e| e.to_string())?;
            return Ok(Connection {
                client,
                _embedded: None,
            });
        }
        if !cli.store.join("runhistory.db").exists() {
            return Err(format!(
                "no run history in {} yet: log a run first, or pass --store DIR or --server URL",
                cli.store.display()
            ));
        }
        let store =
            Store::open(&cli.store).map_err(|e| format!("cannot open the store {}: {e}", cli.store.display()))?;
        let server = EmbeddedServer::start(Arc::new(store), None)
            .map_err(|e| format!("cannot start the embedded server: {e}"))?;
        let client = HistoryClient::new(&server.url(), None).map_err(|e| e.to_string())?;
        Ok(Connection {
            client,
            _embedded: Some(server),
        })
    }
}

/// Runs the parsed command; the error is the one line to print.
pub fn run(cli: Cli) -> Result<(), String> {
    let command = match &cli.command {
        None | Some(Command::Ui) => {
            let token = cli
                .token
                .clone()
                .or_else(|| std::env::var("MLFLOW_TRACKING_TOKEN").ok());
            return crate::ui::run(match &cli.server {
                Some(url) => crate::ui::Source::Remote {
                    url: url.clone(),
                    token,
                },
                None => crate::ui::Source::Embedded(cli.store.clone()),
            });
        }
        Some(c) => c,
    };
    if let Command::Serve { host, port } = command {
        return commands::serve(&cli, host, *port);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let conn = Connection::open(&cli)?;
    runtime.block_on(commands::dispatch(command, &conn.client))
}
