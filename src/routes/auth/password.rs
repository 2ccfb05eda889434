//! Passwords: change, reset by e-mail, and the user-number reminder.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::Duration;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{hashing_error, invalid_credentials, too_many_attempts};
use crate::auth::extract::User;
use crate::auth::throttle::{self, LOGIN_PER_USER};
use crate::auth::tokens::{new_opaque_token, token_digest};
use crate::db::{self, DbError, accounts, audit, declarers, tokens};
use crate::domain::organization::MAX_EMAIL_BYTES;
use crate::domain::password::{MAX_PASSWORD_CHARS, check_password};
use crate::error::{ApiError, Message};
use crate::extract::Json;
use crate::mail::{self, templates};
use crate::routes::common;
use crate::state::AppState;

/// A password change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChangeInput {
    #[schema(format = Password, max_length = 128)]
    pub current_password: String,
    /// 12–128 characters, neither one character repeated, nor a common password, nor
    /// containing the user number.
    #[schema(value_type = crate::routes::schema::NewPassword, inline)]
    pub new_password: String,
}

/// Changes the password (the current one is required). Every other session is logged out.
/// A wrong current password counts as a failed login for the user number; while login is
/// locked, so is this (429 with `Retry-After`).
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    request_body = PasswordChangeInput,
    responses(
        (status = 204, description = "Changed"),
        (status = 401, description = "No valid access token, or the current password is wrong", body = crate::error::ProblemDetails, content_type = "application/problem+json",
         headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 429, description = "Too many wrong passwords for this user number, at login or here; retry after `Retry-After` seconds", body = crate::error::ProblemDetails, content_type = "application/problem+json",
         headers(("Retry-After" = String, description = "Seconds to wait before retrying"))),
        (status = 503, response = crate::routes::openapi::ServiceUnavailable),
    )
)]
#[post("/auth/password")]
#[tracing::instrument(skip_all)]
pub async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: User,
    Json(input): Json<PasswordChangeInput>,
) -> Result<HttpResponse, ApiError> {
    common::check_lengths(&[(
        "current_password",
        Some(&input.current_password),
        MAX_PASSWORD_CHARS,
    )])?;
    check_password(
        "new_password",
        &input.new_password,
        Some(user.user_number.as_str()),
    )
    .map_err(ApiError::invalid_field)?;
    let number = user.user_number.to_string();
    // The current password is guessed against the login's own counter: a session cannot be
    // used to try passwords beyond the login's limit, nor to get around its lock.
    let user_key = format!("login:user:{}", user.user_number);
    let key = user_key.clone();
    let (blocked, account) = state
        .db
        .read(move |conn| {
            let blocked = throttle::check(conn, &key, db::now())?;
            Ok::<_, DbError>((blocked, accounts::by_user_number(conn, &number)?))
        })
        .await?;
    if let Some(seconds) = blocked {
        return Err(too_many_attempts(seconds));
    }
    let account = account.ok_or_else(invalid_credentials)?;
    let matches = state
        .hashing
        .verify(input.current_password, Some(account.password_hash.clone()))
        .await
        .map_err(hashing_error)?;
    if !matches {
        let now_blocked = state
            .db
            .write(move |conn| {
                let now = db::now();
                throttle::record_failure(conn, &user_key, LOGIN_PER_USER, now)?;
                throttle::check(conn, &user_key, now)
            })
            .await?;
        if let Some(seconds) = now_blocked {
            return Err(too_many_attempts(seconds));
        }
        return Err(invalid_credentials());
    }
    let hash = state
        .hashing
        .hash(input.new_password)
        .await
        .map_err(hashing_error)?;
    let actor = common::actor(
        &req,
        &state,
        user.role.code(),
        Some(user.user_number.to_string()),
    );
    state
        .db
        .write(move |conn| {
            let now = db::now();
            accounts::set_password(conn, account.id, &hash, now)?;
            tokens::revoke_account(conn, account.id, Some(&user.session), now)?;
            audit::record(
                conn,
                &actor,
                "auth.password_changed",
                "account",
                Some(&account.user_number),
                None,
                None,
                now,
            )?;
            Ok::<_, DbError>(())
        })
        .await?;
    state.sessions.forget_live();
    Ok(HttpResponse::NoContent().finish())
}

