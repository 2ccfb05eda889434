//! The text of every e-mail the service sends, in Japanese (the scheme's language, the one sent
//! today) and in English, plain text, with the glossary's words (用語 of the domain reference).
//!
//! Each template is a pure function from the facts of one event and the installation's
//! [`TextSettings`] to an [`Email`]: no I/O, no clock. Bodies use `\n` line endings; the
//! transport turns them into CRLF and puts the blank line that separates headers from the body.
//!
//! Every e-mail speaks to a person: it names what to do on the declarer's site
//! (`FRONTEND_BASE_URL`), never an API path or a token, and ends the same way: where to ask (the
//! secretariat's inquiry address), a note for a recipient who did not expect it, that the sender
//! address takes no replies, and the sender.
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
use crate::domain::five_principles::FIVE_PRINCIPLES;
use crate::domain::language::Language;
use crate::texts::{self, TextSettings};

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
    /// 自己宣言取下げのお知らせ: the declarer withdrew (final).
    Withdrawn,
    /// 自己宣言取消しのお知らせ: the secretariat revoked, with a reason.
    Revoked,
    /// 自己宣言の取消しの撤回のお知らせ: the secretariat reinstated a revoked declaration.
    Reinstated,
    /// 二つ星への変更 / 一つ星への変更のお知らせ: step up or step down.
    StarChanged,
    /// 担当者変更のお知らせ: the contact person changed.
    ContactChanged,
    /// Webhook送信停止のお知らせ: an API client's endpoint kept failing and was disabled.
    WebhookEndpointDisabled,
    /// 新しい自己宣言サイトのご利用開始のご案内: a declaration taken over from the old system;
    /// a link to set the account's first password.
    Activation,
}

impl EmailKind {
    /// Every kind, in the order of the lifecycle.
    pub const ALL: [EmailKind; 11] = [
        EmailKind::DeclarationCompleted,
        EmailKind::Accepted,
        EmailKind::PasswordReset,
        EmailKind::UserNumberReminder,
        EmailKind::Withdrawn,
        EmailKind::Revoked,
        EmailKind::Reinstated,
        EmailKind::StarChanged,
        EmailKind::ContactChanged,
        EmailKind::WebhookEndpointDisabled,
        EmailKind::Activation,
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
            EmailKind::WebhookEndpointDisabled => "webhook_endpoint_disabled",
            EmailKind::Activation => "activation",
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
    /// 会社名 (or the sole proprietor's trade name), on the first line, alone.
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

/// The e-mails of one installation in one language.
#[derive(Debug, Clone, Copy)]
pub struct Templates<'s> {
    settings: &'s TextSettings,
    language: Language,
}

/// Facts of the completion e-mail.
#[derive(Debug, Clone, Copy)]
pub struct Completion<'a> {
    pub user_number: &'a str,
    pub declaration_id: &'a str,
    pub star: Star,
    pub declared_at: DateTime<Utc>,
    /// True when the service accepts at once, so that the logo can be downloaded straight away.
    pub accepted_at_once: bool,
}

impl<'s> Templates<'s> {
    /// The e-mails written with `settings`, in `language`.
    pub fn new(settings: &'s TextSettings, language: Language) -> Self {
        Self { settings, language }
    }

    fn ja(&self) -> bool {
        self.language == Language::Ja
    }

    fn pick<'t>(&self, ja: &'t str, en: &'t str) -> &'t str {
        self.language.pick(ja, en)
    }

