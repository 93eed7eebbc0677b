//! The CLI's subcommands over the history client.

use super::find::{resolve, runs_of};
use super::format::{self, info_object};
use super::rows::Rows;
use super::{Cli, CliError, Command, Output};
use crate::api::ext::RunDetail;
use crate::api::ids::now_ms;
use crate::api::users::Permission;
use crate::client::HistoryClient;
use crate::connect::{ConnectError, token_or_env};
use crate::mlflow_store::OpenMlflowStore;
use crate::server::{AppState, serve as serve_http};
use crate::store::Store;
use crate::tensorboard::OpenLogdir;
use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

pub fn serve(
    cli: &Cli,
    rows: &Rows,
    host: &str,
    port: u16,
    auth: bool,
    default_permission: Permission,
) -> Result<(), CliError> {
    let store = Arc::new(rows.open()?);
    if auth && store.users()?.is_empty() {
        eprintln!("runhistory: --auth with no users yet: add one with `runhistory user add NAME --role admin`");
    }
    let access = Access {
        read_only: None,
        auth,
        default_permission,
    };
    listen(cli, store, access, &rows.describe(), host, port)
}

/// Who may do what on a server being started.
struct Access {
    /// Every write refused, for this reason (a history read in place).
    read_only: Option<String>,
    /// Every request needs a user's token.
    auth: bool,
    /// With users, what each may do in an experiment where nothing was granted them.
    default_permission: Permission,
}

/// Serves a TensorBoard logdir or an MLflow store, read-only, following it as it grows.
pub fn serve_in_place(cli: &Cli, host: &str, port: u16) -> Result<(), CliError> {
    let every = crate::tensorboard::POLL_INTERVAL.as_secs();
    if let Some(uri) = &cli.mlflow_store {
        let opened = OpenMlflowStore::open(uri, crate::mlflow_store::POLL_INTERVAL).map_err(ConnectError::from)?;
        let what = format!(
            "the {} (read-only, followed every {every} s): {} runs, {} points",
            opened.label, opened.first.new_runs, opened.first.points
        );
        let reason = opened.read_only_reason();
        let access = Access {
            read_only: Some(reason),
            auth: false,
            default_permission: Permission::Read,
        };
        return listen(cli, opened.store.clone(), access, &what, host, port);
    }
    let dir = cli.logdir.as_deref().unwrap_or(Path::new("."));
    let logdir = OpenLogdir::open(dir, crate::tensorboard::POLL_INTERVAL).map_err(ConnectError::from)?;
    let what = format!(
        "the TensorBoard logdir {} (read-only, followed every {every} s): {} runs, {} points",
        dir.display(),
        logdir.first.new_runs,
        logdir.first.points
    );
    let reason = OpenLogdir::read_only_reason(dir);
    let access = Access {
        read_only: Some(reason),
        auth: false,
        default_permission: Permission::Read,
    };
    listen(cli, logdir.store.clone(), access, &what, host, port)
}

