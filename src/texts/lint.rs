//! Reads every Japanese string literal of the service's source and holds it to the glossary
//! (用語 in `docs`/the domain reference) and the house style: full-width brackets and colons in
//! Japanese prose, no machine code or type name inside a Japanese sentence, one word for each
//! thing.
//!
//! Test code is not read (everything from a file's `#[cfg(test)]` on), nor the files listed in
//! [`EXEMPT_FILES`].

use std::path::{Path, PathBuf};

/// Files whose strings are not checked, each with its reason.
const EXEMPT_FILES: &[(&str, &str)] = &[
    // Legal forms as people write them, half-width brackets included, are input data there.
    ("src/domain/name.rs", "legal-form spellings are data"),
    ("src/seed.rs", "synthetic data, not texts"),
    ("src/seed/names.rs", "synthetic data, not texts"),
    // English descriptions of the API that quote the scheme's Japanese terms in brackets.
    (
        "src/routes/openapi.rs",
        "English prose quoting Japanese terms",
    ),
];

/// Words that name a thing of the glossary wrongly, with the glossary's word.
pub(crate) const WRONG_WORDS: &[(&str, &str)] = &[
    ("照合コード", "確認コード"),
    ("自己宣言完了通知書", "自己宣言完了のお知らせ（印刷用）"),
    ("通知書", "自己宣言完了のお知らせ（印刷用）"),
    ("完了通知", "自己宣言完了のお知らせ"),
    ("申し出", "お申出"),
    ("申出て", "お申出"),
    ("お申し込み", "お申込み"),
    ("申し込み", "申込み"),
    ("取り下げ", "取下げ"),
    ("取り消し", "取消し"),
    ("利用ガイド", "ロゴマーク使用ガイドライン"),
    ("使用ガイド\u{0}", "ロゴマーク使用ガイドライン"),
    ("改定", "一部改正"),
    ("誓約して", "宣言して"),
    ("宣言事業者", "自己宣言事業者"),
    ("宣言日", "自己宣言日"),
    ("5か条", "情報セキュリティ5か条"),
    ("自己診断", "自社診断"),
    ("セキュリティポリシー", "情報セキュリティ基本方針"),
    ("認証を受け", "宣言しました"),
    ("証明する", "宣言していることを確認できる"),
    ("証明として", "宣言していることを確認できる"),
    ("取消し解除", "取消しの撤回"),
    ("登録管理システム", "SECURITY ACTION事務局"),
    ("〜", "～"),
    ("~", "～"),
];

/// Finds the glossary's wrong variants in `text`: (wrong, right) pairs.
pub(crate) fn wrong_words(text: &str) -> Vec<(&'static str, &'static str)> {
    let mut found = Vec::new();
    for &(wrong, right) in WRONG_WORDS {
        let hit = match wrong.strip_suffix('\u{0}') {
            // `使用ガイド` not followed by ライン.
            Some(stem) => text
                .match_indices(stem)
                .any(|(i, _)| !text[i + stem.len()..].starts_with("ライン")),
            // The verbs 取り下げる and 取り消す are spelt out; only the nouns are 取下げ, 取消し.
            None if matches!(wrong, "取り下げ" | "取り消し") => {
                text.match_indices(wrong).any(|(i, _)| {
                    !text[i + wrong.len()..]
                        .starts_with(['る', 'た', 'て', 'ら', 'ま', 'ず', 'な', 'れ', 'よ', 'さ'])
                })
            }
            // Words that are right only with their prefix: 自己宣言事業者, 自己宣言日,
            // 情報セキュリティ5か条.
            None if matches!(wrong, "宣言事業者" | "宣言日" | "5か条") => {
                let prefix = if wrong == "5か条" {
                    "情報セキュリティ"
                } else {
                    "自己"
                };
                text.match_indices(wrong)
                    .any(|(i, _)| !text[..i].ends_with(prefix))
            }
            None => text.contains(wrong),
        };
        if hit {
            found.push((wrong, right));
        }
    }
    found
}

/// Whether `c` is kana, a CJK ideograph or full-width punctuation.
fn is_japanese(c: char) -> bool {
    matches!(c,
        '\u{3000}'..='\u{30FF}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}'
        | '\u{FF01}'..='\u{FF60}')
}

/// Japanese prose has particles: a text with hiragana. English texts that quote a Japanese term
/// (`自己宣言ID: 12 digits`) and names (`(株)サンプル`) have none.
fn is_japanese_prose(text: &str) -> bool {
    text.chars().any(|c| matches!(c, '\u{3041}'..='\u{309F}'))
}