    fn star(&self, star: Star) -> &'static str {
        star.label().get(self.language)
    }

    /// 自己宣言完了のお知らせ: sent when an application succeeds, in the order of the scheme's own
    /// e-mail: the two numbers with their notes, what was declared, when the logo can be used,
    /// the printable notice, where to ask, the note for recipients who did not apply.
    pub fn declaration_completed(&self, r: &Recipient, c: &Completion) -> Email {
        let star = self.star(c.star);
        let mut b = Body::addressed_to(r, self.language);
        if self.ja() {
            b.line("このたびは、SECURITY ACTION（セキュリティ対策自己宣言）にお申込みいただき、");
            b.line("誠にありがとうございます。");
            b.line("自己宣言の手続きが完了しましたので、下記のとおりお知らせいたします。");
            b.blank();
            b.line(format!("■利用者番号：{}", one_line(c.user_number)));
            b.line(
                "　ロゴマークのダウンロードや登録情報の変更の際に、ログインに必要となる情報です。",
            );
            b.line("　紛失や漏えいのないよう、大切に保管してください。");
            b.blank();
            b.line(format!("■自己宣言ID：{}", one_line(c.declaration_id)));
            b.line(
                "　担当者変更などの各種変更のお手続きや、補助金の申請の際に必要となる番号です。",
            );
            b.line("　こちらも大切に保管してください。");
            b.blank();
            b.line("■自己宣言の内容");
            b.line(format!("　取組み目標：{star}"));
            b.line(format!("　自己宣言日：{}", jst_date(c.declared_at)));
        } else {
            b.line("Thank you for applying to SECURITY ACTION (security self-declaration).");
            b.line("Your declaration is complete. Please find the details below.");
            b.blank();
            b.line(format!("- User number: {}", one_line(c.user_number)));
            b.line(
                "  You need it to log in, to download the logo and to change your registration.",
            );
            b.line("  Keep it safe so that it is neither lost nor leaked.");
            b.blank();
            b.line(format!("- Declaration ID: {}", one_line(c.declaration_id)));
            b.line("  You need it for changes such as a change of contact person, and when you");
            b.line("  apply for a subsidy. Keep it safe as well.");
            b.blank();
            b.line("- Your declaration");
            b.line(format!("  Level: {star}"));
            b.line(format!("  Declared on: {}", en_date(c.declared_at)));
        }
        self.what_was_declared(&mut b, c.star);
        b.blank();
        self.logo_timing(&mut b, c.star, c.accepted_at_once);
        b.blank();
        let notice = self.settings.page(&format!(
            "/declarations/{}/completion-notice",
            one_line(c.declaration_id)
        ));
        if self.ja() {
            b.line("■自己宣言していることを確認できる書類について");
            b.line("　補助金の申請などで、自己宣言していることを確認できる書類として本メールの");
            b.line("　印刷を求められた場合は、本メールを印刷してご提出ください。");
            b.line(
                "　申請先が認める場合は、確認コード付きの「自己宣言完了のお知らせ（印刷用）」も",
            );
            b.line("　ご利用いただけます。自己宣言サイトにログインのうえ、下記から印刷できます。");
            b.line(format!("　{notice}"));
        } else {
            b.line("- A document that shows you have declared");
            b.line(
                "  If a subsidy application asks you to print this e-mail as a document showing",
            );
            b.line(
                "  your declaration, please print and submit it. Where the subsidy office accepts",
            );
            b.line(
                "  it, you may also use the completion notice with its verification code, which",
            );
            b.line("  you can print after logging in to the declarer site:");
            b.line(format!("  {notice}"));
        }
        self.finish(
            EmailKind::DeclarationCompleted,
            r,
            completion_subject(c.star, self.language),
            b,
            NotYou::DidNotApply,
        )
    }

    /// What a one-star declarer declared (the five principles, listed), or what a two-star one did.
    fn what_was_declared(&self, b: &mut Body, star: Star) {
        match (star, self.language) {
            (Star::OneStar, Language::Ja) => {
                b.line("　一つ星では、次の「情報セキュリティ5か条」に取り組むことを宣言いただきました。");
            }
            (Star::OneStar, Language::En) => {
                b.line("  With One Star you declared that you work on the five principles of");
                b.line("  information security:");
            }
            (Star::TwoStar, Language::Ja) => {
                b.line(
                    "　二つ星では、「5分でできる！情報セキュリティ自社診断」で自社の状況を把握し、",
                );
                b.line(
                    "　情報セキュリティ基本方針を定めて外部に公開したことを宣言いただきました。",
                );
                b.line("　あわせて、次の「情報セキュリティ5か条」への取組みもお願いいたします。");
            }
            (Star::TwoStar, Language::En) => {
                b.line("  With Two Stars you declared that you took the self-diagnosis, set an");
                b.line("  information-security basic policy and disclosed it. Please also keep working");
                b.line("  on the five principles of information security:");
            }
        }
        for (n, principle) in FIVE_PRINCIPLES.iter().enumerate() {
            let title = principle.title.get(self.language);
            match self.language {
                Language::Ja => b.line(format!("　　{}．{title}", n + 1)),
                Language::En => b.line(format!("    {}. {title}", n + 1)),
            }
        }
    }

    /// When the logo can be used: at once (automatic acceptance), or after the secretariat's
    /// review, with the review time when the secretariat says it.
    fn logo_timing(&self, b: &mut Body, star: Star, accepted_at_once: bool) {
        let label = self.star(star);
        let login = self.settings.page("/login");
        match (accepted_at_once, self.language) {
            (true, Language::Ja) => {
                b.line("■ロゴマークのご利用について");
                b.line("　お申込みは受理されており、ロゴマークはすぐにご利用いただけます。");
                b.line(format!(
                    "　自己宣言サイト（{login}）に利用者番号とパスワードで"
                ));
                b.line(format!(
                    "　ログインし、{label}のロゴマークをダウンロードしてください。"
                ));
            }
            (true, Language::En) => {
                b.line("- Using the logo");
                b.line(
                    "  Your application has been accepted: you can use the logo now. Log in to the",
                );
                b.line(format!(
                    "  declarer site ({login}) with your user number and password and"
                ));
                b.line(format!("  download the {label} logo."));
            }
            (false, Language::Ja) => {
                b.line("■ロゴマークのご利用について");
                b.line("　ロゴマークは、SECURITY ACTION事務局がお申込みの内容を確認し、申込みを受理した後に");
                b.line("　ご利用いただけます。受理しましたら「申込み受理のご連絡」のメールで、ダウンロードの");
                b.line("　方法とあわせてお知らせいたしますので、今しばらくお待ちください。");
                if let Some(days) = self.settings.review_business_days {
                    b.line(format!("　受理までの目安は、{days}営業日程度です。"));
                }
            }
            (false, Language::En) => {
                b.line("- Using the logo");
                b.line(
                    "  You can use the logo once the SECURITY ACTION secretariat has reviewed and",
                );
                b.line("  accepted your application. A second e-mail, \"Acceptance of your application\",");
                b.line("  will tell you so and how to download the logo.");
                if let Some(days) = self.settings.review_business_days {
                    b.line(format!(
                        "  The review usually takes about {days} business days."
                    ));
                }
            }
        }
    }

    /// 申込み受理のご連絡: the secretariat accepted the declaration; how to download the logo on
    /// the declarer site and how (not) to word its use.
    pub fn accepted(
        &self,
        r: &Recipient,
        declaration_id: &str,
        star: Star,
        accepted_at: DateTime<Utc>,
    ) -> Email {
        let label = self.star(star);
        let id = one_line(declaration_id);
        let login = self.settings.page("/login");
        let mut b = Body::addressed_to(r, self.language);
        if self.ja() {
            b.line(
                "SECURITY ACTION（セキュリティ対策自己宣言）へのお申込みについて、内容を確認し、",
            );
            b.line("受理いたしましたのでご連絡いたします。");
            b.line("宣言いただいた取組み目標のロゴマークを、ご利用いただけるようになりました。");
            b.blank();
            b.line("■受理した自己宣言");
            b.line(format!("　自己宣言ID：{id}"));
            b.line(format!("　取組み目標：{label}"));
            b.line(format!("　受理日：{}", jst_date(accepted_at)));
            b.blank();
            b.line("■ロゴマークのダウンロード方法");
            b.line(format!(
                "　1．自己宣言サイト（{login}）に、利用者番号とパスワードで"
            ));
            b.line("　　ログインしてください。");
            b.line("　2．「ロゴマークのダウンロード」を選んでください。");
            b.line(format!(
                "　3．{label}のロゴマーク一式（SVG・PNG画像とロゴマーク使用ガイドライン）が"
            ));
            b.line("　　ZIP形式でダウンロードされます。");
            b.blank();
            b.line("■ロゴマークご使用上の注意");
            b.line("　・ロゴマークは、ロゴマーク使用規約とロゴマーク使用ガイドラインに従ってご使用ください。");
            b.line(format!(
                "　・ご使用いただけるのは、宣言した取組み目標（{label}）のロゴマークのみです。"
            ));
            b.line(
                "　・SECURITY ACTIONは自己宣言の制度であり、認定や認証を行うものではありません。",
            );
            b.line("　　ロゴマークを掲示する際などは、表現にご注意ください。");
            b.line(format!("　　　適切な表現：「{label}を宣言しました」"));
            b.line(format!("　　　不適切な表現：「{label}の認定を受けました」"));
        } else {
            b.line("The SECURITY ACTION secretariat has reviewed and accepted your application.");
            b.line("You can now use the logo of the level you declared.");
            b.blank();
            b.line("- The accepted declaration");
            b.line(format!("  Declaration ID: {id}"));
            b.line(format!("  Level: {label}"));
            b.line(format!("  Accepted on: {}", en_date(accepted_at)));
            b.blank();
            b.line("- How to download the logo");
            b.line(format!(
                "  1. Log in to the declarer site ({login}) with your user number"
            ));
            b.line("     and password.");
            b.line("  2. Choose \"Download the logo\".");
            b.line(format!(
                "  3. A ZIP file with the {label} logo (SVG and PNG) and the logo usage"
            ));
            b.line("     guidelines is downloaded.");
            b.blank();
            b.line("- Using the logo");
            b.line("  - Use the logo as the logo terms of use and the logo usage guidelines say.");
            b.line(format!(
                "  - You may use only the logo of the level you declared ({label})."
            ));
            b.line("  - SECURITY ACTION is a self-declaration: nothing is certified. Word any use");
            b.line("    of the logo accordingly:");
            b.line(format!("      appropriate: \"We have declared {label}\""));
            b.line(format!("      inappropriate: \"We are certified {label}\""));
        }
        self.finish(
            EmailKind::Accepted,
            r,
            subject(
                self.language,
                "申込み受理のご連絡",
                "Acceptance of your application",
            ),
            b,
            NotYou::Unexpected,
        )
    }

    /// パスワード再設定のご案内: the reset link and its expiry. Never shows a password.
    pub fn password_reset(
        &self,
        r: &Recipient,
        reset_url: &str,
        expires_at: DateTime<Utc>,
    ) -> Email {
        let mut b = Body::addressed_to(r, self.language);
        if self.ja() {
            b.line("SECURITY ACTIONの自己宣言サイトで、パスワード再設定のお申出を受け付けました。");
            b.line("下記のURLにアクセスし、新しいパスワードを設定してください。");
            b.blank();
            b.line(format!("　{}", one_line(reset_url)));
            b.blank();
            b.line(format!("有効期限：{}", jst_date_time(expires_at)));
            b.line("　有効期限を過ぎたURLはご利用いただけません。その場合は、お手数ですが");
            b.line("　改めてパスワード再設定をお申出ください。");
            b.line(
                "※SECURITY ACTION事務局が、メールや電話でパスワードをお尋ねすることはありません。",
            );
        } else {
            b.line("We received a request to reset the password of your SECURITY ACTION account.");
            b.line("Open the link below and set a new password:");
            b.blank();
            b.line(format!("  {}", one_line(reset_url)));
            b.blank();
            b.line(format!("The link expires at {}.", en_date_time(expires_at)));
            b.line("After that it no longer works: please ask for a new one.");
            b.line(
                "The SECURITY ACTION secretariat never asks for your password by e-mail or phone.",
            );
        }
        self.finish(
            EmailKind::PasswordReset,
            r,
            subject(
                self.language,
                "パスワード再設定のご案内",
                "Resetting your password",
            ),
            b,
            NotYou::PasswordUnchanged,
        )
    }

    /// 利用者番号のご案内: the user number and where to log in. Never shows a password.
    /// 新しい自己宣言サイトのご利用開始のご案内: the declaration was taken over from the old
    /// system with its numbers; a link to set the account's first password.
    pub fn activation(
        &self,
        r: &Recipient,
        user_number: &str,
        declaration_id: &str,
        password_url: &str,
        expires_at: DateTime<Utc>,
    ) -> Email {
        let mut b = Body::addressed_to(r, self.language);
        if self.ja() {
            b.line("SECURITY ACTIONの自己宣言は、新しい自己宣言サイトに引き継がれました。");
            b.line("利用者番号と自己宣言IDは、これまでと変わりません。");
            b.blank();
            b.line(format!("■利用者番号：{}", one_line(user_number)));
            b.line(format!("■自己宣言ID：{}", one_line(declaration_id)));
            b.blank();
            b.line("新しいサイトでは、パスワードを改めて設定していただく必要があります。");
            b.line("下記のURLにアクセスし、パスワードを設定してください。");
            b.blank();
            b.line(format!("　{}", one_line(password_url)));
            b.blank();
            b.line(format!("有効期限：{}", jst_date_time(expires_at)));
            b.line(
                "　有効期限を過ぎた場合は、自己宣言サイトでパスワードの再設定をお申出ください。",
            );
            b.line(
                "※SECURITY ACTION事務局が、メールや電話でパスワードをお尋ねすることはありません。",
            );
        } else {
            b.line("Your SECURITY ACTION declaration has moved to the new declarer site.");
            b.line("Your user number and declaration ID stay the same:");
            b.blank();
            b.line(format!("- User number: {}", one_line(user_number)));
            b.line(format!("- Declaration ID: {}", one_line(declaration_id)));
            b.blank();
            b.line("On the new site you need to set a password. Open the link below:");
            b.blank();
            b.line(format!("  {}", one_line(password_url)));
            b.blank();
            b.line(format!("The link expires at {}.", en_date_time(expires_at)));
            b.line("After that, ask for a password reset on the declarer site.");
            b.line(
                "The SECURITY ACTION secretariat never asks for your password by e-mail or phone.",
            );
        }
        self.finish(
            EmailKind::Activation,
            r,
            subject(
                self.language,
                "新しい自己宣言サイトのご利用開始のご案内",
                "Your declaration on the new declarer site",
            ),
            b,
            NotYou::Unexpected,
        )
    }

    pub fn user_number_reminder(&self, r: &Recipient, user_number: &str) -> Email {
        let login = self.settings.page("/login");
        let mut b = Body::addressed_to(r, self.language);
        if self.ja() {
            b.line("利用者番号のお問い合わせを受け付けましたので、ご登録の利用者番号をお知らせいたします。");
            b.blank();
            b.line(format!("■利用者番号：{}", one_line(user_number)));
            b.line(
                "　ロゴマークのダウンロードや登録情報の変更の際に、ログインに必要となる情報です。",
            );
            b.line("　紛失や漏えいのないよう、大切に保管してください。");
            b.blank();
            b.line("■ログイン");
            b.line(format!("　自己宣言サイト：{login}"));
            b.blank();
            b.line("パスワードはお知らせしておりません。お忘れの場合は、自己宣言サイトで");
            b.line("パスワードの再設定をお申出ください。");
        } else {
            b.line("You asked for your user number. Here it is:");
            b.blank();
            b.line(format!("- User number: {}", one_line(user_number)));
            b.line(
                "  You need it to log in, to download the logo and to change your registration.",
            );
            b.line("  Keep it safe so that it is neither lost nor leaked.");
            b.blank();
            b.line(format!("- Log in at the declarer site: {login}"));
            b.blank();
            b.line("We never send passwords. If you have forgotten yours, reset it on the");
            b.line("declarer site.");
        }
        self.finish(
            EmailKind::UserNumberReminder,
            r,
            subject(self.language, "利用者番号のご案内", "Your user number"),
            b,
            NotYou::Unexpected,
        )
    }

    /// 自己宣言取下げのお知らせ: the declarer withdrew the declaration; this is final.
    pub fn withdrawn(
        &self,
        r: &Recipient,
        declaration_id: &str,
        withdrawn_at: DateTime<Utc>,
    ) -> Email {
        let mut b = Body::addressed_to(r, self.language);
        if self.ja() {
            b.line("SECURITY ACTION（セキュリティ対策自己宣言）の自己宣言について、取下げの");
            b.line("お手続きが完了しましたので、お知らせいたします。");
            b.blank();
            b.line(format!("　自己宣言ID：{}", one_line(declaration_id)));
            b.line(format!("　取下げ日：{}", jst_date(withdrawn_at)));
            b.blank();
            b.line("取下げにより、この自己宣言は無効となりました。");
            b.line("　・ロゴマークは今後ご使用いただけません。掲示物、ウェブサイト、名刺などに");
            b.line("　　掲載している場合は、削除をお願いいたします。");
            b.line("　・補助金の申請などで、この自己宣言IDは有効な自己宣言として確認されなくなります。");
            b.line(
                "　・取り下げた自己宣言を元に戻すことはできません。改めて自己宣言される場合は、",
            );
            b.line("　　新たにお申込みください。");
        } else {
            b.line("Your SECURITY ACTION declaration has been withdrawn.");
            b.blank();
            b.line(format!("  Declaration ID: {}", one_line(declaration_id)));
            b.line(format!("  Withdrawn on: {}", en_date(withdrawn_at)));
            b.blank();
            b.line("The declaration is no longer valid:");
            b.line("  - You may no longer use the logo. Please remove it from posters, websites,");
            b.line("    business cards and anything else that shows it.");
            b.line("  - Subsidy offices will no longer find this declaration ID valid.");
            b.line("  - A withdrawal cannot be undone. To declare again, please apply anew.");
        }
        self.finish(
            EmailKind::Withdrawn,
            r,
            subject(
                self.language,
                "自己宣言取下げのお知らせ",
                "Withdrawal of your declaration",
            ),
            b,
            NotYou::Urgent,
        )
    }

    /// 自己宣言取消しのお知らせ: the secretariat revoked the declaration. `reason_code` is one of
    /// `false_declaration`, `misleading_claims`, `declarer_request`, `other` (anything else reads
    /// as その他 / other); `note` is the secretariat's remark, shown on one line when not blank.
    pub fn revoked(
        &self,
        r: &Recipient,
        declaration_id: &str,
        reason_code: &str,
        note: Option<&str>,
        revoked_at: DateTime<Utc>,
    ) -> Email {
        let mut b = Body::addressed_to(r, self.language);
        let note = note.map(one_line).filter(|n| !n.trim().is_empty());
        let reason = revocation_reason(reason_code).get(self.language);
        if self.ja() {
            b.line("下記の自己宣言を取り消しましたので、お知らせいたします。");
            b.blank();
            b.line(format!("　自己宣言ID：{}", one_line(declaration_id)));
            b.line(format!("　取消し日：{}", jst_date(revoked_at)));
            b.line(format!("　取消しの理由：{reason}"));
            if let Some(note) = note {
                b.line(format!("　事務局からの補足：{note}"));
            }
            b.blank();
            b.line("取消しにより、この自己宣言は無効となりました。");
            b.line("　・ロゴマークは今後ご使用いただけません。掲示物、ウェブサイト、名刺などに");
            b.line("　　掲載している場合は、速やかに削除してください。");
            b.line("　・補助金の申請などで、この自己宣言IDは有効な自己宣言として確認されなくなります。");
        } else {
            b.line("The SECURITY ACTION secretariat has revoked the declaration below.");
            b.blank();
            b.line(format!("  Declaration ID: {}", one_line(declaration_id)));
            b.line(format!("  Revoked on: {}", en_date(revoked_at)));
            b.line(format!("  Reason: {reason}"));
            if let Some(note) = note {
                b.line(format!("  Note from the secretariat: {note}"));
            }
            b.blank();
            b.line("The declaration is no longer valid:");
            b.line("  - You may no longer use the logo. Please remove it at once from posters,");
            b.line("    websites, business cards and anything else that shows it.");
            b.line("  - Subsidy offices will no longer find this declaration ID valid.");
        }
        self.finish(
            EmailKind::Revoked,
            r,
            subject(
                self.language,
                "自己宣言取消しのお知らせ",
                "Revocation of your declaration",
            ),
            b,
            NotYou::Questions,
        )
    }

    /// 自己宣言の取消しの撤回のお知らせ: the secretariat reinstated a revoked declaration, which
    /// is accepted again.
    pub fn reinstated(
        &self,
        r: &Recipient,
        declaration_id: &str,
        star: Star,
        reinstated_at: DateTime<Utc>,
    ) -> Email {
        let label = self.star(star);
        let mut b = Body::addressed_to(r, self.language);
        if self.ja() {
            b.line("下記の自己宣言について、取消しを撤回いたしましたので、お知らせいたします。");
            b.blank();
            b.line(format!("　自己宣言ID：{}", one_line(declaration_id)));
            b.line(format!("　取組み目標：{label}"));
            b.line(format!("　取消しの撤回日：{}", jst_date(reinstated_at)));
            b.blank();
            b.line("この自己宣言は再び有効となり、申込み受理の状態に戻りました。");
            b.line(format!(
                "{label}のロゴマークも、ロゴマーク使用規約に従って改めてご使用いただけます。"
            ));
        } else {
            b.line("The SECURITY ACTION secretariat has reinstated the declaration below.");
            b.blank();
            b.line(format!("  Declaration ID: {}", one_line(declaration_id)));
            b.line(format!("  Level: {label}"));
            b.line(format!("  Reinstated on: {}", en_date(reinstated_at)));
            b.blank();
            b.line("The declaration is valid again and accepted. You may use the");
            b.line(format!("{label} logo again under the logo terms of use."));
        }
        self.finish(
            EmailKind::Reinstated,
            r,
            subject(
                self.language,
                "自己宣言の取消しの撤回のお知らせ",
                "Reinstatement of your declaration",
            ),
            b,
            NotYou::Questions,
        )
    }

    /// 二つ星への変更 / 一つ星への変更のお知らせ: a step up (one → two stars) or down (two → one).
    /// The declaration ID stays the same.
    pub fn star_changed(
        &self,
        r: &Recipient,
        declaration_id: &str,
        from: Star,
        to: Star,
        changed_at: DateTime<Utc>,
    ) -> Email {
        let (from_label, to_label) = (self.star(from), self.star(to));
        let mut b = Body::addressed_to(r, self.language);
        if self.ja() {
            b.line(format!(
                "下記の自己宣言について、{to_label}への変更が完了しましたので、お知らせいたします。"
            ));
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
                    b.line("二つ星への変更にあたり、情報セキュリティ基本方針の外部への公開方法を");
                    b.line(
                        "登録いただきました。公開方法が変わった場合は、自己宣言サイトで登録内容を",
                    );
                    b.line("変更してください。");
                }
                (Star::TwoStar, Star::OneStar) => {
                    b.line(
                        "一つ星への変更に伴い、情報セキュリティ基本方針の外部への公開方法の登録は",
                    );
                    b.line("削除されました。引き続き、情報セキュリティ5か条に取り組んでください。");
                }
                _ => {}
            }
            b.line(format!(
                "ロゴマークをご使用の場合は、変更後の取組み目標（{to_label}）のものをご使用ください。"
            ));
            if from != to {
                b.line(format!(
                    "{from_label}のロゴマークを掲示している場合は、差し替えをお願いいたします。"
                ));
            }
        } else {
            b.line(format!("Your declaration has been changed to {to_label}."));
            b.blank();
            b.line(format!(
                "  Declaration ID: {} (unchanged)",
                one_line(declaration_id)
            ));
            b.line(format!("  Level before: {from_label}"));
            b.line(format!("  Level now: {to_label}"));
            b.line(format!("  Changed on: {}", en_date(changed_at)));
            b.blank();
            match (from, to) {
                (Star::OneStar, Star::TwoStar) => {
                    b.line("For Two Stars you registered how your information-security basic policy is");
                    b.line("disclosed. If that changes, please update it on the declarer site.");
                }
                (Star::TwoStar, Star::OneStar) => {
                    b.line("With the step down, the registered disclosure of your basic policy was removed.");
                    b.line("Please keep working on the five principles of information security.");
                }
                _ => {}
            }
            b.line(format!(
                "If you use the logo, use the {to_label} logo from now on."
            ));
            if from != to {
                b.line(format!(
                    "Please replace the {from_label} logo wherever it is shown."
                ));
            }
        }
        let title = match to {
            Star::TwoStar => subject(
                self.language,
                "二つ星への変更のお知らせ",
                "Step up to Two Stars",
            ),
            Star::OneStar => subject(
                self.language,
                "一つ星への変更のお知らせ",
                "Step down to One Star",
            ),
        };
        self.finish(EmailKind::StarChanged, r, title, b, NotYou::Urgent)
    }

    /// 担当者変更のお知らせ: the contact person changed. Sent to the new contact; the wording
    /// also suits a copy to the previous one (rendered with that person as the [`Recipient`]).
    pub fn contact_changed(
        &self,
        r: &Recipient,
        declaration_id: &str,
        changed_at: DateTime<Utc>,
    ) -> Email {
        let mut b = Body::addressed_to(r, self.language);
        if self.ja() {
            b.line("下記の自己宣言について、担当者変更のお手続きが完了しましたので、お知らせいたします。");
            b.blank();
            b.line(format!("　自己宣言ID：{}", one_line(declaration_id)));
            b.line(format!("　変更日：{}", jst_date(changed_at)));
            b.blank();
            b.line("今後、SECURITY ACTION事務局からのご連絡は、変更後のご担当者様のメールアドレス宛てに");
            b.line("お送りいたします。利用者番号と自己宣言IDに変更はありません。");
        } else {
            b.line("The contact person of the declaration below has been changed.");
            b.blank();
            b.line(format!("  Declaration ID: {}", one_line(declaration_id)));
            b.line(format!("  Changed on: {}", en_date(changed_at)));
            b.blank();
            b.line(
                "From now on the SECURITY ACTION secretariat writes to the new contact person's",
            );
            b.line("address. The user number and the declaration ID stay the same.");
        }
        self.finish(
            EmailKind::ContactChanged,
            r,
            subject(
                self.language,
                "担当者変更のお知らせ",
                "Change of contact person",
            ),
            b,
            NotYou::Urgent,
        )
    }

    /// Every e-mail ends alike: where to ask, the note for an unexpected recipient, that the
    /// address takes no replies, and the sender.
    /// Webhook送信停止のお知らせ: to an API client's contact address (`r.organization_name` is
    /// the client's name), when its endpoint failed for days and was disabled.
    pub fn webhook_endpoint_disabled(
        &self,
        r: &Recipient,
        url: &str,
        failing_since: DateTime<Utc>,
    ) -> Email {
        let mut b = Body::addressed_to(r, self.language);
        if self.ja() {
            b.line("SECURITY ACTIONの検証APIをご利用いただきありがとうございます。");
            b.line("次のWebhookのエンドポイントへの送信が失敗し続けたため、送信を停止しました。");
            b.blank();
            b.line(format!("　URL：{}", one_line(url)));
            b.line(format!(
                "　失敗が続いている期間：{} から",
                jst_date(failing_since)
            ));
            b.blank();
            b.line("受信側を復旧したうえで、このエンドポイントを有効に戻すと送信を再開します。");
            b.line("停止中の変更は、変更の通知で確認できます。");
        } else {
            b.line("Thank you for using the SECURITY ACTION verification API.");
            b.line("Deliveries to this webhook endpoint kept failing, so it has been disabled:");
            b.blank();
            b.line(format!("  URL: {}", one_line(url)));
            b.line(format!("  Failing since: {}", en_date(failing_since)));
            b.blank();
            b.line("Once the receiver works again, enable the endpoint to resume deliveries.");
            b.line("The changes made meanwhile are in the change feed.");
        }
        self.finish(
            EmailKind::WebhookEndpointDisabled,
            r,
            subject(
                self.language,
                "Webhook送信停止のお知らせ",
                "Webhook endpoint disabled",
            ),
            b,
            NotYou::Questions,
        )
    }

    fn finish(
        &self,
        kind: EmailKind,
        r: &Recipient,
        subject: String,
        mut b: Body,
        not_you: NotYou,
    ) -> Email {
        let s = self.settings;
        let inquiry = one_line(&s.inquiry_email);
        b.blank();
        if self.ja() {
            b.line("■お問い合わせ");
            b.line("　ご不明点がございましたら、下記までメールにてご連絡ください。");
            b.line(format!("　{}", one_line(&s.secretariat_name)));
            b.line(format!("　{inquiry}"));
        } else {
            b.line("- Questions");
            b.line("  If anything is unclear, please write to:");
            b.line(format!("  {}", one_line(&s.secretariat_name_en)));
            b.line(format!("  {inquiry}"));
        }
        b.blank();
        for line in not_you.lines(self.language, &inquiry) {
            b.line(line);
        }
        b.blank();
        b.line(RULE);
        b.line(self.pick(
            "※本メールは送信専用のアドレスからお送りしています。",
            "This e-mail was sent from an address that does not receive replies.",
        ));
        b.line(self.pick(
            "　ご返信いただいてもお答えできませんので、あらかじめご了承ください。",
            "Please write to the address above instead.",
        ));
        b.line(one_line(match self.language {
            Language::Ja => &s.secretariat_name,
            Language::En => &s.secretariat_name_en,
        }));
        b.line(RULE);
        Email {
            kind,
            to: r.email.to_string(),
            subject,
            body: b.0,
        }
    }
}

