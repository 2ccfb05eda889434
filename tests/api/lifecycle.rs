//! Diagnoses, star changes, withdrawal, the completion notice and its verification.

use serde_json::json;

use crate::both_backends;
use crate::helpers::*;

fn disclosure() -> serde_json::Value {
    json!({"methods": ["company_profile"], "is_information_security_policy": true})
}

both_backends! {
    async fn diagnoses_are_stored_scored_and_listed_newest_first(app) {
        let applicant = app.applicant().await;
        let mut ids = Vec::new();
        for unknown in 0..3u8 {
            let sheet = answers(move |q| if q <= unknown { "unknown" } else { "implemented" });
            let response = app.post_as("/v1/diagnoses", &applicant.access_token, &sheet).await;
            let location = response.headers()["location"].to_str().unwrap().to_owned();
            let diagnosis = json_with_status(response, 201).await;
            assert_eq!(location, format!("/v1/diagnoses/{}", diagnosis["id"].as_str().unwrap()));
            assert_eq!(diagnosis["total_score"], 100 - 5 * i64::from(unknown));
            assert_eq!(diagnosis["answers"].as_array().unwrap().len(), 25);
            ids.push(diagnosis["id"].as_str().unwrap().to_owned());
        }
        let page = json_with_status(app.get_as("/v1/diagnoses?limit=2", &applicant.access_token).await, 200).await;
        let listed: Vec<&str> = page["items"].as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap()).collect();
        assert_eq!(listed, [ids[2].as_str(), ids[1].as_str()]);
        let cursor = page["next_cursor"].as_str().unwrap();
        let rest = json_with_status(app.get_as(&format!("/v1/diagnoses?limit=2&cursor={cursor}"), &applicant.access_token).await, 200).await;
        assert_eq!(rest["items"][0]["id"], ids[0].as_str());
        assert_eq!(rest["next_cursor"], json!(null));
        let one = json_with_status(app.get_as(&format!("/v1/diagnoses/{}", ids[1]), &applicant.access_token).await, 200).await;
        assert_eq!(one["total_score"], 95);
        assert_eq!(one["unknown_items"], json!([1]));
        for bad in ["limit=0", "limit=201", "limit=x", "cursor=garbage", "sort=asc"] {
            assert_problem(app.get_as(&format!("/v1/diagnoses?{bad}"), &applicant.access_token).await, 422, "validation_failed").await;
        }
    }

    async fn stepping_up_needs_ones_own_diagnosis_and_makes_two_stars(app) {
        let applicant = app.applicant().await;
        let other = app.applicant().await;
        let foreign = json_with_status(app.post_as("/v1/diagnoses", &other.access_token, &answers(|_| "implemented")).await, 201).await;
        let path = format!("/v1/declarations/{}/step-up", applicant.declaration_id);
        let refused = app.post_as(&path, &applicant.access_token, &json!({"diagnosis_id": foreign["id"], "policy_disclosure": disclosure()})).await;
        let problem = assert_problem(refused, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), [("diagnosis_id".to_owned(), "unknown_diagnosis".to_owned())]);

        let own = json_with_status(app.post_as("/v1/diagnoses", &applicant.access_token, &answers(|_| "implemented")).await, 201).await;
        let response = app.post_as(&path, &applicant.access_token, &json!({"diagnosis_id": own["id"], "policy_disclosure": disclosure()})).await;
        let declaration = json_with_status(response, 200).await;
        assert_eq!(declaration["star"], "two_star");
        assert_eq!(declaration["declaration_id"], applicant.declaration_id.as_str(), "the ID stays");
        assert_eq!(declaration["diagnosis"]["id"], own["id"]);
        assert_eq!(declaration["policy_disclosure"]["methods"], json!(["company_profile"]));
        let last = declaration["history"].as_array().unwrap().last().unwrap().clone();
        assert_eq!((last["kind"].as_str(), last["from_star"].as_str(), last["to_star"].as_str()), (Some("stepped_up"), Some("one_star"), Some("two_star")));
        assert_eq!(app.emails_to(&applicant.email).await.last().unwrap().0, "star_changed");

        let again = app.post_as(&path, &applicant.access_token, &json!({"diagnosis_id": own["id"], "policy_disclosure": disclosure()})).await;
        assert_problem(again, 409, "already_two_star").await;
    }

    async fn removing_the_disclosure_steps_two_stars_down(app) {
        let applicant = app.applicant_with(two_star_application()).await;
        let path = format!("/v1/declarations/{}/policy-disclosure", applicant.declaration_id);
        // White space around the description is trimmed, as for every other text.
        let changed = json_with_status(app.put_as(&path, &applicant.access_token, &json!({"methods": ["other"], "other_description": "\u{2008}\u{85}店頭に掲示\n", "is_information_security_policy": true})).await, 200).await;
        assert_eq!(changed["methods"], json!(["other"]));
        assert_eq!(changed["other_description"], "店頭に掲示");
        assert_eq!(app.delete_as(&path, &applicant.access_token).await.status(), 204);
        let declaration = json_with_status(app.get_as(&format!("/v1/declarations/{}", applicant.declaration_id), &applicant.access_token).await, 200).await;
        assert_eq!(declaration["star"], "one_star");
        assert_eq!(declaration["policy_disclosure"], json!(null));
        assert_eq!(declaration["history"].as_array().unwrap().last().unwrap()["kind"], "stepped_down");
        assert_problem(app.delete_as(&path, &applicant.access_token).await, 404, "not_found").await;
    }

    async fn withdrawal_is_final(app) {
        let applicant = app.applicant().await;
        let path = format!("/v1/declarations/{}/withdrawal", applicant.declaration_id);
        assert_problem(app.post_as(&path, &applicant.access_token, &json!({"reason": ""})).await, 422, "validation_failed").await;
        let declaration = json_with_status(app.post_as(&path, &applicant.access_token, &json!({"reason": "事業を廃止したため"})).await, 200).await;
        assert_eq!(declaration["status"], "withdrawn");
        assert_eq!(declaration["valid"], false);
        assert_eq!(declaration["end_reason"], "事業を廃止したため");
        assert!(declaration["ended_at"].is_string());
        assert_eq!(app.emails_to(&applicant.email).await.last().unwrap().0, "withdrawn");

        let again = assert_problem(app.post_as(&path, &applicant.access_token, &json!({"reason": "again"})).await, 409, "transition_not_allowed").await;
        // Plain Japanese, with the domain's words and no machine code.
        let detail = again["detail"].as_str().unwrap();
        assert!(detail.contains("取下げ") && !detail.contains("withdrawn"), "{detail}");
        let own = json_with_status(app.post_as("/v1/diagnoses", &applicant.access_token, &answers(|_| "implemented")).await, 201).await;
        let step_up = app.post_as(&format!("/v1/declarations/{}/step-up", applicant.declaration_id), &applicant.access_token, &json!({"diagnosis_id": own["id"], "policy_disclosure": disclosure()})).await;
        assert_problem(step_up, 409, "transition_not_allowed").await;
        let disclose = app.put_as(&format!("/v1/declarations/{}/policy-disclosure", applicant.declaration_id), &applicant.access_token, &disclosure()).await;
        assert_problem(disclose, 409, "transition_not_allowed").await;

        // The corporate number is free again for a new application.
        let mut renewed = one_star_application();
        renewed["organization"]["corporate_number"] = applicant.application["organization"]["corporate_number"].clone();
        assert_eq!(app.post_json("/v1/declarations", &renewed).await.status(), 201);
        let audit: Vec<String> = app.audit_of("declaration", &applicant.declaration_id).await.into_iter().map(|a| a.0).collect();
        assert_eq!(audit, ["declaration.applied", "declaration.withdrawn"]);
    }

    async fn the_completion_notice_prints_and_its_code_verifies_the_state_now(app) {
        let applicant = app.applicant().await;
        let path = format!("/v1/declarations/{}/completion-notice", applicant.declaration_id);
        let html = app.get_as(&path, &applicant.access_token).await;
        assert_eq!(html.headers()["content-type"], "text/html; charset=utf-8");
        let html = html.text().await.unwrap();
        assert!(html.contains(&applicant.declaration_id) && html.contains("<svg") && html.contains("@page"));
        assert!(!html.contains(&applicant.user_number), "the user number is masked on paper");
        assert!(html.contains(&applicant.user_number[8..]));

        let json_notice = app.client.get(app.url(&path)).bearer_auth(&applicant.access_token).header("Accept", "application/json").send().await.unwrap();
        let notice = json_with_status(json_notice, 200).await;
        let code = notice["verification_code"].as_str().unwrap().to_owned();
        assert!(html.contains(&code));
        let checked = json_with_status(app.get(&format!("/v1/notice-verifications/{code}")).await, 200).await;
        assert_eq!(checked["genuine"], true);
        assert_eq!(checked["declaration_id"], applicant.declaration_id.as_str());
        assert_eq!(checked["status"], "declared");
        assert_eq!(checked["valid"], true);
        let text = checked.to_string();
        assert!(!text.contains(&applicant.user_number) && !text.contains(&applicant.email), "no private data: {text}");

        app.post_as(&format!("/v1/declarations/{}/withdrawal", applicant.declaration_id), &applicant.access_token, &json!({"reason": "closing"})).await;
        let checked = json_with_status(app.get(&format!("/v1/notice-verifications/{code}")).await, 200).await;
        assert_eq!((checked["genuine"].as_bool(), checked["status"].as_str(), checked["valid"].as_bool()), (Some(true), Some("withdrawn"), Some(false)));

        // A phone that scans the QR code asks for a page, and gets one for a person.
        let page = |language: &'static str, code: String| {
            let client = app.client.clone();
            let url = app.url(&format!("/v1/notice-verifications/{code}"));
            async move {
                client.get(url).header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8").header("Accept-Language", language).send().await.unwrap()
            }
        };
        let response = page("ja", code.clone()).await;
        assert_eq!(response.status(), 200);
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
        assert!(response.headers()["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
        let html = response.text().await.unwrap();
        // By now the declaration is withdrawn, and the page says so.
        for fact in ["株式会社サンプル", applicant.declaration_id.as_str(), "一つ星", "取下げ", "現在有効ではありません", "lang=\"ja\""] {
            assert!(html.contains(fact), "{fact} in {html}");
        }
        assert!(!html.contains(&applicant.user_number) && !html.contains(&applicant.email));
        let html = page("en", code.clone()).await.text().await.unwrap();
        assert!(html.contains("no longer valid") && html.contains("One Star") && html.contains("lang=\"en\""), "{html}");
        let html = page("ja", format!("{}-AAAA-AAAA-AAAA-AAAA", applicant.declaration_id)).await.text().await.unwrap();
        assert!(html.contains("この確認コードは") && !html.contains("株式会社サンプル"), "{html}");

        // As people type it: in small letters, with spaces, O for 0, l for 1; and the spelling
        // of codes printed before (RFC 4648 base32), with 0 for O.
        assert!(code.chars().skip(13).all(|c| c == '-' || "0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(c)), "{code}");
        let typed = code.to_lowercase().replace('-', " ").replace('0', "o").replace('1', "l");
        let id = security_action::domain::identifiers::DeclarationId::parse(&applicant.declaration_id).unwrap();
        let legacy = app.state.tokens.legacy_notice_code(&id).replace('O', "0");
        for variant in [typed.as_str(), legacy.as_str()] {
            let path = format!("/v1/notice-verifications/{}", variant.replace(' ', "%20"));
            let checked = json_with_status(app.get(&path).await, 200).await;
            assert_eq!((checked["genuine"].as_bool(), checked["declaration_id"].as_str()), (Some(true), Some(applicant.declaration_id.as_str())), "{variant}");
        }
        // One wrong character is not genuine.
        let last = code.chars().last().unwrap();
        let wrong = format!("{}{}", &code[..code.len() - 1], if last == 'Z' { 'Y' } else { 'Z' });

        let forged = format!("{}-AAAAAAAAAAAAAAAA", applicant.declaration_id);
        for code in [forged.as_str(), wrong.as_str(), "garbage", &"x".repeat(64)] {
            let checked = json_with_status(app.get(&format!("/v1/notice-verifications/{code}")).await, 200).await;
            assert_eq!(checked["genuine"], false, "{code}");
            assert_eq!(checked["declaration_id"], json!(null));
        }
        // Longer than the contract allows: refused.
        let long = app.get(&format!("/v1/notice-verifications/{}", "x".repeat(500))).await;
        let problem = assert_problem(long, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), [("code".to_owned(), "too_long".to_owned())]);
    }

    async fn the_sender_delivers_queued_e_mails_as_eml_files(app) {
        let applicant = app.applicant().await;
        let outbox = app.state.config.outbox_dir.clone();
        let mut files = Vec::new();
        for _ in 0..100 {
            files = std::fs::read_dir(&outbox).map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect()).unwrap_or_default();
            if !files.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(files.len(), 1, "{files:?}");
        let eml = std::fs::read_to_string(&files[0]).unwrap();
        assert!(eml.contains(&format!("To: {}", applicant.email)), "{eml}");
        assert!(eml.contains("Subject: =?utf-8?"), "an encoded subject: {eml}");
        let sent = app.state.db.read(|conn| Ok::<_, security_action::db::DbError>(security_action::db::outbox::all(conn)?)).await.unwrap();
        for _ in 0..50 {
            if sent.iter().all(|m| m.status == "sent") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let sent = app.state.db.read(|conn| Ok::<_, security_action::db::DbError>(security_action::db::outbox::all(conn)?)).await.unwrap();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].status, "sent");
        assert!(sent[0].sent_at.is_some());
    }
}
