//! The text of every e-mail the service sends: Japanese (the scheme's language), plain text.
//!
//! Each template is a pure function from the facts of one event to an [`Email`]: no I/O, no clock.
//! Bodies use `\n` line endings; the transport turns them into CRLF and puts the blank line that
//! separates headers from the body.
//!
//! Header safety is built in rather than left to callers:
//! - subjects are made from `&'static str` parts only (see [`subject`]), so no user-supplied text
//!   can ever reach the `Subject:` header;
//! - every value inserted into a body goes through [`one_line`] first, so a value cannot break its
//!   line, start a line of its own (`Bcc: …`) or hide text with bidirectional controls;
//! - `to` is kept as given: the address was validated where it was accepted, and it is the
//!   transport's job to encode it.
//!
//! No template takes a password, so none can ever show one.

use chrono::{DateTime, Datelike, FixedOffset, Timelike, Utc};

use crate::domain::declaration::Star;

/// What kind of e-mail (stored in the outbox as its [`code`](EmailKind::code)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EmailKind {
    /// 自己宣言完了のお知らせ: the two numbers, sent when an application succeeds.
    DeclarationCompleted,
    /// 申込み受理のご連絡: the secretariat accepted; how to download the logo.
    Accepted,
    /// パスワード再設定のご案内: a link to set a new password.
    PasswordReset,
    /// 利用者番号のご案内: the user number, on request.
    UserNumberReminder,
    /// 自己宣言取り下げのお知らせ: the declarer withdrew (final).
    Withdrawn,
    /// 自己宣言取消しのお知らせ: the secretariat revoked, with a reason.
    Revoked,
    /// 自己宣言の取消し解除のお知らせ: the secretariat reinstated a revoked declaration.
    Reinstated,
    /// 取組み目標変更のお知らせ: one star ⇄ two stars.
    StarChanged,
    /// 担当者変更のお知らせ: the contact person changed.
    ContactChanged,
}

impl EmailKind {
    /// Every kind, in the order of the lifecycle.
    pub const ALL: [EmailKind; 9] = [
        EmailKind::DeclarationCompleted,
        EmailKind::Accepted,
        EmailKind::PasswordReset,
        EmailKind::UserNumberReminder,
        EmailKind::Withdrawn,
        EmailKind::Revoked,
        EmailKind::Reinstated,
        EmailKind::StarChanged,
        EmailKind::ContactChanged,
    ];

    /// The stable snake_case code stored in the outbox.
    pub fn code(self) -> &'static str {
        match self {
            EmailKind::DeclarationCompleted => "declaration_completed",
            EmailKind::Accepted => "accepted",
            EmailKind::PasswordReset => "password_reset",
            EmailKind::UserNumberReminder => "user_number_reminder",
            EmailKind::Withdrawn => "withdrawn",
            EmailKind::Revoked => "revoked",
            EmailKind::Reinstated => "reinstated",
            EmailKind::StarChanged => "star_changed",
            EmailKind::ContactChanged => "contact_changed",
        }
    }

    /// The kind stored under `code`, if any.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// A rendered e-mail, not yet addressed to a transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// What kind of e-mail this is.
    pub kind: EmailKind,
    /// The recipient's address, as given.
    pub to: String,
    /// The subject: fixed text of the service only, never user-supplied text.
    pub subject: String,
    /// The plain-text body, `\n`-separated lines.
    pub body: String,
}

/// Facts shared by the templates.
#[derive(Debug, Clone)]
pub struct Recipient<'a> {
    /// 会社名 (or the sole proprietor's trade name), addressed with 様.
    pub organization_name: &'a str,
    /// 担当者名, addressed with 様 on the line below the organisation.
    pub contact_name: &'a str,
    /// Where the e-mail goes.
    pub email: &'a str,
}

/// Makes a user-supplied value safe to put on one line of a body: every control character
/// (CR, LF, TAB, NUL, DEL, C1 controls such as NEL), Unicode line and paragraph separators and
/// bidirectional embedding/override/isolate controls become a space. Nothing else changes, and
/// the result has as many characters as the input.
pub fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if breaks_line_or_hides_text(c) { ' ' } else { c })
        .collect()
}

