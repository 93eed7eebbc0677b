//! The workbench's state and logic, apart from drawing: what is shown, what is fetched when, and
//! how each command changes it.

use super::command::Command;
use super::compare_state::CompareState;
use super::details_state::DetailsState;
use super::fetch::{Fetch, FetchError, Spawner};
use super::jobs_state::JobsState;
use super::model::columns::{ColumnKey, default_columns};
use super::model::dashboard::{DashboardInputs, DashboardModel, dashboard_model};
use super::restore_state::RestoreState;
use super::settings::Settings;
use crate::api::Experiment;
use crate::api::ext::{ExperimentSummary, RunDetail};
use crate::client::{Flavor, HistoryClient};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// How often runs are fetched again while one of them is running, and otherwise.
pub const LIVE_REFRESH: Duration = Duration::from_secs(2);
pub const IDLE_REFRESH: Duration = Duration::from_secs(5);
/// How often the jobs panel redraws while a job works (elapsed time, live output).
pub const JOB_REFRESH: Duration = Duration::from_millis(250);
/// Most runs a comparison takes.
pub const MAX_COMPARE: usize = 3;

#[derive(Debug, Clone, PartialEq)]
pub enum View {
    Dashboard,
    Details,
    Compare,
}

pub struct Workbench {
    pub client: HistoryClient,
    pub spawner: Spawner,
    /// Where the data comes from, as the top bar says it.
    pub source: String,
    pub flavor: Fetch<Flavor>,
    pub experiments: Fetch<Vec<Experiment>>,
    pub runs: Fetch<ExperimentSummary>,
    pub experiment_id: Option<String>,
    pub script: Option<String>,
    /// Scripts seen in the experiment's unfiltered runs (the sidebar's list).
    pub scripts: BTreeSet<String>,
    pub filter_input: String,
    pub filter: String,
    pub view: View,
    pub details: Option<DetailsState>,
    pub compare: Option<CompareState>,
    /// Run ids ticked for comparison, in the order they were ticked.
    pub selected: Vec<String>,
    pub sort: Option<(ColumnKey, bool)>,
    pub chooser_open: bool,
    pub chooser_search: String,
    pub settings: Settings,
    /// Where each dashboard chart was last drawn, so a point can be found on screen (tests click them).
    pub chart_frames: std::collections::BTreeMap<super::model::dashboard::ChartKey, egui_plot::PlotTransform>,
    /// Where each series chart was last drawn, by chart id (the benchmark zooms them).
    pub series_frames: std::collections::BTreeMap<String, egui_plot::PlotTransform>,
    /// The project folder's run form and the jobs started from it.
    pub jobs: JobsState,
    /// Where "Run the demo" writes the demo project.
    pub demo_dir: std::path::PathBuf,
    /// The restore being planned, confirmed or done (its dialog is open while this is set).
    pub restore: Option<RestoreState>,
    dashboard: Option<(DashboardInputs, std::sync::Arc<DashboardModel>)>,
    started: bool,
    last_runs_request: Option<Instant>,
    last_experiments_request: Option<Instant>,
}

impl Workbench {
    pub fn new(client: HistoryClient, spawner: Spawner, source: String, settings: Settings) -> Workbench {
        Workbench {
            client,
            spawner,
            source,
            flavor: Fetch::default(),
            experiments: Fetch::default(),
            runs: Fetch::default(),
            experiment_id: None,
            script: None,
            scripts: BTreeSet::new(),
            filter_input: String::new(),
            filter: String::new(),
            view: View::Dashboard,
            details: None,
            compare: None,
            selected: Vec::new(),
            sort: None,
            chooser_open: false,
            chooser_search: String::new(),
            settings,
            chart_frames: Default::default(),
            series_frames: Default::default(),
            jobs: JobsState::default(),
            restore: None,
            demo_dir: std::env::current_dir().unwrap_or_default().join("runhistory-demo"),
            dashboard: None,
            started: false,
            last_runs_request: None,
            last_experiments_request: None,
        }
    }

    /// The runs of the chosen experiment as last fetched (kept while a refresh loads).
    pub fn runs(&self) -> &[RunDetail] {
        self.runs.value().map_or(&[], |s| s.runs.as_slice())
    }

    /// The error to show in the banner: the server could not be reached.
    pub fn unreachable(&self) -> Option<&FetchError> {
        [self.experiments.error(), self.runs.error(), self.flavor.error()]
            .into_iter()
            .flatten()
            .find(|e| e.unreachable)
    }

    /// Any other error of the last fetch, such as a filter the server refused.
    pub fn runs_error(&self) -> Option<&FetchError> {
        self.runs.error().filter(|e| !e.unreachable)
    }

