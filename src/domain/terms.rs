//! ロゴマーク使用規約 (the logo terms) and their versions. An application records the version
//! agreed to, which must be the current one.

use chrono::NaiveDate;

use super::language::{Language, Localized};

/// One version of the logo terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TermsVersion {
    /// The version's name: its date, `YYYY-MM-DD`.
    pub version: &'static str,
    pub effective_on: (i32, u32, u32),
    pub note: Localized,
}

impl TermsVersion {
    pub fn effective_date(&self) -> Option<NaiveDate> {
        let (y, m, d) = self.effective_on;
        NaiveDate::from_ymd_opt(y, m, d)
    }

    /// The version as a person reads it: 「平成30年7月3日 一部改正（現行）」 in Japanese (the
    /// terms are dated in the Japanese era), "Partially amended on 3 July 2018 (current)" in
    /// English.
    pub fn label(&self, language: Language) -> String {
        let (y, m, d) = self.effective_on;
        match language {
            Language::Ja => format!("{} {}", japanese_era_date(y, m, d), self.note.ja),
            Language::En => {
                let date = self
                    .effective_date()
                    .map_or_else(String::new, |date| date.format("%-d %B %Y").to_string());
                match self.note.en.split_once(" (") {
                    Some((act, rest)) => format!("{act} on {date} ({rest}"),
                    None => format!("{} on {date}", self.note.en),
                }
            }
        }
    }
}

/// A date of the Heisei or Reiwa era, e.g. 平成29年4月28日 (the first year written 元年).
pub fn japanese_era_date(year: i32, month: u32, day: u32) -> String {
    let reiwa = (year, month) >= (2019, 5);
    let (era, number) = if reiwa {
        ("令和", year - 2018)
    } else {
        ("平成", year - 1988)
    };
    let number = if number == 1 {
        "元".to_owned()
    } else {
        number.to_string()
    };
    format!("{era}{number}年{month}月{day}日")
}

/// Every version, oldest first; the last is the current one.
pub const TERMS_VERSIONS: [TermsVersion; 4] = [
    TermsVersion {
        version: "2017-04-28",
        effective_on: (2017, 4, 28),
        note: Localized {
            ja: "制定",
            en: "Established",
        },
    },
    TermsVersion {
        version: "2017-05-29",
        effective_on: (2017, 5, 29),
        note: Localized {
            ja: "一部改正",
            en: "Partially amended",
        },
    },
    TermsVersion {
        version: "2018-03-01",
        effective_on: (2018, 3, 1),
        note: Localized {
            ja: "一部改正",
            en: "Partially amended",
        },
    },
    TermsVersion {
        version: "2018-07-03",
        effective_on: (2018, 7, 3),
        note: Localized {
            ja: "一部改正（現行）",
            en: "Partially amended (current)",
        },
    },
];

/// The version an application must agree to.
pub fn current() -> &'static TermsVersion {
    &TERMS_VERSIONS[TERMS_VERSIONS.len() - 1]
}

/// Whether `version` names the current terms.
pub fn is_current(version: &str) -> bool {
    current().version == version
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_dated_in_order_and_the_last_is_current() {
        let dates: Vec<_> = TERMS_VERSIONS
            .iter()
            .map(|t| t.effective_date().unwrap())
            .collect();
        assert!(dates.windows(2).all(|w| w[0] < w[1]));
        for t in TERMS_VERSIONS {
            assert_eq!(t.effective_date().unwrap().to_string(), t.version);
        }
        assert!(is_current("2018-07-03"));
        assert_eq!(
            TERMS_VERSIONS[0].label(Language::Ja),
            "平成29年4月28日 制定"
        );
        assert_eq!(
            current().label(Language::Ja),
            "平成30年7月3日 一部改正（現行）"
        );
        assert_eq!(
            current().label(Language::En),
            "Partially amended on 3 July 2018 (current)"
        );
        assert_eq!(
            TERMS_VERSIONS[0].label(Language::En),
            "Established on 28 April 2017"
        );
        assert_eq!(japanese_era_date(2019, 5, 1), "令和元年5月1日");
        assert_eq!(japanese_era_date(2026, 12, 1), "令和8年12月1日");
        assert!(!is_current("2018-03-01"));
    }
}
