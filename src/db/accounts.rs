//! Login identities.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::models::{Account, NewAccount};
use super::schema::accounts;

pub fn insert(conn: &mut DbConnection, account: &NewAccount<'_>) -> QueryResult<i64> {
    diesel::insert_into(accounts::table)
        .values(account)
        .returning(accounts::id)
        .get_result(conn)
}

pub fn by_user_number(conn: &mut DbConnection, user_number: &str) -> QueryResult<Option<Account>> {
    accounts::table
        .filter(accounts::user_number.eq(super::text(user_number)))
        .select(Account::as_select())
        .first(conn)
        .optional()
}

pub fn by_id(conn: &mut DbConnection, id: i64) -> QueryResult<Account> {
    accounts::table
        .find(id)
        .select(Account::as_select())
        .first(conn)
}

pub fn user_number_taken(conn: &mut DbConnection, user_number: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        accounts::table.filter(accounts::user_number.eq(user_number)),
    ))
    .get_result(conn)
}

pub fn set_password(
    conn: &mut DbConnection,
    id: i64,
    hash: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(accounts::table.find(id))
        .set((
            accounts::password_hash.eq(hash),
            accounts::password_changed_at.eq(at),
        ))
        .execute(conn)
        .map(drop)
}
