//! `GET /v1/terms`: the versions of the logo terms (ロゴマーク使用規約).

use actix_web::{HttpResponse, get};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::terms::{self, TERMS_VERSIONS};
use crate::extract::AcceptLanguage;

/// The logo terms' versions, oldest first.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "current_version": "2018-07-03",
    "versions": [
        {"version": "2017-04-28", "effective_on": "2017-04-28", "is_current": false, "note": "制定", "label": "平成29年4月28日 制定"},
        {"version": "2018-07-03", "effective_on": "2018-07-03", "is_current": true, "note": "一部改正（現行）", "label": "平成30年7月3日 一部改正（現行）"}
    ]
}))]
pub struct TermsList {
    /// The version an application must agree to (`agreed_terms_version`).
    pub current_version: &'static str,
    pub versions: Vec<TermsVersionView>,
}

/// One version of the terms.
#[derive(Debug, Serialize, ToSchema)]
pub struct TermsVersionView {
    /// The version's name, its date.
    pub version: &'static str,
    /// When it took effect.
    pub effective_on: Option<chrono::NaiveDate>,
    /// Whether applications agree to this version now.
    pub is_current: bool,
    /// Established (制定) or partially amended (一部改正), in the language asked for.
    pub note: &'static str,
    /// The version as a person reads it, dated in the Japanese era in Japanese:
    /// 「平成30年7月3日 一部改正（現行）」.
    pub label: String,
}

/// The logo terms' versions, the current one marked.
#[utoipa::path(
    tag = "reference",
    responses((status = 200, description = "The versions, oldest first", body = TermsList))
)]
#[get("/terms")]
pub async fn list_terms(AcceptLanguage(language): AcceptLanguage) -> HttpResponse {
    let current = terms::current().version;
    let body = TermsList {
        current_version: current,
        versions: TERMS_VERSIONS
            .iter()
            .map(|t| TermsVersionView {
                version: t.version,
                effective_on: t.effective_date(),
                is_current: t.version == current,
                note: t.note.get(language),
                label: t.label(language),
            })
            .collect(),
    };
    super::cacheable_json(&body, Some(language))
}
