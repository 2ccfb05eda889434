//! Small pieces several handlers share: who acted (for the audit trail), idempotent
//! replays, conditional requests, pagination cursors.

use actix_web::http::StatusCode;
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use chrono::Duration;

use crate::auth::client_address;
use crate::db::DbConnection;
use crate::db::audit::Actor;
use crate::db::idempotency;
use crate::domain::validation::{FieldCode, Violation, check_max_chars};
use crate::error::{ApiError, Message};
use crate::middleware::RequestId;
use crate::state::AppState;

/// The actor of a request, for the audit trail.
pub fn actor(req: &HttpRequest, state: &AppState, kind: &'static str, id: Option<String>) -> Actor {
    Actor {
        kind,
        id,
        request_id: req.extensions().get::<RequestId>().map(|r| r.0.clone()),
        address: client_address::of_request(req, &state.config.trusted_proxies)
            .map(|a| a.to_string()),
    }
}

/// Takes one request from the caller's address budget for the public endpoints (429 when it
/// is spent).
pub fn limit_address(req: &HttpRequest, state: &AppState) -> Result<(), ApiError> {
    let address = client_address::of_request(req, &state.config.trusted_proxies)
        .map_or_else(|| "unknown".to_owned(), |a| a.to_string());
    state.limits.per_address.check(&address).map(drop)
}

/// How long an `Idempotency-Key` answer is kept.
pub const IDEMPOTENCY_WINDOW_HOURS: i64 = 24;

/// The `Idempotency-Key` header: 1–255 visible ASCII characters, if given.
pub fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or_default();
    if text.is_empty() || text.len() > 255 || !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::invalid_field(Violation::new(
            "Idempotency-Key",
            FieldCode::InvalidIdempotencyKey,
            "Idempotency-Key は1～255文字の半角英数記号で指定してください",
            "must be 1–255 visible ASCII characters",
        )));
    }
    Ok(Some(text.to_owned()))
}

/// A stored answer to replay.
#[derive(Debug, Clone)]
pub struct Replay {
    status: StatusCode,
    body: String,
}

impl Replay {
    pub fn into_response(self) -> HttpResponse {
        HttpResponse::build(self.status)
            .insert_header(("Idempotent-Replayed", "true"))
            .content_type("application/json")
            .body(self.body)
    }
}

/// The earlier answer to the same key, if any: replayed when the body is the same, a 422 when
/// another body reuses the key.
pub fn replay(
    conn: &mut DbConnection,
    scope: &str,
    key: &str,
    digest: &str,
) -> Result<Option<Replay>, ApiError> {
    let Some(stored) = idempotency::find(conn, scope, key)? else {
        return Ok(None);
    };
    if crate::db::now() - stored.created_at > Duration::hours(IDEMPOTENCY_WINDOW_HOURS) {
        return Ok(None);
    }
    if stored.request_hash != digest {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            Message::new(
                "この Idempotency-Key は別の内容のリクエストで使われています",
                "This Idempotency-Key was used with a different request body.",
            ),
        ));
    }
    let status = StatusCode::from_u16(u16::try_from(stored.response_status).unwrap_or(200))
        .unwrap_or(StatusCode::OK);
    Ok(Some(Replay {
        status,
        body: stored.response_body,
    }))
}

/// The `If-Match` header of a request, if any: `*` or the entity tags it lists (weak ones
/// without their `W/`). A header that is not `*` or a list of entity tags is a 400.
pub fn if_match(req: &HttpRequest) -> Result<Option<Vec<String>>, ApiError> {
    let Some(value) = req.headers().get("if-match") else {
        return Ok(None);
    };
    let malformed = || {
        ApiError::bad_request(
            "invalid_if_match",
            Message::new(
                "If-Matchヘッダーには、*か取得時のETagの値をそのまま指定してください",
                "If-Match must be * or a list of entity tags (\"…\").",
            ),
        )
    };
    let text = value.to_str().map_err(|_| malformed())?.trim();
    if value.len() > MAX_IF_MATCH_CHARS {
        return Err(malformed());
    }
    if text == "*" {
        return Ok(Some(vec!["*".to_owned()]));
    }
    text.split(',')
        .map(|tag| {
            let tag = tag.trim_matches([' ', '\t']);
            let opaque = tag.strip_prefix("W/").unwrap_or(tag);
            let inner = opaque
                .strip_prefix('"')
                .and_then(|t| t.strip_suffix('"'))
                .ok_or_else(malformed)?;
            if inner
                .bytes()
                .all(|b| b == b'!' || (b'#'..=b'~').contains(&b))
            {
                Ok(opaque.to_owned())
            } else {
                Err(malformed())
            }
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// An ETag compared with the tags of an `If-Match` header: 412 when there are some and none
/// matches.
pub fn check_if_match(tags: Option<&[String]>, current: &str) -> Result<(), ApiError> {
    let Some(tags) = tags else {
        return Ok(());
    };
    if tags.iter().any(|t| t == "*" || t == current) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "precondition_failed",
            Message::new(
                "ほかの変更が先に行われました。最新の内容を取得してからやり直してください",
                "The resource changed since you read it (If-Match does not match); read it again and retry.",
            ),
        ))
    }
}

