//! Webhook endpoints, their deliveries, and the watchlist (scope `webhooks:manage`). A client
//! sees and touches only its own endpoints; another client's answer 404.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::clients::ApiCaller;
use crate::db::webhooks::{self as store, Delivery, Endpoint};
use crate::db::{self, DbError, declarations};
use crate::domain::identifiers::Legacy;
use crate::error::{ApiError, Message};
use crate::extract::{Json, Query};
use crate::routes::common;
use crate::routes::diagnoses::PageQuery;
use crate::routes::paths::RequestedDeclarationId;
use crate::state::AppState;
use crate::webhooks::endpoints::{self, Update};

/// The scope every operation here needs.
pub const SCOPE: &str = "webhooks:manage";

/// A new endpoint.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "url": "https://portal.example.jp/hooks/security-action",
    "event_types": ["declaration.revoked", "declaration.withdrawn", "declaration.star_changed"],
    "description": "補助金申請システム（本番）"
}))]
pub struct NewEndpointInput {
    /// Where events are POSTed: an absolute `https` URL (`http` allowed outside production), at
    /// most 2,000 characters, without credentials or fragment, not resolving to a loopback,
    /// private, link-local or other special address.
    #[schema(max_length = 2000, format = "uri")]
    pub url: String,
    /// The event types to send, at least one, none twice: `declaration.applied`,
    /// `declaration.accepted`, `declaration.revoked`, `declaration.reinstated`,
    /// `declaration.withdrawn`, `declaration.star_changed`, `declaration.organization_changed`.
    #[schema(value_type = crate::routes::schema::EventTypes, inline)]
    pub event_types: Vec<String>,
    /// A note for the client's own people, up to 200 characters, one line.
    #[schema(value_type = Option<crate::routes::schema::OptionalText200>, inline)]
    pub description: Option<String>,
}

/// An event type: `declaration.` and a kind of the change feed.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub enum EventType {
    #[serde(rename = "declaration.applied")]
    Applied,
    #[serde(rename = "declaration.accepted")]
    Accepted,
    #[serde(rename = "declaration.revoked")]
    Revoked,
    #[serde(rename = "declaration.reinstated")]
    Reinstated,
    #[serde(rename = "declaration.withdrawn")]
    Withdrawn,
    #[serde(rename = "declaration.star_changed")]
    StarChanged,
    #[serde(rename = "declaration.organization_changed")]
    OrganizationChanged,
}

/// Changes to an endpoint; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"enabled": true}))]
pub struct EndpointPatch {
    #[schema(max_length = 2000, format = "uri")]
    pub url: Option<String>,
    #[schema(value_type = Option<crate::routes::schema::EventTypes>, inline)]
    pub event_types: Option<Vec<String>>,
    /// A note for the client's own people, up to 200 characters, one line.
    #[schema(value_type = Option<crate::routes::schema::OptionalText200>, inline)]
    pub description: Option<String>,
    /// `false` stops deliveries; `true` resumes them (also after the service disabled the
    /// endpoint).
    pub enabled: Option<bool>,
}

/// An endpoint (never its secret).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "we_k3x7q2m4v5c6b7n8p9r2s3t4u5", "url": "https://portal.example.jp/hooks/security-action",
    "event_types": ["declaration.revoked"], "description": "補助金申請システム（本番）",
    "enabled": true, "disabled_reason": null,
    "created_at": "2026-12-01T03:04:05Z", "updated_at": "2026-12-01T03:04:05Z"
}))]
pub struct EndpointView {
    #[schema(max_length = 40)]
    pub id: String,
    #[schema(max_length = 2000)]
    pub url: String,
    #[schema(value_type = Vec<EventType>, max_items = 7)]
    pub event_types: Vec<String>,
    #[schema(max_length = 200)]
    pub description: String,
    pub enabled: bool,
    /// Why it is disabled: `client` (by the client), `gone` (the receiver answered 410),
    /// `failing` (every attempt failed for 3 days); null while enabled.
    #[schema(required, max_length = 20)]
    pub disabled_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Endpoint> for EndpointView {
    fn from(e: Endpoint) -> Self {
        EndpointView {
            event_types: e.event_types().map(str::to_owned).collect(),
            id: e.public_id,
            url: e.url,
            description: e.description,
            enabled: e.enabled,
            disabled_reason: e.disabled_reason,
            created_at: db::utc(e.created_at),
            updated_at: db::utc(e.updated_at),
        }
    }
}

/// A created endpoint with its signing secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedEndpoint {
    #[serde(flatten)]
    pub endpoint: EndpointView,
    /// The signing secret (`whsec_` and base64), as Standard Webhooks libraries take it. Shown
    /// only now.
    #[schema(max_length = 60, example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

/// A rotated secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct RotatedSecret {
    #[serde(flatten)]
    pub endpoint: EndpointView,
    /// The new signing secret, shown only now.
    #[schema(max_length = 60, example = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")]
    pub secret: String,
    /// Until then, deliveries carry a signature with the old secret beside the new one.
    pub previous_secret_expires_at: DateTime<Utc>,
}

