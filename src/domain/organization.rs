//! The declaring organisation and its contact person: the rules of their registration
//! information (登録情報).

use serde::{Deserialize, Serialize};

use super::corporate_number::CorporateNumber;
use super::validation::{FieldCode, Violation};

/// 組織形態: what kind of organisation declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrganizationType {
    /// 法人: has a corporate number, which is required.
    Corporation,
    /// 個人事業主: has no corporate number.
    SoleProprietor,
    /// 団体: an association; may have a corporate number.
    Association,
    /// その他
    Other,
}

impl OrganizationType {
    pub const ALL: [OrganizationType; 4] = [
        OrganizationType::Corporation,
        OrganizationType::SoleProprietor,
        OrganizationType::Association,
        OrganizationType::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            OrganizationType::Corporation => "corporation",
            OrganizationType::SoleProprietor => "sole_proprietor",
            OrganizationType::Association => "association",
            OrganizationType::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.code() == code)
    }
}

/// The corporate number's rule by organisation type: required (and valid) for a corporation,
/// forbidden for a sole proprietor, optional (but valid if given) otherwise.
pub fn check_corporate_number(
    field: &str,
    organization_type: OrganizationType,
    corporate_number: Option<&str>,
) -> Result<Option<CorporateNumber>, Violation> {
    let given = corporate_number.filter(|s| !s.is_empty());
    match (organization_type, given) {
        (OrganizationType::Corporation, None) => Err(Violation::new(
            field,
            FieldCode::Required,
            "法人の場合は法人番号（13桁）が必要です",
            "a corporation must give its 13-digit corporate number",
        )),
        (OrganizationType::SoleProprietor, Some(_)) => Err(Violation::new(
            field,
            FieldCode::NotAllowed,
            "個人事業主の場合、法人番号は入力不要です",
            "a sole proprietor has no corporate number; leave it out",
        )),
        (_, None) => Ok(None),
        (_, Some(number)) => CorporateNumber::parse(number).map(Some).map_err(|e| {
            Violation::new(
                field,
                e.code(),
                match e {
                    super::corporate_number::CorporateNumberError::NotThirteenDigits => {
                        "法人番号は13桁の数字で入力してください"
                    }
                    super::corporate_number::CorporateNumberError::CheckDigit => {
                        "法人番号のチェックディジットが一致しません。入力誤りがないか確認してください"
                    }
                },
                e.to_string(),
            )
        }),
    }
}

/// The `OpenAPI` pattern of the e-mail addresses that [`check_email`] accepts, narrowed to what
/// a pattern can say safely: the HTML5 rules (as `validator` applies them) for an ASCII address
/// with a domain name.
pub const EMAIL_PATTERN: &str = r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$";

/// The longest e-mail address, in bytes.
pub const MAX_EMAIL_BYTES: usize = 254;

/// The `OpenAPI` pattern of a phone number as [`check_phone`] accepts it (its length, 6–20
/// characters, is given apart), or of an empty one.
pub const PHONE_PATTERN: &str = r"^(?:[+() -]*(?:[0-9][+() -]*){6,20})?$";

/// An e-mail address that can safely be written into a header: at most 254 characters, no
/// control characters or spaces, and a valid address (HTML5 rules, via `validator`).
pub fn check_email(field: &str, email: &str) -> Result<(), Violation> {
    use validator::ValidateEmail;
    let ok = email.len() <= MAX_EMAIL_BYTES
        && !email.chars().any(|c| c.is_control() || c.is_whitespace())
        && email.validate_email();
    ok.then_some(()).ok_or_else(|| {
        Violation::new(
            field,
            FieldCode::InvalidEmail,
            "メールアドレスの形式が正しくありません",
            "must be a valid e-mail address",
        )
    })
}

