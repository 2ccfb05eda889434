//! The OpenAPI 3.1 document: the base description here, the paths collected from the routes as
//! they are registered, and the error answers every operation shares added in one place.

use std::sync::OnceLock;

use actix_web::http::header::ContentType;
use actix_web::{HttpResponse, web};

use utoipa::OpenApi;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa_actix_web::AppExt;

use crate::error::{FieldError, ProblemCodeSchema, ProblemDetails};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "SECURITY ACTION registry",
        description = "The registry behind SECURITY ACTION (セキュリティ対策自己宣言), IPA's \
self-declaration scheme in which small businesses declare one star (★) or two stars (★★) of \
information-security effort.\n\nErrors are RFC 9457 problem details (`application/problem+json`) \
with a stable `code`; validation failures list every broken rule in `errors`. \
`Accept-Language: ja` (default) or `en` selects the language of messages and reference texts.",
        contact(
            name = "SECURITY ACTION secretariat (事務局)",
            url = "https://www.ipa.go.jp/security/security-action/"
        ),
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
        (name = "webhooks", description = "Being told of changes: webhook endpoints, their deliveries, and the watchlist. Each event (schema `WebhookEvent`) is POSTed as JSON, signed as the Standard Webhooks specification says"),
    ),
    components(schemas(ProblemDetails, FieldError, ProblemCodeSchema, crate::domain::validation::FieldCode, crate::webhooks::dispatch::WebhookEvent, crate::routes::auth::oidc::SignInError)),
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
            SecurityScheme::OAuth2(utoipa::openapi::security::OAuth2::with_description(
                [utoipa::openapi::security::Flow::ClientCredentials(
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
                            (
                                "webhooks:manage",
                                "Manage the client's webhook endpoints and watchlist",
                            ),
                        ]),
                    ),
                )],
                "An API client's access token (a JWT, 15 minutes) from `POST /v1/oauth/token`, \
                 issued and checked following RFC8725: the algorithm is pinned, and `exp`, `iat`, \
                 `iss`, `aud` and `sub` are checked.",
            )),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A declarer's or operator's access token from `POST /v1/auth/login` (15 minutes; HS256). \
                         The tokens follow the JWT best current practices of RFC8725: the algorithm is \
                         pinned, and `exp`, `iat`, `iss`, `aud` and `sub` are checked.",
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
    /// Operations with a JSON request body.
    WithJsonBody,
    /// Operations with a JSON request body or parameters besides headers.
    WithJsonInput,
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
    /// The machine code and detail of the example shown for it.
    example: (&'static str, &'static str),
}

