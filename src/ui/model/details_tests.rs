//! Unit tests of the details view's data, kept beside `details.rs` so the model file stays short.

use super::*;
use crate::api::ext::RunStatus;
use crate::ui::model::fixtures::*;
use serde_json::json;

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// `YYYY-MM-DD HH:MM:SS`, whatever the local zone.
fn is_local_time(s: &str) -> bool {
    s.len() == 19
        && s.chars().enumerate().all(|(i, c)| match i {
            4 | 7 => c == '-',
            10 => c == ' ',
            13 | 16 => c == ':',
            _ => c.is_ascii_digit(),
        })
}

const FIELDS: [&str; 8] = [
    "Run",
    "Status",
    "Script",
    "Arguments",
    "Started",
    "Ended",
    "Duration",
    "Commit",
];

#[test]
fn header_of_a_finished_run() {
    let r = RunDetail {
        name: "baseline".into(),
        script_name: Some("train.py".into()),
        arguments: vec!["--lr".into(), "0.1".into()],
        start_time: Some(T0),
        end_time: Some(T0 + 192_000),
        exit_code: Some(0),
        properties: BTreeMap::from([("CommitId".to_string(), "abc123".to_string())]),
        ..run(12)
    };
    let h = header(&r, T0 + 999_999);
    let names: Vec<&str> = h.iter().map(|(k, _)| *k).collect();
    assert_eq!(names, FIELDS, "field order");
    let (started, ended) = (&h[4].1, &h[5].1);
    assert!(is_local_time(started), "started: {started:?}");
    assert!(is_local_time(ended), "ended: {ended:?}");
    assert_eq!(started, &crate::format::fmt_time(T0));
    assert_eq!(ended, &crate::format::fmt_time(T0 + 192_000));
    for (i, want) in [
        (0, "12 · baseline"),
        (1, "Completed"),
        (2, "train.py"),
        (3, "--lr 0.1"),
        (6, "3 m 12 s"),
        (7, "abc123"),
    ] {
        assert_eq!(h[i].1, want, "{}", h[i].0);
    }
}

#[test]
fn header_shows_the_exit_code_only_when_not_zero() {
    for (status, exit_code, want) in [
        (RunStatus::Completed, None, "Completed"),
        (RunStatus::Completed, Some(0), "Completed"),
        (RunStatus::Failed, None, "Failed"),
        (RunStatus::Failed, Some(0), "Failed"),
        (RunStatus::Failed, Some(1), "Failed (exit code 1)"),
        (RunStatus::Canceled, Some(-9), "Canceled (exit code -9)"),
        (RunStatus::Lost, Some(137), "Lost (exit code 137)"),
        (RunStatus::Running, None, "Running"),
    ] {
        let r = RunDetail {
            status,
            exit_code,
            ..run(1)
        };
        let h = header(&r, T0);
        assert_eq!(
            h[1],
            ("Status", want.to_string()),
            "{status:?} with exit code {exit_code:?}"
        );
    }
}

#[test]
fn header_marks_missing_fields() {
    let h = header(&run(3), T0);
    let want: Vec<(&str, String)> = [
        ("Run", "3 · run-3"),
        ("Status", "Completed"),
        ("Script", "—"),
        ("Arguments", "—"),
        // A missing start and duration are blank, not dashes like the other missing fields.
        ("Started", ""),
        ("Ended", "—"),
        ("Duration", ""),
        ("Commit", "—"),
    ]
    .iter()
    .map(|(k, v)| (*k, v.to_string()))
    .collect();
    assert_eq!(h, want);
}

#[test]
fn header_of_a_live_run_has_no_end_and_a_duration_to_now() {
    let r = RunDetail {
        status: RunStatus::Running,
        start_time: Some(T0),
        ..run(1)
    };
    let h = header(&r, T0 + 4_900);
    assert!(is_local_time(&h[4].1), "started: {:?}", h[4].1);
    assert_eq!(h[5], ("Ended", "—".to_string()));
    assert_eq!(h[6], ("Duration", "4.9 s".to_string()));
}

