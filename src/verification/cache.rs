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
//! One compact entry per declaration (about 60 bytes and its name, in one shared buffer): a
//! million declarations take about 150 MB.

use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;

use crate::db::verifications::{self, Lookup};
use crate::db::{Db, DbError, change_log};
use crate::declarations::watch::ChangeWatch;
use crate::domain::declaration::{Star, Status};

/// How old the cache's last successful look at the log may be before it stops answering.
pub const STALE_AFTER: Duration = Duration::from_secs(1);
/// Declarations read per page while warming.
const WARM_PAGE: i64 = 20_000;
/// Log entries applied per round.
const FOLLOW_BATCH: i64 = 1_000;

/// One declaration's answer, compactly.
#[derive(Debug, Clone, Copy)]
struct Entry {
    row_id: i64,
    declared_at: i64,
    /// `i64::MIN`: not accepted.
    accepted_at: i64,
    star_since: i64,
    /// 0: none.
    corporate_number: u64,
    /// The name, then its matching key, in [`Store::text`].
    text_at: u32,
    name_len: u16,
    key_len: u16,
    status: u8,
    star: u8,
}

#[derive(Default)]
struct Store {
    entries: HashMap<u64, Entry>,
    text: Vec<u8>,
    /// Bytes of `text` no entry points at any more (replaced names).
    garbage: usize,
}

fn nanos(t: NaiveDateTime) -> Option<i64> {
    t.and_utc().timestamp_nanos_opt()
}

fn time(n: i64) -> NaiveDateTime {
    chrono::DateTime::from_timestamp_nanos(n).naive_utc()
}

/// The numeric key of a declaration ID: 12 digits, or 11 for the oldest imported ones (led by
/// 4, so an 11-digit key is below every 12-digit one and the two never meet).
fn key(public_id: &str) -> Option<u64> {
    if !(11..=12).contains(&public_id.len())
        || !public_id.starts_with('4')
        || !public_id.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    public_id.parse().ok()
}

impl Store {
    fn put(&mut self, row: &Lookup) -> bool {
        let Some(k) = key(&row.public_id) else {
            return false;
        };
        let status = Status::ALL.iter().position(|s| s.code() == row.status);
        let star = Star::ALL.iter().position(|s| s.code() == row.star_level);
        let corporate_number = match &row.corporate_number {
            None => Some(0),
            Some(n) => n.parse::<u64>().ok().filter(|n| *n != 0),
        };
        let (Some(status), Some(star), Some(corporate_number)) = (status, star, corporate_number)
        else {
            return false;
        };
        let (Some(declared_at), Some(star_since)) = (nanos(row.declared_at), nanos(row.star_since))
        else {
            return false;
        };
        let accepted_at = match row.accepted_at {
            None => i64::MIN,
            Some(t) => match nanos(t) {
                Some(n) => n,
                None => return false,
            },
        };
        let (Ok(name_len), Ok(key_len)) = (
            u16::try_from(row.organization_name.len()),
            u16::try_from(row.organization_name_key.len()),
        ) else {
            return false;
        };
        let Ok(text_at) = u32::try_from(self.text.len()) else {
            return false;
        };
        if let Some(old) = self.entries.get(&k) {
            self.garbage += usize::from(old.name_len) + usize::from(old.key_len);
        }
        self.text
            .extend_from_slice(row.organization_name.as_bytes());
        self.text
            .extend_from_slice(row.organization_name_key.as_bytes());
        self.entries.insert(
            k,
            Entry {
                row_id: row.id,
                declared_at,
                accepted_at,
                star_since,
                corporate_number,
                text_at,
                name_len,
                key_len,
                status: status as u8,
                star: star as u8,
            },
        );
        true
    }

