//! The jobs panel and the run form as plain data: rows of jobs, and the arguments box split into a
//! list the way a shell would (quotes and backslashes), without ever running a shell.

use crate::project::{JobStatus, JobView};
use std::time::Instant;

/// Output lines a job row shows.
pub const TAIL_SHOWN: usize = 4;

#[derive(Debug, Clone, PartialEq)]
pub struct JobRow {
    pub run_id: String,
    pub title: String,
    pub status: String,
    pub running: bool,
    pub elapsed: String,
    pub tail: Vec<String>,
}

/// Newest first.
pub fn job_rows(views: &[JobView], now: Instant) -> Vec<JobRow> {
    let mut rows: Vec<(Instant, JobRow)> = views
        .iter()
        .map(|v| {
            let args = if v.args.is_empty() {
                String::new()
            } else {
                format!(" {}", v.args.join(" "))
            };
            let tail = v.tail[v.tail.len().saturating_sub(TAIL_SHOWN)..].to_vec();
            let secs = v.elapsed(now).as_secs_f64();
            (
                v.started,
                JobRow {
                    run_id: v.run_id.clone(),
                    title: format!("Run {} · {}{args}", v.run_number, v.script),
                    status: v.status.label().to_string(),
                    running: !v.status.is_done(),
                    elapsed: if secs < 60.0 {
                        format!("{secs:.1} s")
                    } else {
                        format!("{}:{:02}", secs as u64 / 60, secs as u64 % 60)
                    },
                    tail,
                },
            )
        })
        .collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.0));
    rows.into_iter().map(|(_, r)| r).collect()
}

/// How many jobs are still going.
pub fn running_count(views: &[JobView]) -> usize {
    views
        .iter()
        .filter(|v| !matches!(v.status, JobStatus::Ended(_)))
        .count()
}

/// Arguments typed in a way that cannot be split into a list.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ArgsError {
    #[error("the arguments end with a lone backslash")]
    LoneBackslash,
    #[error("a {0} quote is not closed")]
    OpenQuote(char),
}

/// Splits the arguments box into a list: spaces separate, quotes group, backslash escapes.
pub fn split_args(text: &str) -> Result<Vec<String>, ArgsError> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') | (None, '\\') => match chars.next() {
                Some(n) => cur.push(n),
                None => return Err(ArgsError::LoneBackslash),
            },
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, c) => {
                cur.push(c);
                in_word = true;
            }
        }
        if quote.is_some() || !cur.is_empty() {
            in_word = true;
        }
    }
    if let Some(q) = quote {
        return Err(ArgsError::OpenQuote(q));
    }
    if in_word {
        out.push(cur);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ext::RunStatus;
    use std::time::Duration;

    #[test]
    fn arguments_split_like_a_shell_without_one() {
        assert_eq!(split_args("0.5  --epochs 3").unwrap(), ["0.5", "--epochs", "3"]);
        assert_eq!(
            split_args(r#"--name "two words" 'single $x'"#).unwrap(),
            ["--name", "two words", "single $x"]
        );
        assert_eq!(split_args(r#"a\ b "" c"#).unwrap(), ["a b", "", "c"]);
        assert_eq!(split_args("   ").unwrap(), Vec::<String>::new());
        assert!(split_args("\"open").unwrap_err().to_string().contains("not closed"));
    }

    fn view(n: i64, status: JobStatus, started: Instant, tail: &[&str]) -> JobView {
        JobView {
            run_id: format!("id{n}"),
            run_number: n,
            experiment_id: "1".into(),
            script: "train.py".into(),
            args: vec!["0.5".into()],
            status,
            exit_code: None,
            started,
            ended: None,
            tail: tail.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn rows_are_newest_first_with_the_last_lines() {
        let t0 = Instant::now();
        let views = [
            view(1, JobStatus::Ended(RunStatus::Completed), t0, &["a"]),
            view(
                2,
                JobStatus::Running,
                t0 + Duration::from_secs(1),
                &["1", "2", "3", "4", "5"],
            ),
        ];
        let rows = job_rows(&views, t0 + Duration::from_secs(3));
        assert_eq!(rows[0].title, "Run 2 · train.py 0.5");
        assert!(rows[0].running);
        assert_eq!(rows[0].tail, ["2", "3", "4", "5"]);
        assert_eq!(rows[0].elapsed, "2.0 s");
        assert_eq!(rows[1].status, "Completed");
        assert_eq!(running_count(&views), 1);
    }
}
