//! Bulk seeding: fills a database with synthetic, realistic declarations for demonstrations,
//! load tests and benchmarks (`security-action seed --declarations N`).
//!
//! # What the data looks like
//! Each declaration comes with its declarer account (role `declarer`, the caller's password
//! hash), its declarer (organisation and contact person), its purposes, its history and, for
//! two stars, a self-diagnosis and a policy disclosure, written with the same column values as a
//! real application (`routes::declarations::apply`). The proportions follow the scheme's
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

mod names;

use std::collections::HashSet;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::{Datelike as _, NaiveDateTime, NaiveTime, TimeDelta, Timelike as _};
use diesel::connection::SimpleConnection as _;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rand::rngs::StdRng;
use rand::{RngExt as _, SeedableRng as _};

use crate::db::{Db, DbConnection};
use crate::domain::corporate_number::CorporateNumber;
use crate::domain::declaration::{ChangeKind, Purpose, Star, Status};
use crate::domain::disclosure::DisclosureMethod;
use crate::domain::identifiers::{DeclarationId, UserNumber};
use crate::domain::name::name_key;
use crate::domain::organization::OrganizationType;
use crate::domain::questionnaire::{Answer, QUESTIONNAIRE_VERSION};
use crate::domain::scoring::{AnswerSheet, score};
use crate::domain::terms::TERMS_VERSIONS;
use names::{Organization, any, weighted};

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

/// Rows per `INSERT` statement.
const ROWS_PER_STATEMENT: usize = 1_000;

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

/// The tables the seeding gives ids to.
const IDENTITY_TABLES: [&str; 6] = [
    "accounts",
    "declarers",
    "diagnoses",
    "declarations",
    "declaration_events",
    "policy_disclosures",
];

/// Writes one batch in the caller's transaction; answers how many were two stars.
fn write_batch(
    conn: &mut DbConnection,
    plans: &[Plan],
    password_hash: &str,
) -> anyhow::Result<u64> {
    let postgres = match conn {
        DbConnection::Postgres(_) => true,
        DbConnection::Sqlite(_) => false,
    };
    if postgres {
        // Concurrent writers wait (readers do not), so MAX(id) stays ours until the commit.
        conn.batch_execute(&format!(
            "SET LOCAL synchronous_commit = off; \
             LOCK TABLE {}, declaration_purposes, declaration_changes, change_log_head \
             IN SHARE ROW EXCLUSIVE MODE",
            IDENTITY_TABLES.join(", ")
        ))?;
    }
    let ids = diesel::sql_query(
        "SELECT (SELECT COALESCE(MAX(id), 0) FROM accounts) AS account, \
         (SELECT COALESCE(MAX(id), 0) FROM declarers) AS declarer, \
         (SELECT COALESCE(MAX(id), 0) FROM diagnoses) AS diagnosis, \
         (SELECT COALESCE(MAX(id), 0) FROM declarations) AS declaration, \
         (SELECT COALESCE(MAX(id), 0) FROM declaration_events) AS event, \
         (SELECT COALESCE(MAX(id), 0) FROM policy_disclosures) AS disclosure, \
         (SELECT last_position FROM change_log_head WHERE id = 1) AS position",
    )
    .get_result::<Ids>(conn)?;
    let mut sql = Sql::new(postgres, ids);
    let mut two_star = 0;
    for plan in plans {
        two_star += u64::from(plan.star == Star::TwoStar);
        sql.add(plan, password_hash);
    }
    conn.batch_execute(&sql.finish())?;
    // The log's head moves past the entries written, as `declarations::change_log` would.
    conn.batch_execute(
        "UPDATE change_log_head SET last_position = \
         (SELECT COALESCE(MAX(position), 0) FROM declaration_changes) WHERE id = 1",
    )?;
    if postgres {
        let mut setval = String::new();
        for table in IDENTITY_TABLES {
            writeln!(
                setval,
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 (SELECT MAX(id) FROM {table}));"
            )?;
        }
        conn.batch_execute(&setval)?;
    }
    Ok(two_star)
}

