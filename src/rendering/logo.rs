//! The marks (ロゴマーク) a declarer downloads once its declaration is accepted, and the logo
//! usage guidelines (ロゴマーク使用ガイドライン) that come with every download.
//!
//! The artwork in `assets/marks/` is this project's **own placeholder** design: it is not, and does
//! not imitate, IPA's SECURITY ACTION logo. Each level (一つ星, 二つ星) has its own mark, shipped as
//! SVG (embedded in the binary) and as a 512×512 PNG rendered from the SVG with `resvg` on first use.
//!
//! A download is a ZIP holding one folder per level, `security-action-one-star/` or
//! `security-action-two-star/`, with `mark.svg`, `mark.png`, `README-ja.txt` and `README-en.txt`.

use std::io::{Cursor, Write};
use std::sync::OnceLock;

use crate::domain::declaration::Star;
use crate::domain::language::Language;

/// The SVG source of the one-star mark.
const ONE_STAR_SVG: &str = include_str!("../../assets/marks/one-star.svg");
/// The SVG source of the two-star mark.
const TWO_STAR_SVG: &str = include_str!("../../assets/marks/two-star.svg");

/// Width and height, in pixels, of the PNG rendition.
pub const PNG_SIZE: u32 = 512;

/// Why a mark or a download could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum LogoError {
    /// The SVG could not be parsed or rendered to PNG.
    #[error("the logo mark could not be rendered: {0}")]
    Render(String),
    /// The ZIP archive could not be written.
    #[error("the logo package could not be written: {0}")]
    Zip(String),
}

/// The SVG source of a star's mark.
pub fn mark_svg(star: Star) -> &'static str {
    match star {
        Star::OneStar => ONE_STAR_SVG,
        Star::TwoStar => TWO_STAR_SVG,
    }
}

/// The PNG rendition of a star's mark: 512×512 pixels on a transparent background.
///
/// It is rendered from [`mark_svg`] on first use and cached for the life of the process. The
/// outcome, failure included, is cached: the SVG is embedded, so rendering it again could not
/// succeed where it once failed.
pub fn mark_png(star: Star) -> Result<&'static [u8], LogoError> {
    static ONE_STAR: OnceLock<Result<Vec<u8>, String>> = OnceLock::new();
    static TWO_STAR: OnceLock<Result<Vec<u8>, String>> = OnceLock::new();
    let cell = match star {
        Star::OneStar => &ONE_STAR,
        Star::TwoStar => &TWO_STAR,
    };
    match cell.get_or_init(|| render_png(mark_svg(star), PNG_SIZE)) {
        Ok(png) => Ok(png.as_slice()),
        Err(reason) => Err(LogoError::Render(reason.clone())),
    }
}

/// Renders an SVG document into a `size`×`size` PNG, scaling its view box to fill the square.
fn render_png(svg: &str, size: u32) -> Result<Vec<u8>, String> {
    use resvg::{tiny_skia, usvg};

    let tree = usvg::Tree::from_str(svg, &usvg::Options::default())
        .map_err(|e| format!("invalid SVG: {e}"))?;
    let mut pixmap = tiny_skia::Pixmap::new(size, size)
        .ok_or_else(|| format!("cannot allocate a {size}×{size} pixmap"))?;
    let source = tree.size();
    let transform = tiny_skia::Transform::from_scale(
        size as f32 / source.width(),
        size as f32 / source.height(),
    );
    resvg::render(&tree, transform, &mut pixmap.as_mut());
    pixmap
        .encode_png()
        .map_err(|e| format!("PNG encoding failed: {e}"))
}

/// The name of the folder inside the ZIP, also a good base name for the ZIP file itself
/// (`security-action-one-star.zip`).
pub fn package_name(star: Star) -> &'static str {
    match star {
        Star::OneStar => "security-action-one-star",
        Star::TwoStar => "security-action-two-star",
    }
}

/// The logo usage guidelines (ロゴマーク使用ガイドライン) for a star's mark, in Japanese followed by English,
/// naming the terms version agreed to and the declaration ID.
pub fn usage_guidance(star: Star, terms_version: &str, declaration_id: &str) -> String {
    format!(
        "{}\n\n{}",
        usage_guidance_in(Language::Ja, star, terms_version, declaration_id),
        usage_guidance_in(Language::En, star, terms_version, declaration_id)
    )
}

