//! Recording verifications off the hot path: handlers hand records to an in-memory queue, and
//! one task writes them in batches (one transaction per batch, at most every second, or
//! `VERIFICATION_FLUSH_MILLISECONDS`, or as soon as half of `VERIFICATION_QUEUE` records wait,
//! 100,000 by default). The writer sleeps between batches instead of taking each record as it
//! comes, so that a record costs its handler no wake-up of another thread. Writing seldom
//! matters on SQLite: every write makes the other connections drop their page caches, so the
//! look-ups that verifications do would otherwise read from disk.
//! The queue is flushed when the server stops gracefully. A crash (SIGKILL, power loss) loses
//! the records still queued: at most the last second's (that setting's) worth.
//!
//! A batch the database refuses (down, read-only, full) is not dropped: the writer tries it
//! again, waiting [`RETRY_FIRST`] and then twice as long each time up to [`RETRY_MAX`], and takes
//! no new records meanwhile, so that the queue fills and verifications wait as below.
//!
//! The queue holds at most `VERIFICATION_QUEUE` records ([`QUEUE`] by default): when the
//! writer falls behind, a verification waits for room before it answers, so that a flood slows
//! down to what the database can record instead of growing the queue (and the process's
//! memory) without bound. When the writer has had nothing to write for [`IDLE_BEFORE_TRIM`]
//! after a burst, it asks the allocator to give back the memory the burst's records held.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{Notify, mpsc, oneshot};

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
    /// Ends the writer's wait before its linger is out: a flush, or a queue half full.
    hurry: Arc<Notify>,
    queued: Arc<AtomicUsize>,
    failed_writes: Arc<AtomicUsize>,
}

/// Records queued at most by default (some 40 MB; `VERIFICATION_QUEUE`); beyond,
/// [`VerificationRecorder::record`] waits. A
/// bound of 20,000 written 5,000 to a transaction made verifications wait for the writer at
/// 19,000 a second (p99 217 ms on SQLite): the writer keeps up only when it takes everything
/// queued at once.
pub const QUEUE: usize = 100_000;

/// Records written since the last trim after which a quiet writer gives memory back.
const TRIM_AFTER: usize = 10_000;

/// How long the writer waits without a record before it counts as quiet.
const IDLE_BEFORE_TRIM: Duration = Duration::from_secs(2);

/// The wait before a refused batch is tried again; it doubles with each refusal.
pub const RETRY_FIRST: Duration = Duration::from_millis(100);

/// The longest wait between two tries of a refused batch.
pub const RETRY_MAX: Duration = Duration::from_secs(5);

impl VerificationRecorder {
    /// Starts the writer task on the current runtime; records wait at most `linger` before
    /// they are written, and at most `capacity` wait (the writer takes up to that many into
    /// one transaction, everything queued: it keeps up only when it takes all at once).
    pub fn start(db: Db, linger: Duration, capacity: usize) -> Self {
        let (sender, receiver) = mpsc::channel(capacity);
        let hurry = Arc::new(Notify::new());
        let queued = Arc::new(AtomicUsize::new(0));
        let failed_writes = Arc::new(AtomicUsize::new(0));
        tokio::spawn(write_batches(
            db,
            receiver,
            Arc::clone(&hurry),
            Arc::clone(&queued),
            Arc::clone(&failed_writes),
            linger,
            capacity,
        ));
        Self {
            sender,
            hurry,
            queued,
            failed_writes,
        }
    }

    /// Records queued and not yet written (for metrics).
    pub fn queued(&self) -> usize {
        self.queued.load(Ordering::Relaxed)
    }

    /// Tries to write a batch that the database refused, since the start (for metrics).
    pub fn failed_writes(&self) -> usize {
        self.failed_writes.load(Ordering::Relaxed)
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
        // Half full: the writer takes what is queued now rather than when its linger is out.
        if self.sender.capacity() < self.sender.max_capacity() / 2 {
            self.hurry.notify_one();
        }
    }

