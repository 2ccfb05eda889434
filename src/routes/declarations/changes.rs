//! The declarer's changes to a declaration: the contact person (担当者変更), the policy
//! disclosure, stepping up to two stars, and withdrawal. Each one is checked against the
//! lifecycle, recorded in the declaration's history and in the audit trail, and announced by
//! e-mail, in one transaction.

use crate::routes::paths::DeclarationIdPath;
use actix_web::{HttpRequest, HttpResponse, delete, post, put, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::declarer_actor;
use super::forms::{ContactInput, ContactView, PolicyDisclosureInput, PolicyDisclosureView};
use super::read::{DeclarationView, etag, respond};
use crate::auth::extract::Declarer;
use crate::db::DbConnection;
use crate::declarations::{Changed, Context, changes};
use crate::error::ApiError;
use crate::extract::Json;
use crate::state::AppState;

/// The declaration as answered after a change, with its ETag.
fn answer(
    conn: &mut DbConnection,
    changed: &Changed,
) -> Result<(DeclarationView, String), ApiError> {
    Ok((
        DeclarationView::load(conn, &changed.declarer, &changed.declaration)?,
        etag(&changed.declarer, &changed.declaration),
    ))
}

/// Changes the contact person (担当者変更). Both the new and the previous contact are told.
#[utoipa::path(
    tag = "declarations",
    security(("bearer" = [])),
    params(DeclarationIdPath),
    request_body = ContactInput,
    responses(
        (status = 200, description = "The new contact person", body = ContactView),
        (status = 404, description = "No such declaration of yours", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 403, response = crate::routes::openapi::Forbidden),
    )
)]
#[put("/declarations/{declaration_id}/contact")]
#[tracing::instrument(skip_all)]
pub async fn put_contact(
    req: HttpRequest,
    state: web::Data<AppState>,
    Declarer(user): Declarer,
    DeclarationIdPath(id): DeclarationIdPath,
    Json(input): Json<ContactInput>,
) -> Result<HttpResponse, ApiError> {
    let contact = input.validate("").map_err(ApiError::validation)?;
    let actor = declarer_actor(&req, &state, &user);
    let base = state.base_url();
    let view = state
        .db
        .write(move |conn| {
            let ctx = Context {
                actor: &actor,
                account_id: None,
                base_url: &base,
            };
            let changed = changes::change_contact(conn, &ctx, &user.user_number, &id, &contact)?;
            Ok::<_, ApiError>(ContactView::from(&changed.declarer))
        })
        .await?;
    state.mail_wakeup.notify_one();
    Ok(HttpResponse::Ok().json(view))
}

/// Sets or changes the basic policy's disclosure of a live declaration.
#[utoipa::path(
    tag = "declarations",
    security(("bearer" = [])),
    params(DeclarationIdPath),
    request_body = PolicyDisclosureInput,
    responses(
        (status = 200, description = "The disclosure as stored", body = PolicyDisclosureView),
        (status = 404, description = "No such declaration of yours", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "The declaration is withdrawn or revoked", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 403, response = crate::routes::openapi::Forbidden),
    )
)]
#[put("/declarations/{declaration_id}/policy-disclosure")]
#[tracing::instrument(skip_all)]
pub async fn put_policy_disclosure(
    req: HttpRequest,
    state: web::Data<AppState>,
    Declarer(user): Declarer,
    DeclarationIdPath(id): DeclarationIdPath,
    Json(input): Json<PolicyDisclosureInput>,
) -> Result<HttpResponse, ApiError> {
    let disclosure = input.validate("").map_err(ApiError::validation)?;
    let actor = declarer_actor(&req, &state, &user);
    let base = state.base_url();
    let row = state
        .db
        .write(move |conn| {
            let ctx = Context {
                actor: &actor,
                account_id: None,
                base_url: &base,
            };
            changes::set_policy_disclosure(conn, &ctx, &user.user_number, &id, &disclosure)
        })
        .await?;
    Ok(HttpResponse::Ok().json(PolicyDisclosureView::from(&row)))
}

