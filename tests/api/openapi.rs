//! The served OpenAPI document is the committed contract.

use crate::both_backends;
use crate::helpers::*;

fn committed() -> serde_json::Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    let text = std::fs::read_to_string(path).expect("openapi/openapi.json is committed");
    serde_json::from_str(&text).expect("openapi/openapi.json is JSON")
}

both_backends! {
    async fn the_served_document_is_the_committed_one(app) {
        let served = json_with_status(app.get("/openapi.json").await, 200).await;
        assert!(
            served == committed(),
            "openapi/openapi.json differs from what the service serves; refresh it with \
             `cargo run --quiet -- openapi > openapi/openapi.json` and review the change"
        );
    }

    async fn swagger_ui_is_reachable(app) {
        let response = app.get("/swagger-ui/").await;
        assert_eq!(response.status(), 200);
        let html = response.text().await.unwrap();
        assert!(html.contains("swagger-ui"), "{html}");
        let config = app.get("/swagger-ui/swagger-initializer.js").await.text().await.unwrap();
        assert!(config.contains("/openapi.json"), "{config}");
    }

    async fn swagger_ui_without_its_slash_leads_to_it(app) {
        let response = app.get("/swagger-ui").await;
        assert_eq!(response.status(), 308);
        assert_eq!(response.headers()["location"], "/swagger-ui/");
    }
}

#[test]
fn the_document_is_openapi_3_1_and_documents_every_failure() {
    let doc = committed();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for expected in [
        "/healthz",
        "/readyz",
        "/v1/terms",
        "/v1/diagnosis/questionnaire",
        "/v1/diagnosis/score",
        "/v1/policy-disclosure-methods",
    ] {
        assert!(paths.contains_key(expected), "{expected} is documented");
    }
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            let responses = operation["responses"].as_object().unwrap();
            assert!(
                responses.contains_key("500"),
                "{method} {path} documents 500"
            );
            assert!(
                operation["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{method} {path} has a summary"
            );
            if operation["requestBody"]["content"]["application/json"].is_object() {
                for status in ["400", "413", "415", "422"] {
                    assert!(
                        responses.contains_key(status),
                        "{method} {path} documents {status}"
                    );
                }
            }
        }
    }
    let problem = &doc["components"]["schemas"]["ProblemDetails"];
    for field in ["type", "title", "status", "detail", "code"] {
        assert!(
            problem["required"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f == field),
            "{field}"
        );
    }
}

#[test]
fn every_protected_operation_documents_who_may_not_call_it() {
    let doc = committed();
    let responses = &doc["components"]["responses"];
    assert!(responses["Unauthorized"]["headers"]["WWW-Authenticate"].is_object());
    assert!(responses["TooManyRequests"]["headers"]["Retry-After"].is_object());
    // Operations any signed-in user may call (a declarer or an operator): never 403.
    let any_user = [
        ("post", "/v1/auth/logout"),
        ("post", "/v1/auth/password"),
        ("get", "/v1/declarations/{declaration_id}"),
    ];
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let statuses = operation["responses"].as_object().unwrap();
            let secured = operation
                .get("security")
                .and_then(|s| s.as_array())
                .is_some_and(|s| !s.is_empty());
            assert_eq!(
                statuses.contains_key("401"),
                secured
                    || path.ends_with("/login")
                    || path.ends_with("/refresh")
                    || path.ends_with("/oauth/token"),
                "{method} {path}: 401"
            );
            if secured && !any_user.contains(&(method.as_str(), path.as_str())) {
                assert!(
                    statuses.contains_key("403"),
                    "{method} {path} documents 403"
                );
            }
        }
    }
    for (method, path) in [
        ("post", "/v1/declarations"),
        ("post", "/v1/auth/login"),
        ("post", "/v1/oauth/token"),
        ("get", "/v1/registry"),
        ("get", "/v1/notice-verifications/{code}"),
        ("get", "/v1/verifications/{declaration_id}"),
        ("post", "/v1/verifications/batch"),
        ("get", "/v1/auth/oidc/authorization"),
        ("get", "/v1/auth/oidc/callback"),
        ("post", "/v1/auth/oidc/token"),
    ] {
        assert!(
            doc["paths"][path][method]["responses"]["429"].is_object(),
            "{method} {path} documents 429"
        );
    }
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                if parameter["name"] == "declaration_id" {
                    assert_eq!(
                        parameter["schema"]["pattern"],
                        security_action::domain::identifiers::DECLARATION_ID_PATTERN,
                        "{method} {path}"
                    );
                }
            }
        }
    }
}

