//! The verification API: tokens for API clients, single and batch verifications, the
//! declarer's log, and the limits.

use serde_json::json;

use crate::both_backends;
use crate::helpers::*;

fn basic(id: &str, secret: &str) -> String {
    format!(
        "Basic {}",
        data_encoding::BASE64.encode(format!("{id}:{secret}").as_bytes())
    )
}

async fn oauth_error(response: reqwest::Response, status: u16, error: &str) -> serde_json::Value {
    assert_eq!(response.status().as_u16(), status);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body = response.json::<serde_json::Value>().await.unwrap();
    assert_eq!(body["error"], error, "{body}");
    assert!(
        body["error_description"]
            .as_str()
            .is_some_and(|d| !d.is_empty())
    );
    body
}

both_backends! {
    async fn a_client_gets_a_token_by_form_by_basic_and_by_json(app) {
        let (id, secret) = app.api_client().await;
        let form = app.client.post(app.url("/v1/oauth/token"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(format!("grant_type=client_credentials&client_id={id}&client_secret={secret}"))
            .send().await.unwrap();
        assert_eq!(form.headers()["cache-control"], "no-store");
        let token = json_with_status(form, 200).await;
        assert_eq!((token["token_type"].as_str(), token["expires_in"].as_i64(), token["scope"].as_str()), (Some("Bearer"), Some(900), Some("declarations:verify")));
        let payload = token["access_token"].as_str().unwrap().split('.').nth(1).unwrap().to_owned();
        let claims: serde_json::Value = serde_json::from_slice(&data_encoding::BASE64URL_NOPAD.decode(payload.as_bytes()).unwrap()).unwrap();
        assert_eq!(claims["sub"], id.as_str());
        assert_eq!(claims["aud"], "security-action/client");
        assert_eq!(claims["iss"], "security-action");
        assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 900);

        let by_basic = app.client.post(app.url("/v1/oauth/token"))
            .header("Authorization", basic(&id, &secret))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials&scope=declarations%3Averify")
            .send().await.unwrap();
        assert_eq!(by_basic.status(), 200);
        let by_json = app.post_json("/v1/oauth/token", &json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret})).await;
        assert_eq!(by_json.status(), 200);
    }

    async fn token_errors_follow_rfc_6749(app) {
        let (id, secret) = app.api_client().await;
        let wrong = app.post_json("/v1/oauth/token", &json!({"grant_type": "client_credentials", "client_id": id, "client_secret": "wrong"})).await;
        let auth_header = wrong.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_owned());
        oauth_error(wrong, 401, "invalid_client").await;
        assert_eq!(auth_header.as_deref(), Some("Basic realm=\"security-action\""));
        oauth_error(app.post_json("/v1/oauth/token", &json!({"grant_type": "client_credentials"})).await, 401, "invalid_client").await;
        oauth_error(app.post_json("/v1/oauth/token", &json!({"client_id": id, "client_secret": secret})).await, 400, "invalid_request").await;
        oauth_error(app.post_json("/v1/oauth/token", &json!({"grant_type": "password", "client_id": id, "client_secret": secret})).await, 400, "unsupported_grant_type").await;
        oauth_error(app.post_json("/v1/oauth/token", &json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret, "scope": "declarations:write"})).await, 400, "invalid_scope").await;
        let both = app.client.post(app.url("/v1/oauth/token")).header("Authorization", basic(&id, &secret))
            .json(&json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret})).send().await.unwrap();
        oauth_error(both, 400, "invalid_request").await;
        let text = app.client.post(app.url("/v1/oauth/token")).header("Content-Type", "text/plain").body("grant_type=client_credentials").send().await.unwrap();
        oauth_error(text, 400, "invalid_request").await;
        let repeated = app.client.post(app.url("/v1/oauth/token")).header("Content-Type", "application/x-www-form-urlencoded")
            .body(format!("grant_type=client_credentials&grant_type=client_credentials&client_id={id}&client_secret={secret}")).send().await.unwrap();
        oauth_error(repeated, 400, "invalid_request").await;
    }

    async fn a_portal_verifies_a_declaration_and_its_applicant(app) {
        let applicant = app.applicant().await;
        let operator = app.operator_token().await;
        app.accept(&operator, &applicant.declaration_id).await;
        let (id, secret) = app.api_client().await;
        let token = app.client_token(&id, &secret).await;
        let number = applicant.application["organization"]["corporate_number"].as_str().unwrap().to_owned();
        let path = format!("/v1/verifications/{}?corporate_number={number}&organization_name=%EF%BC%88%E6%A0%AA%EF%BC%89%E3%82%B5%E3%83%B3%E3%83%97%E3%83%AB", applicant.declaration_id);
        let response = app.get_as(&path, &token).await;
        assert!(response.headers().contains_key("ratelimit-remaining"));
        let answer = json_with_status(response, 200).await;
        assert_eq!(answer["declaration_id"], applicant.declaration_id.as_str());
        assert_eq!(answer["valid"], true);
        assert_eq!(answer["status"], "accepted");
        assert_eq!(answer["star"], "one_star");
        assert_eq!(answer["organization_name"], "株式会社サンプル");
        assert_eq!(answer["corporate_number_matches"], true);
        assert_eq!(answer["organization_name_matches"], true, "（株）サンプル matches 株式会社サンプル");
        let text = answer.to_string();
        for private in [applicant.email.as_str(), applicant.user_number.as_str(), "03-1234-5678", "情報 太郎"] {
            assert!(!text.contains(private), "{private} leaked: {text}");
        }
        let keys: Vec<&String> = answer.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 11, "{keys:?}");

        let other = json_with_status(app.get_as(&format!("/v1/verifications/{}?corporate_number=7000012050002&organization_name=%E5%88%A5%E4%BC%9A%E7%A4%BE", applicant.declaration_id), &token).await, 200).await;
        assert_eq!((other["corporate_number_matches"].as_bool(), other["organization_name_matches"].as_bool()), (Some(false), Some(false)));
        let bare = json_with_status(app.get_as(&format!("/v1/verifications/{}", applicant.declaration_id), &token).await, 200).await;
        assert_eq!((bare["corporate_number_matches"].clone(), bare["organization_name_matches"].clone()), (json!(null), json!(null)));

        app.state.verifications.flush().await;
        let log = json_with_status(app.get_as(&format!("/v1/declarations/{}/verification-log", applicant.declaration_id), &applicant.access_token).await, 200).await;
        let items = log["items"].as_array().unwrap();
        assert_eq!(items.len(), 3);
        assert_eq!(items[0]["verifier"], "補助金申請システム");
        assert_eq!(items[0]["result"], "valid");
        let intruder = app.applicant().await;
        assert_problem(app.get_as(&format!("/v1/declarations/{}/verification-log", applicant.declaration_id), &intruder.access_token).await, 404, "not_found").await;
    }

    async fn concurrent_verifications_each_get_their_own_answer(app) {
        let declarers = [app.applicant().await, app.applicant().await, app.applicant().await];
        let operator = app.operator_token().await;
        app.accept(&operator, &declarers[1].declaration_id).await;
        let (id, secret) = app.api_client().await;
        let token = app.client_token(&id, &secret).await;
        // Unknown but well-formed IDs (check digit valid) mixed in with the real ones.
        let unknown = ["400000000002", "400000000010"];
        let requests = (0..60).map(|i| {
            let wanted = if i % 4 == 3 { unknown[i % 2].to_owned() } else { declarers[i % 3].declaration_id.clone() };
            let request = app.client.get(app.url(&format!("/v1/verifications/{wanted}"))).bearer_auth(&token).send();
            async move { (wanted, request.await.unwrap()) }
        });
        for (wanted, response) in futures_util::future::join_all(requests).await {
            if unknown.contains(&wanted.as_str()) {
                assert_problem(response, 404, "not_found").await;
            } else {
                let body = json_with_status(response, 200).await;
                assert_eq!(body["declaration_id"], wanted.as_str());
                let expected = if wanted == declarers[1].declaration_id { "accepted" } else { "declared" };
                assert_eq!(body["status"], expected, "{body}");
            }
        }
    }

    async fn typos_are_invalid_format_and_unknown_ids_not_found(app) {
        let (id, secret) = app.api_client().await;
        let token = app.client_token(&id, &secret).await;
        for typo in ["40773182095", "4077318209541", "307731820954", "40773182095x", "400000000003"] {
            let problem = assert_problem(app.get_as(&format!("/v1/verifications/{typo}"), &token).await, 422, "invalid_format").await;
            assert_eq!(problem["errors"][0]["field"], "declaration_id", "{typo}");
        }
        assert_problem(app.get_as("/v1/verifications/400000000002", &token).await, 404, "not_found").await;
        let bad = app.get_as("/v1/verifications/400000000002?corporate_number=123", &token).await;
        assert_eq!(field_errors(&assert_problem(bad, 422, "validation_failed").await)[0].0, "corporate_number");
    }

    async fn a_withdrawn_declaration_is_not_valid(app) {
        let applicant = app.applicant().await;
        app.post_as(&format!("/v1/declarations/{}/withdrawal", applicant.declaration_id), &applicant.access_token, &json!({"reason": "closing"})).await;
        let (id, secret) = app.api_client().await;
        let token = app.client_token(&id, &secret).await;
        let answer = json_with_status(app.get_as(&format!("/v1/verifications/{}", applicant.declaration_id), &token).await, 200).await;
        assert_eq!((answer["valid"].as_bool(), answer["status"].as_str()), (Some(false), Some("withdrawn")));
    }

    async fn a_batch_answers_every_item_in_order(app) {
        let first = app.applicant().await;
        let second = app.applicant_with(two_star_application()).await;
        let (id, secret) = app.api_client().await;
        let token = app.client_token(&id, &secret).await;
        let number = first.application["organization"]["corporate_number"].clone();
        let body = json!({"items": [
            {"declaration_id": second.declaration_id},
            {"declaration_id": "40773182095"},
            {"declaration_id": first.declaration_id, "corporate_number": number, "organization_name": "ｻﾝﾌﾟﾙ工業"},
            {"declaration_id": "400000000002"},
            {"declaration_id": first.declaration_id, "corporate_number": "123"},
            {"declaration_id": first.declaration_id, "organization_name": "サンプル株式会社"},
        ]});
        let response = app.post_as("/v1/verifications/batch", &token, &body).await;
        for name in ["ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"] {
            assert!(response.headers()[name].to_str().unwrap().parse::<u64>().is_ok(), "{name}");
        }
        let results = json_with_status(response, 200).await["results"].clone();
        let results = results.as_array().unwrap();
        assert_eq!(results.len(), 6);
        let outcomes: Vec<_> = results.iter().map(|r| r["outcome"].as_str().unwrap()).collect();
        assert_eq!(outcomes, ["verified", "failed", "verified", "failed", "failed", "verified"], "a result tells its kind");
        assert_eq!((results[0]["declaration_id"].as_str(), results[0]["star"].as_str()), (Some(second.declaration_id.as_str()), Some("two_star")));
        assert_eq!(results[1]["error"]["code"], "invalid_format");
        assert_eq!(results[1]["declaration_id"], "40773182095");
        assert_eq!(results[2]["corporate_number_matches"], true);
        assert_eq!(results[2]["organization_name_matches"], false, "another name is not a match");
        assert_eq!(results[3]["error"]["code"], "not_found");
        assert_eq!(results[4]["error"]["code"], "invalid_corporate_number");
        assert_eq!(results[5]["organization_name_matches"], true);

        let many: Vec<_> = (0..1001).map(|_| json!({"declaration_id": first.declaration_id})).collect();
        let problem = assert_problem(app.post_as("/v1/verifications/batch", &token, &json!({"items": many})).await, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), [("items".to_owned(), "too_many_items".to_owned())]);
        let thousand: Vec<_> = (0..1000).map(|_| json!({"declaration_id": first.declaration_id})).collect();
        let full = json_with_status(app.post_as("/v1/verifications/batch", &token, &json!({"items": thousand})).await, 200).await;
        assert_eq!(full["results"].as_array().unwrap().len(), 1000);
        assert_problem(app.post_as("/v1/verifications/batch", &token, &json!({"items": []})).await, 422, "validation_failed").await;
        let malformed = app.post_as("/v1/verifications/batch", &token, &json!({"items": [{"declaration_id": 407731820954u64}]})).await;
        assert_eq!(field_errors(&assert_problem(malformed, 422, "validation_failed").await)[0].0, "items[0].declaration_id");
        let unknown_field = app.post_as("/v1/verifications/batch", &token, &json!({"items": [{"declaration_id": "400000000002", "email": "x"}]})).await;
        assert_problem(unknown_field, 422, "validation_failed").await;
    }

    async fn a_batch_s_item_messages_speak_the_language_of_the_single_verification(app) {
        let applicant = app.applicant().await;
        let (id, secret) = app.api_client().await;
        let token = app.client_token(&id, &secret).await;
        let body = json!({"items": [
            {"declaration_id": "40773182095"},
            {"declaration_id": "400000000002"},
            {"declaration_id": applicant.declaration_id, "corporate_number": "123"},
        ]});
        for language in ["ja", "en"] {
            let single = |path: String| app.client.get(app.url(&path)).bearer_auth(&token).header("Accept-Language", language).send();
            let malformed = assert_problem(single("/v1/verifications/40773182095".into()).await.unwrap(), 422, "invalid_format").await;
            let unknown = assert_problem(single("/v1/verifications/400000000002".into()).await.unwrap(), 404, "not_found").await;
            let bad_number = assert_problem(single(format!("/v1/verifications/{}?corporate_number=123", applicant.declaration_id)).await.unwrap(), 422, "validation_failed").await;

            let batch = app.client.post(app.url("/v1/verifications/batch")).bearer_auth(&token).header("Accept-Language", language).json(&body).send().await.unwrap();
            assert_eq!(batch.headers()["content-language"], language);
            let results = json_with_status(batch, 200).await["results"].clone();
            assert_eq!(results[0]["error"]["message"], malformed["errors"][0]["message"], "{language}: {results}");
            assert_eq!(results[1]["error"]["message"], unknown["detail"], "{language}: {results}");
            assert_eq!(results[2]["error"]["message"], bad_number["errors"][0]["message"], "{language}: {results}");
        }
        let japanese = json_with_status(app.post_as("/v1/verifications/batch", &token, &body).await, 200).await;
        assert_eq!(japanese["results"][1]["error"]["message"], "この自己宣言IDは登録されていません", "Japanese by default");
    }

    async fn a_name_over_the_limit_fails_the_batch_whatever_its_item(app) {
        let (id, secret) = app.api_client().await;
        let token = app.client_token(&id, &secret).await;
        let long = "あ".repeat(201);
        let body = json!({"items": [
            {"declaration_id": "400000000002"},
            {"declaration_id": "not an id", "organization_name": long},
        ]});
        let problem = assert_problem(app.post_as("/v1/verifications/batch", &token, &body).await, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), [("items[1].organization_name".to_owned(), "too_long".to_owned())]);
    }

    async fn the_batch_path_is_not_a_declaration_id(app) {
        let (id, secret) = app.api_client().await;
        let token = app.client_token(&id, &secret).await;
        let response = app.get_as("/v1/verifications/batch", &token).await;
        assert_eq!(response.headers()["allow"], "POST");
        assert_problem(response, 405, "method_not_allowed").await;
        let response = app.client.request(reqwest::Method::OPTIONS, app.url("/v1/verifications/batch")).send().await.unwrap();
        assert_eq!(response.headers()["allow"], "POST");
        assert_problem(response, 405, "method_not_allowed").await;
        assert_problem(app.get_as("/v1/verifications/40773182095", &token).await, 422, "invalid_format").await;
    }

    async fn tokens_of_one_kind_never_pass_for_the_other(app) {
        let applicant = app.applicant().await;
        let (id, secret) = app.api_client().await;
        let client = app.client_token(&id, &secret).await;
        let declarer_on_client_route = app.get_as(&format!("/v1/verifications/{}", applicant.declaration_id), &applicant.access_token).await;
        assert_problem(declarer_on_client_route, 401, "invalid_token").await;
        assert_problem(app.get_as("/v1/me", &client).await, 401, "invalid_token").await;
        assert_problem(app.get_as("/v1/admin/declarations", &client).await, 401, "invalid_token").await;
        assert_problem(app.get(&format!("/v1/verifications/{}", applicant.declaration_id)).await, 401, "missing_token").await;
        // A client token without the scope is 403.
        let now = chrono::Utc::now().timestamp();
        let scopeless = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            &json!({"sub": id, "scope": "", "iss": "security-action", "aud": "security-action/client", "iat": now, "exp": now + 600}),
            &jsonwebtoken::EncodingKey::from_secret(b"test-signing-key-that-is-long-enough-0123456789"),
        ).unwrap();
        assert_problem(app.get_as(&format!("/v1/verifications/{}", applicant.declaration_id), &scopeless).await, 403, "insufficient_scope").await;
    }

    async fn a_disabled_clients_tokens_stop_at_once(app) {
        let applicant = app.applicant().await;
        let operator = app.operator_token().await;
        let (id, secret) = app.api_client().await;
        let token = app.client_token(&id, &secret).await;
        let path = format!("/v1/verifications/{}", applicant.declaration_id);
        assert_eq!(app.get_as(&path, &token).await.status(), 200);
        assert_eq!(app.delete_as(&format!("/v1/admin/api-clients/{id}"), &operator).await.status(), 204);
        assert_problem(app.get_as(&path, &token).await, 401, "invalid_token").await;
        let again = app.post_json("/v1/oauth/token", &json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret})).await;
        oauth_error(again, 401, "invalid_client").await;
    }

    async fn a_burst_of_wrong_secrets_locks_the_client(app) {
        let (id, secret) = app.api_client().await;
        let guess = json!({"grant_type": "client_credentials", "client_id": id, "client_secret": "guess"});
        // Ten wrong secrets are answered as such; the tenth locks the client.
        for attempt in 1..=10 {
            let response = app.post_json("/v1/oauth/token", &guess).await;
            assert_eq!(response.status(), 401, "attempt {attempt}");
        }
        let locked = app.post_json("/v1/oauth/token", &guess).await;
        assert_eq!(locked.status(), 429);
        let retry_after: i64 = locked.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=900).contains(&retry_after), "{retry_after}");
        assert_eq!(locked.json::<serde_json::Value>().await.unwrap()["error"], "invalid_client");
        let right = app.post_json("/v1/oauth/token", &json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret})).await;
        assert_eq!(right.status(), 429, "locked even for the right secret, until it expires");
    }
}

