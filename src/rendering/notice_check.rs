//! The page a person sees when a phone opens a notice's verification URL (its QR code): whether
//! the notice is genuine, and the declaration as it stands now, in Japanese or English.

use chrono::{DateTime, Utc};

use super::notice::{JST, escape_html, jst_date};
use crate::domain::declaration::{Star, Status};
use crate::domain::language::Language;
use crate::texts::TextSettings;

/// A genuine notice's declaration, as it stands now.
#[derive(Debug, Clone, Copy)]
pub struct Checked<'a> {
    pub declaration_id: &'a str,
    pub organization_name: &'a str,
    pub star: Star,
    pub status: Status,
    pub declared_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
}

/// A date in Japan Standard Time as `1 December 2026`.
fn english_date(at: DateTime<Utc>) -> String {
    at.with_timezone(&JST).format("%-d %B %Y").to_string()
}

/// The page for a checked code: `found` is the declaration of a genuine code, `None` for a
/// code this service did not issue.
pub fn page(found: Option<&Checked<'_>>, language: Language, settings: &TextSettings) -> String {
    let ja = language == Language::Ja;
    let date = |at: DateTime<Utc>| if ja { jst_date(at) } else { english_date(at) };
    let title = if ja {
        "SECURITY ACTION 自己宣言の確認"
    } else {
        "SECURITY ACTION: checking a declaration"
    };
    let body = match found {
        None => format!(
            "<p class=\"no\">{}</p>",
            if ja {
                "この確認コードは、SECURITY ACTIONの自己宣言完了のお知らせ（印刷用）のものではありません。コードを確かめて、もう一度お試しください。"
            } else {
                "This verification code was not issued with a SECURITY ACTION completion notice. Check the code and try again."
            }
        ),
        Some(d) => {
            let valid = d.status.is_live();
            let verdict = match (ja, valid) {
                (true, true) => {
                    "このお知らせは本サービスが発行したもので、この自己宣言は現在有効です。"
                }
                (true, false) => {
                    "このお知らせは本サービスが発行したものですが、この自己宣言は現在有効ではありません。"
                }
                (false, true) => {
                    "This notice was issued by this service, and the declaration is valid now."
                }
                (false, false) => {
                    "This notice was issued by this service, but the declaration is no longer valid."
                }
            };
            let rows: Vec<(&str, String)> = vec![
                (
                    if ja { "組織名" } else { "Organisation" },
                    escape_html(d.organization_name),
                ),
                (
                    if ja {
                        "自己宣言ID"
                    } else {
                        "Declaration ID"
                    },
                    escape_html(d.declaration_id),
                ),
                (
                    if ja { "取組み目標" } else { "Level" },
                    d.star.label().get(language).to_owned(),
                ),
                (
                    if ja { "現在の状態" } else { "Status now" },
                    d.status.label().get(language).to_owned(),
                ),
                (
                    if ja { "自己宣言日" } else { "Declared on" },
                    date(d.declared_at),
                ),
                (
                    if ja {
                        "申込み受理日"
                    } else {
                        "Accepted on"
                    },
                    d.accepted_at.map_or_else(
                        || {
                            if ja {
                                "―".to_owned()
                            } else {
                                "—".to_owned()
                            }
                        },
                        date,
                    ),
                ),
            ];
            let rows: String = rows
                .iter()
                .map(|(k, v)| format!("<tr><th>{k}</th><td>{v}</td></tr>"))
                .collect();
            format!(
                "<p class=\"{}\">{verdict}</p><table>{rows}</table>",
                if valid { "yes" } else { "no" }
            )
        }
    };
    let footer = if ja {
        format!(
            "ご不明点がございましたら、{}（{}）までメールにてご連絡ください。",
            escape_html(&settings.secretariat_name),
            escape_html(&settings.inquiry_email)
        )
    } else {
        format!(
            "Questions: {} ({}).",
            escape_html(&settings.secretariat_name_en),
            escape_html(&settings.inquiry_email)
        )
    };
    format!(
        "<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title>\
<style>body{{font-family:sans-serif;margin:1.5em;max-width:40em;line-height:1.6}}\
th{{text-align:left;padding-right:1em;vertical-align:top}}.yes{{color:#0a5c2b}}.no{{color:#a11}}\
p{{font-weight:bold}}footer{{margin-top:2em;font-size:.9em;color:#444}}</style></head>\
<body><h1>{title}</h1>{body}<footer>{footer}</footer></body></html>",
        lang = if ja { "ja" } else { "en" },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> TextSettings {
        TextSettings {
            secretariat_name: "SECURITY ACTION事務局".into(),
            secretariat_name_en: "SECURITY ACTION Secretariat".into(),
            inquiry_email: "security-action@example.jp".into(),
            frontend_base_url: "http://localhost:3000".into(),
            review_business_days: None,
        }
    }

    #[test]
    fn a_page_escapes_the_name_and_says_whether_the_declaration_is_valid_now() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-30T16:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let mut checked = Checked {
            declaration_id: "407731820954",
            organization_name: "<script>株式会社</script>",
            star: Star::TwoStar,
            status: Status::Revoked,
            declared_at: at,
            accepted_at: None,
        };
        let html = page(Some(&checked), Language::Ja, &settings());
        assert!(!html.contains("<script>") && html.contains("&lt;script&gt;"));
        assert!(html.contains("現在有効ではありません") && html.contains("取消し"));
        assert!(
            html.contains("2026年12月1日"),
            "the date in Japan time: {html}"
        );
        checked.status = Status::Accepted;
        let html = page(Some(&checked), Language::En, &settings());
        assert!(
            html.contains("valid now") && html.contains("1 December 2026"),
            "{html}"
        );
    }
}
