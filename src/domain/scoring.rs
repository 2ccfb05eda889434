//! Parsing and scoring an answer sheet of the self-diagnosis (自社診断): pure functions, no I/O.
//!
//! [`parse`] turns the answers a client sent, as (question number, answer) pairs in any order, into
//! an [`AnswerSheet`] with exactly one answer per item, or into the list of every problem found.
//! [`score`] computes the total, its [`Band`], the score per part and the items to follow up.

use std::fmt;

use crate::domain::language::Language;
use crate::domain::questionnaire::{Answer, Band, ITEMS, MAX_SCORE, PARTS, QUESTION_COUNT};
use crate::domain::validation::FieldCode;

/// A complete answer sheet: one [`Answer`] for each of the 25 items, indexed by item number − 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AnswerSheet([Answer; QUESTION_COUNT]);

impl AnswerSheet {
    /// A sheet from the answers to items 1 to 25, in item order.
    pub fn from_array(answers: [Answer; QUESTION_COUNT]) -> Self {
        AnswerSheet(answers)
    }

    /// The answers to items 1 to 25, in item order.
    pub fn answers(&self) -> &[Answer; QUESTION_COUNT] {
        &self.0
    }

    /// The answer to the item with the given number; `None` unless `question` is 1 to 25.
    pub fn answer(&self, question: u8) -> Option<Answer> {
        let index = usize::from(question).checked_sub(1)?;
        self.0.get(index).copied()
    }
}

/// What is wrong with a submitted list of answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SheetErrorCode {
    /// The list does not hold exactly 25 answers.
    WrongCount,
    /// A question number is not between 1 and 25.
    QuestionOutOfRange,
    /// A question was already answered earlier in the list.
    DuplicateQuestion,
    /// A question has no answer.
    MissingQuestion,
}

impl SheetErrorCode {
    /// The snake_case code used in API error details.
    pub fn code(self) -> FieldCode {
        match self {
            SheetErrorCode::WrongCount => FieldCode::WrongCount,
            SheetErrorCode::QuestionOutOfRange => FieldCode::QuestionOutOfRange,
            SheetErrorCode::DuplicateQuestion => FieldCode::DuplicateQuestion,
            SheetErrorCode::MissingQuestion => FieldCode::MissingQuestion,
        }
    }

    /// A human-readable message for the error.
    pub fn message(self, language: Language) -> &'static str {
        match self {
            SheetErrorCode::WrongCount => language.pick(
                "自社診断の回答は25問すべてについて1つずつ必要です。",
                "The self-diagnosis needs exactly one answer for each of the 25 questions.",
            ),
            SheetErrorCode::QuestionOutOfRange => language.pick(
                "設問番号は1から25の範囲で指定してください。",
                "The question number must be between 1 and 25.",
            ),
            SheetErrorCode::DuplicateQuestion => language.pick(
                "この設問には既に回答があります。",
                "This question has already been answered.",
            ),
            SheetErrorCode::MissingQuestion => language.pick(
                "回答されていない設問があります。",
                "A question has not been answered.",
            ),
        }
    }
}

/// One problem found by [`parse`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SheetError {
    /// Where the problem is, relative to the request body: `answers` for the list as a whole,
    /// `answers[3].question` for the question number of the entry at index 3.
    pub field: String,
    /// What the problem is.
    pub code: SheetErrorCode,
    /// For [`SheetErrorCode::MissingQuestion`], the number of the unanswered question (the field
    /// alone, `answers`, cannot say which one); `None` for the other codes.
    pub question: Option<u8>,
}

impl SheetError {
    fn new(field: impl Into<String>, code: SheetErrorCode) -> Self {
        SheetError {
            field: field.into(),
            code,
            question: None,
        }
    }
}

impl fmt::Display for SheetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.code.code())?;
        if let Some(question) = self.question {
            write!(f, " (question {question})")?;
        }
        Ok(())
    }
}

impl std::error::Error for SheetError {}

