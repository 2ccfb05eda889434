//! Bad requests of every kind get problem details, and the service stays up.

use serde_json::json;

use crate::both_backends;
use crate::helpers::*;

both_backends! {
    async fn malformed_json_is_a_bad_request_with_its_position(app) {
        let response = app.post_raw("/v1/diagnosis/score", "application/json", b"{\"answers\": [".to_vec()).await;
        let problem = assert_problem(response, 400, "malformed_json").await;
        assert_eq!(problem["instance"], "/v1/diagnosis/score");
        assert!(problem["detail"].as_str().unwrap().contains("1行"), "{problem}");
    }

    async fn a_body_that_is_not_json_is_an_unsupported_media_type(app) {
        let body = serde_json::to_vec(&answers(|_| "implemented")).unwrap();
        for content_type in ["text/plain", "application/x-www-form-urlencoded", "application/xml"] {
            let response = app.post_raw("/v1/diagnosis/score", content_type, body.clone()).await;
            assert_problem(response, 415, "unsupported_media_type").await;
        }
        let response = app.client.post(app.url("/v1/diagnosis/score")).body(body.clone()).send().await.unwrap();
        assert_problem(response, 415, "unsupported_media_type").await;
        // JSON with parameters and the +json suffix are JSON.
        let response = app.post_raw("/v1/diagnosis/score", "application/json; charset=utf-8", body.clone()).await;
        assert_eq!(response.status(), 200);
        let response = app.post_raw("/v1/diagnosis/score", "application/merge-patch+json", body).await;
        assert_eq!(response.status(), 200);
    }

    async fn a_body_over_the_limit_is_too_large(app) {
        let mut body = b"{\"answers\": [".to_vec();
        body.extend(std::iter::repeat_n(b' ', 300 * 1024));
        body.extend(b"]}");
        let response = app.post_raw("/v1/diagnosis/score", "application/json", body).await;
        let problem = assert_problem(response, 413, "payload_too_large").await;
        assert!(problem["detail"].as_str().unwrap().contains("262144"), "{problem}");
        assert_eq!(app.get("/healthz").await.status(), 200);
    }

    async fn a_streamed_body_over_the_limit_is_too_large(app) {
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> = (0..40).map(|_| Ok(vec![b' '; 8 * 1024])).collect();
        let stream = futures_util::stream::iter(chunks);
        let response = app.client.post(app.url("/v1/diagnosis/score"))
            .header("Content-Type", "application/json")
            .body(reqwest::Body::wrap_stream(stream))
            .send().await.unwrap();
        assert_problem(response, 413, "payload_too_large").await;
    }

    async fn an_unknown_route_is_a_not_found_problem(app) {
        for path in ["/nope", "/v1/", "/v1/diagnosis", "/v2/terms", "/v1/terms/extra"] {
            let problem = assert_problem(app.get(path).await, 404, "route_not_found").await;
            assert_eq!(problem["instance"], path);
        }
    }

    async fn a_wrong_method_is_405_with_the_allowed_ones(app) {
        let response = app.client.delete(app.url("/v1/terms")).send().await.unwrap();
        assert_eq!(response.headers()["allow"], "GET, HEAD");
        assert_problem(response, 405, "method_not_allowed").await;
        let response = app.client.get(app.url("/v1/diagnosis/score")).send().await.unwrap();
        assert_eq!(response.headers()["allow"], "POST");
        assert_problem(response, 405, "method_not_allowed").await;
        let response = app.client.put(app.url("/healthz")).send().await.unwrap();
        assert_problem(response, 405, "method_not_allowed").await;
    }

    async fn invalid_utf8_nul_bytes_and_deep_nesting_are_bad_requests(app) {
        let response = app.post_raw("/v1/diagnosis/score", "application/json", b"{\"answers\": \"\xff\xfe\"}".to_vec()).await;
        assert_problem(response, 400, "malformed_json").await;
        let response = app.post_raw("/v1/diagnosis/score", "application/json", b"\0\0\0".to_vec()).await;
        assert_problem(response, 400, "malformed_json").await;
        // Deep nesting fails fast on the first value of the wrong type, never recursing deeply.
        let deep = format!("{{\"answers\": {}{}}}", "[".repeat(5000), "]".repeat(5000));
        let response = app.post_raw("/v1/diagnosis/score", "application/json", deep.into_bytes()).await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), [("answers[0]".to_owned(), "invalid_type".to_owned())], "an array where an answer object belongs");
        let response = app.post_raw("/v1/diagnosis/score", "application/json", Vec::new()).await;
        assert_problem(response, 400, "malformed_json").await;
    }

    async fn a_body_is_an_object_at_every_depth_never_an_array_of_its_fields(app) {
        let response = app.post_json("/v1/auth/user-number-reminders", &serde_json::json!(["taro@example.co.jp"])).await;
        assert_eq!(field_errors(&assert_problem(response, 422, "validation_failed").await), [("".to_owned(), "invalid_type".to_owned())]);
        let mut application = one_star_application();
        application["pledge"] = serde_json::json!([true]);
        let response = app.post_json("/v1/declarations", &application).await;
        assert_eq!(field_errors(&assert_problem(response, 422, "validation_failed").await), [("pledge".to_owned(), "invalid_type".to_owned())]);
    }

    async fn many_broken_rules_are_listed_but_capped(app) {
        let items: Vec<_> = (0..5000).map(|_| json!({"question": 99, "answer": "implemented"})).collect();
        let problem = assert_problem(app.post_json("/v1/diagnosis/score", &json!({"answers": items})).await, 422, "validation_failed").await;
        assert_eq!(problem["errors"].as_array().unwrap().len(), 50);
    }

    async fn errors_never_leak_internals_and_stay_json_in_english_too(app) {
        let response = app.client.post(app.url("/v1/diagnosis/score"))
            .header("Accept-Language", "en")
            .header("Content-Type", "application/json")
            .body("{")
            .send().await.unwrap();
        assert_eq!(response.headers()["content-language"], "en");
        let problem = assert_problem(response, 400, "malformed_json").await;
        assert_eq!(problem["title"], "Bad Request");
        let text = problem.to_string();
        for leak in ["src/", ".rs", "panicked", "diesel", "SELECT"] {
            assert!(!text.contains(leak), "{leak} in {text}");
        }
    }

    async fn the_service_stays_healthy_after_every_kind_of_bad_input(app) {
        let bad: Vec<(&str, &str, Vec<u8>)> = vec![
            ("/v1/diagnosis/score", "application/json", b"{".to_vec()),
            ("/v1/diagnosis/score", "text/plain", b"hello".to_vec()),
            ("/v1/diagnosis/score", "application/json", vec![b'['; 100_000]),
            ("/v1/diagnosis/score", "application/json", b"{\"answers\": null}".to_vec()),
            ("/v1/diagnosis/score", "application/json", b"[]".to_vec()),
            ("/v1/terms", "application/json", b"{}".to_vec()),
            ("/nope", "application/json", b"{}".to_vec()),
        ];
        for (path, content_type, body) in bad {
            let status = app.post_raw(path, content_type, body).await.status().as_u16();
            assert!((400..500).contains(&status), "{path} {content_type}: {status}");
        }
        assert_eq!(app.get("/healthz").await.status(), 200);
        assert_eq!(app.get("/readyz").await.status(), 200);
        let body = json_with_status(app.post_json("/v1/diagnosis/score", &answers(|_| "implemented")).await, 200).await;
        assert_eq!(body["total_score"], 100);
    }
}
