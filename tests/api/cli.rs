//! The command line: configuration errors are one clear line; `migrate` applies migrations.

use std::process::Command;

use crate::helpers::*;

fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_security-action"));
    // Only what a test sets reaches the program.
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    command
}

fn run(command: &mut Command) -> (i32, String, String) {
    let output = command.output().expect("the binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn assert_one_line_config_error(env: &[(&str, &str)], expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut command = binary();
    command.current_dir(dir.path()).arg("migrate");
    for (key, value) in env {
        command.env(key, value);
    }
    let (code, _, stderr) = run(&mut command);
    assert_eq!(code, 2, "{stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line: {stderr}");
    assert!(lines[0].starts_with("error: configuration: "), "{stderr}");
    assert!(lines[0].contains(expected), "{expected} in {stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
}

#[test]
fn bad_configuration_stops_the_start_with_one_clear_line() {
    assert_one_line_config_error(&[("DATABASE_URL", "mysql://localhost/x")], "DATABASE_URL");
    assert_one_line_config_error(&[("DATABASE_URL", "postgres://")], "DATABASE_URL");
    assert_one_line_config_error(&[("ACCEPTANCE_MODE", "sometimes")], "ACCEPTANCE_MODE");
    assert_one_line_config_error(&[("BIND_ADDRESS", "localhost:eighty")], "BIND_ADDRESS");
    assert_one_line_config_error(&[("LOG_FORMAT", "xml")], "LOG_FORMAT");
    assert_one_line_config_error(&[("APP_ENV", "production")], "JWT_SECRET");
    assert_one_line_config_error(&[("JWT_SECRET", "short")], "JWT_SECRET");
    let jwt = (
        "JWT_SECRET",
        "a-production-signing-key-of-enough-length-0123",
    );
    assert_one_line_config_error(&[("APP_ENV", "production"), jwt], "RECEIPT_SIGNING_KEY");
    assert_one_line_config_error(
        &[("RECEIPT_SIGNING_KEY", "/nonexistent/receipt-key.pem")],
        "RECEIPT_SIGNING_KEY",
    );
    assert_one_line_config_error(
        &[(
            "RECEIPT_SIGNING_KEY",
            "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n",
        )],
        "RECEIPT_SIGNING_KEY",
    );
    assert_one_line_config_error(&[("PUBLIC_BASE_URL", "ftp://x")], "PUBLIC_BASE_URL");
    assert_one_line_config_error(&[("DB_POOL_SIZE", "0")], "DB_POOL_SIZE");
    assert_one_line_config_error(&[("VERIFICATION_QUEUE", "999")], "VERIFICATION_QUEUE");
    assert_one_line_config_error(
        &[("METRICS_BIND_ADDRESS", "everywhere")],
        "METRICS_BIND_ADDRESS",
    );
    let issuer = ("OIDC_ISSUER_URL", "https://gbiz-id.example.jp");
    assert_one_line_config_error(&[("OIDC_ISSUER_URL", "gbiz-id")], "OIDC_ISSUER_URL");
    assert_one_line_config_error(&[issuer], "OIDC_CLIENT_ID");
    let client = [
        issuer,
        ("OIDC_CLIENT_ID", "security-action"),
        ("OIDC_CLIENT_SECRET", "a-client-secret"),
    ];
    assert_one_line_config_error(&client, "OIDC_RETURN_URLS");
    let mut wrong_return = client.to_vec();
    wrong_return.push(("OIDC_RETURN_URLS", "javascript:alert(1)"));
    assert_one_line_config_error(&wrong_return, "OIDC_RETURN_URLS");
}

#[test]
fn an_unwritable_data_folder_stops_the_start_with_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"").unwrap();
    let inside_file = file.join("data");
    assert_one_line_config_error(&[("DATA_DIR", inside_file.to_str().unwrap())], "DATA_DIR");
    let db = format!("sqlite://{}/x.db", inside_file.display());
    assert_one_line_config_error(&[("DATABASE_URL", &db)], "DATABASE_URL");
}

