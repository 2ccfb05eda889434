//! The verification answers of every declaration, in memory, kept current from the change log
//! (検証応答の保持). A verification is then answered without a database round trip.
//!
//! # Why its answers are the database's
//! - **Warming.** At start the cache is empty and says so: verifications go to the database.
//!   It first notes the change log's head `H`, then reads every declaration in pages. Whatever
//!   a page reads is at least as new as `H`, since it is read after it.
//! - **Following.** It then applies the log from `H` on: for each entry it reads that
//!   declaration again from the database and replaces its answer. The log's positions follow
//!   commit order without gaps (`src/declarations/change_log.rs`), so no committed change is
//!   missed, whoever made it: this instance, another on the same PostgreSQL database, or the
//!   command line on the same SQLite file.
//! - **This instance's changes, at once.** A writer here pokes the change watch after its
//!   commit, which counts a local write before the answer is sent. The cache remembers the
//!   count it had seen when it last started following; while a newer local write is not yet
//!   applied, verifications go to the database. So the instance that made a change never
//!   answers from before it.
//! - **Other processes' changes, within a second.** They are seen at the next look at the log
//!   (`CHANGE_POLL_MILLISECONDS`, 200 ms). If the log cannot be read for
//!   [`STALE_AFTER`] (the database is down), the cache stops answering: it never answers from a
//!   copy it knows may be older than that.
//!
//! # Size
//! 56 bytes per declaration and its name in one shared buffer ([`store`]).

use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::db::verifications::{self, Lookup};
use crate::db::{Db, DbError, change_log};
use crate::declarations::watch::ChangeWatch;

mod store;
use store::Store;

/// How old the cache's last successful look at the log may be before it stops answering.
pub const STALE_AFTER: Duration = Duration::from_secs(1);
/// Declarations read per page while warming.
const WARM_PAGE: i64 = 20_000;
/// Log entries applied per round.
const FOLLOW_BATCH: i64 = 1_000;

/// The in-memory answers, shared by every worker.
pub struct VerificationCache {
    store: RwLock<Store>,
    /// Warmed and following: it may answer.
    ready: AtomicBool,
    /// The log position applied up to.
    applied: AtomicI64,
    /// The local-write count seen when the last successful round began.
    local_writes_seen: AtomicU64,
    /// When the last successful round began, as nanoseconds since `epoch`.
    fresh_at: AtomicU64,
    epoch: Instant,
    changes: ChangeWatch,
    /// Rows that could not be held (odd data): always asked of the database.
    misfits: AtomicU64,
}

/// What the cache says of an ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cached {
    /// The answer is known: the declaration, or none with this ID.
    Known(Option<Lookup>),
    /// Ask the database (warming, behind a local change, or possibly stale).
    Unsure,
}

impl VerificationCache {
    pub fn new(changes: ChangeWatch) -> Self {
        VerificationCache {
            store: RwLock::default(),
            ready: AtomicBool::new(false),
            applied: AtomicI64::new(0),
            local_writes_seen: AtomicU64::new(0),
            fresh_at: AtomicU64::new(0),
            epoch: Instant::now(),
            changes,
            misfits: AtomicU64::new(0),
        }
    }

    /// Whether it may answer now.
    pub fn answering(&self) -> bool {
        if !self.ready.load(Ordering::Acquire) || self.misfits.load(Ordering::Relaxed) > 0 {
            return false;
        }
        if self.changes.local_writes() > self.local_writes_seen.load(Ordering::Acquire) {
            return false;
        }
        let fresh_at = Duration::from_nanos(self.fresh_at.load(Ordering::Acquire));
        self.epoch.elapsed().saturating_sub(fresh_at) < STALE_AFTER
    }

    /// The answer for a well-formed declaration ID.
    pub fn get(&self, public_id: &str) -> Cached {
        if !self.answering() {
            return Cached::Unsure;
        }
        let store = self.store.read().unwrap_or_else(|p| p.into_inner());
        Cached::Known(store.get(public_id))
    }

    /// Answers for many IDs at once, or `None` when the cache cannot answer.
    pub fn get_many(&self, public_ids: &[&str]) -> Option<Vec<Lookup>> {
        if !self.answering() {
            return None;
        }
        let store = self.store.read().unwrap_or_else(|p| p.into_inner());
        Some(public_ids.iter().filter_map(|id| store.get(id)).collect())
    }

