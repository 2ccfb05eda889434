//! The command line's administrative commands: the secretariat's commonest acts without HTTP.
//! Created things are printed once, as `key: value` lines or one JSON object.

use std::collections::BTreeMap;

use crate::auth::hashing::hash_now;
use crate::config::Config;
use crate::db::audit::Actor;
use crate::db::{Db, DbError};
use crate::declarations::{self, Context, Decision};
use crate::domain::declaration::RevocationReason;
use crate::domain::identifiers::DeclarationId;
use crate::domain::language::Language;
use crate::error::ApiError;
use crate::receipts::{self, keys, keys::ReceiptKey};
use crate::secretariat;

/// The actor the command line records in the audit trail.
fn actor() -> Actor {
    Actor {
        kind: "secretariat",
        id: Some(format!(
            "cli:{}",
            std::env::var("USER").unwrap_or_else(|_| "unknown".into())
        )),
        request_id: None,
        address: None,
    }
}

/// Prints fields as `key: value` lines, or as one JSON object.
pub fn print(fields: &BTreeMap<&str, String>, json: bool) {
    if json {
        println!("{}", serde_json::to_string(fields).unwrap_or_default());
    } else {
        for (key, value) in fields {
            println!("{key}: {value}");
        }
    }
}

/// An error for the command line: the API error's status and detail, one line.
pub fn describe(error: &ApiError) -> String {
    let fields: Vec<String> = error
        .errors()
        .iter()
        .map(|v| format!("{}: {}", v.field, v.message(Language::En)))
        .collect();
    if fields.is_empty() {
        format!("{} ({})", error.code(), error)
    } else {
        fields.join("; ")
    }
}

pub fn create_operator(
    db: &Db,
    config: &Config,
    name: &str,
) -> anyhow::Result<BTreeMap<&'static str, String>> {
    let name = name.trim();
    anyhow::ensure!(
        !name.is_empty() && name.chars().count() <= 100,
        "the name must be 1–100 characters"
    );
    let password = secretariat::generate_password();
    let hash = hash_now(config.argon2, &password)?;
    let actor = actor();
    let created = db
        .write_blocking(|conn| secretariat::create_operator(conn, name, &password, &hash, &actor))
        .map_err(|e| anyhow::anyhow!(describe(&e)))?;
    Ok(BTreeMap::from([
        ("user_number", created.user_number),
        ("password", created.password),
        ("name", name.to_owned()),
        ("role", "secretariat".to_owned()),
    ]))
}

pub fn create_client(
    db: &Db,
    name: &str,
    scopes: &[String],
    contact_email: Option<&str>,
) -> anyhow::Result<BTreeMap<&'static str, String>> {
    let actor = actor();
    let created = db
        .write_blocking(|conn| {
            secretariat::create_client(conn, name, scopes, contact_email, None, &actor)
        })
        .map_err(|e| anyhow::anyhow!(describe(&e)))?;
    Ok(BTreeMap::from([
        ("client_id", created.client_id),
        ("client_secret", created.client_secret),
        ("name", created.name),
        ("scopes", created.scopes.join(" ")),
    ]))
}

pub fn decide(
    db: &Db,
    config: &Config,
    declaration_id: &str,
    decision: Decision,
) -> anyhow::Result<BTreeMap<&'static str, String>> {
    let actor = actor();
    let base = config.public_base_url.as_ref().map_or_else(
        || format!("http://{}", config.bind_address),
        |u| u.as_str().trim_end_matches('/').to_owned(),
    );
    let changed = db
        .write_blocking(|conn| {
            let ctx = Context {
                actor: &actor,
                account_id: None,
                base_url: &base,
            };
            // A malformed ID names no declaration, as over HTTP.
            let id =
                DeclarationId::stored(declaration_id).map_err(|_| declarations::not_found())?;
            declarations::decide(conn, &ctx, &id, &decision)
        })
        .map_err(|e| anyhow::anyhow!(describe(&e)))?;
    let declaration = changed.declaration;
    Ok(BTreeMap::from([
        ("declaration_id", declaration.public_id),
        ("status", declaration.status.code().to_owned()),
        ("star", declaration.star_level.code().to_owned()),
    ]))
}

/// Parses a revocation reason code.
pub fn reason(code: &str) -> Result<RevocationReason, String> {
    RevocationReason::from_code(code).ok_or_else(|| {
        let codes: Vec<&str> = RevocationReason::ALL.iter().map(|r| r.code()).collect();
        format!("unknown reason {code:?}; one of {}", codes.join(", "))
    })
}

/// Replaces the development receipt key with a new one: the old key is retired but stays
/// published, the new one is published at once and signs from the next start on.
pub fn rotate_receipt_key(
    db: &Db,
    config: &Config,
) -> anyhow::Result<BTreeMap<&'static str, String>> {
    anyhow::ensure!(
        config.receipt_key.is_development(),
        "RECEIPT_SIGNING_KEY is set, so the key is not this command's to replace: generate a new \
         key (openssl genpkey -algorithm ed25519 -out receipt-key.pem), set RECEIPT_SIGNING_KEY \
         to it and restart; the current key stays published, so receipts it signed still verify"
    );
    let old = ReceiptKey::from_pem(config.receipt_signing_pem()?.expose())?;
    let pem = keys::generate_pem();
    let new = ReceiptKey::from_pem(&pem)?;
    db.write_blocking(|conn| {
        // The old key may never have been published (no start since it was made).
        receipts::publish(conn, &old)?;
        Ok::<_, DbError>(receipts::publish(conn, &new)?)
    })?;
    keys::write_development_key(&config.data_dir, &pem).map_err(|e| anyhow::anyhow!(e))?;
    Ok(BTreeMap::from([
        ("kid", new.kid),
        ("retired_kid", old.kid),
        (
            "key_file",
            config
                .data_dir
                .join(keys::DEVELOPMENT_KEY_FILE)
                .display()
                .to_string(),
        ),
    ]))
}
