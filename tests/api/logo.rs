//! Logo-download tokens and the ZIP they open.

use std::io::Read;

use serde_json::json;

use crate::both_backends;
use crate::helpers::*;

both_backends! {
    async fn an_accepted_declarer_downloads_the_mark_once(app) {
        let applicant = app.applicant_with(two_star_application()).await;
        let operator = app.operator_token().await;
        let path = format!("/v1/declarations/{}/logo-tokens", applicant.declaration_id);
        let early = app.send(reqwest::Method::POST, &path, Some(&applicant.access_token), None).await;
        assert_problem(early, 409, "not_accepted").await;
        app.accept(&operator, &applicant.declaration_id).await;
        let token = json_with_status(app.send(reqwest::Method::POST, &path, Some(&applicant.access_token), None).await, 201).await;
        assert_eq!(token["star"], "two_star");
        let secret = token["token"].as_str().unwrap().to_owned();
        assert_eq!(data_encoding::BASE64URL_NOPAD.decode(secret.as_bytes()).unwrap().len(), 32);
        let url = token["download_url"].as_str().unwrap().to_owned();
        assert!(url.ends_with(&format!("/v1/logo-downloads/{secret}")));
        let expires: chrono::DateTime<chrono::Utc> = token["expires_at"].as_str().unwrap().parse().unwrap();
        assert!(expires > chrono::Utc::now() + chrono::Duration::minutes(9) && expires < chrono::Utc::now() + chrono::Duration::minutes(11));

        let download = app.get(&format!("/v1/logo-downloads/{secret}")).await;
        assert_eq!(download.status(), 200);
        assert_eq!(download.headers()["content-type"], "application/zip");
        assert!(download.headers()["content-disposition"].to_str().unwrap().contains("security-action-two-star.zip"));
        let bytes = download.bytes().await.unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
        let mut names: Vec<String> = archive.file_names().map(|n| n.unwrap().into_owned()).collect();
        names.sort();
        assert_eq!(names, [
            "security-action-two-star/README-en.txt",
            "security-action-two-star/README-ja.txt",
            "security-action-two-star/mark.png",
            "security-action-two-star/mark.svg",
        ]);
        let mut readme = String::new();
        archive.by_name("security-action-two-star/README-ja.txt").unwrap().read_to_string(&mut readme).unwrap();
        assert!(readme.contains("二つ星を宣言しました") && readme.contains("認定を受けました") && readme.contains("平成30年7月3日 一部改正"));
        assert!(readme.contains(TEST_INQUIRY_EMAIL), "the guidelines say where to ask");
        assert!(readme.contains(&applicant.declaration_id));
        let mut png = Vec::new();
        archive.by_name("security-action-two-star/mark.png").unwrap().read_to_end(&mut png).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");

        assert_problem(app.get(&format!("/v1/logo-downloads/{secret}")).await, 410, "token_used").await;
        assert_problem(app.get("/v1/logo-downloads/made-up-token").await, 404, "not_found").await;
        let audit: Vec<String> = app.audit_of("declaration", &applicant.declaration_id).await.into_iter().map(|a| a.0).collect();
        assert!(audit.contains(&"logo.downloaded".to_owned()), "{audit:?}");
    }

    async fn a_revocation_cuts_logo_access_at_once(app) {
        let applicant = app.applicant().await;
        let operator = app.operator_token().await;
        app.accept(&operator, &applicant.declaration_id).await;
        let path = format!("/v1/declarations/{}/logo-tokens", applicant.declaration_id);
        let token = json_with_status(app.send(reqwest::Method::POST, &path, Some(&applicant.access_token), None).await, 201).await;
        app.post_as(&format!("/v1/admin/declarations/{}/revocation", applicant.declaration_id), &operator, &json!({"reason": "false_declaration"})).await;
        let download = app.get(&format!("/v1/logo-downloads/{}", token["token"].as_str().unwrap())).await;
        assert_problem(download, 410, "logo_access_revoked").await;
        let again = app.send(reqwest::Method::POST, &path, Some(&applicant.access_token), None).await;
        assert_problem(again, 409, "not_accepted").await;

        // Reinstated: the token of before the revocation stays dead; a new one works.
        let reinstated = app.post_as(&format!("/v1/admin/declarations/{}/reinstatement", applicant.declaration_id), &operator, &json!({})).await;
        assert_eq!(reinstated.status(), 200);
        let download = app.get(&format!("/v1/logo-downloads/{}", token["token"].as_str().unwrap())).await;
        assert_problem(download, 410, "logo_access_revoked").await;
        let fresh = json_with_status(app.send(reqwest::Method::POST, &path, Some(&applicant.access_token), None).await, 201).await;
        let download = app.get(&format!("/v1/logo-downloads/{}", fresh["token"].as_str().unwrap())).await;
        assert_eq!(download.status(), 200);
    }

    async fn a_withdrawal_ends_the_tokens_issued_before_it(app) {
        let applicant = app.applicant().await;
        let operator = app.operator_token().await;
        app.accept(&operator, &applicant.declaration_id).await;
        let path = format!("/v1/declarations/{}/logo-tokens", applicant.declaration_id);
        let token = json_with_status(app.send(reqwest::Method::POST, &path, Some(&applicant.access_token), None).await, 201).await;
        let withdrawn = app.post_as(&format!("/v1/declarations/{}/withdrawal", applicant.declaration_id), &applicant.access_token, &json!({"reason": "closing"})).await;
        assert_eq!(withdrawn.status(), 200);
        let download = app.get(&format!("/v1/logo-downloads/{}", token["token"].as_str().unwrap())).await;
        assert_problem(download, 410, "logo_access_revoked").await;
        let again = app.send(reqwest::Method::POST, &path, Some(&applicant.access_token), None).await;
        assert_problem(again, 409, "not_accepted").await;
    }
}

/// An expired token is 410.
#[tokio::test]
async fn an_expired_logo_token_is_gone() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let applicant = app.applicant().await;
    let operator = app.operator_token().await;
    app.accept(&operator, &applicant.declaration_id).await;
    let token = json_with_status(
        app.send(
            reqwest::Method::POST,
            &format!("/v1/declarations/{}/logo-tokens", applicant.declaration_id),
            Some(&applicant.access_token),
            None,
        )
        .await,
        201,
    )
    .await;
    app.state
        .db
        .write(|conn| {
            use diesel::prelude::*;
            diesel::sql_query("UPDATE one_time_tokens SET expires_at = '2020-01-01 00:00:00'")
                .execute(conn)?;
            Ok::<_, security_action::db::DbError>(())
        })
        .await
        .unwrap();
    assert_problem(
        app.get(&format!(
            "/v1/logo-downloads/{}",
            token["token"].as_str().unwrap()
        ))
        .await,
        410,
        "token_expired",
    )
    .await;
}
