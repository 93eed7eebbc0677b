//! The trash of one experiment: its deleted runs, read through MLflow's search of deleted runs, so
//! each can be brought back.

use super::fetch::{Fetch, Spawner};
use crate::api::ext::RunDetail;
use crate::client::HistoryClient;

pub struct TrashState {
    pub experiment_id: String,
    pub runs: Fetch<Vec<RunDetail>>,
}

impl TrashState {
    pub fn open(experiment_id: &str, spawner: &Spawner, client: &HistoryClient) -> TrashState {
        let mut t = TrashState {
            experiment_id: experiment_id.to_string(),
            runs: Fetch::default(),
        };
        t.refresh(spawner, client);
        t
    }

    pub fn refresh(&mut self, spawner: &Spawner, client: &HistoryClient) {
        let (c, exp) = (client.clone(), self.experiment_id.clone());
        self.runs.request(spawner, async move { c.deleted_runs(&exp).await });
    }

    pub fn poll(&mut self) {
        self.runs.poll();
    }
}
