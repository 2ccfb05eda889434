//! Logging in, sessions, passwords, and what bad tokens get.

use chrono::Utc;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use crate::both_backends;
use crate::helpers::*;

const SECRET: &str = "test-signing-key-that-is-long-enough-0123456789";

fn sign(claims: &serde_json::Value, algorithm: Algorithm, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(algorithm),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn claims(user_number: &str) -> serde_json::Value {
    let now = Utc::now().timestamp();
    json!({"sub": user_number, "role": "declarer", "sid": "x", "iss": "security-action", "aud": "security-action/user", "iat": now, "exp": now + 600})
}

fn b64(value: &serde_json::Value) -> String {
    data_encoding::BASE64URL_NOPAD.encode(value.to_string().as_bytes())
}

both_backends! {
    async fn logging_in_gives_a_15_minute_token_and_a_refresh_token(app) {
        let applicant = app.applicant().await;
        let tokens = app.login(&applicant.user_number, PASSWORD).await;
        assert_eq!(tokens["token_type"], "Bearer");
        assert_eq!(tokens["expires_in"], 900);
        assert_eq!(tokens["refresh_token"].as_str().unwrap().len(), 43);
        let me = json_with_status(app.get_as("/v1/me", tokens["access_token"].as_str().unwrap()).await, 200).await;
        assert_eq!(me["user_number"], applicant.user_number.as_str());
        assert_eq!(me["declaration"]["declaration_id"], applicant.declaration_id.as_str());
        let stored = app.count("refresh_tokens").await;
        assert_eq!(stored, 2, "one per login, stored as digests");
    }

    async fn a_wrong_password_and_an_unknown_user_number_get_the_same_answer(app) {
        let applicant = app.applicant().await;
        let wrong = app.post_json("/v1/auth/login", &json!({"user_number": applicant.user_number, "password": "not the right password"})).await;
        let wrong = assert_problem(wrong, 401, "invalid_credentials").await;
        let unknown = app.post_json("/v1/auth/login", &json!({"user_number": "318204957362", "password": "not the right password"})).await;
        let unknown = assert_problem(unknown, 401, "invalid_credentials").await;
        assert_eq!(wrong["detail"], unknown["detail"]);
        let malformed = app.post_json("/v1/auth/login", &json!({"user_number": "abc", "password": "x"})).await;
        assert_problem(malformed, 401, "invalid_credentials").await;
    }

    async fn repeated_failed_logins_for_one_user_number_meet_429(app) {
        let applicant = app.applicant().await;
        let wrong = json!({"user_number": applicant.user_number, "password": "guess guess guess"});
        let attempt = || app.post_json("/v1/auth/login", &wrong);
        for _ in 0..4 {
            assert_eq!(attempt().await.status(), 401);
        }
        let blocked = attempt().await;
        let retry_after: i64 = blocked.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=900).contains(&retry_after), "{retry_after}");
        assert_problem(blocked, 429, "too_many_attempts").await;
        // Even the right password waits now.
        let right = app.post_json("/v1/auth/login", &json!({"user_number": applicant.user_number, "password": PASSWORD})).await;
        assert_problem(right, 429, "too_many_attempts").await;
    }

    async fn a_refresh_rotates_and_a_reused_refresh_token_revokes_the_session(app) {
        let applicant = app.applicant().await;
        let first = applicant.refresh_token.clone();
        let renewed = json_with_status(app.post_json("/v1/auth/refresh", &json!({"refresh_token": first})).await, 200).await;
        let second = renewed["refresh_token"].as_str().unwrap().to_owned();
        assert_ne!(second, first);
        assert!(app.get_as("/v1/me", renewed["access_token"].as_str().unwrap()).await.status().is_success());
        // The rotated token is presented again: theft is assumed and the session ends.
        assert_problem(app.post_json("/v1/auth/refresh", &json!({"refresh_token": first})).await, 401, "invalid_refresh_token").await;
        assert_problem(app.post_json("/v1/auth/refresh", &json!({"refresh_token": second})).await, 401, "invalid_refresh_token").await;
        assert_problem(app.post_json("/v1/auth/refresh", &json!({"refresh_token": "made-up"})).await, 401, "invalid_refresh_token").await;
        // Every access token of the session dies with it, the first and the renewed one.
        for access in [applicant.access_token.as_str(), renewed["access_token"].as_str().unwrap()] {
            assert_problem(app.get_as("/v1/me", access).await, 401, "session_ended").await;
        }
        let audit = app.audit_of("account", &applicant.user_number).await;
        assert!(audit.iter().any(|(action, _, _)| action == "auth.refresh_token_reused"));
    }

    async fn logging_out_ends_the_session(app) {
        let applicant = app.applicant().await;
        let other = app.login(&applicant.user_number, PASSWORD).await;
        assert_eq!(app.get_as("/v1/me", &applicant.access_token).await.status(), 200);
        let response = app.send(reqwest::Method::POST, "/v1/auth/logout", Some(&applicant.access_token), None).await;
        assert_eq!(response.status(), 204);
        // Every credential the session held: its refresh token, and its access token at once.
        assert_problem(app.post_json("/v1/auth/refresh", &json!({"refresh_token": applicant.refresh_token})).await, 401, "invalid_refresh_token").await;
        assert_problem(app.get_as("/v1/me", &applicant.access_token).await, 401, "session_ended").await;
        let path = format!("/v1/declarations/{}", applicant.declaration_id);
        assert_problem(app.get_as(&path, &applicant.access_token).await, 401, "session_ended").await;
        // Another session of the same account goes on.
        assert_eq!(app.get_as("/v1/me", other["access_token"].as_str().unwrap()).await.status(), 200);
    }

    async fn changing_the_password_ends_the_other_sessions(app) {
        let applicant = app.applicant().await;
        let other = app.login(&applicant.user_number, PASSWORD).await;
        let wrong = app.post_as("/v1/auth/password", &applicant.access_token, &json!({"current_password": "wrong wrong wrong", "new_password": "another long passphrase"})).await;
        assert_problem(wrong, 401, "invalid_credentials").await;
        let weak = app.post_as("/v1/auth/password", &applicant.access_token, &json!({"current_password": PASSWORD, "new_password": format!("pw{}x", applicant.user_number)})).await;
        let problem = assert_problem(weak, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), [("new_password".to_owned(), "contains_user_number".to_owned())]);
        let changed = app.post_as("/v1/auth/password", &applicant.access_token, &json!({"current_password": PASSWORD, "new_password": "another long passphrase"})).await;
        assert_eq!(changed.status(), 204);
        assert_problem(app.post_json("/v1/auth/refresh", &json!({"refresh_token": other["refresh_token"]})).await, 401, "invalid_refresh_token").await;
        assert_problem(app.get_as("/v1/me", other["access_token"].as_str().unwrap()).await, 401, "session_ended").await;
        assert_eq!(app.get_as("/v1/me", &applicant.access_token).await.status(), 200, "the caller's own access goes on");
        assert_eq!(app.post_json("/v1/auth/refresh", &json!({"refresh_token": applicant.refresh_token})).await.status(), 200, "the caller's own session goes on");
        let old = app.post_json("/v1/auth/login", &json!({"user_number": applicant.user_number, "password": PASSWORD})).await;
        assert_eq!(old.status(), 401);
        app.login(&applicant.user_number, "another long passphrase").await;
    }

    async fn wrong_current_passwords_count_against_the_login_lock(app) {
        let applicant = app.applicant().await;
        let change = |current: &str| {
            let body = json!({"current_password": current, "new_password": "another long passphrase"});
            let (app, token) = (&app, applicant.access_token.clone());
            async move { app.post_as("/v1/auth/password", &token, &body).await }
        };
        for _ in 0..4 {
            assert_problem(change("wrong wrong wrong").await, 401, "invalid_credentials").await;
        }
        // The fifth failure locks the user number, here as at login.
        let blocked = change("wrong wrong wrong").await;
        let retry_after: i64 = blocked.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=900).contains(&retry_after), "{retry_after}");
        assert_problem(blocked, 429, "too_many_attempts").await;
        let login = app.post_json("/v1/auth/login", &json!({"user_number": applicant.user_number, "password": PASSWORD})).await;
        assert_problem(login, 429, "too_many_attempts").await;
        // While locked, even the right current password changes nothing.
        assert_problem(change(PASSWORD).await, 429, "too_many_attempts").await;
        let audit = app.audit_of("account", &applicant.user_number).await;
        assert!(!audit.iter().any(|(action, _, _)| action == "auth.password_changed"), "{audit:?}");
    }

    async fn failed_logins_lock_the_password_change_too(app) {
        let applicant = app.applicant().await;
        let wrong = json!({"user_number": applicant.user_number, "password": "guess guess guess"});
        for _ in 0..5 {
            app.post_json("/v1/auth/login", &wrong).await;
        }
        let change = app.post_as("/v1/auth/password", &applicant.access_token, &json!({"current_password": PASSWORD, "new_password": "another long passphrase"})).await;
        assert_problem(change, 429, "too_many_attempts").await;
        let audit = app.audit_of("account", &applicant.user_number).await;
        assert!(!audit.iter().any(|(action, _, _)| action == "auth.password_changed"), "{audit:?}");
    }

    async fn a_password_reset_by_e_mail_works_once(app) {
        let applicant = app.applicant().await;
        let response = app.post_json("/v1/auth/password-reset-requests", &json!({"user_number": applicant.user_number})).await;
        assert_eq!(response.status(), 202);
        let emails = app.emails_to(&applicant.email).await;
        let (kind, subject, body) = emails.last().unwrap().clone();
        assert_eq!(kind, "password_reset");
        assert_eq!(subject, "【SECURITY ACTION】パスワード再設定のご案内");
        let token = body.split("#token=").nth(1).unwrap().split_whitespace().next().unwrap().to_owned();
        let reset = app.post_json("/v1/auth/password-resets", &json!({"token": token, "new_password": "a brand new passphrase"})).await;
        assert_eq!(reset.status(), 204);
        let fresh = app.login(&applicant.user_number, "a brand new passphrase").await;
        assert_problem(app.post_json("/v1/auth/refresh", &json!({"refresh_token": applicant.refresh_token})).await, 401, "invalid_refresh_token").await;
        assert_problem(app.get_as("/v1/me", &applicant.access_token).await, 401, "session_ended").await;
        assert_eq!(app.get_as("/v1/me", fresh["access_token"].as_str().unwrap()).await.status(), 200);
        let again = app.post_json("/v1/auth/password-resets", &json!({"token": token, "new_password": "yet another passphrase"})).await;
        assert_problem(again, 410, "invalid_reset_token").await;
        let made_up = app.post_json("/v1/auth/password-resets", &json!({"token": "made-up", "new_password": "yet another passphrase"})).await;
        assert_problem(made_up, 410, "invalid_reset_token").await;
    }

    async fn a_new_password_breaking_a_rule_is_422_before_the_token_is_looked_at(app) {
        for (password, code) in [("short", "too_short"), ("xxxxxxxxxxxxxxxx", "repeated_character")] {
            let response = app.post_json("/v1/auth/password-resets", &json!({"token": "made-up", "new_password": password})).await;
            assert_eq!(field_errors(&assert_problem(response, 422, "validation_failed").await), [("new_password".to_owned(), code.to_owned())]);
        }
    }

    async fn identifiers_with_a_nul_character_are_simply_unknown(app) {
        // PostgreSQL text cannot hold U+0000; such an identifier matches nothing on either backend.
        let login = app.post_json("/v1/auth/login", &json!({"user_number": "3182\u{0}0495736", "password": "whatever it is here"})).await;
        assert_problem(login, 401, "invalid_credentials").await;
        let reset = app.post_json("/v1/auth/password-reset-requests", &json!({"user_number": "\u{0}"})).await;
        assert_eq!(reset.status(), 202);
        let reminder = app.post_json("/v1/auth/user-number-reminders", &json!({"email": "a\u{0}@example.jp"})).await;
        assert_eq!(reminder.status(), 202);
        let token = app.post_raw("/v1/oauth/token", "application/x-www-form-urlencoded", b"grant_type=client_credentials&client_id=sa_%00&client_secret=x".to_vec()).await;
        assert_eq!(token.status(), 401);
        let token = app.post_json("/v1/oauth/token", &json!({"grant_type": "client_credentials", "client_id": "sa_\u{0}", "client_secret": "x"})).await;
        assert_eq!(token.status(), 401);
    }

    async fn reset_and_reminder_requests_never_tell_whether_an_account_exists(app) {
        let before = app.count("outbox_messages").await;
        let unknown = app.post_json("/v1/auth/password-reset-requests", &json!({"user_number": "318204957362"})).await;
        assert_eq!(unknown.status(), 202);
        assert_eq!(unknown.text().await.unwrap(), "");
        let unknown = app.post_json("/v1/auth/user-number-reminders", &json!({"email": "nobody@example.jp"})).await;
        assert_eq!(unknown.status(), 202);
        assert_eq!(app.count("outbox_messages").await, before);

        let applicant = app.applicant().await;
        let known = app.post_json("/v1/auth/user-number-reminders", &json!({"email": applicant.email})).await;
        assert_eq!(known.status(), 202);
        let emails = app.emails_to(&applicant.email).await;
        let (kind, _, body) = emails.last().unwrap();
        assert_eq!(kind, "user_number_reminder");
        assert!(body.contains(&applicant.user_number));
        assert!(!body.contains(PASSWORD));
        // A second request soon after sends nothing more.
        app.post_json("/v1/auth/user-number-reminders", &json!({"email": applicant.email})).await;
        assert_eq!(app.emails_to(&applicant.email).await.len(), emails.len());
    }

    async fn missing_or_bad_tokens_are_401_with_www_authenticate(app) {
        let applicant = app.applicant().await;
        let response = app.get("/v1/me").await;
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
        assert_problem(response, 401, "missing_token").await;

        let mut bad: Vec<(&str, String)> = vec![
            ("alg none", format!("{}.{}.", b64(&json!({"alg": "none", "typ": "JWT"})), b64(&claims(&applicant.user_number)))),
            ("another algorithm", sign(&claims(&applicant.user_number), Algorithm::HS512, SECRET)),
            ("a wrong key", sign(&claims(&applicant.user_number), Algorithm::HS256, "another-key-that-is-long-enough-0123456789")),
            ("garbage", "not.a.token".to_owned()),
            ("a refresh token", applicant.refresh_token.clone()),
        ];
        for (field, _) in [("aud", ()), ("iss", ()), ("exp", ()), ("sub", ()), ("iat", ())] {
            let mut c = claims(&applicant.user_number);
            c.as_object_mut().unwrap().remove(field);
            bad.push((field, sign(&c, Algorithm::HS256, SECRET)));
        }
        let mut c = claims(&applicant.user_number);
        c["exp"] = json!((Utc::now().timestamp() + 600).to_string());
        bad.push(("exp as a string", sign(&c, Algorithm::HS256, SECRET)));
        let mut c = claims(&applicant.user_number);
        c["aud"] = json!("security-action/client");
        bad.push(("a client audience", sign(&c, Algorithm::HS256, SECRET)));
        let mut c = claims(&applicant.user_number);
        c["iss"] = json!("someone-else");
        bad.push(("another issuer", sign(&c, Algorithm::HS256, SECRET)));
        // A lifetime longer than the 15 minutes the service gives its tokens.
        let mut c = claims(&applicant.user_number);
        c["exp"] = json!(c["iat"].as_i64().unwrap() + 15 * 60 + 1);
        bad.push(("a lifetime of 15 minutes and a second", sign(&c, Algorithm::HS256, SECRET)));
        let mut tampered = applicant.access_token.clone();
        let payload_start = tampered.find('.').unwrap() + 1;
        tampered.replace_range(payload_start..payload_start + 2, "ey");
        let mut c = claims("318204957362");
        c["role"] = json!("secretariat");
        tampered = format!("{}.{}.{}", tampered.split('.').next().unwrap(), b64(&c), applicant.access_token.split('.').nth(2).unwrap());
        bad.push(("a changed payload", tampered));
        for (what, token) in bad {
            let response = app.get_as("/v1/me", &token).await;
            assert_eq!(response.status(), 401, "{what}");
            assert_eq!(response.headers()["www-authenticate"], "Bearer", "{what}");
            let body = response.json::<serde_json::Value>().await.unwrap();
            assert_eq!(body["code"], "invalid_token", "{what}");
        }
        let mut c = claims(&applicant.user_number);
        c["iat"] = json!(Utc::now().timestamp() - 2000);
        c["exp"] = json!(Utc::now().timestamp() - 1000);
        let expired = app.get_as("/v1/me", &sign(&c, Algorithm::HS256, SECRET)).await;
        assert_problem(expired, 401, "expired_token").await;
        // The genuine token still works, and so does a signed one of exactly 15 minutes.
        assert_eq!(app.get_as("/v1/me", &applicant.access_token).await.status(), 200);
        let mut c = claims(&applicant.user_number);
        c["exp"] = json!(c["iat"].as_i64().unwrap() + 15 * 60);
        assert_eq!(app.get_as("/v1/me", &sign(&c, Algorithm::HS256, SECRET)).await.status(), 200);
    }
}