/// The last id used in each table.
#[derive(Debug, Clone, Copy, Default, QueryableByName)]
struct Ids {
    #[diesel(sql_type = BigInt)]
    account: i64,
    #[diesel(sql_type = BigInt)]
    declarer: i64,
    #[diesel(sql_type = BigInt)]
    diagnosis: i64,
    #[diesel(sql_type = BigInt)]
    declaration: i64,
    #[diesel(sql_type = BigInt)]
    event: i64,
    #[diesel(sql_type = BigInt)]
    disclosure: i64,
    /// The change log's last position.
    #[diesel(sql_type = BigInt)]
    position: i64,
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

/// One entry of a declaration's history.
#[derive(Debug, Clone, Copy)]
struct Event {
    kind: &'static str,
    /// The status and star before, if any.
    from: Option<(Status, Star)>,
    to_status: Status,
    to_star: Star,
    /// By the declarer's account, or else by the secretariat (operator not recorded).
    by_declarer: bool,
    reason: Option<&'static str>,
    note: Option<&'static str>,
    at: NaiveDateTime,
}

/// A two-star declaration's self-diagnosis.
#[derive(Debug, Clone)]
struct Diagnosis {
    public_id: uuid::Uuid,
    answers: String,
    total: i32,
    band: &'static str,
    at: NaiveDateTime,
}

/// A two-star declaration's policy disclosure; the URL is a path under the declarer's site.
#[derive(Debug, Clone)]
struct Disclosure {
    methods: String,
    url_path: Option<&'static str>,
    other: Option<&'static str>,
    at: NaiveDateTime,
}

/// Everything about one seeded declaration but the ids.
#[derive(Debug, Clone)]
struct Plan {
    organization: Organization,
    /// [`name_key`] of the organisation's name.
    name_key: String,
    corporate_number: Option<CorporateNumber>,
    user_number: UserNumber,
    declaration_id: DeclarationId,
    star: Star,
    status: Status,
    purposes: Vec<Purpose>,
    terms_version: &'static str,
    declared_at: NaiveDateTime,
    accepted_at: Option<NaiveDateTime>,
    star_since: NaiveDateTime,
    /// The events in time order: applied, accepted, stepped up, withdrawn or revoked.
    events: Vec<Event>,
    diagnosis: Option<Diagnosis>,
    disclosure: Option<Disclosure>,
}

/// A microsecond count of one hour.
const HOUR: i64 = 3_600_000_000;

/// Withdrawal reasons, in the declarers' words.
const WITHDRAWAL_REASONS: [&str; 6] = [
    "事業を廃止したため",
    "補助金の申請が終わったため",
    "会社の合併に伴い",
    "誤って申し込んだため",
    "重複して申し込んだため",
    "宣言内容を見直すため",
];

/// Revocation reason codes with the secretariat's notes, weighted.
const REVOCATIONS: [((&str, &str), u32); 4] = [
    (
        (
            "misleading_claims",
            "ウェブサイトで「認定を取得」と表示していたため",
        ),
        35,
    ),
    (("declarer_request", "宣言事業者からの申し出による"), 30),
    (("false_declaration", "申込み内容に虚偽があったため"), 25),
    (("other", "連絡が取れないため"), 10),
];

/// Draws declarations one after the other from one seeded generator.
struct Generator {
    rng: StdRng,
    /// The first day a declaration can have: the first logo terms' (2017-04-28).
    start: NaiveDateTime,
    /// Every time drawn is before this.
    until: NaiveDateTime,
}

impl Generator {
    fn new(seed: u64, until: NaiveDateTime) -> anyhow::Result<Generator> {
        let start = TERMS_VERSIONS[0]
            .effective_date()
            .context("the first logo terms have no date")?
            .and_time(NaiveTime::MIN);
        anyhow::ensure!(
            until > start + TimeDelta::days(30),
            "no time to seed before {until}"
        );
        Ok(Generator {
            rng: StdRng::seed_from_u64(seed),
            start,
            until,
        })
    }

