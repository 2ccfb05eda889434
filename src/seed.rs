//! Bulk seeding: fills a database with synthetic, realistic declarations for demonstrations,
//! load tests and benchmarks (`security-action seed --declarations N`).
//!
//! # What the data looks like
//! Each declaration comes with its declarer account (role `declarer`, the caller's password
//! hash), its declarer (organisation and contact person), its purposes, its history and, for
//! two stars, a self-diagnosis and a policy disclosure, written with the same column values as a
//! real application (`declarations::application`). The proportions follow the scheme's
//! published figures where there are some:
//!
//! - **Star**: 90 % 一つ星, 10 % 二つ星 (302,264 : 32,630 on 2024-05-31). 30 % of the two-stars
//!   declared one star first and stepped up later (`stepped_up` event; `star_since` is then the
//!   step-up, and the diagnosis was taken up to three days before).
//! - **Status**: 80 % accepted, 14 % declared, 4 % withdrawn, 2 % revoked. Acceptance comes 1–14
//!   days after the declaration (a declaration too recent for that stays `declared`); most
//!   withdrawn (75 %) and revoked (85 %) ones had been accepted. Both carry `ended_at` and
//!   `end_reason`: a declarer's own words for withdrawals, a reason code for revocations
//!   (`misleading_claims` 35 %, `declarer_request` 30 %, `false_declaration` 25 %, `other` 10 %)
//!   with the secretariat's note.
//! - **History**: `applied` (by the declarer), `accepted` (by the secretariat, operator not
//!   recorded), `stepped_up`, `withdrawn` or `revoked`, in time order; the declaration's
//!   `revision` counts them and `updated_at` is the last.
//! - **Dates**: declared between 2017-04-28 (the first logo terms) and the start of the current
//!   UTC day, ever more often (85 % with a density rising linearly, 15 % evenly), 80 % in Japanese
//!   office hours. The agreed terms version is the one in force on the day.
//! - **Organisation**: 85 % corporations (株式会社 / 有限会社 / 合同会社 / 合資会社 names with the
//!   form before or after, abbreviated now and then as (株) （株） ㈱; a unique valid corporate
//!   number; capital mostly 1–30 million yen), 12 % sole proprietors (屋号 such as 田中工務店 or
//!   佐藤会計事務所; no corporate number, no capital), 3 % associations (協同組合, 一般社団法人,
//!   商工会, NPO, and unincorporated 研究会 without a corporate number). Kana readings for about
//!   half. `organization_name_key` is [`name_key`] of the name.
//! - **Where and what**: prefectures weighted by their number of businesses (東京都, 大阪府,
//!   愛知県, 神奈川県 heavy, 鳥取県 light), industries weighted towards construction (D),
//!   manufacturing (E), wholesale and retail (I), information (G) and professional services (L).
//!   Employees mostly 1–50 (a third 1–5), sole proprietors 0–4.
//! - **Purposes** (at least one): subsidy application ≈ 75 %, improving security ≈ 25 %,
//!   customers' trust ≈ 17 %, a business partner's request ≈ 8 %, other ≈ 3 % (the 2024 survey).
//! - **Two stars**: 25 answers drawn around a per-declarer maturity (mostly `implemented`, the
//!   rest partially / not / unknown; totals average about 80, a few percent below 50), scored
//!   with [`score`]; disclosed on the company website
//!   (an https URL under the declarer's `example.co.jp`-style host), in the company profile, a
//!   pamphlet, or otherwise (with a description).
//! - **Contact data** only under reserved names: web sites and e-mail addresses under
//!   `example.jp`, `example.co.jp` and `example.or.jp`; phone numbers whose subscriber part starts
//!   with 0, which is never assigned.
//!
//! # How it is written
//! In transactions of 5,000 declarations ([`Db::write_blocking`], so SQLite's single-writer lock
//! is honoured), as multi-row `INSERT` statements of up to 1,000 rows built as SQL text, with
//! explicit ids following each table's `MAX(id)` read in the transaction. One thread draws the
//! next batch while the caller's thread writes the last. On PostgreSQL the written tables are
//! locked against concurrent writers for the transaction (readers are not blocked), rows go in
//! with `OVERRIDING SYSTEM VALUE`, each identity sequence is moved to the new maximum before
//! commit, and commits do not wait for the WAL flush (`synchronous_commit = off` for the
//! transaction: a crash may lose the last batches, never corrupt). User numbers, declaration
//! IDs, corporate numbers and diagnosis IDs already in the database are loaded first and never
//! drawn again, so no seeded corporation can share a live declaration with an existing one. A
//! failed batch rolls back alone; the earlier ones stay. On SQLite, another *process* writing at
//! the same time can make a batch fail as busy: seed a quiet database.
//!
//! # Determinism
//! Everything is drawn from one `rand` `StdRng` (ChaCha12) seeded with `seed`: on the same day
//! (dates end at the start of the current UTC day) and the same starting database, the same seed
//! writes the same rows. Numbers already taken are redrawn, so seeding twice with one seed adds
//! new rows.

mod generate;
mod names;
mod sql;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::{NaiveDateTime, NaiveTime};
use diesel::prelude::*;
use diesel::sql_types::Text;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rand::rngs::StdRng;

use crate::db::{Db, DbConnection};
use generate::{Generator, Plan};
use sql::write_batch;

