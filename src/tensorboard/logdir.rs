//! A TensorBoard logdir as runs: every folder below it that holds event files is one, named by its
//! path relative to the logdir. Each poll reads only what was appended since the last one, up to
//! the last whole record, and finds new files and run folders, as TensorBoard's reload does.

use super::event::{self, Data, Plugin};
use super::records::{Frame, frame_at};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ffi::OsString;

use std::path::{Path, PathBuf};

/// How much of a file is read at once (in tests, less than two records, so that every test reads
/// in chunks and meets records longer than a chunk).
#[cfg(not(test))]
const CHUNK: usize = 64 << 20;
#[cfg(test)]
const CHUNK: usize = 100;
/// A run's points read before they are handed on, however much more its files hold.
#[cfg(not(test))]
const FLUSH_POINTS: usize = 2_000_000;
#[cfg(test)]
const FLUSH_POINTS: usize = 3;
/// The same for images' bytes.
const FLUSH_IMAGE_BYTES: usize = 256 << 20;

/// The points of one scalar tag read in a poll, in file order.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Scalars {
    pub steps: Vec<i64>,
    /// Milliseconds since the epoch.
    pub times: Vec<i64>,
    pub values: Vec<f64>,
}

/// An image logged at a step.
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    pub tag: String,
    pub step: i64,
    pub time: i64,
    /// Its place in a batch logged under one tag at once.
    pub index: usize,
    pub png: Vec<u8>,
}

/// A text logged at a step.
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    pub tag: String,
    pub step: i64,
    pub text: String,
}

/// What one poll found for one run.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct RunUpdate {
    /// The run's path relative to the logdir, with `/` between folders.
    pub name: String,
    /// Seen for the first time in this poll.
    pub new: bool,
    pub scalars: BTreeMap<String, Scalars>,
    pub images: Vec<Image>,
    pub texts: Vec<Text>,
    pub hparams: Vec<(String, String)>,
    /// The wall-time extent (ms) of the events read in this poll.
    pub first_time: Option<i64>,
    pub last_time: Option<i64>,
    /// Damaged records skipped, each said in one line.
    pub warnings: Vec<String>,
    /// Each event file read in this poll, with the position read up to.
    pub read_to: Vec<(String, u64)>,
    /// Tags whose plugin became known in this update, with its name. A plugin may be named only
    /// on a tag's first value, so an import keeps these with its positions to go on from there.
    pub plugins: Vec<(String, &'static str)>,
}

impl RunUpdate {
    pub fn is_empty(&self) -> bool {
        self.scalars.is_empty() && self.images.is_empty() && self.texts.is_empty() && self.hparams.is_empty()
    }

    pub fn points(&self) -> usize {
        self.scalars.values().map(|s| s.values.len()).sum()
    }

    pub fn image_bytes(&self) -> usize {
        self.images.iter().map(|i| i.png.len()).sum()
    }
}

#[derive(Default)]
struct RunState {
    /// Each event file's read position: everything before it has been read.
    files: BTreeMap<OsString, u64>,
    plugins: HashMap<String, Plugin>,
    /// The plugins handed on in updates (`RunUpdate::plugins`).
    reported: HashMap<String, Plugin>,
    /// The files a warning was given about, so that each is said once.
    said: HashSet<OsString>,
    /// Each file's length when it was last read to its end: not read again until it changes.
    seen: HashMap<OsString, u64>,
}

/// A logdir being followed.
pub struct Logdir {
    root: PathBuf,
    runs: BTreeMap<String, RunState>,
}

impl Logdir {
    pub fn new(root: impl Into<PathBuf>) -> Logdir {
        Logdir {
            root: root.into(),
            runs: BTreeMap::new(),
        }
    }

    /// The runs the logdir holds now, by name, without reading them.
    pub fn run_names(&self) -> std::io::Result<Vec<String>> {
        let mut found = BTreeMap::new();
        find_event_files(&self.root, &self.root, &mut found)?;
        Ok(found.keys().map(|dir| run_name(&self.root, dir)).collect())
    }

