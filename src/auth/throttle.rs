//! Counting failed attempts in a sliding window and blocking a key once it has too many. The
//! counters live in the database, so they hold across restarts and across instances.

use chrono::{Duration, NaiveDateTime};

use crate::db::throttles::{self, Throttle};
use crate::db::{DbConnection, DbError};

/// How many failures a key may have within a window, and how long it is blocked after.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub max_failures: i32,
    pub window: Duration,
    pub block: Duration,
}

/// Failed logins per user number: 5 in 15 minutes block that user number for 15 minutes.
pub const LOGIN_PER_USER: Limit = Limit {
    max_failures: 5,
    window: Duration::minutes(15),
    block: Duration::minutes(15),
};

/// Failed logins per client address: 20 in 15 minutes block the address for 15 minutes.
pub const LOGIN_PER_ADDRESS: Limit = Limit {
    max_failures: 20,
    window: Duration::minutes(15),
    block: Duration::minutes(15),
};

/// The state after one more failure.
pub fn after_failure(state: Option<Throttle>, limit: Limit, now: NaiveDateTime) -> Throttle {
    let fresh = Throttle {
        failures: 1,
        window_started_at: now,
        blocked_until: None,
    };
    let mut next = match state {
        Some(s) if now - s.window_started_at < limit.window => Throttle {
            failures: s.failures.saturating_add(1),
            ..s
        },
        _ => fresh,
    };
    if next.failures >= limit.max_failures {
        next.blocked_until = Some(now + limit.block);
    }
    next
}

/// Seconds until the key may try again, if it is blocked now.
pub fn blocked_for(state: Option<&Throttle>, now: NaiveDateTime) -> Option<i64> {
    let until = state?.blocked_until?;
    (until > now).then(|| (until - now).num_seconds().max(1))
}

/// Seconds until the key may try again, if it is blocked now.
pub fn check(
    conn: &mut DbConnection,
    key: &str,
    now: NaiveDateTime,
) -> Result<Option<i64>, DbError> {
    Ok(blocked_for(throttles::get(conn, key)?.as_ref(), now))
}

/// Counts a failure.
pub fn record_failure(
    conn: &mut DbConnection,
    key: &str,
    limit: Limit,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let state = throttles::get(conn, key)?;
    throttles::put(conn, key, &after_failure(state, limit, now))?;
    Ok(())
}

pub fn clear(conn: &mut DbConnection, key: &str) -> Result<(), DbError> {
    throttles::clear(conn, key)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t0() -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_800_000_000, 0)
            .unwrap()
            .naive_utc()
    }

    #[test]
    fn the_fifth_failure_blocks() {
        let mut state = None;
        for i in 1..=4 {
            state = Some(after_failure(
                state,
                LOGIN_PER_USER,
                t0() + Duration::seconds(i),
            ));
            assert_eq!(
                blocked_for(state.as_ref(), t0() + Duration::seconds(i)),
                None
            );
        }
        let state = after_failure(state, LOGIN_PER_USER, t0() + Duration::seconds(5));
        assert_eq!(
            blocked_for(Some(&state), t0() + Duration::seconds(5)),
            Some(15 * 60)
        );
        assert_eq!(
            blocked_for(Some(&state), t0() + Duration::minutes(16)),
            None
        );
    }

    #[test]
    fn failures_outside_the_window_start_over() {
        let state = after_failure(None, LOGIN_PER_USER, t0());
        let state = after_failure(Some(state), LOGIN_PER_USER, t0() + Duration::minutes(20));
        assert_eq!(state.failures, 1);
    }

    proptest! {
        #[test]
        fn a_block_never_exceeds_the_block_time(gaps in prop::collection::vec(0i64..600, 1..40)) {
            let mut now = t0();
            let mut state = None;
            for gap in gaps {
                now += Duration::seconds(gap);
                let next = after_failure(state, LOGIN_PER_USER, now);
                if let Some(seconds) = blocked_for(Some(&next), now) {
                    prop_assert!(seconds <= LOGIN_PER_USER.block.num_seconds());
                }
                state = Some(next);
            }
        }
    }
}
