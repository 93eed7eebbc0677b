//! What only the views own: text being typed, textures made from decoded pixels, and where charts
//! were last drawn. The logic never reads it; views hand what the user settled on to it as commands.

use super::model::dashboard::ChartKey;
use std::collections::BTreeMap;

#[derive(Default)]
pub struct ViewState {
    /// The share of the dashboard's height its charts may take (the splitter above the grid
    /// moves it), and where that splitter was drawn.
    pub charts_share: ChartsShare,
    pub splitter: Option<egui::Rect>,
    /// The filter box of the top bar.
    pub filter_input: String,
    /// Ctrl+F was pressed: the filter box takes the focus on the next frame.
    pub focus_filter: bool,
    /// The keyboard help is open (F1 or ?).
    pub help_open: bool,
    /// The grid's groups shown by their header alone (a click on a header opens or closes it).
    pub collapsed_groups: std::collections::BTreeSet<String>,
    /// How far the grid is scrolled down: its pinned part (tick and name) and the rest follow it.
    pub grid_scroll: f32,
    /// The grid's group header under the pointer last frame: both parts of the grid highlight it.
    pub hovered_group: Option<String>,
    /// The grid row the arrow keys are on (Enter opens it, Space ticks it).
    pub grid_cursor: Option<usize>,
    /// The cursor moved this frame: the grid scrolls to it (and otherwise leaves scrolling alone).
    pub grid_cursor_moved: bool,
    /// Where the filter box's completions were drawn last frame (None: not shown).
    pub completions_rect: Option<egui::Rect>,
    /// The column chooser's search box.
    pub chooser_search: String,
    /// The download destination typed in details (also the way when no file dialog is available).
    pub dest_input: String,
    /// The project folder typed in the sidebar.
    pub folder_input: String,
    /// The arguments box of the run form.
    pub args_input: String,
    /// The previewed image of the open run: (run id, path, preview generation) and its texture.
    pub preview_texture: Option<((String, String, u64), egui::TextureHandle)>,
    /// Compared images by (run id, path).
    pub compare_textures: BTreeMap<(String, String), egui::TextureHandle>,
    /// The step each images-over-steps slider is at, by page and key (`details:<key>`).
    pub image_steps: BTreeMap<String, i64>,
    /// Where compare marked the metrics' step on each series chart, by key (screen x).
    pub step_marks: BTreeMap<String, f32>,
    /// The metrics' step in compare that the images were last moved to.
    pub images_follow_step: Option<i64>,
    /// Images over steps as textures, by run id and path.
    pub step_textures: BTreeMap<String, egui::TextureHandle>,
    /// The image each images-over-steps place showed last, with its size (kept while the next
    /// step's is read).
    pub step_shown: BTreeMap<String, (egui::TextureHandle, [usize; 2])>,
    /// The job whose Cancel was clicked once: it asks before stopping the run.
    pub confirm_cancel: Option<String>,
    /// A rename or description box just opened: it takes the keyboard on its first frame.
    pub focus_edit: bool,
    /// The name being typed for a run: (run id, text).
    pub rename: Option<(String, String)>,
    /// The description being written for a run: (run id, text).
    pub describe: Option<(String, String)>,
    /// The tag being added in details.
    pub tag_key: String,
    pub tag_value: String,
    /// Laid-out markdown of descriptions.
    pub markdown: egui_commonmark::CommonMarkCache,
    /// Where each dashboard chart was last drawn, so a point can be found on screen (tests click them).
    pub chart_frames: BTreeMap<ChartKey, egui_plot::PlotTransform>,
    /// Series charts asked to show their whole series again (drawn reset on the next frame).
    pub reset_charts: std::collections::BTreeSet<String>,
    /// Every curve chart goes back to its whole curves this frame (their x axes are linked), as
    /// asked in the last one.
    pub reset_all_curves: bool,
    pub reset_all_curves_next: bool,
    /// The parallel coordinates' plot area and its axes' top and bottom, last drawn (tests drag on it).
    pub parallel_frame: Option<(egui::Rect, f32, f32)>,
    /// A drag along a parallel-coordinates axis: (axis index, where it started and where it is
    /// now, each from 0 at the bottom to 1 at the top).
    pub parallel_drag: Option<(usize, f64, f64)>,
    /// Where the scatter was last drawn (tests click its points).
    pub scatter_frame: Option<egui_plot::PlotTransform>,
    /// The learning-curve charts' search box, and that search compiled.
    pub curve_search: String,
    pub curve_filter: Option<super::model::curves::KeyFilter>,
    /// Where each learning-curve chart was last drawn, by metric key (tests hover and click them).
    pub curve_frames: BTreeMap<String, egui_plot::PlotTransform>,
    /// Where each dashboard chart was last drawn with its header, by the name its PNG is saved
    /// under (a curve chart's metric key, "parallel coordinates", "scatter", "<value> over runs"):
    /// a PNG of it is cut from there.
    pub chart_rects: BTreeMap<String, egui::Rect>,
    /// A picture of the window asked for (it arrives from the renderer), with the chart's region
    /// in it, and the file it was asked for.
    pub picture: Option<(std::sync::mpsc::Receiver<std::sync::Arc<egui::ColorImage>>, [usize; 4])>,
    pub picture_for: Option<std::path::PathBuf>,
    /// Each curve chart's texture of many lines, with the stamp of what it was drawn from.
    pub curve_textures: BTreeMap<String, (TextureStamp, egui::TextureHandle)>,
    /// The run under the pointer last frame (a curve or a grid row): every chart and the grid
    /// highlight it.
    pub hovered_run: Option<String>,
    /// The same, found while drawing this frame.
    pub hovered_next: Option<String>,
    /// Where each series chart was last drawn, by chart id (the benchmark zooms them).
    pub series_frames: BTreeMap<String, egui_plot::PlotTransform>,
}

