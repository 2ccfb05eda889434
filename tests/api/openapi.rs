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
            if operation.get("requestBody").is_some() {
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
