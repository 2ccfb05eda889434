//! The declarer's changes to a declaration: the contact person (担当者変更), the policy
//! disclosure, stepping up to two stars, and withdrawal. Each one is checked against the
//! lifecycle, recorded in the declaration's history and in the audit trail, and announced by
//! e-mail, in one transaction.

use actix_web::{HttpRequest, HttpResponse, delete, post, put, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::forms::{
    ContactInput, ContactView, PolicyDisclosureInput, PolicyDisclosureView, methods_text,
};
use super::read::{DeclarationView, etag, respond};
use super::{HistoryEntry, apply_transition, load_owned, record_history, require_live, star_of};
use crate::auth::extract::Declarer;
use crate::db::declarations::DeclarationChange;
use crate::db::models::Declaration;
use crate::db::{self, DbConnection, DbError, audit, declarations, declarers, diagnoses};
use crate::domain::declaration::{Star, Transition};
use crate::domain::validation::{Violation, check_text};
use crate::error::{ApiError, Message};
use crate::extract::Json;
use crate::mail::{self, recipient, templates};
use crate::routes::common;
use crate::state::AppState;

fn disclosure_json(
    conn: &mut DbConnection,
    declaration: &Declaration,
) -> Result<Option<serde_json::Value>, ApiError> {
    Ok(declarations::disclosure(conn, declaration.id)
        .map_err(DbError::from)?
        .map(|d| serde_json::json!({"methods": d.methods, "url": d.url, "other_description": d.other_description})))
}

/// Changes the contact person (担当者変更). Both the new and the previous contact are told.
#[utoipa::path(
    tag = "declarations",
    security(("bearer" = [])),
    params(("declaration_id" = String, Path, description = "自己宣言ID: 12 digits led by 4, the last a check digit", pattern = "^4[0-9]{11}$")),
    request_body = ContactInput,
    responses(
        (status = 200, description = "The new contact person", body = ContactView),
        (status = 404, description = "No such declaration of yours", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 403, response = crate::openapi::Forbidden),
    )
)]
#[put("/declarations/{declaration_id}/contact")]
#[tracing::instrument(skip_all)]
pub async fn put_contact(
    req: HttpRequest,
    state: web::Data<AppState>,
    Declarer(user): Declarer,
    path: web::Path<String>,
    Json(input): Json<ContactInput>,
) -> Result<HttpResponse, ApiError> {
    let contact = input.validate("").map_err(ApiError::validation)?;
    let actor = common::actor(&req, &state, "declarer", Some(user.user_number.to_string()));
    let view = state
        .db
        .write(move |conn| {
            let (account, before, declaration) = load_owned(conn, &user, &path)?;
            let now = db::now();
            declarers::update_contact(conn, before.id, &contact, now).map_err(DbError::from)?;
            declarations::touch(conn, declaration.id, now).map_err(DbError::from)?;
            let after = declarers::by_id(conn, before.id).map_err(DbError::from)?;
            let status = super::status_of(&declaration)?;
            let star = star_of(&declaration)?;
            record_history(
                conn,
                declaration.id,
                &HistoryEntry {
                    kind: "contact_changed",
                    from_status: status,
                    to_status: status,
                    from_star: star,
                    to_star: star,
                    actor_kind: "declarer",
                    actor_account_id: Some(account.id),
                    reason: None,
                    note: None,
                },
                now,
            )?;
            audit::record(
                conn,
                &actor,
                "declaration.contact_changed",
                "declaration",
                Some(&declaration.public_id),
                Some(&serde_json::to_value(ContactView::from(&before)).unwrap_or_default()),
                Some(&serde_json::to_value(ContactView::from(&after)).unwrap_or_default()),
                now,
            )
            .map_err(DbError::from)?;
            let at = db::utc(now);
            mail::enqueue(
                conn,
                &templates::contact_changed(&recipient(&after), &declaration.public_id, at),
                Some(declaration.id),
                now,
            )
            .map_err(DbError::from)?;
            if before.contact_email != after.contact_email {
                mail::enqueue(
                    conn,
                    &templates::contact_changed(&recipient(&before), &declaration.public_id, at),
                    Some(declaration.id),
                    now,
                )
                .map_err(DbError::from)?;
            }
            Ok::<_, ApiError>(ContactView::from(&after))
        })
        .await?;
    state.mail_wakeup.notify_one();
    Ok(HttpResponse::Ok().json(view))
}

