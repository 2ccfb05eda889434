//! 情報セキュリティ基本方針の外部公開: how a two-star declarer discloses its basic policy, and the
//! rules each method brings.

use serde::{Deserialize, Serialize};

use super::language::Localized;
use super::validation::{FieldCode, Violation, check_optional_text, check_web_url};

/// A way of disclosing the basic policy.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DisclosureMethod {
    /// 自社ウェブサイト: needs the URL where the policy is published.
    CompanyWebsite,
    /// 会社案内: no detail.
    CompanyProfile,
    /// パンフレット: no detail.
    Pamphlet,
    /// その他: needs a short description.
    Other,
}

/// Which detail a method requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequiredDetail {
    /// Nothing more.
    None,
    /// `url`: an http(s) URL.
    Url,
    /// `other_description`: 1–200 characters.
    OtherDescription,
}

impl DisclosureMethod {
    pub const ALL: [DisclosureMethod; 4] = [
        DisclosureMethod::CompanyWebsite,
        DisclosureMethod::CompanyProfile,
        DisclosureMethod::Pamphlet,
        DisclosureMethod::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            DisclosureMethod::CompanyWebsite => "company_website",
            DisclosureMethod::CompanyProfile => "company_profile",
            DisclosureMethod::Pamphlet => "pamphlet",
            DisclosureMethod::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.code() == code)
    }

    pub fn label(self) -> Localized {
        match self {
            DisclosureMethod::CompanyWebsite => Localized {
                ja: "自社ウェブサイト",
                en: "Company website",
            },
            DisclosureMethod::CompanyProfile => Localized {
                ja: "会社案内",
                en: "Company profile",
            },
            DisclosureMethod::Pamphlet => Localized {
                ja: "パンフレット",
                en: "Pamphlet",
            },
            DisclosureMethod::Other => Localized {
                ja: "その他",
                en: "Other",
            },
        }
    }

    pub fn description(self) -> Localized {
        match self {
            DisclosureMethod::CompanyWebsite => Localized {
                ja: "基本方針を掲載しているページの URL を指定します。",
                en: "Give the URL of the page where the basic policy is published.",
            },
            DisclosureMethod::CompanyProfile => Localized {
                ja: "会社案内に基本方針を掲載し、求めに応じて提示できる状態にします。",
                en: "The basic policy is printed in the company profile and can be shown on request.",
            },
            DisclosureMethod::Pamphlet => Localized {
                ja: "パンフレットに基本方針を掲載します。",
                en: "The basic policy is printed in a pamphlet.",
            },
            DisclosureMethod::Other => Localized {
                ja: "その他の方法で公開し、その方法を200文字以内で説明します。",
                en: "Another way of disclosure, described in up to 200 characters.",
            },
        }
    }

    pub fn required_detail(self) -> RequiredDetail {
        match self {
            DisclosureMethod::CompanyWebsite => RequiredDetail::Url,
            DisclosureMethod::Other => RequiredDetail::OtherDescription,
            DisclosureMethod::CompanyProfile | DisclosureMethod::Pamphlet => RequiredDetail::None,
        }
    }
}

/// A disclosure whose rules have been checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyDisclosure {
    methods: Vec<DisclosureMethod>,
    url: Option<String>,
    other_description: Option<String>,
}

impl PolicyDisclosure {
    /// Checks a disclosure as a client sent it. All broken rules are reported, with field paths
    /// relative to the disclosure object:
    /// - at least one method, none twice;
    /// - `url` (http/https) exactly when `company_website` is among the methods;
    /// - `other_description` (1–200 characters) exactly when `other` is among them;
    /// - `is_information_security_policy` affirmed: a personal-information protection policy
    ///   (個人情報保護方針) is not a basic policy.
    pub fn parse(
        methods: &[DisclosureMethod],
        url: Option<&str>,
        other_description: Option<&str>,
        is_information_security_policy: bool,
    ) -> Result<Self, Vec<Violation>> {
        let mut violations = Vec::new();
        if methods.is_empty() {
            violations.push(Violation::new(
                "methods",
                FieldCode::Required,
                "公開方法を1つ以上選んでください",
                "choose at least one disclosure method",
            ));
        }
        for (i, m) in methods.iter().enumerate() {
            if methods[..i].contains(m) {
                violations.push(Violation::new(
                    format!("methods[{i}]"),
                    FieldCode::Duplicate,
                    "同じ公開方法が重複しています",
                    "the same method is listed twice",
                ));
            }
        }
        let has = |m| methods.contains(&m);
        let url = url.map(str::trim).filter(|u| !u.is_empty());
        match (has(DisclosureMethod::CompanyWebsite), url) {
            (true, None) => violations.push(Violation::new(
                "url",
                FieldCode::Required,
                "自社ウェブサイトで公開する場合は URL を指定してください",
                "a url is required for company_website",
            )),
            (true, Some(u)) => violations.extend(check_web_url("url", u).err()),
            (false, Some(_)) => violations.push(Violation::new(
                "url",
                FieldCode::NotAllowed,
                "URL は自社ウェブサイトで公開する場合にだけ指定します",
                "url is only given with company_website",
            )),
            (false, None) => {}
        }
        let other_description =
            match check_optional_text("other_description", other_description, 200) {
                Ok(description) => description,
                Err(violation) => {
                    violations.push(violation);
                    return Err(violations);
                }
            };
        match (has(DisclosureMethod::Other), other_description) {
            (true, None) => violations.push(Violation::new(
                "other_description",
                FieldCode::Required,
                "「その他」の場合は公開方法を説明してください",
                "other_description is required for other",
            )),
            (true, Some(_)) => {}
            (false, Some(_)) => violations.push(Violation::new(
                "other_description",
                FieldCode::NotAllowed,
                "説明は「その他」の場合にだけ指定します",
                "other_description is only given with other",
            )),
            (false, None) => {}
        }
        if !is_information_security_policy {
            violations.push(Violation::new(
                "is_information_security_policy",
                FieldCode::MustBeTrue,
                "公開する文書が情報セキュリティ基本方針であること（個人情報保護方針ではないこと）を確認してください",
                "affirm that the disclosed document is an information-security basic policy (a privacy policy does not count)",
            ));
        }
        if !violations.is_empty() {
            return Err(violations);
        }
        let mut methods = methods.to_vec();
        methods.sort();
        Ok(Self {
            methods,
            url: url.map(str::to_owned),
            other_description: other_description.map(str::to_owned),
        })
    }