fn breaks_line_or_hides_text(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// 自己宣言完了のお知らせ: sent when an application succeeds, with the user number and the
/// declaration ID, in the order of the scheme's own e-mail. `accepted_at_once` is true when the
/// service accepts automatically, so that the logo can be downloaded straight away.
#[expect(
    clippy::too_many_arguments,
    reason = "the facts of the completion e-mail, named one by one at the call site"
)]
pub fn declaration_completed(
    r: &Recipient,
    user_number: &str,
    declaration_id: &str,
    star: Star,
    declared_at: DateTime<Utc>,
    accepted_at_once: bool,
    notice_url: &str,
    base_url: &str,
) -> Email {
    let star_label = star.label().ja;
    let mut b = Body::addressed_to(r);
    b.line("このたびは、SECURITY ACTION（セキュリティ対策自己宣言）にお申込みいただき、");
    b.line("誠にありがとうございます。");
    b.line("自己宣言の手続きが完了しましたので、下記のとおりお知らせいたします。");
    b.blank();
    b.line(format!("■利用者番号：{}", one_line(user_number)));
    b.line("　ロゴマークのダウンロードや登録情報の変更の際に、ログインに必要となる情報です。");
    b.line("　紛失や漏えいのないよう、大切に保管してください。");
    b.blank();
    b.line(format!("■自己宣言ID：{}", one_line(declaration_id)));
    b.line("　担当者の変更（担当者変更）などの各種変更のお手続きや、補助金の申請の際に");
    b.line("　必要となる番号です。こちらも大切に保管してください。");
    b.blank();
    b.line("■宣言の内容");
    b.line(format!("　取組み目標：{star_label}"));
    b.line(format!("　宣言日：{}", jst_date(declared_at)));
    b.blank();
    b.line("■ロゴマークのご利用について");
    if accepted_at_once {
        b.line("　お申込みはすでに受理されています。ロゴマークは、ただいまからダウンロードして");
        b.line("　ご利用いただけます。");
        b.line(format!(
            "　{} にて利用者番号とパスワードでログインし、{star_label}のロゴマークを",
            one_line(base_url)
        ));
        b.line("　ダウンロードしてください。");
    } else {
        b.line(
            "　ロゴマークは、SECURITY ACTION事務局がお申込みの内容を確認し、申込みを受理した後に",
        );
        b.line("　ご利用いただけます。受理しましたら「申込み受理のご連絡」のメールで、");
        b.line("　ダウンロードの方法とあわせてお知らせいたしますので、今しばらくお待ちください。");
    }
    b.blank();
    b.line("■自己宣言完了通知書（印刷用）");
    b.line("　下記のURLから、自己宣言完了通知書を表示・印刷していただけます。");
    b.line(format!("　{}", one_line(notice_url)));
    b.line("　通知書には照合コードが記載されており、どなたでもオンラインで真正性を確認できます。");
    b.line("　自己宣言を証明する書類が必要な場合は、この通知書をご活用ください。");
    b.blank();
    b.line("■お問い合わせ");
    b.line("　本件に関するお問い合わせは、SECURITY ACTION事務局までお願いいたします。");
    b.line(format!("　{}", one_line(base_url)));
    b.blank();
    b.line("※本メールにお心当たりのない方は、どなたかが誤ってお客様のメールアドレスを");
    b.line("　登録した可能性があります。お手数ですが、本メールを破棄のうえ、");
    b.line("　SECURITY ACTION事務局までお知らせください。");
    build(
        EmailKind::DeclarationCompleted,
        r,
        completion_subject(star),
        b,
    )
}

/// 申込み受理のご連絡: the secretariat accepted the declaration; how to download the logo and how
/// (not) to word its use.
pub fn accepted(
    r: &Recipient,
    declaration_id: &str,
    star: Star,
    accepted_at: DateTime<Utc>,
    base_url: &str,
) -> Email {
    let star_label = star.label().ja;
    let id = one_line(declaration_id);
    let mut b = Body::addressed_to(r);
    b.line("SECURITY ACTION事務局です。");
    b.line("SECURITY ACTION（セキュリティ対策自己宣言）へのお申込みについて、内容を確認し、");
    b.line("受理いたしましたのでご連絡いたします。");
    b.line("宣言いただいた取組み目標のロゴマークを、ご利用いただけるようになりました。");
    b.blank();
    b.line("■受理した自己宣言");
    b.line(format!("　自己宣言ID：{id}"));
    b.line(format!("　取組み目標：{star_label}"));
    b.line(format!("　受理日：{}", jst_date(accepted_at)));
    b.blank();
    b.line("■ロゴマークのダウンロード方法");
    b.line(format!(
        "　1. {} にて、利用者番号とパスワードでログインしてください。",
        one_line(base_url)
    ));
    b.line(format!(
        "　　 （API：POST {}）",
        url(base_url, "/v1/auth/login")
    ));
    b.line("　2. ログインした状態で、ロゴマークのダウンロード用トークンを発行してください。");
    b.line(format!(
        "　　 （API：POST {}）",
        url(base_url, &format!("/v1/declarations/{id}/logo-tokens"))
    ));
    b.line(format!(
        "　3. 発行時に示されるダウンロードURL（download_url）から、{star_label}のロゴマーク"
    ));
    b.line("　　 一式（ZIP形式：SVG・PNG画像と使用ガイド）をダウンロードしてください。");
    b.line("　　 ダウンロードURLは一度だけ使用でき、有効期限があります。");
    b.blank();
    b.line("■ロゴマークご使用上の注意");
    b.line("　・ロゴマークは、ロゴマーク使用規約に従ってご使用ください。");
    b.line(format!(
        "　・ご使用いただけるのは、宣言した取組み目標（{star_label}）のロゴマークのみです。"
    ));
    b.line("　・SECURITY ACTIONは自己宣言の制度であり、認定や認証を行うものではありません。");
    b.line("　　ロゴマークを掲示する際などは、表現にご注意ください。");
    b.line(format!("　　　適切な表現：「{star_label}を宣言しました」"));
    b.line(format!(
        "　　　不適切な表現：「{star_label}の認定を受けました」（認定は行っていません）"
    ));
    b.blank();
    b.line("■お問い合わせ");
    b.line("　ご不明な点は、SECURITY ACTION事務局までお問い合わせください。");
    b.line(format!("　{}", one_line(base_url)));
    build(EmailKind::Accepted, r, subject("申込み受理のご連絡"), b)
}

