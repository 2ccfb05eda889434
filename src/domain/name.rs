//! Organisation names folded into comparison keys, for verification and search.
//!
//! Subsidy portals check that an applicant's organisation name matches the declared one, and the
//! public registry searches declarers by name. The same organisation is written in many ways:
//! `株式会社サンプル`, `(株)サンプル`, `㈱サンプル`, `ｻﾝﾌﾟﾙ(株)`, `さんぷる　株式会社`, `Sample Co., Ltd.`…
//! [`name_key`] folds a name into a key so that such variants compare equal.
//!
//! # Steps
//! One pass of the folding does, in order:
//!
//! 1. **Circled ideographs** used for legal forms (`㊑` `㊒` `㊓` `㊔` `㊖` `㊫` `㊮` `㊯`) become
//!    their parenthesised forms (`(株)` …), since NFKC would turn them into a bare ideograph.
//! 2. **NFKC** (`unicode-normalization`): full-width ASCII becomes ASCII (`ＡＢＣ１２３` → `ABC123`),
//!    half-width katakana becomes full-width (`ｶﾌﾞｼｷ` → `カブシキ`, `ｰ` → `ー`, `･` → `・`), the
//!    ideographic space becomes a space, `㈱` becomes `(株)` and `㍿` becomes `株式会社`.
//! 3. **Characters one by one**: letters to lower case (`char::to_lowercase`, and final sigma `ς` to
//!    `σ`, so that the result does not depend on word boundaries); hiragana to katakana
//!    (`さんぷる` → `サンプル`, `ゝゞ` → `ヽヾ`); every whitespace and invisible character
//!    (zero-width spaces and joiners, soft hyphen, BOM) to one ASCII space; every **long-vowel mark
//!    or hyphen-like dash** (`ー` `-` `‐` `‑` `‒` `–` `—` `―` `−` `─` `━` `⁃` …) to one class,
//!    written `ー`. The dashes are unified, not deleted: `サンプラー` and `サンプラ` are different
//!    names.
//! 4. **Japanese legal forms, anywhere** in the name (prefix, suffix or middle), scanning left to
//!    right and taking the **longest** form that starts at each position, again and again until none
//!    is left; spaces between a form's characters belong to it (`株式 会社`, `( 株 )`):
//!    - written in full: 株式会社, 有限会社, 合同会社, 合名会社, 合資会社, 相互会社, 一般社団法人,
//!      一般財団法人, 公益社団法人, 公益財団法人, 社団法人, 財団法人, 特定非営利活動法人, NPO法人,
//!      医療法人社団, 医療法人財団, 社会医療法人, 医療法人, 社会福祉法人, 学校法人, 宗教法人,
//!      協同組合, 企業組合, 有限責任事業組合, 農事組合法人, 監査法人, 弁護士法人, 税理士法人,
//!      司法書士法人, 行政書士法人, 社会保険労務士法人, 特許業務法人;
//!    - in kana: カブシキガイシャ, カブシキカイシャ, ユウゲンガイシャ, ユウゲンカイシャ, ゴウドウガイシャ,
//!      ゴウドウカイシャ (hiragana is already katakana here);
//!    - abbreviated, **only in parentheses**: (株) (有) (同) (名) (資) (社) (財) (一社) (一財) (公社)
//!      (公財) (特非) (NPO) (医) (医社) (医財) (福) (学) (協).
//!
//!    Because the longest form wins and every form is a whole word, removing a form never eats part
//!    of a real name: `株式会社有限堂` keeps `有限堂` (`有限` is not `有限会社`), `合同会社ベータ`
//!    leaves no `会社`, and `学研` keeps its `学` (a one-character abbreviation only counts as `(学)`).
//! 5. **English legal forms at the end**, as a whole word: `Co., Ltd.` (`Co.,Ltd.`, `Co Ltd`),
//!    `Company Limited`, `Ltd.`, `Limited`, `K.K.` (`KK`), `Inc.`, `Incorporated`, `LLC`, `L.L.C.`,
//!    `Corp.`, `Corporation`, `Kabushiki Kaisha`, `Godo Kaisha`, `Yugen Kaisha`. Spaces and the
//!    punctuation of step 7 may separate their parts and follow them; the character before the
//!    form must not be an ASCII letter or digit, so `Zinc` stays `zinc` while `Z Inc.` and
//!    `サンプルInc.` lose the form. Repeated forms are all removed (`Foo Inc. Ltd.`). This is the one
//!    step where a space matters: it makes a word boundary.
//! 6. **Whitespace** is removed.
//! 7. **Punctuation that varies between registrations is deleted**: middle dots (`・` `·` `•` `‧` …),
//!    `.` `,` `、` `。`, quotes and apostrophes, brackets of every kind (`()` `[]` `{}` `「」` `『』`
//!    `【】` `〔〕` `〈〉` `《》`), `!` `?` `:` `;` `/` `\` `~` `〜`. `&`, `+` and other symbols stay:
//!    they carry meaning. Then runs of the dash class collapse into one `ー`.
//!
//! The pass is repeated until its output no longer changes (deleting characters can bring a
//! combining mark next to a new base letter, or join the halves of a legal form), which makes
//! [`name_key`] idempotent: `name_key(&name_key(x)) == name_key(x)`.
//!
//! Limits, on purpose: small and large kana (`ァ`/`ア`), `ヶ`/`ケ`/`が`, old and new kanji forms and
//! differently spelled words are different keys; case folding is `to_lowercase`, not full Unicode
//! case folding (`ß` stays `ß`).

