//! Declarations, their purposes, their history and their policy disclosure.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::models::{
    Declaration, DeclarationEvent, NewDeclaration, NewDeclarationEvent, PolicyDisclosureRow,
};
use super::schema::{declaration_events, declaration_purposes, declarations, policy_disclosures};
use crate::domain::declaration::Purpose;
use crate::domain::disclosure::PolicyDisclosure;

pub fn insert(conn: &mut DbConnection, declaration: &NewDeclaration<'_>) -> QueryResult<i64> {
    diesel::insert_into(declarations::table)
        .values(declaration)
        .returning(declarations::id)
        .get_result(conn)
}

pub fn public_id_taken(conn: &mut DbConnection, public_id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        declarations::table.filter(declarations::public_id.eq(public_id)),
    ))
    .get_result(conn)
}

pub fn by_public_id(conn: &mut DbConnection, public_id: &str) -> QueryResult<Option<Declaration>> {
    declarations::table
        .filter(declarations::public_id.eq(super::text(public_id)))
        .select(Declaration::as_select())
        .first(conn)
        .optional()
}

/// The declarer's newest declaration.
pub fn current_for_declarer(
    conn: &mut DbConnection,
    declarer_id: i64,
) -> QueryResult<Option<Declaration>> {
    declarations::table
        .filter(declarations::declarer_id.eq(declarer_id))
        .order(declarations::id.desc())
        .select(Declaration::as_select())
        .first(conn)
        .optional()
}

/// Whether another live declaration holds this corporate number.
pub fn live_with_corporate_number(
    conn: &mut DbConnection,
    corporate_number: &str,
    except: Option<i64>,
) -> QueryResult<bool> {
    // Boxed queries do not work across backends: "no exception" is an impossible ID.
    diesel::select(diesel::dsl::exists(
        declarations::table
            .filter(declarations::corporate_number.eq(corporate_number))
            .filter(declarations::status.eq_any(["declared", "accepted"]))
            .filter(declarations::id.ne(except.unwrap_or(-1))),
    ))
    .get_result(conn)
}

/// The fields a change of state or star may touch; the revision is always bumped.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = declarations)]
pub struct DeclarationChange<'a> {
    pub star_level: Option<&'a str>,
    pub status: Option<&'a str>,
    pub corporate_number: Option<Option<&'a str>>,
    pub diagnosis_id: Option<Option<i64>>,
    pub accepted_at: Option<Option<NaiveDateTime>>,
    pub star_since: Option<NaiveDateTime>,
    pub ended_at: Option<Option<NaiveDateTime>>,
    pub end_reason: Option<Option<&'a str>>,
    pub end_note: Option<Option<&'a str>>,
}

pub fn update(
    conn: &mut DbConnection,
    id: i64,
    change: &DeclarationChange<'_>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(declarations::table.find(id))
        .set((
            change,
            declarations::revision.eq(declarations::revision + 1i64),
            declarations::updated_at.eq(now),
        ))
        .execute(conn)
        .map(drop)
}

/// Keeps the copy of the declarer's prefecture on its declarations in step with it.
pub fn set_prefecture(
    conn: &mut DbConnection,
    declarer_id: i64,
    prefecture: &str,
) -> QueryResult<()> {
    diesel::update(declarations::table.filter(declarations::declarer_id.eq(declarer_id)))
        .set(declarations::prefecture.eq(prefecture))
        .execute(conn)
        .map(drop)
}

/// Bumps the revision only (a change elsewhere that the declaration's ETag must reflect).
pub fn touch(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(declarations::table.find(id))
        .set((
            declarations::revision.eq(declarations::revision + 1i64),
            declarations::updated_at.eq(now),
        ))
        .execute(conn)
        .map(drop)
}

pub fn insert_purposes(
    conn: &mut DbConnection,
    declaration_id: i64,
    purposes: &[&str],
) -> QueryResult<()> {
    // One row at a time: multi-row inserts are not portable across the two backends here.
    for purpose in purposes {
        diesel::insert_into(declaration_purposes::table)
            .values((
                declaration_purposes::declaration_id.eq(declaration_id),
                declaration_purposes::purpose.eq(*purpose),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn purposes(conn: &mut DbConnection, declaration_id: i64) -> QueryResult<Vec<Purpose>> {
    declaration_purposes::table
        .filter(declaration_purposes::declaration_id.eq(declaration_id))
        .select(declaration_purposes::purpose)
        .order(declaration_purposes::purpose)
        .load(conn)
}

pub fn insert_event(conn: &mut DbConnection, event: &NewDeclarationEvent<'_>) -> QueryResult<()> {
    diesel::insert_into(declaration_events::table)
        .values(event)
        .execute(conn)
        .map(drop)
}

/// The history, oldest first.
pub fn events(conn: &mut DbConnection, declaration_id: i64) -> QueryResult<Vec<DeclarationEvent>> {
    declaration_events::table
        .filter(declaration_events::declaration_id.eq(declaration_id))
        .order(declaration_events::id.asc())
        .select(DeclarationEvent::as_select())
        .load(conn)
}

pub fn disclosure(
    conn: &mut DbConnection,
    declaration_id: i64,
) -> QueryResult<Option<PolicyDisclosureRow>> {
    policy_disclosures::table
        .filter(policy_disclosures::declaration_id.eq(declaration_id))
        .select(PolicyDisclosureRow::as_select())
        .first(conn)
        .optional()
}

/// Sets the declaration's disclosure, replacing any earlier one.
pub fn put_disclosure(
    conn: &mut DbConnection,
    declaration_id: i64,
    disclosure: &PolicyDisclosure,
    now: NaiveDateTime,
) -> QueryResult<()> {
    // The methods are stored as their codes, comma-separated.
    let methods = &disclosure
        .methods()
        .iter()
        .map(|m| m.code())
        .collect::<Vec<_>>()
        .join(",");
    let (url, other_description) = (disclosure.url(), disclosure.other_description());
    let updated = diesel::update(
        policy_disclosures::table.filter(policy_disclosures::declaration_id.eq(declaration_id)),
    )
    .set((
        policy_disclosures::methods.eq(methods),
        policy_disclosures::url.eq(url),
        policy_disclosures::other_description.eq(other_description),
        policy_disclosures::affirmed_information_security_policy.eq(true),
        policy_disclosures::updated_at.eq(now),
    ))
    .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(policy_disclosures::table)
            .values((
                policy_disclosures::declaration_id.eq(declaration_id),
                policy_disclosures::methods.eq(methods),
                policy_disclosures::url.eq(url),
                policy_disclosures::other_description.eq(other_description),
                policy_disclosures::affirmed_information_security_policy.eq(true),
                policy_disclosures::created_at.eq(now),
                policy_disclosures::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Removes the disclosure; whether there was one.
pub fn delete_disclosure(conn: &mut DbConnection, declaration_id: i64) -> QueryResult<bool> {
    diesel::delete(
        policy_disclosures::table.filter(policy_disclosures::declaration_id.eq(declaration_id)),
    )
    .execute(conn)
    .map(|n| n > 0)
}

/// The declaration with this row ID, if any.
pub fn by_row_id(conn: &mut DbConnection, id: Option<i64>) -> QueryResult<Option<Declaration>> {
    let Some(id) = id else { return Ok(None) };
    declarations::table
        .find(id)
        .select(Declaration::as_select())
        .first(conn)
        .optional()
}