/// A request for a password-reset e-mail.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequestInput {
    /// 利用者番号, 12 digits.
    #[schema(max_length = 12)]
    pub user_number: String,
}

/// E-mails a password-reset link to the contact person of the account. Always 202, whether
/// or not the account exists; at most one e-mail a minute per account.
#[utoipa::path(
    tag = "auth",
    request_body = PasswordResetRequestInput,
    responses((status = 202, description = "If the account exists, the e-mail is on its way"))
)]
#[post("/auth/password-reset-requests")]
#[tracing::instrument(skip_all)]
pub async fn request_password_reset(
    req: HttpRequest,
    state: web::Data<AppState>,
    Json(input): Json<PasswordResetRequestInput>,
) -> Result<HttpResponse, ApiError> {
    common::check_lengths(&[("user_number", Some(&input.user_number), 12)])?;
    let actor = common::actor(
        &req,
        &state,
        "public",
        Some(input.user_number.chars().take(32).collect()),
    );
    let state_for_write = state.clone();
    state
        .db
        .write(move |conn| {
            let now = db::now();
            let Some(account) = accounts::by_user_number(conn, &input.user_number)? else {
                return Ok(());
            };
            let Some(declarer) = declarers::by_account(conn, account.id)? else {
                return Ok(());
            };
            let recent = tokens::latest_one_time(conn, "password_reset", account.id)?
                .is_some_and(|at| now - at < Duration::minutes(1));
            if recent || account.disabled_at.is_some() {
                return Ok(());
            }
            let token = new_opaque_token();
            let expires_at =
                now + Duration::minutes(i64::from(state_for_write.config.password_reset_minutes));
            tokens::insert_one_time(
                conn,
                "password_reset",
                &token_digest(&token),
                account.id,
                None,
                None,
                now,
                expires_at,
            )?;
            let email = templates::password_reset(
                &mail::recipient(&declarer),
                // A page of the declarer's site: the token travels in the fragment, which
                // browsers do not send to servers, and the page posts it to the API.
                &crate::texts::current().page(&format!("/password-reset#token={token}")),
                db::utc(expires_at),
            );
            mail::enqueue(conn, &email, None, now)?;
            audit::record(
                conn,
                &actor,
                "auth.password_reset_requested",
                "account",
                Some(&account.user_number),
                None,
                None,
                now,
            )?;
            Ok::<_, DbError>(())
        })
        .await?;
    state.mail_wakeup.notify_one();
    Ok(HttpResponse::Accepted().finish())
}

/// A new password set with a reset token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetInput {
    /// The token from the reset e-mail.
    #[schema(max_length = 64)]
    pub token: String,
    /// 12–128 characters, neither one character repeated, nor a common password, nor
    /// containing the user number.
    #[schema(value_type = crate::routes::schema::NewPassword, inline)]
    pub new_password: String,
}

fn invalid_reset_token() -> ApiError {
    ApiError::new(
        StatusCode::GONE,
        "invalid_reset_token",
        Message::new(
            "このパスワード再設定用リンクは無効か、使用済みか、有効期限が切れています。もう一度パスワードの再設定をお申出ください",
            "This reset link is invalid, used or expired; ask for a new one.",
        ),
    )
}

