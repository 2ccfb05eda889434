//! Wordings of error messages that handlers share or that the glossary fixes, in one place:
//! plain Japanese (and English) with the domain's words, never a machine code or a type name
//! (the code goes in the problem's `code`).

use crate::domain::declaration::Status;
use crate::domain::language::Localized;
use crate::domain::terms;
use crate::error::Message;

/// The pledge of an application is missing: the declarer declares (宣言) to work on the five
/// principles.
pub fn five_principles_required() -> Message {
    Message::new(
        "情報セキュリティ5か条に取り組むことを宣言してください",
        "please declare that you work on the five principles of information security",
    )
}

/// An application agreed to terms that are not the current ones.
pub fn current_terms_required() -> Message {
    let current = terms::current();
    let (y, m, d) = current.effective_on;
    Message::new(
        format!(
            "現行のロゴマーク使用規約（{}一部改正）に同意してください",
            terms::japanese_era_date(y, m, d)
        ),
        format!(
            "please agree to the current logo terms of use ({}, version {})",
            current.label(crate::domain::language::Language::En),
            current.version
        ),
    )
}

/// A two-star application without its 25 answers.
pub fn diagnosis_required() -> Message {
    Message::new(
        "二つ星には自社診断（25問）の回答が必要です",
        "Two Stars needs the answers to all 25 items of the self-diagnosis",
    )
}

/// Applying with the corporate number of a live declaration.
pub fn corporate_number_already_declared() -> Message {
    Message::new(
        "この法人番号の自己宣言はすでに有効です。1法人につき有効な自己宣言は1件までです。登録内容の変更は、自己宣言サイトにログインして行ってください",
        "A valid declaration already exists for this corporate number: a corporation may hold one valid declaration at a time. To change its registration, log in to the declarer site.",
    )
}

/// Changing the registration to the corporate number of another live declaration.
pub fn corporate_number_held_by_another() -> Message {
    Message::new(
        "この法人番号には、すでに有効な別の自己宣言があります。1法人につき有効な自己宣言は1件までです",
        "Another valid declaration already has this corporate number: a corporation may hold one valid declaration at a time.",
    )
}

/// Reinstating a declaration whose corporate number another live declaration took meanwhile.
pub fn reinstatement_blocked_by_corporate_number() -> Message {
    Message::new(
        "この法人番号には有効な別の自己宣言があるため、取消しを撤回できません",
        "Another valid declaration holds this corporate number, so this one cannot be reinstated.",
    )
}

/// A change the lifecycle does not allow in the declaration's present state, said in the
/// glossary's words for that state; `what` names the change (for example 二つ星への変更).
pub fn not_allowed_in_state(from: Status, what: Localized) -> Message {
    let (ja, en) = match from {
        Status::Declared => ("申込み受理の前の自己宣言", "a declaration not yet accepted"),
        Status::Accepted => ("申込み受理済みの自己宣言", "an accepted declaration"),
        Status::Withdrawn => ("取り下げた自己宣言", "a withdrawn declaration"),
        Status::Revoked => ("取り消された自己宣言", "a revoked declaration"),
    };
    Message::new(
        format!("{ja}には、{}はできません", what.ja),
        format!("This cannot be done to {en} ({}).", what.en),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::language::Language;
    use crate::texts::lint::{style_problems, wrong_words};

    #[test]
    fn the_shared_messages_are_plain_japanese_with_the_glossarys_words() {
        let mut messages = vec![
            five_principles_required(),
            current_terms_required(),
            diagnosis_required(),
            corporate_number_already_declared(),
            corporate_number_held_by_another(),
            reinstatement_blocked_by_corporate_number(),
        ];
        for status in [
            Status::Declared,
            Status::Accepted,
            Status::Withdrawn,
            Status::Revoked,
        ] {
            messages.push(not_allowed_in_state(
                status,
                Localized {
                    ja: "二つ星への変更",
                    en: "step-up",
                },
            ));
        }
        for m in &messages {
            let ja = m.get(Language::Ja);
            assert!(
                style_problems(ja).is_empty(),
                "{ja}: {:?}",
                style_problems(ja)
            );
            assert!(wrong_words(ja).is_empty(), "{ja}");
            assert!(!m.get(Language::En).is_empty());
        }
        assert!(
            five_principles_required()
                .get(Language::Ja)
                .ends_with("宣言してください")
        );
        assert!(
            corporate_number_already_declared()
                .get(Language::Ja)
                .contains("1法人につき有効な自己宣言は1件までです")
        );
        assert_eq!(
            current_terms_required().get(Language::Ja),
            "現行のロゴマーク使用規約（平成30年7月3日一部改正）に同意してください"
        );
        let step_up = Localized {
            ja: "二つ星への変更",
            en: "step-up",
        };
        assert_eq!(
            not_allowed_in_state(Status::Withdrawn, step_up).get(Language::Ja),
            "取り下げた自己宣言には、二つ星への変更はできません"
        );
    }
}
