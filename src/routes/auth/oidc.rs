//! Signing in with GビズID (OpenID Connect): `GET /v1/auth/oidc/authorization`,
//! `GET /v1/auth/oidc/callback` and `POST /v1/auth/oidc/token`.
//!
//! The front end sends the person to the authorization endpoint with an allow-listed
//! `return_to`; the provider sends them back to the callback, which sends them on to
//! `return_to` with a one-time `code` (or an `error`); the front end exchanges the code for the
//! same tokens as user-number login. No token ever travels in a URL.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub mod callback;

use super::{TokenResponse, issue_tokens};
use crate::auth::oidc::RelyingParty;
use crate::auth::oidc::linking::Refusal;
use crate::auth::tokens::{Role, new_opaque_token, token_digest};
use crate::db::{self, DbError, accounts, audit, oidc};
use crate::error::{ApiError, Message};
use crate::extract::{Json, Query};
use crate::routes::common;
use crate::state::AppState;

/// Why a sign-in ended without a code, as sent to `return_to` in `?error=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignInError {
    /// No live declaration has the corporation's 法人番号: offer to apply.
    NoDeclaration,
    /// The GビズID account is of a kind the scheme refuses (GビズID エントリー).
    AccountKindRefused,
    /// The GビズID account carries no corporate number (a sole proprietor's, for instance).
    CorporateNumberMissing,
    /// The linked declaration was withdrawn or revoked.
    DeclarationNotLive,
    /// The linked account is disabled.
    AccountDisabled,
    /// The person cancelled at the provider.
    SignInCancelled,
    /// The sign-in took longer than allowed: start again.
    SignInExpired,
    /// The provider's answer could not be used: start again, or sign in with the user number.
    SignInFailed,
}

impl SignInError {
    /// The code sent in `?error=` (the schema's name of the value).
    pub fn code(self) -> &'static str {
        match self {
            SignInError::NoDeclaration => "no_declaration",
            SignInError::AccountKindRefused => "account_kind_refused",
            SignInError::CorporateNumberMissing => "corporate_number_missing",
            SignInError::DeclarationNotLive => "declaration_not_live",
            SignInError::AccountDisabled => "account_disabled",
            SignInError::SignInCancelled => "sign_in_cancelled",
            SignInError::SignInExpired => "sign_in_expired",
            SignInError::SignInFailed => "sign_in_failed",
        }
    }
}

impl From<Refusal> for SignInError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::AccountKindRefused => SignInError::AccountKindRefused,
            Refusal::CorporateNumberMissing => SignInError::CorporateNumberMissing,
            Refusal::NoDeclaration => SignInError::NoDeclaration,
            Refusal::DeclarationNotLive => SignInError::DeclarationNotLive,
            Refusal::AccountDisabled => SignInError::AccountDisabled,
        }
    }
}

fn not_configured() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "oidc_not_configured",
        Message::new(
            "GビズIDによるログインは、このサービスでは設定されていません",
            "Signing in with GビズID is not configured on this service.",
        ),
    )
}

fn provider_unavailable() -> ApiError {
    ApiError::unavailable(
        "oidc_provider_unavailable",
        Message::new(
            "GビズIDに接続できません。しばらくしてから再度お試しください",
            "GビズID cannot be reached; retry after the time in Retry-After.",
        ),
        30,
    )
}

pub(super) fn invalid_state() -> ApiError {
    ApiError::bad_request(
        "invalid_state",
        Message::new(
            "このログインの手続きは無効か、すでに使われています。最初からやり直してください",
            "This sign-in is unknown or was already used; start again.",
        ),
    )
}

fn invalid_sign_in_code() -> ApiError {
    ApiError::bad_request(
        "invalid_sign_in_code",
        Message::new(
            "ログインコードが無効か、期限切れか、すでに使われています。再度ログインしてください",
            "The sign-in code is unknown, expired or already used; sign in again.",
        ),
    )
}

/// The cookie that ties a sign-in to its browser.
pub(super) const BROWSER_COOKIE: &str = "security_action_oidc";

pub(super) fn relying_party(state: &AppState) -> Result<&RelyingParty, ApiError> {
    state.oidc.as_deref().ok_or_else(not_configured)
}

/// Where to come back to.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuthorizationQuery {
    /// The front-end page the sign-in returns to: one of the service's `OIDC_RETURN_URLS`,
    /// exactly.
    #[param(example = "https://declarer.example.jp/signed-in", max_length = 2048)]
    pub return_to: String,
}

