//! Logging in and out, refreshing sessions, and passwords: `/v1/auth/*`.

pub mod login;
pub mod oidc;
pub mod password;
pub mod sessions;

use actix_web::http::StatusCode;
use chrono::{Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::hashing::HashingError;
use crate::auth::tokens::{self, ACCESS_TOKEN_SECONDS, Role};
use crate::db::{self, DbConnection};
use crate::error::{ApiError, Message};
use crate::state::AppState;

/// A new access token and the refresh token that renews it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "access_token": "eyJhbGciOiJIUzI1NiJ9…", "token_type": "Bearer", "expires_in": 900,
    "refresh_token": "q1Z8mD0sYkS5…"
}))]
pub struct TokenResponse {
    /// A JWT for `Authorization: Bearer …`, valid 15 minutes.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds the access token stays valid.
    pub expires_in: i64,
    /// Renews the session at `POST /v1/auth/refresh`; rotated on every use.
    pub refresh_token: String,
}

/// The answer when the hashing pool is saturated or failed.
pub fn hashing_error(error: HashingError) -> ApiError {
    match error {
        HashingError::Busy => ApiError::unavailable(
            "busy",
            Message::new(
                "ただいま混み合っています。少し待ってから再度お試しください",
                "The service is busy; retry after the time in Retry-After.",
            ),
            1,
        ),
        other => ApiError::internal(other),
    }
}

/// 401 for a user number and password that do not match (never saying which part is wrong).
pub fn invalid_credentials() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        Message::new(
            "利用者番号またはパスワードが正しくありません",
            "The user number or the password is not correct.",
        ),
    )
}

/// 429 with `Retry-After`.
pub fn too_many_attempts(seconds: i64) -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
        Message::new(
            format!("失敗が続いたため一時的にロックしています。{seconds}秒後に再度お試しください"),
            format!("Too many failed attempts; try again in {seconds} seconds."),
        ),
    )
    .with_header(actix_web::http::header::RETRY_AFTER, seconds.to_string())
}

/// Starts a new session (a refresh-token family) or continues one, returning the tokens.
pub fn issue_tokens(
    conn: &mut DbConnection,
    state: &AppState,
    account_id: i64,
    user_number: &str,
    role: Role,
    family: Option<&str>,
) -> Result<TokenResponse, ApiError> {
    let now = db::now();
    let family = family.map_or_else(|| uuid::Uuid::new_v4().simple().to_string(), str::to_owned);
    let refresh_token = tokens::new_opaque_token();
    crate::db::tokens::insert_refresh(
        conn,
        account_id,
        &family,
        &tokens::token_digest(&refresh_token),
        now,
        now + Duration::days(i64::from(state.config.refresh_token_days)),
    )?;
    let access_token = state
        .tokens
        .issue_user_token(user_number, role, &family, Utc::now())
        .map_err(ApiError::internal)?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer".into(),
        expires_in: ACCESS_TOKEN_SECONDS,
        refresh_token,
    })
}
