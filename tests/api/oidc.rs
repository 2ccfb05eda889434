//! Signing in with GビズID, against a real OpenID provider: the OpenID-certified `oidc-provider`
//! on Node (`tests/oidc-provider/`), installed from its lockfile with `npm ci` and started on a
//! free port by each test. Without Node the tests that need the provider are skipped with a
//! message, except in CI (`CI` set), where they fail.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;

use security_action::config::{OidcSettings, Secret};
use serde_json::{Value, json};

use crate::helpers::*;

/// The front-end page sign-ins return to in these tests.
const RETURN_TO: &str = "https://declarer.example.jp/signed-in";
const CLIENT_ID: &str = "security-action";
const CLIENT_SECRET: &str = "security-action-secret";

fn provider_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc-provider")
}

/// Whether Node can run the provider: installs its packages from the lockfile once
/// (`npm ci`, only when `node_modules` is missing). `false` with a message when Node is
/// missing outside CI; in CI a missing Node fails.
fn node_ready() -> bool {
    static INSTALL: Mutex<Option<bool>> = Mutex::new(None);
    let mut installed = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(ready) = *installed {
        return ready;
    }
    let node = Command::new("node").arg("--version").output();
    if !node.as_ref().is_ok_and(|o| o.status.success()) {
        assert!(
            !in_ci(),
            "Node is required in CI for the GビズID sign-in tests (tests/oidc-provider)"
        );
        eprintln!(
            "\n*** Node is not installed: SKIPPING the GビズID sign-in tests against the real \
             OpenID provider (tests/oidc-provider). Install Node 20.19 or later to run them. ***\n"
        );
        *installed = Some(false);
        return false;
    }
    let dir = provider_dir();
    if !dir.join("node_modules").is_dir() {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .status()
            .expect("npm runs");
        assert!(status.success(), "npm ci in {} failed", dir.display());
    }
    *installed = Some(true);
    true
}

/// The provider, running; stopped when dropped.
struct Provider {
    child: Child,
    issuer: String,
    client: reqwest::Client,
}

impl Provider {
    /// Starts one that sends sign-ins back to `redirect_uri`, on `port` (0: a free one); `None`
    /// when Node is missing outside CI.
    fn start(redirect_uri: &str, port: u16) -> Option<Provider> {
        Self::start_with(redirect_uri, port, &[])
    }

    /// Like [`Provider::start`], with more of its settings (see `provider.mjs`).
    fn start_with(redirect_uri: &str, port: u16, env: &[(&str, &str)]) -> Option<Provider> {
        if !node_ready() {
            return None;
        }
        let mut child = Command::new("node")
            .arg("provider.mjs")
            .current_dir(provider_dir())
            .env("PORT", port.to_string())
            .envs(env.iter().copied())
            .env("REDIRECT_URIS", redirect_uri)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the provider starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        stdout
            .read_line(&mut line)
            .expect("the provider says where it listens");
        // The rest is read and dropped, so that the provider never writes to a closed pipe.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let started: Value = serde_json::from_str(&line).expect("the provider's first line");
        Some(Provider {
            child,
            issuer: started["issuer"].as_str().expect("issuer").to_owned(),
            client: http_client().build().expect("client"),
        })
    }

    /// Later ID tokens carry these claims instead (signed with the provider's own key).
    async fn tamper(&self, claims: Value) {
        let response = self
            .client
            .post(format!("{}/__test/tamper", self.issuer))
            .json(&claims)
            .send()
            .await
            .expect("tamper");
        assert_eq!(response.status(), 204);
    }

