//! Tests of bulk seeding, on SQLite and (when it answers) PostgreSQL.
use super::sql::{Ids, Sql};
use super::*;
use crate::config::DatabaseUrl;
use crate::db::bulk::{Value, push_literal};
use crate::db::schema::{
    accounts, declaration_events, declaration_purposes, declarations, declarers, diagnoses,
    name_grams, policy_disclosures,
};
use crate::domain::corporate_number::CorporateNumber;
use crate::domain::identifiers::{DeclarationId, UserNumber};
use crate::domain::name::{self, name_key};
use crate::domain::questionnaire::Answer;
use crate::domain::scoring::{AnswerSheet, score};
use diesel::connection::SimpleConnection as _;
use diesel::dsl::count_star;

/// Any PHC string will do: the seeding never verifies it.
const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2VlZC10ZXN0$q7vZ0SUHXfE5jrXjl0U8Bg";

fn until() -> NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 1)
        .expect("a date")
        .and_time(NaiveTime::MIN)
}

fn count<T>(conn: &mut DbConnection, query: T) -> i64
where
    T: diesel::query_dsl::methods::SelectDsl<count_star>,
    <T as diesel::query_dsl::methods::SelectDsl<count_star>>::Output:
        diesel::query_dsl::LoadQuery<'static, DbConnection, i64>,
{
    query
        .select(count_star())
        .get_result(conn)
        .expect("a count")
}

