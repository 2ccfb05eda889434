//! The verification hot path's queries, and the record of who verified what.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{api_clients, declarations, declarers, verification_records};
use crate::domain::receipt::{Answer, ReceiptId};

/// What a verification needs of a declaration: one indexed look-up by its public ID.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Lookup {
    pub id: i64,
    pub public_id: String,
    pub status: String,
    pub star_level: String,
    pub declared_at: NaiveDateTime,
    pub accepted_at: Option<NaiveDateTime>,
    pub star_since: NaiveDateTime,
    pub corporate_number: Option<String>,
    pub organization_name: String,
    pub organization_name_key: String,
}

type LookupColumns = (
    declarations::id,
    declarations::public_id,
    declarations::status,
    declarations::star_level,
    declarations::declared_at,
    declarations::accepted_at,
    declarations::star_since,
    declarations::corporate_number,
    declarers::organization_name,
    declarers::organization_name_key,
);

const LOOKUP: LookupColumns = (
    declarations::id,
    declarations::public_id,
    declarations::status,
    declarations::star_level,
    declarations::declared_at,
    declarations::accepted_at,
    declarations::star_since,
    declarations::corporate_number,
    declarers::organization_name,
    declarers::organization_name_key,
);

pub fn lookup(conn: &mut DbConnection, public_id: &str) -> QueryResult<Option<Lookup>> {
    declarations::table
        .inner_join(declarers::table)
        .filter(declarations::public_id.eq(public_id))
        .select(LOOKUP)
        // `load`, not `first`: `public_id` is unique, and a bound LIMIT makes SQLite prepare
        // the statement again on every call.
        .load(conn)
        .map(|rows| rows.into_iter().next())
}

/// Declarations by row ID, after `after`, in row order (warming the verification cache).
pub fn lookup_page(conn: &mut DbConnection, after: i64, limit: i64) -> QueryResult<Vec<Lookup>> {
    declarations::table
        .inner_join(declarers::table)
        .filter(declarations::id.gt(after))
        .order(declarations::id.asc())
        .limit(limit)
        .select(LOOKUP)
        .load(conn)
}

/// Declarations by row IDs (following the change log).
pub fn lookup_rows(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<Lookup>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    declarations::table
        .inner_join(declarers::table)
        .filter(declarations::id.eq_any(ids))
        .select(LOOKUP)
        .load(conn)
}

/// Many declarations in one query (a batch verification).
pub fn lookup_many(conn: &mut DbConnection, public_ids: &[&str]) -> QueryResult<Vec<Lookup>> {
    declarations::table
        .inner_join(declarers::table)
        .filter(declarations::public_id.eq_any(public_ids))
        .select(LOOKUP)
        .load(conn)
}

/// One verification, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationRecord {
    pub api_client_id: i64,
    pub declaration_id: Option<i64>,
    pub requested_id: String,
    pub result: &'static str,
    pub verified_at: NaiveDateTime,
    /// The receipt's ID and what was asked and answered: every verification that found the
    /// declaration has them.
    pub receipt: Option<(ReceiptId, Answer)>,
}

/// Rows per `INSERT`: 7 parameters each stays far below both backends' parameter limits.
const INSERT_CHUNK: usize = 200;

/// Writes records (the caller wraps them in one transaction), many rows per statement.
pub fn insert_records(conn: &mut DbConnection, records: &[VerificationRecord]) -> QueryResult<()> {
    for chunk in records.chunks(INSERT_CHUNK) {
        // The answer is turned into JSON here, by the background writer, not on the request path.
        let answers: Vec<Option<String>> = chunk
            .iter()
            .map(|r| {
                r.receipt
                    .as_ref()
                    .map(|(_, answer)| serde_json::to_string(answer))
                    .transpose()
            })
            .collect::<Result<_, _>>()
            .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
        let rows: Vec<_> = chunk
            .iter()
            .zip(&answers)
            .map(|(r, answer)| {
                (
                    verification_records::api_client_id.eq(r.api_client_id),
                    verification_records::declaration_id.eq(r.declaration_id),
                    verification_records::requested_id.eq(&r.requested_id),
                    verification_records::result.eq(r.result),
                    verification_records::verified_at.eq(r.verified_at),
                    verification_records::receipt_id
                        .eq(r.receipt.as_ref().map(|(id, _)| id.as_str())),
                    verification_records::answer.eq(answer.as_deref()),
                )
            })
            .collect();
        let insert = diesel::insert_into(verification_records::table).values(&rows);
        // Multi-row inserts are written per backend: the two-backend connection cannot.
        match conn {
            DbConnection::Sqlite(c) => insert.execute(c)?,
            DbConnection::Postgres(c) => insert.execute(c)?,
        };
    }
    Ok(())
}

/// Who verified a declaration, newest first: (record ID, client name, time, result).
pub fn log_page(
    conn: &mut DbConnection,
    declaration_id: i64,
    before: i64,
    limit: i64,
) -> QueryResult<Vec<(i64, String, NaiveDateTime, String)>> {
    verification_records::table
        .inner_join(api_clients::table)
        .filter(verification_records::declaration_id.eq(declaration_id))
        .filter(verification_records::id.lt(before))
        .order(verification_records::id.desc())
        .limit(limit)
        .select((
            verification_records::id,
            api_clients::name,
            verification_records::verified_at,
            verification_records::result,
        ))
        .load(conn)
}
