//! Receipts as stored with their verification records, and the published signing keys.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{api_clients, declarations, receipt_signing_keys, verification_records};
use crate::domain::receipt::Answer;

/// A receipt not yet signed: everything its payload states.
#[derive(Debug, Clone)]
pub struct Unsigned {
    pub receipt_id: String,
    pub declaration_id: String,
    pub client_id: String,
    pub client_name: String,
    pub verified_at: NaiveDateTime,
    pub answer: Answer,
}

/// A receipt as found.
#[derive(Debug, Clone)]
pub enum Found {
    Signed(String),
    Unsigned(Box<Unsigned>),
}

type Row = (
    Option<String>,
    Option<String>,
    NaiveDateTime,
    String,
    String,
    String,
);

/// The receipt with this ID of this client's verification, if any.
pub fn find(
    conn: &mut DbConnection,
    receipt_id: &str,
    api_client_id: i64,
) -> QueryResult<Option<Found>> {
    let row: Option<Row> = verification_records::table
        .inner_join(api_clients::table)
        .inner_join(declarations::table)
        .filter(verification_records::receipt_id.eq(receipt_id))
        .filter(verification_records::api_client_id.eq(api_client_id))
        .select((
            verification_records::receipt,
            verification_records::answer,
            verification_records::verified_at,
            declarations::public_id,
            api_clients::client_id,
            api_clients::name,
        ))
        .first(conn)
        .optional()?;
    let Some((receipt, answer, verified_at, declaration_id, client_id, client_name)) = row else {
        return Ok(None);
    };
    if let Some(jws) = receipt {
        return Ok(Some(Found::Signed(jws)));
    }
    let Some(answer) = answer else {
        return Ok(None);
    };
    let answer: Answer = serde_json::from_str(&answer)
        .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))?;
    Ok(Some(Found::Unsigned(Box::new(Unsigned {
        receipt_id: receipt_id.to_owned(),
        declaration_id,
        client_id,
        client_name,
        verified_at,
        answer,
    }))))
}

/// Keeps the signed receipt unless one is already kept.
pub fn keep_signed(conn: &mut DbConnection, receipt_id: &str, jws: &str) -> QueryResult<usize> {
    diesel::update(
        verification_records::table
            .filter(verification_records::receipt_id.eq(receipt_id))
            .filter(verification_records::receipt.is_null()),
    )
    .set(verification_records::receipt.eq(jws))
    .execute(conn)
}

/// The kept signed receipt.
pub fn signed(conn: &mut DbConnection, receipt_id: &str) -> QueryResult<Option<String>> {
    verification_records::table
        .filter(verification_records::receipt_id.eq(receipt_id))
        .select(verification_records::receipt)
        .first::<Option<String>>(conn)
        .optional()
        .map(Option::flatten)
}

/// Publishes a key (nothing happens when it is published already, also when two processes
/// publish it at once).
pub fn publish_key(
    conn: &mut DbConnection,
    kid: &str,
    public_key: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let insert = diesel::insert_into(receipt_signing_keys::table)
        .values((
            receipt_signing_keys::kid.eq(kid),
            receipt_signing_keys::public_key.eq(public_key),
            receipt_signing_keys::created_at.eq(now),
        ))
        .on_conflict(receipt_signing_keys::kid)
        .do_nothing();
    match conn {
        DbConnection::Sqlite(c) => insert.execute(c)?,
        DbConnection::Postgres(c) => insert.execute(c)?,
    };
    Ok(())
}

/// Marks every other published key retired (it stays published).
pub fn retire_others(conn: &mut DbConnection, kid: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        receipt_signing_keys::table
            .filter(receipt_signing_keys::kid.ne(kid))
            .filter(receipt_signing_keys::retired_at.is_null()),
    )
    .set(receipt_signing_keys::retired_at.eq(now))
    .execute(conn)
}

/// A published key: (kid, public key, retired at).
pub type PublishedKey = (String, String, Option<NaiveDateTime>);

/// Every published key, oldest first.
pub fn published(conn: &mut DbConnection) -> QueryResult<Vec<PublishedKey>> {
    receipt_signing_keys::table
        .order((
            receipt_signing_keys::created_at.asc(),
            receipt_signing_keys::kid.asc(),
        ))
        .select((
            receipt_signing_keys::kid,
            receipt_signing_keys::public_key,
            receipt_signing_keys::retired_at,
        ))
        .load(conn)
}
