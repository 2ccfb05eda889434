//! The rules of webhook endpoints and watchlists, shared by every caller: what an endpoint may
//! be, how many a client may have, how its secret is made and rotated, what a client watches.
//! Every function runs inside the caller's transaction.

use chrono::NaiveDateTime;
use rand::RngExt;

use super::address::{self, UrlProblem};
use crate::config::WebhookSettings;
use crate::db::audit::{self, Actor};
use crate::db::webhooks::{self as store, Endpoint, EndpointChanges, NewEndpoint};
use crate::db::{self, DbConnection};
use crate::domain::declaration::ChangeKind;
use crate::domain::validation::{FieldCode, Violation, check_text};
use crate::error::{ApiError, Message};

/// Endpoints one client may have.
pub const MAX_ENDPOINTS: i64 = 10;
/// Declarations one client may keep on its watchlist.
pub const MAX_WATCHED: i64 = 100_000;
/// How long the replaced secret keeps signing after a rotation.
pub const ROTATION_OVERLAP: chrono::Duration = chrono::Duration::hours(24);
/// The longest description.
pub const MAX_DESCRIPTION_CHARS: usize = 200;

/// The event type of a change-log kind: `declaration.` and the kind.
pub fn event_type(kind: ChangeKind) -> String {
    format!("declaration.{}", kind.code())
}

/// Every event type, in the change log's order of kinds.
pub fn event_types() -> Vec<String> {
    ChangeKind::ALL.into_iter().map(event_type).collect()
}

/// A new signing secret: `whsec_` and 32 random bytes in base64, as Standard Webhooks libraries
/// read it.
pub fn new_secret() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    format!("whsec_{}", data_encoding::BASE64.encode(&bytes))
}

/// A random public identifier with a prefix: 16 random bytes in lower-case base32.
pub fn new_public_id(prefix: &str) -> String {
    let bytes: [u8; 16] = rand::rng().random();
    format!(
        "{prefix}_{}",
        data_encoding::BASE32_NOPAD
            .encode(&bytes)
            .to_ascii_lowercase()
    )
}

fn url_violation(problem: &UrlProblem) -> Violation {
    match problem {
        UrlProblem::TooLong => Violation::new(
            "url",
            FieldCode::TooLong,
            "URLは2,000文字以内で指定してください",
            "must be at most 2,000 characters",
        ),
        UrlProblem::Unparsable => Violation::new(
            "url",
            FieldCode::InvalidUrl,
            "URLの形式が正しくありません",
            "must be an absolute http(s) URL with a host",
        ),
        UrlProblem::Scheme { https_only: true } => Violation::new(
            "url",
            FieldCode::HttpsRequired,
            "https のURLを指定してください",
            "must be an https URL",
        ),
        UrlProblem::Scheme { https_only: false } => Violation::new(
            "url",
            FieldCode::InvalidUrl,
            "http または https のURLを指定してください",
            "must be an http or https URL",
        ),
        UrlProblem::Credentials => Violation::new(
            "url",
            FieldCode::InvalidUrl,
            "URLにユーザー名・パスワードやフラグメント（#）は含められません",
            "must not hold a user name, a password or a fragment",
        ),
        UrlProblem::PrivateAddress => Violation::new(
            "url",
            FieldCode::PrivateAddress,
            "内部ネットワークのアドレス（ループバック、プライベート、リンクローカル等）には送信できません",
            "must not be, or resolve to, a loopback, private, link-local or other special address",
        ),
        UrlProblem::Unresolvable => Violation::new(
            "url",
            FieldCode::UnresolvableHost,
            "URLのホスト名を解決できません",
            "the host name does not resolve",
        ),
    }
}

/// Checks an endpoint URL: its form, then (off the async workers' hot path, before the
/// transaction) where it resolves.
pub async fn check_url(text: &str, settings: &WebhookSettings) -> Result<String, ApiError> {
    let url = address::parse_url(text, settings)
        .map_err(|p| ApiError::invalid_field(url_violation(&p)))?;
    address::check_resolves(&url, settings)
        .await
        .map_err(|p| ApiError::invalid_field(url_violation(&p)))?;
    Ok(url.to_string())
}

