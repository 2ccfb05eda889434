//! The verification code (確認コード) printed on a completion notice, in a form people can read
//! aloud and type: the declaration ID (12 digits, or 11 for the oldest imported ones), then a tag of 16 characters of Crockford's base32 (digits
//! and capitals without I, L, O and U), in groups of four: `407731820954-K3J5-Q2M4-N8P6-R7T1`.
//!
//! Typing is forgiving: case, spaces and hyphens do not matter, and the usual confusions are read
//! as what they look like (O as 0, I and L as 1). Codes printed before this form (RFC 4648
//! base32, `407731820954-K3J5Q2M4N8P6R7T1`) stay valid: there, 0 is read as O and 1 as I.
//! This module only spells codes; the tag itself is a keyed MAC (`auth::tokens`).

use std::sync::LazyLock;

/// Characters of the tag.
pub const TAG_LENGTH: usize = 16;
/// Digits of the declaration ID that leads the code.
const ID_LENGTH: usize = 12;

static CROCKFORD: LazyLock<data_encoding::Encoding> = LazyLock::new(|| {
    let mut spec = data_encoding::Specification::new();
    spec.symbols.push_str("0123456789ABCDEFGHJKMNPQRSTVWXYZ");
    spec.encoding()
        .unwrap_or_else(|_| data_encoding::BASE32_NOPAD.clone())
});

/// The tag of a MAC in Crockford's base32 (its first 80 bits).
pub fn tag(mac: &[u8]) -> String {
    CROCKFORD.encode(mac).chars().take(TAG_LENGTH).collect()
}

/// The tag of a MAC as codes printed before 2026-12 spelled it (RFC 4648 base32).
pub fn legacy_tag(mac: &[u8]) -> String {
    data_encoding::BASE32_NOPAD
        .encode(mac)
        .chars()
        .take(TAG_LENGTH)
        .collect()
}

/// The code as printed: the ID and the tag in groups of four.
pub fn display(declaration_id: &str, tag: &str) -> String {
    let groups: Vec<String> = tag
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    format!("{declaration_id}-{}", groups.join("-"))
}

/// A code as typed, split into the declaration ID (as written) and the tag (as written, in
/// capitals). `None` when it cannot be a code at all.
pub struct Typed {
    pub declaration_id: String,
    tag: String,
}

/// Reads a typed code: case, spaces and hyphens do not matter; O, I and L in the ID are read
/// as 0, 1 and 1.
pub fn read(code: &str) -> Option<Typed> {
    let compact: String = code
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '\u{3000}' | '‐' | '－'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    // The ID is 12 digits, or 11 for the oldest declarations taken over from the old system;
    // the tag always has its 16 characters.
    if !compact.is_ascii()
        || !(ID_LENGTH - 1 + TAG_LENGTH..=ID_LENGTH + TAG_LENGTH).contains(&compact.len())
    {
        return None;
    }
    let (id, tag) = compact.split_at(compact.len() - TAG_LENGTH);
    let declaration_id = id
        .chars()
        .map(|c| match c {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect();
    Some(Typed {
        declaration_id,
        tag: tag.to_owned(),
    })
}

impl Typed {
    /// The tag read in Crockford's alphabet (O as 0, I and L as 1).
    pub fn tag(&self) -> String {
        self.tag
            .chars()
            .map(|c| match c {
                'O' => '0',
                'I' | 'L' => '1',
                other => other,
            })
            .collect()
    }

    /// The tag read in the alphabet of codes printed before (0 as O, 1 as I).
    pub fn legacy_tag(&self) -> String {
        self.tag
            .chars()
            .map(|c| match c {
                '0' => 'O',
                '1' => 'I',
                other => other,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ID: &str = "407731820954";

    proptest! {
        #[test]
        fn a_printed_code_reads_back_with_any_case_spacing_and_confusion(
            mac in proptest::collection::vec(any::<u8>(), 32),
            lower in any::<bool>(),
            spaced in any::<bool>(),
        ) {
            let tag = tag(&mac);
            prop_assert_eq!(tag.len(), TAG_LENGTH);
            prop_assert!(!tag.contains(['I', 'L', 'O', 'U']));
            let mut printed = display(ID, &tag);
            if spaced {
                printed = printed.replace('-', " ");
            }
            if lower {
                printed = printed.to_lowercase();
            }
            // What a person may type for what they see.
            let typed = printed.replace('0', "O").replace('1', "l");
            let read = read(&typed).expect("a code");
            prop_assert_eq!(&read.declaration_id, ID);
            prop_assert_eq!(read.tag(), tag);
        }

        #[test]
        fn codes_printed_before_still_read_with_zero_for_o(mac in proptest::collection::vec(any::<u8>(), 32)) {
            let old = legacy_tag(&mac);
            let typed = format!("{ID}-{}", old.replace('O', "0").replace('I', "1").to_lowercase());
            prop_assert_eq!(read(&typed).expect("a code").legacy_tag(), old);
        }

        #[test]
        fn anything_else_is_no_code(text in ".{0,40}") {
            if let Some(typed) = read(&text) {
                prop_assert!((ID_LENGTH - 1..=ID_LENGTH).contains(&typed.declaration_id.len()));
                prop_assert_eq!(typed.tag.len(), TAG_LENGTH);
            }
        }
    }

    #[test]
    fn the_printed_form_groups_the_tag_by_four() {
        assert_eq!(
            display(ID, "K3J5Q2M4N8P6R7T1"),
            "407731820954-K3J5-Q2M4-N8P6-R7T1"
        );
        assert!(read("407731820954-K3J5").is_none());
        // An 11-digit ID of the old system leads its code as well.
        let old = read("40773182095-k3j5-q2m4-n8p6-r7t1").expect("a code");
        assert_eq!(old.declaration_id, "40773182095");
        assert_eq!(old.tag(), "K3J5Q2M4N8P6R7T1");
        assert!(read("４07731820954K3J5Q2M4N8P6R7T1").is_none());
    }
}
