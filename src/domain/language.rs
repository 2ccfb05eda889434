//! The two languages the service speaks: Japanese (default) and English.

use serde::Serialize;

/// A language for messages and reference texts. Japanese is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// 日本語
    #[default]
    Ja,
    /// English
    En,
}

impl Language {
    /// The BCP 47 tag, as sent in `Content-Language`.
    pub fn tag(self) -> &'static str {
        match self {
            Language::Ja => "ja",
            Language::En => "en",
        }
    }

    /// Picks the language from an `Accept-Language` header value (RFC 9110 §12.5.4): the supported
    /// language with the highest quality wins, ties going to the one listed first; anything
    /// unsupported or unparsable falls back to Japanese.
    pub fn negotiate(header: Option<&str>) -> Language {
        let Some(header) = header else {
            return Language::Ja;
        };
        let mut best: Option<(Language, u16)> = None;
        for range in header.split(',') {
            let mut parts = range.split(';');
            let tag = parts.next().unwrap_or("").trim();
            let quality = parts
                .find_map(|p| p.trim().strip_prefix("q=").map(parse_quality))
                .unwrap_or(Some(1000));
            let Some(quality) = quality else { continue };
            let primary = tag.split('-').next().unwrap_or("").to_ascii_lowercase();
            let language = match primary.as_str() {
                "ja" => Language::Ja,
                "en" => Language::En,
                _ => continue,
            };
            if quality > 0 && best.is_none_or(|(_, q)| quality > q) {
                best = Some((language, quality));
            }
        }
        best.map(|(l, _)| l).unwrap_or_default()
    }

    /// Chooses between a Japanese and an English text.
    pub fn pick<'a>(self, ja: &'a str, en: &'a str) -> &'a str {
        match self {
            Language::Ja => ja,
            Language::En => en,
        }
    }
}

/// A quality value in thousandths (`q=0.5` → 500); `None` if it is not a valid qvalue.
fn parse_quality(text: &str) -> Option<u16> {
    let value: f32 = text.trim().parse().ok()?;
    (0.0..=1.0)
        .contains(&value)
        .then(|| (value * 1000.0).round() as u16)
}

/// A text in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Localized {
    pub ja: &'static str,
    pub en: &'static str,
}

impl Localized {
    pub fn get(&self, language: Language) -> &'static str {
        match language {
            Language::Ja => self.ja,
            Language::En => self.en,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn japanese_is_the_default() {
        assert_eq!(Language::negotiate(None), Language::Ja);
        assert_eq!(Language::negotiate(Some("")), Language::Ja);
        assert_eq!(Language::negotiate(Some("fr-FR, de;q=0.8")), Language::Ja);
    }

    #[test]
    fn english_is_chosen_by_quality() {
        assert_eq!(Language::negotiate(Some("en-US,en;q=0.9")), Language::En);
        assert_eq!(
            Language::negotiate(Some("ja;q=0.4, en;q=0.8")),
            Language::En
        );
        assert_eq!(Language::negotiate(Some("en;q=0.4, ja")), Language::Ja);
        assert_eq!(Language::negotiate(Some("fr, EN-gb;q=0.1")), Language::En);
    }

    #[test]
    fn zero_quality_and_bad_qvalues_are_ignored() {
        assert_eq!(Language::negotiate(Some("en;q=0")), Language::Ja);
        assert_eq!(Language::negotiate(Some("en;q=2")), Language::Ja);
        assert_eq!(Language::negotiate(Some("en;q=abc")), Language::Ja);
    }

    proptest! {
        #[test]
        fn negotiation_never_panics(header in ".{0,200}") {
            let _ = Language::negotiate(Some(&header));
        }
    }
}
