//! API clients as callers: their tokens (OAuth 2.0 client credentials), the directory that
//! says whether a client is still enabled, and the extractor for client-authenticated routes.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, web};
use chrono::Utc;
use futures_util::future::LocalBoxFuture;
use serde::{Deserialize, Serialize};

use super::extract::{bearer_token, unauthorized};
use super::tokens::{ACCESS_TOKEN_SECONDS, CLIENT_AUDIENCE, ISSUER};
use crate::db::{Db, DbError, api_clients};
use crate::error::{ApiError, Message};
use crate::state::AppState;

/// The claims of an API client's access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientClaims {
    /// The client ID.
    pub sub: String,
    /// Granted scopes, space-separated.
    pub scope: String,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

impl ClientClaims {
    pub fn new(client_id: &str, scope: &str, now: chrono::DateTime<Utc>) -> Self {
        Self {
            sub: client_id.to_owned(),
            scope: scope.to_owned(),
            iss: ISSUER.to_owned(),
            aud: CLIENT_AUDIENCE.to_owned(),
            iat: now.timestamp(),
            exp: now.timestamp() + ACCESS_TOKEN_SECONDS,
        }
    }
}

/// What the service knows of an enabled client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientInfo {
    /// The row ID (for verification records; never answered).
    pub row_id: i64,
    pub client_id: String,
    pub name: String,
}

/// How long a client's enabled state is remembered. Disabling through this process takes
/// effect at once (the entry is dropped); another process sees it within this time.
const REMEMBER: Duration = Duration::from_secs(2);

/// Enabled clients, remembered briefly so that the hot path does not ask the database each
/// time.
#[derive(Default)]
pub struct ClientDirectory {
    entries: RwLock<HashMap<String, (Instant, Option<ClientInfo>)>>,
}

impl ClientDirectory {
    /// The client if it exists and is enabled.
    pub async fn enabled(&self, db: &Db, client_id: &str) -> Result<Option<ClientInfo>, DbError> {
        if let Some((at, info)) = self
            .entries
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(client_id)
            && at.elapsed() < REMEMBER
        {
            return Ok(info.clone());
        }
        let id = client_id.to_owned();
        let row = db
            .read(move |conn| Ok::<_, DbError>(api_clients::by_client_id(conn, &id)?))
            .await?;
        let info = row.filter(|c| c.disabled_at.is_none()).map(|c| ClientInfo {
            row_id: c.id,
            client_id: c.client_id,
            name: c.name,
        });
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        if entries.len() > 10_000 {
            entries.clear();
        }
        entries.insert(client_id.to_owned(), (Instant::now(), info.clone()));
        Ok(info)
    }

    /// Forgets a client (after it was disabled).
    pub fn forget(&self, client_id: &str) {
        self.entries
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(client_id);
    }
}

/// An API client authenticated by its access token.
#[derive(Debug, Clone)]
pub struct ApiCaller {
    pub client: ClientInfo,
    pub scopes: Vec<String>,
}

impl ApiCaller {
    /// 403 unless the token carries `scope`.
    pub fn require(&self, scope: &str) -> Result<(), ApiError> {
        if self.scopes.iter().any(|s| s == scope) {
            return Ok(());
        }
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            Message::new(
                // The scope itself is named in WWW-Authenticate, for programs.
                "このアクセストークンには、この操作に必要な権限（スコープ）がありません",
                "The access token lacks the scope this operation needs.",
            ),
        )
        .with_header(
            actix_web::http::header::WWW_AUTHENTICATE,
            format!("Bearer error=\"insufficient_scope\", scope=\"{scope}\""),
        ))
    }
}

fn invalid_token() -> ApiError {
    unauthorized(
        "invalid_token",
        "アクセストークンが無効です",
        "The access token is not valid.",
    )
}

impl FromRequest for ApiCaller {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req).map(str::to_owned);
        Box::pin(async move {
            let state = state
                .ok_or_else(|| ApiError::internal(anyhow::anyhow!("application state missing")))?;
            let token = token.ok_or_else(|| {
                unauthorized(
                    "missing_token",
                    "Authorization ヘッダーでアクセストークンを指定してください",
                    "Send an access token from POST /v1/oauth/token in the Authorization header (Bearer).",
                )
            })?;
            let claims = state
                .tokens
                .verify_client_token(&token, Utc::now())
                .map_err(|e| match e {
                    super::tokens::TokenError::Expired => unauthorized(
                        "expired_token",
                        "アクセストークンの有効期限が切れています。取得し直してください",
                        "The access token has expired; get a new one.",
                    ),
                    super::tokens::TokenError::Invalid => invalid_token(),
                })?;
            let client = state
                .clients
                .enabled(&state.db, &claims.sub)
                .await
                .map_err(ApiError::from)?
                .ok_or_else(invalid_token)?;
            Ok(ApiCaller {
                client,
                scopes: claims.scope.split_whitespace().map(str::to_owned).collect(),
            })
        })
    }
}
