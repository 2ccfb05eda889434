//! 情報セキュリティ5か条 (the five principles of information security): what a one-star
//! declarer declares to work on, and the base of every two-star declaration. Versioned data, in
//! Japanese and English, each principle with a short explanation written for this service.

use super::language::Localized;

/// The version of these texts; changes whenever a title or an explanation changes.
pub const FIVE_PRINCIPLES_VERSION: &str = "2026-12";

/// One principle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principle {
    /// 1 to 5, in the scheme's order.
    pub number: u8,
    /// The principle as the scheme names it.
    pub title: Localized,
    /// Why it matters and what to do, in a sentence or two.
    pub explanation: Localized,
}

/// The five principles, in the scheme's order. Items 1–5 of the self-diagnosis ask about them.
pub const FIVE_PRINCIPLES: [Principle; 5] = [
    Principle {
        number: 1,
        title: Localized {
            ja: "OSやソフトウェアは常に最新の状態にしよう！",
            en: "Keep operating systems and software up to date",
        },
        explanation: Localized {
            ja: "古いOSやソフトウェアの弱点（脆弱性）を突く攻撃は後を絶ちません。更新プログラムはすぐに適用し、サポートが終了した製品は使い続けないようにしましょう。",
            en: "Attacks keep exploiting weaknesses of outdated systems and software. Apply updates promptly and stop using products that are no longer supported.",
        },
    },
    Principle {
        number: 2,
        title: Localized {
            ja: "ウイルス対策ソフトを導入しよう！",
            en: "Install anti-virus software",
        },
        explanation: Localized {
            ja: "ウイルス対策ソフトを導入し、ウイルス定義ファイル（パターンファイル）が自動で更新されるようにしておきましょう。",
            en: "Install anti-virus software on every device and let its virus definitions (pattern files) update automatically.",
        },
    },
    Principle {
        number: 3,
        title: Localized {
            ja: "パスワードを強化しよう！",
            en: "Use strong passwords",
        },
        explanation: Localized {
            ja: "パスワードは「長く」「複雑に」し、使い回さないようにしましょう。使えるサービスでは多要素認証も設定しましょう。",
            en: "Make passwords long and complex, never reuse them, and turn on multi-factor authentication wherever a service offers it.",
        },
    },
    Principle {
        number: 4,
        title: Localized {
            ja: "共有設定を見直そう！",
            en: "Review sharing settings",
        },
        explanation: Localized {
            ja: "クラウドサービスやネットワーク接続の複合機、カメラなどの共有設定を見直し、関係者以外が情報を見られないようにしましょう。",
            en: "Check the sharing settings of cloud services and of networked devices such as printers and cameras, so that only the people concerned can see your information.",
        },
    },
    Principle {
        number: 5,
        title: Localized {
            ja: "脅威や攻撃の手口を知ろう！",
            en: "Learn about threats and attack methods",
        },
        explanation: Localized {
            ja: "取引先や公的機関を装ったメールなど、新しい攻撃の手口を知り、社内で共有して対策に役立てましょう。",
            en: "Learn about new attack methods, such as e-mails that pretend to come from business partners or public bodies, and share what you learn within the company.",
        },
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_are_five_principles_numbered_in_order_in_both_languages() {
        for (i, p) in FIVE_PRINCIPLES.iter().enumerate() {
            assert_eq!(usize::from(p.number), i + 1);
            for text in [p.title.ja, p.title.en, p.explanation.ja, p.explanation.en] {
                assert!(!text.trim().is_empty());
            }
        }
        assert!(
            FIVE_PRINCIPLES[0]
                .title
                .ja
                .starts_with("OSやソフトウェアは常に最新の状態に")
        );
        assert!(
            FIVE_PRINCIPLES[4]
                .title
                .ja
                .starts_with("脅威や攻撃の手口を知ろう")
        );
    }
}
