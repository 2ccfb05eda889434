//! What the service answers below the level of an operation: slow clients, malformed requests,
//! and the headers every answer carries. Every test runs on both backends, like the others,
//! though the database takes no part.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::*;

/// The application on each backend that can run here, with a configuration of its own.
async fn apps(adjust: impl Fn(&mut security_action::config::Config)) -> Vec<TestApp> {
    let mut apps = Vec::new();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        if let Some(app) = TestApp::spawn_with(backend, &adjust).await {
            apps.push(app);
        }
    }
    apps
}

/// Sends raw bytes on a new connection and reads until the server closes it or `wait` has
/// passed: (what was read, whether the server closed the connection).
async fn exchange(app: &TestApp, request: &[u8], wait: Duration) -> (String, bool) {
    let address = app.address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await.expect("connect");
    stream.write_all(request).await.expect("write");
    let mut received = Vec::new();
    let mut buffer = [0u8; 8192];
    let deadline = tokio::time::Instant::now() + wait;
    let closed = loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break true,
            Ok(Ok(n)) => received.extend_from_slice(&buffer[..n]),
            Err(_) => break false,
        }
    };
    (String::from_utf8_lossy(&received).into_owned(), closed)
}

#[tokio::test]
async fn a_body_that_arrives_too_slowly_is_cut_with_408() {
    for app in apps(|c| c.request_timeout = Duration::from_secs(1)).await {
        let started = Instant::now();
        let (answer, closed) = exchange(
            &app,
            b"POST /v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{\"user_number\": \"3182",
            Duration::from_secs(10),
        )
        .await;
        let elapsed = started.elapsed();
        assert!(
            answer.starts_with("HTTP/1.1 408"),
            "{:?}: {answer}",
            app.backend
        );
        assert!(elapsed < Duration::from_secs(6), "{elapsed:?}");
        let lower = answer.to_ascii_lowercase();
        assert!(
            lower.contains("content-type: application/problem+json"),
            "{answer}"
        );
        assert!(lower.contains("x-request-id: "), "{answer}");
        assert!(answer.contains(r#""code":"request_timeout""#), "{answer}");
        assert!(closed, "the connection is closed after a 408: {answer}");
        // A request that sends its body in time is not affected.
        let response = app.post_json("/v1/auth/login", &serde_json::json!({"user_number": "318204957362", "password": "not the right one"})).await;
        assert_problem(response, 401, "invalid_credentials").await;
    }
}

#[tokio::test]
async fn head_is_answered_as_get_without_the_body() {
    for app in apps(|_| {}).await {
        for path in [
            "/v1/terms",
            "/healthz",
            "/openapi.json",
            "/v1/diagnosis/questionnaire",
        ] {
            let get = app.get(path).await;
            assert_eq!(get.status(), 200, "{path}");
            let get_type = get.headers()["content-type"].clone();
            let get_body = get.bytes().await.unwrap();
            let head = app.client.head(app.url(path)).send().await.unwrap();
            assert_eq!(head.status(), 200, "HEAD {path}");
            assert_eq!(head.headers()["content-type"], get_type, "HEAD {path}");
            assert_eq!(
                head.headers()["content-length"].to_str().unwrap(),
                get_body.len().to_string(),
                "HEAD {path}"
            );
            assert!(head.headers().contains_key("x-request-id"), "HEAD {path}");
            assert!(head.bytes().await.unwrap().is_empty(), "HEAD {path}");
        }
        // A protected GET route answers HEAD as it answers GET: 401 without a token.
        let head = app.client.head(app.url("/v1/me")).send().await.unwrap();
        assert_eq!(head.status(), 401);
        assert_eq!(head.headers()["www-authenticate"], "Bearer");
        // A route without GET still refuses HEAD, and says which methods it has.
        let head = app
            .client
            .head(app.url("/v1/diagnosis/score"))
            .send()
            .await
            .unwrap();
        assert_eq!(head.status(), 405);
        assert_eq!(head.headers()["allow"], "POST");
    }
}

/// Requests that actix-http refuses before the service sees them (it answers them itself),
/// sent on raw connections: a 100 KB URI, an oversized head, a malformed header. Returns the
/// status lines.
async fn send_malformed_requests(address: &str) -> Vec<String> {
    let mut statuses = Vec::new();
    let long_uri = format!(
        "GET /v1/terms?q={} HTTP/1.1\r\nHost: x\r\n\r\n",
        "a".repeat(100_000)
    );
    let big_head = format!(
        "GET /v1/terms HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "b".repeat(100_000)
    );
    let bad_header = "GET /v1/terms HTTP/1.1\r\nHost: x\r\nBad Header: x\r\n\r\n".to_owned();
    for request in [long_uri, big_head, bad_header] {
        let Ok(mut stream) = TcpStream::connect(address).await else {
            panic!("cannot connect to {address}");
        };
        let _ = stream.write_all(request.as_bytes()).await;
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
        let answer = String::from_utf8_lossy(&answer);
        statuses.push(answer.lines().next().unwrap_or_default().to_owned());
    }
    statuses
}

/// A child process killed if it is still running when dropped (a failed assertion included).
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The service's own log, as an operator who redirects it to a file reads it: malformed
/// requests leave no ERROR line (any client could flood the log with them), the lines hold no
/// terminal colour codes, and durations are rounded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirected_log_has_no_colours_and_no_errors_for_malformed_requests() {
    use std::io::{BufRead, BufReader};
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let dir = tempfile::tempdir().unwrap();
        let Some((url, _postgres)) = tokio::task::spawn_blocking({
            let dir = dir.path().to_owned();
            move || crate::durability::database(backend, &dir)
        })
        .await
        .unwrap() else {
            continue;
        };
        let child = crate::durability::binary(&url, dir.path())
            .env("BIND_ADDRESS", "127.0.0.1:0")
            .env("METRICS_BIND_ADDRESS", "off")
            .env("LOG_FORMAT", "pretty")
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut child = Running(child);
        let (lines_out, lines) = std::sync::mpsc::channel::<String>();
        let stderr = child.0.stderr.take().unwrap();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = lines_out.send(line);
            }
        });
        let mut log = Vec::new();
        let address = loop {
            let line = lines
                .recv_timeout(Duration::from_secs(60))
                .expect("the server logs its address");
            // Read through colour codes, so that a coloured log fails below, not here.
            let plain: String = line
                .split('\u{1b}')
                .map(|part| part.split_once('m').map_or(part, |(_, rest)| rest))
                .collect();
            log.push(line);
            if let Some(address) = plain.split("address=http://").nth(1) {
                break address.split_whitespace().next().unwrap().to_owned();
            }
        };
        let statuses = send_malformed_requests(&address).await;
        assert!(
            statuses
                .iter()
                .filter(|s| s.starts_with("HTTP/1.1 4"))
                .count()
                >= 2,
            "{statuses:?}"
        );
        let answer = reqwest::get(format!("http://{address}/v1/terms"))
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
        let status = std::process::Command::new("kill")
            .args(["-TERM", &child.0.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        assert!(child.0.wait().unwrap().success());
        reader.join().unwrap();
        log.extend(lines.try_iter());
        let log = log.join("\n");
        assert!(
            !log.contains('\u{1b}'),
            "{backend:?}: colour codes in a redirected log:\n{log}"
        );
        assert!(
            !log.contains(" ERROR "),
            "{backend:?}: errors logged for the client's faults:\n{log}"
        );
        let durations: Vec<&str> = log
            .split("elapsed_ms=")
            .skip(1)
            .map(|rest| rest.split_whitespace().next().unwrap())
            .collect();
        assert!(!durations.is_empty(), "{log}");
        for duration in durations {
            let decimals = duration.split_once('.').map_or(0, |(_, d)| d.len());
            assert!(decimals <= 2, "{backend:?}: elapsed_ms={duration}");
        }
    }
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let header = |response: &reqwest::Response, name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    for app in apps(|_| {}).await {
        let applicant = app.applicant().await;
        let notice = app
            .get_as(
                &format!(
                    "/v1/declarations/{}/completion-notice",
                    applicant.declaration_id
                ),
                &applicant.access_token,
            )
            .await;
        let swagger = app.get("/swagger-ui/").await;
        let answers = [
            ("a JSON answer", app.get("/v1/terms").await),
            ("a problem", app.get("/v1/nothing-here").await),
            ("an unauthenticated one", app.get("/v1/me").await),
            ("the notice", notice),
            ("Swagger UI", swagger),
            ("the document", app.get("/openapi.json").await),
        ];
        for (what, response) in &answers {
            assert_eq!(
                header(response, "x-content-type-options"),
                "nosniff",
                "{what}"
            );
            let policy = header(response, "content-security-policy");
            assert!(
                policy.contains("frame-ancestors 'none'"),
                "{what}: {policy}"
            );
            assert!(policy.starts_with("default-src 'none'"), "{what}: {policy}");
        }
        let (_, notice) = &answers[3];
        assert_eq!(header(notice, "content-type"), "text/html; charset=utf-8");
        assert_eq!(
            header(notice, "content-security-policy"),
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
        );
        let (_, swagger) = &answers[4];
        assert_eq!(swagger.status(), 200);
        let policy = header(swagger, "content-security-policy");
        assert!(
            policy.contains("script-src 'self'") && !policy.contains("unsafe-eval"),
            "{policy}"
        );
        assert!(policy.contains("connect-src 'self'"), "{policy}");
    }
}
