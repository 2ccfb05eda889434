//! Validated code lists used in an application (申込み): the prefecture (都道府県, JIS X 0401)
//! and the industry division (大分類) of the Japan Standard Industrial Classification
//! (日本標準産業分類, Rev. 14).
//!
//! Both codes are small `Copy` newtypes that can only be built from a valid code, so holding one
//! is proof that it names an existing prefecture or industry division. On the wire they are plain
//! strings (`"13"`, `"G"`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

use super::language::{Language, Localized};
use super::validation::FieldCode;

/// The number of prefecture codes (都道府県コード), `01` to `47`.
pub const ALL_PREFECTURE_CODES: usize = 47;

/// The number of industry divisions (産業大分類), `A` to `T`.
pub const ALL_INDUSTRY_CODES: usize = 20;

/// Regular expression for a prefecture code, as published in the `OpenAPI` schema.
pub const PREFECTURE_CODE_PATTERN: &str = "^(0[1-9]|[1-3][0-9]|4[0-7])$";

/// Regular expression for an industry division letter, as published in the `OpenAPI` schema.
pub const INDUSTRY_CODE_PATTERN: &str = "^[A-T]$";

/// A code that is not in its code list.
///
/// `code` is the machine-readable error code (`"unknown_prefecture"` or `"unknown_industry"`);
/// [`CodeError::message`] gives the text for people in either language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeError {
    /// Machine-readable error code.
    pub code: FieldCode,
    text: Localized,
}

impl CodeError {
    /// The error for a string that is not a prefecture code (都道府県コード).
    pub const UNKNOWN_PREFECTURE: CodeError = CodeError {
        code: FieldCode::UnknownPrefecture,
        text: Localized {
            ja: "都道府県コードは01～47の2桁で指定してください",
            en: "The prefecture must be a two-digit JIS X 0401 code from 01 to 47",
        },
    };

    /// The error for a string that is not an industry division letter (産業大分類).
    pub const UNKNOWN_INDUSTRY: CodeError = CodeError {
        code: FieldCode::UnknownIndustry,
        text: Localized {
            ja: "業種は日本標準産業分類の大分類（AからTの英大文字1文字）で指定してください",
            en: "The industry must be a Japan Standard Industrial Classification division: \
                 one uppercase letter from A to T",
        },
    };

    /// The message for people, in the given language.
    pub fn message(&self, language: Language) -> &'static str {
        self.text.get(language)
    }
}

impl fmt::Display for CodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.text.en)
    }
}

impl std::error::Error for CodeError {}

/// The two-digit codes, indexed by prefecture number − 1.
const PREFECTURE_CODES: [&str; ALL_PREFECTURE_CODES] = [
    "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14", "15", "16",
    "17", "18", "19", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31", "32",
    "33", "34", "35", "36", "37", "38", "39", "40", "41", "42", "43", "44", "45", "46", "47",
];

/// Shorthand for a table entry.
const fn loc(ja: &'static str, en: &'static str) -> Localized {
    Localized { ja, en }
}

/// Prefecture names, indexed by prefecture number − 1 (JIS X 0401 order).
const PREFECTURE_NAMES: [Localized; ALL_PREFECTURE_CODES] = [
    loc("北海道", "Hokkaido"),
    loc("青森県", "Aomori"),
    loc("岩手県", "Iwate"),
    loc("宮城県", "Miyagi"),
    loc("秋田県", "Akita"),
    loc("山形県", "Yamagata"),
    loc("福島県", "Fukushima"),
    loc("茨城県", "Ibaraki"),
    loc("栃木県", "Tochigi"),
    loc("群馬県", "Gunma"),
    loc("埼玉県", "Saitama"),
    loc("千葉県", "Chiba"),
    loc("東京都", "Tokyo"),
    loc("神奈川県", "Kanagawa"),
    loc("新潟県", "Niigata"),
    loc("富山県", "Toyama"),
    loc("石川県", "Ishikawa"),
    loc("福井県", "Fukui"),
    loc("山梨県", "Yamanashi"),
    loc("長野県", "Nagano"),
    loc("岐阜県", "Gifu"),
    loc("静岡県", "Shizuoka"),
    loc("愛知県", "Aichi"),
    loc("三重県", "Mie"),
    loc("滋賀県", "Shiga"),
    loc("京都府", "Kyoto"),
    loc("大阪府", "Osaka"),
    loc("兵庫県", "Hyogo"),
    loc("奈良県", "Nara"),
    loc("和歌山県", "Wakayama"),
    loc("鳥取県", "Tottori"),
    loc("島根県", "Shimane"),
    loc("岡山県", "Okayama"),
    loc("広島県", "Hiroshima"),
    loc("山口県", "Yamaguchi"),
    loc("徳島県", "Tokushima"),
    loc("香川県", "Kagawa"),
    loc("愛媛県", "Ehime"),
    loc("高知県", "Kochi"),
    loc("福岡県", "Fukuoka"),
    loc("佐賀県", "Saga"),
    loc("長崎県", "Nagasaki"),
    loc("熊本県", "Kumamoto"),
    loc("大分県", "Oita"),
    loc("宮崎県", "Miyazaki"),
    loc("鹿児島県", "Kagoshima"),
    loc("沖縄県", "Okinawa"),
];

