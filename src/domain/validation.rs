//! A rule broken by a field of a request, in both languages.

use std::borrow::Cow;

use super::language::Language;

/// One violated rule: where (`field`, a dotted path such as `organization.corporate_number`),
/// which rule (`code`, stable snake_case) and a message for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub field: String,
    pub code: &'static str,
    ja: Cow<'static, str>,
    en: Cow<'static, str>,
}

impl Violation {
    pub fn new(
        field: impl Into<String>,
        code: &'static str,
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

/// Checks an http(s) URL: absolute, with a host, at most 2,048 characters.
pub fn check_web_url(field: &str, value: &str) -> Result<(), Violation> {
    let bad = || {
        Violation::new(
            field,
            "invalid_url",
            "http または https で始まる URL を指定してください",
            "must be an http or https URL",
        )
    };
    if value.len() > 2048 || value.chars().any(char::is_control) {
        return Err(bad());
    }
    let url = url::Url::parse(value).map_err(|_| bad())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(bad());
    }
    Ok(())
}

/// Checks a free text's length in characters, and that it holds no control characters.
pub fn check_text(field: &str, value: &str, min: usize, max: usize) -> Result<(), Violation> {
    let count = value.chars().count();
    if value.trim().is_empty() && min > 0 {
        return Err(Violation::new(
            field,
            "required",
            "入力してください",
            "must not be empty",
        ));
    }
    if count < min || count > max {
        return Err(Violation::new(
            field,
            "length",
            format!("{min}〜{max}文字で入力してください"),
            format!("must be {min} to {max} characters long"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(Violation::new(
            field,
            "control_characters",
            "改行や制御文字は使えません",
            "must not contain line breaks or control characters",
        ));
    }
    Ok(())
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
            check_web_url("u", "ftp://example.jp").unwrap_err().code,
            "invalid_url"
        );
        assert!(check_web_url("u", "javascript:alert(1)").is_err());
        assert!(check_web_url("u", "example.jp").is_err());
        assert!(check_web_url("u", "https://exa\r\nmple.jp").is_err());
    }

    #[test]
    fn texts() {
        assert!(check_text("t", "株式会社サンプル", 1, 200).is_ok());
        assert_eq!(check_text("t", "  ", 1, 200).unwrap_err().code, "required");
        assert_eq!(
            check_text("t", &"あ".repeat(201), 1, 200).unwrap_err().code,
            "length"
        );
        assert_eq!(
            check_text("t", "a\r\nBcc: x", 1, 200).unwrap_err().code,
            "control_characters"
        );
    }

    #[test]
    fn paths_nest() {
        let v = Violation::new("url", "c", "ja", "en").under("policy_disclosure");
        assert_eq!(v.field, "policy_disclosure.url");
        let v = Violation::new("[2]", "c", "ja", "en").under("purposes");
        assert_eq!(v.field, "purposes[2]");
        assert_eq!(v.message(Language::En), "en");
    }

    proptest! {
        #[test]
        fn checks_never_panic(s in "\\PC{0,300}") {
            let _ = check_web_url("f", &s);
            let _ = check_text("f", &s, 1, 200);
        }
    }
}
