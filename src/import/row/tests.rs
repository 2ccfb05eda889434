use super::*;
use proptest::prelude::*;

fn header() -> Columns {
    Columns::from_header(REQUIRED.iter().chain(&OPTIONAL).copied()).unwrap()
}

fn now() -> NaiveDateTime {
    read_time("2026-12-01T00:00:00Z").unwrap()
}

/// A good row's fields, by column name.
fn good() -> Vec<(&'static str, String)> {
    [
        ("declaration_id", "40123456789"),
        ("user_number", "123456789012"),
        ("star", "一つ星"),
        ("status", "accepted"),
        ("organization_name", "株式会社サンプル"),
        ("organization_type", "corporation"),
        ("corporate_number", "7000012050002"),
        ("prefecture", "東京都"),
        ("contact_name", "情報 太郎"),
        ("contact_email", "taro@example.co.jp"),
        ("declared_at", "2019-04-01"),
        ("organization_name_kana", ""),
        ("industry", "G"),
        ("address", ""),
        ("employees", ""),
        ("purposes", "subsidy_application; improve_security"),
        ("agreed_terms_version", ""),
        ("accepted_at", "2019-04-03T10:00:00"),
        ("ended_at", ""),
        ("end_reason", ""),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_owned()))
    .collect()
}

fn read_with(changes: &[(&str, &str)]) -> Result<ImportRow, Rejection> {
    let mut fields = good();
    for (column, value) in changes {
        fields.iter_mut().find(|(k, _)| k == column).unwrap().1 = (*value).to_owned();
    }
    let values: Vec<&str> = fields.iter().map(|(_, v)| v.as_str()).collect();
    read(&header(), &values, now())
}

#[test]
fn a_good_row_reads_with_its_old_numbers_in_japan_time() {
    let row = read_with(&[]).unwrap();
    assert_eq!(row.declaration_id.as_str(), "40123456789");
    assert_eq!(row.user_number.as_str(), "123456789012");
    assert_eq!(row.star, Star::OneStar);
    assert_eq!(row.prefecture.as_str(), "13");
    // 2019-04-01 00:00 in Japan is 2019-03-31 15:00 UTC.
    assert_eq!(row.declared_at.to_string(), "2019-03-31 15:00:00");
    assert_eq!(row.accepted_at.unwrap().to_string(), "2019-04-03 01:00:00");
    assert_eq!(row.employees, UNKNOWN_EMPLOYEES);
    assert_eq!(row.address, "");
    assert_eq!(row.purposes.len(), 2);
    // The terms in force on that day.
    assert_eq!(row.agreed_terms_version, "2018-07-03");
}

#[test]
fn each_broken_rule_names_its_column_and_code() {
    for (change, column, code) in [
        (
            ("declaration_id", "3012345678"),
            "declaration_id",
            "invalid_declaration_id",
        ),
        (
            ("declaration_id", "4012345678"),
            "declaration_id",
            "invalid_declaration_id",
        ),
        (
            ("declaration_id", "4012345678901"),
            "declaration_id",
            "invalid_declaration_id",
        ),
        (
            ("user_number", "12345678901"),
            "user_number",
            "invalid_user_number",
        ),
        (("star", "three"), "star", "invalid_star"),
        (("status", "gone"), "status", "invalid_status"),
        (
            ("organization_name", ""),
            "organization_name",
            "missing_value",
        ),
        (
            ("organization_type", "company"),
            "organization_type",
            "invalid_organization_type",
        ),
        (
            ("corporate_number", "7000012050003"),
            "corporate_number",
            "invalid_corporate_number",
        ),
        (
            ("corporate_number", ""),
            "corporate_number",
            "invalid_corporate_number",
        ),
        (("prefecture", "48"), "prefecture", "invalid_prefecture"),
        (("prefecture", "東京"), "prefecture", "invalid_prefecture"),
        (("contact_email", "taro@"), "contact_email", "invalid_email"),
        (("declared_at", "2019/04/01"), "declared_at", "invalid_date"),
        (
            ("declared_at", "2027-01-01"),
            "declared_at",
            "in_the_future",
        ),
        (
            ("accepted_at", "2019-03-01"),
            "accepted_at",
            "inconsistent_dates",
        ),
        (("industry", "Z"), "industry", "invalid_industry"),
        (("employees", "-1"), "employees", "invalid_number"),
        (("employees", "10000001"), "employees", "invalid_number"),
        (
            ("purposes", "subsidy_application;fun"),
            "purposes",
            "invalid_purpose",
        ),
        (
            ("agreed_terms_version", "2020-01-01"),
            "agreed_terms_version",
            "unknown_terms_version",
        ),
        (("ended_at", "2020-01-01"), "ended_at", "not_allowed"),
        (("end_reason", "moved"), "end_reason", "not_allowed"),
    ] {
        let rejection = read_with(&[change]).expect_err(change.0);
        assert_eq!(
            (rejection.column, rejection.code),
            (Some(column), code),
            "{change:?}: {rejection:?}"
        );
    }
}

#[test]
fn ended_declarations_need_their_end_and_revocations_a_known_reason() {
    let missing = read_with(&[("status", "withdrawn")]).unwrap_err();
    assert_eq!(
        (missing.column, missing.code),
        (Some("ended_at"), "missing_value")
    );
    let withdrawn = read_with(&[
        ("status", "withdrawn"),
        ("ended_at", "2020-05-01"),
        ("end_reason", "廃業のため"),
    ])
    .unwrap();
    assert_eq!(withdrawn.end_reason.as_deref(), Some("廃業のため"));
    let revoked = read_with(&[("status", "revoked"), ("ended_at", "2020-05-01")]).unwrap();
    assert_eq!(revoked.end_reason.as_deref(), Some("other"));
    let bad = read_with(&[
        ("status", "revoked"),
        ("ended_at", "2020-05-01"),
        ("end_reason", "whim"),
    ])
    .unwrap_err();
    assert_eq!(bad.code, "invalid_reason");
    let declared = read_with(&[("status", "declared")]).unwrap_err();
    assert_eq!(
        (declared.column, declared.code),
        (Some("accepted_at"), "not_allowed")
    );
    assert!(read_with(&[("status", "declared"), ("accepted_at", "")]).is_ok());
}

