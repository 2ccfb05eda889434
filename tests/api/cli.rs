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
    assert_one_line_config_error(&[("PUBLIC_BASE_URL", "ftp://x")], "PUBLIC_BASE_URL");
    assert_one_line_config_error(&[("DB_POOL_SIZE", "0")], "DB_POOL_SIZE");
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
        "PUBLIC_BASE_URL",
        "JWT_SECRET",
        "ACCEPTANCE_MODE",
        "SMTP_URL",
        "OUTBOX_DIR",
        "LOG_FORMAT",
        "DB_POOL_SIZE",
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

#[test]
fn serve_on_port_zero_logs_its_address_and_stops_gracefully_on_sigterm() {
    use std::io::{BufRead, BufReader, Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let mut child = binary()
        .current_dir(dir.path())
        .env("BIND_ADDRESS", "127.0.0.1:0")
        .env("LOG_FORMAT", "json")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
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
