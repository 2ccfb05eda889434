//! `POST /v1/oauth/token`: OAuth 2.0 client credentials (RFC 6749 §4.4) for subsidy portals
//! and partner companies.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::client_address;
use crate::auth::clients::ClientClaims;
use crate::auth::throttle::{self, Limit};
use crate::auth::tokens::{ACCESS_TOKEN_SECONDS, constant_time_eq, token_digest};
use crate::db::{self, DbError, api_clients, audit};
use crate::error::{ApiError, Message};
use crate::routes::common;
use crate::state::AppState;

/// A token request, form-encoded as RFC 6749 names it (a JSON object with the same fields is
/// accepted too, but only the form is documented: one body shape is what generators handle).
/// Fields may be left out, never sent as `null`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"grant_type": "client_credentials", "scope": "declarations:verify"}))]
pub struct TokenRequest {
    pub grant_type: GrantType,
    /// Space-separated; defaults to every scope of the client.
    #[schema(nullable = false, max_length = 256)]
    pub scope: Option<String>,
    /// With `client_secret`, instead of HTTP Basic authentication.
    #[schema(nullable = false, max_length = 64)]
    pub client_id: Option<String>,
    #[schema(nullable = false, max_length = 256)]
    pub client_secret: Option<String>,
}

/// The one grant the service supports.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    ClientCredentials,
}

/// The error codes of RFC 6749 §5.2 that the service answers.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OAuthErrorCode {
    InvalidRequest,
    InvalidClient,
    UnsupportedGrantType,
    InvalidScope,
}

/// The token answer (RFC 6749 §5.1).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"access_token": "eyJhbGciOiJIUzI1NiJ9…", "token_type": "Bearer", "expires_in": 900, "scope": "declarations:verify"}))]
pub struct ClientToken {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: i64,
    pub scope: String,
}

/// An OAuth error answer (RFC 6749 §5.2).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"error": "invalid_client", "error_description": "Client authentication failed."}))]
pub struct OAuthError {
    pub error: OAuthErrorCode,
    pub error_description: String,
}

fn oauth(status: StatusCode, error: &'static str, ja: &'static str, en: &'static str) -> ApiError {
    ApiError::oauth(status, error, Message::new(ja, en))
}

fn invalid_request(ja: &'static str, en: &'static str) -> ApiError {
    oauth(StatusCode::BAD_REQUEST, "invalid_request", ja, en)
}

fn invalid_client() -> ApiError {
    oauth(
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "クライアント認証に失敗しました",
        "Client authentication failed.",
    )
}

/// Failed client authentications per client ID: 10 in 15 minutes lock it for 15 minutes.
const SECRET_FAILURES: Limit = Limit {
    max_failures: 10,
    window: chrono::Duration::minutes(15),
    block: chrono::Duration::minutes(15),
};

/// The request's parameters, from a form or a JSON object; a parameter given twice is an error.
fn parameters(req: &HttpRequest, body: &[u8]) -> Result<HashMap<String, String>, ApiError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let mut map = HashMap::new();
    match content_type.as_str() {
        "application/x-www-form-urlencoded" => {
            for (key, value) in form_urlencoded::parse(body) {
                if map.insert(key.into_owned(), value.into_owned()).is_some() {
                    return Err(invalid_request(
                        "同じパラメータが複数あります",
                        "A parameter is repeated.",
                    ));
                }
            }
        }
        "application/json" => {
            let value: serde_json::Value = serde_json::from_slice(body).map_err(|_| {
                invalid_request("JSON として読み取れません", "The body is not valid JSON.")
            })?;
            let object = value.as_object().ok_or_else(|| {
                invalid_request(
                    "JSON オブジェクトで送ってください",
                    "The body must be a JSON object.",
                )
            })?;
            for (key, value) in object {
                let text = value.as_str().ok_or_else(|| {
                    invalid_request(
                        "パラメータは文字列で指定してください",
                        "Parameters must be strings.",
                    )
                })?;
                map.insert(key.clone(), text.to_owned());
            }
        }
        _ => {
            return Err(invalid_request(
                "送信形式（Content-Type）は、フォーム形式かJSON形式を指定してください",
                "Send application/x-www-form-urlencoded or application/json.",
            ));
        }
    }
    Ok(map)
}

