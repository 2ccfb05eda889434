//! Webhooks end to end: a real HTTP receiver started here, every delivery checked with the
//! Standard Webhooks library's verifier (not the service's code), on both backends; retries,
//! 410, the failing-for-days rule, outbound safety, two instances delivering once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;

/// A request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// Checks the signature with the Standard Webhooks library.
    pub fn verifies_with(&self, secret: &str) -> bool {
        standardwebhooks::Webhook::new(secret)
            .expect("a secret")
            .verify(&self.body, &self.headers)
            .is_ok()
    }
}

/// An HTTP receiver on 127.0.0.1 answering every POST with the status it is set to.
pub struct Receiver {
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
    status: Arc<AtomicU16>,
    handle: ServerHandle,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let status = Arc::new(AtomicU16::new(204));
        let (r, s) = (Arc::clone(&received), Arc::clone(&status));
        let server = HttpServer::new(move || {
            let (r, s) = (Arc::clone(&r), Arc::clone(&s));
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let (r, s) = (Arc::clone(&r), Arc::clone(&s));
                async move {
                    let mut headers = http::HeaderMap::new();
                    for (name, value) in req.headers() {
                        headers.append(
                            http::HeaderName::from_bytes(name.as_str().as_bytes()).unwrap(),
                            http::HeaderValue::from_bytes(value.as_bytes()).unwrap(),
                        );
                    }
                    r.lock().unwrap().push(Received {
                        headers,
                        body: body.to_vec(),
                    });
                    let code = s.load(Ordering::SeqCst);
                    HttpResponse::build(actix_web::http::StatusCode::from_u16(code).unwrap())
                        .finish()
                }
            }))
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .unwrap();
        let url = format!("http://{}/hooks", server.addrs()[0]);
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Receiver {
            url,
            received,
            status,
            handle,
        }
    }

    pub fn answer(&self, status: u16) {
        self.status.store(status, Ordering::SeqCst);
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until at least `n` requests arrived (at most `within`).
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        let deadline = Instant::now() + within;
        loop {
            let got = self.received();
            if got.len() >= n || Instant::now() > deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        tokio::spawn(async move { handle.stop(false).await });
    }
}

/// A client token with the webhook and verification scopes.
async fn webhook_client(app: &TestApp) -> String {
    let (id, secret) = app
        .api_client_with(&["webhooks:manage", "declarations:verify"])
        .await;
    app.client_token(&id, &secret).await
}

/// Registers an endpoint; answers (id, secret).
async fn register(app: &TestApp, token: &str, url: &str, types: &[&str]) -> (String, String) {
    let created = json_with_status(
        app.post_as(
            "/v1/webhook-endpoints",
            token,
            &json!({"url": url, "event_types": types, "description": "テスト"}),
        )
        .await,
        201,
    )
    .await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    (created["id"].as_str().unwrap().to_owned(), secret)
}

async fn revoke(app: &TestApp, operator: &str, declaration_id: &str) {
    let path = format!("/v1/admin/declarations/{declaration_id}/revocation");
    let answer = app
        .post_as(&path, operator, &json!({"reason": "misleading_claims"}))
        .await;
    assert_eq!(answer.status(), 200);
}

async fn endpoint(app: &TestApp, token: &str, id: &str) -> Value {
    json_with_status(
        app.get_as(&format!("/v1/webhook-endpoints/{id}"), token)
            .await,
        200,
    )
    .await
}

async fn deliveries(app: &TestApp, token: &str, id: &str) -> Vec<Value> {
    let page = json_with_status(
        app.get_as(&format!("/v1/webhook-endpoints/{id}/deliveries"), token)
            .await,
        200,
    )
    .await;
    page["items"].as_array().unwrap().clone()
}

