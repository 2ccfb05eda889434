//! The OpenAPI 3.1 document: the base description here, the paths collected from the routes as
//! they are registered, and the error answers every operation shares added in one place.

use std::sync::OnceLock;

use utoipa::OpenApi;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa_actix_web::AppExt;

use crate::error::{FieldError, ProblemDetails};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "SECURITY ACTION registry",
        description = "The registry behind SECURITY ACTION (セキュリティ対策自己宣言), IPA's \
self-declaration scheme in which small businesses declare one star (★) or two stars (★★) of \
information-security effort.\n\nErrors are RFC 9457 problem details (`application/problem+json`) \
with a stable `code`; validation failures list every broken rule in `errors`. \
`Accept-Language: ja` (default) or `en` selects the language of messages and reference texts.",
        license(name = "MIT")
    ),
    tags(
        (name = "operations", description = "Health and readiness"),
        (name = "reference", description = "Public reference data: logo terms, the five principles of information security (情報セキュリティ5か条), the 25-item self-diagnosis and its scoring, policy disclosure methods"),
        (name = "declarations", description = "Applying (申込み) and the declarer's declaration: reading it, the contact person, the policy disclosure, stepping up, withdrawal, the completion notice"),
        (name = "auth", description = "Logging in with the user number (利用者番号), sessions, passwords"),
        (name = "account", description = "The declarer's registration information"),
        (name = "diagnoses", description = "The declarer's own self-diagnoses (自社診断)"),
        (name = "verification", description = "Checking declarations and printed completion notices"),
        (name = "secretariat", description = "The secretariat (事務局): reviewing declarations, API clients, the audit trail, the outbox"),
        (name = "public", description = "The public registry of declarers and the scheme's statistics"),
    ),
    components(schemas(ProblemDetails, FieldError)),
    modifiers(&SecuritySchemes)
)]
struct ApiDoc;

/// The ways callers authenticate.
struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi
            .components
            .get_or_insert_with(utoipa::openapi::Components::new);
        components.add_security_scheme(
            "client_credentials",
            SecurityScheme::OAuth2(utoipa::openapi::security::OAuth2::new([
                utoipa::openapi::security::Flow::ClientCredentials(
                    utoipa::openapi::security::ClientCredentials::new(
                        "/v1/oauth/token",
                        utoipa::openapi::security::Scopes::from_iter([
                            (
                                "declarations:verify",
                                "Verify declarations (subsidy portals, partner companies)",
                            ),
                            (
                                "declarations:changes",
                                "Follow the ordered change feed of declarations",
                            ),
                        ]),
                    ),
                ),
            ])),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A declarer's or operator's access token from `POST /v1/auth/login` (15 minutes; HS256).",
                    ))
                    .build(),
            ),
        );
    }
}

/// When a shared error answer is added to an operation by itself.
#[derive(Clone, Copy, PartialEq, Eq)]
enum AppliesTo {
    /// Every operation.
    Every,
    /// Operations that need a token.
    Secured,
    /// Operations with a request body.
    WithBody,
    /// Operations with a request body or parameters besides headers.
    WithInput,
    /// Only where an operation names it (`response = …` in its annotation).
    Named,
}

/// A reusable error answer: its component name, status, description, the header it carries
/// and where it applies.
struct SharedResponse {
    name: &'static str,
    status: &'static str,
    description: &'static str,
    header: Option<(&'static str, &'static str)>,
    applies: AppliesTo,
}

static SHARED_RESPONSES: [SharedResponse; 9] = [
    SharedResponse {
        name: "BadRequest",
        status: "400",
        description: "The request could not be read (malformed JSON, for instance)",
        header: None,
        applies: AppliesTo::WithBody,
    },
    SharedResponse {
        name: "Unauthorized",
        status: "401",
        description: "No access token, or one that is malformed, expired or not for this API \
                      (`missing_token`, `invalid_token`, `expired_token`)",
        header: Some((
            "WWW-Authenticate",
            "`Bearer`: the scheme the operation expects",
        )),
        applies: AppliesTo::Secured,
    },
    SharedResponse {
        name: "Forbidden",
        status: "403",
        description: "A valid token of a caller this operation is not for (a declarer's on the \
                      secretariat's operations, an operator's on a declarer's), or without the \
                      scope it needs",
        header: None,
        applies: AppliesTo::Named,
    },
    SharedResponse {
        name: "PayloadTooLarge",
        status: "413",
        description: "The body is larger than the configured limit",
        header: None,
        applies: AppliesTo::WithBody,
    },
    SharedResponse {
        name: "UnsupportedMediaType",
        status: "415",
        description: "The body is not sent as application/json",
        header: None,
        applies: AppliesTo::WithBody,
    },
    SharedResponse {
        name: "ValidationFailed",
        status: "422",
        description: "Some fields or parameters break a rule; `errors` lists each",
        header: None,
        applies: AppliesTo::WithInput,
    },
    SharedResponse {
        name: "TooManyRequests",
        status: "429",
        description: "Too many requests from this address; retry after `Retry-After` seconds",
        header: Some(("Retry-After", "Seconds to wait before retrying")),
        applies: AppliesTo::Named,
    },
    SharedResponse {
        name: "InternalError",
        status: "500",
        description: "An unexpected failure; the answer is opaque and the cause is logged",
        header: None,
        applies: AppliesTo::Every,
    },
    SharedResponse {
        name: "ServiceUnavailable",
        status: "503",
        description: "Busy (password hashing is saturated) or the database cannot be reached; \
                      retry after `Retry-After` seconds",
        header: Some(("Retry-After", "Seconds to wait before retrying")),
        applies: AppliesTo::Named,
    },
];

