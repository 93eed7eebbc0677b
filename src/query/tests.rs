//! The filter language over plain records: MLflow's grammar, ours (OR, NOT, parentheses), order
//! clauses, and the registry's reading of missing tags.

use super::*;
use std::collections::HashMap;

struct Rec(HashMap<String, FieldValue>);

impl Subject for Rec {
    fn field(&self, f: &Field) -> Option<FieldValue> {
        let k = match f {
            Field::Metric(k) => format!("m:{k}"),
            Field::Param(k) => format!("p:{k}"),
            Field::Tag(k) => format!("t:{k}"),
            Field::Attr(k) => format!("a:{k}"),
        };
        self.0.get(&k).cloned()
    }
}

fn rec(acc: f64, lr: &str, status: &str) -> Rec {
    let mut m = HashMap::new();
    m.insert("m:acc".into(), FieldValue::Num(acc));
    m.insert("p:lr".into(), FieldValue::Str(lr.into()));
    m.insert("a:status".into(), FieldValue::Str(status.into()));
    m.insert("t:mlflow.runName".into(), FieldValue::Str("Happy-Cat-12".into()));
    Rec(m)
}

fn keep(filter: &str, r: &Rec) -> bool {
    parse_filter(filter)
        .unwrap_or_else(|e| panic!("{filter}: {e}"))
        .matches(r)
}

#[test]
fn mlflow_grammar_comparisons() {
    let r = rec(0.9, "0.01", "FINISHED");
    assert!(keep("metrics.acc > 0.5", &r));
    assert!(!keep("metrics.acc < 0.5", &r));
    assert!(keep("metrics.acc >= 0.9 AND params.lr = '0.01'", &r));
    assert!(keep("attributes.status != 'FAILED'", &r));
    assert!(keep("tags.`mlflow.runName` LIKE 'Happy%'", &r));
    assert!(keep("tags.\"mlflow.runName\" ILIKE '%cat%'", &r));
    assert!(!keep("tags.\"mlflow.runName\" LIKE '%cat%'", &r));
    assert!(keep("attributes.status IN ('FINISHED', 'FAILED')", &r));
    // The names the workbench shows match too, in any case.
    assert!(keep("attributes.status = 'Completed'", &r));
    assert!(keep("status IN ('completed', 'Canceled')", &r));
    assert!(!keep("attributes.status = 'Canceled'", &r));
    assert!(!keep("attributes.status NOT IN ('FINISHED')", &r));
    assert!(keep("", &r));
    assert!(keep("params.lr < 0.1", &r), "numeric strings compare as numbers");
}

#[test]
fn or_not_and_parentheses() {
    let r = rec(0.4, "0.1", "FAILED");
    assert!(keep("metrics.acc > 0.5 OR params.lr = '0.1'", &r));
    assert!(!keep("metrics.acc > 0.5 OR params.lr = '0.2'", &r));
    assert!(keep("NOT metrics.acc > 0.5", &r));
    assert!(keep(
        "(metrics.acc > 0.5 OR status = 'FAILED') AND params.lr = '0.1'",
        &r
    ));
    assert!(!keep(
        "metrics.acc > 0.5 OR status = 'FAILED' AND params.lr = '0.2'",
        &r
    ));
    assert!(keep("metrics.missing IS NULL", &r));
    assert!(!keep("metrics.missing > 0", &r), "a missing key never matches");
    assert!(keep("NOT metrics.missing > 0", &r));
}

#[test]
fn errors_are_messages_not_panics() {
    for bad in [
        "metrics.acc >",
        "metrics.acc ~ 1",
        "bogus.acc = 1",
        "acc = 1",
        "(metrics.acc = 1",
        "metrics.acc = 'x",
        "metrics.acc IN 1",
        "metrics.acc LIKE 5",
        "metrics.acc = 1 extra",
        "!",
        "metrics. = 1",
    ] {
        assert!(parse_filter(bad).is_err(), "{bad} should be refused");
    }
}

#[test]
fn like_matches_sql_semantics() {
    assert!(like("abc", "a%", true));
    assert!(like("abc", "%c", true));
    assert!(like("abc", "a_c", true));
    assert!(!like("abc", "a_", true));
    assert!(like("a%c", "a%", true));
    assert!(like("", "%", true));
    assert!(like("xaaab", "%a%b", true));
    assert!(!like("ABC", "abc", true));
    assert!(like("ABC", "abc", false));
}

#[test]
fn order_by_clauses() {
    assert_eq!(
        parse_order_by("metrics.acc DESC").unwrap(),
        OrderBy {
            field: Field::Metric("acc".into()),
            descending: true
        }
    );
    assert_eq!(
        parse_order_by("start_time").unwrap(),
        OrderBy {
            field: Field::Attr("start_time".into()),
            descending: false
        }
    );
    assert!(parse_order_by("metrics.acc SIDEWAYS").is_err());
    let a = Some(FieldValue::Num(1.0));
    let none = None;
    assert_eq!(
        order_values(&a, &none, true),
        Ordering::Less,
        "missing sorts last either way"
    );
    assert_eq!(order_values(&a, &none, false), Ordering::Less);
}

#[test]
fn a_missing_tag_differs_from_every_value_only_when_asked() {
    let r = rec(0.9, "0.01", "FINISHED");
    for (filter, runs, registry) in [
        ("tags.`mlflow.prompt.is_prompt` != 'true'", false, true),
        (
            "tag.`mlflow.prompt.is_prompt` != 'true' AND params.lr = '0.01'",
            false,
            true,
        ),
        ("NOT (tags.missing != 'x')", true, false),
        ("tags.`mlflow.runName` != 'Happy-Cat-12'", false, false),
        ("tags.`mlflow.runName` != 'other'", true, true),
        ("tags.missing = 'x'", false, false),
    ] {
        let expr = parse_filter(filter).unwrap();
        assert_eq!(expr.matches(&r), runs, "runs: {filter}");
        assert_eq!(expr.missing_tags_differ().matches(&r), registry, "registry: {filter}");
    }
}
