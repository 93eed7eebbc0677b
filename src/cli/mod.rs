//! The command line, in the spirit of `az ml history`: serve, list, last, info, compare, download, promote.

mod commands;
pub mod format;
mod manage;
mod tracked;

use crate::api::layout::DEFAULT_STORE_DIR;
use crate::client::ClientError;
use crate::connect::{ConnectError, Source, connect};
use crate::project::ProjectError;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

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
    /// `--store` was typed on the command line (not taken from the environment or the default).
    #[arg(skip)]
    pub store_typed: bool,
    /// `--server` was typed on the command line.
    #[arg(skip)]
    pub server_typed: bool,
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
        /// The runs in the trash instead (deleted; `undelete` brings one back).
        #[arg(long)]
        deleted: bool,
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
    /// Register a run's artifacts under a prefix as the next version of a registered model (made if
    /// new), in MLflow's model registry: MLflow users see it too.
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
    /// Give a run a new name (MLflow's run name: MLflow users see it too).
    Rename {
        #[arg(short, long)]
        run: String,
        name: String,
        #[arg(long, short = 'e')]
        experiment: Option<String>,
    },
    /// Set tags on a run (KEY=VALUE ...) and remove others (--remove KEY).
    Tag {
        #[arg(short, long)]
        run: String,
        /// Tags to set, each KEY=VALUE.
        tags: Vec<String>,
        /// A tag to remove (again for more).
        #[arg(long)]
        remove: Vec<String>,
        #[arg(long, short = 'e')]
        experiment: Option<String>,
    },
    /// Set a run's description (markdown; MLflow's run note). An empty text clears it.
    Describe {
        #[arg(short, long)]
        run: String,
        text: String,
        #[arg(long, short = 'e')]
        experiment: Option<String>,
    },
    /// Move a run to the trash (nothing is erased; `undelete` brings it back).
    Delete {
        #[arg(short, long)]
        run: String,
        #[arg(long, short = 'e')]
        experiment: Option<String>,
    },
    /// Bring a run back from the trash.
    Undelete {
        #[arg(short, long)]
        run: String,
        #[arg(long, short = 'e')]
        experiment: Option<String>,
    },
    /// Registered models, or the versions of one (with their stages, aliases and source runs).
    Models {
        /// A registered model: list its versions.
        name: Option<String>,
        #[arg(short, long, value_enum, default_value = "table")]
        output: Output,
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
    /// Open the workbench, create the iris demo project in DIR there and start the walkthrough's
    /// eight runs side by side (they appear live). With --no-ui, run them in the terminal.
    Demo {
        #[arg(default_value = "runhistory-demo")]
        dir: PathBuf,
        /// Run in the terminal, print the runs as a table, and open no window.
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

/// Parses the command line. What is typed wins over the environment: `--store DIR` with
/// `RUNHISTORY_SERVER` set opens the store; typing both `--store` and `--server` is refused.
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Cli, clap::Error> {
    use clap::parser::ValueSource;
    use clap::{CommandFactory, FromArgMatches};
    let matches = Cli::command().try_get_matches_from(normalize_args(args))?;
    let mut cli = Cli::from_arg_matches(&matches)?;
    // Global flags may be typed after the subcommand: look there too.
    let typed = |name: &str| {
        let mut m = Some(&matches);
        while let Some(here) = m {
            if here.value_source(name) == Some(ValueSource::CommandLine) {
                return true;
            }
            m = here.subcommand().map(|(_, sub)| sub);
        }
        false
    };
    cli.store_typed = typed("store");
    cli.server_typed = typed("server");
    if cli.store_typed && cli.server_typed {
        return Err(Cli::command().error(
            clap::error::ErrorKind::ArgumentConflict,
            "give --server URL or --store DIR, not both",
        ));
    }
    if cli.store_typed {
        cli.server = None;
    }
    Ok(cli)
}

/// Accepts the seed's two-letter `-ap` flag by spelling it out for clap.
pub fn normalize_args(args: impl IntoIterator<Item = String>) -> Vec<String> {
    args.into_iter()
        .map(|a| if a == "-ap" { "--artifact-prefix".to_string() } else { a })
        .collect()
}

/// Why a command did not do what was asked; printed as one line, exit code 1.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Project(#[from] ProjectError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("{what}: {source}")]
    Io { what: String, source: std::io::Error },
    /// No run or experiment answers to what was given.
    #[error("{0}")]
    NotFound(String),
    /// What was asked cannot be done this way, and why.
    #[error("{0}")]
    Usage(String),
    #[cfg(feature = "workbench")]
    #[error(transparent)]
    Workbench(#[from] crate::ui::WorkbenchError),
}

impl CliError {
    pub fn io(what: impl Into<String>, source: std::io::Error) -> CliError {
        CliError::Io {
            what: what.into(),
            source,
        }
    }
}

impl Cli {
    /// The server or store this command reads from; `create` makes the store if there is none.
    fn source(&self, store: &std::path::Path, create: bool) -> Source {
        Source::of(self.server.as_deref(), self.token.clone(), store, create)
    }
}

/// Opens the workbench window over `source` (and `project`, when given).
#[cfg(feature = "workbench")]
fn open_workbench(source: Source, opening: Opening) -> Result<i32, CliError> {
    let opening = match opening {
        Opening::AsBefore => crate::ui::Opening::AsBefore,
        Opening::Demo(dir) => crate::ui::Opening::Demo(dir),
    };
    crate::ui::run(source, opening)?;
    Ok(0)
}

#[cfg(not(feature = "workbench"))]
fn open_workbench(_source: Source, _opening: Opening) -> Result<i32, CliError> {
    Err(CliError::Usage(
        "this runhistory was built without the workbench (Cargo feature `workbench`)".into(),
    ))
}

/// How the CLI opens the window (the workbench's own `Opening`, kept here so the CLI builds
/// without the workbench).
#[cfg_attr(
    not(feature = "workbench"),
    allow(dead_code, reason = "without the workbench no window opens")
)]
enum Opening {
    AsBefore,
    /// The demo's runs started by the window itself, into this folder.
    Demo(PathBuf),
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
pub fn run(cli: Cli) -> Result<i32, CliError> {
    let command = match &cli.command {
        None | Some(Command::Ui) => return open_workbench(cli.source(&cli.store, true), Opening::AsBefore),
        Some(c) => c,
    };
    if let Command::Serve { host, port } = command {
        return commands::serve(&cli, host, *port).map(|_| 0);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::io("cannot start the I/O runtime", e))?;
    match command {
        Command::Run(args) => {
            let conn = connect(cli.source(&cli.store, true))?;
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
            let conn = connect(cli.source(&cli.store, false))?;
            runtime.block_on(async {
                let (id, label) = match (snapshot, run) {
                    (Some(id), _) => (*id, format!("snapshot {id}")),
                    (None, Some(r)) => {
                        let run = commands::resolve(&conn.client, r, experiment.as_deref()).await?;
                        let snap = conn.client.run_snapshot(&run.run_id).await?;
                        (snap.snapshot_id, format!("the start of run {}", run.run_number))
                    }
                    (None, None) => return Err(CliError::Usage("give -r RUN or --snapshot ID".into())),
                };
                tracked::restore(&conn.client, id, &label, project, *dry_run, *yes).await
            })
        }
        Command::Demo { dir, no_ui } => {
            let store = demo_store(&cli, dir);
            if !*no_ui && cli.server.is_none() && cfg!(feature = "workbench") {
                // The window opens at once and starts the runs itself: they appear live.
                println!(
                    "Opening the workbench; the demo's eight runs start there ({}).",
                    dir.display()
                );
                drop(runtime);
                return open_workbench(Source::Embedded { store, create: true }, Opening::Demo(dir.clone()));
            }
            {
                let conn = connect(cli.source(&store, true))?;
                runtime.block_on(tracked::demo(&conn.client, dir))?;
                runtime.block_on(commands::dispatch(
                    &Command::List {
                        output: Output::Table,
                        experiment: Some(crate::project::experiment_of(dir)),
                        filter: None,
                        deleted: false,
                    },
                    &conn.client,
                ))?;
            }
            Ok(0)
        }
        Command::Ui | Command::Serve { .. } => Err(CliError::Usage("handled before connecting".into())),
        Command::List { .. }
        | Command::Last { .. }
        | Command::Info { .. }
        | Command::Compare { .. }
        | Command::Download { .. }
        | Command::Promote { .. }
        | Command::Models { .. }
        | Command::Rename { .. }
        | Command::Tag { .. }
        | Command::Describe { .. }
        | Command::Delete { .. }
        | Command::Undelete { .. } => {
            let conn = connect(cli.source(&cli.store, false))?;
            runtime.block_on(commands::dispatch(command, &conn.client)).map(|_| 0)
        }
    }
}
