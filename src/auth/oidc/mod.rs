//! The service as an OpenID Connect relying party of GビズID: the authorization code flow with
//! PKCE (S256), `state` and `nonce`. The `openidconnect` crate does the protocol and checks the
//! ID token (signature against the provider's keys, `iss`, `aud`, `exp`, `nonce`; `iat` is
//! checked here through the crate's hook). The corporate-number and account-kind claims are read
//! from the ID token, or else from the UserInfo endpoint (which must answer for the same
//! subject). Which account a verified identity signs in to is
//! [`linking`]'s business.

pub mod http;
pub mod linking;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use openidconnect::core::{
    CoreClient, CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreProviderMetadata, CoreResponseType,
};
use openidconnect::{
    AdditionalClaims, AuthenticationFlow, AuthorizationCode, ClaimsVerificationError, ClientId,
    ClientSecret, CsrfToken, IdToken, IssuerUrl, JsonWebKeySet, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, SignatureVerificationError,
};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use self::http::ProviderHttp;
use crate::config::OidcSettings;

/// How long the provider's discovery document is trusted before it is read again.
const DISCOVERY_LIFETIME: Duration = Duration::from_secs(3600);
/// How long after a failed reading the provider is left alone (requests meanwhile do not each
/// wait for a provider that is down).
const DISCOVERY_RETRY: Duration = Duration::from_secs(5);
/// The least time between two readings of the provider's keys for an unknown key ID, so that
/// forged tokens cannot make the service hammer the provider.
const KEYS_REFRESH_INTERVAL: Duration = Duration::from_secs(10);
/// How far in the future an ID token's `iat` may be (clocks differ a little).
const CLOCK_SKEW_SECONDS: i64 = 60;
/// How long ago an ID token may have been issued: it is fetched right after the sign-in.
const MAX_ID_TOKEN_AGE_SECONDS: i64 = 600;

/// Every claim of the ID token besides the standard ones, by name (the corporate-number and
/// account-kind claims are configurable).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct OtherClaims(HashMap<String, serde_json::Value>);

impl AdditionalClaims for OtherClaims {}

impl OtherClaims {
    /// A claim as text: strings as they are, numbers written out; `None` when absent or empty.
    fn text(&self, name: &str) -> Option<String> {
        match self.0.get(name)? {
            serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
}

type GbizIdToken = IdToken<
    OtherClaims,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;

/// Who the provider says signed in, after the ID token was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    /// The corporate-number claim, as sent (checked by [`linking`]).
    pub corporate_number: Option<String>,
    /// The account-kind claim, as sent.
    pub account_kind: Option<String>,
}

/// A sign-in about to be sent to the provider: its URL, and what its answer is checked against.
pub struct Authorization {
    pub url: url::Url,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// Why a sign-in could not be finished with the provider.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// The provider cannot be reached or answers nonsense (discovery, keys, token endpoint).
    #[error("the OpenID provider is unavailable: {0}")]
    Unavailable(String),
    /// The provider refused the code, or its ID token failed a check.
    #[error("the sign-in was rejected: {0}")]
    Rejected(String),
}

struct Discovered {
    metadata: CoreProviderMetadata,
    read_at: Instant,
    keys_read_at: Instant,
}

/// What is known of the provider.
#[derive(Default)]
struct ProviderState {
    discovered: Option<Discovered>,
    /// When reading the provider last failed.
    failed_at: Option<Instant>,
}

/// The relying party: settings, an HTTP client, and the provider's metadata, read on first use
/// (a provider that is down does not stop the service from starting).
pub struct RelyingParty {
    settings: OidcSettings,
    redirect_url: RedirectUrl,
    http: ProviderHttp,
    provider: Mutex<ProviderState>,
}

impl RelyingParty {
    /// `base_url` is the service's public base URL, for the default callback URL.
    pub fn new(settings: OidcSettings, base_url: &str) -> anyhow::Result<RelyingParty> {
        let redirect = settings.redirect_url.as_ref().map_or_else(
            || format!("{}/v1/auth/oidc/callback", base_url.trim_end_matches('/')),
            |u| u.to_string(),
        );
        Ok(RelyingParty {
            redirect_url: RedirectUrl::new(redirect)?,
            http: ProviderHttp::new(Duration::from_secs(10))?,
            settings,
            provider: Mutex::default(),
        })
    }