    async fn rotate_keys(&self) {
        let response = self
            .client
            .post(format!("{}/__test/rotate-keys", self.issuer))
            .send()
            .await
            .expect("rotate");
        assert_eq!(response.status(), 200);
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The settings the tests sign in with.
fn settings(issuer: &str) -> OidcSettings {
    OidcSettings {
        issuer_url: issuer.to_owned(),
        client_id: CLIENT_ID.to_owned(),
        client_secret: Secret::new(CLIENT_SECRET),
        redirect_url: None,
        return_urls: vec![url::Url::parse(RETURN_TO).unwrap()],
        scopes: vec!["profile".to_owned()],
        corporate_number_claim: "corporate_number".to_owned(),
        account_kind_claim: "account_type".to_owned(),
        refused_account_kinds: vec!["entry".to_owned()],
        state_lifetime: chrono::Duration::minutes(10),
        code_lifetime: chrono::Duration::seconds(60),
    }
}

/// A port nothing listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// The service and the provider, each told of the other; `None` when either half cannot run.
async fn spawn(backend: Backend) -> Option<(TestApp, Provider)> {
    spawn_with(backend, |_| {}).await
}

/// Like [`spawn`], with a chance to change the sign-in settings.
async fn spawn_with(
    backend: Backend,
    adjust: impl FnOnce(&mut OidcSettings),
) -> Option<(TestApp, Provider)> {
    // The service's port is chosen first: the provider must know the callback URL.
    let port = free_port();
    let provider = Provider::start(&format!("http://127.0.0.1:{port}/v1/auth/oidc/callback"), 0)?;
    let issuer = provider.issuer.clone();
    let app = TestApp::spawn_with(backend, |config| {
        config.bind_address = format!("127.0.0.1:{port}").parse().unwrap();
        let mut settings = settings(&issuer);
        adjust(&mut settings);
        config.oidc = Some(settings);
    })
    .await?;
    Some((app, provider))
}

/// A person's browser: follows nothing by itself, keeps the provider's cookies.
struct Browser {
    client: reqwest::Client,
    cookies: Vec<(String, String)>,
}

impl Browser {
    fn new() -> Browser {
        Browser {
            client: http_client()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            cookies: Vec::new(),
        }
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> reqwest::Response {
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let response = request
            .header("Cookie", cookie)
            .send()
            .await
            .expect("request");
        for set in response.headers().get_all("set-cookie") {
            let pair = set.to_str().unwrap().split(';').next().unwrap();
            if let Some((name, value)) = pair.split_once('=') {
                self.cookies.retain(|(k, _)| k != name);
                self.cookies
                    .push((name.trim().to_owned(), value.to_owned()));
            }
        }
        response
    }

    /// The redirect's target, resolved against the request's URL.
    fn location(response: &reqwest::Response) -> url::Url {
        let location = response
            .headers()
            .get("location")
            .unwrap_or_else(|| {
                panic!(
                    "no redirect from {} ({})",
                    response.url(),
                    response.status()
                )
            })
            .to_str()
            .unwrap();
        response.url().join(location).expect("a URL")
    }

    /// From the service's authorization endpoint through the provider's sign-in (as `login`)
    /// and consent pages, to the provider's redirect to the service's callback: its URL.
    async fn sign_in_at_provider(&mut self, app: &TestApp, login: &str) -> url::Url {
        let start = self
            .send(self.client.get(app.url(&format!(
                "/v1/auth/oidc/authorization?return_to={}",
                urlencode(RETURN_TO)
            ))))
            .await;
        assert_eq!(
            start.status(),
            302,
            "the service sends the person to the provider"
        );
        let mut next = Browser::location(&start);
        for _ in 0..10 {
            if next
                .as_str()
                .starts_with(&app.url("/v1/auth/oidc/callback"))
            {
                return next;
            }
            let response = self.send(self.client.get(next.clone())).await;
            if response.status().is_redirection() {
                next = Browser::location(&response);
                continue;
            }
            assert_eq!(response.status(), 200, "a page of the provider: {next}");
            let page = response.text().await.unwrap();
            let form: Vec<(&str, &str)> = if page.contains(r#"name="prompt" value="consent""#) {
                vec![("prompt", "consent")]
            } else {
                vec![("prompt", "login"), ("login", login), ("password", "any")]
            };
            let body = serde_urlencoded::to_string(&form).unwrap();
            let submitted = self
                .send(
                    self.client
                        .post(next.clone())
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .body(body),
                )
                .await;
            next = Browser::location(&submitted);
        }
        panic!("the provider did not send the person back");
    }

    /// The whole sign-in: where the service finally sends the person (`return_to` with
    /// `code` or `error`).
    async fn sign_in(&mut self, app: &TestApp, login: &str) -> url::Url {
        let callback = self.sign_in_at_provider(app, login).await;
        let landed = self.send(self.client.get(callback)).await;
        assert_eq!(
            landed.status(),
            302,
            "the callback redirects to the front end"
        );
        Browser::location(&landed)
    }
}

fn urlencode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// A query parameter of a URL.
fn param(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Where the front end landed, with `code` and no `error`: the code.
fn code_of(landed: &url::Url) -> String {
    assert!(
        landed.as_str().starts_with(RETURN_TO),
        "back at return_to: {landed}"
    );
    assert_eq!(param(landed, "error"), None, "{landed}");
    param(landed, "code").expect("a one-time code")
}

/// Where the front end landed, with `error` and no code: the error.
fn error_of(landed: &url::Url) -> String {
    assert!(
        landed.as_str().starts_with(RETURN_TO),
        "back at return_to: {landed}"
    );
    assert_eq!(
        param(landed, "code"),
        None,
        "no code with an error: {landed}"
    );
    param(landed, "error").expect("an error")
}

/// The corporate number of an applicant's application.
fn corporate_number_of(applicant: &Applicant) -> String {
    applicant.application["organization"]["corporate_number"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Nothing was signed in: no session, no one-time code.
async fn assert_no_session(app: &TestApp, sessions_before: i64) {
    assert_eq!(
        app.count("refresh_tokens").await,
        sessions_before,
        "no session was made"
    );
    assert_eq!(
        app.count("oidc_sign_in_codes").await,
        0,
        "no one-time code was made"
    );
}

async fn signs_in_end_to_end(backend: Backend) {
    let Some((app, _provider)) = spawn(backend).await else {
        return;
    };
    let applicant = app.applicant().await;
    let number = corporate_number_of(&applicant);
    let mut browser = Browser::new();

    let code = code_of(&browser.sign_in(&app, &format!("{number}:prime")).await);
    let tokens = json_with_status(
        app.post_json("/v1/auth/oidc/token", &json!({"code": code}))
            .await,
        200,
    )
    .await;
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 900);
    let me = json_with_status(
        app.get_as("/v1/me", tokens["access_token"].as_str().unwrap())
            .await,
        200,
    )
    .await;
    assert_eq!(me["user_number"], applicant.user_number.as_str());
    let renewed = json_with_status(
        app.post_json(
            "/v1/auth/refresh",
            &json!({"refresh_token": tokens["refresh_token"]}),
        )
        .await,
        200,
    )
    .await;
    assert!(renewed["access_token"].is_string());
    let audit = app.audit_of("account", &applicant.user_number).await;
    let actions: Vec<&str> = audit.iter().map(|(a, _, _)| a.as_str()).collect();
    assert!(actions.contains(&"auth.oidc_linked"), "{actions:?}");

    // Later sign-ins follow the link (the provider remembers the person: no pages this time).
    let again = code_of(&browser.sign_in(&app, "ignored").await);
    let tokens = json_with_status(
        app.post_json("/v1/auth/oidc/token", &json!({"code": again}))
            .await,
        200,
    )
    .await;
    let me = json_with_status(
        app.get_as("/v1/me", tokens["access_token"].as_str().unwrap())
            .await,
        200,
    )
    .await;
    assert_eq!(me["user_number"], applicant.user_number.as_str());
    assert_eq!(app.count("oidc_links").await, 1);
    // The user number and password still work.
    app.login(&applicant.user_number, PASSWORD).await;
}

#[tokio::test]
async fn a_declarer_signs_in_with_gbizid_on_sqlite() {
    signs_in_end_to_end(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_declarer_signs_in_with_gbizid_on_postgres() {
    signs_in_end_to_end(Backend::Postgres).await;
}

async fn attacks_are_refused(backend: Backend) {
    let Some((app, provider)) = spawn(backend).await else {
        return;
    };
    let applicant = app.applicant().await;
    let login = format!("{}:prime", corporate_number_of(&applicant));
    let sessions = app.count("refresh_tokens").await;

    // Parameters longer than the contract says: 422 naming the field; one character less goes
    // on to the usual checks (here: no such sign-in).
    let long = |n: usize| "x".repeat(n);
    let refused = app
        .get(&format!(
            "/v1/auth/oidc/callback?state=abc&error_description={}",
            long(1025)
        ))
        .await;
    let problem = assert_problem(refused, 422, "validation_failed").await;
    assert!(
        problem.to_string().contains("error_description"),
        "{problem}"
    );
    let allowed = app
        .get(&format!(
            "/v1/auth/oidc/callback?state=abc&error_description={}",
            long(1024)
        ))
        .await;
    assert_problem(allowed, 400, "invalid_state").await;
    let refused = app
        .get(&format!(
            "/v1/auth/oidc/authorization?return_to={}",
            long(2049)
        ))
        .await;
    assert_problem(refused, 422, "validation_failed").await;
    let allowed = app
        .get(&format!(
            "/v1/auth/oidc/authorization?return_to={}",
            long(2048)
        ))
        .await;
    assert_problem(allowed, 400, "return_to_not_allowed").await;

    // A return_to outside the allow-list.
    for outside in [
        "https://evil.example/signed-in",
        "https://declarer.example.jp.evil.example/signed-in",
        "https://declarer.example.jp/signed-in/../elsewhere",
        "https://declarer.example.jp/other",
    ] {
        let response = app
            .get(&format!(
                "/v1/auth/oidc/authorization?return_to={}",
                urlencode(outside)
            ))
            .await;
        assert_problem(response, 400, "return_to_not_allowed").await;
    }

    // A wrong state: the callback does not know where to go, and says so.
    let mut browser = Browser::new();
    let mut callback = browser.sign_in_at_provider(&app, &login).await;
    let code = param(&callback, "code").unwrap();
    callback
        .query_pairs_mut()
        .clear()
        .append_pair("code", &code)
        .append_pair("state", "forged-state");
    assert_problem(
        app.get(&format!(
            "{}?{}",
            callback.path(),
            callback.query().unwrap()
        ))
        .await,
        400,
        "invalid_state",
    )
    .await;
    assert_no_session(&app, sessions).await;

    // The provider's answer to someone else's sign-in, opened in another browser (login CSRF:
    // a person lured into signing in as the attacker): refused, and spent.
    let mut attacker = Browser::new();
    let callback = attacker.sign_in_at_provider(&app, &login).await;
    let mut victim = Browser::new();
    let lured = victim.send(victim.client.get(callback.clone())).await;
    assert_problem(lured, 400, "invalid_state").await;
    let later = attacker.send(attacker.client.get(callback)).await;
    assert_problem(later, 400, "invalid_state").await;
    assert_no_session(&app, sessions).await;

    // A replayed callback: the first one works, the same answer again does not.
    let callback = browser.sign_in_at_provider(&app, &login).await;
    let first = browser.send(browser.client.get(callback.clone())).await;
    let code = code_of(&Browser::location(&first));
    let replay = browser.send(browser.client.get(callback)).await;
    assert_problem(replay, 400, "invalid_state").await;

    // A replayed one-time code: exchanged once, refused the second time.
    json_with_status(
        app.post_json("/v1/auth/oidc/token", &json!({"code": code}))
            .await,
        200,
    )
    .await;
    let sessions = app.count("refresh_tokens").await;
    assert_problem(
        app.post_json("/v1/auth/oidc/token", &json!({"code": code}))
            .await,
        400,
        "invalid_sign_in_code",
    )
    .await;
    assert_problem(
        app.post_json("/v1/auth/oidc/token", &json!({"code": "never-issued"}))
            .await,
        400,
        "invalid_sign_in_code",
    )
    .await;
    assert_eq!(
        app.count("refresh_tokens").await,
        sessions,
        "no session was made"
    );

    // ID tokens the provider signed, but for another client, expired, or with another nonce.
    let codes_before = app.count("oidc_sign_in_codes").await;
    for tampered in [
        json!({"aud": "another-service"}),
        json!({"exp_offset": -30}),
        json!({"nonce": "a-nonce-of-another-sign-in"}),
        json!({"iat_offset": 3600}),
        json!({"iat_offset": -3600}),
    ] {
        provider.tamper(tampered.clone()).await;
        let landed = Browser::new().sign_in(&app, &login).await;
        assert_eq!(error_of(&landed), "sign_in_failed", "{tampered}");
        assert_eq!(
            app.count("refresh_tokens").await,
            sessions,
            "{tampered}: no session"
        );
        assert_eq!(
            app.count("oidc_sign_in_codes").await,
            codes_before,
            "{tampered}: no one-time code"
        );
    }
    provider.tamper(json!({})).await;

    // An answer naming another issuer (RFC 9207: a mix-up of providers).
    let mut browser = Browser::new();
    let callback = browser.sign_in_at_provider(&app, &login).await;
    let mut mixed_up = callback.clone();
    mixed_up
        .query_pairs_mut()
        .clear()
        .extend_pairs(callback.query_pairs().map(|(k, v)| {
            if k == "iss" {
                (k, "https://another-provider.example".into())
            } else {
                (k, v)
            }
        }));
    let landed = Browser::location(&browser.send(browser.client.get(mixed_up)).await);
    assert_eq!(error_of(&landed), "sign_in_failed");
    assert_eq!(app.count("oidc_sign_in_codes").await, codes_before);

    code_of(&Browser::new().sign_in(&app, &login).await);
}

#[tokio::test]
async fn attacks_on_the_sign_in_are_refused_on_sqlite() {
    attacks_are_refused(Backend::Sqlite).await;
}

#[tokio::test]
async fn attacks_on_the_sign_in_are_refused_on_postgres() {
    attacks_are_refused(Backend::Postgres).await;
}

#[tokio::test]
async fn who_may_not_sign_in_is_told_why() {
    let Some((app, _provider)) = spawn(Backend::Sqlite).await else {
        return;
    };
    let applicant = app.applicant().await;
    let number = corporate_number_of(&applicant);

    // No declaration has the corporate number: the front end may offer to apply.
    let landed = Browser::new()
        .sign_in(&app, &format!("{}:prime", corporate_number()))
        .await;
    assert_eq!(error_of(&landed), "no_declaration");
    // A GビズID エントリー account, although its corporation has declared.
    let landed = Browser::new()
        .sign_in(&app, &format!("{number}:entry"))
        .await;
    assert_eq!(error_of(&landed), "account_kind_refused");
    // An account without a corporate number (a sole proprietor's).
    let landed = Browser::new().sign_in(&app, "-:prime").await;
    assert_eq!(error_of(&landed), "corporate_number_missing");
    assert_eq!(app.count("oidc_links").await, 0, "nothing was linked");
    assert_eq!(app.count("oidc_sign_in_codes").await, 0);

    // Linked, then withdrawn: the link no longer signs in.
    let login = format!("{number}:member");
    code_of(&Browser::new().sign_in(&app, &login).await);
    json_with_status(
        app.post_as(
            &format!("/v1/declarations/{}/withdrawal", applicant.declaration_id),
            &applicant.access_token,
            &json!({"reason": "事業を廃止したため"}),
        )
        .await,
        200,
    )
    .await;
    let landed = Browser::new().sign_in(&app, &login).await;
    assert_eq!(error_of(&landed), "declaration_not_live");
    assert_eq!(
        app.count("oidc_sign_in_codes").await,
        1,
        "only the first sign-in's code"
    );

    // The corporation declares again, as a new declarer: the link follows it.
    let mut application = one_star_application();
    application["organization"]["corporate_number"] = json!(number);
    let renewed = app.applicant_with(application).await;
    let code = code_of(&Browser::new().sign_in(&app, &login).await);
    let tokens = json_with_status(
        app.post_json("/v1/auth/oidc/token", &json!({"code": code}))
            .await,
        200,
    )
    .await;
    let me = json_with_status(
        app.get_as("/v1/me", tokens["access_token"].as_str().unwrap())
            .await,
        200,
    )
    .await;
    assert_eq!(me["user_number"], renewed.user_number.as_str());
    let audit = app.audit_of("account", &renewed.user_number).await;
    assert!(
        audit.iter().any(|(a, _, _)| a == "auth.oidc_relinked"),
        "{audit:?}"
    );

    // A disabled account signs in no more, and a code issued before it was disabled is dead.
    let code = code_of(&Browser::new().sign_in(&app, &login).await);
    let user_number = renewed.user_number.clone();
    app.state
        .db
        .write(move |conn| {
            use diesel::prelude::*;
            use security_action::db::schema::accounts;
            diesel::update(accounts::table.filter(accounts::user_number.eq(user_number)))
                .set(accounts::disabled_at.eq(security_action::db::now()))
                .execute(conn)?;
            Ok::<_, security_action::db::DbError>(())
        })
        .await
        .unwrap();
    let sessions = app.count("refresh_tokens").await;
    assert_problem(
        app.post_json("/v1/auth/oidc/token", &json!({"code": code}))
            .await,
        400,
        "invalid_sign_in_code",
    )
    .await;
    assert_eq!(
        app.count("refresh_tokens").await,
        sessions,
        "no session was made"
    );
    let landed = Browser::new().sign_in(&app, &login).await;
    assert_eq!(error_of(&landed), "account_disabled");
}

#[tokio::test]
async fn an_account_without_a_usable_password_signs_in() {
    let Some((app, _provider)) = spawn(Backend::Sqlite).await else {
        return;
    };
    let applicant = app.applicant().await;
    // As an imported account that was never activated: no password works.
    let user_number = applicant.user_number.clone();
    app.state
        .db
        .write(move |conn| {
            use diesel::prelude::*;
            use security_action::db::schema::accounts;
            diesel::update(accounts::table.filter(accounts::user_number.eq(user_number)))
                .set(accounts::password_hash.eq(""))
                .execute(conn)?;
            Ok::<_, security_action::db::DbError>(())
        })
        .await
        .unwrap();
    assert_problem(
        app.post_json(
            "/v1/auth/login",
            &json!({"user_number": applicant.user_number, "password": PASSWORD}),
        )
        .await,
        401,
        "invalid_credentials",
    )
    .await;
    let login = format!("{}:prime", corporate_number_of(&applicant));
    let code = code_of(&Browser::new().sign_in(&app, &login).await);
    let tokens = json_with_status(
        app.post_json("/v1/auth/oidc/token", &json!({"code": code}))
            .await,
        200,
    )
    .await;
    let me = json_with_status(
        app.get_as("/v1/me", tokens["access_token"].as_str().unwrap())
            .await,
        200,
    )
    .await;
    assert_eq!(me["user_number"], applicant.user_number.as_str());
}

#[tokio::test]
async fn sign_ins_and_their_codes_expire() {
    let Some((app, _provider)) = spawn_with(Backend::Sqlite, |settings| {
        settings.state_lifetime = chrono::Duration::seconds(2);
        settings.code_lifetime = chrono::Duration::seconds(1);
    })
    .await
    else {
        return;
    };
    let applicant = app.applicant().await;
    let login = format!("{}:prime", corporate_number_of(&applicant));
    let sessions = app.count("refresh_tokens").await;

    // A code not exchanged in time.
    let code = code_of(&Browser::new().sign_in(&app, &login).await);
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_problem(
        app.post_json("/v1/auth/oidc/token", &json!({"code": code}))
            .await,
        400,
        "invalid_sign_in_code",
    )
    .await;
    assert_eq!(
        app.count("refresh_tokens").await,
        sessions,
        "no session was made"
    );

    // A sign-in that took too long at the provider.
    let mut browser = Browser::new();
    let callback = browser.sign_in_at_provider(&app, &login).await;
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let landed = Browser::location(&browser.send(browser.client.get(callback)).await);
    assert_eq!(error_of(&landed), "sign_in_expired");
}

#[tokio::test]
async fn cancelling_at_the_provider_returns_to_the_front_end() {
    let Some((app, _provider)) = spawn(Backend::Sqlite).await else {
        return;
    };
    let mut browser = Browser::new();
    let start = browser
        .send(browser.client.get(app.url(&format!(
            "/v1/auth/oidc/authorization?return_to={}",
            urlencode(RETURN_TO)
        ))))
        .await;
    let interaction = Browser::location(
        &browser
            .send(browser.client.get(Browser::location(&start)))
            .await,
    );
    let abort = interaction
        .join(&format!("{}/abort", interaction.path()))
        .unwrap();
    let mut next = Browser::location(&browser.send(browser.client.get(abort)).await);
    while !next
        .as_str()
        .starts_with(&app.url("/v1/auth/oidc/callback"))
    {
        next = Browser::location(&browser.send(browser.client.get(next)).await);
    }
    let landed = Browser::location(&browser.send(browser.client.get(next)).await);
    assert_eq!(error_of(&landed), "sign_in_cancelled");
}

#[tokio::test]
async fn a_rotation_of_the_providers_keys_is_followed() {
    let Some((app, provider)) = spawn(Backend::Sqlite).await else {
        return;
    };
    let applicant = app.applicant().await;
    let login = format!("{}:prime", corporate_number_of(&applicant));
    // The service reads the provider's keys at the first sign-in …
    code_of(&Browser::new().sign_in(&app, &login).await);
    // … and the provider then signs with a key the service has never seen.
    provider.rotate_keys().await;
    // Keys are read again at most every ten seconds.
    tokio::time::sleep(std::time::Duration::from_secs(11)).await;
    let code = code_of(&Browser::new().sign_in(&app, &login).await);
    json_with_status(
        app.post_json("/v1/auth/oidc/token", &json!({"code": code}))
            .await,
        200,
    )
    .await;
}

#[tokio::test]
async fn without_a_provider_the_routes_say_so() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let return_to = urlencode(RETURN_TO);
    assert_problem(
        app.get(&format!(
            "/v1/auth/oidc/authorization?return_to={return_to}"
        ))
        .await,
        404,
        "oidc_not_configured",
    )
    .await;
    assert_problem(
        app.get("/v1/auth/oidc/callback?code=x&state=y").await,
        404,
        "oidc_not_configured",
    )
    .await;
    assert_problem(
        app.post_json("/v1/auth/oidc/token", &json!({"code": "x"}))
            .await,
        404,
        "oidc_not_configured",
    )
    .await;
}

#[tokio::test]
async fn a_provider_that_is_down_at_start_is_used_once_it_is_up() {
    // The service starts while nothing answers at the issuer, and says 503 …
    let (port, provider_port) = (free_port(), free_port());
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, |config| {
        config.bind_address = format!("127.0.0.1:{port}").parse().unwrap();
        config.oidc = Some(settings(&format!("http://127.0.0.1:{provider_port}")));
    })
    .await
    else {
        return;
    };
    let start = format!(
        "/v1/auth/oidc/authorization?return_to={}",
        urlencode(RETURN_TO)
    );
    for _ in 0..2 {
        let response = app.get(&start).await;
        assert!(response.headers().contains_key("retry-after"));
        assert_problem(response, 503, "oidc_provider_unavailable").await;
    }
    // … and signs in once the provider is up (it is asked again after five seconds).
    let Some(_provider) = Provider::start(
        &format!("http://127.0.0.1:{port}/v1/auth/oidc/callback"),
        provider_port,
    ) else {
        return;
    };
    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    let applicant = app.applicant().await;
    let login = format!("{}:prime", corporate_number_of(&applicant));
    code_of(&Browser::new().sign_in(&app, &login).await);
}

#[tokio::test]
async fn claims_only_at_the_userinfo_endpoint_are_read_there() {
    let port = free_port();
    let Some(provider) = Provider::start_with(
        &format!("http://127.0.0.1:{port}/v1/auth/oidc/callback"),
        0,
        &[("CLAIMS_IN", "userinfo")],
    ) else {
        return;
    };
    let issuer = provider.issuer.clone();
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, |config| {
        config.bind_address = format!("127.0.0.1:{port}").parse().unwrap();
        config.oidc = Some(settings(&issuer));
    })
    .await
    else {
        return;
    };
    let applicant = app.applicant().await;
    let number = corporate_number_of(&applicant);
    let landed = Browser::new()
        .sign_in(&app, &format!("{number}:entry"))
        .await;
    assert_eq!(error_of(&landed), "account_kind_refused");
    let code = code_of(
        &Browser::new()
            .sign_in(&app, &format!("{number}:prime"))
            .await,
    );
    let tokens = json_with_status(
        app.post_json("/v1/auth/oidc/token", &json!({"code": code}))
            .await,
        200,
    )
    .await;
    let me = json_with_status(
        app.get_as("/v1/me", tokens["access_token"].as_str().unwrap())
            .await,
        200,
    )
    .await;
    assert_eq!(me["user_number"], applicant.user_number.as_str());
}