/// パスワード再設定のご案内: the reset link and its expiry. Never shows a password.
pub fn password_reset(r: &Recipient, reset_url: &str, expires_at: DateTime<Utc>) -> Email {
    let mut b = Body::addressed_to(r);
    b.line("SECURITY ACTIONの登録管理システムで、パスワード再設定のお申出を受け付けました。");
    b.line("下記のURLにアクセスし、新しいパスワードを設定してください。");
    b.blank();
    b.line(format!("　{}", one_line(reset_url)));
    b.blank();
    b.line(format!("有効期限：{}", jst_date_time(expires_at)));
    b.line("　有効期限を過ぎたURLはご利用いただけません。その場合は、お手数ですが");
    b.line("　改めてパスワード再設定のお申出をお願いいたします。");
    b.blank();
    b.line("※本メールにお心当たりのない場合は、本メールを破棄してください。");
    b.line("　パスワードは変更されず、現在のパスワードのまま引き続きご利用いただけます。");
    b.line("※SECURITY ACTION事務局が、メールや電話でパスワードをお尋ねすることはありません。");
    build(
        EmailKind::PasswordReset,
        r,
        subject("パスワード再設定のご案内"),
        b,
    )
}

/// 利用者番号のご案内: the user number and where to log in. Never shows a password.
pub fn user_number_reminder(r: &Recipient, user_number: &str, base_url: &str) -> Email {
    let mut b = Body::addressed_to(r);
    b.line(
        "利用者番号のお問い合わせを受け付けましたので、ご登録の利用者番号をお知らせいたします。",
    );
    b.blank();
    b.line(format!("■利用者番号：{}", one_line(user_number)));
    b.line("　ロゴマークのダウンロードや登録情報の変更の際に、ログインに必要となる情報です。");
    b.line("　紛失や漏えいのないよう、大切に保管してください。");
    b.blank();
    b.line("■ログイン");
    b.line(format!("　{}", one_line(base_url)));
    b.line(format!(
        "　（API：POST {}）",
        url(base_url, "/v1/auth/login")
    ));
    b.blank();
    b.line("パスワードはお知らせしておりません。お忘れの場合は、パスワードの再設定を");
    b.line("ご利用ください。");
    b.blank();
    b.line("※本メールにお心当たりのない場合は、本メールを破棄してください。");
    build(
        EmailKind::UserNumberReminder,
        r,
        subject("利用者番号のご案内"),
        b,
    )
}

/// 自己宣言取り下げのお知らせ: the declarer withdrew the declaration; this is final.
pub fn withdrawn(r: &Recipient, declaration_id: &str, withdrawn_at: DateTime<Utc>) -> Email {
    let mut b = Body::addressed_to(r);
    b.line("SECURITY ACTION（セキュリティ対策自己宣言）の自己宣言について、取り下げの");
    b.line("お手続きが完了しましたので、お知らせいたします。");
    b.blank();
    b.line(format!("　自己宣言ID：{}", one_line(declaration_id)));
    b.line(format!("　取り下げ日：{}", jst_date(withdrawn_at)));
    b.blank();
    b.line("取り下げにより、この自己宣言は無効となりました。");
    b.line("　・ロゴマークは今後ご使用いただけません。掲示物、ウェブサイト、名刺などに");
    b.line("　　掲載している場合は、削除をお願いいたします。");
    b.line("　・補助金の申請などで、この自己宣言IDは有効な宣言として確認されなくなります。");
    b.line("　・取り下げた自己宣言を元に戻すことはできません。改めて宣言される場合は、");
    b.line("　　新たにお申込みください。");
    b.blank();
    b.line("ご不明な点は、SECURITY ACTION事務局までお問い合わせください。");
    b.line("※本メールにお心当たりのない場合は、至急SECURITY ACTION事務局までご連絡ください。");
    build(
        EmailKind::Withdrawn,
        r,
        subject("自己宣言取り下げのお知らせ"),
        b,
    )
}

