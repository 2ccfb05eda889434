//! The change log's rows: the head (last position handed out), appending at the next position,
//! and reading in order. Why positions follow commits is explained in
//! `src/declarations/change_log.rs`, the only writer.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{change_log_head, declaration_changes};
use crate::domain::declaration::{ChangeKind, Star, Status};

/// One entry: what happened to which declaration, and its verification answer afterwards.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = declaration_changes)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct ChangeEntry {
    pub position: i64,
    /// The declaration's row ID (internal; never shown).
    pub declaration_id: i64,
    /// 自己宣言ID.
    pub public_id: String,
    pub kind: ChangeKind,
    pub occurred_at: NaiveDateTime,
    pub status: Status,
    pub star_level: Star,
    pub organization_name: String,
    pub declared_at: NaiveDateTime,
    pub accepted_at: Option<NaiveDateTime>,
    pub star_since: NaiveDateTime,
}

/// A new entry, as written (codes for the enums).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = declaration_changes)]
pub struct NewChangeEntry<'a> {
    pub position: i64,
    pub declaration_id: i64,
    pub public_id: &'a str,
    pub kind: &'a str,
    pub occurred_at: NaiveDateTime,
    pub status: &'a str,
    pub star_level: &'a str,
    pub organization_name: &'a str,
    pub declared_at: NaiveDateTime,
    pub accepted_at: Option<NaiveDateTime>,
    pub star_since: NaiveDateTime,
}

/// The head of the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = change_log_head)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Head {
    /// The newest committed position (0 for an empty log).
    pub last_position: i64,
    /// Entries up to this position are no longer kept (0: all are).
    pub pruned_through: i64,
}

/// The committed head.
pub fn head(conn: &mut DbConnection) -> QueryResult<Head> {
    change_log_head::table
        .find(1)
        .select(Head::as_select())
        .first(conn)
}

/// Takes the next position. The update locks the head row until the caller's transaction ends,
/// so no other writer can take a position before this one commits or rolls back.
pub fn take_next_position(conn: &mut DbConnection) -> QueryResult<i64> {
    diesel::update(change_log_head::table.find(1))
        .set(change_log_head::last_position.eq(change_log_head::last_position + 1i64))
        .execute(conn)?;
    change_log_head::table
        .find(1)
        .select(change_log_head::last_position)
        .first(conn)
}

pub fn insert(conn: &mut DbConnection, entry: &NewChangeEntry<'_>) -> QueryResult<()> {
    diesel::insert_into(declaration_changes::table)
        .values(entry)
        .execute(conn)
        .map(drop)
}

/// Up to `limit` entries after `position`, in order.
pub fn after(conn: &mut DbConnection, position: i64, limit: i64) -> QueryResult<Vec<ChangeEntry>> {
    declaration_changes::table
        .filter(declaration_changes::position.gt(position))
        .order(declaration_changes::position.asc())
        .limit(limit)
        .select(ChangeEntry::as_select())
        .load(conn)
}

/// A declaration's entries, oldest first.
pub fn of_declaration(
    conn: &mut DbConnection,
    declaration_id: i64,
) -> QueryResult<Vec<ChangeEntry>> {
    declaration_changes::table
        .filter(declaration_changes::declaration_id.eq(declaration_id))
        .order(declaration_changes::position.asc())
        .select(ChangeEntry::as_select())
        .load(conn)
}

/// Whether the declaration was revoked or withdrawn at or after `since` (even if it has been
/// reinstated since).
pub fn ended_since(
    conn: &mut DbConnection,
    declaration_id: i64,
    since: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        declaration_changes::table
            .filter(declaration_changes::declaration_id.eq(declaration_id))
            .filter(declaration_changes::kind.eq_any(["revoked", "withdrawn"]))
            .filter(declaration_changes::occurred_at.ge(since)),
    ))
    .get_result(conn)
}