/// The note for someone who did not expect the e-mail, by what the e-mail was about.
#[derive(Debug, Clone, Copy)]
enum NotYou {
    /// Someone may have registered this address by mistake.
    DidNotApply,
    /// A request was made in this person's name: nothing changed.
    PasswordUnchanged,
    /// Something was changed in the declarer's name: tell the secretariat at once.
    Urgent,
    /// An act of the secretariat: ask it.
    Questions,
    /// Anything else: discard it.
    Unexpected,
}

impl NotYou {
    fn lines(self, language: Language, inquiry: &str) -> Vec<String> {
        let ja = language == Language::Ja;
        match (self, ja) {
            (NotYou::DidNotApply, true) => vec![
                "※本メールにお心当たりのない方は、どなたかが誤ってこのメールアドレスを".into(),
                format!("　登録した可能性があります。お手数ですが、{inquiry} までお知らせのうえ、"),
                "　本メールを破棄してください。".into(),
            ],
            (NotYou::DidNotApply, false) => vec![
                "If you did not apply, someone may have entered your address by mistake.".into(),
                format!("Please tell us at {inquiry} and delete this e-mail."),
            ],
            (NotYou::PasswordUnchanged, true) => vec![
                "※本メールにお心当たりのない場合は、本メールを破棄してください。".into(),
                "　パスワードは変更されず、現在のパスワードのまま引き続きご利用いただけます。"
                    .into(),
            ],
            (NotYou::PasswordUnchanged, false) => vec![
                "If you did not ask for this, delete this e-mail: your password stays as it is."
                    .into(),
            ],
            (NotYou::Urgent, true) => vec![format!(
                "※本メールにお心当たりのない場合は、至急 {inquiry} までご連絡ください。"
            )],
            (NotYou::Urgent, false) => vec![format!(
                "If you did not expect this e-mail, please tell us at once at {inquiry}."
            )],
            (NotYou::Questions, true) => vec![format!(
                "※本メールにお心当たりのない場合は、{inquiry} までご連絡ください。"
            )],
            (NotYou::Questions, false) => vec![format!(
                "If you did not expect this e-mail, please tell us at {inquiry}."
            )],
            (NotYou::Unexpected, true) => {
                vec!["※本メールにお心当たりのない場合は、本メールを破棄してください。".into()]
            }
            (NotYou::Unexpected, false) => {
                vec!["If you did not expect this e-mail, please delete it.".into()]
            }
        }
    }
}

