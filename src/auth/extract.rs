//! Extractors for authenticated callers. A missing or bad token is 401 with
//! `WWW-Authenticate: Bearer`; a good token of the wrong kind of caller is 403.

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, web};
use chrono::Utc;
use futures_util::future::LocalBoxFuture;

use super::tokens::{Role, TokenError, UserClaims};
use crate::domain::identifiers::UserNumber;
use crate::error::{ApiError, Message};
use crate::state::AppState;

/// A declarer or an operator, authenticated by an access token.
#[derive(Debug, Clone)]
pub struct User {
    pub user_number: UserNumber,
    pub role: Role,
    /// The login session (refresh-token family).
    pub session: String,
}

/// A declarer (宣言事業者), authenticated.
#[derive(Debug, Clone)]
pub struct Declarer(pub User);

/// A secretariat operator (事務局), authenticated.
#[derive(Debug, Clone)]
pub struct Operator(pub User);

/// The bearer token of a request, if any.
pub fn bearer_token(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get("authorization")?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

pub fn unauthorized(code: &'static str, ja: &'static str, en: &'static str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, code, Message::new(ja, en))
}

pub fn forbidden() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        Message::new(
            "この操作を行う権限がありません",
            "Your credentials do not allow this operation.",
        ),
    )
}

/// The caller of a request: a valid access token whose session has not ended. The token is
/// checked at once; whether its session ended needs the database now and then (see
/// [`SessionEnds`](super::session_ends::SessionEnds)).
fn authenticate(req: &HttpRequest) -> LocalBoxFuture<'static, Result<User, actix_web::Error>> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let checked = state
        .as_ref()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("application state missing")))
        .and_then(|state| check_token(req, state));
    Box::pin(async move {
        let user = checked?;
        let state = state.ok_or_else(|| ApiError::internal(anyhow::anyhow!("state missing")))?;
        if state
            .sessions
            .ended(&state.db, &user.session)
            .await
            .map_err(ApiError::from)?
        {
            return Err(unauthorized(
                "session_ended",
                "このログインは終了しています。再度ログインしてください",
                "This login session has ended (logged out, or the password changed); log in again.",
            )
            .into());
        }
        Ok(user)
    })
}

/// The user a request's token speaks for, if the token is valid.
fn check_token(req: &HttpRequest, state: &web::Data<AppState>) -> Result<User, ApiError> {
    let token = bearer_token(req).ok_or_else(|| {
        unauthorized(
            "missing_token",
            "Authorization ヘッダーでアクセストークンを指定してください",
            "Send an access token in the Authorization header (Bearer).",
        )
    })?;
    let claims: UserClaims = state.tokens.verify_user_token(token, Utc::now()).map_err(|e| match e {
        TokenError::Expired => unauthorized(
            "expired_token",
            "アクセストークンの有効期限が切れています。再度ログインするか、リフレッシュトークンで更新してください",
            "The access token has expired; refresh it or log in again.",
        ),
        TokenError::Invalid => unauthorized(
            "invalid_token",
            "アクセストークンが無効です",
            "The access token is not valid.",
        ),
    })?;
    let user_number = UserNumber::parse(&claims.sub)
        .or_else(|_| UserNumber::imported(&claims.sub))
        .map_err(|_| {
            unauthorized(
                "invalid_token",
                "アクセストークンが無効です",
                "The access token is not valid.",
            )
        })?;
    Ok(User {
        user_number,
        role: claims.role,
        session: claims.sid,
    })
}

impl FromRequest for User {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        authenticate(req)
    }
}

impl FromRequest for Declarer {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let user = authenticate(req);
        Box::pin(async move {
            let user = user.await?;
            match user.role {
                Role::Declarer => Ok(Declarer(user)),
                Role::Secretariat => Err(forbidden().into()),
            }
        })
    }
}

impl FromRequest for Operator {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let user = authenticate(req);
        Box::pin(async move {
            let user = user.await?;
            match user.role {
                Role::Secretariat => Ok(Operator(user)),
                Role::Declarer => Err(forbidden().into()),
            }
        })
    }
}
