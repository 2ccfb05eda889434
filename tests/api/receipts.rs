//! Signed verification receipts: every answer's receipt ID, the receipt for the client that
//! verified (and no one else), its payload, and its signature checked against the served JWKS
//! by code that is not the service's: the README's Python example with joserfc, and a raw
//! Ed25519 check; a key rotation keeps old receipts verifiable.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use ed25519_dalek::{Signature, VerifyingKey};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;

const TYPE: &str = "verification-receipt+jwt";

fn b64(part: &str) -> Vec<u8> {
    data_encoding::BASE64URL_NOPAD
        .decode(part.as_bytes())
        .unwrap_or_default()
}

/// Checks a compact JWS against a JWKS without the service's code or `jsonwebtoken`: the
/// header's `kid` picks the JWK, whose `x` checks the Ed25519 signature over `header.payload`.
/// Answers the header and payload, or why it fails.
pub fn check_raw(jws: &str, jwks: &Value) -> Result<(Value, Value), String> {
    let parts: Vec<&str> = jws.split('.').collect();
    let [header, payload, signature] = parts.as_slice() else {
        return Err("not three parts".into());
    };
    let header_json: Value =
        serde_json::from_slice(&b64(header)).map_err(|e| format!("header: {e}"))?;
    if header_json["alg"] != "EdDSA" {
        return Err(format!("alg {}", header_json["alg"]));
    }
    let jwk = jwks["keys"]
        .as_array()
        .and_then(|keys| keys.iter().find(|k| k["kid"] == header_json["kid"]))
        .ok_or("no published key with this kid")?;
    if (jwk["kty"].as_str(), jwk["crv"].as_str()) != (Some("OKP"), Some("Ed25519")) {
        return Err("not an Ed25519 key".into());
    }
    let x: [u8; 32] = b64(jwk["x"].as_str().unwrap_or_default())
        .try_into()
        .map_err(|_| "x is not 32 bytes")?;
    let key = VerifyingKey::from_bytes(&x).map_err(|e| e.to_string())?;
    let signature =
        Signature::from_slice(&b64(signature)).map_err(|e| format!("signature: {e}"))?;
    key.verify_strict(format!("{header}.{payload}").as_bytes(), &signature)
        .map_err(|e| format!("signature does not hold: {e}"))?;
    let payload_json: Value =
        serde_json::from_slice(&b64(payload)).map_err(|e| format!("payload: {e}"))?;
    Ok((header_json, payload_json))
}

/// The README's Python block that checks a receipt (after its marker comment).
fn readme_check_script() -> String {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let after = readme
        .split("<!-- check-receipt.py:")
        .nth(1)
        .expect("the README's marker before the receipt check");
    let block = after
        .split("```python\n")
        .nth(1)
        .and_then(|b| b.split("\n```").next())
        .expect("a python block after the marker");
    block.to_owned()
}

/// Whether Python with joserfc is here; outside CI its absence skips the Python half loudly,
/// in CI it fails (`.ci/run` installs joserfc).
fn python_with_joserfc() -> bool {
    let found = Command::new("python3")
        .args(["-c", "import joserfc"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            !in_ci(),
            "python3 with joserfc is required in CI (pip install joserfc)"
        );
        eprintln!(
            "\n*** python3 with joserfc is not installed: SKIPPING the README's receipt check \
             (pip install joserfc) ***\n"
        );
    }
    found
}