/// The Japanese e-mails with the installed settings (see [`texts::current`]).
fn japanese<T>(render: impl FnOnce(&Templates) -> T) -> T {
    let settings = texts::current();
    render(&Templates::new(&settings, Language::Ja))
}

/// 自己宣言完了のお知らせ in Japanese with the installed settings. `notice_url` and `base_url`
/// are the API's addresses and are not shown: the e-mail links to the declarer site
/// (`FRONTEND_BASE_URL`), which a person can open; use [`Templates::declaration_completed`].
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
    _notice_url: &str,
    _base_url: &str,
) -> Email {
    japanese(|t| {
        t.declaration_completed(
            r,
            &Completion {
                user_number,
                declaration_id,
                star,
                declared_at,
                accepted_at_once,
            },
        )
    })
}

/// 申込み受理のご連絡 in Japanese with the installed settings; `base_url` (the API's) is not
/// shown. See [`Templates::accepted`].
pub fn accepted(
    r: &Recipient,
    declaration_id: &str,
    star: Star,
    accepted_at: DateTime<Utc>,
    _base_url: &str,
) -> Email {
    japanese(|t| t.accepted(r, declaration_id, star, accepted_at))
}

/// パスワード再設定のご案内 in Japanese with the installed settings.
pub fn password_reset(r: &Recipient, reset_url: &str, expires_at: DateTime<Utc>) -> Email {
    japanese(|t| t.password_reset(r, reset_url, expires_at))
}

