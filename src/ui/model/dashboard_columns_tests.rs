//! The grid's columns as chosen per experiment: a chosen column without a value in the runs on
//! screen is not drawn, and the chooser lists every chosen column so any can be taken away.

use super::*;
use crate::ui::model::columns::Attr;
use crate::ui::model::fixtures::*;

fn inputs(columns: Option<Vec<ColumnKey>>, script: Option<&str>) -> DashboardInputs {
    DashboardInputs {
        runs_generation: 1,
        script: script.map(String::from),
        columns,
        sort: None,
        axis: RunAxis::Number,
        hidden: BTreeSet::new(),
        live_second: 0,
        narrowing: Default::default(),
        baseline: None,
        group_by: None,
    }
}

#[test]
fn chosen_columns_without_values_are_not_drawn_but_can_still_be_removed() {
    let runs = vec![
        RunDetail {
            script_name: Some("train.py".into()),
            metrics: metrics(&[("loss", 0.5)]),
            params: strings(&[("lr", "0.1")]),
            ..run(1)
        },
        RunDetail {
            script_name: Some("eval.py".into()),
            metrics: metrics(&[("f1", 0.7)]),
            ..run(2)
        },
    ];
    let (name, loss, f1, lr) = (
        ColumnKey::Attr(Attr::Name),
        ColumnKey::Metric("loss".into()),
        ColumnKey::Metric("f1".into()),
        ColumnKey::Param("lr".into()),
    );
    // Columns chosen in another experiment that these runs never logged.
    let phantom = ColumnKey::Metric("Accuracy".into());
    let chosen = vec![name.clone(), loss.clone(), f1.clone(), lr.clone(), phantom.clone()];
    for (case, script, drawn) in [
        ("every run", None, vec![&name, &loss, &f1, &lr]),
        ("only train.py", Some("train.py"), vec![&name, &loss, &lr]),
        ("only eval.py", Some("eval.py"), vec![&name, &f1]),
    ] {
        let m = dashboard_model(&runs, &inputs(Some(chosen.clone()), script), 0);
        let got: Vec<&ColumnKey> = m.grid.columns.iter().collect();
        assert_eq!(got, drawn, "{case}");
        assert!(
            m.catalog.contains(&phantom),
            "{case}: the chooser lists it, to untick it"
        );
    }
    let defaults = dashboard_model(&runs, &inputs(None, None), 0);
    assert!(
        !defaults.catalog.contains(&phantom),
        "nothing chosen: only what the runs offer"
    );
}
