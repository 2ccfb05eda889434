//! Liveness and readiness.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, Message};
use crate::state::AppState;

/// The process's answer to a health probe.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "ok"}))]
pub struct Health {
    /// `ok` when the process serves requests, `ready` when the database answers too.
    pub status: &'static str,
    /// The database backend: `sqlite` or `postgres` (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub database: Option<&'static str>,
    /// Whether verifications are answered from memory (`current`), or from the database while
    /// the in-memory answers warm up or catch up with the change log (`warming`, `behind`)
    /// (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, example = "current")]
    pub verification_cache: Option<&'static str>,
}

/// The process is up.
#[utoipa::path(tag = "operations", responses((status = 200, description = "The process serves requests", body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok",
        database: None,
        verification_cache: None,
    })
}

/// The database answers; 503 when it does not.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Ready to serve", body = Health,
         example = json!({"status": "ready", "database": "sqlite", "verification_cache": "current"})),
        (status = 503, description = "The database does not answer", body = crate::error::ProblemDetails,
         content_type = "application/problem+json"),
    )
)]
#[get("/readyz")]
#[tracing::instrument(skip_all)]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state.db.ping().await.map_err(|e| {
        ApiError::unavailable(
            "not_ready",
            Message::new(
                "データベースが応答しません",
                "The database does not answer.",
            ),
            5,
        )
        .with_cause(e)
    })?;
    Ok(HttpResponse::Ok().json(Health {
        status: "ready",
        database: Some(state.db.backend()),
        verification_cache: Some(state.lookups.cache.describe()),
    }))
}