/// Parses the answers a client sent: `entries` are (question number as given, answer) pairs in the
/// client's order, the index of a pair being its index in the request's `answers` array.
///
/// Every problem is reported, in this order:
/// 1. [`WrongCount`](SheetErrorCode::WrongCount) on `answers` when there are not exactly 25
///    entries;
/// 2. for each entry, in order, [`QuestionOutOfRange`](SheetErrorCode::QuestionOutOfRange) on
///    `answers[i].question` when its number is not 1 to 25, or
///    [`DuplicateQuestion`](SheetErrorCode::DuplicateQuestion) there when an earlier entry already
///    answered the same question (the first occurrence is kept as valid, the later ones are the
///    duplicates);
/// 3. only when step 2 found nothing, one [`MissingQuestion`](SheetErrorCode::MissingQuestion) on
///    `answers` per unanswered question, ascending, with the number in [`SheetError::question`].
///
/// Step 3 is skipped when step 2 reported something because a mistyped or duplicated number is then
/// the likely cause of the gap, and listing both would double the list without telling the client
/// anything new. When step 2 finds nothing, missing questions can only occur together with
/// `WrongCount` (fewer than 25 entries), and then they say exactly which answers to add.
pub fn parse(entries: &[(i64, Answer)]) -> Result<AnswerSheet, Vec<SheetError>> {
    let mut errors = Vec::new();
    if entries.len() != QUESTION_COUNT {
        errors.push(SheetError::new("answers", SheetErrorCode::WrongCount));
    }

    let mut slots: [Option<Answer>; QUESTION_COUNT] = [None; QUESTION_COUNT];
    let mut entry_errors = false;
    for (index, &(question, answer)) in entries.iter().enumerate() {
        let slot = usize::try_from(question)
            .ok()
            .and_then(|q| q.checked_sub(1))
            .and_then(|i| slots.get_mut(i));
        let code = match slot {
            None => SheetErrorCode::QuestionOutOfRange,
            Some(Some(_)) => SheetErrorCode::DuplicateQuestion,
            Some(slot @ None) => {
                *slot = Some(answer);
                continue;
            }
        };
        entry_errors = true;
        errors.push(SheetError::new(format!("answers[{index}].question"), code));
    }

    if !entry_errors {
        for (item, slot) in ITEMS.iter().zip(&slots) {
            if slot.is_none() {
                errors.push(SheetError {
                    question: Some(item.number),
                    ..SheetError::new("answers", SheetErrorCode::MissingQuestion)
                });
            }
        }
    }

    if !errors.is_empty() {
        return Err(errors);
    }
    // No error means 25 entries, each filling a different one of the 25 slots.
    let mut answers = [Answer::Unknown; QUESTION_COUNT];
    for (answer, slot) in answers.iter_mut().zip(slots) {
        match slot {
            Some(given) => *answer = given,
            None => return Err(vec![SheetError::new("answers", SheetErrorCode::WrongCount)]),
        }
    }
    Ok(AnswerSheet(answers))
}

/// The result of a diagnosis (診断結果).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Score {
    /// The total, −25 to 100.
    pub total: i32,
    /// The highest possible total, 100.
    pub max: i32,
    /// How the pamphlet reads the total.
    pub band: Band,
    /// The score of each of the three parts, in part order.
    pub parts: Vec<PartScore>,
    /// The items answered `unknown` (わからない), ascending: they should be followed up.
    pub unknown_items: Vec<u8>,
    /// Every item not answered `implemented`, in question order: the items to show advice for.
    pub items_needing_action: Vec<ItemNeedingAction>,
}

/// The score of one part of the questionnaire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartScore {
    /// The part's number, 1 to 3.
    pub part: u8,
    /// The sum of the points of the part's items.
    pub score: i32,
    /// The highest possible score of the part: 4 points per item (20, 52 and 28).
    pub max: i32,
}

/// An item not answered `implemented` (実施している), with the answer given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemNeedingAction {
    /// The item's number, 1 to 25.
    pub question: u8,
    /// The answer given: never [`Answer::Implemented`].
    pub answer: Answer,
}