    /// Takes `file` of run `name` as read up to `offset` already (an import resumed): the next
    /// poll reads it from there.
    pub fn resume(&mut self, name: &str, file: &str, offset: u64) {
        let state = self.runs.entry(name.to_string()).or_default();
        state.files.insert(OsString::from(file), offset);
    }

    /// Takes `tag` of run `name` as holding `plugin`'s values (as an update said before an
    /// import stopped): its later values, which may not name it, are read as such.
    pub fn resume_plugin(&mut self, name: &str, tag: &str, plugin: &str) {
        let state = self.runs.entry(name.to_string()).or_default();
        let plugin = Plugin::named(plugin);
        state.plugins.insert(tag.to_string(), plugin);
        state.reported.insert(tag.to_string(), plugin);
    }

    /// Reads what is new since the last poll: one update per run that has news, in name order.
    pub fn poll(&mut self) -> std::io::Result<Vec<RunUpdate>> {
        let mut updates = Vec::new();
        self.poll_each(|u, _, _| {
            updates.push(u);
            Flow::Kept
        })?;
        Ok(updates)
    }

    /// `poll`, handing each update to `each(update, run's place, runs in the logdir)` as it is
    /// read. Files are read a chunk at a time, and a run with many new points or images comes in
    /// several updates, so memory stays flat however large the files. An update `each` could not
    /// keep is read again at the next poll.
    pub fn poll_each(&mut self, mut each: impl FnMut(RunUpdate, usize, usize) -> Flow) -> std::io::Result<()> {
        let mut found = BTreeMap::new();
        find_event_files(&self.root, &self.root, &mut found)?;
        let total = found.len();
        for (place, (dir, files)) in found.into_iter().enumerate() {
            let name = run_name(&self.root, &dir);
            let new = !self.runs.contains_key(&name);
            let state = self.runs.entry(name.clone()).or_default();
            // Where the run's files stood when the last update was kept: what to go back to.
            let mut kept = (state.files.clone(), state.seen.clone(), state.reported.clone());
            let mut update = RunUpdate {
                name: name.clone(),
                new,
                ..RunUpdate::default()
            };
            let mut flow = Flow::Kept;
            'files: for file in files {
                let path = dir.join(&file);
                let mut limit = CHUNK;
                loop {
                    let offset = *state.files.entry(file.clone()).or_insert(0);
                    let read = match std::fs::metadata(&path) {
                        // Nothing written since it was read to its end (a cut record waits there).
                        Ok(m) if state.seen.get(&file) == Some(&m.len()) => break,
                        Ok(m) => read_from(&path, offset, limit).map(|r| (r, m.len())),
                        Err(e) => Err(e),
                    };
                    match read {
                        Ok((Some(bytes), len)) => {
                            let used = read_records(&bytes, &path, offset, &mut state.plugins, &mut update);
                            if state.plugins.len() != state.reported.len() {
                                for (tag, plugin) in &state.plugins {
                                    if state.reported.get(tag) != Some(plugin) {
                                        update.plugins.push((tag.clone(), plugin.name()));
                                        state.reported.insert(tag.clone(), *plugin);
                                    }
                                }
                            }
                            let at = offset + used as u64;
                            state.files.insert(file.clone(), at);
                            if used > 0 {
                                let file_name = file.to_string_lossy().into_owned();
                                match update.read_to.last_mut() {
                                    Some((f, to)) if *f == file_name => *to = at,
                                    _ => update.read_to.push((file_name, at)),
                                }
                            }
                            if update.points() >= FLUSH_POINTS || update.image_bytes() >= FLUSH_IMAGE_BYTES {
                                let next = RunUpdate {
                                    name: name.clone(),
                                    ..RunUpdate::default()
                                };
                                flow = each(std::mem::replace(&mut update, next), place, total);
                                match flow {
                                    Flow::Kept => {
                                        kept = (state.files.clone(), state.seen.clone(), state.reported.clone())
                                    }
                                    Flow::Failed | Flow::Stop => break 'files,
                                }
                            }
                            if bytes.len() < limit {
                                state.seen.insert(file.clone(), len);
                                break;
                            }
                            if used == 0 {
                                limit = limit.saturating_mul(2); // one record longer than a chunk
                            }
                        }
                        // Reading it again from the start would double what was read: said, once.
                        Ok((None, _)) => {
                            if state.said.insert(file.clone()) {
                                update.warnings.push(format!(
                                    "{} is shorter than when it was read: it was rewritten; open the logdir again to read it anew",
                                    path.display()
                                ));
                            }
                            break;
                        }
                        // A file removed or unreadable for now: tried again at the next poll.
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => break,
                        Err(e) => {
                            if state.said.insert(file.clone()) {
                                update.warnings.push(format!("cannot read {}: {e}", path.display()));
                            }
                            break;
                        }
                    }
                }
            }
            if flow == Flow::Kept
                && (new || !update.is_empty() || !update.warnings.is_empty() || !update.read_to.is_empty())
            {
                flow = each(update, place, total);
            }
            match flow {
                Flow::Kept => {}
                // Not kept: read again from where the last kept update left off.
                Flow::Failed => (state.files, state.seen, state.reported) = kept,
                // What was handed on was kept, and nothing read after it is held back.
                Flow::Stop => return Ok(()),
            }
        }
        Ok(())
    }
}