#[test]
fn help_lists_every_variable() {
    let (code, stdout, _) = run(binary().arg("--help"));
    assert_eq!(code, 0);
    for variable in [
        "DATABASE_URL",
        "BIND_ADDRESS",
        "METRICS_BIND_ADDRESS",
        "PUBLIC_BASE_URL",
        "JWT_SECRET",
        "RECEIPT_SIGNING_KEY",
        "ACCEPTANCE_MODE",
        "SMTP_URL",
        "OUTBOX_DIR",
        "LOG_FORMAT",
        "DB_POOL_SIZE",
        "VERIFICATION_QUEUE",
        "OIDC_ISSUER_URL",
        "OIDC_CLIENT_ID",
        "OIDC_CLIENT_SECRET",
        "OIDC_REDIRECT_URL",
        "OIDC_RETURN_URLS",
        "OIDC_CORPORATE_NUMBER_CLAIM",
        "OIDC_ACCOUNT_KIND_CLAIM",
        "OIDC_REFUSED_ACCOUNT_KINDS",
        "OIDC_STATE_SECONDS",
        "OIDC_CODE_SECONDS",
    ] {
        assert!(stdout.contains(variable), "{variable} in --help");
    }
}

#[test]
fn migrate_applies_the_migrations_on_sqlite_with_the_default_layout() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(binary().current_dir(dir.path()).arg("migrate"));
    assert_eq!(code, 0, "{stderr}");
    assert!(dir.path().join("data/security-action.db").exists());
    assert!(
        dir.path().join("data/jwt-secret").exists(),
        "development key created"
    );
    // A second run has nothing left to do and succeeds.
    let (code, _, stderr) = run(binary().current_dir(dir.path()).arg("migrate"));
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("migration applied"), "{stderr}");
}

#[test]
fn migrate_applies_the_migrations_on_postgres() {
    let Some(database) = PostgresDatabase::create() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(binary()
        .current_dir(dir.path())
        .env("DATABASE_URL", &database.url)
        .arg("migrate"));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("migration applied"), "{stderr}");
    use diesel::prelude::*;
    let mut conn = diesel::PgConnection::establish(&database.url).unwrap();
    let tables = diesel::sql_query(
        "SELECT 1 FROM information_schema.tables WHERE table_schema = 'public' AND table_name IN \
         ('accounts', 'declarers', 'declarations', 'diagnoses', 'outbox_messages', 'audit_events')",
    )
    .execute(&mut conn)
    .unwrap();
    assert_eq!(tables, 6);
    // The planner samples enough name keys to tell a common name from a rare one (the
    // registry's plan for a name depends on it).
    #[derive(QueryableByName)]
    struct Target {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        target: i32,
    }
    let target: Target = diesel::sql_query(
        "SELECT COALESCE(attstattarget, -1)::int AS target FROM pg_attribute \
         WHERE attrelid = 'declarers'::regclass AND attname = 'organization_name_key'",
    )
    .get_result(&mut conn)
    .unwrap();
    assert_eq!(target.target, 1000);
}

#[test]
fn an_unreachable_database_is_one_clear_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(binary()
        .current_dir(dir.path())
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .arg("migrate"));
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("error: cannot open the database"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn the_openapi_command_prints_the_committed_document() {
    let (code, stdout, _) = run(binary().arg("openapi"));
    assert_eq!(code, 0);
    let printed: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let committed: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .unwrap(),
    )
    .unwrap();
    assert!(
        printed == committed,
        "refresh with `cargo run --quiet -- openapi > openapi/openapi.json`"
    );
}

/// Starts `serve` in `dir` on a free port with JSON logs; answers the child, its remaining log
/// lines and the address it logged.
fn serve(
    dir: &std::path::Path,
    metrics: &str,
) -> (
    std::process::Child,
    std::io::Lines<std::io::BufReader<std::process::ChildStderr>>,
    String,
) {
    use std::io::BufRead;
    let mut child = binary()
        .current_dir(dir)
        .env("BIND_ADDRESS", "127.0.0.1:0")
        .env("METRICS_BIND_ADDRESS", metrics)
        .env("LOG_FORMAT", "json")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let address = loop {
        let line = lines
            .next()
            .expect("the server logs before it serves")
            .unwrap();
        let event: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|_| panic!("JSON log line: {line}"));
        if let Some(address) = event["address"].as_str() {
            break address.trim_start_matches("http://").to_owned();
        }
    };
    (child, lines, address)
}