/// Removes the disclosure. A two-star declaration without a disclosed policy steps down to one
/// star (the change is in its history and the contact person is told).
#[utoipa::path(
    tag = "declarations",
    security(("bearer" = [])),
    params(DeclarationIdPath),
    responses(
        (status = 204, description = "Removed (and stepped down if it was two stars)"),
        (status = 404, description = "No such declaration of yours, or no disclosure", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "The declaration is withdrawn or revoked", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 403, response = crate::routes::openapi::Forbidden),
    )
)]
#[delete("/declarations/{declaration_id}/policy-disclosure")]
#[tracing::instrument(skip_all)]
pub async fn delete_policy_disclosure(
    req: HttpRequest,
    state: web::Data<AppState>,
    Declarer(user): Declarer,
    DeclarationIdPath(id): DeclarationIdPath,
) -> Result<HttpResponse, ApiError> {
    let actor = declarer_actor(&req, &state, &user);
    let base = state.base_url();
    state
        .db
        .write(move |conn| {
            let ctx = Context {
                actor: &actor,
                account_id: None,
                base_url: &base,
            };
            changes::remove_policy_disclosure(conn, &ctx, &user.user_number, &id)
        })
        .await?;
    state.mail_wakeup.notify_one();
    state.changes.poke();
    Ok(HttpResponse::NoContent().finish())
}

/// Stepping up to two stars.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "diagnosis_id": "0b4e7c1e-2f57-4d0c-9d55-6c1a8f0e3b21",
    "policy_disclosure": {"methods": ["company_profile"], "is_information_security_policy": true}
}))]
pub struct StepUpInput {
    /// One of the declarer's own diagnoses (`POST /v1/diagnoses`); any other is refused
    /// (422 `unknown_diagnosis`), as is anything longer than a diagnosis ID (36 characters).
    #[schema(max_length = 36)]
    pub diagnosis_id: String,
    pub policy_disclosure: PolicyDisclosureInput,
}

/// Steps a one-star declaration up to two stars (一つ星 → 二つ星) with a diagnosis of the
/// declarer's own and a disclosed basic policy. The declaration ID stays the same.
#[utoipa::path(
    tag = "declarations",
    security(("bearer" = [])),
    params(DeclarationIdPath),
    request_body = StepUpInput,
    responses(
        (status = 200, description = "The declaration, now two stars", body = DeclarationView),
        (status = 404, description = "No such declaration of yours", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "Already two stars, or withdrawn or revoked", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 403, response = crate::routes::openapi::Forbidden),
    )
)]
#[post("/declarations/{declaration_id}/step-up")]
#[tracing::instrument(skip_all)]
pub async fn step_up(
    req: HttpRequest,
    state: web::Data<AppState>,
    Declarer(user): Declarer,
    DeclarationIdPath(id): DeclarationIdPath,
    Json(input): Json<StepUpInput>,
) -> Result<HttpResponse, ApiError> {
    let disclosure = input
        .policy_disclosure
        .validate("policy_disclosure")
        .map_err(ApiError::validation)?;
    let actor = declarer_actor(&req, &state, &user);
    let base = state.base_url();
    let (view, tag) = state
        .db
        .write(move |conn| {
            let ctx = Context {
                actor: &actor,
                account_id: None,
                base_url: &base,
            };
            let changed = changes::step_up(
                conn,
                &ctx,
                &user.user_number,
                &id,
                &input.diagnosis_id,
                &disclosure,
            )?;
            answer(conn, &changed)
        })
        .await?;
    state.mail_wakeup.notify_one();
    state.changes.poke();
    Ok(respond(&view, &tag))
}

/// A withdrawal (取下げ).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "事業を廃止したため"}))]
pub struct WithdrawalInput {
    /// Why, in 1–500 characters.
    #[schema(value_type = crate::routes::schema::Text500, inline)]
    pub reason: String,
}

/// Withdraws the declaration (取下げ). This is final: a withdrawn declaration is no longer
/// valid for verification and cannot be reinstated; a new one needs a new application.
#[utoipa::path(
    tag = "declarations",
    security(("bearer" = [])),
    params(DeclarationIdPath),
    request_body = WithdrawalInput,
    responses(
        (status = 200, description = "The declaration, now withdrawn", body = DeclarationView),
        (status = 404, description = "No such declaration of yours", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "Already withdrawn or revoked", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 403, response = crate::routes::openapi::Forbidden),
    )
)]
#[post("/declarations/{declaration_id}/withdrawal")]
#[tracing::instrument(skip_all)]
pub async fn withdraw(
    req: HttpRequest,
    state: web::Data<AppState>,
    Declarer(user): Declarer,
    DeclarationIdPath(id): DeclarationIdPath,
    Json(input): Json<WithdrawalInput>,
) -> Result<HttpResponse, ApiError> {
    let actor = declarer_actor(&req, &state, &user);
    let base = state.base_url();
    let (view, tag) = state
        .db
        .write(move |conn| {
            let ctx = Context {
                actor: &actor,
                account_id: None,
                base_url: &base,
            };
            let changed = changes::withdraw(conn, &ctx, &user.user_number, &id, &input.reason)?;
            answer(conn, &changed)
        })
        .await?;
    state.mail_wakeup.notify_one();
    state.changes.poke();
    Ok(respond(&view, &tag))
}
