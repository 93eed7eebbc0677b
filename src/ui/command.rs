//! Every action a view can ask for, in one enum: views push commands while drawing, and the
//! workbench's logic applies them before the next frame (matched exhaustively, so a new variant
//! cannot silently do nothing).

use super::model::columns::ColumnKey;
use super::model::dashboard::{ChartKey, RunAxis};
use super::model::groups::Grouping;
use super::model::parallel::{AxisKey, Brush};
use super::model::series::SeriesOptions;
use super::settings::ChartsMode;
use super::state_manage::RunChange;
use std::path::PathBuf;

/// Which series feed a chart draws: one per series of the open run, or per (series, run) compared.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum FeedId {
    Details(String),
    Compare { key: String, run: usize },
}

/// What a series chart shows now: its visible x range once zoomed or panned (None: the whole
/// series) and its width in pixels. The feed reads buckets for exactly this.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChartView {
    pub range: Option<(f64, f64)>,
    pub px: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Fetch experiments and runs again now (also the banner's Retry).
    Refresh,
    SelectExperiment(String),
    SelectScript(Option<String>),
    /// Search with this filter (the filter box's text; empty clears it).
    ApplyFilter(String),
    OpenRun(String),
    ShowDashboard,
    /// Open the registered models page.
    ShowModels,
    /// Show (or hide) one registered model's versions.
    ToggleModel(String),
    /// Change a run: rename, describe, tag, trash, restore.
    ChangeRun {
        run_id: String,
        change: RunChange,
    },
    /// Open the chosen experiment's trash.
    ShowTrash,
    DismissNotice,
    /// Add a run to, or take it from, the runs to compare.
    ToggleSelected(String),
    CompareSelected,
    ToggleColumn(ColumnKey),
    /// Open or close the column chooser.
    ToggleChooser,
    /// Sort the grid by a column; again on the same column reverses.
    SortBy(ColumnKey),
    ToggleChart(ChartKey),
    /// Show values over runs or learning curves above the grid (this experiment).
    SetChartsMode(ChartsMode),
    /// A learning-curve chart came on screen or its view changed: read its curves for it.
    ViewCurves(String, ChartView),
    /// Pin a curve chart first (again: unpin).
    ToggleCurvePin(String),
    /// Hide a curve chart (again: show it).
    ToggleCurveHidden(String),
    /// x axis, smoothing and log scale of this experiment's curve charts.
    SetCurveOptions(SeriesOptions),
    /// One curve chart's own options (None: back to the experiment's).
    SetChartOptions(String, Option<SeriesOptions>),
    /// A chart's options for every curve chart of the experiment (the charts' own ones dropped).
    ApplyChartOptionsToAll(String),
    /// Put this metric on every curve chart's x (None: back to steps).
    SetCurveXMetric(Option<String>),
    /// Draw curves per group of runs (None: a line per run).
    SetGrouping(Option<Grouping>),
    /// Keep only the runs in this range of an axis (None: clear the axis's range).
    Brush(AxisKey, Option<Brush>),
    /// Add an axis to the parallel coordinates, or take it away.
    ToggleParallelAxis(AxisKey),
    /// Colour the parallel coordinates and the scatter by this metric (None: by nothing).
    SetParallelColor(Option<String>),
    /// Colour them by this param instead.
    SetColorByParam(String),
    SetScatterX(AxisKey),
    SetScatterY(AxisKey),
    /// Measure every run of the grid against this one in % (None: no baseline).
    SetBaseline(Option<String>),
    /// Ask for a file (without blocking the window), then save the grid there as CSV.
    PickCsvFile,
    /// Save the grid as it is shown (columns, rows, order) as CSV.
    SaveCsv(PathBuf),
    /// Ask for a file (without blocking the window), then save this curve chart there as PNG.
    PickChartPng(String),
    /// Save this curve chart as PNG here: the view takes a picture of the window next frame.
    ChartPngTo(String, PathBuf),
    /// The window's picture for the chart asked for: `region` is the chart's [x, y, width,
    /// height] in its pixels.
    ChartPictureTaken {
        image: std::sync::Arc<egui::ColorImage>,
        region: [usize; 4],
    },
    /// Something was put on the clipboard: say what.
    Copied(String),
    SetDark(bool),
    SetRunAxis(RunAxis),
    SetSeriesOptions(SeriesOptions),
    /// A series chart's view changed (zoom, pan, width): read buckets for it.
    ViewSeries(FeedId, ChartView),
    /// Show an artifact of the open run.
    Preview(String),
    /// Read an image the open run logged at a step (the step slider came to it).
    LoadRunImage(String),
    /// Read compared run `1`'s image at path `0` (logged at a step).
    LoadComparedImage(String, usize),
    /// Ask for a folder (without blocking the window), then download into it.
    PickDownloadFolder,
    DownloadTo(PathBuf),
    SetOnlyDifferences(bool),
    /// Show every compared metric at this step (None: stop).
    CompareAtStep(Option<i64>),
    /// Ask for a project folder (without blocking the window).
    PickProjectFolder,
    OpenProjectFolder(PathBuf),
    SelectProjectScript(String),
    /// Start a tracked run of the chosen script with these arguments (as typed, shell-like).
    StartRun(String),
    CancelJob(String),
    ToggleJobs,
    /// Write the demo project and start its eight runs.
    RunDemo,
    /// Work out what restoring the project folder to a run's start would change (then confirm).
    PlanRestore {
        run_id: String,
        run_number: i64,
    },
    /// The same for a snapshot: the undo of a restore.
    PlanRestoreSnapshot(i64),
    ConfirmRestore,
    CloseRestore,
    /// Show the text diff of a file between the first compared run and run `other`.
    ShowFileDiff {
        path: String,
        other: usize,
    },
}