#[test]
fn a_sole_proprietor_has_no_corporate_number() {
    let row = read_with(&[
        ("organization_type", "sole_proprietor"),
        ("corporate_number", ""),
    ])
    .unwrap();
    assert_eq!(row.corporate_number, None);
    let refused = read_with(&[("organization_type", "sole_proprietor")]).unwrap_err();
    assert_eq!(refused.code, "invalid_corporate_number");
}

#[test]
fn prefectures_are_read_as_codes_or_names() {
    for (text, code) in [
        ("13", "13"),
        ("1", "01"),
        ("01", "01"),
        ("北海道", "01"),
        ("okinawa", "47"),
        ("沖縄県", "47"),
    ] {
        assert_eq!(
            read_with(&[("prefecture", text)])
                .unwrap()
                .prefecture
                .as_str(),
            code,
            "{text}"
        );
    }
    for text in ["0", "48", "100", "Tokio"] {
        assert!(read_with(&[("prefecture", text)]).is_err(), "{text}");
    }
}

#[test]
fn times_with_and_without_an_offset() {
    assert_eq!(
        read_time("2024-05-31T09:15:02+09:00").unwrap().to_string(),
        "2024-05-31 00:15:02"
    );
    assert_eq!(
        read_time("2024-05-31T09:15:02").unwrap().to_string(),
        "2024-05-31 00:15:02"
    );
    assert_eq!(
        read_time("2024-05-31 09:15:02.1234567")
            .unwrap()
            .to_string(),
        "2024-05-31 00:15:02.123456"
    );
    assert_eq!(
        read_time("2024-05-31T00:15:02Z").unwrap().to_string(),
        "2024-05-31 00:15:02"
    );
    for bad in ["2024-02-30", "31/05/2024", "2024-05-31T25:00:00", ""] {
        assert_eq!(read_time(bad), None, "{bad}");
    }
}

#[test]
fn headers_must_name_every_required_column_and_nothing_unknown() {
    let missing = Columns::from_header(REQUIRED[1..].iter().copied()).unwrap_err();
    assert_eq!(missing, HeaderError::Missing(vec!["declaration_id"]));
    let unknown = Columns::from_header(REQUIRED.iter().copied().chain(["fax"])).unwrap_err();
    assert_eq!(unknown, HeaderError::Unknown("fax".into()));
    let twice = Columns::from_header(REQUIRED.iter().copied().chain(["star"])).unwrap_err();
    assert_eq!(twice, HeaderError::Repeated("star".into()));
    let mut names: Vec<String> = REQUIRED
        .iter()
        .rev()
        .map(|c| format!(" {} ", c.to_uppercase()))
        .collect();
    names[0] = format!("\u{feff}{}", names[0]);
    let columns = Columns::from_header(names.iter().map(String::as_str)).unwrap();
    assert_eq!(columns.width(), REQUIRED.len());
}

#[test]
fn a_row_of_another_width_is_refused() {
    let fields = ["x"; 3];
    let rejection = read(&header(), &fields, now()).unwrap_err();
    assert_eq!(rejection.code, "wrong_field_count");
}

proptest! {
    #[test]
    fn any_field_of_any_text_is_read_or_refused_never_a_panic(
        column in 0usize..20,
        value in "\\PC{0,30}|[0-9]{0,14}|.{0,5}",
    ) {
        let mut fields = good();
        fields[column].1 = value;
        let values: Vec<&str> = fields.iter().map(|(_, v)| v.as_str()).collect();
        if let Ok(row) = read(&header(), &values, now()) {
            // Whatever is read holds by the rules.
            prop_assert!(row.declaration_id.as_str().starts_with('4'));
            prop_assert!(row.declared_at <= now());
            prop_assert!(row.accepted_at.is_none_or(|a| a >= row.declared_at));
            prop_assert!(!row.organization_name_key.is_empty());
        }
    }

    #[test]
    fn legacy_declaration_ids_of_11_or_12_digits_are_kept_as_written(id in "4[0-9]{10,11}") {
        let row = read_with(&[("declaration_id", id.as_str())]).unwrap();
        prop_assert_eq!(row.declaration_id.as_str(), id.as_str());
    }
}

#[test]
fn stars_and_statuses_are_read_as_codes_or_japanese_labels() {
    for (text, star) in [
        ("one_star", Star::OneStar),
        ("二つ星", Star::TwoStar),
        ("★★", Star::TwoStar),
    ] {
        assert_eq!(read_with(&[("star", text)]).unwrap().star, star, "{text}");
    }
    for (text, status) in [
        ("申込み受理", Status::Accepted),
        ("accepted", Status::Accepted),
    ] {
        assert_eq!(
            read_with(&[("status", text)]).unwrap().status,
            status,
            "{text}"
        );
    }
    let declared = read_with(&[("status", "自己宣言完了"), ("accepted_at", "")]).unwrap();
    assert_eq!(declared.status, Status::Declared);
    for (text, status) in [("取下げ", Status::Withdrawn), ("取消し", Status::Revoked)] {
        let row = read_with(&[("status", text), ("ended_at", "2020-01-01")]).unwrap();
        assert_eq!(row.status, status, "{text}");
    }
    assert!(read_with(&[("status", "Accepted")]).is_err());
}
