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

/// Rows per SQLite `INSERT`: 7 parameters each stays far below its parameter limit.
const INSERT_CHUNK: usize = 200;

/// Rows per PostgreSQL `COPY`: few statements per batch, while only this many rows (with their
/// answers' JSON) are built at a time. Building a whole batch (up to 100,000) at once cost
/// some 200 MiB of memory at the peak.
const COPY_CHUNK: usize = 2_000;

/// The records by declaration, each declaration's in the order they came.
fn in_write_order(records: &[VerificationRecord]) -> Vec<&VerificationRecord> {
    let mut ordered: Vec<&VerificationRecord> = records.iter().collect();
    ordered.sort_by_key(|r| r.declaration_id);
    ordered
}

/// A record as written: every column but the ID and the signed receipt (made later).
#[derive(Insertable)]
#[diesel(table_name = verification_records, treat_none_as_default_value = false)]
struct NewRecord<'a> {
    api_client_id: i64,
    declaration_id: Option<i64>,
    requested_id: &'a str,
    result: &'a str,
    verified_at: NaiveDateTime,
    receipt_id: Option<&'a str>,
    answer: Option<String>,
}

impl<'a> NewRecord<'a> {
    /// The answer is turned into JSON here, by the background writer, not on the request path.
    fn of(record: &'a VerificationRecord) -> QueryResult<Self> {
        let answer = record
            .receipt
            .as_ref()
            .map(|(_, answer)| serde_json::to_string(answer))
            .transpose()
            .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
        Ok(Self {
            api_client_id: record.api_client_id,
            declaration_id: record.declaration_id,
            requested_id: &record.requested_id,
            result: record.result,
            verified_at: record.verified_at,
            receipt_id: record.receipt.as_ref().map(|(id, _)| id.as_str()),
            answer,
        })
    }
}

/// Writes records (the caller wraps them in one transaction) in the order of their
/// declaration: the index by declaration is then filled page after page instead of at random,
/// and one declaration's records keep the order they came in (the sort is stable), which is
/// all that the declarer's log reads back in ID order. PostgreSQL takes them with `COPY`,
/// SQLite with multi-row `INSERT`s, a chunk at a time.
pub fn insert_records(conn: &mut DbConnection, records: &[VerificationRecord]) -> QueryResult<()> {
    let chunk_size = match conn {
        DbConnection::Postgres(_) => COPY_CHUNK,
        DbConnection::Sqlite(_) => INSERT_CHUNK,
    };
    for chunk in in_write_order(records).chunks(chunk_size) {
        let rows = chunk
            .iter()
            .map(|r| NewRecord::of(r))
            .collect::<QueryResult<Vec<_>>>()?;
        // Written per backend: the two-backend connection has neither multi-row inserts nor COPY.
        match conn {
            DbConnection::Postgres(c) => {
                diesel::copy_from(verification_records::table)
                    .from_insertable(&rows)
                    .execute(c)?;
            }
            DbConnection::Sqlite(c) => {
                diesel::insert_into(verification_records::table)
                    .values(&rows)
                    .execute(c)?;
            }
        }
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn record(declaration_id: Option<i64>, n: usize) -> VerificationRecord {
        VerificationRecord {
            api_client_id: 1,
            declaration_id,
            requested_id: n.to_string(),
            result: "found",
            verified_at: chrono::NaiveDateTime::default(),
            receipt: None,
        }
    }

    proptest! {
        /// Written by declaration, and each declaration's records (the unknown IDs' too) in the
        /// order they came: nothing lost, nothing added.
        #[test]
        fn records_are_written_by_declaration_each_in_the_order_it_came(
            declarations in proptest::collection::vec(proptest::option::of(0i64..5), 0..60),
        ) {
            let records: Vec<VerificationRecord> =
                declarations.iter().enumerate().map(|(n, d)| record(*d, n)).collect();
            let written = in_write_order(&records);
            prop_assert_eq!(written.len(), records.len());
            prop_assert!(written.windows(2).all(|w| w[0].declaration_id <= w[1].declaration_id));
            for declaration in declarations.iter().collect::<std::collections::BTreeSet<_>>() {
                let came: Vec<&str> = records.iter().filter(|r| r.declaration_id == *declaration).map(|r| r.requested_id.as_str()).collect();
                let went: Vec<&str> = written.iter().filter(|r| r.declaration_id == *declaration).map(|r| r.requested_id.as_str()).collect();
                prop_assert_eq!(came, went);
            }
        }
    }
}