use unicode_normalization::UnicodeNormalization;

/// Japanese legal forms (already folded: katakana, lower case, no spaces), removed anywhere.
const JAPANESE_FORMS: &[&str] = &[
    "株式会社",
    "有限会社",
    "合同会社",
    "合名会社",
    "合資会社",
    "相互会社",
    "一般社団法人",
    "一般財団法人",
    "公益社団法人",
    "公益財団法人",
    "社団法人",
    "財団法人",
    "特定非営利活動法人",
    "npo法人",
    "医療法人社団",
    "医療法人財団",
    "社会医療法人",
    "医療法人",
    "社会福祉法人",
    "学校法人",
    "宗教法人",
    "協同組合",
    "企業組合",
    "有限責任事業組合",
    "農事組合法人",
    "監査法人",
    "弁護士法人",
    "税理士法人",
    "司法書士法人",
    "行政書士法人",
    "社会保険労務士法人",
    "特許業務法人",
    "カブシキガイシャ",
    "カブシキカイシャ",
    "ユウゲンガイシャ",
    "ユウゲンカイシャ",
    "ゴウドウガイシャ",
    "ゴウドウカイシャ",
];

/// Abbreviated legal forms: they count only in parentheses (after NFKC, `（株）` and `㈱` are
/// `(株)` too).
const ABBREVIATIONS: &[&str] = &[
    "(株)", "(有)", "(同)", "(名)", "(資)", "(社)", "(財)", "(一社)", "(一財)", "(公社)", "(公財)",
    "(特非)", "(npo)", "(医)", "(医社)", "(医財)", "(福)", "(学)", "(協)",
];

/// English legal forms at the end of a name, as their lower-case letters without the spaces,
/// dots and commas that may separate their parts (`co., ltd.` → `coltd`, `k.k.` → `kk`).
const ENGLISH_FORMS: &[&str] = &[
    "coltd",
    "companylimited",
    "ltd",
    "limited",
    "kk",
    "inc",
    "incorporated",
    "llc",
    "corp",
    "corporation",
    "kabushikikaisha",
    "kabushikigaisha",
    "godokaisha",
    "godogaisha",
    "yugenkaisha",
    "yugengaisha",
];

/// The character that stands for every long-vowel mark and hyphen-like dash in a key.
const DASH: char = 'ー';

/// How many passes the folding may take before its result is taken as it is; real names settle
/// after one or two.
const MAX_PASSES: usize = 8;

/// The comparison key of an organisation name: width-folded (NFKC), lower-case, hiragana →
/// katakana, without spaces, punctuation variants unified, legal form removed. Two names match
/// when their keys are equal. The key of a name that is only a legal form (e.g. "株式会社") is
/// empty.
pub fn name_key(name: &str) -> String {
    let mut key = fold_pass(name);
    for _ in 1..MAX_PASSES {
        let next = fold_pass(&key);
        if next == key {
            break;
        }
        key = next;
    }
    key
}

/// Whether two names denote the same organisation by their keys (false when either key is
/// empty).
pub fn names_match(a: &str, b: &str) -> bool {
    let a = name_key(a);
    !a.is_empty() && a == name_key(b)
}