/// 新しい自己宣言サイトのご利用開始のご案内 in Japanese with the installed settings.
pub fn activation(
    r: &Recipient,
    user_number: &str,
    declaration_id: &str,
    password_url: &str,
    expires_at: DateTime<Utc>,
) -> Email {
    japanese(|t| t.activation(r, user_number, declaration_id, password_url, expires_at))
}

/// 利用者番号のご案内 in Japanese with the installed settings; `base_url` (the API's) is not
/// shown. See [`Templates::user_number_reminder`].
pub fn user_number_reminder(r: &Recipient, user_number: &str, _base_url: &str) -> Email {
    japanese(|t| t.user_number_reminder(r, user_number))
}

/// 自己宣言取下げのお知らせ in Japanese with the installed settings.
pub fn withdrawn(r: &Recipient, declaration_id: &str, withdrawn_at: DateTime<Utc>) -> Email {
    japanese(|t| t.withdrawn(r, declaration_id, withdrawn_at))
}

/// 自己宣言取消しのお知らせ in Japanese with the installed settings.
pub fn revoked(
    r: &Recipient,
    declaration_id: &str,
    reason_code: &str,
    note: Option<&str>,
    revoked_at: DateTime<Utc>,
) -> Email {
    japanese(|t| t.revoked(r, declaration_id, reason_code, note, revoked_at))
}