/// Waits until the endpoint's deliveries satisfy `done`.
async fn wait_deliveries(
    app: &TestApp,
    token: &str,
    id: &str,
    within: Duration,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = Instant::now() + within;
    loop {
        let items = deliveries(app, token, id).await;
        if done(&items) || Instant::now() > deadline {
            return items;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

both_backends! {
    async fn a_revocation_of_a_verified_declaration_reaches_the_receiver_signed(app) {
        let receiver = Receiver::start().await;
        let token = webhook_client(&app).await;
        let operator = app.operator_token().await;
        let watched = app.applicant().await;
        let other = app.applicant().await;
        let (endpoint_id, secret) =
            register(&app, &token, &receiver.url, &["declaration.revoked", "declaration.accepted"]).await;
        // Verifying makes the client watch the declaration (once the record is written).
        let verified = app.get_as(&format!("/v1/verifications/{}", watched.declaration_id), &token).await;
        assert_eq!(verified.status(), 200);
        app.state.verifications.flush().await;
        revoke(&app, &operator, &watched.declaration_id).await;
        // Not watched: the other declaration's revocation is not sent to this client.
        revoke(&app, &operator, &other.declaration_id).await;
        let got = receiver.wait_for(1, Duration::from_secs(10)).await;
        assert_eq!(got.len(), 1, "{got:?}");
        let event = &got[0];
        assert!(event.verifies_with(&secret), "the Standard Webhooks verifier accepts it");
        assert!(!event.verifies_with(&security_action::webhooks::endpoints::new_secret()));
        let mut tampered = event.clone();
        tampered.body.extend_from_slice(b" ");
        assert!(!tampered.verifies_with(&secret), "a changed byte fails");
        let body = event.json();
        assert_eq!(body["type"], "declaration.revoked");
        assert_eq!(body["kind"], "revoked");
        assert_eq!(body["declaration_id"], watched.declaration_id.as_str());
        assert_eq!(body["valid"], false);
        assert_eq!(body["status"], "revoked");
        assert_eq!(body["id"].as_str(), Some(event.header("webhook-id")));
        assert!(body["id"].as_str().unwrap().starts_with("evt_"));
        assert!(event.header("user-agent").starts_with("SECURITY-ACTION-Registry-Webhooks/"));
        assert_eq!(event.header("content-type"), "application/json");
        assert!(event.headers.get("authorization").is_none(), "no credential of the service");
        // The feed's item, plus id and type.
        let keys: std::collections::BTreeSet<&str> = body.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, std::collections::BTreeSet::from(["id", "type", "position", "declaration_id", "kind",
            "occurred_at", "valid", "status", "star", "organization_name", "declared_at", "accepted_at", "star_since"]));
        // The client sees the delivery.
        let items = wait_deliveries(&app, &token, &endpoint_id, Duration::from_secs(5),
            |d| d.first().is_some_and(|d| d["status"] == "succeeded")).await;
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["status"], "succeeded");
        assert_eq!(items[0]["attempts"], 1);
        assert_eq!(items[0]["last_response_status"], 204);
        assert_eq!(items[0]["event_id"], body["id"]);
        assert_eq!(items[0]["declaration_id"], watched.declaration_id.as_str());
        assert!(items[0]["next_attempt_at"].is_null());
        // Nothing more arrives.
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(receiver.received().len(), 1);
    }

    async fn the_watchlist_decides_without_a_verification_and_unwatching_stops_it(app) {
        let receiver = Receiver::start().await;
        let token = webhook_client(&app).await;
        let operator = app.operator_token().await;
        let declarer = app.applicant().await;
        let (endpoint_id, secret) = register(&app, &token, &receiver.url, &["declaration.accepted", "declaration.revoked"]).await;
        let path = format!("/v1/watchlist/{}", declarer.declaration_id);
        assert_eq!(app.send(reqwest::Method::PUT, &path, Some(&token), None).await.status(), 204);
        // Idempotent.
        assert_eq!(app.send(reqwest::Method::PUT, &path, Some(&token), None).await.status(), 204);
        let list = json_with_status(app.get_as("/v1/watchlist", &token).await, 200).await;
        assert_eq!(list["items"].as_array().unwrap().len(), 1);
        assert_eq!(list["items"][0]["declaration_id"], declarer.declaration_id.as_str());
        app.accept(&operator, &declarer.declaration_id).await;
        let got = receiver.wait_for(1, Duration::from_secs(10)).await;
        assert_eq!(got.len(), 1);
        assert!(got[0].verifies_with(&secret));
        assert_eq!(got[0].json()["type"], "declaration.accepted");
        // Off the watchlist: the revocation is not sent.
        assert_eq!(app.send(reqwest::Method::DELETE, &path, Some(&token), None).await.status(), 204);
        revoke(&app, &operator, &declarer.declaration_id).await;
        tokio::time::sleep(Duration::from_millis(800)).await;
        assert_eq!(receiver.received().len(), 1);
        assert_eq!(deliveries(&app, &token, &endpoint_id).await.len(), 1);
        // Malformed and unknown IDs answer as on the verification API.
        assert_problem(app.send(reqwest::Method::PUT, "/v1/watchlist/412345678901", Some(&token), None).await, 422, "invalid_format").await;
        let unknown = valid_unknown_declaration_id();
        assert_problem(app.send(reqwest::Method::PUT, &format!("/v1/watchlist/{unknown}"), Some(&token), None).await, 404, "not_found").await;
    }

    async fn a_failing_receiver_gets_the_event_again_with_the_same_id(app) {
        let receiver = Receiver::start().await;
        receiver.answer(500);
        let token = webhook_client(&app).await;
        let operator = app.operator_token().await;
        let declarer = app.applicant().await;
        let (endpoint_id, secret) = register(&app, &token, &receiver.url, &["declaration.revoked"]).await;
        let path = format!("/v1/watchlist/{}", declarer.declaration_id);
        assert_eq!(app.send(reqwest::Method::PUT, &path, Some(&token), None).await.status(), 204);
        revoke(&app, &operator, &declarer.declaration_id).await;
        let first = receiver.wait_for(1, Duration::from_secs(10)).await;
        assert_eq!(first.len(), 1);
        let failed = wait_deliveries(&app, &token, &endpoint_id, Duration::from_secs(5),
            |d| d.first().is_some_and(|d| d["attempts"] == 1)).await;
        assert_eq!(failed[0]["status"], "pending");
        assert_eq!(failed[0]["last_response_status"], 500);
        assert!(failed[0]["next_attempt_at"].is_string());
        receiver.answer(200);
        // The first retry comes after WEBHOOK_FIRST_RETRY_MILLISECONDS (200 ms here).
        let again = receiver.wait_for(2, Duration::from_secs(10)).await;
        assert_eq!(again.len(), 2);
        assert_eq!(again[0].header("webhook-id"), again[1].header("webhook-id"));
        assert_eq!(again[0].body, again[1].body);
        assert!(again[1].verifies_with(&secret));
        let done = wait_deliveries(&app, &token, &endpoint_id, Duration::from_secs(5),
            |d| d.first().is_some_and(|d| d["status"] == "succeeded")).await;
        assert_eq!((done[0]["attempts"].as_i64(), done[0]["last_response_status"].as_i64()), (Some(2), Some(200)));
        // A redelivery sends it once more, with the same event ID.
        let delivery_id = done[0]["id"].as_str().unwrap();
        let redelivery = format!("/v1/webhook-endpoints/{endpoint_id}/deliveries/{delivery_id}/redelivery");
        let queued = json_with_status(app.post_as(&redelivery, &token, &json!({})).await, 202).await;
        assert_eq!(queued["status"], "pending");
        let thrice = receiver.wait_for(3, Duration::from_secs(10)).await;
        assert_eq!(thrice.len(), 3);
        assert_eq!(thrice[2].header("webhook-id"), thrice[0].header("webhook-id"));
    }

    async fn a_410_disables_the_endpoint_at_once(app) {
        let receiver = Receiver::start().await;
        receiver.answer(410);
        let token = webhook_client(&app).await;
        let operator = app.operator_token().await;
        let a = app.applicant().await;
        let b = app.applicant().await;
        let (endpoint_id, _) = register(&app, &token, &receiver.url, &["declaration.revoked"]).await;
        for d in [&a, &b] {
            let path = format!("/v1/watchlist/{}", d.declaration_id);
            assert_eq!(app.send(reqwest::Method::PUT, &path, Some(&token), None).await.status(), 204);
        }
        revoke(&app, &operator, &a.declaration_id).await;
        receiver.wait_for(1, Duration::from_secs(10)).await;
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut shown = endpoint(&app, &token, &endpoint_id).await;
        while shown["enabled"] == true && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
            shown = endpoint(&app, &token, &endpoint_id).await;
        }
        assert_eq!(shown["enabled"], false);
        assert_eq!(shown["disabled_reason"], "gone");
        let items = deliveries(&app, &token, &endpoint_id).await;
        assert_eq!((items[0]["status"].as_str(), items[0]["last_response_status"].as_i64()), (Some("failed"), Some(410)));
        // Disabled: nothing more is sent, and a redelivery is refused until it is enabled.
        revoke(&app, &operator, &b.declaration_id).await;
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert_eq!(receiver.received().len(), 1);
        let delivery_id = items[0]["id"].as_str().unwrap();
        let redelivery = format!("/v1/webhook-endpoints/{endpoint_id}/deliveries/{delivery_id}/redelivery");
        assert_problem(app.post_as(&redelivery, &token, &json!({})).await, 409, "endpoint_disabled").await;
        let audit = app.audit_of("webhook_endpoint", &endpoint_id).await;
        assert!(audit.iter().any(|(action, _, _)| action == "webhook_endpoint.disabled"), "{audit:?}");
    }

    async fn endpoints_are_the_clients_own_and_their_input_is_checked(app) {
        let token = webhook_client(&app).await;
        let stranger = webhook_client(&app).await;
        let url = "http://127.0.0.1:9/hooks";
        let (id, _) = register(&app, &token, url, &["declaration.revoked"]).await;
        let path = format!("/v1/webhook-endpoints/{id}");
        // Another client: 404 for every operation.
        assert_problem(app.get_as(&path, &stranger).await, 404, "not_found").await;
        assert_problem(app.delete_as(&path, &stranger).await, 404, "not_found").await;
        assert_problem(app.post_as(&format!("{path}/secret-rotation"), &stranger, &json!({})).await, 404, "not_found").await;
        assert_problem(app.get_as(&format!("{path}/deliveries"), &stranger).await, 404, "not_found").await;
        let stranger_list = json_with_status(app.get_as("/v1/webhook-endpoints", &stranger).await, 200).await;
        assert_eq!(stranger_list["items"], json!([]));
        // PATCH changes what it names.
        let patched = json_with_status(
            app.client.patch(app.url(&path)).bearer_auth(&token)
                .json(&json!({"event_types": ["declaration.withdrawn", "declaration.revoked"], "enabled": false}))
                .send().await.unwrap(), 200).await;
        assert_eq!(patched["event_types"], json!(["declaration.withdrawn", "declaration.revoked"]));
        assert_eq!((patched["enabled"].as_bool(), patched["disabled_reason"].as_str()), (Some(false), Some("client")));
        assert_eq!(patched["url"], url);
        let enabled = json_with_status(
            app.client.patch(app.url(&path)).bearer_auth(&token).json(&json!({"enabled": true})).send().await.unwrap(), 200).await;
        assert!(enabled["disabled_reason"].is_null());
        // Bad input.
        let post = |body: Value| {
            app.client.post(app.url("/v1/webhook-endpoints")).bearer_auth(&token).json(&body).send()
        };
        let problem = assert_problem(post(json!({"url": url, "event_types": ["declaration.deleted"]})).await.unwrap(), 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), vec![("event_types[0]".to_owned(), "unknown_event_type".to_owned())]);
        let problem = assert_problem(post(json!({"url": url, "event_types": []})).await.unwrap(), 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), vec![("event_types".to_owned(), "required".to_owned())]);
        let problem = assert_problem(post(json!({"url": "ftp://example.com/x", "event_types": ["declaration.revoked"]})).await.unwrap(), 422, "validation_failed").await;
        assert_eq!(field_errors(&problem)[0].1, "invalid_url");
        // A description counts what is sent: 200 characters, not 201. White space around it
        // (line breaks included, as the contract's pattern allows) is trimmed when stored; a
        // control character inside is refused.
        let described = |description: String| post(json!({"url": url, "event_types": ["declaration.revoked"], "description": description}));
        let longest_description = format!("\u{2000}\r\t {}\u{3000}\n", "説".repeat(194));
        assert_eq!(longest_description.chars().count(), 200);
        let created = json_with_status(described(longest_description).await.unwrap(), 201).await;
        assert_eq!(created["description"], "説".repeat(194));
        assert_eq!(app.delete_as(&format!("/v1/webhook-endpoints/{}", created["id"].as_str().unwrap()), &token).await.status(), 204);
        let problem = assert_problem(described(format!("\u{2000}\r\t {}\u{3000}\n", "説".repeat(195))).await.unwrap(), 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), vec![("description".to_owned(), "length".to_owned())]);
        let problem = assert_problem(described("本番\r\n環境".to_owned()).await.unwrap(), 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), vec![("description".to_owned(), "control_characters".to_owned())]);
        let trimmed = json_with_status(
            app.client.patch(app.url(&path)).bearer_auth(&token).json(&json!({"description": "\t検証用\r\n"})).send().await.unwrap(), 200).await;
        assert_eq!(trimmed["description"], "検証用");
        // 2,000 characters are accepted, 2,001 are not.
        let base = "http://127.0.0.1:9/";
        let longest = format!("{base}{}", "a".repeat(2000 - base.len()));
        let (long_id, _) = register(&app, &token, &longest, &["declaration.revoked"]).await;
        let problem = assert_problem(post(json!({"url": format!("{longest}a"), "event_types": ["declaration.revoked"]})).await.unwrap(), 422, "validation_failed").await;
        assert_eq!(field_errors(&problem)[0].1, "too_long");
        assert_eq!(app.delete_as(&format!("/v1/webhook-endpoints/{long_id}"), &token).await.status(), 204);
        // Ten endpoints are allowed, the eleventh is refused.
        for _ in 1..10 {
            register(&app, &token, url, &["declaration.revoked"]).await;
        }
        assert_problem(post(json!({"url": url, "event_types": ["declaration.revoked"]})).await.unwrap(), 409, "limit_reached").await;
        assert_eq!(app.delete_as(&path, &token).await.status(), 204);
        assert_problem(app.get_as(&path, &token).await, 404, "not_found").await;
        register(&app, &token, url, &["declaration.revoked"]).await;
        // The scope is needed.
        let (plain_id, plain_secret) = app.api_client_with(&["declarations:verify"]).await;
        let plain = app.client_token(&plain_id, &plain_secret).await;
        assert_problem(app.get_as("/v1/webhook-endpoints", &plain).await, 403, "insufficient_scope").await;
    }

    async fn a_rotation_signs_with_both_secrets_for_a_day(app) {
        let receiver = Receiver::start().await;
        let token = webhook_client(&app).await;
        let operator = app.operator_token().await;
        let declarer = app.applicant().await;
        let (endpoint_id, old) = register(&app, &token, &receiver.url, &["declaration.accepted"]).await;
        let rotated = json_with_status(
            app.post_as(&format!("/v1/webhook-endpoints/{endpoint_id}/secret-rotation"), &token, &json!({})).await, 200).await;
        let new = rotated["secret"].as_str().unwrap().to_owned();
        assert_ne!(new, old);
        let until = chrono::DateTime::parse_from_rfc3339(rotated["previous_secret_expires_at"].as_str().unwrap()).unwrap();
        let left = until.signed_duration_since(chrono::Utc::now());
        assert!(left > chrono::Duration::hours(23) && left <= chrono::Duration::hours(24), "{left}");
        let path = format!("/v1/watchlist/{}", declarer.declaration_id);
        assert_eq!(app.send(reqwest::Method::PUT, &path, Some(&token), None).await.status(), 204);
        app.accept(&operator, &declarer.declaration_id).await;
        let got = receiver.wait_for(1, Duration::from_secs(10)).await;
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].header("webhook-signature").split(' ').count(), 2);
        assert!(got[0].verifies_with(&old) && got[0].verifies_with(&new));
    }

    async fn a_receiver_on_a_private_address_is_refused_unless_allowed(app) {
        // This instance allows private networks (tests); a second one on the same database
        // with the production rule refuses to register, and refuses to connect.
        let token = webhook_client(&app).await;
        let strict = spawn_second(&app, |c| c.webhooks.allow_private_networks = false).await;
        for url in ["http://127.0.0.1:9/hooks", "http://localhost:9/hooks", "http://[::1]:9/", "http://169.254.169.254/latest"] {
            let answer = app.client.post(format!("{strict}/v1/webhook-endpoints")).bearer_auth(&token)
                .json(&json!({"url": url, "event_types": ["declaration.revoked"]})).send().await.unwrap();
            let problem = assert_problem(answer, 422, "validation_failed").await;
            assert_eq!(field_errors(&problem), vec![("url".to_owned(), "private_address".to_owned())], "{url}");
        }
    }
}

