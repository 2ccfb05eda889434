//! From the change log to deliveries. The dispatch position (`webhook_dispatch`) is locked,
//! the entries after it are read, one delivery row is written per entry and interested
//! endpoint, and the position advances — all in one transaction. Two instances dispatching at
//! once queue on the position's lock, and the second sees the first's position: every entry
//! becomes deliveries once. Positions of the change log follow commit order without gaps
//! (`src/declarations/change_log.rs`), so an entry committed late is never skipped.

use chrono::NaiveDateTime;
use serde::Serialize;

use super::endpoints::{event_type, new_public_id};
use crate::db::change_log::{self, ChangeEntry};
use crate::db::webhooks::{self as store, NewDelivery};
use crate::db::{DbConnection, DbError};
use crate::declarations::feed::ChangeItem;

/// Entries turned into deliveries per transaction.
pub const BATCH: i64 = 500;

/// A webhook event's body: the change feed's item, with the event's `id` and `type`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(example = json!({
    "id": "evt_2b6kq3s7mzc4yq5wz3x7hv2d5e", "type": "declaration.revoked",
    "position": 1042, "declaration_id": "407731820954", "kind": "revoked",
    "occurred_at": "2026-12-01T03:04:05Z", "valid": false, "status": "revoked",
    "star": "two_star", "organization_name": "株式会社サンプル",
    "declared_at": "2026-11-22T03:04:05Z", "accepted_at": "2026-11-25T01:00:00Z",
    "star_since": "2026-11-22T03:04:05Z"
}))]
pub struct WebhookEvent {
    /// The event's ID, also sent as the `webhook-id` header; the same on every attempt, so a
    /// receiver can ignore a repeat.
    pub id: String,
    /// `declaration.` and the change's kind.
    #[serde(rename = "type")]
    pub event_type: String,
    #[serde(flatten)]
    pub change: ChangeItem,
}

/// Turns the next entries after the dispatch position into deliveries; how many entries were
/// read (fewer than [`BATCH`]: caught up).
pub fn dispatch_batch(
    conn: &mut DbConnection,
    watch_for: chrono::Duration,
    now: NaiveDateTime,
) -> Result<usize, DbError> {
    let position = store::lock_dispatch_position(conn)?;
    let entries = change_log::after(conn, position, BATCH)?;
    let Some(last) = entries.last().map(|e| e.position) else {
        return Ok(0);
    };
    let endpoints = store::enabled_endpoints(conn)?;
    let mut deliveries = Vec::new();
    if !endpoints.is_empty() {
        for entry in &entries {
            let event_type = event_type(entry.kind);
            let interested: Vec<_> = endpoints.iter().filter(|e| e.wants(&event_type)).collect();
            if interested.is_empty() {
                continue;
            }
            let mut clients: Vec<i64> = interested.iter().map(|e| e.api_client_id).collect();
            clients.sort_unstable();
            clients.dedup();
            let watchers = store::watchers(
                conn,
                entry.declaration_id,
                &clients,
                entry.occurred_at - watch_for,
            )?;
            for endpoint in interested {
                if watchers.contains(&endpoint.api_client_id) {
                    deliveries.push(delivery(entry, endpoint.id, &event_type, now)?);
                }
            }
        }
    }
    store::insert_deliveries(conn, &deliveries)?;
    store::set_dispatch_position(conn, last)?;
    Ok(entries.len())
}

fn delivery(
    entry: &ChangeEntry,
    endpoint_id: i64,
    event_type: &str,
    now: NaiveDateTime,
) -> Result<NewDelivery, DbError> {
    let event = WebhookEvent {
        id: new_public_id("evt"),
        event_type: event_type.to_owned(),
        change: ChangeItem::from(entry.clone()),
    };
    let payload = serde_json::to_string(&event)
        .map_err(|e| DbError::Setup(format!("cannot write an event: {e}")))?;
    Ok(NewDelivery {
        public_id: new_public_id("dlv"),
        endpoint_id,
        event_id: event.id,
        event_type: event.event_type,
        position: entry.position,
        declaration_public_id: entry.public_id.clone(),
        payload,
        status: "pending",
        attempts: 0,
        next_attempt_at: now,
        created_at: now,
    })
}
