//! The two 12-digit numbers the service issues: the user number (利用者番号) and the
//! declaration ID (自己宣言ID).
//!
//! Both are random (never sequential) and end in a check digit so that a typo is rejected as
//! malformed before any database look-up. The check digit is the Luhn (mod 10) digit computed
//! over the first eleven digits: from the rightmost of those eleven, every first, third, …
//! digit is doubled (subtracting 9 when the result exceeds 9), all are summed, and the check
//! digit is `(10 − sum mod 10) mod 10`. Luhn catches every single-digit error and every
//! transposition of adjacent digits except 09↔90.
//!
//! Declaration IDs start with `4`; user numbers start with any digit but `0` and `4`, so the two
//! can never be confused.

use std::fmt;

use rand::RngExt;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

use super::validation::FieldCode;

/// Why a string is not a valid identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentifierError {
    /// Not exactly 12 ASCII digits.
    NotTwelveDigits,
    /// The first digit is not allowed for this kind of number.
    WrongLeadingDigit,
    /// The last digit does not match the check digit of the first eleven.
    CheckDigit,
}

impl IdentifierError {
    /// The stable machine code of the error.
    pub fn code(self) -> FieldCode {
        match self {
            IdentifierError::NotTwelveDigits => FieldCode::InvalidFormat,
            IdentifierError::WrongLeadingDigit => FieldCode::InvalidFormat,
            IdentifierError::CheckDigit => FieldCode::CheckDigit,
        }
    }
}

impl fmt::Display for IdentifierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IdentifierError::NotTwelveDigits => "must be exactly 12 digits",
            IdentifierError::WrongLeadingDigit => "has a leading digit not used for this number",
            IdentifierError::CheckDigit => "fails its check digit (a typo?)",
        })
    }
}

impl std::error::Error for IdentifierError {}

