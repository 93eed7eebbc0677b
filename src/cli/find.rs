//! Which runs a command means: an experiment's runs, and one run by its id, its number or its
//! name.

use super::CliError;
use crate::api::ext::RunDetail;
use crate::client::HistoryClient;

/// Runs of one experiment (by name) or of every experiment, newest first; with `deleted`, the
/// runs in the trash instead.
pub(super) async fn runs_of(
    client: &HistoryClient,
    experiment: Option<&str>,
    filter: &str,
    deleted: bool,
) -> Result<Vec<RunDetail>, CliError> {
    let experiments = match experiment {
        Some(name) => vec![
            client
                .get_experiment_by_name(name)
                .await?
                .ok_or_else(|| CliError::NotFound(format!("no experiment named '{name}'")))?,
        ],
        None => client.search_experiments().await?,
    };
    let mut runs = Vec::new();
    for e in experiments {
        if deleted {
            runs.extend(client.deleted_runs(&e.experiment_id).await?);
        } else {
            runs.extend(client.experiment_runs(&e.experiment_id, filter).await?.runs);
        }
    }
    runs.sort_by(|a, b| b.start_time.cmp(&a.start_time).then(b.run_number.cmp(&a.run_number)));
    Ok(runs)
}

/// A run from its id, its number within the experiment (the newest experiment by default), or its
/// name when no other run has it.
pub(super) async fn resolve(
    client: &HistoryClient,
    run: &str,
    experiment: Option<&str>,
) -> Result<RunDetail, CliError> {
    if let Ok(number) = run.parse::<i64>() {
        let runs = runs_of(client, experiment, "", false).await?;
        if let Some(r) = runs.iter().find(|r| r.run_number == number) {
            return Ok(r.clone());
        }
        return by_name(runs, run).map_err(|_| CliError::NotFound(format!("no run number {number}")));
    }
    let is_id = run.len() == 32 && run.bytes().all(|b| b.is_ascii_hexdigit());
    if is_id {
        match client.get_run(run).await {
            Err(e) if e.is_not_found() => {}
            found => return Ok(found?),
        }
    }
    // A run's name (a TensorBoard run is named by its folder), when one run has it.
    by_name(runs_of(client, experiment, "", false).await?, run)
}

fn by_name(runs: Vec<RunDetail>, name: &str) -> Result<RunDetail, CliError> {
    let mut named = runs.into_iter().filter(|r| r.name == name);
    match (named.next(), named.next()) {
        (Some(r), None) => Ok(r),
        (Some(_), Some(_)) => Err(CliError::Usage(format!(
            "several runs are named '{name}': give its id or number"
        ))),
        (None, _) => Err(CliError::NotFound(format!(
            "no run with the id, number or name '{name}'"
        ))),
    }
}
