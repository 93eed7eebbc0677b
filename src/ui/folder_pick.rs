//! A folder dialog opened on the I/O runtime, so the window stays live while it is open; and the
//! note to show when it gives nothing (no choice, or no file dialog on this desktop).

use super::fetch::Spawner;
use std::path::PathBuf;
use std::sync::mpsc;

#[derive(Default)]
pub struct FolderPick {
    pending: Option<mpsc::Receiver<Option<PathBuf>>>,
    /// Why the last pick gave nothing.
    pub note: Option<String>,
    /// What to say when the dialog gives nothing.
    on_nothing: &'static str,
}

impl FolderPick {
    pub fn open(&mut self, spawner: &Spawner, title: &'static str) {
        self.note = None;
        self.on_nothing = "No folder chosen (or no file dialog on this desktop): type a folder instead.";
        self.pending = Some(spawner.spawn(async move {
            rfd::AsyncFileDialog::new()
                .set_title(title)
                .pick_folder()
                .await
                .map(|h| h.path().to_path_buf())
        }));
    }

    /// A save dialog for one file, proposing `file_name`; `on_nothing` is said when it gives none.
    pub fn open_save(&mut self, spawner: &Spawner, title: &'static str, file_name: String, on_nothing: &'static str) {
        self.note = None;
        self.on_nothing = on_nothing;
        self.pending = Some(spawner.spawn(async move {
            rfd::AsyncFileDialog::new()
                .set_title(title)
                .set_file_name(file_name)
                .save_file()
                .await
                .map(|h| h.path().to_path_buf())
        }));
    }

    pub fn is_open(&self) -> bool {
        self.pending.is_some()
    }

    /// The folder chosen, once the dialog has closed with one.
    pub fn poll(&mut self) -> Option<PathBuf> {
        let answer = self.pending.as_ref()?.try_recv().ok()?;
        self.pending = None;
        if answer.is_none() {
            self.note = Some(self.on_nothing.into());
        }
        answer
    }
}