/// What in a Japanese text breaks the house style: half-width brackets or colons between
/// Japanese words, lower-case machine codes, type names.
pub(crate) fn style_problems(text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if matches!(c, '(' | ')' | ':') {
            let near_japanese = chars[i.saturating_sub(1)..(i + 2).min(chars.len())]
                .iter()
                .any(|&n| is_japanese(n));
            // `https://` and `12:04` are not prose.
            let in_url_or_time = c == ':'
                && (chars.get(i + 1) == Some(&'/')
                    || chars.get(i + 1).is_some_and(char::is_ascii_digit));
            if !in_url_or_time && (near_japanese || c != ':') {
                problems.push(format!("half-width {c:?}"));
            }
        }
    }
    for word in ascii_words(&without_file_names(text)) {
        let is_code = word.contains('_')
            || (word.len() >= 2 && word.chars().all(|c| c.is_ascii_lowercase()))
            || word.chars().skip(1).any(|c| c.is_ascii_uppercase())
                && word.chars().any(|c| c.is_ascii_lowercase());
        if is_code && !ALLOWED_WORDS.contains(&word.as_str()) {
            problems.push(format!("code or type name {word:?}"));
        }
    }
    problems
}

/// Latin words that belong in Japanese prose.
const ALLOWED_WORDS: &[&str] = &[
    "https", "http", "www", "example", "jp", "co", "html", "ETag",
];

/// The text without file names such as `mark.svg` or `README-ja.txt`, which are names, not codes.
fn without_file_names(text: &str) -> String {
    const EXTENSIONS: [&str; 6] = ["svg", "png", "txt", "zip", "pdf", "json"];
    let is_name_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if is_name_char(c) {
            run.push(c);
            continue;
        }
        let is_file = run
            .rsplit_once('.')
            .is_some_and(|(stem, ext)| !stem.is_empty() && EXTENSIONS.contains(&ext));
        if !is_file {
            out.push_str(&run);
        }
        run.clear();
        out.push(c);
    }
    out
}

fn ascii_words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.chars().any(|c| c.is_ascii_alphabetic()))
        .map(str::to_owned)
        .collect()
}

/// The string literals of a Rust source, without its test module; `{…}` format arguments are
/// replaced by [`ARGUMENT`].
pub(crate) fn string_literals(source: &str) -> Vec<(usize, String)> {
    let source = source.split("#[cfg(test)]").next().unwrap_or(source);
    let bytes: Vec<char> = source.chars().collect();
    let mut literals = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            '\n' => line += 1,
            '/' if bytes.get(i + 1) == Some(&'/') => {
                while i < bytes.len() && bytes[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '/' if bytes.get(i + 1) == Some(&'*') => {
                while i + 1 < bytes.len() && !(bytes[i] == '*' && bytes[i + 1] == '/') {
                    line += usize::from(bytes[i] == '\n');
                    i += 1;
                }
                i += 2;
                continue;
            }
            '\'' => {
                // A char literal ('"', '\'') or a lifetime: skip the quoted character only.
                if bytes.get(i + 1) == Some(&'\\') {
                    i += 4;
                    while i < bytes.len() && bytes[i - 1] != '\'' {
                        i += 1;
                    }
                    continue;
                }
                if bytes.get(i + 2) == Some(&'\'') {
                    i += 3;
                    continue;
                }
            }
            'r' if matches!(bytes.get(i + 1), Some('#' | '"'))
                && !bytes
                    .get(i.wrapping_sub(1))
                    .is_some_and(|p| p.is_alphanumeric() || *p == '_') =>
            {
                let mut hashes = 0;
                let mut j = i + 1;
                while bytes.get(j) == Some(&'#') {
                    hashes += 1;
                    j += 1;
                }
                if bytes.get(j) == Some(&'"') {
                    let start = j + 1;
                    let closing: String = std::iter::once('"')
                        .chain(std::iter::repeat_n('#', hashes))
                        .collect();
                    let rest: String = bytes[start..].iter().collect();
                    let end = rest.find(&closing).unwrap_or(rest.len());
                    let text = &rest[..end];
                    literals.push((line, without_arguments(text)));
                    line += text.matches('\n').count();
                    i = start + text.chars().count() + closing.chars().count();
                    continue;
                }
            }
            '"' => {
                let mut text = String::new();
                let start_line = line;
                i += 1;
                while i < bytes.len() && bytes[i] != '"' {
                    if bytes[i] == '\\' {
                        i += 1;
                        if bytes.get(i) == Some(&'\n') {
                            line += 1;
                            i += 1;
                            while bytes.get(i).is_some_and(|c| c.is_whitespace()) {
                                line += usize::from(bytes[i] == '\n');
                                i += 1;
                            }
                            continue;
                        }
                        text.push(' ');
                    } else {
                        line += usize::from(bytes[i] == '\n');
                        text.push(bytes[i]);
                    }
                    i += 1;
                }
                literals.push((start_line, without_arguments(&text)));
            }
            _ => {}
        }
        i += 1;
    }
    literals
}