/// The Luhn check digit over `digits` (values 0–9).
pub fn luhn_check_digit(digits: &[u8]) -> u8 {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 0 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// Parses 12 ASCII digits with a valid Luhn check digit and an allowed first digit.
fn parse_twelve(s: &str, leading_ok: impl Fn(u8) -> bool) -> Result<[u8; 12], IdentifierError> {
    let bytes = s.as_bytes();
    if bytes.len() != 12 || !bytes.iter().all(u8::is_ascii_digit) {
        return Err(IdentifierError::NotTwelveDigits);
    }
    let mut digits = [0u8; 12];
    for (d, b) in digits.iter_mut().zip(bytes) {
        *d = b - b'0';
    }
    if !leading_ok(digits[0]) {
        return Err(IdentifierError::WrongLeadingDigit);
    }
    if luhn_check_digit(&digits[..11]) != digits[11] {
        return Err(IdentifierError::CheckDigit);
    }
    Ok(digits)
}

/// Draws eleven random digits with the given first digit, then appends the check digit.
fn generate_twelve(first: u8, rng: &mut impl rand::Rng) -> [u8; 12] {
    let mut digits = [0u8; 12];
    digits[0] = first;
    for d in &mut digits[1..11] {
        *d = rng.random_range(0..10);
    }
    digits[11] = luhn_check_digit(&digits[..11]);
    digits
}

fn to_array_string(digits: [u8; 12]) -> [u8; 12] {
    digits.map(|d| d + b'0')
}

macro_rules! twelve_digit_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name([u8; 12]);

        impl $name {
            /// The number as a string slice.
            pub fn as_str(&self) -> &str {
                // ASCII digits by construction, then NUL padding for a shorter imported number.
                let len = self.0.iter().position(|&b| b == 0).unwrap_or(12);
                std::str::from_utf8(&self.0[..len]).unwrap_or_default()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdentifierError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

twelve_digit_id!(
    /// 利用者番号: the declarer's (or operator's) login name. 12 digits, first digit neither 0
    /// nor 4, Luhn check digit last.
    UserNumber
);

twelve_digit_id!(
    /// 自己宣言ID: identifies a declaration; quoted by subsidy applicants. 12 digits starting
    /// with 4, Luhn check digit last.
    DeclarationId
);

impl UserNumber {
    /// Parses a user number, checking length, leading digit and check digit.
    pub fn parse(s: &str) -> Result<Self, IdentifierError> {
        parse_twelve(s, |d| d != 0 && d != 4).map(|d| Self(to_array_string(d)))
    }

    /// A user number as the old system issued it (利用者番号 of an imported declarer): 12
    /// digits, the last not necessarily a check digit of ours. Only for numbers known to be
    /// imported: everywhere a person types a number, [`UserNumber::parse`] keeps the typo
    /// protection.
    pub fn imported(s: &str) -> Result<Self, IdentifierError> {
        let bytes = s.as_bytes();
        if bytes.len() != 12 || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(IdentifierError::NotTwelveDigits);
        }
        let mut digits = [0u8; 12];
        digits.copy_from_slice(bytes);
        Ok(Self(digits))
    }

    /// A new random user number.
    pub fn generate(rng: &mut impl rand::Rng) -> Self {
        const FIRST: [u8; 8] = [1, 2, 3, 5, 6, 7, 8, 9];
        let first = FIRST[rng.random_range(0..FIRST.len())];
        Self(to_array_string(generate_twelve(first, rng)))
    }
}

/// Regular expression for a user number, as published in the `OpenAPI` schema (the check
/// digit is beyond a regular expression).
pub const USER_NUMBER_PATTERN: &str = "^[1-35-9][0-9]{11}$";

/// Regular expression for a declaration ID, as published in the `OpenAPI` schema: 12 digits
/// starting with 4, or 11 for the oldest imported ones (the check digit, and whether an ID in
/// the old form was imported, are beyond a regular expression).
pub const DECLARATION_ID_PATTERN: &str = "^4[0-9]{10,11}$";

/// An ID's schema: its pattern, its 12 characters, an example.
fn id_schema(description: &str, pattern: &str, example: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .pattern(Some(pattern))
        .max_length(Some(12))
        .examples([example])
        .into()
}

impl utoipa::PartialSchema for UserNumber {
    fn schema() -> RefOr<Schema> {
        id_schema(
            "利用者番号 (user number): 12 digits, the first neither 0 nor 4, the last a Luhn \
             check digit over the first eleven",
            USER_NUMBER_PATTERN,
            "318204957365",
        )
    }
}

impl utoipa::ToSchema for UserNumber {}

impl utoipa::PartialSchema for DeclarationId {
    fn schema() -> RefOr<Schema> {
        id_schema(
            "自己宣言ID (declaration ID): 12 digits starting with 4, the last a Luhn check digit \
             over the first eleven. Declarations taken over from the old system keep their IDs \
             (12 digits, or the older 11, starting with 4, without that check digit); an ID that \
             fails the check digit and was not imported is refused as malformed.",
            DECLARATION_ID_PATTERN,
            "407731820954",
        )
    }
}

impl utoipa::ToSchema for DeclarationId {}

impl DeclarationId {
    /// Parses a declaration ID, checking length, the leading 4 and the check digit.
    pub fn parse(s: &str) -> Result<Self, IdentifierError> {
        parse_twelve(s, |d| d == 4).map(|d| Self(to_array_string(d)))
    }

    /// A declaration ID as the old system issued it: 12 digits, or the older 11, starting with
    /// `4`, the last not necessarily a check digit of ours. Whether such an ID was imported is
    /// the database's (or the verification cache's) to say; see [`Legacy`].
    pub fn imported(s: &str) -> Result<Self, IdentifierError> {
        let bytes = s.as_bytes();
        if !(11..=12).contains(&bytes.len()) || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(IdentifierError::NotTwelveDigits);
        }
        if bytes[0] != b'4' {
            return Err(IdentifierError::WrongLeadingDigit);
        }
        let mut digits = [0u8; 12];
        digits[..bytes.len()].copy_from_slice(bytes);
        Ok(Self(digits))
    }

    /// Any ID this service may hold: one of its own, or one in the old system's form. For
    /// paths of the declarer's and the secretariat's operations, where an ID that is not held
    /// is 404 whatever its form.
    pub fn stored(s: &str) -> Result<Self, IdentifierError> {
        Self::parse(s).or_else(|_| Self::imported(s))
    }

    /// A new random declaration ID.
    pub fn generate(rng: &mut impl rand::Rng) -> Self {
        Self(to_array_string(generate_twelve(4, rng)))
    }
}

/// How a typed declaration ID reads: one of this service's (its check digit holds), one that
/// can only be an imported number of the old system (11 or 12 digits starting with `4`, our
/// check digit failing), or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Legacy {
    /// Well formed by this service's rules.
    Ours(DeclarationId),
    /// In the old system's form: valid only if such a declaration was imported. Until that is
    /// known, the error to answer if it was not.
    Possibly(DeclarationId, IdentifierError),
    /// Malformed either way.
    Malformed(IdentifierError),
}