#[test]
fn serve_on_port_zero_logs_its_address_and_stops_gracefully_on_sigterm() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let (mut child, lines, address) = serve(dir.path(), "127.0.0.1:0");
    assert!(!address.ends_with(":0"), "{address}");

    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let exit = child.wait().unwrap();
    assert!(exit.success(), "exit {exit:?}; log: {rest:?}");
    assert!(rest.iter().any(|l| l.contains("\"stopped\"")), "{rest:?}");
}

/// A stop signal releases a request waiting on the change feed at once: it is answered (no
/// items, the same cursor) and the service exits, instead of holding the stop for the rest of
/// the wait.
#[test]
fn a_stop_signal_answers_a_waiting_feed_reader_at_once() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let created = run(binary().current_dir(dir.path()).args([
        "admin",
        "create-client",
        "--name",
        "portal",
        "--scope",
        "declarations:changes",
        "--json",
    ]));
    assert_eq!(created.0, 0, "{}", created.2);
    let client: serde_json::Value = serde_json::from_str(&created.1).unwrap();
    let (mut child, _lines, address) = serve(dir.path(), "off");
    let request = |text: String| {
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        stream.write_all(text.as_bytes()).unwrap();
        stream
    };
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}",
        client["client_id"].as_str().unwrap(),
        client["client_secret"].as_str().unwrap()
    );
    let mut answer = String::new();
    request(format!(
        "POST /v1/oauth/token HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        form.len()
    ))
    .read_to_string(&mut answer)
    .unwrap();
    let body = answer.split("\r\n\r\n").nth(1).unwrap();
    let token: serde_json::Value = serde_json::from_str(body).unwrap();
    let token = token["access_token"].as_str().unwrap();
    // Nothing has changed: the reader would wait 30 s.
    let mut waiting = request(format!(
        "GET /v1/declaration-changes?wait=30 HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {token}\r\n\r\n"
    ));
    std::thread::sleep(std::time::Duration::from_millis(500));
    let signalled = std::time::Instant::now();
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut answer = String::new();
    waiting.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"items\":[]"), "{answer}");
    let exit = child.wait().unwrap();
    assert!(exit.success(), "exit {exit:?}");
    assert!(
        signalled.elapsed() < std::time::Duration::from_secs(15),
        "the stop waited for the reader's 30 s"
    );
}