    fn get(&self, public_id: &str) -> Option<Lookup> {
        let e = self.entries.get(&key(public_id)?)?;
        let at = e.text_at as usize;
        let name_end = at + usize::from(e.name_len);
        let key_end = name_end + usize::from(e.key_len);
        let text =
            |from: usize, to: usize| String::from_utf8_lossy(&self.text[from..to]).into_owned();
        Some(Lookup {
            id: e.row_id,
            public_id: public_id.to_owned(),
            status: Status::ALL[usize::from(e.status)].code().to_owned(),
            star_level: Star::ALL[usize::from(e.star)].code().to_owned(),
            declared_at: time(e.declared_at),
            accepted_at: (e.accepted_at != i64::MIN).then(|| time(e.accepted_at)),
            star_since: time(e.star_since),
            corporate_number: (e.corporate_number != 0)
                .then(|| format!("{:013}", e.corporate_number)),
            organization_name: text(at, name_end),
            organization_name_key: text(name_end, key_end),
        })
    }

    /// Rewrites the text buffer when most of it is garbage.
    fn compact_if_wasteful(&mut self) {
        if self.garbage < 64 * 1024 * 1024 || self.garbage < self.text.len() / 2 {
            return;
        }
        let mut text = Vec::with_capacity(self.text.len() - self.garbage);
        for e in self.entries.values_mut() {
            let at = e.text_at as usize;
            let len = usize::from(e.name_len) + usize::from(e.key_len);
            let new_at = text.len();
            text.extend_from_slice(&self.text[at..at + len]);
            e.text_at = u32::try_from(new_at).unwrap_or(u32::MAX);
        }
        self.text = text;
        self.garbage = 0;
    }
}

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
        let held = self
            .store
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .entries
            .len();
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
        store.compact_if_wasteful();
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn row(public_id: &str, name: &str, accepted: bool, corporate: Option<&str>) -> Lookup {
        let t = chrono::DateTime::from_timestamp(1_700_000_000, 123_456_789)
            .unwrap()
            .naive_utc();
        Lookup {
            id: 7,
            public_id: public_id.to_owned(),
            status: "accepted".to_owned(),
            star_level: "two_star".to_owned(),
            declared_at: t,
            accepted_at: accepted.then_some(t),
            star_since: t,
            corporate_number: corporate.map(str::to_owned),
            organization_name: name.to_owned(),
            organization_name_key: crate::domain::name::name_key(name),
        }
    }

    #[test]
    fn a_held_answer_is_the_row_it_was_made_from() {
        let mut store = Store::default();
        for r in [
            row(
                "407731820954",
                "株式会社サンプル",
                true,
                Some("1234567890123"),
            ),
            row("400000000002", "個人事業 山田", false, None),
            row("499999999998", "", false, Some("0000000000001")),
        ] {
            assert!(store.put(&r));
            assert_eq!(store.get(&r.public_id), Some(r));
        }
        assert_eq!(store.get("412345678901"), None);
        assert_eq!(store.get("not an id"), None);
        // Replaced: the newest answer, and the old text counted as garbage.
        let newer = row(
            "407731820954",
            "株式会社サンプル改",
            true,
            Some("1234567890123"),
        );
        assert!(store.put(&newer));
        assert_eq!(store.get("407731820954"), Some(newer));
        assert!(store.garbage > 0);
    }

    proptest! {
        #[test]
        fn any_row_comes_back_exactly_or_is_refused(
            digits in "4[0-9]{10,11}",
            name in "\\PC{0,60}",
            corporate in proptest::option::of("[0-9]{13}"),
            accepted: bool,
            status in 0usize..4,
            star in 0usize..2,
            nanos in 0i64..4_000_000_000_000_000_000,
        ) {
            let t = chrono::DateTime::from_timestamp_nanos(nanos).naive_utc();
            let r = Lookup {
                id: 1,
                public_id: digits.clone(),
                status: Status::ALL[status].code().to_owned(),
                star_level: Star::ALL[star].code().to_owned(),
                declared_at: t,
                accepted_at: accepted.then_some(t),
                star_since: t,
                corporate_number: corporate,
                organization_name: name.clone(),
                organization_name_key: crate::domain::name::name_key(&name),
            };
            let mut store = Store::default();
            if store.put(&r) {
                prop_assert_eq!(store.get(&digits), Some(r));
            } else {
                // Only a corporate number of all zeros is refused (it would read as none).
                prop_assert!(r.corporate_number.as_deref().is_some_and(|n| n.bytes().all(|b| b == b'0')));
            }
        }
    }
}
