//! Stored self-diagnoses.

use diesel::prelude::*;

use super::DbConnection;
use super::models::{Diagnosis, NewDiagnosis};
use super::schema::diagnoses;

pub fn insert(conn: &mut DbConnection, diagnosis: &NewDiagnosis<'_>) -> QueryResult<i64> {
    diesel::insert_into(diagnoses::table)
        .values(diagnosis)
        .returning(diagnoses::id)
        .get_result(conn)
}

/// One of the declarer's diagnoses by its public ID.
pub fn owned(
    conn: &mut DbConnection,
    declarer_id: i64,
    public_id: &str,
) -> QueryResult<Option<Diagnosis>> {
    diagnoses::table
        .filter(diagnoses::public_id.eq(super::text(public_id)))
        .filter(diagnoses::declarer_id.eq(declarer_id))
        .select(Diagnosis::as_select())
        .first(conn)
        .optional()
}

pub fn by_id(conn: &mut DbConnection, id: i64) -> QueryResult<Diagnosis> {
    diagnoses::table
        .find(id)
        .select(Diagnosis::as_select())
        .first(conn)
}

/// The declarer's diagnoses, newest first, after the row `before` (keyset pagination).
pub fn page(
    conn: &mut DbConnection,
    declarer_id: i64,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Diagnosis>> {
    diagnoses::table
        .filter(diagnoses::declarer_id.eq(declarer_id))
        .filter(diagnoses::id.lt(before.unwrap_or(i64::MAX)))
        .order(diagnoses::id.desc())
        .limit(limit)
        .select(Diagnosis::as_select())
        .load(conn)
}
