//! A rule broken by a field of a request, in both languages.

use std::borrow::Cow;

use super::language::Language;

/// Declares [`FieldCode`]: each variant with its wire name, and the list of all of them.
macro_rules! field_codes {
    ($($(#[$doc:meta])* $variant:ident => $code:literal,)+) => {
        /// Which rule a field broke: the `code` of an entry in a validation problem's `errors`.
        /// Every code the service can send is one of these (a [`Violation`] can only be made
        /// with one); the contract lists them as an open-ended enum, so that new ones may come.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum FieldCode {
            $($(#[$doc])* $variant,)+
        }

        impl FieldCode {
            /// Every code, in the order declared.
            pub const ALL: &[FieldCode] = &[$(FieldCode::$variant,)+];

            /// The stable snake_case code, as sent.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(FieldCode::$variant => $code,)+
                }
            }
        }
    };
}

field_codes! {
    /// the field is missing or empty.
    Required => "required",
    /// the field is not one the operation accepts.
    UnknownField => "unknown_field",
    /// the value is not one of those allowed.
    UnknownValue => "unknown_value",
    /// the value is of the wrong kind (number, string, boolean, array or object).
    InvalidType => "invalid_type",
    /// a list has the wrong number of elements.
    InvalidLength => "invalid_length",
    /// the value cannot be read.
    InvalidValue => "invalid_value",
    /// the value is not in the required format (a number of digits, for example).
    InvalidFormat => "invalid_format",
    /// the number fails its check digit (a typo?).
    CheckDigit => "check_digit",
    /// the text is shorter or longer than allowed.
    Length => "length",
    /// the value is shorter than allowed.
    TooShort => "too_short",
    /// the value is longer than allowed.
    TooLong => "too_long",
    /// the text holds line breaks or control characters.
    ControlCharacters => "control_characters",
    /// the number is outside the allowed range.
    OutOfRange => "out_of_range",
    /// the value is given twice in a list.
    Duplicate => "duplicate",
    /// the list has more items than allowed.
    TooManyItems => "too_many_items",
    /// the field may not be given here.
    NotAllowed => "not_allowed",
    /// the field must be `true`.
    MustBeTrue => "must_be_true",
    /// the terms agreed to are not the current version.
    NotCurrentTerms => "not_current_terms",
    /// the organisation's name cannot be used.
    InvalidName => "invalid_name",
    /// not an e-mail address.
    InvalidEmail => "invalid_email",
    /// not a telephone number.
    InvalidPhone => "invalid_phone",
    /// not an http(s) URL.
    InvalidUrl => "invalid_url",
    /// the URL must be https.
    HttpsRequired => "https_required",
    /// the host resolves to a private or special address.
    PrivateAddress => "private_address",
    /// the host name does not resolve.
    UnresolvableHost => "unresolvable_host",
    /// not a prefecture code (01 to 47).
    UnknownPrefecture => "unknown_prefecture",
    /// not an industry division (A to T).
    UnknownIndustry => "unknown_industry",
    /// not a scope the service knows.
    UnknownScope => "unknown_scope",
    /// not a webhook event type the service knows.
    UnknownEventType => "unknown_event_type",
    /// no diagnosis of this declarer has this ID.
    UnknownDiagnosis => "unknown_diagnosis",
    /// the cursor was not given by this service.
    InvalidCursor => "invalid_cursor",
    /// the Idempotency-Key header is not a usable key.
    InvalidIdempotencyKey => "invalid_idempotency_key",
    /// the diagnosis does not answer the 25 questions.
    WrongCount => "wrong_count",
    /// a question number outside 1 to 25.
    QuestionOutOfRange => "question_out_of_range",
    /// a question answered twice.
    DuplicateQuestion => "duplicate_question",
    /// a question left unanswered.
    MissingQuestion => "missing_question",
    /// the password is among the commonest ones.
    CommonPassword => "common_password",
    /// the password contains the user number.
    ContainsUserNumber => "contains_user_number",
    /// the password is one character repeated.
    RepeatedCharacter => "repeated_character",
}

impl std::fmt::Display for FieldCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One violated rule: where (`field`, a dotted path such as `organization.corporate_number`),
/// which rule (`code`, stable snake_case) and a message for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub field: String,
    pub code: FieldCode,
    ja: Cow<'static, str>,
    en: Cow<'static, str>,
}

