//! The printable completion notice (自己宣言完了のお知らせ（印刷用）).
//!
//! Subsidy applications have long asked applicants to print the completion e-mail as proof of their
//! declaration: a paper anyone can forge. This module renders, instead, a self-contained HTML page
//! for one A4 sheet that carries a verification code, its URL and that URL as a QR code, so that
//! whoever receives the printout (a subsidy office, a business partner) can check online that the
//! notice is genuine and what state the declaration is in today.
//!
//! The page loads nothing from anywhere: no scripts, no fonts, no images by URL (the QR code is an
//! inline SVG element, the styles are inline) and every value that comes from the outside is
//! HTML-escaped. The user number (利用者番号) is a login name, so the page shows only its last four
//! digits: the printout is meant to be handed to third parties.

use chrono::{DateTime, Datelike, FixedOffset, Utc};
use qrcode::QrCode;
use qrcode::render::svg;

use crate::domain::declaration::{Star, Status};
use crate::domain::five_principles::FIVE_PRINCIPLES;
use crate::texts::{self, TextSettings};

/// What the notice shows.
#[derive(Debug, Clone)]
pub struct Notice<'a> {
    /// 会社名: the declarer's name, printed with 御中 (the notice is addressed to an organisation).
    pub organization_name: &'a str,
    /// 利用者番号: shown masked except the last 4 digits, e.g. `********1234`: the printout is
    /// handed to third parties and the user number is a login name.
    pub user_number: &'a str,
    /// 自己宣言ID, e.g. `499999999999`.
    pub declaration_id: &'a str,
    /// The level declared (取組み目標).
    pub star: Star,
    /// The status when the notice is issued.
    pub status: Status,
    /// When the declaration was made.
    pub declared_at: DateTime<Utc>,
    /// When the secretariat accepted it, if it did.
    pub accepted_at: Option<DateTime<Utc>>,
    /// Since when the declaration has been at its current level.
    pub star_since: DateTime<Utc>,
    /// The code that identifies this notice for online verification.
    pub verification_code: &'a str,
    /// Where anyone can check the notice, e.g. `https://host/v1/notice-verifications/CODE`.
    pub verification_url: &'a str,
    /// 発行日: when this notice was issued.
    pub issued_at: DateTime<Utc>,
}

/// Japan Standard Time, UTC+9 (Japan has no daylight saving time).
pub(crate) const JST: FixedOffset = match FixedOffset::east_opt(9 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+9 is a valid offset"),
};

/// How many trailing characters of the user number the notice shows.
const USER_NUMBER_VISIBLE: usize = 4;

