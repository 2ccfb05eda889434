//! Signed verification receipts (検証レシート): proof of what the registry answered a client.
//!
//! Every verification answer carries a `receipt_id`, made in memory; the answer and what was
//! asked go into the verification record, written in batches off the request path. The
//! receipt itself is signed at its first request (a compact JWS, EdDSA over Ed25519) and kept,
//! so that every later request returns the same bytes. The public keys are published as a
//! JWKS; a key that no longer signs stays published, so old receipts still verify.
//!
//! - [`keys`]: the signing key, its JWK and `kid` (RFC 7638 thumbprint).

pub mod keys;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::db::receipts::{self as store, Unsigned};
use crate::db::{self, DbConnection};
use crate::domain::receipt::{Answer, ReceiptId};
use crate::error::ApiError;
use keys::ReceiptKey;

/// The JWS header's `typ`.
pub const TYPE: &str = "verification-receipt+jwt";

/// A receipt's payload: what was asked and what was answered, by whom and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The service's public base URL.
    pub iss: String,
    /// When the receipt was signed (seconds since the epoch).
    pub iat: i64,
    pub receipt_id: String,
    pub declaration_id: String,
    /// The verifying API client.
    pub client_id: String,
    pub client_name: String,
    pub verified_at: DateTime<Utc>,
    /// What was answered and asked, in the payload's top level.
    #[serde(flatten)]
    pub answer: Answer,
}

impl Claims {
    fn of(record: Unsigned, issuer: &str, signed_at: DateTime<Utc>) -> Self {
        Self {
            iss: issuer.to_owned(),
            iat: signed_at.timestamp(),
            receipt_id: record.receipt_id,
            declaration_id: record.declaration_id,
            client_id: record.client_id,
            client_name: record.client_name,
            verified_at: db::utc(record.verified_at),
            answer: record.answer,
        }
    }
}

/// Signs claims as a compact JWS with the key's `kid` in the header.
pub fn sign(claims: &Claims, key: &ReceiptKey) -> Result<String, jsonwebtoken::errors::Error> {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    header.typ = Some(TYPE.to_owned());
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(&header, claims, key.encoding())
}

/// The receipt of this client's verification, signed now if it never was. `None`: no such
/// receipt of this client (or not written yet). Runs inside the caller's transaction; two
/// callers signing at once both return the receipt stored first.
pub fn signed(
    conn: &mut DbConnection,
    id: &ReceiptId,
    api_client_id: i64,
    key: &ReceiptKey,
    issuer: &str,
) -> Result<Option<String>, ApiError> {
    let Some(found) = store::find(conn, id.as_str(), api_client_id)? else {
        return Ok(None);
    };
    let unsigned = match found {
        store::Found::Signed(jws) => return Ok(Some(jws)),
        store::Found::Unsigned(unsigned) => unsigned,
    };
    let claims = Claims::of(*unsigned, issuer, Utc::now());
    let jws = sign(&claims, key).map_err(ApiError::internal)?;
    store::keep_signed(conn, id.as_str(), &jws)?;
    Ok(store::signed(conn, id.as_str())?)
}

/// Publishes the key that signs from now on, and marks every other key retired (each stays
/// published). Safe when several processes start at once.
pub fn publish(conn: &mut DbConnection, key: &ReceiptKey) -> diesel::QueryResult<()> {
    let now = db::now();
    store::publish_key(conn, &key.kid, &key.x, now)?;
    store::retire_others(conn, &key.kid, now)?;
    Ok(())
}

/// Every published key as a JWK, oldest first.
pub fn published(conn: &mut DbConnection) -> diesel::QueryResult<Vec<keys::Jwk>> {
    Ok(store::published(conn)?
        .into_iter()
        .map(|(kid, x, _)| keys::Jwk::ed25519(x, kid))
        .collect())
}
