//! `GET /v1/auth/oidc/callback`: where the provider sends the person back.

use actix_web::cookie::Cookie;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{BROWSER_COOKIE, SignInError, invalid_state, relying_party};
use crate::auth::oidc::linking;
use crate::auth::oidc::{OidcError, RelyingParty};
use crate::auth::tokens::{new_opaque_token, token_digest};
use crate::db::{self, DbError, oidc};
use crate::error::{ApiError, Message};
use crate::extract::Query;
use crate::routes::common;
use crate::state::AppState;

/// The provider's answer (its redirect).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallbackQuery {
    /// The provider's authorization code.
    #[param(max_length = 2048)]
    pub code: Option<String>,
    /// The state sent with the sign-in.
    #[param(max_length = 128)]
    pub state: Option<String>,
    /// The provider's error (`access_denied` when the person cancelled).
    #[param(max_length = 128)]
    pub error: Option<String>,
    /// The provider's explanation of `error` (logged, not shown).
    #[param(max_length = 1024)]
    pub error_description: Option<String>,
    /// The issuer (RFC 9207), when the provider sends it: it must be the configured one.
    #[param(max_length = 2048)]
    pub iss: Option<String>,
    /// Sent by some providers; not used.
    #[param(max_length = 1024)]
    pub session_state: Option<String>,
}

/// Where the provider sends the person back: checks the answer (state, code exchange with the
/// PKCE verifier, the ID token's signature, issuer, audience, expiry, issue time and nonce),
/// finds the declarer by the corporate number or the existing link, and redirects (302) to
/// `return_to` with `?code=` (a one-time code, valid `OIDC_CODE_SECONDS`) or with `?error=`
/// (a `SignInError`). An unknown or already used `state`, or the answer to a sign-in that
/// another browser started (login CSRF), answers 400: there is nowhere safe to redirect to.
#[utoipa::path(
    tag = "auth",
    params(CallbackQuery),
    responses(
        (status = 302, description = "To `return_to` with `?code=` (exchange it at `POST /v1/auth/oidc/token`) or `?error=` (one of `SignInError`)",
         headers(("Location" = String, description = "`return_to` with `code` or `error` added to its query"),
                 ("Set-Cookie" = String, description = "Removes the cookie of the sign-in"))),
        (status = 400, description = "Unknown or already used `state`, or an answer to a sign-in started in another browser (`invalid_state`)", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "Signing in with GビズID is not configured (`oidc_not_configured`)", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "A parameter longer than its `maxLength`", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address; retry after `Retry-After` seconds", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
    )
)]
#[get("/auth/oidc/callback")]
#[tracing::instrument(skip_all)]
pub async fn callback(
    req: HttpRequest,
    state: web::Data<AppState>,
    Query(query): Query<CallbackQuery>,
) -> Result<HttpResponse, ApiError> {
    let party = relying_party(&state)?;
    common::limit_address(&req, &state)?;
    common::check_lengths(&[
        ("state", query.state.as_deref(), 128),
        ("code", query.code.as_deref(), 2048),
        ("error", query.error.as_deref(), 128),
        (
            "error_description",
            query.error_description.as_deref(),
            1024,
        ),
        ("iss", query.iss.as_deref(), 2048),
        ("session_state", query.session_state.as_deref(), 1024),
    ])?;
    let Some(sent_state) = query.state.filter(|s| !s.is_empty()) else {
        return Err(invalid_state());
    };
    let state_hash = token_digest(&sent_state);
    let pending = state
        .db
        .write(move |conn| Ok::<_, DbError>(oidc::take_pending(conn, &state_hash)?))
        .await?
        .ok_or_else(invalid_state)?;
    // Taken (so no longer usable) even when another browser brings it: a sign-in started by
    // someone else, whose answer a person is lured into opening (login CSRF), goes nowhere.
    let same_browser = req
        .cookie(BROWSER_COOKIE)
        .is_some_and(|cookie| token_digest(cookie.value()) == pending.browser_hash);
    if !same_browser {
        tracing::warn!("a sign-in's answer came to another browser than the one that started it");
        return Err(ApiError::bad_request(
            "invalid_state",
            Message::new(
                "このログインは、このブラウザで始められたものではありません。最初からやり直してください",
                "This sign-in was not started in this browser; start again.",
            ),
        ));
    }
    let return_to = url::Url::parse(&pending.return_to).map_err(ApiError::internal)?;
    let failed = |error: SignInError| back_to(party, &return_to, "error", error.code());
    if pending.expires_at <= db::now() {
        return Ok(failed(SignInError::SignInExpired));
    }
    if let Some(error) = query.error {
        tracing::info!(%error, description = ?query.error_description, "the OpenID provider answered with an error");
        return Ok(failed(if error == "access_denied" {
            SignInError::SignInCancelled
        } else {
            SignInError::SignInFailed
        }));
    }
    // RFC 9207: an answer that names another issuer is not from the provider the sign-in went
    // to (a mix-up attack).
    if query
        .iss
        .as_deref()
        .is_some_and(|iss| iss != party.settings().issuer_url)
    {
        tracing::warn!(iss = ?query.iss, "a sign-in's answer names another issuer");
        return Ok(failed(SignInError::SignInFailed));
    }
    let Some(code) = query.code.filter(|c| !c.is_empty()) else {
        return Ok(failed(SignInError::SignInFailed));
    };
    let identity = match party
        .finish(&code, &pending.pkce_verifier, &pending.nonce)
        .await
    {
        Ok(identity) => identity,
        Err(error) => {
            match &error {
                OidcError::Rejected(_) => tracing::warn!(%error, "a sign-in was rejected"),
                OidcError::Unavailable(_) => {
                    tracing::error!(%error, "a sign-in could not be finished")
                }
            }
            return Ok(failed(SignInError::SignInFailed));
        }
    };
    let actor = common::actor(&req, &state, "public", None);
    let settings = party.settings().clone();
    let one_time_code = new_opaque_token();
    let code_hash = token_digest(&one_time_code);
    let outcome = state
        .db
        .write(move |conn| {
            let account = match linking::account_for(conn, &settings, &identity, &actor)? {
                Ok(account) => account,
                Err(refusal) => return Ok::<_, DbError>(Err(refusal)),
            };
            let now = db::now();
            oidc::insert_code(
                conn,
                &code_hash,
                account.id,
                now,
                now + settings.code_lifetime,
            )?;
            Ok(Ok(()))
        })
        .await?;
    Ok(match outcome {
        Ok(()) => back_to(party, &return_to, "code", &one_time_code),
        Err(refusal) => failed(refusal.into()),
    })
}

/// A redirect to `return_to` with one parameter added; never cached, never sent on as a
/// referrer (the code is in the URL).
fn back_to(party: &RelyingParty, return_to: &url::Url, name: &str, value: &str) -> HttpResponse {
    let mut url = return_to.clone();
    url.query_pairs_mut().append_pair(name, value);
    let mut spent = Cookie::build(BROWSER_COOKIE, "")
        .path(party.redirect_url().path().to_owned())
        .finish();
    spent.make_removal();
    HttpResponse::Found()
        .cookie(spent)
        .insert_header((header::LOCATION, url.to_string()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .finish()
}
