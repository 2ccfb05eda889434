//! The declaring organisation and its contact person: the rules of their registration
//! information (登録情報).

use serde::{Deserialize, Serialize};

use super::corporate_number::CorporateNumber;
use super::validation::Violation;

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
            "required",
            "法人の場合は法人番号(13桁)が必要です",
            "a corporation must give its 13-digit corporate number",
        )),
        (OrganizationType::SoleProprietor, Some(_)) => Err(Violation::new(
            field,
            "not_allowed",
            "個人事業主には法人番号がありません。空にしてください",
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

/// An e-mail address that can safely be written into a header: at most 254 characters, no
/// control characters or spaces, and a valid address (HTML5 rules, via `validator`).
pub fn check_email(field: &str, email: &str) -> Result<(), Violation> {
    use validator::ValidateEmail;
    let ok = email.len() <= 254
        && !email.chars().any(|c| c.is_control() || c.is_whitespace())
        && email.validate_email();
    ok.then_some(()).ok_or_else(|| {
        Violation::new(
            field,
            "invalid_email",
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
                "invalid_phone",
                "電話番号は半角数字とハイフンで入力してください(例: 03-1234-5678)",
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
                .code,
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
                .code,
            "check_digit"
        );
        assert_eq!(
            check_corporate_number("c", SoleProprietor, Some("7000012050002"))
                .unwrap_err()
                .code,
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
                .code,
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

    proptest! {
        #[test]
        fn accepted_emails_never_carry_line_breaks(s in "\\PC{0,80}") {
            if check_email("e", &s).is_ok() {
                prop_assert!(!s.contains('\r') && !s.contains('\n'));
            }
        }
    }
}
