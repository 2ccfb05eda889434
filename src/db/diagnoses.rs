//! Stored self-diagnoses.

use diesel::prelude::*;

use chrono::NaiveDateTime;

use super::DbConnection;
use super::models::{Diagnosis, NewDiagnosis};
use super::schema::diagnoses;
use crate::domain::questionnaire::QUESTIONNAIRE_VERSION;
use crate::domain::scoring::{self, AnswerSheet, Score};

/// Stores a scored diagnosis for a declarer; returns its row ID, public ID and score.
pub fn store(
    conn: &mut DbConnection,
    declarer_id: i64,
    sheet: &AnswerSheet,
    now: NaiveDateTime,
) -> QueryResult<(i64, String, Score)> {
    let score = scoring::score(sheet);
    let public_id = uuid::Uuid::new_v4().to_string();
    let answers = sheet
        .answers()
        .iter()
        .map(|a| a.code())
        .collect::<Vec<_>>()
        .join(",");
    let id = insert(
        conn,
        &NewDiagnosis {
            public_id: &public_id,
            declarer_id,
            questionnaire_version: QUESTIONNAIRE_VERSION,
            answers: &answers,
            total_score: score.total,
            band: score.band.code(),
            created_at: now,
        },
    )?;
    Ok((id, public_id, score))
}

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
