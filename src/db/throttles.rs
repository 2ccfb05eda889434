//! Counters of failed attempts that must hold across restarts (logins, client secrets).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::throttles;

/// A counter's state.
#[derive(Debug, Clone, Queryable)]
pub struct Throttle {
    pub failures: i32,
    pub window_started_at: NaiveDateTime,
    pub blocked_until: Option<NaiveDateTime>,
}

pub fn get(conn: &mut DbConnection, key: &str) -> QueryResult<Option<Throttle>> {
    throttles::table
        .find(super::text(key))
        .select((
            throttles::failures,
            throttles::window_started_at,
            throttles::blocked_until,
        ))
        .first(conn)
        .optional()
}

/// Stores a counter's new state (an update, or an insert for a new key; `ON CONFLICT` is not
/// portable across the two backends here, and callers run this in its own transaction).
pub fn put(conn: &mut DbConnection, key: &str, state: &Throttle) -> QueryResult<()> {
    let key = super::text(key);
    let updated = diesel::update(throttles::table.find(&key))
        .set((
            throttles::failures.eq(state.failures),
            throttles::window_started_at.eq(state.window_started_at),
            throttles::blocked_until.eq(state.blocked_until),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(throttles::table)
            .values((
                throttles::throttle_key.eq(&key),
                throttles::failures.eq(state.failures),
                throttles::window_started_at.eq(state.window_started_at),
                throttles::blocked_until.eq(state.blocked_until),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn clear(conn: &mut DbConnection, key: &str) -> QueryResult<()> {
    diesel::delete(throttles::table.find(super::text(key)))
        .execute(conn)
        .map(drop)
}
