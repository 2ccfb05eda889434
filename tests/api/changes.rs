//! The change log and its feed, `GET /v1/declaration-changes`: every committed change that a
//! verifier sees, in commit order, across HTTP and the command line, with long polling.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;

const FEED: &str = "/v1/declaration-changes";

/// A token of a client holding the feed's scope.
async fn feed_token(app: &TestApp) -> String {
    let (id, secret) = app.api_client_with(&["declarations:changes"]).await;
    app.client_token(&id, &secret).await
}

/// Reads the whole feed from `after` with pages of `limit`; answers the items and the cursor
/// to resume from.
async fn read_all(
    app: &TestApp,
    token: &str,
    after: Option<&str>,
    limit: u32,
) -> (Vec<Value>, String) {
    let mut items = Vec::new();
    let mut cursor = after.map(str::to_owned);
    loop {
        let path = match &cursor {
            Some(c) => format!("{FEED}?limit={limit}&after={c}"),
            None => format!("{FEED}?limit={limit}"),
        };
        let page = json_with_status(app.get_as(&path, token).await, 200).await;
        let next = page["next_cursor"]
            .as_str()
            .expect("next_cursor is always there")
            .to_owned();
        let got = page["items"].as_array().unwrap().clone();
        assert!(got.len() <= limit as usize);
        if got.is_empty() {
            assert_eq!(
                Some(&next),
                cursor.as_ref().or(Some(&next)),
                "an empty page keeps the cursor"
            );
            return (items, next);
        }
        items.extend(got);
        cursor = Some(next);
    }
}

