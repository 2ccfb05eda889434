//! The declaration itself: its level (取組み目標), its purposes and its lifecycle.

use serde::{Deserialize, Serialize};

use super::language::Localized;

/// 取組み目標: the level declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Star {
    /// 一つ星 ★: works on the five principles (情報セキュリティ5か条).
    OneStar,
    /// 二つ星 ★★: took the self-diagnosis, set a basic policy and disclosed it.
    TwoStar,
}

impl Star {
    pub const ALL: [Star; 2] = [Star::OneStar, Star::TwoStar];

    pub fn code(self) -> &'static str {
        match self {
            Star::OneStar => "one_star",
            Star::TwoStar => "two_star",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label(self) -> Localized {
        match self {
            Star::OneStar => Localized {
                ja: "一つ星",
                en: "One Star",
            },
            Star::TwoStar => Localized {
                ja: "二つ星",
                en: "Two Stars",
            },
        }
    }
}

/// 目的: why the declarer declares (at least one).
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
pub enum Purpose {
    /// 補助金申請のため
    SubsidyApplication,
    /// セキュリティ対策を向上させるため
    ImproveSecurity,
    /// 顧客の信頼獲得のため
    CustomerTrust,
    /// 取引先からの要請
    BusinessPartnerRequest,
    /// その他
    Other,
}

impl Purpose {
    pub const ALL: [Purpose; 5] = [
        Purpose::SubsidyApplication,
        Purpose::ImproveSecurity,
        Purpose::CustomerTrust,
        Purpose::BusinessPartnerRequest,
        Purpose::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Purpose::SubsidyApplication => "subsidy_application",
            Purpose::ImproveSecurity => "improve_security",
            Purpose::CustomerTrust => "customer_trust",
            Purpose::BusinessPartnerRequest => "business_partner_request",
            Purpose::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == code)
    }
}

/// Where a declaration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 自己宣言完了: numbers issued, valid for verification, no logo yet.
    Declared,
    /// 申込み受理: accepted by the secretariat; logo downloads allowed.
    Accepted,
    /// 取り下げ: withdrawn by the declarer; final.
    Withdrawn,
    /// 取消し: revoked by the secretariat; may be reinstated.
    Revoked,
}

/// A change of status that someone asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Accept,
    Withdraw,
    Revoke,
    Reinstate,
}

/// A transition the lifecycle does not allow from the current status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransitionNotAllowed {
    pub from: Status,
    pub transition: Transition,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Declared,
        Status::Accepted,
        Status::Withdrawn,
        Status::Revoked,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Status::Declared => "declared",
            Status::Accepted => "accepted",
            Status::Withdrawn => "withdrawn",
            Status::Revoked => "revoked",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The status as the glossary names it: 自己宣言完了, 申込み受理, 取下げ, 取消し.
    pub fn label(self) -> Localized {
        match self {
            Status::Declared => Localized {
                ja: "自己宣言完了",
                en: "declaration completed",
            },
            Status::Accepted => Localized {
                ja: "申込み受理",
                en: "accepted",
            },
            Status::Withdrawn => Localized {
                ja: "取下げ",
                en: "withdrawn",
            },
            Status::Revoked => Localized {
                ja: "取消し",
                en: "revoked",
            },
        }
    }

    /// A live declaration is valid for verification and counts against the one-per-corporation
    /// rule.
    pub fn is_live(self) -> bool {
        matches!(self, Status::Declared | Status::Accepted)
    }

    /// The lifecycle of the domain guide:
    /// declared → accepted (accept); declared/accepted → withdrawn (withdraw, final);
    /// declared/accepted → revoked (revoke); revoked → accepted (reinstate).
    pub fn apply(self, transition: Transition) -> Result<Status, TransitionNotAllowed> {
        use Status::*;
        use Transition::*;
        let to = match (self, transition) {
            (Declared, Accept) => Some(Accepted),
            (Declared | Accepted, Withdraw) => Some(Withdrawn),
            (Declared | Accepted, Revoke) => Some(Revoked),
            (Revoked, Reinstate) => Some(Accepted),
            _ => None,
        };
        to.ok_or(TransitionNotAllowed {
            from: self,
            transition,
        })
    }
}

