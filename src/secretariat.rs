//! The secretariat's (事務局) accounts: operators and API clients. Used by the HTTP API and the
//! command line alike, so that each rule lives in one place. Its decisions on declarations are
//! in [`crate::declarations::decisions`].

use chrono::Duration;
use rand::RngExt;

use crate::auth::tokens::{new_opaque_token, token_digest};
use crate::db::audit::Actor;
use crate::db::models::NewAccount;
use crate::db::{self, DbConnection, accounts, api_clients, audit};
use crate::domain::identifiers::UserNumber;
use crate::domain::validation::{FieldCode, Violation, check_text};
use crate::error::ApiError;

/// A new operator's login: the user number and the generated password, shown once.
#[derive(Debug, Clone)]
pub struct NewOperator {
    pub user_number: String,
    pub password: String,
}

/// A generated password: 24 characters from an unambiguous alphabet (about 139 bits).
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..24)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// Stores a secretariat operator with a hashed password.
pub fn create_operator(
    conn: &mut DbConnection,
    name: &str,
    password: &str,
    password_hash: &str,
    actor: &Actor,
) -> Result<NewOperator, ApiError> {
    let mut rng = rand::rng();
    let user_number = loop {
        let candidate = UserNumber::generate(&mut rng);
        if !password.contains(candidate.as_str())
            && !accounts::user_number_taken(conn, candidate.as_str())?
        {
            break candidate;
        }
    };
    let now = db::now();
    accounts::insert(
        conn,
        &NewAccount {
            user_number: user_number.as_str(),
            role: "secretariat",
            display_name: Some(name),
            password_hash,
            password_changed_at: now,
            created_at: now,
        },
    )?;
    audit::record(
        conn,
        actor,
        "operator.created",
        "account",
        Some(user_number.as_str()),
        None,
        Some(&serde_json::json!({"name": name, "role": "secretariat"})),
        now,
    )?;
    Ok(NewOperator {
        user_number: user_number.as_str().to_owned(),
        password: password.to_owned(),
    })
}

/// The scopes an API client may hold.
pub const KNOWN_SCOPES: [&str; 3] = [
    "declarations:verify",
    "declarations:changes",
    "webhooks:manage",
];

/// Checks a client's name, scopes and contact address.
pub fn check_client(
    name: &str,
    scopes: &[String],
    contact_email: Option<&str>,
) -> Result<(), ApiError> {
    let mut violations: Vec<Violation> =
        check_text("name", name, 1, 200).err().into_iter().collect();
    if let Some(email) = contact_email
        && let Err(violation) = crate::domain::organization::check_email("contact_email", email)
    {
        violations.push(violation);
    }
    if scopes.is_empty() {
        violations.push(Violation::new(
            "scopes",
            FieldCode::Required,
            "スコープを1つ以上指定してください",
            "give at least one scope",
        ));
    }
    for (i, scope) in scopes.iter().enumerate() {
        if !KNOWN_SCOPES.contains(&scope.as_str()) {
            violations.push(Violation::new(
                format!("scopes[{i}]"),
                FieldCode::UnknownScope,
                format!("指定できるスコープは {} です", KNOWN_SCOPES.join(", ")),
                format!("known scopes: {}", KNOWN_SCOPES.join(", ")),
            ));
        } else if scopes[..i].contains(scope) {
            violations.push(Violation::new(
                format!("scopes[{i}]"),
                FieldCode::Duplicate,
                "重複しています",
                "listed twice",
            ));
        }
    }
    if violations.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(violations))
    }
}

/// A new API client's credentials, shown once.
#[derive(Debug, Clone)]
pub struct NewClient {
    pub client_id: String,
    pub client_secret: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub created_at: chrono::NaiveDateTime,
}

/// Creates an API client. The secret has 256 random bits and is stored only as a SHA-256
/// digest (enough for a secret of that strength; no slow hash is needed).
pub fn create_client(
    conn: &mut DbConnection,
    name: &str,
    scopes: &[String],
    contact_email: Option<&str>,
    created_by: Option<i64>,
    actor: &Actor,
) -> Result<NewClient, ApiError> {
    check_client(name, scopes, contact_email)?;
    let name = name.trim();
    let bytes: [u8; 10] = rand::rng().random();
    let client_id = format!(
        "sa_{}",
        data_encoding::BASE32_NOPAD
            .encode(&bytes)
            .to_ascii_lowercase()
    );
    let client_secret = new_opaque_token();
    let now = db::now();
    let scopes_text = scopes.join(" ");
    api_clients::insert(
        conn,
        &api_clients::NewApiClient {
            client_id: &client_id,
            name,
            secret_hash: &token_digest(&client_secret),
            scopes: &scopes_text,
            contact_email,
            created_by,
            created_at: now,
        },
    )?;
    audit::record(
        conn,
        actor,
        "api_client.created",
        "api_client",
        Some(&client_id),
        None,
        Some(&serde_json::json!({"name": name, "scopes": scopes, "contact_email": contact_email})),
        now,
    )?;
    Ok(NewClient {
        client_id,
        client_secret,
        name: name.to_owned(),
        scopes: scopes.to_vec(),
        created_at: now,
    })
}

/// How long a logo-download token lives by default.
pub const DEFAULT_LOGO_TOKEN_LIFETIME: Duration = Duration::minutes(10);
