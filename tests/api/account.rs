//! The declarer's account, contact person, and privacy between declarers.

use serde_json::json;

use crate::both_backends;
use crate::helpers::*;

both_backends! {
    async fn me_shows_the_account_with_an_etag(app) {
        let applicant = app.applicant().await;
        let response = app.get_as("/v1/me", &applicant.access_token).await;
        let etag = response.headers()["etag"].to_str().unwrap().to_owned();
        let me = json_with_status(response, 200).await;
        assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");
        assert_eq!(me["organization"]["name"], "株式会社サンプル");
        assert_eq!(me["organization"]["corporate_number"], applicant.application["organization"]["corporate_number"]);
        assert_eq!(me["contact"]["email"], applicant.email.as_str());
        assert_eq!(me["declaration"]["status"], "declared");
        assert_eq!(me["declaration"]["valid"], true);
        let text = me.to_string();
        assert!(!text.contains("argon2") && !text.contains("password"), "no secrets: {text}");
    }

    async fn the_organisation_changes_with_if_match_and_a_stale_one_is_412(app) {
        let applicant = app.applicant().await;
        let etag = app.get_as("/v1/me", &applicant.access_token).await.headers()["etag"].to_str().unwrap().to_owned();
        let patch = |tag: String, body: serde_json::Value| {
            let request = app.client.patch(app.url("/v1/me/organization")).bearer_auth(&applicant.access_token).header("If-Match", tag).json(&body);
            async move { request.send().await.unwrap() }
        };
        let changed = patch(etag.clone(), json!({"address": "東京都千代田区1-1", "employees": 30, "website": null})).await;
        let new_etag = changed.headers()["etag"].to_str().unwrap().to_owned();
        let me = json_with_status(changed, 200).await;
        assert_ne!(new_etag, etag);
        assert_eq!(me["organization"]["address"], "東京都千代田区1-1");
        assert_eq!(me["organization"]["employees"], 30);
        assert_eq!(me["organization"]["website"], json!(null));
        assert_eq!(me["organization"]["name"], "株式会社サンプル", "untouched fields stay");

        let stale = patch(etag, json!({"employees": 31})).await;
        assert_problem(stale, 412, "precondition_failed").await;
        let me = json_with_status(app.get_as("/v1/me", &applicant.access_token).await, 200).await;
        assert_eq!(me["organization"]["employees"], 30, "a stale change is not applied");

        let invalid = patch(new_etag.clone(), json!({"prefecture": "99", "corporate_number": null})).await;
        let problem = assert_problem(invalid, 422, "validation_failed").await;
        let mut errors = field_errors(&problem);
        errors.sort();
        assert_eq!(errors, [("corporate_number".to_owned(), "required".to_owned()), ("prefecture".to_owned(), "unknown_prefecture".to_owned())]);
        let unknown = patch(new_etag, json!({"status": "accepted"})).await;
        assert_eq!(field_errors(&assert_problem(unknown, 422, "validation_failed").await)[0].1, "unknown_field");
        let audit = app.audit_of("declarer", &applicant.declaration_id).await;
        assert_eq!(audit.len(), 1);
        assert_eq!(audit[0].0, "account.organization_changed");
    }

    async fn a_malformed_if_match_is_a_bad_request_and_integers_may_end_in_zero_fractions(app) {
        let applicant = app.applicant().await;
        let patch = |tag: &'static str, body: serde_json::Value| {
            let request = app.client.patch(app.url("/v1/me/organization")).bearer_auth(&applicant.access_token).header("If-Match", tag).json(&body);
            async move { request.send().await.unwrap() }
        };
        assert_problem(patch("null", json!({"employees": 31})).await, 400, "invalid_if_match").await;
        assert_problem(patch("W/m1", json!({"employees": 31})).await, 400, "invalid_if_match").await;
        let me = json_with_status(patch("*", json!({"employees": 31.0, "capital_yen": 5e6})).await, 200).await;
        assert_eq!((me["organization"]["employees"].as_i64(), me["organization"]["capital_yen"].as_i64()), (Some(31), Some(5_000_000)));
        let fraction = patch("*", json!({"employees": 31.5})).await;
        assert_eq!(field_errors(&assert_problem(fraction, 422, "validation_failed").await), [("employees".to_owned(), "invalid_type".to_owned())]);
    }

    async fn another_live_declarations_corporate_number_cannot_be_taken(app) {
        let first = app.applicant().await;
        let second = app.applicant().await;
        let response = app.send(reqwest::Method::PATCH, "/v1/me/organization", Some(&second.access_token),
            Some(&json!({"corporate_number": first.application["organization"]["corporate_number"]}))).await;
        assert_problem(response, 409, "corporate_number_already_declared").await;
    }

    async fn the_contact_person_changes_and_both_are_told(app) {
        let applicant = app.applicant().await;
        let path = format!("/v1/declarations/{}/contact", applicant.declaration_id);
        let new_email = format!("hanako-{}@example.co.jp", uuid::Uuid::new_v4().simple());
        let contact = json_with_status(app.put_as(&path, &applicant.access_token, &json!({"name": "情報 花子", "email": new_email})).await, 200).await;
        assert_eq!(contact, json!({"name": "情報 花子", "email": new_email, "phone": null, "department": null}));
        let to_new = app.emails_to(&new_email).await;
        assert_eq!(to_new.len(), 1);
        assert_eq!(to_new[0].0, "contact_changed");
        assert_eq!(app.emails_to(&applicant.email).await.last().unwrap().0, "contact_changed");
        let declaration = json_with_status(app.get_as(&format!("/v1/declarations/{}", applicant.declaration_id), &applicant.access_token).await, 200).await;
        assert_eq!(declaration["history"].as_array().unwrap().last().unwrap()["kind"], "contact_changed");

        let bad = app.put_as(&path, &applicant.access_token, &json!({"name": "x", "email": "x@example.jp\nBcc: y@example.jp"})).await;
        let problem = assert_problem(bad, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), [("email".to_owned(), "invalid_email".to_owned())]);
    }

    async fn another_declarers_resources_do_not_exist(app) {
        let owner = app.applicant().await;
        let intruder = app.applicant().await;
        let diagnosis = json_with_status(app.post_as("/v1/diagnoses", &owner.access_token, &answers(|_| "implemented")).await, 201).await;
        let id = &owner.declaration_id;
        let token = &intruder.access_token;
        let attempts = [
            app.get_as(&format!("/v1/declarations/{id}"), token).await,
            app.put_as(&format!("/v1/declarations/{id}/contact"), token, &json!({"name": "x", "email": "x@example.jp"})).await,
            app.put_as(&format!("/v1/declarations/{id}/policy-disclosure"), token, &json!({"methods": ["pamphlet"], "is_information_security_policy": true})).await,
            app.delete_as(&format!("/v1/declarations/{id}/policy-disclosure"), token).await,
            app.post_as(&format!("/v1/declarations/{id}/step-up"), token, &json!({"diagnosis_id": diagnosis["id"], "policy_disclosure": {"methods": ["pamphlet"], "is_information_security_policy": true}})).await,
            app.post_as(&format!("/v1/declarations/{id}/withdrawal"), token, &json!({"reason": "x"})).await,
            app.get_as(&format!("/v1/declarations/{id}/completion-notice"), token).await,
            app.get_as(&format!("/v1/diagnoses/{}", diagnosis["id"].as_str().unwrap()), token).await,
        ];
        for response in attempts {
            let url = response.url().path().to_owned();
            let problem = assert_problem(response, 404, "not_found").await;
            assert_eq!(problem["instance"], url);
        }
        let unchanged = json_with_status(app.get_as(&format!("/v1/declarations/{id}"), &owner.access_token).await, 200).await;
        assert_eq!(unchanged["status"], "declared");
        assert_eq!(unchanged["contact"]["email"], owner.email.as_str());
        // A made-up or malformed ID is just as unknown.
        for made_up in ["400000000002", "123", "4000000000029999"] {
            assert_problem(app.get_as(&format!("/v1/declarations/{made_up}"), token).await, 404, "not_found").await;
        }
    }
}
