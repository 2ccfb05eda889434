//! Webhook endpoints, watchlists and deliveries. Deliveries are claimed with a lease
//! (`claimed_until`): a worker takes due rows by setting the lease in one statement, and no
//! other worker takes them until the lease has passed. On PostgreSQL the statement skips rows
//! another transaction is claiming at that moment (`FOR UPDATE SKIP LOCKED`), so several
//! instances on one database never take the same row; SQLite has one writer at a time anyway.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamp};

use super::DbConnection;
use super::schema::{
    verification_records, watchlist_entries, webhook_deliveries, webhook_dispatch,
    webhook_endpoints,
};

/// An endpoint as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = webhook_endpoints)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Endpoint {
    pub id: i64,
    pub public_id: String,
    pub api_client_id: i64,
    pub url: String,
    /// Space-separated.
    pub event_types: String,
    pub description: String,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<NaiveDateTime>,
    pub failing_since: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Endpoint {
    pub fn event_types(&self) -> impl Iterator<Item = &str> {
        self.event_types.split_whitespace()
    }

    pub fn wants(&self, event_type: &str) -> bool {
        self.event_types().any(|t| t == event_type)
    }

    /// The secrets that sign now: the current one, and the previous one during a rotation.
    pub fn signing_secrets(&self, now: NaiveDateTime) -> Vec<&str> {
        let mut secrets = vec![self.secret.as_str()];
        if let (Some(previous), Some(until)) = (&self.previous_secret, self.previous_secret_until)
            && until > now
        {
            secrets.push(previous);
        }
        secrets
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = webhook_endpoints)]
pub struct NewEndpoint<'a> {
    pub public_id: &'a str,
    pub api_client_id: i64,
    pub url: &'a str,
    pub event_types: &'a str,
    pub description: &'a str,
    pub enabled: bool,
    pub secret: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert_endpoint(conn: &mut DbConnection, endpoint: &NewEndpoint<'_>) -> QueryResult<()> {
    diesel::insert_into(webhook_endpoints::table)
        .values(endpoint)
        .execute(conn)
        .map(drop)
}

pub fn count_endpoints(conn: &mut DbConnection, api_client_id: i64) -> QueryResult<i64> {
    webhook_endpoints::table
        .filter(webhook_endpoints::api_client_id.eq(api_client_id))
        .count()
        .get_result(conn)
}

/// A client's endpoint by its public ID (another client's is not found).
pub fn endpoint_of_client(
    conn: &mut DbConnection,
    api_client_id: i64,
    public_id: &str,
) -> QueryResult<Option<Endpoint>> {
    webhook_endpoints::table
        .filter(webhook_endpoints::api_client_id.eq(api_client_id))
        .filter(webhook_endpoints::public_id.eq(super::text(public_id)))
        .select(Endpoint::as_select())
        .first(conn)
        .optional()
}

pub fn endpoint_by_id(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Endpoint>> {
    webhook_endpoints::table
        .find(id)
        .select(Endpoint::as_select())
        .first(conn)
        .optional()
}

/// A client's endpoints, oldest first (there are at most a few).
pub fn endpoints_of_client(
    conn: &mut DbConnection,
    api_client_id: i64,
) -> QueryResult<Vec<Endpoint>> {
    webhook_endpoints::table
        .filter(webhook_endpoints::api_client_id.eq(api_client_id))
        .order(webhook_endpoints::id.asc())
        .select(Endpoint::as_select())
        .load(conn)
}

/// Every enabled endpoint.
pub fn enabled_endpoints(conn: &mut DbConnection) -> QueryResult<Vec<Endpoint>> {
    webhook_endpoints::table
        .filter(webhook_endpoints::enabled.eq(true))
        .order(webhook_endpoints::id.asc())
        .select(Endpoint::as_select())
        .load(conn)
}

/// The changeable settings of an endpoint.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = webhook_endpoints)]
pub struct EndpointChanges<'a> {
    pub url: Option<&'a str>,
    pub event_types: Option<&'a str>,
    pub description: Option<&'a str>,
    pub enabled: Option<bool>,
    /// `Some(None)` clears it (re-enabled).
    pub disabled_reason: Option<Option<&'a str>>,
    pub failing_since: Option<Option<NaiveDateTime>>,
    pub updated_at: NaiveDateTime,
}