/// The page's style sheet: A4 portrait, sober, system fonts only.
const STYLE: &str = r#"@page { size: A4; margin: 12mm 15mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; background: #fff; color: #1a1a1a; font-family: "Hiragino Kaku Gothic ProN", "Noto Sans JP", "Noto Sans CJK JP", "Yu Gothic", sans-serif; font-size: 9.5pt; line-height: 1.45; }
main { max-width: 180mm; margin: 0 auto; }
@media screen { main { margin: 10mm auto; } }
header { display: flex; justify-content: space-between; align-items: flex-end; border-bottom: 2px solid #1a1a1a; padding-bottom: 1.5mm; margin-bottom: 3mm; }
.scheme { margin: 0; font-size: 8.5pt; color: #444; letter-spacing: 0.05em; }
h1 { margin: 0.5mm 0 0; font-size: 15pt; line-height: 1.3; }
h2 { margin: 0 0 1mm; font-size: 10.5pt; }
.issued { margin: 0; font-size: 9pt; white-space: nowrap; }
.warning { margin: 0 0 3mm; padding: 2mm 3mm; border: 2.5px solid #b00020; background: #fdecee; color: #b00020; font-size: 12pt; font-weight: bold; line-height: 1.4; }
.warning p { margin: 0; }
.warning .detail { margin-top: 0.5mm; font-size: 9pt; font-weight: normal; color: #1a1a1a; }
.addressee { margin: 0 0 1.5mm; font-size: 11.5pt; font-weight: bold; line-height: 1.4; overflow-wrap: anywhere; }
.lead { margin: 0 0 1.5mm; }
.note { margin: 0 0 3mm; padding: 1.2mm 2.5mm; border-left: 3px solid #555; background: #f5f5f5; font-size: 8.5pt; }
table { width: 100%; border-collapse: collapse; }
.numbers { margin: 0 0 3mm; }
.numbers th, .numbers td { border: 1px solid #444; padding: 1.2mm 2.5mm; text-align: left; vertical-align: top; }
.numbers th { width: 34mm; background: #f0f0f0; white-space: nowrap; }
.mono { font-family: ui-monospace, Menlo, Consolas, "Courier New", monospace; letter-spacing: 0.04em; }
.number { font-size: 11.5pt; }
.small { display: block; margin-top: 0.3mm; font-size: 8pt; color: #444; line-height: 1.4; }
.verify { display: flex; gap: 5mm; align-items: flex-start; margin: 0 0 3mm; padding: 2.5mm 3mm; border: 1px solid #444; break-inside: avoid; }
.qr { flex: 0 0 30mm; width: 30mm; }
.qr svg { display: block; width: 30mm; height: 30mm; }
.qr-missing { font-size: 8pt; color: #444; }
.verify-text { flex: 1 1 auto; min-width: 0; }
.verify-text p { margin: 0 0 1.5mm; font-size: 9pt; }
.verify dl { margin: 0; display: grid; grid-template-columns: auto 1fr; column-gap: 3mm; row-gap: 0.5mm; }
.verify dt { font-weight: bold; white-space: nowrap; }
.verify dd { margin: 0; overflow-wrap: anywhere; }
.verify dd.url { font-size: 8.5pt; }
.wording { margin: 0 0 3mm; padding: 2mm 3mm; border: 2px solid #444; break-inside: avoid; }
.wording p { margin: 0 0 1.5mm; font-size: 8.5pt; }
.wording th, .wording td { border: 1px solid #888; padding: 0.8mm 2.5mm; text-align: left; font-size: 9pt; }
.wording th { width: 34mm; white-space: nowrap; }
.wording .good th { background: #e8f3ea; }
.wording .bad th { background: #fbeaea; }
footer { margin-top: 3mm; padding-top: 1.5mm; border-top: 1px solid #444; text-align: right; font-size: 9pt; }
footer p { margin: 0; }
footer .sender { font-weight: bold; }
"#;

/// The QR code of `text` as an inline SVG element (no XML declaration), or None if the text is
/// too long for a QR code.
///
/// The code uses error-correction level M, has its quiet zone and is at least 200 × 200 user units;
/// dark modules are black on white. Size it on the page with CSS (`width`/`height`): the element
/// has a `viewBox`, so it scales without blurring.
pub fn qr_svg(text: &str) -> Option<String> {
    let code = QrCode::new(text.as_bytes()).ok()?;
    let image = code
        .render::<svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    // The renderer writes `<?xml …?>` first, which has no place inside an HTML document.
    let start = image.find("<svg")?;
    Some(image[start..].to_owned())
}

/// The whole page with the installed settings (see [`texts::current`]); see [`render_page`].
pub fn render_html(notice: &Notice) -> String {
    render_page(notice, &texts::current())
}

/// The whole page: `<!DOCTYPE html>` … in Japanese (`lang="ja"`), A4 portrait print CSS
/// (`@page { size: A4; margin: 12mm 15mm }`), no external resources (no scripts, fonts, images by
/// URL: the QR code is inline SVG), escaping every value; the footer names the secretariat and
/// its inquiry address from `settings`. It fits one A4 page with the longest organisation name
/// the service accepts (checked in a real browser by `tests/api/notice_print.rs`).
pub fn render_page(notice: &Notice, settings: &TextSettings) -> String {
    let mut page = String::with_capacity(16 * 1024);

    page.push_str("<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n");
    // Defence in depth: even if something slipped through, the page may load and run nothing.
    page.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">\n",
    );
    page.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    page.push_str("<meta name=\"robots\" content=\"noindex, nofollow\">\n");
    page.push_str("<title>SECURITY ACTION 自己宣言完了のお知らせ（印刷用）</title>\n<style>\n");
    page.push_str(STYLE);
    page.push_str("</style>\n</head>\n<body>\n<main>\n");

    // Heading.
    page.push_str(
        "<header>\n<div>\n<p class=\"scheme\">SECURITY ACTION（セキュリティ対策自己宣言）</p>\n",
    );
    page.push_str("<h1>SECURITY ACTION 自己宣言完了のお知らせ</h1>\n</div>\n");
    page.push_str(&format!(
        "<p class=\"issued\">発行日：{}</p>\n</header>\n",
        jst_date(notice.issued_at)
    ));

    // A declaration that was withdrawn or revoked must not pass for a valid one.
    if let Some(warning) = invalid_warning(notice.status) {
        page.push_str(&format!(
            "<section class=\"warning\" role=\"alert\">\n<p>{warning}</p>\n\
             <p class=\"detail\">本書は、自己宣言していることを確認できる書類としては\
             使用できません。最新の状態は下記の確認URLでご確認ください。</p>\n</section>\n"
        ));
    }

    // Addressee and purpose of the notice.
    page.push_str(&format!(
        "<p class=\"addressee\">{} 御中</p>\n",
        escape_html(notice.organization_name)
    ));
    page.push_str(
        "<p class=\"lead\">SECURITY ACTION（セキュリティ対策自己宣言）の自己宣言の手続きが\
         完了したことをお知らせします。</p>\n",
    );
    page.push_str(
        "<p class=\"note\">SECURITY ACTIONは、中小企業等が情報セキュリティ対策に取り組むことを\
         自ら宣言する<strong>自己宣言</strong>の制度です。本書は、自己宣言の手続きが完了し、\
         自己宣言していることを確認できる書類です。補助金の申請先など、提出先が認める場合に\
         ご利用いただけます。IPA（独立行政法人情報処理推進機構）や事務局による\
         <strong>認定・認証を示すものではありません</strong>。</p>\n",
    );

    // The numbers.
    page.push_str("<table class=\"numbers\">\n");
    page.push_str(&format!(
        "<tr><th scope=\"row\">宣言した取組み目標</th><td><strong>{}</strong>\
         <span class=\"small\">{}から。{}</span></td></tr>\n",
        star_display(notice.star),
        jst_date(notice.star_since),
        what_was_declared(notice.star)
    ));
    page.push_str(&format!(
        "<tr><th scope=\"row\">自己宣言ID</th>\
         <td><span class=\"mono number\">{}</span></td></tr>\n",
        escape_html(notice.declaration_id)
    ));
    page.push_str(&format!(
        "<tr><th scope=\"row\">利用者番号</th><td><span class=\"mono number\">{}</span>\
         <span class=\"small\">安全のため、下4桁以外を伏せて表示しています。利用者番号は\
         ログインに必要な情報です。第三者に知らせないでください。</span></td></tr>\n",
        escape_html(&mask_user_number(notice.user_number))
    ));
    page.push_str(&format!(
        "<tr><th scope=\"row\">状態</th><td>{}<span class=\"small\">本書の発行日時点の\
         状態です。</span></td></tr>\n",
        status_ja(notice.status)
    ));
    page.push_str(&format!(
        "<tr><th scope=\"row\">自己宣言日</th><td>{}</td></tr>\n",
        jst_date(notice.declared_at)
    ));
    let accepted = match notice.accepted_at {
        Some(at) => jst_date(at),
        None => "—（事務局による受理前）".to_owned(),
    };
    page.push_str(&format!(
        "<tr><th scope=\"row\">申込み受理日</th><td>{accepted}</td></tr>\n"
    ));
    page.push_str("</table>\n");

    // Online verification: code, URL and QR code.
    let url = escape_html(notice.verification_url);
    page.push_str("<section class=\"verify\">\n");
    match qr_svg(notice.verification_url) {
        Some(qr) => page.push_str(&format!(
            "<div class=\"qr\" role=\"img\" aria-label=\"確認URLのQRコード\">{qr}</div>\n"
        )),
        None => page.push_str(
            "<div class=\"qr qr-missing\">QRコードを表示できません。\
             確認URLを入力してください。</div>\n",
        ),
    }
    page.push_str("<div class=\"verify-text\">\n<h2>このお知らせの確認方法</h2>\n");
    page.push_str(
        "<p>補助金の申請窓口や取引先など、どなたでも下記の確認URL（QRコード）から、\
         このお知らせが本物であること（真正性）と、自己宣言の現在の状態を確認できます。</p>\n",
    );
    page.push_str(&format!(
        "<dl>\n<dt>確認コード</dt><dd class=\"mono number\">{}</dd>\n\
         <dt>確認URL</dt><dd class=\"mono url\">{url}</dd>\n</dl>\n</div>\n</section>\n",
        escape_html(notice.verification_code)
    ));

    // The wording rule.
    page.push_str("<section class=\"wording\">\n<h2>「宣言」の表現についてのお願い</h2>\n");
    page.push_str(
        "<p>SECURITY ACTIONは認定制度ではありません。ロゴマークや本書を使って取組みを紹介する\
         ときは、「認定」ではなく「宣言」と表現してください。</p>\n",
    );
    page.push_str(
        "<table>\n<tr class=\"good\"><th scope=\"row\">〇 適切な表現</th>\
         <td>「一つ星（二つ星）を宣言しました」</td></tr>\n\
         <tr class=\"bad\"><th scope=\"row\">× 不適切な表現</th>\
         <td>「一つ星（二つ星）の認定を受けました」</td></tr>\n</table>\n</section>\n",
    );

    page.push_str(&format!(
        "<footer><p class=\"sender\">{}</p><p class=\"inquiry\">お問い合わせ：{}</p></footer>\n",
        escape_html(&settings.secretariat_name),
        escape_html(&settings.inquiry_email)
    ));
    page.push_str("</main>\n</body>\n</html>\n");
    page
}

/// HTML-escapes text for element content and attribute values (`& < > " '`).
pub fn escape_html(s: &str) -> String {
    let mut escaped = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

/// A date in Japan Standard Time as `YYYY年M月D日`.
pub(crate) fn jst_date(at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&JST);
    format!("{}年{}月{}日", local.year(), local.month(), local.day())
}

/// The user number with all but its last four characters replaced by `*`, e.g. `********1234`.
/// A number of four characters or fewer is masked completely: it would otherwise be shown whole.
fn mask_user_number(user_number: &str) -> String {
    let length = user_number.chars().count();
    if length <= USER_NUMBER_VISIBLE {
        return "*".repeat(length);
    }
    let hidden = length - USER_NUMBER_VISIBLE;
    let mut masked = "*".repeat(hidden);
    masked.extend(user_number.chars().skip(hidden));
    masked
}

/// The level as printed: its Japanese name and its stars, e.g. `二つ星 ★★`.
fn star_display(star: Star) -> String {
    let stars = match star {
        Star::OneStar => "★",
        Star::TwoStar => "★★",
    };
    format!("{} {stars}", star.label().ja)
}

/// The status in Japanese, as the scheme names it.
fn status_ja(status: Status) -> &'static str {
    match status {
        Status::Declared => "自己宣言完了",
        Status::Accepted => "申込み受理",
        Status::Withdrawn => "取下げ",
        Status::Revoked => "取消し",
    }
}

/// What the level declares: the five principles for one star (numbered), and for two stars
/// also the self-diagnosis and the disclosed basic policy.
fn what_was_declared(star: Star) -> String {
    let principles: Vec<String> = FIVE_PRINCIPLES
        .iter()
        .map(|p| format!("{}．{}", p.number, p.title.ja.trim_end_matches('！')))
        .collect();
    let principles = principles.join("　");
    match star {
        Star::OneStar => {
            format!("情報セキュリティ5か条（{principles}）に取り組むことを宣言しています。")
        }
        Star::TwoStar => format!(
            "5分でできる！情報セキュリティ自社診断で自社の状況を把握し、情報セキュリティ基本方針を\
             定めて外部に公開したことを宣言しています（情報セキュリティ5か条：{principles}）。"
        ),
    }
}

/// The warning for a declaration that is no longer valid, None for a live one.
fn invalid_warning(status: Status) -> Option<&'static str> {
    match status {
        Status::Declared | Status::Accepted => None,
        Status::Withdrawn => Some("この自己宣言は取り下げられました。現在は有効ではありません。"),
        Status::Revoked => Some("この自己宣言は取り消されました。現在は有効ではありません。"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    const USER_NUMBER: &str = "999999991234";
    const URL: &str = "https://sa.example.jp/v1/notice-verifications/K7QF2M9XPA3D";
    const WARNING: &str = "現在は有効ではありません";

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .expect("valid test date")
    }

    fn notice(organization_name: &str, status: Status) -> Notice<'_> {
        Notice {
            organization_name,
            user_number: USER_NUMBER,
            declaration_id: "499999999999",
            star: Star::TwoStar,
            status,
            declared_at: at(2026, 4, 1, 1, 0),
            accepted_at: Some(at(2026, 4, 10, 5, 0)),
            star_since: at(2026, 6, 30, 15, 30),
            verification_code: "K7QF2M9XPA3D",
            verification_url: URL,
            issued_at: at(2026, 11, 22, 20, 30),
        }
    }

    /// Undoes `escape_html` (test only).
    fn unescape(s: &str) -> String {
        s.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    }

    #[test]
    fn the_page_shows_the_numbers_and_the_verification() {
        let page = render_html(&notice("株式会社サンプル & Co.", Status::Accepted));
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.contains("<html lang=\"ja\">"));
        assert!(page.contains("@page { size: A4; margin: 12mm 15mm; }"));
        assert!(page.contains("SECURITY ACTION 自己宣言完了のお知らせ"));
        assert!(page.contains("株式会社サンプル &amp; Co. 御中"));
        assert!(!page.contains(" 様<"));
        assert!(page.contains("499999999999"));
        assert!(page.contains("********1234"));
        assert!(!page.contains(USER_NUMBER));
        assert!(page.contains("安全のため"));
        assert!(page.contains(URL));
        assert!(page.contains("K7QF2M9XPA3D"));
        assert!(page.contains("<svg"));
        assert!(!page.contains("<?xml"));
        assert!(page.contains("二つ星 ★★"));
        assert!(page.contains("2026年7月1日から"));
        assert!(page.contains("申込み受理"));
        assert!(page.contains("2026年4月10日"));
        assert!(page.contains("自己宣言"));
        assert!(page.contains("認定・認証を示すものではありません"));
        assert!(page.contains("「一つ星（二つ星）を宣言しました」"));
        assert!(page.contains("「一つ星（二つ星）の認定を受けました」"));
        assert!(page.contains("発行日：2026年11月23日"));
        assert!(page.contains("SECURITY ACTION事務局"));
        assert!(page.contains("情報セキュリティ5か条"));
        assert!(page.contains("自己宣言していることを確認できる書類"));
        assert!(page.contains("提出先が認める場合"));
        assert!(!page.contains("証明"));
        assert!(page.contains(
            "\"Hiragino Kaku Gothic ProN\", \"Noto Sans JP\", \"Noto Sans CJK JP\", \"Yu Gothic\""
        ));
    }

    #[test]
    fn the_footer_names_the_configured_secretariat_and_inquiry_address() {
        let settings = TextSettings {
            secretariat_name:
                "独立行政法人情報処理推進機構（IPA）／セキュリティセンター／SECURITY ACTION事務局"
                    .into(),
            inquiry_email: "inquiry@security-action.example.jp".into(),
            ..TextSettings::default()
        };
        let page = render_page(&notice("Example", Status::Accepted), &settings);
        assert!(page.contains(
            "<footer><p class=\"sender\">独立行政法人情報処理推進機構（IPA）／セキュリティセンター／SECURITY ACTION事務局</p>\
             <p class=\"inquiry\">お問い合わせ：inquiry@security-action.example.jp</p></footer>"
        ));
    }

    #[test]
    fn a_one_star_notice_names_the_five_principles() {
        let mut n = notice("Example", Status::Declared);
        n.star = Star::OneStar;
        let page = render_html(&n);
        for p in FIVE_PRINCIPLES {
            assert!(
                page.contains(p.title.ja.trim_end_matches('！')),
                "{}",
                p.title.ja
            );
        }
        assert!(page.contains("に取り組むことを宣言しています"));
    }

    #[test]
    fn the_page_loads_nothing() {
        let page = render_html(&notice("Example", Status::Declared));
        let lower = page.to_lowercase();
        for needle in [
            "<script", "<link", "<img", "<iframe", "src=", "url(", "@import",
        ] {
            assert!(!lower.contains(needle), "found {needle}");
        }
    }

    #[test]
    fn a_withdrawn_or_revoked_declaration_is_flagged() {
        for status in [Status::Withdrawn, Status::Revoked] {
            let page = render_html(&notice("Example", status));
            assert!(page.contains(WARNING), "{status:?}");
            assert!(page.contains("class=\"warning\""), "{status:?}");
        }
        for status in [Status::Declared, Status::Accepted] {
            let page = render_html(&notice("Example", status));
            assert!(!page.contains(WARNING), "{status:?}");
            assert!(!page.contains("class=\"warning\""), "{status:?}");
        }
    }

    #[test]
    fn statuses_are_named_in_japanese() {
        assert_eq!(status_ja(Status::Declared), "自己宣言完了");
        assert_eq!(status_ja(Status::Accepted), "申込み受理");
        assert_eq!(status_ja(Status::Withdrawn), "取下げ");
        assert_eq!(status_ja(Status::Revoked), "取消し");
        let page = render_html(&notice("Example", Status::Revoked));
        assert!(page.contains("<td>取消し<span"));
    }

    #[test]
    fn a_declaration_not_yet_accepted_says_so() {
        let mut n = notice("Example", Status::Declared);
        n.accepted_at = None;
        n.star = Star::OneStar;
        let page = render_html(&n);
        assert!(page.contains("事務局による受理前"));
        assert!(page.contains("一つ星 ★<"));
        assert!(page.contains("<td>自己宣言完了<span"));
    }

    #[test]
    fn a_hostile_organisation_name_is_escaped() {
        let hostile = "<script>alert(1)</script>\" onload=\"x";
        let page = render_html(&notice(hostile, Status::Declared));
        assert!(!page.to_lowercase().contains("<script"));
        assert!(!page.contains(hostile));
        assert!(!page.contains("\" onload=\"x"));
        assert!(!page.contains("onload=\""));
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot; onload=&quot;x 御中"));
    }

    #[test]
    fn every_value_is_escaped() {
        let n = Notice {
            organization_name: "a",
            user_number: "<b>'12345678'",
            declaration_id: "<i>4</i>",
            verification_code: "\"CODE\"",
            verification_url: "https://x.example/?a=1&b=<2>",
            ..notice("a", Status::Declared)
        };
        let page = render_html(&n);
        assert!(!page.contains("<b>") && !page.contains("<i>"));
        assert!(page.contains("&lt;i&gt;4&lt;/i&gt;"));
        assert!(page.contains("&quot;CODE&quot;"));
        assert!(page.contains("https://x.example/?a=1&amp;b=&lt;2&gt;"));
        assert!(page.contains("*********678&#39;"));
    }

    #[test]
    fn user_numbers_are_masked_to_the_last_four_digits() {
        assert_eq!(mask_user_number("999999991234"), "********1234");
        assert_eq!(mask_user_number("12345"), "*2345");
        assert_eq!(mask_user_number("1234"), "****");
        assert_eq!(mask_user_number("12"), "**");
        assert_eq!(mask_user_number(""), "");
    }

    #[test]
    fn escape_html_escapes_the_five_characters() {
        assert_eq!(
            escape_html(r#"<a href="x">Tom & Jerry's</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;"
        );
        assert_eq!(escape_html("株式会社テスト"), "株式会社テスト");
        assert_eq!(escape_html("&amp;"), "&amp;amp;");
        assert_eq!(escape_html(""), "");
    }

    #[test]
    fn qr_codes_fit_urls_but_not_novels() {
        let url = format!(
            "https://sa.example.jp/v1/notice-verifications/{}",
            "A".repeat(54)
        );
        assert_eq!(url.len(), 100);
        let svg = qr_svg(&url).expect("a 100-character URL fits");
        assert!(svg.starts_with("<svg"));
        assert!(svg.ends_with("</svg>"));
        assert!(!svg.contains("<?xml"));
        assert!(svg.contains("viewBox"));
        assert_eq!(qr_svg(&"x".repeat(10_000)), None);
    }

    #[test]
    fn a_url_too_long_for_a_qr_code_is_still_printed() {
        let long = format!("https://x.example/{}", "a".repeat(10_000));
        let n = Notice {
            verification_url: &long,
            ..notice("Example", Status::Declared)
        };
        let page = render_html(&n);
        assert!(!page.contains("<svg"));
        assert!(page.contains(&long));
        assert!(page.contains("QRコードを表示できません"));
    }

    #[test]
    fn dates_are_printed_in_japan_time() {
        assert_eq!(jst_date(at(2026, 11, 22, 20, 30)), "2026年11月23日");
        assert_eq!(jst_date(at(2026, 11, 22, 14, 59)), "2026年11月22日");
        assert_eq!(jst_date(at(2026, 12, 31, 15, 0)), "2027年1月1日");
        assert_eq!(jst_date(at(2027, 1, 5, 0, 0)), "2027年1月5日");
    }

    /// A character that the page's template never contains, to frame generated names.
    const FRAME: char = '\u{E000}';

    proptest! {
        #[test]
        fn escape_html_round_trips_and_leaves_no_special_character(s in any::<String>()) {
            let escaped = escape_html(&s);
            prop_assert_eq!(unescape(&escaped), s.clone());
            prop_assert!(!escaped.contains(['<', '>', '"', '\'']));
            // Every `&` starts one of the five entities.
            for (i, _) in escaped.match_indices('&') {
                let rest = &escaped[i..];
                prop_assert!(
                    ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
                        .iter()
                        .any(|e| rest.starts_with(e))
                );
            }
            if !s.contains(['&', '<', '>', '"', '\'']) {
                prop_assert_eq!(escaped, s);
            }
        }

        #[test]
        fn an_organisation_name_appears_only_escaped(s in any::<String>()) {
            let page = render_html(&notice(&s, Status::Declared));
            prop_assert!(page.contains(&escape_html(&s)));
            // The name changes the page only where it is printed, and only as its escaped form.
            let placeholder = format!("{FRAME}organization{FRAME}");
            let template = render_html(&notice(&placeholder, Status::Declared));
            prop_assert_eq!(template.matches(&placeholder).count(), 1);
            prop_assert_eq!(page, template.replace(&placeholder, &escape_html(&s)));
        }

        #[test]
        fn a_raw_special_name_never_reaches_the_page(
            inner in "[^\u{E000}]{0,20}[<>&\"'][^\u{E000}]{0,20}"
        ) {
            // Framed by a character the template never contains, the raw name can only occur where
            // the name is printed, which is escaped.
            let s = format!("{FRAME}{inner}{FRAME}");
            let page = render_html(&notice(&s, Status::Withdrawn));
            prop_assert!(!page.contains(&s));
            prop_assert!(page.contains(&escape_html(&s)));
        }

        #[test]
        fn the_full_user_number_is_never_printed(number in "[1-35-9][0-9]{11}") {
            let n = Notice { user_number: &number, ..notice("Example", Status::Accepted) };
            let page = render_html(&n);
            prop_assert!(!page.contains(&number));
            let masked = format!("********{}", &number[8..]);
            prop_assert!(page.contains(&masked));
        }
    }
}