/// The secretariat's commands, on either backend: operator, client, accept, revoke, seed.
fn admin_commands_work_on(database_url: &str, dir: &std::path::Path) {
    let run_with = |args: &[&str]| {
        run(binary()
            .current_dir(dir)
            .env("DATABASE_URL", database_url)
            .env("ARGON2_MEMORY_KIB", "64")
            .env("ARGON2_ITERATIONS", "1")
            .args(args))
    };

    let (code, stdout, stderr) = run_with(&["admin", "create-operator", "--name", "事務局 一郎"]);
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("user_number: ") && l.len() == "user_number: ".len() + 12),
        "{stdout}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("password: ") && l.len() >= "password: ".len() + 20),
        "{stdout}"
    );

    let (code, stdout, stderr) = run_with(&[
        "admin",
        "create-client",
        "--name",
        "portal",
        "--scope",
        "declarations:verify",
        "--json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let client: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!(client["client_id"].as_str().unwrap().starts_with("sa_"));
    assert!(client["client_secret"].as_str().unwrap().len() >= 43);
    let (code, _, stderr) = run_with(&[
        "admin",
        "create-client",
        "--name",
        "portal",
        "--scope",
        "everything",
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("scopes[0]"), "{stderr}");

    let (code, _, stderr) = run_with(&["seed", "--declarations", "30"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("seeded 30 declarations"), "{stderr}");

    use diesel::prelude::*;
    let declared: Vec<String> = {
        let mut conn = match database_url.strip_prefix("sqlite://") {
            Some(path) => security_action::db::DbConnection::Sqlite(
                diesel::SqliteConnection::establish(&dir.join(path).to_string_lossy()).unwrap(),
            ),
            None => security_action::db::DbConnection::Postgres(
                diesel::PgConnection::establish(database_url).unwrap(),
            ),
        };
        use security_action::db::schema::declarations::dsl::*;
        declarations
            .filter(status.eq("declared"))
            .select(public_id)
            .limit(1)
            .load(&mut conn)
            .unwrap()
    };
    let id = declared
        .first()
        .expect("a seeded declaration that is declared");
    let (code, stdout, stderr) = run_with(&["admin", "accept", id]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("status: accepted"), "{stdout}");
    let (code, _, stderr) = run_with(&["admin", "accept", id]);
    assert_eq!(code, 1);
    assert!(stderr.contains("transition_not_allowed"), "{stderr}");
    let (code, stdout, stderr) = run_with(&[
        "admin",
        "revoke",
        id,
        "--reason",
        "misleading_claims",
        "--note",
        "認定と表示",
        "--json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&stdout).unwrap()["status"],
        "revoked"
    );
    let (code, _, stderr) = run_with(&["admin", "revoke", id, "--reason", "dislike"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("false_declaration"), "{stderr}");
    let (code, _, stderr) = run_with(&["admin", "accept", "400000000002"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("not_found"), "{stderr}");
}

#[test]
fn the_admin_commands_work_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    admin_commands_work_on("sqlite://data/cli.db", dir.path());
}

#[test]
fn the_admin_commands_work_on_postgres() {
    let Some(database) = PostgresDatabase::create() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    admin_commands_work_on(&database.url, dir.path());
}

/// A port in use stops `serve` before the database is touched: no migration is applied, no
/// SQLite file is created. On both backends.
#[test]
fn a_port_in_use_stops_the_start_before_any_migration() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let dir = tempfile::tempdir().unwrap();
        let Some((url, postgres)) = crate::durability::database(backend, dir.path()) else {
            continue;
        };
        let url = match backend {
            Backend::Sqlite => format!("sqlite://{}", dir.path().join("db/fresh.db").display()),
            Backend::Postgres => url,
        };
        let (code, _, stderr) = run(binary()
            .current_dir(dir.path())
            .env("DATABASE_URL", &url)
            .env("JWT_SECRET", "a-signing-key-that-is-long-enough-0123456789")
            .env("BIND_ADDRESS", &address)
            .env("METRICS_BIND_ADDRESS", "off")
            .arg("serve"));
        assert_ne!(code, 0, "{stderr}");
        assert!(stderr.contains(&address), "{stderr}");
        assert!(
            !stderr.contains("migration applied"),
            "{backend:?}: {stderr}"
        );
        match backend {
            Backend::Sqlite => assert!(!dir.path().join("db/fresh.db").exists(), "{stderr}"),
            Backend::Postgres => {
                use diesel::prelude::*;
                #[derive(QueryableByName)]
                struct Count {
                    #[diesel(sql_type = diesel::sql_types::BigInt)]
                    n: i64,
                }
                let mut conn =
                    diesel::PgConnection::establish(&postgres.as_ref().unwrap().url).unwrap();
                let tables: Count = diesel::sql_query("SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'public'").get_result(&mut conn).unwrap();
                assert_eq!(tables.n, 0, "{stderr}");
            }
        }
    }
}

/// With the defaults (SQLite and the development key under `data/`), a port in use fails the
/// start with one clear error and leaves the fresh working folder as it was: the port is bound
/// before any folder is created. The same for the metrics port.
#[test]
fn a_port_in_use_leaves_no_data_folder_behind() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    for (api, metrics, expected) in [
        (
            address.as_str(),
            "off",
            format!("cannot listen on {address}"),
        ),
        (
            "127.0.0.1:0",
            address.as_str(),
            format!("cannot listen for metrics on {address}"),
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (code, _, stderr) = run(binary()
            .current_dir(dir.path())
            .env("BIND_ADDRESS", api)
            .env("METRICS_BIND_ADDRESS", metrics)
            .arg("serve"));
        assert_eq!(code, 1, "{stderr}");
        let errors: Vec<&str> = stderr
            .lines()
            .filter(|l| l.starts_with("error: "))
            .collect();
        assert_eq!(errors.len(), 1, "{stderr}");
        assert!(errors[0].contains(&expected), "{expected} in {stderr}");
        assert!(!dir.path().join("data").exists(), "{stderr}");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(left.is_empty(), "nothing created: {left:?}");
    }
}

#[test]
fn a_production_start_with_a_receipt_key_gets_past_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("receipt-key.pem");
    std::fs::write(&key, security_action::receipts::keys::generate_pem()).unwrap();
    let (code, _, stderr) = run(binary()
        .current_dir(dir.path())
        .env("APP_ENV", "production")
        .env(
            "JWT_SECRET",
            "a-production-signing-key-of-enough-length-0123",
        )
        .env("RECEIPT_SIGNING_KEY", &key)
        .arg("migrate"));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        !dir.path().join("data/receipt-signing-key.pem").exists(),
        "no development key in production"
    );
}

fn published_keys(db: &std::path::Path) -> Vec<(String, bool)> {
    use diesel::prelude::*;
    let mut conn = diesel::SqliteConnection::establish(db.to_str().unwrap()).unwrap();
    diesel::sql_query("SELECT kid, retired_at IS NOT NULL AS retired FROM receipt_signing_keys ORDER BY created_at, kid")
        .load::<PublishedKey>(&mut conn)
        .unwrap()
        .into_iter()
        .map(|k| (k.kid, k.retired))
        .collect()
}

#[derive(diesel::QueryableByName)]
struct PublishedKey {
    #[diesel(sql_type = diesel::sql_types::Text)]
    kid: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    retired: bool,
}

#[test]
fn rotate_receipt_key_replaces_the_development_key_and_keeps_the_old_one_published() {
    let dir = tempfile::tempdir().unwrap();
    // The development key a first start would have made in the data folder.
    let file = dir.path().join("data/receipt-signing-key.pem");
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    std::fs::write(&file, security_action::receipts::keys::generate_pem()).unwrap();
    let (code, _, stderr) = run(binary().current_dir(dir.path()).arg("migrate"));
    assert_eq!(code, 0, "{stderr}");
    let old_pem = std::fs::read_to_string(&file).expect("a development key");
    let old = security_action::receipts::keys::ReceiptKey::from_pem(&old_pem).unwrap();

    let (code, stdout, stderr) =
        run(binary()
            .current_dir(dir.path())
            .args(["admin", "rotate-receipt-key", "--json"]));
    assert_eq!(code, 0, "{stderr}");
    let printed: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let new_pem = std::fs::read_to_string(&file).unwrap();
    let new = security_action::receipts::keys::ReceiptKey::from_pem(&new_pem).unwrap();
    assert_ne!(old.kid, new.kid);
    assert_eq!(printed["kid"], new.kid.as_str());
    assert_eq!(printed["retired_kid"], old.kid.as_str());
    let db = dir.path().join("data/security-action.db");
    assert_eq!(
        published_keys(&db),
        [(old.kid.clone(), true), (new.kid.clone(), false)],
        "the old key retired and still published, the new one published"
    );
    // The next start reads the new key.
    let (code, _, stderr) = run(binary().current_dir(dir.path()).arg("migrate"));
    assert_eq!(code, 0, "{stderr}");

    // A configured key is not the command's to replace.
    let key = dir.path().join("configured.pem");
    std::fs::write(&key, security_action::receipts::keys::generate_pem()).unwrap();
    let (code, _, stderr) = run(binary()
        .current_dir(dir.path())
        .env("RECEIPT_SIGNING_KEY", &key)
        .args(["admin", "rotate-receipt-key"]));
    assert_ne!(code, 0);
    assert!(stderr.contains("RECEIPT_SIGNING_KEY is set"), "{stderr}");
    assert_eq!(published_keys(&db).len(), 2);
}