/// The text of an HTML fragment: tags (with their attributes) become spaces.
fn without_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' if !in_tag => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// What stands for a `{…}` format argument: a private-use character, neither Japanese nor Latin.
const ARGUMENT: char = '\u{E000}';

fn without_arguments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut depth = 0;
    for c in text.chars() {
        match c {
            '{' => {
                depth += 1;
                if depth == 1 {
                    out.push(ARGUMENT);
                }
            }
            '}' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

fn source_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            source_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// Every problem in the service's Japanese string literals, as `file:line: problem: text`.
fn problems_in_sources() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    source_files(&root.join("src"), &mut files);
    files.sort();
    let mut problems = Vec::new();
    for file in files {
        let relative = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .to_string_lossy()
            .replace('\\', "/");
        let test_code = relative == "src/texts/lint.rs" || relative.ends_with("/tests.rs");
        if test_code || EXEMPT_FILES.iter().any(|(f, _)| *f == relative) {
            continue;
        }
        let Ok(source) = std::fs::read_to_string(&file) else {
            continue;
        };
        let lines = string_literals(&source)
            .into_iter()
            .flat_map(|(line, text)| {
                // A literal may hold a Japanese and an English text one after the other.
                let texts: Vec<(usize, String)> = text
                    .lines()
                    .enumerate()
                    .map(|(i, t)| (line + i, t.to_owned()))
                    .collect();
                texts
            });
        for (line, text) in lines {
            if !is_japanese_prose(&text) {
                continue;
            }
            let text = without_markup(&text);
            for (wrong, right) in wrong_words(&text) {
                problems.push(format!("{relative}:{line}: {wrong} (say {right}): {text}"));
            }
            for problem in style_problems(&text) {
                problems.push(format!("{relative}:{line}: {problem}: {text}"));
            }
        }
    }
    problems
}

#[test]
fn every_japanese_text_of_the_service_uses_the_glossary_and_the_house_style() {
    let problems = problems_in_sources();
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_reader_finds_literals_and_the_checks_find_each_listed_wrong_variant() {
    let source = "let a = \"宣言日：{}\"; // \"照合コード\"\nlet b = r#\"状態(withdrawn)\"#;\nlet c = '\"';\n#[cfg(test)]\n\"通知書\"";
    let literals = string_literals(source);
    assert_eq!(
        literals,
        vec![
            (1, "宣言日：\u{E000}".to_owned()),
            (2, "状態(withdrawn)".to_owned())
        ]
    );
    assert!(style_problems("状態(withdrawn)").len() >= 3);
    assert!(style_problems("現在の状態ではこの操作はできません").is_empty());
    assert!(style_problems("expected struct AnswerInput").len() >= 2);
    assert!(style_problems("リクエストが多すぎます：https://x.example/").is_empty());
    assert!(style_problems("・mark.svg：ロゴマーク、README-ja.txt").is_empty());
    assert!(!style_problems("有効期限：12:04 (日本時間)").is_empty());
    for &(wrong, right) in WRONG_WORDS {
        let wrong = wrong.trim_end_matches('\u{0}');
        assert!(
            wrong_words(&format!("これは{wrong}です")).contains(&(
                WRONG_WORDS
                    .iter()
                    .find(|(w, _)| w.trim_end_matches('\u{0}') == wrong)
                    .map_or(wrong, |(w, _)| *w),
                right
            )),
            "{wrong}"
        );
    }
    assert!(
        wrong_words("自己宣言事業者、ロゴマーク使用ガイドライン、取下げ、確認コード").is_empty()
    );
    assert!(wrong_words("宣言を取り下げた場合、または取り消された場合").is_empty());
    assert!(wrong_words("情報セキュリティ5か条への取組み").is_empty());
    assert!(!wrong_words("5か条への取組み").is_empty());
    assert!(!wrong_words("取り下げの手続き").is_empty());
}
