//! The CLI's run management: rename, tag, describe, delete to the trash and bring back, through
//! MLflow's own endpoints (so it works on a stock MLflow server and MLflow users see the change).

use super::find::{resolve, runs_of};
use super::{CliError, Command};
use crate::api::ext::RunDetail;
use crate::client::HistoryClient;

/// A run by id or number, in the trash too (so `undelete -r 3` finds run 3).
async fn resolve_any(client: &HistoryClient, run: &str, experiment: Option<&str>) -> Result<RunDetail, CliError> {
    match resolve(client, run, experiment).await {
        Err(CliError::NotFound(_)) if run.parse::<i64>().is_ok() => {
            let number: i64 = run.parse().unwrap_or_default();
            runs_of(client, experiment, "", true)
                .await?
                .into_iter()
                .find(|r| r.run_number == number)
                .ok_or_else(|| CliError::NotFound(format!("no run number {number}, not even in the trash")))
        }
        other => other,
    }
}

fn label(r: &RunDetail) -> String {
    if r.run_number > 0 {
        format!("run {} ({})", r.run_number, r.run_id)
    } else {
        format!("run {}", r.run_id)
    }
}

/// `KEY=VALUE` as a tag.
fn tag_of(text: &str) -> Result<(&str, &str), CliError> {
    match text.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim(), v)),
        _ => Err(CliError::Usage(format!("a tag is KEY=VALUE, got '{text}'"))),
    }
}

pub async fn dispatch(command: &Command, client: &HistoryClient) -> Result<(), CliError> {
    match command {
        Command::Rename { run, name, experiment } => {
            if name.trim().is_empty() {
                return Err(CliError::Usage("a run's name cannot be empty".into()));
            }
            let r = resolve_any(client, run, experiment.as_deref()).await?;
            client.rename_run(&r.run_id, name).await?;
            println!("{} is now named '{name}' (was '{}')", label(&r), r.name);
        }
        Command::Tag {
            run,
            tags,
            remove,
            experiment,
        } => {
            if tags.is_empty() && remove.is_empty() {
                return Err(CliError::Usage("give tags to set (KEY=VALUE) or --remove KEY".into()));
            }
            let pairs = tags.iter().map(|t| tag_of(t)).collect::<Result<Vec<_>, _>>()?;
            let r = resolve_any(client, run, experiment.as_deref()).await?;
            for (k, v) in pairs {
                client.set_run_tag(&r.run_id, k, v).await?;
                println!("{}: {k} = {v}", label(&r));
            }
            for k in remove {
                client.delete_run_tag(&r.run_id, k).await?;
                println!("{}: {k} removed", label(&r));
            }
        }
        Command::Describe { run, text, experiment } => {
            let r = resolve_any(client, run, experiment.as_deref()).await?;
            client.describe_run(&r.run_id, text).await?;
            println!("{}: description set ({} characters)", label(&r), text.chars().count());
        }
        Command::Delete { run, experiment } => {
            let r = resolve(client, run, experiment.as_deref()).await?;
            client.delete_run(&r.run_id).await?;
            println!(
                "{} moved to the trash; `runhistory undelete -r {}` brings it back",
                label(&r),
                r.run_id
            );
        }
        Command::Undelete { run, experiment } => {
            let r = resolve_any(client, run, experiment.as_deref()).await?;
            client.restore_run(&r.run_id).await?;
            println!("{} is back from the trash", label(&r));
        }
        _ => return Err(CliError::Usage("not a run-management command".into())),
    }
    Ok(())
}