/// Checks event types: at least one, each known, none twice. Returns them space-separated.
pub fn check_event_types(types: &[String]) -> Result<String, ApiError> {
    let known = event_types();
    let mut violations = Vec::new();
    if types.is_empty() {
        violations.push(Violation::new(
            "event_types",
            FieldCode::Required,
            "イベントの種類を1つ以上指定してください",
            "give at least one event type",
        ));
    }
    for (i, t) in types.iter().enumerate() {
        if !known.contains(t) {
            violations.push(Violation::new(
                format!("event_types[{i}]"),
                FieldCode::UnknownEventType,
                format!("指定できるイベントの種類は {} です", known.join(", ")),
                format!("known event types: {}", known.join(", ")),
            ));
        } else if types[..i].contains(t) {
            violations.push(Violation::new(
                format!("event_types[{i}]"),
                FieldCode::Duplicate,
                "重複しています",
                "listed twice",
            ));
        }
    }
    if violations.is_empty() {
        Ok(types.join(" "))
    } else {
        Err(ApiError::validation(violations))
    }
}

/// The description as stored: at most [`MAX_DESCRIPTION_CHARS`] characters as sent, with no
/// control character once trimmed of the white space around it (line breaks there included,
/// as the contract's pattern allows), then stored trimmed.
pub fn check_description(description: &str) -> Result<String, ApiError> {
    check_text("description", description, 0, MAX_DESCRIPTION_CHARS)
        .map_err(ApiError::invalid_field)?;
    Ok(description.trim().to_owned())
}

/// A new endpoint with its secret (shown once).
#[derive(Debug, Clone)]
pub struct Created {
    pub endpoint: Endpoint,
    pub secret: String,
}

/// Registers an endpoint for a client (URL already checked with [`check_url`]).
pub fn create(
    conn: &mut DbConnection,
    api_client_id: i64,
    url: &str,
    event_types: &str,
    description: &str,
    actor: &Actor,
) -> Result<Created, ApiError> {
    if store::count_endpoints(conn, api_client_id)? >= MAX_ENDPOINTS {
        return Err(ApiError::conflict(
            "limit_reached",
            Message::new(
                "登録できるWebhookのエンドポイントは10件までです。不要なものを削除してください",
                "A client may have at most 10 webhook endpoints; delete one first.",
            ),
        ));
    }
    let now = db::now();
    let public_id = new_public_id("we");
    let secret = new_secret();
    store::insert_endpoint(
        conn,
        &NewEndpoint {
            public_id: &public_id,
            api_client_id,
            url,
            event_types,
            description,
            enabled: true,
            secret: &secret,
            created_at: now,
            updated_at: now,
        },
    )?;
    audit::record(
        conn,
        actor,
        "webhook_endpoint.created",
        "webhook_endpoint",
        Some(&public_id),
        None,
        Some(
            &serde_json::json!({"url": url, "event_types": event_types.split(' ').collect::<Vec<_>>()}),
        ),
        now,
    )?;
    let endpoint = store::endpoint_of_client(conn, api_client_id, &public_id)?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("the endpoint just stored is gone")))?;
    Ok(Created { endpoint, secret })
}

pub fn not_found() -> ApiError {
    ApiError::not_found(Message::new(
        "Webhookのエンドポイントが見つかりません",
        "No such webhook endpoint.",
    ))
}

/// A client's endpoint, or 404 (also when it is another client's).
pub fn load(
    conn: &mut DbConnection,
    api_client_id: i64,
    public_id: &str,
) -> Result<Endpoint, ApiError> {
    store::endpoint_of_client(conn, api_client_id, public_id)?.ok_or_else(not_found)
}

/// What a client may change.
#[derive(Debug, Clone, Default)]
pub struct Update {
    pub url: Option<String>,
    pub event_types: Option<String>,
    pub description: Option<String>,
    pub enabled: Option<bool>,
}

