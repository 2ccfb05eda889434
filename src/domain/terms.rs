//! ロゴマーク使用規約 (the logo terms) and their versions. An application records the version
//! agreed to, which must be the current one.

use chrono::NaiveDate;

use super::language::Localized;

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
}

/// Every version, oldest first; the last is the current one.
pub const TERMS_VERSIONS: [TermsVersion; 4] = [
    TermsVersion {
        version: "2017-04-28",
        effective_on: (2017, 4, 28),
        note: Localized {
            ja: "制定",
            en: "Enacted",
        },
    },
    TermsVersion {
        version: "2017-05-29",
        effective_on: (2017, 5, 29),
        note: Localized {
            ja: "改定",
            en: "Revised",
        },
    },
    TermsVersion {
        version: "2018-03-01",
        effective_on: (2018, 3, 1),
        note: Localized {
            ja: "改定",
            en: "Revised",
        },
    },
    TermsVersion {
        version: "2018-07-03",
        effective_on: (2018, 7, 3),
        note: Localized {
            ja: "改定(現行)",
            en: "Revised (current)",
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
        assert!(!is_current("2018-03-01"));
    }
}