    pub fn settings(&self) -> &OidcSettings {
        &self.settings
    }

    /// The service's callback, as registered at the provider.
    pub fn redirect_url(&self) -> &url::Url {
        self.redirect_url.url()
    }

    /// The allow-listed front-end URL that `return_to` names exactly, if any.
    pub fn allowed_return_url(&self, return_to: &str) -> Option<url::Url> {
        let wanted = url::Url::parse(return_to).ok()?;
        self.settings
            .return_urls
            .iter()
            .find(|allowed| **allowed == wanted)
            .cloned()
    }

    /// The provider's metadata, read again when it is old.
    async fn metadata(&self) -> Result<CoreProviderMetadata, OidcError> {
        let mut provider = self.provider.lock().await;
        if let Some(found) = &provider.discovered
            && found.read_at.elapsed() < DISCOVERY_LIFETIME
        {
            return Ok(found.metadata.clone());
        }
        // An old document serves while the provider cannot be read.
        let last_known = |provider: &ProviderState, error: String| {
            provider
                .discovered
                .as_ref()
                .map(|found| found.metadata.clone())
                .ok_or(OidcError::Unavailable(error))
        };
        if provider
            .failed_at
            .is_some_and(|at| at.elapsed() < DISCOVERY_RETRY)
        {
            return last_known(
                &provider,
                "the provider could not be read a moment ago".into(),
            );
        }
        let issuer = IssuerUrl::new(self.settings.issuer_url.clone())
            .map_err(|e| OidcError::Unavailable(e.to_string()))?;
        match CoreProviderMetadata::discover_async(issuer, &self.http).await {
            Ok(metadata) => {
                let now = Instant::now();
                provider.discovered = Some(Discovered {
                    metadata: metadata.clone(),
                    read_at: now,
                    keys_read_at: now,
                });
                provider.failed_at = None;
                Ok(metadata)
            }
            Err(error) => {
                let error = error_chain(&error);
                tracing::warn!(%error, "cannot read the OpenID provider's metadata");
                provider.failed_at = Some(Instant::now());
                last_known(&provider, error)
            }
        }
    }

    /// Reads the provider's keys again (a key ID the service does not know: the provider
    /// rotated its keys), unless they were read a moment ago; whether new keys were read.
    async fn refresh_keys(&self) -> Result<bool, OidcError> {
        let mut provider = self.provider.lock().await;
        let Some(found) = provider.discovered.as_mut() else {
            return Ok(false);
        };
        if found.keys_read_at.elapsed() < KEYS_REFRESH_INTERVAL {
            return Ok(false);
        }
        let jwks = JsonWebKeySet::fetch_async(found.metadata.jwks_uri(), &self.http)
            .await
            .map_err(|e| OidcError::Unavailable(error_chain(&e)))?;
        found.metadata = found.metadata.clone().set_jwks(jwks);
        found.keys_read_at = Instant::now();
        tracing::info!("the OpenID provider's signing keys were read again");
        Ok(true)
    }