/// The client's endpoints (at most 10).
#[derive(Debug, Serialize, ToSchema)]
pub struct EndpointList {
    #[schema(max_items = 10)]
    pub items: Vec<EndpointView>,
    /// Always null: every endpoint is in one answer.
    #[schema(required)]
    pub next_cursor: Option<String>,
}

/// One delivery of an event to an endpoint.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "dlv_2b6kq3s7mzc4yq5wz3x7hv2d5e", "event_id": "evt_7m2q4k6s8u2w4y6a8c2e4g6i8k",
    "event_type": "declaration.revoked", "declaration_id": "407731820954",
    "status": "succeeded", "attempts": 1, "last_response_status": 200,
    "last_error": null, "last_attempt_at": "2026-12-01T03:04:06Z", "next_attempt_at": null,
    "created_at": "2026-12-01T03:04:05Z", "delivered_at": "2026-12-01T03:04:06Z"
}))]
pub struct DeliveryView {
    #[schema(max_length = 40)]
    pub id: String,
    /// The event's ID (the `webhook-id` header).
    #[schema(max_length = 40)]
    pub event_id: String,
    pub event_type: EventType,
    /// 自己宣言ID.
    #[schema(max_length = 12)]
    pub declaration_id: String,
    /// `pending` (waiting for its next attempt), `succeeded`, or `failed` (given up).
    pub status: DeliveryStatus,
    pub attempts: i32,
    /// The receiver's status code at the last attempt; null before one, or without an answer.
    #[schema(required)]
    pub last_response_status: Option<i32>,
    /// What went wrong at the last attempt.
    #[schema(required, max_length = 500)]
    pub last_error: Option<String>,
    #[schema(required)]
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// When the next attempt is due; null unless pending.
    #[schema(required)]
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    #[schema(required)]
    pub delivered_at: Option<DateTime<Utc>>,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Pending,
    Succeeded,
    Failed,
}

impl From<Delivery> for DeliveryView {
    fn from(d: Delivery) -> Self {
        let status = match d.status.as_str() {
            "succeeded" => DeliveryStatus::Succeeded,
            "failed" => DeliveryStatus::Failed,
            _ => DeliveryStatus::Pending,
        };
        let event_type = serde_json::from_value(serde_json::Value::String(d.event_type))
            .unwrap_or(EventType::Applied);
        DeliveryView {
            id: d.public_id,
            event_id: d.event_id,
            event_type,
            declaration_id: d.declaration_public_id,
            status,
            attempts: d.attempts,
            last_response_status: d.last_response_status,
            last_error: d.last_error,
            last_attempt_at: d.last_attempt_at.map(db::utc),
            next_attempt_at: matches!(status, DeliveryStatus::Pending)
                .then(|| db::utc(d.next_attempt_at)),
            created_at: db::utc(d.created_at),
            delivered_at: d.delivered_at.map(db::utc),
        }
    }
}

/// A page of deliveries, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPage {
    #[schema(max_items = 200)]
    pub items: Vec<DeliveryView>,
    #[schema(required, max_length = 40)]
    pub next_cursor: Option<String>,
}