/// Every schema and response object of the document, with where it is.
fn objects<'a>(
    value: &'a serde_json::Value,
    at: String,
    found: &mut Vec<(String, &'a serde_json::Value)>,
) {
    match value {
        serde_json::Value::Object(map) => {
            found.push((at.clone(), value));
            for (key, inner) in map {
                objects(inner, format!("{at}/{key}"), found);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, inner) in items.iter().enumerate() {
                objects(inner, format!("{at}/{i}"), found);
            }
        }
        _ => {}
    }
}

fn nullable(schema: &serde_json::Value) -> bool {
    schema["type"]
        .as_array()
        .is_some_and(|t| t.contains(&serde_json::json!("null")))
        || schema["oneOf"]
            .as_array()
            .is_some_and(|b| b.iter().any(|b| b["type"] == "null"))
}

#[test]
fn the_token_endpoint_documents_the_form_and_the_errors_it_answers() {
    let doc = committed();
    let token = &doc["paths"]["/v1/oauth/token"]["post"];
    let content = token["requestBody"]["content"].as_object().unwrap();
    assert_eq!(
        content.keys().collect::<Vec<_>>(),
        ["application/x-www-form-urlencoded"],
        "one body shape, as RFC 6749 names it"
    );
    let responses = token["responses"].as_object().unwrap();
    for status in ["415", "422"] {
        assert!(
            !responses.contains_key(status),
            "the token endpoint never answers {status}"
        );
    }
    assert_eq!(
        responses["400"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/OAuthError"
    );
    let schemas = &doc["components"]["schemas"];
    for field in ["scope", "client_id", "client_secret"] {
        let property = &schemas["TokenRequest"]["properties"][field];
        assert_eq!(
            property["type"], "string",
            "{field} may be left out, never null"
        );
    }
    assert_eq!(
        schemas["GrantType"]["enum"],
        serde_json::json!(["client_credentials"])
    );
    assert_eq!(
        schemas["OAuthErrorCode"]["enum"],
        serde_json::json!([
            "invalid_request",
            "invalid_client",
            "unsupported_grant_type",
            "invalid_scope"
        ])
    );
}

#[test]
fn the_logo_package_is_a_file() {
    let doc = committed();
    let zip = &doc["paths"]["/v1/logo-downloads/{token}"]["get"]["responses"]["200"]["content"]["application/zip"]
        ["schema"];
    assert_eq!(
        zip,
        &serde_json::json!({"type": "string", "format": "binary", "contentMediaType": "application/zip"})
    );
}

#[test]
fn optional_parameters_are_never_null_and_nullable_answers_are_always_sent() {
    let doc = committed();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                assert!(
                    !nullable(&parameter["schema"]),
                    "{method} {path}: {} may be left out, not sent as null",
                    parameter["name"]
                );
            }
        }
    }
    let schemas = &doc["components"]["schemas"];
    for field in ["instance", "errors", "request_id"] {
        let property = &schemas["ProblemDetails"]["properties"][field];
        assert!(
            !nullable(property),
            "ProblemDetails.{field} is left out, never null"
        );
    }
    assert_eq!(
        schemas["ProblemDetails"]["properties"]["code"]["anyOf"],
        serde_json::json!([{"$ref": "#/components/schemas/ProblemCode"}, {"type": "string"}]),
        "the known codes, open to new ones"
    );
    for code in [
        "validation_failed",
        "not_found",
        "missing_token",
        "rate_limited",
    ] {
        assert!(
            schemas["ProblemCode"]["enum"]
                .as_array()
                .unwrap()
                .contains(&serde_json::json!(code)),
            "{code}"
        );
    }
    for field in [
        "accepted_at",
        "corporate_number_matches",
        "organization_name_matches",
    ] {
        assert!(
            nullable(&schemas["Verification"]["properties"][field]),
            "{field}"
        );
        assert!(
            schemas["Verification"]["required"]
                .as_array()
                .unwrap()
                .contains(&serde_json::json!(field)),
            "Verification.{field} is always sent (null when unknown)"
        );
    }
}