/// A prefecture (都道府県) by its JIS X 0401 code, `"01"` (北海道) to `"47"` (沖縄県).
///
/// Always a valid code: build it with [`PrefectureCode::parse`] or
/// [`PrefectureCode::from_number`]. Serialized as the two-digit string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PrefectureCode(u8);

impl PrefectureCode {
    /// Parses a code: exactly two ASCII digits, `01` to `47`. No trimming, no full-width digits.
    ///
    /// # Errors
    ///
    /// [`CodeError::UNKNOWN_PREFECTURE`] for anything else (`"1"`, `"001"`, `"48"`, `"０１"`, …).
    pub fn parse(s: &str) -> Result<PrefectureCode, CodeError> {
        match s.as_bytes() {
            &[tens @ b'0'..=b'9', units @ b'0'..=b'9'] => {
                PrefectureCode::from_number((tens - b'0') * 10 + (units - b'0'))
            }
            _ => Err(CodeError::UNKNOWN_PREFECTURE),
        }
    }

    /// The prefecture with the given number, 1 (北海道) to 47 (沖縄県).
    ///
    /// # Errors
    ///
    /// [`CodeError::UNKNOWN_PREFECTURE`] for 0 or a number above 47.
    pub const fn from_number(number: u8) -> Result<PrefectureCode, CodeError> {
        if number >= 1 && number as usize <= ALL_PREFECTURE_CODES {
            Ok(PrefectureCode(number))
        } else {
            Err(CodeError::UNKNOWN_PREFECTURE)
        }
    }

    /// The two-digit code, e.g. `"13"`.
    pub fn as_str(&self) -> &'static str {
        PREFECTURE_CODES[self.index()]
    }

    /// The number, 1 to 47.
    pub fn number(self) -> u8 {
        self.0
    }

    /// The name: in Japanese with its 都/道/府/県 suffix (東京都), in English without (Tokyo).
    pub fn name(self) -> Localized {
        PREFECTURE_NAMES[self.index()]
    }

    /// All 47 prefectures in code order.
    pub fn all() -> impl Iterator<Item = PrefectureCode> {
        (1..=ALL_PREFECTURE_CODES as u8).map(PrefectureCode)
    }

    fn index(self) -> usize {
        usize::from(self.0) - 1
    }
}

impl fmt::Display for PrefectureCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for PrefectureCode {
    type Err = CodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PrefectureCode::parse(s)
    }
}

impl Serialize for PrefectureCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for PrefectureCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(CodeVisitor {
            expected: "a two-digit JIS X 0401 prefecture code from \"01\" to \"47\"",
            parse: PrefectureCode::parse,
        })
    }
}

impl utoipa::PartialSchema for PrefectureCode {
    fn schema() -> RefOr<Schema> {
        string_schema(
            "Prefecture (都道府県): JIS X 0401 code, 01 (Hokkaido) to 47 (Okinawa)",
            PREFECTURE_CODE_PATTERN,
            2,
            "13",
        )
    }
}

impl utoipa::ToSchema for PrefectureCode {}

/// The division letters, indexed by letter − `A`.
const INDUSTRY_CODES: [&str; ALL_INDUSTRY_CODES] = [
    "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q", "R", "S",
    "T",
];

