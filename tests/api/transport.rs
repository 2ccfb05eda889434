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
