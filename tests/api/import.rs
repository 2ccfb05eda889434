//! Taking over the old system: `security-action import declarations`, run as a separate
//! process against the running service's database, and what the service then answers for the
//! imported numbers.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::both_backends;
use crate::durability::binary;
use crate::helpers::*;

/// The sample file documented in the README.
const SAMPLE: &str = include_str!("../../docs/import-sample.csv");

/// The service's database as a `DATABASE_URL`.
fn database_url(app: &TestApp) -> String {
    match &app.state.config.database {
        security_action::config::DatabaseUrl::Sqlite(path) => {
            format!("sqlite://{}", path.display())
        }
        security_action::config::DatabaseUrl::Postgres(url) => url.clone(),
    }
}

/// Runs the command line's import of `file`: (exit code, standard error).
async fn import(app: &TestApp, dir: &Path, file: &Path, extra: &[&str]) -> (i32, String) {
    let mut command = binary(&database_url(app), dir);
    command
        .env(
            "FRONTEND_BASE_URL",
            "https://www.security-action.example.jp",
        )
        .args(["import", "declarations"])
        .arg(file)
        .args(extra);
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (output.status.code().unwrap_or(-1), stderr)
}

/// The report's rows: (line, column, code).
fn report(file: &Path) -> Vec<(u64, String, String)> {
    let path = file.with_file_name(format!(
        "{}.report.csv",
        file.file_name().unwrap().to_string_lossy()
    ));
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("line,column,code,message"));
    lines
        .map(|l| {
            let mut parts = l.splitn(4, ',');
            let line = parts.next().unwrap().parse().unwrap();
            let column = parts.next().unwrap().to_owned();
            let code = parts.next().unwrap().to_owned();
            assert!(parts.next().is_some_and(|m| m.len() > 2), "{l}");
            (line, column, code)
        })
        .collect()
}

