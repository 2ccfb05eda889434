//! The public registry and the statistics.

use serde_json::json;

use crate::both_backends;
use crate::helpers::*;

both_backends! {
    async fn the_registry_finds_declarers_by_any_spelling_of_their_name_and_shows_no_private_data(app) {
        let mut application = one_star_application();
        application["organization"]["name"] = json!("株式会社 サンプル商事");
        application["organization"]["prefecture"] = json!("27");
        let applicant = app.applicant_with(application).await;
        let mut other = one_star_application();
        other["organization"]["name"] = json!("山田建設有限会社");
        app.applicant_with(other).await;
        for spelling in ["ｻﾝﾌﾟﾙ", "さんぷる", "サンプル商事", "(株)サンプル商事", "㈱ サンプル", "ｻﾝﾌﾟﾙｼｮｳｼﾞ"] {
            let url = format!("/v1/registry?name={}", urlencode(spelling));
            let page = json_with_status(app.get(&url).await, 200).await;
            let names: Vec<&str> = page["items"].as_array().unwrap().iter().map(|i| i["organization_name"].as_str().unwrap()).collect();
            if spelling == "ｻﾝﾌﾟﾙｼｮｳｼﾞ" {
                assert!(names.is_empty(), "a reading is not the name: {names:?}");
            } else {
                assert_eq!(names, ["株式会社 サンプル商事"], "{spelling}");
            }
        }
        let page = json_with_status(app.get("/v1/registry?prefecture=27").await, 200).await;
        let entry = &page["items"][0];
        assert_eq!(entry["prefecture"], "27");
        assert_eq!(entry["prefecture_name"], "大阪府");
        assert_eq!(entry["star"], "one_star");
        assert_eq!(entry["status"], "declared");
        let keys: Vec<&String> = entry.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 6, "{keys:?}");
        let text = page.to_string();
        assert!(!text.contains(&applicant.declaration_id) && !text.contains(&applicant.user_number) && !text.contains(&applicant.email));
        let english = json_with_status(app.get_with_language("/v1/registry?prefecture=27", "en").await, 200).await;
        assert_eq!(english["items"][0]["prefecture_name"], "Osaka");
        let number = applicant.application["organization"]["corporate_number"].as_str().unwrap();
        let by_number = json_with_status(app.get(&format!("/v1/registry?corporate_number={number}")).await, 200).await;
        assert_eq!(by_number["items"].as_array().unwrap().len(), 1);
        // Withdrawn declarers leave the registry.
        app.post_as(&format!("/v1/declarations/{}/withdrawal", applicant.declaration_id), &applicant.access_token, &json!({"reason": "closing"})).await;
        let gone = json_with_status(app.get("/v1/registry?prefecture=27").await, 200).await;
        assert_eq!(gone["items"], json!([]));
        for bad in ["prefecture=99", "star=x", "corporate_number=123", "status=withdrawn", "limit=0", "cursor=%%%", "id=1"] {
            assert_problem(app.get(&format!("/v1/registry?{bad}")).await, 422, "validation_failed").await;
        }
    }

    async fn a_move_to_another_prefecture_moves_the_declaration_in_the_registry(app) {
        let mut application = one_star_application();
        application["organization"]["name"] = json!("株式会社 引越商事");
        application["organization"]["prefecture"] = json!("32");
        let applicant = app.applicant_with(application).await;
        let names = |page: serde_json::Value| -> Vec<String> {
            page["items"].as_array().unwrap().iter().map(|i| i["organization_name"].as_str().unwrap().to_owned()).collect()
        };
        let shared = &app;
        let listed = |query: &'static str| async move { names(json_with_status(shared.get(&format!("/v1/registry?{query}")).await, 200).await) };
        assert_eq!(listed("prefecture=32").await, ["株式会社 引越商事"]);
        assert_eq!(listed("prefecture=32&star=one_star").await, ["株式会社 引越商事"]);
        assert!(listed("prefecture=32&star=two_star").await.is_empty());
        assert!(listed("prefecture=47").await.is_empty());

        let etag = app.get_as("/v1/me", &applicant.access_token).await.headers()["etag"].to_str().unwrap().to_owned();
        let moved = app.client.patch(app.url("/v1/me/organization")).bearer_auth(&applicant.access_token)
            .header("If-Match", etag).json(&json!({"prefecture": "47", "address": "沖縄県那覇市1-1"})).send().await.unwrap();
        let me = json_with_status(moved, 200).await;
        assert_eq!(me["organization"]["prefecture"], "47");

        assert!(listed("prefecture=32").await.is_empty(), "it left Shimane");
        assert!(listed("prefecture=32&star=one_star").await.is_empty());
        assert_eq!(listed("prefecture=47").await, ["株式会社 引越商事"]);
        assert_eq!(listed("prefecture=47&star=one_star").await, ["株式会社 引越商事"]);
        let page = json_with_status(app.get("/v1/registry?prefecture=47").await, 200).await;
        assert_eq!(page["items"][0]["prefecture"], "47");
    }

    async fn the_statistics_count_what_the_scheme_publishes(app) {
        let operator = app.operator_token().await;
        let one = app.applicant().await;
        let two = app.applicant_with(two_star_application()).await;
        let mut osaka = one_star_application();
        osaka["organization"]["prefecture"] = json!("27");
        osaka["organization"]["industry"] = json!("E");
        osaka["purposes"] = json!(["customer_trust"]);
        let gone = app.applicant_with(osaka).await;
        app.accept(&operator, &two.declaration_id).await;
        app.post_as(&format!("/v1/declarations/{}/withdrawal", gone.declaration_id), &gone.access_token, &json!({"reason": "closing"})).await;
        let _ = one;
        let response = app.get("/v1/stats").await;
        assert!(response.headers()["cache-control"].to_str().unwrap().starts_with("public, max-age="));
        let stats = json_with_status(response, 200).await;
        assert_eq!(stats["live_declarations"], 2);
        assert_eq!(stats["by_star"], json!({"one_star": 1, "two_star": 1}));
        assert_eq!(stats["by_status"], json!({"accepted": 1, "declared": 1, "withdrawn": 1}));
        assert_eq!(stats["by_prefecture"], json!([{"code": "13", "count": 2}]));
        assert_eq!(stats["by_industry"], json!([{"code": "G", "count": 2}]));
        assert_eq!(stats["by_purpose"], json!({"improve_security": 2, "subsidy_application": 2}));
        let scores = &stats["two_star_scores"];
        assert_eq!(scores["count"], 1);
        assert_eq!(scores["average"], 95.0);
        assert_eq!(scores["by_band"]["partially_insufficient"], 1);
        assert_eq!(scores["histogram"].as_array().unwrap().iter().map(|b| b["count"].as_i64().unwrap()).sum::<i64>(), 1);
    }
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Statistics are cached for the configured time.
#[tokio::test]
async fn statistics_are_cached() {
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, |c| c.stats_cache_seconds = 300).await
    else {
        return;
    };
    let before = json_with_status(app.get("/v1/stats").await, 200).await;
    app.applicant().await;
    let cached = json_with_status(app.get("/v1/stats").await, 200).await;
    assert_eq!(before, cached);
    assert_eq!(cached["live_declarations"], 0);
}