    /// The next declaration, with numbers not in `taken` (which records them).
    fn plan(&mut self, taken: &mut Taken) -> anyhow::Result<Plan> {
        let rng = &mut self.rng;
        let star = if rng.random_bool(0.1) {
            Star::TwoStar
        } else {
            Star::OneStar
        };
        let organization = names::organization(rng, star == Star::TwoStar)?;
        let corporate_number = match organization.numbered {
            true => Some(unused(rng, &mut taken.corporate_numbers, |rng| {
                let number = names::corporate_number(rng, &organization);
                (number, digits_value(number.as_str()))
            })?),
            false => None,
        };
        let user_number = unused(rng, &mut taken.numbers, |rng| {
            let number = UserNumber::generate(rng);
            (number, digits_value(number.as_str()))
        })?;
        let declaration_id = unused(rng, &mut taken.numbers, |rng| {
            let id = DeclarationId::generate(rng);
            (id, digits_value(id.as_str()))
        })?;
        let purposes = purposes(rng);
        let (status, declared_at, accepted_at, star_since, events) =
            history(rng, self.start, self.until, star);
        let (diagnosis, disclosure) = match star {
            Star::OneStar => (None, None),
            Star::TwoStar => (
                Some(diagnosis(rng, taken, declared_at, star_since)?),
                Some(disclosure(rng, organization.website, star_since)),
            ),
        };
        let terms_version = TERMS_VERSIONS
            .iter()
            .rev()
            .find(|t| t.effective_date().is_some_and(|d| d <= declared_at.date()))
            .unwrap_or(&TERMS_VERSIONS[0])
            .version;
        Ok(Plan {
            name_key: name_key(&organization.name),
            organization,
            corporate_number,
            user_number,
            declaration_id,
            star,
            status,
            purposes,
            terms_version,
            declared_at,
            accepted_at,
            star_since,
            events,
            diagnosis,
            disclosure,
        })
    }
}

/// Purposes after the 2024 survey: three in four name the subsidy; the others at least one of
/// the rest.
fn purposes(rng: &mut StdRng) -> Vec<Purpose> {
    use Purpose::*;
    #[rustfmt::skip]
    let (first, more) = match rng.random_bool(0.75) {
        true => (SubsidyApplication, [(ImproveSecurity, 0.16), (CustomerTrust, 0.11),
            (BusinessPartnerRequest, 0.05), (Other, 0.005)]),
        false => (weighted(rng, &[(ImproveSecurity, 45), (CustomerTrust, 28),
            (BusinessPartnerRequest, 14), (Other, 13)]), [(ImproveSecurity, 0.15),
            (CustomerTrust, 0.1), (BusinessPartnerRequest, 0.05), (Other, 0.0)]),
    };
    let mut chosen = vec![first];
    for (purpose, p) in more {
        if purpose != first && rng.random_bool(p) {
            chosen.push(purpose);
        }
    }
    chosen
}

/// A declaration's final status, its declaration, acceptance and star dates, and its events.
type Timeline = (
    Status,
    NaiveDateTime,
    Option<NaiveDateTime>,
    NaiveDateTime,
    Vec<Event>,
);

/// A declaration's life: its final status, declaration, acceptance and star dates, and its
/// events in time order.
fn history(rng: &mut StdRng, start: NaiveDateTime, until: NaiveDateTime, star: Star) -> Timeline {
    use Status::*;
    let declared_at = declared_at(rng, start, until);
    let target = weighted(
        rng,
        &[(Accepted, 80), (Declared, 14), (Withdrawn, 4), (Revoked, 2)],
    );
    let reviewed = declared_at
        + TimeDelta::days(rng.random_range(1..=14))
        + TimeDelta::microseconds(rng.random_range(0..8 * HOUR));
    let was_accepted = match target {
        Accepted => true,
        Declared => false,
        Withdrawn => rng.random_bool(0.75),
        Revoked => rng.random_bool(0.85),
    };
    // Too recent to have been reviewed: still declared.
    let accepted_at = Some(reviewed).filter(|at| was_accepted && *at < until);
    let status = if target == Accepted && accepted_at.is_none() {
        Declared
    } else {
        target
    };
    let first_star = match star {
        Star::TwoStar if rng.random_bool(0.3) => Star::OneStar,
        _ => star,
    };
    let event = |kind, from, to_status, to_star, by_declarer, at| Event {
        kind,
        from,
        to_status,
        to_star,
        by_declarer,
        reason: None,
        note: None,
        at,
    };
    let mut events = vec![event(
        "applied",
        None,
        Declared,
        first_star,
        true,
        declared_at,
    )];
    let (mut live, mut last, mut star_since) = (Declared, declared_at, declared_at);
    if let Some(at) = accepted_at {
        events.push(event(
            "accepted",
            Some((live, first_star)),
            Accepted,
            first_star,
            false,
            at,
        ));
        (live, last) = (Accepted, at);
    }
    if first_star != star {
        star_since = between(rng, last, until);
        last = star_since;
        events.push(event(
            "stepped_up",
            Some((live, first_star)),
            live,
            star,
            true,
            last,
        ));
    }
    let end = match status {
        Withdrawn => Some(("withdrawn", any(rng, &WITHDRAWAL_REASONS), None, true)),
        Revoked => {
            let (code, note) = weighted(rng, &REVOCATIONS);
            Some(("revoked", code, Some(note), false))
        }
        Declared | Accepted => None,
    };
    if let Some((kind, reason, note, by_declarer)) = end {
        let at = between(rng, last, until);
        events.push(Event {
            reason: Some(reason),
            note,
            ..event(kind, Some((live, star)), status, star, by_declarer, at)
        });
    }
    (status, declared_at, accepted_at, star_since, events)
}

/// A declaration time: ever more often towards `until` (85 % with a linearly rising density,
/// 15 % evenly), mostly in Japanese office hours (09:00–19:00 JST is 00:00–10:00 UTC).
fn declared_at(rng: &mut StdRng, start: NaiveDateTime, until: NaiveDateTime) -> NaiveDateTime {
    let days = (until - start).num_days().max(1);
    let uniform: f64 = rng.random();
    let fraction = if rng.random_bool(0.85) {
        uniform.sqrt()
    } else {
        uniform
    };
    let day = ((fraction * days as f64) as i64).clamp(0, days - 1);
    let hours = if rng.random_bool(0.8) { 10 } else { 24 };
    let time = TimeDelta::microseconds(rng.random_range(0..hours * HOUR));
    (start + TimeDelta::days(day) + time).min(until - TimeDelta::seconds(1))
}

/// A time between `from` and `until` (`from` itself when `until` is not later).
fn between(rng: &mut StdRng, from: NaiveDateTime, until: NaiveDateTime) -> NaiveDateTime {
    let span = (until - from).num_microseconds().unwrap_or(0).max(0);
    from + TimeDelta::microseconds(rng.random_range(0..=span))
}

/// The answers other than implemented, weighted.
const SHORTFALLS: [(Answer, u32); 3] = [
    (Answer::PartiallyImplemented, 55),
    (Answer::NotImplemented, 25),
    (Answer::Unknown, 20),
];

/// A self-diagnosis around the declarer's maturity (the chance of an item being implemented,
/// 0.25 to 0.98, mostly high; for the five principles, items 1–5, a little higher); the other
/// items partially (55 %), not (25 %) or unknown (20 %). Taken at the declaration, or up to
/// three days before a step-up.
fn diagnosis(
    rng: &mut StdRng,
    taken: &mut Taken,
    declared_at: NaiveDateTime,
    star_since: NaiveDateTime,
) -> anyhow::Result<Diagnosis> {
    let public_id = unused(rng, &mut taken.diagnosis_ids, |rng| {
        let id = uuid::Builder::from_random_bytes(rng.random()).into_uuid();
        (id, id.as_u128())
    })?;
    // Mostly mature (the mean is about 0.74), now and then far from it.
    let maturity = 0.98 - 0.73 * rng.random::<f64>().powi(2);
    let answers: [Answer; 25] = std::array::from_fn(|item| {
        let p = if item < 5 {
            (maturity + 0.1).min(0.99)
        } else {
            maturity
        };
        match rng.random_bool(p) {
            true => Answer::Implemented,
            false => weighted(rng, &SHORTFALLS),
        }
    });
    let result = score(&AnswerSheet::from_array(answers));
    let at = match star_since > declared_at {
        true => between(
            rng,
            declared_at.max(star_since - TimeDelta::days(3)),
            star_since,
        ),
        false => declared_at,
    };
    Ok(Diagnosis {
        public_id,
        answers: answers.map(Answer::code).join(","),
        total: result.total,
        band: result.band.code(),
        at,
    })
}

/// Where declarers put their basic policy on their web site.
const POLICY_PATHS: [&str; 4] = [
    "security-policy/",
    "policy/security.html",
    "about/security/",
    "isms.html",
];

/// How declarers disclose their basic policy when it is none of the listed methods.
const OTHER_DISCLOSURES: [&str; 3] = [
    "事務所内に掲示しています",
    "店頭に掲示しています",
    "取引先への提出資料に掲載しています",
];

/// How the basic policy is disclosed: on the web site (70 % of those with one), in the company
/// profile, a pamphlet, or otherwise. The methods in the order the service stores them.
fn disclosure(rng: &mut StdRng, website: bool, at: NaiveDateTime) -> Disclosure {
    use DisclosureMethod::*;
    let odds = [
        (CompanyWebsite, if website { 0.7 } else { 0.0 }),
        (CompanyProfile, 0.45),
        (Pamphlet, 0.2),
        (Other, 0.08),
    ];
    let mut methods: Vec<DisclosureMethod> = odds
        .into_iter()
        .filter(|&(_, p)| rng.random_bool(p))
        .map(|(m, _)| m)
        .collect();
    if methods.is_empty() {
        methods.push(CompanyProfile);
    }
    methods.sort();
    let url_path = methods
        .contains(&CompanyWebsite)
        .then(|| any(rng, &POLICY_PATHS));
    let other = methods
        .contains(&Other)
        .then(|| any(rng, &OTHER_DISCLOSURES));
    Disclosure {
        methods: methods
            .iter()
            .map(|m| m.code())
            .collect::<Vec<_>>()
            .join(","),
        url_path,
        other,
        at,
    }
}

/// An SQL value, written as a literal.
#[derive(Debug, Clone, Copy)]
enum Value<'a> {
    Null,
    Text(&'a str),
    Int(i64),
    Time(NaiveDateTime),
    Bool(bool),
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(text: &'a str) -> Self {
        Value::Text(text)
    }
}

impl From<i64> for Value<'_> {
    fn from(n: i64) -> Self {
        Value::Int(n)
    }
}

