//! Applying for one or two stars.

use security_action::domain::identifiers::{DeclarationId, UserNumber};
use serde_json::json;

use crate::both_backends;
use crate::helpers::*;

both_backends! {
    async fn whole_numbers_may_be_written_with_a_zero_fraction(app) {
        let mut application = one_star_application();
        application["organization"]["employees"] = json!(12.0);
        application["organization"]["capital_yen"] = json!(1e7);
        json_with_status(app.post_json("/v1/declarations", &application).await, 201).await;
        let mut application = one_star_application();
        application["organization"]["employees"] = json!(12.5);
        let problem = assert_problem(app.post_json("/v1/declarations", &application).await, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), [("organization.employees".to_owned(), "invalid_type".to_owned())]);
    }

    async fn a_one_star_application_gets_both_numbers_and_the_completion_notice(app) {
        let application = one_star_application();
        let response = app.post_json("/v1/declarations", &application).await;
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let created = json_with_status(response, 201).await;
        let user_number = created["user_number"].as_str().unwrap();
        let declaration_id = created["declaration_id"].as_str().unwrap();
        assert!(UserNumber::parse(user_number).is_ok(), "{user_number}");
        assert!(DeclarationId::parse(declaration_id).is_ok(), "{declaration_id}");
        assert_eq!(location, format!("/v1/declarations/{declaration_id}"));
        assert_eq!(created["star"], "one_star");
        assert_eq!(created["status"], "declared");
        assert_eq!(created["accepted_at"], json!(null));
        let notice = &created["completion_notice"];
        assert_eq!(notice["subject"], "【SECURITY ACTION】一つ星：自己宣言完了のお知らせ");
        let body = notice["body"].as_str().unwrap();
        assert!(body.starts_with("株式会社サンプル\n"), "the company is named alone: {body}");
        assert!(!body.contains("株式会社サンプル 様"), "{body}");
        assert!(body.contains(user_number) && body.contains(declaration_id));
        let code = notice["verification_code"].as_str().unwrap();
        assert!(code.starts_with(&format!("{declaration_id}-")));
        assert!(notice["verification_url"].as_str().unwrap().ends_with(&format!("/v1/notice-verifications/{code}")));

        let email = application["contact"]["email"].as_str().unwrap();
        let emails = app.emails_to(email).await;
        assert_eq!(emails.len(), 1);
        assert_eq!(emails[0].0, "declaration_completed");
        assert_eq!(emails[0].1, "【SECURITY ACTION】一つ星：自己宣言完了のお知らせ");
        assert_eq!(emails[0].2, body, "the answer carries the e-mail as sent");
        assert!(!emails[0].2.contains(PASSWORD), "no password in e-mails");

        let audit = app.audit_of("declaration", declaration_id).await;
        assert_eq!(audit[0].0, "declaration.applied");
        assert!(!audit[0].2.as_deref().unwrap_or_default().contains(PASSWORD));
    }

    async fn the_completion_email_links_a_person_to_the_declarer_site_never_to_the_api(app) {
        let application = one_star_application();
        let created = json_with_status(app.post_json("/v1/declarations", &application).await, 201).await;
        let email = application["contact"]["email"].as_str().unwrap();
        let emails = app.emails_to(email).await;
        let body = &emails[0].2;
        let links: Vec<&str> = body.split_whitespace().filter(|w| w.contains("://")).collect();
        assert!(!links.is_empty(), "{body}");
        for link in &links {
            assert!(link.starts_with(TEST_FRONTEND_BASE_URL), "{link} in\n{body}");
            assert!(!link.contains("/v1/") && !link.starts_with(&app.address), "{link}");
        }
        let notice_page = format!(
            "{TEST_FRONTEND_BASE_URL}/declarations/{}/completion-notice",
            created["declaration_id"].as_str().unwrap()
        );
        assert!(links.contains(&notice_page.as_str()), "{body}");
        for needle in ["/v1/", "API", "トークン", "token"] {
            assert!(!body.contains(needle), "{needle} in\n{body}");
        }
        assert!(body.contains(TEST_SECRETARIAT_NAME) && body.contains(TEST_INQUIRY_EMAIL), "{body}");
        assert!(body.contains("10営業日程度"), "the configured review time: {body}");
    }

    async fn a_two_star_application_stores_the_diagnosis_and_the_disclosure(app) {
        let applicant = app.applicant_with(two_star_application()).await;
        let declaration = json_with_status(app.get_as(&format!("/v1/declarations/{}", applicant.declaration_id), &applicant.access_token).await, 200).await;
        assert_eq!(declaration["star"], "two_star");
        assert_eq!(declaration["valid"], true);
        assert_eq!(declaration["diagnosis"]["total_score"], 95);
        assert_eq!(declaration["diagnosis"]["band"], "partially_insufficient");
        assert_eq!(declaration["policy_disclosure"]["methods"], json!(["company_website", "pamphlet"]));
        assert_eq!(declaration["policy_disclosure"]["url"], "https://example.co.jp/policy");
        assert_eq!(declaration["purposes"], json!(["improve_security", "subsidy_application"]));
        assert_eq!(declaration["history"][0]["kind"], "applied");
        assert_eq!(declaration["organization"]["name"], "株式会社サンプル");
        let emails = app.emails_to(&applicant.email).await;
        assert_eq!(emails[0].1, "【SECURITY ACTION】二つ星：自己宣言完了のお知らせ");
        let diagnoses = json_with_status(app.get_as("/v1/diagnoses", &applicant.access_token).await, 200).await;
        assert_eq!(diagnoses["items"].as_array().unwrap().len(), 1);
        assert_eq!(diagnoses["items"][0]["id"], declaration["diagnosis"]["id"]);
    }

    async fn every_invalid_field_is_reported_at_once(app) {
        let mut body = one_star_application();
        body["organization"]["name"] = json!("");
        body["organization"]["corporate_number"] = json!("1234567890123");
        body["organization"]["prefecture"] = json!("48");
        body["organization"]["industry"] = json!("Z");
        body["organization"]["employees"] = json!(-1);
        body["organization"]["website"] = json!("javascript:alert(1)");
        body["contact"]["email"] = json!("taro@example.co.jp\r\nBcc: evil@example.com");
        body["contact"]["phone"] = json!("call me");
        body["pledge"]["five_principles"] = json!(false);
        body["purposes"] = json!([]);
        body["agreed_terms_version"] = json!("2018-03-01");
        body["password"] = json!("short");
        let problem = assert_problem(app.post_json("/v1/declarations", &body).await, 422, "validation_failed").await;
        let mut errors = field_errors(&problem);
        errors.sort();
        let mut expected: Vec<(String, String)> = [
            ("organization.name", "required"),
            ("organization.corporate_number", "check_digit"),
            ("organization.prefecture", "unknown_prefecture"),
            ("organization.industry", "unknown_industry"),
            ("organization.employees", "out_of_range"),
            ("organization.website", "invalid_url"),
            ("contact.email", "invalid_email"),
            ("contact.phone", "invalid_phone"),
            ("pledge.five_principles", "must_be_true"),
            ("purposes", "required"),
            ("agreed_terms_version", "not_current_terms"),
            ("password", "too_short"),
        ].iter().map(|(f, c)| (f.to_string(), c.to_string())).collect();
        expected.sort();
        assert_eq!(errors, expected);
        assert_eq!(app.count("accounts").await, 0, "nothing is written");
        assert_eq!(app.count("outbox_messages").await, 0);
    }

    async fn the_corporate_number_follows_the_organisation_type(app) {
        let mut body = one_star_application();
        body["organization"]["organization_type"] = json!("sole_proprietor");
        let problem = assert_problem(app.post_json("/v1/declarations", &body).await, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), [("organization.corporate_number".to_owned(), "not_allowed".to_owned())]);

        body["organization"]["corporate_number"] = json!(null);
        body["organization"]["name"] = json!("山田商店");
        assert_eq!(app.post_json("/v1/declarations", &body).await.status(), 201);

        let mut body = one_star_application();
        body["organization"].as_object_mut().unwrap().remove("corporate_number");
        let problem = assert_problem(app.post_json("/v1/declarations", &body).await, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), [("organization.corporate_number".to_owned(), "required".to_owned())]);
    }

    async fn two_stars_need_a_diagnosis_and_a_disclosure_that_keep_their_rules(app) {
        let mut body = two_star_application();
        body.as_object_mut().unwrap().remove("diagnosis");
        body["policy_disclosure"] = json!({"methods": ["company_website", "other"], "is_information_security_policy": false});
        let problem = assert_problem(app.post_json("/v1/declarations", &body).await, 422, "validation_failed").await;
        let mut errors = field_errors(&problem);
        errors.sort();
        assert_eq!(errors, [
            ("diagnosis".to_owned(), "required".to_owned()),
            ("policy_disclosure.is_information_security_policy".to_owned(), "must_be_true".to_owned()),
            ("policy_disclosure.other_description".to_owned(), "required".to_owned()),
            ("policy_disclosure.url".to_owned(), "required".to_owned()),
        ]);

        let mut body = two_star_application();
        body["diagnosis"]["answers"].as_array_mut().unwrap().pop();
        let problem = assert_problem(app.post_json("/v1/declarations", &body).await, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem)[0], ("diagnosis.answers".to_owned(), "wrong_count".to_owned()));

        let mut body = one_star_application();
        body["diagnosis"] = answers(|_| "implemented");
        let problem = assert_problem(app.post_json("/v1/declarations", &body).await, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), [("diagnosis".to_owned(), "not_allowed".to_owned())]);
    }

    async fn common_passwords_are_refused(app) {
        let mut body = one_star_application();
        body["password"] = json!("password1234");
        let problem = assert_problem(app.post_json("/v1/declarations", &body).await, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), [("password".to_owned(), "common_password".to_owned())]);
        body["password"] = json!("x".repeat(129));
        let problem = assert_problem(app.post_json("/v1/declarations", &body).await, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), [("password".to_owned(), "too_long".to_owned())]);
    }

    async fn fields_a_client_may_not_set_are_rejected_without_effect(app) {
        for (field, value) in [("status", json!("accepted")), ("user_number", json!("318204957362")), ("declaration_id", json!("400000000002"))] {
            let mut body = one_star_application();
            body[field] = value;
            let problem = assert_problem(app.post_json("/v1/declarations", &body).await, 422, "validation_failed").await;
            assert_eq!(field_errors(&problem)[0].1, "unknown_field", "{field}");
        }
        let mut body = one_star_application();
        body["organization"]["verified"] = json!(true);
        let problem = assert_problem(app.post_json("/v1/declarations", &body).await, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem)[0].1, "unknown_field");
        assert_eq!(app.count("declarations").await, 0);
    }

    async fn applying_twice_with_the_same_corporate_number_is_a_conflict(app) {
        let first = one_star_application();
        assert_eq!(app.post_json("/v1/declarations", &first).await.status(), 201);
        let mut second = one_star_application();
        second["organization"]["corporate_number"] = first["organization"]["corporate_number"].clone();
        let problem = assert_problem(app.post_json("/v1/declarations", &second).await, 409, "corporate_number_already_declared").await;
        assert!(problem["detail"].as_str().unwrap().contains("法人番号"));
        assert_eq!(app.count("accounts").await, 1, "no half-written account");
        assert_eq!(app.count("declarers").await, 1);
        assert_eq!(app.count("outbox_messages").await, 1);
    }

    async fn eight_simultaneous_applications_for_one_corporation_make_one_declaration(app) {
        let number = corporate_number();
        let requests = (0..8).map(|_| {
            let mut body = one_star_application();
            body["organization"]["corporate_number"] = json!(number);
            let client = app.client.clone();
            let url = app.url("/v1/declarations");
            async move { client.post(url).json(&body).send().await.unwrap().status().as_u16() }
        });
        let mut statuses = futures_util::future::join_all(requests).await;
        statuses.sort();
        assert_eq!(statuses, [201, 409, 409, 409, 409, 409, 409, 409]);
        assert_eq!(app.count("declarations").await, 1);
        assert_eq!(app.count("accounts").await, 1);
        assert_eq!(app.count("outbox_messages").await, 1);
    }

    async fn an_idempotency_key_replays_the_first_answer_and_creates_nothing_more(app) {
        let body = one_star_application();
        let send = |key: &'static str, body: serde_json::Value| {
            let request = app.client.post(app.url("/v1/declarations")).header("Idempotency-Key", key).json(&body);
            async move { request.send().await.unwrap() }
        };
        let first = send("apply-1", body.clone()).await;
        assert_eq!(first.status(), 201);
        let first = first.json::<serde_json::Value>().await.unwrap();
        let again = send("apply-1", body.clone()).await;
        assert_eq!(again.status(), 201);
        assert_eq!(again.headers()["idempotent-replayed"], "true");
        assert_eq!(again.json::<serde_json::Value>().await.unwrap(), first);
        assert_eq!(app.count("declarations").await, 1);
        assert_eq!(app.count("outbox_messages").await, 1);

        let mut other = one_star_application();
        other["organization"]["name"] = json!("別会社");
        let problem = assert_problem(send("apply-1", other).await, 422, "idempotency_key_reused").await;
        assert_eq!(problem["status"], 422);
        assert_eq!(app.count("declarations").await, 1);
    }

    async fn an_idempotency_key_keeps_no_fast_hash_of_the_password(app) {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct Stored {
            #[diesel(sql_type = diesel::sql_types::Text)]
            request_hash: String,
        }
        let body = one_star_application();
        let response = app.client.post(app.url("/v1/declarations")).header("Idempotency-Key", "apply-secret").json(&body).send().await.unwrap();
        assert_eq!(response.status(), 201);
        let stored: Vec<Stored> = app.state.db.read(|conn| {
            Ok::<_, security_action::db::DbError>(diesel::sql_query("SELECT request_hash FROM idempotency_keys").load(conn)?)
        }).await.unwrap();
        assert_eq!(stored.len(), 1);
        let stored = &stored[0].request_hash;
        // Not a plain digest of what was sent (which holds the password) ...
        assert_ne!(stored, &security_action::auth::tokens::token_digest(&body.to_string()));
        // ... but the service's keyed digest, the same whatever the password.
        let mut other_password = body.clone();
        other_password["password"] = json!("some entirely different passphrase");
        assert_eq!(stored, &app.state.tokens.request_digest(&other_password));
        let mut other_body = body.clone();
        other_body["organization"]["name"] = json!("別会社");
        assert_ne!(stored, &app.state.tokens.request_digest(&other_body));
    }

    async fn a_text_s_length_counts_what_is_sent_in_the_schema_as_in_the_service(app) {
        let document = json_with_status(app.get("/openapi.json").await, 200).await;
        let department = &document["components"]["schemas"]["ContactInput"]["properties"]["department"]["oneOf"][1];
        assert_eq!(department["maxLength"], 100, "{department}");
        let pattern = regex::Regex::new(department["pattern"].as_str().unwrap()).unwrap();
        for (department, accepted) in [
            (format!("x{}", " ".repeat(99)), true),
            (format!("x{}", " ".repeat(100)), false),
            (format!("0{}", "\u{85}".repeat(99)), true),
            (format!("0{}", "\u{85}".repeat(100)), false),
            (format!(" {} ", "総".repeat(98)), true),
            (format!(" {} ", "総".repeat(99)), false),
            ("総".repeat(101), false),
            (format!("x{}x", " ".repeat(99)), false),
        ] {
            let schema = pattern.is_match(&department) && department.chars().count() <= 100;
            assert_eq!(schema, accepted, "the schema on {department:?}");
            let mut body = one_star_application();
            body["contact"]["department"] = json!(department);
            let response = app.post_json("/v1/declarations", &body).await;
            if accepted {
                let created = json_with_status(response, 201).await;
                let token = app.login(created["user_number"].as_str().unwrap(), PASSWORD).await;
                let me = json_with_status(app.get_as("/v1/me", token["access_token"].as_str().unwrap()).await, 200).await;
                assert_eq!(me["contact"]["department"], department.trim(), "{me}");
            } else {
                let problem = assert_problem(response, 422, "validation_failed").await;
                assert_eq!(field_errors(&problem), [("contact.department".to_owned(), "length".to_owned())]);
            }
        }
    }

    async fn an_unknown_terms_version_or_purpose_is_rejected(app) {
        let mut body = one_star_application();
        body["purposes"] = json!(["subsidy_application", "fun"]);
        let problem = assert_problem(app.post_json("/v1/declarations", &body).await, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), [("purposes[1]".to_owned(), "unknown_value".to_owned())]);
        let mut body = one_star_application();
        body["purposes"] = json!(["other", "other"]);
        let problem = assert_problem(app.post_json("/v1/declarations", &body).await, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), [("purposes[1]".to_owned(), "duplicate".to_owned())]);
    }
}

/// With automatic acceptance, a declaration is accepted at once and both e-mails go out.
#[tokio::test]
async fn automatic_acceptance_accepts_at_application_time() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = TestApp::spawn_with(backend, |c| {
            c.acceptance_mode = security_action::config::AcceptanceMode::Auto
        })
        .await
        else {
            continue;
        };
        let application = one_star_application();
        let created =
            json_with_status(app.post_json("/v1/declarations", &application).await, 201).await;
        assert_eq!(created["status"], "accepted");
        assert_eq!(created["accepted_at"], created["declared_at"]);
        let kinds: Vec<String> = app
            .emails_to(application["contact"]["email"].as_str().unwrap())
            .await
            .into_iter()
            .map(|e| e.0)
            .collect();
        assert_eq!(kinds, ["declaration_completed", "accepted"]);
        let subjects = app
            .emails_to(application["contact"]["email"].as_str().unwrap())
            .await;
        assert_eq!(subjects[1].1, "【SECURITY ACTION】申込み受理のご連絡");
    }
}