/// Two instances on one database: a logout on one ends the session's access on the other
/// within a second (each believes a live session for half a second at most).
#[tokio::test]
async fn a_logout_on_one_instance_ends_access_on_another_within_a_second() {
    let Some(first) = TestApp::spawn(Backend::Postgres).await else {
        return;
    };
    let database = first.state.config.database.clone();
    let dir = tempfile::tempdir().unwrap();
    let config = test_config(database, dir.path());
    let second = security_action::startup::Application::build(config)
        .await
        .unwrap();
    let second_url = format!("http://{}", second.address());
    tokio::spawn(second.run_until_stopped());
    let applicant = first.applicant().await;
    let me = |base: &str| {
        first
            .client
            .get(format!("{base}/v1/me"))
            .bearer_auth(&applicant.access_token)
            .send()
    };
    // The second instance has seen the session live (and remembers it so).
    assert_eq!(me(&second_url).await.unwrap().status(), 200);
    let out = first
        .send(
            reqwest::Method::POST,
            "/v1/auth/logout",
            Some(&applicant.access_token),
            None,
        )
        .await;
    assert_eq!(out.status(), 204);
    assert_problem(me(&first.address).await.unwrap(), 401, "session_ended").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
    loop {
        let status = me(&second_url).await.unwrap().status();
        if status == 401 {
            break;
        }
        assert_eq!(status, 200);
        assert!(
            std::time::Instant::now() < deadline,
            "still accepted a second after the logout"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// When the hashing pool's queue is full, logins are refused at once with 503 and
/// `Retry-After`, and the rest of the service keeps answering.
#[tokio::test]
async fn a_login_flood_meets_503_instead_of_an_unbounded_queue() {
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.argon2 = security_action::config::Argon2Settings {
            memory_kib: 16 * 1024,
            iterations: 4,
            parallelism: 1,
        };
        c.hashing_threads = 1;
        c.hashing_queue = 1;
    })
    .await
    else {
        return;
    };
    let requests = (0..12).map(|i| {
        let client = app.client.clone();
        let url = app.url("/v1/auth/login");
        async move {
            let response = client
                .post(url)
                .header("X-Forwarded-For", format!("198.51.100.{i}"))
                .json(&json!({"user_number": "318204957362", "password": "some password"}))
                .send()
                .await
                .unwrap();
            let retry_after = response
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_owned());
            (response.status().as_u16(), retry_after)
        }
    });
    let (results, health) = tokio::join!(
        futures_util::future::join_all(requests),
        app.get("/healthz")
    );
    assert_eq!(health.status(), 200);
    let busy: Vec<_> = results
        .iter()
        .filter(|(status, _)| *status == 503)
        .collect();
    assert!(!busy.is_empty(), "{results:?}");
    assert!(
        busy.iter().all(|(_, retry)| retry.as_deref() == Some("1")),
        "{results:?}"
    );
    assert!(
        results
            .iter()
            .all(|(status, _)| matches!(status, 401 | 429 | 503)),
        "{results:?}"
    );
}

