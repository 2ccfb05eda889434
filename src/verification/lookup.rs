//! Looking up declarations for single verifications, many at a time.
//!
//! Subsidy portals call `GET /v1/verifications/{id}` concurrently. Each call hands its ID to one
//! dispatcher task. The dispatcher runs up to `concurrency` queries at once; whatever IDs arrive
//! while they run are answered together by the next query (one `IN` / `= ANY` look-up on the
//! `public_id` index). A lone call is looked up at once, on its own, so batching adds no delay
//! when the service is quiet, and under load the database sees one query per batch instead of
//! one per call. Answers are exactly those of a single look-up: each caller gets its own row.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{Semaphore, mpsc, oneshot};

use super::cache::{Cached, VerificationCache};
use crate::db::verifications::{self, Lookup};
use crate::db::{Db, DbError};

/// The most IDs answered by one query.
const MAX_BATCH: usize = 256;

type Answer = Result<Option<Lookup>, Arc<DbError>>;

struct Pending {
    public_id: String,
    reply: oneshot::Sender<Answer>,
}

/// The handle handlers use; cheap to clone.
#[derive(Clone)]
pub struct VerificationLookups {
    sender: mpsc::UnboundedSender<Pending>,
    db: Db,
    /// Answers without the database while it is warm and current.
    pub cache: Arc<VerificationCache>,
    counts: Arc<LookupCounts>,
}

/// Declarations looked up since the start, by where the answer came from (for metrics).
#[derive(Debug, Default)]
struct LookupCounts {
    memory: AtomicU64,
    database: AtomicU64,
}

impl LookupCounts {
    fn add(&self, from_memory: bool, ids: usize) {
        let counter = if from_memory {
            &self.memory
        } else {
            &self.database
        };
        counter.fetch_add(u64::try_from(ids).unwrap_or(u64::MAX), Ordering::Relaxed);
    }
}

impl VerificationLookups {
    /// Starts the dispatcher on the current runtime, running at most `concurrency` queries at
    /// a time (each holds one pooled connection).
    pub fn start(db: Db, concurrency: usize, cache: Arc<VerificationCache>) -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        tokio::spawn(dispatch(db.clone(), receiver, concurrency.max(1)));
        Self {
            sender,
            db,
            cache,
            counts: Arc::default(),
        }
    }

    /// Declarations looked up since the start: (answered from memory, from the database).
    pub fn counts(&self) -> (u64, u64) {
        (
            self.counts.memory.load(Ordering::Relaxed),
            self.counts.database.load(Ordering::Relaxed),
        )
    }

    /// The declaration with this public ID (already checked to be well formed), if any: from
    /// the cache when it can answer, otherwise from the database.
    pub async fn find(&self, public_id: &str) -> Result<Option<Lookup>, DbError> {
        if let Cached::Known(found) = self.cache.get(public_id) {
            self.counts.add(true, 1);
            return Ok(found);
        }
        self.counts.add(false, 1);
        self.find_in_database(public_id).await
    }

    /// Many declarations (a batch): from the cache when it can answer, otherwise in one query.
    pub async fn find_many(&self, public_ids: Vec<String>) -> Result<Vec<Lookup>, DbError> {
        let refs: Vec<&str> = public_ids.iter().map(String::as_str).collect();
        if let Some(found) = self.cache.get_many(&refs) {
            self.counts.add(true, refs.len());
            return Ok(found);
        }
        self.counts.add(false, refs.len());
        self.db
            .read(move |conn| {
                let refs: Vec<&str> = public_ids.iter().map(String::as_str).collect();
                Ok::<_, DbError>(verifications::lookup_many(conn, &refs)?)
            })
            .await
    }

    /// The declaration as the database has it now.
    pub async fn find_in_database(&self, public_id: &str) -> Result<Option<Lookup>, DbError> {
        let (reply, answer) = oneshot::channel();
        let pending = Pending {
            public_id: public_id.to_owned(),
            reply,
        };
        self.sender.send(pending).map_err(|_| DbError::Cancelled)?;
        match answer.await {
            Ok(Ok(found)) => Ok(found),
            Ok(Err(error)) => Err(DbError::Setup(error.to_string())),
            Err(_) => Err(DbError::Cancelled),
        }
    }
}

async fn dispatch(db: Db, mut receiver: mpsc::UnboundedReceiver<Pending>, concurrency: usize) {
    let permits = Arc::new(Semaphore::new(concurrency));
    loop {
        let Ok(permit) = Arc::clone(&permits).acquire_owned().await else {
            return;
        };
        let Some(first) = receiver.recv().await else {
            return;
        };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(pending) => batch.push(pending),
                Err(_) => break,
            }
        }
        let db = db.clone();
        tokio::task::spawn_blocking(move || {
            answer(&db, batch);
            drop(permit);
        });
    }
}

/// Runs one query for the batch and answers every caller in it.
fn answer(db: &Db, batch: Vec<Pending>) {
    let found = db.pool().get().map_err(DbError::from).and_then(|mut conn| {
        if let [only] = batch.as_slice() {
            // The single-row statement: the cheapest when there is nothing to share.
            Ok(verifications::lookup(&mut conn, &only.public_id)?
                .into_iter()
                .collect::<Vec<_>>())
        } else {
            let ids: Vec<&str> = batch.iter().map(|p| p.public_id.as_str()).collect();
            Ok(verifications::lookup_many(&mut conn, &ids)?)
        }
    });
    match found {
        Ok(rows) => {
            let by_id: HashMap<String, Lookup> = rows
                .into_iter()
                .map(|row| (row.public_id.clone(), row))
                .collect();
            for pending in batch {
                let _ = pending
                    .reply
                    .send(Ok(by_id.get(&pending.public_id).cloned()));
            }
        }
        Err(error) => {
            tracing::error!(%error, "verification look-up failed");
            let error = Arc::new(error);
            for pending in batch {
                let _ = pending.reply.send(Err(Arc::clone(&error)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_caller_gets_its_own_answer_in_a_shared_batch() {
        let dir = tempfile::tempdir().unwrap();
        let url = crate::config::DatabaseUrl::Sqlite(dir.path().join("t.db"));
        let db = Db::connect(&url, 2).unwrap();
        db.run_migrations().unwrap();
        let cache = Arc::new(VerificationCache::new(
            crate::declarations::watch::ChangeWatch::default(),
        ));
        let lookups = VerificationLookups::start(db, 1, cache);
        // Nothing exists: every concurrent caller, including repeats, gets None.
        let ids = [
            "400000000002",
            "400000000010",
            "400000000002",
            "412345678903",
        ];
        let answers = futures_util::future::join_all(ids.iter().map(|id| lookups.find(id))).await;
        for answer in answers {
            assert!(answer.unwrap().is_none());
        }
        // The cache never warmed here: every ID was asked of the database, and counted there.
        assert_eq!(lookups.counts(), (0, 4));
        assert!(
            lookups
                .find_many(ids.map(str::to_owned).to_vec())
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(lookups.counts(), (0, 8));
    }
}