/// Runs the README's example on a receipt and a JWKS, as an auditor would: `Some((passed,
/// stdout, stderr))`, or `None` when Python with joserfc is missing (outside CI).
pub fn readme_check(receipt: &str, jwks: &Value) -> Option<(bool, String, String)> {
    if !python_with_joserfc() {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("check-receipt.py");
    std::fs::write(&script, readme_check_script()).unwrap();
    std::fs::write(dir.path().join("receipt.jws"), receipt).unwrap();
    std::fs::write(dir.path().join("jwks.json"), jwks.to_string()).unwrap();
    let output = Command::new("python3")
        .current_dir(dir.path())
        .args(["check-receipt.py", "receipt.jws", "jwks.json"])
        .output()
        .expect("python3 runs");
    Some((
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    ))
}

/// The receipt passes both independent checks; answers its header and payload.
fn assert_verifies(receipt: &str, jwks: &Value) -> (Value, Value) {
    let (header, payload) = check_raw(receipt, jwks).expect("the signature holds");
    if let Some((passed, stdout, stderr)) = readme_check(receipt, jwks) {
        assert!(passed, "the README's check fails: {stdout}{stderr}");
        let printed: Value =
            serde_json::from_str(&stdout[..stdout.rfind('}').map_or(stdout.len(), |i| i + 1)])
                .expect("the README's check prints the payload");
        assert_eq!(printed, payload);
    }
    (header, payload)
}

/// The receipt fails both independent checks.
fn assert_fails(receipt: &str, jwks: &Value) {
    assert!(check_raw(receipt, jwks).is_err(), "{receipt} verifies");
    if let Some((passed, stdout, stderr)) = readme_check(receipt, jwks) {
        assert!(
            !passed,
            "the README's check passes a changed receipt: {stdout}"
        );
        assert!(stderr.contains("NOT"), "{stderr}");
    }
}

async fn jwks(base: &str, client: &reqwest::Client) -> Value {
    let response = client
        .get(format!("{base}/.well-known/jwks.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=300",
        "cacheable"
    );
    json_with_status(response, 200).await
}

async fn fetch_receipt(app: &TestApp, token: &str, receipt_id: &str) -> reqwest::Response {
    app.get_as(&format!("/v1/verification-receipts/{receipt_id}"), token)
        .await
}

/// The 200 answer of a single verification of `declaration_id`.
async fn verify(app: &TestApp, token: &str, declaration_id: &str) -> Value {
    json_with_status(
        app.get_as(&format!("/v1/verifications/{declaration_id}"), token)
            .await,
        200,
    )
    .await
}

/// An accepted declaration and a verifying client's token.
async fn verified_setup(app: &TestApp) -> (Applicant, String) {
    let applicant = app.applicant().await;
    let operator = app.operator_token().await;
    app.accept(&operator, &applicant.declaration_id).await;
    let (id, secret) = app.api_client().await;
    (applicant, app.client_token(&id, &secret).await)
}

fn is_receipt_id(value: &Value) -> bool {
    value.as_str().is_some_and(|s| {
        s.len() == 31
            && s.starts_with("rcpt_")
            && s[5..]
                .chars()
                .all(|c| "0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(c))
    })
}

both_backends! {
    async fn every_verification_answer_carries_its_own_receipt_id(app) {
        let (applicant, token) = verified_setup(&app).await;
        let first = verify(&app, &token, &applicant.declaration_id).await;
        let second = verify(&app, &token, &applicant.declaration_id).await;
        let batch = json_with_status(app.post_as("/v1/verifications/batch", &token, &json!({"items": [
            {"declaration_id": applicant.declaration_id},
            {"declaration_id": "40773182095"},
            {"declaration_id": applicant.declaration_id},
        ]})).await, 200).await;
        let results = batch["results"].as_array().unwrap();
        assert_eq!(results[1]["outcome"], "failed");
        assert!(results[1].get("receipt_id").is_none(), "an item error has no receipt: {}", results[1]);
        let ids = [&first["receipt_id"], &second["receipt_id"], &results[0]["receipt_id"], &results[2]["receipt_id"]];
        for id in ids {
            assert!(is_receipt_id(id), "{id}");
        }
        let distinct: std::collections::HashSet<&str> = ids.iter().filter_map(|v| v.as_str()).collect();
        assert_eq!(distinct.len(), 4, "{ids:?}");
    }

    async fn a_receipt_states_what_was_asked_and_answered_and_verifies_against_the_jwks(app) {
        let (applicant, token) = verified_setup(&app).await;
        let number = applicant.application["organization"]["corporate_number"].as_str().unwrap().to_owned();
        let id = applicant.declaration_id.clone();
        let matching = json_with_status(app.get_as(&format!("/v1/verifications/{id}?corporate_number={number}&organization_name=%EF%BC%88%E6%A0%AA%EF%BC%89%E3%82%B5%E3%83%B3%E3%83%97%E3%83%AB"), &token).await, 200).await;
        let batch = json_with_status(app.post_as("/v1/verifications/batch", &token, &json!({"items": [
            {"declaration_id": id, "corporate_number": "7000012050002", "organization_name": "別会社"},
        ]})).await, 200).await;
        let mismatched = &batch["results"][0];
        let operator = app.operator_token().await;
        let revoked = app.post_as(&format!("/v1/admin/declarations/{id}/revocation"), &operator, &json!({"reason": "other", "note": "確認のため"})).await;
        assert_eq!(revoked.status(), 200);
        let after_revocation = verify(&app, &token, &id).await;
        assert_eq!(after_revocation["valid"], false);

        let keys = jwks(&app.address, &app.client).await;
        let published = keys["keys"].as_array().unwrap();
        assert_eq!(published.len(), 1, "{keys}");
        let jwk = &published[0];
        assert_eq!((jwk["kty"].as_str(), jwk["crv"].as_str(), jwk["alg"].as_str(), jwk["use"].as_str()),
            (Some("OKP"), Some("Ed25519"), Some("EdDSA"), Some("sig")));
        assert_eq!(jwk["kid"], app.state.receipt_key.kid.as_str());
        assert!(jwk.get("d").is_none(), "no private part: {jwk}");

        let mut payloads = Vec::new();
        for answer in [&matching, mismatched, &after_revocation] {
            let receipt_id = answer["receipt_id"].as_str().unwrap();
            let view = json_with_status(fetch_receipt(&app, &token, receipt_id).await, 200).await;
            let (header, payload) = assert_verifies(view["receipt"].as_str().unwrap(), &keys);
            assert_eq!(header, json!({"alg": "EdDSA", "typ": TYPE, "kid": jwk["kid"]}));
            assert_eq!(payload["receipt_id"], receipt_id);
            // The payload is the answer as it was given, whatever happened since.
            for field in ["declaration_id", "valid", "status", "star", "organization_name", "declared_at", "accepted_at", "star_since", "corporate_number_matches", "organization_name_matches"] {
                assert_eq!(payload[field], answer[field], "{field}: {payload} vs {answer}");
            }
            assert_eq!(payload["client_name"], "補助金申請システム");
            assert_eq!(payload["iss"], app.address.as_str());
            assert!(payload["iat"].as_i64().unwrap() > 1_700_000_000);
            assert!(payload["verified_at"].as_str().unwrap().ends_with('Z'), "{payload}");
            payloads.push(payload);
        }
        let client_id = payloads[0]["client_id"].clone();
        assert!(client_id.as_str().unwrap().starts_with("sa_"), "{client_id}");
        assert_eq!((payloads[0]["corporate_number_asked"].as_str(), payloads[0]["organization_name_asked"].as_str()), (Some(number.as_str()), Some("（株）サンプル")));
        assert_eq!((payloads[0]["corporate_number_matches"].as_bool(), payloads[0]["organization_name_matches"].as_bool(), payloads[0]["valid"].as_bool()), (Some(true), Some(true), Some(true)));
        assert_eq!((payloads[1]["corporate_number_asked"].as_str(), payloads[1]["organization_name_asked"].as_str()), (Some("7000012050002"), Some("別会社")));
        assert_eq!((payloads[1]["corporate_number_matches"].as_bool(), payloads[1]["organization_name_matches"].as_bool()), (Some(false), Some(false)));
        assert_eq!((payloads[2]["valid"].as_bool(), payloads[2]["status"].as_str()), (Some(false), Some("revoked")));
        assert_eq!((payloads[2]["corporate_number_asked"].clone(), payloads[2]["corporate_number_matches"].clone(), payloads[2]["organization_name_asked"].clone()), (Value::Null, Value::Null, Value::Null));
        assert!(payloads.iter().all(|p| p["client_id"] == client_id));
        // What a receipt states, and nothing of the declarer's contact.
        let names: std::collections::BTreeSet<&str> = payloads[0].as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(names, ["accepted_at", "client_id", "client_name", "corporate_number_asked", "corporate_number_matches", "declaration_id", "declared_at", "iat", "iss", "organization_name", "organization_name_asked", "organization_name_matches", "receipt_id", "star", "star_since", "status", "valid", "verified_at"].into_iter().collect());
    }

    async fn a_receipt_changed_by_one_byte_fails_verification(app) {
        let (applicant, token) = verified_setup(&app).await;
        let answer = verify(&app, &token, &applicant.declaration_id).await;
        let view = json_with_status(fetch_receipt(&app, &token, answer["receipt_id"].as_str().unwrap()).await, 200).await;
        let receipt = view["receipt"].as_str().unwrap().to_owned();
        let keys = jwks(&app.address, &app.client).await;
        assert_verifies(&receipt, &keys);
        let dots: Vec<usize> = receipt.match_indices('.').map(|(i, _)| i).collect();
        // One character changed in the header, in the payload (`"valid":true` made false
        // would be the forger's aim), and in the signature.
        for at in [dots[0] / 2, (dots[0] + dots[1]) / 2, (dots[1] + receipt.len()) / 2] {
            let mut bytes = receipt.clone().into_bytes();
            bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
            assert_fails(&String::from_utf8(bytes).unwrap(), &keys);
        }
        // The payload of another receipt under this signature.
        let mut forged: Value = serde_json::from_slice(&b64(receipt.split('.').nth(1).unwrap())).unwrap();
        forged["valid"] = json!(false);
        let parts: Vec<&str> = receipt.split('.').collect();
        let swapped = format!("{}.{}.{}", parts[0], data_encoding::BASE64URL_NOPAD.encode(forged.to_string().as_bytes()), parts[2]);
        assert_fails(&swapped, &keys);
        // A key that is not published.
        let mut other_keys = keys.clone();
        other_keys["keys"][0]["kid"] = json!("another");
        assert_fails(&receipt, &other_keys);
    }

    async fn after_a_key_change_old_receipts_still_verify_and_new_ones_use_the_new_key(app) {
        let (applicant, token) = verified_setup(&app).await;
        let path = format!("/v1/verifications/{}", applicant.declaration_id);
        let old_answer = verify(&app, &token, &applicant.declaration_id).await;
        let old = json_with_status(fetch_receipt(&app, &token, old_answer["receipt_id"].as_str().unwrap()).await, 200).await;
        let old_receipt = old["receipt"].as_str().unwrap().to_owned();
        let old_kid = app.state.receipt_key.kid.clone();

        // Another instance on the same database, configured with a new key (a restart with a
        // new RECEIPT_SIGNING_KEY).
        let dir = tempfile::tempdir().unwrap();
        let config = test_config(app.state.config.database.clone(), dir.path());
        let second = security_action::startup::Application::build(config).await.unwrap();
        let second_url = format!("http://{}", second.address());
        let new_kid = second.state().receipt_key.kid.clone();
        let second_state = second.state().clone();
        tokio::spawn(second.run_until_stopped());
        assert_ne!(old_kid, new_kid);

        let keys = jwks(&second_url, &app.client).await;
        let kids: Vec<&str> = keys["keys"].as_array().unwrap().iter().filter_map(|k| k["kid"].as_str()).collect();
        assert_eq!(kids, [old_kid.as_str(), new_kid.as_str()], "the retired key stays published, oldest first");
        let (header, _) = assert_verifies(&old_receipt, &keys);
        assert_eq!(header["kid"], old_kid.as_str());

        let new_answer = json_with_status(app.client.get(format!("{second_url}{path}")).bearer_auth(&token).send().await.unwrap(), 200).await;
        let new = json_with_status(app.client.get(format!("{second_url}/v1/verification-receipts/{}", new_answer["receipt_id"].as_str().unwrap())).bearer_auth(&token).send().await.unwrap(), 200).await;
        let (header, _) = assert_verifies(new["receipt"].as_str().unwrap(), &keys);
        assert_eq!(header["kid"], new_kid.as_str());
        // The old receipt, asked of the new instance: the same bytes, signed by the old key.
        let again = json_with_status(app.client.get(format!("{second_url}/v1/verification-receipts/{}", old_answer["receipt_id"].as_str().unwrap())).bearer_auth(&token).send().await.unwrap(), 200).await;
        assert_eq!(again["receipt"], old_receipt.as_str());

        let retired = second_state.db.read(|conn| Ok::<_, security_action::db::DbError>(security_action::db::receipts::published(conn)?)).await.unwrap();
        assert!(retired[0].2.is_some() && retired[1].2.is_none(), "{retired:?}");
        std::mem::forget(dir);
    }
}

/// A receipt of a verification answered before the record was written, asked of another
/// instance (which cannot write the first one's queue): there within the writer's second.
#[tokio::test]
async fn a_receipt_is_there_on_another_instance_once_written() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let (applicant, token) = verified_setup(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let second = security_action::startup::Application::build(test_config(
        app.state.config.database.clone(),
        dir.path(),
    ))
    .await
    .unwrap();
    let second_url = format!("http://{}", second.address());
    tokio::spawn(second.run_until_stopped());
    let answer = verify(&app, &token, &applicant.declaration_id).await;
    let verified = Instant::now();
    let url = format!(
        "{second_url}/v1/verification-receipts/{}",
        answer["receipt_id"].as_str().unwrap()
    );
    loop {
        let response = app
            .client
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        if response.status() == 200 {
            break;
        }
        assert_eq!(response.status(), 404);
        // Written by the first instance's writer within its second (a deadline far beyond it
        // only keeps a loaded machine from failing the test).
        assert!(
            verified.elapsed() < Duration::from_secs(30),
            "no receipt after {:?}",
            verified.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!("receipt on another instance after {:?}", verified.elapsed());
    std::mem::forget(dir);
}

/// Records enough for several statements in one transaction (PostgreSQL's `COPY`s of 2,000,
/// SQLite's `INSERT`s of 200, each with a last partial one): every record is written once, in
/// the order it came, with its receipt ID and the answer it was given.
#[tokio::test]
async fn records_of_several_statements_are_all_written_in_order() {
    use diesel::prelude::*;
    use security_action::db::Db;
    use security_action::db::schema::{api_clients, verification_records};
    use security_action::db::verifications::{VerificationRecord, insert_records};
    use security_action::domain::declaration::{Star, Status};
    use security_action::domain::receipt::{Answer, ReceiptId};

    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = TestApp::spawn(backend).await else {
            continue;
        };
        let db = Db::connect(&app.state.config.database, 1).unwrap();
        let written = tokio::task::spawn_blocking(move || {
            let client = db
                .write_blocking(|conn| {
                    security_action::secretariat::create_client(
                        conn,
                        "records",
                        &["declarations:verify".to_owned()],
                        None,
                        None,
                        &security_action::db::audit::Actor::system(),
                    )
                })
                .unwrap();
            let client: i64 = api_clients::table
                .filter(api_clients::client_id.eq(&client.client_id))
                .select(api_clients::id)
                .first(&mut *db.pool().get().unwrap())
                .unwrap();
            let at = chrono::Utc::now();
            let records: Vec<VerificationRecord> = (0..4_101)
                .map(|n| VerificationRecord {
                    api_client_id: client,
                    declaration_id: None,
                    requested_id: format!("4{n:011}"),
                    result: "found",
                    verified_at: at.naive_utc(),
                    receipt: Some((
                        ReceiptId::generate(),
                        Answer {
                            valid: n % 2 == 0,
                            status: Status::Accepted,
                            star: Star::TwoStar,
                            organization_name: format!("株式会社{n}"),
                            declared_at: at,
                            accepted_at: None,
                            star_since: at,
                            corporate_number_asked: None,
                            corporate_number_matches: None,
                            organization_name_asked: None,
                            organization_name_matches: None,
                        },
                    )),
                })
                .collect();
            let sent = records.clone();
            db.write_blocking(move |conn| {
                insert_records(conn, &records).map_err(security_action::db::DbError::from)
            })
            .unwrap();
            let rows: Vec<(String, Option<String>, Option<String>)> = verification_records::table
                .filter(verification_records::api_client_id.eq(client))
                .order(verification_records::id.asc())
                .select((
                    verification_records::requested_id,
                    verification_records::receipt_id,
                    verification_records::answer,
                ))
                .load(&mut *db.pool().get().unwrap())
                .unwrap();
            (sent, rows)
        })
        .await
        .unwrap();
        let (sent, rows) = written;
        assert_eq!(rows.len(), sent.len(), "{backend:?}");
        for (record, (requested_id, receipt_id, answer)) in sent.iter().zip(&rows) {
            let (id, given) = record.receipt.as_ref().unwrap();
            assert_eq!(requested_id, &record.requested_id, "{backend:?}");
            assert_eq!(receipt_id.as_deref(), Some(id.as_str()), "{backend:?}");
            let stored: Answer = serde_json::from_str(answer.as_deref().unwrap()).unwrap();
            assert_eq!(&stored, given, "{backend:?}");
        }
    }
}

/// A receipt is there as soon as its verification is answered, though the background writer
/// has not written its record yet; only the client that verified gets it.
async fn the_verifying_client_gets_its_receipt_at_once_and_no_one_else_does(backend: Backend) {
    // The background writer would wait an hour: only the request itself can write the record.
    let Some(app) = TestApp::spawn_with(backend, |c| {
        c.verification_flush = Duration::from_secs(3600)
    })
    .await
    else {
        return;
    };
    let (applicant, token) = verified_setup(&app).await;
    let answer = verify(&app, &token, &applicant.declaration_id).await;
    let receipt_id = answer["receipt_id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.state.verifications.queued(),
        1,
        "the record waits in memory"
    );
    let response = fetch_receipt(&app, &token, &receipt_id).await;
    let first = json_with_status(response, 200).await;
    assert_eq!(first["receipt_id"], receipt_id.as_str());
    let receipt = first["receipt"].as_str().unwrap().to_owned();
    // Signed once: the same bytes again.
    let again = json_with_status(fetch_receipt(&app, &token, &receipt_id).await, 200).await;
    assert_eq!(again["receipt"], receipt.as_str());

    let (other_id, other_secret) = app.api_client().await;
    let other = app.client_token(&other_id, &other_secret).await;
    let problem = assert_problem(
        fetch_receipt(&app, &other, &receipt_id).await,
        404,
        "not_found",
    )
    .await;
    assert!(!problem.to_string().contains(&receipt), "{problem}");
    let unknown = security_action::domain::receipt::ReceiptId::generate();
    assert_problem(
        fetch_receipt(&app, &token, unknown.as_str()).await,
        404,
        "not_found",
    )
    .await;
    for malformed in [
        "rcpt_x",
        "nothing",
        &receipt_id.to_lowercase(),
        &format!("{receipt_id}0"),
    ] {
        assert_problem(
            fetch_receipt(&app, &token, malformed).await,
            404,
            "not_found",
        )
        .await;
    }
    let (changes_id, changes_secret) = app.api_client_with(&["declarations:changes"]).await;
    let changes = app.client_token(&changes_id, &changes_secret).await;
    assert_problem(
        fetch_receipt(&app, &changes, &receipt_id).await,
        403,
        "insufficient_scope",
    )
    .await;
    let anonymous = app
        .get(&format!("/v1/verification-receipts/{receipt_id}"))
        .await;
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn the_verifying_client_gets_its_receipt_at_once_and_no_one_else_does_on_sqlite() {
    the_verifying_client_gets_its_receipt_at_once_and_no_one_else_does(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_verifying_client_gets_its_receipt_at_once_and_no_one_else_does_on_postgres() {
    the_verifying_client_gets_its_receipt_at_once_and_no_one_else_does(Backend::Postgres).await;
}
