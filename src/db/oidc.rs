//! Signing in with GビズID (OpenID Connect): sign-ins under way at the provider, the links from
//! provider accounts to declarer accounts, and the one-time codes that hand a finished sign-in
//! to the front end. Every single-use value is consumed by one statement, so that two
//! instances racing with the same value cannot both succeed.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::models::Account;
use super::schema::{
    accounts, declarations, declarers, oidc_links, oidc_sign_in_codes, oidc_sign_ins,
};

/// A sign-in under way: what the provider's answer is checked against.
#[derive(Debug, Clone, Queryable)]
pub struct PendingSignIn {
    pub nonce: String,
    pub pkce_verifier: String,
    pub return_to: String,
    /// SHA-256 of the cookie value of the browser that started it.
    pub browser_hash: String,
    pub expires_at: NaiveDateTime,
}

/// Remembers a sign-in sent to the provider.
#[expect(clippy::too_many_arguments, reason = "one column each")]
pub fn insert_pending(
    conn: &mut DbConnection,
    state_hash: &str,
    nonce: &str,
    pkce_verifier: &str,
    return_to: &str,
    browser_hash: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(oidc_sign_ins::table)
        .values((
            oidc_sign_ins::state_hash.eq(state_hash),
            oidc_sign_ins::nonce.eq(nonce),
            oidc_sign_ins::pkce_verifier.eq(pkce_verifier),
            oidc_sign_ins::return_to.eq(return_to),
            oidc_sign_ins::browser_hash.eq(browser_hash),
            oidc_sign_ins::created_at.eq(now),
            oidc_sign_ins::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(drop)
}

/// Takes the sign-in a state belongs to, deleting it: the first answer with this state gets
/// it, every later one finds nothing. Expired ones are returned too (the caller refuses them).
pub fn take_pending(
    conn: &mut DbConnection,
    state_hash: &str,
) -> QueryResult<Option<PendingSignIn>> {
    diesel::delete(
        oidc_sign_ins::table.filter(oidc_sign_ins::state_hash.eq(super::text(state_hash))),
    )
    .returning((
        oidc_sign_ins::nonce,
        oidc_sign_ins::pkce_verifier,
        oidc_sign_ins::return_to,
        oidc_sign_ins::browser_hash,
        oidc_sign_ins::expires_at,
    ))
    .get_result(conn)
    .optional()
}

/// Forgets sign-ins and codes that expired before `before`.
pub fn forget_expired(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    let sign_ins =
        diesel::delete(oidc_sign_ins::table.filter(oidc_sign_ins::expires_at.lt(before)))
            .execute(conn)?;
    let codes =
        diesel::delete(oidc_sign_in_codes::table.filter(oidc_sign_in_codes::expires_at.lt(before)))
            .execute(conn)?;
    Ok(sign_ins + codes)
}

/// The account a provider account is linked to, with the link's ID.
pub fn linked_account(
    conn: &mut DbConnection,
    issuer: &str,
    subject: &str,
) -> QueryResult<Option<(i64, Account)>> {
    oidc_links::table
        .inner_join(accounts::table)
        .filter(oidc_links::issuer.eq(super::text(issuer)))
        .filter(oidc_links::subject.eq(super::text(subject)))
        .select((oidc_links::id, Account::as_select()))
        .first(conn)
        .optional()
}

/// Links a provider account to an account; `false` when a sign-in running at the same time linked it first
/// (the same corporate number, so the same account).
pub fn insert_link(
    conn: &mut DbConnection,
    issuer: &str,
    subject: &str,
    account_id: i64,
    corporate_number: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    // In a savepoint, so that a unique violation leaves the caller's transaction usable.
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(oidc_links::table)
            .values((
                oidc_links::issuer.eq(issuer),
                oidc_links::subject.eq(subject),
                oidc_links::account_id.eq(account_id),
                oidc_links::corporate_number.eq(corporate_number),
                oidc_links::created_at.eq(now),
                oidc_links::last_sign_in_at.eq(now),
            ))
            .execute(conn)
    });
    match inserted {
        Ok(_) => Ok(true),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(false),
        Err(error) => Err(error),
    }
}

