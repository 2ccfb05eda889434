//! Counters of failed attempts that must hold across restarts (logins, client secrets).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::throttles;

/// A counter's state: the times of its recent failures, oldest first, and until when it is
/// blocked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Throttle {
    pub failures: Vec<NaiveDateTime>,
    pub blocked_until: Option<NaiveDateTime>,
}

/// Failure times as stored: microseconds since the epoch, separated by spaces.
fn encode(times: &[NaiveDateTime]) -> String {
    times
        .iter()
        .map(|t| t.and_utc().timestamp_micros().to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

fn decode(text: &str) -> Vec<NaiveDateTime> {
    text.split_whitespace()
        .filter_map(|t| t.parse().ok())
        .filter_map(chrono::DateTime::from_timestamp_micros)
        .map(|t| t.naive_utc())
        .collect()
}

pub fn get(conn: &mut DbConnection, key: &str) -> QueryResult<Option<Throttle>> {
    let row: Option<(String, Option<NaiveDateTime>)> = throttles::table
        .find(super::text(key))
        .select((throttles::failure_times, throttles::blocked_until))
        .first(conn)
        .optional()?;
    Ok(row.map(|(times, blocked_until)| Throttle {
        failures: decode(&times),
        blocked_until,
    }))
}

/// Stores a counter's new state (an update, or an insert for a new key; `ON CONFLICT` is not
/// portable across the two backends here, and callers run this in its own transaction).
/// `failures` and `window_started_at` keep the count and the oldest recent failure, for
/// whoever reads the table.
pub fn put(conn: &mut DbConnection, key: &str, state: &Throttle) -> QueryResult<()> {
    let key = super::text(key);
    let count = i32::try_from(state.failures.len()).unwrap_or(i32::MAX);
    let oldest = state.failures.first().copied().unwrap_or_else(super::now);
    let times = encode(&state.failures);
    let updated = diesel::update(throttles::table.find(&key))
        .set((
            throttles::failures.eq(count),
            throttles::window_started_at.eq(oldest),
            throttles::blocked_until.eq(state.blocked_until),
            throttles::failure_times.eq(&times),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(throttles::table)
            .values((
                throttles::throttle_key.eq(&key),
                throttles::failures.eq(count),
                throttles::window_started_at.eq(oldest),
                throttles::blocked_until.eq(state.blocked_until),
                throttles::failure_times.eq(&times),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_times_survive_their_text_form() {
        let t = chrono::DateTime::from_timestamp(1_800_000_000, 123_456_000)
            .unwrap()
            .naive_utc();
        let times = vec![t, t + chrono::Duration::seconds(90)];
        assert_eq!(decode(&encode(&times)), times);
        assert_eq!(decode(""), Vec::<NaiveDateTime>::new());
    }
}