/// Division names, indexed by letter − `A` (JSIC Rev. 14).
const INDUSTRY_NAMES: [Localized; ALL_INDUSTRY_CODES] = [
    loc("農業，林業", "Agriculture and forestry"),
    loc("漁業", "Fisheries"),
    loc(
        "鉱業，採石業，砂利採取業",
        "Mining and quarrying of stone and gravel",
    ),
    loc("建設業", "Construction"),
    loc("製造業", "Manufacturing"),
    loc(
        "電気・ガス・熱供給・水道業",
        "Electricity, gas, heat supply and water",
    ),
    loc("情報通信業", "Information and communications"),
    loc("運輸業，郵便業", "Transport and postal activities"),
    loc("卸売業，小売業", "Wholesale and retail trade"),
    loc("金融業，保険業", "Finance and insurance"),
    loc(
        "不動産業，物品賃貸業",
        "Real estate and goods rental and leasing",
    ),
    loc(
        "学術研究，専門・技術サービス業",
        "Scientific research, professional and technical services",
    ),
    loc(
        "宿泊業，飲食サービス業",
        "Accommodations, eating and drinking services",
    ),
    loc(
        "生活関連サービス業，娯楽業",
        "Living-related and personal services and amusement services",
    ),
    loc("教育，学習支援業", "Education, learning support"),
    loc("医療，福祉", "Medical, health care and welfare"),
    loc("複合サービス事業", "Compound services"),
    loc("サービス業（他に分類されないもの）", "Services, n.e.c."),
    loc(
        "公務（他に分類されるものを除く）",
        "Government, except elsewhere classified",
    ),
    loc("分類不能の産業", "Industries unable to classify"),
];

/// An industry division (産業大分類) of the Japan Standard Industrial Classification
/// (日本標準産業分類, Rev. 14), by its letter `A` (農業，林業) to `T` (分類不能の産業).
///
/// Always a valid letter: build it with [`IndustryCode::parse`] or
/// [`IndustryCode::from_letter`]. Serialized as the one-letter string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IndustryCode(u8);

impl IndustryCode {
    /// The last division letter.
    const LAST: u8 = b'A' + ALL_INDUSTRY_CODES as u8 - 1;

    /// Parses a code: exactly one uppercase ASCII letter, `A` to `T`.
    ///
    /// # Errors
    ///
    /// [`CodeError::UNKNOWN_INDUSTRY`] for anything else (`"U"`, `"g"`, `"GA"`, `"Ｇ"`, …).
    pub fn parse(s: &str) -> Result<IndustryCode, CodeError> {
        match s.as_bytes() {
            &[letter] => IndustryCode::from_byte(letter),
            _ => Err(CodeError::UNKNOWN_INDUSTRY),
        }
    }

    /// The division with the given letter, `'A'` to `'T'` (uppercase only).
    ///
    /// # Errors
    ///
    /// [`CodeError::UNKNOWN_INDUSTRY`] for any other character.
    pub fn from_letter(letter: char) -> Result<IndustryCode, CodeError> {
        u8::try_from(letter)
            .map_err(|_| CodeError::UNKNOWN_INDUSTRY)
            .and_then(IndustryCode::from_byte)
    }

    fn from_byte(letter: u8) -> Result<IndustryCode, CodeError> {
        if (b'A'..=Self::LAST).contains(&letter) {
            Ok(IndustryCode(letter))
        } else {
            Err(CodeError::UNKNOWN_INDUSTRY)
        }
    }

    /// The letter as a string, e.g. `"G"`.
    pub fn as_str(&self) -> &'static str {
        INDUSTRY_CODES[self.index()]
    }

    /// The letter, e.g. `'G'`.
    pub fn letter(self) -> char {
        char::from(self.0)
    }

    /// The division's name, e.g. 情報通信業 / Information and communications.
    pub fn name(self) -> Localized {
        INDUSTRY_NAMES[self.index()]
    }

    /// All 20 divisions in letter order.
    pub fn all() -> impl Iterator<Item = IndustryCode> {
        (b'A'..=Self::LAST).map(IndustryCode)
    }

    fn index(self) -> usize {
        usize::from(self.0 - b'A')
    }
}

impl fmt::Display for IndustryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for IndustryCode {
    type Err = CodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        IndustryCode::parse(s)
    }
}

