//! The security headers of every answer, set in one place: `X-Content-Type-Options: nosniff`
//! everywhere, and a Content-Security-Policy that forbids framing on every answer (the printable
//! completion notice included) and lets Swagger UI load only its own files.

use actix_web::Error;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;

/// Answers of the API: nothing to load, run or frame (they are data, not pages).
const API_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// Swagger UI: its own scripts, styles and images (some inline styles and `data:` icons), the
/// OpenAPI document and "Try it out" from this origin; never framed.
const SWAGGER_UI_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
     connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Adds the security headers to an answer.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let swagger_ui = req.path().starts_with("/swagger-ui");
    let mut response = next.call(req).await?.map_into_boxed_body();
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    let policy = headers
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let policy = match policy {
        // A page's own policy (the completion notice's) is kept, and made unframeable.
        Some(own) => with_frame_ancestors(&own),
        None if swagger_ui => SWAGGER_UI_POLICY.to_owned(),
        None => API_POLICY.to_owned(),
    };
    if let Ok(value) = HeaderValue::from_str(&policy) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    Ok(response)
}

/// A policy with `frame-ancestors 'none'` unless it says who may frame it already.
fn with_frame_ancestors(policy: &str) -> String {
    if policy
        .split(';')
        .any(|directive| directive.trim().starts_with("frame-ancestors"))
    {
        policy.to_owned()
    } else {
        format!(
            "{}; frame-ancestors 'none'",
            policy.trim_end_matches([';', ' '])
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_s_own_policy_is_kept_and_made_unframeable() {
        assert_eq!(
            with_frame_ancestors("default-src 'none'; style-src 'unsafe-inline'; img-src data:"),
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
        );
        assert_eq!(
            with_frame_ancestors("default-src 'none'; frame-ancestors 'self'"),
            "default-src 'none'; frame-ancestors 'self'"
        );
    }
}