/// 自己宣言の取消しの撤回のお知らせ in Japanese with the installed settings.
pub fn reinstated(
    r: &Recipient,
    declaration_id: &str,
    star: Star,
    reinstated_at: DateTime<Utc>,
) -> Email {
    japanese(|t| t.reinstated(r, declaration_id, star, reinstated_at))
}

/// 二つ星への変更 / 一つ星への変更のお知らせ in Japanese with the installed settings.
pub fn star_changed(
    r: &Recipient,
    declaration_id: &str,
    from: Star,
    to: Star,
    changed_at: DateTime<Utc>,
) -> Email {
    japanese(|t| t.star_changed(r, declaration_id, from, to, changed_at))
}

/// 担当者変更のお知らせ in Japanese with the installed settings.
pub fn contact_changed(r: &Recipient, declaration_id: &str, changed_at: DateTime<Utc>) -> Email {
    japanese(|t| t.contact_changed(r, declaration_id, changed_at))
}

/// Japan Standard Time, UTC+9 all year (no daylight saving).
const JST: FixedOffset = match FixedOffset::east_opt(9 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+9 is a valid offset"),
};

/// `YYYY年M月D日` in Japan time.
pub fn jst_date(at: DateTime<Utc>) -> String {
    let t = at.with_timezone(&JST);
    format!("{}年{}月{}日", t.year(), t.month(), t.day())
}

