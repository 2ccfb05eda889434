use serde_json::json;

use crate::both_backends;
use crate::helpers::*;

both_backends! {
    async fn the_terms_list_every_version_and_mark_the_current_one(app) {
        let response = app.get("/v1/terms").await;
        assert_eq!(response.headers()["content-language"], "ja");
        let body = json_with_status(response, 200).await;
        assert_eq!(body["current_version"], "2018-07-03");
        let versions: Vec<&str> = body["versions"].as_array().unwrap().iter().map(|v| v["version"].as_str().unwrap()).collect();
        assert_eq!(versions, ["2017-04-28", "2017-05-29", "2018-03-01", "2018-07-03"]);
        let current: Vec<bool> = body["versions"].as_array().unwrap().iter().map(|v| v["is_current"].as_bool().unwrap()).collect();
        assert_eq!(current, [false, false, false, true]);
        assert_eq!(body["versions"][0]["note"], "制定");
        assert_eq!(body["versions"][0]["label"], "平成29年4月28日 制定");
        assert_eq!(body["versions"][3]["note"], "一部改正（現行）");
        assert_eq!(body["versions"][3]["label"], "平成30年7月3日 一部改正（現行）");
        let english = json_with_status(app.get_with_language("/v1/terms", "en").await, 200).await;
        assert_eq!(english["versions"][0]["note"], "Established");
        assert_eq!(english["versions"][1]["note"], "Partially amended");
    }

    async fn the_five_principles_are_served_in_japanese_and_english(app) {
        let response = app.get("/v1/five-principles").await;
        assert_eq!(response.headers()["content-language"], "ja");
        let body = json_with_status(response, 200).await;
        assert_eq!(body["title"], "情報セキュリティ5か条");
        assert!(body["version"].as_str().is_some_and(|v| !v.is_empty()));
        let titles: Vec<&str> = body["principles"].as_array().unwrap().iter().map(|p| p["title"].as_str().unwrap()).collect();
        assert_eq!(titles, [
            "OSやソフトウェアは常に最新の状態にしよう！",
            "ウイルス対策ソフトを導入しよう！",
            "パスワードを強化しよう！",
            "共有設定を見直そう！",
            "脅威や攻撃の手口を知ろう！",
        ]);
        for (i, p) in body["principles"].as_array().unwrap().iter().enumerate() {
            assert_eq!(p["principle"], i + 1);
            assert!(!p["explanation"].as_str().unwrap().is_empty());
        }
        let response = app.get_with_language("/v1/five-principles", "en").await;
        assert_eq!(response.headers()["content-language"], "en");
        let english = json_with_status(response, 200).await;
        assert_eq!(english["principles"][2]["title"], "Use strong passwords");
        assert_eq!(english["version"], body["version"]);
    }

    async fn the_questionnaire_has_25_items_in_three_parts_in_japanese(app) {
        let response = app.get("/v1/diagnosis/questionnaire").await;
        assert_eq!(response.headers()["content-language"], "ja");
        let body = json_with_status(response, 200).await;
        assert_eq!(body["language"], "ja");
        assert!(body["version"].as_str().is_some_and(|v| !v.is_empty()));
        let items = body["items"].as_array().unwrap();
        assert_eq!(items.len(), 25);
        for (i, item) in items.iter().enumerate() {
            assert_eq!(item["question"], i + 1);
            assert!(!item["advice"].as_str().unwrap().is_empty());
        }
        assert_eq!(items[0]["text"], "パソコンやスマホなど情報機器のOSやソフトウェアは常に最新の状態にしていますか？");
        assert_eq!(items[24]["text"], "情報セキュリティ対策（上記1～24など）をルール化し、従業員に明示していますか？");
        assert!(items[1]["text"].as_str().unwrap().contains("ウイルス定義ファイル※1"));
        assert!(items[3]["text"].as_str().unwrap().contains("重要情報※2"));
        assert_eq!(items[1]["notes"], json!([1]));
        assert_eq!(items[3]["notes"], json!([2]));
        assert_eq!(body["notes"][0]["mark"], "※1");
        assert!(body["notes"][0]["text"].as_str().unwrap().contains("パターンファイル"));
        assert!(body["notes"][1]["text"].as_str().unwrap().contains("営業秘密など事業に必要で組織にとって価値のある情報"));
        assert!(body["score_bands_source"].as_str().unwrap().contains("パンフレット"));
        assert_eq!(body["score_bands"][1]["description"].as_str().unwrap().split('：').next(), Some("70～99点"));
        let parts: Vec<(u64, u64, u64, i64)> = body["parts"].as_array().unwrap().iter()
            .map(|p| (p["part"].as_u64().unwrap(), p["first_question"].as_u64().unwrap(), p["last_question"].as_u64().unwrap(), p["max_score"].as_i64().unwrap()))
            .collect();
        assert_eq!(parts, [(1, 1, 5, 20), (2, 6, 18, 52), (3, 19, 25, 28)]);
        assert_eq!(body["parts"][0]["title"], "基本的対策");
        let choices: Vec<(String, i64)> = body["answer_choices"].as_array().unwrap().iter()
            .map(|c| (c["answer"].as_str().unwrap().to_owned(), c["points"].as_i64().unwrap()))
            .collect();
        assert_eq!(choices, [("implemented".into(), 4), ("partially_implemented".into(), 2), ("not_implemented".into(), 0), ("unknown".into(), -1)]);
        assert_eq!(body["answer_choices"][0]["label"], "実施している");
        let bands: Vec<(String, i64, i64)> = body["score_bands"].as_array().unwrap().iter()
            .map(|b| (b["band"].as_str().unwrap().to_owned(), b["min_score"].as_i64().unwrap(), b["max_score"].as_i64().unwrap()))
            .collect();
        assert_eq!(bands, [
            ("complete".into(), 100, 100),
            ("partially_insufficient".into(), 70, 99),
            ("conspicuous_gaps".into(), 50, 69),
            ("at_risk".into(), -25, 49),
        ]);
        assert_eq!((body["max_score"].as_i64(), body["min_score"].as_i64()), (Some(100), Some(-25)));
    }

    async fn the_questionnaire_speaks_english_when_asked(app) {
        let response = app.get_with_language("/v1/diagnosis/questionnaire", "en-US,en;q=0.9,ja;q=0.5").await;
        assert_eq!(response.headers()["content-language"], "en");
        let body = json_with_status(response, 200).await;
        assert_eq!(body["language"], "en");
        assert_eq!(body["parts"][0]["title"], "Basic measures");
        assert_eq!(body["parts"][1]["title"], "Measures taken by employees");
        assert_eq!(body["answer_choices"][3]["label"], "Don't know");
        let text = body["items"][0]["text"].as_str().unwrap();
        assert!(text.is_ascii() && text.ends_with('?'), "{text}");
    }

    async fn an_unknown_language_falls_back_to_japanese(app) {
        for header in ["fr-FR", "*", "xx;q=abc", ""] {
            let response = app.get_with_language("/v1/diagnosis/questionnaire", header).await;
            assert_eq!(response.headers()["content-language"], "ja", "{header}");
            let body = json_with_status(response, 200).await;
            assert_eq!(body["parts"][0]["title"], "基本的対策");
        }
    }

    async fn a_fully_implemented_sheet_scores_100_and_needs_nothing(app) {
        let body = json_with_status(app.post_json("/v1/diagnosis/score", &answers(|_| "implemented")).await, 200).await;
        assert_eq!(body["total_score"], 100);
        assert_eq!(body["max_score"], 100);
        assert_eq!(body["band"], "complete");
        assert_eq!(body["items_needing_action"], json!([]));
        assert_eq!(body["unknown_items"], json!([]));
        let parts: Vec<(i64, i64)> = body["parts"].as_array().unwrap().iter().map(|p| (p["score"].as_i64().unwrap(), p["max_score"].as_i64().unwrap())).collect();
        assert_eq!(parts, [(20, 20), (52, 52), (28, 28)]);
    }

    async fn a_mixed_sheet_is_scored_by_part_with_advice_for_each_gap(app) {
        // Q2 unknown (−1), Q3 partially (2), Q7 not implemented (0), Q20 unknown (−1), others 4.
        let sheet = answers(|q| match q {
            2 | 20 => "unknown",
            3 => "partially_implemented",
            7 => "not_implemented",
            _ => "implemented",
        });
        let questionnaire = json_with_status(app.get("/v1/diagnosis/questionnaire").await, 200).await;
        let body = json_with_status(app.post_json("/v1/diagnosis/score", &sheet).await, 200).await;
        // Part 1: 4 − 1 + 2 + 4 + 4 = 13; part 2: 12 × 4 + 0 = 48; part 3: 6 × 4 − 1 = 23.
        assert_eq!(body["total_score"], 84);
        assert_eq!(body["band"], "partially_insufficient");
        let parts: Vec<i64> = body["parts"].as_array().unwrap().iter().map(|p| p["score"].as_i64().unwrap()).collect();
        assert_eq!(parts, [13, 48, 23]);
        assert_eq!(body["unknown_items"], json!([2, 20]));
        let needing: Vec<(i64, String)> = body["items_needing_action"].as_array().unwrap().iter()
            .map(|i| (i["question"].as_i64().unwrap(), i["answer"].as_str().unwrap().to_owned()))
            .collect();
        assert_eq!(needing, [(2, "unknown".into()), (3, "partially_implemented".into()), (7, "not_implemented".into()), (20, "unknown".into())]);
        assert_eq!(body["items_needing_action"][0]["advice"], questionnaire["items"][1]["advice"]);
        assert_eq!(body["questionnaire_version"], questionnaire["version"]);
    }

    async fn answers_in_any_order_score_the_same(app) {
        let mut sheet = answers(|q| if q % 3 == 0 { "not_implemented" } else { "implemented" });
        let in_order = json_with_status(app.post_json("/v1/diagnosis/score", &sheet).await, 200).await;
        sheet["answers"].as_array_mut().unwrap().reverse();
        let reversed = json_with_status(app.post_json("/v1/diagnosis/score", &sheet).await, 200).await;
        assert_eq!(in_order, reversed);
        // 8 questions divisible by 3 → 17 × 4 = 68.
        assert_eq!(in_order["total_score"], 68);
        assert_eq!(in_order["band"], "conspicuous_gaps");
    }

    async fn all_unknown_scores_minus_25_at_risk(app) {
        let body = json_with_status(app.post_json("/v1/diagnosis/score", &answers(|_| "unknown")).await, 200).await;
        assert_eq!(body["total_score"], -25);
        assert_eq!(body["band"], "at_risk");
        assert_eq!(body["unknown_items"].as_array().unwrap().len(), 25);
    }

    async fn twenty_four_answers_are_rejected_naming_the_missing_question(app) {
        let mut sheet = answers(|_| "implemented");
        sheet["answers"].as_array_mut().unwrap().remove(24);
        let problem = assert_problem(app.post_json("/v1/diagnosis/score", &sheet).await, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), [("answers".to_owned(), "wrong_count".to_owned()), ("answers".to_owned(), "missing_question".to_owned())]);
        assert!(problem["errors"][1]["message"].as_str().unwrap().contains("25"));
    }

    async fn twenty_six_answers_are_rejected(app) {
        let mut sheet = answers(|_| "implemented");
        sheet["answers"].as_array_mut().unwrap().push(json!({"question": 3, "answer": "unknown"}));
        let problem = assert_problem(app.post_json("/v1/diagnosis/score", &sheet).await, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), [("answers".to_owned(), "wrong_count".to_owned()), ("answers[25].question".to_owned(), "duplicate_question".to_owned())]);
    }

    async fn a_question_answered_twice_is_rejected_where_it_repeats(app) {
        let mut sheet = answers(|_| "implemented");
        sheet["answers"][10]["question"] = json!(4);
        let problem = assert_problem(app.post_json("/v1/diagnosis/score", &sheet).await, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), [("answers[10].question".to_owned(), "duplicate_question".to_owned())]);
    }

    async fn question_numbers_out_of_range_are_rejected(app) {
        for bad in [json!(0), json!(26), json!(-1), json!(9_007_199_254_740_991i64)] {
            let mut sheet = answers(|_| "implemented");
            sheet["answers"][5]["question"] = bad.clone();
            let problem = assert_problem(app.post_json("/v1/diagnosis/score", &sheet).await, 422, "validation_failed").await;
            assert_eq!(field_errors(&problem), [("answers[5].question".to_owned(), "question_out_of_range".to_owned())], "{bad}");
        }
    }

    async fn an_unknown_answer_code_or_a_wrong_type_names_the_field(app) {
        let mut sheet = answers(|_| "implemented");
        sheet["answers"][3]["answer"] = json!("maybe");
        let problem = assert_problem(app.post_json("/v1/diagnosis/score", &sheet).await, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), [("answers[3].answer".to_owned(), "unknown_value".to_owned())]);

        let mut sheet = answers(|_| "implemented");
        sheet["answers"][0]["question"] = json!("1");
        let problem = assert_problem(app.post_json("/v1/diagnosis/score", &sheet).await, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), [("answers[0].question".to_owned(), "invalid_type".to_owned())]);

        let mut sheet = answers(|_| "implemented");
        sheet["answers"][0]["question"] = json!(1.5);
        let problem = assert_problem(app.post_json("/v1/diagnosis/score", &sheet).await, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem)[0].0, "answers[0].question");
    }

    async fn missing_and_unknown_fields_are_rejected(app) {
        let problem = assert_problem(app.post_json("/v1/diagnosis/score", &json!({})).await, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem), [("answers".to_owned(), "required".to_owned())]);

        let mut sheet = answers(|_| "implemented");
        sheet["total_score"] = json!(100);
        let problem = assert_problem(app.post_json("/v1/diagnosis/score", &sheet).await, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem)[0].1, "unknown_field");

        let mut sheet = answers(|_| "implemented");
        sheet["answers"][2]["points"] = json!(4);
        let problem = assert_problem(app.post_json("/v1/diagnosis/score", &sheet).await, 422, "validation_failed").await;
        assert_eq!(field_errors(&problem)[0].1, "unknown_field");
        assert!(field_errors(&problem)[0].0.starts_with("answers[2]"));
    }

    async fn validation_messages_follow_the_language(app) {
        let response = app.client.post(app.url("/v1/diagnosis/score"))
            .header("Accept-Language", "en").json(&json!({"answers": []})).send().await.unwrap();
        assert_eq!(response.headers()["content-language"], "en");
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(problem["title"], "Unprocessable Content");
        assert!(problem["errors"][0]["message"].as_str().unwrap().is_ascii());
        // 1 wrong_count + 25 missing, capped at 50 entries either way.
        assert_eq!(problem["errors"].as_array().unwrap().len(), 26);

        let problem = assert_problem(app.post_json("/v1/diagnosis/score", &json!({"answers": []})).await, 422, "validation_failed").await;
        assert!(!problem["errors"][0]["message"].as_str().unwrap().is_ascii());
    }

    async fn the_disclosure_methods_say_which_detail_each_needs(app) {
        let body = json_with_status(app.get("/v1/policy-disclosure-methods").await, 200).await;
        let methods: Vec<(String, String)> = body["methods"].as_array().unwrap().iter()
            .map(|m| (m["method"].as_str().unwrap().to_owned(), m["required_detail"].as_str().unwrap().to_owned()))
            .collect();
        assert_eq!(methods, [
            ("company_website".into(), "url".into()),
            ("company_profile".into(), "none".into()),
            ("pamphlet".into(), "none".into()),
            ("other".into(), "other_description".into()),
        ]);
        assert_eq!(body["methods"][0]["label"], "自社ウェブサイト");
        let english = json_with_status(app.get_with_language("/v1/policy-disclosure-methods", "en").await, 200).await;
        assert_eq!(english["methods"][1]["label"], "Company profile");
    }
}
