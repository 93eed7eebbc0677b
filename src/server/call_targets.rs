//! What a call names, traced from its path (decoded as the router decodes it), its query and its
//! JSON body: experiments by id or name, runs, logged models, snapshots, and the artifact proxy's
//! folders. The permission check asks each of these which experiment it is in.

use crate::api::routes as r;
use axum::http::Method;
use serde_json::Value;

/// What a call names: experiments by id or name, runs, logged models; `new_names` are names of
/// experiments the call makes (`experiments/create`), which exist only after it.
#[derive(Debug, Default, PartialEq)]
pub struct Targets {
    pub experiments: Vec<String>,
    pub names: Vec<String>,
    pub new_names: Vec<String>,
    pub runs: Vec<String>,
    pub models: Vec<String>,
    pub snapshots: Vec<i64>,
    /// A path of the artifact proxy: a call there must land in an experiment it can name.
    pub proxied: bool,
}

/// The rest of a logged model's path (`<id>`, `<id>/tags`, ...), not the search.
pub(super) fn logged_model_in(path: &str) -> Option<&str> {
    let rest = path.strip_prefix(r::LOGGED_MODELS)?.strip_prefix('/')?;
    (!rest.is_empty() && rest != "search").then_some(rest)
}

/// The registry's calls: they go by role, except that what they read of a run (a version's
/// source) needs READ in its experiment.
pub(super) fn in_registry(path: &str) -> bool {
    ["/registered-models/", "/model-versions/"]
        .iter()
        .any(|part| path.strip_prefix(r::MLFLOW).is_some_and(|rest| rest.starts_with(part)))
        || path == r::MODEL_VERSION_GET_ARTIFACT
}

/// The calls that grant and read permissions: their handlers check the caller themselves.
pub(super) fn grants_call(path: &str) -> bool {
    [
        r::USER_PERMISSION_GRANT,
        r::USER_PERMISSION_REVOKE,
        r::USER_PERMISSION_GET,
        r::EXPERIMENT_PERMISSION_CREATE,
        r::EXPERIMENT_PERMISSION_GET,
        r::EXPERIMENT_PERMISSION_UPDATE,
        r::EXPERIMENT_PERMISSION_DELETE,
    ]
    .contains(&path)
}

/// A path with its `%XX` escapes decoded, as the router hands its parts to the handlers: what is
/// traced must be what the handler will act on.
pub(super) fn decoded(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Targets {
    /// What the path itself names: a logged model, an artifact below an experiment, a run's file.
    pub fn add_path(&mut self, path: &str) {
        if let Some(rest) = logged_model_in(path) {
            self.models.push(rest.split('/').next().unwrap_or(rest).to_string());
        } else if let Some(rest) = path.strip_prefix(r::ARTIFACTS).and_then(|p| p.strip_prefix('/')) {
            self.artifact_path(rest);
        } else if let Some(rest) = path
            .strip_prefix(r::EXT_RUN_ARTIFACTS)
            .and_then(|p| p.strip_prefix('/'))
        {
            self.runs.push(rest.split('/').next().unwrap_or(rest).to_string());
        }
    }

    /// An artifact path of the proxy names its experiment first (`<experiment>/<run>/...`, or
    /// `<experiment>/models/<model>/...`); a folder named otherwise (an experiment made with an
    /// artifact location of its own) is known by its run or model.
    fn artifact_path(&mut self, path: &str) {
        self.proxied = true;
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        match parts.as_slice() {
            [first, ..] if first.bytes().all(|b| b.is_ascii_digit()) => self.experiments.push(first.to_string()),
            [_, "models", model, ..] => self.models.push(model.to_string()),
            [_, run, ..] => self.runs.push(run.to_string()),
            _ => {}
        }
    }

    pub fn add_query(&mut self, path: &str, query: &str) {
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            let v = v.into_owned();
            match k.as_ref() {
                "experiment_id" | "experiment_ids" => self.experiments.push(v),
                "experiment_name" => self.names.push(v),
                "run_id" | "run_uuid" | "run_ids" => self.runs.push(v),
                "model_id" => self.models.push(v),
                "snapshot_id" => self.snapshots.extend(v.parse::<i64>().ok()),
                "path" if path == r::ARTIFACTS => self.artifact_path(&v),
                _ => {}
            }
        }
    }

    /// The top-level fields of a JSON body that name what the call touches.
    pub fn add_json(&mut self, path: &str, body: &[u8]) {
        let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) else {
            return;
        };
        let text = |v: &Value| match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        let all = |v: &Value| -> Vec<String> {
            match v {
                Value::Array(items) => items.iter().filter_map(text).collect(),
                other => text(other).into_iter().collect(),
            }
        };
        for (k, v) in &fields {
            match k.as_str() {
                "experiment_id" | "experiment_ids" => self.experiments.extend(all(v)),
                "experiment_name" => self.names.extend(all(v)),
                "name" if path == r::EXPERIMENTS_CREATE => self.new_names.extend(all(v)),
                "run_id" | "run_uuid" | "run_ids" => self.runs.extend(all(v)),
                "model_id" | "model_ids" => self.models.extend(all(v)),
                // A registered version's files: a run's (`runs:/<run>/...`), a logged model's
                // (`models:/<id>`), or a path of the proxy.
                "source" if in_registry(path) => {
                    for s in all(v) {
                        if let Some(rest) = s.strip_prefix("runs:/") {
                            self.runs
                                .extend(rest.split('/').find(|p| !p.is_empty()).map(str::to_string));
                        } else if let Some(rest) = s.strip_prefix("models:/") {
                            self.models
                                .extend(rest.split('/').find(|p| !p.is_empty()).map(str::to_string));
                        } else if let Some(rest) = s.strip_prefix("mlflow-artifacts:") {
                            self.artifact_path(rest);
                        }
                    }
                }
                _ => {}
            }
        }
        // A run made without an experiment goes in the Default one (0).
        let names_one = ["experiment_id", "experiment_name"]
            .iter()
            .any(|k| fields.contains_key(*k));
        if (path == r::RUNS_CREATE || path == r::EXT_RUNS_CREATE) && !names_one {
            self.experiments.push("0".into());
        }
    }
}