/// Sets a new password with the token from a reset e-mail (single use, expiring). Every
/// session of the account is logged out.
#[utoipa::path(
    tag = "auth",
    request_body = PasswordResetInput,
    responses(
        (status = 204, description = "The password is set"),
        (status = 410, description = "The token is unknown, used or expired", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 503, response = crate::routes::openapi::ServiceUnavailable),
    )
)]
#[post("/auth/password-resets")]
#[tracing::instrument(skip_all)]
pub async fn reset_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    Json(input): Json<PasswordResetInput>,
) -> Result<HttpResponse, ApiError> {
    // The rules that need no account first, so that a bad password is a 422 whatever the token.
    common::check_lengths(&[("token", Some(&input.token), 64)])?;
    check_password("new_password", &input.new_password, None).map_err(ApiError::invalid_field)?;
    let digest = token_digest(&input.token);
    let token = state
        .db
        .read(move |conn| {
            Ok::<_, DbError>(tokens::one_time_by_hash(conn, "password_reset", &digest)?)
        })
        .await?
        .filter(|t| t.used_at.is_none() && t.expires_at > db::now())
        .ok_or_else(invalid_reset_token)?;
    let account_id = token.account_id;
    let account = state
        .db
        .read(move |conn| Ok::<_, DbError>(accounts::by_id(conn, account_id)?))
        .await?;
    check_password(
        "new_password",
        &input.new_password,
        Some(&account.user_number),
    )
    .map_err(ApiError::invalid_field)?;
    let hash = state
        .hashing
        .hash(input.new_password)
        .await
        .map_err(hashing_error)?;
    let actor = common::actor(&req, &state, "public", Some(account.user_number.clone()));
    state
        .db
        .write(move |conn| {
            let now = db::now();
            if !tokens::spend_one_time(conn, token.id, now)? {
                return Err(invalid_reset_token());
            }
            accounts::set_password(conn, account.id, &hash, now)?;
            tokens::spend_all(conn, "password_reset", account.id, now)?;
            tokens::revoke_account(conn, account.id, None, now)?;
            throttle::clear(conn, &format!("login:user:{}", account.user_number))?;
            audit::record(
                conn,
                &actor,
                "auth.password_reset",
                "account",
                Some(&account.user_number),
                None,
                None,
                now,
            )?;
            Ok::<_, ApiError>(())
        })
        .await?;
    state.sessions.forget_live();
    Ok(HttpResponse::NoContent().finish())
}

/// A request for the user number.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserNumberReminderInput {
    /// The contact person's e-mail address as registered.
    #[schema(max_length = 254)]
    pub email: String,
}

/// E-mails the user number (利用者番号) to the registered contact address. Always 202, whether
/// or not the address is registered; at most one e-mail every five minutes per address.
#[utoipa::path(
    tag = "auth",
    request_body = UserNumberReminderInput,
    responses((status = 202, description = "If the address is registered, the e-mail is on its way"))
)]
#[post("/auth/user-number-reminders")]
#[tracing::instrument(skip_all)]
pub async fn remind_user_number(
    req: HttpRequest,
    state: web::Data<AppState>,
    Json(input): Json<UserNumberReminderInput>,
) -> Result<HttpResponse, ApiError> {
    common::check_lengths(&[("email", Some(&input.email), MAX_EMAIL_BYTES)])?;
    let email = input.email.trim().to_owned();
    let actor = common::actor(&req, &state, "public", None);
    let state_for_write = state.clone();
    state
        .db
        .write(move |conn| {
            let now = db::now();
            let key = format!("reminder:{}", email.to_lowercase());
            if throttle::check(conn, &key, now)?.is_some() {
                return Ok(());
            }
            let found = declarers::by_contact_email(conn, &email)?;
            if found.is_empty() {
                return Ok(());
            }
            throttle::record_failure(
                conn,
                &key,
                throttle::Limit {
                    max_failures: 1,
                    window: Duration::minutes(5),
                    block: Duration::minutes(5),
                },
                now,
            )?;
            for declarer in found {
                let account = accounts::by_id(conn, declarer.account_id)?;
                let email = templates::user_number_reminder(
                    &mail::recipient(&declarer),
                    &account.user_number,
                    &state_for_write.base_url(),
                );
                mail::enqueue(conn, &email, None, now)?;
                audit::record(
                    conn,
                    &actor,
                    "auth.user_number_reminded",
                    "account",
                    Some(&account.user_number),
                    None,
                    None,
                    now,
                )?;
            }
            Ok::<_, DbError>(())
        })
        .await?;
    state.mail_wakeup.notify_one();
    Ok(HttpResponse::Accepted().finish())
}