/// 自己宣言取消しのお知らせ: the secretariat revoked the declaration. `reason_code` is one of
/// `false_declaration`, `misleading_claims`, `declarer_request`, `other` (anything else reads as
/// その他); `note` is the secretariat's free-text remark, shown on one line when not blank.
pub fn revoked(
    r: &Recipient,
    declaration_id: &str,
    reason_code: &str,
    note: Option<&str>,
    revoked_at: DateTime<Utc>,
) -> Email {
    let mut b = Body::addressed_to(r);
    b.line("SECURITY ACTION事務局です。");
    b.line("下記の自己宣言を取り消しましたので、お知らせいたします。");
    b.blank();
    b.line(format!("　自己宣言ID：{}", one_line(declaration_id)));
    b.line(format!("　取消し日：{}", jst_date(revoked_at)));
    b.line(format!(
        "　取消しの理由：{}",
        revocation_reason(reason_code)
    ));
    if let Some(note) = note.map(one_line).filter(|n| !n.trim().is_empty()) {
        b.line(format!("　事務局からの補足：{note}"));
    }
    b.blank();
    b.line("取消しにより、この自己宣言は無効となりました。");
    b.line("　・ロゴマークは今後ご使用いただけません。掲示物、ウェブサイト、名刺などに");
    b.line("　　掲載している場合は、速やかに削除してください。");
    b.line("　・補助金の申請などで、この自己宣言IDは有効な宣言として確認されなくなります。");
    b.blank();
    b.line("取消しについてのご質問やお申出は、SECURITY ACTION事務局までお問い合わせください。");
    build(
        EmailKind::Revoked,
        r,
        subject("自己宣言取消しのお知らせ"),
        b,
    )
}

/// 自己宣言の取消し解除のお知らせ: the secretariat reinstated a revoked declaration, which is
/// accepted again.
pub fn reinstated(
    r: &Recipient,
    declaration_id: &str,
    star: Star,
    reinstated_at: DateTime<Utc>,
) -> Email {
    let star_label = star.label().ja;
    let mut b = Body::addressed_to(r);
    b.line("SECURITY ACTION事務局です。");
    b.line("下記の自己宣言について、取消しを解除いたしましたので、お知らせいたします。");
    b.blank();
    b.line(format!("　自己宣言ID：{}", one_line(declaration_id)));
    b.line(format!("　取組み目標：{star_label}"));
    b.line(format!("　取消し解除日：{}", jst_date(reinstated_at)));
    b.blank();
    b.line("この自己宣言は再び有効となり、申込み受理の状態に戻りました。");
    b.line(format!(
        "{star_label}のロゴマークも、ロゴマーク使用規約に従って改めてご使用いただけます。"
    ));
    b.blank();
    b.line("ご不明な点は、SECURITY ACTION事務局までお問い合わせください。");
    build(
        EmailKind::Reinstated,
        r,
        subject("自己宣言の取消し解除のお知らせ"),
        b,
    )
}

/// 取組み目標変更のお知らせ: a step up (one → two stars) or down (two → one). The declaration ID
/// stays the same.
pub fn star_changed(
    r: &Recipient,
    declaration_id: &str,
    from: Star,
    to: Star,
    changed_at: DateTime<Utc>,
) -> Email {
    let (from_label, to_label) = (from.label().ja, to.label().ja);
    let mut b = Body::addressed_to(r);
    b.line("下記の自己宣言について、取組み目標の変更が完了しましたので、お知らせいたします。");
    b.blank();
    b.line(format!(
        "　自己宣言ID：{}（変更はありません）",
        one_line(declaration_id)
    ));
    b.line(format!("　変更前の取組み目標：{from_label}"));
    b.line(format!("　変更後の取組み目標：{to_label}"));
    b.line(format!("　変更日：{}", jst_date(changed_at)));
    b.blank();
    match (from, to) {
        (Star::OneStar, Star::TwoStar) => {
            b.line("二つ星の宣言にあたり、情報セキュリティ基本方針を定め、外部に公開していただきました。");
            b.line("公開方法を変更される場合は、登録内容の変更をお願いいたします。");
        }
        (Star::TwoStar, Star::OneStar) => {
            b.line(
                "一つ星への変更に伴い、情報セキュリティ基本方針の公開方法の登録は削除されました。",
            );
            b.line("引き続き、情報セキュリティ5か条への取組みをお願いいたします。");
        }
        _ => {}
    }
    b.line(format!(
        "ロゴマークをご利用の場合は、変更後の取組み目標（{to_label}）のものをご使用ください。"
    ));
    if from != to {
        b.line(format!(
            "{from_label}のロゴマークを掲示している場合は、差し替えをお願いいたします。"
        ));
    }
    b.blank();
    b.line("ご不明な点は、SECURITY ACTION事務局までお問い合わせください。");
    b.line("※本メールにお心当たりのない場合は、至急SECURITY ACTION事務局までご連絡ください。");
    build(
        EmailKind::StarChanged,
        r,
        subject("取組み目標変更のお知らせ"),
        b,
    )
}

