//! The verification answers kept in memory: the same as the database's, at once after a change
//! made here, within a second after a change made by another instance or the command line,
//! and never answered from a copy that may be older than that.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;

async fn verify_token(app: &TestApp) -> String {
    let (id, secret) = app.api_client_with(&["declarations:verify"]).await;
    app.client_token(&id, &secret).await
}

/// Waits until the instance's cache answers (warm and current).
async fn until_current(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !app.state.lookups.cache.answering() {
        assert!(
            Instant::now() < deadline,
            "the verification cache did not warm"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Verifies `id` at `base` until `valid` is `want`; the time it took.
async fn until_valid_is(
    app: &TestApp,
    base: &str,
    token: &str,
    id: &str,
    want: bool,
    within: Duration,
) -> Duration {
    let started = Instant::now();
    loop {
        let answer = app
            .client
            .get(format!("{base}/v1/verifications/{id}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let body: Value = answer.json().await.unwrap();
        if body["valid"] == want {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < within,
            "still valid={} after {within:?}: {body}",
            !want
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

both_backends! {
    async fn a_change_made_here_is_answered_at_once(app) {
        let token = verify_token(&app).await;
        let operator = app.operator_token().await;
        let declarer = app.applicant().await;
        until_current(&app).await;
        // Answered from memory now.
        let first = json_with_status(app.get_as(&format!("/v1/verifications/{}", declarer.declaration_id), &token).await, 200).await;
        assert_eq!(first["valid"], true);
        assert!(app.state.lookups.cache.answering());
        let path = format!("/v1/admin/declarations/{}/revocation", declarer.declaration_id);
        assert_eq!(app.post_as(&path, &operator, &json!({"reason": "misleading_claims"})).await.status(), 200);
        // The very next call, single and batch, knows it.
        let single = json_with_status(app.get_as(&format!("/v1/verifications/{}", declarer.declaration_id), &token).await, 200).await;
        assert_eq!((single["valid"].as_bool(), single["status"].as_str()), (Some(false), Some("revoked")));
        let batch = json_with_status(app.post_as("/v1/verifications/batch", &token,
            &json!({"items": [{"declaration_id": declarer.declaration_id}]})).await, 200).await;
        assert_eq!(batch["results"][0]["valid"], false, "{batch}");
        // A new declaration is known at once too.
        let newcomer = app.applicant().await;
        let found = json_with_status(app.get_as(&format!("/v1/verifications/{}", newcomer.declaration_id), &token).await, 200).await;
        assert_eq!(found["valid"], true);
    }

    async fn a_change_on_the_command_line_is_answered_within_a_second(app) {
        let token = verify_token(&app).await;
        let declarer = app.applicant().await;
        until_current(&app).await;
        until_valid_is(&app, &app.address, &token, &declarer.declaration_id, true, Duration::from_secs(1)).await;
        let database_url = match &app.state.config.database {
            security_action::config::DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
            security_action::config::DatabaseUrl::Postgres(url) => url.clone(),
        };
        let id = declarer.declaration_id.clone();
        let dir = app._dir.path().to_owned();
        let output = tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_security-action"))
                .current_dir(&dir)
                .env_clear()
                .env("DATABASE_URL", &database_url)
                .args(["admin", "revoke", &id, "--reason", "misleading_claims"])
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let took = until_valid_is(&app, &app.address, &token, &declarer.declaration_id, false, Duration::from_secs(1)).await;
        assert!(took < Duration::from_secs(1), "{took:?}");
        assert!(app.state.lookups.cache.answering(), "answered from memory, current");
    }

    async fn the_cache_answers_exactly_what_the_database_answers(app) {
        use security_action::db::{DbError, verifications};
        let token = verify_token(&app).await;
        let operator = app.operator_token().await;
        let mut ids = Vec::new();
        for i in 0..12 {
            let declarer = if i % 3 == 0 { app.applicant_with(two_star_application()).await } else { app.applicant().await };
            ids.push(declarer);
        }
        until_current(&app).await;
        // Random changes of every kind a verifier sees.
        let mut rng = rand::rng();
        use rand::RngExt;
        for _ in 0..30 {
            let d = &ids[rng.random_range(0..ids.len())];
            let id = &d.declaration_id;
            let (path, body, token) = match rng.random_range(0..5) {
                0 => (format!("/v1/admin/declarations/{id}/acceptance"), json!({}), operator.as_str()),
                1 => (format!("/v1/admin/declarations/{id}/revocation"), json!({"reason": "other", "note": "確認"}), operator.as_str()),
                2 => (format!("/v1/admin/declarations/{id}/reinstatement"), json!({}), operator.as_str()),
                3 => (format!("/v1/declarations/{id}/withdrawal"), json!({"reason": "廃業"}), d.access_token.as_str()),
                _ => {
                    let name = format!("株式会社変更{}", rng.random_range(0..1000));
                    let answer = app.client.patch(app.url("/v1/me/organization")).bearer_auth(&d.access_token)
                        .json(&json!({"name": name})).send().await.unwrap();
                    assert!(answer.status().as_u16() < 500);
                    continue;
                }
            };
            let answer = app.post_as(&path, token, &body).await;
            assert!(answer.status().as_u16() < 500, "{path}");
        }
        // Once it has caught up, every answer from memory is the database's.
        until_current(&app).await;
        let deadline = Instant::now() + Duration::from_secs(2);
        let cache = &app.state.lookups.cache;
        loop {
            let head = app.state.changes.head();
            if cache.state().2 >= head && cache.answering() { break; }
            assert!(Instant::now() < deadline);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        for d in &ids {
            let id = d.declaration_id.clone();
            let from_db = app.state.db.read(move |conn| Ok::<_, DbError>(verifications::lookup(conn, &id)?)).await.unwrap();
            let from_cache = match cache.get(&d.declaration_id) {
                security_action::verification::cache::Cached::Known(found) => found,
                security_action::verification::cache::Cached::Unsure => panic!("the cache should answer"),
            };
            assert_eq!(from_cache, from_db, "{}", d.declaration_id);
            let answer = json_with_status(app.get_as(&format!("/v1/verifications/{}", d.declaration_id), &token).await, 200).await;
            assert_eq!(answer["status"].as_str(), from_db.as_ref().map(|l| l.status.as_str()));
        }
        assert_eq!(cache.get("400000000002"), security_action::verification::cache::Cached::Known(None));
    }
}

/// Two instances on one PostgreSQL database: a revocation on one is answered by the other
/// within a second, from its memory.
#[tokio::test]
async fn a_revocation_on_one_instance_is_answered_by_another_within_a_second() {
    let Some(first) = TestApp::spawn(Backend::Postgres).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let config = test_config(first.state.config.database.clone(), dir.path());
    let second = security_action::startup::Application::build(config)
        .await
        .unwrap();
    let second_url = format!("http://{}", second.address());
    let second_state = second.state().clone();
    tokio::spawn(second.run_until_stopped());
    let token = verify_token(&first).await;
    let operator = first.operator_token().await;
    let declarer = first.applicant().await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while !second_state.lookups.cache.answering() {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    until_valid_is(
        &first,
        &second_url,
        &token,
        &declarer.declaration_id,
        true,
        Duration::from_secs(1),
    )
    .await;
    let path = format!(
        "/v1/admin/declarations/{}/revocation",
        declarer.declaration_id
    );
    assert_eq!(
        first
            .post_as(&path, &operator, &json!({"reason": "misleading_claims"}))
            .await
            .status(),
        200
    );
    let took = until_valid_is(
        &first,
        &second_url,
        &token,
        &declarer.declaration_id,
        false,
        Duration::from_secs(1),
    )
    .await;
    assert!(took < Duration::from_secs(1), "{took:?}");
    assert!(
        second_state.lookups.cache.answering(),
        "the second answered from memory"
    );
}

/// A cache that cannot read the log stops answering after a second: it never answers from a
/// copy that may be older.
#[tokio::test]
async fn a_cache_that_cannot_follow_stops_answering_after_a_second() {
    use security_action::verification::cache::{Cached, STALE_AFTER, VerificationCache};
    let dir = tempfile::tempdir().unwrap();
    let url = security_action::config::DatabaseUrl::Sqlite(dir.path().join("t.db"));
    let db = security_action::db::Db::connect(&url, 2).unwrap();
    db.run_migrations().unwrap();
    let changes = security_action::declarations::watch::ChangeWatch::default();
    let cache = VerificationCache::new(changes.clone());
    assert_eq!(cache.get("400000000002"), Cached::Unsure, "not warm yet");
    assert_eq!(cache.describe(), "warming");
    cache.warm(&db).await.unwrap();
    assert_eq!(cache.get("400000000002"), Cached::Known(None));
    assert_eq!(cache.describe(), "current");
    // A change committed here, not yet followed: the database answers.
    changes.poke();
    assert_eq!(cache.get("400000000002"), Cached::Unsure);
    cache.follow_once(&db).await.unwrap();
    assert_eq!(cache.get("400000000002"), Cached::Known(None));
    // No successful look at the log for longer than the bound (nothing follows here).
    tokio::time::sleep(STALE_AFTER - Duration::from_millis(200)).await;
    assert!(cache.answering(), "still within the bound");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(cache.get("400000000002"), Cached::Unsure);
    assert_eq!(cache.describe(), "behind");
    cache.follow_once(&db).await.unwrap();
    assert!(cache.answering());
}