    pub fn columns(&self) -> Vec<ColumnKey> {
        self.experiment_id
            .as_ref()
            .and_then(|e| self.settings.columns.get(e).cloned())
            .unwrap_or_else(|| default_columns(self.runs()))
    }

    /// The dashboard's model, rebuilt only when the runs or the choices it depends on changed.
    pub fn dashboard_model(&mut self, now_ms: i64) -> std::sync::Arc<DashboardModel> {
        let live = self.runs().iter().any(|r| !r.status.is_terminal());
        let inputs = DashboardInputs {
            runs_generation: self.runs.generation(),
            script: self.script.clone(),
            columns: self
                .experiment_id
                .as_ref()
                .and_then(|e| self.settings.columns.get(e).cloned()),
            sort: self.sort.clone(),
            axis: self.settings.run_axis,
            hidden: self
                .experiment_id
                .as_ref()
                .and_then(|e| self.settings.hidden_charts.get(e))
                .cloned()
                .unwrap_or_default(),
            live_second: if live { now_ms / 1000 } else { 0 },
        };
        match &self.dashboard {
            Some((i, m)) if *i == inputs => m.clone(),
            _ => {
                let m = std::sync::Arc::new(dashboard_model(self.runs(), &inputs, now_ms));
                self.dashboard = Some((inputs, m.clone()));
                m
            }
        }
    }

    pub fn is_busy(&self) -> bool {
        self.jobs.is_starting()
            || self.experiments.is_loading()
            || self.runs.is_loading()
            || self.flavor.is_loading()
            || self.details.as_ref().is_some_and(|d| {
                d.run.is_loading()
                    || d.artifacts.is_loading()
                    || d.preview.is_loading()
                    || d.series.values().any(|f| f.is_loading())
                    || d.download.as_ref().is_some_and(|x| x.result.is_loading())
            })
            || self.compare.as_ref().is_some_and(|c| {
                c.runs.iter().any(|f| f.is_loading())
                    || c.artifacts.iter().any(|f| f.is_loading())
                    || c.series.values().any(|f| f.is_loading())
            })
    }

    /// Once a frame: takes finished fetches and starts the ones that are due.
    pub fn poll(&mut self, now: Instant) {
        if !self.started {
            self.started = true;
            let c = self.client.clone();
            self.flavor.request(&self.spawner, async move { c.flavor().await });
            self.request_experiments(now);
            if let Some(folder) = self.settings.project_folder.clone() {
                self.jobs.open_folder(&folder, &self.spawner);
            }
        }
        self.poll_tracked(now);
        self.flavor.poll();
        if self.experiments.poll() {
            self.choose_default_experiment(now);
        }
        if self.runs.poll()
            && self.filter.is_empty()
            && let Some(s) = self.runs.value()
        {
            self.scripts = s.runs.iter().filter_map(|r| r.script_name.clone()).collect();
        }
        let live = self.runs().iter().any(|r| !r.status.is_terminal());
        let every = if live { LIVE_REFRESH } else { IDLE_REFRESH };
        if self.last_runs_request.is_some_and(|t| now.duration_since(t) >= every) && !self.runs.is_loading() {
            self.request_runs(now);
        }
        if self
            .last_experiments_request
            .is_some_and(|t| now.duration_since(t) >= IDLE_REFRESH * 2)
            && !self.experiments.is_loading()
        {
            self.request_experiments(now);
        }
        let (sp, c) = (self.spawner.clone(), self.client.clone());
        if let Some(d) = &mut self.details {
            d.poll(&sp, &c);
            let running = d.run.value().is_some_and(|r| !r.status.is_terminal());
            let due = d
                .refreshed
                .is_none_or(|t| now.saturating_duration_since(t) >= LIVE_REFRESH);
            if running && due && !d.run.is_loading() {
                d.refresh(&sp, &c);
            }
        }
        if let Some(cmp) = &mut self.compare {
            cmp.poll(&sp, &c);
        }
    }

    /// How soon the window should wake to refresh, with nothing else happening.
    pub fn next_wake(&self) -> Duration {
        if self.jobs.any_running() {
            JOB_REFRESH
        } else if self.runs().iter().any(|r| !r.status.is_terminal()) {
            LIVE_REFRESH
        } else {
            IDLE_REFRESH
        }
    }

    pub(super) fn request_experiments(&mut self, now: Instant) {
        self.last_experiments_request = Some(now);
        let c = self.client.clone();
        self.experiments
            .request(&self.spawner, async move { c.search_experiments().await });
    }

