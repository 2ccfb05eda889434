//! The secretariat's view of declarations: the filtered list, acceptance, revocation,
//! reinstatement.

use crate::routes::paths::DeclarationIdPath;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{prefecture_filter, star_filter, status_filter};
use crate::auth::extract::Operator;
use crate::db::{self, DbError, accounts, search};
use crate::declarations::{self, Context, Decision};
use crate::domain::codes::PrefectureCode;
use crate::domain::corporate_number::CorporateNumber;
use crate::domain::declaration::{RevocationReason, Star, Status};
use crate::domain::identifiers::DeclarationId;
use crate::domain::name::search_key;
use crate::domain::validation::check_max_chars;
use crate::error::ApiError;
use crate::extract::{Json, Query};
use crate::routes::common;
use crate::routes::declarations::read::{DeclarationView, etag, respond};
use crate::state::AppState;

/// Filters of the secretariat's list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AdminDeclarationQuery {
    /// `declared`, `accepted`, `withdrawn` or `revoked`.
    #[param(value_type = Option<Status>, inline)]
    pub status: Option<String>,
    /// `one_star` or `two_star`.
    #[param(value_type = Option<Star>, inline)]
    pub star: Option<String>,
    /// Prefecture code `01`–`47`.
    #[param(value_type = Option<PrefectureCode>, inline)]
    pub prefecture: Option<String>,
    /// Text: part of an organisation name (insensitive to width, kana, spaces and legal
    /// forms), a declaration ID, or a corporate number; at most 200 characters.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// The `next_cursor` of the previous page (opaque, at most 64 characters).
    #[param(max_length = 64)]
    pub cursor: Option<String>,
    /// Items per page: 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// A declaration in the secretariat's list.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminDeclarationItem {
    pub declaration_id: String,
    pub organization_name: String,
    pub corporate_number: Option<String>,
    pub prefecture: String,
    pub star: Star,
    pub status: Status,
    pub declared_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub contact_email: String,
}

/// A page of the secretariat's list.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminDeclarationPage {
    pub items: Vec<AdminDeclarationItem>,
    pub next_cursor: Option<String>,
}

/// Declarations, newest first, filtered by status, star, prefecture and text.
#[utoipa::path(
    tag = "secretariat",
    security(("bearer" = [])),
    params(AdminDeclarationQuery),
    responses(
        (status = 200, description = "A page of declarations", body = AdminDeclarationPage),
        (status = 403, response = crate::routes::openapi::Forbidden),
    )
)]
#[get("/admin/declarations")]
#[tracing::instrument(skip_all)]
pub async fn list_declarations(
    state: web::Data<AppState>,
    _operator: Operator,
    Query(query): Query<AdminDeclarationQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = common::page_limit(query.limit)?;
    let before = common::decode_cursor(query.cursor.as_deref())?.unwrap_or(i64::MAX);
    let statuses = status_filter(query.status.as_deref(), &Status::ALL)?;
    let stars = star_filter(query.star.as_deref())?;
    let prefectures = prefecture_filter(query.prefecture.as_deref())?;
    if let Some(q) = &query.q {
        check_max_chars("q", q, 200).map_err(ApiError::invalid_field)?;
    }
    let text = query.q.unwrap_or_default().trim().to_owned();
    let rows = state
        .db
        .read(move |conn| {
            let mut filter = search::Filter {
                statuses: &statuses,
                stars: &stars,
                prefectures: &prefectures,
                name: "",
                before,
                limit: limit + 1,
            };
            if DeclarationId::stored(&text).is_ok() {
                return Ok::<_, DbError>(search::by_public_id(conn, &text)?);
            }
            if CorporateNumber::parse(&text).is_ok() {
                return Ok(search::by_corporate_number(conn, &text, &filter)?);
            }
            let key = search_key(&text);
            filter.name = &key;
            Ok(search::page(conn, &filter)?)
        })
        .await?;
    let (rows, next_cursor) = common::paginate(rows, limit, |(d, _)| d.id);
    Ok(HttpResponse::Ok().json(AdminDeclarationPage {
        items: rows
            .into_iter()
            .map(|(d, r)| AdminDeclarationItem {
                declaration_id: d.public_id,
                organization_name: r.organization_name,
                corporate_number: d.corporate_number,
                prefecture: r.prefecture,
                star: d.star_level,
                status: d.status,
                declared_at: db::utc(d.declared_at),
                accepted_at: d.accepted_at.map(db::utc),
                contact_email: r.contact_email,
            })
            .collect(),
        next_cursor,
    }))
}

