//! Signed verification receipts for the client that verified, and the public keys that check
//! them.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::clients::ApiCaller;
use crate::domain::receipt::ReceiptId;
use crate::error::{ApiError, Message};
use crate::receipts::{self, keys::Jwk};
use crate::routes::verifications::SCOPE;
use crate::state::AppState;

/// How long caches may keep the published keys.
const JWKS_MAX_AGE_SECONDS: u32 = 300;

/// `{receipt_id}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ReceiptPath {
    /// The `receipt_id` of a verification answer (`rcpt_…`).
    #[param(max_length = 40, example = "rcpt_0G7MZ3XK1V9Q4T6D8B2N5R7W3C")]
    pub receipt_id: String,
}

/// A verification's signed receipt.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "receipt_id": "rcpt_0G7MZ3XK1V9Q4T6D8B2N5R7W3C",
    "receipt": "eyJ0eXAiOiJ2ZXJpZmljYXRpb24tcmVjZWlwdCtqd3QiLCJhbGciOiJFZERTQSIsImtpZCI6ImtQcktfcW14VldhWVZBOXd3QkY2SXVvM3ZWeno3VHhIQ1R3WEJ5Z3JTNGsifQ.eyJyZWNlaXB0X2lkIjoicmNwdF8wRzdNWjNYSzFWOVE0VDZEOEIyTjVSN1czQyJ9.c2lnbmF0dXJl"
}))]
pub struct ReceiptView {
    pub receipt_id: String,
    /// A compact JWS (RFC 7515), algorithm `EdDSA` (Ed25519), header `typ`
    /// `verification-receipt+jwt` and `kid` (a key of `/.well-known/jwks.json`). Its payload:
    /// `iss`, `iat`, `receipt_id`, `declaration_id`, `client_id`, `client_name`,
    /// `verified_at`, `valid`, `status`, `star`, `organization_name`, `declared_at`,
    /// `accepted_at`, `star_since`, `corporate_number_asked`, `corporate_number_matches`,
    /// `organization_name_asked`, `organization_name_matches` — what was asked and answered
    /// at `verified_at`. The same bytes on every request.
    pub receipt: String,
}

fn no_receipt() -> ApiError {
    ApiError::not_found(Message::new(
        "このレシートはありません（検証したAPIクライアントだけが取得できます）",
        "No such receipt: only the API client that verified can fetch it.",
    ))
}

/// How long a receipt request waits for this instance's queued records to be written.
const FLUSH_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// The signed receipt of a verification this client made: proof, for an auditor later, of what
/// the registry answered. Available as soon as the verification is answered (a receipt not yet
/// written by the background writer is written on demand). Another client's receipt, an
/// unknown ID and a malformed one are all 404. Needs the scope `declarations:verify`.
#[utoipa::path(
    tag = "verification",
    security(("client_credentials" = ["declarations:verify"])),
    params(ReceiptPath),
    responses(
        (status = 200, description = "The signed receipt", body = ReceiptView),
        (status = 404, description = "No such receipt of this client", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "The client's rate limit is spent; see Retry-After", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 403, response = crate::routes::openapi::Forbidden),
    )
)]
#[get("/verification-receipts/{receipt_id}")]
#[tracing::instrument(skip_all)]
pub async fn get_receipt(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<ReceiptPath>,
) -> Result<HttpResponse, ApiError> {
    caller.require(SCOPE)?;
    state.limits.per_client.check(&caller.client.client_id)?;
    let id = ReceiptId::parse(&path.into_inner().receipt_id).ok_or_else(no_receipt)?;
    let mut receipt = fetch(&state, &caller, &id).await?;
    if receipt.is_none() && state.verifications.queued() > 0 {
        // Possibly still in memory: write what is queued now rather than answer 404 for up to
        // VERIFICATION_FLUSH_MILLISECONDS; a database that refuses the records does not hold the
        // request beyond a few seconds.
        let _ = tokio::time::timeout(FLUSH_WAIT, state.verifications.flush()).await;
        receipt = fetch(&state, &caller, &id).await?;
    }
    let receipt = receipt.ok_or_else(no_receipt)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, max-age=86400, immutable"))
        .json(ReceiptView {
            receipt_id: id.into_string(),
            receipt,
        }))
}

async fn fetch(
    state: &AppState,
    caller: &ApiCaller,
    id: &ReceiptId,
) -> Result<Option<String>, ApiError> {
    let client = caller.client.row_id;
    let key = std::sync::Arc::clone(&state.receipt_key);
    let issuer = state.base_url();
    let lookup = id.clone();
    // Mostly already signed: read first, and take the write lock only to sign.
    let found = state
        .db
        .read(move |conn| {
            Ok::<_, ApiError>(crate::db::receipts::find(conn, lookup.as_str(), client)?)
        })
        .await?;
    match found {
        None => Ok(None),
        Some(crate::db::receipts::Found::Signed(jws)) => Ok(Some(jws)),
        Some(crate::db::receipts::Found::Unsigned(_)) => {
            let id = id.clone();
            state
                .db
                .write(move |conn| receipts::signed(conn, &id, client, &key, &issuer))
                .await
        }
    }
}

/// The published keys.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct JwkSet {
    /// Every key that signs or once signed receipts (a retired key stays, so that old receipts
    /// still verify).
    pub keys: Vec<Jwk>,
}

/// The public keys that sign verification receipts, as a JWK Set (RFC 7517): OKP / Ed25519
/// keys named by `kid`. A receipt's header names its key. Public and cacheable.
#[utoipa::path(
    tag = "verification",
    responses(
        (status = 200, description = "The published keys", body = JwkSet, headers(("Cache-Control" = String))),
    )
)]
#[get("/.well-known/jwks.json")]
#[tracing::instrument(skip_all)]
pub async fn jwks(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let keys = state
        .db
        .read(|conn| Ok::<_, ApiError>(receipts::published(conn)?))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((
            header::CACHE_CONTROL,
            format!("public, max-age={JWKS_MAX_AGE_SECONDS}"),
        ))
        .json(JwkSet { keys }))
}