/// Starts a sign-in with GビズID: a redirect (302) to the provider's sign-in page, with PKCE
/// (S256), `state` and `nonce`, and a cookie that ties the sign-in to this browser. The sign-in
/// must be finished, in the same browser, within `OIDC_STATE_SECONDS`.
#[utoipa::path(
    tag = "auth",
    params(AuthorizationQuery),
    responses(
        (status = 302, description = "To the provider's sign-in page",
         headers(("Location" = String, description = "The provider's authorization URL"),
                 ("Set-Cookie" = String, description = "Ties the sign-in to this browser; sent back only to the callback (HttpOnly, SameSite=Lax)"))),
        (status = 400, description = "`return_to` is not an allowed front-end URL (`return_to_not_allowed`)", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "Signing in with GビズID is not configured (`oidc_not_configured`)", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "`return_to` is missing or longer than 2,048 characters", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address; retry after `Retry-After` seconds", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 503, description = "The provider cannot be reached (`oidc_provider_unavailable`); retry after `Retry-After` seconds", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
    )
)]
#[get("/auth/oidc/authorization")]
#[tracing::instrument(skip_all)]
pub async fn authorization(
    req: HttpRequest,
    state: web::Data<AppState>,
    Query(query): Query<AuthorizationQuery>,
) -> Result<HttpResponse, ApiError> {
    let party = relying_party(&state)?;
    common::limit_address(&req, &state)?;
    common::check_lengths(&[("return_to", Some(&query.return_to), 2048)])?;
    let return_to = party.allowed_return_url(&query.return_to).ok_or_else(|| {
        ApiError::bad_request(
            "return_to_not_allowed",
            Message::new(
                "サインイン後の戻り先は、このサービスに登録された画面のURLではありません",
                "return_to is not one of the front-end URLs this service allows.",
            ),
        )
    })?;
    let authorization = party.authorize().await.map_err(|e| {
        tracing::warn!(error = %e, "cannot start a sign-in with the OpenID provider");
        provider_unavailable()
    })?;
    let lifetime = party.settings().state_lifetime;
    let state_hash = token_digest(&authorization.state);
    let browser = new_opaque_token();
    let browser_hash = token_digest(&browser);
    let (nonce, verifier) = (authorization.nonce, authorization.pkce_verifier);
    state
        .db
        .write(move |conn| {
            let now = db::now();
            oidc::forget_expired(conn, now)?;
            oidc::insert_pending(
                conn,
                &state_hash,
                &nonce,
                &verifier,
                return_to.as_str(),
                &browser_hash,
                now,
                now + lifetime,
            )?;
            Ok::<_, DbError>(())
        })
        .await?;
    Ok(HttpResponse::Found()
        .insert_header((header::LOCATION, authorization.url.to_string()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .cookie(browser_cookie(party, browser, lifetime))
        .finish())
}

/// The cookie that ties a sign-in to the browser that started it, sent back only to the
/// callback. `SameSite=Lax` lets the provider's redirect (a top-level GET) carry it.
fn browser_cookie(
    party: &RelyingParty,
    value: String,
    lifetime: chrono::Duration,
) -> Cookie<'static> {
    Cookie::build(BROWSER_COOKIE, value)
        .path(party.redirect_url().path().to_owned())
        .http_only(true)
        .secure(party.redirect_url().scheme() == "https")
        .same_site(SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::seconds(
            lifetime.num_seconds(),
        ))
        .finish()
}

/// A one-time code from the callback.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "Qm9vdHN0cmFwLWNvZGUtZXhhbXBsZS0xMjM0NTY3ODkw"}))]
pub struct SignInCodeInput {
    /// The `code` the callback added to `return_to`.
    #[schema(max_length = 64)]
    pub code: String,
}

/// Exchanges the one-time code from a GビズID sign-in for the same tokens as user-number login
/// (`POST /v1/auth/login`): a 15-minute access token and a refresh token. A code works once,
/// within `OIDC_CODE_SECONDS`.
#[utoipa::path(
    tag = "auth",
    operation_id = "exchange_sign_in_code",
    request_body = SignInCodeInput,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 400, description = "Unknown, expired or already used code (`invalid_sign_in_code`)", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "Signing in with GビズID is not configured (`oidc_not_configured`)", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address; retry after `Retry-After` seconds", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
    )
)]
#[post("/auth/oidc/token")]
#[tracing::instrument(skip_all)]
pub async fn token(
    req: HttpRequest,
    state: web::Data<AppState>,
    Json(input): Json<SignInCodeInput>,
) -> Result<HttpResponse, ApiError> {
    relying_party(&state)?;
    common::limit_address(&req, &state)?;
    common::check_lengths(&[("code", Some(&input.code), 64)])?;
    let code_hash = token_digest(&input.code);
    let actor = common::actor(&req, &state, "public", None);
    let state_for_write = state.clone();
    let tokens = state
        .db
        .write(move |conn| {
            let now = db::now();
            let Some(account_id) = oidc::spend_code(conn, &code_hash, now)? else {
                return Ok(Err(invalid_sign_in_code()));
            };
            let account = accounts::by_id(conn, account_id)?;
            if account.disabled_at.is_some() {
                return Ok(Err(invalid_sign_in_code()));
            }
            let role = Role::from_code(&account.role)
                .ok_or_else(|| ApiError::internal(anyhow::anyhow!("unknown role")))?;
            let tokens = issue_tokens(
                conn,
                &state_for_write,
                account.id,
                &account.user_number,
                role,
                None,
            )?;
            let actor = audit::Actor {
                id: Some(account.user_number.clone()),
                ..actor
            };
            audit::record(
                conn,
                &actor,
                "auth.login",
                "account",
                Some(&account.user_number),
                None,
                Some(&serde_json::json!({"method": "oidc"})),
                now,
            )?;
            Ok::<_, ApiError>(Ok(tokens))
        })
        .await??;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(tokens))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_is_sent_under_its_documented_name() {
        for error in [
            SignInError::NoDeclaration,
            SignInError::AccountKindRefused,
            SignInError::CorporateNumberMissing,
            SignInError::DeclarationNotLive,
            SignInError::AccountDisabled,
            SignInError::SignInCancelled,
            SignInError::SignInExpired,
            SignInError::SignInFailed,
        ] {
            assert_eq!(serde_json::to_value(error).unwrap(), error.code());
        }
        for refusal in [
            Refusal::AccountKindRefused,
            Refusal::CorporateNumberMissing,
            Refusal::NoDeclaration,
            Refusal::DeclarationNotLive,
            Refusal::AccountDisabled,
        ] {
            assert_eq!(SignInError::from(refusal).code(), refusal.code());
        }
    }
}
