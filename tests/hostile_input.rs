//! Generated hostile input: filters the query parser must refuse or accept without panicking, and
//! requests (wrong types, broken JSON, odd methods and parameters) against the running server,
//! which must answer each with a 2xx or a JSON 4xx, never a 5xx. RUNHISTORY_FUZZ_REQUESTS sets how
//! many requests (the full run is 100,000); the counts are printed. The requests run on
//! SQLite and on PostgreSQL.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at its first failure"
)]

mod common;

use common::Rows;
use runhistory::query::{Field, FieldValue, Subject, parse_filter, parse_order_by};
use runhistory::server::EmbeddedServer;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// xorshift64*: a fixed seed gives the same inputs on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const FILTER_TOKENS: &[&str] = &[
    "metrics.acc",
    "params.lr",
    "tags.`a b`",
    "tags.\"x\"",
    "attributes.status",
    "attributes.start_time",
    "run_name",
    "metrics.",
    "AND",
    "and",
    "OR",
    "NOT",
    "(",
    ")",
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "LIKE",
    "ILIKE",
    "IN",
    "NOT IN",
    "IS NULL",
    "IS NOT NULL",
    "'a'",
    "'%b_'",
    "0.5",
    "-1e309",
    "1e400",
    "NaN",
    "'",
    "\"",
    "`",
    ",",
    "('a', 'b')",
    "()",
    "''",
    "'é'",
    "\u{0}",
    "💥",
    "metrics.acc > 0.5",
    "\\",
    "%",
    "..",
];

/// A filter from the grammar: comparisons joined by AND / OR, some negated or grouped.
fn well_formed(rng: &mut Rng) -> String {
    let fields = [
        "metrics.acc",
        "params.lr",
        "tags.t",
        "attributes.status",
        "attributes.start_time",
        "metrics.`a b`",
    ];
    let ops = ["=", "!=", "<", "<=", ">", ">=", "LIKE", "ILIKE", "IN", "NOT IN"];
    let literals = ["0.5", "'0.1'", "'FIN%'", "('a', 'b')", "-3", "1e3", "'x''y'"];
    let n = 1 + rng.below(4);
    let mut out = String::new();
    for i in 0..n {
        if i > 0 {
            let joiner = *rng.pick(&[" AND ", " OR ", " and "]);
            out.push_str(joiner);
        }
        let cmp = format!("{} {} {}", rng.pick(&fields), rng.pick(&ops), rng.pick(&literals));
        match rng.below(4) {
            0 => out.push_str(&format!("NOT {cmp}")),
            1 => out.push_str(&format!("({cmp})")),
            _ => out.push_str(&cmp),
        }
    }
    out
}

struct Record;

impl Subject for Record {
    fn field(&self, f: &Field) -> Option<FieldValue> {
        match f {
            Field::Metric(k) if k == "acc" => Some(FieldValue::Num(0.7)),
            Field::Param(_) => Some(FieldValue::Str("0.1".into())),
            Field::Tag(_) => None,
            Field::Attr(a) if a == "start_time" => Some(FieldValue::Num(1.0)),
            Field::Attr(_) => Some(FieldValue::Str("FINISHED".into())),
            _ => None,
        }
    }
}

#[test]
fn the_query_parser_never_panics_on_generated_filters() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut accepted, mut refused) = (0, 0);
    for _ in 0..50_000 {
        let text = if rng.below(2) == 0 {
            let n = 1 + rng.below(9);
            let text: Vec<&str> = (0..n).map(|_| *rng.pick(FILTER_TOKENS)).collect();
            text.join(if rng.below(3) == 0 { "" } else { " " })
        } else {
            well_formed(&mut rng)
        };
        match parse_filter(&text) {
            Ok(expr) => {
                accepted += 1;
                let _ = expr.matches(&Record);
            }
            Err(e) => {
                refused += 1;
                assert!(!e.to_string().is_empty());
            }
        }
        let _ = parse_order_by(&text);
    }
    println!("filters: {accepted} accepted, {refused} refused, 0 panics");
    assert!(accepted > 1000 && refused > 1000, "the generator reaches both sides");
}

/// A random JSON value, sometimes of the right shape for a field and often not.
fn value(rng: &mut Rng, depth: usize) -> Value {
    match rng.below(if depth > 2 { 6 } else { 9 }) {
        0 => Value::Null,
        1 => json!(rng.below(2) == 0),
        2 => json!(rng.next() as i64),
        3 => json!(f64::from_bits(rng.next()).to_string()),
        4 => json!(*rng.pick(&["", "x", "a/../b", "../../etc", "0", "-1", "1e999", "NaN", "\u{0}", "💥"])),
        5 => json!("y".repeat(rng.below(9000))),
        6 => Value::Array((0..rng.below(4)).map(|_| value(rng, depth + 1)).collect()),
        _ => {
            let mut m = serde_json::Map::new();
            for _ in 0..rng.below(4) {
                let k = rng.pick(FIELDS).to_string();
                m.insert(k, value(rng, depth + 1));
            }
            Value::Object(m)
        }
    }
}

const FIELDS: &[&str] = &[
    "experiment_id",
    "experiment_ids",
    "run_id",
    "run_uuid",
    "name",
    "key",
    "value",
    "timestamp",
    "step",
    "metrics",
    "params",
    "tags",
    "filter",
    "max_results",
    "order_by",
    "page_token",
    "status",
    "end_time",
    "start_time",
    "run_view_type",
    "series",
    "values",
    "steps",
    "batch_id",
    "hashes",
    "files",
    "label",
    "path",
    "hash",
    "size",
    "interval_secs",
    "prefix",
    "version",
    "new_name",
    "alias",
    "stage",
    "stages",
    "source",
    "model_id",
    "archive_existing_versions",
    "description",
];