/// What a change-log entry says happened: the changes that alter what a verifier or the public
/// registry sees. Changes nobody outside sees (the contact person, the address, a disclosure
/// that keeps the star) are not in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// 申込み: the declaration exists.
    Applied,
    /// 申込み受理.
    Accepted,
    /// 取消し.
    Revoked,
    /// 取消しの撤回.
    Reinstated,
    /// 取下げ.
    Withdrawn,
    /// 二つ星への変更 or 一つ星への変更.
    StarChanged,
    /// The organisation's name, corporate number or prefecture changed.
    OrganizationChanged,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 7] = [
        ChangeKind::Applied,
        ChangeKind::Accepted,
        ChangeKind::Revoked,
        ChangeKind::Reinstated,
        ChangeKind::Withdrawn,
        ChangeKind::StarChanged,
        ChangeKind::OrganizationChanged,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ChangeKind::Applied => "applied",
            ChangeKind::Accepted => "accepted",
            ChangeKind::Revoked => "revoked",
            ChangeKind::Reinstated => "reinstated",
            ChangeKind::Withdrawn => "withdrawn",
            ChangeKind::StarChanged => "star_changed",
            ChangeKind::OrganizationChanged => "organization_changed",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The change-log kind of a status transition.
    pub fn of_transition(transition: Transition) -> ChangeKind {
        match transition {
            Transition::Accept => ChangeKind::Accepted,
            Transition::Withdraw => ChangeKind::Withdrawn,
            Transition::Revoke => ChangeKind::Revoked,
            Transition::Reinstate => ChangeKind::Reinstated,
        }
    }
}

/// 取消し理由: why the secretariat revokes a declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RevocationReason {
    /// 虚偽の申告: the declaration was false.
    FalseDeclaration,
    /// 誤解を招く表示: misleading use of the mark, such as claiming certification.
    MisleadingClaims,
    /// 宣言事業者からの申し出: at the declarer's request.
    DeclarerRequest,
    /// その他
    Other,
}

impl RevocationReason {
    pub const ALL: [RevocationReason; 4] = [
        RevocationReason::FalseDeclaration,
        RevocationReason::MisleadingClaims,
        RevocationReason::DeclarerRequest,
        RevocationReason::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            RevocationReason::FalseDeclaration => "false_declaration",
            RevocationReason::MisleadingClaims => "misleading_claims",
            RevocationReason::DeclarerRequest => "declarer_request",
            RevocationReason::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_lifecycle_of_the_guide() {
        assert_eq!(
            Status::Declared.apply(Transition::Accept),
            Ok(Status::Accepted)
        );
        assert_eq!(
            Status::Accepted.apply(Transition::Withdraw),
            Ok(Status::Withdrawn)
        );
        assert_eq!(
            Status::Accepted.apply(Transition::Revoke),
            Ok(Status::Revoked)
        );
        assert_eq!(
            Status::Revoked.apply(Transition::Reinstate),
            Ok(Status::Accepted)
        );
        assert!(Status::Withdrawn.apply(Transition::Accept).is_err());
        assert!(Status::Accepted.apply(Transition::Accept).is_err());
        assert!(Status::Declared.apply(Transition::Reinstate).is_err());
    }

    #[test]
    fn codes_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::from_code(s.code()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.code());
        }
        for s in Star::ALL {
            assert_eq!(Star::from_code(s.code()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.code());
        }
        for p in Purpose::ALL {
            assert_eq!(Purpose::from_code(p.code()), Some(p));
            assert_eq!(serde_json::to_value(p).unwrap(), p.code());
        }
        for r in RevocationReason::ALL {
            assert_eq!(RevocationReason::from_code(r.code()), Some(r));
            assert_eq!(serde_json::to_value(r).unwrap(), r.code());
        }
    }

    fn transition() -> impl Strategy<Value = Transition> {
        prop::sample::select(vec![
            Transition::Accept,
            Transition::Withdraw,
            Transition::Revoke,
            Transition::Reinstate,
        ])
    }

    proptest! {
        #[test]
        fn withdrawn_is_final_and_only_live_declarations_move_forward(
            path in prop::collection::vec(transition(), 0..20)
        ) {
            let mut status = Status::Declared;
            for t in path {
                match status.apply(t) {
                    Ok(next) => {
                        prop_assert_ne!(status, Status::Withdrawn);
                        if matches!(t, Transition::Accept | Transition::Withdraw | Transition::Revoke) {
                            prop_assert!(status.is_live());
                        }
                        status = next;
                    }
                    Err(e) => prop_assert_eq!(e.from, status),
                }
            }
        }
    }
}
