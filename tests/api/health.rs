use crate::both_backends;
use crate::helpers::*;

both_backends! {
    async fn healthz_answers_ok_with_a_new_request_id(app) {
        let response = app.get("/healthz").await;
        let id = response.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert_eq!(uuid::Uuid::parse_str(&id).unwrap().get_version_num(), 4);
        assert_eq!(json_with_status(response, 200).await, serde_json::json!({"status": "ok"}));
    }

    async fn a_sensible_request_id_is_echoed_and_a_hostile_one_replaced(app) {
        let response = app.client.get(app.url("/healthz")).header("X-Request-Id", "portal-42.abc").send().await.unwrap();
        assert_eq!(response.headers()["x-request-id"], "portal-42.abc");

        let long = "x".repeat(129);
        let response = app.client.get(app.url("/healthz")).header("X-Request-Id", &long).send().await.unwrap();
        let echoed = response.headers()["x-request-id"].to_str().unwrap();
        assert_ne!(echoed, long);
        assert!(uuid::Uuid::parse_str(echoed).is_ok());

        let response = app.client.get(app.url("/healthz")).header("X-Request-Id", "a b").send().await.unwrap();
        assert_ne!(response.headers()["x-request-id"], "a b");
    }

    async fn readyz_pings_the_database_and_names_the_backend(app) {
        let body = json_with_status(app.get("/readyz").await, 200).await;
        let backend = match app.backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        };
        assert_eq!(body["status"], "ready");
        assert_eq!(body["database"], backend);
        // Just started: the verification answers in memory are warming or already current.
        let cache = body["verification_cache"].as_str().unwrap();
        assert!(["warming", "current"].contains(&cache), "{body}");
        assert_eq!(body.as_object().unwrap().len(), 3, "{body}");
    }
}

/// Readiness fails, as problem details, when the database goes away.
#[tokio::test]
async fn readyz_is_503_when_the_database_is_gone() {
    let Some(database) = tokio::task::spawn_blocking(PostgresDatabase::create)
        .await
        .unwrap()
    else {
        return;
    };
    let name = database.name.clone();
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_config(
        security_action::config::DatabaseUrl::Postgres(database.url.clone()),
        dir.path(),
    );
    config.db_pool_size = 1;
    let app = security_action::startup::Application::build(config)
        .await
        .unwrap();
    let address = format!("http://{}", app.address());
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());

    drop(database);
    // The database is dropped with FORCE: pooled connections are cut.
    let exists = tokio::task::spawn_blocking(move || {
        use diesel::prelude::*;
        let mut conn = diesel::PgConnection::establish(&postgres_admin_url()).unwrap();
        diesel::sql_query(format!(
            "SELECT 1 FROM pg_database WHERE datname = '{name}'"
        ))
        .execute(&mut conn)
        .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(exists, 0);

    let response = reqwest::get(format!("{address}/readyz")).await.unwrap();
    let body = assert_problem(response, 503, "not_ready").await;
    let text = body.to_string();
    assert!(
        !text.contains("sa_test_"),
        "no internals in the answer: {text}"
    );
    let response = reqwest::get(format!("{address}/healthz")).await.unwrap();
    assert_eq!(response.status(), 200, "the process stays up");
    drop(handle.stop(false));
}
