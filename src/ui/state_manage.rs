//! Managing runs from the workbench: rename, describe, tag, move to the trash and bring back,
//! each sent through the client (MLflow's endpoints) off the UI thread; when one is done the views
//! that show the run read it again, and a notice says what happened (with Undo for the trash).

use super::route::Route;
use super::state::Workbench;
use super::trash_state::TrashState;
use std::time::{Duration, Instant};

/// One change to a run.
#[derive(Debug, Clone, PartialEq)]
pub enum RunChange {
    Rename(String),
    /// The description (markdown; empty clears it).
    Describe(String),
    SetTag(String, String),
    RemoveTag(String),
    /// To the trash (MLflow's soft delete).
    Trash,
    /// Back from the trash.
    Restore,
}

/// What the last change did, floated over the window: a refusal until dismissed, a change done
/// for a few seconds (longer while it offers Undo).
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub text: String,
    pub error: bool,
    /// A run just moved to the trash: Undo brings it back.
    pub undo: Option<String>,
    /// The run the notice is about (`Run 3`), to say it again on Undo.
    pub who: String,
    /// When it was first seen by the logic (its time runs from there).
    since: Option<Instant>,
}

/// How long a notice of a change done stays, and one offering Undo.
const NOTICE_SECS: Duration = Duration::from_secs(8);
const UNDO_NOTICE_SECS: Duration = Duration::from_secs(20);

impl Notice {
    /// Something refused or impossible: stays until dismissed.
    pub fn error(text: impl Into<String>) -> Notice {
        Notice {
            text: text.into(),
            error: true,
            undo: None,
            who: String::new(),
            since: None,
        }
    }

    /// Something to know that is no fault (the Compare button says it too): goes by itself.
    pub fn info(text: impl Into<String>) -> Notice {
        Notice {
            text: text.into(),
            error: false,
            undo: None,
            who: String::new(),
            since: None,
        }
    }

    /// Whether it has been up long enough to go by itself, starting its clock on first sight.
    pub(super) fn expired(&mut self, now: Instant) -> bool {
        let since = *self.since.get_or_insert(now);
        let life = match (self.error, &self.undo) {
            (true, _) => return false,
            (false, Some(_)) => UNDO_NOTICE_SECS,
            (false, None) => NOTICE_SECS,
        };
        now.duration_since(since) >= life
    }
}

/// A change the server has taken.
pub struct ChangeDone {
    run_id: String,
    change: RunChange,
    /// `Run 3`, as the run was known when the change was asked for.
    who: String,
}

impl Workbench {
    /// Sends a change of a run; the views follow once the server has it.
    pub(super) fn change_run(&mut self, run_id: String, change: RunChange) {
        if let RunChange::Rename(name) = &change
            && name.trim().is_empty()
        {
            self.notice = Some(Notice::error("A run's name cannot be empty."));
            return;
        }
        let who = self.run_label(&run_id);
        let c = self.client.clone();
        self.changing.request(&self.spawner, async move {
            match &change {
                RunChange::Rename(name) => c.rename_run(&run_id, name.trim()).await?,
                RunChange::Describe(text) => c.describe_run(&run_id, text).await?,
                RunChange::SetTag(k, v) => c.set_run_tag(&run_id, k.trim(), v).await?,
                RunChange::RemoveTag(k) => c.delete_run_tag(&run_id, k).await?,
                RunChange::Trash => c.delete_run(&run_id).await?,
                RunChange::Restore => c.restore_run(&run_id).await?,
            }
            Ok::<_, crate::client::ClientError>(ChangeDone { run_id, change, who })
        });
    }

    /// Takes a finished change: reads again what shows the run, and says what happened.
    pub(super) fn poll_change(&mut self, now: Instant) {
        if !self.changing.poll() {
            return;
        }
        if let Some(e) = self.changing.error() {
            self.notice = Some(Notice::error(format!("The change was not made: {}", e.message)));
            return;
        }
        let Some(done) = self.changing.value() else { return };
        let (run_id, change) = (done.run_id.clone(), done.change.clone());
        let who = done.who.clone();
        let text = match &change {
            RunChange::Rename(n) => format!("{who} is now named '{}'.", n.trim()),
            RunChange::Describe(t) if t.trim().is_empty() => format!("{who}: description cleared."),
            RunChange::Describe(_) => format!("{who}: description saved."),
            RunChange::SetTag(k, v) => format!("{who}: tag {} = {v}.", k.trim()),
            RunChange::RemoveTag(k) => format!("{who}: tag {k} removed."),
            RunChange::Trash => format!("{who} moved to the trash."),
            RunChange::Restore => format!("{who} is back from the trash."),
        };
        self.notice = Some(Notice {
            text,
            error: false,
            undo: (change == RunChange::Trash).then(|| run_id.clone()),
            who,
            since: None,
        });
        let (sp, c) = (self.spawner.clone(), self.client.clone());
        match &mut self.route {
            Route::Details(d) if d.run_id == run_id && change == RunChange::Trash => self.route = Route::Dashboard,
            Route::Details(d) if d.run_id == run_id => d.refresh(&sp, &c),
            Route::Trash(t) => t.refresh(&sp, &c),
            Route::Details(_) | Route::Dashboard | Route::Compare(_) | Route::Models(_) => {}
        }
        if change == RunChange::Trash {
            self.selected.retain(|s| *s != run_id);
        }
        self.request_runs(now);
    }

    /// `Run 3` for a run in the dashboard, the open details or the trash; else its id's start.
    fn run_label(&self, run_id: &str) -> String {
        let numbered =
            |r: &crate::api::ext::RunDetail| (r.run_id == run_id && r.run_number > 0).then_some(r.run_number);
        self.runs()
            .iter()
            .find_map(numbered)
            .or_else(|| self.route.details().and_then(|d| d.run.value()).and_then(numbered))
            .or_else(|| match &self.route {
                Route::Trash(t) => t.runs.value().and_then(|rs| rs.iter().find_map(numbered)),
                _ => None,
            })
            .map(|n| format!("Run {n}"))
            .or_else(|| {
                let n = self.notice.as_ref()?;
                (n.undo.as_deref() == Some(run_id)).then(|| n.who.clone())
            })
            .unwrap_or_else(|| format!("Run {}", run_id.chars().take(8).collect::<String>()))
    }

    /// Opens the trash of the chosen experiment.
    pub(super) fn show_trash(&mut self) {
        let Some(exp) = self.experiment_id.clone() else {
            self.notice = Some(Notice::error(
                "Choose an experiment first: the trash is an experiment's.",
            ));
            return;
        };
        self.route = Route::Trash(Box::new(TrashState::open(&exp, &self.spawner, &self.client)));
    }

    pub fn notice(&self) -> Option<&Notice> {
        self.notice.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_done_goes_by_itself_an_undo_later_a_refusal_never() {
        let t0 = Instant::now();
        let done = |undo: Option<&str>| Notice {
            text: "Run 3 moved to the trash.".into(),
            error: false,
            undo: undo.map(String::from),
            who: "Run 3".into(),
            since: None,
        };
        let (mut plain, mut undo, mut refused) = (done(None), done(Some("r3")), Notice::error("no"));
        for n in [&mut plain, &mut undo, &mut refused] {
            assert!(!n.expired(t0), "nothing goes the moment it is seen");
        }
        let later = |s| t0 + Duration::from_secs(s);
        assert!(!plain.expired(later(7)) && plain.expired(later(8)));
        assert!(!undo.expired(later(19)) && undo.expired(later(20)));
        assert!(!refused.expired(later(3600)));
    }
}
