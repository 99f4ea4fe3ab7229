//! Where a file's batches of lines come from for the typed streams: downloaded where the lines
//! are read, or, on a runtime with several worker threads, by a task of the file's own that runs
//! a few batches ahead, so that receiving the bytes and reading the lines use two cores.
//!
//! Only the byte buffers cross threads: the values are still made, used and dropped where the
//! stream is polled (handing values across threads measured slower than not).

use std::sync::Arc;

use tokio::runtime::{Handle, RuntimeFlavor};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::error::RawError;

use super::download::{Batch, FileReader};
use super::manifest::ManifestFile;

/// Batches a download runs ahead of its reader, at most ([`BATCH_BYTES`] each, more only for
/// a longer line).
///
/// [`BATCH_BYTES`]: super::download::BATCH_BYTES
pub(crate) const BATCHES_AHEAD: usize = 8;

/// The download goes on when this many batches are free, not at each one: waking a thread
/// costs its waker a system call, and once per batch measured as a tenth of the reader's time.
const REFILL: usize = BATCHES_AHEAD / 2;

/// A file's batches, in order; the download's error (after its retries) ends them.
pub(crate) enum Batches {
    /// Downloaded when asked for: on a runtime of one thread a task of its own would only run
    /// while the reader waits anyway.
    Here(Box<FileReader>),
    /// Downloaded by a task on another worker, at most [`BATCHES_AHEAD`] batches ahead. The
    /// task is aborted when this is dropped.
    Ahead {
        file: Arc<ManifestFile>,
        batches: mpsc::Receiver<Result<Batch, RawError>>,
        task: JoinHandle<()>,
    },
}

impl Batches {
    /// The batches of `reader`'s file, downloaded ahead when the current runtime has several
    /// worker threads.
    pub(crate) fn new(reader: FileReader) -> Batches {
        let runtime = match Handle::try_current() {
            Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => handle,
            _ => return Batches::Here(Box::new(reader)),
        };
        let file = reader.file().clone();
        let (to_reader, batches) = mpsc::channel(BATCHES_AHEAD);
        let task = runtime.spawn(download(reader, to_reader));
        Batches::Ahead {
            file,
            batches,
            task,
        }
    }

    /// The file of the manifest.
    pub(crate) fn file(&self) -> &Arc<ManifestFile> {
        match self {
            Batches::Here(reader) => reader.file(),
            Batches::Ahead { file, .. } => file,
        }
    }

    /// The next batch, or the download's error, or `None` at the end of the file.
    pub(crate) async fn next(&mut self) -> Option<Result<Batch, RawError>> {
        match self {
            Batches::Here(reader) => reader.next_batch().await,
            Batches::Ahead { batches, .. } => batches.recv().await,
        }
    }
}

impl Drop for Batches {
    fn drop(&mut self) {
        if let Batches::Ahead { task, .. } = self {
            task.abort();
        }
    }
}

/// The task's side: every batch to the reader, up to and including an error.
async fn download(mut reader: FileReader, to_reader: mpsc::Sender<Result<Batch, RawError>>) {
    loop {
        let Ok(permits) = to_reader.reserve_many(REFILL).await else {
            return;
        };
        for permit in permits {
            let Some(next) = reader.next_batch().await else {
                return;
            };
            let failed = next.is_err();
            permit.send(next);
            if failed {
                return;
            }
        }
    }
}
