//! Declaring organisations and their contact persons.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::models::{ContactRow, Declarer, OrganizationRow};
use super::schema::{declarers, name_grams};
use crate::domain::name;

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
        .and_then(|id| index_name(conn, id, &organization.organization_name_key).map(|()| id))
}

/// Puts the declarer's name key in the name index, in place of what was there.
fn index_name(conn: &mut DbConnection, declarer_id: i64, key: &str) -> QueryResult<()> {
    diesel::delete(name_grams::table.filter(name_grams::declarer_id.eq(declarer_id)))
        .execute(conn)?;
    // One row at a time: multi-row inserts are not portable across the two backends here.
    for gram in name::grams(&super::text(key)) {
        diesel::insert_into(name_grams::table)
            .values((
                name_grams::gram.eq(gram),
                name_grams::declarer_id.eq(declarer_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Builds the name index again from every declarer's name key (after name keys were written
/// other than through this module, for example by a change of the folding).
pub fn reindex_names(conn: &mut DbConnection) -> QueryResult<()> {
    const PAGE: i64 = 10_000;
    let mut after = 0i64;
    loop {
        let page: Vec<(i64, String)> = declarers::table
            .filter(declarers::id.gt(after))
            .order(declarers::id)
            .select((declarers::id, declarers::organization_name_key))
            .limit(PAGE)
            .load(conn)?;
        for (id, key) in &page {
            index_name(conn, *id, key)?;
        }
        match page.last() {
            Some((id, _)) => after = *id,
            None => return Ok(()),
        }
    }
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
        .execute(conn)?;
    index_name(conn, id, &organization.organization_name_key)
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