async fn decide(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    operator: Operator,
    id: DeclarationId,
    decision: Decision,
) -> Result<HttpResponse, ApiError> {
    let actor = common::actor(
        req,
        state,
        "secretariat",
        Some(operator.0.user_number.to_string()),
    );
    let base = state.base_url();
    let (view, tag) = state
        .db
        .write(move |conn| {
            let account = accounts::by_user_number(conn, operator.0.user_number.as_str())?;
            let ctx = Context {
                actor: &actor,
                account_id: account.map(|a| a.id),
                base_url: &base,
            };
            let changed = declarations::decide(conn, &ctx, &id, &decision)?;
            Ok::<_, ApiError>((
                DeclarationView::load(conn, &changed.declarer, &changed.declaration)?,
                etag(&changed.declarer, &changed.declaration),
            ))
        })
        .await?;
    state.mail_wakeup.notify_one();
    state.changes.poke();
    Ok(respond(&view, &tag))
}

/// Accepts a declaration (申込み受理): logo downloads open, and 「申込み受理のご連絡」 goes out.
#[utoipa::path(
    tag = "secretariat",
    security(("bearer" = [])),
    params(DeclarationIdPath),
    responses(
        (status = 200, description = "Accepted", body = DeclarationView),
        (status = 404, description = "No such declaration", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "Not in a state that can be accepted", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 403, response = crate::routes::openapi::Forbidden),
    )
)]
#[post("/admin/declarations/{declaration_id}/acceptance")]
#[tracing::instrument(skip_all)]
pub async fn accept(
    req: HttpRequest,
    state: web::Data<AppState>,
    operator: Operator,
    DeclarationIdPath(id): DeclarationIdPath,
) -> Result<HttpResponse, ApiError> {
    decide(&req, &state, operator, id, Decision::Accept).await
}

/// A revocation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "misleading_claims", "note": "ウェブサイトで「認定を受けました」と表示"}))]
pub struct RevocationInput {
    pub reason: RevocationReason,
    /// Up to 1,000 characters; quoted in the e-mail to the declarer.
    #[serde(default)]
    #[schema(value_type = Option<crate::routes::schema::OptionalText1000>, inline)]
    pub note: Option<String>,
}

/// Revokes a declaration (取消し) with a reason: it stops being valid, its logo access ends at
/// once, and the declarer is told.
#[utoipa::path(
    tag = "secretariat",
    security(("bearer" = [])),
    params(DeclarationIdPath),
    request_body = RevocationInput,
    responses(
        (status = 200, description = "Revoked", body = DeclarationView),
        (status = 404, description = "No such declaration", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "Already withdrawn or revoked", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 403, response = crate::routes::openapi::Forbidden),
    )
)]
#[post("/admin/declarations/{declaration_id}/revocation")]
#[tracing::instrument(skip_all)]
pub async fn revoke(
    req: HttpRequest,
    state: web::Data<AppState>,
    operator: Operator,
    DeclarationIdPath(id): DeclarationIdPath,
    Json(input): Json<RevocationInput>,
) -> Result<HttpResponse, ApiError> {
    let decision = Decision::Revoke {
        reason: input.reason,
        note: input.note,
    };
    decide(&req, &state, operator, id, decision).await
}

/// A reinstatement.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReinstatementInput {
    /// Up to 1,000 characters; kept in the declaration's history.
    #[serde(default)]
    #[schema(value_type = Option<crate::routes::schema::OptionalText1000>, inline)]
    pub note: Option<String>,
}

/// Reinstates a revoked declaration (取消しの解除): accepted again, unless another live
/// declaration has taken its corporate number meanwhile (409).
#[utoipa::path(
    tag = "secretariat",
    security(("bearer" = [])),
    params(DeclarationIdPath),
    request_body = ReinstatementInput,
    responses(
        (status = 200, description = "Reinstated", body = DeclarationView),
        (status = 404, description = "No such declaration", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "Not revoked, or its corporate number is taken", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 403, response = crate::routes::openapi::Forbidden),
    )
)]
#[post("/admin/declarations/{declaration_id}/reinstatement")]
#[tracing::instrument(skip_all)]
pub async fn reinstate(
    req: HttpRequest,
    state: web::Data<AppState>,
    operator: Operator,
    DeclarationIdPath(id): DeclarationIdPath,
    Json(input): Json<ReinstatementInput>,
) -> Result<HttpResponse, ApiError> {
    let decision = Decision::Reinstate { note: input.note };
    decide(&req, &state, operator, id, decision).await
}
