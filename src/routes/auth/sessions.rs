//! `POST /v1/auth/refresh` and `POST /v1/auth/logout`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{TokenResponse, issue_tokens};
use crate::auth::extract::User;
use crate::auth::tokens::{Role, token_digest};
use crate::db::{self, DbError, accounts, audit, tokens};
use crate::error::{ApiError, Message};
use crate::extract::Json;
use crate::routes::common;
use crate::state::AppState;

/// A refresh token to rotate.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshInput {
    #[schema(max_length = 64)]
    pub refresh_token: String,
}

fn invalid_refresh() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_refresh_token",
        Message::new(
            "リフレッシュトークンが無効です。再度ログインしてください",
            "The refresh token is not valid; log in again.",
        ),
    )
}

/// Renews a session: a new access token and a new refresh token; the old refresh token stops
/// working. Presenting a refresh token that was already rotated is taken as theft: the whole
/// session is revoked.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshInput,
    responses(
        (status = 200, description = "New tokens", body = TokenResponse),
        (status = 401, description = "Unknown, expired, revoked or reused refresh token", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
    )
)]
#[post("/auth/refresh")]
#[tracing::instrument(skip_all)]
pub async fn refresh(
    req: HttpRequest,
    state: web::Data<AppState>,
    Json(input): Json<RefreshInput>,
) -> Result<HttpResponse, ApiError> {
    common::check_lengths(&[("refresh_token", Some(&input.refresh_token), 64)])?;
    let digest = token_digest(&input.refresh_token);
    let actor = common::actor(&req, &state, "public", None);
    let state_for_write = state.clone();
    let outcome = state
        .db
        .write(move |conn| {
            let now = db::now();
            let Some(token) = tokens::refresh_by_hash(conn, &digest)? else {
                return Ok(Err(invalid_refresh()));
            };
            let account = accounts::by_id(conn, token.account_id)?;
            let reused = token.rotated_at.is_some() || (token.revoked_at.is_none() && !tokens::mark_rotated(conn, token.id, now)?);
            if reused {
                // Committed although the answer is an error: the session stays revoked.
                tokens::revoke_family(conn, &token.family_id, now)?;
                audit::record(conn, &actor, "auth.refresh_token_reused", "account", Some(&account.user_number), None, None, now)
                    ?;
                tracing::warn!(user_number = %account.user_number, "a rotated refresh token was presented again; session revoked");
                state_for_write.sessions.end(&token.family_id);
                return Ok(Err(invalid_refresh()));
            }
            if token.revoked_at.is_some() || token.expires_at <= now || account.disabled_at.is_some() {
                return Ok(Err(invalid_refresh()));
            }
            let role = Role::from_code(&account.role).ok_or_else(|| ApiError::internal(anyhow::anyhow!("unknown role")))?;
            let tokens = issue_tokens(conn, &state_for_write, account.id, &account.user_number, role, Some(&token.family_id))?;
            Ok::<_, ApiError>(Ok(tokens))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(outcome?))
}

/// Logs out: the session ends, and with it its refresh token and every access token it
/// issued, at once.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses((status = 204, description = "Logged out"))
)]
#[post("/auth/logout")]
#[tracing::instrument(skip_all)]
pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: User,
) -> Result<HttpResponse, ApiError> {
    let actor = common::actor(
        &req,
        &state,
        user.role.code(),
        Some(user.user_number.to_string()),
    );
    let session = user.session.clone();
    state
        .db
        .write(move |conn| {
            let now = db::now();
            tokens::revoke_family(conn, &user.session, now)?;
            audit::record(
                conn,
                &actor,
                "auth.logout",
                "account",
                Some(user.user_number.as_str()),
                None,
                None,
                now,
            )?;
            Ok::<_, DbError>(())
        })
        .await?;
    state.sessions.end(&session);
    Ok(HttpResponse::NoContent().finish())
}