impl From<NaiveDateTime> for Value<'_> {
    fn from(time: NaiveDateTime) -> Self {
        Value::Time(time)
    }
}

impl From<bool> for Value<'_> {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl<'a, T: Into<Value<'a>>> From<Option<T>> for Value<'a> {
    fn from(value: Option<T>) -> Self {
        value.map_or(Value::Null, Into::into)
    }
}

impl Value<'_> {
    /// Writes the literal. Times as diesel writes them (`%F %T%.f`, such as
    /// `2024-05-31 09:15:02.123456`), which both backends read into a `TIMESTAMP`; booleans as
    /// `TRUE`/`FALSE` (which SQLite ≥ 3.23 stores as 1/0, as diesel does).
    fn write(self, out: &mut String) {
        match self {
            Value::Null => out.push_str("NULL"),
            Value::Text(text) => push_literal(out, text),
            Value::Int(n) => push_number(out, n, 1),
            Value::Time(time) => {
                let (date, time) = (time.date(), time.time());
                out.push('\'');
                push_number(out, date.year(), 4);
                out.push('-');
                push_number(out, date.month(), 2);
                out.push('-');
                push_number(out, date.day(), 2);
                out.push(' ');
                push_number(out, time.hour(), 2);
                out.push(':');
                push_number(out, time.minute(), 2);
                out.push(':');
                push_number(out, time.second(), 2);
                // chrono's `%.f`: nothing, or 3, 6 or 9 digits, as few as are exact.
                match time.nanosecond() % 1_000_000_000 {
                    0 => {}
                    n if n % 1_000_000 == 0 => push_fraction(out, n / 1_000_000, 3),
                    n if n % 1_000 == 0 => push_fraction(out, n / 1_000, 6),
                    n => push_fraction(out, n, 9),
                }
                out.push('\'');
            }
            Value::Bool(b) => out.push_str(if b { "TRUE" } else { "FALSE" }),
        }
    }
}

