//! The declarer's own self-diagnoses: `POST /v1/diagnoses`, `GET /v1/diagnoses`,
//! `GET /v1/diagnoses/{diagnosis_id}`.

use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::reference::score::{AnswersInput, ScoredDiagnosis};
use crate::auth::extract::Declarer;
use crate::db::models::Diagnosis;
use crate::db::{self, diagnoses};
use crate::declarations::load_account;
use crate::domain::questionnaire::Answer;
use crate::domain::scoring::{self, AnswerSheet};
use crate::error::{ApiError, Message};
use crate::extract::{AcceptLanguage, Json, Query};
use crate::routes::common;
use crate::state::AppState;

/// The answer sheet of a stored diagnosis.
pub fn sheet_of(diagnosis: &Diagnosis) -> Result<AnswerSheet, ApiError> {
    let answers: Vec<Answer> = diagnosis
        .answers
        .split(',')
        .filter_map(Answer::from_code)
        .collect();
    let answers: [Answer; 25] = answers.try_into().map_err(|_| {
        ApiError::internal(anyhow::anyhow!(
            "diagnosis {} has a malformed answer list",
            diagnosis.id
        ))
    })?;
    Ok(AnswerSheet::from_array(answers))
}

/// One answer of a stored diagnosis.
#[derive(Debug, Serialize, ToSchema)]
pub struct StoredAnswer {
    pub question: u8,
    pub answer: Answer,
}

/// A stored, scored diagnosis.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiagnosisView {
    /// The diagnosis's ID (used by `step-up`).
    pub id: String,
    pub created_at: DateTime<Utc>,
    #[serde(flatten)]
    pub scored: ScoredDiagnosis,
    /// The 25 answers, in question order.
    pub answers: Vec<StoredAnswer>,
}

impl DiagnosisView {
    pub fn new(
        diagnosis: &Diagnosis,
        language: crate::domain::language::Language,
    ) -> Result<Self, ApiError> {
        let sheet = sheet_of(diagnosis)?;
        Ok(Self {
            id: diagnosis.public_id.clone(),
            created_at: db::utc(diagnosis.created_at),
            scored: ScoredDiagnosis::new(&scoring::score(&sheet), language),
            answers: (1..=25u8)
                .zip(sheet.answers().iter())
                .map(|(question, &answer)| StoredAnswer { question, answer })
                .collect(),
        })
    }
}

/// A diagnosis in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiagnosisSummary {
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub total_score: i32,
    pub band: String,
    pub questionnaire_version: String,
}

/// A page of diagnoses, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiagnosisPage {
    pub items: Vec<DiagnosisSummary>,
    /// Pass as `cursor` for the next page; null on the last one.
    pub next_cursor: Option<String>,
}

/// Pagination parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// The `next_cursor` of the previous page (opaque, at most 64 characters).
    #[param(max_length = 64)]
    pub cursor: Option<String>,
    /// Items per page: 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

fn not_found() -> ApiError {
    ApiError::not_found(Message::new(
        "自社診断が見つかりません",
        "No such diagnosis.",
    ))
}

/// Takes the self-diagnosis: 25 answers, stored and scored with the same rules as
/// `POST /v1/diagnosis/score`.
#[utoipa::path(
    tag = "diagnoses",
    security(("bearer" = [])),
    request_body = AnswersInput,
    responses(
        (status = 201, description = "Stored and scored", body = DiagnosisView,
         headers(("Location" = String, description = "The diagnosis's URL"))),
        (status = 403, response = crate::routes::openapi::Forbidden),
    )
)]
#[post("/diagnoses")]
#[tracing::instrument(skip_all)]
pub async fn create_diagnosis(
    state: web::Data<AppState>,
    Declarer(user): Declarer,
    AcceptLanguage(language): AcceptLanguage,
    Json(input): Json<AnswersInput>,
) -> Result<HttpResponse, ApiError> {
    let sheet = input.to_sheet().map_err(ApiError::validation)?;
    let diagnosis = state
        .db
        .write(move |conn| {
            let (_, declarer) = load_account(conn, &user.user_number)?;
            let (id, _, _) = diagnoses::store(conn, declarer.id, &sheet, db::now())?;
            Ok::<_, ApiError>(diagnoses::by_id(conn, id)?)
        })
        .await?;
    let view = DiagnosisView::new(&diagnosis, language)?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/v1/diagnoses/{}", view.id)))
        .json(view))
}

/// The declarer's diagnoses, newest first.
#[utoipa::path(
    tag = "diagnoses",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of diagnoses", body = DiagnosisPage),
        (status = 403, response = crate::routes::openapi::Forbidden),
    )
)]
#[get("/diagnoses")]
#[tracing::instrument(skip_all)]
pub async fn list_diagnoses(
    state: web::Data<AppState>,
    Declarer(user): Declarer,
    Query(query): Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = common::page_limit(query.limit)?;
    let before = common::decode_cursor(query.cursor.as_deref())?;
    let rows = state
        .db
        .read(move |conn| {
            let (_, declarer) = load_account(conn, &user.user_number)?;
            Ok::<_, ApiError>(diagnoses::page(conn, declarer.id, before, limit + 1)?)
        })
        .await?;
    let (items, next_cursor) = common::paginate(rows, limit, |d| d.id);
    Ok(HttpResponse::Ok().json(DiagnosisPage {
        items: items
            .into_iter()
            .map(|d| DiagnosisSummary {
                id: d.public_id,
                created_at: db::utc(d.created_at),
                total_score: d.total_score,
                band: d.band,
                questionnaire_version: d.questionnaire_version,
            })
            .collect(),
        next_cursor,
    }))
}

/// One of the declarer's diagnoses; another declarer's is 404.
#[utoipa::path(
    tag = "diagnoses",
    security(("bearer" = [])),
    params(("diagnosis_id" = String, Path, max_length = 36, description = "The diagnosis's ID")),
    responses(
        (status = 200, description = "The diagnosis", body = DiagnosisView),
        (status = 404, description = "No such diagnosis of yours", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 403, response = crate::routes::openapi::Forbidden),
    )
)]
#[get("/diagnoses/{diagnosis_id}")]
#[tracing::instrument(skip_all)]
pub async fn get_diagnosis(
    state: web::Data<AppState>,
    Declarer(user): Declarer,
    AcceptLanguage(language): AcceptLanguage,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let public_id = path.into_inner();
    if uuid::Uuid::parse_str(&public_id).is_err() {
        return Err(not_found());
    }
    let diagnosis = state
        .db
        .read(move |conn| {
            let (_, declarer) = load_account(conn, &user.user_number)?;
            Ok::<_, ApiError>(diagnoses::owned(conn, declarer.id, &public_id)?)
        })
        .await?
        .ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(DiagnosisView::new(&diagnosis, language)?))
}