both_backends! {
    async fn a_revocation_on_the_command_line_reaches_the_receiver(app) {
        let receiver = Receiver::start().await;
        let token = webhook_client(&app).await;
        let declarer = app.applicant().await;
        let (_, secret) = register(&app, &token, &receiver.url, &["declaration.revoked"]).await;
        let path = format!("/v1/watchlist/{}", declarer.declaration_id);
        assert_eq!(app.send(reqwest::Method::PUT, &path, Some(&token), None).await.status(), 204);
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
        let got = receiver.wait_for(1, Duration::from_secs(10)).await;
        assert_eq!(got.len(), 1);
        assert!(got[0].verifies_with(&secret));
        let body = got[0].json();
        assert_eq!((body["type"].as_str(), body["declaration_id"].as_str()), (Some("declaration.revoked"), Some(declarer.declaration_id.as_str())));
    }
}

both_backends! {
    async fn an_email_claimed_by_one_sender_is_not_taken_by_another(app) {
        use security_action::db::{DbError, outbox};
        // Two senders (two instances) reading the outbox at once: the second gets none of the
        // messages the first holds, until the first's lease has passed.
        let now = security_action::db::now();
        let lease = now + chrono::Duration::minutes(10);
        let (first, second, later) = app
            .state
            .db
            .write(move |conn| {
                for i in 0..5 {
                    outbox::enqueue(conn, "test", &format!("r{i}@example.jp"), "件名", "本文", None, now)?;
                }
                let first = outbox::claim_due(conn, now, lease, 3)?;
                let second = outbox::claim_due(conn, now, lease, 50)?;
                let later = outbox::claim_due(conn, lease + chrono::Duration::seconds(1), lease, 50)?;
                Ok::<_, DbError>((first, second, later))
            })
            .await
            .unwrap();
        let ids = |m: &[security_action::db::models::OutboxMessage]| m.iter().map(|m| m.id).collect::<Vec<_>>();
        assert_eq!(first.len(), 3);
        assert_eq!(second.len(), 2);
        assert!(ids(&first).iter().all(|id| !ids(&second).contains(id)), "no message taken twice");
        assert_eq!(later.len(), 5, "a lease that has passed frees its messages (a sender that died)");
    }
}

