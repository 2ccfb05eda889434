//! Hostile callers: tokens on the wrong doors, one declarer reaching for another's
//! resources, fields nobody may set, header injection through every text that reaches an
//! e-mail, and oversized input. Each attempt must fail cleanly *and* change nothing.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;

/// Every recipient and subject in the outbox is one clean line with no injected address.
async fn assert_outbox_headers_are_clean(app: &TestApp) {
    let messages = app
        .state
        .db
        .read(|conn| Ok::<_, security_action::db::DbError>(security_action::db::outbox::all(conn)?))
        .await
        .unwrap();
    for message in messages {
        for header in [&message.recipient, &message.subject] {
            assert!(
                !header.contains(['\r', '\n']),
                "a header with a line break: {header:?}"
            );
        }
        assert!(!message.recipient.contains("evil"), "{}", message.recipient);
        assert!(!message.body.contains("Bcc:"), "{}", message.body);
    }
}

both_backends! {
    async fn each_kind_of_token_opens_only_its_own_doors(app) {
        let applicant = app.applicant().await;
        let operator = app.operator_token().await;
        let (id, secret) = app.api_client().await;
        let client = app.client_token(&id, &secret).await;
        let verification = format!("/v1/verifications/{}", applicant.declaration_id);
        let declaration = format!("/v1/declarations/{}", applicant.declaration_id);
        // Declarer tokens: not on the secretariat's routes, not on the clients' routes.
        assert_problem(app.get_as("/v1/admin/declarations", &applicant.access_token).await, 403, "forbidden").await;
        assert_problem(app.get_as("/v1/admin/api-clients", &applicant.access_token).await, 403, "forbidden").await;
        let acceptance = format!("/v1/admin/declarations/{}/acceptance", applicant.declaration_id);
        assert_problem(app.post_as(&acceptance, &applicant.access_token, &json!({})).await, 403, "forbidden").await;
        assert_problem(app.get_as(&verification, &applicant.access_token).await, 401, "invalid_token").await;
        let batch = json!({"items": [{"declaration_id": applicant.declaration_id}]});
        assert_problem(app.post_as("/v1/verifications/batch", &applicant.access_token, &batch).await, 401, "invalid_token").await;
        // Operator tokens: not on the clients' routes, and a declaration is not theirs to change.
        assert_problem(app.get_as(&verification, &operator).await, 401, "invalid_token").await;
        assert_problem(app.post_as("/v1/verifications/batch", &operator, &batch).await, 401, "invalid_token").await;
        let withdrawal = app.post_as(&format!("{declaration}/withdrawal"), &operator, &json!({"reason": "x"})).await;
        assert_problem(withdrawal, 403, "forbidden").await;
        // Client tokens: neither a declarer's nor the secretariat's routes.
        assert_problem(app.get_as("/v1/me", &client).await, 401, "invalid_token").await;
        assert_problem(app.get_as(&declaration, &client).await, 401, "invalid_token").await;
        assert_problem(app.get_as("/v1/admin/declarations", &client).await, 401, "invalid_token").await;
        assert_problem(app.post_as(&acceptance, &client, &json!({})).await, 401, "invalid_token").await;
        assert_problem(app.post_as("/v1/auth/logout", &client, &json!({})).await, 401, "invalid_token").await;
        // Nothing changed.
        let me = json_with_status(app.get_as("/v1/me", &applicant.access_token).await, 200).await;
        assert_eq!(me["declaration"]["status"], "declared");
        // Records are buffered: write what is queued before counting.
        app.state.verifications.flush().await;
        assert_eq!(app.count("verification_records").await, 0);
    }

    async fn a_declarer_cannot_download_or_read_the_log_of_another(app) {
        let owner = app.applicant().await;
        let intruder = app.applicant().await;
        let operator = app.operator_token().await;
        app.accept(&operator, &owner.declaration_id).await;
        let tokens_before = app.count("one_time_tokens").await;
        for response in [
            app.post_as(&format!("/v1/declarations/{}/logo-tokens", owner.declaration_id), &intruder.access_token, &json!({})).await,
            app.get_as(&format!("/v1/declarations/{}/verification-log", owner.declaration_id), &intruder.access_token).await,
            app.get_as(&format!("/v1/declarations/{}/completion-notice", owner.declaration_id), &intruder.access_token).await,
        ] {
            assert_problem(response, 404, "not_found").await;
        }
        assert_eq!(app.count("one_time_tokens").await, tokens_before, "no logo token was issued");
        // The owner can.
        let own = app.post_as(&format!("/v1/declarations/{}/logo-tokens", owner.declaration_id), &owner.access_token, &json!({})).await;
        assert_eq!(own.status(), 201);
    }

    async fn fields_nobody_may_set_are_rejected_on_every_change(app) {
        let applicant = app.applicant().await;
        let id = &applicant.declaration_id;
        let token = &applicant.access_token;
        let diagnosis = json_with_status(app.post_as("/v1/diagnoses", token, &answers(|_| "implemented")).await, 201).await;
        let disclosure = json!({"methods": ["pamphlet"], "is_information_security_policy": true});
        let attempts: Vec<(reqwest::Method, String, Value)> = vec![
            (reqwest::Method::PUT, format!("/v1/declarations/{id}/contact"),
                json!({"name": "情報 花子", "email": "hanako@example.co.jp", "status": "accepted"})),
            (reqwest::Method::PUT, format!("/v1/declarations/{id}/policy-disclosure"),
                json!({"methods": ["pamphlet"], "is_information_security_policy": true, "star": "two_star"})),
            (reqwest::Method::POST, format!("/v1/declarations/{id}/step-up"),
                json!({"diagnosis_id": diagnosis["id"], "policy_disclosure": disclosure, "star": "two_star", "status": "accepted"})),
            (reqwest::Method::POST, format!("/v1/declarations/{id}/withdrawal"),
                json!({"reason": "closing", "status": "declared"})),
            (reqwest::Method::POST, "/v1/diagnoses".to_owned(),
                json!({"answers": answers(|_| "not_implemented")["answers"], "total_score": 100})),
            (reqwest::Method::POST, "/v1/auth/password".to_owned(),
                json!({"current_password": PASSWORD, "new_password": "another long passphrase 42", "user_number": "318204957362"})),
        ];
        for (method, path, body) in attempts {
            let response = app.send(method.clone(), &path, Some(token), Some(&body)).await;
            let problem = assert_problem(response, 422, "validation_failed").await;
            let errors = field_errors(&problem);
            assert!(errors.iter().any(|(_, code)| code == "unknown_field"), "{method} {path}: {errors:?}");
        }
        let declaration = json_with_status(app.get_as(&format!("/v1/declarations/{id}"), token).await, 200).await;
        assert_eq!((declaration["status"].as_str(), declaration["star"].as_str()), (Some("declared"), Some("one_star")));
        assert_eq!(declaration["contact"]["email"], applicant.email.as_str());
        assert!(declaration["policy_disclosure"].is_null(), "{declaration}");
        assert_eq!(app.count("diagnoses").await, 1);
        // The password did not change.
        app.login(&applicant.user_number, PASSWORD).await;
    }

    async fn line_breaks_never_reach_an_e_mail_header(app) {
        let applicant = app.applicant().await;
        let injected = [
            "evil@example.com\r\nBcc: evil@example.com",
            "taro@example.co.jp\nBcc: evil@example.com",
            "taro@example.co.jp\rBcc: evil@example.com",
            "\"taro\r\nBcc: evil@example.com\"@example.co.jp",
            "taro@example.co.jp%0d%0aBcc:evil@example.com",
        ];
        for email in injected {
            // Applying.
            let mut body = one_star_application();
            body["contact"]["email"] = json!(email);
            let problem = assert_problem(app.post_json("/v1/declarations", &body).await, 422, "validation_failed").await;
            assert!(field_errors(&problem).iter().any(|(path, _)| path == "contact.email"), "{problem}");
            // Changing the contact person.
            let change = app.put_as(
                &format!("/v1/declarations/{}/contact", applicant.declaration_id),
                &applicant.access_token,
                &json!({"name": "情報 花子", "email": email}),
            ).await;
            assert_problem(change, 422, "validation_failed").await;
            // Asking for a reminder: the same answer as ever, and no e-mail.
            let reminder = app.post_json("/v1/auth/user-number-reminders", &json!({"email": email})).await;
            assert_eq!(reminder.status(), 202, "{email}");
        }
        // Names with line breaks are rejected too.
        let mut body = one_star_application();
        body["contact"]["name"] = json!("情報\r\nBcc: evil@example.com");
        body["organization"]["name"] = json!("株式会社サンプル\r\nBcc: evil@example.com");
        let response = app.post_json("/v1/declarations", &body).await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        let paths: Vec<String> = field_errors(&problem).into_iter().map(|(path, _)| path).collect();
        assert!(paths.contains(&"contact.name".to_owned()) && paths.contains(&"organization.name".to_owned()), "{paths:?}");
        let change = app.put_as(
            &format!("/v1/declarations/{}/contact", applicant.declaration_id),
            &applicant.access_token,
            &json!({"name": "情報\nBcc: evil@example.com", "email": "hanako@example.co.jp"}),
        ).await;
        let problem = assert_problem(change, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem)[0].0, "name", "{problem}");
        assert_outbox_headers_are_clean(&app).await;
    }

    async fn oversized_text_is_a_clear_422_naming_the_field(app) {
        let long = "あ".repeat(5_000);
        let mut body = one_star_application();
        body["organization"]["name"] = json!(long);
        body["organization"]["address"] = json!(long);
        body["contact"]["name"] = json!(long);
        body["contact"]["department"] = json!(long);
        let problem = assert_problem(app.post_json("/v1/declarations", &body).await, 422, "validation_failed").await;
        let paths: Vec<String> = field_errors(&problem).into_iter().map(|(path, _)| path).collect();
        for field in ["organization.name", "organization.address", "contact.name", "contact.department"] {
            assert!(paths.iter().any(|p| p == field), "{field} in {paths:?}");
        }
        // A 100 kB password is longer than any account's: refused before it is counted or hashed.
        let login = app.post_json("/v1/auth/login", &json!({"user_number": "318204957362", "password": "x".repeat(100_000)})).await;
        let problem = assert_problem(login, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), [("password".to_owned(), "too_long".to_owned())]);
        let search = app.get(&format!("/v1/registry?q={}", "a".repeat(10_000))).await;
        assert_problem(search, 422, "validation_failed").await;
        assert_eq!(app.count("declarations").await, 0);
        assert_eq!(app.get("/healthz").await.status(), 200);
    }
}

both_backends! {
    async fn a_malformed_change_is_refused_before_its_precondition_and_blank_notes_too(app) {
        let applicant = app.applicant().await;
        // A stale If-Match and an invalid body: the body's fault is told first.
        let response = app.client.patch(app.url("/v1/me/organization"))
            .bearer_auth(&applicant.access_token)
            .header("If-Match", "\"stale\"")
            .json(&json!({"address": ""}))
            .send().await.unwrap();
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem)[0].0, "address");
        // A note of white space alone is not "no note".
        let operator = app.operator_token().await;
        let revocation = format!("/v1/admin/declarations/{}/revocation", applicant.declaration_id);
        for note in ["\r", "  \t "] {
            let response = app.post_as(&revocation, &operator, &json!({"reason": "other", "note": note})).await;
            let problem = assert_problem(response, 422, "validation_failed").await;
            assert_eq!(field_errors(&problem)[0].0, "note");
        }
        let me = json_with_status(app.get_as("/v1/me", &applicant.access_token).await, 200).await;
        assert_eq!(me["declaration"]["status"], "declared");
        // An empty note is no note.
        let revoked = app.post_as(&revocation, &operator, &json!({"reason": "other", "note": ""})).await;
        assert_eq!(revoked.status(), 200);
    }
}
