//! Colours that stand for runs and groups, the same in every chart, the grid and every launch.

/// Run colours: distinct hues in a fixed order; run n takes colour n (mod the count), so a run
/// keeps its colour in every chart, the grid and every launch.
pub const PALETTE: [egui::Color32; 20] = [
    egui::Color32::from_rgb(31, 119, 180),
    egui::Color32::from_rgb(255, 127, 14),
    egui::Color32::from_rgb(44, 160, 44),
    egui::Color32::from_rgb(214, 39, 40),
    egui::Color32::from_rgb(148, 103, 189),
    egui::Color32::from_rgb(140, 86, 75),
    egui::Color32::from_rgb(227, 119, 194),
    egui::Color32::from_rgb(127, 127, 127),
    egui::Color32::from_rgb(188, 189, 34),
    egui::Color32::from_rgb(23, 190, 207),
    egui::Color32::from_rgb(57, 59, 121),
    egui::Color32::from_rgb(230, 85, 13),
    egui::Color32::from_rgb(49, 163, 84),
    egui::Color32::from_rgb(173, 73, 74),
    egui::Color32::from_rgb(107, 110, 207),
    egui::Color32::from_rgb(189, 158, 57),
    egui::Color32::from_rgb(206, 109, 189),
    egui::Color32::from_rgb(82, 84, 163),
    egui::Color32::from_rgb(99, 121, 57),
    egui::Color32::from_rgb(158, 218, 229),
];

pub fn run_color(run_number: i64) -> egui::Color32 {
    PALETTE[(run_number - 1).rem_euclid(PALETTE.len() as i64) as usize]
}
