//! The audit trail and the outbox, for the secretariat.

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::extract::Operator;
use crate::db::{self, DbError, audit, outbox, search};
use crate::domain::validation::{FieldCode, Violation};
use crate::error::ApiError;
use crate::extract::Query;
use crate::routes::common;
use crate::state::AppState;

/// The longest `action`, `target_kind` or `target_id` filter, in characters.
const MAX_FILTER_CHARS: usize = 100;

/// Filters of the audit trail.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Actions starting with this text (e.g. `declaration.` or `auth.login_failed`); at most
    /// 100 characters.
    #[param(max_length = 100)]
    pub action: Option<String>,
    /// Exactly this kind: `declaration`, `account`, `declarer`, `api_client`; at most 100
    /// characters.
    #[param(max_length = 100)]
    pub target_kind: Option<String>,
    /// One target (a declaration ID, user number or client ID); at most 100 characters.
    #[param(max_length = 100)]
    pub target_id: Option<String>,
    /// The `next_cursor` of the previous page (opaque, at most 64 characters).
    #[param(max_length = 64)]
    pub cursor: Option<String>,
    /// Items per page: 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// One audit event.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventView {
    pub occurred_at: DateTime<Utc>,
    /// `declarer`, `secretariat`, `public`, `api_client` or `system`.
    pub actor_kind: String,
    pub actor_id: Option<String>,
    pub action: String,
    pub target_kind: String,
    pub target_id: Option<String>,
    /// The target's relevant state before and after (secrets masked).
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    pub request_id: Option<String>,
    pub client_address: Option<String>,
}

/// A page of the audit trail.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEventView>,
    pub next_cursor: Option<String>,
}

fn prefix_pattern(prefix: Option<&str>) -> String {
    match prefix {
        None => "%".to_owned(),
        Some(p) => {
            let mut pattern = search::contains_pattern(p);
            pattern.remove(0);
            pattern
        }
    }
}

/// The append-only audit trail, newest first: who did what to what, when.
#[utoipa::path(
    tag = "secretariat",
    security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of events", body = AuditPage),
        (status = 403, response = crate::routes::openapi::Forbidden),
    )
)]
#[get("/admin/audit-events")]
#[tracing::instrument(skip_all)]
pub async fn list_audit_events(
    state: web::Data<AppState>,
    _operator: Operator,
    Query(query): Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = common::page_limit(query.limit)?;
    let before = common::decode_cursor(query.cursor.as_deref())?.unwrap_or(i64::MAX);
    let too_long: Vec<Violation> = [
        ("action", query.action.as_deref()),
        ("target_kind", query.target_kind.as_deref()),
        ("target_id", query.target_id.as_deref()),
    ]
    .into_iter()
    .filter(|(_, value)| value.is_some_and(|v| v.chars().count() > MAX_FILTER_CHARS))
    .map(|(field, _)| {
        Violation::new(
            field,
            FieldCode::TooLong,
            format!("{MAX_FILTER_CHARS}文字以内で指定してください"),
            format!("at most {MAX_FILTER_CHARS} characters"),
        )
    })
    .collect();
    if !too_long.is_empty() {
        return Err(ApiError::validation(too_long));
    }
    let action = prefix_pattern(query.action.as_deref());
    let kind = query.target_kind.clone();
    let target = query.target_id.clone();
    let rows = state
        .db
        .read(move |conn| {
            Ok::<_, DbError>(match &target {
                Some(id) => audit::page_for_target(conn, id, before, limit + 1)?,
                None => audit::page(conn, &action, kind.as_deref(), before, limit + 1)?,
            })
        })
        .await?;
    let (rows, next_cursor) = common::paginate(rows, limit, |e| e.id);
    let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    Ok(HttpResponse::Ok().json(AuditPage {
        items: rows
            .into_iter()
            .map(|e| AuditEventView {
                occurred_at: db::utc(e.occurred_at),
                actor_kind: e.actor_kind,
                actor_id: e.actor_id,
                action: e.action,
                target_kind: e.target_kind,
                target_id: e.target_id,
                before: parse(e.before_state),
                after: parse(e.after_state),
                request_id: e.request_id,
                client_address: e.client_address,
            })
            .collect(),
        next_cursor,
    }))
}

/// Filters of the outbox.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// `pending`, `sent` or `failed`.
    #[param(value_type = Option<crate::routes::schema::OutboxStatus>, inline)]
    pub status: Option<String>,
    /// The `next_cursor` of the previous page (opaque, at most 64 characters).
    #[param(max_length = 64)]
    pub cursor: Option<String>,
    /// Items per page: 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// An e-mail and its delivery state.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxMessageView {
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// A page of the outbox.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxPage {
    pub items: Vec<OutboxMessageView>,
    pub next_cursor: Option<String>,
}

/// The e-mails and their delivery state, newest first.
#[utoipa::path(
    tag = "secretariat",
    security(("bearer" = [])),
    params(OutboxQuery),
    responses(
        (status = 200, description = "A page of e-mails", body = OutboxPage),
        (status = 403, response = crate::routes::openapi::Forbidden),
    )
)]
#[get("/admin/outbox")]
#[tracing::instrument(skip_all)]
pub async fn list_outbox(
    state: web::Data<AppState>,
    _operator: Operator,
    Query(query): Query<OutboxQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = common::page_limit(query.limit)?;
    let before = common::decode_cursor(query.cursor.as_deref())?.unwrap_or(i64::MAX);
    let statuses: Vec<&'static str> = match query.status.as_deref() {
        None => vec!["pending", "sent", "failed"],
        Some("pending") => vec!["pending"],
        Some("sent") => vec!["sent"],
        Some("failed") => vec!["failed"],
        Some(_) => {
            return Err(ApiError::invalid_field(Violation::new(
                "status",
                FieldCode::UnknownValue,
                "送信状態には送信待ち、送信済み、送信失敗のいずれかを指定してください",
                "must be pending, sent or failed",
            )));
        }
    };
    let rows = state
        .db
        .read(move |conn| Ok::<_, DbError>(outbox::page(conn, &statuses, before, limit + 1)?))
        .await?;
    let (rows, next_cursor) = common::paginate(rows, limit, |m| m.id);
    Ok(HttpResponse::Ok().json(OutboxPage {
        items: rows
            .into_iter()
            .map(|m| OutboxMessageView {
                next_attempt_at: (m.status == "pending").then(|| db::utc(m.next_attempt_at)),
                kind: m.kind,
                recipient: m.recipient,
                subject: m.subject,
                status: m.status,
                attempts: m.attempts,
                last_error: m.last_error,
                created_at: db::utc(m.created_at),
                sent_at: m.sent_at.map(db::utc),
            })
            .collect(),
        next_cursor,
    }))
}