/// `YYYY年M月D日 H時MM分（日本時間）`.
fn jst_date_time(at: DateTime<Utc>) -> String {
    let t = at.with_timezone(&JST);
    format!(
        "{} {}時{:02}分（日本時間）",
        jst_date(at),
        t.hour(),
        t.minute()
    )
}

/// `22 November 2026`, the day in Japan time.
pub fn en_date(at: DateTime<Utc>) -> String {
    at.with_timezone(&JST).format("%-d %B %Y").to_string()
}

/// `22 November 2026, 12:04 (Japan time)`.
fn en_date_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&JST)
        .format("%-d %B %Y, %H:%M (Japan time)")
        .to_string()
}

/// The label of a revocation reason code; unknown codes read as その他 / other.
fn revocation_reason(code: &str) -> crate::domain::language::Localized {
    use crate::domain::language::Localized;
    match code {
        "false_declaration" => Localized {
            ja: "虚偽の申告",
            en: "false declaration",
        },
        "misleading_claims" => Localized {
            ja: "誤解を招く表示（認定と称するなど）",
            en: "misleading use of the logo (such as claiming certification)",
        },
        "declarer_request" => Localized {
            ja: "自己宣言事業者からのお申出",
            en: "at the declarer's request",
        },
        _ => Localized {
            ja: "その他",
            en: "other",
        },
    }
}