fn kinds(items: &[Value]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|i| {
            (
                i["declaration_id"].as_str().unwrap().to_owned(),
                i["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

both_backends! {
    async fn the_feed_holds_every_change_a_verifier_sees_in_commit_order(app) {
        let token = feed_token(&app).await;
        let operator = app.operator_token().await;
        let a = app.applicant().await;
        let b = app.applicant_with(two_star_application()).await;
        app.accept(&operator, &a.declaration_id).await;
        // Not seen by verifiers: a contact person, an address, nothing in the log.
        let contact = json!({"name": "情報 花子", "email": "hanako@example.co.jp"});
        let path = format!("/v1/declarations/{}/contact", a.declaration_id);
        assert_eq!(app.put_as(&path, &a.access_token, &contact).await.status(), 200);
        let patch = |body: Value| {
            app.client
                .patch(app.url("/v1/me/organization"))
                .bearer_auth(&a.access_token)
                .json(&body)
                .send()
        };
        assert_eq!(patch(json!({"address": "東京都千代田区1-1"})).await.unwrap().status(), 200);
        // Seen: the name, the star, the status.
        assert_eq!(patch(json!({"name": "株式会社サンプル改"})).await.unwrap().status(), 200);
        let path = format!("/v1/declarations/{}/policy-disclosure", b.declaration_id);
        assert_eq!(app.delete_as(&path, &b.access_token).await.status(), 204);
        let path = format!("/v1/admin/declarations/{}/revocation", a.declaration_id);
        assert_eq!(app.post_as(&path, &operator, &json!({"reason": "misleading_claims"})).await.status(), 200);
        let path = format!("/v1/admin/declarations/{}/reinstatement", a.declaration_id);
        assert_eq!(app.post_as(&path, &operator, &json!({})).await.status(), 200);
        let path = format!("/v1/declarations/{}/withdrawal", b.declaration_id);
        assert_eq!(app.post_as(&path, &b.access_token, &json!({"reason": "事業を廃止したため"})).await.status(), 200);

        let (items, cursor) = read_all(&app, &token, None, 3).await;
        let (a_id, b_id) = (a.declaration_id.as_str(), b.declaration_id.as_str());
        let expected = [
            (a_id, "applied"), (b_id, "applied"), (a_id, "accepted"), (a_id, "organization_changed"),
            (b_id, "star_changed"), (a_id, "revoked"), (a_id, "reinstated"), (b_id, "withdrawn"),
        ];
        let expected: Vec<(String, String)> =
            expected.iter().map(|(d, k)| ((*d).to_owned(), (*k).to_owned())).collect();
        assert_eq!(kinds(&items), expected);
        let positions: Vec<i64> = items.iter().map(|i| i["position"].as_i64().unwrap()).collect();
        assert_eq!(positions, (1..=8).collect::<Vec<_>>(), "no gap, no duplicate");

        // Each item is the verification answer after its change, and nothing more.
        let keys: BTreeSet<&str> = items[0].as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, BTreeSet::from(["position", "declaration_id", "kind", "occurred_at", "valid",
            "status", "star", "organization_name", "declared_at", "accepted_at", "star_since"]));
        assert_eq!((items[0]["status"].as_str(), items[0]["valid"].as_bool()), (Some("declared"), Some(true)));
        assert!(items[0]["accepted_at"].is_null());
        assert_eq!(items[0]["organization_name"], "株式会社サンプル");
        assert_eq!(items[2]["status"], "accepted");
        assert!(items[2]["accepted_at"].is_string());
        assert_eq!(items[3]["organization_name"], "株式会社サンプル改");
        assert_eq!((items[4]["star"].as_str(), items[1]["star"].as_str()), (Some("one_star"), Some("two_star")));
        assert_eq!((items[5]["status"].as_str(), items[5]["valid"].as_bool()), (Some("revoked"), Some(false)));
        assert_eq!((items[6]["status"].as_str(), items[6]["valid"].as_bool()), (Some("accepted"), Some(true)));
        assert_eq!((items[7]["status"].as_str(), items[7]["valid"].as_bool()), (Some("withdrawn"), Some(false)));
        let text = serde_json::to_string(&items).unwrap();
        for secret in [a.user_number.as_str(), b.user_number.as_str(), "hanako@example.co.jp", a.email.as_str()] {
            assert!(!text.contains(secret), "{secret} in the feed");
        }

        // Resuming from the last cursor gives nothing more, and the same cursor back.
        let page = json_with_status(app.get_as(&format!("{FEED}?after={cursor}"), &token).await, 200).await;
        assert_eq!(page["items"], json!([]));
        assert_eq!(page["next_cursor"], cursor.as_str());
        // One page of everything is the same as many small ones.
        let (whole, _) = read_all(&app, &token, None, 1000).await;
        assert_eq!(whole, items);
    }

    async fn the_feed_refuses_the_wrong_callers_and_bad_parameters(app) {
        let token = feed_token(&app).await;
        let (verifier, secret) = app.api_client().await;
        let verifier = app.client_token(&verifier, &secret).await;
        assert_problem(app.get_as(FEED, &verifier).await, 403, "insufficient_scope").await;
        let declarer = app.applicant().await;
        assert_problem(app.get_as(FEED, &declarer.access_token).await, 401, "invalid_token").await;
        assert_problem(app.get(FEED).await, 401, "missing_token").await;

        // One entry so far (the application): cursors 0 and 1 exist, 2 does not.
        let cursor = |n: i64| data_encoding::BASE64URL_NOPAD.encode(format!("v1:{n}").as_bytes());
        for bad in ["x", "djE6", "djE6LTE", "djI6MQ", &cursor(2)] {
            let problem = assert_problem(app.get_as(&format!("{FEED}?after={bad}"), &token).await, 400, "invalid_cursor").await;
            assert_eq!(field_errors(&problem), vec![("after".to_owned(), "invalid_cursor".to_owned())], "{bad}");
        }
        let page = json_with_status(app.get_as(&format!("{FEED}?after={}", cursor(1)), &token).await, 200).await;
        assert_eq!((page["items"].as_array().unwrap().len(), page["next_cursor"].as_str()), (0, Some(cursor(1).as_str())));
        for from_the_start in [cursor(0), String::new()] {
            let page = json_with_status(app.get_as(&format!("{FEED}?after={from_the_start}"), &token).await, 200).await;
            assert_eq!(page["items"][0]["declaration_id"], declarer.declaration_id.as_str());
        }

        for (query, field) in [("limit=0", "limit"), ("limit=1001", "limit"), ("wait=31", "wait"), ("wait=-1", "wait")] {
            let problem = assert_problem(app.get_as(&format!("{FEED}?{query}"), &token).await, 422, "validation_failed").await;
            assert_eq!(field_errors(&problem)[0].0, field, "{query}");
        }
        for query in ["limit=1", "limit=1000", "wait=30", "wait=0"] {
            let page = json_with_status(app.get_as(&format!("{FEED}?{query}"), &token).await, 200).await;
            assert_eq!(page["items"].as_array().unwrap().len(), 1, "{query}");
        }
        assert_problem(app.get_as(&format!("{FEED}?since=1"), &token).await, 422, "validation_failed").await;

        // Entries no longer kept: a cursor before them is 410, one at their end is fine.
        let second = app.applicant().await;
        app.state.db.write(|conn| {
            use diesel::prelude::*;
            diesel::sql_query("UPDATE change_log_head SET pruned_through = 1").execute(conn)?;
            Ok::<_, security_action::db::DbError>(())
        }).await.unwrap();
        assert_problem(app.get_as(FEED, &token).await, 410, "cursor_expired").await;
        assert_problem(app.get_as(&format!("{FEED}?after={}", cursor(0)), &token).await, 410, "cursor_expired").await;
        let page = json_with_status(app.get_as(&format!("{FEED}?after={}", cursor(1)), &token).await, 200).await;
        assert_eq!(page["items"][0]["declaration_id"], second.declaration_id.as_str());
    }

    async fn a_waiting_reader_is_answered_when_a_change_commits(app) {
        let token = feed_token(&app).await;
        let operator = app.operator_token().await;
        let declarer = app.applicant().await;
        let (_, cursor) = read_all(&app, &token, None, 100).await;

        // Nothing happens: the answer comes when the wait is over, empty.
        let started = Instant::now();
        let page = json_with_status(app.get_as(&format!("{FEED}?after={cursor}&wait=1"), &token).await, 200).await;
        assert!(started.elapsed() >= Duration::from_secs(1), "it waited");
        assert_eq!((page["items"].as_array().unwrap().len(), page["next_cursor"].as_str()), (0, Some(cursor.as_str())));

        // A change while a reader waits (for up to 30 s): the reader gets it.
        let path = format!("{FEED}?after={cursor}&wait=30");
        let waiting = app.get_as(&path, &token);
        let accept = async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            app.accept(&operator, &declarer.declaration_id).await
        };
        let (answer, _) = tokio::join!(waiting, accept);
        let page = json_with_status(answer, 200).await;
        assert_eq!(kinds(page["items"].as_array().unwrap()), vec![(declarer.declaration_id.clone(), "accepted".to_owned())]);
        assert_ne!(page["next_cursor"].as_str(), Some(cursor.as_str()));
    }

    async fn a_revocation_on_the_command_line_reaches_the_feed_of_the_running_service(app) {
        let token = feed_token(&app).await;
        let declarer = app.applicant().await;
        let (_, cursor) = read_all(&app, &token, None, 100).await;
        let database_url = match &app.state.config.database {
            security_action::config::DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
            security_action::config::DatabaseUrl::Postgres(url) => url.clone(),
        };
        let id = declarer.declaration_id.clone();
        let dir = app._dir.path().to_owned();
        let path = format!("{FEED}?after={cursor}&wait=30");
        let waiting = app.get_as(&path, &token);
        let revoke = tokio::task::spawn_blocking(move || {
            std::thread::sleep(Duration::from_millis(300));
            // White space alone is not a note, on the command line as over HTTP.
            let blank = std::process::Command::new(env!("CARGO_BIN_EXE_security-action"))
                .current_dir(&dir)
                .env_clear()
                .env("DATABASE_URL", &database_url)
                .args(["admin", "revoke", &id, "--reason", "other", "--note", "   "])
                .output()
                .unwrap();
            assert!(!blank.status.success());
            let stderr = String::from_utf8_lossy(&blank.stderr).into_owned();
            assert!(stderr.contains("note"), "{stderr}");
            let output = std::process::Command::new(env!("CARGO_BIN_EXE_security-action"))
                .current_dir(&dir)
                .env_clear()
                .env("DATABASE_URL", &database_url)
                .args(["admin", "revoke", &id, "--reason", "misleading_claims"])
                .output()
                .unwrap();
            assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        });
        let (answer, revoked) = tokio::join!(waiting, revoke);
        revoked.unwrap();
        let page = json_with_status(answer, 200).await;
        let items = page["items"].as_array().unwrap();
        assert_eq!(kinds(items), vec![(declarer.declaration_id.clone(), "revoked".to_owned())]);
        assert_eq!(items[0]["valid"], false);
    }
}

/// Sixteen writers change declarations at once, each holding its transaction open a random
/// while after writing its entry, so that transactions commit in another order than they
/// started; a reader polls "entries after the last position I saw" all along. The reader must
/// see exactly the committed entries, in order, with no gap and no duplicate: a log whose
/// positions were taken from a sequence would lose the entries that commit late.
async fn concurrent_writers_and_a_polling_reader(app: TestApp) {
    use security_action::db::change_log;
    use security_action::declarations::{self, Context};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    const WRITERS: usize = 16;
    const ROUNDS: usize = 6;
    let mut ids = Vec::new();
    for _ in 0..WRITERS {
        let id = app.applicant().await.declaration_id;
        ids.push(security_action::domain::identifiers::DeclarationId::parse(&id).unwrap());
    }
    let db = app.state.db.clone();
    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let (db, done) = (db.clone(), Arc::clone(&done));
        std::thread::spawn(move || {
            let mut seen: Vec<i64> = Vec::new();
            loop {
                let finished = done.load(Ordering::SeqCst);
                let last = seen.last().copied().unwrap_or(0);
                let mut conn = db.pool().get().unwrap();
                let entries = change_log::after(&mut conn, last, 1000).unwrap();
                seen.extend(entries.iter().map(|e| e.position));
                if finished && entries.is_empty() {
                    return seen;
                }
            }
        })
    };
    let writers: Vec<_> = ids
        .into_iter()
        .enumerate()
        .map(|(n, id)| {
            let db = db.clone();
            std::thread::spawn(move || {
                let actor = security_action::db::audit::Actor::system();
                let ctx = Context {
                    actor: &actor,
                    account_id: None,
                    base_url: "http://localhost",
                };
                for round in 0..ROUNDS {
                    db.write_blocking(|conn| {
                        let changed = if round % 2 == 0 {
                            declarations::revoke(
                                conn,
                                &ctx,
                                &id,
                                security_action::domain::declaration::RevocationReason::Other,
                                None,
                            )
                        } else {
                            declarations::reinstate(conn, &ctx, &id, None)
                        };
                        changed?;
                        // Commit late, by a different while for each writer and round.
                        std::thread::sleep(Duration::from_millis(
                            ((n * 7 + round * 13) % 40) as u64,
                        ));
                        Ok::<_, security_action::error::ApiError>(())
                    })
                    .unwrap();
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().unwrap();
    }
    done.store(true, Ordering::SeqCst);
    let seen = tokio::task::spawn_blocking(move || reader.join().unwrap())
        .await
        .unwrap();
    let committed: Vec<i64> = {
        let mut conn = db.pool().get().unwrap();
        change_log::after(&mut conn, 0, 100_000)
            .unwrap()
            .iter()
            .map(|e| e.position)
            .collect()
    };
    let expected = WRITERS + WRITERS * ROUNDS;
    assert_eq!(committed.len(), expected);
    assert_eq!(
        committed,
        (1..=expected as i64).collect::<Vec<_>>(),
        "positions without gaps"
    );
    assert_eq!(
        seen, committed,
        "the polling reader saw every committed entry, once, in order"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_never_hide_an_entry_from_a_polling_reader_on_postgres() {
    if let Some(app) = TestApp::spawn_with(Backend::Postgres, |c| c.db_pool_size = 24).await {
        concurrent_writers_and_a_polling_reader(app).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_never_hide_an_entry_from_a_polling_reader_on_sqlite() {
    if let Some(app) = TestApp::spawn_with(Backend::Sqlite, |c| c.db_pool_size = 24).await {
        concurrent_writers_and_a_polling_reader(app).await;
    }
}
