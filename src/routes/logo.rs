//! Logo downloads: a single-use, expiring token for an accepted declaration, and the ZIP it
//! opens (the mark for the declared star as SVG and PNG, and the usage guidance).

use crate::routes::paths::DeclarationIdPath;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::extract::Declarer;
use crate::auth::tokens::{new_opaque_token, token_digest};
use crate::db::{self, audit, change_log, declarations, tokens};
use crate::declarations::load_owned;
use crate::domain::declaration::{Star, Status};
use crate::error::{ApiError, Message};
use crate::rendering::logo;
use crate::routes::common;
use crate::state::AppState;

const PURPOSE: &str = "logo_download";

/// A logo-download token.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "token": "Qm9vNm…", "download_url": "https://security-action.example.jp/v1/logo-downloads/Qm9vNm…",
    "expires_at": "2026-11-22T03:14:05Z", "star": "two_star"
}))]
pub struct LogoToken {
    /// 256 random bits; works once.
    pub token: String,
    pub download_url: String,
    pub expires_at: DateTime<Utc>,
    /// The mark the token downloads.
    pub star: Star,
}

/// Issues a single-use logo-download token for an accepted declaration (409 before acceptance
/// or after revocation or withdrawal). It expires after `LOGO_TOKEN_MINUTES` (10 by default).
#[utoipa::path(
    tag = "declarations",
    security(("bearer" = [])),
    params(DeclarationIdPath),
    responses(
        (status = 201, description = "The token and its download URL", body = LogoToken),
        (status = 404, description = "No such declaration of yours", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "The declaration is not accepted", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 403, response = crate::routes::openapi::Forbidden),
    )
)]
#[post("/declarations/{declaration_id}/logo-tokens")]
#[tracing::instrument(skip_all)]
pub async fn issue_logo_token(
    req: HttpRequest,
    state: web::Data<AppState>,
    Declarer(user): Declarer,
    DeclarationIdPath(id): DeclarationIdPath,
) -> Result<HttpResponse, ApiError> {
    let actor = common::actor(&req, &state, "declarer", Some(user.user_number.to_string()));
    let lifetime = Duration::minutes(i64::from(state.config.logo_token_minutes));
    let base = state.base_url();
    let issued = state
        .db
        .write(move |conn| {
            let (account, _, declaration) = load_owned(conn, &user.user_number, &id)?;
            if declaration.status != Status::Accepted {
                return Err(ApiError::conflict(
                    "not_accepted",
                    Message::new(
                        "ロゴマークは事務局による申込み受理の後にダウンロードできます",
                        "The logo can be downloaded once the secretariat has accepted the declaration.",
                    ),
                ));
            }
            let star = declaration.star_level;
            let token = new_opaque_token();
            let now = db::now();
            let expires_at = now + lifetime;
            tokens::insert_one_time(conn, PURPOSE, &token_digest(&token), account.id, Some(declaration.id), Some(star.code()), now, expires_at)
                ?;
            audit::record(conn, &actor, "logo.token_issued", "declaration", Some(&declaration.public_id), None, Some(&serde_json::json!({"star": star.code()})), now)
                ?;
            Ok::<_, ApiError>(LogoToken {
                download_url: format!("{base}/v1/logo-downloads/{token}"),
                token,
                expires_at: db::utc(expires_at),
                star,
            })
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(issued))
}

fn gone(code: &'static str, ja: &'static str, en: &'static str) -> ApiError {
    ApiError::new(StatusCode::GONE, code, Message::new(ja, en))
}

/// Downloads the logo package with a token: a ZIP with the mark for the declared star (SVG
/// and PNG) and the usage guidance in Japanese and English. The token works once; a used or
/// expired token is 410, an unknown one 404, and a declaration revoked or withdrawn since the
/// token was issued makes it stop working (410).
#[utoipa::path(
    tag = "declarations",
    params(("token" = String, Path, max_length = 43, description = "The token from `POST …/logo-tokens`")),
    responses(
        (status = 200, description = "The logo package", content_type = "application/zip", body = Vec<u8>,
         headers(("Content-Disposition" = String))),
        (status = 404, description = "No such token", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 410, description = "The token was used, has expired, or the declaration lost its logo access", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
    )
)]
#[get("/logo-downloads/{token}")]
#[tracing::instrument(skip_all)]
pub async fn download_logo(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let token = path.into_inner();
    if token.len() > 100 {
        return Err(unknown_token());
    }
    let digest = token_digest(&token);
    let actor = common::actor(&req, &state, "public", None);
    let (star, declaration_id, terms) = state
        .db
        .write(move |conn| {
            let now = db::now();
            let token = tokens::one_time_by_hash(conn, PURPOSE, &digest)?.ok_or_else(unknown_token)?;
            if token.used_at.is_some() {
                return Err(gone("token_used", "このダウンロード用トークンは使用済みです", "This download token has been used."));
            }
            if token.expires_at <= now {
                return Err(gone("token_expired", "このダウンロード用トークンは有効期限が切れています", "This download token has expired."));
            }
            let declaration = declarations::by_row_id(conn, token.declaration_id)?.ok_or_else(unknown_token)?;
            let star = declaration.star_level;
            // A revocation or withdrawal ends the tokens issued before it for good, also once
            // the declaration is reinstated.
            if declaration.status != Status::Accepted
                || token.star_level.as_deref() != Some(star.code())
                || change_log::ended_since(conn, declaration.id, token.created_at)?
            {
                return Err(gone(
                    "logo_access_revoked",
                    "この自己宣言は現在ロゴマークを使用できる状態にありません",
                    "This declaration may no longer use the mark (revoked, withdrawn or changed since the token was issued).",
                ));
            }
            if !tokens::spend_one_time(conn, token.id, now)? {
                return Err(gone("token_used", "このダウンロード用トークンは使用済みです", "This download token has been used."));
            }
            audit::record(conn, &actor, "logo.downloaded", "declaration", Some(&declaration.public_id), None, Some(&serde_json::json!({"star": star.code()})), now)
                ?;
            Ok::<_, ApiError>((star, declaration.public_id, declaration.agreed_terms_version))
        })
        .await?;
    let package = web::block(move || logo::package(star, &terms, &declaration_id))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}.zip\"", logo::package_name(star)),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(package))
}

fn unknown_token() -> ApiError {
    ApiError::not_found(Message::new(
        "このダウンロード用トークンは存在しません",
        "No such download token.",
    ))
}