#[test]
fn scalars_are_single_point_metrics_then_strings() {
    let r = RunDetail {
        metrics: counted(&[
            ("acc", 0.9, 1),
            ("loss", 0.5, 10),
            ("lr", 0.001, 0),
            ("big", 1_234_567.0, 1),
            ("nan", f64::NAN, 1),
        ]),
        values: values(&[
            ("note", "string", json!("hello")),
            ("count", "string", json!(3)),
            ("plot", "image", json!("plots/a.png")),
            ("table", "table", json!({"a": [1]})),
        ]),
        ..run(1)
    };
    assert_eq!(
        scalars(&r),
        pairs(&[
            ("acc", "0.9"),
            ("big", "1.23457e+06"),
            ("nan", "nan"),
            ("count", "3"),
            ("note", "hello"),
        ])
    );
    assert!(scalars(&run(1)).is_empty());
}

#[test]
fn series_keys_are_metrics_with_many_or_unknown_points() {
    for (case, items, want) in [
        ("none", vec![], vec![]),
        ("single points are scalars", vec![("acc", 0.9, 1)], vec![]),
        ("many points", vec![("loss", 0.5, 10)], vec!["loss"]),
        ("unknown count", vec![("lr", 0.1, 0)], vec!["lr"]),
        (
            "sorted",
            vec![("val_loss", 0.5, 2), ("acc", 0.9, 1), ("loss", 0.5, 3)],
            vec!["loss", "val_loss"],
        ),
    ] {
        let r = RunDetail {
            metrics: counted(&items),
            ..run(1)
        };
        assert_eq!(series_keys(&r), want, "{case}");
    }
}

type Table = (String, Vec<String>, Vec<Vec<String>>);

fn table(name: &str, cols: &[&str], rows: &[&[&str]]) -> Table {
    (
        name.to_string(),
        cols.iter().map(|c| c.to_string()).collect(),
        rows.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect(),
    )
}

#[test]
fn tables_are_columns_turned_into_rows() {
    for (case, value, want) in [
        (
            "equal columns",
            json!({"a": [1, 2], "b": ["x", "y"]}),
            Some(table("t", &["a", "b"], &[&["1", "x"], &["2", "y"]])),
        ),
        (
            "short columns are padded, nulls blank, others as JSON",
            json!({"a": [1.5, "x", null], "b": [true], "c": [[1, 2]]}),
            Some(table(
                "t",
                &["a", "b", "c"],
                &[&["1.5", "true", "[1,2]"], &["x", "", ""], &["", "", ""]],
            )),
        ),
        (
            "a column that is not a list is blank",
            json!({"a": [1], "b": "scalar"}),
            Some(table("t", &["a", "b"], &[&["1", ""]])),
        ),
        ("no columns", json!({}), Some(table("t", &[], &[]))),
        ("no rows", json!({"a": []}), Some(table("t", &["a"], &[]))),
        ("not an object", json!([1, 2]), None),
        ("a string", json!("t.csv"), None),
    ] {
        let r = RunDetail {
            values: values(&[("t", "table", value)]),
            ..run(1)
        };
        assert_eq!(tables(&r), want.into_iter().collect::<Vec<_>>(), "{case}");
    }
}

#[test]
fn tables_skip_other_kinds_and_are_sorted_by_name() {
    let r = RunDetail {
        values: values(&[
            ("z", "table", json!({"a": [1]})),
            ("note", "string", json!("hi")),
            ("plot", "image", json!("a.png")),
            ("b", "table", json!({"k": ["v"]})),
        ]),
        ..run(1)
    };
    assert_eq!(
        tables(&r),
        [table("b", &["k"], &[&["v"]]), table("z", &["a"], &[&["1"]])]
    );
}

#[test]
fn is_image_by_extension() {
    for (path, want) in [
        ("a.png", true),
        ("plots/loss.PNG", true),
        ("x.jpg", true),
        ("x.JpEg", true),
        ("dir.png/notes.txt", false),
        ("a.png.txt", false),
        ("png", false),
        ("a.gif", false),
        ("a.svg", false),
        ("", false),
    ] {
        assert_eq!(is_image(path), want, "{path:?}");
    }
}

#[test]
fn preview_kind_by_extension() {
    use PreviewKind::*;
    for (path, want) in [
        ("a.png", Image),
        ("b.JPG", Image),
        ("c.jpeg", Image),
        ("m.csv", Csv),
        ("m.TSV", Csv),
        ("log.txt", Text),
        ("out.log", Text),
        ("meta.json", Text),
        ("README.md", Text),
        ("train.py", Text),
        ("conf.yaml", Text),
        ("conf.yml", Text),
        ("Cargo.toml", Text),
        ("setup.cfg", Text),
        ("a.ini", Text),
        ("run.sh", Text),
        ("report.html", Text),
        ("model.pkl", None),
        ("weights.bin", None),
        ("archive.tar.gz", None),
        ("a.gif", None),
        ("Makefile", None),
        ("", None),
        ("trailing.", None),
        ("dir.txt/data", None),
        ("sub/.png", Image),
        ("v1.2/notes.md", Text),
    ] {
        assert_eq!(preview_kind(path), want, "{path:?}");
    }
}

