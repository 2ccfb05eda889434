//! Public reference data: the logo terms, the five principles, the questionnaire and its
//! scoring, the disclosure methods.

pub mod disclosure_methods;
pub mod five_principles;
pub mod questionnaire;
pub mod score;
pub mod terms;

use actix_web::HttpResponse;
use actix_web::http::header;

use crate::domain::language::Language;

/// Reference data changes only with a release: let clients and proxies keep it for an hour.
pub(crate) fn cacheable_json<T: serde::Serialize>(
    body: &T,
    language: Option<Language>,
) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    response.insert_header((header::CACHE_CONTROL, "public, max-age=3600"));
    if let Some(language) = language {
        response.insert_header((header::CONTENT_LANGUAGE, language.tag()));
        response.insert_header((header::VARY, "Accept-Language"));
    }
    response.json(body)
}
