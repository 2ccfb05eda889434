//! The password policy for declarer accounts.
//!
//! The five principles ask declarers for passwords that are 「長く」「複雑な」 (long and complex);
//! this service holds its own accounts to the same standard. Length does most of the work, so the
//! rules stay few and are checked in this order:
//!
//! 1. at least [`MIN_PASSWORD_CHARS`] and at most [`MAX_PASSWORD_CHARS`] characters, counted as
//!    Unicode scalar values (`chars()`), so twelve kanji are twelve characters (`too_short`,
//!    `too_long`);
//! 2. not equal to, nor containing, the user number (利用者番号), the login name; full-width digits
//!    count as digits (`contains_user_number`);
//! 3. not one character repeated (`repeated_character`);
//! 4. not in the list of common passwords shipped with the project (`common-passwords.txt`),
//!    compared case-insensitively after trimming (`common_password`).
//!
//! There are no composition rules (a digit, a symbol…): a long passphrase such as
//! "a long passphrase of the declarer" is a good password.

use std::collections::HashSet;
use std::sync::OnceLock;

use super::validation::{FieldCode, Violation};

/// The fewest characters a password may have.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The most characters a password may have.
pub const MAX_PASSWORD_CHARS: usize = 128;

/// The common-password list: one lower-case password per line, `#` starts a comment line.
const COMMON_PASSWORDS: &str = include_str!("common-passwords.txt");

/// The common-password list as a set, parsed on first use.
fn common_passwords() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| list_entries(COMMON_PASSWORDS).collect())
}

