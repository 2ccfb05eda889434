//! The declarer's account: `GET /v1/me` and `PATCH /v1/me/organization`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use super::declarations::forms::{ContactView, OrganizationInput, OrganizationView};
use crate::auth::extract::{Declarer, User};
use crate::db::models::{Declaration, Declarer as DeclarerRow};
use crate::db::{self, DbConnection, declarations};
use crate::declarations::changes::change_organization;
use crate::declarations::{Context, load_account};
use crate::domain::codes::{IndustryCode, PrefectureCode};
use crate::domain::declaration::{Star, Status};
use crate::domain::organization::OrganizationType;
use crate::error::ApiError;
use crate::extract::Json;
use crate::routes::{common, schema};
use crate::state::AppState;

/// The current declaration, in brief.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeclarationSummary {
    pub declaration_id: String,
    pub star: Star,
    pub status: Status,
    pub valid: bool,
    pub declared_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub star_since: DateTime<Utc>,
}

/// The declarer's account.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// 利用者番号.
    pub user_number: String,
    pub organization: OrganizationView,
    pub contact: ContactView,
    /// The newest declaration.
    pub declaration: Option<DeclarationSummary>,
    pub updated_at: DateTime<Utc>,
}

fn summary(declaration: &Declaration) -> Result<DeclarationSummary, ApiError> {
    let status = declaration.status;
    Ok(DeclarationSummary {
        declaration_id: declaration.public_id.clone(),
        star: declaration.star_level,
        status,
        valid: status.is_live(),
        declared_at: db::utc(declaration.declared_at),
        accepted_at: declaration.accepted_at.map(db::utc),
        star_since: db::utc(declaration.star_since),
    })
}

/// The account's ETag: changes whenever the declarer or its declaration changes.
fn etag(declarer: &DeclarerRow, declaration: Option<&Declaration>) -> String {
    format!(
        "\"m{}.{}\"",
        declarer.revision,
        declaration.map_or(0, |d| d.revision)
    )
}

fn load_me(
    conn: &mut DbConnection,
    user: &User,
) -> Result<(Me, String, DeclarerRow, Option<Declaration>), ApiError> {
    let (account, declarer) = load_account(conn, &user.user_number)?;
    let declaration = declarations::current_for_declarer(conn, declarer.id)?;
    let me = Me {
        user_number: account.user_number,
        organization: (&declarer).into(),
        contact: (&declarer).into(),
        declaration: declaration.as_ref().map(summary).transpose()?,
        updated_at: db::utc(declarer.updated_at),
    };
    let tag = etag(&declarer, declaration.as_ref());
    Ok((me, tag, declarer, declaration))
}

/// The account: user number, organisation, contact person, current declaration. The `ETag`
/// goes with `If-Match` on `PATCH /v1/me/organization`.
#[utoipa::path(
    tag = "account",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account", body = Me, headers(("ETag" = String))),
        (status = 403, response = crate::routes::openapi::Forbidden),
    )
)]
#[get("/me")]
#[tracing::instrument(skip_all)]
pub async fn get_me(
    state: web::Data<AppState>,
    Declarer(user): Declarer,
) -> Result<HttpResponse, ApiError> {
    let (me, tag) = state
        .db
        .read(move |conn| load_me(conn, &user).map(|(me, tag, _, _)| (me, tag)))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, tag))
        .json(me))
}