/// The key of a search term (same folding, but a term may be a fragment: legal forms are
/// removed as well; the result is used for substring search over keys).
///
/// On top of [`name_key`], a term being typed may end in an unfinished legal form: a trailing
/// part of at least two characters that begins a Japanese legal form (`サンプル株式`,
/// `サンプルカブシキ`), an unclosed abbreviation (`サンプル(株`), or a trailing word of at least two
/// letters that begins an English form (`Sample Co`) is dropped when something remains. Dropping
/// a tail only widens the search: every key that contains the term contains the shorter one.
/// An empty result means there is nothing to search for.
pub fn search_key(term: &str) -> String {
    let folded = fold_chars(&nfkc(term));
    let mut term = drop_unclosed_abbreviation(&folded).to_owned();
    if let Some(end) = english_fragment_start(&term) {
        term.truncate(end);
    }
    let key = name_key(&term);
    let cut = japanese_fragment_start(&key);
    match cut {
        Some(end) if end > 0 => key[..end].to_owned(),
        _ => key,
    }
}

/// The characters of a gram: two, so that two-character names (common in Japanese, and too
/// short for trigram indexes) are found by an index too.
pub const GRAM_CHARS: usize = 2;

/// The distinct pairs of neighbouring characters of a key, in order of first appearance: the
/// entries of the name index. Every key that contains a term of at least [`GRAM_CHARS`]
/// characters has every gram of the term; a shorter term has none.
pub fn grams(key: &str) -> Vec<String> {
    let chars: Vec<char> = key.chars().collect();
    let mut grams: Vec<String> = Vec::with_capacity(chars.len());
    for window in chars.windows(GRAM_CHARS) {
        let gram: String = window.iter().collect();
        if !grams.contains(&gram) {
            grams.push(gram);
        }
    }
    grams
}

/// One pass of the folding: steps 1 to 7 of the module documentation.
fn fold_pass(name: &str) -> String {
    let folded = fold_chars(&nfkc(name));
    let without_forms = strip_japanese_forms(&folded);
    let without_english = strip_english_forms(&without_forms);
    let compact: String = without_english.chars().filter(|&c| c != ' ').collect();
    delete_punctuation(&compact)
}

/// Steps 1 and 2: circled legal-form ideographs to their parenthesised forms, then NFKC.
fn nfkc(name: &str) -> String {
    let mut expanded = String::with_capacity(name.len());
    for c in name.chars() {
        match circled_form(c) {
            Some(form) => expanded.push_str(form),
            None => expanded.push(c),
        }
    }
    expanded.nfkc().collect()
}

/// The parenthesised form of a circled ideograph used for a legal form.
fn circled_form(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{3291}' => "(株)",
        '\u{3292}' => "(有)",
        '\u{3293}' => "(社)",
        '\u{3294}' => "(名)",
        '\u{3296}' => "(財)",
        '\u{32AB}' => "(学)",
        '\u{32AE}' => "(資)",
        '\u{32AF}' => "(協)",
        _ => return None,
    })
}

/// Step 3: lower case, hiragana to katakana, whitespace to one space, dashes to one class.
fn fold_chars(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_space(c) {
            out.push(' ');
        } else if is_dash(c) {
            out.push(DASH);
        } else if let Some(k) = hiragana_to_katakana(c) {
            out.push(k);
        } else if c == 'ς' {
            out.push('σ');
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Whitespace, and the invisible characters that people paste along with names.
fn is_space(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{00AD}' | '\u{180E}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}'
        )
}

/// Long-vowel marks and hyphen-like dashes (after NFKC: `ｰ` is `ー`, `－` and `﹣` are `-`).
fn is_dash(c: char) -> bool {
    ('\u{2010}'..='\u{2015}').contains(&c)
        || matches!(
            c,
            '-' | '\u{2043}'
                | '\u{2212}'
                | '\u{2500}'
                | '\u{2501}'
                | '\u{2E3A}'
                | '\u{2E3B}'
                | '\u{30FC}'
                | '\u{FE58}'
                | '\u{FE63}'
                | '\u{FF0D}'
                | '\u{FF70}'
        )
}

/// The katakana of a hiragana letter or iteration mark; `None` for anything else.
fn hiragana_to_katakana(c: char) -> Option<char> {
    match c {
        '\u{3041}'..='\u{3096}' | '\u{309D}' | '\u{309E}' => char::from_u32(u32::from(c) + 0x60),
        _ => None,
    }
}