/// A second instance of the service on the same database, adjusted; answers its base URL.
async fn spawn_second(
    app: &TestApp,
    adjust: impl FnOnce(&mut security_action::config::Config),
) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_config(app.state.config.database.clone(), dir.path());
    adjust(&mut config);
    let second = security_action::startup::Application::build(config)
        .await
        .unwrap();
    let url = format!("http://{}", second.address());
    tokio::spawn(second.run_until_stopped());
    // The folder lives as long as the test process; the instance stops with it.
    std::mem::forget(dir);
    url
}

/// An ID with a valid check digit that no test declaration has.
fn valid_unknown_declaration_id() -> String {
    let mut rng = rand::rng();
    security_action::domain::identifiers::DeclarationId::generate(&mut rng)
        .as_str()
        .to_owned()
}

/// A delivery whose connection is refused at connect time: an endpoint stored while private
/// networks were allowed, delivered by an instance that does not allow them (as after a DNS
/// change). The receiver gets nothing and the attempt says why.
#[tokio::test]
async fn a_delivery_to_a_private_address_is_refused_when_connecting() {
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.webhooks.allow_private_networks = false
    })
    .await
    else {
        return;
    };
    let receiver = Receiver::start().await;
    let token = webhook_client(&app).await;
    let operator = app.operator_token().await;
    let declarer = app.applicant().await;
    // Registered as a closed network would (the rule is checked again when connecting).
    let endpoint_id = {
        let url = receiver.url.replace("127.0.0.1", "localhost");
        let db = app.state.db.clone();
        let client_id =
            json_with_status(app.get_as("/v1/webhook-endpoints", &token).await, 200).await;
        assert_eq!(client_id["items"], json!([]));
        let client_row = db
            .read(|conn| {
                use diesel::prelude::*;
                use security_action::db::schema::api_clients;
                Ok::<_, security_action::db::DbError>(
                    api_clients::table
                        .select(api_clients::id)
                        .order(api_clients::id.desc())
                        .first::<i64>(conn)?,
                )
            })
            .await
            .unwrap();
        db.write(move |conn| {
            security_action::webhooks::endpoints::create(
                conn,
                client_row,
                &url,
                "declaration.revoked",
                "",
                &security_action::db::audit::Actor::system(),
            )
        })
        .await
        .unwrap()
        .endpoint
        .public_id
    };
    let path = format!("/v1/watchlist/{}", declarer.declaration_id);
    assert_eq!(
        app.send(reqwest::Method::PUT, &path, Some(&token), None)
            .await
            .status(),
        204
    );
    revoke(&app, &operator, &declarer.declaration_id).await;
    let items = wait_deliveries(&app, &token, &endpoint_id, Duration::from_secs(10), |d| {
        d.first().is_some_and(|d| d["attempts"].as_i64() >= Some(1))
    })
    .await;
    assert_eq!(items[0]["status"], "pending");
    assert!(items[0]["last_response_status"].is_null());
    let error = items[0]["last_error"].as_str().unwrap();
    assert!(error.contains("no public address"), "{error}");
    assert!(
        receiver.received().is_empty(),
        "nothing reached the receiver"
    );
}