/// Scores an answer sheet.
pub fn score(sheet: &AnswerSheet) -> Score {
    let parts: Vec<PartScore> = PARTS
        .iter()
        .map(|part| {
            let (score, max) = part
                .questions
                .clone()
                .filter_map(|question| sheet.answer(question))
                .fold((0, 0), |(score, max), answer| {
                    (score + answer.points(), max + Answer::Implemented.points())
                });
            PartScore {
                part: part.number,
                score,
                max,
            }
        })
        .collect();
    let total = parts.iter().map(|p| p.score).sum();

    let answered = ITEMS.iter().map(|item| item.number).zip(sheet.answers());
    let unknown_items = answered
        .clone()
        .filter(|&(_, &answer)| answer == Answer::Unknown)
        .map(|(question, _)| question)
        .collect();
    let items_needing_action = answered
        .filter(|&(_, &answer)| answer != Answer::Implemented)
        .map(|(question, &answer)| ItemNeedingAction { question, answer })
        .collect();

    Score {
        total,
        max: MAX_SCORE,
        band: Band::from_total(total),
        parts,
        unknown_items,
        items_needing_action,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::questionnaire::MIN_SCORE;
    use proptest::prelude::*;

    fn any_answer() -> impl Strategy<Value = Answer> {
        prop::sample::select(Answer::ALL.to_vec())
    }

    fn any_sheet() -> impl Strategy<Value = AnswerSheet> {
        prop::array::uniform25(any_answer()).prop_map(AnswerSheet::from_array)
    }

    fn in_order(answers: &[Answer; QUESTION_COUNT]) -> Vec<(i64, Answer)> {
        (1..).zip(answers.iter().copied()).collect()
    }

    fn codes(errors: &[SheetError]) -> Vec<SheetErrorCode> {
        errors.iter().map(|e| e.code).collect()
    }

    #[test]
    fn all_implemented_is_complete() {
        let result = score(&AnswerSheet::from_array([Answer::Implemented; 25]));
        assert_eq!(result.total, 100);
        assert_eq!(result.max, 100);
        assert_eq!(result.band, Band::Complete);
        assert!(result.unknown_items.is_empty());
        assert!(result.items_needing_action.is_empty());
        let parts: Vec<(u8, i32, i32)> = result
            .parts
            .iter()
            .map(|p| (p.part, p.score, p.max))
            .collect();
        assert_eq!(parts, [(1, 20, 20), (2, 52, 52), (3, 28, 28)]);
    }

    #[test]
    fn all_unknown_is_the_minimum() {
        let result = score(&AnswerSheet::from_array([Answer::Unknown; 25]));
        assert_eq!(result.total, -25);
        assert_eq!(result.total, MIN_SCORE);
        assert_eq!(result.band, Band::AtRisk);
        assert_eq!(result.unknown_items, (1..=25).collect::<Vec<u8>>());
        assert_eq!(result.items_needing_action.len(), 25);
        let parts: Vec<i32> = result.parts.iter().map(|p| p.score).collect();
        assert_eq!(parts, [-5, -13, -7]);
    }

    #[test]
    fn a_mixed_sheet_is_scored_by_item() {
        let mut answers = [Answer::Implemented; 25];
        answers[2] = Answer::PartiallyImplemented; // item 3
        answers[9] = Answer::NotImplemented; // item 10
        answers[24] = Answer::Unknown; // item 25
        let result = score(&AnswerSheet::from_array(answers));
        assert_eq!(result.total, 100 - 2 - 4 - 5);
        assert_eq!(result.band, Band::PartiallyInsufficient);
        let parts: Vec<i32> = result.parts.iter().map(|p| p.score).collect();
        assert_eq!(parts, [18, 48, 23]);
        assert_eq!(result.unknown_items, [25]);
        assert_eq!(
            result.items_needing_action,
            [
                ItemNeedingAction {
                    question: 3,
                    answer: Answer::PartiallyImplemented
                },
                ItemNeedingAction {
                    question: 10,
                    answer: Answer::NotImplemented
                },
                ItemNeedingAction {
                    question: 25,
                    answer: Answer::Unknown
                },
            ]
        );
    }

    #[test]
    fn band_boundaries() {
        // 25 × 4 = 100; each step from implemented to partially implemented costs 2 points.
        let with_partial = |n: usize| {
            let mut answers = [Answer::Implemented; 25];
            for answer in answers.iter_mut().take(n) {
                *answer = Answer::PartiallyImplemented;
            }
            score(&AnswerSheet::from_array(answers))
        };
        assert_eq!(with_partial(1).total, 98);
        assert_eq!(with_partial(1).band, Band::PartiallyInsufficient);
        assert_eq!(with_partial(15).total, 70);
        assert_eq!(with_partial(15).band, Band::PartiallyInsufficient);
        assert_eq!(with_partial(25).total, 50);
        assert_eq!(with_partial(25).band, Band::ConspicuousGaps);
    }

    #[test]
    fn a_sheet_in_order_parses() {
        let answers = [Answer::NotImplemented; 25];
        let sheet = parse(&in_order(&answers));
        assert_eq!(sheet, Ok(AnswerSheet::from_array(answers)));
    }

    #[test]
    fn answer_lookup_is_bounded() {
        let sheet = AnswerSheet::from_array([Answer::Implemented; 25]);
        assert_eq!(sheet.answer(0), None);
        assert_eq!(sheet.answer(1), Some(Answer::Implemented));
        assert_eq!(sheet.answer(25), Some(Answer::Implemented));
        assert_eq!(sheet.answer(26), None);
    }

    #[test]
    fn an_empty_list_reports_the_count_and_every_question() {
        let errors = parse(&[]).expect_err("empty list");
        assert_eq!(errors.len(), 26);
        assert_eq!(
            errors[0],
            SheetError::new("answers", SheetErrorCode::WrongCount)
        );
        for (error, number) in errors[1..].iter().zip(1..) {
            assert_eq!(error.code, SheetErrorCode::MissingQuestion);
            assert_eq!(error.field, "answers");
            assert_eq!(error.question, Some(number));
        }
    }

    #[test]
    fn a_missing_answer_is_named() {
        let mut entries = in_order(&[Answer::Implemented; 25]);
        entries.remove(6);
        let errors = parse(&entries).expect_err("24 answers");
        assert_eq!(
            codes(&errors),
            [SheetErrorCode::WrongCount, SheetErrorCode::MissingQuestion]
        );
        assert_eq!(errors[1].question, Some(7));
        assert_eq!(
            errors[1].to_string(),
            "answers: missing_question (question 7)"
        );
    }

    #[test]
    fn out_of_range_and_duplicates_point_at_the_entry() {
        let mut entries = in_order(&[Answer::Implemented; 25]);
        entries[3].0 = 0;
        entries[10].0 = 26;
        entries[12].0 = -1;
        entries[20].0 = 5;
        entries.push((5, Answer::Unknown));
        entries.push((i64::MAX, Answer::Unknown));
        let errors = parse(&entries).expect_err("bad numbers");
        let found: Vec<(&str, SheetErrorCode)> =
            errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            found,
            [
                ("answers", SheetErrorCode::WrongCount),
                ("answers[3].question", SheetErrorCode::QuestionOutOfRange),
                ("answers[10].question", SheetErrorCode::QuestionOutOfRange),
                ("answers[12].question", SheetErrorCode::QuestionOutOfRange),
                ("answers[20].question", SheetErrorCode::DuplicateQuestion),
                ("answers[25].question", SheetErrorCode::DuplicateQuestion),
                ("answers[26].question", SheetErrorCode::QuestionOutOfRange),
            ]
        );
        assert!(errors.iter().all(|e| e.question.is_none()));
    }

    #[test]
    fn error_codes_and_messages() {
        let all = [
            SheetErrorCode::WrongCount,
            SheetErrorCode::QuestionOutOfRange,
            SheetErrorCode::DuplicateQuestion,
            SheetErrorCode::MissingQuestion,
        ];
        let names: Vec<&str> = all.iter().map(|c| c.code().as_str()).collect();
        assert_eq!(
            names,
            [
                "wrong_count",
                "question_out_of_range",
                "duplicate_question",
                "missing_question"
            ]
        );
        for code in all {
            assert!(!code.message(Language::Ja).is_empty());
            assert!(!code.message(Language::En).is_empty());
            assert_ne!(code.message(Language::Ja), code.message(Language::En));
        }
    }

    proptest! {
        #[test]
        fn totals_add_up(sheet in any_sheet()) {
            let result = score(&sheet);
            prop_assert_eq!(result.total, result.parts.iter().map(|p| p.score).sum::<i32>());
            let expected: i32 = sheet.answers().iter().map(|a| a.points()).sum();
            prop_assert_eq!(result.total, expected);
            prop_assert!((MIN_SCORE..=MAX_SCORE).contains(&result.total));
            prop_assert_eq!(result.max, MAX_SCORE);
            prop_assert_eq!(result.band, Band::from_total(result.total));
            let (min, max) = result.band.range();
            prop_assert!(min <= result.total && result.total <= max);
            let maxima: Vec<i32> = result.parts.iter().map(|p| p.max).collect();
            prop_assert_eq!(maxima, vec![20, 52, 28]);
            for part in &result.parts {
                prop_assert!(part.score <= part.max);
            }
        }

        #[test]
        fn follow_ups_are_consistent(sheet in any_sheet()) {
            let result = score(&sheet);
            let needing: Vec<u8> =
                result.items_needing_action.iter().map(|i| i.question).collect();
            prop_assert!(needing.windows(2).all(|w| w[0] < w[1]));
            prop_assert!(result.unknown_items.windows(2).all(|w| w[0] < w[1]));
            for unknown in &result.unknown_items {
                prop_assert!(needing.contains(unknown));
                prop_assert_eq!(sheet.answer(*unknown), Some(Answer::Unknown));
            }
            for item in &result.items_needing_action {
                prop_assert_ne!(item.answer, Answer::Implemented);
                prop_assert_eq!(sheet.answer(item.question), Some(item.answer));
            }
            let implemented = sheet
                .answers()
                .iter()
                .filter(|&&a| a == Answer::Implemented)
                .count();
            prop_assert_eq!(implemented + needing.len(), QUESTION_COUNT);
            prop_assert_eq!(
                result.band == Band::Complete,
                result.items_needing_action.is_empty()
            );
        }

        #[test]
        fn any_permutation_parses(
            answers in prop::array::uniform25(any_answer()),
            order in Just((1..=25).collect::<Vec<u8>>()).prop_shuffle(),
        ) {
            let entries: Vec<(i64, Answer)> = order
                .iter()
                .map(|&q| (i64::from(q), answers[usize::from(q) - 1]))
                .collect();
            let sheet = parse(&entries);
            prop_assert_eq!(&sheet, &Ok(AnswerSheet::from_array(answers)));
            if let Ok(sheet) = sheet {
                for (q, a) in &entries {
                    prop_assert_eq!(sheet.answer(u8::try_from(*q).unwrap()), Some(*a));
                }
            }
        }

        #[test]
        fn a_duplicate_is_reported_at_its_second_occurrence(
            answers in prop::array::uniform25(any_answer()),
            order in Just((1..=25).collect::<Vec<u8>>()).prop_shuffle(),
            from in 0usize..25,
            to in 0usize..25,
        ) {
            prop_assume!(from != to);
            let mut entries: Vec<(i64, Answer)> = order
                .iter()
                .map(|&q| (i64::from(q), answers[usize::from(q) - 1]))
                .collect();
            entries[to].0 = entries[from].0;
            let errors = parse(&entries).expect_err("duplicate");
            let later = from.max(to);
            prop_assert_eq!(
                errors,
                vec![SheetError::new(
                    format!("answers[{later}].question"),
                    SheetErrorCode::DuplicateQuestion
                )]
            );
        }

        #[test]
        fn a_wrong_count_is_reported(
            entries in prop::collection::vec((1i64..=25, any_answer()), 0..60),
        ) {
            prop_assume!(entries.len() != QUESTION_COUNT);
            let errors = parse(&entries).expect_err("wrong count");
            prop_assert_eq!(
                &errors[0],
                &SheetError::new("answers", SheetErrorCode::WrongCount)
            );
            if entries.len() > QUESTION_COUNT {
                prop_assert!(errors.iter().any(|e| e.code == SheetErrorCode::DuplicateQuestion));
            }
        }

        #[test]
        fn parse_never_panics_and_reports_consistently(
            entries in prop::collection::vec(
                (prop_oneof![any::<i64>(), -3i64..30], any_answer()),
                0..60,
            ),
        ) {
            match parse(&entries) {
                Ok(sheet) => {
                    prop_assert_eq!(entries.len(), QUESTION_COUNT);
                    for (q, a) in &entries {
                        prop_assert_eq!(sheet.answer(u8::try_from(*q).unwrap()), Some(*a));
                    }
                }
                Err(errors) => {
                    prop_assert!(!errors.is_empty());
                    let wrong_count = errors
                        .iter()
                        .filter(|e| e.code == SheetErrorCode::WrongCount)
                        .count();
                    prop_assert_eq!(wrong_count, usize::from(entries.len() != QUESTION_COUNT));
                    let entry_errors = errors.iter().any(|e| {
                        matches!(
                            e.code,
                            SheetErrorCode::QuestionOutOfRange | SheetErrorCode::DuplicateQuestion
                        )
                    });
                    let missing = errors
                        .iter()
                        .filter(|e| e.code == SheetErrorCode::MissingQuestion)
                        .count();
                    if entry_errors {
                        prop_assert_eq!(missing, 0);
                    } else {
                        prop_assert_eq!(missing, QUESTION_COUNT - entries.len());
                    }
                    for error in &errors {
                        prop_assert_eq!(
                            error.question.is_some(),
                            error.code == SheetErrorCode::MissingQuestion
                        );
                        if let Some(index) = error
                            .field
                            .strip_prefix("answers[")
                            .and_then(|rest| rest.strip_suffix("].question"))
                        {
                            let index: usize = index.parse().unwrap();
                            prop_assert!(index < entries.len());
                        } else {
                            prop_assert_eq!(error.field.as_str(), "answers");
                        }
                    }
                }
            }
        }
    }
}