/// A watched declaration.
#[derive(Debug, Serialize, ToSchema)]
pub struct WatchedDeclaration {
    /// 自己宣言ID.
    #[schema(max_length = 12, example = "407731820954")]
    pub declaration_id: String,
    pub added_at: DateTime<Utc>,
}

/// A page of the watchlist.
#[derive(Debug, Serialize, ToSchema)]
pub struct WatchlistPage {
    #[schema(max_items = 200)]
    pub items: Vec<WatchedDeclaration>,
    #[schema(required, max_length = 40)]
    pub next_cursor: Option<String>,
}

/// `{endpoint_id}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct EndpointPath {
    /// The endpoint's ID (`we_…`).
    #[param(max_length = 40)]
    pub endpoint_id: String,
}

/// `{endpoint_id}` and `{delivery_id}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct DeliveryPath {
    /// The endpoint's ID (`we_…`).
    #[param(max_length = 40)]
    pub endpoint_id: String,
    /// The delivery's ID (`dlv_…`).
    #[param(max_length = 40)]
    pub delivery_id: String,
}

fn actor(req: &HttpRequest, state: &AppState, caller: &ApiCaller) -> crate::db::audit::Actor {
    common::actor(
        req,
        state,
        "api_client",
        Some(caller.client.client_id.clone()),
    )
}

fn event_types_of(types: &[String]) -> Result<String, ApiError> {
    endpoints::check_event_types(types)
}

/// Registers an endpoint. Its signing secret is in this answer only. Events are signed as the
/// Standard Webhooks specification says (`webhook-id`, `webhook-timestamp`,
/// `webhook-signature`), so any Standard Webhooks library checks them.
#[utoipa::path(
    tag = "webhooks",
    security(("client_credentials" = ["webhooks:manage"])),
    request_body = NewEndpointInput,
    responses(
        (status = 201, description = "Registered; keep the secret now", body = CreatedEndpoint,
         headers(("Location" = String, description = "The endpoint's URL"))),
        (status = 409, description = "The client has 10 endpoints already (`limit_reached`)", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 403, response = crate::routes::openapi::Forbidden),
    )
)]
#[post("/webhook-endpoints")]
#[tracing::instrument(skip_all)]
pub async fn create_endpoint(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiCaller,
    Json(input): Json<NewEndpointInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require(SCOPE)?;
    let event_types = event_types_of(&input.event_types)?;
    let description = endpoints::check_description(input.description.as_deref().unwrap_or(""))?;
    let url = endpoints::check_url(&input.url, &state.config.webhooks).await?;
    let actor = actor(&req, &state, &caller);
    let client = caller.client.row_id;
    let created = state
        .db
        .write(move |conn| {
            endpoints::create(conn, client, &url, &event_types, &description, &actor)
        })
        .await?;
    let location = format!("/v1/webhook-endpoints/{}", created.endpoint.public_id);
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(CreatedEndpoint {
            endpoint: created.endpoint.into(),
            secret: created.secret,
        }))
}

/// The client's endpoints, oldest first.
#[utoipa::path(
    tag = "webhooks",
    security(("client_credentials" = ["webhooks:manage"])),
    responses(
        (status = 200, description = "Every endpoint of the client", body = EndpointList),
        (status = 403, response = crate::routes::openapi::Forbidden),
    )
)]
#[get("/webhook-endpoints")]
#[tracing::instrument(skip_all)]
pub async fn list_endpoints(
    state: web::Data<AppState>,
    caller: ApiCaller,
) -> Result<HttpResponse, ApiError> {
    caller.require(SCOPE)?;
    let client = caller.client.row_id;
    let rows = state
        .db
        .read(move |conn| Ok::<_, DbError>(store::endpoints_of_client(conn, client)?))
        .await?;
    Ok(HttpResponse::Ok().json(EndpointList {
        items: rows.into_iter().map(Into::into).collect(),
        next_cursor: None,
    }))
}

