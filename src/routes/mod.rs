//! Every route, wired in one place. Paths are collected into the OpenAPI document as they are
//! registered, so no route is listed twice by hand.

pub mod admin;
pub mod auth;
pub mod common;
pub mod declaration_changes;
pub mod declarations;
pub mod diagnoses;
pub mod health;
pub mod logo;
pub mod me;
pub mod oauth;
pub mod openapi;
pub mod paths;
pub mod public;
pub mod receipts;
pub mod reference;
pub mod schema;
pub mod table;
pub mod verifications;
pub mod webhooks;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the operational routes and the `/v1` API.
pub fn configure(config: &mut ServiceConfig) {
    config
        .service(health::healthz)
        .service(health::readyz)
        .service(receipts::jwks);
    config.service(
        scope::scope("/v1")
            // First: actix tries the routes in the order they are registered, each with a
            // parameter by a regular expression, and verification is the busiest by far.
            .service(verifications::verify_batch)
            .service(verifications::verify)
            .service(reference::terms::list_terms)
            .service(reference::five_principles::get_five_principles)
            .service(reference::questionnaire::get_questionnaire)
            .service(reference::score::score_diagnosis)
            .service(reference::disclosure_methods::list_disclosure_methods)
            .service(declarations::apply::apply)
            .service(auth::login::login)
            .service(auth::sessions::refresh)
            .service(auth::sessions::logout)
            .service(auth::password::change_password)
            .service(auth::password::request_password_reset)
            .service(auth::password::reset_password)
            .service(auth::password::remind_user_number)
            .service(auth::oidc::authorization)
            .service(auth::oidc::callback::callback)
            .service(auth::oidc::token)
            .service(me::get_me)
            .service(me::patch_organization)
            .service(declarations::read::get_declaration)
            .service(declarations::changes::put_contact)
            .service(declarations::changes::put_policy_disclosure)
            .service(declarations::changes::delete_policy_disclosure)
            .service(declarations::changes::step_up)
            .service(declarations::changes::withdraw)
            .service(declarations::notice::completion_notice)
            .service(declarations::notice::verify_notice)
            .service(diagnoses::create_diagnosis)
            .service(diagnoses::list_diagnoses)
            .service(diagnoses::get_diagnosis)
            .service(admin::declarations::list_declarations)
            .service(admin::declarations::accept)
            .service(admin::declarations::revoke)
            .service(admin::declarations::reinstate)
            .service(admin::api_clients::list_clients)
            .service(admin::api_clients::create_client)
            .service(admin::api_clients::disable_client)
            .service(admin::trails::list_audit_events)
            .service(admin::trails::list_outbox)
            .service(public::registry::search_registry)
            .service(public::stats::get_stats)
            .service(logo::issue_logo_token)
            .service(logo::download_logo)
            .service(oauth::token)
            .service(verifications::verification_log)
            .service(receipts::get_receipt)
            .service(declaration_changes::list_changes)
            .service(webhooks::create_endpoint)
            .service(webhooks::list_endpoints)
            .service(webhooks::get_endpoint)
            .service(webhooks::update_endpoint)
            .service(webhooks::delete_endpoint)
            .service(webhooks::rotate_secret)
            .service(webhooks::list_deliveries)
            .service(webhooks::redeliver)
            .service(webhooks::list_watchlist)
            .service(webhooks::watch)
            .service(webhooks::unwatch),
    );
}