/// Writes `n` in decimal with leading zeros to `width` digits (more if it needs more).
fn push_number(out: &mut String, n: impl Into<i64>, width: usize) {
    let n = n.into();
    if n < 0 {
        out.push('-');
    }
    let mut digits = [b'0'; 20];
    let mut rest = n.unsigned_abs();
    let mut start = digits.len();
    while rest > 0 || digits.len() - start < width {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    out.extend(digits[start..].iter().map(|&d| char::from(d)));
}

/// Writes a decimal fraction: a dot and `digits` digits.
fn push_fraction(out: &mut String, n: u32, digits: usize) {
    out.push('.');
    push_number(out, n, digits);
}

/// Writes `text` as an SQL string literal: in single quotes, each single quote doubled, NUL
/// characters (which neither backend keeps in text) dropped. Both backends take backslashes
/// literally there (PostgreSQL with `standard_conforming_strings`, on by default since 9.1).
fn push_literal(out: &mut String, text: &str) {
    out.push('\'');
    if text.contains(['\'', '\0']) {
        for c in text.chars() {
            match c {
                '\'' => out.push_str("''"),
                '\0' => {}
                c => out.push(c),
            }
        }
    } else {
        out.push_str(text);
    }
    out.push('\'');
}

/// The multi-row `INSERT` statements of one table.
struct Table {
    head: String,
    sql: String,
    rows: usize,
}

impl Table {
    fn row(&mut self, values: &[Value<'_>]) {
        if self.rows.is_multiple_of(ROWS_PER_STATEMENT) {
            if self.rows > 0 {
                self.sql.push_str(";\n");
            }
            self.sql.push_str(&self.head);
        } else {
            self.sql.push_str(",\n");
        }
        self.sql.push('(');
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                self.sql.push(',');
            }
            value.write(&mut self.sql);
        }
        self.sql.push(')');
        self.rows += 1;
    }
}