/// Sets or changes the basic policy's disclosure of a live declaration.
#[utoipa::path(
    tag = "declarations",
    security(("bearer" = [])),
    params(("declaration_id" = String, Path, description = "自己宣言ID: 12 digits led by 4, the last a check digit", pattern = "^4[0-9]{11}$")),
    request_body = PolicyDisclosureInput,
    responses(
        (status = 200, description = "The disclosure as stored", body = PolicyDisclosureView),
        (status = 404, description = "No such declaration of yours", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "The declaration is withdrawn or revoked", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 403, response = crate::openapi::Forbidden),
    )
)]
#[put("/declarations/{declaration_id}/policy-disclosure")]
#[tracing::instrument(skip_all)]
pub async fn put_policy_disclosure(
    req: HttpRequest,
    state: web::Data<AppState>,
    Declarer(user): Declarer,
    path: web::Path<String>,
    Json(input): Json<PolicyDisclosureInput>,
) -> Result<HttpResponse, ApiError> {
    let disclosure = input.validate("").map_err(ApiError::validation)?;
    let actor = common::actor(&req, &state, "declarer", Some(user.user_number.to_string()));
    let view = state
        .db
        .write(move |conn| {
            let (_, _, declaration) = load_owned(conn, &user, &path)?;
            require_live(&declaration, "policy disclosure")?;
            let now = db::now();
            let before = disclosure_json(conn, &declaration)?;
            declarations::put_disclosure(
                conn,
                declaration.id,
                &methods_text(&disclosure),
                disclosure.url(),
                disclosure.other_description(),
                now,
            )
            .map_err(DbError::from)?;
            declarations::touch(conn, declaration.id, now).map_err(DbError::from)?;
            let after = disclosure_json(conn, &declaration)?;
            audit::record(
                conn,
                &actor,
                "declaration.policy_disclosure_set",
                "declaration",
                Some(&declaration.public_id),
                before.as_ref(),
                after.as_ref(),
                now,
            )
            .map_err(DbError::from)?;
            let row = declarations::disclosure(conn, declaration.id)
                .map_err(DbError::from)?
                .ok_or_else(|| ApiError::internal(anyhow::anyhow!("disclosure vanished")))?;
            Ok::<_, ApiError>(PolicyDisclosureView::from(&row))
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Removes the disclosure. A two-star declaration without a disclosed policy steps down to one
/// star (the change is in its history and the contact person is told).
#[utoipa::path(
    tag = "declarations",
    security(("bearer" = [])),
    params(("declaration_id" = String, Path, description = "自己宣言ID: 12 digits led by 4, the last a check digit", pattern = "^4[0-9]{11}$")),
    responses(
        (status = 204, description = "Removed (and stepped down if it was two stars)"),
        (status = 404, description = "No such declaration of yours, or no disclosure", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "The declaration is withdrawn or revoked", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 403, response = crate::openapi::Forbidden),
    )
)]
#[delete("/declarations/{declaration_id}/policy-disclosure")]
#[tracing::instrument(skip_all)]
pub async fn delete_policy_disclosure(
    req: HttpRequest,
    state: web::Data<AppState>,
    Declarer(user): Declarer,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = common::actor(&req, &state, "declarer", Some(user.user_number.to_string()));
    state
        .db
        .write(move |conn| {
            let (account, declarer, declaration) = load_owned(conn, &user, &path)?;
            let status = require_live(&declaration, "policy disclosure removal")?;
            let now = db::now();
            let before = disclosure_json(conn, &declaration)?;
            if !declarations::delete_disclosure(conn, declaration.id).map_err(DbError::from)? {
                return Err(ApiError::not_found(Message::new(
                    "公開されている基本方針はありません",
                    "This declaration has no policy disclosure.",
                )));
            }
            let star = star_of(&declaration)?;
            if star == Star::TwoStar {
                let change = DeclarationChange {
                    star_level: Some(Star::OneStar.code()),
                    star_since: Some(now),
                    ..Default::default()
                };
                declarations::update(conn, declaration.id, &change, now).map_err(DbError::from)?;
                record_history(
                    conn,
                    declaration.id,
                    &HistoryEntry {
                        kind: "stepped_down",
                        from_status: status,
                        to_status: status,
                        from_star: Star::TwoStar,
                        to_star: Star::OneStar,
                        actor_kind: "declarer",
                        actor_account_id: Some(account.id),
                        reason: Some("policy_disclosure_removed"),
                        note: None,
                    },
                    now,
                )?;
                let email = templates::star_changed(&recipient(&declarer), &declaration.public_id, Star::TwoStar, Star::OneStar, db::utc(now));
                mail::enqueue(conn, &email, Some(declaration.id), now).map_err(DbError::from)?;
            } else {
                declarations::touch(conn, declaration.id, now).map_err(DbError::from)?;
            }
            audit::record(
                conn,
                &actor,
                "declaration.policy_disclosure_removed",
                "declaration",
                Some(&declaration.public_id),
                before.as_ref(),
                Some(&serde_json::json!({"star": if star == Star::TwoStar { "one_star" } else { star.code() }})),
                now,
            )
            .map_err(DbError::from)?;
            Ok::<_, ApiError>(())
        })
        .await?;
    state.mail_wakeup.notify_one();
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
    /// (422 `unknown_diagnosis`).
    pub diagnosis_id: String,
    pub policy_disclosure: PolicyDisclosureInput,
}

/// Steps a one-star declaration up to two stars (一つ星 → 二つ星) with a diagnosis of the
/// declarer's own and a disclosed basic policy. The declaration ID stays the same.
#[utoipa::path(
    tag = "declarations",
    security(("bearer" = [])),
    params(("declaration_id" = String, Path, description = "自己宣言ID: 12 digits led by 4, the last a check digit", pattern = "^4[0-9]{11}$")),
    request_body = StepUpInput,
    responses(
        (status = 200, description = "The declaration, now two stars", body = DeclarationView),
        (status = 404, description = "No such declaration of yours", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "Already two stars, or withdrawn or revoked", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 403, response = crate::openapi::Forbidden),
    )
)]
#[post("/declarations/{declaration_id}/step-up")]
#[tracing::instrument(skip_all)]
pub async fn step_up(
    req: HttpRequest,
    state: web::Data<AppState>,
    Declarer(user): Declarer,
    path: web::Path<String>,
    Json(input): Json<StepUpInput>,
) -> Result<HttpResponse, ApiError> {
    let disclosure = input
        .policy_disclosure
        .validate("policy_disclosure")
        .map_err(ApiError::validation)?;
    let actor = common::actor(&req, &state, "declarer", Some(user.user_number.to_string()));
    let (view, tag) = state
        .db
        .write(move |conn| {
            let (account, declarer, declaration) = load_owned(conn, &user, &path)?;
            let status = require_live(&declaration, "step-up")?;
            if star_of(&declaration)? == Star::TwoStar {
                return Err(ApiError::conflict(
                    "already_two_star",
                    Message::new("すでに二つ星を宣言しています", "The declaration is already two stars."),
                ));
            }
            let diagnosis = diagnoses::owned(conn, declarer.id, &input.diagnosis_id)
                .map_err(DbError::from)?
                .ok_or_else(|| {
                    ApiError::invalid_field(Violation::new(
                        "diagnosis_id",
                        "unknown_diagnosis",
                        "この自社診断は見つかりません。ご自身で受けた診断のIDを指定してください",
                        "no diagnosis of yours has this ID",
                    ))
                })?;
            let now = db::now();
            declarations::put_disclosure(conn, declaration.id, &methods_text(&disclosure), disclosure.url(), disclosure.other_description(), now)
                .map_err(DbError::from)?;
            let change = DeclarationChange {
                star_level: Some(Star::TwoStar.code()),
                diagnosis_id: Some(Some(diagnosis.id)),
                star_since: Some(now),
                ..Default::default()
            };
            declarations::update(conn, declaration.id, &change, now).map_err(DbError::from)?;
            record_history(
                conn,
                declaration.id,
                &HistoryEntry {
                    kind: "stepped_up",
                    from_status: status,
                    to_status: status,
                    from_star: Star::OneStar,
                    to_star: Star::TwoStar,
                    actor_kind: "declarer",
                    actor_account_id: Some(account.id),
                    reason: None,
                    note: None,
                },
                now,
            )?;
            audit::record(
                conn,
                &actor,
                "declaration.stepped_up",
                "declaration",
                Some(&declaration.public_id),
                Some(&serde_json::json!({"star": "one_star"})),
                Some(&serde_json::json!({"star": "two_star", "diagnosis_id": diagnosis.public_id, "total_score": diagnosis.total_score})),
                now,
            )
            .map_err(DbError::from)?;
            let email = templates::star_changed(&recipient(&declarer), &declaration.public_id, Star::OneStar, Star::TwoStar, db::utc(now));
            mail::enqueue(conn, &email, Some(declaration.id), now).map_err(DbError::from)?;
            reload(conn, declarer.id, &declaration.public_id)
        })
        .await?;
    state.mail_wakeup.notify_one();
    Ok(respond(&view, &tag))
}

