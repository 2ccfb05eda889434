//! Following the change log's committed head, for whatever waits on changes (the feed's long
//! polling). Changes committed by this process are seen at once (the writer pokes the watch);
//! changes committed by another process — another instance on the same PostgreSQL database, or
//! `security-action admin …` on the same SQLite file — are seen at the next look, every
//! `CHANGE_POLL_MILLISECONDS`. One cheap query per interval per process, whatever the number of
//! waiting requests.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, watch};

use crate::db::{Db, DbError, change_log};

/// The newest committed position as this process knows it.
#[derive(Clone)]
pub struct ChangeWatch {
    head: Arc<watch::Sender<i64>>,
    poke: Arc<Notify>,
    /// Set when the service stops: waiting requests answer at once instead of holding the
    /// graceful stop for the rest of their wait.
    stopping: Arc<watch::Sender<bool>>,
    /// Changes this process committed (counted when the writer pokes, after its commit).
    local_writes: Arc<std::sync::atomic::AtomicU64>,
}

impl Default for ChangeWatch {
    fn default() -> Self {
        ChangeWatch {
            head: Arc::new(watch::Sender::new(0)),
            poke: Arc::new(Notify::new()),
            stopping: Arc::new(watch::Sender::new(false)),
            local_writes: Arc::default(),
        }
    }
}

impl ChangeWatch {
    /// Asks for a look at the head now (after this process committed a change).
    pub fn poke(&self) {
        self.local_writes
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        self.poke.notify_one();
    }

    /// How many changes this process has committed (pokes so far).
    pub fn local_writes(&self) -> u64 {
        self.local_writes.load(std::sync::atomic::Ordering::Acquire)
    }

    /// The newest position seen so far.
    pub fn head(&self) -> i64 {
        *self.head.borrow()
    }

    /// Waits until a position after `position` is committed, or `timeout` passes, or the
    /// service stops; whether there is one.
    pub async fn wait_beyond(&self, position: i64, timeout: Duration) -> bool {
        let mut head = self.head.subscribe();
        let mut stopping = self.stopping.subscribe();
        tokio::select! {
            waited = tokio::time::timeout(timeout, head.wait_for(|head| *head > position)) => {
                matches!(waited, Ok(Ok(_)))
            }
            _ = stopping.wait_for(|stopping| *stopping) => *self.head.borrow() > position,
        }
    }

    /// The service is stopping: every waiting request answers now, and new ones do not wait.
    pub fn stop_waiting(&self) {
        self.stopping.send_replace(true);
    }

    /// Looks at the committed head once.
    pub async fn refresh(&self, db: &Db) -> Result<i64, DbError> {
        let head = db
            .read(|conn| Ok::<_, DbError>(change_log::head(conn)?.last_position))
            .await?;
        self.head.send_if_modified(|known| {
            let newer = head > *known;
            if newer {
                *known = head;
            }
            newer
        });
        Ok(head)
    }

    /// Looks at the head every `interval`, and at once when poked, until the task is dropped.
    pub async fn follow(self, db: Db, interval: Duration) {
        loop {
            if let Err(error) = self.refresh(&db).await {
                tracing::warn!(%error, "cannot read the change log's head");
            }
            tokio::select! {
                () = self.poke.notified() => {}
                () = tokio::time::sleep(interval) => {}
            }
        }
    }
}