/// Appends a row to a [`Table`]: `row!(table; value, …)`, each value made a [`Value`].
macro_rules! row {
    ($table:expr; $($value:expr),* $(,)?) => {
        $table.row(&[$(Value::from($value)),*])
    };
}

/// The tables written, parents before children, with their columns.
const COLUMNS: [(&str, &str); 8] = [
    (
        "accounts",
        "id, user_number, role, password_hash, password_changed_at, created_at",
    ),
    (
        "declarers",
        "id, account_id, organization_name, organization_name_kana, organization_name_key, \
         organization_type, corporate_number, prefecture, address, industry, employees, \
         capital_yen, website, contact_name, contact_email, contact_phone, contact_department, \
         revision, created_at, updated_at",
    ),
    (
        "diagnoses",
        "id, public_id, declarer_id, questionnaire_version, answers, total_score, band, created_at",
    ),
    (
        "declarations",
        "id, public_id, declarer_id, star, status, corporate_number, agreed_terms_version, \
         pledge_five_principles, diagnosis_id, declared_at, accepted_at, star_since, ended_at, \
         end_reason, end_note, revision, updated_at",
    ),
    ("declaration_purposes", "declaration_id, purpose"),
    (
        "declaration_events",
        "id, declaration_id, kind, from_status, to_status, from_star, to_star, actor_kind, \
         actor_account_id, reason, note, occurred_at",
    ),
    (
        "policy_disclosures",
        "id, declaration_id, methods, url, other_description, \
         affirmed_information_security_policy, created_at, updated_at",
    ),
    (
        "declaration_changes",
        "position, declaration_id, public_id, kind, occurred_at, status, star, \
         organization_name, declared_at, accepted_at, star_since",
    ),
];

/// One batch's statements, table by table, with the ids given so far.
struct Sql {
    ids: Ids,
    tables: [Table; 8],
}

impl Sql {
    /// On PostgreSQL, explicit values for identity columns need `OVERRIDING SYSTEM VALUE`.
    fn new(postgres: bool, ids: Ids) -> Sql {
        let tables = COLUMNS.map(|(name, columns)| {
            let overriding = postgres && IDENTITY_TABLES.contains(&name);
            let overriding = if overriding {
                " OVERRIDING SYSTEM VALUE"
            } else {
                ""
            };
            Table {
                head: format!("INSERT INTO {name} ({columns}){overriding} VALUES\n"),
                sql: String::new(),
                rows: 0,
            }
        });
        Sql { ids, tables }
    }