/// The usage guidance in one language: the text of `README-ja.txt` or `README-en.txt`.
pub fn usage_guidance_in(
    language: Language,
    star: Star,
    terms_version: &str,
    declaration_id: &str,
) -> String {
    match language {
        Language::Ja => guidance_ja(star, terms_version, declaration_id),
        Language::En => guidance_en(star, terms_version, declaration_id),
    }
}

/// The agreed version of the logo terms as a person reads it (「平成30年7月3日 一部改正（現行）」);
/// a version the service does not know is shown as given.
fn terms_label(language: Language, terms_version: &str) -> String {
    crate::domain::terms::TERMS_VERSIONS
        .iter()
        .find(|t| t.version == terms_version)
        .map_or_else(|| terms_version.to_owned(), |t| t.label(language))
}

/// The Japanese guidance (ロゴマーク使用ガイドライン).
fn guidance_ja(star: Star, terms_version: &str, declaration_id: &str) -> String {
    let level = star.label().ja;
    let settings = crate::texts::current();
    let secretariat = &settings.secretariat_name;
    let inquiry = &settings.inquiry_email;
    let terms = terms_label(Language::Ja, terms_version);
    let (meaning, other_level) = match star {
        Star::OneStar => ("情報セキュリティ5か条に取り組むことを宣言", "二つ星"),
        Star::TwoStar => (
            "5分でできる！情報セキュリティ自社診断を実施し、情報セキュリティ基本方針を定めて外部に公開したことを宣言",
            "一つ星",
        ),
    };
    format!(
        "\
SECURITY ACTION {level} ロゴマーク使用ガイドライン
========================================

自己宣言ID：{declaration_id}
取組み目標：{level}（{meaning}）
同意いただいたロゴマーク使用規約：{terms}

このフォルダーの内容
・mark.svg：ロゴマーク（ベクター形式。印刷物や大きな表示に）
・mark.png：ロゴマーク（512×512ピクセル、背景透過。ウェブサイトや文書に）
・README-ja.txt、README-en.txt：このロゴマーク使用ガイドライン（日本語、英語）

1．ロゴマークを使用できる方
・SECURITY ACTIONの自己宣言を行い、申込みが受理された自己宣言事業者に限り、自己宣言が有効である間だけ使用できます。
・使用できるのは、宣言した取組み目標（{level}）のロゴマークだけです。
・自己宣言を取り下げた場合、または自己宣言が取り消された場合は、直ちにロゴマークの使用をやめ、掲示物やウェブサイトから取り除いてください。
・取組み目標を{other_level}に変更した場合は、{other_level}のロゴマークを改めてダウンロードし、差し替えてください。

2．使用できる場所
ポスター、パンフレット、名刺、封筒、ウェブサイトなど、自社の情報セキュリティへの取組みを示す媒体に表示できます。
商品やサービスの品質や安全性を保証するかのような使い方はできません。

3．表現のルール
SECURITY ACTIONは事業者自身による自己宣言であり、認定制度ではありません。IPAもSECURITY ACTION事務局も、自己宣言事業者を認定するものではありません。
・適切な表現：「{level}を宣言しました」
・不適切な表現：「{level}の認定を受けました」「{level}に認定されました」「SECURITY ACTION認証取得」

4．表示のルール
・色、縦横比、形を変えないでください。拡大や縮小は縦横比を保ったまま行ってください。
・回転、一部の切り取り、影や縁取りなどの効果の追加、他の図柄や文字との合成はしないでください。
次の2点は、本サービスの仮のロゴマーク（下記6）のために定めた目安です。
・ロゴマークの周囲には、ロゴマークの幅の10分の1以上の余白を確保してください。
・判読できる大きさで表示してください（目安：画面では64ピクセル以上、印刷物では10ミリメートル以上）。

5．ロゴマーク使用規約
ロゴマークの使用には、申込み時に同意いただいたロゴマーク使用規約（{terms}）が適用されます。
認定を受けたかのような表示など、規約に反する使用があった場合は、自己宣言が取り消されることがあります。

6．このロゴマークについて
このロゴマークは、本サービスのために作成した仮のデザインです。
IPA（独立行政法人情報処理推進機構）の公式ロゴマークではありません。

お問い合わせ
{secretariat}
{inquiry}
お問い合わせの際は、自己宣言ID（{declaration_id}）をお知らせください。
"
    )
}