/// Step 7's punctuation: deleted from keys.
fn is_deleted_punctuation(c: char) -> bool {
    matches!(
        c,
        '・' | '·'
            | '•'
            | '‧'
            | '∙'
            | '⋅'
            | '.'
            | ','
            | '、'
            | '。'
            | '\''
            | '"'
            | '`'
            | '‘'
            | '’'
            | '“'
            | '”'
            | '('
            | ')'
            | '['
            | ']'
            | '{'
            | '}'
            | '「'
            | '」'
            | '『'
            | '』'
            | '【'
            | '】'
            | '〔'
            | '〕'
            | '〈'
            | '〉'
            | '《'
            | '》'
            | '!'
            | '?'
            | ':'
            | ';'
            | '/'
            | '\\'
            | '~'
            | '〜'
    )
}

/// Step 5: removes English legal forms at the end, as long as there is one.
fn strip_english_forms(text: &str) -> &str {
    let mut text = text;
    while let Some(start) = english_form_start(text, |letters| ENGLISH_FORMS.contains(&letters)) {
        text = &text[..start];
    }
    text
}

/// Where the longest English legal form at the end of `text` starts, if there is one: the
/// form's letters (read over spaces and deleted punctuation) must satisfy `is_form`, and the character
/// before them must not be an ASCII letter or digit.
fn english_form_start(text: &str, is_form: impl Fn(&str) -> bool) -> Option<usize> {
    let longest = ENGLISH_FORMS.iter().map(|f| f.len()).max().unwrap_or(0);
    let mut letters: Vec<char> = Vec::new();
    let mut found = None;
    let mut chars = text.char_indices().rev().peekable();
    while let Some((index, c)) = chars.next() {
        if c == ' ' || is_deleted_punctuation(c) {
            continue;
        }
        if !c.is_ascii_lowercase() || letters.len() >= longest {
            break;
        }
        letters.push(c);
        let word: String = letters.iter().rev().collect();
        let boundary = chars
            .peek()
            .is_none_or(|&(_, before)| !before.is_ascii_alphanumeric());
        if boundary && is_form(&word) {
            found = Some(index);
        }
    }
    found
}

/// Where a trailing word that begins an English legal form starts (`sample co` → before `co`),
/// when something comes before it.
fn english_fragment_start(text: &str) -> Option<usize> {
    let start = english_form_start(text, |letters| {
        letters.len() >= 2
            && ENGLISH_FORMS
                .iter()
                .any(|f| f.len() > letters.len() && f.starts_with(letters))
    })?;
    (!text[..start].trim().is_empty()).then_some(start)
}

/// Step 4: removes Japanese legal forms, written in full, in kana or abbreviated in parentheses,
/// anywhere, longest first, until none is left.
fn strip_japanese_forms(text: &str) -> String {
    let mut current = text.to_owned();
    loop {
        let mut out = String::with_capacity(current.len());
        let mut rest = current.as_str();
        while let Some(c) = rest.chars().next() {
            match longest_form_at(rest) {
                Some(len) => rest = &rest[len..],
                None => {
                    out.push(c);
                    rest = &rest[c.len_utf8()..];
                }
            }
        }
        if out == current {
            return out;
        }
        current = out;
    }
}

/// The length in bytes of the longest legal form that `text` starts with; spaces between the
/// form's characters are part of it (`株式 会社`, `( 株 )`).
fn longest_form_at(text: &str) -> Option<usize> {
    // Most characters begin no form: only those that do are compared with every form.
    let first = text.chars().next()?;
    if FORM_INITIALS.binary_search(&first).is_err() {
        return None;
    }
    JAPANESE_FORMS
        .iter()
        .chain(ABBREVIATIONS)
        .filter_map(|form| form_len_at(text, form))
        .max()
}

/// The first characters of the legal forms, sorted.
static FORM_INITIALS: std::sync::LazyLock<Vec<char>> = std::sync::LazyLock::new(|| {
    let mut initials: Vec<char> = JAPANESE_FORMS
        .iter()
        .chain(ABBREVIATIONS)
        .filter_map(|form| form.chars().next())
        .collect();
    initials.sort_unstable();
    initials.dedup();
    initials
});

/// The length in bytes of `form` at the start of `text`, skipping spaces after its first
/// character; `None` when `text` does not start with it.
fn form_len_at(text: &str, form: &str) -> Option<usize> {
    let mut chars = text.char_indices().peekable();
    for (n, expected) in form.chars().enumerate() {
        if n > 0 {
            while chars.next_if(|&(_, c)| c == ' ').is_some() {}
        }
        let (_, c) = chars.next()?;
        if c != expected {
            return None;
        }
    }
    Some(chars.peek().map_or(text.len(), |&(index, _)| index))
}