fn listen(cli: &Cli, store: Arc<Store>, access: Access, what: &str, host: &str, port: u16) -> Result<(), CliError> {
    let mut token = token_or_env(cli.token.clone()).filter(|t| !t.is_empty());
    if access.auth && token.take().is_some() {
        // Both would read the same header: users' tokens are what --auth asks for.
        eprintln!(
            "runhistory: --auth: the server token (--token, RUNHISTORY_TOKEN, MLFLOW_TRACKING_TOKEN) is not used"
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .thread_name("history-server")
        .enable_all()
        .build()
        .map_err(|e| CliError::io("cannot start the server's runtime", e))?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind((host, port))
            .await
            .map_err(|e| CliError::io(format!("cannot listen on {host}:{port}"), e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| CliError::io("cannot read the listening address", e))?;
        // The first line is the address, which scripts and tests read; one that reads no further
        // (and closes the pipe) must not stop the server.
        let mut out = std::io::stdout();
        let _ = writeln!(out, "Listening on http://{addr}");
        let _ = writeln!(out, "Serving {what}");
        let _ = std::io::stdout().flush();
        let state = AppState {
            store,
            token: token.map(Arc::from),
            auth: access.auth,
            default_permission: access.default_permission,
            read_only: access.read_only.map(Arc::from),
        };
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        serve_http(listener, state, shutdown)
            .await
            .map_err(|e| CliError::io("the server stopped", e))
    })
}

pub async fn dispatch(command: &Command, client: &HistoryClient) -> Result<(), CliError> {
    match command {
        Command::Serve { .. }
        | Command::User { .. }
        | Command::Token { .. }
        | Command::Permission { .. }
        | Command::Migrate { .. }
        | Command::Import { .. }
        | Command::Ui
        | Command::Run(_)
        | Command::Restore { .. }
        | Command::Demo { .. } => Err(CliError::Usage("handled before connecting".into())),
        Command::List {
            output,
            experiment,
            filter,
            deleted,
        } => {
            list(
                client,
                *output,
                experiment.as_deref(),
                filter.as_deref().unwrap_or(""),
                *deleted,
            )
            .await
        }
        Command::Whoami => {
            let info = client.server_info().await?;
            match info.user {
                Some(u) => println!("{} ({}) at {}", u.name, u.role.name(), client.base_url()),
                None => println!("no user: the server at {} has no users", client.base_url()),
            }
            Ok(())
        }
        Command::Last { experiment } => {
            let runs = runs_of(client, experiment.as_deref(), "", false).await?;
            let last = runs
                .into_iter()
                .max_by_key(|r| r.start_time)
                .ok_or_else(|| CliError::NotFound("no runs yet".into()))?;
            print_info(client, &last).await
        }
        Command::Info {
            run,
            artifact,
            experiment,
        } => {
            let run = resolve(client, run, experiment.as_deref()).await?;
            match artifact {
                Some(path) => {
                    let bytes = client.read_artifact(&run, path).await?;
                    std::io::stdout()
                        .write_all(&bytes)
                        .map_err(|e| CliError::io("cannot write to standard output", e))
                }
                None => print_info(client, &run).await,
            }
        }
        Command::Compare { runs, experiment } => {
            let mut resolved = Vec::new();
            for r in runs {
                resolved.push(resolve(client, r, experiment.as_deref()).await?);
            }
            println!("{}", compare_table(&resolved, now_ms()));
            Ok(())
        }
        Command::Download { run, dest, experiment } => {
            let run = resolve(client, run, experiment.as_deref()).await?;
            let dest = dest.clone().unwrap_or_else(|| format!("run-{}", run.run_id).into());
            download(client, &run, &dest).await
        }
        Command::Promote {
            run,
            artifact_prefix,
            name,
            experiment,
        } => {
            let run = resolve(client, run, experiment.as_deref()).await?;
            let promotion = client.promote(&run, artifact_prefix, name).await?;
            println!("{}", pretty(&promotion));
            Ok(())
        }
        Command::Models { name, output } => models(client, name.as_deref(), *output).await,
        Command::Rename { .. }
        | Command::Tag { .. }
        | Command::Describe { .. }
        | Command::Delete { .. }
        | Command::Undelete { .. } => super::manage::dispatch(command, client).await,
    }
}

/// `runhistory models [NAME]`: the registered models, or one model's versions.
async fn models(client: &HistoryClient, name: Option<&str>, output: Output) -> Result<(), CliError> {
    match (name, output) {
        (None, Output::Json) => println!("{}", pretty(&client.registered_models().await?)),
        (None, Output::Table) => println!("{}", format::models_table(&client.registered_models().await?)),
        (None, Output::Csv) => print!("{}", format::models_csv(&client.registered_models().await?)),
        (Some(n), out) => {
            let versions = client.model_versions(n).await?;
            if versions.is_empty() {
                // Tell a model without versions from one that does not exist.
                client
                    .get_json::<Value>(crate::api::routes::REGISTERED_MODELS_GET, &[("name", n.to_string())])
                    .await?;
            }
            match out {
                Output::Json => println!("{}", pretty(&versions)),
                Output::Table => println!("{}", format::versions_table(&versions)),
                Output::Csv => print!("{}", format::versions_csv(&versions)),
            }
        }
    }
    Ok(())
}

/// JSON as the CLI prints it (a value made of maps and strings always serializes).
fn pretty(v: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

async fn print_info(client: &HistoryClient, run: &RunDetail) -> Result<(), CliError> {
    let files: Vec<String> = client.run_artifacts(run).await?.into_iter().map(|(p, _)| p).collect();
    println!("{}", pretty(&info_object(run, &files, now_ms())));
    Ok(())
}

async fn list(
    client: &HistoryClient,
    output: Output,
    experiment: Option<&str>,
    filter: &str,
    deleted: bool,
) -> Result<(), CliError> {
    if deleted && !filter.is_empty() {
        return Err(CliError::Usage(
            "--deleted lists the whole trash; it takes no --filter".into(),
        ));
    }
    let runs = runs_of(client, experiment, filter, deleted).await?;
    let now = now_ms();
    match output {
        Output::Table => println!("{}", format::runs_table(&runs, now)),
        Output::Csv => print!("{}", format::runs_csv(&runs, now)),
        Output::Json => {
            let all: Vec<Value> = runs.iter().map(|r| info_object(r, &[], now)).collect();
            println!("{}", pretty(&all));
        }
    }
    Ok(())
}

/// Every value of the runs in rows, a column per run, `*` before rows whose values differ.
pub fn compare_table(runs: &[RunDetail], now: i64) -> String {
    let objects: Vec<serde_json::Map<String, Value>> = runs
        .iter()
        .map(|r| {
            let mut o = match info_object(r, &[], now) {
                Value::Object(o) => o,
                _ => Default::default(),
            };
            for (k, v) in &r.params {
                o.insert(format!("param:{k}"), Value::String(v.clone()));
            }
            for k in [
                "run_id",
                "created_utc",
                "start_time_utc",
                "end_time_utc",
                "properties",
                "attachments",
                "user_id",
                "experiment_id",
            ] {
                o.remove(k);
            }
            o
        })
        .collect();
    let mut keys: Vec<String> = objects.iter().flat_map(|o| o.keys().cloned()).collect();
    keys.sort();
    keys.dedup();
    let show = |v: Option<&Value>| match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.as_f64().map(crate::format::g).unwrap_or_else(|| n.to_string()),
        Some(other) => other.to_string(),
    };
    let mut headers = vec![String::new(), "value".to_string()];
    headers.extend(
        runs.iter()
            .map(|r| format!("run {} ({})", r.run_number, &r.run_id[..8.min(r.run_id.len())])),
    );
    let rows: Vec<Vec<String>> = keys
        .iter()
        .map(|k| {
            let cells: Vec<String> = objects.iter().map(|o| show(o.get(k))).collect();
            let differs = cells.iter().any(|c| c != &cells[0]);
            let mut row = vec![if differs { "*".to_string() } else { String::new() }, k.clone()];
            row.extend(cells);
            row
        })
        .collect();
    format::table(&headers, &rows)
}

async fn download(client: &HistoryClient, run: &RunDetail, dest: &Path) -> Result<(), CliError> {
    let written = client
        .download_all(run, dest, |p| progress(p.done_bytes, p.total_bytes, &p.current))
        .await?;
    eprintln!();
    let bytes: u64 = written.iter().filter_map(|f| f.metadata().ok()).map(|m| m.len()).sum();
    println!(
        "Downloaded {} files ({bytes} bytes) to {}",
        written.len(),
        dest.display()
    );
    Ok(())
}

fn progress(done: u64, total: u64, name: &str) {
    let width = 30usize;
    let filled = if total == 0 {
        width
    } else {
        (done as f64 / total as f64 * width as f64) as usize
    };
    eprint!(
        "\r[{}{}] {done}/{total} bytes  {name:<40.40}",
        "#".repeat(filled.min(width)),
        " ".repeat(width - filled.min(width))
    );
}
