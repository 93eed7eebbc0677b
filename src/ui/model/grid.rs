//! The grid of runs as plain data: its rows in order, each cell's text and its difference from a
//! baseline run, and the rows gathered under a header per group with counts and means.

use super::columns::{Attr, ColumnKey, SortValue, cell, sort_runs};
use super::groups::{GroupBy, group_runs};
use crate::api::ext::{RunDetail, RunStatus};
use crate::format::g;
use std::collections::BTreeSet;

/// One row of the grid: cells already formatted, in column order.
#[derive(Debug, Clone, PartialEq)]
pub struct GridRow {
    pub run_id: String,
    pub run_number: i64,
    pub status: RunStatus,
    pub cells: Vec<String>,
    /// The place of the row's group (its colour), when rows are grouped.
    pub group: Option<usize>,
    /// Per column, the cell's difference from the baseline run's in % (None: no baseline, not a
    /// number in either, or the baseline's is 0).
    pub deltas: Vec<Option<f64>>,
}

/// A group's header: its rows are `rows[first..first + count]`.
#[derive(Debug, Clone, PartialEq)]
pub struct GridGroup {
    pub label: String,
    /// Its place among the groups: its colour, as in the curves.
    pub slot: usize,
    pub first: usize,
    pub count: usize,
    /// Per column: the mean of the group's numbers, or the value every run of it shares.
    pub aggregates: Vec<String>,
}

/// What the grid draws, line by line: a group's header or a run's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GridLine {
    Group(usize),
    Row(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    pub columns: Vec<ColumnKey>,
    pub rows: Vec<GridRow>,
    /// The run the others are measured against, when it is in the grid.
    pub baseline: Option<String>,
    /// Empty unless rows are grouped.
    pub groups: Vec<GridGroup>,
}

impl Grid {
    /// The lines drawn, headers before their rows; a collapsed group (by label) shows its
    /// header alone.
    pub fn lines(&self, collapsed: &BTreeSet<String>) -> Vec<GridLine> {
        if self.groups.is_empty() {
            return (0..self.rows.len()).map(GridLine::Row).collect();
        }
        let mut out = Vec::with_capacity(self.rows.len() + self.groups.len());
        for (i, grp) in self.groups.iter().enumerate() {
            out.push(GridLine::Group(i));
            if !collapsed.contains(&grp.label) {
                out.extend((grp.first..grp.first + grp.count).map(GridLine::Row));
            }
        }
        out
    }

    /// The line row `row` is drawn on: its group's header when the group is collapsed.
    pub fn line_of_row(&self, row: usize, collapsed: &BTreeSet<String>) -> usize {
        let mut line = 0;
        for grp in &self.groups {
            let shut = collapsed.contains(&grp.label);
            if (grp.first..grp.first + grp.count).contains(&row) {
                return if shut { line } else { line + 1 + row - grp.first };
            }
            line += 1 + if shut { 0 } else { grp.count };
        }
        row
    }
}

/// How the grid is laid out beyond its columns.
#[derive(Debug, Clone, Copy, Default)]
pub struct GridShape<'a> {
    pub sort: Option<(&'a ColumnKey, bool)>,
    pub baseline: Option<&'a str>,
    pub group_by: Option<&'a GroupBy>,
}

