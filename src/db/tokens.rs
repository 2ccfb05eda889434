//! Refresh tokens (rotated, in families) and single-use tokens, all stored as digests.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::models::{OneTimeToken, RefreshToken};
use super::schema::{one_time_tokens, refresh_tokens};

pub fn insert_refresh(
    conn: &mut DbConnection,
    account_id: i64,
    family_id: &str,
    token_hash: &str,
    issued_at: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::account_id.eq(account_id),
            refresh_tokens::family_id.eq(family_id),
            refresh_tokens::token_hash.eq(token_hash),
            refresh_tokens::issued_at.eq(issued_at),
            refresh_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(drop)
}

pub fn refresh_by_hash(
    conn: &mut DbConnection,
    token_hash: &str,
) -> QueryResult<Option<RefreshToken>> {
    refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(RefreshToken::as_select())
        .first(conn)
        .optional()
}

/// Marks a token as used up by rotation, unless it already was; whether this call did it
/// (two refreshes racing with one token: only one wins).
pub fn mark_rotated(conn: &mut DbConnection, id: i64, at: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(
        refresh_tokens::table
            .find(id)
            .filter(refresh_tokens::rotated_at.is_null())
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::rotated_at.eq(at))
    .execute(conn)
    .map(|n| n == 1)
}

/// Revokes every token of a login session.
pub fn revoke_family(
    conn: &mut DbConnection,
    family_id: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(at))
    .execute(conn)
}

/// Whether a login session has been ended (logout, a password change or reset, a reused
/// refresh token): any of its tokens revoked.
pub fn session_ended(conn: &mut DbConnection, family_id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(super::text(family_id)))
            .filter(refresh_tokens::revoked_at.is_not_null()),
    ))
    .get_result(conn)
}

/// Revokes every session of an account but `keep` (the caller's own, if any).
pub fn revoke_account(
    conn: &mut DbConnection,
    account_id: i64,
    keep: Option<&str>,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    // Family IDs are never empty, so "keep none" is the empty string.
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::account_id.eq(account_id))
            .filter(refresh_tokens::revoked_at.is_null())
            .filter(refresh_tokens::family_id.ne(keep.unwrap_or(""))),
    )
    .set(refresh_tokens::revoked_at.eq(at))
    .execute(conn)
}

/// Stores a single-use token.
#[allow(clippy::too_many_arguments)]
pub fn insert_one_time(
    conn: &mut DbConnection,
    purpose: &str,
    token_hash: &str,
    account_id: i64,
    declaration_id: Option<i64>,
    star: Option<&str>,
    created_at: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(one_time_tokens::table)
        .values((
            one_time_tokens::purpose.eq(purpose),
            one_time_tokens::token_hash.eq(token_hash),
            one_time_tokens::account_id.eq(account_id),
            one_time_tokens::declaration_id.eq(declaration_id),
            one_time_tokens::star_level.eq(star),
            one_time_tokens::created_at.eq(created_at),
            one_time_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(drop)
}

pub fn one_time_by_hash(
    conn: &mut DbConnection,
    purpose: &str,
    token_hash: &str,
) -> QueryResult<Option<OneTimeToken>> {
    one_time_tokens::table
        .filter(one_time_tokens::token_hash.eq(token_hash))
        .filter(one_time_tokens::purpose.eq(purpose))
        .select(OneTimeToken::as_select())
        .first(conn)
        .optional()
}

/// Spends a single-use token; whether this call did (it may have been spent concurrently).
pub fn spend_one_time(conn: &mut DbConnection, id: i64, at: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(
        one_time_tokens::table
            .find(id)
            .filter(one_time_tokens::used_at.is_null()),
    )
    .set(one_time_tokens::used_at.eq(at))
    .execute(conn)
    .map(|n| n == 1)
}

/// When the newest token of this purpose was issued for the account (to pace e-mails).
pub fn latest_one_time(
    conn: &mut DbConnection,
    purpose: &str,
    account_id: i64,
) -> QueryResult<Option<NaiveDateTime>> {
    one_time_tokens::table
        .filter(one_time_tokens::purpose.eq(purpose))
        .filter(one_time_tokens::account_id.eq(account_id))
        .select(diesel::dsl::max(one_time_tokens::created_at))
        .first(conn)
}

/// Spends every open token of this purpose for the account (after a password reset).
pub fn spend_all(
    conn: &mut DbConnection,
    purpose: &str,
    account_id: i64,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        one_time_tokens::table
            .filter(one_time_tokens::purpose.eq(purpose))
            .filter(one_time_tokens::account_id.eq(account_id))
            .filter(one_time_tokens::used_at.is_null()),
    )
    .set(one_time_tokens::used_at.eq(at))
    .execute(conn)
}
