//! What the workbench remembers between launches (eframe stores it; window size is eframe's own).

use super::model::columns::ColumnKey;
use super::model::dashboard::{ChartKey, RunAxis};
use super::model::groups::Grouping;
use super::model::parallel::AxisKey;
use super::model::series::SeriesOptions;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub dark: bool,
    /// Chosen grid columns, by store (or server) and experiment id (`<store>#<id>`); an experiment
    /// without an entry shows the defaults.
    pub columns: BTreeMap<String, Vec<ColumnKey>>,
    /// Dashboard charts hidden, by store (or server) and experiment id, as columns are.
    pub hidden_charts: BTreeMap<String, BTreeSet<ChartKey>>,
    pub run_axis: RunAxis,
    /// The dashboard's charts of learning curves, by store (or server) and experiment id.
    pub curves: BTreeMap<String, CurveSettings>,
    /// How series charts draw (x, smoothing, log scale): for this session only, so a smoothing
    /// chosen for one run does not come back on another after a restart.
    #[serde(skip)]
    pub series: SeriesOptions,
    pub last_experiment: Option<String>,
    /// The project folder tracked runs start from.
    pub project_folder: Option<std::path::PathBuf>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            dark: true,
            columns: BTreeMap::new(),
            hidden_charts: BTreeMap::new(),
            run_axis: RunAxis::Number,
            curves: BTreeMap::new(),
            series: SeriesOptions::default(),
            last_experiment: None,
            project_folder: None,
        }
    }
}

/// Which charts the dashboard shows above the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChartsMode {
    /// A chart per value over the runs (the seed's dashboard).
    OverRuns,
    /// A chart per metric with one line per run over steps or time.
    Curves,
    /// An axis per param or metric, a line per run; brushing an axis narrows the runs.
    Parallel,
    /// A point per run on two params or metrics, coloured by a third.
    Scatter,
}

/// One experiment's learning-curve charts: what they show and how.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CurveSettings {
    /// None: curves when the runs logged any metric more than once, else values over runs.
    pub mode: Option<ChartsMode>,
    pub pinned: BTreeSet<String>,
    pub hidden: BTreeSet<String>,
    /// x axis, smoothing and log scale of the experiment's curve charts...
    pub options: SeriesOptions,
    /// ...but for those given their own, by metric key.
    pub per_chart: BTreeMap<String, SeriesOptions>,
    /// Curves drawn per group of runs (None: a line per run).
    pub grouping: Option<Grouping>,
    /// The parallel coordinates' axes (None: the params that differ, then metrics).
    pub parallel_axes: Option<Vec<AxisKey>>,
    /// The metric that colours the parallel coordinates' lines and the scatter's points (None:
    /// the first metric on the axes; empty: none).
    pub color_by: Option<String>,
    /// A param that colours them instead (its values' scale: numbers, logs, or categories).
    pub color_by_param: Option<String>,
    /// The scatter's x and y (None: the first param that differs, the first metric).
    pub scatter_x: Option<AxisKey>,
    pub scatter_y: Option<AxisKey>,
    /// The metric a curve chart with x "Metric" puts on x (its value at the same step).
    pub x_metric: Option<String>,
    /// The run the grid measures every other run against, in % (by run id).
    pub baseline: Option<String>,
}

impl CurveSettings {
    /// The options one chart draws with: its own, else the experiment's.
    pub fn options_for(&self, key: &str) -> SeriesOptions {
        self.per_chart.get(key).copied().unwrap_or(self.options)
    }
}

/// The key eframe stores the settings under.
pub const STORAGE_KEY: &str = "runhistory-workbench";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_options_are_not_remembered_across_launches() {
        let settings = Settings {
            series: SeriesOptions {
                smoothing: 0.91,
                log_y: true,
                ..Default::default()
            },
            ..Default::default()
        };
        let stored = serde_json::to_value(&settings).unwrap();
        assert!(stored.get("series").is_none(), "{stored}");
        let back: Settings = serde_json::from_value(stored).unwrap();
        assert_eq!(back.series, SeriesOptions::default());
        assert_eq!(back.dark, settings.dark);
    }
}
