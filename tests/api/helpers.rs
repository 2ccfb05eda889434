//! Starting the real application on port 0 with a fresh database, on either backend.

use std::sync::Once;

use actix_web::dev::ServerHandle;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use security_action::config::{
    AcceptanceMode, AppEnv, Argon2Settings, Config, DatabaseUrl, LogFormat, ReceiptKeySetting,
    Secret, SigningKey, WebhookSettings,
};
use security_action::startup::Application;
use serde_json::Value;

/// Runs each test once on SQLite and once on PostgreSQL:
/// `both_backends! { async fn name(app) { … } }` makes `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both_backends {
    ($($(#[$meta:meta])* async fn $name:ident($app:ident) $body:block)+) => {
        $(
            $(#[$meta])*
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn run($app: $crate::helpers::TestApp) $body

                #[tokio::test]
                async fn sqlite() {
                    if let Some(app) = $crate::helpers::TestApp::spawn($crate::helpers::Backend::Sqlite).await {
                        run(app).await;
                    }
                }

                #[tokio::test]
                async fn postgres() {
                    if let Some(app) = $crate::helpers::TestApp::spawn($crate::helpers::Backend::Postgres).await {
                        run(app).await;
                    }
                }
            }
        )+
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The server where PostgreSQL test databases are created (and dropped).
pub fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// Whether the tests run in CI, where nothing may be skipped.
pub fn in_ci() -> bool {
    security_action::config::in_ci()
}

/// The variable that skips the PostgreSQL half of the tests on purpose, outside CI.
pub const SKIP_POSTGRES: &str = "SKIP_POSTGRES_TESTS";

/// Without PostgreSQL the PostgreSQL half of every API test passes without running; this test
/// makes that loud: it fails unless PostgreSQL answers, or the skip was asked for by name
/// (never in CI).
#[test]
fn postgresql_answers_unless_its_tests_are_skipped_on_purpose() {
    let skip = security_action::config::flag_is_on(std::env::var(SKIP_POSTGRES).ok().as_deref());
    if skip && !in_ci() {
        eprintln!("{SKIP_POSTGRES} is set: the PostgreSQL half of the API tests is skipped");
        return;
    }
    let admin = postgres_admin_url();
    if let Err(error) = PgConnection::establish(&admin) {
        panic!(
            "PostgreSQL at {admin} cannot be reached ({error}), so the PostgreSQL half of the API \
             tests did not run. Start PostgreSQL, point TEST_POSTGRES_URL at one, or set \
             {SKIP_POSTGRES}=1 to skip that half on purpose (not possible when CI is set)."
        );
    }
}

/// A fresh PostgreSQL database, dropped when this value is.
pub struct PostgresDatabase {
    pub name: String,
    pub url: String,
}

impl PostgresDatabase {
    /// Creates one; `None` (with a visible message) when PostgreSQL cannot be reached outside CI
    /// (`postgresql_answers_unless_its_tests_are_skipped_on_purpose` then fails the run unless
    /// `SKIP_POSTGRES_TESTS` is set). In CI (`CI` set, see `config::in_ci`) a missing
    /// PostgreSQL fails the test.
    pub fn create() -> Option<PostgresDatabase> {
        let admin = postgres_admin_url();
        let mut conn = match PgConnection::establish(&admin) {
            Ok(conn) => conn,
            Err(error) => {
                if in_ci() {
                    panic!("PostgreSQL is required in CI, but {admin} cannot be reached: {error}");
                }
                static WARN: Once = Once::new();
                WARN.call_once(|| {
                    eprintln!(
                        "\n*** PostgreSQL at {admin} cannot be reached ({error}): \
                         SKIPPING the PostgreSQL half of the tests. Set TEST_POSTGRES_URL to run it, \
                         or {SKIP_POSTGRES}=1 to skip it on purpose. ***\n"
                    );
                });
                return None;
            }
        };
        let name = format!("sa_test_{}", uuid::Uuid::new_v4().simple());
        conn.batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("cannot create a test database");
        let mut url = url::Url::parse(&admin).expect("TEST_POSTGRES_URL is not a URL");
        url.set_path(&name);
        Some(PostgresDatabase {
            name,
            url: url.to_string(),
        })
    }
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Blocking work in its own thread: drop may run inside an async runtime.
        let _ = std::thread::spawn(move || {
            if let Ok(mut conn) = PgConnection::establish(&postgres_admin_url()) {
                let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        })
        .join();
    }
}

/// A configuration for tests: everything under `dir`, a fixed signing key, one worker.
pub fn test_config(database: DatabaseUrl, dir: &std::path::Path) -> Config {
    Config {
        database,
        bind_address: "127.0.0.1:0".parse().expect("address"),
        metrics_bind_address: Some("127.0.0.1:0".parse().expect("address")),
        public_base_url: None,
        jwt_secret: SigningKey::Given(Secret::new(
            "test-signing-key-that-is-long-enough-0123456789",
        )),
        receipt_key: ReceiptKeySetting::configured(security_action::receipts::keys::generate_pem()),
        app_env: AppEnv::Development,
        acceptance_mode: AcceptanceMode::Manual,
        smtp_url: None,
        outbox_dir: dir.join("outbox"),
        data_dir: dir.to_path_buf(),
        log_format: LogFormat::Pretty,
        db_pool_size: 4,
        max_body_bytes: 256 * 1024,
        http_workers: 1,
        // Cheap hashing keeps the suite fast; production uses OWASP's parameters.
        argon2: Argon2Settings {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        },
        hashing_threads: 2,
        hashing_queue: 64,
        refresh_token_days: 14,
        password_reset_minutes: 60,
        trusted_proxies: Vec::new(),
        stats_cache_seconds: 0,
        change_poll_milliseconds: 50,
        logo_token_minutes: 10,
        client_rate_per_minute: 60_000,
        client_rate_burst: 10_000,
        public_rate_per_minute: 60_000,
        public_rate_burst: 10_000,
        unknown_ids_per_minute: 10_000,
        request_timeout: std::time::Duration::from_secs(10),
        verification_flush: std::time::Duration::from_secs(1),
        verification_queue: security_action::verification::log::QUEUE,
        secretariat_name: TEST_SECRETARIAT_NAME.to_owned(),
        secretariat_name_en: "SECURITY ACTION Secretariat".to_owned(),
        inquiry_email: TEST_INQUIRY_EMAIL.to_owned(),
        frontend_base_url: url::Url::parse(TEST_FRONTEND_BASE_URL).expect("URL"),
        review_business_days: Some(10),
        // Tests deliver webhooks to receivers on 127.0.0.1, retrying quickly.
        webhooks: WebhookSettings {
            allow_private_networks: true,
            require_https: false,
            watch_for: chrono::Duration::days(180),
            first_retry: std::time::Duration::from_millis(200),
            give_up_after: chrono::Duration::hours(24),
            disable_after: chrono::Duration::days(3),
            timeout: std::time::Duration::from_secs(2),
            poll: std::time::Duration::from_millis(100),
        },
        oidc: None,
    }
}

/// The secretariat's name in every test configuration.
pub const TEST_SECRETARIAT_NAME: &str =
    "独立行政法人情報処理推進機構（IPA）／セキュリティセンター／SECURITY ACTION事務局";
/// The inquiry address in every test configuration.
pub const TEST_INQUIRY_EMAIL: &str = "inquiry@security-action.example.jp";
/// The declarer's site in every test configuration (nothing listens there).
pub const TEST_FRONTEND_BASE_URL: &str = "https://declarer.example.jp";

/// The running application and a client for it.
pub struct TestApp {
    pub address: String,
    /// `http://…/metrics` on the metrics listener.
    pub metrics_url: String,
    pub backend: Backend,
    pub client: reqwest::Client,
    /// The data folder (the SQLite file, the outbox); removed when the test ends.
    pub _dir: tempfile::TempDir,
    /// The running application's state: direct access to its database for assertions.
    pub state: security_action::state::AppState,
    handle: ServerHandle,
    // Dropped after the server is told to stop.
    _postgres: Option<PostgresDatabase>,
}

impl TestApp {
    /// Starts the application on a fresh database; `None` when the backend is unavailable
    /// (PostgreSQL outside CI).
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Like [`TestApp::spawn`], with a chance to change the configuration first.
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Option<TestApp> {
        if std::env::var("TEST_LOG").is_ok() {
            // Kept for the whole test run.
            std::mem::forget(security_action::telemetry::init(LogFormat::Pretty));
        }
        let dir = tempfile::tempdir().expect("temporary folder");
        let (database, postgres) = match backend {
            Backend::Sqlite => (DatabaseUrl::Sqlite(dir.path().join("test.db")), None),
            Backend::Postgres => {
                let db = tokio::task::spawn_blocking(PostgresDatabase::create)
                    .await
                    .expect("database creation")?;
                (DatabaseUrl::Postgres(db.url.clone()), Some(db))
            }
        };
        let mut config = test_config(database, dir.path());
        adjust(&mut config);
        let app = Application::build(config)
            .await
            .expect("the application starts");
        let address = format!("http://{}", app.address());
        let metrics_url = app
            .metrics_address()
            .map(|a| format!("http://{a}/metrics"))
            .unwrap_or_default();
        let handle = app.handle();
        let state = app.state().clone();
        tokio::spawn(app.run_until_stopped());
        Some(TestApp {
            state,
            address,
            metrics_url,
            backend,
            client: http_client()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            _dir: dir,
            handle,
            _postgres: postgres,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    pub async fn get_with_language(&self, path: &str, language: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .header("Accept-Language", language)
            .send()
            .await
            .expect("request")
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// Posts raw bytes with a content type.
    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .expect("request")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // The stop command is sent at once; its completion need not be awaited.
        drop(self.handle.stop(false));
    }
}

/// The body of a response as JSON, after checking its status.
/// A client for the tests' own requests. The service's HTTP client names its TLS
/// backend itself; the tests share that reqwest build, so they pick the same one.
pub fn http_client() -> reqwest::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
}

pub async fn json_with_status(response: reqwest::Response, status: u16) -> Value {
    let actual = response.status().as_u16();
    let text = response.text().await.expect("body");
    assert_eq!(actual, status, "unexpected status; body: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Checks that a response is problem details with this status and code; returns the body.
pub async fn assert_problem(response: reqwest::Response, status: u16, code: &str) -> Value {
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let request_id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = json_with_status(response, status).await;
    assert_eq!(content_type, "application/problem+json", "body: {body}");
    assert_eq!(body["status"], status, "body: {body}");
    assert_eq!(body["code"], code, "body: {body}");
    assert_eq!(body["type"], format!("/problems/{code}"));
    assert!(body["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(body["detail"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(
        body["request_id"].as_str(),
        request_id.as_deref(),
        "request id echoed in the body"
    );
    body
}

/// The `(field, code)` pairs of a validation failure.
pub fn field_errors(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap_or_default().to_owned(),
                        e["code"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// 25 answers, question n answered `answer_for(n)`.
pub fn answers(answer_for: impl Fn(u8) -> &'static str) -> Value {
    let answers: Vec<Value> = (1..=25u8)
        .map(|q| serde_json::json!({"question": q, "answer": answer_for(q)}))
        .collect();
    serde_json::json!({ "answers": answers })
}

/// A valid corporate number, different on every call.
pub fn corporate_number() -> String {
    let mut base = [0u8; 12];
    for d in &mut base {
        *d = rand::random_range(0..10);
    }
    security_action::domain::corporate_number::CorporateNumber::from_base(base).to_string()
}

/// The password every sample application uses.
pub const PASSWORD: &str = "a long passphrase of the declarer";

/// A valid one-star application for a new corporation with a unique contact address.
pub fn one_star_application() -> Value {
    let tag = uuid::Uuid::new_v4().simple().to_string();
    serde_json::json!({
        "organization": {
            "name": "株式会社サンプル", "name_kana": "カブシキガイシャサンプル",
            "organization_type": "corporation", "corporate_number": corporate_number(),
            "prefecture": "13", "address": "東京都文京区本駒込2-28-8", "industry": "G",
            "employees": 12, "capital_yen": 10_000_000, "website": "https://example.co.jp"
        },
        "contact": {"name": "情報 太郎", "email": format!("taro-{tag}@example.co.jp"), "phone": "03-1234-5678", "department": "総務部"},
        "star": "one_star",
        "pledge": {"five_principles": true},
        "purposes": ["subsidy_application", "improve_security"],
        "agreed_terms_version": "2018-07-03",
        "password": PASSWORD
    })
}

/// A valid two-star application.
pub fn two_star_application() -> Value {
    let mut body = one_star_application();
    body["star"] = serde_json::json!("two_star");
    body["diagnosis"] = answers(|q| if q == 2 { "unknown" } else { "implemented" });
    body["policy_disclosure"] = serde_json::json!({
        "methods": ["company_website", "pamphlet"], "url": "https://example.co.jp/policy",
        "is_information_security_policy": true
    });
    body
}

/// A declarer who has applied and logged in.
pub struct Applicant {
    pub user_number: String,
    pub declaration_id: String,
    pub email: String,
    pub access_token: String,
    pub refresh_token: String,
    pub application: Value,
}

impl TestApp {
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> reqwest::Response {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.expect("request")
    }

    pub async fn get_as(&self, path: &str, token: &str) -> reqwest::Response {
        self.send(reqwest::Method::GET, path, Some(token), None)
            .await
    }

    pub async fn post_as(&self, path: &str, token: &str, body: &Value) -> reqwest::Response {
        self.send(reqwest::Method::POST, path, Some(token), Some(body))
            .await
    }

    pub async fn put_as(&self, path: &str, token: &str, body: &Value) -> reqwest::Response {
        self.send(reqwest::Method::PUT, path, Some(token), Some(body))
            .await
    }

    pub async fn delete_as(&self, path: &str, token: &str) -> reqwest::Response {
        self.send(reqwest::Method::DELETE, path, Some(token), None)
            .await
    }

    /// Logs in; panics unless it works.
    pub async fn login(&self, user_number: &str, password: &str) -> Value {
        let response = self
            .post_json(
                "/v1/auth/login",
                &serde_json::json!({"user_number": user_number, "password": password}),
            )
            .await;
        json_with_status(response, 200).await
    }

    /// Applies with `application` and logs in.
    pub async fn applicant_with(&self, application: Value) -> Applicant {
        let created =
            json_with_status(self.post_json("/v1/declarations", &application).await, 201).await;
        let user_number = created["user_number"].as_str().unwrap().to_owned();
        let tokens = self.login(&user_number, PASSWORD).await;
        Applicant {
            user_number,
            declaration_id: created["declaration_id"].as_str().unwrap().to_owned(),
            email: application["contact"]["email"].as_str().unwrap().to_owned(),
            access_token: tokens["access_token"].as_str().unwrap().to_owned(),
            refresh_token: tokens["refresh_token"].as_str().unwrap().to_owned(),
            application,
        }
    }

    /// A one-star declarer, logged in.
    pub async fn applicant(&self) -> Applicant {
        self.applicant_with(one_star_application()).await
    }

    /// The e-mails queued for an address, oldest first: (kind, subject, body).
    pub async fn emails_to(&self, address: &str) -> Vec<(String, String, String)> {
        let address = address.to_owned();
        self.state
            .db
            .read(move |conn| {
                Ok::<_, security_action::db::DbError>(security_action::db::outbox::for_recipient(
                    conn, &address,
                )?)
            })
            .await
            .unwrap()
            .into_iter()
            .map(|m| (m.kind, m.subject, m.body))
            .collect()
    }

    /// How many rows a table has.
    pub async fn count(&self, table: &'static str) -> i64 {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        self.state
            .db
            .read(move |conn| {
                let row: Count = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
                    .get_result(conn)?;
                Ok::<_, security_action::db::DbError>(row.n)
            })
            .await
            .unwrap()
    }

    /// The audit actions recorded for a target, oldest first: (action, before, after).
    pub async fn audit_of(
        &self,
        kind: &'static str,
        id: &str,
    ) -> Vec<(String, Option<String>, Option<String>)> {
        let id = id.to_owned();
        self.state
            .db
            .read(move |conn| {
                Ok::<_, security_action::db::DbError>(security_action::db::audit::actions_for(
                    conn, kind, &id,
                )?)
            })
            .await
            .unwrap()
    }
}

impl TestApp {
    /// A secretariat operator, logged in; returns the access token.
    pub async fn operator_token(&self) -> String {
        let hash = self.state.hashing.hash(PASSWORD.to_owned()).await.unwrap();
        let operator = self
            .state
            .db
            .write(move |conn| {
                security_action::secretariat::create_operator(
                    conn,
                    "事務局 一郎",
                    PASSWORD,
                    &hash,
                    &security_action::db::audit::Actor::system(),
                )
            })
            .await
            .unwrap();
        self.login(&operator.user_number, PASSWORD).await["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Accepts a declaration as the secretariat.
    pub async fn accept(&self, operator: &str, declaration_id: &str) -> Value {
        json_with_status(
            self.send(
                reqwest::Method::POST,
                &format!("/v1/admin/declarations/{declaration_id}/acceptance"),
                Some(operator),
                None,
            )
            .await,
            200,
        )
        .await
    }
}

impl TestApp {
    /// A new API client with the verification scope: (client_id, client_secret).
    pub async fn api_client(&self) -> (String, String) {
        self.api_client_with(&["declarations:verify"]).await
    }

    /// A new API client with these scopes: (client_id, client_secret).
    pub async fn api_client_with(&self, scopes: &[&str]) -> (String, String) {
        let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
        let created = self
            .state
            .db
            .write(move |conn| {
                security_action::secretariat::create_client(
                    conn,
                    "補助金申請システム",
                    &scopes,
                    None,
                    None,
                    &security_action::db::audit::Actor::system(),
                )
            })
            .await
            .unwrap();
        (created.client_id, created.client_secret)
    }

    /// An access token for an API client (form-encoded credentials).
    pub async fn client_token(&self, client_id: &str, secret: &str) -> String {
        let response = self
            .client
            .post(self.url("/v1/oauth/token"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(format!(
                "grant_type=client_credentials&client_id={client_id}&client_secret={secret}"
            ))
            .send()
            .await
            .unwrap();
        json_with_status(response, 200).await["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}
