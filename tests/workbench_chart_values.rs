//! Reading what the charts show out of the workbench, driven headlessly over a real store:
//! compare's values at a chosen step, and a curve chart saved as PNG.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at its first failure"
)]

mod common;

use common::curves::{curves_drawn, seed};
use common::{harness, settle};
use egui_kittest::kittest::Queryable;
use runhistory::ui::command::Command;
use runhistory::ui::settings::Settings;

#[test]
fn compare_shows_every_metric_at_a_chosen_step() {
    use runhistory::format::g;
    let dir = tempfile::tempdir().unwrap();
    let ids = seed(dir.path(), 2, &["loss"]);
    let mut h = harness(dir.path(), Settings::default());
    settle(&mut h, "the runs", |a| a.wb.runs().len() == 2);
    for id in &ids {
        h.state_mut().wb.apply(Command::ToggleSelected(id.clone()));
    }
    h.state_mut().wb.apply(Command::CompareSelected);
    settle(&mut h, "both runs compared", |a| {
        a.wb.route().compare().is_some_and(|c| c.model().is_some())
    });
    h.get_by_role_and_label(egui::accesskit::Role::CheckBox, "show").click();
    settle(&mut h, "the values at the last step", |a| {
        a.wb.route().compare().is_some_and(|c| c.values_at.value().is_some())
    });
    // Run i logged 10 i + 1 / (step + 1); the slider starts at the last step, 199.
    h.get_by_label("Step 199");
    let latest = g(10.0 + 1.0 / 200.0);
    assert_eq!(
        h.get_all_by_label(&latest).count(),
        2,
        "the latest value, and the same at step 199"
    );
    h.state_mut().wb.apply(Command::CompareAtStep(Some(50)));
    settle(&mut h, "the values at step 50", |a| {
        a.wb.route()
            .compare()
            .is_some_and(|c| c.values_at.value().is_some_and(|v| v.step == 50))
    });
    h.get_by_label("Step 50");
    // The step is marked on the series chart below, where step 50 is.
    settle(&mut h, "the step marked", |a| a.view.step_marks.contains_key("loss"));
    let frame = h.state().view.series_frames["cmp_loss"];
    let at = frame.position_from_point(&egui_plot::PlotPoint::new(50.0, 0.0)).x;
    assert!((h.state().view.step_marks["loss"] - at).abs() < 0.5);
    h.get_by_label(&g(1.0 / 51.0));
    h.get_by_label(&g(10.0 + 1.0 / 51.0));
}

/// Saves the chart named `name` as PNG through the workbench, the renderer's picture of the
/// window made up (each pixel's x and y), and checks the file is that chart's part of it.
fn save_png(h: &mut egui_kittest::Harness<'static, runhistory::ui::WorkbenchApp>, name: &str, file: &std::path::Path) {
    h.state_mut()
        .wb
        .apply(Command::ChartPngTo(name.into(), file.to_path_buf()));
    settle(h, "a picture of the window asked for", |a| {
        a.view.picture_for.as_deref() == Some(file)
    });
    let rect = h.state().view.chart_rects[name];
    let ppp = h.ctx.pixels_per_point();
    let size = [
        (h.ctx.content_rect().width() * ppp) as usize,
        (h.ctx.content_rect().height() * ppp) as usize,
    ];
    let pixels = (0..size[1])
        .flat_map(|y| (0..size[0]).map(move |x| egui::Color32::from_rgb((x % 256) as u8, (y % 256) as u8, 9)))
        .collect();
    let region = h.state().view.picture.as_ref().map(|(_, r)| *r).unwrap();
    // What the view does when the renderer's picture arrives: it lets go of the request.
    h.state_mut().view.picture = None;
    h.state_mut().wb.apply(Command::ChartPictureTaken {
        image: std::sync::Arc::new(egui::ColorImage::new(size, pixels)),
        region,
    });
    settle(h, "the file written", |_| file.exists());
    let png = image::open(file).unwrap().to_rgba8();
    assert_eq!(
        (png.width() as f32, png.height() as f32),
        ((rect.width() * ppp).round(), (rect.height() * ppp).round()),
        "{name}: the chart with its header"
    );
    let corner = png.get_pixel(0, 0).0;
    assert_eq!(
        [corner[0], corner[1]],
        [
            ((rect.min.x * ppp).round() as usize % 256) as u8,
            ((rect.min.y * ppp).round() as usize % 256) as u8
        ],
        "{name}: cut where the chart is"
    );
    h.get_by_label_contains(&format!("Saved the {name} chart to"));
}

#[test]
fn a_chart_is_saved_as_png_cut_from_a_picture_of_the_window() {
    use runhistory::ui::settings::ChartsMode;
    let dir = tempfile::tempdir().unwrap();
    let ids = seed(dir.path(), 2, &["loss"]);
    let mut h = harness(dir.path(), Settings::default());
    settle(&mut h, "the chart drawn", curves_drawn("loss"));
    save_png(&mut h, "loss", &dir.path().join("loss.png"));
    // Every chart of the dashboard has its PNG… button.
    for (mode, name) in [
        (ChartsMode::Parallel, "parallel coordinates"),
        (ChartsMode::Scatter, "scatter"),
        (ChartsMode::OverRuns, "loss over runs"),
    ] {
        h.state_mut().wb.apply(Command::SetChartsMode(mode));
        settle(&mut h, name, |a| {
            a.view.chart_rects.contains_key(name) && a.wb.chart_picture().is_none()
        });
        h.step();
        assert!(h.query_all_by_label("PNG…").count() >= 1, "{name}");
        save_png(&mut h, name, &dir.path().join(format!("{name}.png")));
    }
    // A run's own series chart, and a compared one.
    let first = h
        .state()
        .wb
        .runs()
        .iter()
        .find(|r| r.run_id == ids[0])
        .map(|r| r.run_number)
        .unwrap();
    h.state_mut().wb.apply(Command::OpenRun(ids[0].clone()));
    let name = format!("loss of run {first}");
    settle(&mut h, "the run's chart", |a| a.view.chart_rects.contains_key(&name));
    save_png(&mut h, &name, &dir.path().join("run.png"));
    for id in &ids {
        h.state_mut().wb.apply(Command::ToggleSelected(id.clone()));
    }
    h.state_mut().wb.apply(Command::CompareSelected);
    settle(&mut h, "the compared chart", |a| {
        a.view.chart_rects.contains_key("loss compared")
    });
    save_png(&mut h, "loss compared", &dir.path().join("compared.png"));
}
