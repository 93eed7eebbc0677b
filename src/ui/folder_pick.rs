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
}

impl FolderPick {
    pub fn open(&mut self, spawner: &Spawner, title: &'static str) {
        self.note = None;
        self.pending = Some(spawner.spawn(async move {
            rfd::AsyncFileDialog::new()
                .set_title(title)
                .pick_folder()
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
            self.note = Some("No folder chosen (or no file dialog on this desktop): type a folder instead.".into());
        }
        answer
    }
}