/// Checks what every seeded database must satisfy, `total` declarations in all.
fn check(db: &Db, total: i64) {
    let conn = &mut *db.pool().get().expect("a connection");
    assert_eq!(count(conn, accounts::table), total);
    assert_eq!(count(conn, declarers::table), total);
    assert_eq!(count(conn, declarations::table), total);
    let two_star = count(
        conn,
        declarations::table.filter(declarations::star_level.eq("two_star")),
    );
    let share = two_star as f64 / total as f64;
    assert!((0.05..=0.20).contains(&share), "two-star share {share}");
    assert_eq!(count(conn, diagnoses::table), two_star);
    assert_eq!(count(conn, policy_disclosures::table), two_star);
    let two_without_diagnosis = declarations::table
        .filter(declarations::star_level.eq("two_star"))
        .filter(declarations::diagnosis_id.is_null());
    assert_eq!(count(conn, two_without_diagnosis), 0);
    let two_without_disclosure = declarations::table
        .left_join(policy_disclosures::table)
        .filter(declarations::star_level.eq("two_star"))
        .filter(policy_disclosures::id.is_null());
    assert_eq!(count(conn, two_without_disclosure), 0);
    // The name index holds each key's grams, as the migration that built it for the
    // declarers already there computes them in SQL: running that again adds nothing.
    let keys: Vec<(i64, String)> = declarers::table
        .select((declarers::id, declarers::organization_name_key))
        .load(conn)
        .expect("name keys");
    let grams: usize = keys.iter().map(|(_, k)| name::grams(k).len()).sum();
    assert_eq!(count(conn, name_grams::table), grams as i64);
    let migration = match conn {
        DbConnection::Sqlite(_) => {
            include_str!("../../migrations/sqlite/2026-12-02-000002_name_grams/up.sql")
        }
        DbConnection::Postgres(_) => {
            include_str!("../../migrations/postgres/2026-12-02-000002_name_grams/up.sql")
        }
    };
    let backfill = migration
        .split("-- The declarers already there")
        .nth(1)
        .and_then(|rest| rest.split_once('\n'))
        .expect("the migration's backfill")
        .1;
    conn.batch_execute(backfill).expect("the backfill again");
    assert_eq!(count(conn, name_grams::table), grams as i64);
    let prefecture_out_of_step = declarations::table
        .inner_join(declarers::table)
        .filter(declarations::prefecture.ne(declarers::prefecture));
    assert_eq!(count(conn, prefecture_out_of_step), 0);
    let one_with_diagnosis = declarations::table
        .filter(declarations::star_level.eq("one_star"))
        .filter(declarations::diagnosis_id.is_not_null());
    assert_eq!(count(conn, one_with_diagnosis), 0);

    let live: Vec<Option<String>> = declarations::table
        .filter(declarations::status.eq_any(["declared", "accepted"]))
        .select(declarations::corporate_number)
        .load(conn)
        .expect("live corporate numbers");
    let live: Vec<String> = live.into_iter().flatten().collect();
    let distinct: HashSet<&String> = live.iter().collect();
    assert_eq!(
        distinct.len(),
        live.len(),
        "two live declarations share a number"
    );
    assert!(live.iter().all(|n| CorporateNumber::parse(n).is_ok()));

    let rows: Vec<(String, String, String, Option<String>)> = declarers::table
        .select((
            declarers::organization_name,
            declarers::organization_name_key,
            declarers::organization_type,
            declarers::corporate_number,
        ))
        .load(conn)
        .expect("declarers");
    for (name, key, kind, number) in &rows {
        assert_eq!(key, &name_key(name), "{name}");
        assert!(!key.is_empty(), "{name}");
        match kind.as_str() {
            "corporation" => assert!(number.is_some(), "{name}"),
            "sole_proprietor" => assert!(number.is_none(), "{name}"),
            _ => {}
        }
    }
    let corporations = rows.iter().filter(|r| r.2 == "corporation").count() as f64;
    assert!((0.78..=0.92).contains(&(corporations / total as f64)));

    let numbers: Vec<(String, String)> = declarations::table
        .inner_join(declarers::table.inner_join(accounts::table))
        .select((declarations::public_id, accounts::user_number))
        .load(conn)
        .expect("numbers");
    for (declaration_id, user_number) in &numbers {
        assert!(
            DeclarationId::parse(declaration_id).is_ok(),
            "{declaration_id}"
        );
        assert!(UserNumber::parse(user_number).is_ok(), "{user_number}");
    }

    let with_purpose: Vec<i64> = declaration_purposes::table
        .select(declaration_purposes::declaration_id)
        .distinct()
        .load(conn)
        .expect("purposes");
    assert_eq!(with_purpose.len() as i64, total);
    let subsidy = count(
        conn,
        declaration_purposes::table.filter(declaration_purposes::purpose.eq("subsidy_application")),
    ) as f64;
    assert!(
        (0.68..=0.82).contains(&(subsidy / total as f64)),
        "subsidy share"
    );

    let applied = declaration_events::table.filter(declaration_events::kind.eq("applied"));
    assert_eq!(count(conn, applied), total);
    let accepted_events = declaration_events::table.filter(declaration_events::kind.eq("accepted"));
    let accepted = declarations::table.filter(declarations::accepted_at.is_not_null());
    assert_eq!(count(conn, accepted_events), count(conn, accepted));
    let ended = declarations::table.filter(declarations::status.eq_any(["withdrawn", "revoked"]));
    let ended_with_dates = declarations::table
        .filter(declarations::ended_at.is_not_null())
        .filter(declarations::end_reason.is_not_null());
    assert_eq!(count(conn, ended), count(conn, ended_with_dates));

    // The change log has one entry per event verifiers see, its head at the last of them, and
    // each declaration's last entry is the declaration as it stands.
    let events = count(conn, declaration_events::table);
    let entries: Vec<crate::db::change_log::ChangeEntry> =
        crate::db::change_log::after(conn, 0, i64::MAX).expect("the log");
    assert_eq!(entries.len() as i64, events);
    let positions: Vec<i64> = entries.iter().map(|e| e.position).collect();
    assert_eq!(positions, (1..=events).collect::<Vec<_>>());
    assert_eq!(
        crate::db::change_log::head(conn)
            .expect("the head")
            .last_position,
        events
    );
    let mut last = std::collections::HashMap::new();
    for entry in &entries {
        last.insert(entry.declaration_id, entry);
    }
    let stored: Vec<(i64, String, String, Option<NaiveDateTime>, NaiveDateTime)> =
        declarations::table
            .select((
                declarations::id,
                declarations::status,
                declarations::star_level,
                declarations::accepted_at,
                declarations::star_since,
            ))
            .load(conn)
            .expect("declarations");
    assert_eq!(last.len(), stored.len());
    for (id, status, star, accepted_at, star_since) in stored {
        let entry = last[&id];
        assert_eq!(
            (
                entry.status.code(),
                entry.star_level.code(),
                entry.accepted_at,
                entry.star_since
            ),
            (status.as_str(), star.as_str(), accepted_at, star_since),
            "declaration {id}"
        );
    }
    let accepted_share = count(
        conn,
        declarations::table.filter(declarations::status.eq("accepted")),
    );
    assert!((0.74..=0.86).contains(&(accepted_share as f64 / total as f64)));

    let sheets: Vec<(String, i32, String)> = diagnoses::table
        .select((diagnoses::answers, diagnoses::total_score, diagnoses::band))
        .load(conn)
        .expect("diagnoses");
    for (answers, total_score, band) in sheets {
        let answers: Vec<Answer> = answers.split(',').filter_map(Answer::from_code).collect();
        let sheet = AnswerSheet::from_array(answers.try_into().expect("25 answers"));
        assert_eq!(score(&sheet).total, total_score);
        assert_eq!(score(&sheet).band.code(), band);
    }

    // The ids continue normally after the seeded ones (the sequences were moved on).
    let id = crate::db::accounts::insert(
        conn,
        &crate::db::models::NewAccount {
            user_number: "300000000007",
            role: "secretariat",
            display_name: None,
            password_hash: HASH,
            password_changed_at: crate::db::now(),
            created_at: crate::db::now(),
        },
    )
    .expect("an account inserted without an id");
    assert_eq!(id, total + 1);
    diesel::delete(accounts::table.find(id))
        .execute(conn)
        .expect("deleted");
}

