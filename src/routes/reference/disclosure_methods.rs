//! `GET /v1/policy-disclosure-methods`: how a basic policy may be disclosed (外部公開の方法).

use actix_web::{HttpResponse, get};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::disclosure::{DisclosureMethod, RequiredDetail};
use crate::extract::AcceptLanguage;

/// The disclosure methods.
#[derive(Debug, Serialize, ToSchema)]
pub struct DisclosureMethodList {
    pub methods: Vec<DisclosureMethodView>,
}

/// One method, with the detail it requires.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "method": "company_website", "label": "自社ウェブサイト",
    "description": "基本方針を掲載しているページの URL を指定します。", "required_detail": "url"
}))]
pub struct DisclosureMethodView {
    pub method: DisclosureMethod,
    pub label: &'static str,
    pub description: &'static str,
    /// `url` (`policy_disclosure.url` is required), `other_description` (required, 1–200
    /// characters) or `none`.
    pub required_detail: RequiredDetail,
}

/// The disclosure methods with labels and which detail each requires. A two-star declarer
/// discloses its basic policy by one or more of them and affirms that the document is an
/// information-security basic policy, not a privacy policy.
#[utoipa::path(
    tag = "reference",
    responses((status = 200, description = "The methods", body = DisclosureMethodList))
)]
#[get("/policy-disclosure-methods")]
pub async fn list_disclosure_methods(AcceptLanguage(language): AcceptLanguage) -> HttpResponse {
    let body = DisclosureMethodList {
        methods: DisclosureMethod::ALL
            .iter()
            .map(|&m| DisclosureMethodView {
                method: m,
                label: m.label().get(language),
                description: m.description().get(language),
                required_detail: m.required_detail(),
            })
            .collect(),
    };
    super::cacheable_json(&body, Some(language))
}