/// 担当者変更のお知らせ: the contact person changed. Sent to the new contact; the wording also
/// suits a copy to the previous one (rendered with that person as the [`Recipient`]).
pub fn contact_changed(r: &Recipient, declaration_id: &str, changed_at: DateTime<Utc>) -> Email {
    let mut b = Body::addressed_to(r);
    b.line("下記の自己宣言について、担当者の変更（担当者変更）のお手続きが完了しましたので、");
    b.line("お知らせいたします。");
    b.blank();
    b.line(format!("　自己宣言ID：{}", one_line(declaration_id)));
    b.line(format!("　変更日：{}", jst_date(changed_at)));
    b.blank();
    b.line("今後、SECURITY ACTION事務局からのご連絡は、変更後の担当者様のメールアドレス宛てに");
    b.line("お送りいたします。利用者番号と自己宣言IDに変更はありません。");
    b.blank();
    b.line("※この変更にお心当たりのない場合は、至急SECURITY ACTION事務局までご連絡ください。");
    build(
        EmailKind::ContactChanged,
        r,
        subject("担当者変更のお知らせ"),
        b,
    )
}

/// Japan Standard Time, UTC+9 all year (no daylight saving).
const JST: FixedOffset = match FixedOffset::east_opt(9 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+9 is a valid offset"),
};

/// `YYYY年M月D日` in Japan time.
fn jst_date(at: DateTime<Utc>) -> String {
    let t = at.with_timezone(&JST);
    format!("{}年{}月{}日", t.year(), t.month(), t.day())
}

/// `YYYY年M月D日 HH:MM (日本時間)`.
fn jst_date_time(at: DateTime<Utc>) -> String {
    let t = at.with_timezone(&JST);
    format!(
        "{} {:02}:{:02} (日本時間)",
        jst_date(at),
        t.hour(),
        t.minute()
    )
}

/// The Japanese label of a revocation reason code; unknown codes read as その他.
fn revocation_reason(code: &str) -> &'static str {
    match code {
        "false_declaration" => "虚偽の申告",
        "misleading_claims" => "誤解を招く表示(認定と称するなど)",
        "declarer_request" => "宣言事業者からの申し出",
        _ => "その他",
    }
}

/// A path under the service's public base URL, on one line.
fn url(base_url: &str, path: &str) -> String {
    one_line(&format!("{}{path}", base_url.trim_end_matches('/')))
}

const SUBJECT_PREFIX: &str = "【SECURITY ACTION】";

/// A subject from fixed text only: taking `&'static str` keeps user-supplied text out.
fn subject(title: &'static str) -> String {
    format!("{SUBJECT_PREFIX}{title}")
}

/// 「【SECURITY ACTION】一つ星：自己宣言完了のお知らせ」 (or 二つ星).
fn completion_subject(star: Star) -> String {
    format!(
        "{SUBJECT_PREFIX}{}：自己宣言完了のお知らせ",
        star.label().ja
    )
}

/// Every e-mail ends with this: no replies, who sent it.
const FOOTER: [&str; 6] = [
    "────────────────────────────────",
    "※本メールは送信専用のアドレスからお送りしています。",
    "　ご返信いただいてもお答えできませんので、あらかじめご了承ください。",
    "SECURITY ACTION事務局",
    "SECURITY ACTION（セキュリティ対策自己宣言）登録管理システム",
    "────────────────────────────────",
];

/// A body being written, line by line.
struct Body(String);

impl Body {
    /// Starts with the address lines: organisation 様, then contact person 様 (blank ones left
    /// out), then an empty line.
    fn addressed_to(r: &Recipient) -> Self {
        let mut body = Body(String::new());
        let names: Vec<String> = [r.organization_name, r.contact_name]
            .into_iter()
            .map(one_line)
            .filter(|name| !name.trim().is_empty())
            .collect();
        if names.is_empty() {
            body.line("ご担当者 様");
        }
        for name in names {
            body.line(format!("{name} 様"));
        }
        body.blank();
        body
    }

    fn line(&mut self, text: impl AsRef<str>) {
        self.0.push_str(text.as_ref());
        self.0.push('\n');
    }

    fn blank(&mut self) {
        self.0.push('\n');
    }
}

