//! Images logged at steps, driven headlessly over a real store: the run page walks through them
//! with a slider, and compare shows each run's image at the same step side by side.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at its first failure"
)]

mod common;

use common::{harness, settle};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use runhistory::api::ext::CreateRunExt;
use runhistory::store::Store;
use runhistory::ui::WorkbenchApp;
use runhistory::ui::command::Command;
use runhistory::ui::preview::Preview;
use runhistory::ui::settings::Settings;
use std::path::Path;

/// A 4x2 PNG whose every pixel is `shade`, as MLflow's `log_image(key=, step=)` stores it.
fn png(shade: u8) -> Vec<u8> {
    let img = image::RgbaImage::from_pixel(4, 2, image::Rgba([shade, shade, shade, 255]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// Runs of experiment "gan", each logging "samples" images at `steps` (shade = step).
fn seed(dir: &Path, runs: &[&[i64]]) -> Vec<String> {
    let store = Store::open(dir).unwrap();
    runs.iter()
        .enumerate()
        .map(|(i, steps)| {
            let run = store
                .create_run(&CreateRunExt {
                    experiment_name: Some("gan".into()),
                    run_name: Some(format!("gan-{i}")),
                    ..Default::default()
                })
                .unwrap();
            for &step in *steps {
                let rel = format!("images/samples+step+{step}+timestamp+{}+id{step}.png", 1000 + step);
                let p = store.run_artifact_path(&run.run_id, &rel).unwrap();
                store.put_artifact(&p, &png(step as u8)).unwrap();
                // MLflow's smaller copy sits beside it and is not shown.
                let small = format!(
                    "images/samples+step+{step}+timestamp+{}+id{step}+compressed.webp",
                    1000 + step
                );
                let p = store.run_artifact_path(&run.run_id, &small).unwrap();
                store.put_artifact(&p, b"webp").unwrap();
            }
            run.run_id
        })
        .collect()
}

fn shade_shown(h: &Harness<'static, WorkbenchApp>, step: i64) -> Option<u8> {
    let d = h.state().wb.route().details()?;
    let path = format!("images/samples+step+{step}+timestamp+{}+id{step}.png", 1000 + step);
    match d.step_images.get(&path)?.value()? {
        Preview::Image { rgba, .. } => Some(rgba[0]),
        _ => None,
    }
}

#[test]
fn the_run_page_walks_through_images_over_steps_with_a_slider() {
    let dir = tempfile::tempdir().unwrap();
    let ids = seed(dir.path(), &[&[0, 10, 20]]);
    let mut h = harness(dir.path(), Settings::default());
    settle(&mut h, "the runs", |a| a.wb.runs().len() == 1);
    h.state_mut().wb.apply(Command::OpenRun(ids[0].clone()));
    settle(&mut h, "the last step's image read", |a| {
        a.wb.route()
            .details()
            .is_some_and(|d| !d.step_images.is_empty() && d.step_images.values().all(|f| f.value().is_some()))
    });
    h.get_by_label("Images over steps");
    h.get_by_label("step 20");
    h.get_by_label("(3 of 3)");
    assert_eq!(shade_shown(&h, 20), Some(20), "the image logged at step 20");
    assert!(
        h.state().view.step_shown.contains_key("details:samples"),
        "kept to show while the next step's image is read"
    );
    // The slider moved to step 10: that image is read and shown.
    h.state_mut().view.image_steps.insert("details:samples".into(), 10);
    settle(&mut h, "step 10's image read", |a| {
        a.wb.route().details().is_some_and(|d| {
            d.step_images.keys().any(|p| p.contains("+step+10+")) && d.step_images.values().all(|f| f.value().is_some())
        })
    });
    h.get_by_label("step 10");
    assert_eq!(shade_shown(&h, 10), Some(10));
}

#[test]
fn compare_shows_each_runs_image_at_the_same_step() {
    let dir = tempfile::tempdir().unwrap();
    let ids = seed(dir.path(), &[&[0, 10, 20], &[0, 15]]);
    let mut h = harness(dir.path(), Settings::default());
    settle(&mut h, "the runs", |a| a.wb.runs().len() == 2);
    for id in &ids {
        h.state_mut().wb.apply(Command::ToggleSelected(id.clone()));
    }
    h.state_mut().wb.apply(Command::CompareSelected);
    settle(&mut h, "both runs' images at the last step", |a| {
        a.wb.route().compare().is_some_and(|c| {
            c.model().is_some_and(|m| m.step_images.len() == 1)
                && c.images.len() == 2
                && c.images.values().all(|f| f.value().is_some())
        })
    });
    h.get_by_label("Images over steps");
    h.get_by_label("step 20");
    h.get_by_label("(4 of 4)");
    h.get_by_label("from step 15");
    let cmp = h.state().wb.route().compare().unwrap();
    let mut read: Vec<(usize, bool)> = cmp
        .images
        .keys()
        .map(|(path, run)| (*run, path.contains(if *run == 0 { "+step+20+" } else { "+step+15+" })))
        .collect();
    read.sort();
    assert_eq!(read, [(0, true), (1, true)], "each run's image at or before step 20");
    // At step 10 the second run has only its step-0 image.
    h.state_mut().view.image_steps.insert("compare:samples".into(), 10);
    settle(&mut h, "step 10 read", |a| {
        a.wb.route()
            .compare()
            .is_some_and(|c| c.images.keys().any(|(p, run)| *run == 1 && p.contains("+step+0+")))
    });
    h.get_by_label("from step 0");
    // A step chosen for the metrics moves the images there too.
    h.state_mut().wb.apply(Command::CompareAtStep(Some(15)));
    settle(&mut h, "the images at step 15", |a| {
        a.view.image_steps.get("compare:samples") == Some(&15)
    });
    h.get_by_label("step 15");
}
