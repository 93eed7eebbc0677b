//! The command line as typed: the global flags, every subcommand and its arguments, and the rule
//! that what is typed wins over the environment.

use crate::api::layout::DEFAULT_STORE_DIR;
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
    /// A TensorBoard logdir to read in place (every folder in it holding event files is a run),
    /// followed as training writes to it. Read-only: nothing in it is ever changed.
    #[arg(long, global = true, value_name = "DIR", conflicts_with = "server")]
    pub logdir: Option<PathBuf>,
    /// An MLflow tracking store to read in place, named as MLflow names it: sqlite:///PATH.db,
    /// postgresql://USER@HOST/DB or an mlruns folder. Its artifact folders are read where they
    /// are; it is followed as MLflow writes to it. Read-only: nothing in it is ever changed.
    #[arg(long, global = true, value_name = "URI", conflicts_with_all = ["server", "logdir"])]
    pub mlflow_store: Option<String>,
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
    /// Comma-separated values with a header line (exact numbers), for a spreadsheet or pandas.
    Csv,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Open the workbench window (also what no subcommand does).
    Ui,
    /// Serve the history API (MLflow REST 2.0 and our extensions) over the store folder, or over a
    /// team database with --database.
    Serve {
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        #[arg(long, default_value_t = 5000)]
        port: u16,
        /// A PostgreSQL database for the runs (postgres://USER@HOST:PORT/DB), shared by every
        /// server given the same one; without it, the store folder's SQLite.
        #[arg(long, env = "RUNHISTORY_DATABASE")]
        database: Option<String>,
        /// Where a --database server keeps artifacts, snapshots and models: file:///folder, a
        /// folder every server over the database sees, or object storage: s3://BUCKET/PREFIX,
        /// az://CONTAINER/PREFIX, gs://BUCKET/PREFIX, with credentials from AWS_*,
        /// AZURE_STORAGE_* or GOOGLE_* (default: the store folder, which with object storage
        /// holds only uploads under way).
        #[arg(long, env = "RUNHISTORY_ARTIFACTS")]
        artifacts: Option<String>,
        /// How many connections to --database this server opens at most; requests beyond them
        /// wait for one. Keep replicas x this under the database's max_connections.
        #[arg(long, env = "RUNHISTORY_DATABASE_CONNECTIONS", default_value_t = crate::store::pg_pool::DEFAULT_MAX_CONNECTIONS,
              value_parser = clap::value_parser!(u16).range(1..=1000))]
        database_connections: u16,
        /// Require a user on every request: a token made by `runhistory user add` (bearer, or
        /// basic auth with the user's name; MLflow's clients send either). Readers may only read.
        #[arg(long)]
        auth: bool,
        /// With --auth: what a user may do in an experiment where nothing was granted them
        /// (READ, EDIT, MANAGE or NO_PERMISSIONS, as MLflow's default_permission). The maker of
        /// an experiment manages it; `runhistory permission set` grants others.
        #[arg(long, default_value = "READ", value_parser = parse_permission)]
        default_permission: crate::api::users::Permission,
    },
    /// Manage the users of a server started with --auth (in the store folder, or --database).
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Give a user a new token; the old one stops working at once. The token is printed once,
    /// alone on the last line.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Grant, list or take back users' permissions on experiments (READ, EDIT, MANAGE,
    /// NO_PERMISSIONS), on a server started with --auth.
    Permission {
        #[command(subcommand)]
        action: PermissionAction,
    },
    /// Copy a store into another: a local store folder into a team database, or back, files
    /// included. Run it again to bring the copy up to date; nothing is doubled.
    Migrate {
        /// The store to copy: a store folder, or a PostgreSQL URL (postgres://USER@HOST:PORT/DB).
        #[arg(long)]
        from: String,
        /// Where to copy it: a store folder (made if new), or a PostgreSQL URL.
        #[arg(long)]
        to: String,
        /// The files of the side that is a database: file:///folder, the folder its servers share,
        /// or its object storage (s3://, az://, gs://).
        #[arg(long, env = "RUNHISTORY_ARTIFACTS")]
        artifacts: Option<String>,
    },
    /// Copy a TensorBoard logdir (--logdir DIR) or an MLflow store (--mlflow-store URI) into a
    /// store for good: run again, it adds only what was written since, and doubles nothing.
    Import {
        /// The store folder to copy into (default: --store).
        #[arg(long, value_name = "DIR")]
        into: Option<PathBuf>,
        /// A team database to copy into instead (postgres://USER@HOST:PORT/DB).
        #[arg(long, env = "RUNHISTORY_DATABASE")]
        database: Option<String>,
        /// Where that database's servers keep their files: file:///folder, s3://, az:// or gs://.
        #[arg(long, env = "RUNHISTORY_ARTIFACTS")]
        artifacts: Option<String>,
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
    /// Who this CLI is signed in as on the server (its token's user and role), and the server.
    Whoami,
    /// The most recent run.
    Last {
        #[arg(long, short = 'e')]
        experiment: Option<String>,
    },
    /// Everything about one run, or one of its artifacts with -a.
    Info {
        /// Run id, run number within --experiment, or run name.
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
        /// Run id, run number within --experiment, or run name.
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

/// Where the users are kept: the store folder (--store), or a team database.
#[derive(clap::Args, Debug)]
pub struct UsersIn {
    /// The team database (postgres://USER@HOST:PORT/DB) whose servers use these users.
    #[arg(long, env = "RUNHISTORY_DATABASE")]
    pub database: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum UserAction {
    /// Add a user; its token is printed once, alone on the last line.
    Add {
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        #[command(flatten)]
        place: UsersIn,
    },
    /// List the users and their roles.
    List {
        #[command(flatten)]
        place: UsersIn,
    },
    /// Remove a user: its token stops working at once.
    Remove {
        name: String,
        #[command(flatten)]
        place: UsersIn,
    },
}

#[derive(Subcommand, Debug)]
pub enum PermissionAction {
    /// Grant USER PERMISSION on EXPERIMENT (its id or name), in place of any earlier grant.
    Set {
        experiment: String,
        user: String,
        #[arg(value_parser = parse_permission)]
        permission: crate::api::users::Permission,
        #[command(flatten)]
        place: UsersIn,
    },
    /// The grants, of one experiment (its id or name) or of all.
    List {
        experiment: Option<String>,
        #[command(flatten)]
        place: UsersIn,
    },
    /// Take back USER's grant on EXPERIMENT: the server's default applies again.
    Remove {
        experiment: String,
        user: String,
        #[command(flatten)]
        place: UsersIn,
    },
}

/// A permission as MLflow names it, in any case.
pub fn parse_permission(s: &str) -> Result<crate::api::users::Permission, String> {
    crate::api::users::Permission::parse(s)
        .ok_or_else(|| format!("'{s}' is not a permission: READ, EDIT, MANAGE or NO_PERMISSIONS"))
}

#[derive(Subcommand, Debug)]
pub enum TokenAction {
    /// A new token for the user.
    Rotate {
        name: String,
        #[command(flatten)]
        place: UsersIn,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq)]
pub enum RoleArg {
    Admin,
    Writer,
    Reader,
}

impl RoleArg {
    pub fn role(self) -> crate::api::users::Role {
        use crate::api::users::Role;
        match self {
            RoleArg::Admin => Role::Admin,
            RoleArg::Writer => Role::Writer,
            RoleArg::Reader => Role::Reader,
        }
    }
}
