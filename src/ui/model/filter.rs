//! Completing the filter box as it is typed: after `metrics.`, `params.` or `tags.` the keys the
//! runs have, each quoted in backticks when it is more than letters, digits and `_`.

use super::columns::ColumnKey;

/// How a key is written in a filter: as it is, or in backticks when it has spaces or signs.
pub fn quoted(key: &str) -> String {
    if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        key.to_string()
    } else {
        format!("`{key}`")
    }
}

/// Up to `max` completions of the word being typed at the end of `text`: (what the list shows,
/// the whole text once chosen).
pub fn completions(text: &str, catalog: &[ColumnKey], max: usize) -> Vec<(String, String)> {
    let start = text.rfind(|c: char| c.is_whitespace() || c == '(').map_or(0, |i| i + 1);
    let (head, word) = text.split_at(start);
    let Some((prefix, partial)) = word.split_once('.') else {
        return Vec::new();
    };
    let kind = prefix.to_ascii_lowercase();
    let partial = partial.trim_start_matches(['`', '"']).to_lowercase();
    let keys = catalog.iter().filter_map(|c| match (c, kind.as_str()) {
        (ColumnKey::Metric(k), "metrics" | "metric") => Some(k),
        (ColumnKey::Param(k), "params" | "param" | "parameters") => Some(k),
        (ColumnKey::Tag(k), "tags" | "tag") => Some(k),
        _ => None,
    });
    let mut found: Vec<&String> = keys.filter(|k| k.to_lowercase().contains(&partial)).collect();
    // Keys that start with what was typed come first.
    found.sort_by_key(|k| (!k.to_lowercase().starts_with(&partial), k.to_lowercase()));
    found
        .into_iter()
        .take(max)
        .map(|k| (k.clone(), format!("{head}{prefix}.{} ", quoted(k))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_complete_after_their_kind_and_are_quoted_when_they_need_it() {
        let catalog = [
            ColumnKey::Metric("Accuracy".into()),
            ColumnKey::Metric("val loss".into()),
            ColumnKey::Metric("loss".into()),
            ColumnKey::Param("lr".into()),
            ColumnKey::Tag("team".into()),
        ];
        for (text, want) in [
            (
                "metrics.",
                vec!["metrics.Accuracy ", "metrics.loss ", "metrics.`val loss` "],
            ),
            ("metrics.lo", vec!["metrics.loss ", "metrics.`val loss` "]),
            (
                "metrics.Accuracy > 0.5 AND params.",
                vec!["metrics.Accuracy > 0.5 AND params.lr "],
            ),
            ("(tags.te", vec!["(tags.team "]),
            ("metrics.`val", vec!["metrics.`val loss` "]),
            ("attributes.st", vec![]),
            ("metrics.Accuracy > 0.", vec![]),
            ("", vec![]),
        ] {
            let got: Vec<String> = completions(text, &catalog, 8).into_iter().map(|(_, t)| t).collect();
            assert_eq!(got, want, "{text:?}");
        }
        assert_eq!(completions("metrics.", &catalog, 1).len(), 1);
        assert_eq!(quoted("a-b"), "`a-b`");
    }
}