/// The login lock is a sliding window: failures count for fifteen minutes from each failure,
/// wherever a window would have started. Earlier failures are written straight into the
/// counter, at the times a test cannot wait for.
async fn earlier_failures(app: &TestApp, user_number: &str, seconds_ago: &[i64]) {
    let key = format!("login:user:{user_number}");
    let now = security_action::db::now();
    let failures = seconds_ago
        .iter()
        .map(|s| now - chrono::Duration::seconds(*s))
        .collect();
    app.state
        .db
        .write(move |conn| {
            Ok::<_, security_action::db::DbError>(security_action::db::throttles::put(
                conn,
                &key,
                &security_action::db::throttles::Throttle {
                    failures,
                    blocked_until: None,
                },
            )?)
        })
        .await
        .unwrap();
}

both_backends! {
    async fn four_failures_late_in_a_window_and_one_now_lock_the_login(app) {
        let applicant = app.applicant().await;
        // One failure 15 min 50 s ago, then four between 14 min 58 s and 14 min 50 s ago: a
        // window opened by the first would have closed; the last four are within 15 minutes.
        earlier_failures(&app, &applicant.user_number, &[950, 898, 895, 892, 890]).await;
        let wrong = json!({"user_number": applicant.user_number, "password": "guess guess guess"});
        let blocked = app.post_json("/v1/auth/login", &wrong).await;
        assert_problem(blocked, 429, "too_many_attempts").await;
        let right = app.post_json("/v1/auth/login", &json!({"user_number": applicant.user_number, "password": PASSWORD})).await;
        assert_problem(right, 429, "too_many_attempts").await;
    }

    async fn failures_older_than_fifteen_minutes_no_longer_count(app) {
        let applicant = app.applicant().await;
        // Four failures just over 15 minutes ago: gone; four more are allowed, the fifth is not.
        earlier_failures(&app, &applicant.user_number, &[905, 903, 902, 901]).await;
        let wrong = json!({"user_number": applicant.user_number, "password": "guess guess guess"});
        for attempt in 1..=4 {
            let response = app.post_json("/v1/auth/login", &wrong).await;
            assert_eq!(response.status(), 401, "attempt {attempt}");
        }
        assert_problem(app.post_json("/v1/auth/login", &wrong).await, 429, "too_many_attempts").await;
    }
}
