//! Declaring organisations and their contact persons.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::models::{ContactRow, Declarer, OrganizationRow};
use super::schema::declarers;

pub fn insert(
    conn: &mut DbConnection,
    account_id: i64,
    organization: &OrganizationRow,
    contact: &ContactRow,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(declarers::table)
        .values((
            declarers::account_id.eq(account_id),
            organization,
            contact,
            declarers::revision.eq(1i64),
            declarers::created_at.eq(now),
            declarers::updated_at.eq(now),
        ))
        .returning(declarers::id)
        .get_result(conn)
}

pub fn by_account(conn: &mut DbConnection, account_id: i64) -> QueryResult<Option<Declarer>> {
    declarers::table
        .filter(declarers::account_id.eq(account_id))
        .select(Declarer::as_select())
        .first(conn)
        .optional()
}

pub fn by_id(conn: &mut DbConnection, id: i64) -> QueryResult<Declarer> {
    declarers::table
        .find(id)
        .select(Declarer::as_select())
        .first(conn)
}

/// Replaces the organisation's information and bumps the revision (the ETag changes).
pub fn update_organization(
    conn: &mut DbConnection,
    id: i64,
    organization: &OrganizationRow,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(declarers::table.find(id))
        .set((
            organization,
            declarers::revision.eq(declarers::revision + 1i64),
            declarers::updated_at.eq(now),
        ))
        .execute(conn)
        .map(drop)
}

/// Replaces the contact person and bumps the revision.
pub fn update_contact(
    conn: &mut DbConnection,
    id: i64,
    contact: &ContactRow,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(declarers::table.find(id))
        .set((
            contact,
            declarers::revision.eq(declarers::revision + 1i64),
            declarers::updated_at.eq(now),
        ))
        .execute(conn)
        .map(drop)
}

/// Declarers whose contact address is `email` (for user-number reminders).
pub fn by_contact_email(conn: &mut DbConnection, email: &str) -> QueryResult<Vec<Declarer>> {
    declarers::table
        .filter(declarers::contact_email.eq(super::text(email)))
        .select(Declarer::as_select())
        .limit(20)
        .load(conn)
}
