//! The registered models page as plain data: a row per model (newest version, stages, aliases)
//! and, for the model opened, a row per version with the run it came from.

use crate::api::registry::{ModelVersion, RegisteredModel};
use crate::format::fmt_time;

#[derive(Debug, Clone, PartialEq)]
pub struct ModelRow {
    pub name: String,
    /// `v3`, or empty for a model without versions.
    pub latest: String,
    /// `Production v2 · Staging v3`: the newest version in each stage but None.
    pub stages: String,
    /// `@champion v2`.
    pub aliases: String,
    pub updated: String,
    /// The first line of the description.
    pub description: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VersionRow {
    pub version: String,
    pub stage: String,
    pub aliases: String,
    /// The run it came from, when the registry knows it (a link to the run's details).
    pub run_id: Option<String>,
    pub source: String,
    pub created: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ModelsPage {
    pub rows: Vec<ModelRow>,
    /// The opened model's name and versions, newest first.
    pub open: Option<(String, Vec<VersionRow>)>,
}

fn first_line(text: Option<&str>) -> String {
    text.and_then(|d| d.lines().next()).unwrap_or("").to_string()
}

fn number(v: &ModelVersion) -> i64 {
    v.version.parse().unwrap_or(0)
}

pub fn models_page(models: &[RegisteredModel], open: Option<(&str, &[ModelVersion])>) -> ModelsPage {
    let rows = models
        .iter()
        .map(|m| {
            let mut by_stage: Vec<&ModelVersion> = m.latest_versions.iter().collect();
            by_stage.sort_by_key(|v| std::cmp::Reverse(number(v)));
            ModelRow {
                name: m.name.clone(),
                latest: by_stage.first().map(|v| format!("v{}", v.version)).unwrap_or_default(),
                stages: by_stage
                    .iter()
                    .filter(|v| v.current_stage != "None" && !v.current_stage.is_empty())
                    .map(|v| format!("{} v{}", v.current_stage, v.version))
                    .collect::<Vec<_>>()
                    .join(" · "),
                aliases: m
                    .aliases
                    .iter()
                    .map(|a| format!("@{} v{}", a.alias, a.version))
                    .collect::<Vec<_>>()
                    .join(" "),
                updated: fmt_time(m.last_updated_timestamp),
                description: first_line(m.description.as_deref()),
            }
        })
        .collect();
    let open = open.map(|(name, versions)| {
        let mut versions: Vec<&ModelVersion> = versions.iter().collect();
        versions.sort_by_key(|v| std::cmp::Reverse(number(v)));
        let rows = versions
            .into_iter()
            .map(|v| VersionRow {
                version: format!("v{}", v.version),
                stage: v.current_stage.clone(),
                aliases: v.aliases.iter().map(|a| format!("@{a}")).collect::<Vec<_>>().join(" "),
                run_id: v.run_id.clone().filter(|r| !r.is_empty()),
                source: v.source.clone(),
                created: fmt_time(v.creation_timestamp),
                description: first_line(v.description.as_deref()),
            })
            .collect();
        (name.to_string(), rows)
    });
    ModelsPage { rows, open }
}

/// How a run's registered versions read in its details: `iris v2 @champion`, by name and version.
pub fn registered_labels(versions: &[ModelVersion]) -> Vec<String> {
    let mut sorted: Vec<&ModelVersion> = versions.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name).then(number(a).cmp(&number(b))));
    sorted
        .into_iter()
        .map(|v| {
            let mut label = format!("{} v{}", v.name, v.version);
            for a in &v.aliases {
                label.push_str(&format!(" @{a}"));
            }
            if !v.current_stage.is_empty() && v.current_stage != "None" {
                label.push_str(&format!(" ({})", v.current_stage));
            }
            label
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::registry::RegisteredModelAlias;

    fn version(n: i64, stage: &str, run: &str) -> ModelVersion {
        ModelVersion {
            name: "iris".into(),
            version: n.to_string(),
            current_stage: stage.into(),
            run_id: Some(run.into()),
            source: format!("mlflow-artifacts:/1/{run}/artifacts/model"),
            aliases: if n == 2 { vec!["champion".into()] } else { vec![] },
            ..Default::default()
        }
    }

    #[test]
    fn rows_show_the_newest_version_stages_and_aliases() {
        let models = [
            RegisteredModel {
                name: "iris".into(),
                latest_versions: vec![
                    version(2, "Production", "r2"),
                    version(3, "None", "r3"),
                    version(1, "Archived", "r1"),
                ],
                aliases: vec![RegisteredModelAlias {
                    alias: "champion".into(),
                    version: "2".into(),
                }],
                description: Some("a classifier\nwith details".into()),
                ..Default::default()
            },
            RegisteredModel {
                name: "empty".into(),
                ..Default::default()
            },
        ];
        let page = models_page(&models, None);
        for (row, latest, stages, aliases, description) in [
            (
                &page.rows[0],
                "v3",
                "Production v2 · Archived v1",
                "@champion v2",
                "a classifier",
            ),
            (&page.rows[1], "", "", "", ""),
        ] {
            assert_eq!(
                (
                    row.latest.as_str(),
                    row.stages.as_str(),
                    row.aliases.as_str(),
                    row.description.as_str()
                ),
                (latest, stages, aliases, description),
                "{}",
                row.name
            );
        }
        assert_eq!(page.open, None);
    }

    #[test]
    fn a_runs_versions_read_by_name_and_number() {
        let mut other = version(1, "None", "r2");
        other.name = "alpha".into();
        let labels = registered_labels(&[version(2, "Production", "r2"), other, version(10, "None", "r2")]);
        assert_eq!(labels, ["alpha v1", "iris v2 @champion (Production)", "iris v10"]);
    }

    #[test]
    fn an_opened_model_lists_its_versions_newest_first_with_their_runs() {
        let versions = [
            version(1, "Archived", "r1"),
            version(2, "Production", "r2"),
            version(3, "None", ""),
        ];
        let page = models_page(&[], Some(("iris", &versions)));
        let (name, rows) = page.open.unwrap();
        assert_eq!(name, "iris");
        let got: Vec<(&str, &str, &str, Option<&str>)> = rows
            .iter()
            .map(|r| {
                (
                    r.version.as_str(),
                    r.stage.as_str(),
                    r.aliases.as_str(),
                    r.run_id.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("v3", "None", "", None),
                ("v2", "Production", "@champion", Some("r2")),
                ("v1", "Archived", "", Some("r1"))
            ]
        );
    }
}