impl Legacy {
    /// Reads a typed declaration ID.
    pub fn read(s: &str) -> Legacy {
        match DeclarationId::parse(s) {
            Ok(id) => Legacy::Ours(id),
            Err(error) => match DeclarationId::imported(s) {
                Ok(id) => Legacy::Possibly(id, error),
                Err(_) => Legacy::Malformed(error),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::SeedableRng;

    #[test]
    fn known_luhn_values() {
        // 7992739871 → check digit 3 (the classic Luhn example).
        assert_eq!(luhn_check_digit(&[7, 9, 9, 2, 7, 3, 9, 8, 7, 1]), 3);
        assert_eq!(luhn_check_digit(&[0; 11]), 0);
    }

    #[test]
    fn examples_are_checked() {
        let id = DeclarationId::parse("400000000002").unwrap();
        assert_eq!(id.as_str(), "400000000002");
        assert_eq!(
            DeclarationId::parse("400000000007"),
            Err(IdentifierError::CheckDigit)
        );
        assert_eq!(
            DeclarationId::parse("40000000000"),
            Err(IdentifierError::NotTwelveDigits)
        );
        assert_eq!(
            DeclarationId::parse("４00000000006"),
            Err(IdentifierError::NotTwelveDigits)
        );
        assert_eq!(
            DeclarationId::parse("300000000000"),
            Err(IdentifierError::WrongLeadingDigit)
        );
        assert_eq!(
            UserNumber::parse("400000000002"),
            Err(IdentifierError::WrongLeadingDigit)
        );
        assert_eq!(
            UserNumber::parse("000000000000"),
            Err(IdentifierError::WrongLeadingDigit)
        );
    }

    #[test]
    fn serde_uses_the_string_form() {
        let id = DeclarationId::parse("400000000002").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"400000000002\"");
        let back: DeclarationId = serde_json::from_str("\"400000000002\"").unwrap();
        assert_eq!(back, id);
        assert!(serde_json::from_str::<DeclarationId>("400000000002").is_err());
        assert!(serde_json::from_str::<DeclarationId>("\"400000000007\"").is_err());
    }

    fn unanchored(pattern: &str) -> &str {
        pattern
            .strip_prefix('^')
            .and_then(|p| p.strip_suffix('$'))
            .unwrap()
    }

    #[test]
    fn schema_examples_are_valid() {
        for (schema, parse) in [
            (
                <UserNumber as utoipa::PartialSchema>::schema(),
                (|s: &str| UserNumber::parse(s).map(drop))
                    as fn(&str) -> Result<(), IdentifierError>,
            ),
            (
                <DeclarationId as utoipa::PartialSchema>::schema(),
                |s: &str| DeclarationId::parse(s).map(drop),
            ),
        ] {
            let schema = serde_json::to_value(schema).unwrap();
            let example = schema["examples"][0].as_str().unwrap();
            assert_eq!(parse(example), Ok(()), "{example}");
        }
    }

    #[test]
    fn imported_numbers_keep_their_form() {
        let eleven = DeclarationId::imported("40000000001").unwrap();
        assert_eq!(eleven.as_str(), "40000000001");
        assert_eq!(serde_json::to_string(&eleven).unwrap(), "\"40000000001\"");
        let twelve = DeclarationId::imported("400000000007").unwrap();
        assert_eq!(twelve.as_str(), "400000000007");
        assert_ne!(eleven, DeclarationId::imported("400000000010").unwrap());
        for bad in [
            "4000000000",
            "4000000000001",
            "30000000000",
            "4000000000a",
            "",
        ] {
            assert!(DeclarationId::imported(bad).is_err(), "{bad}");
        }
        assert_eq!(
            UserNumber::imported("412345678901").unwrap().as_str(),
            "412345678901"
        );
        assert!(UserNumber::imported("41234567890").is_err());
        assert_eq!(
            Legacy::read("400000000007"),
            Legacy::Possibly(twelve, IdentifierError::CheckDigit)
        );
        assert_eq!(
            Legacy::read("40000000001"),
            Legacy::Possibly(eleven, IdentifierError::NotTwelveDigits)
        );
        assert!(matches!(Legacy::read("400000000002"), Legacy::Ours(_)));
        assert!(matches!(Legacy::read("300000000000"), Legacy::Malformed(_)));
    }

    proptest! {
        #[test]
        fn an_imported_form_is_read_back_as_written(s in "4[0-9]{10,11}") {
            let id = DeclarationId::imported(&s).unwrap();
            prop_assert_eq!(id.as_str(), s.as_str());
            let stored = DeclarationId::stored(&s).unwrap();
            prop_assert_eq!(stored.as_str(), s.as_str());
            match Legacy::read(&s) {
                Legacy::Ours(ours) => prop_assert_eq!(ours.as_str(), s.as_str()),
                Legacy::Possibly(id, _) => {
                    prop_assert_eq!(id.as_str(), s.as_str());
                    prop_assert!(DeclarationId::parse(&s).is_err());
                }
                Legacy::Malformed(_) => prop_assert!(false, "{s} is in the old form"),
            }
        }

        #[test]
        fn the_published_patterns_leave_only_the_check_digit_unsaid(
            user in proptest::string::string_regex(unanchored(USER_NUMBER_PATTERN)).unwrap(),
            declaration in proptest::string::string_regex(unanchored(DECLARATION_ID_PATTERN)).unwrap(),
        ) {
            prop_assert!(matches!(UserNumber::parse(&user), Ok(_) | Err(IdentifierError::CheckDigit)));
            prop_assert!(matches!(
                (DeclarationId::parse(&declaration), declaration.len()),
                (Ok(_) | Err(IdentifierError::CheckDigit), 12) | (Err(IdentifierError::NotTwelveDigits), 11)
            ));
            prop_assert!(DeclarationId::imported(&declaration).is_ok());
        }

        #[test]
        fn generated_numbers_parse_and_keep_their_rules(seed in any::<u64>()) {
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            let d = DeclarationId::generate(&mut rng);
            prop_assert_eq!(DeclarationId::parse(d.as_str()), Ok(d));
            prop_assert!(d.as_str().starts_with('4'));
            prop_assert!(UserNumber::parse(d.as_str()).is_err());
            let u = UserNumber::generate(&mut rng);
            prop_assert_eq!(UserNumber::parse(u.as_str()), Ok(u));
            prop_assert!(!u.as_str().starts_with('4') && !u.as_str().starts_with('0'));
            prop_assert!(DeclarationId::parse(u.as_str()).is_err());
        }

        #[test]
        fn any_single_digit_typo_is_caught(seed in any::<u64>(), pos in 1usize..12, delta in 1u8..10) {
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            let d = DeclarationId::generate(&mut rng);
            let mut bytes = d.as_str().as_bytes().to_vec();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let typo = String::from_utf8(bytes).unwrap();
            prop_assert!(DeclarationId::parse(&typo).is_err());
        }

        #[test]
        fn adjacent_transpositions_are_caught(seed in any::<u64>(), pos in 1usize..11) {
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            let d = DeclarationId::generate(&mut rng);
            let mut bytes = d.as_str().as_bytes().to_vec();
            let (a, b) = (bytes[pos], bytes[pos + 1]);
            prop_assume!(a != b && !matches!((a, b), (b'0', b'9') | (b'9', b'0')));
            bytes.swap(pos, pos + 1);
            let typo = String::from_utf8(bytes).unwrap();
            prop_assert!(DeclarationId::parse(&typo).is_err());
        }

        #[test]
        fn parsing_never_panics(s in ".{0,40}") {
            let _ = DeclarationId::parse(&s);
            let _ = UserNumber::parse(&s);
        }
    }
}