/// Step 7: deletes varying punctuation and collapses runs of dashes.
fn delete_punctuation(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_deleted_punctuation(c) || (c == DASH && out.ends_with(DASH)) {
            continue;
        }
        out.push(c);
    }
    out
}

/// A search term without an unclosed abbreviation at its end (`サンプル(株` → `サンプル`).
fn drop_unclosed_abbreviation(term: &str) -> &str {
    let Some(open) = term.rfind('(') else {
        return term;
    };
    let tail: String = term[open..].chars().filter(|&c| c != ' ').collect();
    let unfinished = ABBREVIATIONS
        .iter()
        .any(|form| form.len() > tail.len() && form.starts_with(tail.as_str()));
    if unfinished { &term[..open] } else { term }
}

/// Where a trailing part of at least two characters that begins a Japanese legal form starts in
/// a key (`サンプル株式` → before `株式`); the longest such part wins.
fn japanese_fragment_start(key: &str) -> Option<usize> {
    key.char_indices()
        .filter(|&(index, _)| {
            let tail = &key[index..];
            tail.chars().nth(1).is_some()
                && JAPANESE_FORMS
                    .iter()
                    .any(|form| form.len() > tail.len() && form.starts_with(tail))
        })
        .map(|(index, _)| index)
        .next()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn assert_same(names: &[&str]) {
        let first = name_key(names[0]);
        assert!(!first.is_empty(), "{:?} has an empty key", names[0]);
        for name in names {
            assert_eq!(name_key(name), first, "{name:?} vs {:?}", names[0]);
            assert!(names_match(name, names[0]));
        }
    }

    #[test]
    fn sample_variants_match() {
        assert_same(&[
            "株式会社サンプル",
            "(株)サンプル",
            "（株）サンプル",
            "㈱サンプル",
            "㊑サンプル",
            "㍿サンプル",
            "サンプル株式会社",
            "ｻﾝﾌﾟﾙ(株)",
            "ｻﾝﾌﾟﾙ（株）",
            "さんぷる　株式会社",
            "サンプル 株式会社",
            "カブシキガイシャサンプル",
            "ｶﾌﾞｼｷｶﾞｲｼｬ ｻﾝﾌﾟﾙ",
            "かぶしきがいしゃ　さんぷる",
        ]);
        assert_eq!(name_key("株式会社サンプル"), "サンプル");
    }

    #[test]
    fn width_and_case_fold() {
        assert_same(&["ＡＢＣ商事", "abc商事", "ABC商事", "Ａｂｃ　商事"]);
        assert_same(&["１２３工業", "123工業"]);
        assert_eq!(name_key("ＡＢＣ商事"), "abc商事");
    }

    #[test]
    fn other_japanese_forms() {
        assert_same(&[
            "有限会社山田",
            "(有)山田",
            "㈲山田",
            "山田有限会社",
            "山田 (有)",
        ]);
        assert_same(&["合同会社ベータ", "ベータ(同)", "ベータ合同会社"]);
        assert_same(&["合名会社丸三", "(名)丸三", "㈴丸三"]);
        assert_same(&["合資会社丸三", "(資)丸三", "㈾丸三"]);
        assert_same(&["一般社団法人日本協会", "(一社)日本協会"]);
        assert_same(&["一般財団法人日本財団基金", "(一財)日本財団基金"]);
        assert_same(&["公益社団法人日本協会", "(公社)日本協会"]);
        assert_same(&["公益財団法人未来基金", "(公財)未来基金"]);
        assert_same(&[
            "特定非営利活動法人まちづくり",
            "NPO法人まちづくり",
            "ＮＰＯ法人まちづくり",
            "(特非)まちづくり",
        ]);
        assert_same(&["医療法人青葉会", "(医)青葉会", "医療法人社団青葉会"]);
        assert_same(&["社会福祉法人光の園", "(福)光の園"]);
        assert_same(&["学校法人青空学園", "(学)青空学園", "㈻青空学園"]);
        assert_same(&["山田事業協同組合", "(協)山田事業", "㈿山田事業"]);
    }

    #[test]
    fn english_forms() {
        assert_same(&[
            "Sample Co., Ltd.",
            "SAMPLE",
            "Sample Co.,Ltd.",
            "sample co ltd",
            "Sample K.K.",
            "Sample Inc.",
            "Sample, Inc.",
            "Sample LLC",
            "Sample Corporation",
            "Ｓａｍｐｌｅ　Ｃｏ．，Ｌｔｄ．",
        ]);
        assert_same(&["サンプルInc.", "サンプル", "サンプル Co., Ltd."]);
        // Only whole words at the end.
        assert_eq!(name_key("Zinc"), "zinc");
        assert_eq!(name_key("Inc Studio"), "incstudio");
        assert_eq!(name_key("Bookk"), "bookk");
        assert_eq!(name_key("Foo Inc. Ltd."), "foo");
    }

    #[test]
    fn forms_do_not_eat_names() {
        assert_eq!(name_key("株式会社有限堂"), "有限堂");
        assert_eq!(name_key("合同会社ベータ"), "ベータ");
        assert_eq!(name_key("学研"), "学研");
        assert_eq!(name_key("株式会社学研"), "学研");
        assert_eq!(name_key("医学書院"), "医学書院");
        assert_eq!(name_key("福助"), "福助");
        assert_eq!(name_key("同和"), "同和");
        assert_eq!(name_key("協和発酵"), "協和発酵");
        assert_eq!(name_key("会社"), "会社");
        assert_eq!(name_key("株式投資クラブ"), "株式投資クラブ");
    }

    #[test]
    fn only_a_legal_form_is_empty() {
        for form in [
            "株式会社",
            "(株)",
            "㈱",
            "Co., Ltd.",
            "Inc.",
            " 合同会社 ",
            "",
        ] {
            assert_eq!(name_key(form), "", "{form:?}");
            assert!(!names_match(form, form));
        }
    }

    #[test]
    fn different_names_differ() {
        assert!(!names_match("サンプル", "サンプラー"));
        assert!(!names_match("山田商事", "山田商会"));
        assert!(!names_match("サンプラ", "サンプラー"));
        assert!(!names_match("ABC", "ABD"));
        assert!(!names_match("株式会社サンプル", "株式会社サンプル東京"));
    }

    #[test]
    fn punctuation_variants() {
        assert_same(&[
            "サンプル・ホールディングス",
            "サンプル･ホールディングス",
            "サンプルホールディングス",
        ]);
        assert_same(&[
            "サンプラー",
            "サンプラｰ",
            "サンプラ-",
            "サンプラ－",
            "サンプラ‐",
            "サンプラ−",
        ]);
        assert_same(&["A-B", "Ａ－Ｂ", "A‐B", "A—B", "A–B", "A--B"]);
        assert_same(&["Dr.Sample", "Dr Sample", "dr・sample"]);
        assert_same(&["サンプル、東京。", "サンプル東京", "「サンプル」東京"]);
        assert_same(&["A&B", "Ａ＆Ｂ"]);
        assert!(!names_match("A&B", "AB"));
    }

    #[test]
    fn search_keys() {
        assert_eq!(search_key("株式会社サンプル"), "サンプル");
        assert_eq!(search_key("さんぷる"), "サンプル");
        assert_eq!(search_key("ｻﾝﾌﾟﾙ"), "サンプル");
        assert_eq!(search_key("サンプル株式"), "サンプル");
        assert_eq!(search_key("サンプル株式会"), "サンプル");
        assert_eq!(search_key("サンプル(株"), "サンプル");
        assert_eq!(search_key("サンプルかぶしき"), "サンプル");
        assert_eq!(search_key("Sample Co"), "sample");
        assert_eq!(search_key("Sample Co., Ltd."), "sample");
        assert_eq!(search_key("株式会社"), "");
        assert_eq!(search_key("株式"), "株式");
        assert_eq!(search_key("Co"), "co");
        assert_eq!(search_key("学研"), "学研");
        assert!(name_key("株式会社サンプル東京").contains(&search_key("サンプル 東京")));
    }

    /// Every legal form as people write it, to be added to names.
    const WRITTEN_FORMS: &[&str] = &[
        "株式会社",
        "(株)",
        "（株）",
        "㈱",
        "ｶﾌﾞｼｷｶﾞｲｼｬ",
        "カブシキガイシャ",
        "有限会社",
        "(有)",
        "㈲",
        "合同会社",
        "(同)",
        "合名会社",
        "(名)",
        "合資会社",
        "(資)",
        "一般社団法人",
        "(一社)",
        "一般財団法人",
        "(一財)",
        "公益社団法人",
        "(公社)",
        "公益財団法人",
        "(公財)",
        "特定非営利活動法人",
        "NPO法人",
        "(特非)",
        "医療法人",
        "(医)",
        "社会福祉法人",
        "(福)",
        "学校法人",
        "(学)",
        "協同組合",
        "(協)",
    ];

    const ENGLISH_WRITTEN: &[&str] = &[" Co., Ltd.", " Co.,Ltd.", " K.K.", " Inc.", " LLC"];

    /// Whether a key could join an added legal form into another form: it starts with the end of
    /// a form or ends with the beginning of one.
    fn touches_a_form(key: &str) -> bool {
        JAPANESE_FORMS.iter().chain(ABBREVIATIONS).any(|form| {
            form.char_indices()
                .skip(1)
                .any(|(i, _)| key.starts_with(&form[i..]) || key.ends_with(&form[..i]))
        }) || ENGLISH_FORMS
            .iter()
            .any(|form| (1..form.len()).any(|i| key.ends_with(&form[..i])))
    }

    const KATAKANA: &str = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲンガギグゲゴザジズゼゾダヂヅデドバビブベボパピプペポヴァィゥェォャュョッー";
    const HALF_KATAKANA: &str = "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝ";
    const HALF_BASES: &str = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン";
    const SMALL: &str = "ァィゥェォャュョッー";
    const HALF_SMALL: &str = "ｧｨｩｪｫｬｭｮｯｰ";

    fn to_hiragana(s: &str) -> String {
        s.chars()
            .map(|c| match c {
                'ァ'..='ヶ' => char::from_u32(u32::from(c) - 0x60).unwrap(),
                _ => c,
            })
            .collect()
    }

    fn to_half_width(s: &str) -> String {
        let mut out = String::new();
        for c in s.nfd() {
            if let Some(i) = HALF_BASES.chars().position(|b| b == c) {
                out.push(HALF_KATAKANA.chars().nth(i).unwrap());
            } else if let Some(i) = SMALL.chars().position(|b| b == c) {
                out.push(HALF_SMALL.chars().nth(i).unwrap());
            } else if c == '\u{3099}' {
                out.push('ﾞ');
            } else if c == '\u{309A}' {
                out.push('ﾟ');
            } else {
                out.push(c);
            }
        }
        out
    }

    fn to_full_width(s: &str) -> String {
        s.chars()
            .map(|c| match c {
                '!'..='~' => char::from_u32(u32::from(c) - 0x21 + 0xFF01).unwrap(),
                ' ' => '\u{3000}',
                _ => c,
            })
            .collect()
    }

    fn kana_ascii() -> impl Strategy<Value = String> {
        let alphabet: Vec<char> = KATAKANA
            .chars()
            .chain('!'..='~')
            .chain("山田商事会社株式有限合同学研協和".chars())
            .collect();
        proptest::collection::vec(proptest::sample::select(alphabet), 0..24)
            .prop_map(|v| v.into_iter().collect())
    }

    /// Names made of the pieces the folding cares about: forms, their halves, combining marks,
    /// punctuation, spaces.
    fn tricky() -> impl Strategy<Value = String> {
        let pieces = vec![
            "株式会社",
            "株式",
            "会社",
            "(株)",
            "(",
            ")",
            "㈱",
            "有限",
            "合同",
            "一般",
            "社団法人",
            "医療法人",
            "社団",
            "カブシキ",
            "ガイシャ",
            "ｶﾞｲｼｬ",
            "inc",
            "Inc.",
            "co",
            "Co.,",
            "ltd",
            "k",
            "K.",
            " ",
            "\u{3000}",
            "・",
            ".",
            ",",
            "ー",
            "-",
            "ｰ",
            "\u{3099}",
            "゛",
            "ﾞ",
            "か",
            "カ",
            "は",
            "ﾊ",
            "\u{309A}",
            "a",
            "Z",
            "İ",
            "Σ",
            "ß",
            "1",
            "１",
            "&",
            "\u{200B}",
            "サンプル",
            "山田",
            "㍿",
            "㊑",
        ];
        proptest::collection::vec(proptest::sample::select(pieces), 0..16).prop_map(|v| v.concat())
    }

    proptest! {
        /// Skipping the characters no form begins with finds the forms a full comparison finds.
        #[test]
        fn the_initials_shortcut_finds_every_form(s in tricky()) {
            for (i, _) in s.char_indices() {
                let text = &s[i..];
                let every = JAPANESE_FORMS
                    .iter()
                    .chain(ABBREVIATIONS)
                    .filter_map(|form| form_len_at(text, form))
                    .max();
                prop_assert_eq!(longest_form_at(text), every);
            }
        }

        #[test]
        fn idempotent_on_tricky_names(s in tricky()) {
            let key = name_key(&s);
            prop_assert_eq!(name_key(&key), key);
            let _ = search_key(&s);
        }

        #[test]
        fn idempotent(s in "\\PC{0,40}") {
            let key = name_key(&s);
            prop_assert_eq!(name_key(&key), key);
        }

        #[test]
        fn idempotent_on_kana_and_ascii(s in kana_ascii()) {
            let key = name_key(&s);
            prop_assert_eq!(name_key(&key), key);
        }

        #[test]
        fn never_panics(s in any::<String>()) {
            let _ = name_key(&s);
            let _ = search_key(&s);
            let _ = names_match(&s, "サンプル");
        }

        #[test]
        fn spaces_do_not_matter(
            s in kana_ascii(),
            positions in proptest::collection::vec(any::<prop::sample::Index>(), 0..6),
            space in prop::sample::select(vec![" ", "\u{3000}", "\t", "  ", "\u{00A0}"]),
        ) {
            let mut chars: Vec<String> = s.chars().map(String::from).collect();
            for p in positions {
                let at = p.index(chars.len() + 1);
                chars.insert(at, space.to_owned());
            }
            let spaced: String = chars.concat();
            // A space before trailing letters can make them an English legal form (`Z Inc`
            // is the company Z); that is the one place where a space carries meaning.
            prop_assume!(english_form_start(&fold_chars(&nfkc(&spaced)), |w| ENGLISH_FORMS.contains(&w)).is_none());
            prop_assert_eq!(name_key(&spaced), name_key(&s));
        }

        #[test]
        fn kana_and_width_do_not_matter(s in kana_ascii()) {
            let key = name_key(&s);
            prop_assert_eq!(&name_key(&to_hiragana(&s)), &key);
            prop_assert_eq!(&name_key(&to_half_width(&s)), &key);
            prop_assert_eq!(&name_key(&to_full_width(&s)), &key);
            prop_assert_eq!(&name_key(&to_half_width(&to_full_width(&to_hiragana(&s)))), &key);
        }

        #[test]
        fn matching_is_symmetric(a in kana_ascii(), b in kana_ascii()) {
            prop_assert_eq!(names_match(&a, &b), names_match(&b, &a));
            prop_assert_eq!(names_match(&a, &a), !name_key(&a).is_empty());
        }

        #[test]
        fn a_key_holds_the_grams_of_every_term_it_contains(
            s in "\\PC{0,30}",
            start in any::<prop::sample::Index>(),
            end in any::<prop::sample::Index>(),
        ) {
            let key = name_key(&s);
            let chars: Vec<char> = key.chars().collect();
            let (a, b) = (start.index(chars.len() + 1), end.index(chars.len() + 1));
            let term: String = chars[a.min(b)..a.max(b)].iter().collect();
            let held = grams(&key);
            let wanted = grams(&term);
            prop_assert_eq!(wanted.is_empty(), term.chars().count() < GRAM_CHARS);
            for gram in &wanted {
                prop_assert!(held.contains(gram), "{:?} lacks {:?}", key, gram);
                prop_assert_eq!(gram.chars().count(), GRAM_CHARS);
            }
            let mut distinct = held.clone();
            distinct.dedup();
            distinct.sort();
            distinct.dedup();
            prop_assert_eq!(distinct.len(), held.len(), "no gram twice");
        }

        #[test]
        fn search_finds_fragments(s in kana_ascii()) {
            // A search for a whole name finds it.
            let key = name_key(&s);
            prop_assert!(key.contains(&search_key(&s)));
        }
    }

    proptest! {
        // About one name in five is set aside for touching a form.
        #![proptest_config(ProptestConfig {
            max_global_rejects: 1_000_000,
            ..ProptestConfig::default()
        })]

        #[test]
        fn legal_forms_do_not_matter(
            s in kana_ascii(),
            form in prop::sample::select(WRITTEN_FORMS),
            english in prop::sample::select(ENGLISH_WRITTEN),
        ) {
            let key = name_key(&s);
            prop_assume!(!key.is_empty() && !touches_a_form(&key));
            prop_assert_eq!(&name_key(&format!("{form}{s}")), &key);
            prop_assert_eq!(&name_key(&format!("{s}{form}")), &key);
            prop_assert_eq!(&name_key(&format!("{form} {s} ")), &key);
            prop_assert_eq!(&name_key(&format!("{s}{english}")), &key);
            let prefixed = format!("{form}{s}");
            prop_assert!(names_match(&prefixed, &s));
        }
    }
}