/// The English guidance (logo usage guidelines).
fn guidance_en(star: Star, terms_version: &str, declaration_id: &str) -> String {
    let level = star.label().en;
    let settings = crate::texts::current();
    let secretariat = &settings.secretariat_name_en;
    let inquiry = &settings.inquiry_email;
    let terms = terms_label(Language::En, terms_version);
    let (meaning, other_level) = match star {
        Star::OneStar => (
            "a declaration to work on the five principles of information security",
            "Two Stars",
        ),
        Star::TwoStar => (
            "a declaration of having taken the self-diagnosis, set an information-security basic policy and disclosed it",
            "One Star",
        ),
    };
    format!(
        "\
SECURITY ACTION {level}: logo usage guidelines
========================================

Declaration ID: {declaration_id}
Level declared: {level}, {meaning}
Logo terms of use agreed to: {terms}

Contents of this folder
- mark.svg: the logo as a vector image (for print and large displays)
- mark.png: the logo as a 512×512 pixel image with a transparent background (for websites and documents)
- README-ja.txt, README-en.txt: these guidelines (Japanese, English)

1. Who may use the logo
- Only a declarer whose SECURITY ACTION declaration has been accepted, and only while the declaration is valid.
- Only the logo of the level declared ({level}).
- If the declaration is withdrawn or revoked, stop using the logo at once and remove it from printed material and websites.
- If you change your level to {other_level}, download the {other_level} logo and replace this one.

2. Where the logo may appear
Posters, pamphlets, business cards, envelopes, websites and other media that show your company's work on information security.
Do not use it in a way that suggests a guarantee of the quality or safety of a product or service.

3. Wording
SECURITY ACTION is a self-declaration by the business itself, not a certification: neither IPA nor the SECURITY ACTION secretariat certifies declarers.
- Appropriate: \"We have declared SECURITY ACTION {level}.\"
- Inappropriate: \"We have been certified for SECURITY ACTION {level}.\", \"SECURITY ACTION certified\"

4. Display
- Do not change the colours, the proportions or the shape; scale the logo only with its aspect ratio kept.
- Do not rotate or crop it, add shadows, outlines or other effects, or combine it with other artwork or text.
The next two rules are set for this service's placeholder logo (see 6):
- Keep clear space around the logo of at least one tenth of its width.
- Show it at a legible size (as a guide: at least 64 pixels on screen, at least 10 millimetres in print).

5. The logo terms of use
Use of the logo is governed by the logo terms of use you agreed to when applying ({terms}).
A declaration may be revoked for use that breaks the terms, such as presenting the declaration as a certification.

6. About this logo
This logo is placeholder artwork made for this service.
It is not the official logo of IPA (Information-technology Promotion Agency, Japan).

Questions
{secretariat}
{inquiry}
Please quote your declaration ID ({declaration_id}) when you write.
"
    )
}

/// The ZIP a declarer downloads: `security-action-one-star/` (or `…-two-star/`) holding
/// `mark.svg`, `mark.png`, `README-ja.txt` and `README-en.txt`, every entry deflate-compressed.
///
/// The README files are UTF-8 with a byte-order mark, so that editors on Windows that would
/// otherwise guess Shift_JIS show the Japanese correctly. Entries are dated now, in Japan time.
pub fn package(
    star: Star,
    terms_version: &str,
    declaration_id: &str,
) -> Result<Vec<u8>, LogoError> {
    let folder = package_name(star);
    let png = mark_png(star)?;
    let readme = |language| {
        let mut text = String::from('\u{feff}');
        text.push_str(&usage_guidance_in(
            language,
            star,
            terms_version,
            declaration_id,
        ));
        text.into_bytes()
    };
    let entries: [(&str, Vec<u8>); 4] = [
        ("mark.svg", mark_svg(star).as_bytes().to_vec()),
        ("mark.png", png.to_vec()),
        ("README-ja.txt", readme(Language::Ja)),
        ("README-en.txt", readme(Language::En)),
    ];

    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(now_in_japan())
        .unix_permissions(0o644);
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        writer
            .start_file(format!("{folder}/{name}"), options)
            .map_err(|e| LogoError::Zip(e.to_string()))?;
        writer
            .write_all(&bytes)
            .map_err(|e| LogoError::Zip(e.to_string()))?;
    }
    let cursor = writer.finish().map_err(|e| LogoError::Zip(e.to_string()))?;
    Ok(cursor.into_inner())
}