/// The entries of a password list: its lines, trimmed, without empty and comment lines.
fn list_entries(list: &'static str) -> impl Iterator<Item = &'static str> {
    list.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
}

/// Checks a new password; field is the JSON path to report (e.g. "password" or "new_password").
pub fn check_password(
    field: &str,
    password: &str,
    user_number: Option<&str>,
) -> Result<(), Violation> {
    let count = password.chars().count();
    if count < MIN_PASSWORD_CHARS {
        return Err(Violation::new(
            field,
            FieldCode::TooShort,
            format!("パスワードは{MIN_PASSWORD_CHARS}文字以上にしてください"),
            format!("must be at least {MIN_PASSWORD_CHARS} characters long"),
        ));
    }
    if count > MAX_PASSWORD_CHARS {
        return Err(Violation::new(
            field,
            FieldCode::TooLong,
            format!("パスワードは{MAX_PASSWORD_CHARS}文字以内にしてください"),
            format!("must be at most {MAX_PASSWORD_CHARS} characters long"),
        ));
    }
    if let Some(number) = user_number.map(str::trim).filter(|n| !n.is_empty())
        && ascii_digits(password).contains(number)
    {
        return Err(Violation::new(
            field,
            FieldCode::ContainsUserNumber,
            "パスワードに利用者番号を含めないでください",
            "must not contain the user number",
        ));
    }
    let mut chars = password.chars();
    if let Some(first) = chars.next()
        && chars.all(|c| c == first)
    {
        return Err(Violation::new(
            field,
            FieldCode::RepeatedCharacter,
            "同じ文字を繰り返しただけのパスワードは使えません",
            "must not be a single character repeated",
        ));
    }
    if common_passwords().contains(password.trim().to_lowercase().as_str()) {
        return Err(Violation::new(
            field,
            FieldCode::CommonPassword,
            "よく使われていて推測されやすいパスワードです。別のパスワードにしてください",
            "is a commonly used password that is easy to guess; choose another one",
        ));
    }
    Ok(())
}

/// The text with full-width digits (`０`–`９`) turned into ASCII digits.
fn ascii_digits(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '０'..='９' => {
                char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')).unwrap_or(c)
            }
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const USER: Option<&str> = Some("912345678901");

    fn code(password: &str) -> &'static str {
        match check_password("password", password, USER) {
            Ok(()) => "ok",
            Err(violation) => violation.code.as_str(),
        }
    }

    #[test]
    fn length() {
        assert_eq!(code("short"), "too_short");
        assert_eq!(code("elevenchars"), "too_short");
        assert_eq!(code(""), "too_short");
        assert_eq!(code("twelve chars"), "ok");
        assert_eq!(code("a long passphrase of the declarer"), "ok");
        assert_eq!(code(&"ab".repeat(64)), "ok");
        assert_eq!(code(&format!("{}c", "ab".repeat(64))), "too_long");
        let violation = check_password("new_password", "short", None).unwrap_err();
        assert_eq!(violation.field, "new_password");
        assert!(
            violation
                .message(crate::domain::language::Language::Ja)
                .contains("12文字以上")
        );
        assert!(
            violation
                .message(crate::domain::language::Language::En)
                .contains("at least 12")
        );
    }

    #[test]
    fn characters_not_bytes() {
        assert_eq!(code("情報セキュリティ対策宣言"), "ok");
        assert_eq!("情報セキュリティ対策宣言".chars().count(), 12);
        assert_eq!(code("情報セキュリティ対策宣"), "too_short");
        assert_eq!(code(&"鍵錠".repeat(64)), "ok");
        assert_eq!(code(&format!("{}鍵", "鍵錠".repeat(64))), "too_long");
        assert_eq!(code("🔑🔒🔑🔒🔑🔒🔑🔒🔑🔒🔑🔒"), "ok");
    }

    #[test]
    fn user_number() {
        assert_eq!(code("912345678901"), "contains_user_number");
        assert_eq!(code("my912345678901pass"), "contains_user_number");
        assert_eq!(code("ｍｙ９１２３４５６７８９０１"), "contains_user_number");
        assert_eq!(code("91234567890 plus more"), "ok");
        assert_eq!(
            check_password("password", "912345678901", None),
            Ok(()),
            "without a user number the rule does not apply"
        );
        assert_eq!(
            check_password("password", "912345678901x", Some("")),
            Ok(())
        );
    }

    #[test]
    fn repeated_character() {
        assert_eq!(code("zzzzzzzzzzzzzz"), "repeated_character");
        assert_eq!(code("ああああああああああああ"), "repeated_character");
        assert_eq!(code("            "), "repeated_character");
        assert_eq!(code("zzzzzzzzzzzzzy"), "ok");
    }

    #[test]
    fn common_passwords_rejected() {
        for password in [
            "password1234",
            "Password1234",
            "PASSWORD2024!",
            " password1234 ",
            "qwertyuiopasdfgh",
            "1qaz2wsx3edc4rfv",
            "123456789012",
            "098765432109",
            "p@ssw0rd1234",
            "iloveyou1234",
            "himitsu12345",
            "sakura123456",
            "welcome12345",
            "admin1234567",
            "changeme1234",
            "letmein12345",
            "administrator",
            "companyname2025",
            "19800101abcd",
        ] {
            assert_eq!(code(password), "common_password", "{password:?}");
        }
        assert_eq!(code("111111111111"), "repeated_character");
    }

    #[test]
    fn list_is_well_formed() {
        let entries: Vec<&str> = list_entries(COMMON_PASSWORDS).collect();
        assert!(entries.len() >= 1_000, "{} entries", entries.len());
        assert!(COMMON_PASSWORDS.starts_with("# "));
        let mut seen = HashSet::new();
        for entry in &entries {
            assert!(entry.chars().count() >= MIN_PASSWORD_CHARS, "{entry:?}");
            assert!(entry.chars().count() <= MAX_PASSWORD_CHARS, "{entry:?}");
            assert_eq!(*entry, entry.to_lowercase(), "{entry:?}");
            assert!(seen.insert(*entry), "duplicate {entry:?}");
        }
        assert_eq!(common_passwords().len(), entries.len());
        // Every line is an entry or a comment: nothing is lost to trimming.
        for line in COMMON_PASSWORDS.lines() {
            assert_eq!(line, line.trim(), "{line:?}");
            assert!(!line.is_empty());
        }
    }

    /// A large alphabet: ASCII letters, digits and symbols, kana, kanji, accented letters.
    fn large_alphabet() -> Vec<char> {
        ('!'..='~')
            .chain('ぁ'..='ゖ')
            .chain('ァ'..='ヺ')
            .chain('一'..='龠')
            .chain('À'..='ÿ')
            .collect()
    }

    proptest! {
        #[test]
        fn good_passwords_accepted(
            chars in proptest::collection::vec(
                proptest::sample::select(large_alphabet()),
                MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS,
            ),
            user_number in "[1-35-9][0-9]{11}",
        ) {
            let password: String = chars.iter().collect();
            prop_assume!(!password.contains(&user_number));
            prop_assume!(!common_passwords().contains(password.trim().to_lowercase().as_str()));
            prop_assume!(chars.iter().any(|&c| c != chars[0]));
            prop_assert_eq!(check_password("password", &password, Some(&user_number)), Ok(()));
        }

        #[test]
        fn never_panics(password in any::<String>(), user_number in any::<Option<String>>()) {
            let _ = check_password("password", &password, user_number.as_deref());
        }

        #[test]
        fn short_and_long_rejected(length in 0usize..300) {
            let password: String = "abcdefghijklmnopqrstuvwxyz".chars().cycle().take(length).collect();
            let result = check_password("password", &password, None);
            if length < MIN_PASSWORD_CHARS {
                prop_assert_eq!(result.unwrap_err().code.as_str(), "too_short");
            } else if length > MAX_PASSWORD_CHARS {
                prop_assert_eq!(result.unwrap_err().code.as_str(), "too_long");
            }
        }
    }
}