/// A share of the dashboard's height, from 0 to 1: over half for the charts at first.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChartsShare(pub f32);

impl Default for ChartsShare {
    fn default() -> Self {
        ChartsShare(0.55)
    }
}

/// What a curve chart's texture was drawn from: the chart (held weakly, so a chart built anew is
/// never taken for it and an old one is not kept alive), the texture's size in pixels, the
/// chart's bounds (x min, y min, x max, y max) and whether the lines were dimmed.
#[derive(Debug, Clone)]
pub struct TextureStamp {
    pub chart: std::sync::Weak<super::model::curves::CurveChart>,
    pub size: [usize; 2],
    pub bounds: [f64; 4],
    pub dim: bool,
}

impl PartialEq for TextureStamp {
    fn eq(&self, o: &TextureStamp) -> bool {
        std::sync::Weak::ptr_eq(&self.chart, &o.chart)
            && self.size == o.size
            && self.bounds.map(f64::to_bits) == o.bounds.map(f64::to_bits)
            && self.dim == o.dim
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::model::curves::CurveChart;
    use std::sync::Arc;

    #[test]
    fn a_texture_is_drawn_again_for_a_new_chart_view_size_or_dimming_only() {
        let chart = Arc::new(CurveChart::default());
        let stamp = |c: &Arc<CurveChart>, size, x_max, dim| TextureStamp {
            chart: Arc::downgrade(c),
            size,
            bounds: [0.0, 0.0, x_max, 1.0],
            dim,
        };
        let drawn = stamp(&chart, [100, 50], 10.0, false);
        assert_eq!(drawn, stamp(&chart, [100, 50], 10.0, false));
        // The same lines built anew are a new chart, even with equal contents.
        assert_ne!(drawn, stamp(&Arc::new(CurveChart::default()), [100, 50], 10.0, false));
        assert_ne!(drawn, stamp(&chart, [101, 50], 10.0, false));
        assert_ne!(drawn, stamp(&chart, [100, 50], 11.0, false));
        assert_ne!(drawn, stamp(&chart, [100, 50], 10.0, true));
        // The stamp does not keep its chart alive.
        drop(chart);
        assert!(drawn.chart.upgrade().is_none());
    }
}
