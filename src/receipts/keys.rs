//! The Ed25519 key that signs receipts: read from a PKCS#8 PEM, generated for development, and
//! published as a JWK whose `kid` is its RFC 7638 thumbprint.

use std::fmt;
use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey, spki::der::pem::LineEnding};
use rand::RngExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

/// The development key's file in the data folder.
pub const DEVELOPMENT_KEY_FILE: &str = "receipt-signing-key.pem";

/// A signing key: its private half for `jsonwebtoken`, and its public half as published.
#[derive(Clone)]
pub struct ReceiptKey {
    encoding: jsonwebtoken::EncodingKey,
    /// The public key, base64url without padding (the JWK's `x`).
    pub x: String,
    /// The RFC 7638 thumbprint of the public JWK.
    pub kid: String,
}

impl fmt::Debug for ReceiptKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReceiptKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// Why a key could not be read.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("not an Ed25519 private key in PKCS#8 PEM form ({0})")]
    NotEd25519Pkcs8(String),
    #[error("cannot read {path}: {error}")]
    Unreadable {
        path: PathBuf,
        error: std::io::Error,
    },
}

impl ReceiptKey {
    /// Reads a PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`, as `openssl genpkey -algorithm
    /// ed25519` writes it).
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let signing = SigningKey::from_pkcs8_pem(pem.trim())
            .map_err(|e| KeyError::NotEd25519Pkcs8(e.to_string()))?;
        let der = signing
            .to_pkcs8_der()
            .map_err(|e| KeyError::NotEd25519Pkcs8(e.to_string()))?;
        let x = data_encoding::BASE64URL_NOPAD.encode(signing.verifying_key().as_bytes());
        Ok(Self {
            encoding: jsonwebtoken::EncodingKey::from_ed_der(der.as_bytes()),
            kid: thumbprint(&x),
            x,
        })
    }

    /// Reads `RECEIPT_SIGNING_KEY`'s value: the PEM itself, or the path of a file holding it.
    pub fn from_setting(value: &str) -> Result<(Self, String), KeyError> {
        let pem = if value.trim_start().starts_with("-----BEGIN") {
            value.to_owned()
        } else {
            let path = PathBuf::from(value.trim());
            std::fs::read_to_string(&path).map_err(|error| KeyError::Unreadable { path, error })?
        };
        Ok((Self::from_pem(&pem)?, pem))
    }

    pub(crate) fn encoding(&self) -> &jsonwebtoken::EncodingKey {
        &self.encoding
    }

    /// The public key as published.
    pub fn jwk(&self) -> Jwk {
        Jwk::ed25519(self.x.clone(), self.kid.clone())
    }
}

/// A new Ed25519 private key as a PKCS#8 PEM.
pub fn generate_pem() -> String {
    let secret: [u8; 32] = rand::rng().random();
    let signing = SigningKey::from_bytes(&secret);
    signing
        .to_pkcs8_pem(LineEnding::LF)
        .map(|pem| pem.as_str().to_owned())
        // Encoding 32 fixed bytes cannot fail; should it, the key is simply unusable.
        .unwrap_or_default()
}

/// The RFC 7638 thumbprint of an Ed25519 JWK: SHA-256 over its required members in
/// lexicographic order, base64url without padding.
pub fn thumbprint(x: &str) -> String {
    let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
    data_encoding::BASE64URL_NOPAD.encode(&Sha256::digest(canonical.as_bytes()))
}

/// One published public key (RFC 8037: `kty` OKP, `crv` Ed25519).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
    "kid": "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k", "alg": "EdDSA", "use": "sig"
}))]
pub struct Jwk {
    /// Always `OKP`.
    pub kty: String,
    /// Always `Ed25519`.
    pub crv: String,
    /// The public key, base64url without padding.
    pub x: String,
    /// The key's RFC 7638 thumbprint; a receipt's header names it.
    pub kid: String,
    /// Always `EdDSA`.
    pub alg: String,
    /// Always `sig`.
    #[serde(rename = "use")]
    pub use_: String,
}

impl Jwk {
    pub fn ed25519(x: String, kid: String) -> Self {
        Self {
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            x,
            kid,
            alg: "EdDSA".into(),
            use_: "sig".into(),
        }
    }
}

/// The development key kept in the data folder, created on first use (like the development
/// token key): its PEM.
pub fn development_key(data_dir: &Path) -> Result<String, String> {
    let path = data_dir.join(DEVELOPMENT_KEY_FILE);
    if let Ok(existing) = std::fs::read_to_string(&path)
        && ReceiptKey::from_pem(&existing).is_ok()
    {
        return Ok(existing);
    }
    let pem = generate_pem();
    write_development_key(data_dir, &pem)?;
    tracing::warn!(
        path = %path.display(),
        "RECEIPT_SIGNING_KEY is not set: receipts are signed with a development key kept in the data folder"
    );
    Ok(pem)
}

/// Writes the development key file (readable by its owner only).
pub fn write_development_key(data_dir: &Path, pem: &str) -> Result<(), String> {
    use std::io::Write;
    let path = data_dir.join(DEVELOPMENT_KEY_FILE);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(&path)
        .and_then(|mut f| f.write_all(pem.as_bytes()))
        .map_err(|e| {
            format!(
                "cannot write the development key to {}: {e}",
                path.display()
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_8037_example_thumbprint() {
        // RFC 8037, appendix A.3.
        assert_eq!(
            thumbprint("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"),
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
    }

    #[test]
    fn a_generated_key_reads_back_and_keys_differ() {
        let a = ReceiptKey::from_pem(&generate_pem()).unwrap();
        let b = ReceiptKey::from_pem(&generate_pem()).unwrap();
        assert_ne!(a.kid, b.kid);
        assert_eq!(a.kid, thumbprint(&a.x));
        assert_eq!(
            data_encoding::BASE64URL_NOPAD
                .decode(a.x.as_bytes())
                .unwrap()
                .len(),
            32
        );
    }

    #[test]
    fn an_openssl_key_is_read() {
        // RFC 8410, section 10.3: a PKCS#8 v1 Ed25519 key as OpenSSL writes it.
        let pem = "-----BEGIN PRIVATE KEY-----\n\
                   MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n\
                   -----END PRIVATE KEY-----\n";
        let key = ReceiptKey::from_pem(pem).unwrap();
        assert_eq!(key.x, "Gb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE");
    }

    #[test]
    fn other_text_is_refused() {
        assert!(ReceiptKey::from_pem("not a key").is_err());
        assert!(ReceiptKey::from_setting("/nonexistent/key.pem").is_err());
    }
}