/// One endpoint of the client.
#[utoipa::path(
    tag = "webhooks",
    security(("client_credentials" = ["webhooks:manage"])),
    params(EndpointPath),
    responses(
        (status = 200, description = "The endpoint", body = EndpointView),
        (status = 404, description = "No such endpoint of this client", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 403, response = crate::routes::openapi::Forbidden),
    )
)]
#[get("/webhook-endpoints/{endpoint_id}")]
#[tracing::instrument(skip_all)]
pub async fn get_endpoint(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<EndpointPath>,
) -> Result<HttpResponse, ApiError> {
    caller.require(SCOPE)?;
    let client = caller.client.row_id;
    let id = path.into_inner().endpoint_id;
    let endpoint = state
        .db
        .read(move |conn| endpoints::load(conn, client, &id))
        .await?;
    Ok(HttpResponse::Ok().json(EndpointView::from(endpoint)))
}

/// Changes an endpoint's URL, event types, description, or whether it is enabled.
#[utoipa::path(
    tag = "webhooks",
    security(("client_credentials" = ["webhooks:manage"])),
    params(EndpointPath),
    request_body = EndpointPatch,
    responses(
        (status = 200, description = "Changed", body = EndpointView),
        (status = 404, description = "No such endpoint of this client", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 403, response = crate::routes::openapi::Forbidden),
    )
)]
#[patch("/webhook-endpoints/{endpoint_id}")]
#[tracing::instrument(skip_all)]
pub async fn update_endpoint(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<EndpointPath>,
    Json(input): Json<EndpointPatch>,
) -> Result<HttpResponse, ApiError> {
    caller.require(SCOPE)?;
    let event_types = input
        .event_types
        .as_deref()
        .map(event_types_of)
        .transpose()?;
    let description = input
        .description
        .as_deref()
        .map(endpoints::check_description)
        .transpose()?;
    let url = match &input.url {
        Some(url) => Some(endpoints::check_url(url, &state.config.webhooks).await?),
        None => None,
    };
    let actor = actor(&req, &state, &caller);
    let client = caller.client.row_id;
    let id = path.into_inner().endpoint_id;
    let update = Update {
        url,
        event_types,
        description,
        enabled: input.enabled,
    };
    let endpoint = state
        .db
        .write(move |conn| endpoints::update(conn, client, &id, &update, &actor))
        .await?;
    state.webhooks.wakeup.notify_one();
    Ok(HttpResponse::Ok().json(EndpointView::from(endpoint)))
}

/// Deletes an endpoint with its deliveries.
#[utoipa::path(
    tag = "webhooks",
    security(("client_credentials" = ["webhooks:manage"])),
    params(EndpointPath),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such endpoint of this client", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 403, response = crate::routes::openapi::Forbidden),
    )
)]
#[delete("/webhook-endpoints/{endpoint_id}")]
#[tracing::instrument(skip_all)]
pub async fn delete_endpoint(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<EndpointPath>,
) -> Result<HttpResponse, ApiError> {
    caller.require(SCOPE)?;
    let actor = actor(&req, &state, &caller);
    let client = caller.client.row_id;
    let id = path.into_inner().endpoint_id;
    state
        .db
        .write(move |conn| endpoints::delete(conn, client, &id, &actor))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Issues a new signing secret. For 24 hours the old one keeps signing beside it: each
/// delivery then carries two signatures, space-separated, and a receiver that knows either
/// secret accepts it.
#[utoipa::path(
    tag = "webhooks",
    security(("client_credentials" = ["webhooks:manage"])),
    params(EndpointPath),
    responses(
        (status = 200, description = "The new secret, shown only now", body = RotatedSecret),
        (status = 404, description = "No such endpoint of this client", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 403, response = crate::routes::openapi::Forbidden),
    )
)]
#[post("/webhook-endpoints/{endpoint_id}/secret-rotation")]
#[tracing::instrument(skip_all)]
pub async fn rotate_secret(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<EndpointPath>,
) -> Result<HttpResponse, ApiError> {
    caller.require(SCOPE)?;
    let actor = actor(&req, &state, &caller);
    let client = caller.client.row_id;
    let id = path.into_inner().endpoint_id;
    let rotated = state
        .db
        .write(move |conn| endpoints::rotate_secret(conn, client, &id, &actor))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(RotatedSecret {
            endpoint: rotated.endpoint.into(),
            secret: rotated.secret,
            previous_secret_expires_at: db::utc(rotated.previous_secret_expires_at),
        }))
}

