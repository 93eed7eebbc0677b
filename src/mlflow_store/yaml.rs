//! The flat `key: value` YAML that MLflow's folder store writes in its `meta.yaml` files (PyYAML's
//! `safe_dump` of a flat mapping): plain, single- and double-quoted scalars, long ones folded
//! over indented lines, and `null`. Nothing nested is read.

use std::collections::HashMap;

/// Each top-level key and its scalar value (`None` for null, a nested value or an empty one).
pub fn flat_mapping(text: &str) -> HashMap<String, Option<String>> {
    let mut entries: Vec<(String, Vec<&str>)> = Vec::new();
    for line in text.lines() {
        if line.starts_with([' ', '\t']) || line.is_empty() {
            if let Some((_, parts)) = entries.last_mut() {
                parts.push(line.trim());
            }
            continue;
        }
        if line.starts_with('#') || line == "---" {
            continue;
        }
        let Some((key, rest)) = line.split_once(':') else {
            continue;
        };
        entries.push((key.trim().to_string(), vec![rest.trim()]));
    }
    entries
        .into_iter()
        .map(|(key, parts)| (key, scalar(&fold(&parts))))
        .collect()
}

/// A scalar's lines as one: a line break is a space, an empty line a newline.
fn fold(parts: &[&str]) -> String {
    let mut out = String::new();
    let mut breaks = 0;
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() && i > 0 {
            breaks += 1;
            continue;
        }
        if i > 0 {
            if breaks > 0 {
                out.extend(std::iter::repeat_n('\n', breaks));
            } else if !out.is_empty() {
                out.push(' ');
            }
        }
        breaks = 0;
        out.push_str(part);
    }
    out
}

fn scalar(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if let Some(inner) = raw.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
        return Some(inner.replace("''", "'"));
    }
    if let Some(inner) = raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        return Some(unescape_double(inner));
    }
    match raw {
        "" | "~" | "null" | "Null" | "NULL" | "[]" | "{}" => None,
        // A nested value (`tags:` followed by a list) is not read.
        _ if raw.starts_with(['[', '{', '&', '*', '!', '|', '>']) => None,
        _ => Some(raw.to_string()),
    }
}

fn unescape_double(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some(' ') => out.push(' '),
            Some(code @ ('x' | 'u' | 'U')) => {
                let len = match code {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let hex: String = chars.by_ref().take(len).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(c) => out.push(c),
                    None => out.push(char::REPLACEMENT_CHARACTER),
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_pyyaml_writes() {
        let text = "artifact_uri: /tmp/m/1/abc/artifacts\nend_time: null\nentry_point_name: ''\n\
            experiment_id: '919453957474369567'\nrun_name: 'it''s: a run'\nnote: \"tab\\there \\u00e9\"\n\
            status: 3\ntags: []\nlong: a long name that PyYAML\n  folds over lines\n\n  and a paragraph\n";
        let m = flat_mapping(text);
        assert_eq!(m["artifact_uri"].as_deref(), Some("/tmp/m/1/abc/artifacts"));
        assert_eq!(m["end_time"], None);
        assert_eq!(m["entry_point_name"].as_deref(), Some(""));
        assert_eq!(m["experiment_id"].as_deref(), Some("919453957474369567"));
        assert_eq!(m["run_name"].as_deref(), Some("it's: a run"));
        assert_eq!(m["note"].as_deref(), Some("tab\there é"));
        assert_eq!(m["status"].as_deref(), Some("3"));
        assert_eq!(m["tags"], None);
        assert_eq!(
            m["long"].as_deref(),
            Some("a long name that PyYAML folds over lines\nand a paragraph")
        );
    }
}
