//! E-mail delivery over SMTP, and what a failing server does (and does not do) to the change.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::helpers::*;

/// A minimal SMTP server that accepts every message and keeps its DATA.
async fn fake_smtp_server() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let store = Arc::clone(&received);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 fake ESMTP\r\n").await.unwrap();
                while let Ok(Some(line)) = lines.next_line().await {
                    let command = line.to_ascii_uppercase();
                    let reply: &[u8] = if command.starts_with("EHLO") || command.starts_with("HELO")
                    {
                        b"250-fake\r\n250 8BITMIME\r\n"
                    } else if command.starts_with("DATA") {
                        write.write_all(b"354 go ahead\r\n").await.unwrap();
                        let mut data = String::new();
                        while let Ok(Some(line)) = lines.next_line().await {
                            if line == "." {
                                break;
                            }
                            data.push_str(&line);
                            data.push('\n');
                        }
                        store.lock().unwrap().push(data);
                        b"250 queued\r\n"
                    } else if command.starts_with("QUIT") {
                        write.write_all(b"221 bye\r\n").await.unwrap();
                        return;
                    } else {
                        b"250 OK\r\n"
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, received)
}

async fn outbox(app: &TestApp) -> Vec<security_action::db::models::OutboxMessage> {
    app.state
        .db
        .read(|conn| Ok::<_, security_action::db::DbError>(security_action::db::outbox::all(conn)?))
        .await
        .unwrap()
}

#[tokio::test]
async fn e_mails_go_out_over_smtp_when_it_is_configured() {
    let (port, received) = fake_smtp_server().await;
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.smtp_url = Some(security_action::config::Secret::new(format!(
            "smtp://127.0.0.1:{port}"
        )));
    })
    .await
    else {
        return;
    };
    let applicant = app.applicant().await;
    for _ in 0..100 {
        if !received.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let messages = received.lock().unwrap().clone();
    assert_eq!(messages.len(), 1);
    assert!(
        messages[0].contains(&format!("To: {}", applicant.email)),
        "{}",
        messages[0]
    );
    assert!(messages[0].contains("From: =?utf-8?"), "{}", messages[0]);
    for _ in 0..50 {
        if outbox(&app).await.iter().all(|m| m.status == "sent") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(outbox(&app).await[0].status, "sent");
    assert!(
        std::fs::read_dir(&app.state.config.outbox_dir).map_or(true, |mut d| d.next().is_none()),
        "no .eml files with SMTP"
    );
}

#[tokio::test]
async fn an_unreachable_smtp_server_leaves_the_change_and_retries_later() {
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.smtp_url = Some(security_action::config::Secret::new(
            "smtp://127.0.0.1:1".to_owned(),
        ));
    })
    .await
    else {
        return;
    };
    let applicant = app.applicant().await;
    let mut messages = Vec::new();
    for _ in 0..100 {
        messages = outbox(&app).await;
        if messages.iter().any(|m| m.attempts > 0) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let message = &messages[0];
    assert_eq!(message.status, "pending", "kept for another attempt");
    assert_eq!(message.attempts, 1);
    assert!(message.last_error.as_deref().is_some_and(|e| !e.is_empty()));
    assert!(
        message.next_attempt_at > message.created_at + chrono::Duration::seconds(20),
        "back-off"
    );
    assert_eq!(app.count("outbox_messages").await, 1, "not duplicated");
    let me = json_with_status(app.get_as("/v1/me", &applicant.access_token).await, 200).await;
    assert_eq!(
        me["declaration"]["declaration_id"],
        applicant.declaration_id.as_str(),
        "the change stands"
    );
}

/// Failed logins are also counted per client address, whatever the user numbers; behind a
/// trusted proxy the address is the one it forwards, and a client cannot pick its own.
#[tokio::test]
async fn failed_logins_from_one_address_meet_429_across_user_numbers() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = TestApp::spawn(backend).await else {
            continue;
        };
        // Nineteen failures from one address are answered as such; the twentieth locks it.
        for i in 0..20 {
            let response = app
                .client
                .post(app.url("/v1/auth/login"))
                // Untrusted: ignored, so a changing header does not help.
                .header("X-Forwarded-For", format!("203.0.113.{i}"))
                .json(&serde_json::json!({"user_number": format!("31820495{:04}", i), "password": "guess guess guess"}))
                .send()
                .await
                .unwrap();
            if i < 19 {
                assert_problem(response, 401, "invalid_credentials").await;
            } else {
                assert!(response.headers().contains_key("retry-after"));
                assert_problem(response, 429, "too_many_attempts").await;
            }
        }
        // Locked: another user number from the same address waits too.
        let response = app
            .post_json("/v1/auth/login", &serde_json::json!({"user_number": "318204957362", "password": "guess guess guess"}))
            .await;
        assert_problem(response, 429, "too_many_attempts").await;
    }
}

/// An e-mail that cannot be delivered is tried eight times, then given up as `failed` and
/// tried no more. Driven round by round, without waiting for the back-off, on both backends.
#[test]
fn an_undeliverable_e_mail_is_given_up_after_eight_attempts() {
    use diesel::prelude::*;
    use security_action::config::DatabaseUrl;
    use security_action::db::{Db, DbError, outbox, schema::outbox_messages};
    use security_action::mail::sender::{MAX_ATTEMPTS, MailTransport, deliver_due};

    assert_eq!(MAX_ATTEMPTS, 8, "the README promises eight attempts");
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let dir = tempfile::tempdir().unwrap();
        let (url, _postgres) = match backend {
            Backend::Sqlite => (DatabaseUrl::Sqlite(dir.path().join("mail.db")), None),
            Backend::Postgres => match PostgresDatabase::create() {
                Some(db) => (DatabaseUrl::Postgres(db.url.clone()), Some(db)),
                None => continue,
            },
        };
        let db = Db::connect(&url, 2).unwrap();
        db.run_migrations().unwrap();
        let mut config = test_config(url, dir.path());
        config.smtp_url = Some(security_action::config::Secret::new("smtp://127.0.0.1:1"));
        let transport = MailTransport::from_config(&config).unwrap();
        let from: lettre::message::Mailbox =
            "SECURITY ACTION <no-reply@example.jp>".parse().unwrap();
        db.write_blocking(|conn| {
            outbox::enqueue(
                conn,
                "test",
                "taro@example.co.jp",
                "件名",
                "本文",
                None,
                security_action::db::now(),
            )
            .map_err(DbError::from)
        })
        .unwrap();
        let state = || {
            db.write_blocking(|conn| {
                outbox_messages::table
                    .select((outbox_messages::status, outbox_messages::attempts))
                    .first::<(String, i32)>(conn)
                    .map_err(DbError::from)
            })
            .unwrap()
        };
        for round in 1..=9 {
            // Due now, whatever the back-off said.
            db.write_blocking(|conn| {
                diesel::update(outbox_messages::table)
                    .set(outbox_messages::next_attempt_at.eq(security_action::db::now()))
                    .execute(conn)
                    .map_err(DbError::from)
            })
            .unwrap();
            assert_eq!(deliver_due(&db, &transport, &from).unwrap(), 0);
            let expected = match round {
                1..=7 => ("pending".to_owned(), round),
                _ => ("failed".to_owned(), 8),
            };
            assert_eq!(state(), expected, "{backend:?}, round {round}");
        }
    }
}
