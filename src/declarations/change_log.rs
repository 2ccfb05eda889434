//! The change log: one entry for every committed change that alters what a verifier or the
//! public registry sees, written in the transaction of the change, at a **position** that orders
//! entries by commit. Readers (the change feed, and anything that keeps answers in memory)
//! follow it with "entries after the position I have seen".
//!
//! # Why positions follow commits
//! PostgreSQL hands out identity and sequence values when they are asked for, not at commit: a
//! transaction that took 41 may commit after one that took 42, and a reader that saw 42 and
//! then asks for "after 42" would never see 41. So positions are not taken from a sequence.
//! Every writer of the log increments the single row of `change_log_head` instead, as the last
//! thing it does before committing. That update locks the row until the transaction ends, so
//! the next writer waits there; it can take position n + 1 only after the transaction holding n
//! has committed (or rolled back, giving n back: the positions have no gaps). Hence, when a
//! reader sees position n + 1, every position up to n is committed and visible to it too. The
//! cost is that changes of declarations commit one at a time; they are rare next to reads (a
//! few per second at most), and the lock is held only from the last statement to the commit.
//! SQLite has one writer at a time anyway, across processes, so the same statements serve it.

use chrono::NaiveDateTime;

use crate::db::change_log::{self, NewChangeEntry};
use crate::db::{DbConnection, declarations, declarers};
use crate::domain::declaration::ChangeKind;
use crate::error::ApiError;

use super::not_found;

/// Appends an entry for a change just written to declaration `declaration_id` (row ID), with
/// the declaration's verification answer as the change left it. Call it after the change's
/// other writes, so that the log's lock is held as briefly as possible.
pub fn record(
    conn: &mut DbConnection,
    declaration_id: i64,
    kind: ChangeKind,
    now: NaiveDateTime,
) -> Result<i64, ApiError> {
    let declaration = declarations::by_row_id(conn, Some(declaration_id))?.ok_or_else(not_found)?;
    let declarer = declarers::by_id(conn, declaration.declarer_id)?;
    let position = change_log::take_next_position(conn)?;
    change_log::insert(
        conn,
        &NewChangeEntry {
            position,
            declaration_id,
            public_id: &declaration.public_id,
            kind: kind.code(),
            occurred_at: now,
            status: declaration.status.code(),
            star_level: declaration.star_level.code(),
            organization_name: &declarer.organization_name,
            declared_at: declaration.declared_at,
            accepted_at: declaration.accepted_at,
            star_since: declaration.star_since,
        },
    )?;
    Ok(position)
}