    fn client(
        &self,
        metadata: CoreProviderMetadata,
    ) -> openidconnect::core::CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    > {
        CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.settings.client_id.clone()),
            Some(ClientSecret::new(
                self.settings.client_secret.expose().to_owned(),
            )),
        )
        .set_redirect_uri(self.redirect_url.clone())
    }

    /// A new sign-in: the provider's authorization URL with a fresh state, nonce and PKCE
    /// challenge (S256).
    pub async fn authorize(&self) -> Result<Authorization, OidcError> {
        let client = self.client(self.metadata().await?);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client.authorize_url(
            AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        );
        for scope in &self.settings.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        Ok(Authorization {
            url,
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Exchanges the provider's code (with the PKCE verifier) and checks the ID token against
    /// the nonce sent; the identity it vouches for.
    pub async fn finish(
        &self,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
    ) -> Result<Identity, OidcError> {
        let client = self.client(self.metadata().await?);
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| OidcError::Unavailable(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()))
            .request_async(&self.http)
            .await
            .map_err(|e| match &e {
                openidconnect::RequestTokenError::ServerResponse(_) => {
                    OidcError::Rejected(error_chain(&e))
                }
                _ => OidcError::Unavailable(error_chain(&e)),
            })?;
        let raw = openidconnect::TokenResponse::id_token(&response)
            .ok_or_else(|| OidcError::Rejected("the token answer has no ID token".into()))?
            .to_string();
        let token: GbizIdToken = raw
            .parse()
            .map_err(|e: serde_json::Error| OidcError::Rejected(e.to_string()))?;
        let nonce = Nonce::new(nonce.to_owned());
        let identity = match self.verify(&client, &token, &nonce) {
            Err(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            )) if self.refresh_keys().await? => {
                let client = self.client(self.metadata().await?);
                self.verify(&client, &token, &nonce)
            }
            other => other,
        };
        let mut identity = identity.map_err(|e| OidcError::Rejected(error_chain(&e)))?;
        if identity.corporate_number.is_none() || identity.account_kind.is_none() {
            self.add_user_info(
                &client,
                openidconnect::OAuth2TokenResponse::access_token(&response).clone(),
                &mut identity,
            )
            .await?;
        }
        Ok(identity)
    }

    /// Claims the ID token did not carry, from the provider's UserInfo endpoint (if it has one),
    /// asked with the sign-in's access token; the answer must be about the same subject.
    async fn add_user_info<E1, E2, E3, E4, E5>(
        &self,
        client: &openidconnect::core::CoreClient<
            E1,
            E2,
            E3,
            E4,
            E5,
            openidconnect::EndpointMaybeSet,
        >,
        access_token: openidconnect::AccessToken,
        identity: &mut Identity,
    ) -> Result<(), OidcError>
    where
        E1: openidconnect::EndpointState,
        E2: openidconnect::EndpointState,
        E3: openidconnect::EndpointState,
        E4: openidconnect::EndpointState,
        E5: openidconnect::EndpointState,
    {
        let subject = openidconnect::SubjectIdentifier::new(identity.subject.clone());
        let Ok(request) = client.user_info(access_token, Some(subject)) else {
            return Ok(());
        };
        let claims: openidconnect::UserInfoClaims<OtherClaims, CoreGenderClaim> = request
            .request_async(&self.http)
            .await
            .map_err(|e| match &e {
                openidconnect::UserInfoError::ClaimsVerification(_) => {
                    OidcError::Rejected(error_chain(&e))
                }
                _ => OidcError::Unavailable(error_chain(&e)),
            })?;
        let other = claims.additional_claims();
        if identity.corporate_number.is_none() {
            identity.corporate_number = other.text(&self.settings.corporate_number_claim);
        }
        if identity.account_kind.is_none() {
            identity.account_kind = other.text(&self.settings.account_kind_claim);
        }
        Ok(())
    }

    fn verify<E1, E2, E3, E4, E5>(
        &self,
        client: &openidconnect::core::CoreClient<
            E1,
            E2,
            E3,
            E4,
            E5,
            openidconnect::EndpointMaybeSet,
        >,
        token: &GbizIdToken,
        nonce: &Nonce,
    ) -> Result<Identity, ClaimsVerificationError>
    where
        E1: openidconnect::EndpointState,
        E2: openidconnect::EndpointState,
        E3: openidconnect::EndpointState,
        E4: openidconnect::EndpointState,
        E5: openidconnect::EndpointState,
    {
        let verifier = client
            .id_token_verifier()
            .set_issue_time_verifier_fn(|issued| {
                let age = chrono::Utc::now() - issued;
                if age < chrono::Duration::seconds(-CLOCK_SKEW_SECONDS) {
                    Err(format!("issued in the future ({issued})"))
                } else if age > chrono::Duration::seconds(MAX_ID_TOKEN_AGE_SECONDS) {
                    Err(format!("issued too long ago ({issued})"))
                } else {
                    Ok(())
                }
            });
        let claims = token.claims(&verifier, nonce)?;
        let other = claims.additional_claims();
        Ok(Identity {
            issuer: claims.issuer().to_string(),
            subject: claims.subject().to_string(),
            corporate_number: other.text(&self.settings.corporate_number_claim),
            account_kind: other.text(&self.settings.account_kind_claim),
        })
    }
}

/// An error with its causes, on one line.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