pub fn update_endpoint(
    conn: &mut DbConnection,
    id: i64,
    changes: &EndpointChanges<'_>,
) -> QueryResult<()> {
    diesel::update(webhook_endpoints::table.find(id))
        .set(changes)
        .execute(conn)
        .map(drop)
}

pub fn rotate_secret(
    conn: &mut DbConnection,
    id: i64,
    secret: &str,
    previous: &str,
    previous_until: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(webhook_endpoints::table.find(id))
        .set((
            webhook_endpoints::secret.eq(secret),
            webhook_endpoints::previous_secret.eq(previous),
            webhook_endpoints::previous_secret_until.eq(previous_until),
            webhook_endpoints::updated_at.eq(now),
        ))
        .execute(conn)
        .map(drop)
}

pub fn delete_endpoint(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    diesel::delete(webhook_deliveries::table.filter(webhook_deliveries::endpoint_id.eq(id)))
        .execute(conn)?;
    diesel::delete(webhook_endpoints::table.find(id))
        .execute(conn)
        .map(drop)
}

/// Disables an endpoint for `reason` unless it already is; whether it was enabled.
pub fn disable_endpoint(
    conn: &mut DbConnection,
    id: i64,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        webhook_endpoints::table
            .find(id)
            .filter(webhook_endpoints::enabled.eq(true)),
    )
    .set((
        webhook_endpoints::enabled.eq(false),
        webhook_endpoints::disabled_reason.eq(reason),
        webhook_endpoints::updated_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Notes a failed attempt: the endpoint has been failing since the first failure after its
/// last success. Returns since when.
pub fn note_failure(
    conn: &mut DbConnection,
    id: i64,
    now: NaiveDateTime,
) -> QueryResult<Option<NaiveDateTime>> {
    diesel::update(
        webhook_endpoints::table
            .find(id)
            .filter(webhook_endpoints::failing_since.is_null()),
    )
    .set(webhook_endpoints::failing_since.eq(now))
    .execute(conn)?;
    webhook_endpoints::table
        .find(id)
        .select(webhook_endpoints::failing_since)
        .first(conn)
        .optional()
        .map(Option::flatten)
}

pub fn note_success(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    diesel::update(
        webhook_endpoints::table
            .find(id)
            .filter(webhook_endpoints::failing_since.is_not_null()),
    )
    .set(webhook_endpoints::failing_since.eq(None::<NaiveDateTime>))
    .execute(conn)
    .map(drop)
}

// ---- The watchlist ----

/// Adds a declaration to a client's watchlist; whether it was new.
pub fn watch(
    conn: &mut DbConnection,
    api_client_id: i64,
    declaration_id: i64,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let exists = watchlist_entries::table
        .find((api_client_id, declaration_id))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if exists {
        return Ok(false);
    }
    diesel::insert_into(watchlist_entries::table)
        .values((
            watchlist_entries::api_client_id.eq(api_client_id),
            watchlist_entries::declaration_id.eq(declaration_id),
            watchlist_entries::created_at.eq(now),
        ))
        .execute(conn)
        .map(|_| true)
}

pub fn unwatch(
    conn: &mut DbConnection,
    api_client_id: i64,
    declaration_id: i64,
) -> QueryResult<bool> {
    diesel::delete(watchlist_entries::table.find((api_client_id, declaration_id)))
        .execute(conn)
        .map(|n| n == 1)
}

pub fn count_watched(conn: &mut DbConnection, api_client_id: i64) -> QueryResult<i64> {
    watchlist_entries::table
        .filter(watchlist_entries::api_client_id.eq(api_client_id))
        .count()
        .get_result(conn)
}

/// A page of a client's watchlist, by declaration row ID descending: (row ID, public ID,
/// added at).
pub fn watchlist_page(
    conn: &mut DbConnection,
    api_client_id: i64,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<(i64, String, NaiveDateTime)>> {
    use super::schema::declarations;
    watchlist_entries::table
        .inner_join(declarations::table)
        .filter(watchlist_entries::api_client_id.eq(api_client_id))
        .filter(watchlist_entries::declaration_id.lt(before.unwrap_or(i64::MAX)))
        .order(watchlist_entries::declaration_id.desc())
        .limit(limit)
        .select((
            watchlist_entries::declaration_id,
            declarations::public_id,
            watchlist_entries::created_at,
        ))
        .load(conn)
}

/// Of `clients`, those that watch declaration `declaration_id`: on their watchlist, or
/// verified since `verified_since`.
pub fn watchers(
    conn: &mut DbConnection,
    declaration_id: i64,
    clients: &[i64],
    verified_since: NaiveDateTime,
) -> QueryResult<Vec<i64>> {
    let mut listed: Vec<i64> = watchlist_entries::table
        .filter(watchlist_entries::declaration_id.eq(declaration_id))
        .filter(watchlist_entries::api_client_id.eq_any(clients))
        .select(watchlist_entries::api_client_id)
        .load(conn)?;
    for &client in clients {
        if listed.contains(&client) {
            continue;
        }
        // The index on (declaration_id, verified_at) finds the newest record at once.
        let verified: Vec<i64> = verification_records::table
            .filter(verification_records::declaration_id.eq(declaration_id))
            .filter(verification_records::verified_at.ge(verified_since))
            .filter(verification_records::api_client_id.eq(client))
            .select(verification_records::id)
            .limit(1)
            .load(conn)?;
        if !verified.is_empty() {
            listed.push(client);
        }
    }
    listed.sort_unstable();
    listed.dedup();
    Ok(listed)
}

// ---- Turning the change log into deliveries ----

/// Locks the dispatch cursor until the transaction ends (another instance dispatching waits
/// here) and reads it.
pub fn lock_dispatch_position(conn: &mut DbConnection) -> QueryResult<i64> {
    diesel::update(webhook_dispatch::table.find(1))
        .set(webhook_dispatch::position.eq(webhook_dispatch::position))
        .execute(conn)?;
    webhook_dispatch::table
        .find(1)
        .select(webhook_dispatch::position)
        .first(conn)
}

pub fn set_dispatch_position(conn: &mut DbConnection, position: i64) -> QueryResult<()> {
    diesel::update(webhook_dispatch::table.find(1))
        .set(webhook_dispatch::position.eq(position))
        .execute(conn)
        .map(drop)
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = webhook_deliveries)]
pub struct NewDelivery {
    pub public_id: String,
    pub endpoint_id: i64,
    pub event_id: String,
    pub event_type: String,
    pub position: i64,
    pub declaration_public_id: String,
    pub payload: String,
    pub status: &'static str,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

pub fn insert_deliveries(conn: &mut DbConnection, deliveries: &[NewDelivery]) -> QueryResult<()> {
    for delivery in deliveries {
        diesel::insert_into(webhook_deliveries::table)
            .values(delivery)
            .execute(conn)?;
    }
    Ok(())
}

// ---- Deliveries ----

/// A delivery as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = webhook_deliveries)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Delivery {
    pub id: i64,
    pub public_id: String,
    pub endpoint_id: i64,
    pub event_id: String,
    pub event_type: String,
    pub position: i64,
    pub declaration_public_id: String,
    pub payload: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub claimed_until: Option<NaiveDateTime>,
    pub last_attempt_at: Option<NaiveDateTime>,
    pub last_response_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
}

/// Claims up to `limit` due deliveries of enabled endpoints, at most `per_endpoint` of each
/// endpoint and none of the endpoints in `skip` (those already busy here), until `lease`.
pub fn claim_due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease: NaiveDateTime,
    limit: i64,
    per_endpoint: i64,
    skip: &[i64],
) -> QueryResult<Vec<Delivery>> {
    // The IDs are integers formatted here, never text from outside.
    let skip = if skip.is_empty() {
        String::new()
    } else {
        let ids: Vec<String> = skip.iter().map(i64::to_string).collect();
        format!("AND d.endpoint_id NOT IN ({})", ids.join(", "))
    };
    let (lock, p) = match conn {
        DbConnection::Postgres(_) => ("FOR UPDATE SKIP LOCKED", ["$1", "$2", "$3", "$4"]),
        DbConnection::Sqlite(_) => ("", ["?1", "?2", "?3", "?4"]),
    };
    let [p_lease, p_now, p_per, p_limit] = p;
    let sql = format!(
        "UPDATE webhook_deliveries SET claimed_until = {p_lease} WHERE id IN ( \
           SELECT id FROM webhook_deliveries WHERE id IN ( \
             SELECT id FROM ( \
               SELECT d.id, ROW_NUMBER() OVER (PARTITION BY d.endpoint_id ORDER BY d.next_attempt_at, d.id) AS place \
               FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id \
               WHERE d.status = 'pending' AND d.next_attempt_at <= {p_now} \
                 AND (d.claimed_until IS NULL OR d.claimed_until < {p_now}) AND e.enabled {skip} \
             ) ranked WHERE place <= {p_per} ORDER BY id LIMIT {p_limit} \
           ) AND status = 'pending' AND (claimed_until IS NULL OR claimed_until < {p_now}) {lock} \
         ) RETURNING id, public_id, endpoint_id, event_id, event_type, position, \
           declaration_public_id, payload, status, attempts, next_attempt_at, claimed_until, \
           last_attempt_at, last_response_status, last_error, created_at, delivered_at"
    );
    diesel::sql_query(sql)
        .bind::<Timestamp, _>(lease)
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(per_endpoint)
        .bind::<BigInt, _>(limit)
        .load(conn)
}

/// The outcome of one attempt.
#[derive(Debug, Clone)]
pub struct Attempt<'a> {
    pub status: &'static str,
    pub response_status: Option<i32>,
    pub error: Option<&'a str>,
    pub next_attempt_at: NaiveDateTime,
    pub at: NaiveDateTime,
}