/// Expired statistics are still answered at once while one refresh computes the next ones,
/// which later requests then get.
#[tokio::test]
async fn expired_statistics_are_answered_while_they_are_refreshed() {
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, |c| c.stats_cache_seconds = 1).await
    else {
        return;
    };
    let before = json_with_status(app.get("/v1/stats").await, 200).await;
    assert_eq!(before["by_status"]["declared"].as_i64().unwrap_or(0), 0);
    app.applicant().await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let stale = json_with_status(app.get("/v1/stats").await, 200).await;
    assert_eq!(stale, before, "the expired figures, answered at once");
    let mut refreshed = stale.clone();
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        refreshed = json_with_status(app.get("/v1/stats").await, 200).await;
        if refreshed != stale {
            break;
        }
    }
    assert_eq!(refreshed["by_status"]["declared"], 1, "{refreshed}");
    assert_ne!(refreshed["generated_at"], stale["generated_at"]);
}

/// A name that few declarers have and one that many have are both answered newest first with
/// exactly the declarers whose name key contains it, page after page.
#[tokio::test]
async fn rare_and_common_names_page_through_the_same_results() {
    use diesel::prelude::*;
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = TestApp::spawn(backend).await else {
            continue;
        };
        let db = app.state.db.clone();
        tokio::task::spawn_blocking(move || {
            security_action::seed::seed(
                &db,
                2_500,
                "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
                7,
                false,
            )
        })
        .await
        .unwrap()
        .unwrap();
        // A word in most name keys (more than FEW_NAMES), and a key only one declarer has.
        app.state
            .db
            .write(|conn| {
                diesel::sql_query("UPDATE declarers SET organization_name_key = organization_name_key || 'テスト' WHERE id % 5 <> 0")
                    .execute(conn)?;
                // Keys written behind the name index's back: build it again.
                security_action::db::declarers::reindex_names(conn)
                    .map_err(security_action::db::DbError::from)
            })
            .await
            .unwrap();
        let keys: Vec<String> = app
            .state
            .db
            .read(|conn| {
                use security_action::db::schema::declarers::dsl::*;
                Ok::<_, security_action::db::DbError>(
                    declarers.select(organization_name_key).load(conn)?,
                )
            })
            .await
            .unwrap();
        let common = "テスト".to_owned();
        assert!(
            keys.iter().filter(|k| k.contains(&common)).count()
                >= security_action::db::search::FEW_NAMES
        );
        let rare = keys
            .iter()
            .find(|k| keys.iter().filter(|o| o.contains(k.as_str())).count() == 1)
            .unwrap()
            .clone();
        for term in [common, rare] {
            // The expected names: live declarations whose key contains the term, newest first.
            let pattern = format!("%{term}%");
            let expected: Vec<String> = app
                .state
                .db
                .read(move |conn| {
                    use security_action::db::schema::{declarations, declarers};
                    Ok::<_, security_action::db::DbError>(
                        declarations::table
                            .inner_join(declarers::table)
                            .filter(declarations::status.eq_any(["declared", "accepted"]))
                            .filter(declarers::organization_name_key.like(pattern))
                            .order(declarations::id.desc())
                            .limit(45)
                            .select(declarers::organization_name)
                            .load(conn)?,
                    )
                })
                .await
                .unwrap();
            let mut seen = Vec::new();
            let mut cursor: Option<String> = None;
            while seen.len() < 45 {
                let mut url = format!("/v1/registry?limit=20&name={}", urlencode(&term));
                if let Some(c) = &cursor {
                    url.push_str(&format!("&cursor={c}"));
                }
                let page = json_with_status(app.get(&url).await, 200).await;
                for item in page["items"].as_array().unwrap() {
                    seen.push(item["organization_name"].as_str().unwrap().to_owned());
                }
                match page["next_cursor"].as_str() {
                    Some(c) => cursor = Some(c.to_owned()),
                    None => break,
                }
            }
            seen.truncate(45);
            assert_eq!(seen, expected, "{backend:?} {term}");
        }
        the_name_index_finds_what_comparing_every_key_finds(&app, &keys).await;
    }
}

