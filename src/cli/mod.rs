//! The command line, in the spirit of `az ml history`: serve, list, last, info, compare, download, promote.

mod args;
mod commands;
mod find;
pub mod format;
mod import;
mod manage;
mod migrate;
mod rows;
mod tracked;
mod users;

use crate::api::layout::DEFAULT_STORE_DIR;
use crate::client::ClientError;
use crate::connect::{ConnectError, Source, connect};
use crate::project::ProjectError;
pub use args::{Cli, Command, Output, RunArgs, normalize_args, parse};
use std::path::PathBuf;

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
        match (&self.logdir, &self.mlflow_store) {
            (Some(dir), _) => Source::Logdir(dir.clone()),
            (None, Some(uri)) => Source::MlflowStore(uri.clone()),
            (None, None) => Source::of(self.server.as_deref(), self.token.clone(), store, create),
        }
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
    if let Command::Serve {
        host,
        port,
        database,
        artifacts,
        database_connections,
        auth,
        default_permission,
    } = command
    {
        if cli.logdir.is_some() || cli.mlflow_store.is_some() {
            if database.is_some() || artifacts.is_some() || *auth {
                return Err(CliError::Usage(
                    "--logdir and --mlflow-store serve what they name read-only: they take no --database, --artifacts \
                     or --auth (users live in a store of ours)"
                        .into(),
                ));
            }
            return commands::serve_in_place(&cli, host, *port).map(|_| 0);
        }
        let rows = rows::Rows::of(database.as_deref(), artifacts.as_deref(), &cli.store)?
            .with_connections(usize::from(*database_connections));
        return commands::serve(&cli, &rows, host, *port, *auth, *default_permission).map(|_| 0);
    }
    if let Command::User { action } = command {
        return users::user(&cli, action);
    }
    if let Command::Token { action } = command {
        return users::token(&cli, action);
    }
    if let Command::Permission { action } = command {
        return users::permission(&cli, action);
    }
    if let Command::Migrate { from, to, artifacts } = command {
        return migrate::migrate(from, to, artifacts.as_deref());
    }
    if let Command::Import {
        into,
        database,
        artifacts,
    } = command
    {
        let rows = rows::Rows::of(
            database.as_deref(),
            artifacts.as_deref(),
            into.as_ref().unwrap_or(&cli.store),
        )?;
        return match (&cli.logdir, &cli.mlflow_store) {
            (Some(logdir), _) => import::import(logdir, &rows),
            (None, Some(uri)) => import::import_mlflow(uri, &rows),
            (None, None) => Err(CliError::Usage(
                "import copies a TensorBoard logdir or an MLflow store: give --logdir DIR or --mlflow-store URI".into(),
            )),
        };
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
                        let run = find::resolve(&conn.client, r, experiment.as_deref()).await?;
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
        Command::Ui
        | Command::Serve { .. }
        | Command::User { .. }
        | Command::Token { .. }
        | Command::Permission { .. }
        | Command::Migrate { .. }
        | Command::Import { .. } => Err(CliError::Usage("handled before connecting".into())),
        Command::List { .. }
        | Command::Whoami
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
