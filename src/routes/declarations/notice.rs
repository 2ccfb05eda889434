//! The printable completion notice (自己宣言完了のお知らせ) and its public verification.

use crate::routes::paths::DeclarationIdPath;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::extract::Declarer;
use crate::db::{self, DbError, declarations, declarers};
use crate::declarations::load_owned;
use crate::domain::declaration::{Star, Status};
use crate::domain::identifiers::DeclarationId;
use crate::domain::language::Language;
use crate::domain::validation::check_max_chars;
use crate::error::ApiError;
use crate::extract::AcceptLanguage;
use crate::rendering::notice::{Notice, render_html};
use crate::rendering::notice_check::{self, Checked};
use crate::state::AppState;

/// The completion notice as data.
#[derive(Debug, Serialize, ToSchema)]
pub struct CompletionNoticeView {
    pub declaration_id: String,
    pub organization_name: String,
    pub star: Star,
    pub status: Status,
    pub declared_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub star_since: DateTime<Utc>,
    /// Printed on the notice; anyone can check it at `verification_url`.
    pub verification_code: String,
    pub verification_url: String,
    pub issued_at: DateTime<Utc>,
}

/// Whether the `Accept` header names `wanted` before `other` (or names only `wanted`).
fn prefers(req: &HttpRequest, wanted: &str, other: &str) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| match (accept.find(wanted), accept.find(other)) {
            (Some(_), None) => true,
            (Some(w), Some(o)) => w < o,
            (None, _) => false,
        })
}

/// The printable completion notice: an A4 page (`text/html`, the default) with the numbers,
/// the star, the dates, the wording rule, and a QR code of its verification URL; or the same
/// facts as JSON with `Accept: application/json`. The user number is masked on the page, which
/// is meant to be handed to others.
#[utoipa::path(
    tag = "declarations",
    security(("bearer" = [])),
    params(DeclarationIdPath),
    responses(
        (status = 200, description = "The notice", body = CompletionNoticeView,
         content((String = "text/html"), (CompletionNoticeView = "application/json"))),
        (status = 404, description = "No such declaration of yours", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 403, response = crate::routes::openapi::Forbidden),
    )
)]
#[get("/declarations/{declaration_id}/completion-notice")]
#[tracing::instrument(skip_all)]
pub async fn completion_notice(
    req: HttpRequest,
    state: web::Data<AppState>,
    Declarer(user): Declarer,
    DeclarationIdPath(id): DeclarationIdPath,
) -> Result<HttpResponse, ApiError> {
    let user_number = user.user_number;
    let (declarer, declaration) = state
        .db
        .read(move |conn| {
            let (_, declarer, declaration) = load_owned(conn, &user.user_number, &id)?;
            Ok::<_, ApiError>((declarer, declaration))
        })
        .await?;
    let id = DeclarationId::stored(&declaration.public_id)
        .map_err(|e| ApiError::internal(anyhow::anyhow!("stored ID: {e}")))?;
    let code = state.tokens.notice_code(&id);
    let view = CompletionNoticeView {
        declaration_id: declaration.public_id.clone(),
        organization_name: declarer.organization_name.clone(),
        star: declaration.star_level,
        status: declaration.status,
        declared_at: db::utc(declaration.declared_at),
        accepted_at: declaration.accepted_at.map(db::utc),
        star_since: db::utc(declaration.star_since),
        verification_url: format!("{}/v1/notice-verifications/{code}", state.base_url()),
        verification_code: code,
        issued_at: Utc::now(),
    };
    if prefers(&req, "application/json", "text/html") {
        return Ok(HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(view));
    }
    let html = render_html(&Notice {
        organization_name: &view.organization_name,
        user_number: user_number.as_str(),
        declaration_id: &view.declaration_id,
        star: view.star,
        status: view.status,
        declared_at: view.declared_at,
        accepted_at: view.accepted_at,
        star_since: view.star_since,
        verification_code: &view.verification_code,
        verification_url: &view.verification_url,
        issued_at: view.issued_at,
    });
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
        ))
        .body(html))
}