    /// Adds one declaration's rows.
    fn add(&mut self, plan: &Plan, password_hash: &str) {
        let Sql { ids, tables } = self;
        let [
            accounts,
            declarers,
            diagnoses,
            declarations,
            purposes,
            events,
            disclosures,
            changes,
        ] = tables;
        let o = &plan.organization;
        ids.account += 1;
        ids.declarer += 1;
        ids.declaration += 1;
        let (account, declarer, declaration) = (ids.account, ids.declarer, ids.declaration);
        let host = match o.kind {
            OrganizationType::Corporation => format!("c{declarer}.example.co.jp"),
            OrganizationType::Association => format!("a{declarer}.example.or.jp"),
            _ => format!("s{declarer}.example.jp"),
        };
        let website = o.website.then(|| format!("https://{host}/"));
        let email = match o.website {
            true => format!("{}@{host}", o.email_local),
            false => format!("{}{declarer}@example.jp", o.email_local),
        };
        let number = plan.corporate_number.as_ref().map(CorporateNumber::as_str);
        let created = plan.declared_at;
        row!(accounts; account, plan.user_number.as_str(), "declarer", password_hash, created,
            created);
        row!(declarers; declarer, account, o.name.as_str(), o.kana.as_deref(),
            plan.name_key.as_str(), o.kind.code(), number, o.prefecture.as_str(),
            o.address.as_str(), o.industry.as_str(), o.employees, o.capital_yen,
            website.as_deref(), o.contact_name.as_str(), email.as_str(), o.phone.as_deref(),
            o.department, 1i64, created, created);
        let diagnosis = match &plan.diagnosis {
            Some(d) => {
                ids.diagnosis += 1;
                row!(diagnoses; ids.diagnosis, d.public_id.to_string().as_str(), declarer,
                    QUESTIONNAIRE_VERSION, d.answers.as_str(), i64::from(d.total), d.band, d.at);
                Some(ids.diagnosis)
            }
            None => None,
        };
        let end = plan.events.last().filter(|e| e.reason.is_some());
        let updated = plan.events.last().map_or(created, |e| e.at);
        let revision = i64::try_from(plan.events.len()).unwrap_or(i64::MAX);
        row!(declarations; declaration, plan.declaration_id.as_str(), declarer, plan.star.code(),
            plan.status.code(), number, plan.terms_version, true, diagnosis, created,
            plan.accepted_at, plan.star_since, end.map(|e| e.at), end.and_then(|e| e.reason),
            end.and_then(|e| e.note), revision, updated);
        for purpose in &plan.purposes {
            row!(purposes; declaration, purpose.code());
        }
        // The change log holds what verifiers saw after each event, in the order written.
        let mut since = created;
        for e in &plan.events {
            let Some(kind) = change_kind(e.kind) else {
                continue;
            };
            if kind == ChangeKind::StarChanged {
                since = e.at;
            }
            let accepted = plan.accepted_at.filter(|at| *at <= e.at);
            ids.position += 1;
            row!(changes; ids.position, declaration, plan.declaration_id.as_str(), kind.code(),
                e.at, e.to_status.code(), e.to_star.code(), o.name.as_str(), created, accepted,
                since);
        }
        for e in &plan.events {
            ids.event += 1;
            let actor = if e.by_declarer {
                "declarer"
            } else {
                "secretariat"
            };
            row!(events; ids.event, declaration, e.kind, e.from.map(|f| f.0.code()),
                e.to_status.code(), e.from.map(|f| f.1.code()), e.to_star.code(), actor,
                e.by_declarer.then_some(account), e.reason, e.note, e.at);
        }
        if let Some(d) = &plan.disclosure {
            ids.disclosure += 1;
            let url = d.url_path.map(|path| format!("https://{host}/{path}"));
            row!(disclosures; ids.disclosure, declaration, d.methods.as_str(), url.as_deref(),
                d.other, true, d.at, d.at);
        }
    }

    /// The statements, parents before children.
    fn finish(self) -> String {
        let mut sql = String::with_capacity(self.tables.iter().map(|t| t.sql.len() + 2).sum());
        for table in self.tables.iter().filter(|t| t.rows > 0) {
            sql.push_str(&table.sql);
            sql.push_str(";\n");
        }
        sql
    }
}

/// The change-log kind of a history event, if verifiers see it.
fn change_kind(event: &str) -> Option<ChangeKind> {
    match event {
        "stepped_up" | "stepped_down" => Some(ChangeKind::StarChanged),
        other => ChangeKind::from_code(other),
    }
}

#[cfg(test)]
mod tests;
