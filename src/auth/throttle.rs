//! Counting failed attempts in a sliding window and blocking a key once it has too many: a
//! key is blocked when `max_failures` of its failures fall within any span of `window`, however
//! they straddle the minutes. The counters live in the database, so they hold across restarts
//! and across instances.

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

/// Failed logins per user number: 5 in any 15 minutes block that user number for 15 minutes.
pub const LOGIN_PER_USER: Limit = Limit {
    max_failures: 5,
    window: Duration::minutes(15),
    block: Duration::minutes(15),
};

/// Failed logins per client address: 20 in any 15 minutes block the address for 15 minutes.
pub const LOGIN_PER_ADDRESS: Limit = Limit {
    max_failures: 20,
    window: Duration::minutes(15),
    block: Duration::minutes(15),
};

/// The state after one more failure: the failures of the last `window` (only the latest
/// `max_failures` matter), and a block once there are `max_failures` of them.
pub fn after_failure(state: Option<Throttle>, limit: Limit, now: NaiveDateTime) -> Throttle {
    let (earlier, blocked_until) = state.map_or((Vec::new(), None), |s| {
        (s.failures, s.blocked_until.filter(|until| *until > now))
    });
    let mut failures: Vec<NaiveDateTime> = earlier
        .into_iter()
        .filter(|t| *t <= now && now - *t < limit.window)
        .collect();
    failures.push(now);
    let keep = usize::try_from(limit.max_failures.max(1)).unwrap_or(1);
    let excess = failures.len().saturating_sub(keep);
    failures.drain(..excess);
    let blocked_until = if failures.len() >= keep {
        Some(now + limit.block).max(blocked_until)
    } else {
        blocked_until
    };
    Throttle {
        failures,
        blocked_until,
    }
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

    fn failures_at(seconds: &[i64]) -> (Option<Throttle>, Vec<Option<i64>>) {
        let mut state = None;
        let mut blocked = Vec::new();
        for &s in seconds {
            let now = t0() + Duration::seconds(s);
            let next = after_failure(state, LOGIN_PER_USER, now);
            blocked.push(blocked_for(Some(&next), now));
            state = Some(next);
        }
        (state, blocked)
    }

    #[test]
    fn four_failures_are_allowed_and_the_fifth_blocks() {
        let (state, blocked) = failures_at(&[1, 2, 3, 4, 5]);
        assert_eq!(blocked, [None, None, None, None, Some(15 * 60)]);
        let state = state.unwrap();
        assert_eq!(
            blocked_for(Some(&state), t0() + Duration::seconds(5 + 15 * 60 - 1)),
            Some(1)
        );
        assert_eq!(
            blocked_for(Some(&state), t0() + Duration::seconds(5 + 15 * 60)),
            None
        );
    }

    #[test]
    fn failures_straddling_any_window_edge_still_block() {
        // Four just before the fifteenth minute of the first failure and four just after:
        // a window that started at the first failure would count them apart, never blocking.
        let minute = 60;
        let (_, blocked) = failures_at(&[
            0,
            14 * minute + 50,
            14 * minute + 55,
            14 * minute + 59,
            15 * minute + 1,
            15 * minute + 2,
        ]);
        // At 15:01 the first failure is out of the window: four in it, allowed; the next is
        // the fifth within fifteen minutes.
        assert_eq!(blocked, [None, None, None, None, None, Some(15 * 60)]);
    }

    #[test]
    fn failures_older_than_the_window_do_not_count() {
        let minute = 60;
        let (_, blocked) =
            failures_at(&[0, 1, 2, 3, 15 * minute, 15 * minute + 1, 15 * minute + 2]);
        assert_eq!(blocked, [None; 7], "at most four in any 15 minutes");
        let (_, blocked) = failures_at(&[0, 1, 2, 3, 15 * minute - 1]);
        assert_eq!(
            blocked[4],
            Some(15 * 60),
            "the fifth within 15 minutes, by a second"
        );
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

        /// Blocked right after a failure exactly when that failure is the fifth within 15
        /// minutes, or an earlier block still runs: checked against counting every failure.
        #[test]
        fn the_limit_holds_in_every_window(gaps in prop::collection::vec(0i64..400, 1..40)) {
            let mut now = t0();
            let mut times: Vec<NaiveDateTime> = Vec::new();
            let mut state = None;
            let mut blocked_until: Option<NaiveDateTime> = None;
            for gap in gaps {
                now += Duration::seconds(gap);
                times.push(now);
                let in_window = times.iter().filter(|t| now - **t < LOGIN_PER_USER.window).count();
                if in_window >= 5 {
                    blocked_until = Some(now + LOGIN_PER_USER.block);
                }
                let expected = blocked_until.filter(|u| *u > now).map(|u| (u - now).num_seconds().max(1));
                let next = after_failure(state, LOGIN_PER_USER, now);
                prop_assert_eq!(blocked_for(Some(&next), now), expected);
                state = Some(next);
            }
        }
    }
}