    /// For `/readyz`: `current`, `warming` or `behind`.
    pub fn describe(&self) -> &'static str {
        if !self.ready.load(Ordering::Acquire) {
            "warming"
        } else if self.answering() {
            "current"
        } else {
            "behind"
        }
    }

    /// State for `/readyz` and the metrics: (answering, declarations held, position applied).
    pub fn state(&self) -> (bool, usize, i64) {
        let held = self.store.read().unwrap_or_else(|p| p.into_inner()).len();
        (self.answering(), held, self.applied.load(Ordering::Acquire))
    }

    fn mark_fresh(&self, local_writes: u64, began: Duration) {
        self.local_writes_seen
            .fetch_max(local_writes, Ordering::AcqRel);
        self.fresh_at.fetch_max(
            u64::try_from(began.as_nanos()).unwrap_or(u64::MAX),
            Ordering::AcqRel,
        );
    }

    fn put_rows(&self, rows: &[Lookup]) {
        let mut store = self.store.write().unwrap_or_else(|p| p.into_inner());
        for row in rows {
            if !store.put(row) {
                tracing::warn!(declaration = %row.public_id, "a declaration cannot be held in the verification cache; verifications go to the database");
                self.misfits.fetch_add(1, Ordering::Relaxed);
            }
        }
        store.tidy();
    }

    /// Reads every declaration (page by page), then marks the cache warm at the head noted
    /// before the first page.
    pub async fn warm(&self, db: &Db) -> Result<usize, DbError> {
        let began = self.epoch.elapsed();
        let local_writes = self.changes.local_writes();
        let head = db
            .read(|conn| Ok::<_, DbError>(change_log::head(conn)?.last_position))
            .await?;
        self.applied.store(head, Ordering::Release);
        let mut after = 0i64;
        let mut count = 0usize;
        loop {
            let rows = db
                .read(move |conn| {
                    Ok::<_, DbError>(verifications::lookup_page(conn, after, WARM_PAGE)?)
                })
                .await?;
            let Some(last) = rows.last().map(|r| r.id) else {
                break;
            };
            count += rows.len();
            self.put_rows(&rows);
            after = last;
            tokio::task::yield_now().await;
        }
        self.store
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .settle();
        // Changes committed while the pages were read are applied before answering.
        self.follow_once(db).await?;
        self.mark_fresh(local_writes, began);
        self.ready.store(true, Ordering::Release);
        Ok(count)
    }

    /// Applies the log entries after the applied position.
    pub async fn follow_once(&self, db: &Db) -> Result<(), DbError> {
        let began = self.epoch.elapsed();
        let local_writes = self.changes.local_writes();
        loop {
            let applied = self.applied.load(Ordering::Acquire);
            let (entries, rows) = db
                .read(move |conn| {
                    let entries = change_log::after(conn, applied, FOLLOW_BATCH)?;
                    let mut ids: Vec<i64> = entries.iter().map(|e| e.declaration_id).collect();
                    ids.sort_unstable();
                    ids.dedup();
                    // Read after the entries: at least as new as each of them.
                    let rows = verifications::lookup_rows(conn, &ids)?;
                    Ok::<_, DbError>((entries, rows))
                })
                .await?;
            let Some(last) = entries.last().map(|e| e.position) else {
                break;
            };
            self.put_rows(&rows);
            self.applied.store(last, Ordering::Release);
            if entries.len() < usize::try_from(FOLLOW_BATCH).unwrap_or(usize::MAX) {
                break;
            }
        }
        self.mark_fresh(local_writes, began);
        Ok(())
    }

    /// Warms, then follows the log until the process ends: at once when this process changed
    /// something, and every `interval` otherwise.
    pub async fn run(self: std::sync::Arc<Self>, db: Db, interval: Duration) {
        let started = Instant::now();
        loop {
            match self.warm(&db).await {
                Ok(count) => {
                    tracing::info!(
                        count,
                        seconds = started.elapsed().as_secs_f64(),
                        "verification cache warm"
                    );
                    // The warm's batches of rows are gone; the answers are compact.
                    crate::runtime::memory::give_back_freed();
                    break;
                }
                Err(error) => {
                    tracing::warn!(%error, "cannot warm the verification cache; verifications go to the database");
                    tokio::time::sleep(interval.max(Duration::from_secs(1))).await;
                }
            }
        }
        loop {
            let applied = self.applied.load(Ordering::Acquire);
            let _ = self.changes.wait_beyond(applied, interval).await;
            if let Err(error) = self.follow_once(&db).await {
                tracing::warn!(%error, "cannot follow the change log; verifications go to the database");
                tokio::time::sleep(interval).await;
            }
        }
    }
}
