//! Signed access tokens (JWT, HS256, algorithm pinned), random opaque tokens stored only as
//! digests (refresh, password reset, logo download), and the signed verification codes of
//! completion notices.

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::Secret;
use crate::domain::identifiers::DeclarationId;
use crate::domain::notice_code;

/// The `iss` of every token this service signs.
pub const ISSUER: &str = "security-action";
/// The `aud` of declarers' and operators' tokens.
pub const USER_AUDIENCE: &str = "security-action/user";
/// The `aud` of API clients' tokens: a user token never passes where a client is expected,
/// and the reverse.
pub const CLIENT_AUDIENCE: &str = "security-action/client";
/// Access tokens live 15 minutes.
pub const ACCESS_TOKEN_SECONDS: i64 = 15 * 60;
/// Allowed clock difference when checking `exp` and `iat`.
const LEEWAY_SECONDS: i64 = 30;

/// Who a user token speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 宣言事業者: a declaring organisation's contact person.
    Declarer,
    /// 事務局: a secretariat operator.
    Secretariat,
}

impl Role {
    pub fn code(self) -> &'static str {
        match self {
            Role::Declarer => "declarer",
            Role::Secretariat => "secretariat",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        match code {
            "declarer" => Some(Role::Declarer),
            "secretariat" => Some(Role::Secretariat),
            _ => None,
        }
    }
}

/// The claims of a declarer's or operator's access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserClaims {
    /// The user number.
    pub sub: String,
    pub role: Role,
    /// The login session (refresh-token family) the token belongs to.
    pub sid: String,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    Expired,
    Invalid,
}

/// The signing key and the pinned validation rules.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    user_validation: Validation,
    client_validation: Validation,
    notice_key: [u8; 32],
    request_key: [u8; 32],
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKeys(***)")
    }
}

fn validation(audience: &str) -> Validation {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.algorithms = vec![Algorithm::HS256];
    validation.set_audience(&[audience]);
    validation.set_issuer(&[ISSUER]);
    // Setting the audience alone still accepts a token without one: require every claim.
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.leeway = LEEWAY_SECONDS as u64;
    validation.validate_exp = true;
    validation
}

/// `iat` not in the future and before `exp`, and a lifetime (`exp − iat`) no longer than the
/// service gives its tokens: a token that claims to live longer was not made by this service.
fn check_times(iat: i64, exp: i64, now: DateTime<Utc>) -> Result<(), TokenError> {
    if iat > now.timestamp() + LEEWAY_SECONDS || iat > exp || exp - iat > ACCESS_TOKEN_SECONDS {
        return Err(TokenError::Invalid);
    }
    Ok(())
}

impl TokenKeys {
    pub fn new(secret: &Secret) -> Self {
        let bytes = secret.expose().as_bytes();
        Self {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            user_validation: validation(USER_AUDIENCE),
            client_validation: validation(CLIENT_AUDIENCE),
            notice_key: derive_key(bytes, b"completion-notice-verification"),
            request_key: derive_key(bytes, b"idempotent-request-digest"),
        }
    }

    /// A 15-minute access token for a user; returns it with its lifetime in seconds.
    pub fn issue_user_token(
        &self,
        user_number: &str,
        role: Role,
        session: &str,
        now: DateTime<Utc>,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let claims = UserClaims {
            sub: user_number.to_owned(),
            role,
            sid: session.to_owned(),
            iss: ISSUER.to_owned(),
            aud: USER_AUDIENCE.to_owned(),
            iat: now.timestamp(),
            exp: now.timestamp() + ACCESS_TOKEN_SECONDS,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    /// Checks a user token: signature with the pinned algorithm, `iss`, `aud`, `exp`, `sub`, an
    /// `iat` that is not in the future, and a lifetime no longer than the service issues.
    pub fn verify_user_token(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<UserClaims, TokenError> {
        let data = jsonwebtoken::decode::<UserClaims>(token, &self.decoding, &self.user_validation)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })?;
        let claims = data.claims;
        check_times(claims.iat, claims.exp, now)?;
        Ok(claims)
    }

    /// Checks an API client's token with the same rules and the client audience.
    pub fn verify_client_token(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<super::clients::ClientClaims, TokenError> {
        let data = jsonwebtoken::decode::<super::clients::ClientClaims>(
            token,
            &self.decoding,
            &self.client_validation,
        )
        .map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
            _ => TokenError::Invalid,
        })?;
        let claims = data.claims;
        check_times(claims.iat, claims.exp, now)?;
        Ok(claims)
    }