/// Seeds twice (with the same seed, so every number is drawn again and must be redrawn) and
/// checks after each run.
fn seed_twice(db: &Db) {
    db.run_migrations().expect("migrations");
    let report = seed_until(db, 2_000, HASH, 7, false, until()).expect("seeded");
    assert_eq!(report.declarations, 2_000);
    assert_eq!(report.one_star + report.two_star, 2_000);
    check(db, 2_000);
    let again = seed_until(db, 2_000, HASH, 7, false, until()).expect("seeded again");
    assert_eq!(again.declarations, 2_000);
    check(db, 4_000);
}

#[test]
fn seeds_sqlite_twice_without_collisions() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let db = Db::connect(&DatabaseUrl::Sqlite(dir.path().join("seed.db")), 2).expect("db");
    seed_twice(&db);
}

/// A scratch PostgreSQL database, dropped at the end even when a check fails.
struct Scratch {
    admin: diesel::PgConnection,
    name: String,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        if let Err(e) = self.admin.batch_execute(&drop) {
            eprintln!("could not drop {}: {e}", self.name);
        }
    }
}

/// A fresh PostgreSQL database on `TEST_POSTGRES_URL` (default: the local server), or
/// `None`, with a message, when the server cannot be reached outside CI.
fn scratch_postgres(label: &str) -> Option<(Scratch, String)> {
    let base = std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let admin = match diesel::PgConnection::establish(&base) {
        Ok(admin) => admin,
        Err(e) if !crate::config::in_ci() => {
            eprintln!("skipping the PostgreSQL seeding test: {e}");
            return None;
        }
        Err(e) => panic!("PostgreSQL unreachable in CI: {e}"),
    };
    let name = format!("seed_{label}_{}", std::process::id());
    let mut scratch = Scratch { admin, name };
    let create = format!("CREATE DATABASE {}", scratch.name);
    scratch.admin.batch_execute(&create).expect("created");
    let mut url = url::Url::parse(&base).expect("a URL");
    url.set_path(&scratch.name);
    Some((scratch, url.to_string()))
}

#[test]
fn seeds_postgres_twice_without_collisions() {
    let Some((_scratch, url)) = scratch_postgres("test") else {
        return;
    };
    let db = Db::connect(&DatabaseUrl::Postgres(url), 2).expect("db");
    seed_twice(&db);
}

/// The same seed writes the same SQL; another seed does not.
#[test]
fn the_same_seed_writes_the_same_rows() {
    let sql = |seed| {
        let mut generator = Generator::new(seed, until()).expect("a generator");
        let mut taken = Taken::default();
        let mut sql = Sql::new(false, Ids::default());
        for _ in 0..200 {
            let plan = generator.plan(&mut taken).expect("a plan");
            sql.add(&plan, HASH);
        }
        sql.finish()
    };
    assert_eq!(sql(1), sql(1));
    assert_ne!(sql(1), sql(2));
}

#[test]
fn times_are_written_as_diesel_writes_them() {
    let day = chrono::NaiveDate::from_ymd_opt(2024, 5, 31).expect("a date");
    for (nano, text) in [
        (0, "'2024-05-31 09:05:02'"),
        (120_000_000, "'2024-05-31 09:05:02.120'"),
        (123_456_000, "'2024-05-31 09:05:02.123456'"),
        (1_000, "'2024-05-31 09:05:02.000001'"),
        (7, "'2024-05-31 09:05:02.000000007'"),
    ] {
        let time = day.and_hms_nano_opt(9, 5, 2, nano).expect("a time");
        let mut out = String::new();
        Value::Time(time).write(&mut out);
        assert_eq!(out, text);
        assert_eq!(out, format!("'{}'", time.format("%F %T%.f")));
    }
    let mut out = String::new();
    for n in [0, 7, -42, i64::MAX, i64::MIN] {
        Value::Int(n).write(&mut out);
        out.push(' ');
    }
    assert_eq!(out, format!("0 7 -42 {} {} ", i64::MAX, i64::MIN));
}

#[test]
fn literals_are_escaped() {
    let mut out = String::new();
    push_literal(&mut out, "O'Reilly\0 \\n");
    assert_eq!(out, "'O''Reilly \\n'");
}
