//! Cross-cutting request handling: request IDs and logs, problem-details rendering, and the
//! answers for unknown paths and methods.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpResponse};
use tracing::Instrument;

use crate::error::{ApiError, Message, PROBLEM_JSON};
use crate::extract::language_of;

/// The `X-Request-Id` header.
pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The request's ID: the caller's `X-Request-Id` if it is sensible (1–128 visible ASCII
/// characters), otherwise a new UUID.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

fn accepted_request_id(value: &HeaderValue) -> Option<String> {
    let text = value.to_str().ok()?;
    (!text.is_empty() && text.len() <= 128 && text.bytes().all(|b| b.is_ascii_graphic()))
        .then(|| text.to_owned())
}

/// Gives every request an ID, logs it with its outcome, and echoes the ID in the answer.
pub async fn request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(accepted_request_id)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %path_for_log(req.path()),
    );
    let started = Instant::now();
    async move {
        let mut response = next.call(req).await?.map_into_boxed_body();
        let status = response.status();
        let elapsed_ms = rounded_ms(started.elapsed());
        if status == actix_web::http::StatusCode::SERVICE_UNAVAILABLE {
            // Shedding load (a full hashing queue, say) is by design: each such answer is
            // logged like any other, and a warning sums them up now and then (a flood of
            // thousands a second must not become as many warnings).
            tracing::info!(status = status.as_u16(), elapsed_ms, "answered");
            if let Some(requests) = SHED.note(process_millis()) {
                tracing::warn!(
                    requests,
                    "answered 503 (busy or not ready) to {requests} requests since the last such warning"
                );
            }
        } else if status.is_server_error() {
            tracing::error!(status = status.as_u16(), elapsed_ms, "answered");
        } else {
            tracing::info!(status = status.as_u16(), elapsed_ms, "answered");
        }
        if let Ok(value) = HeaderValue::from_str(&id) {
            response.headers_mut().insert(REQUEST_ID.clone(), value);
        }
        Ok(response)
    }
    .instrument(span)
    .await
}

/// How often at most the 503 answers are summed up in a warning.
const SHED_SUMMARY_EVERY: Duration = Duration::from_secs(10);

static SHED: ShedSummary = ShedSummary::new(SHED_SUMMARY_EVERY);

/// Counts the answers that shed load (503) and says when to warn about them: at the first one,
/// then at most once per interval, each time with how many there were since the last warning.
struct ShedSummary {
    every_ms: u64,
    /// Answers counted since the last warning.
    count: AtomicU64,
    /// When the next warning may be given, in [`process_millis`].
    next_at_ms: AtomicU64,
}

impl ShedSummary {
    const fn new(every: Duration) -> Self {
        Self {
            every_ms: every.as_millis() as u64,
            count: AtomicU64::new(0),
            next_at_ms: AtomicU64::new(0),
        }
    }