fn build(kind: EmailKind, r: &Recipient, subject: String, mut body: Body) -> Email {
    body.blank();
    for line in FOOTER {
        body.line(line);
    }
    Email {
        kind,
        to: r.email.to_string(),
        subject,
        body: body.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const USER_NUMBER: &str = "318204957362";
    const DECLARATION_ID: &str = "407731820954";
    const NOTICE_URL: &str = "https://sa.example.jp/v1/declarations/407731820954/completion-notice";
    const BASE_URL: &str = "https://sa.example.jp/";

    fn at(rfc3339: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(rfc3339)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn sample() -> Recipient<'static> {
        Recipient {
            organization_name: "株式会社サンプル",
            contact_name: "情報 太郎",
            email: "taro@example.co.jp",
        }
    }

    fn completed(r: &Recipient, star: Star, accepted_at_once: bool) -> Email {
        declaration_completed(
            r,
            USER_NUMBER,
            DECLARATION_ID,
            star,
            at("2026-11-22T03:04:05Z"),
            accepted_at_once,
            NOTICE_URL,
            BASE_URL,
        )
    }

    /// One e-mail of every kind, with `note` as the revocation note.
    fn every_email(r: &Recipient, note: Option<&str>) -> Vec<Email> {
        let t = at("2026-11-22T03:04:05Z");
        vec![
            completed(r, Star::OneStar, false),
            completed(r, Star::TwoStar, true),
            accepted(r, DECLARATION_ID, Star::TwoStar, t, BASE_URL),
            password_reset(r, "https://sa.example.jp/reset#token=abc", t),
            user_number_reminder(r, USER_NUMBER, BASE_URL),
            withdrawn(r, DECLARATION_ID, t),
            revoked(r, DECLARATION_ID, "misleading_claims", note, t),
            reinstated(r, DECLARATION_ID, Star::OneStar, t),
            star_changed(r, DECLARATION_ID, Star::OneStar, Star::TwoStar, t),
            star_changed(r, DECLARATION_ID, Star::TwoStar, Star::OneStar, t),
            contact_changed(r, DECLARATION_ID, t),
        ]
    }

    fn has_control(s: &str) -> bool {
        s.chars().any(breaks_line_or_hides_text)
    }

    #[test]
    fn completion_and_acceptance_subjects_are_the_schemes() {
        let r = sample();
        assert_eq!(
            completed(&r, Star::OneStar, false).subject,
            "【SECURITY ACTION】一つ星：自己宣言完了のお知らせ"
        );
        assert_eq!(
            completed(&r, Star::TwoStar, false).subject,
            "【SECURITY ACTION】二つ星：自己宣言完了のお知らせ"
        );
        let acceptance = accepted(&r, DECLARATION_ID, Star::OneStar, Utc::now(), BASE_URL);
        assert_eq!(acceptance.subject, "【SECURITY ACTION】申込み受理のご連絡");
    }

    #[test]
    fn every_kind_has_its_own_subject_and_code() {
        let emails = every_email(&sample(), None);
        for kind in EmailKind::ALL {
            assert_eq!(EmailKind::from_code(kind.code()), Some(kind));
            assert!(
                emails.iter().any(|e| e.kind == kind),
                "{kind:?} not rendered"
            );
        }
        assert_eq!(EmailKind::from_code("declaration-completed"), None);
        for e in &emails {
            assert!(
                e.subject.starts_with("【SECURITY ACTION】"),
                "{}",
                e.subject
            );
            assert_eq!(e.to, "taro@example.co.jp");
        }
        let mut subjects = std::collections::HashMap::new();
        for e in &emails {
            let previous = subjects.insert(e.kind, e.subject.clone());
            if e.kind != EmailKind::DeclarationCompleted {
                assert!(previous.is_none_or(|p| p == e.subject), "{:?}", e.kind);
            }
        }
        subjects.remove(&EmailKind::DeclarationCompleted);
        let distinct: std::collections::HashSet<_> = subjects.values().collect();
        assert_eq!(distinct.len(), EmailKind::ALL.len() - 1);
    }

    #[test]
    fn the_completion_body_follows_the_schemes_order() {
        let body = completed(&sample(), Star::TwoStar, false).body;
        let in_order = [
            "株式会社サンプル 様",
            "情報 太郎 様",
            "自己宣言の手続きが完了しました",
            "利用者番号",
            USER_NUMBER,
            "大切に保管",
            "自己宣言ID",
            DECLARATION_ID,
            "担当者変更",
            "補助金",
            "取組み目標：二つ星",
            "宣言日：2026年11月22日",
            "受理した後",
            NOTICE_URL,
            "照合コード",
            "お問い合わせ",
            "\n　https://sa.example.jp/\n",
            "本メールにお心当たりのない方は",
            "送信専用",
        ];
        let positions: Vec<usize> = in_order
            .iter()
            .map(|needle| {
                body.find(needle)
                    .unwrap_or_else(|| panic!("{needle} missing from\n{body}"))
            })
            .collect();
        for (pair, names) in positions.windows(2).zip(in_order.windows(2)) {
            assert!(
                pair[0] < pair[1],
                "{} should come before {}",
                names[0],
                names[1]
            );
        }
        let sender = body.rfind("SECURITY ACTION事務局").unwrap();
        assert!(sender > body.find("送信専用").unwrap());
        assert!(body.starts_with("株式会社サンプル 様\n情報 太郎 様\n\n"));
    }

    #[test]
    fn the_completion_body_says_when_the_logo_can_be_used() {
        let later = completed(&sample(), Star::OneStar, false).body;
        assert!(later.contains("受理した後"));
        assert!(!later.contains("すでに受理"));
        let now = completed(&sample(), Star::OneStar, true).body;
        assert!(now.contains("すでに受理されています"));
        assert!(now.contains("ただいまからダウンロード"));
        assert!(!now.contains("受理した後"));
    }

    #[test]
    fn dates_are_shown_in_japan_time() {
        assert_eq!(jst_date(at("2026-11-22T20:30:00Z")), "2026年11月23日");
        assert_eq!(jst_date(at("2026-01-05T00:00:00Z")), "2026年1月5日");
        assert_eq!(jst_date(at("2026-12-31T15:00:00Z")), "2027年1月1日");
        assert_eq!(
            jst_date_time(at("2026-11-22T03:04:59Z")),
            "2026年11月22日 12:04 (日本時間)"
        );
        let late = declaration_completed(
            &sample(),
            USER_NUMBER,
            DECLARATION_ID,
            Star::OneStar,
            at("2026-11-22T20:30:00Z"),
            false,
            NOTICE_URL,
            BASE_URL,
        );
        assert!(late.body.contains("宣言日：2026年11月23日"));
    }

    #[test]
    fn the_password_reset_shows_the_link_and_its_expiry_in_japan_time() {
        let e = password_reset(
            &sample(),
            "https://sa.example.jp/reset#token=abc",
            at("2026-11-22T03:04:05Z"),
        );
        assert_eq!(e.subject, "【SECURITY ACTION】パスワード再設定のご案内");
        assert!(e.body.contains("https://sa.example.jp/reset#token=abc"));
        assert!(e.body.contains("有効期限：2026年11月22日 12:04 (日本時間)"));
        assert!(e.body.contains("お心当たりのない場合は、本メールを破棄"));
    }

    #[test]
    fn the_reminder_shows_the_user_number_and_where_to_log_in() {
        let e = user_number_reminder(&sample(), USER_NUMBER, BASE_URL);
        assert!(e.body.contains("利用者番号：318204957362"));
        assert!(e.body.contains("https://sa.example.jp/v1/auth/login"));
    }

    #[test]
    fn acceptance_explains_the_download_and_the_wording_rule() {
        let e = accepted(
            &sample(),
            DECLARATION_ID,
            Star::TwoStar,
            at("2026-11-22T20:30:00Z"),
            BASE_URL,
        );
        assert!(e.body.contains("受理日：2026年11月23日"));
        assert!(e.body.contains("POST https://sa.example.jp/v1/auth/login"));
        assert!(
            e.body
                .contains("POST https://sa.example.jp/v1/declarations/407731820954/logo-tokens")
        );
        assert!(e.body.contains("二つ星のロゴマーク"));
        assert!(e.body.contains("ZIP"));
        assert!(e.body.contains("適切な表現：「二つ星を宣言しました」"));
        assert!(
            e.body
                .contains("不適切な表現：「二つ星の認定を受けました」")
        );
    }

    #[test]
    fn revocation_gives_the_reason_in_japanese_and_the_note() {
        let t = at("2026-11-22T03:04:05Z");
        let cases = [
            ("false_declaration", "虚偽の申告"),
            ("misleading_claims", "誤解を招く表示(認定と称するなど)"),
            ("declarer_request", "宣言事業者からの申し出"),
            ("other", "その他"),
            ("no_such_code", "その他"),
        ];
        for (code, label) in cases {
            let e = revoked(&sample(), DECLARATION_ID, code, None, t);
            assert!(
                e.body.contains(&format!("取消しの理由：{label}\n")),
                "{code}"
            );
            assert!(!e.body.contains("補足"));
            assert!(e.body.contains("ロゴマークは今後ご使用いただけません"));
        }
        let e = revoked(
            &sample(),
            DECLARATION_ID,
            "misleading_claims",
            Some("ウェブサイトで「認定」と表示\r\nされていました"),
            t,
        );
        assert!(
            e.body
                .contains("事務局からの補足：ウェブサイトで「認定」と表示  されていました\n")
        );
        let blank = revoked(&sample(), DECLARATION_ID, "other", Some(" \n "), t);
        assert!(!blank.body.contains("補足"));
    }

    #[test]
    fn star_changes_name_both_levels() {
        let t = at("2026-11-22T03:04:05Z");
        let up = star_changed(&sample(), DECLARATION_ID, Star::OneStar, Star::TwoStar, t);
        assert!(up.body.contains("変更前の取組み目標：一つ星"));
        assert!(up.body.contains("変更後の取組み目標：二つ星"));
        let down = star_changed(&sample(), DECLARATION_ID, Star::TwoStar, Star::OneStar, t);
        assert!(down.body.contains("公開方法の登録は削除されました"));
    }

    #[test]
    fn every_email_ends_with_the_same_footer() {
        let footer = FOOTER.join("\n") + "\n";
        for e in every_email(&sample(), Some("補足")) {
            assert!(e.body.ends_with(&format!("\n\n{footer}")), "{:?}", e.kind);
            assert_eq!(e.body.matches(&footer).count(), 1);
        }
    }

    #[test]
    fn one_line_replaces_every_line_break_and_control_character() {
        assert_eq!(one_line("Evil\r\nBcc: x@y"), "Evil  Bcc: x@y");
        assert_eq!(one_line("a\tb\0c\u{7f}d\u{85}e"), "a b c d e");
        assert_eq!(
            one_line("a\u{2028}b\u{2029}c\u{202E}d\u{2066}e"),
            "a b c d e"
        );
        assert_eq!(one_line("株式会社サンプル"), "株式会社サンプル");
    }

    #[test]
    fn a_hostile_organisation_name_cannot_add_a_header_line() {
        let r = Recipient {
            organization_name: "Evil\r\nBcc: x@y",
            contact_name: "Mallory\nTo: z@y",
            email: "taro@example.co.jp",
        };
        for e in every_email(&r, Some("note\r\nBcc: n@y")) {
            assert!(!e.body.contains('\r'), "{:?}", e.kind);
            assert!(e.body.contains("Evil  Bcc: x@y 様\n"));
            assert!(e.body.contains("Mallory To: z@y 様\n"));
            for line in e.body.lines() {
                assert!(!line.starts_with("Bcc:"), "{:?}: {line}", e.kind);
                assert!(!line.starts_with("To:"), "{:?}: {line}", e.kind);
                assert!(!has_control(line), "{:?}: {line:?}", e.kind);
            }
            assert!(!e.subject.contains("Evil") && !e.subject.contains("Bcc"));
        }
    }

    #[test]
    fn blank_names_fall_back_to_a_generic_address() {
        let r = Recipient {
            organization_name: " ",
            contact_name: "\r\n",
            email: "taro@example.co.jp",
        };
        let e = withdrawn(&r, DECLARATION_ID, Utc::now());
        assert!(e.body.starts_with("ご担当者 様\n\n"));
    }

    #[test]
    fn no_template_shows_a_password() {
        for e in every_email(&sample(), None) {
            for line in e.body.lines() {
                let line = line.trim_start_matches(['　', ' ', '■']);
                assert!(
                    !line.starts_with("パスワード：") && !line.starts_with("パスワード:"),
                    "{:?}: {line}",
                    e.kind
                );
                assert!(!line.to_lowercase().contains("password:"), "{:?}", e.kind);
            }
            assert!(!e.body.contains("a long passphrase of the declarer"));
        }
    }

    fn hostile_text() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop_oneof![
                4 => any::<char>(),
                1 => prop::sample::select(vec!['\r', '\n', '\t', '\0', '\u{85}', '\u{2028}', '\u{202E}']),
            ],
            0..40,
        )
        .prop_map(String::from_iter)
    }

    proptest! {
        #[test]
        fn subjects_never_carry_user_text(org in hostile_text(), contact in hostile_text(), note in hostile_text()) {
            let hostile = Recipient { organization_name: &org, contact_name: &contact, email: "a@b.jp" };
            let benign = every_email(&sample(), None);
            for (e, reference) in every_email(&hostile, Some(&note)).iter().zip(&benign) {
                prop_assert_eq!(&e.subject, &reference.subject);
                prop_assert!(!has_control(&e.subject));
                for user in [&org, &contact, &note] {
                    if !reference.subject.contains(user.as_str()) {
                        prop_assert!(!e.subject.contains(user.as_str()));
                    }
                }
            }
        }

        #[test]
        fn user_text_never_breaks_a_body_line(org in hostile_text(), contact in hostile_text(), note in hostile_text()) {
            let hostile = Recipient { organization_name: &org, contact_name: &contact, email: "a@b.jp" };
            for e in every_email(&hostile, Some(&note)) {
                prop_assert!(!e.body.contains('\r'));
                for user in [&org, &contact, &note] {
                    let shown = one_line(user);
                    if shown.trim().is_empty() {
                        continue;
                    }
                    for line in e.body.lines().filter(|l| l.contains(shown.as_str())) {
                        prop_assert!(!has_control(line), "{:?}: {:?}", e.kind, line);
                    }
                }
                for line in e.body.lines() {
                    prop_assert!(!has_control(line));
                }
            }
        }

        #[test]
        fn one_line_keeps_the_length_and_drops_every_control(s in hostile_text()) {
            let shown = one_line(&s);
            prop_assert_eq!(shown.chars().count(), s.chars().count());
            prop_assert!(!has_control(&shown));
            prop_assert_eq!(shown.lines().count(), usize::from(!shown.is_empty()));
        }
    }
}
