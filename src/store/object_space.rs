//! A file space in object storage (`s3://`, `az://`, `gs://`) through the `object_store` crate,
//! credentials taken from each cloud's own environment variables. The store's calls are blocking,
//! so each request runs on a small runtime of its own and the caller waits for it; a download's
//! stream is handed back to be read by whoever sends it.

use super::file_space::Entry;
use super::{Result, StoreError};
use crate::api::FileInfo;
use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use std::path::{Path, PathBuf};
use std::sync::Arc;

mod transfer;

/// Files up to this size go up in one request; larger ones in parts of this size.
const PART_BYTES: usize = 8 * 1024 * 1024;
/// Parts of one upload in flight at once: memory stays under (this + 1) parts per upload.
const PARTS_IN_FLIGHT: usize = 2;
/// Requests in flight at once when asking after many files (a snapshot's contents).
const LOOKUPS_IN_FLIGHT: usize = 16;

/// The runtime object-storage requests run on; stopped without waiting when the space goes.
struct Runtime(Option<tokio::runtime::Runtime>);

impl Drop for Runtime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

/// A bucket or container below a prefix, and a folder of this machine where uploads are staged.
#[derive(Clone)]
pub struct ObjectSpace {
    url: String,
    objects: Arc<dyn ObjectStore>,
    prefix: Key,
    staging: PathBuf,
    runtime: Arc<Runtime>,
}

/// The storage schemes `--artifacts` takes besides `file://`.
pub const SCHEMES: &[&str] = &["s3", "az", "gs"];

/// Whether a URL names object storage.
pub fn is_object_url(url: &str) -> bool {
    url.split_once("://")
        .is_some_and(|(scheme, _)| SCHEMES.contains(&scheme))
}

fn unavailable(url: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("object storage {url}: {}", one_line(&e.to_string())))
}

/// The first line of an error, cut short: the crate's errors carry whole response bodies.
fn one_line(s: &str) -> String {
    let line = s.lines().next().unwrap_or("").trim();
    if line.chars().count() > 300 {
        format!("{}...", line.chars().take(300).collect::<String>())
    } else {
        line.to_string()
    }
}

