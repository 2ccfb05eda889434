//! Every route, wired in one place. Paths are collected into the OpenAPI document as they are
//! registered, so no route is listed twice by hand.

pub mod health;
pub mod reference;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the operational routes and the `/v1` API.
pub fn configure(config: &mut ServiceConfig) {
    config.service(health::healthz).service(health::readyz);
    config.service(
        scope::scope("/v1")
            .service(reference::terms::list_terms)
            .service(reference::questionnaire::get_questionnaire)
            .service(reference::score::score_diagnosis)
            .service(reference::disclosure_methods::list_disclosure_methods),
    );
}