/// The name index against a comparison of every key: for terms cut from the keys (one to four
/// characters, rare and common), the look-up answers exactly the declarers whose key contains
/// the term, or gives up only when they are many or every gram of the term is common. Small
/// limits, so that both ways of giving up are met among 2,500 declarers.
async fn the_name_index_finds_what_comparing_every_key_finds(app: &TestApp, keys: &[String]) {
    use security_action::db::search::{NameLimits, few_matching_declarers};
    let mut terms: Vec<String> = Vec::new();
    for (i, key) in keys.iter().enumerate().step_by(37) {
        let chars: Vec<char> = key.chars().collect();
        for length in 1..=4.min(chars.len()) {
            let start = i % (chars.len() - length + 1);
            terms.push(chars[start..start + length].iter().collect());
        }
    }
    terms.extend(["テスト", "テス", "スト", "ト", "存在しない", "x"].map(String::from));
    // Three characters whose two grams are each common (at least 60 holders), joined.
    let counts: Vec<(String, i64)> = app
        .state
        .db
        .read(|conn| {
            use diesel::dsl::count_star;
            use diesel::prelude::*;
            use security_action::db::schema::name_grams;
            Ok::<_, security_action::db::DbError>(
                name_grams::table
                    .group_by(name_grams::gram)
                    .select((name_grams::gram, count_star()))
                    .load(conn)?,
            )
        })
        .await
        .unwrap();
    let common: Vec<Vec<char>> = counts
        .iter()
        .filter(|(_, n)| *n >= 60)
        .map(|(g, _)| g.chars().collect())
        .collect();
    for first in &common {
        for second in common.iter().filter(|g| g[0] == first[1]) {
            terms.push([first[0], first[1], second[1]].iter().collect());
        }
    }
    let mut gave_up = [0usize; 2];
    for limits in [
        NameLimits {
            few_names: 40,
            common_gram: 60,
        },
        NameLimits::DEFAULT,
    ] {
        for term in &terms {
            let expected: std::collections::BTreeSet<i64> = {
                let term = term.clone();
                app.state
                    .db
                    .read(move |conn| {
                        use diesel::prelude::*;
                        use security_action::db::schema::declarers::dsl::*;
                        Ok::<_, security_action::db::DbError>(
                            declarers
                                .filter(
                                    organization_name_key
                                        .like(security_action::db::search::contains_pattern(&term))
                                        .escape('\\'),
                                )
                                .select(id)
                                .load::<i64>(conn)?,
                        )
                    })
                    .await
                    .unwrap()
                    .into_iter()
                    .collect()
            };
            let looked_up = {
                let term = term.clone();
                app.state
                    .db
                    .read(move |conn| {
                        Ok::<_, security_action::db::DbError>(few_matching_declarers(
                            conn, &term, limits,
                        )?)
                    })
                    .await
                    .unwrap()
            };
            match looked_up {
                Some(ids) => {
                    let ids: std::collections::BTreeSet<i64> = ids.into_iter().collect();
                    assert_eq!(ids, expected, "{term:?} with {limits:?}");
                    assert!(ids.len() < limits.few_names);
                }
                None => {
                    // Giving up is allowed when the matches are many or the term's grams all
                    // common: then a term with few matches must be made of common grams.
                    let grams = security_action::domain::name::grams(term);
                    let common = gram_holders_at_least(app, &grams, limits.common_gram).await;
                    assert!(
                        expected.len() >= limits.few_names || (!grams.is_empty() && common),
                        "{term:?} gave up with {} matches under {limits:?}",
                        expected.len()
                    );
                    gave_up[usize::from(expected.len() >= limits.few_names)] += 1;
                }
            }
        }
    }
    assert!(gave_up[1] > 0, "no term had many matches: {gave_up:?}");
    assert!(
        gave_up[0] > 0,
        "no term was made of common grams only: {gave_up:?}"
    );
}

/// Whether every gram is held by at least `at_least` declarers.
async fn gram_holders_at_least(app: &TestApp, grams: &[String], at_least: usize) -> bool {
    let grams = grams.to_vec();
    app.state
        .db
        .read(move |conn| {
            use diesel::prelude::*;
            use security_action::db::schema::name_grams;
            let mut all = true;
            for gram in &grams {
                let held: i64 = name_grams::table
                    .filter(name_grams::gram.eq(gram))
                    .count()
                    .get_result(conn)?;
                all &= held as usize >= at_least;
            }
            Ok::<_, security_action::db::DbError>(all)
        })
        .await
        .unwrap()
}
