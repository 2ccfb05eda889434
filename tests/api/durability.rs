//! What survives a crash and what a graceful stop finishes, through the real binary on both
//! backends: SIGKILL under concurrent applications loses no answered application and leaves no
//! half-written one; SIGTERM finishes the requests in flight and writes the buffered
//! verification records.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use diesel::prelude::*;
use security_action::config::DatabaseUrl;
use security_action::db::Db;
use serde_json::{Value, json};

use crate::helpers::*;

/// The binary with only the settings a test gives it.
pub(crate) fn binary(database_url: &str, dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_security-action"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .current_dir(dir)
        .env("DATABASE_URL", database_url)
        .env(
            "JWT_SECRET",
            "durability-signing-key-that-is-long-enough-0123",
        )
        .env("ARGON2_MEMORY_KIB", "256")
        .env("ARGON2_ITERATIONS", "1");
    command
}

/// A running server; killed (SIGKILL) if still running when dropped.
struct Server {
    child: Child,
    address: String,
    /// Every log line, collected by a thread that keeps the pipe drained.
    log: Arc<std::sync::Mutex<Vec<String>>>,
    log_reader: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start(database_url: &str, dir: &std::path::Path, extra: &[(&str, &str)]) -> Server {
        let mut command = binary(database_url, dir);
        command
            .env("BIND_ADDRESS", "127.0.0.1:0")
            .env("METRICS_BIND_ADDRESS", "off")
            .env("LOG_FORMAT", "json")
            .env("PUBLIC_RATE_PER_MINUTE", "1000000")
            .env("PUBLIC_RATE_BURST", "100000")
            .stderr(Stdio::piped());
        for (key, value) in extra {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("the server starts");
        let lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (found, address) = std::sync::mpsc::channel();
        let kept = Arc::clone(&log);
        let log_reader = std::thread::spawn(move || {
            let mut found = Some(found);
            for line in lines.map_while(Result::ok) {
                if let Ok(event) = serde_json::from_str::<Value>(&line)
                    && let Some(address) = event["address"].as_str()
                    && let Some(found) = found.take()
                {
                    let _ = found.send(address.to_owned());
                }
                kept.lock().unwrap().push(line);
            }
        });
        let address = address
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("the server did not start: {:?}", log.lock().unwrap()));
        Server {
            child,
            address,
            log,
            log_reader: Some(log_reader),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// The metrics listener's URL, when the server was started with
    /// `METRICS_BIND_ADDRESS=127.0.0.1:0`.
    fn metrics_url(&self) -> String {
        let log = self.log.lock().unwrap();
        log.iter()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .find_map(|event| {
                let address = event["address"].as_str()?;
                address.ends_with("/metrics").then(|| address.to_owned())
            })
            .unwrap_or_else(|| panic!("no metrics listener in {log:?}"))
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the process to end; its exit status and its whole log.
    fn wait(mut self) -> (std::process::ExitStatus, Vec<String>) {
        let status = self.child.wait().unwrap();
        if let Some(reader) = self.log_reader.take() {
            let _ = reader.join();
        }
        let log = self.log.lock().unwrap().clone();
        (status, log)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A database for one run: a SQLite file in `dir`, or a fresh PostgreSQL database.
pub(crate) fn database(
    backend: Backend,
    dir: &std::path::Path,
) -> Option<(String, Option<PostgresDatabase>)> {
    match backend {
        Backend::Sqlite => Some((
            format!("sqlite://{}", dir.join("durability.db").display()),
            None,
        )),
        Backend::Postgres => {
            let db = PostgresDatabase::create()?;
            Some((db.url.clone(), Some(db)))
        }
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn count(conn: &mut security_action::db::DbConnection, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<Count>(conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .n
}

/// How many declarations the database holds.
async fn declarations(db: &Db) -> i64 {
    let db = db.clone();
    tokio::task::spawn_blocking(move || {
        count(
            &mut db.pool().get().unwrap(),
            "SELECT COUNT(*) AS n FROM declarations",
        )
    })
    .await
    .unwrap()
}

/// Every row an application writes, checked to be all there or all absent.
fn assert_no_half_written_application(db: &Db) {
    let mut conn = db.pool().get().unwrap();
    let conn = &mut *conn;
    let declarers = count(conn, "SELECT COUNT(*) AS n FROM declarers");
    let checks = [
        (
            "accounts",
            "SELECT COUNT(*) AS n FROM accounts WHERE role = 'declarer'",
        ),
        ("declarations", "SELECT COUNT(*) AS n FROM declarations"),
        (
            "applied events",
            "SELECT COUNT(*) AS n FROM declaration_events WHERE kind = 'applied'",
        ),
        (
            "application e-mails",
            "SELECT COUNT(*) AS n FROM outbox_messages WHERE declaration_id IS NOT NULL",
        ),
        (
            "declarations with purposes",
            "SELECT COUNT(DISTINCT declaration_id) AS n FROM declaration_purposes",
        ),
    ];
    for (what, sql) in checks {
        assert_eq!(count(conn, sql), declarers, "{what} against declarers");
    }
    let orphans = [
        "SELECT COUNT(*) AS n FROM declarers d LEFT JOIN accounts a ON a.id = d.account_id WHERE a.id IS NULL",
        "SELECT COUNT(*) AS n FROM declarations x LEFT JOIN declarers d ON d.id = x.declarer_id WHERE d.id IS NULL",
        "SELECT COUNT(*) AS n FROM declarers d LEFT JOIN declarations x ON x.declarer_id = d.id WHERE x.id IS NULL",
        "SELECT COUNT(*) AS n FROM accounts a LEFT JOIN declarers d ON d.account_id = a.id WHERE a.role = 'declarer' AND d.id IS NULL",
    ];
    for sql in orphans {
        assert_eq!(count(conn, sql), 0, "{sql}");
    }
}

/// Applications from 12 concurrent callers until the server is killed (SIGKILL) mid-flight;
/// after a restart every application that was answered 201 can log in and see its declaration,
/// has its e-mail in the outbox, and nothing is half-written.
async fn sigkill_under_concurrent_applications(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let Some((url, _postgres)) = tokio::task::spawn_blocking({
        let dir = dir.path().to_owned();
        move || database(backend, &dir)
    })
    .await
    .unwrap() else {
        return;
    };
    let server = Server::start(&url, dir.path(), &[]);
    let client = http_client()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let mut callers = Vec::new();
    for _ in 0..12 {
        let (client, stop, endpoint) = (
            client.clone(),
            Arc::clone(&stop),
            server.url("/v1/declarations"),
        );
        callers.push(tokio::spawn(async move {
            let mut answered = Vec::new();
            let mut unanswered = 0;
            while !stop.load(Ordering::Relaxed) {
                let application = one_star_application();
                match client.post(&endpoint).json(&application).send().await {
                    Ok(response) if response.status() == 201 => {
                        let body: Value = response.json().await.unwrap_or(Value::Null);
                        if body.is_null() {
                            unanswered += 1; // The body was cut off: its outcome is unknown.
                        } else {
                            answered.push((body, application));
                        }
                    }
                    // Refused, so nothing was accepted: try again.
                    Ok(response) if response.status() == 503 => {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    Ok(response) => panic!(
                        "unexpected answer {}: {}",
                        response.status(),
                        response.text().await.unwrap_or_default()
                    ),
                    Err(_) => unanswered += 1,
                }
            }
            (answered, unanswered)
        }));
    }
    // Let the load build up, then kill the server in the middle of it.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let db_url = DatabaseUrl::parse(&url).unwrap();
    let db = tokio::task::spawn_blocking(move || Db::connect(&db_url, 2).unwrap())
        .await
        .unwrap();
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let written = declarations(&db).await;
        if written >= 40 || tokio::time::Instant::now() > deadline {
            break;
        }
    }
    server.signal("-KILL");
    let (status, _) = server.wait();
    assert!(!status.success(), "killed: {status:?}");
    stop.store(true, Ordering::Relaxed);
    let mut answered = Vec::new();
    let mut unanswered = 0;
    for caller in callers {
        let (a, u) = caller.await.unwrap();
        answered.extend(a);
        unanswered += u;
    }
    assert!(
        answered.len() >= 30,
        "only {} applications answered",
        answered.len()
    );
    assert!(unanswered >= 1, "the kill interrupted no request");

    // Restart on the same database: it starts, and everything answered is there, whole.
    let restarted = Server::start(&url, dir.path(), &[]);
    tokio::task::spawn_blocking({
        let db = db.clone();
        move || assert_no_half_written_application(&db)
    })
    .await
    .unwrap();
    let written = declarations(&db).await;
    assert!(
        written as usize >= answered.len() && written as usize <= answered.len() + unanswered,
        "{written} written, {} answered, {unanswered} unanswered",
        answered.len()
    );
    for (created, application) in &answered {
        let login = client
            .post(restarted.url("/v1/auth/login"))
            .json(&json!({"user_number": created["user_number"], "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 200, "{created}");
        let token: Value = login.json().await.unwrap();
        let me: Value = client
            .get(restarted.url("/v1/me"))
            .bearer_auth(token["access_token"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            me["declaration"]["declaration_id"],
            created["declaration_id"]
        );
        assert_eq!(me["declaration"]["status"], "declared");
        assert_eq!(me["contact"]["email"], application["contact"]["email"]);
        let email = application["contact"]["email"].as_str().unwrap().to_owned();
        let messages = tokio::task::spawn_blocking({
            let db = db.clone();
            move || {
                security_action::db::outbox::for_recipient(&mut db.pool().get().unwrap(), &email)
                    .unwrap()
            }
        })
        .await
        .unwrap();
        assert_eq!(messages.len(), 1, "the application's e-mail for {created}");
    }
    drop(restarted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkill_under_concurrent_applications_loses_nothing_answered_on_sqlite() {
    sigkill_under_concurrent_applications(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkill_under_concurrent_applications_loses_nothing_answered_on_postgres() {
    sigkill_under_concurrent_applications(Backend::Postgres).await;
}

/// SIGTERM while a slow login is being answered and verification records are still buffered:
/// the login gets its answer, and every verification is in the database after the exit.
async fn sigterm_finishes_in_flight_requests_and_flushes_records(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let Some((url, _postgres)) = tokio::task::spawn_blocking({
        let dir = dir.path().to_owned();
        move || database(backend, &dir)
    })
    .await
    .unwrap() else {
        return;
    };
    let output = binary(&url, dir.path())
        .args([
            "admin",
            "create-client",
            "--name",
            "portal",
            "--scope",
            "declarations:verify",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let created: Value = serde_json::from_slice(&output.stdout).unwrap();
    // Logins take a good fraction of a second each, so one is surely in flight at the signal.
    // The records wait an hour before the writer would write them: only the flush on SIGTERM
    // can have written them when the test looks.
    let server = Server::start(
        &url,
        dir.path(),
        &[
            ("ARGON2_MEMORY_KIB", "32768"),
            ("ARGON2_ITERATIONS", "8"),
            ("VERIFICATION_FLUSH_MILLISECONDS", "3600000"),
            ("METRICS_BIND_ADDRESS", "127.0.0.1:0"),
        ],
    );
    let client = http_client().build().unwrap();
    let application = one_star_application();
    let applied = client
        .post(server.url("/v1/declarations"))
        .json(&application)
        .send()
        .await
        .unwrap();
    assert_eq!(applied.status(), 201);
    let applied: Value = applied.json().await.unwrap();
    let token: Value = client
        .post(server.url("/v1/oauth/token"))
        .basic_auth(
            created["client_id"].as_str().unwrap(),
            created["client_secret"].as_str(),
        )
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["access_token"]
        .as_str()
        .expect("a client token")
        .to_owned();
    let path = format!(
        "/v1/verifications/{}",
        applied["declaration_id"].as_str().unwrap()
    );
    for _ in 0..25 {
        let response = client
            .get(server.url(&path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    let db_url = DatabaseUrl::parse(&url).unwrap();
    let recorded = move || {
        let db_url = db_url.clone();
        tokio::task::spawn_blocking(move || {
            let db = Db::connect(&db_url, 1).unwrap();
            count(
                &mut db.pool().get().unwrap(),
                "SELECT COUNT(*) AS n FROM verification_records",
            )
        })
    };
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        recorded().await.unwrap(),
        0,
        "the records are still buffered"
    );
    let login = tokio::spawn({
        let request = client
            .post(server.url("/v1/auth/login"))
            .json(&json!({"user_number": applied["user_number"], "password": PASSWORD}));
        async move { request.send().await }
    });
    // The login is being answered (hashing its password) before the signal is sent.
    let metrics = server.metrics_url();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let text = client
            .get(&metrics)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let in_flight = text
            .lines()
            .find_map(|line| line.strip_prefix("security_action_http_requests_in_flight "))
            .and_then(|n| n.trim().parse::<i64>().ok());
        if in_flight == Some(1) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the login never arrived: {text}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.signal("-TERM");
    let answer = login.await.unwrap();
    let (status, log) = server.wait();
    let answer = answer
        .unwrap_or_else(|error| panic!("the login in flight is answered: {error:?} {log:#?}"));
    assert_eq!(answer.status(), 200);
    assert!(status.success(), "{status:?} {log:?}");
    assert!(
        log.iter()
            .any(|l| l.contains("verification records flushed")),
        "{log:?}"
    );

    assert_eq!(recorded().await.unwrap(), 25);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_in_flight_requests_and_flushes_records_on_sqlite() {
    sigterm_finishes_in_flight_requests_and_flushes_records(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_in_flight_requests_and_flushes_records_on_postgres() {
    sigterm_finishes_in_flight_requests_and_flushes_records(Backend::Postgres).await;
}

/// Failed logins are counted in the database: four before a restart and one after are five
/// within fifteen minutes, and lock the user number.
async fn failed_logins_are_still_counted_after_a_restart(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let Some((url, _postgres)) = tokio::task::spawn_blocking({
        let dir = dir.path().to_owned();
        move || database(backend, &dir)
    })
    .await
    .unwrap() else {
        return;
    };
    let output = binary(&url, dir.path())
        .args([
            "admin",
            "create-operator",
            "--name",
            "事務局 一郎",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let operator: Value = serde_json::from_slice(&output.stdout).unwrap();
    let user_number = operator["user_number"].as_str().unwrap().to_owned();
    let client = http_client().build().unwrap();
    let login = |server: &Server, password: &str| {
        client
            .post(server.url("/v1/auth/login"))
            .json(&json!({"user_number": user_number, "password": password}))
            .send()
    };

    let server = Server::start(&url, dir.path(), &[]);
    for _ in 0..4 {
        assert_eq!(
            login(&server, "guess guess guess").await.unwrap().status(),
            401
        );
    }
    server.signal("-TERM");
    let (status, log) = server.wait();
    assert!(status.success(), "{log:?}");

    let server = Server::start(&url, dir.path(), &[]);
    let fifth = login(&server, "guess guess guess").await.unwrap();
    assert_eq!(
        fifth.status(),
        429,
        "the fifth failure within 15 minutes, across the restart"
    );
    let right = login(&server, operator["password"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(right.status(), 429, "locked even for the right password");
    assert_eq!(
        right.json::<Value>().await.unwrap()["code"],
        "too_many_attempts"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_are_still_counted_after_a_restart_on_sqlite() {
    failed_logins_are_still_counted_after_a_restart(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_are_still_counted_after_a_restart_on_postgres() {
    failed_logins_are_still_counted_after_a_restart(Backend::Postgres).await;
}
