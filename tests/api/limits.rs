//! Every length the contract declares on what a client sends is the one the service enforces:
//! a value of the declared length is taken, one character more is refused.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;

/// `maxLength` of a schema in the served document, following one `$ref` and a
/// `oneOf` [null, string] wrapper.
fn max_length(document: &Value, schema: &Value) -> u64 {
    let schema = match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.rsplit('/').next().unwrap();
            &document["components"]["schemas"][name]
        }
        None => schema,
    };
    if let Some(branches) = schema["oneOf"].as_array() {
        let string = branches.iter().find(|b| b["type"] == "string").unwrap();
        return string["maxLength"].as_u64().unwrap();
    }
    schema["maxLength"]
        .as_u64()
        .unwrap_or_else(|| panic!("{schema}"))
}

fn text_of(length: usize) -> String {
    // Counted as sent: the white space around the text is trimmed, but it counts.
    format!("総{}", " ".repeat(length - 1))
}

/// The base64url (no padding) of `v1:` and a position written with leading zeros: a cursor the
/// service reads as position 1, `length` characters long (a multiple of 4).
fn padded_cursor(length: usize) -> String {
    let bytes = length / 4 * 3;
    let text = format!("v1:{}1", "0".repeat(bytes - 4));
    data_encoding::BASE64URL_NOPAD.encode(text.as_bytes())
}

