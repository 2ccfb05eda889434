//! `GET /v1/declaration-changes`: the ordered change feed for API clients — every change that
//! alters what a verifier sees, in commit order, resumable from a cursor, with long polling.

use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::clients::ApiCaller;
use crate::db::change_log::{self, ChangeEntry};
pub use crate::declarations::feed::ChangeItem;
use crate::domain::validation::{FieldCode, Violation};
use crate::error::{ApiError, Message};
use crate::extract::Query;
use crate::state::AppState;

/// The scope the feed needs.
pub const SCOPE: &str = "declarations:changes";
/// Entries per answer unless `limit` says otherwise, and at most.
const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 1000;
/// The longest a request may wait for a change.
const MAX_WAIT_SECONDS: u64 = 30;

/// Where to resume, how many, and how long to wait.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// The `next_cursor` of the previous answer; absent (or empty) to read from the beginning.
    #[param(pattern = "^[A-Za-z0-9_-]{0,40}$", max_length = 40)]
    pub after: Option<String>,
    /// Entries per answer: 1–1,000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// Seconds to hold the request when nothing is newer than `after`: 0–30 (default 0). The
    /// answer comes as soon as a change is committed.
    #[param(minimum = 0, maximum = 30)]
    pub wait: Option<i64>,
}

/// A page of the feed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "items": [{
        "position": 1042, "declaration_id": "407731820954", "kind": "revoked",
        "occurred_at": "2026-12-01T03:04:05Z", "valid": false, "status": "revoked",
        "star": "two_star", "organization_name": "株式会社サンプル",
        "declared_at": "2026-11-22T03:04:05Z", "accepted_at": "2026-11-25T01:00:00Z",
        "star_since": "2026-11-22T03:04:05Z"
    }],
    "next_cursor": "djE6MTA0Mg"
}))]
pub struct ChangesPage {
    /// In commit order; empty when nothing is newer than `after` (after `wait`).
    pub items: Vec<ChangeItem>,
    /// Where to resume: pass it as `after` next time. Always present, also when `items` is
    /// empty; store it once the items are processed.
    pub next_cursor: String,
}

/// A cursor: the position read up to, opaque to clients.
fn encode_cursor(position: i64) -> String {
    data_encoding::BASE64URL_NOPAD.encode(format!("v1:{position}").as_bytes())
}

/// 400: `after` is not a cursor this feed gave.
fn invalid_cursor() -> ApiError {
    ApiError::new(
        actix_web::http::StatusCode::BAD_REQUEST,
        "invalid_cursor",
        Message::new(
            "再開する位置の指定が正しくありません。前回の応答にある値をそのまま指定してください",
            "after is not a cursor of this feed; pass the next_cursor of an earlier answer as it is.",
        ),
    )
    .with_errors(vec![Violation::new(
        "after",
        FieldCode::InvalidCursor,
        "前回の応答にある値をそのまま指定してください",
        "must be a next_cursor of an earlier answer",
    )])
}

fn decode_cursor(cursor: &str) -> Result<i64, ApiError> {
    if cursor.len() > 40 {
        return Err(invalid_cursor());
    }
    let bytes = data_encoding::BASE64URL_NOPAD
        .decode(cursor.as_bytes())
        .map_err(|_| invalid_cursor())?;
    String::from_utf8(bytes)
        .ok()
        .and_then(|text| text.strip_prefix("v1:")?.parse::<i64>().ok())
        .filter(|n| *n >= 0)
        .ok_or_else(invalid_cursor)
}

fn out_of_range(field: &'static str, ja: &'static str, en: &'static str) -> ApiError {
    ApiError::invalid_field(Violation::new(field, FieldCode::OutOfRange, ja, en))
}

/// The ordered change feed (変更の通知): every change that alters what a verifier sees —
/// `applied`, `accepted`, `revoked`, `reinstated`, `withdrawn`, `star_changed`,
/// `organization_changed` — in commit order, each with the declaration's verification answer
/// after it. Resume from the stored `next_cursor`; with `wait`, an answer with no items is held
/// until a change is committed (long polling), so a portal learns of a revocation within a
/// second without asking again and again. Never contact data, user numbers or internal IDs.
#[utoipa::path(
    tag = "verification",
    security(("client_credentials" = ["declarations:changes"])),
    params(ChangesQuery),
    responses(
        (status = 200, description = "The changes after `after`, in commit order", body = ChangesPage,
         headers(("RateLimit-Limit" = u32), ("RateLimit-Remaining" = u32), ("RateLimit-Reset" = u32))),
        (status = 400, description = "`after` is not a cursor this feed gave (`invalid_cursor`)", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 410, description = "`after` points before the oldest entry still kept (`cursor_expired`): read from the beginning", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "The client's rate limit is spent; see Retry-After", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 403, response = crate::routes::openapi::Forbidden),
    )
)]
#[get("/declaration-changes")]
#[tracing::instrument(skip_all)]
pub async fn list_changes(
    state: web::Data<AppState>,
    caller: ApiCaller,
    Query(query): Query<ChangesQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(SCOPE)?;
    let limit = match query.limit {
        None => DEFAULT_LIMIT,
        Some(n) if (1..=MAX_LIMIT).contains(&n) => n,
        Some(_) => {
            return Err(out_of_range(
                "limit",
                "取得件数は1～1000で指定してください",
                "must be 1 to 1,000",
            ));
        }
    };
    let wait = match query.wait {
        None => 0,
        Some(n) => u64::try_from(n)
            .ok()
            .filter(|n| *n <= MAX_WAIT_SECONDS)
            .ok_or_else(|| {
                out_of_range(
                    "wait",
                    "待つ時間は0～30秒で指定してください",
                    "must be 0 to 30 seconds",
                )
            })?,
    };
    let after = match query.after.as_deref() {
        None | Some("") => 0,
        Some(cursor) => decode_cursor(cursor)?,
    };
    let allowance = state.limits.per_client.check(&caller.client.client_id)?;
    let mut entries = read(&state, after, limit).await?;
    if entries.is_empty()
        && wait > 0
        && state
            .changes
            .long_poll(after, Duration::from_secs(wait))
            .await
    {
        entries = read(&state, after, limit).await?;
    }
    let next = entries.last().map_or(after, |e| e.position);
    let items = entries.into_iter().map(ChangeItem::from).collect();
    let mut response = HttpResponse::Ok();
    for header in allowance.headers() {
        response.insert_header(header);
    }
    Ok(response.json(ChangesPage {
        items,
        next_cursor: encode_cursor(next),
    }))
}

/// Entries after `after`, checking the cursor against what the log holds.
async fn read(state: &AppState, after: i64, limit: i64) -> Result<Vec<ChangeEntry>, ApiError> {
    state
        .db
        .read(move |conn| {
            let head = change_log::head(conn)?;
            if after > head.last_position {
                // No answer ever gave this cursor: it is from another registry or made up.
                return Err(invalid_cursor());
            }
            if after < head.pruned_through {
                return Err(ApiError::new(
                    actix_web::http::StatusCode::GONE,
                    "cursor_expired",
                    Message::new(
                        "この位置の変更はもう保存されていません。位置を指定せずに最初から読み直してください",
                        "Changes at this position are no longer kept; read again from the beginning (without after).",
                    ),
                ));
            }
            Ok(change_log::after(conn, after, limit)?)
        })
        .await
}