/// Verifies `id` until the answer is not a 422 (the service sees another process's change
/// within a second): the status and body.
async fn verify(app: &TestApp, token: &str, id: &str) -> (u16, Value) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let response = app.get_as(&format!("/v1/verifications/{id}"), token).await;
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        if status != 422 || Instant::now() > deadline {
            return (status, body);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Broken rows after the sample's five good ones, each breaking one rule; the lines of the
/// file are 7 to 11.
fn with_broken_rows() -> String {
    let mut text = SAMPLE.to_owned();
    for row in [
        // A typo in the ID: 10 digits.
        "4012345678,678901234567,一つ星,declared,株式会社誤記,,corporation,5051001022222,13,,,,誤記 太郎,gohki@example.co.jp,,,2020-01-01,,,",
        // The corporate number of the sample's first (live) declaration: a second live one.
        "412222222221,789012345678,一つ星,declared,株式会社重複,,corporation,2011001012345,13,,,,重複 太郎,choufuku@example.co.jp,,,2020-01-01,,,",
        // A bad e-mail address.
        "412222222222,890123456789,一つ星,declared,株式会社誤送,,corporation,6061001033333,13,,,,誤送 太郎,not-an-address,,,2020-01-01,,,",
        // The user number of the sample's first row, for another organisation.
        "412222222223,123456789012,一つ星,declared,株式会社別会社,,corporation,5051001022222,13,,,,別 太郎,betsu@example.co.jp,,,2020-01-01,,,",
        // Too few fields.
        "412222222224,901234567890,一つ星",
    ] {
        text.push_str(row);
        text.push('\n');
    }
    text
}

both_backends! {
    async fn a_file_of_the_old_system_imports_with_its_numbers_and_they_verify(app) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("declarations.csv");
        std::fs::write(&file, with_broken_rows()).unwrap();
        let before = app.count("declarations").await;

        // A dry run checks everything and writes nothing.
        let (code, stderr) = import(&app, dir.path(), &file, &["--dry-run"]).await;
        assert_eq!(code, 1, "{stderr}");
        assert!(stderr.contains("dry run, nothing written: 10 rows: 5 would be imported, 0 already there, 5 rejected"), "{stderr}");
        assert_eq!(app.count("declarations").await, before);
        assert_eq!(app.count("accounts").await, 0);

        let (code, stderr) = import(&app, dir.path(), &file, &["--invite"]).await;
        assert_eq!(code, 1, "{stderr}");
        assert!(stderr.contains("10 rows: 5 imported, 0 already there, 5 rejected, 5 activation e-mails queued"), "{stderr}");
        assert_eq!(app.count("declarations").await, before + 5);
        let rejected = report(&file);
        assert_eq!(
            rejected,
            vec![
                (7, "declaration_id".into(), "invalid_declaration_id".into()),
                (8, "corporate_number".into(), "corporate_number_taken".into()),
                (9, "contact_email".into(), "invalid_email".into()),
                (10, "user_number".into(), "user_number_taken".into()),
                (11, String::new(), "wrong_field_count".into()),
            ]
        );

        // Every imported ID verifies as the file says: 11 and 12 digits, no check digit of ours.
        let (client, secret) = app.api_client().await;
        let token = app.client_token(&client, &secret).await;
        let (status, body) = verify(&app, &token, "40123456789").await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["declaration_id"], "40123456789");
        assert_eq!(body["valid"], true);
        assert_eq!(body["status"], "accepted");
        assert_eq!(body["organization_name"], "株式会社サンプル工業");
        assert_eq!(body["declared_at"], "2017-06-11T15:00:00Z");
        let (status, body) = verify(&app, &token, "498765432109").await;
        assert_eq!((status, &body["valid"], &body["status"]), (200, &json!(false), &json!("withdrawn")), "{body}");
        let (status, body) = verify(&app, &token, "40987654321").await;
        assert_eq!((status, &body["status"], &body["star"]), (200, &json!("revoked"), &json!("two_star")), "{body}");
        // An ID of the old form that was not imported is still the typo it looks like.
        for typo in ["401234567891", "40123456788"] {
            assert_problem(app.get_as(&format!("/v1/verifications/{typo}"), &token).await, 422, "invalid_format").await;
        }
        let batch = json_with_status(
            app.post_as("/v1/verifications/batch", &token, &json!({"items": [
                {"declaration_id": "401234567890", "corporate_number": "1021001054321"},
                {"declaration_id": "401234567891"},
                {"declaration_id": "409876543210"},
            ]})).await,
            200,
        ).await;
        let results = batch["results"].as_array().unwrap();
        assert_eq!(results[0]["valid"], true, "{batch}");
        assert_eq!(results[0]["corporate_number_matches"], true, "{batch}");
        assert_eq!(results[1]["error"]["code"], "invalid_format", "{batch}");
        assert_eq!(results[2]["status"], "declared", "{batch}");
        // The public registry shows the live imported declarations.
        let registry = json_with_status(app.get("/v1/registry?corporate_number=2011001012345").await, 200).await;
        assert_eq!(registry["items"][0]["organization_name"], "株式会社サンプル工業", "{registry}");

        // An imported account has no password until it is activated.
        let refused = app.post_json("/v1/auth/login", &json!({"user_number": "123456789012", "password": PASSWORD})).await;
        assert_problem(refused, 401, "invalid_credentials").await;
        let emails = app.emails_to("taro@example.co.jp").await;
        let (kind, subject, body) = emails.iter().find(|(kind, ..)| kind == "activation").expect("an activation e-mail");
        assert_eq!(kind, "activation");
        assert!(subject.contains("新しい自己宣言サイト"), "{subject}");
        assert!(body.contains("123456789012") && body.contains("40123456789"), "{body}");
        let token_in_link = body
            .split("#token=")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .expect("a link with a token")
            .to_owned();
        assert!(body.contains("https://www.security-action.example.jp/password-reset#token="), "{body}");
        let set = app.post_json("/v1/auth/password-resets", &json!({"token": token_in_link, "new_password": PASSWORD})).await;
        assert_eq!(set.status(), 204);
        let tokens = app.login("123456789012", PASSWORD).await;
        let me = json_with_status(app.get_as("/v1/me", tokens["access_token"].as_str().unwrap()).await, 200).await;
        assert_eq!(me["user_number"], "123456789012", "{me}");
        let access = tokens["access_token"].as_str().unwrap();
        let mine = json_with_status(app.get_as("/v1/declarations/40123456789", access).await, 200).await;
        assert_eq!(mine["status"], "accepted", "{mine}");
        // Its completion notice prints with the 11-digit ID, and the notice's code checks.
        let notice = app.client.get(app.url("/v1/declarations/40123456789/completion-notice"))
            .bearer_auth(access).header("Accept", "application/json").send().await.unwrap();
        let notice = json_with_status(notice, 200).await;
        let code = notice["verification_code"].as_str().unwrap().to_owned();
        assert!(code.starts_with("40123456789-"), "{code}");
        let checked = json_with_status(app.get(&format!("/v1/notice-verifications/{}", code.to_lowercase())).await, 200).await;
        assert_eq!((checked["genuine"].as_bool(), checked["declaration_id"].as_str()), (Some(true), Some("40123456789")), "{checked}");
        // The change feed tells subscribers of the imported declarations.
        let (feed_client, feed_secret) = app.api_client_with(&["declarations:changes"]).await;
        let feed_token = app.client_token(&feed_client, &feed_secret).await;
        let feed = json_with_status(app.get_as("/v1/declaration-changes?limit=100", &feed_token).await, 200).await;
        let fed: Vec<&str> = feed["items"].as_array().unwrap().iter().filter_map(|i| i["declaration_id"].as_str()).collect();
        for id in ["40123456789", "401234567890", "409876543210", "498765432109", "40987654321"] {
            assert!(fed.contains(&id), "{id} in {feed}");
        }

        // Again: nothing twice, no second invitation, the rows there reported.
        let declarations = app.count("declarations").await;
        let outbox = app.count("outbox_messages").await;
        let changes = app.count("declaration_changes").await;
        let (code, stderr) = import(&app, dir.path(), &file, &["--invite"]).await;
        assert_eq!(code, 1, "{stderr}");
        assert!(stderr.contains("10 rows: 0 imported, 5 already there, 5 rejected, 0 activation e-mails queued"), "{stderr}");
        assert_eq!(app.count("declarations").await, declarations);
        assert_eq!(app.count("outbox_messages").await, outbox);
        assert_eq!(app.count("declaration_changes").await, changes);
        let again = report(&file);
        assert_eq!(again.iter().filter(|(_, _, code)| code == "already_imported").count(), 5);

        // A row that differs from what is stored is a conflict, never an overwrite.
        let changed = SAMPLE.replace("株式会社サンプル工業", "株式会社サンプル興業");
        let changed_file = dir.path().join("changed.csv");
        std::fs::write(&changed_file, changed).unwrap();
        let (code, stderr) = import(&app, dir.path(), &changed_file, &[]).await;
        assert_eq!(code, 1, "{stderr}");
        let conflicts = report(&changed_file);
        assert!(conflicts.contains(&(2, "organization_name".into(), "conflict".into())), "{conflicts:?}");
        let (_, body) = verify(&app, &token, "40123456789").await;
        assert_eq!(body["organization_name"], "株式会社サンプル工業");

        // Every run is in the audit trail.
        let audited = app.audit_of("import", "declarations.csv").await;
        assert_eq!(audited.iter().filter(|(action, ..)| action == "declarations.imported").count(), 2, "{audited:?}");
    }

    async fn a_file_that_cannot_be_used_is_exit_code_2_and_shift_jis_is_read(app) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("broken.csv");
        std::fs::write(&file, "declaration_id,user_number\n40123456789,123456789012\n").unwrap();
        let (code, stderr) = import(&app, dir.path(), &file, &[]).await;
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains("lacks the column(s) star, status"), "{stderr}");
        let missing = dir.path().join("nowhere.csv");
        let (code, stderr) = import(&app, dir.path(), &missing, &[]).await;
        assert_eq!(code, 2, "{stderr}");

        // The old system's Shift_JIS export, read as such; as UTF-8 its rows are refused.
        let (encoded, _, lossy) = encoding_rs::SHIFT_JIS.encode(SAMPLE);
        assert!(!lossy);
        let sjis = dir.path().join("sjis.csv");
        std::fs::write(&sjis, &encoded).unwrap();
        let (code, stderr) = import(&app, dir.path(), &sjis, &[]).await;
        assert_eq!(code, 1, "{stderr}");
        assert!(report(&sjis).iter().all(|(_, _, code)| code == "invalid_encoding"));
        let (code, stderr) = import(&app, dir.path(), &sjis, &["--encoding", "shift_jis"]).await;
        assert_eq!(code, 0, "{stderr}");
        assert!(stderr.contains("5 rows: 5 imported"), "{stderr}");
        let stored = app.count("declarations").await;
        assert_eq!(stored, 5);
    }
}