/// Names a shared error answer in an operation's annotation:
/// `(status = 403, response = openapi::Forbidden)`.
macro_rules! named_responses {
    ($($(#[$meta:meta])* $name:ident;)*) => {
        $(
            $(#[$meta])*
            pub struct $name;

            impl<'s> utoipa::ToResponse<'s> for $name {
                fn response() -> (&'s str, RefOr<utoipa::openapi::Response>) {
                    let shared = shared(stringify!($name));
                    (shared.name, RefOr::T(problem_response(shared)))
                }
            }
        )*
    };
}

named_responses! {
    /// 403: a valid token of the wrong kind of caller, or without the needed scope.
    Forbidden;
    /// 429 with `Retry-After`: the address's budget for the public operations is spent.
    TooManyRequests;
    /// 503 with `Retry-After`: password hashing is saturated, or the database cannot be reached.
    ServiceUnavailable;
}

fn shared(name: &str) -> &'static SharedResponse {
    SHARED_RESPONSES
        .iter()
        .find(|r| r.name == name)
        .unwrap_or(&SHARED_RESPONSES[SHARED_RESPONSES.len() - 1])
}

/// Builds the full document from the routes.
fn build() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::routes::configure)
        .split_for_parts();
    add_shared_responses(&mut doc);
    doc
}

/// The document the service serves at `/openapi.json`, built once.
pub fn document() -> &'static utoipa::openapi::OpenApi {
    static DOCUMENT: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOCUMENT.get_or_init(build)
}

/// The document as pretty JSON, as committed under `openapi/openapi.json`.
pub fn document_json() -> String {
    let mut text = serde_json::to_string_pretty(document()).unwrap_or_default();
    text.push('\n');
    text
}

fn problem_response(shared: &SharedResponse) -> utoipa::openapi::Response {
    let mut response = ResponseBuilder::new()
        .description(shared.description)
        .content(
            crate::error::PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ProblemDetails")))
                .build(),
        );
    if let Some((name, description)) = shared.header {
        response = response.header(
            name,
            HeaderBuilder::new()
                .schema(ObjectBuilder::new().schema_type(Type::String))
                .description(Some(description))
                .build(),
        );
    }
    response.build()
}

/// Every operation can fail unexpectedly (500); every one that needs a token can get none or a
/// bad one (401); every one with a body can get a malformed, oversized, wrongly typed or
/// invalid one (400, 413, 415, 422); every one with parameters can get invalid ones (422).
/// The others (403, 429, 503) are added where an operation names them.
fn add_shared_responses(doc: &mut utoipa::openapi::OpenApi) {
    let components = doc
        .components
        .get_or_insert_with(utoipa::openapi::Components::new);
    for shared in &SHARED_RESPONSES {
        components
            .responses
            .insert(shared.name.to_owned(), RefOr::T(problem_response(shared)));
    }
    for item in doc.paths.paths.values_mut() {
        for operation in operations_mut(item) {
            let has_body = operation.request_body.is_some();
            let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
            let has_params = operation.parameters.as_ref().is_some_and(|p| {
                p.iter()
                    .any(|p| !matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Header))
            });
            for shared in &SHARED_RESPONSES {
                let applies = match shared.applies {
                    AppliesTo::Every => true,
                    AppliesTo::Secured => secured,
                    AppliesTo::WithBody => has_body,
                    AppliesTo::WithInput => has_body || has_params,
                    AppliesTo::Named => false,
                };
                if applies {
                    operation
                        .responses
                        .responses
                        .entry(shared.status.to_owned())
                        .or_insert_with(|| RefOr::Ref(Ref::from_response_name(shared.name)));
                }
            }
        }
    }
}

fn operations_mut(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.patch.as_mut(),
    ]
    .into_iter()
    .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_documents_its_failures() {
        let doc = document();
        assert_eq!(
            serde_json::to_value(doc).unwrap()["openapi"],
            serde_json::json!("3.1.0")
        );
        let score = doc.paths.paths["/v1/diagnosis/score"]
            .post
            .as_ref()
            .unwrap();
        for status in ["200", "400", "413", "415", "422", "500"] {
            assert!(score.responses.responses.contains_key(status), "{status}");
        }
    }
}
