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

    /// Waits until a position after `position` is committed or `timeout` passes; whether there
    /// is one. For the background followers (the verification cache, webhook dispatch): a stop
    /// does not cut their wait short, so that they keep their pace while the requests in flight
    /// finish instead of spinning against the database.
    pub async fn wait_beyond(&self, position: i64, timeout: Duration) -> bool {
        let mut head = self.head.subscribe();
        matches!(
            tokio::time::timeout(timeout, head.wait_for(|head| *head > position)).await,
            Ok(Ok(_))
        )
    }

    /// A request's long poll (ロングポーリング): like [`wait_beyond`](Self::wait_beyond), but the
    /// service stopping ends the wait at once, so that waiting requests do not hold the graceful
    /// stop for the rest of their wait.
    pub async fn long_poll(&self, position: i64, timeout: Duration) -> bool {
        let mut stopping = self.stopping.subscribe();
        tokio::select! {
            waited = self.wait_beyond(position, timeout) => waited,
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

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    #[tokio::test]
    async fn a_stop_ends_the_long_polls_but_not_the_followers_waits() {
        let changes = ChangeWatch::default();
        changes.stop_waiting();
        // A request waiting for an hour answers at once, with nothing new.
        let asked = Instant::now();
        let answered = tokio::time::timeout(
            Duration::from_secs(10),
            changes.long_poll(0, Duration::from_secs(3600)),
        )
        .await;
        assert_eq!(answered, Ok(false));
        assert!(asked.elapsed() < Duration::from_secs(10));
        // A follower keeps its pace: its wait still lasts until its timeout.
        let waited = Instant::now();
        assert!(!changes.wait_beyond(0, Duration::from_millis(300)).await);
        assert!(waited.elapsed() >= Duration::from_millis(300));
    }

    #[tokio::test]
    async fn a_newer_head_ends_both_waits_and_an_older_one_neither() {
        let changes = ChangeWatch::default();
        changes.head.send_replace(5);
        assert!(changes.wait_beyond(4, Duration::from_secs(3600)).await);
        assert!(changes.long_poll(4, Duration::from_secs(3600)).await);
        assert!(!changes.wait_beyond(5, Duration::from_millis(50)).await);
        assert!(!changes.long_poll(5, Duration::from_millis(50)).await);
        // A head that moves during the wait ends it.
        let moved = {
            let changes = changes.clone();
            tokio::spawn(async move { changes.wait_beyond(5, Duration::from_secs(3600)).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        changes.head.send_replace(6);
        assert!(
            tokio::time::timeout(Duration::from_secs(10), moved)
                .await
                .unwrap()
                .unwrap()
        );
        // After a stop, a long poll still tells of what is already there.
        changes.stop_waiting();
        assert!(changes.long_poll(5, Duration::from_secs(3600)).await);
    }
}
