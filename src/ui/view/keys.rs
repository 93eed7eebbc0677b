//! Keyboard shortcuts, read once a frame and turned into commands or view state, and the help
//! overlay that lists them. Keys that are also typed (arrows, Enter, Space, ?) only act when no
//! text box has the focus.

use super::super::command::Command;
use super::super::model::dashboard::DashboardModel;
use super::super::model::grid::GridLine;
use super::super::route::Route;
use super::super::view_state::ViewState;
use super::Ctx;
use egui::{Key, Modifiers};

/// Every shortcut, as the help lists it.
pub const SHORTCUTS: [(&str, &str); 8] = [
    ("Ctrl+F", "Type a filter"),
    ("Ctrl+R", "Refresh now"),
    ("Esc", "Back to the dashboard (or close this help)"),
    ("Up, Down", "Move through the runs in the grid"),
    ("Enter", "Open the run"),
    ("Space", "Tick the run for Compare"),
    ("C", "Compare the ticked runs"),
    ("F1 or ?", "Show or hide this help"),
];

/// Reads this frame's keys. `dashboard` is the dashboard's model when it is the open view.
pub fn handle(
    ui: &mut egui::Ui,
    ctx: &mut Ctx<'_>,
    route: &Route,
    dashboard: Option<&DashboardModel>,
    vs: &mut ViewState,
) {
    let typing = ui.ctx().memory(|m| m.focused().is_some());
    let (find, refresh) = ui.input_mut(|i| {
        (
            i.consume_key(Modifiers::COMMAND, Key::F),
            i.consume_key(Modifiers::COMMAND, Key::R),
        )
    });
    if find {
        vs.focus_filter = true;
    }
    if refresh {
        ctx.push(Command::Refresh);
    }
    if typing {
        return;
    }
    let pressed = |k: Key| ui.input(|i| i.key_pressed(k) && i.modifiers.is_none());
    if pressed(Key::F1) || ui.input(|i| i.key_pressed(Key::Questionmark)) {
        vs.help_open = !vs.help_open;
    }
    if pressed(Key::Escape) {
        if vs.help_open {
            vs.help_open = false;
        } else if vs.rename.is_some() || vs.describe.is_some() {
            // Esc in a rename or description box cancels the edit, not the page.
            vs.rename = None;
            vs.describe = None;
        } else if !matches!(route, Route::Dashboard) {
            ctx.push(Command::ShowDashboard);
        }
    }
    let Some(model) = dashboard.filter(|_| matches!(route, Route::Dashboard)) else {
        return;
    };
    let rows = &model.grid.rows;
    if rows.is_empty() {
        vs.grid_cursor = None;
        return;
    }
    // The rows shown, in order: a closed group's rows are stepped over.
    let shown: Vec<usize> = model
        .grid
        .lines(&vs.collapsed_groups)
        .into_iter()
        .filter_map(|l| match l {
            GridLine::Row(i) => Some(i),
            GridLine::Group(_) => None,
        })
        .collect();
    let (Some(&first), Some(&last)) = (shown.first(), shown.last()) else {
        vs.grid_cursor = None;
        return;
    };
    if pressed(Key::ArrowDown) {
        let next = vs
            .grid_cursor
            .map_or(first, |c| shown.iter().copied().find(|&i| i > c).unwrap_or(last));
        vs.grid_cursor = Some(next);
        vs.grid_cursor_moved = true;
    }
    if pressed(Key::ArrowUp) {
        let previous = vs
            .grid_cursor
            .map_or(first, |c| shown.iter().rev().copied().find(|&i| i < c).unwrap_or(first));
        vs.grid_cursor = Some(previous);
        vs.grid_cursor_moved = true;
    }
    // A cursor on a row no longer shown (its group closed, the rows changed) is on none.
    let at = vs.grid_cursor.filter(|c| shown.contains(c));
    vs.grid_cursor = at;
    if let Some(row) = at.and_then(|c| rows.get(c)) {
        if pressed(Key::Enter) {
            ctx.push(Command::OpenRun(row.run_id.clone()));
        }
        if pressed(Key::Space) {
            ctx.push(Command::ToggleSelected(row.run_id.clone()));
        }
    }
    if pressed(Key::C) {
        ctx.push(Command::CompareSelected);
    }
}

/// The list of shortcuts, over everything, while open.
pub fn help(ui: &mut egui::Ui, vs: &mut ViewState) {
    if !vs.help_open {
        return;
    }
    let mut open = true;
    egui::Window::new("Keyboard shortcuts")
        .collapsible(false)
        .resizable(false)
        .open(&mut open)
        .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
        .show(ui.ctx(), |ui| {
            egui::Grid::new("shortcuts")
                .num_columns(2)
                .spacing([24.0, 6.0])
                .show(ui, |ui| {
                    for (keys, what) in SHORTCUTS {
                        ui.strong(keys);
                        ui.label(what);
                        ui.end_row();
                    }
                });
        });
    vs.help_open = open;
}