/// The per-client limit answers 429 with Retry-After and the rate-limit headers.
#[tokio::test]
async fn a_client_over_its_rate_meets_429() {
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.client_rate_burst = 3;
        c.client_rate_per_minute = 3;
    })
    .await
    else {
        return;
    };
    let applicant = app.applicant().await;
    let (id, secret) = app.api_client().await;
    let token = app.client_token(&id, &secret).await;
    let path = format!("/v1/verifications/{}", applicant.declaration_id);
    let remaining: Vec<String> = {
        let mut seen = Vec::new();
        for _ in 0..3 {
            let response = app.get_as(&path, &token).await;
            assert_eq!(response.status(), 200);
            assert_eq!(response.headers()["ratelimit-limit"], "3");
            seen.push(
                response.headers()["ratelimit-remaining"]
                    .to_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        seen
    };
    assert_eq!(remaining, ["2", "1", "0"]);
    let limited = app.get_as(&path, &token).await;
    assert!(
        limited.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    assert_eq!(limited.headers()["ratelimit-remaining"], "0");
    assert_problem(limited, 429, "rate_limited").await;
}

/// A client asking for many unknown IDs is slowed down.
#[tokio::test]
async fn probing_random_ids_meets_429() {
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, |c| c.unknown_ids_per_minute = 3).await
    else {
        return;
    };
    let (id, secret) = app.api_client().await;
    let token = app.client_token(&id, &secret).await;
    let mut rng = rand::rng();
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let probe = security_action::domain::identifiers::DeclarationId::generate(&mut rng);
        statuses.push(
            app.get_as(&format!("/v1/verifications/{probe}"), &token)
                .await
                .status()
                .as_u16(),
        );
    }
    assert_eq!(statuses, [404, 404, 404, 429, 429]);
}