/// An endpoint that fails without a success for `WEBHOOK_DISABLE_AFTER_SECONDS` is disabled,
/// and its client's contact address is told.
#[tokio::test]
async fn an_endpoint_failing_for_days_is_disabled_and_its_client_told() {
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.webhooks.disable_after = chrono::Duration::seconds(2);
    })
    .await
    else {
        return;
    };
    let receiver = Receiver::start().await;
    receiver.answer(503);
    let created = json_with_status(
        app.post_as(
            "/v1/admin/api-clients",
            &app.operator_token().await,
            &json!({"name": "補助金ポータル", "scopes": ["webhooks:manage"], "contact_email": "api@portal.example.jp"}),
        )
        .await,
        201,
    )
    .await;
    let token = app
        .client_token(
            created["client_id"].as_str().unwrap(),
            created["client_secret"].as_str().unwrap(),
        )
        .await;
    let operator = app.operator_token().await;
    let declarer = app.applicant().await;
    let (endpoint_id, _) = register(&app, &token, &receiver.url, &["declaration.revoked"]).await;
    let path = format!("/v1/watchlist/{}", declarer.declaration_id);
    assert_eq!(
        app.send(reqwest::Method::PUT, &path, Some(&token), None)
            .await
            .status(),
        204
    );
    revoke(&app, &operator, &declarer.declaration_id).await;
    // Retries every 200 ms × 3ⁿ: within 2 s it is still enabled, failing.
    receiver.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(endpoint(&app, &token, &endpoint_id).await["enabled"], true);
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut shown = endpoint(&app, &token, &endpoint_id).await;
    while shown["enabled"] == true && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        shown = endpoint(&app, &token, &endpoint_id).await;
    }
    assert_eq!(
        (
            shown["enabled"].as_bool(),
            shown["disabled_reason"].as_str()
        ),
        (Some(false), Some("failing"))
    );
    let mails = app.emails_to("api@portal.example.jp").await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(
        mails[0].1.contains("Webhook送信停止のお知らせ"),
        "{mails:?}"
    );
    assert!(mails[0].2.contains(&receiver.url), "{mails:?}");
    let items = deliveries(&app, &token, &endpoint_id).await;
    assert_eq!(items[0]["status"], "failed");
}