impl Violation {
    pub fn new(
        field: impl Into<String>,
        code: FieldCode,
        ja: impl Into<Cow<'static, str>>,
        en: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            field: field.into(),
            code,
            ja: ja.into(),
            en: en.into(),
        }
    }

    /// The message in the given language.
    pub fn message(&self, language: Language) -> &str {
        language.pick(&self.ja, &self.en)
    }

    /// The same violation under a parent path (`policy_disclosure` + `url` →
    /// `policy_disclosure.url`).
    pub fn under(mut self, parent: &str) -> Self {
        self.field = if parent.is_empty() {
            self.field
        } else if self.field.is_empty() {
            parent.to_owned()
        } else if self.field.starts_with('[') {
            format!("{parent}{}", self.field)
        } else {
            format!("{parent}.{}", self.field)
        };
        self
    }
}

/// White space as `str::trim` removes it (Unicode `White_Space`), as a regular-expression class.
macro_rules! white {
    () => {
        r"[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    };
}

/// A character that is neither white space nor a control character (`char::is_control`).
macro_rules! visible {
    () => {
        r"[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    };
}

/// Any character but a control character.
macro_rules! not_control {
    () => {
        r"[^\u0000-\u001f\u007f-\u009f]"
    };
}

/// The core of a text of 1 to `max` characters once trimmed: visible at both ends, no control
/// characters within.
fn text_core(max: usize) -> String {
    if max < 2 {
        return visible!().to_owned();
    }
    format!(
        "{visible}(?:{not_control}{{0,{inner}}}{visible})?",
        visible = visible!(),
        not_control = not_control!(),
        inner = max - 2
    )
}

/// The `OpenAPI` pattern of a text that [`check_text`] accepts: something besides white space,
/// no control characters (line breaks included) but in the white space around it. The text is
/// stored trimmed; its length limit counts what is sent, white space included, and is stated
/// by the schema's `maxLength` beside this pattern.
pub fn text_pattern(max: usize) -> String {
    format!(
        "^{white}*{core}{white}*$",
        white = white!(),
        core = text_core(max)
    )
}

/// The `OpenAPI` pattern of an optional text: empty (taken as absent), or a text as
/// [`text_pattern`]. (White space alone is taken as absent too; the pattern does not say so.)
pub fn optional_text_pattern(max: usize) -> String {
    format!(
        "^(?:{white}*{core}{white}*)?$",
        white = white!(),
        core = text_core(max)
    )
}

/// The `OpenAPI` pattern of the http(s) URLs that [`check_web_url`] accepts, narrowed to
/// what a pattern can say safely: a host name of ASCII letters and digits in labels joined by
/// single hyphens (so no `xn--` label, which would be read as punycode), the last label led by
/// a letter (so never an IP address), an optional port, then visible ASCII characters.
pub const WEB_URL_PATTERN: &str = r"^[Hh][Tt][Tt][Pp][Ss]?://(?:[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*\.)*[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*(?::[0-9]{1,4})?(?:[/?#][!-~]*)?$";

/// The longest URL [`check_web_url`] accepts, in bytes.
pub const MAX_URL_BYTES: usize = 2048;

/// Checks an http(s) URL: absolute, with a host, at most 2,048 characters.
pub fn check_web_url(field: &str, value: &str) -> Result<(), Violation> {
    let bad = || {
        Violation::new(
            field,
            FieldCode::InvalidUrl,
            "http または https で始まる URL を指定してください",
            "must be an http or https URL",
        )
    };
    if value.len() > MAX_URL_BYTES || value.chars().any(char::is_control) {
        return Err(bad());
    }
    let url = url::Url::parse(value).map_err(|_| bad())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(bad());
    }
    Ok(())
}

/// Checks a free text as it was sent: at most `max` characters counting the white space around
/// it (as the schema's `maxLength` says), at least `min` once trimmed, and no control characters
/// but in the white space around it. The caller stores the trimmed text.
pub fn check_text(field: &str, sent: &str, min: usize, max: usize) -> Result<(), Violation> {
    let value = sent.trim();
    if value.is_empty() && min > 0 {
        return Err(Violation::new(
            field,
            FieldCode::Required,
            "入力してください",
            "must not be empty",
        ));
    }
    if value.chars().count() < min || sent.chars().count() > max {
        return Err(Violation::new(
            field,
            FieldCode::Length,
            format!("{min}～{max}文字で入力してください"),
            format!("must be {min} to {max} characters long"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(Violation::new(
            field,
            FieldCode::ControlCharacters,
            "改行や制御文字は使えません",
            "must not contain line breaks or control characters",
        ));
    }
    Ok(())
}

/// Checks an optional free text as it was sent: absent, empty or white space alone is no text
/// (but still at most `max` characters, as the schema says); otherwise as [`check_text`].
/// Answers the trimmed text, if any.
pub fn check_optional_text<'a>(
    field: &str,
    sent: Option<&'a str>,
    max: usize,
) -> Result<Option<&'a str>, Violation> {
    let Some(sent) = sent else {
        return Ok(None);
    };
    if sent.trim().is_empty() {
        return check_text(field, sent, 0, max).map(|()| None);
    }
    check_text(field, sent, 1, max)?;
    Ok(Some(sent.trim()))
}

/// Checks that a value is at most `max` characters long, as its schema's `maxLength` says.
pub fn check_max_chars(field: &str, value: &str, max: usize) -> Result<(), Violation> {
    if value.chars().count() <= max {
        return Ok(());
    }
    Err(Violation::new(
        field,
        FieldCode::TooLong,
        format!("{max}文字以内で指定してください"),
        format!("must be at most {max} characters long"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn urls() {
        assert!(check_web_url("u", "https://example.co.jp/policy").is_ok());
        assert!(check_web_url("u", "http://example.jp").is_ok());
        assert_eq!(
            check_web_url("u", "ftp://example.jp")
                .unwrap_err()
                .code
                .as_str(),
            "invalid_url"
        );
        assert!(check_web_url("u", "javascript:alert(1)").is_err());
        assert!(check_web_url("u", "example.jp").is_err());
        assert!(check_web_url("u", "https://exa\r\nmple.jp").is_err());
    }

    #[test]
    fn lengths_count_what_is_sent_in_the_schema_as_in_the_check() {
        let pattern = regex::Regex::new(&text_pattern(100)).unwrap();
        for (text, ok) in [
            (format!("x{}", " ".repeat(99)), true),
            (format!("x{}", " ".repeat(100)), false),
            (format!("0{}", "\u{85}".repeat(99)), true),
            (format!("0{}", "\u{85}".repeat(100)), false),
            ("x".repeat(100), true),
            (format!(" {} ", "x".repeat(98)), true),
            (format!(" {} ", "x".repeat(99)), false),
            ("x".repeat(101), false),
            (" ".repeat(10), false),
        ] {
            let schema = pattern.is_match(&text) && text.chars().count() <= 100;
            assert_eq!(schema, ok, "the schema on {text:?}");
            assert_eq!(check_text("t", &text, 1, 100).is_ok(), ok, "{text:?}");
        }
    }

    #[test]
    fn optional_texts_are_absent_when_blank_but_never_longer_than_the_limit() {
        assert_eq!(check_optional_text("t", None, 5), Ok(None));
        assert_eq!(check_optional_text("t", Some(""), 5), Ok(None));
        assert_eq!(check_optional_text("t", Some("     "), 5), Ok(None));
        assert_eq!(
            check_optional_text("t", Some("      "), 5)
                .unwrap_err()
                .code,
            FieldCode::Length
        );
        assert_eq!(check_optional_text("t", Some(" abc "), 5), Ok(Some("abc")));
        assert!(check_optional_text("t", Some(" abcd "), 5).is_err());
    }

    #[test]
    fn values_are_at_most_their_limit() {
        assert!(check_max_chars("f", &"あ".repeat(12), 12).is_ok());
        assert_eq!(
            check_max_chars("f", &"あ".repeat(13), 12).unwrap_err().code,
            FieldCode::TooLong
        );
    }

    #[test]
    fn texts() {
        assert!(check_text("t", "株式会社サンプル", 1, 200).is_ok());
        assert!(check_text("t", &format!(" {} ", "あ".repeat(198)), 1, 200).is_ok());
        assert_eq!(
            check_text("t", &format!(" {} ", "あ".repeat(199)), 1, 200)
                .unwrap_err()
                .code,
            FieldCode::Length
        );
        assert_eq!(
            check_text("t", "  ", 1, 200).unwrap_err().code.as_str(),
            "required"
        );
        assert_eq!(
            check_text("t", &"あ".repeat(201), 1, 200)
                .unwrap_err()
                .code
                .as_str(),
            "length"
        );
        assert_eq!(
            check_text("t", "a\r\nBcc: x", 1, 200)
                .unwrap_err()
                .code
                .as_str(),
            "control_characters"
        );
    }

    #[test]
    fn paths_nest() {
        let v = Violation::new("url", FieldCode::Required, "ja", "en").under("policy_disclosure");
        assert_eq!(v.field, "policy_disclosure.url");
        let v = Violation::new("[2]", FieldCode::Duplicate, "ja", "en").under("purposes");
        assert_eq!(v.field, "purposes[2]");
        assert_eq!(v.message(Language::En), "en");
    }

    fn unanchored(pattern: &str) -> &str {
        pattern
            .strip_prefix('^')
            .and_then(|p| p.strip_suffix('$'))
            .unwrap()
    }

    proptest! {
        #[test]
        fn texts_of_the_published_pattern_pass_the_check(
            s in proptest::string::string_regex(unanchored(&text_pattern(12))).unwrap()
        ) {
            prop_assert!(s.chars().count() > 12 || check_text("t", &s, 1, 12).is_ok(), "{s:?}");
        }

        #[test]
        fn optional_texts_of_the_published_pattern_pass_the_check(
            s in proptest::string::string_regex(unanchored(&optional_text_pattern(12))).unwrap()
        ) {
            prop_assert!(s.is_empty() || s.chars().count() > 12 || check_text("t", &s, 1, 12).is_ok(), "{s:?}");
        }

        /// The published pattern and the check agree on every text, lengths included: a text
        /// padded with white space beyond the limit, a core one character too long, line
        /// breaks and control characters inside or around it.
        #[test]
        fn the_published_pattern_and_the_check_agree(
            s in "[ \\t\\r\\n\u{85}\u{a0}\u{3000}\u{1}]{0,6}[a-z\u{3042} \\n\u{1}\u{85}]{0,14}[ \\t\\r\\n\u{85}\u{a0}\u{3000}]{0,6}",
            max in 1usize..12,
        ) {
            let pattern = regex::Regex::new(&text_pattern(max)).unwrap();
            prop_assert_eq!(
                pattern.is_match(&s) && s.chars().count() <= max,
                check_text("t", &s, 1, max).is_ok(),
                "{:?} with at most {} characters", s, max
            );
        }

        #[test]
        fn urls_of_the_published_pattern_pass_the_check(
            s in proptest::string::string_regex(&unanchored(WEB_URL_PATTERN).replace('*', "{0,4}")).unwrap()
        ) {
            prop_assert!(s.len() <= MAX_URL_BYTES);
            prop_assert!(check_web_url("u", &s).is_ok(), "{s:?}");
        }

        #[test]
        fn checks_never_panic(s in "\\PC{0,300}") {
            let _ = check_web_url("f", &s);
            let _ = check_text("f", &s, 1, 200);
        }
    }
}
