//! `POST /v1/auth/login`.

use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{TokenResponse, hashing_error, invalid_credentials, issue_tokens, too_many_attempts};
use crate::auth::client_address;
use crate::auth::throttle::{self, LOGIN_PER_ADDRESS, LOGIN_PER_USER};
use crate::auth::tokens::Role;
use crate::db::{self, DbError, accounts, audit};
use crate::domain::password::MAX_PASSWORD_CHARS;
use crate::error::ApiError;
use crate::extract::Json;
use crate::routes::common;
use crate::state::AppState;

/// A login.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"user_number": "318204957365", "password": "a long passphrase of the declarer"}))]
pub struct LoginInput {
    /// 利用者番号, 12 digits.
    #[schema(max_length = 12)]
    pub user_number: String,
    #[schema(format = Password, max_length = 128)]
    pub password: String,
}

/// Logs in with the user number (利用者番号) and password: a 15-minute access token and a
/// refresh token. Failures are counted per user number and per client address; too many
/// answer 429 with `Retry-After`. An unknown user number takes as long as a wrong password.
#[utoipa::path(
    tag = "auth",
    request_body = LoginInput,
    responses(
        (status = 200, description = "Logged in", body = TokenResponse),
        (status = 401, description = "Wrong user number or password", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed logins for this user number or address, or too many requests from this address; retry after `Retry-After` seconds", body = crate::error::ProblemDetails, content_type = "application/problem+json",
         headers(("Retry-After" = String, description = "Seconds to wait before retrying"))),
        (status = 503, description = "Password hashing is saturated; retry after `Retry-After` seconds", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
    )
)]
#[post("/auth/login")]
#[tracing::instrument(skip_all)]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    Json(input): Json<LoginInput>,
) -> Result<HttpResponse, ApiError> {
    common::limit_address(&req, &state)?;
    // Longer than any account's: refused before anything is counted or hashed.
    common::check_lengths(&[
        ("user_number", Some(&input.user_number), 12),
        ("password", Some(&input.password), MAX_PASSWORD_CHARS),
    ])?;
    // Refused before any database work when no hash could be computed anyway.
    if state.hashing.is_saturated() {
        return Err(hashing_error(crate::auth::hashing::HashingError::Busy));
    }
    let address = client_address::of_request(&req, &state.config.trusted_proxies)
        .map_or_else(|| "unknown".to_owned(), |a| a.to_string());
    let user_number: String = input.user_number.chars().take(32).collect();
    let user_key = format!("login:user:{user_number}");
    let address_key = format!("login:address:{address}");

    let (keys, lookup) = (
        vec![user_key.clone(), address_key.clone()],
        user_number.clone(),
    );
    let (blocked, account) = state
        .db
        .read(move |conn| {
            let now = db::now();
            let mut blocked = None;
            for key in &keys {
                blocked = blocked.max(throttle::check(conn, key, now)?);
            }
            let account = accounts::by_user_number(conn, &lookup)?;
            Ok::<_, DbError>((blocked, account))
        })
        .await?;
    if let Some(seconds) = blocked {
        return Err(too_many_attempts(seconds));
    }
    let account = account.filter(|a| a.disabled_at.is_none());
    let hash = account.as_ref().map(|a| a.password_hash.clone());
    let matches = state
        .hashing
        .verify(input.password, hash)
        .await
        .map_err(hashing_error)?;
    let actor = common::actor(&req, &state, "public", Some(user_number.clone()));

    let Some(account) = account.filter(|_| matches) else {
        let failed_actor = actor.clone();
        let now_blocked = state
            .db
            .write(move |conn| {
                let now = db::now();
                throttle::record_failure(conn, &user_key, LOGIN_PER_USER, now)?;
                throttle::record_failure(conn, &address_key, LOGIN_PER_ADDRESS, now)?;
                audit::record(
                    conn,
                    &failed_actor,
                    "auth.login_failed",
                    "account",
                    Some(&user_number),
                    None,
                    None,
                    now,
                )?;
                let blocked = throttle::check(conn, &user_key, now)?.max(throttle::check(
                    conn,
                    &address_key,
                    now,
                )?);
                Ok::<_, DbError>(blocked)
            })
            .await?;
        if let Some(seconds) = now_blocked {
            tracing::warn!(%address, "login attempts blocked");
            return Err(too_many_attempts(seconds));
        }
        return Err(invalid_credentials());
    };

    let role = Role::from_code(&account.role)
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("unknown role")))?;
    let state_for_write = state.clone();
    let tokens = state
        .db
        .write(move |conn| {
            throttle::clear(conn, &user_key)?;
            let tokens = issue_tokens(
                conn,
                &state_for_write,
                account.id,
                &account.user_number,
                role,
                None,
            )?;
            audit::record(
                conn,
                &actor,
                "auth.login",
                "account",
                Some(&account.user_number),
                None,
                None,
                db::now(),
            )?;
            Ok::<_, ApiError>(tokens)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(tokens))
}
