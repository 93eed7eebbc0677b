//! Grouped learning curves: the controls that choose a grouping, and each group drawn as its
//! line with a filled band.

use super::super::command::Command;
use super::super::model::curves::CurveChart;
use super::super::model::groups::{Aggregate, Band, Grouping};
use super::super::model::series::XMode;
use super::Ctx;
use super::curves::CurvesPage;
use super::palette::PALETTE;

/// Group colours: the palette in order, group i taking colour i.
pub(super) fn group_color(slot: usize) -> egui::Color32 {
    PALETTE[slot % PALETTE.len()]
}

/// Each group's band (filled, faint) and line.
pub(super) fn paint_groups(painter: &egui::Painter, chart: &CurveChart, to_screen: &impl Fn([f64; 2]) -> [f32; 2]) {
    for g in &chart.groups {
        let color = group_color(g.slot);
        let fill = color.gamma_multiply(0.25);
        let mut mesh = egui::Mesh::default();
        for w in g.points.windows(2) {
            let base = mesh.vertices.len() as u32;
            for p in [
                [w[0][0], w[0][2]],
                [w[0][0], w[0][3]],
                [w[1][0], w[1][3]],
                [w[1][0], w[1][2]],
            ] {
                mesh.colored_vertex(to_screen(p).into(), fill);
            }
            mesh.add_triangle(base, base + 1, base + 2);
            mesh.add_triangle(base, base + 2, base + 3);
        }
        painter.add(egui::Shape::mesh(mesh));
        // Where only some of the group's runs reach, the line is of those alone: drawn fainter.
        for (k, w) in g.points.windows(2).enumerate() {
            let whole =
                g.covering.get(k).is_some_and(|c| *c == g.runs) && g.covering.get(k + 1).is_some_and(|c| *c == g.runs);
            let stroke = if whole {
                egui::Stroke::new(2.0, color)
            } else {
                egui::Stroke::new(1.2, color.gamma_multiply(0.5))
            };
            let (a, b) = (to_screen([w[0][0], w[0][1]]), to_screen([w[1][0], w[1][1]]));
            painter.line_segment([a.into(), b.into()], stroke);
        }
    }
}

/// Group by, the group's line and its band.
pub(super) fn grouping_controls(ui: &mut egui::Ui, ctx: &mut Ctx<'_>, page: &CurvesPage<'_>) {
    let current = page.settings.grouping.clone();
    let label = current.as_ref().map_or("no grouping".to_string(), |g| g.by.label());
    // Each box named by the label before it (screen readers, and the tests, find it by that).
    let name = ui.label("Group by:");
    egui::ComboBox::from_id_salt("group_by")
        .selected_text(label)
        .show_ui(ui, |ui| {
            if ui.selectable_label(current.is_none(), "no grouping").clicked() {
                ctx.push(Command::SetGrouping(None));
            }
            for by in page.group_keys {
                let on = current.as_ref().is_some_and(|g| g.by == *by);
                if ui.selectable_label(on, by.label()).clicked() {
                    let g = Grouping {
                        by: by.clone(),
                        aggregate: current.as_ref().map_or(Aggregate::Mean, |g| g.aggregate),
                        band: current.as_ref().map_or(Band::MinMax, |g| g.band),
                    };
                    ctx.push(Command::SetGrouping(Some(g)));
                }
            }
        })
        .response
        .labelled_by(name.id);
    if let Some(g) = current {
        for a in Aggregate::ALL {
            if ui.radio(g.aggregate == a, a.label()).clicked() {
                ctx.push(Command::SetGrouping(Some(Grouping {
                    aggregate: a,
                    ..g.clone()
                })));
            }
        }
        let name = ui.label("band:");
        egui::ComboBox::from_id_salt("group_band")
            .selected_text(g.band.label())
            .show_ui(ui, |ui| {
                for b in Band::ALL {
                    if ui.selectable_label(g.band == b, b.label()).clicked() {
                        ctx.push(Command::SetGrouping(Some(Grouping { band: b, ..g.clone() })));
                    }
                }
            })
            .response
            .labelled_by(name.id);
        if page.settings.options.x == XMode::WallTime {
            ui.colored_label(ui.visuals().warn_fg_color, "runs at different times do not overlap on wall time")
                .on_hover_text("A group averages its runs at each x: on wall time, runs that ran one after another share no x. Step or relative time lines them up.");
        }
    }
}

/// A swatch and name per group, with its run count: at most three lines, scrolled beyond, so the
/// groups of a param of many values never push the charts and the grid off a small window.
pub(super) fn legend(ui: &mut egui::Ui, chart: &CurveChart) {
    let line = ui.text_style_height(&egui::TextStyle::Body) + ui.spacing().item_spacing.y;
    egui::ScrollArea::vertical()
        .id_salt("group_legend")
        .max_height(3.0 * line)
        .auto_shrink([false, true])
        .show(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                for g in &chart.groups {
                    let (rect, _) = ui.allocate_exact_size(egui::vec2(14.0, 4.0), egui::Sense::hover());
                    ui.painter().rect_filled(rect, 1.0, group_color(g.slot));
                    ui.label(format!("{} ({})", g.label, g.runs));
                    ui.add_space(8.0);
                }
            });
        });
}
