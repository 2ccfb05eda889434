//! 法人番号 (corporate number): 13 digits published by the National Tax Agency for every
//! corporation. The first digit is a check digit over the 12-digit base number: with the base
//! number's digits P(n), n = 1..12 counted from the rightmost digit, and Q(n) = 1 for odd n and
//! 2 for even n, the check digit is 9 − (Σ P(n)·Q(n) mod 9).

use std::fmt;

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

use super::validation::FieldCode;

/// Regular expression for a corporate number, as published in the `OpenAPI` schema: the
/// leading check digit is 9 − (… mod 9), never 0; the check itself is beyond a regular
/// expression.
pub const CORPORATE_NUMBER_PATTERN: &str = "^[1-9][0-9]{12}$";

/// Why a string is not a valid corporate number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorporateNumberError {
    /// Not exactly 13 ASCII digits.
    NotThirteenDigits,
    /// The first digit does not match the check digit of the other twelve.
    CheckDigit,
}

impl CorporateNumberError {
    /// The stable machine code of the error.
    pub fn code(self) -> FieldCode {
        match self {
            CorporateNumberError::NotThirteenDigits => FieldCode::InvalidFormat,
            CorporateNumberError::CheckDigit => FieldCode::CheckDigit,
        }
    }
}

impl fmt::Display for CorporateNumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CorporateNumberError::NotThirteenDigits => "must be exactly 13 digits",
            CorporateNumberError::CheckDigit => "fails the corporate number check digit",
        })
    }
}

impl std::error::Error for CorporateNumberError {}

/// A corporate number whose check digit has been verified.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CorporateNumber([u8; 13]);

/// The check digit for a 12-digit base number (digits 0–9, leftmost first).
pub fn check_digit(base: &[u8; 12]) -> u8 {
    let sum: u32 = base
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &p)| u32::from(p) * if i % 2 == 0 { 1 } else { 2 })
        .sum();
    (9 - sum % 9) as u8
}

impl CorporateNumber {
    /// Parses 13 ASCII digits and verifies the leading check digit.
    pub fn parse(s: &str) -> Result<Self, CorporateNumberError> {
        let bytes = s.as_bytes();
        if bytes.len() != 13 || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(CorporateNumberError::NotThirteenDigits);
        }
        let mut base = [0u8; 12];
        for (d, b) in base.iter_mut().zip(&bytes[1..]) {
            *d = b - b'0';
        }
        if check_digit(&base) != bytes[0] - b'0' {
            return Err(CorporateNumberError::CheckDigit);
        }
        let mut all = [0u8; 13];
        all.copy_from_slice(bytes);
        Ok(Self(all))
    }

    /// Builds the corporate number for a 12-digit base number (for tests and synthetic data).
    pub fn from_base(base: [u8; 12]) -> Self {
        let mut all = [0u8; 13];
        all[0] = b'0' + check_digit(&base);
        for (a, d) in all[1..].iter_mut().zip(base) {
            *a = b'0' + d % 10;
        }
        Self(all)
    }

    /// The number as a string slice.
    pub fn as_str(&self) -> &str {
        // ASCII digits by construction.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Display for CorporateNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for CorporateNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CorporateNumber({})", self.as_str())
    }
}

impl serde::Serialize for CorporateNumber {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for CorporateNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl utoipa::PartialSchema for CorporateNumber {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "法人番号 (corporate number): 13 digits, the first a check digit over the other \
                 twelve (National Tax Agency rules)",
            ))
            .pattern(Some(CORPORATE_NUMBER_PATTERN))
            .max_length(Some(13))
            .examples(["7000012050002"])
            .into()
    }
}

impl utoipa::ToSchema for CorporateNumber {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn published_numbers_are_valid() {
        // 国税庁 (National Tax Agency) and 独立行政法人情報処理推進機構 (IPA), as published.
        assert!(CorporateNumber::parse("7000012050002").is_ok());
        assert!(CorporateNumber::parse("5010005007126").is_ok());
    }

    #[test]
    fn wrong_check_digit_and_shapes_are_rejected() {
        assert_eq!(
            CorporateNumber::parse("8000012050002"),
            Err(CorporateNumberError::CheckDigit)
        );
        assert_eq!(
            CorporateNumber::parse("700001205000"),
            Err(CorporateNumberError::NotThirteenDigits)
        );
        assert_eq!(
            CorporateNumber::parse("7000-12050002"),
            Err(CorporateNumberError::NotThirteenDigits)
        );
    }

    proptest! {
        #[test]
        fn every_base_number_has_exactly_one_valid_check_digit(base in proptest::array::uniform12(0u8..10)) {
            let number = CorporateNumber::from_base(base);
            prop_assert!(CorporateNumber::parse(number.as_str()).is_ok());
            let valid = (0..10u8)
                .filter(|c| {
                    let mut s = String::from(char::from(b'0' + c));
                    s.push_str(&number.as_str()[1..]);
                    CorporateNumber::parse(&s).is_ok()
                })
                .count();
            prop_assert_eq!(valid, 1);
        }

        #[test]
        fn a_single_changed_base_digit_is_caught(base in proptest::array::uniform12(0u8..10), pos in 1usize..13, delta in 1u8..10) {
            let number = CorporateNumber::from_base(base);
            let mut bytes = number.as_str().as_bytes().to_vec();
            let before = bytes[pos];
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            // The scheme works modulo 9, so 0 ↔ 9 is the one change it cannot see.
            prop_assume!(!matches!((before, bytes[pos]), (b'0', b'9') | (b'9', b'0')));
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(CorporateNumber::parse(&changed).is_err());
        }

        #[test]
        fn the_published_pattern_leaves_only_the_check_digit_unsaid(
            s in proptest::string::string_regex(
                CORPORATE_NUMBER_PATTERN.trim_start_matches('^').trim_end_matches('$')
            ).unwrap()
        ) {
            prop_assert!(matches!(CorporateNumber::parse(&s), Ok(_) | Err(CorporateNumberError::CheckDigit)));
        }

        #[test]
        fn valid_numbers_have_the_published_shape(base in proptest::array::uniform12(0u8..10)) {
            let number = CorporateNumber::from_base(base);
            prop_assert!(number.as_str().as_bytes()[0] != b'0');
        }

        #[test]
        fn parsing_never_panics(s in ".{0,40}") {
            let _ = CorporateNumber::parse(&s);
        }
    }
}
