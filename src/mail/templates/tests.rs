use super::*;
use crate::texts::lint::{style_problems, wrong_words};
use proptest::prelude::*;

const USER_NUMBER: &str = "318204957362";
const DECLARATION_ID: &str = "407731820954";
const FRONTEND: &str = "https://declarer.example.jp";
const INQUIRY: &str = "inquiry@security-action.example.jp";
const SECRETARIAT: &str =
    "独立行政法人情報処理推進機構（IPA）／セキュリティセンター／SECURITY ACTION事務局";
const RESET_URL: &str = "https://declarer.example.jp/password-reset#token=abc";
const BOTH: [Language; 2] = [Language::Ja, Language::En];

fn settings(review_business_days: Option<u32>) -> TextSettings {
    TextSettings {
        secretariat_name: SECRETARIAT.to_owned(),
        secretariat_name_en: "SECURITY ACTION Secretariat, IPA".to_owned(),
        inquiry_email: INQUIRY.to_owned(),
        frontend_base_url: FRONTEND.to_owned(),
        review_business_days,
    }
}

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .with_timezone(&Utc)
}

fn sample() -> Recipient<'static> {
    Recipient {
        organization_name: "株式会社サンプル",
        contact_name: "情報 太郎",
        email: "taro@example.co.jp",
    }
}

fn completed(t: &Templates, r: &Recipient, star: Star, accepted_at_once: bool) -> Email {
    t.declaration_completed(
        r,
        &Completion {
            user_number: USER_NUMBER,
            declaration_id: DECLARATION_ID,
            star,
            declared_at: at("2026-11-22T03:04:05Z"),
            accepted_at_once,
        },
    )
}

/// One e-mail of every kind, with `note` as the revocation note.
fn every_email(t: &Templates, r: &Recipient, note: Option<&str>) -> Vec<Email> {
    let when = at("2026-11-22T03:04:05Z");
    vec![
        completed(t, r, Star::OneStar, false),
        completed(t, r, Star::TwoStar, true),
        t.accepted(r, DECLARATION_ID, Star::TwoStar, when),
        t.password_reset(r, RESET_URL, when),
        t.user_number_reminder(r, USER_NUMBER),
        t.withdrawn(r, DECLARATION_ID, when),
        t.revoked(r, DECLARATION_ID, "misleading_claims", note, when),
        t.reinstated(r, DECLARATION_ID, Star::OneStar, when),
        t.star_changed(r, DECLARATION_ID, Star::OneStar, Star::TwoStar, when),
        t.star_changed(r, DECLARATION_ID, Star::TwoStar, Star::OneStar, when),
        t.contact_changed(r, DECLARATION_ID, when),
        t.webhook_endpoint_disabled(r, "https://portal.example.jp/hooks", when),
        t.activation(r, USER_NUMBER, DECLARATION_ID, RESET_URL, when),
    ]
}

/// Every e-mail in both languages, with the settings of a real installation.
fn every_email_in_both_languages() -> Vec<(Language, Email)> {
    let settings = settings(Some(10));
    BOTH.into_iter()
        .flat_map(|l| {
            every_email(&Templates::new(&settings, l), &sample(), Some("補足"))
                .into_iter()
                .map(move |e| (l, e))
        })
        .collect()
}

fn has_control(s: &str) -> bool {
    s.chars().any(breaks_line_or_hides_text)
}

/// Asserts that `needles` occur in `body` in this order.
fn assert_in_order(body: &str, needles: &[&str]) {
    let mut from = 0;
    for needle in needles {
        match body[from..].find(needle) {
            Some(i) => from += i + needle.len(),
            None => panic!("{needle:?} missing after byte {from} of\n{body}"),
        }
    }
}

/// The body without its addresses and URLs (which are Latin by nature).
fn prose(body: &str) -> String {
    body.split_inclusive(['\n', ' ', '　', '（', '）', '：'])
        .filter(|w| !w.contains("://") && !w.contains('@'))
        .collect()
}

