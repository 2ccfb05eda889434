//! Verification receipts (検証レシート): the identifier every verification answer carries, and
//! what a receipt states — what the client asked and what the registry answered.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use rand::RngExt;
use serde::{Deserialize, Serialize};

use super::declaration::{Star, Status};

/// What every receipt ID starts with.
pub const PREFIX: &str = "rcpt_";
/// Characters after the prefix: 128 bits (a time and random bits) in Crockford's base32.
const BODY_LENGTH: usize = 26;

static CROCKFORD: LazyLock<data_encoding::Encoding> = LazyLock::new(|| {
    let mut spec = data_encoding::Specification::new();
    spec.symbols.push_str("0123456789ABCDEFGHJKMNPQRSTVWXYZ");
    spec.encoding()
        .unwrap_or_else(|_| data_encoding::BASE32_NOPAD.clone())
});

/// A receipt's identifier: `rcpt_` and 26 characters of Crockford's base32 (the milliseconds
/// since 1970 in 48 bits, then 80 random bits), unguessable, in the order they were made, and
/// made in memory without asking the database.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReceiptId(String);

impl ReceiptId {
    /// A new identifier: the time now and 80 random bits.
    pub fn generate() -> Self {
        Self::made_at(Utc::now().timestamp_millis(), rand::rng().random())
    }

    /// The identifier made at `unix_millis` with these random bits: the time in the first 48
    /// bits, so that identifiers sort in the order they were made (the index of the records
    /// grows at its end instead of everywhere), and 80 random bits after it, unguessable.
    fn made_at(unix_millis: i64, random: [u8; 10]) -> Self {
        let mut bytes = [0u8; 16];
        let millis = u64::try_from(unix_millis).unwrap_or(0).to_be_bytes();
        bytes[..6].copy_from_slice(&millis[2..]);
        bytes[6..].copy_from_slice(&random);
        Self(format!("{PREFIX}{}", CROCKFORD.encode(&bytes)))
    }

    /// Reads an identifier as given: exactly the form [`ReceiptId::generate`] makes.
    pub fn parse(text: &str) -> Option<Self> {
        let body = text.strip_prefix(PREFIX)?;
        let well_formed = body.len() == BODY_LENGTH
            && CROCKFORD
                .decode(body.as_bytes())
                .is_ok_and(|bytes| bytes.len() == 16 && CROCKFORD.encode(&bytes) == body);
        well_formed.then(|| Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// What a verification answered and what it was asked, kept with its record so that the
/// receipt, signed later, states the answer of that moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub valid: bool,
    pub status: Status,
    pub star: Star,
    pub organization_name: String,
    pub declared_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub star_since: DateTime<Utc>,
    /// The corporate number the client gave, as given (normalised to its 13 digits).
    pub corporate_number_asked: Option<String>,
    pub corporate_number_matches: Option<bool>,
    /// The organisation name the client gave, as given.
    pub organization_name_asked: Option<String>,
    pub organization_name_matches: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn generated_ids_have_the_published_form_and_differ() {
        let a = ReceiptId::generate();
        let b = ReceiptId::generate();
        assert_ne!(a, b);
        for id in [&a, &b] {
            assert_eq!(id.as_str().len(), PREFIX.len() + BODY_LENGTH);
            assert!(id.as_str().starts_with(PREFIX));
            assert_eq!(ReceiptId::parse(id.as_str()).as_ref(), Some(id));
        }
    }

    proptest! {
        /// Identifiers sort as the times they were made, whatever their random bits; those made
        /// in the same millisecond differ by their random bits only.
        #[test]
        fn ids_sort_in_the_order_they_were_made(
            earlier in 0i64..(1 << 48) - 1,
            later_by in 1i64..1_000_000_000,
            a: [u8; 10],
            b: [u8; 10],
        ) {
            let later = (earlier + later_by).min((1 << 48) - 1);
            prop_assume!(later > earlier);
            let (first, second) = (ReceiptId::made_at(earlier, a), ReceiptId::made_at(later, b));
            prop_assert!(first.as_str() < second.as_str(), "{first:?} {second:?}");
            prop_assert_eq!(ReceiptId::parse(first.as_str()), Some(first.clone()));
            let same = ReceiptId::made_at(earlier, b);
            prop_assert_eq!(first.as_str()[..PREFIX.len() + 9].to_owned(), same.as_str()[..PREFIX.len() + 9].to_owned());
            prop_assert_eq!(first == same, a == b);
        }
    }

    #[test]
    fn malformed_ids_are_refused() {
        let good = ReceiptId::generate().into_string();
        for bad in [
            "",
            "rcpt_",
            &good[..good.len() - 1],
            &format!("{good}0"),
            &good.to_ascii_lowercase(),
            &good.replacen("rcpt_", "rcpt-", 1),
            "rcpt_IIIIIIIIIIIIIIIIIIIIIIIIII",
            "rcpt_UUUUUUUUUUUUUUUUUUUUUUUUUU",
        ] {
            assert_eq!(ReceiptId::parse(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn parsing_never_panics(s in ".{0,40}") {
            let _ = ReceiptId::parse(&s);
        }
    }
}