/// The answer to a notice check.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "genuine": true, "declaration_id": "407731820954", "organization_name": "株式会社サンプル",
    "star": "two_star", "status": "accepted", "valid": true,
    "declared_at": "2026-11-22T03:04:05Z", "accepted_at": "2026-11-25T01:00:00Z", "star_since": "2026-11-22T03:04:05Z"
}))]
pub struct NoticeVerification {
    /// Whether the code was issued by this service. False for a forged or mistyped code, and
    /// then nothing else is said.
    pub genuine: bool,
    pub declaration_id: Option<String>,
    pub organization_name: Option<String>,
    pub star: Option<Star>,
    /// The declaration's state now, which may differ from the printed one.
    pub status: Option<Status>,
    /// Whether the declaration is valid now (declared or accepted).
    pub valid: Option<bool>,
    pub declared_at: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub star_since: Option<DateTime<Utc>>,
}

/// Checks the verification code printed on a completion notice: whether the notice is
/// genuine, and what the declaration's state is **now** (a withdrawn declaration's notice
/// says so). Public; no contact data or user numbers are answered.
#[utoipa::path(
    tag = "verification",
    params(("code" = String, Path, max_length = 64, description = "The verification code (確認コード) printed on the notice, e.g. `407731820954-K3J5-Q2M4-N8P6-R7T1`. Case, spaces and hyphens do not matter, and O, I and L are read as 0, 1 and 1; codes of the earlier spelling (`407731820954-K3J5Q2M4N8P6R7T1`) stay valid.")),
    responses(
        (status = 200, description = "Genuine or not, and the state now: JSON, or a page for a person (Japanese or English by `Accept-Language`) when the client asks for `text/html`, as a phone that scans the notice's QR code does", body = NoticeVerification,
         content((NoticeVerification = "application/json"), (String = "text/html"))),
        (status = 429, response = crate::routes::openapi::TooManyRequests),
    )
)]
#[get("/notice-verifications/{code}")]
#[tracing::instrument(skip_all)]
pub async fn verify_notice(
    req: HttpRequest,
    state: web::Data<AppState>,
    AcceptLanguage(language): AcceptLanguage,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    crate::routes::common::limit_address(&req, &state)?;
    check_max_chars("code", &path, 64).map_err(ApiError::invalid_field)?;
    let not_genuine = NoticeVerification {
        genuine: false,
        declaration_id: None,
        organization_name: None,
        star: None,
        status: None,
        valid: None,
        declared_at: None,
        accepted_at: None,
        star_since: None,
    };
    let Some(id) = state.tokens.check_notice_code(&path) else {
        return Ok(answer_check(&req, &not_genuine, language));
    };
    let found = state
        .db
        .read(move |conn| {
            let Some(declaration) = declarations::by_public_id(conn, id.as_str())? else {
                return Ok::<_, DbError>(None);
            };
            let declarer = declarers::by_id(conn, declaration.declarer_id)?;
            Ok(Some((declarer, declaration)))
        })
        .await?;
    let Some((declarer, declaration)) = found else {
        return Ok(answer_check(&req, &not_genuine, language));
    };
    let status = declaration.status;
    let checked = NoticeVerification {
        genuine: true,
        declaration_id: Some(declaration.public_id.clone()),
        organization_name: Some(declarer.organization_name),
        star: Some(declaration.star_level),
        status: Some(status),
        valid: Some(status.is_live()),
        declared_at: Some(db::utc(declaration.declared_at)),
        accepted_at: declaration.accepted_at.map(db::utc),
        star_since: Some(db::utc(declaration.star_since)),
    };
    Ok(answer_check(&req, &checked, language))
}

/// The check as JSON, or as a page when a browser asks.
fn answer_check(req: &HttpRequest, check: &NoticeVerification, language: Language) -> HttpResponse {
    if !prefers(req, "text/html", "application/json") {
        return HttpResponse::Ok()
            .insert_header((header::VARY, "Accept"))
            .json(check);
    }
    let found = match (
        &check.declaration_id,
        &check.organization_name,
        check.star,
        check.status,
        check.declared_at,
    ) {
        (
            Some(declaration_id),
            Some(organization_name),
            Some(star),
            Some(status),
            Some(declared_at),
        ) if check.genuine => Some(Checked {
            declaration_id,
            organization_name,
            star,
            status,
            declared_at,
            accepted_at: check.accepted_at,
        }),
        _ => None,
    };
    let html = notice_check::page(found.as_ref(), language, &crate::texts::current());
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::VARY, "Accept, Accept-Language"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        ))
        .body(html)
}