    /// Writes everything queued so far, and waits until it is written.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.sender.send(Message::Flush(done)).await.is_ok() {
            self.hurry.notify_one();
            let _ = wait.await;
        }
    }
}

async fn write_batches(
    db: Db,
    mut receiver: mpsc::Receiver<Message>,
    hurry: Arc<Notify>,
    queued: Arc<AtomicUsize>,
    failed_writes: Arc<AtomicUsize>,
    linger: Duration,
    batch_size: usize,
) {
    // Records written since the allocator was last asked to give back what they held.
    let mut written_since_trim = 0usize;
    loop {
        let first = match tokio::time::timeout(IDLE_BEFORE_TRIM, receiver.recv()).await {
            Ok(Some(first)) => first,
            Ok(None) => break,
            Err(_) => {
                // Quiet after a burst: the queue's records are freed, but the allocator keeps
                // their pages for the threads that made them; give them back.
                if written_since_trim >= TRIM_AFTER {
                    written_since_trim = 0;
                    let _ =
                        tokio::task::spawn_blocking(crate::runtime::memory::give_back_freed).await;
                }
                continue;
            }
        };
        let mut batch = Vec::new();
        let mut flushes = Vec::new();
        match first {
            Message::Record(r) => batch.push(*r),
            Message::Flush(done) => flushes.push(done),
        }
        // The linger is slept out, not spent receiving: a record sent meanwhile wakes no one.
        // Waking the writer for each record took a tenth of the service's CPU at 30,000
        // verifications a second (`docs/benchmarks.md`). A flush, or a queue half full, ends
        // the wait early.
        if flushes.is_empty() {
            tokio::select! {
                () = tokio::time::sleep(linger) => {}
                () = hurry.notified() => {}
            }
        }
        // Everything queued goes in, up to a batch, and up to a flush (which waits for no
        // record sent after it).
        while batch.len() < batch_size
            && flushes.is_empty()
            && let Ok(message) = receiver.try_recv()
        {
            match message {
                Message::Record(r) => batch.push(*r),
                Message::Flush(done) => flushes.push(done),
            }
        }
        if !batch.is_empty() {
            let count = batch.len();
            write_until_written(&db, batch, &failed_writes).await;
            queued.fetch_sub(count, Ordering::Relaxed);
            written_since_trim += count;
        }
        for done in flushes {
            let _ = done.send(());
        }
    }
}