/// Whether the middleware reads the body for names: JSON calls of MLflow's API and ours, never
/// an upload (streamed) nor a bulk ingest (its handler checks its run itself).
pub(super) fn reads_body(method: &Method, path: &str) -> bool {
    let below = |prefix: &str| path.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('/'));
    method != Method::GET
        && method != Method::HEAD
        && (below(r::MLFLOW) || below(r::PREFIX))
        && !path.starts_with(r::EXT_RUN_ARTIFACTS)
        && !path.starts_with(r::BLOBS)
        && path != r::EXT_RUNS_INGEST
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_is_traced_to_what_it_names() {
        let mut t = Targets::default();
        t.add_path(&format!("{}/m-1/tags", r::LOGGED_MODELS));
        t.add_path(&format!("{}/7/r1/artifacts/a.txt", r::ARTIFACTS));
        t.add_path(&format!("{}/r2/log.txt", r::EXT_RUN_ARTIFACTS));
        t.add_query(
            r::ARTIFACTS,
            "path=8%2Fr3%2Fartifacts&run_id=r4&run_ids=r5&experiment_name=a%20b",
        );
        t.add_json(
            r::RUNS_SEARCH,
            br#"{"experiment_ids": ["1", 2], "run_ids": ["r6"], "other": "x"}"#,
        );
        t.add_json(r::EXPERIMENTS_CREATE, br#"{"name": "new one"}"#);
        assert_eq!(
            t,
            Targets {
                experiments: vec!["7".into(), "8".into(), "1".into(), "2".into()],
                names: vec!["a b".into()],
                new_names: vec!["new one".into()],
                runs: vec!["r2".into(), "r4".into(), "r5".into(), "r6".into()],
                models: vec!["m-1".into()],
                snapshots: vec![],
                proxied: true,
            }
        );
        let mut search = Targets::default();
        search.add_path(r::LOGGED_MODELS_SEARCH);
        assert_eq!(search, Targets::default());
        // A folder not named by its experiment is known by its run or model.
        let mut own = Targets::default();
        own.add_path(&format!("{}/team-a/r9/artifacts/x", r::ARTIFACTS));
        own.add_path(&format!("{}/team-a/models/m-2/artifacts/x", r::ARTIFACTS));
        assert_eq!(
            (own.runs, own.models, own.proxied),
            (vec!["r9".to_string()], vec!["m-2".to_string()], true)
        );
        // A run made without an experiment is made in the Default one; a version's source is read.
        let mut bare = Targets::default();
        bare.add_json(r::RUNS_CREATE, br#"{"run_name": "x"}"#);
        bare.add_json(
            r::MODEL_VERSIONS_CREATE,
            br#"{"name": "m", "source": "runs:/r7/model"}"#,
        );
        assert_eq!(
            (bare.experiments, bare.runs),
            (vec!["0".to_string()], vec!["r7".to_string()])
        );
        assert_eq!(decoded("/a/%37/m%2D1/%zz"), "/a/7/m-1/%zz");
        assert!(
            in_registry(r::MODEL_VERSIONS_CREATE)
                && !in_registry(&format!("{}/1/r/artifacts/model-versions/x", r::ARTIFACTS))
        );
    }
}