/// What a seeding run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedReport {
    /// Declarations written (each with its account and declarer).
    pub declarations: u64,
    /// Of which one star (一つ星).
    pub one_star: u64,
    /// Of which two stars (二つ星).
    pub two_star: u64,
    /// The whole run's wall-clock time.
    pub elapsed: Duration,
}

/// Declarations per transaction.
const BATCH: u64 = 5_000;

/// Fills the database with `count` synthetic, realistic declarations, in bulk (see the module
/// documentation for what they look like). `password_hash` is the argon2 PHC string every seeded
/// account gets (the caller hashes a known password once). `progress`: show an indicatif
/// progress bar on stderr. Deterministic for a given `seed` (on one day, from one starting
/// database).
///
/// # Errors
///
/// A database failure; the batches committed before it stay.
pub fn seed(
    db: &Db,
    count: u64,
    password_hash: &str,
    seed: u64,
    progress: bool,
) -> anyhow::Result<SeedReport> {
    let today = chrono::Utc::now().date_naive().and_time(NaiveTime::MIN);
    seed_until(db, count, password_hash, seed, progress, today)
}

/// [`seed`] with every time before `until`.
fn seed_until(
    db: &Db,
    count: u64,
    password_hash: &str,
    seed: u64,
    progress: bool,
    until: NaiveDateTime,
) -> anyhow::Result<SeedReport> {
    let started = Instant::now();
    let bar = if progress {
        let bar = ProgressBar::with_draw_target(Some(count), ProgressDrawTarget::stderr());
        bar.set_style(ProgressStyle::with_template(
            "seeding {wide_bar} {human_pos}/{human_len} declarations ({per_sec}, {eta} left)",
        )?);
        bar
    } else {
        ProgressBar::hidden()
    };
    let mut taken = Taken::load(&mut *db.pool().get()?).context("reading the numbers in use")?;
    let mut generator = Generator::new(seed, until)?;
    let (mut declarations, mut two_star) = (0, 0);
    // One thread draws the next batch while this one writes the last: a pipeline of two.
    let (sender, receiver) = std::sync::mpsc::sync_channel(1);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut left = count;
            while left > 0 {
                let size = left.min(BATCH);
                let plans: anyhow::Result<Vec<Plan>> =
                    (0..size).map(|_| generator.plan(&mut taken)).collect();
                let failed = plans.is_err();
                // A closed channel means the writer gave up: stop drawing.
                if sender.send(plans).is_err() || failed {
                    return;
                }
                left -= size;
            }
        });
        for plans in receiver {
            let plans = plans?;
            two_star += db.write_blocking(|conn| write_batch(conn, &plans, password_hash))?;
            declarations += plans.len() as u64;
            bar.inc(plans.len() as u64);
        }
        anyhow::Ok(())
    })?;
    bar.finish_and_clear();
    db.refresh_statistics(true)
        .context("refreshing the planner's statistics")?;
    Ok(SeedReport {
        declarations,
        one_star: declarations - two_star,
        two_star,
        elapsed: started.elapsed(),
    })
}

/// One text column of a query's rows.
#[derive(QueryableByName)]
struct TextRow {
    #[diesel(sql_type = Text)]
    value: String,
}

/// The numbers in use, which are never drawn again.
#[derive(Debug, Default)]
struct Taken {
    /// User numbers and declaration IDs (distinct by their first digit).
    numbers: HashSet<u64>,
    corporate_numbers: HashSet<u64>,
    diagnosis_ids: HashSet<u128>,
}

impl Taken {
    fn load(conn: &mut DbConnection) -> QueryResult<Taken> {
        let mut texts = |sql: &str| {
            diesel::sql_query(sql)
                .load::<TextRow>(&mut *conn)
                .map(|rows| rows.into_iter().map(|r| r.value))
        };
        let numbers = |s: String| s.parse::<u64>().ok();
        Ok(Taken {
            numbers: texts(
                "SELECT user_number AS value FROM accounts \
                 UNION ALL SELECT public_id FROM declarations",
            )?
            .filter_map(numbers)
            .collect(),
            corporate_numbers: texts(
                "SELECT corporate_number AS value FROM declarers \
                 WHERE corporate_number IS NOT NULL \
                 UNION ALL SELECT corporate_number FROM declarations \
                 WHERE corporate_number IS NOT NULL",
            )?
            .filter_map(numbers)
            .collect(),
            diagnosis_ids: texts("SELECT public_id AS value FROM diagnoses")?
                .filter_map(|s| uuid::Uuid::parse_str(&s).ok().map(|u| u.as_u128()))
                .collect(),
        })
    }
}

/// The value of a string of ASCII digits.
fn digits_value(s: &str) -> u64 {
    s.bytes()
        .fold(0, |n, b| n * 10 + u64::from(b.wrapping_sub(b'0') % 10))
}

/// Draws until `draw` gives a value whose key `set` does not hold yet, and records the key.
fn unused<T, K: std::hash::Hash + Eq>(
    rng: &mut StdRng,
    set: &mut HashSet<K>,
    mut draw: impl FnMut(&mut StdRng) -> (T, K),
) -> anyhow::Result<T> {
    for _ in 0..1_000 {
        let (value, key) = draw(rng);
        if set.insert(key) {
            return Ok(value);
        }
    }
    anyhow::bail!("no unused number after 1,000 draws")
}

#[cfg(test)]
mod tests;