#[test]
fn images_are_previewed_as_images() {
    for path in ["a.png", "B.JPEG", "c.txt", "d", "e.png/f", "g.jpg.csv"] {
        assert_eq!(is_image(path), preview_kind(path) == PreviewKind::Image, "{path:?}");
    }
}

fn files(items: &[(&str, u64)]) -> Vec<(String, u64)> {
    items.iter().map(|(p, s)| (p.to_string(), *s)).collect()
}

#[test]
fn artifact_tree_nests_folders() {
    let tree = artifact_tree(&files(&[
        ("model.pkl", 10),
        ("plots/loss.png", 20),
        ("plots/deep/er/a.csv", 30),
        ("plots/acc.png", 5),
        ("/abs//x.txt", 1),
        ("", 0),
        ("/", 0),
        ("notes.md", 7),
    ]));
    let er = Folder {
        files: files(&[("plots/deep/er/a.csv", 30)]),
        folders: BTreeMap::new(),
    };
    let deep = Folder {
        files: vec![],
        folders: BTreeMap::from([("er".to_string(), er)]),
    };
    let plots = Folder {
        // Files keep their full path, in name order.
        files: files(&[("plots/acc.png", 5), ("plots/loss.png", 20)]),
        folders: BTreeMap::from([("deep".to_string(), deep)]),
    };
    let abs = Folder {
        files: files(&[("/abs//x.txt", 1)]),
        folders: BTreeMap::new(),
    };
    let want = Folder {
        // Empty paths are skipped.
        files: files(&[("model.pkl", 10), ("notes.md", 7)]),
        folders: BTreeMap::from([("abs".to_string(), abs), ("plots".to_string(), plots)]),
    };
    assert_eq!(tree, want);
    assert_eq!(artifact_tree(&[]), Folder::default());
}

fn grid(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
}

#[test]
fn parse_csv_cases() {
    for (case, text, max_rows, want) in [
        ("plain", "a,b\n1,2\n", 10, grid(&[&["a", "b"], &["1", "2"]])),
        ("no trailing newline", "a,b\n1,2", 10, grid(&[&["a", "b"], &["1", "2"]])),
        (
            "windows line ends",
            "a,b\r\n1,2\r\n",
            10,
            grid(&[&["a", "b"], &["1", "2"]]),
        ),
        ("quoted", "\"a\",\"b\"", 10, grid(&[&["a", "b"]])),
        ("comma in quotes", "\"x, y\",z", 10, grid(&[&["x, y", "z"]])),
        (
            "doubled quote",
            "\"say \"\"hi\"\"\",2",
            10,
            grid(&[&["say \"hi\"", "2"]]),
        ),
        ("quotes inside a cell", "ab\"c,d\"e", 10, grid(&[&["abc,de"]])),
        ("empty cells", "a,,c,", 10, grid(&[&["a", "", "c", ""]])),
        ("empty line", "a\n\nb", 10, grid(&[&["a"], &[""], &["b"]])),
        ("spaces kept", " a , b ", 10, grid(&[&[" a ", " b "]])),
        ("max rows", "1\n2\n3\n4", 2, grid(&[&["1"], &["2"]])),
        ("zero rows", "1\n2", 0, grid(&[])),
        ("empty text", "", 10, grid(&[])),
        ("tabs", "a\tb\n1\t2", 10, grid(&[&["a", "b"], &["1", "2"]])),
        (
            "tabs keep commas",
            "a\tb\n1,5\t2",
            10,
            grid(&[&["a", "b"], &["1,5", "2"]]),
        ),
        (
            "commas win over tabs",
            "a,b\tc\n1,2",
            10,
            grid(&[&["a", "b\tc"], &["1", "2"]]),
        ),
        (
            "unclosed quote runs to the end of the line",
            "\"a,b\nc,d",
            10,
            grid(&[&["a,b"], &["c", "d"]]),
        ),
    ] {
        assert_eq!(parse_csv(text, max_rows), want, "{case}");
    }
}