/// A phone number as people write it: 6–20 characters of digits, `+`, `-`, `(`, `)` and spaces,
/// with at least 6 digits.
pub fn check_phone(field: &str, phone: &str) -> Result<(), Violation> {
    let length = phone.chars().count();
    let allowed = phone
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '(' | ')' | ' '));
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    ((6..=20).contains(&length) && allowed && digits >= 6)
        .then_some(())
        .ok_or_else(|| {
            Violation::new(
                field,
                FieldCode::InvalidPhone,
                "電話番号は半角数字とハイフンで入力してください（例：03-1234-5678）",
                "must be a phone number such as 03-1234-5678",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn corporate_numbers_follow_the_organisation_type() {
        use OrganizationType::*;
        assert_eq!(
            check_corporate_number("c", Corporation, None)
                .unwrap_err()
                .code
                .as_str(),
            "required"
        );
        assert!(
            check_corporate_number("c", Corporation, Some("7000012050002"))
                .unwrap()
                .is_some()
        );
        assert_eq!(
            check_corporate_number("c", Corporation, Some("8000012050002"))
                .unwrap_err()
                .code
                .as_str(),
            "check_digit"
        );
        assert_eq!(
            check_corporate_number("c", SoleProprietor, Some("7000012050002"))
                .unwrap_err()
                .code
                .as_str(),
            "not_allowed"
        );
        assert_eq!(
            check_corporate_number("c", SoleProprietor, None).unwrap(),
            None
        );
        assert_eq!(
            check_corporate_number("c", Association, None).unwrap(),
            None
        );
        assert_eq!(
            check_corporate_number("c", Other, Some("123"))
                .unwrap_err()
                .code
                .as_str(),
            "invalid_format"
        );
    }

    #[test]
    fn emails_and_phones() {
        assert!(check_email("e", "taro@example.co.jp").is_ok());
        assert!(check_email("e", "taro@example.co.jp\r\nBcc: x@y.z").is_err());
        assert!(check_email("e", "not an email").is_err());
        assert!(check_email("e", &format!("{}@example.jp", "a".repeat(250))).is_err());
        assert!(check_phone("p", "03-1234-5678").is_ok());
        assert!(check_phone("p", "+81 3 1234 5678").is_ok());
        assert!(check_phone("p", "03-1234-5678\n").is_err());
        assert!(check_phone("p", "call me").is_err());
    }

    fn unanchored(pattern: &str) -> &str {
        pattern
            .strip_prefix('^')
            .and_then(|p| p.strip_suffix('$'))
            .unwrap()
    }

    proptest! {
        // The published patterns with their repetitions bounded, so that the drawn values
        // keep the length limits that the schema states apart.
        #[test]
        fn emails_of_the_published_pattern_pass_the_check(
            s in proptest::string::string_regex(
                &unanchored(EMAIL_PATTERN).replace(")*", "){0,3}").replace("{0,61}", "{0,20}")
            ).unwrap()
        ) {
            prop_assert!(s.len() <= MAX_EMAIL_BYTES);
            prop_assert!(check_email("e", &s).is_ok(), "{s:?}");
        }

        #[test]
        fn phones_of_the_published_pattern_pass_the_check(
            s in proptest::string::string_regex(
                &unanchored(PHONE_PATTERN)
                    .strip_prefix("(?:")
                    .and_then(|p| p.strip_suffix(")?"))
                    .unwrap()
                    .replace('*', "{0,1}")
                    .replace("{6,20}", "{6,9}")
            ).unwrap()
        ) {
            prop_assert!(s.chars().count() <= 20);
            prop_assert!(check_phone("p", s.trim()).is_ok(), "{s:?}");
        }

        // Addresses near the accepted ones, with line breaks among their characters (a header
        // injection such as `taro@example.jp\r\nBcc: …`), so that the property meets what it
        // guards against.
        #[test]
        fn accepted_emails_never_carry_line_breaks(
            s in "[a-z0-9.\r\n]{1,12}@[a-z0-9\r\n-]{1,12}\\.(jp|com|co\\.jp)(\r|\n|\r\n)?(Bcc: [a-z]{1,5}@[a-z]{1,5}\\.jp)?"
        ) {
            if check_email("e", &s).is_ok() {
                prop_assert!(!s.contains('\r') && !s.contains('\n'), "{s:?}");
            }
        }

        #[test]
        fn a_line_break_anywhere_in_an_accepted_email_is_refused(
            local in "[a-z0-9]{1,12}",
            domain in "[a-z0-9]{1,12}\\.(jp|com|co\\.jp)",
            at in any::<prop::sample::Index>(),
            line_break in "\r|\n|\r\n",
        ) {
            let email = format!("{local}@{domain}");
            prop_assert!(check_email("e", &email).is_ok(), "{email:?}");
            let at = at.index(email.len() + 1);
            let broken = format!("{}{line_break}{}", &email[..at], &email[at..]);
            prop_assert!(check_email("e", &broken).is_err(), "{broken:?}");
        }
    }
}
