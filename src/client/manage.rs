//! Managing runs through MLflow's own endpoints, so a stock MLflow server takes them too and MLflow
//! users see the result: rename, describe (`mlflow.note.content`), tag, delete to the trash (the
//! run's lifecycle stage), bring back, and list what is in the trash.

use super::reads::Flavor;
use super::{HistoryClient, Result, all_pages, run_from_mlflow};
use crate::api::ext::RunDetail;
use crate::api::routes as r;
use crate::api::{SearchRuns, SearchRunsResponse};
use serde_json::{Value, json};

impl HistoryClient {
    pub async fn rename_run(&self, run_id: &str, name: &str) -> Result<()> {
        self.post_json::<Value, _>(r::RUNS_UPDATE, &json!({"run_id": run_id, "run_name": name}))
            .await
            .map(|_| ())
    }

    pub async fn set_run_tag(&self, run_id: &str, key: &str, value: &str) -> Result<()> {
        self.post_json::<Value, _>(r::RUNS_SET_TAG, &json!({"run_id": run_id, "key": key, "value": value}))
            .await
            .map(|_| ())
    }

    pub async fn delete_run_tag(&self, run_id: &str, key: &str) -> Result<()> {
        self.post_json::<Value, _>(r::RUNS_DELETE_TAG, &json!({"run_id": run_id, "key": key}))
            .await
            .map(|_| ())
    }

    /// Sets the run's description (shown rendered as markdown in the workbench).
    pub async fn describe_run(&self, run_id: &str, text: &str) -> Result<()> {
        self.set_run_tag(run_id, crate::api::TAG_NOTE, text).await
    }

    /// Moves the run to the trash: it leaves searches and the dashboard, and can be brought back.
    pub async fn delete_run(&self, run_id: &str) -> Result<()> {
        self.post_json::<Value, _>(r::RUNS_DELETE, &json!({"run_id": run_id}))
            .await
            .map(|_| ())
    }

    /// Brings a run back from the trash.
    pub async fn restore_run(&self, run_id: &str) -> Result<()> {
        self.post_json::<Value, _>(r::RUNS_RESTORE, &json!({"run_id": run_id}))
            .await
            .map(|_| ())
    }

    /// The runs of an experiment in the trash, newest first (with their numbers on our server).
    pub async fn deleted_runs(&self, experiment_id: &str) -> Result<Vec<RunDetail>> {
        let mut out = all_pages(|token| async move {
            let req = SearchRuns {
                experiment_ids: vec![experiment_id.to_string()],
                run_view_type: Some("DELETED_ONLY".into()),
                max_results: Some(1000),
                page_token: token,
                ..Default::default()
            };
            let page: SearchRunsResponse = self.post_json(r::RUNS_SEARCH, &req).await?;
            Ok((
                page.runs.into_iter().map(run_from_mlflow).collect(),
                page.next_page_token,
            ))
        })
        .await?;
        if self.flavor().await? == Flavor::RunHistory {
            for run in &mut out {
                run.run_number = self.get_run(&run.run_id).await?.run_number;
            }
        }
        out.sort_by(|a, b| b.start_time.cmp(&a.start_time).then(b.run_number.cmp(&a.run_number)));
        Ok(out)
    }
}