/// Pagination: `limit` (default 50, at most 200) and an opaque `cursor`.
pub fn page_limit(limit: Option<i64>) -> Result<i64, ApiError> {
    match limit {
        None => Ok(50),
        Some(n) if (1..=200).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::invalid_field(Violation::new(
            "limit",
            FieldCode::OutOfRange,
            "取得件数は1～200で指定してください",
            "must be between 1 and 200",
        ))),
    }
}

/// One page from rows fetched with `limit + 1`: the first `limit` rows, and the cursor after
/// the last of them when there were more.
pub fn paginate<T>(
    rows: Vec<T>,
    limit: i64,
    id_of: impl Fn(&T) -> i64,
) -> (Vec<T>, Option<String>) {
    let limit = usize::try_from(limit).unwrap_or(0);
    let more = rows.len() > limit;
    let mut rows = rows;
    rows.truncate(limit);
    let next = if more {
        rows.last().map(|r| encode_cursor(id_of(r)))
    } else {
        None
    };
    (rows, next)
}

/// An opaque cursor for keyset pagination over descending IDs.
pub fn encode_cursor(id: i64) -> String {
    data_encoding::BASE64URL_NOPAD.encode(format!("v1:{id}").as_bytes())
}

/// Refuses (422, `too_long`) each given value longer than its schema's `maxLength`:
/// `(field, value, max)`.
pub fn check_lengths(fields: &[(&str, Option<&str>, usize)]) -> Result<(), ApiError> {
    let too_long: Vec<Violation> = fields
        .iter()
        .filter_map(|&(field, value, max)| value.and_then(|v| check_max_chars(field, v, max).err()))
        .collect();
    if too_long.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(too_long))
    }
}

/// The longest `cursor` of a list (its schema's `maxLength`).
pub const MAX_CURSOR_CHARS: usize = 64;

/// The longest `If-Match` header (its schema's `maxLength`).
pub const MAX_IF_MATCH_CHARS: usize = 1000;

pub fn decode_cursor(cursor: Option<&str>) -> Result<Option<i64>, ApiError> {
    let Some(cursor) = cursor else {
        return Ok(None);
    };
    let bad = || {
        ApiError::invalid_field(Violation::new(
            "cursor",
            FieldCode::InvalidCursor,
            "続きの位置の指定が正しくありません。前のページの応答にある値をそのまま指定してください",
            "must be a next_cursor returned by a previous page",
        ))
    };
    // The longest cursor a page gives is 30 characters; the documented limit leaves room.
    if cursor.len() > MAX_CURSOR_CHARS {
        return Err(bad());
    }
    let bytes = data_encoding::BASE64URL_NOPAD
        .decode(cursor.as_bytes())
        .map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    text.strip_prefix("v1:")
        .and_then(|n| n.parse::<i64>().ok())
        .filter(|n| *n > 0)
        .map(Some)
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(value: &str) -> Result<Option<Vec<String>>, ApiError> {
        let req = actix_web::test::TestRequest::default()
            .insert_header(("If-Match", value))
            .to_http_request();
        if_match(&req)
    }

    #[test]
    fn if_match_lists_entity_tags() {
        assert_eq!(tags("*").unwrap(), Some(vec!["*".to_owned()]));
        assert_eq!(
            tags(r#""m1.2", W/"m3.4""#).unwrap(),
            Some(vec![r#""m1.2""#.to_owned(), r#""m3.4""#.to_owned()])
        );
        for bad in ["null", "", "m1.2", r#""m1.2"#, r#""a"b""#, r#""a",,"b""#] {
            assert_eq!(tags(bad).unwrap_err().code(), "invalid_if_match", "{bad}");
        }
        let none = actix_web::test::TestRequest::default().to_http_request();
        assert_eq!(if_match(&none).unwrap(), None);
        assert!(check_if_match(Some(&[r#""m1.2""#.to_owned()]), r#""m1.2""#).is_ok());
        assert!(check_if_match(Some(&["*".to_owned()]), r#""m1.2""#).is_ok());
        assert!(check_if_match(None, r#""m1.2""#).is_ok());
        assert_eq!(
            check_if_match(Some(&[r#""m9.9""#.to_owned()]), r#""m1.2""#)
                .unwrap_err()
                .status(),
            StatusCode::PRECONDITION_FAILED
        );
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_rejected() {
        assert_eq!(decode_cursor(Some(&encode_cursor(42))).unwrap(), Some(42));
        assert_eq!(decode_cursor(None).unwrap(), None);
        for bad in ["", "x", "djE6LTE", "djE6YWJj"] {
            assert!(decode_cursor(Some(bad)).is_err(), "{bad}");
        }
    }
}
