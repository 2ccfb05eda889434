//! The append-only audit trail. Rows are only ever inserted.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::Value;

use super::DbConnection;
use super::schema::audit_events;

/// Who acted.
#[derive(Debug, Clone)]
pub struct Actor {
    /// `declarer`, `secretariat`, `api_client`, `public` or `system`.
    pub kind: &'static str,
    /// The user number or client ID, when known.
    pub id: Option<String>,
    pub request_id: Option<String>,
    pub address: Option<String>,
}

impl Actor {
    pub fn system() -> Actor {
        Actor {
            kind: "system",
            id: None,
            request_id: None,
            address: None,
        }
    }
}

/// Keys whose values never reach the audit trail.
const SECRET_KEYS: [&str; 6] = [
    "password",
    "password_hash",
    "token",
    "refresh_token",
    "secret",
    "client_secret",
];

/// A copy of `value` with every secret-looking field masked.
pub fn mask_secrets(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let masked = SECRET_KEYS
                        .iter()
                        .any(|s| k.eq_ignore_ascii_case(s) || k.ends_with("_password"));
                    (
                        k.clone(),
                        if masked {
                            Value::String("***".into())
                        } else {
                            mask_secrets(v)
                        },
                    )
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(mask_secrets).collect()),
        other => other.clone(),
    }
}

/// Appends one event; `before` and `after` are masked before they are stored.
#[allow(clippy::too_many_arguments)]
pub fn record(
    conn: &mut DbConnection,
    actor: &Actor,
    action: &str,
    target_kind: &str,
    target_id: Option<&str>,
    before: Option<&Value>,
    after: Option<&Value>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let before = before.map(|v| mask_secrets(v).to_string());
    let after = after.map(|v| mask_secrets(v).to_string());
    diesel::insert_into(audit_events::table)
        .values((
            audit_events::occurred_at.eq(now),
            audit_events::actor_kind.eq(actor.kind),
            audit_events::actor_id.eq(actor.id.as_deref().map(super::text)),
            audit_events::action.eq(action),
            audit_events::target_kind.eq(target_kind),
            audit_events::target_id.eq(target_id.map(super::text)),
            audit_events::before_state.eq(before),
            audit_events::after_state.eq(after),
            audit_events::request_id.eq(actor.request_id.as_deref()),
            audit_events::client_address.eq(actor.address.as_deref()),
        ))
        .execute(conn)
        .map(drop)
}

/// An action with the target's state before and after it (JSON text).
pub type RecordedAction = (String, Option<String>, Option<String>);

/// The actions recorded for a target, oldest first (tests and the secretariat).
pub fn actions_for(
    conn: &mut DbConnection,
    target_kind: &str,
    target_id: &str,
) -> QueryResult<Vec<RecordedAction>> {
    audit_events::table
        .filter(audit_events::target_kind.eq(target_kind))
        .filter(audit_events::target_id.eq(target_id))
        .order(audit_events::id.asc())
        .select((
            audit_events::action,
            audit_events::before_state,
            audit_events::after_state,
        ))
        .load(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_at_any_depth() {
        let value = serde_json::json!({"password": "x", "a": [{"refresh_token": "y", "new_password": "z", "name": "n"}]});
        assert_eq!(
            mask_secrets(&value),
            serde_json::json!({"password": "***", "a": [{"refresh_token": "***", "new_password": "***", "name": "n"}]})
        );
    }
}

/// One row of the audit trail.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct AuditEvent {
    pub id: i64,
    pub occurred_at: NaiveDateTime,
    pub actor_kind: String,
    pub actor_id: Option<String>,
    pub action: String,
    pub target_kind: String,
    pub target_id: Option<String>,
    pub before_state: Option<String>,
    pub after_state: Option<String>,
    pub request_id: Option<String>,
    pub client_address: Option<String>,
}

/// The trail, newest first, filtered by an action prefix (`LIKE` pattern, escaped with `\`)
/// and, if given, one target kind (compared as it is: a kind holds no pattern).
pub fn page(
    conn: &mut DbConnection,
    action_pattern: &str,
    target_kind: Option<&str>,
    before: i64,
    limit: i64,
) -> QueryResult<Vec<AuditEvent>> {
    let query = audit_events::table
        .filter(audit_events::action.like(action_pattern).escape('\\'))
        .filter(audit_events::id.lt(before))
        .order(audit_events::id.desc())
        .limit(limit)
        .select(AuditEvent::as_select());
    match target_kind {
        Some(kind) => query
            .filter(audit_events::target_kind.eq(super::text(kind)))
            .load(conn),
        None => query.load(conn),
    }
}

/// The trail of one target, newest first.
pub fn page_for_target(
    conn: &mut DbConnection,
    target_id: &str,
    before: i64,
    limit: i64,
) -> QueryResult<Vec<AuditEvent>> {
    audit_events::table
        .filter(audit_events::target_id.eq(super::text(target_id)))
        .filter(audit_events::id.lt(before))
        .order(audit_events::id.desc())
        .limit(limit)
        .select(AuditEvent::as_select())
        .load(conn)
}
