//! Where the store's files live: a folder on this machine, or a bucket or container in object
//! storage that every server over the same database shares. Both are addressed by the same keys of
//! checked segments (`artifacts/<experiment>/<run>/artifacts/<path>`, `blobs/<ab>/<hash>`), so a
//! store's layout is the same wherever its files are.

use super::local_files;
use super::object_space::ObjectSpace;
use super::{Result, StoreError};
use crate::api::FileInfo;
use bytes::Bytes;
use futures_util::stream::BoxStream;
use std::path::{Path, PathBuf};

/// The files of a store.
#[derive(Clone)]
pub enum FileSpace {
    /// Below a folder of this machine: nothing outside it is ever named, no link inside followed.
    Folder(PathBuf),
    /// In object storage, below a bucket's or container's prefix.
    Objects(ObjectSpace),
}

/// What is at a key.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Entry {
    File(u64),
    Folder,
}

/// A file to send back: one on this machine, or a stream from object storage.
pub enum Content {
    Path(PathBuf),
    Stream {
        size: u64,
        body: BoxStream<'static, std::io::Result<Bytes>>,
    },
}

/// What opening a key found.
pub enum Opened {
    File(Content),
    Folder,
    Missing,
}

/// An upload under way: its body goes into `temp` on this machine, and `FileSpace::finish` puts
/// it at its key (a rename, or an upload to object storage). Until then nothing at the key changes.
#[derive(Debug)]
pub struct Upload {
    pub temp: PathBuf,
    key: Vec<String>,
}

impl Drop for Upload {
    /// However an upload ends (finished, refused, or its client gone midway), its temporary file
    /// does not stay behind.
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.temp);
    }
}

impl FileSpace {
    /// What the space is, for messages: its folder or URL.
    pub fn describe(&self) -> String {
        match self {
            FileSpace::Folder(root) => root.display().to_string(),
            FileSpace::Objects(o) => o.url().to_string(),
        }
    }

    /// Where a key is on this machine, when the space is a folder (it may not exist yet).
    pub fn local_path(&self, key: &[String]) -> Result<Option<PathBuf>> {
        match self {
            FileSpace::Folder(root) => local_files::below(root, key).map(Some),
            FileSpace::Objects(_) => Ok(None),
        }
    }

    pub fn stat(&self, key: &[String]) -> Result<Option<Entry>> {
        match self {
            FileSpace::Folder(root) => local_files::stat(root, key),
            FileSpace::Objects(o) => o.stat(key),
        }
    }

    /// The direct children of a folder, sorted by name; nothing for a file or a missing key.
    pub fn children(&self, key: &[String]) -> Result<Vec<FileInfo>> {
        match self {
            FileSpace::Folder(root) => local_files::children(root, key),
            FileSpace::Objects(o) => o.children(key),
        }
    }

    /// Every file below a folder with its size, by its path from the folder, sorted.
    pub fn walk(&self, key: &[String]) -> Result<Vec<(String, u64)>> {
        match self {
            FileSpace::Folder(root) => local_files::walk(root, key),
            FileSpace::Objects(o) => o.walk(key),
        }
    }

    /// Starts an upload to `key`: refused when the key is a folder.
    pub fn begin(&self, key: &[String]) -> Result<Upload> {
        if key.len() < 2 {
            return Err(StoreError::Invalid("An upload needs a file name".into()));
        }
        let temp = match self {
            FileSpace::Folder(root) => local_files::temp_beside(root, key)?,
            FileSpace::Objects(o) => {
                if o.stat(key)? == Some(Entry::Folder) {
                    return Err(StoreError::Invalid(format!("'{}' is a folder", key[1..].join("/"))));
                }
                o.staging_file()?
            }
        };
        Ok(Upload {
            temp,
            key: key.to_vec(),
        })
    }

    /// Puts a finished upload at its key; the temporary file is gone either way.
    pub fn finish(&self, upload: Upload) -> Result<()> {
        let out = match self {
            FileSpace::Folder(root) => local_files::below(root, &upload.key)
                .and_then(|dest| std::fs::rename(&upload.temp, dest).map_err(StoreError::from)),
            FileSpace::Objects(o) => o.put_file(&upload.key, &upload.temp),
        };
        let _ = std::fs::remove_file(&upload.temp);
        out
    }

    /// Drops an upload that was refused; nothing at its key changes.
    pub fn abandon(&self, upload: Upload) {
        let _ = std::fs::remove_file(&upload.temp);
    }

    /// Writes a small file in one go.
    pub fn put(&self, key: &[String], bytes: &[u8]) -> Result<()> {
        if let FileSpace::Objects(o) = self {
            if o.stat(key)? == Some(Entry::Folder) {
                return Err(StoreError::Invalid(format!("'{}' is a folder", key[1..].join("/"))));
            }
            return o.put(key, Bytes::copy_from_slice(bytes));
        }
        let upload = self.begin(key)?;
        if let Err(e) = std::fs::write(&upload.temp, bytes) {
            self.abandon(upload);
            return Err(e.into());
        }
        self.finish(upload)
    }

    /// Adds bytes at the end of a file, making it if needed, as long as it stays within `limit`;
    /// returns its new size.
    pub fn append(&self, key: &[String], bytes: &[u8], limit: u64) -> Result<u64> {
        match self {
            FileSpace::Folder(root) => local_files::append(root, key, bytes, limit),
            FileSpace::Objects(o) => o.append(key, bytes, limit),
        }
    }

    /// Deletes a file, or a folder and all below it; false when nothing was there.
    pub fn delete(&self, key: &[String]) -> Result<bool> {
        match self {
            FileSpace::Folder(root) => local_files::delete(root, key),
            FileSpace::Objects(o) => o.delete(key),
        }
    }

    /// The file at a key, to read.
    pub fn open(&self, key: &[String]) -> Result<Opened> {
        match self {
            FileSpace::Folder(root) => local_files::open(root, key),
            FileSpace::Objects(o) => o.open(key),
        }
    }

    /// Copies the file at `key` in `from` to the same key here, unless a file of its size is here
    /// already. Says whether it copied.
    pub fn copy_from(&self, from: &FileSpace, key: &[String], size: u64) -> Result<bool> {
        if self.stat(key)? == Some(Entry::File(size)) {
            return Ok(false);
        }
        let upload = self.begin(key)?;
        let fetched = match from {
            FileSpace::Folder(root) => local_files::below(root, key)
                .and_then(|src| std::fs::copy(src, &upload.temp).map_err(StoreError::from))
                .map(|_| ()),
            FileSpace::Objects(o) => o.fetch(key, &upload.temp),
        };
        match fetched {
            Ok(()) => self.finish(upload).map(|_| true),
            Err(e) => {
                self.abandon(upload);
                Err(e)
            }
        }
    }

    /// Copies a file of this machine to `key`, leaving the file where it is.
    pub fn put_local_file(&self, key: &[String], src: &Path) -> Result<()> {
        let upload = self.begin(key)?;
        if let Err(e) = std::fs::copy(src, &upload.temp) {
            self.abandon(upload);
            return Err(e.into());
        }
        self.finish(upload)
    }
}