    /// Signs arbitrary claims (for API clients' tokens).
    pub fn sign<T: Serialize>(&self, claims: &T) -> Result<String, jsonwebtoken::errors::Error> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
    }

    /// The verification code (確認コード) printed on a declaration's completion notice: the
    /// declaration ID and 80 bits of an HMAC-SHA-256 under the service's key, in Crockford's
    /// base32 (see [`notice_code`]). It names the declaration and cannot be forged.
    pub fn notice_code(&self, declaration_id: &DeclarationId) -> String {
        let mac = self.notice_mac(declaration_id);
        notice_code::display(declaration_id.as_str(), &notice_code::tag(&mac))
    }

    /// The code as notices printed before 2026-12 spelled it; still valid.
    pub fn legacy_notice_code(&self, declaration_id: &DeclarationId) -> String {
        let mac = self.notice_mac(declaration_id);
        format!(
            "{}-{}",
            declaration_id.as_str(),
            notice_code::legacy_tag(&mac)
        )
    }

    /// The declaration a verification code speaks for, if the code is genuine: as printed, or
    /// as a person types it (any case, spaces or hyphens, O for 0 and the like), in today's
    /// spelling or the one before.
    pub fn check_notice_code(&self, code: &str) -> Option<DeclarationId> {
        let typed = notice_code::read(code)?;
        let id = DeclarationId::stored(&typed.declaration_id).ok()?;
        let mac = self.notice_mac(&id);
        let genuine = constant_time_eq(typed.tag().as_bytes(), notice_code::tag(&mac).as_bytes())
            | constant_time_eq(
                typed.legacy_tag().as_bytes(),
                notice_code::legacy_tag(&mac).as_bytes(),
            );
        genuine.then_some(id)
    }

    fn notice_mac(&self, declaration_id: &DeclarationId) -> Vec<u8> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.notice_key)
            .unwrap_or_else(|_| unreachable_hmac());
        mac.update(declaration_id.as_str().as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}

impl TokenKeys {
    /// The digest under which a request body is kept to recognise a retry with the same
    /// `Idempotency-Key`: HMAC-SHA-256 with a key of the service (hex) over the body with its
    /// secret fields masked. Neither the password nor a fast hash of it is ever stored, and
    /// without the key a stored digest cannot be used to test guesses.
    pub fn request_digest(&self, body: &serde_json::Value) -> String {
        let masked = crate::db::audit::mask_secrets(body);
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.request_key)
            .unwrap_or_else(|_| unreachable_hmac());
        mac.update(masked.to_string().as_bytes());
        data_encoding::HEXLOWER.encode(&mac.finalize().into_bytes())
    }
}

/// HMAC accepts keys of any length, so construction cannot fail.
fn unreachable_hmac() -> Hmac<Sha256> {
    unreachable!("HMAC-SHA-256 accepts any key length")
}

fn derive_key(secret: &[u8], purpose: &[u8]) -> [u8; 32] {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(secret).unwrap_or_else(|_| unreachable_hmac());
    mac.update(purpose);
    mac.finalize().into_bytes().into()
}

/// Compares secrets in constant time.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A new opaque token: 256 random bits, base64url without padding.
pub fn new_opaque_token() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    data_encoding::BASE64URL_NOPAD.encode(&bytes)
}