#[test]
fn completion_and_acceptance_subjects_are_the_schemes() {
    let s = settings(None);
    let ja = Templates::new(&s, Language::Ja);
    assert_eq!(
        completed(&ja, &sample(), Star::OneStar, false).subject,
        "【SECURITY ACTION】一つ星：自己宣言完了のお知らせ"
    );
    assert_eq!(
        completed(&ja, &sample(), Star::TwoStar, false).subject,
        "【SECURITY ACTION】二つ星：自己宣言完了のお知らせ"
    );
    let acceptance = ja.accepted(&sample(), DECLARATION_ID, Star::OneStar, Utc::now());
    assert_eq!(acceptance.subject, "【SECURITY ACTION】申込み受理のご連絡");
    let en = Templates::new(&s, Language::En);
    assert_eq!(
        completed(&en, &sample(), Star::TwoStar, false).subject,
        "[SECURITY ACTION] Two Stars: declaration completed"
    );
}

#[test]
fn every_kind_is_rendered_in_both_languages_with_its_own_subject() {
    let emails = every_email_in_both_languages();
    for language in BOTH {
        for kind in EmailKind::ALL {
            assert_eq!(EmailKind::from_code(kind.code()), Some(kind));
            assert!(
                emails.iter().any(|(l, e)| *l == language && e.kind == kind),
                "{kind:?} not rendered in {language:?}"
            );
        }
        let subjects: std::collections::HashSet<_> = emails
            .iter()
            .filter(|(l, _)| *l == language)
            .map(|(_, e)| e.subject.clone())
            .collect();
        // Two completion subjects (one per star), two star changes, one for every other kind.
        assert_eq!(subjects.len(), EmailKind::ALL.len() + 2, "{subjects:?}");
    }
    assert_eq!(EmailKind::from_code("declaration-completed"), None);
    for (language, e) in &emails {
        let prefix = language.pick("【SECURITY ACTION】", "[SECURITY ACTION] ");
        assert!(e.subject.starts_with(prefix), "{}", e.subject);
        assert_eq!(e.to, "taro@example.co.jp");
    }
}

#[test]
fn the_completion_email_has_the_schemes_facts_in_the_schemes_order() {
    let s = settings(Some(10));
    for star in [Star::OneStar, Star::TwoStar] {
        let ja = completed(&Templates::new(&s, Language::Ja), &sample(), star, false).body;
        assert_in_order(
            &ja,
            &[
                "株式会社サンプル\n情報 太郎 様\n",
                "自己宣言の手続きが完了しました",
                "利用者番号：318204957362",
                "ログインに必要となる情報",
                "紛失や漏えいのないよう、大切に保管",
                "自己宣言ID：407731820954",
                "担当者変更",
                "取組み目標：",
                "自己宣言日：2026年11月22日",
                "情報セキュリティ5か条",
                "ロゴマークのご利用について",
                "受理した後",
                "申込み受理のご連絡",
                "10営業日程度",
                "本メールを印刷してご提出ください",
                "申請先が認める場合",
                "自己宣言完了のお知らせ（印刷用）",
                "ご不明点がございましたら、下記までメールにてご連絡ください。",
                SECRETARIAT,
                INQUIRY,
                "本メールにお心当たりのない方は",
                "送信専用",
                SECRETARIAT,
            ],
        );
        let en = completed(&Templates::new(&s, Language::En), &sample(), star, false).body;
        assert_in_order(
            &en,
            &[
                "株式会社サンプル\nDear 情報 太郎,\n",
                "Your declaration is complete",
                "User number: 318204957362",
                "to log in",
                "Keep it safe",
                "Declaration ID: 407731820954",
                "change of contact person",
                "Level: ",
                "Declared on: 22 November 2026",
                "five principles",
                "Using the logo",
                "accepted your application",
                "Acceptance of your application",
                "about 10 business days",
                "print and submit it",
                "Where the subsidy office accepts",
                "completion notice",
                "please write to",
                INQUIRY,
                "If you did not apply",
                "does not receive replies",
                "SECURITY ACTION Secretariat, IPA",
            ],
        );
    }
}