static SHARED_RESPONSES: [SharedResponse; 9] = [
    SharedResponse {
        name: "BadRequest",
        status: "400",
        description: "The request could not be read (malformed JSON, for instance)",
        header: None,
        applies: AppliesTo::WithBody,
        example: ("bad_request", "The body is not valid JSON."),
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
        example: ("missing_token", "An access token is required."),
    },
    SharedResponse {
        name: "Forbidden",
        status: "403",
        description: "A valid token of a caller this operation is not for (a declarer's on the \
                      secretariat's operations, an operator's on a declarer's), or without the \
                      scope it needs",
        header: None,
        applies: AppliesTo::Named,
        example: ("forbidden", "This operation is not for this caller."),
    },
    SharedResponse {
        name: "PayloadTooLarge",
        status: "413",
        description: "The body is larger than the configured limit",
        header: None,
        applies: AppliesTo::WithBody,
        example: ("payload_too_large", "The body is larger than allowed."),
    },
    SharedResponse {
        name: "UnsupportedMediaType",
        status: "415",
        description: "The body is not sent as application/json",
        header: None,
        applies: AppliesTo::WithJsonBody,
        example: (
            "unsupported_media_type",
            "Send the body as application/json.",
        ),
    },
    SharedResponse {
        name: "ValidationFailed",
        status: "422",
        description: "Some fields or parameters break a rule; `errors` lists each",
        header: None,
        applies: AppliesTo::WithJsonInput,
        example: ("validation_failed", "Some fields are invalid; see errors."),
    },
    SharedResponse {
        name: "TooManyRequests",
        status: "429",
        description: "Too many requests from this address; retry after `Retry-After` seconds",
        header: Some(("Retry-After", "Seconds to wait before retrying")),
        applies: AppliesTo::Named,
        example: ("rate_limited", "Too many requests; retry later."),
    },
    SharedResponse {
        name: "InternalError",
        status: "500",
        description: "An unexpected failure; the answer is opaque and the cause is logged",
        header: None,
        applies: AppliesTo::Every,
        example: ("internal_error", "An unexpected error occurred."),
    },
    SharedResponse {
        name: "ServiceUnavailable",
        status: "503",
        description: "Busy (password hashing is saturated) or the database cannot be reached; \
                      retry after `Retry-After` seconds",
        header: Some(("Retry-After", "Seconds to wait before retrying")),
        applies: AppliesTo::Named,
        example: ("service_unavailable", "The service is busy; retry later."),
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

/// The document as utoipa builds it from the routes (built on each call: the service keeps
/// only the serialized bytes, [`served_json`]).
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(super::configure)
        .split_for_parts();
    add_shared_responses(&mut doc);
    complete_operations(&mut doc);
    require_sent_fields(&mut doc);
    unwrap_single_branches(&mut doc);
    doc
}

/// The document as served and committed: [`document`] with what utoipa's types cannot say
/// (a response header's `required`) added.
pub fn document_value() -> serde_json::Value {
    let mut value = serde_json::to_value(document()).unwrap_or_default();
    declare_headers(&mut value);
    value
}

/// The document as pretty JSON, as committed under `openapi/openapi.json`.
pub fn document_json() -> String {
    let mut text = serde_json::to_string_pretty(&document_value()).unwrap_or_default();
    text.push('\n');
    text
}

/// The document as `GET /openapi.json` answers it: compact JSON, built once (at start, off the
/// HTTP workers) and shared by every worker (the document's tree is not kept, only these
/// bytes).
pub fn served_json() -> web::Bytes {
    static BYTES: OnceLock<web::Bytes> = OnceLock::new();
    BYTES
        .get_or_init(|| web::Bytes::from(serde_json::to_vec(&document_value()).unwrap_or_default()))
        .clone()
}

/// `GET /openapi.json`: the OpenAPI document (also what Swagger UI shows).
pub async fn serve() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(served_json())
}

/// The headers every answer carries, marked required: `X-Request-Id` on all, `Content-Language`
/// on problems and OAuth errors, `Retry-After` on 429 and 503, `Location` where it is stated,
/// and `RateLimit-Reset` beside `RateLimit-Limit`.
fn declare_headers(doc: &mut serde_json::Value) {
    use serde_json::{Value, json};
    fn header(description: &str, schema: Value) -> Value {
        json!({"schema": schema, "description": description, "required": true})
    }
    fn complete(status: &str, response: &mut Value) {
        let Some(response) = response.as_object_mut() else {
            return;
        };
        if response.contains_key("$ref") {
            return;
        }
        let problem_or_oauth = response
            .get("content")
            .and_then(Value::as_object)
            .is_some_and(|c| {
                c.contains_key(crate::error::PROBLEM_JSON)
                    || (status.starts_with('4') && c.contains_key("application/json"))
            });
        let headers = response
            .entry("headers")
            .or_insert_with(|| json!({}))
            .as_object_mut();
        let Some(headers) = headers else {
            return;
        };
        headers.insert(
            "X-Request-Id".into(),
            header(
                "The request's ID: the caller's own if it sent a sensible one, else a new UUID",
                json!({"type": "string"}),
            ),
        );
        if problem_or_oauth || headers.contains_key("Content-Language") {
            headers.insert(
                "Content-Language".into(),
                header(
                    "The language of the texts: `ja` or `en`",
                    json!({"type": "string", "enum": ["ja", "en"]}),
                ),
            );
        }
        if status == "429" || status == "503" {
            headers.insert(
                "Retry-After".into(),
                header(
                    "Seconds to wait before retrying",
                    json!({"type": "integer", "minimum": 0}),
                ),
            );
        }
        if let Some(location) = headers.get_mut("Location") {
            location["required"] = json!(true);
        }
        if let Some(limit) = headers.get("RateLimit-Limit").cloned() {
            let required = status != "429";
            for (name, description) in [
                ("RateLimit-Limit", "Requests allowed in the window"),
                ("RateLimit-Remaining", "Requests left in the window"),
                ("RateLimit-Reset", "Seconds until the window is full again"),
            ] {
                let mut value = header(description, limit["schema"].clone());
                value["required"] = json!(required);
                headers.insert(name.into(), value);
            }
        }
    }
    if let Some(paths) = doc["paths"].as_object_mut() {
        for item in paths.values_mut() {
            for operation in item
                .as_object_mut()
                .into_iter()
                .flat_map(|o| o.values_mut())
            {
                if let Some(responses) = operation["responses"].as_object_mut() {
                    for (status, response) in responses {
                        complete(status, response);
                    }
                }
            }
        }
    }
    if let Some(responses) = doc["components"]["responses"].as_object_mut() {
        for (name, response) in responses {
            let status = shared(name).status;
            if status == "429" {
                // The per-client limits send their state with the refusal too.
                response["headers"]["RateLimit-Limit"] = json!({"schema": {"type": "integer"}});
            }
            complete(status, response);
        }
    }
}