const POSTS: &[&str] = &[
    "/api/2.0/mlflow/experiments/create",
    "/api/2.0/mlflow/experiments/search",
    "/api/2.0/mlflow/experiments/delete",
    "/api/2.0/mlflow/experiments/restore",
    "/api/2.0/mlflow/experiments/update",
    "/api/2.0/mlflow/runs/create",
    "/api/2.0/mlflow/runs/update",
    "/api/2.0/mlflow/runs/delete",
    "/api/2.0/mlflow/runs/restore",
    "/api/2.0/mlflow/runs/search",
    "/api/2.0/mlflow/runs/log-metric",
    "/api/2.0/mlflow/runs/log-parameter",
    "/api/2.0/mlflow/runs/set-tag",
    "/api/2.0/mlflow/runs/delete-tag",
    "/api/2.0/mlflow/runs/log-batch",
    "/api/2.0/mlflow/logged-models/search",
    "/api/2.0/runhistory/runs/create",
    "/api/2.0/runhistory/runs/update",
    "/api/2.0/runhistory/runs/ingest",
    "/api/2.0/runhistory/runs/heartbeat",
    "/api/2.0/runhistory/blobs/missing",
    "/api/2.0/runhistory/snapshots/create",
    "/api/2.0/mlflow/registered-models/create",
    "/api/2.0/mlflow/registered-models/rename",
    "/api/2.0/mlflow/registered-models/get-latest-versions",
    "/api/2.0/mlflow/registered-models/set-tag",
    "/api/2.0/mlflow/registered-models/alias",
    "/api/2.0/mlflow/model-versions/create",
    "/api/2.0/mlflow/model-versions/transition-stage",
    "/api/2.0/mlflow/model-versions/set-tag",
    "/api/2.0/mlflow/experiments/search-datasets",
    "/api/2.0/mlflow/runs/log-inputs",
];

const GETS: &[&str] = &[
    "/api/2.0/mlflow/experiments/get",
    "/api/2.0/mlflow/experiments/get-by-name",
    "/api/2.0/mlflow/runs/get",
    "/api/2.0/mlflow/metrics/get-history",
    "/api/2.0/mlflow/metrics/get-history-bulk-interval",
    "/api/2.0/mlflow-artifacts/artifacts",
    "/api/2.0/runhistory/runs/get",
    "/api/2.0/runhistory/runs/by-number",
    "/api/2.0/runhistory/runs/artifacts",
    "/api/2.0/runhistory/metrics/downsample",
    "/api/2.0/runhistory/experiments/summary",
    "/api/2.0/runhistory/snapshots/get",
    "/api/2.0/mlflow/registered-models/get",
    "/api/2.0/mlflow/registered-models/search",
    "/api/2.0/mlflow/registered-models/alias",
    "/api/2.0/mlflow/model-versions/get",
    "/api/2.0/mlflow/model-versions/search",
    "/api/2.0/mlflow/model-versions/get-download-uri",
    "/model-versions/get-artifact",
];

fn generated_requests_get_json_4xx_or_success_never_5xx(rows: Rows) {
    let total: usize = std::env::var("RUNHISTORY_FUZZ_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000);
    let dir = tempfile::tempdir().unwrap();
    let Some(test_store) = common::store(rows, &dir.path().join("store"), "hostile") else {
        return;
    };
    let store = test_store.store.clone();
    let run = store
        .create_run(&runhistory::api::ext::CreateRunExt {
            experiment_name: Some("fuzz".into()),
            ..Default::default()
        })
        .unwrap();
    let server = EmbeddedServer::start(store, None).unwrap();
    let http = reqwest::blocking::Client::new();
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let mut counts: BTreeMap<u16, usize> = BTreeMap::new();
    for i in 0..total {
        let mut body = value(&mut rng, 0);
        if let Value::Object(m) = &mut body
            && rng.below(2) == 0
        {
            // Half the time the request names a real run, to get past the first check.
            m.insert("run_id".into(), json!(run.run_id));
        }
        let resp = if rng.below(3) == 0 {
            let path = rng.pick(GETS);
            let q: Vec<(String, String)> = (0..rng.below(4))
                .map(|_| {
                    let v = value(&mut rng, 3);
                    let v = v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
                    (rng.pick(FIELDS).to_string(), v)
                })
                .collect();
            http.get(format!("{}{path}", server.url())).query(&q).send()
        } else {
            let path = rng.pick(POSTS);
            let text = body.to_string().into_bytes();
            let text = match rng.below(6) {
                0 => text[..rng.below(text.len() + 1)].to_vec(), // cut short, maybe mid-character
                1 => body.to_string().replace('"', "'").into_bytes(),
                _ => text,
            };
            let req = http.post(format!("{}{path}", server.url())).body(text);
            let req = if rng.below(8) == 0 {
                req
            } else {
                req.header("content-type", "application/json")
            };
            req.send()
        };
        let resp = resp.unwrap_or_else(|e| panic!("request {i}: the server did not answer: {e}"));
        let status = resp.status().as_u16();
        *counts.entry(status).or_default() += 1;
        assert!(
            status < 500,
            "request {i}: {status} {}",
            resp.text().unwrap_or_default()
        );
        if status >= 400 {
            let v: Value = resp
                .json()
                .unwrap_or_else(|e| panic!("request {i}: a {status} that is not JSON: {e}"));
            assert!(
                v["error_code"].is_string() && v["message"].is_string(),
                "request {i}: {v}"
            );
        }
    }
    println!("{total} generated requests on {rows:?}: by status {counts:?}; 0 panics, 0 5xx");
    assert!(counts.keys().any(|s| *s < 300), "some requests were accepted");
}

on_both_databases!(generated_requests_get_json_4xx_or_success_never_5xx);
