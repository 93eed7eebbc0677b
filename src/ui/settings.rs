//! What the workbench remembers between launches (eframe stores it; window size is eframe's own).

use super::model::columns::ColumnKey;
use super::model::dashboard::{ChartKey, RunAxis};
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
    /// Dashboard charts hidden, by experiment id.
    pub hidden_charts: BTreeMap<String, BTreeSet<ChartKey>>,
    pub run_axis: RunAxis,
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
            series: SeriesOptions::default(),
            last_experiment: None,
            project_folder: None,
        }
    }
}

/// The key eframe stores the settings under.
pub const STORAGE_KEY: &str = "runhistory-workbench";
