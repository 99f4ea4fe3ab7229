//! One file's lines read beside its download: the download (driven by whoever polls the stream)
//! hands batches of complete lines over a channel bounded in bytes to a thread of the file's
//! own, which checks them as UTF-8, reads each one and sends the values back in order.
//!
//! - Order: one thread per file, batches in file order, values back in the same order.
//! - Memory: the batches on their way hold at most [`BYTES_IN_FLIGHT`] bytes (or one batch, when
//!   a single line is longer), and at most [`VALUE_BATCHES`] batches of values wait for the
//!   reader of the stream.
//! - Errors: a download's error comes after the lines before it and ends the file; a line that
//!   is not UTF-8 ends it too; what the line reader refuses is an item, and the lines go on.
//! - Cancellation: dropping the stream drops the download, which closes the channel; the thread
//!   then stops at its next batch (at most one batch of work later).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_core::Stream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};

use crate::error::{ErrorKind, RawError};

use super::download::{BATCH_BYTES, Batch, FileReader, not_utf8};
use super::manifest::ManifestFile;
use super::resources::ExportLine;

/// Bytes of lines on their way from a download to its thread, at most.
pub(crate) const BYTES_IN_FLIGHT: usize = 8 * BATCH_BYTES;

/// Batches of values waiting for the reader of the stream, at most.
pub(crate) const VALUE_BATCHES: usize = 2;

/// Items polled from a batch of values before the download is polled again.
const POLL_DOWNLOAD_EVERY: u32 = 32;

/// The name of the threads that read lines.
pub(crate) const THREAD_NAME: &str = "fhir-export-lines";

pub(crate) type Item<T> = Result<ExportLine<T>, RawError>;

/// What a download hands to its thread.
enum Handover {
    Lines(Batch, OwnedSemaphorePermit),
    Failed(RawError),
}

/// The stream of one file's values, read on the file's thread.
pub(crate) struct FileLines<T> {
    download: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
    values: mpsc::Receiver<Vec<Item<T>>>,
    current: std::vec::IntoIter<Item<T>>,
    since_poll: u32,
}

// No field is pinned structurally: the download is boxed, the values are moved out as they are.
impl<T> Unpin for FileLines<T> {}

impl<T: Send + 'static> FileLines<T> {
    /// Starts the thread that gives each line of `reader`'s file to `read` (its number and
    /// text); the download starts when the stream is first polled.
    pub(crate) fn start<F>(reader: FileReader, read: F) -> FileLines<T>
    where
        F: FnMut(&ManifestFile, u64, &str) -> Result<T, RawError> + Send + 'static,
    {
        let file = reader.file().clone();
        let (batch_tx, batch_rx) = mpsc::unbounded_channel();
        let (value_tx, value_rx) = mpsc::channel(VALUE_BATCHES);
        let thread = {
            let file = file.clone();
            std::thread::Builder::new()
                .name(THREAD_NAME.into())
                .spawn(move || read_lines(&file, read, batch_rx, value_tx))
        };
        let download: Pin<Box<dyn Future<Output = ()> + Send>> = match thread {
            Ok(_) => Box::pin(download(reader, batch_tx)),
            Err(e) => {
                // No thread: the stream is this one error.
                let (tx, rx) = mpsc::channel(1);
                let e = RawError::at_url(
                    ErrorKind::Transport,
                    &reqwest::Method::GET,
                    &file.url,
                    format!("cannot start a thread to read the file: {e}"),
                );
                let _ = tx.try_send(vec![Err(e)]);
                return FileLines {
                    download: None,
                    values: rx,
                    current: Vec::new().into_iter(),
                    since_poll: 0,
                };
            }
        };
        FileLines {
            download: Some(download),
            values: value_rx,
            current: Vec::new().into_iter(),
            since_poll: 0,
        }
    }

    fn drive(&mut self, cx: &mut Context<'_>) {
        self.since_poll = 0;
        if let Some(download) = &mut self.download {
            if download.as_mut().poll(cx).is_ready() {
                self.download = None;
            }
        }
    }
}

impl<T: Send + 'static> Stream for FileLines<T> {
    type Item = Item<T>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Item<T>>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.current.next() {
                this.since_poll += 1;
                if this.since_poll >= POLL_DOWNLOAD_EVERY {
                    this.drive(cx);
                }
                return Poll::Ready(Some(item));
            }
            // The download is polled before waiting for values, so that it goes on while the
            // thread reads.
            this.drive(cx);
            match this.values.poll_recv(cx) {
                Poll::Ready(Some(items)) => this.current = items.into_iter(),
                Poll::Ready(None) => {
                    this.download = None;
                    return Poll::Ready(None);
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

/// The download side: batches to the thread, within the bytes in flight.
async fn download(mut reader: FileReader, to_thread: mpsc::UnboundedSender<Handover>) {
    let budget = Arc::new(Semaphore::new(BYTES_IN_FLIGHT));
    while let Some(next) = reader.next_batch().await {
        let handover = match next {
            Ok(batch) => {
                // A batch longer than the budget (one long line) waits for all of it.
                let bytes = batch.len().clamp(1, BYTES_IN_FLIGHT) as u32;
                let Ok(permit) = budget.clone().acquire_many_owned(bytes).await else {
                    return;
                };
                Handover::Lines(batch, permit)
            }
            Err(e) => Handover::Failed(e),
        };
        let last = matches!(handover, Handover::Failed(_));
        if to_thread.send(handover).is_err() || last {
            return;
        }
    }
}

/// The thread's side: each batch's lines read, the values sent back. Ends when the download
/// ends, or the stream is dropped, or at a line that is not UTF-8.
fn read_lines<T, F>(
    file: &Arc<ManifestFile>,
    mut read: F,
    mut batches: mpsc::UnboundedReceiver<Handover>,
    values: mpsc::Sender<Vec<Item<T>>>,
) where
    F: FnMut(&ManifestFile, u64, &str) -> Result<T, RawError>,
{
    while let Some(handover) = batches.blocking_recv() {
        let batch = match handover {
            Handover::Lines(batch, permit) => (batch, permit),
            Handover::Failed(e) => {
                let _ = values.blocking_send(vec![Err(e)]);
                break;
            }
        };
        let (out, stop) = read_batch(file, &batch.0, &mut read);
        // The buffer goes back to the download, and its bytes leave the budget.
        drop(batch);
        if (!out.is_empty() && values.blocking_send(out).is_err()) || stop {
            break;
        }
    }
    // The line reader (and what it holds) goes before the stream sees the end.
    drop(read);
    drop(values);
}

/// The values of a batch's lines, in order, and whether the file ends there (at a line that is
/// not UTF-8).
pub(crate) fn read_batch<T, F>(
    file: &Arc<ManifestFile>,
    batch: &Batch,
    read: &mut F,
) -> (Vec<Item<T>>, bool)
where
    F: FnMut(&ManifestFile, u64, &str) -> Result<T, RawError>,
{
    let mut out = Vec::with_capacity(64);
    for (number, bytes) in batch.lines() {
        match std::str::from_utf8(bytes) {
            Ok(text) => out.push(read(file, number, text).map(|value| ExportLine {
                file: file.clone(),
                line: number,
                value,
            })),
            Err(e) => {
                out.push(Err(not_utf8(file, number, e)));
                return (out, true);
            }
        }
    }
    (out, false)
}
