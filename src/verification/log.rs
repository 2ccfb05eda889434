//! Recording verifications off the hot path: handlers hand records to an in-memory queue, and
//! one task writes them in batches (one transaction per batch, at most every second, or
//! `VERIFICATION_FLUSH_MILLISECONDS`, or 5,000 records). Writing seldom matters on SQLite: every write makes the other connections drop
//! their page caches, so the look-ups that verifications do would otherwise read from disk.
//! The queue is flushed when the server stops gracefully. A crash (SIGKILL, power loss) loses
//! the records still queued: at most the last second's (that setting's) worth.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use crate::db::verifications::{self, VerificationRecord};
use crate::db::{Db, DbError};

enum Message {
    Record(Box<VerificationRecord>),
    Flush(oneshot::Sender<()>),
}

/// The handle handlers use; cheap to clone.
#[derive(Clone)]
pub struct VerificationRecorder {
    sender: mpsc::UnboundedSender<Message>,
    queued: Arc<AtomicUsize>,
}

const BATCH: usize = 5000;

impl VerificationRecorder {
    /// Starts the writer task on the current runtime; records wait at most `linger` before
    /// they are written.
    pub fn start(db: Db, linger: Duration) -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        let queued = Arc::new(AtomicUsize::new(0));
        tokio::spawn(write_batches(db, receiver, Arc::clone(&queued), linger));
        Self { sender, queued }
    }

    /// Records queued and not yet written (for metrics).
    pub fn queued(&self) -> usize {
        self.queued.load(Ordering::Relaxed)
    }

    /// Queues a record; never waits.
    pub fn record(&self, record: VerificationRecord) {
        self.queued.fetch_add(1, Ordering::Relaxed);
        if self.sender.send(Message::Record(Box::new(record))).is_err() {
            self.queued.fetch_sub(1, Ordering::Relaxed);
            tracing::warn!("the verification recorder has stopped; a record was not kept");
        }
    }

    /// Writes everything queued so far, and waits until it is written.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.sender.send(Message::Flush(done)).is_ok() {
            let _ = wait.await;
        }
    }
}

async fn write_batches(
    db: Db,
    mut receiver: mpsc::UnboundedReceiver<Message>,
    queued: Arc<AtomicUsize>,
    linger: Duration,
) {
    while let Some(first) = receiver.recv().await {
        let mut batch = Vec::new();
        let mut flushes = Vec::new();
        match first {
            Message::Record(r) => batch.push(*r),
            Message::Flush(done) => flushes.push(done),
        }
        let deadline = tokio::time::Instant::now() + linger;
        while batch.len() < BATCH && flushes.is_empty() {
            match tokio::time::timeout_at(deadline, receiver.recv()).await {
                Ok(Some(Message::Record(r))) => batch.push(*r),
                Ok(Some(Message::Flush(done))) => flushes.push(done),
                Ok(None) | Err(_) => break,
            }
        }
        // Whatever else is already queued goes in too.
        while let Ok(message) = receiver.try_recv() {
            match message {
                Message::Record(r) => batch.push(*r),
                Message::Flush(done) => flushes.push(done),
            }
        }
        if !batch.is_empty() {
            let db = db.clone();
            let count = batch.len();
            let written = tokio::task::spawn_blocking(move || {
                db.write_blocking(|conn| {
                    verifications::insert_records(conn, &batch).map_err(DbError::from)
                })
            })
            .await;
            queued.fetch_sub(count, Ordering::Relaxed);
            match written {
                Ok(Ok(())) => tracing::debug!(count, "verification records written"),
                Ok(Err(error)) => {
                    tracing::error!(count, %error, "verification records could not be written")
                }
                Err(error) => tracing::error!(count, %error, "the verification writer failed"),
            }
        }
        for done in flushes {
            let _ = done.send(());
        }
    }
}
