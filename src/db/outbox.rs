//! E-mails waiting to go out, written in the same transaction as the change that causes them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::OutboxMessage;
use super::schema::outbox_messages;
use super::{DbConnection, DbError};

/// Queues an e-mail.
pub fn enqueue(
    conn: &mut DbConnection,
    kind: &str,
    recipient: &str,
    subject: &str,
    body: &str,
    declaration_id: Option<i64>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(outbox_messages::table)
        .values((
            outbox_messages::kind.eq(kind),
            outbox_messages::recipient.eq(recipient),
            outbox_messages::subject.eq(subject),
            outbox_messages::body.eq(body),
            outbox_messages::declaration_id.eq(declaration_id),
            outbox_messages::status.eq("pending"),
            outbox_messages::attempts.eq(0),
            outbox_messages::next_attempt_at.eq(now),
            outbox_messages::created_at.eq(now),
        ))
        .execute(conn)
        .map(drop)
}

/// Claims up to `limit` messages due for a delivery attempt, oldest first, until `lease`: no
/// other sender (another instance of the service) takes them before the lease has passed, so
/// a message is not sent twice by two senders reading the outbox at once. On PostgreSQL rows
/// another transaction is claiming are skipped (`FOR UPDATE SKIP LOCKED`); SQLite has one
/// writer at a time.
pub fn claim_due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<OutboxMessage>> {
    use diesel::sql_types::{BigInt, Timestamp};
    let (lock, [p_lease, p_now, p_limit]) = match conn {
        DbConnection::Postgres(_) => ("FOR UPDATE SKIP LOCKED", ["$1", "$2", "$3"]),
        DbConnection::Sqlite(_) => ("", ["?1", "?2", "?3"]),
    };
    let sql = format!(
        "UPDATE outbox_messages SET claimed_until = {p_lease} WHERE id IN ( \
           SELECT id FROM outbox_messages WHERE status = 'pending' AND next_attempt_at <= {p_now} \
             AND (claimed_until IS NULL OR claimed_until < {p_now}) \
           ORDER BY id LIMIT {p_limit} {lock} \
         ) RETURNING id, kind, recipient, subject, body, declaration_id, status, attempts, \
           next_attempt_at, last_error, created_at, sent_at, claimed_until"
    );
    let mut claimed: Vec<OutboxMessage> = diesel::sql_query(sql)
        .bind::<Timestamp, _>(lease)
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(limit)
        .load(conn)?;
    claimed.sort_by_key(|m| m.id);
    Ok(claimed)
}

pub fn mark_sent(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(outbox_messages::table.find(id))
        .set((
            outbox_messages::status.eq("sent"),
            outbox_messages::sent_at.eq(now),
            outbox_messages::claimed_until.eq(None::<NaiveDateTime>),
            outbox_messages::attempts.eq(outbox_messages::attempts + 1),
            outbox_messages::last_error.eq(None::<String>),
        ))
        .execute(conn)
        .map(drop)
}

/// Records a failed attempt: retried at `next_attempt_at`, or `failed` for good.
pub fn mark_attempt_failed(
    conn: &mut DbConnection,
    id: i64,
    error: &str,
    next_attempt_at: Option<NaiveDateTime>,
) -> QueryResult<()> {
    let status = if next_attempt_at.is_some() {
        "pending"
    } else {
        "failed"
    };
    let mut changes = diesel::update(outbox_messages::table.find(id))
        .set((
            outbox_messages::status.eq(status),
            outbox_messages::claimed_until.eq(None::<NaiveDateTime>),
            outbox_messages::attempts.eq(outbox_messages::attempts + 1),
            outbox_messages::last_error.eq(error),
        ))
        .execute(conn)?;
    if let Some(at) = next_attempt_at {
        changes += diesel::update(outbox_messages::table.find(id))
            .set(outbox_messages::next_attempt_at.eq(at))
            .execute(conn)?;
    }
    let _ = changes;
    Ok(())
}

/// How many messages are in each status (for metrics).
pub fn count_by_status(conn: &mut DbConnection) -> Result<Vec<(String, i64)>, DbError> {
    outbox_messages::table
        .group_by(outbox_messages::status)
        .select((outbox_messages::status, diesel::dsl::count_star()))
        .load(conn)
        .map_err(DbError::from)
}

/// Every message for a recipient, oldest first (tests and support).
pub fn for_recipient(conn: &mut DbConnection, recipient: &str) -> QueryResult<Vec<OutboxMessage>> {
    outbox_messages::table
        .filter(outbox_messages::recipient.eq(recipient))
        .order(outbox_messages::id.asc())
        .select(OutboxMessage::as_select())
        .load(conn)
}

pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<OutboxMessage>> {
    outbox_messages::table
        .order(outbox_messages::id.asc())
        .select(OutboxMessage::as_select())
        .load(conn)
}

/// Messages in the given states, newest first, after the row `before`.
pub fn page(
    conn: &mut DbConnection,
    statuses: &[&str],
    before: i64,
    limit: i64,
) -> QueryResult<Vec<OutboxMessage>> {
    outbox_messages::table
        .filter(outbox_messages::status.eq_any(statuses))
        .filter(outbox_messages::id.lt(before))
        .order(outbox_messages::id.desc())
        .limit(limit)
        .select(OutboxMessage::as_select())
        .load(conn)
}