/// The current time in Japan (UTC+9) as a ZIP timestamp; 1980-01-01 if it cannot be expressed.
fn now_in_japan() -> zip::DateTime {
    use chrono::{Datelike, Timelike};

    let Some(jst) = chrono::FixedOffset::east_opt(9 * 3600) else {
        return zip::DateTime::default();
    };
    let now = chrono::Utc::now().with_timezone(&jst);
    let parts = (
        u16::try_from(now.year()),
        u8::try_from(now.month()),
        u8::try_from(now.day()),
        u8::try_from(now.hour()),
        u8::try_from(now.minute()),
        u8::try_from(now.second()),
    );
    match parts {
        (Ok(y), Ok(mo), Ok(d), Ok(h), Ok(mi), Ok(s)) => {
            zip::DateTime::from_date_and_time(y, mo, d, h, mi, s).unwrap_or_default()
        }
        _ => zip::DateTime::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::io::Read;

    fn png_dimensions(png: &[u8]) -> (u32, u32) {
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
        assert_eq!(&png[12..16], b"IHDR", "the first chunk is IHDR");
        let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
        let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
        (width, height)
    }

    #[test]
    fn the_svgs_parse_and_are_self_contained() {
        for star in Star::ALL {
            let svg = mark_svg(star);
            let tree = resvg::usvg::Tree::from_str(svg, &resvg::usvg::Options::default()).unwrap();
            assert_eq!(tree.size().width(), 512.0);
            assert_eq!(tree.size().height(), 512.0);
            assert!(svg.contains("viewBox=\"0 0 512 512\""));
            let lower = svg.to_lowercase();
            assert!(!lower.contains("<text"), "{star:?}: no text elements");
            assert!(!lower.contains("<script"), "{star:?}: no scripts");
            assert!(!lower.contains("href="), "{star:?}: no links");
            assert!(!lower.contains("<image"), "{star:?}: no embedded images");
            let urls = lower.matches("://").count();
            let namespace = lower
                .matches("xmlns=\"http://www.w3.org/2000/svg\"")
                .count();
            assert_eq!(
                urls, namespace,
                "{star:?}: the only URL is the SVG namespace"
            );
            assert!(svg.contains(&format!(
                "<title>SECURITY ACTION {} (placeholder mark)</title>",
                star.label().ja
            )));
            assert!(svg.contains("placeholder artwork"));
            assert!(svg.len() < 4096, "{star:?}: {} bytes", svg.len());
        }
    }

    #[test]
    fn the_pngs_are_512_square_and_drawn_on_transparency() {
        for star in Star::ALL {
            let png = mark_png(star).unwrap();
            assert_eq!(png_dimensions(png), (512, 512));
            let pixmap = resvg::tiny_skia::Pixmap::decode_png(png).unwrap();
            assert_eq!((pixmap.width(), pixmap.height()), (512, 512));
            let corner = pixmap.pixel(0, 0).unwrap();
            assert_eq!(corner.alpha(), 0, "{star:?}: transparent background");
            let centre = pixmap.pixel(256, 256).unwrap();
            assert_eq!(centre.alpha(), 255, "{star:?}: the badge covers the centre");
            let opaque = pixmap.pixels().iter().filter(|p| p.alpha() > 0).count();
            assert!(opaque > 512 * 512 / 3, "{star:?}: {opaque} painted pixels");
            // Cached: the same bytes come back.
            assert!(std::ptr::eq(png, mark_png(star).unwrap()));
        }
    }

    #[test]
    fn the_two_marks_differ() {
        assert_ne!(mark_svg(Star::OneStar), mark_svg(Star::TwoStar));
        assert_ne!(
            mark_png(Star::OneStar).unwrap(),
            mark_png(Star::TwoStar).unwrap()
        );
    }

    fn read_entry(archive: &mut zip::ZipArchive<Cursor<Vec<u8>>>, name: &str) -> Vec<u8> {
        let mut file = archive.by_name(name).unwrap();
        assert_eq!(
            file.compression(),
            zip::CompressionMethod::Deflated,
            "{name}"
        );
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).unwrap();
        bytes
    }

    fn read_text(archive: &mut zip::ZipArchive<Cursor<Vec<u8>>>, name: &str) -> String {
        let text = String::from_utf8(read_entry(archive, name)).unwrap();
        text.strip_prefix('\u{feff}').unwrap().to_owned()
    }

    #[test]
    fn the_package_holds_the_mark_and_the_guidance() {
        let cases = [
            (
                Star::OneStar,
                "security-action-one-star",
                "一つ星を宣言しました",
                "一つ星の認定を受けました",
                "二つ星を宣言しました",
            ),
            (
                Star::TwoStar,
                "security-action-two-star",
                "二つ星を宣言しました",
                "二つ星の認定を受けました",
                "一つ星を宣言しました",
            ),
        ];
        for (star, folder, appropriate, inappropriate, other_level) in cases {
            let bytes = package(star, "2018-07-03", "499999999998").unwrap();
            let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
            let mut names: Vec<String> = archive
                .file_names()
                .map(|n| n.unwrap().into_owned())
                .collect();
            names.sort();
            let mut expected: Vec<String> =
                ["README-en.txt", "README-ja.txt", "mark.png", "mark.svg"]
                    .iter()
                    .map(|n| format!("{folder}/{n}"))
                    .collect();
            expected.sort();
            assert_eq!(names, expected);

            let svg = read_entry(&mut archive, &format!("{folder}/mark.svg"));
            assert_eq!(svg, mark_svg(star).as_bytes());
            let png = read_entry(&mut archive, &format!("{folder}/mark.png"));
            assert_eq!(png, mark_png(star).unwrap());

            let ja = read_text(&mut archive, &format!("{folder}/README-ja.txt"));
            assert!(ja.contains(&format!("・適切な表現：「{appropriate}」")));
            assert!(ja.contains(&format!("・不適切な表現：「{inappropriate}」")));
            assert!(!ja.contains(other_level));
            assert!(ja.contains("ロゴマーク使用規約"));
            assert!(ja.contains("平成30年7月3日 一部改正（現行）"));
            assert!(!ja.contains("2018-07-03"), "no ISO dates in Japanese prose");
            assert!(ja.contains("ロゴマーク使用ガイドライン"));
            assert!(ja.contains("本サービスの仮のロゴマーク（下記6）のために定めた目安"));
            assert!(ja.contains("499999999998"));
            assert!(ja.contains("ポスター、パンフレット、名刺、封筒、ウェブサイト"));
            assert!(ja.contains("取り下げ") && ja.contains("取り消"));
            assert!(ja.contains(&crate::texts::current().inquiry_email));
            assert!(ja.contains("仮のデザイン"));

            let en = read_text(&mut archive, &format!("{folder}/README-en.txt"));
            let lower = star.label().en;
            assert!(en.contains(&format!(
                "Appropriate: \"We have declared SECURITY ACTION {lower}.\""
            )));
            assert!(en.contains(&format!(
                "Inappropriate: \"We have been certified for SECURITY ACTION {lower}.\""
            )));
            assert!(en.contains("Partially amended on 3 July 2018 (current)"));
            assert!(en.contains("placeholder logo"));
            assert!(en.contains("499999999998"));
            assert!(en.contains("not a certification"));
            assert!(en.contains("placeholder artwork"));

            let both = usage_guidance(star, "2018-07-03", "499999999998");
            assert!(both.contains(&ja) && both.contains(&en));
        }
    }

    proptest! {
        #[test]
        fn the_guidance_names_the_declaration_id(
            id in "[0-9]{1,20}",
            two in any::<bool>(),
        ) {
            let star = if two { Star::TwoStar } else { Star::OneStar };
            let text = usage_guidance(star, "2018-07-03", &id);
            let ja = format!("自己宣言ID：{id}");
            let en = format!("Declaration ID: {id}");
            prop_assert!(text.contains(&ja));
            prop_assert!(text.contains(&en));
        }
    }
}