fn problem_response(shared: &SharedResponse) -> utoipa::openapi::Response {
    let mut response = ResponseBuilder::new()
        .description(shared.description)
        .content(
            crate::error::PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ProblemDetails")))
                .example(Some(problem_example(shared.status, shared.example)))
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

/// An example problem for a status, so that each answer shows its own in Swagger UI.
fn problem_example(status: &str, (code, detail): (&str, &str)) -> serde_json::Value {
    let status: u16 = status.parse().unwrap_or(500);
    let title = actix_web::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    let mut example = serde_json::json!({
        "type": format!("/problems/{code}"),
        "title": title,
        "status": status,
        "detail": detail,
        "instance": "/v1/…",
        "code": code,
        "request_id": "5f0c1f6e-7d0b-4f0e-9a55-2f4f3b1d9c11",
    });
    if code == "validation_failed" {
        example["errors"] = serde_json::json!([
            {"field": "answers", "code": "wrong_count", "message": "exactly 25 answers are needed"}
        ]);
    }
    example
}

/// What generators read besides the annotations: public operations say `security: []`, a
/// parameter that may be left out is never `null`, and a problem answer an operation states
/// itself gets an example of its own status.
fn complete_operations(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::schema::{Schema, SchemaType};
    for item in doc.paths.paths.values_mut() {
        for operation in operations_mut(item) {
            operation.security.get_or_insert_with(Vec::new);
            if let Some(prose) = operation.summary.take() {
                let short = short_summary(&prose);
                if short != prose {
                    operation.description = Some(match operation.description.take() {
                        Some(more) => format!("{prose}\n\n{more}"),
                        None => prose,
                    });
                }
                operation.summary = Some(short);
            }
            for parameter in operation.parameters.iter_mut().flatten() {
                if parameter.required == utoipa::openapi::Required::True {
                    continue;
                }
                if let Some(RefOr::T(Schema::Object(object))) = parameter.schema.as_mut()
                    && let SchemaType::Array(types) = &object.schema_type
                {
                    let types: Vec<Type> = types
                        .iter()
                        .filter(|t| **t != Type::Null)
                        .cloned()
                        .collect();
                    if let [only] = types.as_slice() {
                        object.schema_type = SchemaType::Type(only.clone());
                    }
                }
            }
            for (status, response) in operation.responses.responses.iter_mut() {
                let RefOr::T(response) = response else {
                    continue;
                };
                // Bytes (`Vec<u8>` in an annotation) are a file, not an array of numbers;
                // `format: binary` beside `contentMediaType` for generators still reading 3.0.
                for (media_type, content) in response.content.iter_mut() {
                    let binary = (!media_type.starts_with("text/")).then_some(
                        utoipa::openapi::SchemaFormat::KnownFormat(
                            utoipa::openapi::KnownFormat::Binary,
                        ),
                    );
                    if !media_type.contains("json") {
                        content.schema = Some(RefOr::T(Schema::Object(
                            ObjectBuilder::new()
                                .schema_type(Type::String)
                                .format(binary.clone())
                                .content_media_type(media_type.as_str())
                                .build(),
                        )));
                    }
                }
                if let Some(content) = response.content.get_mut(crate::error::PROBLEM_JSON)
                    && content.example.is_none()
                {
                    let code = match status.as_str() {
                        "404" => "not_found",
                        "409" => "conflict",
                        "410" => "gone",
                        "412" => "precondition_failed",
                        "429" => "rate_limited",
                        _ => "bad_request",
                    };
                    let detail = response.description.clone();
                    let mut example = problem_example(status, (code, ""));
                    example["detail"] = serde_json::Value::String(detail);
                    content.example = Some(example);
                }
            }
        }
    }
}

/// The first clause of an operation's doc comment, as plain text: a summary is shown as one
/// line without Markdown; the whole comment becomes the description.
fn short_summary(prose: &str) -> String {
    let line = prose.split_whitespace().collect::<Vec<_>>().join(" ");
    let end = [". ", ": ", "; ", " (", ", or ", " — "]
        .iter()
        .filter_map(|stop| line.find(stop))
        .min()
        .unwrap_or(line.len());
    line[..end].trim_end_matches('.').replace('`', "")
}

/// In what the service answers, a field is either always sent (and may be `null`) or left out
/// when empty (and never `null`, marked `nullable = false` on its field): every nullable field
/// of a schema that no request body uses is therefore required.
fn require_sent_fields(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::schema::Schema;
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    let mut read = std::collections::BTreeSet::new();
    let mut pending: Vec<serde_json::Value> = doc
        .paths
        .paths
        .values()
        .flat_map(|item| {
            [&item.get, &item.put, &item.post, &item.patch, &item.delete]
                .into_iter()
                .flatten()
                .filter_map(|o| serde_json::to_value(&o.request_body).ok())
        })
        .collect();
    while let Some(value) = pending.pop() {
        let text = value.to_string();
        for piece in text.split("#/components/schemas/").skip(1) {
            let name: String = piece.chars().take_while(|c| *c != '"').collect();
            if read.insert(name.clone())
                && let Some(schema) = components.schemas.get(&name)
                && let Ok(value) = serde_json::to_value(schema)
            {
                pending.push(value);
            }
        }
    }
    for (name, schema) in components.schemas.iter_mut() {
        if read.contains(name) {
            continue;
        }
        let RefOr::T(Schema::Object(object)) = schema else {
            continue;
        };
        for (field, property) in &object.properties {
            let nullable = serde_json::to_value(property).is_ok_and(|v| {
                let null = serde_json::json!("null");
                v["type"].as_array().is_some_and(|t| t.contains(&null))
                    || v["oneOf"]
                        .as_array()
                        .is_some_and(|b| b.iter().any(|b| b["type"] == null))
            });
            if nullable && !object.required.contains(field) {
                object.required.push(field.clone());
            }
        }
    }
}

/// A property whose rules come from a validating newtype is a `oneOf` of that one schema; to a
/// generator that is a union with one branch (a wrapper type named `…Type0`), so the branch
/// takes its place, keeping the property's description.
fn unwrap_single_branches(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::schema::Schema;
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    for schema in components.schemas.values_mut() {
        let RefOr::T(Schema::Object(object)) = schema else {
            continue;
        };
        for property in object.properties.values_mut() {
            let RefOr::T(Schema::OneOf(one_of)) = property else {
                continue;
            };
            let description = one_of.description.clone();
            match one_of.items.as_slice() {
                [RefOr::T(Schema::Object(only))] => {
                    let mut only = only.clone();
                    only.description = description.or(only.description);
                    *property = RefOr::T(Schema::Object(only));
                }
                [RefOr::T(Schema::Array(only))] => {
                    let mut only = only.clone();
                    only.description = description.or(only.description);
                    *property = RefOr::T(Schema::Array(only));
                }
                _ => {}
            }
        }
    }
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
            // The token endpoint takes a form and answers its own errors (RFC 6749 §5.2).
            let json_body = operation
                .request_body
                .as_ref()
                .is_some_and(|b| b.content.contains_key("application/json"));
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
                    AppliesTo::WithJsonBody => json_body,
                    AppliesTo::WithJsonInput => json_body || has_params,
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
            serde_json::to_value(&doc).unwrap()["openapi"],
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
