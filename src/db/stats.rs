//! Aggregate figures about declarations, computed by the database (GROUP BY), never by loading
//! rows.

use diesel::connection::SimpleConnection;
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{declaration_purposes, declarations, declarers, diagnoses};

const LIVE: [&str; 2] = ["declared", "accepted"];

pub type Counts = Vec<(String, i64)>;

/// Runs `work` in one read transaction where PostgreSQL may plan in parallel again, as its
/// server is configured to (the pool's connections do not, see `db::POSTGRES_SETTINGS`): the
/// statistics read whole tables, where parallel workers pay. On SQLite, just `work`.
pub fn with_parallel_plans<T, E>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    match conn {
        DbConnection::Postgres(_) => conn.transaction(|conn| {
            conn.batch_execute("SET LOCAL max_parallel_workers_per_gather TO DEFAULT")?;
            work(conn)
        }),
        DbConnection::Sqlite(_) => work(conn),
    }
}

pub fn by_status(conn: &mut DbConnection) -> QueryResult<Counts> {
    declarations::table
        .group_by(declarations::status)
        .select((declarations::status, count_star()))
        .load(conn)
}

pub fn live_by_star(conn: &mut DbConnection) -> QueryResult<Counts> {
    declarations::table
        .filter(declarations::status.eq_any(LIVE))
        .group_by(declarations::star_level)
        .select((declarations::star_level, count_star()))
        .load(conn)
}

pub fn live_by_prefecture(conn: &mut DbConnection) -> QueryResult<Counts> {
    declarations::table
        .inner_join(declarers::table)
        .filter(declarations::status.eq_any(LIVE))
        .group_by(declarers::prefecture)
        .select((declarers::prefecture, count_star()))
        .load(conn)
}

pub fn live_by_industry(conn: &mut DbConnection) -> QueryResult<Counts> {
    declarations::table
        .inner_join(declarers::table)
        .filter(declarations::status.eq_any(LIVE))
        .group_by(declarers::industry)
        .select((declarers::industry, count_star()))
        .load(conn)
}

pub fn live_by_purpose(conn: &mut DbConnection) -> QueryResult<Counts> {
    declaration_purposes::table
        .inner_join(declarations::table)
        .filter(declarations::status.eq_any(LIVE))
        .group_by(declaration_purposes::purpose)
        .select((declaration_purposes::purpose, count_star()))
        .load(conn)
}

/// Live two-star declarations by the total score of their diagnosis.
pub fn two_star_scores(conn: &mut DbConnection) -> QueryResult<Vec<(i32, i64)>> {
    declarations::table
        .inner_join(diagnoses::table)
        .filter(declarations::status.eq_any(LIVE))
        .filter(declarations::star_level.eq("two_star"))
        .group_by(diagnoses::total_score)
        .select((diagnoses::total_score, count_star()))
        .load(conn)
}