pub fn record_attempt(conn: &mut DbConnection, id: i64, attempt: &Attempt<'_>) -> QueryResult<()> {
    let delivered_at = (attempt.status == "succeeded").then_some(attempt.at);
    diesel::update(webhook_deliveries::table.find(id))
        .set((
            webhook_deliveries::status.eq(attempt.status),
            webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
            webhook_deliveries::next_attempt_at.eq(attempt.next_attempt_at),
            webhook_deliveries::claimed_until.eq(None::<NaiveDateTime>),
            webhook_deliveries::last_attempt_at.eq(attempt.at),
            webhook_deliveries::last_response_status.eq(attempt.response_status),
            webhook_deliveries::last_error.eq(attempt.error),
            webhook_deliveries::delivered_at.eq(delivered_at),
        ))
        .execute(conn)
        .map(drop)
}

/// Hands a claimed delivery back untried (its endpoint went away or was disabled meanwhile).
pub fn release(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    diesel::update(webhook_deliveries::table.find(id))
        .set(webhook_deliveries::claimed_until.eq(None::<NaiveDateTime>))
        .execute(conn)
        .map(drop)
}

/// Gives up the pending deliveries of an endpoint (it was disabled).
pub fn fail_pending_of_endpoint(
    conn: &mut DbConnection,
    endpoint_id: i64,
    error: &str,
) -> QueryResult<usize> {
    diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
            .filter(webhook_deliveries::status.eq("pending")),
    )
    .set((
        webhook_deliveries::status.eq("failed"),
        webhook_deliveries::last_error.eq(error),
        webhook_deliveries::claimed_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)
}

