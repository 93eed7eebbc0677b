//! Transfers of whole files between object storage and this machine: an upload in one request or
//! in parts, a download streamed back or into a file, and many keys asked after at once.

use super::{LOOKUPS_IN_FLIGHT, ObjectSpace, PART_BYTES, PARTS_IN_FLIGHT, unavailable};
use crate::store::file_space::{Content, Opened};
use crate::store::{Result, StoreError};
use futures_util::{StreamExt, TryStreamExt};
use object_store::{ObjectStoreExt, PutPayload, WriteMultipart};
use std::path::Path;

impl ObjectSpace {
    /// Uploads a file of this machine to `key`: in one request when small, else in parts, with at
    /// most a few parts in memory. The object appears whole or not at all.
    pub fn put_file(&self, key: &[String], file: &Path) -> Result<()> {
        let (objects, at, file) = (self.objects.clone(), self.key(key)?, file.to_path_buf());
        let url = self.url.clone();
        self.run(async move {
            use tokio::io::AsyncReadExt;
            let mut f = tokio::fs::File::open(&file).await.map_err(StoreError::from)?;
            let size = f.metadata().await.map_err(StoreError::from)?.len();
            if size <= PART_BYTES as u64 {
                let mut body = Vec::with_capacity(size as usize);
                f.read_to_end(&mut body).await.map_err(StoreError::from)?;
                objects
                    .put(&at, PutPayload::from(body))
                    .await
                    .map_err(|e| unavailable(&url, e))?;
                return Ok(());
            }
            let upload = objects.put_multipart(&at).await.map_err(|e| unavailable(&url, e))?;
            let mut parts = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
            let mut buf = vec![0u8; 1024 * 1024];
            loop {
                let n = match f.read(&mut buf).await {
                    Ok(n) => n,
                    Err(e) => {
                        let _ = parts.abort().await;
                        return Err(e.into());
                    }
                };
                if n == 0 {
                    break;
                }
                if let Err(e) = parts.wait_for_capacity(PARTS_IN_FLIGHT).await {
                    let _ = parts.abort().await;
                    return Err(unavailable(&url, e));
                }
                parts.write(&buf[..n]);
            }
            parts.finish().await.map_err(|e| unavailable(&url, e))?;
            Ok(())
        })?
    }

    pub fn open(&self, key: &[String]) -> Result<Opened> {
        let (objects, at) = (self.objects.clone(), self.key(key)?);
        let url = self.url.clone();
        self.run(async move {
            match objects.get(&at).await {
                Ok(got) => {
                    let size = got.meta.size;
                    let body = got.into_stream().map_err(std::io::Error::from).boxed();
                    Ok(Opened::File(Content::Stream { size, body }))
                }
                Err(object_store::Error::NotFound { .. }) => match objects.list(Some(&at)).next().await {
                    Some(Ok(_)) => Ok(Opened::Folder),
                    None => Ok(Opened::Missing),
                    Some(Err(e)) => Err(unavailable(&url, e)),
                },
                Err(e) => Err(unavailable(&url, e)),
            }
        })?
    }

    /// Downloads the object at `key` into a file of this machine.
    pub fn fetch(&self, key: &[String], into: &Path) -> Result<()> {
        let (objects, at, into) = (self.objects.clone(), self.key(key)?, into.to_path_buf());
        let url = self.url.clone();
        self.run(async move {
            use tokio::io::AsyncWriteExt;
            let got = objects.get(&at).await.map_err(|e| unavailable(&url, e))?;
            let mut body = got.into_stream();
            let mut f = tokio::fs::File::create(&into).await.map_err(StoreError::from)?;
            while let Some(chunk) = body.next().await {
                f.write_all(&chunk.map_err(|e| unavailable(&url, e))?)
                    .await
                    .map_err(StoreError::from)?;
            }
            f.sync_all().await.map_err(StoreError::from)?;
            Ok(())
        })?
    }

    /// Which of these keys hold no object, asking a few at a time.
    pub fn missing(&self, keys: Vec<Vec<String>>) -> Result<Vec<usize>> {
        let ats = keys.iter().map(|k| self.key(k)).collect::<Result<Vec<_>>>()?;
        let (objects, url) = (self.objects.clone(), self.url.clone());
        self.run(async move {
            let found: Vec<(usize, bool)> = futures_util::stream::iter(ats.into_iter().enumerate())
                .map(|(i, at)| {
                    let objects = objects.clone();
                    async move {
                        match objects.head(&at).await {
                            Ok(_) => Ok((i, true)),
                            Err(object_store::Error::NotFound { .. }) => Ok((i, false)),
                            Err(e) => Err(e),
                        }
                    }
                })
                .buffer_unordered(LOOKUPS_IN_FLIGHT)
                .try_collect()
                .await
                .map_err(|e| unavailable(&url, e))?;
            let mut missing: Vec<usize> = found.into_iter().filter(|(_, there)| !there).map(|(i, _)| i).collect();
            missing.sort_unstable();
            Ok(missing)
        })?
    }
}
