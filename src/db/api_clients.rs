//! API clients (subsidy portals, partner companies).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::api_clients;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_clients)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct ApiClient {
    pub id: i64,
    pub client_id: String,
    pub name: String,
    pub secret_hash: String,
    pub scopes: String,
    pub created_by_account_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub disabled_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
    /// Where the secretariat writes to the client (optional).
    pub contact_email: Option<String>,
}

/// A new client as stored.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = api_clients)]
pub struct NewApiClient<'a> {
    pub client_id: &'a str,
    pub name: &'a str,
    pub secret_hash: &'a str,
    /// Space-separated.
    pub scopes: &'a str,
    pub contact_email: Option<&'a str>,
    #[diesel(column_name = created_by_account_id)]
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, client: &NewApiClient<'_>) -> QueryResult<i64> {
    diesel::insert_into(api_clients::table)
        .values(client)
        .returning(api_clients::id)
        .get_result(conn)
}

pub fn by_client_id(conn: &mut DbConnection, client_id: &str) -> QueryResult<Option<ApiClient>> {
    api_clients::table
        .filter(api_clients::client_id.eq(super::text(client_id)))
        .select(ApiClient::as_select())
        .first(conn)
        .optional()
}

/// Clients, newest first, after the row `before`.
pub fn page(
    conn: &mut DbConnection,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<ApiClient>> {
    api_clients::table
        .filter(api_clients::id.lt(before.unwrap_or(i64::MAX)))
        .order(api_clients::id.desc())
        .limit(limit)
        .select(ApiClient::as_select())
        .load(conn)
}

/// Disables a client; whether it was enabled.
pub fn disable(conn: &mut DbConnection, client_id: &str, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(
        api_clients::table
            .filter(api_clients::client_id.eq(super::text(client_id)))
            .filter(api_clients::disabled_at.is_null()),
    )
    .set(api_clients::disabled_at.eq(now))
    .execute(conn)
    .map(|n| n == 1)
}

/// Notes when a client last obtained a token.
pub fn touch(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(api_clients::table.find(id))
        .set(api_clients::last_used_at.eq(now))
        .execute(conn)
        .map(drop)
}

pub fn by_id(conn: &mut DbConnection, id: i64) -> QueryResult<Option<ApiClient>> {
    api_clients::table
        .find(id)
        .select(ApiClient::as_select())
        .first(conn)
        .optional()
}
