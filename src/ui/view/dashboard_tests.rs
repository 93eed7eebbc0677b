//! The dashboard drawn from fixture data alone (no server, no store): what it shows, and the
//! commands its controls push.

use super::*;
use crate::api::ext::{LatestMetric, Num, RunDetail, RunStatus};
use crate::ui::model::dashboard::{DashboardInputs, RunAxis, dashboard_model};
use crate::ui::settings::Settings;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

fn runs() -> Vec<RunDetail> {
    ["alpha", "beta", "gamma"]
        .iter()
        .enumerate()
        .map(|(i, name)| RunDetail {
            run_id: format!("r{}", i + 1),
            run_number: i as i64 + 1,
            name: (*name).into(),
            status: RunStatus::Completed,
            script_name: Some("train.py".into()),
            start_time: Some(1_700_000_000_000 + i as i64 * 1000),
            end_time: Some(1_700_000_000_500 + i as i64 * 1000),
            metrics: [(
                "Accuracy".to_string(),
                LatestMetric {
                    value: Num(0.5 + 0.1 * i as f64),
                    count: 1,
                    ..Default::default()
                },
            )]
            .into(),
            params: [("lr".to_string(), format!("0.{}", i + 1))].into(),
            ..Default::default()
        })
        .collect()
}

struct Fixture {
    model: Arc<DashboardModel>,
    settings: Settings,
    selected: Vec<String>,
    chooser_open: bool,
    empty: bool,
    hidden: BTreeSet<ChartKey>,
    curve_settings: crate::ui::settings::CurveSettings,
    vs: ViewState,
    cmds: Vec<Command>,
}

fn harness(chooser_open: bool, empty: bool) -> Harness<'static, Fixture> {
    let inputs = DashboardInputs {
        runs_generation: 1,
        script: None,
        columns: None,
        sort: None,
        axis: RunAxis::Number,
        hidden: BTreeSet::new(),
        live_second: 0,
        narrowing: Default::default(),
        baseline: None,
        group_by: None,
    };
    let fixture = Fixture {
        model: Arc::new(dashboard_model(&runs(), &inputs, 0)),
        settings: Settings::default(),
        selected: vec!["r1".into()],
        chooser_open,
        empty,
        hidden: BTreeSet::new(),
        curve_settings: Default::default(),
        vs: ViewState::default(),
        cmds: Vec::new(),
    };
    Harness::builder().with_size(egui::vec2(1200.0, 800.0)).build_ui_state(
        |ui, f: &mut Fixture| {
            let mut cmds = Vec::new();
            let mut ctx = Ctx {
                settings: &f.settings,
                now_ms: 0,
                mlflow: false,
                read_only: false,
                cmds: &mut cmds,
            };
            let page = Page {
                model: Some(f.model.clone()),
                experiment_name: "iris".into(),
                empty: f.empty,
                runs_error: None,
                script: None,
                selected: &f.selected,
                sort: None,
                chooser_open: f.chooser_open,
                hidden: &f.hidden,
                curves: None,
                curve_settings: &f.curve_settings,
                runs_stamp: 0,
                runs: &[],
            };
            egui::CentralPanel::default().show(ui, |ui| show(ui, &mut ctx, &page, &mut f.vs));
            f.cmds.extend(cmds);
        },
        fixture,
    )
}

#[test]
fn the_dashboard_shows_its_runs_and_charts_from_the_model() {
    let mut h = harness(false, false);
    h.run();
    h.get_by_label("iris");
    h.get_by_label("3 runs");
    assert_eq!(
        h.get_all_by_label("Accuracy").count(),
        2,
        "the chart's title and the grid's column"
    );
    for name in ["alpha", "beta", "gamma"] {
        h.get_by_label(name);
    }
    assert!(
        h.state()
            .vs
            .chart_frames
            .contains_key(&ChartKey::Metric("Accuracy".into()))
    );
    assert!(h.state().cmds.is_empty(), "drawing alone asks for nothing");
}

#[test]
fn its_controls_push_commands_and_change_nothing_themselves() {
    let mut h = harness(false, false);
    h.run();
    h.get_by_role_and_label(egui::accesskit::Role::CheckBox, "2").click();
    h.run();
    assert_eq!(h.state().cmds, [Command::ToggleSelected("r2".into())]);
    for (label, want) in [
        ("Columns…", Command::ToggleChooser),
        ("start time", Command::SetRunAxis(RunAxis::StartTime)),
    ] {
        h.state_mut().cmds.clear();
        h.get_by_label(label).click();
        h.run();
        assert_eq!(h.state().cmds, [want], "{label}");
    }
    assert_eq!(h.state().selected, ["r1"], "the view changed no state of its own");
    h.state_mut().cmds.clear();
    h.get_by_label("Compare (1)").click();
    h.run();
    assert!(h.state().cmds.is_empty(), "Compare needs 2 or 3 runs ticked");
}

#[test]
fn the_chooser_lists_every_key_and_an_empty_experiment_offers_the_demo() {
    let mut h = harness(true, false);
    h.run();
    // The chooser's checkbox (lr differs between the runs, so it is a grid header too).
    h.get_by_role_and_label(egui::accesskit::Role::CheckBox, "param: lr")
        .click();
    h.run();
    assert_eq!(h.state().cmds, [Command::ToggleColumn(ColumnKey::Param("lr".into()))]);
    let mut h = harness(false, true);
    h.run();
    h.get_by_label("Welcome to Run History");
    h.get_by_label("Run the demo").click();
    h.run();
    assert_eq!(h.state().cmds, [Command::RunDemo]);
}