both_backends! {
    async fn the_application_s_texts_count_what_is_sent(app) {
        let document = json_with_status(app.get("/openapi.json").await, 200).await;
        let schemas = &document["components"]["schemas"];
        for (part, schema, field, limit) in [
            ("organization", "OrganizationInput", "name", 200),
            ("organization", "OrganizationInput", "name_kana", 200),
            ("organization", "OrganizationInput", "address", 300),
            ("contact", "ContactInput", "name", 100),
            ("contact", "ContactInput", "department", 100),
        ] {
            assert_eq!(
                max_length(&document, &schemas[schema]["properties"][field]),
                limit,
                "{part}.{field}: the contract's limit"
            );
            let mut body = one_star_application();
            body[part][field] = json!(text_of(limit as usize));
            let created = json_with_status(app.post_json("/v1/declarations", &body).await, 201).await;
            let token = app.login(created["user_number"].as_str().unwrap(), PASSWORD).await;
            let me = json_with_status(app.get_as("/v1/me", token["access_token"].as_str().unwrap()).await, 200).await;
            let stored = if part == "organization" { &me["organization"][field] } else { &me["contact"][field] };
            assert_eq!(stored, "総", "{part}.{field} is stored trimmed: {me}");

            let mut body = one_star_application();
            body[part][field] = json!(text_of(limit as usize + 1));
            let problem = assert_problem(app.post_json("/v1/declarations", &body).await, 422, "validation_failed").await;
            assert_eq!(field_errors(&problem), [(format!("{part}.{field}"), "length".to_owned())]);
        }
    }

    async fn an_api_client_s_name_counts_what_is_sent(app) {
        let operator = app.operator_token().await;
        let client = |name: String| json!({"name": name, "scopes": ["declarations:verify"]});
        let created = json_with_status(app.post_as("/v1/admin/api-clients", &operator, &client(text_of(200))).await, 201).await;
        assert_eq!(created["name"], "総", "stored trimmed: {created}");
        let problem = assert_problem(app.post_as("/v1/admin/api-clients", &operator, &client(text_of(201))).await, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), [("name".to_owned(), "length".to_owned())]);
    }

    async fn a_declarer_s_credentials_are_refused_beyond_their_length(app) {
        let applicant = app.applicant().await;
        for (user_number, password, status) in [
            ("1".repeat(12), "x".to_owned(), 401),
            (applicant.user_number.clone(), "x".repeat(128), 401),
        ] {
            let response = app.post_json("/v1/auth/login", &json!({"user_number": user_number, "password": password})).await;
            assert_problem(response, status, "invalid_credentials").await;
        }
        for (user_number, password, field) in [
            ("1".repeat(13), "x".to_owned(), "user_number"),
            (applicant.user_number.clone(), "x".repeat(129), "password"),
        ] {
            let response = app.post_json("/v1/auth/login", &json!({"user_number": user_number, "password": password})).await;
            let problem = assert_problem(response, 422, "validation_failed").await;
            assert_eq!(field_errors(&problem), [(field.to_owned(), "too_long".to_owned())]);
        }

        let change = |current: String| json!({"current_password": current, "new_password": "another long passphrase 2026"});
        let response = app.post_as("/v1/auth/password", &applicant.access_token, &change("x".repeat(128))).await;
        assert_eq!(response.status(), 401);
        let response = app.post_as("/v1/auth/password", &applicant.access_token, &change("x".repeat(129))).await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), [("current_password".to_owned(), "too_long".to_owned())]);

        let refresh = |token: String| json!({"refresh_token": token});
        assert_problem(app.post_json("/v1/auth/refresh", &refresh("r".repeat(64))).await, 401, "invalid_refresh_token").await;
        let problem = assert_problem(app.post_json("/v1/auth/refresh", &refresh("r".repeat(65))).await, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), [("refresh_token".to_owned(), "too_long".to_owned())]);

        let reset = |token: String| json!({"token": token, "new_password": "another long passphrase 2026"});
        assert_problem(app.post_json("/v1/auth/password-resets", &reset("t".repeat(64))).await, 410, "invalid_reset_token").await;
        let problem = assert_problem(app.post_json("/v1/auth/password-resets", &reset("t".repeat(65))).await, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), [("token".to_owned(), "too_long".to_owned())]);

        let response = app.post_json("/v1/auth/password-reset-requests", &json!({"user_number": "9".repeat(12)})).await;
        assert_eq!(response.status(), 202);
        let response = app.post_json("/v1/auth/password-reset-requests", &json!({"user_number": "9".repeat(13)})).await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), [("user_number".to_owned(), "too_long".to_owned())]);

        let email = |length: usize| format!("{}@example.jp", "a".repeat(length - "@example.jp".len()));
        let response = app.post_json("/v1/auth/user-number-reminders", &json!({"email": email(254)})).await;
        assert_eq!(response.status(), 202);
        let response = app.post_json("/v1/auth/user-number-reminders", &json!({"email": email(255)})).await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), [("email".to_owned(), "too_long".to_owned())]);
    }

    async fn the_token_endpoint_refuses_a_scope_beyond_its_length(app) {
        let (client_id, secret) = app.api_client().await;
        let ask = |scope: String| {
            app.client
                .post(app.url("/v1/oauth/token"))
                .basic_auth(&client_id, Some(&secret))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(format!("grant_type=client_credentials&scope={scope}"))
                .send()
        };
        let answer = json_with_status(ask("s".repeat(256)).await.unwrap(), 400).await;
        assert_eq!(answer["error"], "invalid_scope", "{answer}");
        let answer = json_with_status(ask("s".repeat(257)).await.unwrap(), 400).await;
        assert_eq!(answer["error"], "invalid_request", "{answer}");
    }

    async fn a_batch_item_s_numbers_are_at_most_64_characters(app) {
        let (client_id, secret) = app.api_client().await;
        let token = app.client_token(&client_id, &secret).await;
        for field in ["declaration_id", "corporate_number"] {
            let item = |length: usize| {
                let mut item = json!({"declaration_id": "407731820954"});
                item[field] = json!("4".repeat(length));
                json!({"items": [item]})
            };
            let answer = json_with_status(app.post_as("/v1/verifications/batch", &token, &item(64)).await, 200).await;
            assert_eq!(answer["results"][0]["outcome"], "failed", "{answer}");
            let problem = assert_problem(app.post_as("/v1/verifications/batch", &token, &item(65)).await, 422, "validation_failed").await;
            assert_eq!(field_errors(&problem), [(format!("items[0].{field}"), "too_long".to_owned())]);
        }
    }

    async fn cursors_filters_codes_and_if_match_are_refused_beyond_their_length(app) {
        let cursor = padded_cursor(64);
        assert_eq!(cursor.len(), 64);
        json_with_status(app.get(&format!("/v1/registry?cursor={cursor}")).await, 200).await;
        let longer = padded_cursor(68);
        let problem = assert_problem(app.get(&format!("/v1/registry?cursor={longer}")).await, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), [("cursor".to_owned(), "invalid_cursor".to_owned())]);

        let operator = app.operator_token().await;
        for (query, limit) in [("target_id", 100), ("q", 200)] {
            let path = if query == "q" { "/v1/admin/declarations" } else { "/v1/admin/audit-events" };
            json_with_status(app.get_as(&format!("{path}?{query}={}", "a".repeat(limit)), &operator).await, 200).await;
            let problem = assert_problem(app.get_as(&format!("{path}?{query}={}", "a".repeat(limit + 1)), &operator).await, 422, "validation_failed").await;
            assert_eq!(field_errors(&problem), [(query.to_owned(), "too_long".to_owned())]);
        }

        let answer = json_with_status(app.get(&format!("/v1/notice-verifications/{}", "A".repeat(64))).await, 200).await;
        assert_eq!(answer["genuine"], false, "{answer}");
        let problem = assert_problem(app.get(&format!("/v1/notice-verifications/{}", "A".repeat(65))).await, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), [("code".to_owned(), "too_long".to_owned())]);

        let applicant = app.applicant().await;
        let patch = |if_match: String| {
            app.client
                .patch(app.url("/v1/me/organization"))
                .bearer_auth(&applicant.access_token)
                .header("If-Match", if_match)
                .json(&json!({"address": "東京都文京区本駒込2-28-8"}))
                .send()
        };
        let tag = |length: usize| format!("\"{}\"", "a".repeat(length - 2));
        assert_problem(patch(tag(1000)).await.unwrap(), 412, "precondition_failed").await;
        assert_problem(patch(tag(1001)).await.unwrap(), 400, "invalid_if_match").await;
    }
}