/// An endpoint's deliveries, newest first: status, attempts, the last answer.
#[utoipa::path(
    tag = "webhooks",
    security(("client_credentials" = ["webhooks:manage"])),
    params(EndpointPath, PageQuery),
    responses(
        (status = 200, description = "A page of deliveries", body = DeliveryPage),
        (status = 404, description = "No such endpoint of this client", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 403, response = crate::routes::openapi::Forbidden),
    )
)]
#[get("/webhook-endpoints/{endpoint_id}/deliveries")]
#[tracing::instrument(skip_all)]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<EndpointPath>,
    Query(query): Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(SCOPE)?;
    let limit = common::page_limit(query.limit)?;
    let before = common::decode_cursor(query.cursor.as_deref())?;
    let client = caller.client.row_id;
    let id = path.into_inner().endpoint_id;
    let rows = state
        .db
        .read(move |conn| {
            let endpoint = endpoints::load(conn, client, &id)?;
            Ok::<_, ApiError>(store::deliveries_page(
                conn,
                endpoint.id,
                before,
                limit + 1,
            )?)
        })
        .await?;
    let (rows, next_cursor) = common::paginate(rows, limit, |d| d.id);
    Ok(HttpResponse::Ok().json(DeliveryPage {
        items: rows.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}

/// Sends a delivery again, now (whatever its status), with the same event ID.
#[utoipa::path(
    tag = "webhooks",
    security(("client_credentials" = ["webhooks:manage"])),
    params(DeliveryPath),
    responses(
        (status = 202, description = "Queued; it is attempted at once", body = DeliveryView),
        (status = 404, description = "No such endpoint of this client, or no such delivery of it", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "The endpoint is disabled (`endpoint_disabled`): enable it first", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 403, response = crate::routes::openapi::Forbidden),
    )
)]
#[post("/webhook-endpoints/{endpoint_id}/deliveries/{delivery_id}/redelivery")]
#[tracing::instrument(skip_all)]
pub async fn redeliver(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<DeliveryPath>,
) -> Result<HttpResponse, ApiError> {
    caller.require(SCOPE)?;
    let client = caller.client.row_id;
    let DeliveryPath {
        endpoint_id,
        delivery_id,
    } = path.into_inner();
    let delivery = state
        .db
        .write(move |conn| {
            let endpoint = endpoints::load(conn, client, &endpoint_id)?;
            let delivery = store::delivery_of_endpoint(conn, endpoint.id, &delivery_id)?
                .ok_or_else(|| {
                    ApiError::not_found(Message::new(
                        "配信が見つかりません",
                        "No such delivery of this endpoint.",
                    ))
                })?;
            if !endpoint.enabled {
                return Err(ApiError::conflict(
                    "endpoint_disabled",
                    Message::new(
                        "エンドポイントが無効になっています。有効に戻してから再送してください",
                        "The endpoint is disabled; enable it with PATCH first.",
                    ),
                ));
            }
            store::redeliver(conn, delivery.id, db::now())?;
            Ok::<_, ApiError>(
                store::delivery_of_endpoint(conn, endpoint.id, &delivery.public_id)?
                    .unwrap_or(delivery),
            )
        })
        .await?;
    state.webhooks.wakeup.notify_one();
    Ok(HttpResponse::Accepted().json(DeliveryView::from(delivery)))
}