/// A field error's `code` is the codes known today, open to new ones; and every code the service
/// can send is among them: a rule broken by a field can only be reported with a `FieldCode`, and
/// each is listed in the contract under the name it is sent with.
#[test]
fn every_field_code_the_service_can_send_is_in_the_contract() {
    use security_action::domain::validation::FieldCode;
    let doc = committed();
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["FieldError"]["properties"]["code"]["anyOf"],
        serde_json::json!([{"$ref": "#/components/schemas/FieldCode"}, {"type": "string"}]),
        "the known codes, open to new ones"
    );
    let listed: std::collections::BTreeSet<&str> = schemas["FieldCode"]["enum"]
        .as_array()
        .expect("FieldCode is an enum")
        .iter()
        .map(|code| code.as_str().expect("a string"))
        .collect();
    let mut sendable = std::collections::BTreeSet::new();
    for code in FieldCode::ALL {
        assert_eq!(
            serde_json::to_value(code).unwrap(),
            code.as_str(),
            "{code:?}: the schema's name is the one sent"
        );
        assert!(
            listed.contains(code.as_str()),
            "{code} is not in the contract"
        );
        sendable.insert(code.as_str());
    }
    assert_eq!(
        listed, sendable,
        "the contract lists no code the service cannot send"
    );
    for code in [
        "required",
        "check_digit",
        "unknown_event_type",
        "private_address",
        "unresolvable_host",
        "https_required",
        "invalid_cursor",
        "out_of_range",
        "too_many_items",
        "wrong_count",
    ] {
        assert!(listed.contains(code), "{code}");
    }
}

#[test]
fn no_union_has_a_single_branch_and_the_batch_result_is_discriminated() {
    let doc = committed();
    let mut found = Vec::new();
    objects(&doc, String::new(), &mut found);
    for (at, object) in &found {
        if let Some(branches) = object["oneOf"].as_array() {
            assert!(branches.len() > 1, "{at}: a oneOf of one branch");
            for branch in branches {
                assert!(
                    branch.get("$ref").is_some()
                        || branch["type"] == "null"
                        || branch["type"] != "object",
                    "{at}: an unnamed object in a union"
                );
            }
        }
    }
    let schemas = &doc["components"]["schemas"];
    let result = &schemas["BatchResult"];
    assert_eq!(result["discriminator"]["propertyName"], "outcome");
    assert_eq!(
        result["discriminator"]["mapping"],
        serde_json::json!({
            "verified": "#/components/schemas/BatchVerified",
            "failed": "#/components/schemas/BatchItemFailed",
        })
    );
    assert_eq!(
        schemas["ItemErrorCode"]["enum"],
        serde_json::json!(["invalid_format", "not_found", "invalid_corporate_number"])
    );
}