impl Serialize for IndustryCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for IndustryCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(CodeVisitor {
            expected: "a Japan Standard Industrial Classification division letter from \"A\" to \"T\"",
            parse: IndustryCode::parse,
        })
    }
}

impl utoipa::PartialSchema for IndustryCode {
    fn schema() -> RefOr<Schema> {
        string_schema(
            "Industry (業種): Japan Standard Industrial Classification (日本標準産業分類) \
             division letter, A to T",
            INDUSTRY_CODE_PATTERN,
            1,
            "G",
        )
    }
}

impl utoipa::ToSchema for IndustryCode {}

/// A string schema with a pattern, the length that pattern allows, and one example.
fn string_schema(description: &str, pattern: &str, length: usize, example: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .pattern(Some(pattern))
        .max_length(Some(length))
        .examples([example])
        .into()
}

/// Deserializes a code from a string (borrowed or owned) with the given parser.
struct CodeVisitor<T> {
    expected: &'static str,
    parse: fn(&str) -> Result<T, CodeError>,
}

impl<T> serde::de::Visitor<'_> for CodeVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expected)
    }

    fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<T, E> {
        (self.parse)(value).map_err(|_| E::invalid_value(serde::de::Unexpected::Str(value), &self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    /// The regex of a schema pattern without its anchors, for proptest's string generator.
    fn unanchored(pattern: &str) -> &str {
        pattern
            .strip_prefix('^')
            .and_then(|p| p.strip_suffix('$'))
            .expect("pattern is anchored")
    }

    fn schema_json<T: utoipa::PartialSchema>() -> serde_json::Value {
        serde_json::to_value(T::schema()).expect("schema serializes")
    }

    #[test]
    fn every_prefecture_round_trips() {
        for n in 1..=47u8 {
            let text = format!("{n:02}");
            let code = PrefectureCode::parse(&text).expect("valid code");
            assert_eq!(code.number(), n);
            assert_eq!(code.as_str(), text);
            assert_eq!(code.to_string(), text);
            assert_eq!(text.parse::<PrefectureCode>(), Ok(code));
            assert_eq!(PrefectureCode::from_number(n), Ok(code));
            let json = serde_json::to_string(&code).expect("serializes");
            assert_eq!(json, format!("\"{text}\""));
            let back: PrefectureCode = serde_json::from_str(&json).expect("deserializes");
            assert_eq!(back, code);
            let owned: PrefectureCode =
                serde_json::from_value(serde_json::Value::String(text.clone()))
                    .expect("deserializes from an owned string");
            assert_eq!(owned, code);
        }
    }

    #[test]
    fn known_prefecture_names() {
        let name = |code: &str| PrefectureCode::parse(code).expect("valid code").name();
        assert_eq!(name("01"), loc("北海道", "Hokkaido"));
        assert_eq!(name("13"), loc("東京都", "Tokyo"));
        assert_eq!(name("26"), loc("京都府", "Kyoto"));
        assert_eq!(name("27"), loc("大阪府", "Osaka"));
        assert_eq!(name("47"), loc("沖縄県", "Okinawa"));
        assert_eq!(name("13").get(Language::En), "Tokyo");
    }

    #[test]
    fn near_miss_prefecture_codes_are_rejected() {
        for bad in [
            "", "0", "1", "9", "00", "48", "99", "001", "013", " 01", "01 ", "1 ", "+1", "-1",
            "０１", "13\n", "1a", "ab", "４７",
        ] {
            assert_eq!(
                PrefectureCode::parse(bad),
                Err(CodeError::UNKNOWN_PREFECTURE),
                "{bad:?}"
            );
        }
        assert!(PrefectureCode::from_number(0).is_err());
        assert!(PrefectureCode::from_number(48).is_err());
        assert!(PrefectureCode::from_number(u8::MAX).is_err());
    }

    #[test]
    fn prefectures_are_47_distinct_and_well_named() {
        let all: Vec<_> = PrefectureCode::all().collect();
        assert_eq!(all.len(), ALL_PREFECTURE_CODES);
        assert!(all.windows(2).all(|w| w[0] < w[1]));
        let codes: HashSet<_> = all.iter().map(|c| c.as_str()).collect();
        let ja: HashSet<_> = all.iter().map(|c| c.name().ja).collect();
        let en: HashSet<_> = all.iter().map(|c| c.name().en).collect();
        assert_eq!(codes.len(), 47);
        assert_eq!(ja.len(), 47);
        assert_eq!(en.len(), 47);
        for code in all {
            let name = code.name();
            assert!(!name.get(Language::En).is_empty(), "{code}");
            assert!(!name.get(Language::Ja).is_empty(), "{code}");
            assert!(
                ["都", "道", "府", "県"]
                    .iter()
                    .any(|s| name.ja.ends_with(s)),
                "{code} {}",
                name.ja
            );
        }
        let suffix_count = |s: &str| {
            PrefectureCode::all()
                .filter(|c| c.name().ja.ends_with(s))
                .count()
        };
        assert_eq!(suffix_count("都"), 1);
        assert_eq!(suffix_count("道"), 1);
        assert_eq!(suffix_count("府"), 2);
        assert_eq!(suffix_count("県"), 43);
    }

    #[test]
    fn every_industry_round_trips() {
        for (i, letter) in ('A'..='T').enumerate() {
            let text = letter.to_string();
            let code = IndustryCode::parse(&text).expect("valid letter");
            assert_eq!(code.letter(), letter);
            assert_eq!(code.as_str(), text);
            assert_eq!(code.to_string(), text);
            assert_eq!(text.parse::<IndustryCode>(), Ok(code));
            assert_eq!(IndustryCode::from_letter(letter), Ok(code));
            assert_eq!(IndustryCode::all().nth(i), Some(code));
            let json = serde_json::to_string(&code).expect("serializes");
            assert_eq!(json, format!("\"{text}\""));
            let back: IndustryCode = serde_json::from_str(&json).expect("deserializes");
            assert_eq!(back, code);
            let name = code.name();
            assert!(!name.get(Language::Ja).is_empty(), "{code}");
            assert!(!name.get(Language::En).is_empty(), "{code}");
        }
        assert_eq!(IndustryCode::all().count(), ALL_INDUSTRY_CODES);
        let ja: HashSet<_> = IndustryCode::all().map(|c| c.name().ja).collect();
        assert_eq!(ja.len(), ALL_INDUSTRY_CODES);
        let g = IndustryCode::parse("G").expect("valid letter");
        assert_eq!(
            g.name(),
            loc("情報通信業", "Information and communications")
        );
        let t = IndustryCode::parse("T").expect("valid letter");
        assert_eq!(t.name().ja, "分類不能の産業");
    }

    #[test]
    fn other_industry_strings_are_rejected() {
        for bad in [
            "", "U", "Z", "a", "g", "t", "AA", "GA", " G", "G ", "@", "[", "Ｇ", "1", "G\n",
        ] {
            assert_eq!(
                IndustryCode::parse(bad),
                Err(CodeError::UNKNOWN_INDUSTRY),
                "{bad:?}"
            );
        }
        assert!(IndustryCode::from_letter('g').is_err());
        assert!(IndustryCode::from_letter('Ｇ').is_err());
        assert!(IndustryCode::from_letter('U').is_err());
    }

    #[test]
    fn deserialization_errors_are_clear() {
        let err = serde_json::from_str::<PrefectureCode>("\"48\"").expect_err("48 is invalid");
        let text = err.to_string();
        assert!(
            text.contains("\"48\"") && text.contains("\"01\" to \"47\""),
            "{text}"
        );
        assert!(serde_json::from_str::<PrefectureCode>("13").is_err());
        assert!(serde_json::from_str::<PrefectureCode>("null").is_err());

        let err = serde_json::from_str::<IndustryCode>("\"g\"").expect_err("g is invalid");
        let text = err.to_string();
        assert!(
            text.contains("\"g\"") && text.contains("\"A\" to \"T\""),
            "{text}"
        );
        assert!(serde_json::from_str::<IndustryCode>("7").is_err());
    }

    #[test]
    fn errors_have_codes_and_messages() {
        let prefecture = CodeError::UNKNOWN_PREFECTURE;
        assert_eq!(prefecture.code, FieldCode::UnknownPrefecture);
        assert_eq!(
            prefecture.message(Language::Ja),
            "都道府県コードは01～47の2桁で指定してください"
        );
        assert!(prefecture.message(Language::En).contains("01 to 47"));
        assert!(prefecture.to_string().starts_with("unknown_prefecture: "));

        let industry = CodeError::UNKNOWN_INDUSTRY;
        assert_eq!(industry.code.as_str(), "unknown_industry");
        assert!(industry.message(Language::Ja).contains("大分類"));
        assert!(industry.message(Language::En).contains("A to T"));
        let boxed: Box<dyn std::error::Error> = Box::new(industry);
        assert!(boxed.to_string().starts_with("unknown_industry: "));
    }

    #[test]
    fn schemas_are_strings_with_pattern_and_example() {
        let prefecture = schema_json::<PrefectureCode>();
        assert_eq!(prefecture["type"], "string");
        assert_eq!(prefecture["pattern"], PREFECTURE_CODE_PATTERN);
        assert_eq!(prefecture["examples"], serde_json::json!(["13"]));
        assert_eq!(
            <PrefectureCode as utoipa::ToSchema>::name(),
            "PrefectureCode"
        );

        let industry = schema_json::<IndustryCode>();
        assert_eq!(industry["type"], "string");
        assert_eq!(industry["pattern"], INDUSTRY_CODE_PATTERN);
        assert_eq!(industry["examples"], serde_json::json!(["G"]));
        assert_eq!(<IndustryCode as utoipa::ToSchema>::name(), "IndustryCode");

        assert!(PrefectureCode::parse("13").is_ok());
        assert!(IndustryCode::parse("G").is_ok());
    }

    proptest! {
        #[test]
        fn prefecture_parse_accepts_exactly_the_47_codes(s in any::<String>()) {
            let valid = PREFECTURE_CODES.contains(&s.as_str());
            prop_assert_eq!(PrefectureCode::parse(&s).is_ok(), valid);
        }

        #[test]
        fn prefecture_parse_on_digit_like_strings(s in "[0-9０-９ +-]{0,4}") {
            let valid = PREFECTURE_CODES.contains(&s.as_str());
            match PrefectureCode::parse(&s) {
                Ok(code) => {
                    prop_assert!(valid);
                    prop_assert_eq!(code.as_str(), s.as_str());
                }
                Err(err) => {
                    prop_assert!(!valid);
                    prop_assert_eq!(err, CodeError::UNKNOWN_PREFECTURE);
                }
            }
        }

        #[test]
        fn prefecture_pattern_matches_parse(
            s in proptest::string::string_regex(unanchored(PREFECTURE_CODE_PATTERN))
                .expect("valid regex")
        ) {
            prop_assert!(PrefectureCode::parse(&s).is_ok());
        }

        #[test]
        fn prefecture_serde_round_trips(n in 1u8..=47) {
            let code = PrefectureCode::from_number(n).expect("in range");
            let json = serde_json::to_string(&code).expect("serializes");
            let back: PrefectureCode = serde_json::from_str(&json).expect("deserializes");
            prop_assert_eq!(back, code);
        }

        #[test]
        fn industry_parse_accepts_exactly_a_to_t(s in any::<String>()) {
            let valid = INDUSTRY_CODES.contains(&s.as_str());
            prop_assert_eq!(IndustryCode::parse(&s).is_ok(), valid);
        }

        #[test]
        fn industry_parse_on_letter_like_strings(s in "[A-Za-zＡ-Ｚ0-9]{0,3}") {
            let valid = s.len() == 1 && s.chars().all(|c| ('A'..='T').contains(&c));
            match IndustryCode::parse(&s) {
                Ok(code) => {
                    prop_assert!(valid);
                    prop_assert_eq!(code.as_str(), s.as_str());
                }
                Err(err) => {
                    prop_assert!(!valid);
                    prop_assert_eq!(err, CodeError::UNKNOWN_INDUSTRY);
                }
            }
        }

        #[test]
        fn industry_pattern_matches_parse(
            s in proptest::string::string_regex(unanchored(INDUSTRY_CODE_PATTERN))
                .expect("valid regex")
        ) {
            prop_assert!(IndustryCode::parse(&s).is_ok());
        }

        #[test]
        fn industry_from_letter_agrees_with_parse(c in any::<char>()) {
            prop_assert_eq!(IndustryCode::from_letter(c), IndustryCode::parse(&c.to_string()));
        }
    }
}
