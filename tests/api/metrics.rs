//! Prometheus metrics on their own listener.

use crate::both_backends;
use crate::helpers::*;

/// The value of the one sample whose name and labels start with `series` (`name{a="b"`).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find(|line| line.starts_with(series))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

async fn scrape(app: &TestApp) -> String {
    let response = app.client.get(&app.metrics_url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    response.text().await.unwrap()
}

both_backends! {
    async fn requests_are_counted_by_route_pattern_and_status(app) {
        let applicant = app.applicant().await;
        let (id, secret) = app.api_client().await;
        let token = app.client_token(&id, &secret).await;
        for _ in 0..3 {
            let path = format!("/v1/verifications/{}", applicant.declaration_id);
            assert_eq!(app.get_as(&path, &token).await.status(), 200);
        }
        assert_eq!(app.get_as("/v1/verifications/400000000002", &token).await.status(), 404);
        for i in 0..5 {
            assert_eq!(app.get(&format!("/no/such/page/{i}")).await.status(), 404);
        }
        let text = scrape(&app).await;
        let route = "/v1/verifications/{declaration_id}";
        assert_eq!(
            sample(&text, &format!(r#"security_action_http_requests_total{{method="GET",route="{route}",status="200"}}"#)),
            Some(3.0),
            "{text}"
        );
        assert_eq!(
            sample(&text, &format!(r#"security_action_http_requests_total{{method="GET",route="{route}",status="404"}}"#)),
            Some(1.0)
        );
        // Paths that match no route share one label, so scans cannot add series.
        assert_eq!(
            sample(&text, r#"security_action_http_requests_total{method="GET",route="unmatched",status="404"}"#),
            Some(5.0)
        );
        // Four IDs looked up (the unknown one too), each from memory or from the database.
        let looked_up = ["memory", "database"].map(|source| {
            sample(&text, &format!(r#"security_action_verification_lookups_total{{source="{source}"}}"#))
                .unwrap_or_else(|| panic!("no {source} lookups in {text}"))
        });
        assert_eq!(looked_up.iter().sum::<f64>(), 4.0, "{looked_up:?}");
        assert!(text.contains("# TYPE security_action_verification_lookups_total counter"));
        assert!(!text.contains("/no/such/page"));
        assert!(!text.contains(&applicant.declaration_id), "no raw IDs in labels");
        assert_eq!(
            sample(&text, &format!(r#"security_action_http_request_duration_seconds_count{{method="GET",route="{route}"}}"#)),
            Some(4.0)
        );
        assert_eq!(
            sample(&text, r#"security_action_http_requests_total{method="POST",route="/v1/declarations",status="201"}"#),
            Some(1.0)
        );
    }

}

/// With the mail server down, each application's e-mail stays pending and shows in the backlog.
#[tokio::test]
async fn gauges_show_the_pool_the_outbox_and_the_hashing_queue() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = TestApp::spawn_with(backend, |c| {
            c.smtp_url = Some(security_action::config::Secret::new(
                "smtp://127.0.0.1:1".to_owned(),
            ));
        })
        .await
        else {
            continue;
        };
        app.applicant().await;
        app.applicant().await;
        let text = scrape(&app).await;
        assert_eq!(
            sample(
                &text,
                r#"security_action_db_pool_connections{state="size"}"#
            ),
            Some(4.0),
            "{text}"
        );
        let open = sample(
            &text,
            r#"security_action_db_pool_connections{state="open"}"#,
        )
        .unwrap();
        let idle = sample(
            &text,
            r#"security_action_db_pool_connections{state="idle"}"#,
        )
        .unwrap();
        assert!(open >= 1.0 && idle <= open, "{open} {idle}");
        assert_eq!(
            sample(
                &text,
                r#"security_action_outbox_messages{status="pending"}"#
            ),
            Some(2.0),
            "{text}"
        );
        assert_eq!(
            sample(&text, r#"security_action_outbox_messages{status="failed"}"#),
            Some(0.0)
        );
        assert_eq!(
            sample(&text, r#"security_action_password_hashing{what="waiting"}"#),
            Some(0.0)
        );
        assert_eq!(
            sample(&text, r#"security_action_password_hashing{what="threads"}"#),
            Some(2.0)
        );
        assert_eq!(
            sample(
                &text,
                r#"security_action_password_hashing{what="queue_capacity"}"#
            ),
            Some(64.0)
        );
        assert!(sample(&text, "security_action_verification_records_unwritten").is_some());
        // A counter (since the start), so that rate() and increase() apply to it.
        assert_eq!(
            sample(
                &text,
                "security_action_verification_record_write_failures_total"
            ),
            Some(0.0)
        );
        assert!(
            text.contains(
                "# TYPE security_action_verification_record_write_failures_total counter"
            )
        );
        // The scrape itself is not an API request.
        assert_eq!(
            sample(&text, "security_action_http_requests_in_flight"),
            Some(0.0)
        );
    }
}

/// The API itself never serves the metrics.
#[tokio::test]
async fn the_api_listener_does_not_serve_metrics() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    assert_problem(app.get("/metrics").await, 404, "route_not_found").await;
}

both_backends! {
    async fn an_unknown_user_number_costs_a_password_verification_like_a_wrong_password(app) {
        let applicant = app.applicant().await;
        let verified = |text: &str| sample(text, "security_action_password_verifications_total").unwrap_or(-1.0);
        let before = verified(&scrape(&app).await);
        assert!(before >= 1.0, "the login of the applicant was verified");
        let wrong = app.post_json("/v1/auth/login", &serde_json::json!({"user_number": applicant.user_number, "password": "not the right password"})).await;
        assert_problem(wrong, 401, "invalid_credentials").await;
        let after_wrong = verified(&scrape(&app).await);
        assert_eq!(after_wrong, before + 1.0, "a wrong password is one verification");
        for user_number in ["318204957362", "abc"] {
            let unknown = app.post_json("/v1/auth/login", &serde_json::json!({"user_number": user_number, "password": "not the right password"})).await;
            assert_problem(unknown, 401, "invalid_credentials").await;
        }
        assert_eq!(verified(&scrape(&app).await), after_wrong + 2.0, "so is an unknown or malformed user number");
    }
}
