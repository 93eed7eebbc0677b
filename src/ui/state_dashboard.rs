//! The dashboard's models, built by the logic: the grid and the charts over runs (rebuilt only
//! when their inputs change), and the learning curves (read for the charts on screen).

use super::command::ChartView;
use super::curves_state::{ChartRead, CurveLook, CurvesState};
use super::model::dashboard::{DashboardInputs, DashboardModel, Narrowing, dashboard_model, runs_in_view};
use super::model::export::grid_csv;
use super::model::parallel::{AxisKey, Brush};
use super::settings::CurveSettings;
use super::state::Workbench;
use super::state_manage::Notice;
use std::hash::{Hash, Hasher};

impl Workbench {
    /// The dashboard's model as the logic last built it.
    pub fn dashboard_model(&self) -> Option<std::sync::Arc<DashboardModel>> {
        self.dashboard.as_ref().map(|(_, m)| m.clone())
    }

    /// Rebuilds the dashboard's model, only when the runs or the choices it depends on changed.
    pub(super) fn rebuild_dashboard(&mut self, now_ms: i64) -> std::sync::Arc<DashboardModel> {
        let live = self.runs().iter().any(|r| !r.status.is_terminal());
        let inputs = DashboardInputs {
            runs_generation: self.runs.generation(),
            script: self.script.clone(),
            columns: self
                .experiment_key()
                .and_then(|e| self.settings.columns.get(&e).cloned()),
            sort: self.sort.clone(),
            axis: self.settings.run_axis,
            hidden: self.hidden_charts().clone(),
            live_second: if live { now_ms / 1000 } else { 0 },
            narrowing: Narrowing {
                brushes: self.brushes.clone(),
                axes: self.curve_settings().parallel_axes.clone(),
                color_by: self.curve_settings().color_by.clone(),
                color_by_param: self.curve_settings().color_by_param.clone(),
                scatter: (
                    self.curve_settings().scatter_x.clone(),
                    self.curve_settings().scatter_y.clone(),
                ),
            },
            baseline: self.curve_settings().baseline.clone(),
            group_by: self.curve_settings().grouping.as_ref().map(|g| g.by.clone()),
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

    /// A stamp of the runs the dashboard shows: it changes when the runs were read again or
    /// another script was chosen.
    pub fn runs_stamp(&self) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (self.runs.generation(), &self.script, self.brush_epoch).hash(&mut h);
        h.finish()
    }

    pub fn curves(&self) -> &CurvesState {
        &self.curves
    }

    /// The chosen experiment's learning-curve settings.
    pub fn curve_settings(&self) -> &CurveSettings {
        static DEFAULT: std::sync::LazyLock<CurveSettings> = std::sync::LazyLock::new(CurveSettings::default);
        self.experiment_key()
            .and_then(|e| self.settings.curves.get(&e))
            .unwrap_or(&DEFAULT)
    }

    /// The same, to change (None before an experiment is chosen).
    pub(super) fn curve_settings_mut(&mut self) -> Option<&mut CurveSettings> {
        let e = self.experiment_key()?;
        Some(self.settings.curves.entry(e).or_default())
    }

    /// A curve chart came on screen or its view changed: read its runs' buckets for it.
    pub(super) fn view_curves(&mut self, key: &str, view: ChartView) {
        let stamp = self.runs_stamp();
        let x = self.curve_settings().options_for(key).x;
        let x_key = self.curve_settings().x_metric.clone();
        let all = self.runs.value().map_or(&[][..], |s| s.runs.as_slice());
        let runs = runs_in_view(all, self.script.as_deref(), &self.brushes);
        let wanted = ChartRead {
            key,
            x: (x, x_key.as_deref()),
            view,
            runs: &runs,
            runs_generation: stamp,
        };
        self.curves.read(&wanted, &self.spawner, &self.client);
    }

    /// Takes finished curve reads and rebuilds the charts whose runs, reads or options changed.
    pub(super) fn poll_curves(&mut self) {
        let stamp = self.runs_stamp();
        if !self.curves.needs_poll(stamp, self.curve_settings()) {
            return;
        }
        let look = CurveLook {
            opts: self.curve_settings().options,
            grouping: self.curve_settings().grouping.clone(),
            per_chart: self.curve_settings().per_chart.clone(),
        };
        let all = self.runs.value().map_or(&[][..], |s| s.runs.as_slice());
        let runs = runs_in_view(all, self.script.as_deref(), &self.brushes);
        self.curves.poll(&runs, stamp, &look);
    }

    /// Keeps only the runs in a range of an axis (None: clears the axis).
    pub(super) fn brush(&mut self, axis: AxisKey, brush: Option<Brush>) {
        match brush {
            Some(b) => self.brushes.insert(axis, b),
            None => self.brushes.remove(&axis),
        };
        self.brush_epoch += 1;
    }

    /// The grid as shown, as CSV, written to `path`; the notice says how it went.
    pub(super) fn save_csv(&mut self, path: &std::path::Path) {
        let now = crate::api::ids::now_ms();
        let model = self.rebuild_dashboard(now);
        let text = grid_csv(&model.grid, self.runs(), now);
        let notice = match std::fs::write(path, text) {
            Ok(()) => Notice::info(format!(
                "Saved {} to {}",
                crate::format::runs(model.grid.rows.len()),
                path.display()
            )),
            Err(e) => Notice::error(format!("Cannot write {}: {e}", path.display())),
        };
        self.notice = Some(notice);
    }

    /// Takes the file chosen in a CSV or PNG save dialog (or says why none was).
    pub(super) fn poll_exports(&mut self) {
        if let Some(path) = self.csv_pick.poll() {
            self.save_csv(&path);
        } else if let Some(note) = self.csv_pick.note.take() {
            self.notice = Some(Notice::info(note));
        }
        if let Some(path) = self.png_pick.poll() {
            if let Some(key) = self.png_pick_key.take() {
                self.chart_picture = Some((key, path));
            }
        } else if let Some(note) = self.png_pick.note.take() {
            self.notice = Some(Notice::info(note));
        }
    }

    /// The chart waiting for a picture of the window to be saved as PNG: (key, file).
    pub fn chart_picture(&self) -> Option<&(String, std::path::PathBuf)> {
        self.chart_picture.as_ref()
    }

    /// Cuts the chart asked for out of the window's picture and writes it as PNG.
    pub(super) fn save_chart_png(&mut self, image: &egui::ColorImage, region: [usize; 4]) {
        let Some((key, path)) = self.chart_picture.take() else {
            return;
        };
        let rgba: Vec<u8> = image.pixels.iter().flat_map(|c| c.to_array()).collect();
        let written = super::model::export::png_of_region(image.size, &rgba, region)
            .and_then(|png| std::fs::write(&path, png).map_err(|e| e.to_string()));
        self.notice = Some(match written {
            Ok(()) => Notice::info(format!("Saved the {key} chart to {}", path.display())),
            Err(e) => Notice::error(format!("Cannot save the {key} chart to {}: {e}", path.display())),
        });
    }
}
