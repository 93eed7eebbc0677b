//! The workbench's state and logic, apart from drawing: what is shown, what is fetched when, and
//! how each command changes it. eframe's `logic` runs this every frame, hidden window included.

use super::command::Command;
use super::compare_state::CompareState;
use super::curves_state::CurvesState;
use super::details_state::DetailsState;
use super::fetch::{Fetch, FetchError, Spawner};
use super::jobs_state::JobsState;
use super::model::columns::{ColumnKey, default_columns};
use super::model::dashboard::{DashboardInputs, DashboardModel};
use super::restore_state::RestoreState;
use super::route::Route;
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

pub struct Workbench {
    pub(super) client: HistoryClient,
    pub(super) spawner: Spawner,
    /// Where the data comes from, as the top bar says it.
    pub(super) source: String,
    /// The same, stable (a store's full path, a server's URL): per-experiment settings are kept
    /// under it with the experiment's id, so experiments of two stores never share columns.
    identity: String,
    pub(super) flavor: Fetch<Flavor>,
    pub(super) experiments: Fetch<Vec<Experiment>>,
    pub(super) runs: Fetch<ExperimentSummary>,
    pub(super) experiment_id: Option<String>,
    pub(super) script: Option<String>,
    /// Scripts seen in the experiment's unfiltered runs (the sidebar's list).
    pub(super) scripts: BTreeSet<String>,
    pub(super) filter: String,
    pub(super) route: Route,
    /// Run ids ticked for comparison, in the order they were ticked.
    pub(super) selected: Vec<String>,
    pub(super) sort: Option<(ColumnKey, bool)>,
    pub(super) chooser_open: bool,
    pub(super) settings: Settings,
    /// The project folder's run form and the jobs started from it.
    pub(super) jobs: JobsState,
    /// Where "Run the demo" writes the demo project.
    pub(super) demo_dir: std::path::PathBuf,
    /// The restore being planned, confirmed or done (its dialog is open while this is set).
    pub(super) restore: Option<RestoreState>,
    /// A change of a run on its way to the server.
    pub(super) changing: Fetch<super::state_manage::ChangeDone>,
    /// What the last change did (or why it was not made).
    pub(super) notice: Option<super::state_manage::Notice>,
    pub(super) dashboard: Option<(DashboardInputs, std::sync::Arc<DashboardModel>)>,
    /// The dashboard's learning curves.
    pub(super) curves: CurvesState,
    /// Ranges kept on parallel-coordinate axes: every view shows only the runs inside them.
    pub(super) brushes: std::collections::BTreeMap<super::model::parallel::AxisKey, super::model::parallel::Brush>,
    /// Counts changes of the brushes (the curves read again for the runs now in view).
    pub(super) brush_epoch: u64,
    /// The save dialog of a CSV export.
    pub(super) csv_pick: super::folder_pick::FolderPick,
    /// The file dialog for a chart's PNG, and the chart it is for.
    pub(super) png_pick: super::folder_pick::FolderPick,
    pub(super) png_pick_key: Option<String>,
    /// A chart to save as PNG (key, file) once the view has a picture of the window.
    pub(super) chart_picture: Option<(String, std::path::PathBuf)>,
    started: bool,
    last_runs_request: Option<Instant>,
    last_experiments_request: Option<Instant>,
}

impl Workbench {
    /// `source` is (what the top bar says, a stable identity of the store or server).
    pub fn new(client: HistoryClient, spawner: Spawner, source: (String, String), settings: Settings) -> Workbench {
        let (source, identity) = source;
        Workbench {
            client,
            spawner,
            source,
            identity,
            flavor: Fetch::default(),
            experiments: Fetch::default(),
            runs: Fetch::default(),
            experiment_id: None,
            script: None,
            scripts: BTreeSet::new(),
            filter: String::new(),
            route: Route::Dashboard,
            selected: Vec::new(),
            sort: None,
            chooser_open: false,
            settings,
            jobs: JobsState::default(),
            restore: None,
            changing: Fetch::default(),
            notice: None,
            demo_dir: std::env::current_dir().unwrap_or_default().join("runhistory-demo"),
            dashboard: None,
            curves: CurvesState::default(),
            brushes: Default::default(),
            brush_epoch: 0,
            csv_pick: Default::default(),
            png_pick: Default::default(),
            png_pick_key: None,
            chart_picture: None,
            started: false,
            last_runs_request: None,
            last_experiments_request: None,
        }
    }

    /// The runs of the chosen experiment as last fetched (kept while a refresh loads).
    pub fn runs(&self) -> &[RunDetail] {
        self.runs.value().map_or(&[], |s| s.runs.as_slice())
    }

    /// The experiment's runs as last fetched, if they have arrived.
    pub fn summary(&self) -> Option<&ExperimentSummary> {
        self.runs.value()
    }

    pub fn route(&self) -> &Route {
        &self.route
    }