const RULE: &str = "────────────────────────────────";

/// A subject from fixed text only: taking `&'static str` keeps user-supplied text out.
fn subject(language: Language, ja: &'static str, en: &'static str) -> String {
    match language {
        Language::Ja => format!("【SECURITY ACTION】{ja}"),
        Language::En => format!("[SECURITY ACTION] {en}"),
    }
}

/// 「【SECURITY ACTION】一つ星：自己宣言完了のお知らせ」 (or 二つ星).
fn completion_subject(star: Star, language: Language) -> String {
    match language {
        Language::Ja => format!(
            "【SECURITY ACTION】{}：自己宣言完了のお知らせ",
            star.label().ja
        ),
        Language::En => format!(
            "[SECURITY ACTION] {}: declaration completed",
            star.label().en
        ),
    }
}

/// A body being written, line by line.
struct Body(String);

impl Body {
    /// Starts with the address lines as the scheme's e-mail has them: the organisation alone,
    /// then the contact person with 様 (「ご担当者 様」 when no name is known), then an empty
    /// line. In English: the organisation, then "Dear …,".
    fn addressed_to(r: &Recipient, language: Language) -> Self {
        let mut body = Body(String::new());
        let organization = one_line(r.organization_name);
        let contact = one_line(r.contact_name);
        if !organization.trim().is_empty() {
            body.line(organization);
        }
        match (contact.trim().is_empty(), language) {
            (false, Language::Ja) => body.line(format!("{contact} 様")),
            (true, Language::Ja) => body.line("ご担当者 様"),
            (false, Language::En) => body.line(format!("Dear {contact},")),
            (true, Language::En) => body.line("Dear contact person,"),
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

#[cfg(test)]
mod tests;
