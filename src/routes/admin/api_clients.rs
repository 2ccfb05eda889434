//! API clients (subsidy portals, partner companies): create, list, disable.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::extract::Operator;
use crate::db::{self, DbError, accounts, api_clients, audit};
use crate::error::{ApiError, Message};
use crate::extract::{Json, Query};
use crate::routes::common;
use crate::routes::diagnoses::PageQuery;
use crate::secretariat;
use crate::state::AppState;

/// A new client.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "IT導入補助金 申請システム", "scopes": ["declarations:verify"], "contact_email": "api-admin@portal.example.jp"}))]
pub struct NewClientInput {
    /// Who the client is, 1–200 characters.
    #[schema(value_type = crate::routes::schema::Text200, inline)]
    pub name: String,
    /// At least one of the known scopes (`declarations:verify`), none twice.
    #[schema(value_type = crate::routes::schema::Scopes, inline)]
    pub scopes: Vec<String>,
    /// Where the secretariat writes to the client, for example when a webhook endpoint is
    /// disabled after failing for days. Optional.
    #[schema(value_type = Option<crate::routes::schema::Email>, inline)]
    pub contact_email: Option<String>,
}

/// A client as listed (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientView {
    pub client_id: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// Where the secretariat writes to the client; null when not given.
    #[schema(required, max_length = 254)]
    pub contact_email: Option<String>,
}

impl From<api_clients::ApiClient> for ClientView {
    fn from(c: api_clients::ApiClient) -> Self {
        Self {
            client_id: c.client_id,
            name: c.name,
            scopes: c.scopes.split_whitespace().map(str::to_owned).collect(),
            created_at: db::utc(c.created_at),
            disabled_at: c.disabled_at.map(db::utc),
            last_used_at: c.last_used_at.map(db::utc),
            contact_email: c.contact_email,
        }
    }
}

/// A created client with its secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedClient {
    pub client_id: String,
    /// Shown only now; stored as a digest. Keep it in the portal's secret store.
    pub client_secret: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub created_at: DateTime<Utc>,
}

/// A page of clients.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientPage {
    pub items: Vec<ClientView>,
    pub next_cursor: Option<String>,
}

/// Creates an API client; its secret (256 random bits) is in this answer only.
#[utoipa::path(
    tag = "secretariat",
    security(("bearer" = [])),
    request_body = NewClientInput,
    responses(
        (status = 201, description = "Created; keep the secret now", body = CreatedClient),
        (status = 403, response = crate::routes::openapi::Forbidden),
    )
)]
#[post("/admin/api-clients")]
#[tracing::instrument(skip_all)]
pub async fn create_client(
    req: HttpRequest,
    state: web::Data<AppState>,
    operator: Operator,
    Json(input): Json<NewClientInput>,
) -> Result<HttpResponse, ApiError> {
    let actor = common::actor(
        &req,
        &state,
        "secretariat",
        Some(operator.0.user_number.to_string()),
    );
    let created = state
        .db
        .write(move |conn| {
            let account = accounts::by_user_number(conn, operator.0.user_number.as_str())?;
            secretariat::create_client(
                conn,
                &input.name,
                &input.scopes,
                input.contact_email.as_deref(),
                account.map(|a| a.id),
                &actor,
            )
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(CreatedClient {
            client_id: created.client_id,
            client_secret: created.client_secret,
            name: created.name,
            scopes: created.scopes,
            created_at: db::utc(created.created_at),
        }))
}

/// The API clients, newest first.
#[utoipa::path(
    tag = "secretariat",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of clients", body = ClientPage),
        (status = 403, response = crate::routes::openapi::Forbidden),
    )
)]
#[get("/admin/api-clients")]
#[tracing::instrument(skip_all)]
pub async fn list_clients(
    state: web::Data<AppState>,
    _operator: Operator,
    Query(query): Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = common::page_limit(query.limit)?;
    let before = common::decode_cursor(query.cursor.as_deref())?;
    let rows = state
        .db
        .read(move |conn| Ok::<_, DbError>(api_clients::page(conn, before, limit + 1)?))
        .await?;
    let (rows, next_cursor) = common::paginate(rows, limit, |c| c.id);
    Ok(HttpResponse::Ok().json(ClientPage {
        items: rows.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}

/// Disables a client: its tokens stop working at once.
#[utoipa::path(
    tag = "secretariat",
    security(("bearer" = [])),
    params(("client_id" = String, Path, max_length = 64, description = "The client's ID")),
    responses(
        (status = 204, description = "Disabled"),
        (status = 404, description = "No such enabled client", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 403, response = crate::routes::openapi::Forbidden),
    )
)]
#[delete("/admin/api-clients/{client_id}")]
#[tracing::instrument(skip_all)]
pub async fn disable_client(
    req: HttpRequest,
    state: web::Data<AppState>,
    operator: Operator,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = common::actor(
        &req,
        &state,
        "secretariat",
        Some(operator.0.user_number.to_string()),
    );
    let client_id = path.into_inner();
    let forget = client_id.clone();
    state
        .db
        .write(move |conn| {
            let now = db::now();
            if !api_clients::disable(conn, &client_id, now)? {
                return Err(ApiError::not_found(Message::new(
                    "有効な API クライアントが見つかりません",
                    "No such enabled API client.",
                )));
            }
            audit::record(
                conn,
                &actor,
                "api_client.disabled",
                "api_client",
                Some(&client_id),
                None,
                None,
                now,
            )?;
            Ok::<_, ApiError>(())
        })
        .await?;
    state.clients.forget(&forget);
    Ok(HttpResponse::NoContent().finish())
}