pub fn update(
    conn: &mut DbConnection,
    api_client_id: i64,
    public_id: &str,
    update: &Update,
    actor: &Actor,
) -> Result<Endpoint, ApiError> {
    let before = load(conn, api_client_id, public_id)?;
    let now = db::now();
    let enabling = update.enabled == Some(true) && !before.enabled;
    let disabled_reason = match update.enabled {
        Some(true) => Some(None),
        Some(false) if before.enabled => Some(Some("client")),
        _ => None,
    };
    store::update_endpoint(
        conn,
        before.id,
        &EndpointChanges {
            url: update.url.as_deref(),
            event_types: update.event_types.as_deref(),
            description: update.description.as_deref(),
            enabled: update.enabled,
            disabled_reason,
            // Enabled again: the count of days failing starts afresh.
            failing_since: enabling.then_some(None),
            updated_at: now,
        },
    )?;
    audit::record(
        conn,
        actor,
        "webhook_endpoint.updated",
        "webhook_endpoint",
        Some(public_id),
        Some(
            &serde_json::json!({"url": before.url, "event_types": before.event_types, "enabled": before.enabled}),
        ),
        Some(
            &serde_json::json!({"url": update.url, "event_types": update.event_types, "enabled": update.enabled}),
        ),
        now,
    )?;
    load(conn, api_client_id, public_id)
}

pub fn delete(
    conn: &mut DbConnection,
    api_client_id: i64,
    public_id: &str,
    actor: &Actor,
) -> Result<(), ApiError> {
    let endpoint = load(conn, api_client_id, public_id)?;
    store::delete_endpoint(conn, endpoint.id)?;
    audit::record(
        conn,
        actor,
        "webhook_endpoint.deleted",
        "webhook_endpoint",
        Some(public_id),
        Some(&serde_json::json!({"url": endpoint.url})),
        None,
        db::now(),
    )?;
    Ok(())
}

/// A rotated secret: the new one (shown once) and until when the old one still signs.
#[derive(Debug, Clone)]
pub struct Rotated {
    pub endpoint: Endpoint,
    pub secret: String,
    pub previous_secret_expires_at: NaiveDateTime,
}

pub fn rotate_secret(
    conn: &mut DbConnection,
    api_client_id: i64,
    public_id: &str,
    actor: &Actor,
) -> Result<Rotated, ApiError> {
    let endpoint = load(conn, api_client_id, public_id)?;
    let now = db::now();
    let secret = new_secret();
    let until = now + ROTATION_OVERLAP;
    store::rotate_secret(conn, endpoint.id, &secret, &endpoint.secret, until, now)?;
    audit::record(
        conn,
        actor,
        "webhook_endpoint.secret_rotated",
        "webhook_endpoint",
        Some(public_id),
        None,
        Some(&serde_json::json!({"previous_secret_expires_at": db::utc(until)})),
        now,
    )?;
    Ok(Rotated {
        endpoint: load(conn, api_client_id, public_id)?,
        secret,
        previous_secret_expires_at: until,
    })
}

/// Puts a declaration (row ID) on a client's watchlist; whether it was new.
pub fn watch(
    conn: &mut DbConnection,
    api_client_id: i64,
    declaration_id: i64,
) -> Result<bool, ApiError> {
    if store::count_watched(conn, api_client_id)? >= MAX_WATCHED {
        // Already there is fine; a new one is over the limit.
        let added = store::watch(conn, api_client_id, declaration_id, db::now());
        return match added {
            Ok(false) => Ok(false),
            _ => Err(ApiError::conflict(
                "limit_reached",
                Message::new(
                    "監視リストに登録できる自己宣言は100,000件までです",
                    "A watchlist holds at most 100,000 declarations.",
                ),
            )),
        };
    }
    Ok(store::watch(
        conn,
        api_client_id,
        declaration_id,
        db::now(),
    )?)
}