/// Points a link at another account (the corporation declared again as a new declarer).
pub fn move_link(
    conn: &mut DbConnection,
    link_id: i64,
    account_id: i64,
    corporate_number: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(oidc_links::table.find(link_id))
        .set((
            oidc_links::account_id.eq(account_id),
            oidc_links::corporate_number.eq(corporate_number),
            oidc_links::last_sign_in_at.eq(now),
        ))
        .execute(conn)
        .map(drop)
}

/// Notes a sign-in through a link.
pub fn touch_link(conn: &mut DbConnection, link_id: i64, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(oidc_links::table.find(link_id))
        .set(oidc_links::last_sign_in_at.eq(now))
        .execute(conn)
        .map(drop)
}

/// The account of the declarer whose live declaration (declared or accepted) holds this
/// corporate number (there is at most one).
pub fn account_with_live_declaration(
    conn: &mut DbConnection,
    corporate_number: &str,
) -> QueryResult<Option<Account>> {
    declarations::table
        .inner_join(declarers::table.inner_join(accounts::table))
        .filter(declarations::corporate_number.eq(super::text(corporate_number)))
        .filter(declarations::status.eq_any(["declared", "accepted"]))
        .select(Account::as_select())
        .first(conn)
        .optional()
}

/// Whether the account's declarer has a live declaration now.
pub fn has_live_declaration(conn: &mut DbConnection, account_id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        declarations::table
            .inner_join(declarers::table)
            .filter(declarers::account_id.eq(account_id))
            .filter(declarations::status.eq_any(["declared", "accepted"])),
    ))
    .get_result(conn)
}

/// Stores a one-time code (its digest) for an account.
pub fn insert_code(
    conn: &mut DbConnection,
    code_hash: &str,
    account_id: i64,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(oidc_sign_in_codes::table)
        .values((
            oidc_sign_in_codes::code_hash.eq(code_hash),
            oidc_sign_in_codes::account_id.eq(account_id),
            oidc_sign_in_codes::created_at.eq(now),
            oidc_sign_in_codes::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(drop)
}

/// Spends a one-time code that is unused and unexpired, returning its account; `None` for an
/// unknown, spent or expired code (a replay finds the code spent).
pub fn spend_code(
    conn: &mut DbConnection,
    code_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<i64>> {
    diesel::update(
        oidc_sign_in_codes::table
            .filter(oidc_sign_in_codes::code_hash.eq(super::text(code_hash)))
            .filter(oidc_sign_in_codes::used_at.is_null())
            .filter(oidc_sign_in_codes::expires_at.gt(now)),
    )
    .set(oidc_sign_in_codes::used_at.eq(now))
    .returning(oidc_sign_in_codes::account_id)
    .get_result(conn)
    .optional()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;
    use crate::db::models::NewAccount;

    /// Two first sign-ins of one provider account at once: the second finds the link made and
    /// its transaction goes on (no error, no 500).
    #[test]
    fn a_link_made_meanwhile_is_followed_not_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(
            &crate::config::DatabaseUrl::Sqlite(dir.path().join("t.db")),
            1,
        )
        .unwrap();
        db.run_migrations().unwrap();
        let now = crate::db::now();
        db.write_blocking(|conn| {
            let account = crate::db::accounts::insert(
                conn,
                &NewAccount {
                    user_number: "123456789012",
                    role: "declarer",
                    display_name: None,
                    password_hash: "!none",
                    password_changed_at: now,
                    created_at: now,
                },
            )?;
            assert!(insert_link(
                conn,
                "https://idp",
                "sub",
                account,
                "7000012050002",
                now
            )?);
            assert!(!insert_link(
                conn,
                "https://idp",
                "sub",
                account,
                "7000012050002",
                now
            )?);
            // The transaction is still usable after the refused insert.
            assert!(insert_link(
                conn,
                "https://idp",
                "other",
                account,
                "7000012050002",
                now
            )?);
            Ok::<_, crate::db::DbError>(())
        })
        .unwrap();
    }
}
