//! The command line, in the spirit of `az ml history`: serve, list, last, info, compare, download, promote.

mod commands;
pub mod format;
mod tracked;

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
    /// Start a tracked run of a script in the project folder: `.py` with python3, `.sh` with bash,
    /// anything else as a program. Its output goes to the terminal and to driver_log.txt; files
    /// it writes to outputs/ become artifacts; the project is snapshotted first.
    Run(RunArgs),
    /// Restore the project folder to the snapshot a run started from (or to a backup snapshot).
    /// Shows what changes and asks first; the folder as it was is kept as a snapshot, to undo.
    Restore {
        /// Run id, or run number within --experiment.
        #[arg(short, long, required_unless_present = "snapshot")]
        run: Option<String>,
        /// A snapshot id (the backup a restore printed, to undo it).
        #[arg(long, conflicts_with = "run")]
        snapshot: Option<i64>,
        #[arg(long, short = 'C', default_value = ".")]
        project: PathBuf,
        /// Show what would change, change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Do not ask.
        #[arg(long, short = 'y')]
        yes: bool,
        #[arg(long, short = 'e')]
        experiment: Option<String>,
    },
    /// Create the iris demo project in DIR and start the walkthrough's eight runs side by side,
    /// then open the workbench on them.
    Demo {
        #[arg(default_value = "runhistory-demo")]
        dir: PathBuf,
        /// Do not open the workbench afterwards.
        #[arg(long)]
        no_ui: bool,
    },
}

/// What `runhistory run` takes.
#[derive(clap::Args, Debug, Clone)]
pub struct RunArgs {
    /// The experiment (default: RUNHISTORY_EXPERIMENT, else the project folder's name).
    #[arg(long, short = 'e')]
    pub experiment: Option<String>,
    /// Print the run id and return at once; the run goes on in the background.
    #[arg(long)]
    pub detach: bool,
    /// The project folder.
    #[arg(long, short = 'C', default_value = ".")]
    pub project: PathBuf,
    /// Do not echo the script's output (it still goes to driver_log.txt).
    #[arg(long, short = 'q')]
    pub quiet: bool,
    #[arg(long, hide = true)]
    pub run_id: Option<String>,
    /// The script, relative to the project folder.
    pub script: String,
    /// Arguments for the script, passed as they are.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
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
    /// Connects to the server, or starts one over the store folder (which must hold a history
    /// unless `create` is set).
    pub fn open(cli: &Cli) -> Result<Connection, String> {
        Self::connect(cli, &cli.store, false)
    }

    fn connect(cli: &Cli, store_dir: &std::path::Path, create: bool) -> Result<Connection, String> {
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
        if !create && !store_dir.join("runhistory.db").exists() {
            return Err(format!(
                "no run history in {} yet: log a run first, or pass --store DIR or --server URL",
                store_dir.display()
            ));
        }
        let store =
            Store::open(store_dir).map_err(|e| format!("cannot open the store {}: {e}", store_dir.display()))?;
        let server = EmbeddedServer::start(Arc::new(store), None)
            .map_err(|e| format!("cannot start the embedded server: {e}"))?;
        let client = HistoryClient::new(&server.url(), None).map_err(|e| e.to_string())?;
        Ok(Connection {
            client,
            _embedded: Some(server),
        })
    }
}

/// The store a demo uses: DIR/.runhistory, unless a store was named.
fn demo_store(cli: &Cli, dir: &std::path::Path) -> PathBuf {
    let named = std::env::var_os("RUNHISTORY_STORE").is_some() || cli.store != std::path::Path::new(DEFAULT_STORE_DIR);
    if named {
        cli.store.clone()
    } else {
        dir.join(DEFAULT_STORE_DIR)
    }
}

/// Runs the parsed command: its exit code, or the one line of error to print.
pub fn run(cli: Cli) -> Result<i32, String> {
    let command = match &cli.command {
        None | Some(Command::Ui) => {
            let token = cli
                .token
                .clone()
                .or_else(|| std::env::var("MLFLOW_TRACKING_TOKEN").ok());
            return crate::ui::run(
                match &cli.server {
                    Some(url) => crate::ui::Source::Remote {
                        url: url.clone(),
                        token,
                    },
                    None => crate::ui::Source::Embedded(cli.store.clone()),
                },
                None,
            )
            .map(|_| 0);
        }
        Some(c) => c,
    };
    if let Command::Serve { host, port } = command {
        return commands::serve(&cli, host, *port).map(|_| 0);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    match command {
        Command::Run(args) => {
            let conn = Connection::connect(&cli, &cli.store, true)?;
            if args.detach {
                runtime.block_on(tracked::run_detached(&cli, &conn.client, args))
            } else {
                runtime.block_on(tracked::run_attached(&conn.client, args))
            }
        }
        Command::Restore {
            run,
            snapshot,
            project,
            dry_run,
            yes,
            experiment,
        } => {
            let conn = Connection::open(&cli)?;
            runtime.block_on(async {
                let (id, label) = match (snapshot, run) {
                    (Some(id), _) => (*id, format!("snapshot {id}")),
                    (None, Some(r)) => {
                        let run = commands::resolve(&conn.client, r, experiment.as_deref()).await?;
                        let snap = conn.client.run_snapshot(&run.run_id).await.map_err(|e| e.to_string())?;
                        (snap.snapshot_id, format!("the start of run {}", run.run_number))
                    }
                    (None, None) => return Err("give -r RUN or --snapshot ID".to_string()),
                };
                tracked::restore(&conn.client, id, &label, project, *dry_run, *yes).await
            })
        }
        Command::Demo { dir, no_ui } => {
            let store = demo_store(&cli, dir);
            {
                let conn = Connection::connect(&cli, &store, true)?;
                runtime.block_on(tracked::demo(&conn.client, dir))?;
                runtime.block_on(commands::dispatch(
                    &Command::List {
                        output: Output::Table,
                        experiment: Some(crate::project::experiment_of(dir)),
                        filter: None,
                    },
                    &conn.client,
                ))?;
            }
            drop(runtime);
            if *no_ui || cli.server.is_some() {
                return Ok(0);
            }
            crate::ui::run(crate::ui::Source::Embedded(store), Some(dir.clone())).map(|_| 0)
        }
        _ => {
            let conn = Connection::open(&cli)?;
            runtime.block_on(commands::dispatch(command, &conn.client)).map(|_| 0)
        }
    }
}