#[test]
fn the_one_star_completion_email_lists_the_five_principles() {
    let s = settings(None);
    for language in BOTH {
        let body = completed(
            &Templates::new(&s, language),
            &sample(),
            Star::OneStar,
            false,
        )
        .body;
        let titles: Vec<&str> = FIVE_PRINCIPLES
            .iter()
            .map(|p| p.title.get(language))
            .collect();
        assert_in_order(&body, &titles);
    }
}

#[test]
fn the_completion_email_says_when_the_logo_can_be_used() {
    let s = settings(None);
    let ja = Templates::new(&s, Language::Ja);
    let later = completed(&ja, &sample(), Star::OneStar, false).body;
    assert!(later.contains("受理した後"));
    assert!(
        !later.contains("営業日"),
        "no review time unless configured"
    );
    assert!(!later.contains("すぐにご利用いただけます"));
    let now = completed(&ja, &sample(), Star::OneStar, true).body;
    assert!(now.contains("ロゴマークはすぐにご利用いただけます"));
    assert!(now.contains(&format!("{FRONTEND}/login")));
    assert!(!now.contains("受理した後"));
    let with_days = settings(Some(7));
    let body = completed(
        &Templates::new(&with_days, Language::Ja),
        &sample(),
        Star::OneStar,
        false,
    )
    .body;
    assert!(body.contains("受理までの目安は、7営業日程度です。"));
    let now_en = completed(
        &Templates::new(&s, Language::En),
        &sample(),
        Star::OneStar,
        true,
    )
    .body;
    assert!(now_en.contains("you can use the logo now"));
}

#[test]
fn no_email_speaks_of_the_api_or_of_tokens() {
    // The one e-mail to an API client's engineers is about their endpoint (its URL included).
    for (language, e) in every_email_in_both_languages()
        .into_iter()
        .filter(|(_, e)| e.kind != EmailKind::WebhookEndpointDisabled)
    {
        let body = e.body.replace(RESET_URL, "");
        for needle in [
            "/v1/",
            "API",
            "api",
            "トークン",
            "token",
            "Token",
            "download_url",
            "POST",
        ] {
            assert!(
                !body.contains(needle),
                "{language:?} {:?} says {needle}:\n{body}",
                e.kind
            );
        }
        for url in body.split_whitespace().filter(|w| w.contains("://")) {
            assert!(url.contains(FRONTEND), "{:?} links to {url}", e.kind);
        }
    }
}

#[test]
fn every_email_ends_with_where_to_ask_the_not_you_note_no_replies_and_the_sender() {
    for (language, e) in every_email_in_both_languages() {
        let (ask, not_you, no_reply, sender) = match language {
            Language::Ja => (
                "■お問い合わせ",
                "※本メールにお心当たりのない",
                "送信専用",
                SECRETARIAT,
            ),
            Language::En => (
                "- Questions",
                "If you did not",
                "does not receive replies",
                "SECURITY ACTION Secretariat, IPA",
            ),
        };
        assert_in_order(&e.body, &[ask, INQUIRY, not_you, no_reply, sender]);
        assert!(
            e.body.ends_with(&format!("{sender}\n{RULE}\n")),
            "{:?}",
            e.kind
        );
    }
}