/// Two instances on one PostgreSQL database: each event reaches a healthy receiver exactly
/// once, whichever instance dispatched and sent it.
#[tokio::test]
async fn two_instances_deliver_each_event_once() {
    let Some(app) = TestApp::spawn(Backend::Postgres).await else {
        return;
    };
    let second = spawn_second(&app, |_| {}).await;
    let receiver = Receiver::start().await;
    let token = webhook_client(&app).await;
    let operator = app.operator_token().await;
    let (_, secret) = register(
        &app,
        &token,
        &receiver.url,
        &["declaration.accepted", "declaration.revoked"],
    )
    .await;
    let mut declarers = Vec::new();
    for _ in 0..15 {
        let d = app.applicant().await;
        let path = format!("/v1/watchlist/{}", d.declaration_id);
        assert_eq!(
            app.send(reqwest::Method::PUT, &path, Some(&token), None)
                .await
                .status(),
            204
        );
        declarers.push(d);
    }
    // Changes made through both instances.
    for (i, d) in declarers.iter().enumerate() {
        let base = if i % 2 == 0 {
            app.address.clone()
        } else {
            second.clone()
        };
        for action in ["acceptance", "revocation"] {
            let body = if action == "revocation" {
                json!({"reason": "misleading_claims"})
            } else {
                json!({})
            };
            let answer = app
                .client
                .post(format!(
                    "{base}/v1/admin/declarations/{}/{action}",
                    d.declaration_id
                ))
                .bearer_auth(&operator)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status(), 200, "{action}");
        }
    }
    let got = receiver.wait_for(30, Duration::from_secs(20)).await;
    // A little longer: a duplicate would arrive now.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let got = if got.len() >= 30 {
        receiver.received()
    } else {
        got
    };
    assert_eq!(got.len(), 30, "each of 30 events once");
    let mut by_id: HashMap<String, usize> = HashMap::new();
    for r in &got {
        assert!(r.verifies_with(&secret));
        *by_id.entry(r.header("webhook-id").to_owned()).or_default() += 1;
    }
    assert_eq!(by_id.len(), 30);
    assert!(by_id.values().all(|n| *n == 1));
}