/// Distinguishes a field that is absent (keep) from one that is `null` (clear).
fn present<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A partial change of the organisation (JSON merge patch): absent fields stay, `null` clears
/// an optional one. The result is checked with the same rules as an application.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"address": "東京都文京区本駒込2-28-8 文京グリーンコート", "employees": 15, "website": null}))]
pub struct OrganizationPatch {
    /// 1–200 characters.
    #[schema(value_type = Option<schema::Text200>, inline)]
    pub name: Option<String>,
    /// Up to 200 characters; null or empty clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<schema::OptionalText200>, inline)]
    pub name_kana: Option<Option<String>>,
    pub organization_type: Option<OrganizationType>,
    /// 13 digits with a check digit; null or empty clears it. Required for a corporation,
    /// forbidden for a sole proprietor (the rule holds for the result of the change).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<schema::OptionalCorporateNumber>, inline)]
    pub corporate_number: Option<Option<String>>,
    #[schema(value_type = Option<PrefectureCode>)]
    pub prefecture: Option<String>,
    /// 1–300 characters.
    #[schema(value_type = Option<schema::Text300>, inline)]
    pub address: Option<String>,
    #[schema(value_type = Option<IndustryCode>)]
    pub industry: Option<String>,
    #[serde(default, deserialize_with = "crate::extract::optional_whole_number")]
    #[schema(minimum = 0, maximum = 10_000_000)]
    pub employees: Option<i64>,
    /// Null clears it.
    #[serde(default, deserialize_with = "crate::extract::present_whole_number")]
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 1_000_000_000_000_000_i64)]
    pub capital_yen: Option<Option<i64>>,
    /// An http(s) URL; null or empty clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<schema::OptionalWebUrl>, inline)]
    pub website: Option<Option<String>>,
}

impl OrganizationPatch {
    fn apply(self, mut current: OrganizationInput) -> OrganizationInput {
        if let Some(v) = self.name {
            current.name = v;
        }
        if let Some(v) = self.name_kana {
            current.name_kana = v;
        }
        if let Some(v) = self.organization_type {
            current.organization_type = v;
        }
        if let Some(v) = self.corporate_number {
            current.corporate_number = v;
        }
        if let Some(v) = self.prefecture {
            current.prefecture = v;
        }
        if let Some(v) = self.address {
            current.address = v;
        }
        if let Some(v) = self.industry {
            current.industry = v;
        }
        if let Some(v) = self.employees {
            current.employees = v;
        }
        if let Some(v) = self.capital_yen {
            current.capital_yen = v;
        }
        if let Some(v) = self.website {
            current.website = v;
        }
        current
    }
}

/// Changes the registration information (登録情報の変更). With `If-Match`, a change made
/// since the caller read the account is a 412 instead of being overwritten.
#[utoipa::path(
    tag = "account",
    security(("bearer" = [])),
    params(("If-Match" = Option<String>, Header, max_length = 1000, description = "The ETag of `GET /v1/me` (or `*`), at most 1,000 characters; a change made since is a 412", pattern = r#"^(?:\*|(?:W/)?"[!#-~]*"(?:[ \t]*,[ \t]*(?:W/)?"[!#-~]*")*)$"#)),
    request_body(content = OrganizationPatch, content_type = "application/json"),
    responses(
        (status = 200, description = "The account after the change", body = Me, headers(("ETag" = String))),
        (status = 409, description = "Another live declaration has this corporate number", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 412, description = "The account changed since it was read", body = crate::error::ProblemDetails, content_type = "application/problem+json"),
        (status = 403, response = crate::routes::openapi::Forbidden),
    )
)]
#[patch("/me/organization")]
#[tracing::instrument(skip_all)]
pub async fn patch_organization(
    req: HttpRequest,
    state: web::Data<AppState>,
    Declarer(user): Declarer,
    Json(patch): Json<OrganizationPatch>,
) -> Result<HttpResponse, ApiError> {
    let actor = common::actor(&req, &state, "declarer", Some(user.user_number.to_string()));
    let if_match = common::if_match(&req)?;
    let base = state.base_url();
    let (me, tag) = state
        .db
        .write(move |conn| {
            let ctx = Context {
                actor: &actor,
                account_id: None,
                base_url: &base,
            };
            change_organization(conn, &ctx, &user.user_number, |declarer, declaration| {
                let current = OrganizationInput::from_row(declarer).ok_or_else(|| {
                    ApiError::internal(anyhow::anyhow!("stored organisation type is unknown"))
                })?;
                // A malformed change is refused as such (422) before the copy's age is judged.
                let row = patch
                    .apply(current)
                    .validate("")
                    .map_err(ApiError::validation)?;
                common::check_if_match(if_match.as_deref(), &etag(declarer, declaration))?;
                Ok(row)
            })?;
            let (me, tag, _, _) = load_me(conn, &user)?;
            Ok::<_, ApiError>((me, tag))
        })
        .await?;
    state.changes.poke();
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, tag))
        .json(me))
}