/// Writes `batch` in one transaction, trying again after each refusal until the database takes
/// it: a record whose verification was answered is never dropped while the process lives.
async fn write_until_written(
    db: &Db,
    mut batch: Vec<VerificationRecord>,
    failed_writes: &AtomicUsize,
) {
    let count = batch.len();
    let mut wait = RETRY_FIRST;
    loop {
        let db = db.clone();
        let tried = tokio::task::spawn_blocking(move || {
            let written = db.write_blocking(|conn| {
                verifications::insert_records(conn, &batch).map_err(DbError::from)
            });
            (batch, written)
        })
        .await;
        match tried {
            Ok((_, Ok(()))) => {
                tracing::debug!(count, "verification records written");
                return;
            }
            Ok((refused, Err(error))) => {
                failed_writes.fetch_add(1, Ordering::Relaxed);
                tracing::error!(
                    count,
                    %error,
                    retry_in_ms = wait.as_millis(),
                    "verification records could not be written; they are kept and tried again"
                );
                batch = refused;
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(RETRY_MAX);
            }
            // A panic while writing is a defect, not a refusal: trying again would repeat it.
            Err(error) => {
                tracing::error!(count, %error, "the verification writer failed; records lost");
                return;
            }
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

    /// A fresh SQLite database in `dir` with one API client; its row ID.
    fn database_with_client(dir: &tempfile::TempDir) -> (Db, i64) {
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
        (db, client)
    }

    fn written(db: &Db) -> i64 {
        use diesel::prelude::*;
        crate::db::schema::verification_records::table
            .count()
            .get_result(&mut *db.pool().get().unwrap())
            .unwrap()
    }

    /// While the database refuses the records (here: their table is gone), the writer keeps
    /// them and tries again; once it takes them again, every record is written once.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn records_the_database_refuses_are_kept_and_written_later() {
        use diesel::connection::SimpleConnection;
        let dir = tempfile::tempdir().unwrap();
        let (db, client) = database_with_client(&dir);
        let move_table = |sql: &'static str| {
            db.write_blocking(|conn| conn.batch_execute(sql).map_err(DbError::from))
                .unwrap();
        };
        move_table("ALTER TABLE verification_records RENAME TO verification_records_away");
        let recorder = VerificationRecorder::start(db.clone(), Duration::from_millis(1), QUEUE);
        for _ in 0..3 {
            recorder.record(sample(client)).await;
        }
        // Refused at least twice: the batch was tried again, not dropped.
        let tried_again = async {
            while recorder.failed_writes() < 2 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        tokio::time::timeout(Duration::from_secs(30), tried_again)
            .await
            .expect("the refused batch is tried again");
        assert_eq!(recorder.queued(), 3);
        move_table("ALTER TABLE verification_records_away RENAME TO verification_records");
        recorder.record(sample(client)).await;
        tokio::time::timeout(Duration::from_secs(30), recorder.flush())
            .await
            .expect("written once the table is back");
        assert_eq!(written(&db), 4);
        assert_eq!(recorder.queued(), 0);
    }

    /// The writer sleeps out its linger, but a flush, or a queue half full, ends the wait.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_flush_or_a_half_full_queue_is_written_before_the_linger_is_out() {
        let dir = tempfile::tempdir().unwrap();
        let (db, client) = database_with_client(&dir);
        let linger = Duration::from_secs(3600);
        let recorder = VerificationRecorder::start(db.clone(), linger, 1_000);
        for _ in 0..3 {
            recorder.record(sample(client)).await;
        }
        tokio::time::timeout(Duration::from_secs(10), recorder.flush())
            .await
            .expect("a flush does not wait for the linger");
        assert_eq!(written(&db), 3);
        // Fewer than half the queue: they wait for the linger.
        for _ in 0..400 {
            recorder.record(sample(client)).await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(written(&db), 3);
        assert_eq!(recorder.queued(), 400);
        // Past half: what is queued then is written without a flush; the records after it
        // wait again.
        for _ in 0..200 {
            recorder.record(sample(client)).await;
        }
        let drained = async {
            while written(&db) < 3 + 500 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        tokio::time::timeout(Duration::from_secs(10), drained)
            .await
            .expect("a queue half full is written at once");
        let left = usize::try_from(603 - written(&db)).unwrap();
        assert!(left < 100, "{left}");
        assert_eq!(recorder.queued(), left);
    }

    /// While the writer cannot write, the queue fills up to its bound and the next record
    /// waits; once the writer writes again, it goes in and nothing is lost.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_queue_makes_a_record_wait_instead_of_growing() {
        let dir = tempfile::tempdir().unwrap();
        let (db, client) = database_with_client(&dir);
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
        // A queue as small as the setting allows: its bound holds, whatever it is.
        let capacity = 1_000;
        let recorder = VerificationRecorder::start(db.clone(), Duration::from_millis(1), capacity);
        // A batch goes to the (blocked) writer, then the queue fills: every one of these
        // completes.
        let mut sent = 0;
        while recorder.queued() < 2 * capacity {
            let sending = recorder.record(sample(client));
            match tokio::time::timeout(Duration::from_secs(5), sending).await {
                Ok(()) => sent += 1,
                Err(_) => break,
            }
        }
        assert!(sent >= capacity, "{sent}");
        assert!(
            recorder.queued() <= 2 * capacity + 1,
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
        assert_eq!(written(&db), i64::try_from(sent + 1).unwrap());
        assert_eq!(recorder.queued(), 0);
    }
}