/// Uploads a server left behind when it stopped midway (an hour old: another server sharing the
/// folder may be sending one now).
fn clear_stale_uploads(staging: &Path) {
    let Ok(entries) = std::fs::read_dir(staging) else {
        return;
    };
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for e in entries.flatten() {
        let stale = e.metadata().and_then(|m| m.modified()).is_ok_and(|t| t < hour_ago);
        if stale
            && e.file_name()
                .to_string_lossy()
                .starts_with(super::local_files::UPLOAD_PREFIX)
        {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

impl ObjectSpace {
    /// Opens `url` (`s3://BUCKET/PREFIX`, `az://CONTAINER/PREFIX`, `gs://BUCKET/PREFIX`) and checks
    /// that it can be listed, so that a missing bucket or a wrong credential is said at start.
    /// Uploads are staged in `staging`.
    pub fn connect(url: &str, staging: &Path) -> Result<ObjectSpace> {
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| StoreError::Invalid(format!("'{url}' is not a URL")))?;
        let (container, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if container.is_empty() {
            return Err(StoreError::Invalid(format!("'{url}' names no bucket or container")));
        }
        let segments = super::artifacts::safe_segments(prefix.trim_end_matches('/'))
            .map_err(|e| StoreError::Invalid(format!("the prefix of '{url}': {e}")))?;
        // A request may take as long as its body takes to stream (a 512 MB artifact to a slow
        // client), so there is no limit on a whole request, only on silence and on connecting.
        use object_store::ClientConfigKey as C;
        let (whole, silent, connect) = (C::Timeout, C::ReadTimeout, C::ConnectTimeout);
        let limits = [(whole, "86400s"), (silent, "120s"), (connect, "15s")];
        let retry = object_store::RetryConfig {
            retry_timeout: std::time::Duration::from_secs(3600),
            ..Default::default()
        };
        // Each cloud's builder, from its environment, with the limits and the URL.
        macro_rules! build {
            ($builder:ty, $key:path) => {
                limits
                    .iter()
                    .fold(<$builder>::from_env(), |b, (k, v)| b.with_config($key(*k), *v))
                    .with_url(url)
                    .with_retry(retry)
                    .build()
                    .map(|s| Arc::new(s) as Arc<dyn ObjectStore>)
            };
        }
        let built: object_store::Result<Arc<dyn ObjectStore>> = match scheme {
            "s3" => build!(
                object_store::aws::AmazonS3Builder,
                object_store::aws::AmazonS3ConfigKey::Client
            ),
            "az" => build!(
                object_store::azure::MicrosoftAzureBuilder,
                object_store::azure::AzureConfigKey::Client
            ),
            "gs" => build!(
                object_store::gcp::GoogleCloudStorageBuilder,
                object_store::gcp::GoogleConfigKey::Client
            ),
            other => {
                return Err(StoreError::Invalid(format!(
                    "'{other}://' is not a storage this server writes to: use file://, s3://, az:// or gs://"
                )));
            }
        };
        let objects = built.map_err(|e| StoreError::Invalid(format!("{url}: {}", one_line(&e.to_string()))))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("object-storage")
            .enable_all()
            .build()
            .map_err(|e| StoreError::Internal(format!("cannot start object-storage requests: {e}")))?;
        std::fs::create_dir_all(staging)?;
        clear_stale_uploads(staging);
        let space = ObjectSpace {
            url: url.trim_end_matches('/').to_string(),
            objects,
            prefix: Key::parse(segments.join("/"))
                .map_err(|e| StoreError::Invalid(format!("the prefix of '{url}': {e}")))?,
            staging: staging.to_path_buf(),
            runtime: Arc::new(Runtime(Some(runtime))),
        };
        space.check_reachable()?;
        Ok(space)
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// One listing of the prefix: the bucket or container must exist and the credentials reach it.
    fn check_reachable(&self) -> Result<()> {
        let (objects, prefix) = (self.objects.clone(), self.prefix.clone());
        let listed = self.run(async move {
            let mut page = objects.list(Some(&prefix));
            page.next().await.transpose()
        })?;
        listed.map(|_| ()).map_err(|e| {
            StoreError::Unavailable(format!(
                "{}: cannot be listed, so artifacts cannot be kept there (the bucket or container must exist, \
                 and the credentials in the environment reach it): {}",
                self.url,
                one_line(&e.to_string())
            ))
        })
    }

    /// Runs a request on the space's runtime and waits for it.
    fn run<T: Send + 'static>(&self, f: impl std::future::Future<Output = T> + Send + 'static) -> Result<T> {
        let rt = self
            .runtime
            .0
            .as_ref()
            .ok_or_else(|| StoreError::Unavailable("object storage has stopped".into()))?;
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        rt.spawn(async move {
            let _ = tx.send(f.await);
        });
        rx.recv()
            .map_err(|_| StoreError::Unavailable("an object-storage request was dropped".into()))
    }

    fn key(&self, key: &[String]) -> Result<Key> {
        let mut all: Vec<&str> = Vec::with_capacity(key.len() + 1);
        let prefix = self.prefix.as_ref();
        if !prefix.is_empty() {
            all.push(prefix);
        }
        all.extend(key.iter().map(String::as_str));
        Key::parse(all.join("/")).map_err(|e| StoreError::Invalid(format!("Invalid artifact path: {e}")))
    }

    pub fn stat(&self, key: &[String]) -> Result<Option<Entry>> {
        let (objects, at) = (self.objects.clone(), self.key(key)?);
        let url = self.url.clone();
        self.run(async move {
            match objects.head(&at).await {
                Ok(meta) => return Ok(Some(Entry::File(meta.size))),
                Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(unavailable(&url, e)),
            }
            match objects.list(Some(&at)).next().await {
                Some(Ok(_)) => Ok(Some(Entry::Folder)),
                None => Ok(None),
                Some(Err(e)) => Err(unavailable(&url, e)),
            }
        })?
    }

    pub fn children(&self, key: &[String]) -> Result<Vec<FileInfo>> {
        let (objects, at) = (self.objects.clone(), self.key(key)?);
        let url = self.url.clone();
        let listed = self
            .run(async move { objects.list_with_delimiter(Some(&at)).await })?
            .map_err(|e| unavailable(&url, e))?;
        let mut out: Vec<FileInfo> = listed
            .common_prefixes
            .iter()
            .filter_map(|p| p.filename().map(str::to_string))
            .map(|path| FileInfo {
                path,
                is_dir: true,
                file_size: None,
            })
            .chain(listed.objects.iter().filter_map(|o| {
                o.location.filename().map(|name| FileInfo {
                    path: name.to_string(),
                    is_dir: false,
                    file_size: Some(o.size as i64),
                })
            }))
            .collect();
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    pub fn walk(&self, key: &[String]) -> Result<Vec<(String, u64)>> {
        let (objects, at) = (self.objects.clone(), self.key(key)?);
        let url = self.url.clone();
        let mut out = self.run(async move {
            let metas: Vec<_> = objects
                .list(Some(&at))
                .try_collect()
                .await
                .map_err(|e| unavailable(&url, e))?;
            Ok::<_, StoreError>(
                metas
                    .into_iter()
                    .filter_map(|m| {
                        let rel: Vec<String> = m.location.prefix_match(&at)?.map(|p| p.as_ref().to_string()).collect();
                        Some((rel.join("/"), m.size))
                    })
                    .collect::<Vec<_>>(),
            )
        })??;
        out.sort();
        Ok(out)
    }

    /// A fresh file to stage an upload in.
    pub fn staging_file(&self) -> Result<PathBuf> {
        std::fs::create_dir_all(&self.staging)?;
        Ok(self.staging.join(format!(
            "{}{:016x}",
            super::local_files::UPLOAD_PREFIX,
            rand::random::<u64>()
        )))
    }

    pub fn put(&self, key: &[String], bytes: Bytes) -> Result<()> {
        let (objects, at) = (self.objects.clone(), self.key(key)?);
        let url = self.url.clone();
        self.run(async move { objects.put(&at, PutPayload::from(bytes)).await })?
            .map(|_| ())
            .map_err(|e| unavailable(&url, e))
    }

    /// Object storage has no append: the object is read and written again with the bytes added.
    pub fn append(&self, key: &[String], bytes: &[u8], limit: u64) -> Result<u64> {
        if self.stat(key)? == Some(Entry::Folder) {
            return Err(StoreError::Invalid(format!("'{}' is a folder", key[1..].join("/"))));
        }
        let (objects, at) = (self.objects.clone(), self.key(key)?);
        let (url, added) = (self.url.clone(), Bytes::copy_from_slice(bytes));
        let shown = key[1..].join("/");
        self.run(async move {
            let before = match objects.get(&at).await {
                Ok(got) => got.bytes().await.map_err(|e| unavailable(&url, e))?,
                Err(object_store::Error::NotFound { .. }) => Bytes::new(),
                Err(e) => return Err(unavailable(&url, e)),
            };
            let size = (before.len() + added.len()) as u64;
            if size > limit {
                return Err(StoreError::TooLarge(format!(
                    "Artifact '{shown}' would pass the limit of {limit} bytes"
                )));
            }
            let payload = PutPayload::from_iter([before, added]);
            objects.put(&at, payload).await.map_err(|e| unavailable(&url, e))?;
            Ok(size)
        })?
    }

    /// Deletes the object at `key`, or every object below it; false when there was none.
    pub fn delete(&self, key: &[String]) -> Result<bool> {
        let (objects, at) = (self.objects.clone(), self.key(key)?);
        let url = self.url.clone();
        self.run(async move {
            match objects.head(&at).await {
                Ok(_) => {
                    objects.delete(&at).await.map_err(|e| unavailable(&url, e))?;
                    return Ok(true);
                }
                Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(unavailable(&url, e)),
            }
            let below = objects.list(Some(&at)).map_ok(|m| m.location).boxed();
            let deleted: Vec<Key> = objects
                .delete_stream(below)
                .try_collect()
                .await
                .map_err(|e| unavailable(&url, e))?;
            Ok(!deleted.is_empty())
        })?
    }
}