/// A delivery of an endpoint by its public ID.
pub fn delivery_of_endpoint(
    conn: &mut DbConnection,
    endpoint_id: i64,
    public_id: &str,
) -> QueryResult<Option<Delivery>> {
    webhook_deliveries::table
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
        .filter(webhook_deliveries::public_id.eq(super::text(public_id)))
        .select(Delivery::as_select())
        .first(conn)
        .optional()
}

/// An endpoint's deliveries, newest first, before row `before`.
pub fn deliveries_page(
    conn: &mut DbConnection,
    endpoint_id: i64,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Delivery>> {
    webhook_deliveries::table
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
        .filter(webhook_deliveries::id.lt(before.unwrap_or(i64::MAX)))
        .order(webhook_deliveries::id.desc())
        .limit(limit)
        .select(Delivery::as_select())
        .load(conn)
}

/// Queues a delivery again, now.
pub fn redeliver(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(webhook_deliveries::table.find(id))
        .set((
            webhook_deliveries::status.eq("pending"),
            webhook_deliveries::next_attempt_at.eq(now),
            webhook_deliveries::claimed_until.eq(None::<NaiveDateTime>),
            webhook_deliveries::delivered_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)
        .map(drop)
}

/// When the oldest pending delivery was created (for metrics).
pub fn oldest_pending(conn: &mut DbConnection) -> QueryResult<Option<NaiveDateTime>> {
    webhook_deliveries::table
        .filter(webhook_deliveries::status.eq("pending"))
        .select(diesel::dsl::min(webhook_deliveries::created_at))
        .first(conn)
}

/// Deliveries in each status (for metrics and tests).
pub fn count_by_status(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64)>> {
    webhook_deliveries::table
        .group_by(webhook_deliveries::status)
        .select((webhook_deliveries::status, diesel::dsl::count_star()))
        .load(conn)
}