#[test]
fn japanese_emails_keep_the_house_style_and_the_glossary() {
    for (language, e) in every_email_in_both_languages() {
        if language != Language::Ja {
            continue;
        }
        for line in prose(&e.body).lines() {
            let problems = style_problems(line);
            assert!(problems.is_empty(), "{:?}: {line}: {problems:?}", e.kind);
            let wrong = wrong_words(line);
            assert!(wrong.is_empty(), "{:?}: {line}: {wrong:?}", e.kind);
        }
        assert!(
            !e.body.contains("株式会社サンプル 様"),
            "the company takes no 様"
        );
        assert!(e.body.starts_with("株式会社サンプル\n情報 太郎 様\n\n"));
        for never in ["証明", "認証を受け", "登録管理システム"] {
            assert!(!e.body.contains(never), "{:?}: {never}", e.kind);
        }
    }
}

#[test]
fn the_glossary_check_fails_on_a_wrong_variant_in_an_email() {
    // What the check above would meet if a template regressed to an old wording.
    for wrong in [
        "照合コード",
        "自己宣言完了通知書",
        "取り下げ日",
        "お申し込みください",
        "宣言日：",
    ] {
        assert!(!wrong_words(wrong).is_empty(), "{wrong}");
    }
    assert!(!style_problems("有効期限：2026年11月22日 12:04 (日本時間)").is_empty());
    assert!(!style_problems("現在の状態(withdrawn)ではこの操作はできません").is_empty());
}

#[test]
fn english_emails_carry_no_japanese_but_the_names_they_are_given() {
    for (language, e) in every_email_in_both_languages() {
        if language != Language::En {
            continue;
        }
        let body = e
            .body
            .replace("株式会社サンプル", "")
            .replace("情報 太郎", "")
            .replace("補足", "");
        assert!(
            !body.chars().any(|c| ('\u{3000}'..='\u{9FFF}').contains(&c)),
            "{:?}:\n{body}",
            e.kind
        );
        assert!(
            e.body.contains("One Star") || e.body.contains("Two Stars") || !e.body.contains("star")
        );
    }
}

#[test]
fn dates_are_shown_in_japan_time() {
    assert_eq!(jst_date(at("2026-11-22T20:30:00Z")), "2026年11月23日");
    assert_eq!(jst_date(at("2026-01-05T00:00:00Z")), "2026年1月5日");
    assert_eq!(jst_date(at("2026-12-31T15:00:00Z")), "2027年1月1日");
    assert_eq!(
        jst_date_time(at("2026-11-22T03:04:59Z")),
        "2026年11月22日 12時04分（日本時間）"
    );
    assert_eq!(en_date(at("2026-11-22T20:30:00Z")), "23 November 2026");
    let s = settings(None);
    let late = Templates::new(&s, Language::Ja).declaration_completed(
        &sample(),
        &Completion {
            user_number: USER_NUMBER,
            declaration_id: DECLARATION_ID,
            star: Star::OneStar,
            declared_at: at("2026-11-22T20:30:00Z"),
            accepted_at_once: false,
        },
    );
    assert!(late.body.contains("自己宣言日：2026年11月23日"));
}

#[test]
fn the_password_reset_shows_the_link_and_its_expiry_in_japan_time() {
    let s = settings(None);
    let e = Templates::new(&s, Language::Ja).password_reset(
        &sample(),
        RESET_URL,
        at("2026-11-22T03:04:05Z"),
    );
    assert_eq!(e.subject, "【SECURITY ACTION】パスワード再設定のご案内");
    assert!(e.body.contains(RESET_URL));
    assert!(
        e.body
            .contains("有効期限：2026年11月22日 12時04分（日本時間）")
    );
    assert!(e.body.contains("お心当たりのない場合は、本メールを破棄"));
}