    pub fn methods(&self) -> &[DisclosureMethod] {
        &self.methods
    }

    pub fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }

    pub fn other_description(&self) -> Option<&str> {
        self.other_description.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DisclosureMethod::*;
    use proptest::prelude::*;

    fn codes(r: Result<PolicyDisclosure, Vec<Violation>>) -> Vec<(String, &'static str)> {
        r.unwrap_err()
            .into_iter()
            .map(|v| (v.field, v.code.as_str()))
            .collect()
    }

    #[test]
    fn a_website_needs_its_url() {
        assert_eq!(
            codes(PolicyDisclosure::parse(&[CompanyWebsite], None, None, true)),
            vec![("url".into(), "required")]
        );
        let ok = PolicyDisclosure::parse(
            &[CompanyWebsite, Pamphlet],
            Some("https://e.jp/p"),
            None,
            true,
        )
        .unwrap();
        assert_eq!(ok.url(), Some("https://e.jp/p"));
    }

    #[test]
    fn a_company_profile_alone_is_enough() {
        assert!(PolicyDisclosure::parse(&[CompanyProfile], None, None, true).is_ok());
    }

    #[test]
    fn other_needs_a_description_and_details_need_their_method() {
        assert_eq!(
            codes(PolicyDisclosure::parse(&[Other], None, None, true)),
            vec![("other_description".into(), "required")]
        );
        assert_eq!(
            codes(PolicyDisclosure::parse(
                &[Pamphlet],
                Some("https://e.jp"),
                Some("x"),
                true
            )),
            vec![
                ("url".into(), "not_allowed"),
                ("other_description".into(), "not_allowed")
            ]
        );
    }

    #[test]
    fn a_privacy_policy_is_not_a_basic_policy() {
        assert_eq!(
            codes(PolicyDisclosure::parse(&[Pamphlet], None, None, false)),
            vec![("is_information_security_policy".into(), "must_be_true")]
        );
    }

    #[test]
    fn empty_and_duplicate_methods_are_rejected() {
        assert_eq!(
            codes(PolicyDisclosure::parse(&[], None, None, true)),
            vec![("methods".into(), "required")]
        );
        assert_eq!(
            codes(PolicyDisclosure::parse(
                &[Pamphlet, Pamphlet],
                None,
                None,
                true
            )),
            vec![("methods[1]".into(), "duplicate")]
        );
    }

    fn method() -> impl Strategy<Value = DisclosureMethod> {
        prop::sample::select(DisclosureMethod::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn accepted_disclosures_satisfy_every_rule(
            methods in prop::collection::vec(method(), 0..6),
            url in prop::option::of("(https?://[a-z]{1,10}\\.jp/[a-z]{0,5}|[a-z:/]{0,12})"),
            other in prop::option::of("\\PC{0,210}"),
            affirmed in any::<bool>(),
        ) {
            if let Ok(d) = PolicyDisclosure::parse(&methods, url.as_deref(), other.as_deref(), affirmed) {
                prop_assert!(affirmed);
                prop_assert!(!d.methods().is_empty());
                prop_assert!(d.methods().windows(2).all(|w| w[0] < w[1]));
                prop_assert_eq!(d.url().is_some(), d.methods().contains(&CompanyWebsite));
                prop_assert_eq!(d.other_description().is_some(), d.methods().contains(&Other));
                for m in d.methods() {
                    match m.required_detail() {
                        RequiredDetail::Url => prop_assert!(d.url().is_some()),
                        RequiredDetail::OtherDescription => prop_assert!(d.other_description().is_some()),
                        RequiredDetail::None => {}
                    }
                }
            }
        }
    }
}