    pub fn route_mut(&mut self) -> &mut Route {
        &mut self.route
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn base_url(&self) -> &str {
        self.client.base_url()
    }

    /// Why the history refuses writes (a TensorBoard logdir read in place); None when it takes them.
    pub fn read_only(&self) -> Option<&str> {
        self.client.read_only()
    }

    /// The user we are on a server with users.
    pub fn signed_in(&self) -> Option<&crate::api::users::User> {
        self.client.signed_in()
    }

    /// Whether anything may be changed: not in a history read in place, nor as a reader.
    pub fn may_write(&self) -> bool {
        self.read_only().is_none() && self.signed_in().is_none_or(|u| u.role.may_write())
    }

    /// The server is a stock MLflow server: our extensions are unavailable.
    pub fn is_mlflow(&self) -> bool {
        self.flavor.value() == Some(&Flavor::Mlflow)
    }

    pub fn experiments(&self) -> Option<&[Experiment]> {
        self.experiments.value().map(Vec::as_slice)
    }

    /// Why the experiments could not be read, when they never arrived.
    pub fn experiments_error(&self) -> Option<&FetchError> {
        self.experiments.error().filter(|_| self.experiments.value().is_none())
    }

    pub fn experiment_id(&self) -> Option<&str> {
        self.experiment_id.as_deref()
    }

    /// The scripts seen in the experiment's unfiltered runs (the sidebar's list).
    pub fn scripts(&self) -> &BTreeSet<String> {
        &self.scripts
    }

    pub fn script(&self) -> Option<&str> {
        self.script.as_deref()
    }

    /// The filter in force (what the server last searched with).
    pub fn filter(&self) -> &str {
        &self.filter
    }

    pub fn sort(&self) -> Option<&(ColumnKey, bool)> {
        self.sort.as_ref()
    }

    /// The dashboard charts hidden in this experiment.
    pub fn hidden_charts(&self) -> &BTreeSet<super::model::dashboard::ChartKey> {
        static NONE: BTreeSet<super::model::dashboard::ChartKey> = BTreeSet::new();
        self.experiment_key()
            .and_then(|e| self.settings.hidden_charts.get(&e))
            .unwrap_or(&NONE)
    }

    /// The key the chosen experiment's settings (columns, hidden charts) are kept under: the
    /// store or server, then the experiment.
    pub(super) fn experiment_key(&self) -> Option<String> {
        self.experiment_id.as_ref().map(|e| format!("{}#{e}", self.identity))
    }

    pub fn selected(&self) -> &[String] {
        &self.selected
    }

    pub fn chooser_open(&self) -> bool {
        self.chooser_open
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn jobs(&self) -> &JobsState {
        &self.jobs
    }

    /// Where "Run the demo" writes the demo project.
    pub fn set_demo_dir(&mut self, dir: std::path::PathBuf) {
        self.demo_dir = dir;
    }

    pub fn restore(&self) -> Option<&RestoreState> {
        self.restore.as_ref()
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
        self.experiment_key()
            .and_then(|e| self.settings.columns.get(&e).cloned())
            .unwrap_or_else(|| default_columns(self.runs()))
    }

    pub fn is_busy(&self) -> bool {
        self.jobs.is_starting()
            || self.experiments.is_loading()
            || self.runs.is_loading()
            || self.flavor.is_loading()
            || self.route.details().is_some_and(DetailsState::is_loading)
            || self.route.compare().is_some_and(CompareState::is_loading)
            || self.changing.is_loading()
            || self.curves.is_loading()
            || matches!(&self.route, Route::Models(m) if m.is_loading())
            || matches!(&self.route, Route::Trash(t) if t.runs.is_loading())
    }

    /// Once a frame, before drawing (eframe's `logic`): applies the commands the last frame's
    /// views pushed, takes finished fetches, starts the ones that are due and rebuilds models.
    pub fn logic(&mut self, now: Instant, commands: Vec<Command>) {
        for c in commands {
            self.apply(c);
        }
        self.poll(now);
    }

    fn poll(&mut self, now: Instant) {
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
        if self.notice.as_mut().is_some_and(|n| n.expired(now)) {
            self.notice = None;
        }
        self.flavor.poll();
        if self.experiments.poll() {
            self.choose_default_experiment(now);
        }
        if self.runs.poll()
            && let Some(s) = self.runs.value()
        {
            if self.filter.is_empty() {
                self.scripts = s.runs.iter().filter_map(|r| r.script_name.clone()).collect();
            }
            // A ticked run out of view (filtered out, deleted elsewhere) is unticked: Compare
            // counts the runs that can be seen.
            let runs = &s.runs;
            self.selected.retain(|id| runs.iter().any(|r| r.run_id == *id));
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
        let (sp, c, opts) = (self.spawner.clone(), self.client.clone(), self.settings.series);
        let now_ms = crate::api::ids::now_ms();
        if matches!(self.route, Route::Dashboard) {
            self.rebuild_dashboard(now_ms);
        }
        // Always: a read that lands while another page is open is taken, not left pending.
        self.poll_curves();
        if let Some(d) = self.route.details_mut() {
            d.poll(&sp, &c, &opts, now_ms);
            let running = d.run.value().is_some_and(|r| !r.status.is_terminal());
            let due = d
                .refreshed
                .is_none_or(|t| now.saturating_duration_since(t) >= LIVE_REFRESH);
            if running && due && !d.run.is_loading() {
                d.refresh(&sp, &c);
            }
        }
        if let Some(cmp) = self.route.compare_mut() {
            cmp.poll(&sp, &c, &opts, now_ms);
        }
        match &mut self.route {
            Route::Models(m) => m.poll(),
            Route::Trash(t) => t.poll(),
            Route::Dashboard | Route::Details(_) | Route::Compare(_) => {}
        }
        self.poll_change(now);
        self.poll_exports();
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

    pub(super) fn request_runs(&mut self, now: Instant) {
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
        self.curves.clear();
        self.brushes.clear();
        self.brush_epoch += 1;
        self.route = Route::Dashboard;
        self.request_runs(now);
    }
}