#[test]
fn the_reminder_and_the_acceptance_send_the_person_to_the_declarer_site() {
    let s = settings(None);
    let t = Templates::new(&s, Language::Ja);
    let e = t.user_number_reminder(&sample(), USER_NUMBER);
    assert!(e.body.contains("利用者番号：318204957362"));
    assert!(
        e.body
            .contains("自己宣言サイト：https://declarer.example.jp/login")
    );
    let e = t.accepted(
        &sample(),
        DECLARATION_ID,
        Star::TwoStar,
        at("2026-11-22T20:30:00Z"),
    );
    assert!(e.body.contains("受理日：2026年11月23日"));
    assert!(
        e.body
            .contains("自己宣言サイト（https://declarer.example.jp/login）")
    );
    assert!(e.body.contains("二つ星のロゴマーク一式"));
    assert!(e.body.contains("ロゴマーク使用ガイドライン"));
    assert!(e.body.contains("適切な表現：「二つ星を宣言しました」"));
    assert!(
        e.body
            .contains("不適切な表現：「二つ星の認定を受けました」")
    );
}

#[test]
fn revocation_gives_the_reason_and_the_note() {
    let s = settings(None);
    let t = Templates::new(&s, Language::Ja);
    let when = at("2026-11-22T03:04:05Z");
    let cases = [
        ("false_declaration", "虚偽の申告"),
        ("misleading_claims", "誤解を招く表示（認定と称するなど）"),
        ("declarer_request", "自己宣言事業者からのお申出"),
        ("other", "その他"),
        ("no_such_code", "その他"),
    ];
    for (code, label) in cases {
        let e = t.revoked(&sample(), DECLARATION_ID, code, None, when);
        assert!(
            e.body.contains(&format!("取消しの理由：{label}\n")),
            "{code}"
        );
        assert!(!e.body.contains("補足"));
        assert!(e.body.contains("ロゴマークは今後ご使用いただけません"));
    }
    let e = t.revoked(
        &sample(),
        DECLARATION_ID,
        "misleading_claims",
        Some("ウェブサイトで「認定」と表示\r\nされていました"),
        when,
    );
    assert!(
        e.body
            .contains("事務局からの補足：ウェブサイトで「認定」と表示  されていました\n")
    );
    let blank = t.revoked(&sample(), DECLARATION_ID, "other", Some(" \n "), when);
    assert!(!blank.body.contains("補足"));
}

#[test]
fn star_changes_name_both_levels() {
    let s = settings(None);
    let t = Templates::new(&s, Language::Ja);
    let when = at("2026-11-22T03:04:05Z");
    let up = t.star_changed(
        &sample(),
        DECLARATION_ID,
        Star::OneStar,
        Star::TwoStar,
        when,
    );
    assert_eq!(up.subject, "【SECURITY ACTION】二つ星への変更のお知らせ");
    assert!(up.body.contains("変更前の取組み目標：一つ星"));
    assert!(up.body.contains("変更後の取組み目標：二つ星"));
    assert!(!up.body.contains("公開していただきました"));
    let down = t.star_changed(
        &sample(),
        DECLARATION_ID,
        Star::TwoStar,
        Star::OneStar,
        when,
    );
    assert_eq!(down.subject, "【SECURITY ACTION】一つ星への変更のお知らせ");
    assert!(down.body.contains("公開方法の登録は\n削除されました"));
}

#[test]
fn the_old_entry_points_render_japanese_with_the_installed_settings() {
    let e = declaration_completed(
        &sample(),
        USER_NUMBER,
        DECLARATION_ID,
        Star::OneStar,
        at("2026-11-22T03:04:05Z"),
        false,
        "https://api.example.jp/v1/declarations/407731820954/completion-notice",
        "https://api.example.jp",
    );
    assert!(e.subject.starts_with("【SECURITY ACTION】"));
    assert!(
        !e.body.contains("api.example.jp"),
        "API addresses are never shown"
    );
    assert!(!e.body.contains("/v1/"));
}

#[test]
fn one_line_replaces_every_line_break_and_control_character() {
    assert_eq!(one_line("Evil\r\nBcc: x@y"), "Evil  Bcc: x@y");
    assert_eq!(one_line("a\tb\0c\u{7f}d\u{85}e"), "a b c d e");
    assert_eq!(
        one_line("a\u{2028}b\u{2029}c\u{202E}d\u{2066}e"),
        "a b c d e"
    );
    assert_eq!(one_line("株式会社サンプル"), "株式会社サンプル");
}