/// The declaration's row ID, or the verification API's answers: 422 `invalid_format` for a
/// malformed ID, 404 for an unknown one.
async fn declaration_row(state: &AppState, requested: &str) -> Result<i64, ApiError> {
    // An ID in the old system's form is known only if it was imported; otherwise it is the
    // typo it looks like.
    let (id, unless_imported) = match Legacy::read(requested) {
        Legacy::Ours(id) => (id, None),
        Legacy::Possibly(id, e) => (id, Some(e)),
        Legacy::Malformed(e) => {
            return Err(crate::routes::verifications::invalid_format(
                "declaration_id",
                e,
            ));
        }
    };
    let found = state
        .db
        .read(move |conn| Ok::<_, DbError>(declarations::by_public_id(conn, id.as_str())?))
        .await?
        .map(|d| d.id);
    match (found, unless_imported) {
        (Some(id), _) => Ok(id),
        (None, Some(e)) => Err(crate::routes::verifications::invalid_format(
            "declaration_id",
            e,
        )),
        (None, None) => Err(ApiError::not_found(Message::new(
            "この自己宣言IDは登録されていません",
            "No declaration has this ID.",
        ))),
    }
}

/// Watches a declaration: its changes are sent to the client's endpoints, whether or not the
/// client verified it lately. Idempotent.
#[utoipa::path(
    tag = "webhooks",
    security(("client_credentials" = ["webhooks:manage"])),
    params(RequestedDeclarationId),
    responses(
        (status = 204, description = "On the watchlist"),
        (status = 404, description = "No declaration has this ID (`not_found`)", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "The watchlist holds 100,000 declarations already (`limit_reached`)", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "The ID is malformed (`invalid_format`)", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 403, response = crate::routes::openapi::Forbidden),
    )
)]
#[put("/watchlist/{declaration_id}")]
#[tracing::instrument(skip_all)]
pub async fn watch(
    state: web::Data<AppState>,
    caller: ApiCaller,
    RequestedDeclarationId(requested): RequestedDeclarationId,
) -> Result<HttpResponse, ApiError> {
    caller.require(SCOPE)?;
    let declaration = declaration_row(&state, &requested).await?;
    let client = caller.client.row_id;
    state
        .db
        .write(move |conn| endpoints::watch(conn, client, declaration))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Stops watching a declaration (verifications within `WATCH_DAYS` still make it watched).
/// Idempotent.
#[utoipa::path(
    tag = "webhooks",
    security(("client_credentials" = ["webhooks:manage"])),
    params(RequestedDeclarationId),
    responses(
        (status = 204, description = "Not on the watchlist"),
        (status = 404, description = "No declaration has this ID (`not_found`)", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "The ID is malformed (`invalid_format`)", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 403, response = crate::routes::openapi::Forbidden),
    )
)]
#[delete("/watchlist/{declaration_id}")]
#[tracing::instrument(skip_all)]
pub async fn unwatch(
    state: web::Data<AppState>,
    caller: ApiCaller,
    RequestedDeclarationId(requested): RequestedDeclarationId,
) -> Result<HttpResponse, ApiError> {
    caller.require(SCOPE)?;
    let declaration = declaration_row(&state, &requested).await?;
    let client = caller.client.row_id;
    state
        .db
        .write(move |conn| Ok::<_, DbError>(store::unwatch(conn, client, declaration)?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The client's watchlist, most recently registered declarations first.
#[utoipa::path(
    tag = "webhooks",
    security(("client_credentials" = ["webhooks:manage"])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of the watchlist", body = WatchlistPage),
        (status = 403, response = crate::routes::openapi::Forbidden),
    )
)]
#[get("/watchlist")]
#[tracing::instrument(skip_all)]
pub async fn list_watchlist(
    state: web::Data<AppState>,
    caller: ApiCaller,
    Query(query): Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(SCOPE)?;
    let limit = common::page_limit(query.limit)?;
    let before = common::decode_cursor(query.cursor.as_deref())?;
    let client = caller.client.row_id;
    let rows = state
        .db
        .read(move |conn| Ok::<_, DbError>(store::watchlist_page(conn, client, before, limit + 1)?))
        .await?;
    let (rows, next_cursor) = common::paginate(rows, limit, |r| r.0);
    Ok(HttpResponse::Ok().json(WatchlistPage {
        items: rows
            .into_iter()
            .map(|(_, declaration_id, added_at)| WatchedDeclaration {
                declaration_id,
                added_at: db::utc(added_at),
            })
            .collect(),
        next_cursor,
    }))
}