fn reload(
    conn: &mut DbConnection,
    declarer_id: i64,
    public_id: &str,
) -> Result<(DeclarationView, String), ApiError> {
    let declarer = declarers::by_id(conn, declarer_id).map_err(DbError::from)?;
    let declaration = declarations::by_public_id(conn, public_id)
        .map_err(DbError::from)?
        .ok_or_else(super::declaration_not_found)?;
    Ok((
        DeclarationView::load(conn, &declarer, &declaration)?,
        etag(&declarer, &declaration),
    ))
}

/// A withdrawal (取り下げ).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "事業を廃止したため"}))]
pub struct WithdrawalInput {
    /// Why, in 1–500 characters.
    #[schema(value_type = crate::routes::schema::Text500, inline)]
    pub reason: String,
}

/// Withdraws the declaration (取り下げ). This is final: a withdrawn declaration is no longer
/// valid for verification and cannot be reinstated; a new one needs a new application.
#[utoipa::path(
    tag = "declarations",
    security(("bearer" = [])),
    params(("declaration_id" = String, Path, description = "自己宣言ID: 12 digits led by 4, the last a check digit", pattern = "^4[0-9]{11}$")),
    request_body = WithdrawalInput,
    responses(
        (status = 200, description = "The declaration, now withdrawn", body = DeclarationView),
        (status = 404, description = "No such declaration of yours", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "Already withdrawn or revoked", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 403, response = crate::openapi::Forbidden),
    )
)]
#[post("/declarations/{declaration_id}/withdrawal")]
#[tracing::instrument(skip_all)]
pub async fn withdraw(
    req: HttpRequest,
    state: web::Data<AppState>,
    Declarer(user): Declarer,
    path: web::Path<String>,
    Json(input): Json<WithdrawalInput>,
) -> Result<HttpResponse, ApiError> {
    let reason = input.reason.trim().to_owned();
    check_text("reason", &reason, 1, 500).map_err(ApiError::invalid_field)?;
    let actor = common::actor(&req, &state, "declarer", Some(user.user_number.to_string()));
    let (view, tag) = state
        .db
        .write(move |conn| {
            let (account, declarer, declaration) = load_owned(conn, &user, &path)?;
            let from = super::status_of(&declaration)?;
            let to = apply_transition(&declaration, Transition::Withdraw, "withdrawal")?;
            let now = db::now();
            let change = DeclarationChange {
                status: Some(to.code()),
                ended_at: Some(Some(now)),
                end_reason: Some(Some(&reason)),
                ..Default::default()
            };
            declarations::update(conn, declaration.id, &change, now).map_err(DbError::from)?;
            let star = star_of(&declaration)?;
            record_history(
                conn,
                declaration.id,
                &HistoryEntry {
                    kind: "withdrawn",
                    from_status: from,
                    to_status: to,
                    from_star: star,
                    to_star: star,
                    actor_kind: "declarer",
                    actor_account_id: Some(account.id),
                    reason: Some(&reason),
                    note: None,
                },
                now,
            )?;
            audit::record(
                conn,
                &actor,
                "declaration.withdrawn",
                "declaration",
                Some(&declaration.public_id),
                Some(&serde_json::json!({"status": from.code()})),
                Some(&serde_json::json!({"status": to.code(), "reason": reason})),
                now,
            )
            .map_err(DbError::from)?;
            mail::enqueue(
                conn,
                &templates::withdrawn(&recipient(&declarer), &declaration.public_id, db::utc(now)),
                Some(declaration.id),
                now,
            )
            .map_err(DbError::from)?;
            reload(conn, declarer.id, &declaration.public_id)
        })
        .await?;
    state.mail_wakeup.notify_one();
    Ok(respond(&view, &tag))
}