/// The client's credentials from HTTP Basic (RFC 6749 §2.3.1) or from the body, not both.
fn credentials(
    req: &HttpRequest,
    params: &HashMap<String, String>,
) -> Result<(String, String), ApiError> {
    let basic = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split_once(' ')
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
                .map(|(_, rest)| rest.trim().to_owned())
        });
    let in_body = (params.get("client_id"), params.get("client_secret"));
    match (basic, in_body) {
        (Some(_), (Some(_), _) | (_, Some(_))) => Err(invalid_request(
            "クライアント認証は1つの方法で行ってください",
            "Authenticate the client one way only: HTTP Basic or the body.",
        )),
        (Some(encoded), _) => {
            let decoded = data_encoding::BASE64
                .decode(encoded.as_bytes())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(invalid_client)?;
            let (id, secret) = decoded.split_once(':').ok_or_else(invalid_client)?;
            let decode = |s: &str| {
                form_urlencoded::parse(format!("x={s}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
            };
            Ok((
                decode(id).ok_or_else(invalid_client)?,
                decode(secret).ok_or_else(invalid_client)?,
            ))
        }
        (None, (Some(id), Some(secret))) => Ok((id.clone(), secret.clone())),
        (None, _) => Err(invalid_client()),
    }
}

/// Issues an access token to an API client (OAuth 2.0 client credentials, RFC 6749 §4.4).
/// Credentials go in HTTP Basic or in the body (`client_id`, `client_secret`); the body is
/// form-encoded or JSON. The token is a JWT with `scope`, `sub` (the client), `aud`, `iss`
/// and a 15-minute `exp`. Errors follow RFC 6749 §5.2. Repeated failures for a client ID
/// lock it for 15 minutes (kept in the database).
#[utoipa::path(
    tag = "verification",
    request_body(content((TokenRequest = "application/x-www-form-urlencoded"))),
    responses(
        (status = 200, description = "The token", body = ClientToken),
        (status = 400, description = "invalid_request, unsupported_grant_type or invalid_scope", body = OAuthError),
        (status = 401, description = "invalid_client", body = OAuthError, headers(("WWW-Authenticate" = String))),
        (status = 429, description = "Too many failed authentications for this client (`invalid_client`), or too many requests from this address (a problem)",
         content((OAuthError = "application/json"), (crate::error::ProblemDetails = "application/problem+json")),
         headers(("Retry-After" = String, description = "Seconds to wait before retrying"))),
    )
)]
#[post("/oauth/token")]
#[tracing::instrument(skip_all)]
pub async fn token(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let address = client_address::of_request(&req, &state.config.trusted_proxies)
        .map_or_else(|| "unknown".to_owned(), |a| a.to_string());
    common::limit_address(&req, &state)?;
    let params = parameters(&req, &body)?;
    let grant = params
        .get("grant_type")
        .ok_or_else(|| invalid_request("認可の種類の指定がありません", "grant_type is missing."))?;
    if grant != "client_credentials" {
        return Err(oauth(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "認可の種類はクライアントクレデンシャルのみ使えます",
            "Only the client_credentials grant is supported.",
        ));
    }
    if params.get("scope").is_some_and(|s| s.chars().count() > 256) {
        return Err(invalid_request(
            "スコープの指定が長すぎます",
            "scope is longer than 256 characters.",
        ));
    }
    let (client_id, secret) = credentials(&req, &params)?;
    if client_id.chars().count() > 64 || secret.chars().count() > 256 {
        return Err(invalid_client());
    }
    let key = format!("client-secret:{client_id}");
    let lookup_key = key.clone();
    let lookup_id = client_id.clone();
    let (blocked, client) = state
        .db
        .read(move |conn| {
            let blocked = throttle::check(conn, &lookup_key, db::now())?;
            Ok::<_, DbError>((blocked, api_clients::by_client_id(conn, &lookup_id)?))
        })
        .await?;
    if let Some(seconds) = blocked {
        return Err(ApiError::oauth(
            StatusCode::TOO_MANY_REQUESTS,
            "invalid_client",
            Message::new(
                "認証の失敗が続いたため一時的にロックしています",
                "Too many failed authentications; try again later.",
            ),
        )
        .with_header(header::RETRY_AFTER, seconds.to_string()));
    }
    let digest = token_digest(&secret);
    let client = client.filter(|c| {
        c.disabled_at.is_none() && constant_time_eq(c.secret_hash.as_bytes(), digest.as_bytes())
    });
    let actor = common::actor(&req, &state, "api_client", Some(client_id.clone()));
    let Some(client) = client else {
        let failed = actor.clone();
        let failed_id = client_id.clone();
        state
            .db
            .write(move |conn| {
                let now = db::now();
                throttle::record_failure(conn, &key, SECRET_FAILURES, now)?;
                audit::record(
                    conn,
                    &failed,
                    "oauth.client_authentication_failed",
                    "api_client",
                    Some(&failed_id),
                    None,
                    None,
                    now,
                )?;
                Ok::<_, DbError>(())
            })
            .await?;
        tracing::warn!(%client_id, %address, "failed client authentication");
        return Err(invalid_client());
    };
    let granted: Vec<&str> = client.scopes.split_whitespace().collect();
    let scope = match params
        .get("scope")
        .map(|s| s.split_whitespace().collect::<Vec<_>>())
    {
        None => granted.join(" "),
        Some(asked) if !asked.is_empty() && asked.iter().all(|s| granted.contains(s)) => {
            asked.join(" ")
        }
        Some(_) => {
            return Err(oauth(
                StatusCode::BAD_REQUEST,
                "invalid_scope",
                "このクライアントに許可されていないスコープです",
                "The requested scope is not granted to this client.",
            ));
        }
    };
    let access_token = state
        .tokens
        .sign(&ClientClaims::new(&client.client_id, &scope, Utc::now()))
        .map_err(ApiError::internal)?;
    let client_row = client.id;
    state
        .db
        .write(move |conn| {
            throttle::clear(conn, &key)?;
            api_clients::touch(conn, client_row, db::now())?;
            Ok::<_, DbError>(())
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(ClientToken {
            access_token,
            token_type: "Bearer".into(),
            expires_in: ACCESS_TOKEN_SECONDS,
            scope,
        }))
}
