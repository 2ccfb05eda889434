//! Recording verifications off the hot path: handlers hand records to an in-memory queue, and
//! one task writes them in batches (one transaction per batch, at most every second, or
//! `VERIFICATION_FLUSH_MILLISECONDS`, or when 100,000 records wait). Writing seldom matters on SQLite: every write makes the other connections drop
//! their page caches, so the look-ups that verifications do would otherwise read from disk.
//! The queue is flushed when the server stops gracefully. A crash (SIGKILL, power loss) loses
//! the records still queued: at most the last second's (that setting's) worth.
//!
//! The queue holds at most [`QUEUE`] records: when the writer falls behind, a verification
//! waits for room before it answers, so that a flood slows down to what the database can
//! record instead of growing the queue (and the process's memory) without bound.

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
    sender: mpsc::Sender<Message>,
    queued: Arc<AtomicUsize>,
}

/// Records queued at most (some 40 MB); beyond, [`VerificationRecorder::record`] waits. A
/// bound of 20,000 written 5,000 to a transaction made verifications wait for the writer at
/// 19,000 a second (p99 217 ms on SQLite): the writer keeps up only when it takes everything
/// queued at once.
pub const QUEUE: usize = 100_000;

/// Records written in one transaction at most: everything queued.
const BATCH: usize = QUEUE;

impl VerificationRecorder {
    /// Starts the writer task on the current runtime; records wait at most `linger` before
    /// they are written.
    pub fn start(db: Db, linger: Duration) -> Self {
        let (sender, receiver) = mpsc::channel(QUEUE);
        let queued = Arc::new(AtomicUsize::new(0));
        tokio::spawn(write_batches(db, receiver, Arc::clone(&queued), linger));
        Self { sender, queued }
    }

    /// Records queued and not yet written (for metrics).
    pub fn queued(&self) -> usize {
        self.queued.load(Ordering::Relaxed)
    }

    /// Queues a record; waits only while the queue is full.
    pub async fn record(&self, record: VerificationRecord) {
        // Counted before it is sent (the writer may take it at once), and uncounted if it is
        // never sent: the recorder stopped, or the caller went away while it waited for room.
        struct Counted<'a>(&'a AtomicUsize, bool);
        impl Drop for Counted<'_> {
            fn drop(&mut self) {
                if !self.1 {
                    self.0.fetch_sub(1, Ordering::Relaxed);
                }
            }
        }
        self.queued.fetch_add(1, Ordering::Relaxed);
        let mut counted = Counted(&self.queued, false);
        match self.sender.send(Message::Record(Box::new(record))).await {
            Ok(()) => counted.1 = true,
            Err(_) => {
                tracing::warn!("the verification recorder has stopped; a record was not kept")
            }
        }
    }

    /// Writes everything queued so far, and waits until it is written.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.sender.send(Message::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

async fn write_batches(
    db: Db,
    mut receiver: mpsc::Receiver<Message>,
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
        // Whatever else is already queued goes in too, up to a batch.
        while batch.len() < BATCH
            && flushes.is_empty()
            && let Ok(message) = receiver.try_recv()
        {
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

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::FutureExt as _;

    fn sample(client: i64) -> VerificationRecord {
        VerificationRecord {
            api_client_id: client,
            declaration_id: None,
            requested_id: "400000000002".into(),
            result: "not_found",
            verified_at: crate::db::now(),
            receipt: None,
        }
    }

    /// While the writer cannot write, the queue fills up to its bound and the next record
    /// waits; once the writer writes again, it goes in and nothing is lost.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_queue_makes_a_record_wait_instead_of_growing() {
        let dir = tempfile::tempdir().unwrap();
        let url = crate::config::DatabaseUrl::Sqlite(dir.path().join("t.db"));
        let db = Db::connect(&url, 2).unwrap();
        db.run_migrations().unwrap();
        let client = db
            .write_blocking(|conn| {
                crate::secretariat::create_client(
                    conn,
                    "補助金申請システム",
                    &["declarations:verify".to_owned()],
                    None,
                    None,
                    &crate::db::audit::Actor::system(),
                )
                .map_err(|e| DbError::Setup(e.to_string()))
            })
            .unwrap();
        let client: i64 = {
            use diesel::prelude::*;
            crate::db::schema::api_clients::table
                .filter(crate::db::schema::api_clients::client_id.eq(&client.client_id))
                .select(crate::db::schema::api_clients::id)
                .first(&mut *db.pool().get().unwrap())
                .unwrap()
        };
        // The writer's first transaction waits on this one (SQLite: one writer at a time).
        let (release, held) = std::sync::mpsc::channel::<()>();
        let (holding, started) = std::sync::mpsc::channel::<()>();
        let blocker = {
            let db = db.clone();
            std::thread::spawn(move || {
                db.write_blocking(|_| {
                    holding.send(()).unwrap();
                    held.recv().unwrap();
                    Ok::<_, DbError>(())
                })
                .unwrap();
            })
        };
        started.recv().unwrap();
        let recorder = VerificationRecorder::start(db.clone(), Duration::from_millis(1));
        // A batch goes to the (blocked) writer, then the queue fills: every one of these
        // completes.
        let mut sent = 0;
        while recorder.queued() < QUEUE + BATCH {
            let sending = recorder.record(sample(client));
            match tokio::time::timeout(Duration::from_secs(5), sending).await {
                Ok(()) => sent += 1,
                Err(_) => break,
            }
        }
        assert!(sent >= QUEUE, "{sent}");
        assert!(
            recorder.queued() <= QUEUE + BATCH + 1,
            "{}",
            recorder.queued()
        );
        // The next one waits for room.
        let mut waiting = Box::pin(recorder.record(sample(client)));
        tokio::task::yield_now().await;
        assert!(
            (&mut waiting).now_or_never().is_none(),
            "a full queue took another record"
        );
        release.send(()).unwrap();
        blocker.join().unwrap();
        waiting.await;
        recorder.flush().await;
        let mut conn = db.pool().get().unwrap();
        let written: i64 = {
            use diesel::prelude::*;
            crate::db::schema::verification_records::table
                .count()
                .get_result(&mut *conn)
                .unwrap()
        };
        assert_eq!(written, i64::try_from(sent + 1).unwrap());
        assert_eq!(recorder.queued(), 0);
    }
}
