//! The secretariat's (事務局) decisions on declarations — accept, revoke, reinstate — and its
//! accounts: operators and API clients. Used by the HTTP API and the command line alike, so
//! that each rule lives in one place.

use chrono::Duration;
use rand::RngExt;

use crate::auth::tokens::{new_opaque_token, token_digest};
use crate::db::audit::Actor;
use crate::db::declarations::DeclarationChange;
use crate::db::models::{Declaration, Declarer, NewAccount};
use crate::db::{
    self, DbConnection, DbError, accounts, api_clients, audit, declarations, declarers,
};
use crate::domain::declaration::{RevocationReason, Transition};
use crate::domain::identifiers::{DeclarationId, UserNumber};
use crate::error::{ApiError, Message};
use crate::mail::{self, templates};
use crate::routes::declarations::{
    HistoryEntry, apply_transition, declaration_not_found, record_history, star_of, status_of,
};

/// A decision on a declaration.
#[derive(Debug, Clone)]
pub enum Decision {
    /// 申込み受理.
    Accept,
    /// 取消し, with a reason and an optional note.
    Revoke {
        reason: RevocationReason,
        note: Option<String>,
    },
    /// 取消しの解除.
    Reinstate { note: Option<String> },
}

impl Decision {
    fn transition(&self) -> Transition {
        match self {
            Decision::Accept => Transition::Accept,
            Decision::Revoke { .. } => Transition::Revoke,
            Decision::Reinstate { .. } => Transition::Reinstate,
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Decision::Accept => "accepted",
            Decision::Revoke { .. } => "revoked",
            Decision::Reinstate { .. } => "reinstated",
        }
    }
}

fn corporate_number_taken() -> ApiError {
    ApiError::conflict(
        "corporate_number_already_declared",
        Message::new(
            "この法人番号では別の自己宣言が有効なため、取消しを解除できません",
            "Another live declaration holds this corporate number; this one cannot be reinstated.",
        ),
    )
}

/// Applies a decision in the caller's transaction: the lifecycle is checked (409 otherwise),
/// the declaration's history, the audit trail and the e-mail are written with the change.
pub fn decide(
    conn: &mut DbConnection,
    declaration_id: &str,
    decision: &Decision,
    actor: &Actor,
    actor_account_id: Option<i64>,
    base_url: &str,
) -> Result<(Declarer, Declaration), ApiError> {
    DeclarationId::parse(declaration_id).map_err(|_| declaration_not_found())?;
    let declaration = declarations::by_public_id(conn, declaration_id)
        .map_err(DbError::from)?
        .ok_or_else(declaration_not_found)?;
    let declarer = declarers::by_id(conn, declaration.declarer_id).map_err(DbError::from)?;
    let from = status_of(&declaration)?;
    let to = apply_transition(&declaration, decision.transition(), decision.name())?;
    let star = star_of(&declaration)?;
    let now = db::now();
    let (reason, note) = match decision {
        Decision::Accept => (None, None),
        Decision::Revoke { reason, note } => (Some(reason.code()), note.as_deref()),
        Decision::Reinstate { note } => (None, note.as_deref()),
    };
    let change = match decision {
        Decision::Accept => DeclarationChange {
            status: Some(to.code()),
            accepted_at: Some(Some(now)),
            ..Default::default()
        },
        Decision::Revoke { .. } => DeclarationChange {
            status: Some(to.code()),
            ended_at: Some(Some(now)),
            end_reason: Some(reason),
            end_note: Some(note),
            ..Default::default()
        },
        Decision::Reinstate { .. } => DeclarationChange {
            status: Some(to.code()),
            accepted_at: Some(Some(declaration.accepted_at.unwrap_or(now))),
            ended_at: Some(None),
            end_reason: Some(None),
            end_note: Some(None),
            ..Default::default()
        },
    };
    if matches!(decision, Decision::Reinstate { .. })
        && let Some(number) = &declaration.corporate_number
        && declarations::live_with_corporate_number(conn, number, Some(declaration.id))
            .map_err(DbError::from)?
    {
        return Err(corporate_number_taken());
    }
    declarations::update(conn, declaration.id, &change, now).map_err(|e| {
        if db::is_unique_violation(&e, "corporate_number") {
            corporate_number_taken()
        } else {
            ApiError::from(e)
        }
    })?;
    record_history(
        conn,
        declaration.id,
        &HistoryEntry {
            kind: decision.name(),
            from_status: from,
            to_status: to,
            from_star: star,
            to_star: star,
            actor_kind: "secretariat",
            actor_account_id,
            reason,
            note,
        },
        now,
    )?;
    audit::record(
        conn,
        actor,
        &format!("declaration.{}", decision.name()),
        "declaration",
        Some(&declaration.public_id),
        Some(&serde_json::json!({"status": from.code()})),
        Some(&serde_json::json!({"status": to.code(), "reason": reason, "note": note})),
        now,
    )
    .map_err(DbError::from)?;
    let recipient = mail::recipient(&declarer);
    let at = db::utc(now);
    let email = match decision {
        Decision::Accept => {
            templates::accepted(&recipient, &declaration.public_id, star, at, base_url)
        }
        Decision::Revoke { reason, note } => templates::revoked(
            &recipient,
            &declaration.public_id,
            reason.code(),
            note.as_deref(),
            at,
        ),
        Decision::Reinstate { .. } => {
            templates::reinstated(&recipient, &declaration.public_id, star, at)
        }
    };
    mail::enqueue(conn, &email, Some(declaration.id), now).map_err(DbError::from)?;
    let declaration = declarations::by_public_id(conn, declaration_id)
        .map_err(DbError::from)?
        .ok_or_else(declaration_not_found)?;
    Ok((declarer, declaration))
}

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
            && !accounts::user_number_taken(conn, candidate.as_str()).map_err(DbError::from)?
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
    )
    .map_err(DbError::from)?;
    audit::record(
        conn,
        actor,
        "operator.created",
        "account",
        Some(user_number.as_str()),
        None,
        Some(&serde_json::json!({"name": name, "role": "secretariat"})),
        now,
    )
    .map_err(DbError::from)?;
    Ok(NewOperator {
        user_number: user_number.as_str().to_owned(),
        password: password.to_owned(),
    })
}

/// The scopes an API client may hold.
pub const KNOWN_SCOPES: [&str; 1] = ["declarations:verify"];

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
    created_by: Option<i64>,
    actor: &Actor,
) -> Result<NewClient, ApiError> {
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
        &client_id,
        name,
        &token_digest(&client_secret),
        &scopes_text,
        created_by,
        now,
    )
    .map_err(DbError::from)?;
    audit::record(
        conn,
        actor,
        "api_client.created",
        "api_client",
        Some(&client_id),
        None,
        Some(&serde_json::json!({"name": name, "scopes": scopes})),
        now,
    )
    .map_err(DbError::from)?;
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