/// The digest under which an opaque token is stored (SHA-256, hex): the token itself is never
/// stored, so a leaked table grants nothing.
pub fn token_digest(token: &str) -> String {
    token_digest_bytes(token.as_bytes())
}

/// SHA-256 of bytes, hex.
pub fn token_digest_bytes(bytes: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn keys() -> TokenKeys {
        TokenKeys::new(&Secret::new("a-test-secret-that-is-long-enough-123456"))
    }

    #[test]
    fn user_tokens_round_trip_and_expire() {
        let keys = keys();
        let now = Utc::now();
        let token = keys
            .issue_user_token("318204957362", Role::Declarer, "s1", now)
            .unwrap();
        let claims = keys.verify_user_token(&token, now).unwrap();
        assert_eq!(
            (claims.sub.as_str(), claims.role, claims.sid.as_str()),
            ("318204957362", Role::Declarer, "s1")
        );
        // jsonwebtoken checks `exp` against the clock: a token issued two hours ago is stale.
        let stale = keys
            .issue_user_token(
                "318204957362",
                Role::Declarer,
                "s1",
                now - chrono::Duration::hours(2),
            )
            .unwrap();
        assert_eq!(
            keys.verify_user_token(&stale, now),
            Err(TokenError::Expired)
        );
        // A token claiming to be issued in the future is refused.
        let future = keys
            .issue_user_token(
                "318204957362",
                Role::Declarer,
                "s1",
                now + chrono::Duration::minutes(5),
            )
            .unwrap();
        assert_eq!(
            keys.verify_user_token(&future, now),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn another_key_or_a_tampered_token_is_invalid() {
        let now = Utc::now();
        let token = keys()
            .issue_user_token("318204957362", Role::Declarer, "s", now)
            .unwrap();
        let other = TokenKeys::new(&Secret::new("another-secret-that-is-long-enough-98765"));
        assert_eq!(
            other.verify_user_token(&token, now),
            Err(TokenError::Invalid)
        );
        let mut tampered = token.clone();
        tampered.pop();
        tampered.push(if token.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(
            keys().verify_user_token(&tampered, now),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn notice_codes_are_checked() {
        let keys = keys();
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let id = DeclarationId::generate(&mut rng);
        let code = keys.notice_code(&id);
        assert_eq!(keys.check_notice_code(&code), Some(id));
        assert_eq!(keys.check_notice_code(&code.to_lowercase()), Some(id));
        let other = DeclarationId::generate(&mut rng);
        let forged = format!("{}-{}", other.as_str(), &code[13..]);
        assert_eq!(keys.check_notice_code(&forged), None);
        assert_eq!(keys.check_notice_code("garbage"), None);
        assert_eq!(keys.check_notice_code(&code[..code.len() - 1]), None);
    }

    #[test]
    fn request_digests_are_keyed_and_blind_to_secret_fields() {
        let body = |password: &str, name: &str| serde_json::json!({"organization": {"name": name}, "password": password});
        let keys = keys();
        let digest = keys.request_digest(&body("first passphrase", "A"));
        assert_eq!(digest.len(), 64);
        assert_eq!(
            digest,
            keys.request_digest(&body("second passphrase", "A")),
            "the password takes no part"
        );
        assert_ne!(digest, keys.request_digest(&body("first passphrase", "B")));
        let other_key = TokenKeys::new(&Secret::new("another-test-secret-long-enough-9876543"));
        assert_ne!(
            digest,
            other_key.request_digest(&body("first passphrase", "A")),
            "without the service's key the digest cannot be computed"
        );
        assert_ne!(
            digest,
            token_digest(&body("first passphrase", "A").to_string())
        );
    }

    #[test]
    fn opaque_tokens_are_random_and_stored_as_digests() {
        let a = new_opaque_token();
        assert_eq!(a.len(), 43);
        assert_ne!(a, new_opaque_token());
        assert_eq!(token_digest(&a).len(), 64);
        assert_ne!(token_digest(&a), a);
    }
}
