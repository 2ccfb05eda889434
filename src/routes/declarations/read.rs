//! `GET /v1/declarations/{declaration_id}`: the declaration with its history.

use crate::routes::paths::DeclarationIdPath;
use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::forms::{ContactView, OrganizationView, PolicyDisclosureView};
use crate::auth::extract::User;
use crate::auth::tokens::Role;
use crate::db::models::{Declaration, Declarer};
use crate::db::{self, DbConnection, declarations, declarers, diagnoses};
use crate::declarations::load_owned;
use crate::domain::declaration::{Purpose, Star, Status};
use crate::error::ApiError;
use crate::state::AppState;

/// One change in a declaration's history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistoryEntryView {
    /// `applied`, `accepted`, `stepped_up`, `stepped_down`, `contact_changed`, `withdrawn`,
    /// `revoked`, `reinstated`.
    pub kind: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub from_star: Option<String>,
    pub to_star: String,
    /// `declarer`, `secretariat` or `system`.
    pub actor: String,
    pub reason: Option<String>,
    pub occurred_at: DateTime<Utc>,
}

/// The diagnosis a two-star declaration rests on.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DiagnosisReference {
    pub id: String,
    pub total_score: i32,
    pub band: String,
    pub created_at: DateTime<Utc>,
}

/// A declaration, as its owner or the secretariat sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeclarationView {
    pub declaration_id: String,
    pub star: Star,
    pub status: Status,
    /// Whether the declaration is valid for verification now (declared or accepted).
    pub valid: bool,
    pub declared_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    /// Since when the current star holds.
    pub star_since: DateTime<Utc>,
    /// When it was withdrawn or revoked.
    pub ended_at: Option<DateTime<Utc>>,
    /// The withdrawal reason or the revocation reason code.
    pub end_reason: Option<String>,
    pub agreed_terms_version: String,
    pub purposes: Vec<Purpose>,
    pub organization: OrganizationView,
    pub contact: ContactView,
    pub policy_disclosure: Option<PolicyDisclosureView>,
    pub diagnosis: Option<DiagnosisReference>,
    /// Every change, oldest first.
    pub history: Vec<HistoryEntryView>,
}

impl DeclarationView {
    /// Reads everything the view shows.
    pub fn load(
        conn: &mut DbConnection,
        declarer: &Declarer,
        declaration: &Declaration,
    ) -> Result<Self, ApiError> {
        let purposes = declarations::purposes(conn, declaration.id)?;
        let disclosure = declarations::disclosure(conn, declaration.id)?;
        let diagnosis = match declaration.diagnosis_id {
            Some(id) => Some(diagnoses::by_id(conn, id)?),
            None => None,
        };
        let history = declarations::events(conn, declaration.id)?;
        let status = declaration.status;
        Ok(Self {
            declaration_id: declaration.public_id.clone(),
            star: declaration.star_level,
            status,
            valid: status.is_live(),
            declared_at: db::utc(declaration.declared_at),
            accepted_at: declaration.accepted_at.map(db::utc),
            star_since: db::utc(declaration.star_since),
            ended_at: declaration.ended_at.map(db::utc),
            end_reason: declaration.end_reason.clone(),
            agreed_terms_version: declaration.agreed_terms_version.clone(),
            purposes,
            organization: declarer.into(),
            contact: declarer.into(),
            policy_disclosure: disclosure.as_ref().map(Into::into),
            diagnosis: diagnosis.map(|d| DiagnosisReference {
                id: d.public_id,
                total_score: d.total_score,
                band: d.band,
                created_at: db::utc(d.created_at),
            }),
            history: history
                .into_iter()
                .map(|e| HistoryEntryView {
                    kind: e.kind,
                    from_status: e.from_status,
                    to_status: e.to_status,
                    from_star: e.from_star,
                    to_star: e.to_star,
                    actor: e.actor_kind,
                    reason: e.reason,
                    occurred_at: db::utc(e.occurred_at),
                })
                .collect(),
        })
    }
}

/// The ETag of a declaration: changes whenever it or its declarer changes.
pub fn etag(declarer: &Declarer, declaration: &Declaration) -> String {
    format!("\"d{}.{}\"", declaration.revision, declarer.revision)
}

/// The view of a declaration, answered with its ETag.
pub fn respond(view: &DeclarationView, etag: &str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag.to_owned()))
        .json(view)
}

/// The declaration with its history. Its owner and the secretariat may read it; for anyone
/// else it does not exist (404).
#[utoipa::path(
    tag = "declarations",
    security(("bearer" = [])),
    params(DeclarationIdPath),
    responses(
        (status = 200, description = "The declaration", body = DeclarationView, headers(("ETag" = String))),
        (status = 404, description = "No such declaration of yours", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
    )
)]
#[get("/declarations/{declaration_id}")]
#[tracing::instrument(skip_all)]
pub async fn get_declaration(
    state: web::Data<AppState>,
    user: User,
    DeclarationIdPath(id): DeclarationIdPath,
) -> Result<HttpResponse, ApiError> {
    let (view, etag) = state
        .db
        .read(move |conn| {
            let (declarer, declaration) = match user.role {
                Role::Declarer => {
                    let (_, declarer, declaration) = load_owned(conn, &user.user_number, &id)?;
                    (declarer, declaration)
                }
                Role::Secretariat => {
                    let declaration = crate::declarations::load(conn, &id)?;
                    let declarer = declarers::by_id(conn, declaration.declarer_id)?;
                    (declarer, declaration)
                }
            };
            Ok::<_, ApiError>((
                DeclarationView::load(conn, &declarer, &declaration)?,
                etag(&declarer, &declaration),
            ))
        })
        .await?;
    Ok(respond(&view, &etag))
}
