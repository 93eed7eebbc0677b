//! How each command changes the workbench: one exhaustive match, so a new variant cannot silently
//! do nothing. The logic applies the commands the last frame's views pushed, before it polls.

use super::command::{ChartView, Command, FeedId};
use super::compare_state::CompareState;
use super::details_state::DetailsState;
use super::model::series::XMode;
use super::models_state::ModelsState;
use super::restore_state::RestoreSource;
use super::route::Route;
use super::state::{MAX_COMPARE, Workbench};
use std::time::Instant;

impl Workbench {
    /// Applies one command. Every variant has its arm: a new one cannot silently do nothing.
    pub fn apply(&mut self, cmd: Command) {
        let now = Instant::now();
        let (sp, c) = (self.spawner.clone(), self.client.clone());
        match cmd {
            Command::Refresh => {
                self.request_experiments(now);
                self.request_runs(now);
                if let Some(d) = self.route.details_mut() {
                    d.refresh(&sp, &c);
                }
                match &mut self.route {
                    Route::Models(m) => m.refresh(&sp, &c),
                    Route::Trash(t) => t.refresh(&sp, &c),
                    Route::Dashboard | Route::Details(_) | Route::Compare(_) => {}
                }
            }
            Command::SelectExperiment(id) => self.select_experiment(id, now),
            Command::SelectScript(s) => {
                self.script = s;
                self.route = Route::Dashboard;
            }
            Command::ApplyFilter(text) => {
                self.filter = text.trim().to_string();
                self.request_runs(now);
            }
            Command::OpenRun(id) => self.route = Route::Details(Box::new(DetailsState::open(&id, &sp, &c))),
            Command::ShowDashboard => self.route = Route::Dashboard,
            Command::ShowModels => self.route = Route::Models(Box::new(ModelsState::open(&sp, &c))),
            Command::ChangeRun { run_id, change } => self.change_run(run_id, change),
            Command::ShowTrash => self.show_trash(),
            Command::DismissNotice => self.notice = None,
            Command::ToggleModel(name) => {
                if let Some(m) = self.route.models_mut() {
                    m.toggle_model(&name, &sp, &c);
                }
            }
            Command::ToggleSelected(id) => {
                if let Some(i) = self.selected.iter().position(|s| *s == id) {
                    self.selected.remove(i);
                } else {
                    // More than Compare takes may be ticked: the button says so, and the user
                    // chooses which to untick (nothing is dropped silently).
                    self.selected.push(id);
                    if self.selected.len() == MAX_COMPARE + 1 {
                        self.notice = Some(super::state_manage::Notice::info(format!(
                            "Compare takes {MAX_COMPARE} runs at most: {} are ticked. Untick one to compare.",
                            self.selected.len()
                        )));
                    }
                }
            }
            Command::CompareSelected => {
                if (2..=MAX_COMPARE).contains(&self.selected.len()) {
                    self.route = Route::Compare(Box::new(CompareState::open(&self.selected, &sp, &c)));
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
                if let Some(e) = self.experiment_key() {
                    self.settings.columns.insert(e, cols);
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
                if let Some(e) = self.experiment_key() {
                    let hidden = self.settings.hidden_charts.entry(e).or_default();
                    if !hidden.remove(&key) {
                        hidden.insert(key);
                    }
                }
            }
            Command::SetChartsMode(mode) => {
                if let Some(c) = self.curve_settings_mut() {
                    c.mode = Some(mode);
                }
            }
            Command::ViewCurves(key, view) => self.view_curves(&key, view),
            Command::ToggleCurvePin(key) => {
                if let Some(c) = self.curve_settings_mut()
                    && !c.pinned.remove(&key)
                {
                    c.pinned.insert(key);
                }
            }
            Command::ToggleCurveHidden(key) => {
                if let Some(c) = self.curve_settings_mut()
                    && !c.hidden.remove(&key)
                {
                    c.hidden.insert(key);
                }
            }
            Command::SetCurveOptions(o) => {
                if let Some(c) = self.curve_settings_mut() {
                    c.options = o;
                }
            }
            Command::SetChartOptions(key, o) => {
                if let Some(c) = self.curve_settings_mut() {
                    match o {
                        Some(o) => c.per_chart.insert(key, o),
                        None => c.per_chart.remove(&key),
                    };
                }
            }
            Command::ApplyChartOptionsToAll(key) => {
                if let Some(c) = self.curve_settings_mut() {
                    c.options = c.options_for(&key);
                    c.per_chart.clear();
                }
            }
            Command::SetGrouping(g) => {
                if let Some(c) = self.curve_settings_mut() {
                    c.grouping = g;
                }
            }
            Command::Brush(axis, brush) => self.brush(axis, brush),
            Command::ToggleParallelAxis(axis) => {
                let current = self
                    .dashboard_model()
                    .map(|m| m.parallel.axes.iter().map(|a| a.key.clone()).collect::<Vec<_>>())
                    .unwrap_or_default();
                if let Some(c) = self.curve_settings_mut() {
                    let mut axes = c.parallel_axes.clone().unwrap_or(current);
                    match axes.iter().position(|a| *a == axis) {
                        Some(i) => {
                            axes.remove(i);
                        }
                        None => axes.push(axis.clone()),
                    }
                    c.parallel_axes = Some(axes);
                }
                // A range on an axis no longer shown would narrow the runs unseen.
                if self.brushes.contains_key(&axis) {
                    self.brush(axis, None);
                }
            }
            Command::SetParallelColor(m) => {
                if let Some(c) = self.curve_settings_mut() {
                    // An empty name keeps "nothing" apart from "not chosen" (the default metric).
                    c.color_by = Some(m.unwrap_or_default());
                    c.color_by_param = None;
                }
            }
            Command::SetColorByParam(p) => {
                if let Some(c) = self.curve_settings_mut() {
                    c.color_by_param = Some(p);
                }
            }
            Command::SetCurveXMetric(k) => {
                if let Some(c) = self.curve_settings_mut() {
                    let x = if k.is_some() { XMode::Metric } else { XMode::Step };
                    // Charts on x "Metric" follow the choice; others keep theirs.
                    for o in std::iter::once(&mut c.options).chain(c.per_chart.values_mut()) {
                        if o.x == XMode::Metric || k.is_some() {
                            o.x = x;
                        }
                    }
                    c.x_metric = k;
                }
            }
            Command::SetBaseline(run) => {
                if let Some(c) = self.curve_settings_mut() {
                    c.baseline = run;
                }
            }
            Command::SetScatterX(k) => {
                if let Some(c) = self.curve_settings_mut() {
                    c.scatter_x = Some(k);
                }
            }
            Command::SetScatterY(k) => {
                if let Some(c) = self.curve_settings_mut() {
                    c.scatter_y = Some(k);
                }
            }
            Command::PickCsvFile => {
                let name = self.summary().map_or("runs".into(), |s| s.experiment.name.clone());
                self.csv_pick.open_save(
                    &sp,
                    "Save the grid as CSV",
                    format!("{name}-runs.csv"),
                    "No file chosen (or no file dialog on this desktop): Copy CSV puts the grid on the clipboard instead.",
                );
            }
            Command::SaveCsv(path) => self.save_csv(&path),
            Command::PickChartPng(key) => {
                let name = self.summary().map_or("runs".into(), |s| s.experiment.name.clone());
                let file: String = format!("{name}-{key}.png")
                    .chars()
                    .map(|c| {
                        if c.is_alphanumeric() || "-_.".contains(c) {
                            c
                        } else {
                            '_'
                        }
                    })
                    .collect();
                self.png_pick.open_save(
                    &sp,
                    "Save the chart as PNG",
                    file,
                    "No file chosen (or no file dialog on this desktop): the chart was not saved.",
                );
                self.png_pick_key = Some(key);
            }
            Command::ChartPngTo(key, path) => self.chart_picture = Some((key, path)),
            Command::ChartPictureTaken { image, region } => self.save_chart_png(&image, region),
            Command::Copied(what) => self.notice = Some(super::state_manage::Notice::info(format!("Copied {what}"))),
            Command::SetDark(dark) => self.settings.dark = dark,
            Command::SetRunAxis(a) => self.settings.run_axis = a,
            Command::SetSeriesOptions(o) => self.settings.series = o,
            Command::ViewSeries(id, view) => self.view_series(&id, view),
            Command::Preview(path) => {
                if let Some(d) = self.route.details_mut() {
                    d.show_preview(&path, &sp, &c);
                }
            }
            Command::LoadRunImage(path) => {
                if let Some(d) = self.route.details_mut() {
                    d.load_step_image(&path, &sp, &c);
                }
            }
            Command::LoadComparedImage(path, run) => {
                if let Some(cmp) = self.route.compare_mut() {
                    cmp.load_image(&path, run, &sp, &c);
                }
            }
            Command::PickDownloadFolder => {
                if let Some(d) = self.route.details_mut() {
                    d.pick_folder(&sp);
                }
            }
            Command::DownloadTo(dest) => {
                if let Some(d) = self.route.details_mut() {
                    d.start_download(dest, &sp, &c);
                }
            }
            Command::SetOnlyDifferences(on) => {
                if let Some(cmp) = self.route.compare_mut() {
                    cmp.only_differences = on;
                }
            }
            Command::CompareAtStep(step) => {
                if let Some(cmp) = self.route.compare_mut() {
                    cmp.show_at_step(step, &sp, &c);
                }
            }
            Command::PickProjectFolder => self.jobs.pick_folder(&sp),
            Command::OpenProjectFolder(dir) => self.open_project_folder(dir),
            Command::SelectProjectScript(s) => self.jobs.script = Some(s),
            Command::StartRun(args) => self.start_run(&args),
            Command::CancelJob(id) => self.jobs.cancel(&id),
            Command::ToggleJobs => self.jobs.panel_open = !self.jobs.panel_open,
            Command::RunDemo => self.run_demo(),
            Command::PlanRestore { run_id, run_number } => self.plan_restore(RestoreSource::Run { run_id, run_number }),
            Command::PlanRestoreSnapshot(id) => self.plan_restore(RestoreSource::Snapshot(id)),
            Command::ConfirmRestore => {
                if let Some(r) = &mut self.restore {
                    r.confirm(&sp, &c);
                }
            }
            Command::CloseRestore => self.restore = None,
            Command::ShowFileDiff { path, other } => self.show_file_diff(&path, other),
        }
    }

    /// A chart reported what it shows: its feed reads buckets for that.
    fn view_series(&mut self, id: &FeedId, view: ChartView) {
        let (sp, c, x) = (self.spawner.clone(), self.client.clone(), self.settings.series.x);
        match id {
            FeedId::Details(_) => {
                if let Some(d) = self.route.details_mut() {
                    d.view_series(id, x, view, &sp, &c);
                }
            }
            FeedId::Compare { .. } => {
                if let Some(cmp) = self.route.compare_mut() {
                    cmp.view_series(id, x, view, &sp, &c);
                }
            }
        }
    }
}