    /// Counts one answer at `now_ms`; the count to warn about, if a warning is due.
    fn note(&self, now_ms: u64) -> Option<u64> {
        self.count.fetch_add(1, Ordering::Relaxed);
        let next_at = self.next_at_ms.load(Ordering::Relaxed);
        // One caller wins the right to warn; the others keep counting.
        (now_ms >= next_at
            && self
                .next_at_ms
                .compare_exchange(
                    next_at,
                    now_ms.saturating_add(self.every_ms),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_ok())
        .then(|| self.count.swap(0, Ordering::Relaxed))
    }
}

/// Milliseconds since the process first asked.
fn process_millis() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    u64::try_from(START.get_or_init(Instant::now).elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Milliseconds to two decimals (`0.31`, not `0.31050300000000003`).
fn rounded_ms(elapsed: std::time::Duration) -> f64 {
    (elapsed.as_secs_f64() * 100_000.0).round() / 100.0
}

/// Paths that carry a bearer secret (a logo download token) are logged without it: whoever
/// reads the log must not be able to spend the token before its holder.
fn path_for_log(path: &str) -> std::borrow::Cow<'_, str> {
    const SECRET_IN_PATH: &str = "/v1/logo-downloads/";
    match path.strip_prefix(SECRET_IN_PATH) {
        Some(token) if !token.is_empty() => format!("{SECRET_IN_PATH}***").into(),
        _ => path.into(),
    }
}

/// Renders every error answer as problem details in the caller's language, with the request's
/// path and ID. Answers from outside this service's error type (actix's own) are rewritten
/// from their status, so that no error is ever HTML or plain text. Causes of 500s are logged.
pub async fn problem_details(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    // Owned copies: holding a clone of the request while inner services run is not allowed.
    let context = ProblemContext {
        language: language_of(req.request()),
        path: req.path().to_owned(),
        request_id: req.extensions().get::<RequestId>().map(|r| r.0.clone()),
    };
    let response = match next.call(req).await {
        Ok(response) => response.map_into_boxed_body(),
        Err(error) => {
            let rendered = context.render(&as_api_error(
                &error,
                error.as_response_error().status_code(),
            ));
            return Err(actix_web::error::InternalError::from_response(error, rendered).into());
        }
    };
    let status = response.status();
    if !status.is_client_error() && !status.is_server_error() {
        return Ok(response);
    }
    let rendered = match response
        .response()
        .error()
        .and_then(|e| e.as_error::<ApiError>())
    {
        Some(api_error) => {
            if api_error.status().is_server_error()
                && api_error.status() != actix_web::http::StatusCode::SERVICE_UNAVAILABLE
            {
                tracing::error!(error = %api_error, "request failed");
            }
            context.render(api_error)
        }
        None if is_problem(&response) => return Ok(response),
        None => {
            let fallback = match response.response().error() {
                Some(error) => as_api_error(error, status),
                None => as_api_error_from_status(status),
            };
            context.render(&fallback)
        }
    };
    let (request, _) = response.into_parts();
    Ok(ServiceResponse::new(request, rendered))
}

/// What an error answer needs to know of its request.
struct ProblemContext {
    language: crate::domain::language::Language,
    path: String,
    request_id: Option<String>,
}

impl ProblemContext {
    fn render(&self, error: &ApiError) -> HttpResponse {
        error.render(self.language, Some(&self.path), self.request_id.as_deref())
    }
}

/// An error from outside this service's error type, as one of ours (logged; 5xx made opaque).
fn as_api_error(error: &Error, status: actix_web::http::StatusCode) -> ApiError {
    if crate::transport::is_body_timeout(error) {
        return ApiError::request_timeout();
    }
    tracing::warn!(%error, "error answer from outside the handlers");
    as_api_error_from_status(status)
}

fn as_api_error_from_status(status: actix_web::http::StatusCode) -> ApiError {
    if status.is_server_error() {
        return ApiError::internal(anyhow::anyhow!("framework error {status}"));
    }
    let reason = status.canonical_reason().unwrap_or("Error");
    ApiError::new(
        status,
        fallback_code(status.as_u16()),
        Message::new(reason, reason),
    )
}

fn is_problem(response: &ServiceResponse<BoxBody>) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_JSON))
}

fn fallback_code(status: u16) -> &'static str {
    match status {
        400 => "bad_request",
        404 => "not_found",
        405 => "method_not_allowed",
        408 => "request_timeout",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        431 => "headers_too_large",
        _ if status >= 500 => "internal_error",
        _ => "client_error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_logged_in_milliseconds_to_two_decimals() {
        let elapsed = std::time::Duration::from_nanos(310_503);
        assert_eq!(rounded_ms(elapsed).to_string(), "0.31");
        assert_eq!(
            rounded_ms(std::time::Duration::from_nanos(1_650_631_999)).to_string(),
            "1650.63"
        );
    }

    #[test]
    fn load_shedding_is_summed_up_at_most_once_per_interval() {
        let shed = ShedSummary::new(Duration::from_secs(10));
        // The first answer is warned about at once, whenever it comes.
        assert_eq!(shed.note(5_000), Some(1));
        // Then nothing until the interval has passed: the last millisecond before it…
        for _ in 0..41 {
            assert_eq!(shed.note(14_999), None);
        }
        // …and the warning at its end counts everything since the last one, itself included.
        assert_eq!(shed.note(15_000), Some(42));
        assert_eq!(shed.note(15_001), None);
        // After a quiet spell the next answer is warned about at once, with the one before it.
        assert_eq!(shed.note(90_000), Some(2));
    }

    #[test]
    fn logo_download_tokens_are_kept_out_of_the_log() {
        assert_eq!(
            path_for_log("/v1/logo-downloads/Qm9vNmFzZGZhc2Rm"),
            "/v1/logo-downloads/***"
        );
        assert_eq!(path_for_log("/v1/me"), "/v1/me");
        assert_eq!(path_for_log("/v1/logo-downloads/"), "/v1/logo-downloads/");
    }
}
