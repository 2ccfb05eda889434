//! `GET /v1/registry`: published declarers (the live declarations), searchable. Never IDs or
//! contacts.

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::{self, DbError, search};
use crate::domain::codes::PrefectureCode;
use crate::domain::corporate_number::CorporateNumber;
use crate::domain::declaration::{Star, Status};
use crate::domain::name::search_key;
use crate::domain::validation::{FieldCode, Violation};
use crate::error::ApiError;
use crate::extract::{AcceptLanguage, Query};
use crate::routes::admin::{prefecture_filter, star_filter, status_filter};
use crate::routes::common;
use crate::state::AppState;

/// Search parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RegistryQuery {
    /// Part of the organisation's name; insensitive to full/half width, hiragana/katakana,
    /// spaces and the legal form (株式会社, (株), ㈱ …). At most 100 characters.
    #[param(max_length = 100)]
    pub name: Option<String>,
    /// Prefecture code `01`–`47`.
    #[param(value_type = Option<PrefectureCode>, inline)]
    pub prefecture: Option<String>,
    /// `one_star` or `two_star`.
    #[param(value_type = Option<Star>, inline)]
    pub star: Option<String>,
    /// 法人番号, 13 digits with a check digit.
    #[param(value_type = Option<CorporateNumber>, inline)]
    pub corporate_number: Option<String>,
    /// `declared` or `accepted`.
    #[param(value_type = Option<crate::routes::schema::LiveStatus>, inline)]
    pub status: Option<String>,
    /// The `next_cursor` of the previous page (opaque, at most 64 characters).
    #[param(max_length = 64)]
    pub cursor: Option<String>,
    /// Items per page: 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// A published declarer.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"organization_name": "株式会社サンプル", "prefecture": "13", "prefecture_name": "東京都",
                          "star": "two_star", "status": "accepted", "declared_at": "2026-11-22"}))]
pub struct RegistryEntry {
    pub organization_name: String,
    pub prefecture: String,
    /// In the language asked for.
    pub prefecture_name: String,
    pub star: Star,
    pub status: Status,
    /// The date of the declaration (JST).
    pub declared_at: chrono::NaiveDate,
}

/// A page of the registry.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegistryPage {
    pub items: Vec<RegistryEntry>,
    pub next_cursor: Option<String>,
}

fn jst_date(time: DateTime<Utc>) -> chrono::NaiveDate {
    (time + chrono::Duration::hours(9)).date_naive()
}

/// Searches the published declarers (live declarations), newest first: by name, prefecture,
/// star, status and corporate number. Shows name, prefecture, star, declared date and status;
/// never IDs or contact data.
#[utoipa::path(
    tag = "public",
    params(RegistryQuery),
    responses(
        (status = 200, description = "A page of declarers", body = RegistryPage),
        (status = 429, response = crate::routes::openapi::TooManyRequests),
    )
)]
#[get("/registry")]
#[tracing::instrument(skip_all)]
pub async fn search_registry(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    AcceptLanguage(language): AcceptLanguage,
    Query(query): Query<RegistryQuery>,
) -> Result<HttpResponse, ApiError> {
    common::limit_address(&req, &state)?;
    let limit = common::page_limit(query.limit)?;
    let before = common::decode_cursor(query.cursor.as_deref())?.unwrap_or(i64::MAX);
    let statuses = status_filter(
        query.status.as_deref(),
        &[Status::Declared, Status::Accepted],
    )?;
    let stars = star_filter(query.star.as_deref())?;
    let prefectures = prefecture_filter(query.prefecture.as_deref())?;
    let name = query.name.unwrap_or_default();
    if name.chars().count() > 100 {
        return Err(ApiError::invalid_field(Violation::new(
            "name",
            FieldCode::TooLong,
            "100文字以内で指定してください",
            "at most 100 characters",
        )));
    }
    let corporate_number = match query.corporate_number.as_deref() {
        None => None,
        Some(n) => Some(CorporateNumber::parse(n).map_err(|e| {
            ApiError::invalid_field(Violation::new(
                "corporate_number",
                e.code(),
                "法人番号は13桁で指定してください",
                e.to_string(),
            ))
        })?),
    };
    let key = search_key(&name);
    let rows = state
        .db
        .read(move |conn| {
            let filter = search::Filter {
                statuses: &statuses,
                stars: &stars,
                prefectures: &prefectures,
                name: &key,
                before,
                limit: limit + 1,
            };
            Ok::<_, DbError>(match corporate_number {
                Some(number) => search::by_corporate_number(conn, number.as_str(), &filter)?,
                None => search::page(conn, &filter)?,
            })
        })
        .await?;
    let (rows, next_cursor) = common::paginate(rows, limit, |(d, _)| d.id);
    Ok(HttpResponse::Ok().json(RegistryPage {
        items: rows
            .into_iter()
            .map(|(d, r)| RegistryEntry {
                prefecture_name: PrefectureCode::parse(&r.prefecture)
                    .map(|p| p.name().get(language).to_owned())
                    .unwrap_or_default(),
                organization_name: r.organization_name,
                prefecture: r.prefecture,
                star: d.star_level,
                status: d.status,
                declared_at: jst_date(db::utc(d.declared_at)),
            })
            .collect(),
        next_cursor,
    }))
}