/// What became of an update handed on by `poll_each`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Kept: go on.
    Kept,
    /// Not kept (the store failed): the run's files are read again from before it next time.
    Failed,
    /// Kept, and stop polling now: the rest is read next time.
    Stop,
}

/// Decodes the whole records of `bytes` into `update`; returns how many bytes were used (an
/// unfinished record at the end is left for the next poll).
fn read_records(
    bytes: &[u8],
    path: &Path,
    offset: u64,
    plugins: &mut HashMap<String, Plugin>,
    update: &mut RunUpdate,
) -> usize {
    let mut pos = 0;
    loop {
        match frame_at(bytes, pos) {
            Frame::Incomplete => return pos,
            Frame::BadData { next } | Frame::BadLength { next } => {
                update.warnings.push(format!(
                    "skipped a damaged record in {} at byte {}",
                    path.display(),
                    offset + pos as u64
                ));
                pos = next;
            }
            Frame::Record { data, next } => {
                match event::decode(data, plugins) {
                    Some(e) => add_event(e, update),
                    None => update.warnings.push(format!(
                        "skipped an undecodable event in {} at byte {}",
                        path.display(),
                        offset + pos as u64
                    )),
                }
                pos = next;
            }
        }
    }
}

fn add_event(e: event::Event<'_>, update: &mut RunUpdate) {
    if e.values.is_empty() {
        return;
    }
    let time = (e.wall_time * 1000.0).round() as i64;
    update.first_time = Some(update.first_time.map_or(time, |t| t.min(time)));
    update.last_time = Some(update.last_time.map_or(time, |t| t.max(time)));
    for v in e.values {
        match v.data {
            Data::Scalar(x) => {
                let s = match update.scalars.get_mut(v.tag) {
                    Some(s) => s,
                    None => update.scalars.entry(v.tag.to_string()).or_default(),
                };
                s.steps.push(e.step);
                s.times.push(time);
                s.values.push(x);
            }
            Data::Images(pngs) => {
                for (index, png) in pngs.into_iter().enumerate() {
                    update.images.push(Image {
                        tag: v.tag.to_string(),
                        step: e.step,
                        time,
                        index,
                        png: png.to_vec(),
                    });
                }
            }
            Data::Text(text) => update.texts.push(Text {
                tag: v.tag.to_string(),
                step: e.step,
                text,
            }),
            Data::Hparams(h) => update.hparams.extend(h),
        }
    }
}

/// Finding runs' folders and event files, and reading them a chunk at a time.
#[path = "logdir_files.rs"]
mod files;
use files::{find_event_files, read_from, run_name};

#[cfg(test)]
#[path = "logdir_tests.rs"]
mod tests;
