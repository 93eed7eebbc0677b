//! Wire types of MLflow's model registry: registered models, their versions, tags and aliases, as
//! the official client sends and reads them.

use super::KeyValue;
use super::serde_num::de_i64;
use serde::{Deserialize, Deserializer, Serialize};

/// The stages MLflow's registry knows, in their canonical spelling.
pub const STAGES: [&str; 4] = ["None", "Staging", "Production", "Archived"];

/// A stage in its canonical spelling, whatever the case it was given in.
pub fn canonical_stage(stage: &str) -> Option<&'static str> {
    STAGES.iter().copied().find(|s| s.eq_ignore_ascii_case(stage))
}

/// A version number or name sent as a JSON string or number.
fn de_opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        Some(serde_json::Value::Null) | None => None,
        Some(other) => return Err(serde::de::Error::custom(format!("expected a string, got {other}"))),
    })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisteredModelAlias {
    pub alias: String,
    pub version: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelVersion {
    pub name: String,
    pub version: String,
    #[serde(default, deserialize_with = "de_i64")]
    pub creation_timestamp: i64,
    #[serde(default, deserialize_with = "de_i64")]
    pub last_updated_timestamp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default)]
    pub current_stage: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    #[serde(default)]
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<KeyValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_link: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RegisteredModel {
    pub name: String,
    #[serde(default, deserialize_with = "de_i64")]
    pub creation_timestamp: i64,
    #[serde(default, deserialize_with = "de_i64")]
    pub last_updated_timestamp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The newest version in each stage.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub latest_versions: Vec<ModelVersion>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<KeyValue>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<RegisteredModelAlias>,
}

/// `registered-models/create`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct CreateRegisteredModel {
    pub name: Option<String>,
    #[serde(default)]
    pub tags: Vec<KeyValue>,
    pub description: Option<String>,
}

/// Every request that names a registered model, and may name a version, a new name, a stage, a
/// tag or an alias: the registry's requests differ only in which of these they need.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct RegistryRequest {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "de_opt_text")]
    pub version: Option<String>,
    pub new_name: Option<String>,
    pub description: Option<String>,
    pub key: Option<String>,
    pub value: Option<String>,
    pub alias: Option<String>,
    pub stage: Option<String>,
    #[serde(default)]
    pub archive_existing_versions: bool,
    #[serde(default)]
    pub stages: Vec<String>,
}

/// `model-versions/create`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct CreateModelVersion {
    pub name: Option<String>,
    pub source: Option<String>,
    pub run_id: Option<String>,
    #[serde(default)]
    pub tags: Vec<KeyValue>,
    pub run_link: Option<String>,
    pub description: Option<String>,
    pub model_id: Option<String>,
}

/// A registry search: a filter, an order, a page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RegistrySearch {
    pub filter: String,
    pub order_by: Vec<String>,
    pub max_results: Option<i64>,
    pub page_token: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct SearchRegisteredModelsResponse {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub registered_models: Vec<RegisteredModel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct SearchModelVersionsResponse {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub model_versions: Vec<ModelVersion>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_reads_as_a_string_or_a_number_and_stages_are_canonical() {
        for body in [r#"{"name": "m", "version": "3"}"#, r#"{"name": "m", "version": 3}"#] {
            let r: RegistryRequest = serde_json::from_str(body).unwrap();
            assert_eq!(r.version.as_deref(), Some("3"), "{body}");
        }
        assert!(serde_json::from_str::<RegistryRequest>(r#"{"version": [1]}"#).is_err());
        for (given, want) in [
            ("production", Some("Production")),
            ("NONE", Some("None")),
            ("prod", None),
        ] {
            assert_eq!(canonical_stage(given), want, "{given}");
        }
        let v: ModelVersion = serde_json::from_str(
            r#"{"name": "m", "version": "1", "creation_timestamp": "5", "current_stage": "None",
                "source": "s", "status": "READY", "aliases": ["champion"]}"#,
        )
        .unwrap();
        assert_eq!((v.creation_timestamp, v.aliases.len()), (5, 1));
        let back = serde_json::to_value(&v).unwrap();
        assert!(back.get("run_id").is_none(), "absent fields stay absent");
    }
}