    fn request_runs(&mut self, now: Instant) {
        self.last_runs_request = Some(now);
        let Some(exp) = self.experiment_id.clone() else { return };
        let (c, filter) = (self.client.clone(), self.filter.clone());
        self.runs
            .request(&self.spawner, async move { c.experiment_runs(&exp, &filter).await });
    }

    /// The remembered experiment if it still exists, else the most recently changed one.
    fn choose_default_experiment(&mut self, now: Instant) {
        let Some(exps) = self.experiments.value() else { return };
        if self
            .experiment_id
            .as_ref()
            .is_some_and(|id| exps.iter().any(|e| &e.experiment_id == id))
        {
            return;
        }
        let pick = self
            .settings
            .last_experiment
            .as_ref()
            .filter(|id| exps.iter().any(|e| &e.experiment_id == *id))
            .cloned()
            .or_else(|| {
                // Ties (an experiment made in the same millisecond as the store) go to the newer one.
                exps.iter()
                    .max_by_key(|e| (e.last_update_time, e.experiment_id.parse::<i64>().unwrap_or(0)))
                    .map(|e| e.experiment_id.clone())
            });
        if let Some(id) = pick {
            self.select_experiment(id, now);
        }
    }

    pub(super) fn select_experiment(&mut self, id: String, now: Instant) {
        self.experiment_id = Some(id.clone());
        self.settings.last_experiment = Some(id);
        self.script = None;
        self.scripts.clear();
        self.selected.clear();
        self.runs.clear();
        self.view = View::Dashboard;
        self.request_runs(now);
    }

    pub fn apply(&mut self, cmd: Command) {
        let now = Instant::now();
        let (sp, c) = (self.spawner.clone(), self.client.clone());
        match cmd {
            Command::Refresh => {
                self.request_experiments(now);
                self.request_runs(now);
                if let Some(d) = &mut self.details {
                    d.refresh(&sp, &c);
                }
            }
            Command::SelectExperiment(id) => self.select_experiment(id, now),
            Command::SelectScript(s) => {
                self.script = s;
                self.view = View::Dashboard;
            }
            Command::ApplyFilter => {
                self.filter = self.filter_input.trim().to_string();
                self.request_runs(now);
            }
            Command::OpenRun(id) => {
                self.details = Some(DetailsState::open(&id, &sp, &c));
                self.view = View::Details;
            }
            Command::ShowDashboard => self.view = View::Dashboard,
            Command::ToggleSelected(id) => {
                if let Some(i) = self.selected.iter().position(|s| *s == id) {
                    self.selected.remove(i);
                } else if self.selected.len() < MAX_COMPARE {
                    self.selected.push(id);
                }
            }
            Command::CompareSelected => {
                if (2..=MAX_COMPARE).contains(&self.selected.len()) {
                    self.compare = Some(CompareState::open(&self.selected, &sp, &c));
                    self.view = View::Compare;
                }
            }
            Command::ToggleColumn(col) => {
                let mut cols = self.columns();
                match cols.iter().position(|c| *c == col) {
                    Some(i) => {
                        cols.remove(i);
                    }
                    None => cols.push(col),
                }
                if let Some(e) = &self.experiment_id {
                    self.settings.columns.insert(e.clone(), cols);
                }
            }
            Command::ToggleChooser => self.chooser_open = !self.chooser_open,
            Command::SortBy(col) => {
                self.sort = match self.sort.take() {
                    Some((c, asc)) if c == col => Some((c, !asc)),
                    _ => Some((col, false)),
                };
            }
            Command::ToggleChart(key) => {
                if let Some(e) = &self.experiment_id {
                    let hidden = self.settings.hidden_charts.entry(e.clone()).or_default();
                    if !hidden.remove(&key) {
                        hidden.insert(key);
                    }
                }
            }
            Command::SetDark(dark) => self.settings.dark = dark,
            Command::SetRunAxis(a) => self.settings.run_axis = a,
            Command::SetSeriesOptions(o) => self.settings.series = o,
            Command::Preview(path) => {
                if let Some(d) = &mut self.details {
                    d.show_preview(&path, &sp, &c);
                }
            }
            Command::PickDownloadFolder => {
                if let Some(d) = &mut self.details {
                    d.pick_folder(&sp);
                }
            }
            Command::DownloadTo(dest) => {
                if let Some(d) = &mut self.details {
                    d.start_download(dest, &sp, &c);
                }
            }
            Command::SetOnlyDifferences(on) => {
                if let Some(cmp) = &mut self.compare {
                    cmp.only_differences = on;
                }
            }
            other => self.apply_tracked(other),
        }
    }
}