#[test]
fn a_hostile_organisation_name_cannot_add_a_header_line() {
    let r = Recipient {
        organization_name: "Evil\r\nBcc: x@y",
        contact_name: "Mallory\nTo: z@y",
        email: "taro@example.co.jp",
    };
    let s = settings(None);
    for language in BOTH {
        for e in every_email(&Templates::new(&s, language), &r, Some("note\r\nBcc: n@y")) {
            assert!(!e.body.contains('\r'), "{:?}", e.kind);
            assert!(e.body.starts_with("Evil  Bcc: x@y\n"));
            assert!(e.body.contains("Mallory To: z@y"));
            for line in e.body.lines() {
                assert!(!line.starts_with("Bcc:"), "{:?}: {line}", e.kind);
                assert!(!line.starts_with("To:"), "{:?}: {line}", e.kind);
                assert!(!has_control(line), "{:?}: {line:?}", e.kind);
            }
            assert!(!e.subject.contains("Evil") && !e.subject.contains("Bcc"));
        }
    }
}

#[test]
fn blank_names_fall_back_to_a_generic_address() {
    let r = Recipient {
        organization_name: " ",
        contact_name: "\r\n",
        email: "taro@example.co.jp",
    };
    let s = settings(None);
    let e = Templates::new(&s, Language::Ja).withdrawn(&r, DECLARATION_ID, Utc::now());
    assert!(e.body.starts_with("ご担当者 様\n\n"));
}

#[test]
fn no_template_shows_a_password() {
    for (_, e) in every_email_in_both_languages() {
        for line in e.body.lines() {
            let line = line.trim_start_matches(['　', ' ', '■', '-']);
            assert!(
                !line.starts_with("パスワード：") && !line.starts_with("パスワード:"),
                "{:?}: {line}",
                e.kind
            );
            assert!(
                !line.to_lowercase().starts_with("password:"),
                "{:?}",
                e.kind
            );
        }
    }
}

fn hostile_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => any::<char>(),
            1 => prop::sample::select(vec!['\r', '\n', '\t', '\0', '\u{85}', '\u{2028}', '\u{202E}']),
        ],
        0..40,
    )
    .prop_map(String::from_iter)
}

proptest! {
    #[test]
    fn subjects_never_carry_user_text(org in hostile_text(), contact in hostile_text(), note in hostile_text()) {
        let s = settings(None);
        let t = Templates::new(&s, Language::Ja);
        let hostile = Recipient { organization_name: &org, contact_name: &contact, email: "a@b.jp" };
        let benign = every_email(&t, &sample(), None);
        for (e, reference) in every_email(&t, &hostile, Some(&note)).iter().zip(&benign) {
            prop_assert_eq!(&e.subject, &reference.subject);
            prop_assert!(!has_control(&e.subject));
        }
    }

    #[test]
    fn user_text_never_breaks_a_body_line(org in hostile_text(), contact in hostile_text(), note in hostile_text()) {
        let s = settings(None);
        let hostile = Recipient { organization_name: &org, contact_name: &contact, email: "a@b.jp" };
        for language in BOTH {
            for e in every_email(&Templates::new(&s, language), &hostile, Some(&note)) {
                prop_assert!(!e.body.contains('\r'));
                for line in e.body.lines() {
                    prop_assert!(!has_control(line));
                }
            }
        }
    }

    #[test]
    fn one_line_keeps_the_length_and_drops_every_control(s in hostile_text()) {
        let shown = one_line(&s);
        prop_assert_eq!(shown.chars().count(), s.chars().count());
        prop_assert!(!has_control(&shown));
        prop_assert_eq!(shown.lines().count(), usize::from(!shown.is_empty()));
    }
}
