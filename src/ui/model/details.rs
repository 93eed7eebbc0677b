//! The details view as plain data: the header, scalars and series of a run, its artifact tree.

use crate::api::ext::RunDetail;
use crate::format::g;
use crate::format::{fmt_duration as duration, fmt_time as utc};
use std::collections::BTreeMap;

/// Header fields in the order they are shown.
pub fn header(run: &RunDetail, now: i64) -> Vec<(&'static str, String)> {
    vec![
        ("Run", format!("{} · {}", run.run_number, run.name)),
        (
            "Status",
            match run.exit_code {
                Some(code) if code != 0 => format!("{} (exit code {code})", run.status.label()),
                _ => run.status.label().to_string(),
            },
        ),
        ("Script", run.script_name.clone().unwrap_or_else(|| "—".into())),
        (
            "Arguments",
            if run.arguments.is_empty() {
                "—".into()
            } else {
                run.arguments.join(" ")
            },
        ),
        ("Started", run.start_time.map(utc).unwrap_or_default()),
        ("Ended", run.end_time.map(utc).unwrap_or_else(|| "—".into())),
        ("Duration", run.duration_ms(now).map(duration).unwrap_or_default()),
        (
            "Commit",
            run.properties.get("CommitId").cloned().unwrap_or_else(|| "—".into()),
        ),
    ]
}

/// Values with one point (and logged strings): shown in a table, not a chart.
pub fn scalars(run: &RunDetail) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = run
        .metrics
        .iter()
        .filter(|(_, m)| m.count == 1)
        .map(|(k, m)| (k.clone(), g(m.value.0)))
        .collect();
    out.extend(run.values.iter().filter(|(_, v)| v.kind == "string").map(|(k, v)| {
        let text = match &v.value {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        (k.clone(), text)
    }));
    out
}

/// Keys logged at many steps, each drawn as a chart (count 0: the server did not say, so chart it).
pub fn series_keys(run: &RunDetail) -> Vec<String> {
    run.metrics
        .iter()
        .filter(|(_, m)| m.count != 1)
        .map(|(k, _)| k.clone())
        .collect()
}

/// Logged tables: name to (column names, rows of cells).
pub fn tables(run: &RunDetail) -> Vec<(String, Vec<String>, Vec<Vec<String>>)> {
    run.values
        .iter()
        .filter(|(_, v)| v.kind == "table")
        .filter_map(|(k, v)| {
            let cols = v.value.as_object()?;
            let names: Vec<String> = cols.keys().cloned().collect();
            let len = cols
                .values()
                .filter_map(|c| c.as_array().map(Vec::len))
                .max()
                .unwrap_or(0);
            let rows = (0..len)
                .map(|i| {
                    cols.values()
                        .map(|c| match c.get(i) {
                            Some(serde_json::Value::String(s)) => s.clone(),
                            Some(serde_json::Value::Null) | None => String::new(),
                            Some(other) => other.to_string(),
                        })
                        .collect()
                })
                .collect();
            Some((k.clone(), names, rows))
        })
        .collect()
}

pub fn is_image(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.ends_with(".png") || lower.ends_with(".jpg") || lower.ends_with(".jpeg")
}

/// How an artifact is previewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreviewKind {
    Image,
    Csv,
    Text,
    None,
}

pub fn preview_kind(path: &str) -> PreviewKind {
    let ext = path
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "png" | "jpg" | "jpeg" => PreviewKind::Image,
        "csv" | "tsv" => PreviewKind::Csv,
        "txt" | "log" | "json" | "md" | "py" | "yaml" | "yml" | "toml" | "cfg" | "ini" | "sh" | "html" => {
            PreviewKind::Text
        }
        _ => PreviewKind::None,
    }
}

/// A folder of the artifact tree: its files (path, size) and sub-folders.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Folder {
    pub files: Vec<(String, u64)>,
    pub folders: BTreeMap<String, Folder>,
}

pub fn artifact_tree(files: &[(String, u64)]) -> Folder {
    let mut root = Folder::default();
    for (path, size) in files {
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let Some((_, dirs)) = parts.split_last() else { continue };
        let mut f = &mut root;
        for d in dirs {
            f = f.folders.entry((*d).to_string()).or_default();
        }
        f.files.push((path.clone(), *size));
    }
    sort_files(&mut root);
    root
}

/// Files in natural order: numbers in names compared as numbers (step 40 before step 120).
fn sort_files(f: &mut Folder) {
    f.files.sort_by_cached_key(|f| natural_key(&f.0));
    f.folders.values_mut().for_each(sort_files);
}

/// A name split into runs of text and of digits, the digits as numbers.
fn natural_key(name: &str) -> Vec<(String, u128)> {
    let mut out: Vec<(String, u128)> = Vec::new();
    let mut text = String::new();
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            let mut digits = c.to_string();
            while let Some(d) = chars.next_if(char::is_ascii_digit) {
                digits.push(d);
            }
            out.push((std::mem::take(&mut text), digits.parse().unwrap_or(u128::MAX)));
        } else {
            text.push(c);
        }
    }
    out.push((text, 0));
    out
}

/// CSV text split into rows of cells (quotes honoured), at most `max_rows` rows.
pub fn parse_csv(text: &str, max_rows: usize) -> Vec<Vec<String>> {
    let sep = if text
        .lines()
        .next()
        .is_some_and(|l| l.contains('\t') && !l.contains(','))
    {
        '\t'
    } else {
        ','
    };
    text.lines()
        .take(max_rows)
        .map(|line| {
            let mut cells = Vec::new();
            let mut cur = String::new();
            let mut quoted = false;
            let mut chars = line.chars().peekable();
            while let Some(c) = chars.next() {
                match c {
                    '"' if quoted && chars.peek() == Some(&'"') => {
                        cur.push('"');
                        chars.next();
                    }
                    '"' => quoted = !quoted,
                    c if c == sep && !quoted => cells.push(std::mem::take(&mut cur)),
                    c => cur.push(c),
                }
            }
            cells.push(cur);
            cells
        })
        .collect()
}

#[cfg(test)]
#[path = "details_tests.rs"]
mod tests;

#[cfg(test)]
mod natural_order_tests {
    use super::*;

    #[test]
    fn numbers_in_names_sort_as_numbers() {
        let file = |p: &str| (p.to_string(), 1);
        let steps = artifact_tree(&[
            file("images/s+step+120+t.png"),
            file("images/s+step+40+t.png"),
            file("images/s+step+0+t.png"),
        ]);
        let names: Vec<&str> = steps.folders["images"].files.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(
            names,
            [
                "images/s+step+0+t.png",
                "images/s+step+40+t.png",
                "images/s+step+120+t.png"
            ]
        );
    }
}