#[test]
fn the_headers_that_are_sent_are_declared() {
    let doc = committed();
    let mut responses: Vec<(String, &serde_json::Value)> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for (status, response) in operation["responses"].as_object().unwrap() {
                let response = match response["$ref"].as_str() {
                    Some(name) => &doc["components"]["responses"][name.rsplit('/').next().unwrap()],
                    None => response,
                };
                responses.push((format!("{method} {path} {status}"), response));
                let headers = &response["headers"];
                assert_eq!(
                    headers["X-Request-Id"]["required"], true,
                    "{method} {path} {status}"
                );
                if status == "429" || status == "503" {
                    assert_eq!(
                        headers["Retry-After"]["required"], true,
                        "{method} {path} {status}"
                    );
                }
                if response["content"]["application/problem+json"].is_object() {
                    assert_eq!(
                        headers["Content-Language"]["required"], true,
                        "{method} {path} {status}"
                    );
                }
                if headers["Location"].is_object() {
                    assert_eq!(
                        headers["Location"]["required"], true,
                        "{method} {path} {status}"
                    );
                }
                if headers["RateLimit-Limit"].is_object() {
                    assert!(
                        headers["RateLimit-Reset"].is_object(),
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
    let batch = &doc["paths"]["/v1/verifications/batch"]["post"]["responses"]["200"]["headers"];
    for name in ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"] {
        assert_eq!(batch[name]["required"], true, "{name}");
    }
}

#[test]
fn swagger_ui_reads_short_summaries_and_one_example_per_status() {
    let doc = committed();
    assert!(doc["info"]["contact"]["url"].is_string());
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let summary = operation["summary"].as_str().unwrap();
            assert!(
                summary.len() <= 100 && !summary.contains('`') && !summary.contains('\n'),
                "{method} {path}: a short plain summary, not {summary:?}"
            );
            assert!(
                operation["security"].is_array(),
                "{method} {path}: security stated, [] if public"
            );
        }
    }
    let mut found = Vec::new();
    objects(&doc, String::new(), &mut found);
    for (at, object) in found {
        let Some(status) = at
            .split('/')
            .rev()
            .find_map(|part| part.parse::<u16>().ok().filter(|s| (400..600).contains(s)))
            .or_else(|| {
                let name = at
                    .strip_prefix("/components/responses/")?
                    .split('/')
                    .next()?;
                doc["components"]["responses"][name]["content"]["application/problem+json"]
                    ["example"]["status"]
                    .as_u64()
                    .and_then(|s| u16::try_from(s).ok())
            })
        else {
            continue;
        };
        if at.ends_with("/content/application/problem+json") {
            assert_eq!(
                object["example"]["status"], status,
                "{at}: an example of its own status"
            );
        }
    }
    let responses = &doc["components"]["responses"];
    assert_eq!(
        responses["Unauthorized"]["content"]["application/problem+json"]["example"]["code"],
        "missing_token"
    );
    assert_eq!(
        responses["Forbidden"]["content"]["application/problem+json"]["example"]["status"],
        403
    );
}

#[test]
fn signing_in_with_gbizid_is_documented_with_its_redirects_and_errors() {
    let doc = committed();
    let paths = &doc["paths"];
    for path in ["/v1/auth/oidc/authorization", "/v1/auth/oidc/callback"] {
        let responses = &paths[path]["get"]["responses"];
        assert!(
            responses["302"]["headers"]["Location"].is_object(),
            "{path}: 302 with Location"
        );
        assert!(responses["400"].is_object(), "{path}: 400");
        assert!(
            responses["404"].is_object(),
            "{path}: 404 when not configured"
        );
    }
    assert!(paths["/v1/auth/oidc/authorization"]["get"]["responses"]["503"].is_object());
    let token = &paths["/v1/auth/oidc/token"]["post"];
    assert_eq!(
        token["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/TokenResponse",
        "the same tokens as login"
    );
    let schemas = &doc["components"]["schemas"];
    let problem_codes = schemas["ProblemCode"]["enum"].as_array().unwrap();
    for code in [
        "invalid_state",
        "invalid_sign_in_code",
        "return_to_not_allowed",
        "oidc_not_configured",
        "oidc_provider_unavailable",
    ] {
        assert!(problem_codes.contains(&serde_json::json!(code)), "{code}");
    }
    assert_eq!(
        schemas["SignInError"]["enum"],
        serde_json::json!([
            "no_declaration",
            "account_kind_refused",
            "corporate_number_missing",
            "declaration_not_live",
            "account_disabled",
            "sign_in_cancelled",
            "sign_in_expired",
            "sign_in_failed"
        ])
    );
}