/// The grid of `runs`: sorted by the chosen column (else newest first), grouped when asked (the
/// groups in order of their values, numbers as numbers), with differences from the baseline.
pub fn grid(runs: &[&RunDetail], columns: &[ColumnKey], shape: GridShape<'_>, now: i64) -> Grid {
    let mut sorted: Vec<&RunDetail> = runs.to_vec();
    match shape.sort {
        Some((col, asc)) => sort_runs(&mut sorted, col, asc, now),
        None => sorted.sort_by_key(|r| std::cmp::Reverse(r.run_number)),
    }
    let mut groups = Vec::new();
    // Each row's group's place, filled as the rows are gathered under their groups.
    let mut row_group: Vec<Option<usize>> = vec![None; sorted.len()];
    if let Some(by) = shape.group_by {
        // In the curves' order of groups (so a group has one colour everywhere), the chosen
        // order kept within each.
        let mut grouped = Vec::with_capacity(sorted.len());
        for (slot, (label, members)) in group_runs(&sorted, by).into_iter().enumerate() {
            let runs: Vec<&RunDetail> = members.iter().map(|&m| sorted[m]).collect();
            let label = format!("{} = {label}", by.label());
            groups.push(GridGroup {
                slot,
                first: grouped.len(),
                count: runs.len(),
                // The group's name where the runs' names go.
                aggregates: columns
                    .iter()
                    .map(|c| match c {
                        ColumnKey::Attr(Attr::Name) => label.clone(),
                        _ => aggregate(&runs, c, now),
                    })
                    .collect(),
                label,
            });
            row_group[grouped.len()..grouped.len() + runs.len()].fill(Some(slot));
            grouped.extend(runs);
        }
        sorted = grouped;
    }
    let base = shape
        .baseline
        .and_then(|id| runs.iter().find(|r| r.run_id == id))
        .map(|b| columns.iter().map(|c| number(b, c, now)).collect::<Vec<_>>());
    Grid {
        columns: columns.to_vec(),
        rows: sorted
            .iter()
            .enumerate()
            .map(|(row, r)| GridRow {
                group: row_group[row],
                run_id: r.run_id.clone(),
                run_number: r.run_number,
                status: r.status,
                cells: columns.iter().map(|c| cell(r, c, now).0).collect(),
                deltas: columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let b = base.as_ref()?[i]?;
                        let v = number(r, c, now)?;
                        // A difference in % is of results (metrics, durations, values), not of
                        // the settings that produced them.
                        if matches!(c, ColumnKey::Param(_) | ColumnKey::Tag(_)) {
                            return None;
                        }
                        (b != 0.0 && Some(r.run_id.as_str()) != shape.baseline).then(|| (v - b) / b.abs() * 100.0)
                    })
                    .collect(),
            })
            .collect(),
        baseline: base.and(shape.baseline.map(str::to_string)),
        groups,
    }
}

/// A cell's number, for the columns where a difference in % means something (not the run's
/// number or start time).
fn number(run: &RunDetail, col: &ColumnKey, now: i64) -> Option<f64> {
    if matches!(col, ColumnKey::Attr(Attr::Number | Attr::Start)) {
        return None;
    }
    match cell(run, col, now).1 {
        SortValue::Num(n) if n.is_finite() => Some(n),
        _ => None,
    }
}

/// A group's cell: the mean of its numbers, or the text all its runs share.
fn aggregate(members: &[&RunDetail], col: &ColumnKey, now: i64) -> String {
    let numbers: Vec<f64> = members.iter().filter_map(|r| number(r, col, now)).collect();
    if !numbers.is_empty() {
        let mean = numbers.iter().sum::<f64>() / numbers.len() as f64;
        // A duration reads as one (its cells are milliseconds).
        let shown = if *col == ColumnKey::Attr(Attr::Duration) {
            crate::format::fmt_duration(mean.round() as i64)
        } else {
            g(mean)
        };
        return if numbers.len() == members.len() {
            format!("mean {shown}")
        } else {
            format!("mean {shown} ({} of {})", numbers.len(), members.len())
        };
    }
    let first = members.first().map(|r| cell(r, col, now).0).unwrap_or_default();
    if members.iter().all(|r| cell(r, col, now).0 == first) {
        first
    } else {
        String::new()
    }
}

/// A difference in % as the grid shows it: signed, to 3 significant digits.
pub fn delta_text(pct: f64) -> String {
    let sign = if pct > 0.0 { "+" } else { "" };
    format!("{sign}{}%", g3(pct))
}

fn g3(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let digits = (2 - v.abs().log10().floor() as i32).clamp(0, 6) as usize;
    format!("{v:.digits$}")
}

#[cfg(test)]
#[path = "grid_tests.rs"]
mod tests;
