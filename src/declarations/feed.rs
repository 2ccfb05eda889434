//! The change log as the outside sees it: one item per entry, the same in the change feed
//! (`GET /v1/declaration-changes`) and in webhook events.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db;
use crate::db::change_log::ChangeEntry;
use crate::domain::declaration::{ChangeKind, Star, Status};

/// One change: what happened to which declaration, and its verification answer afterwards.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "position": 1042, "declaration_id": "407731820954", "kind": "revoked",
    "occurred_at": "2026-12-01T03:04:05Z", "valid": false, "status": "revoked",
    "star": "two_star", "organization_name": "株式会社サンプル",
    "declared_at": "2026-11-22T03:04:05Z", "accepted_at": "2026-11-25T01:00:00Z",
    "star_since": "2026-11-22T03:04:05Z"
}))]
pub struct ChangeItem {
    /// The entry's place in the log: increasing, in commit order.
    pub position: i64,
    /// 自己宣言ID.
    pub declaration_id: String,
    pub kind: ChangeKind,
    pub occurred_at: DateTime<Utc>,
    /// After the change: true while the declaration is declared or accepted.
    pub valid: bool,
    pub status: Status,
    pub star: Star,
    pub organization_name: String,
    pub declared_at: DateTime<Utc>,
    /// Null until accepted.
    #[schema(required)]
    pub accepted_at: Option<DateTime<Utc>>,
    /// Since when the star holds.
    pub star_since: DateTime<Utc>,
}

impl From<ChangeEntry> for ChangeItem {
    fn from(e: ChangeEntry) -> Self {
        ChangeItem {
            position: e.position,
            declaration_id: e.public_id,
            kind: e.kind,
            occurred_at: db::utc(e.occurred_at),
            valid: e.status.is_live(),
            status: e.status,
            star: e.star_level,
            organization_name: e.organization_name,
            declared_at: db::utc(e.declared_at),
            accepted_at: e.accepted_at.map(db::utc),
            star_since: db::utc(e.star_since),
        }
    }
}
