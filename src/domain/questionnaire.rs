//! The self-diagnosis questionnaire 「5分でできる！情報セキュリティ自社診断」 as versioned static data.
//!
//! The 25 items come in three parts; each item is answered with one of four [`Answer`]s worth 4, 2, 0
//! or −1 points, so a total lies between [`MIN_SCORE`] (−25) and [`MAX_SCORE`] (100) and is read in
//! four [`Band`]s. The Japanese question texts are the scheme's own wording; the English translations
//! and every item's advice (shown for each item not answered [`Answer::Implemented`]) are written for
//! this project. Items 1–5 are the five principles (情報セキュリティ5か条) turned into questions.

use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::language::Localized;

/// The version label of this questionnaire data (texts and advice). Stored with every diagnosis so
/// that a result can always be read against the texts it was answered to. Bump it whenever a text
/// changes.
pub const QUESTIONNAIRE_VERSION: &str = "2026-12";

/// The number of items (設問) in the questionnaire.
pub const QUESTION_COUNT: usize = 25;

/// The highest possible total: every item answered [`Answer::Implemented`].
pub const MAX_SCORE: i32 = 100;

/// The lowest possible total: every item answered [`Answer::Unknown`].
pub const MIN_SCORE: i32 = -25;

/// One of the three parts of the questionnaire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The part's number, 1 to 3.
    pub number: u8,
    /// The part's title, e.g. 基本的対策 (basic measures).
    pub title: Localized,
    /// The numbers of the items in this part.
    pub questions: RangeInclusive<u8>,
}

/// The three parts, in order; their `questions` ranges cover 1..=25 without gaps or overlaps.
pub const PARTS: [Part; 3] = [
    Part {
        number: 1,
        title: Localized {
            ja: "基本的対策",
            en: "Basic measures",
        },
        questions: 1..=5,
    },
    Part {
        number: 2,
        title: Localized {
            ja: "従業員としての対策",
            en: "Measures taken by employees",
        },
        questions: 6..=18,
    },
    Part {
        number: 3,
        title: Localized {
            ja: "組織としての対策",
            en: "Measures taken by the organisation",
        },
        questions: 19..=25,
    },
];

/// The part with the given number (1 to 3).
pub fn part(number: u8) -> Option<&'static Part> {
    let parts: &'static [Part; 3] = &PARTS;
    parts.iter().find(|p| p.number == number)
}

/// One item (設問) of the questionnaire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    /// The item's number, 1 to 25.
    pub number: u8,
    /// The number of the [`Part`] the item belongs to.
    pub part: u8,
    /// The question; the Japanese text is the scheme's wording.
    pub text: Localized,
    /// Our short advice: why the measure matters and one or two example measures.
    pub advice: Localized,
    /// The [`NOTES`] the item relies on (by number), shown wherever the item is shown.
    pub notes: &'static [u8],
}

/// A footnote of the questionnaire (※1, ※2): a term several items use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Note {
    /// 1 or 2, printed as ※1, ※2.
    pub number: u8,
    /// The term explained.
    pub term: Localized,
    /// What it means, as the scheme's sheet says.
    pub text: Localized,
}

/// Where the four score bands come from (they are not in the scheme's documents quoted here).
pub const SCORE_BANDS_SOURCE: Localized = Localized {
    ja: "点数の目安（100点、70～99点、50～69点、49点以下）は、IPAの自社診断パンフレットの点数の見方に基づき、本サービスが独自の表現で記載したものです。",
    en: "The score bands (100, 70–99, 50–69, 49 or less) follow how IPA's self-diagnosis pamphlet reads a total; the wording is this service's own.",
};

/// The questionnaire's footnotes, as the scheme's sheet has them.
pub const NOTES: [Note; 2] = [
    Note {
        number: 1,
        term: Localized {
            ja: "ウイルス定義ファイル",
            en: "virus definition files",
        },
        text: Localized {
            ja: "ウイルス定義ファイルは、パターンファイルとも呼ばれます。",
            en: "Virus definition files are also called pattern files.",
        },
    },
    Note {
        number: 2,
        term: Localized {
            ja: "重要情報",
            en: "important information",
        },
        text: Localized {
            ja: "重要情報とは、営業秘密など事業に必要で組織にとって価値のある情報や、顧客や従業員の個人情報など管理責任を伴う情報のことです。",
            en: "Important information means information that the business needs and that is of value to the organisation, such as trade secrets, and information the organisation is responsible for, such as the personal information of customers and employees.",
        },
    },
];

/// The 25 items, in order: `ITEMS[i].number == i + 1`.
pub const ITEMS: [Item; QUESTION_COUNT] = [
    Item {
        number: 1,
        part: 1,
        text: Localized {
            ja: "パソコンやスマホなど情報機器のOSやソフトウェアは常に最新の状態にしていますか？",
            en: "Do you always keep the operating systems and software of computers, smartphones and other information devices up to date?",
        },
        advice: Localized {
            ja: "攻撃の多くは既に知られた脆弱性を突いてきます。自動更新を有効にし、サポートが終了したOSやソフトウェアは計画的に入れ替えましょう。",
            en: "Most attacks exploit vulnerabilities that are already known. Turn on automatic updates, and plan to replace operating systems and software whose support has ended.",
        },
        notes: &[],
    },
    Item {
        number: 2,
        part: 1,
        text: Localized {
            ja: "パソコンやスマホなどにはウイルス対策ソフトを導入し、ウイルス定義ファイル※1は最新の状態にしていますか？",
            en: "Have you installed anti-virus software on computers, smartphones and other devices, and do you keep its virus definition files (note 1) up to date?",
        },
        advice: Localized {
            ja: "定義ファイル（パターンファイル）が古いと新しいウイルスを検知できません。すべての端末に導入して自動更新を有効にし、更新状況を定期的に確かめましょう。",
            en: "With outdated definition files (pattern files), new malware goes undetected. Install anti-virus software on every device, enable automatic updates and check regularly that they work.",
        },
        notes: &[1],
    },
    Item {
        number: 3,
        part: 1,
        text: Localized {
            ja: "パスワードは破られにくい「長く」「複雑な」パスワードを設定していますか？",
            en: "Do you set long and complex passwords that are hard to crack?",
        },
        advice: Localized {
            ja: "短く推測しやすいパスワードはすぐに破られます。十分な長さにして使い回しを避け、パスワード管理ツールや多要素認証を活用しましょう。",
            en: "Short or guessable passwords are cracked quickly. Make passwords long, never reuse them, and use a password manager and multi-factor authentication.",
        },
        notes: &[],
    },
    Item {
        number: 4,
        part: 1,
        text: Localized {
            ja: "重要情報※2に対する適切なアクセス制限を行っていますか？",
            en: "Do you restrict access to important information appropriately?",
        },
        advice: Localized {
            ja: "必要のない人まで重要情報に触れられると、漏えいや改ざんの危険が高まります。業務に必要な人だけに権限を与え、異動や退職の際には速やかに見直しましょう。",
            en: "The more people can reach important information, the higher the risk of leaks and tampering. Grant access only to those who need it, and review it promptly when staff change roles or leave.",
        },
        notes: &[2],
    },
    Item {
        number: 5,
        part: 1,
        text: Localized {
            ja: "新たな脅威や攻撃の手口を知り対策を社内共有する仕組みはできていますか？",
            en: "Do you have a way to learn about new threats and attack methods and to share countermeasures within the company?",
        },
        advice: Localized {
            ja: "攻撃の手口は次々に変わります。公的機関などの注意喚起を定期的に確認する担当者を決め、朝礼や社内チャットで要点を共有しましょう。",
            en: "Attack methods keep changing. Name someone to follow alerts from public bodies and others regularly, and share the key points at team meetings or in the company chat.",
        },
        notes: &[],
    },
    Item {
        number: 6,
        part: 2,
        text: Localized {
            ja: "電子メールの添付ファイルや本文中のURLリンクを介したウイルス感染に気をつけていますか？",
            en: "Are you careful about virus infection through e-mail attachments and URL links in message bodies?",
        },
        advice: Localized {
            ja: "ウイルス感染の多くはメールから始まります。心当たりのない添付ファイルやリンクは開かず、取引先を装った不審なメールは電話など別の手段で確認しましょう。",
            en: "Many infections begin with an e-mail. Do not open unexpected attachments or links, and check suspicious messages that claim to come from a partner by phone or another channel.",
        },
        notes: &[],
    },
    Item {
        number: 7,
        part: 2,
        text: Localized {
            ja: "電子メールやFAXの宛先の送信ミスを防ぐ取り組みを実施していますか？",
            en: "Do you take steps to prevent sending e-mails and faxes to the wrong recipients?",
        },
        advice: Localized {
            ja: "宛先の誤りは情報漏えいの身近な原因です。送信前に宛先を声に出すなどして確認し、複数の社外宛てにはBCCを使い、送信保留機能も検討しましょう。",
            en: "Sending to the wrong address is one of the most common causes of leaks. Check recipients before sending, use BCC for messages to several outside parties, and consider a delayed-send feature.",
        },
        notes: &[],
    },
    Item {
        number: 8,
        part: 2,
        text: Localized {
            ja: "重要情報は電子メール本文に書くのではなく、添付するファイルに書いてパスワードなどで保護していますか？",
            en: "Instead of writing important information in the body of an e-mail, do you put it in an attached file and protect the file with a password or similar means?",
        },
        advice: Localized {
            ja: "本文に書いた重要情報は、誤送信や盗み見でそのまま漏れます。ファイルを保護してパスワードは別の経路で伝えるか、アクセス制限付きの共有サービスを使いましょう。",
            en: "Important information written in a message body leaks as soon as the mail goes astray or is intercepted. Protect the file and send its password by another channel, or use a file-sharing service with access control.",
        },
        notes: &[2],
    },
    Item {
        number: 9,
        part: 2,
        text: Localized {
            ja: "無線LANを安全に使うために適切な暗号化方式を設定するなどの対策をしていますか？",
            en: "Do you take measures such as setting an appropriate encryption method so that wireless LAN (Wi-Fi) is used securely?",
        },
        advice: Localized {
            ja: "暗号化が弱い無線LANは、通信を盗み見られたり勝手に接続されたりする恐れがあります。WPA2以上（できればWPA3）を設定し、機器の初期パスワードは必ず変更しましょう。",
            en: "A weakly encrypted Wi-Fi network can be eavesdropped on or joined by outsiders. Use WPA2 or later (WPA3 where possible), and always change the devices' default passwords.",
        },
        notes: &[],
    },
    Item {
        number: 10,
        part: 2,
        text: Localized {
            ja: "インターネットを介したウイルス感染やSNSへの書き込みなどのトラブルへの対策をしていますか？",
            en: "Do you take measures against internet-related problems, such as virus infection and careless posts on social media?",
        },
        advice: Localized {
            ja: "不審なサイトの閲覧や不用意なSNSへの投稿は、ウイルス感染や信用の失墜につながります。業務でのインターネット利用ルールを定め、投稿してはいけない情報の例を共有しましょう。",
            en: "Visiting dubious sites or careless social-media posts can lead to infection or a loss of trust. Set rules for internet use at work, and share examples of what must never be posted.",
        },
        notes: &[],
    },
    Item {
        number: 11,
        part: 2,
        text: Localized {
            ja: "パソコンやサーバーのウイルス感染、故障や誤操作による重要情報の消失に備えてバックアップを取得していますか？",
            en: "Do you take backups to guard against losing important information through virus infection, failure or operator error of computers and servers?",
        },
        advice: Localized {
            ja: "ランサムウェアや故障でデータを失っても、バックアップがあれば業務を再開できます。定期的に取得して一つはネットワークから切り離して保管し、復元できるかも試しておきましょう。",
            en: "Backups let you resume work after ransomware or a hardware failure. Back up regularly, keep one copy disconnected from the network, and test that you can actually restore it.",
        },
        notes: &[2],
    },
    Item {
        number: 12,
        part: 2,
        text: Localized {
            ja: "紛失や盗難を防止するため、重要情報が記載された書類や電子媒体は机上に放置せず、書庫などに安全に保管していますか？",
            en: "To prevent loss and theft, do you store documents and electronic media containing important information safely, for example in cabinets, instead of leaving them on desks?",
        },
        advice: Localized {
            ja: "机上に置いたままの書類や媒体は、紛失や持ち去り、盗み見の原因になります。使い終わったら施錠できる書庫に戻す「クリアデスク」を習慣にしましょう。",
            en: "Papers and media left on desks can be lost, taken away or read by others. Make a clear-desk habit: put them back in a lockable cabinet when you have finished with them.",
        },
        notes: &[2],
    },
    Item {
        number: 13,
        part: 2,
        text: Localized {
            ja: "重要情報が記載された書類や電子媒体を持ち出す時は、盗難や紛失の対策をしていますか？",
            en: "When you take documents or electronic media containing important information out of the office, do you take measures against theft and loss?",
        },
        advice: Localized {
            ja: "社外では置き忘れや盗難の危険が高まります。持ち出しは必要最小限にして記録を残し、ノートパソコンやUSBメモリは暗号化しておきましょう。",
            en: "Outside the office, things are easily left behind or stolen. Take out only what you need, keep a record of what leaves, and encrypt laptops and USB drives.",
        },
        notes: &[2],
    },
    Item {
        number: 14,
        part: 2,
        text: Localized {
            ja: "離席時にパソコン画面の覗き見や勝手な操作ができないようにしていますか？",
            en: "When you leave your desk, do you make sure that nobody can look at your computer screen or use it without permission?",
        },
        advice: Localized {
            ja: "ロックされていない画面は、誰でも見たり操作したりできてしまいます。離席時は必ず画面をロックし、短い時間で自動的にロックされるよう設定しましょう。",
            en: "An unlocked screen lets anyone read it or act in your name. Lock the screen whenever you step away, and set it to lock automatically after a short idle time.",
        },
        notes: &[],
    },
    Item {
        number: 15,
        part: 2,
        text: Localized {
            ja: "関係者以外の事務所への立ち入りを制限していますか？",
            en: "Do you restrict entry to your office by people who have no business there?",
        },
        advice: Localized {
            ja: "部外者が自由に出入りできると、盗難や情報の盗み見が起こりやすくなります。受付で来訪者を確認し、執務エリアには案内なしで立ち入らせないようにしましょう。",
            en: "If outsiders can walk in freely, theft and snooping become easy. Check visitors at reception, and do not let them into work areas unaccompanied.",
        },
        notes: &[],
    },
    Item {
        number: 16,
        part: 2,
        text: Localized {
            ja: "退社時にノートパソコンや備品を施錠保管するなど盗難防止対策をしていますか？",
            en: "When leaving work, do you take anti-theft measures, such as locking away laptops and equipment?",
        },
        advice: Localized {
            ja: "夜間や休日の事務所は盗難に狙われやすくなります。退社時はノートパソコンや媒体を施錠できるキャビネットにしまうか、盗難防止用のワイヤーで固定しましょう。",
            en: "Empty offices at night and at weekends attract thieves. When leaving, lock laptops and media in a cabinet or secure them with a security cable.",
        },
        notes: &[],
    },
    Item {
        number: 17,
        part: 2,
        text: Localized {
            ja: "事務所が無人になる時の施錠忘れ対策を実施していますか？",
            en: "Do you take measures against forgetting to lock up when the office is left empty?",
        },
        advice: Localized {
            ja: "施錠忘れは侵入や盗難を招きます。最後に退出する人が使う確認リストを用意して施錠を記録するか、自動施錠の設備を検討しましょう。",
            en: "An unlocked empty office invites intruders. Give the last person to leave a checklist and record that the doors were locked, or consider automatic locks.",
        },
        notes: &[],
    },
    Item {
        number: 18,
        part: 2,
        text: Localized {
            ja: "重要情報が記載された書類や重要なデータが保存された媒体を破棄する時は、復元できないようにしていますか？",
            en: "When you dispose of documents containing important information or media storing important data, do you make sure they cannot be recovered?",
        },
        advice: Localized {
            ja: "削除や初期化だけでは、データを復元できてしまう場合があります。書類はシュレッダーで裁断し、媒体は専用ソフトで消去するか物理的に破壊しましょう。",
            en: "Deleting files or formatting a disk does not always prevent recovery. Shred paper documents, and wipe media with dedicated software or destroy them physically.",
        },
        notes: &[2],
    },
    Item {
        number: 19,
        part: 3,
        text: Localized {
            ja: "従業員に守秘義務を理解してもらい、業務上知り得た情報を外部に漏らさないなどのルールを守らせていますか？",
            en: "Do your employees understand their duty of confidentiality, and do you make them follow rules such as not disclosing to outsiders information learned at work?",
        },
        advice: Localized {
            ja: "情報漏えいは、従業員の何気ない会話や持ち出しからも起こります。就業規則や誓約書で守秘義務を定め、入社時と定期的に説明しましょう。",
            en: "Leaks can start with casual conversation or careless copying by staff. Set out the duty of confidentiality in the work rules or a signed pledge, and explain it on hiring and at regular intervals.",
        },
        notes: &[],
    },
    Item {
        number: 20,
        part: 3,
        text: Localized {
            ja: "従業員にセキュリティに関する教育や注意喚起を行なっていますか？",
            en: "Do you give your employees security training and reminders?",
        },
        advice: Localized {
            ja: "多くの対策は、一人ひとりの行動によって効果が決まります。少なくとも年に一度は研修を行い、最近の手口を題材にした注意喚起をこまめに届けましょう。",
            en: "Most measures only work if everyone acts on them. Hold training at least once a year, and send short, frequent reminders about current attack methods.",
        },
        notes: &[],
    },
    Item {
        number: 21,
        part: 3,
        text: Localized {
            ja: "個人所有の情報機器を業務で利用する場合のセキュリティ対策を明確にしていますか？",
            en: "Have you made clear the security measures that apply when privately owned devices are used for work?",
        },
        advice: Localized {
            ja: "私物の端末には会社の管理が及ばず、紛失や感染の際に業務の情報が漏れる恐れがあります。業務利用は許可制にし、画面ロックや更新などの条件を決めましょう。",
            en: "Company controls do not reach personal devices, so their loss or infection can leak business data. Allow work use only with permission, and set conditions such as a screen lock and updates.",
        },
        notes: &[],
    },
    Item {
        number: 22,
        part: 3,
        text: Localized {
            ja: "重要情報の授受を伴う取引先との契約書には、秘密保持条項を規定していますか？",
            en: "Do your contracts with business partners that involve exchanging important information include confidentiality clauses?",
        },
        advice: Localized {
            ja: "取引先から情報が漏れた場合でも、自社の責任が問われることがあります。契約に秘密保持条項を入れ、情報の扱い方や返却・廃棄の方法を取り決めましょう。",
            en: "A leak at a business partner can still come back to you. Put confidentiality clauses in the contract, and agree on how information is handled, returned and disposed of.",
        },
        notes: &[2],
    },
    Item {
        number: 23,
        part: 3,
        text: Localized {
            ja: "クラウドサービスやウェブサイトの運用等で利用する外部サービスは、安全・信頼性を把握して選定していますか？",
            en: "Do you choose external services, such as cloud services and those used to run your website, with an understanding of their security and reliability?",
        },
        advice: Localized {
            ja: "外部サービスの障害や不備は、自社の情報漏えいや業務停止に直結します。選ぶ前に、事業者のセキュリティ対策や実績、サポート体制を確認しましょう。",
            en: "An outage or weak security at a provider directly affects your data and your business. Before choosing a service, check the provider's security measures, track record and support.",
        },
        notes: &[],
    },
    Item {
        number: 24,
        part: 3,
        text: Localized {
            ja: "セキュリティ事故が発生した場合に備え、緊急時の体制整備や対応手順を作成するなど準備をしていますか？",
            en: "Are you prepared for security incidents, for example by setting up an emergency response structure and writing response procedures?",
        },
        advice: Localized {
            ja: "事故が起きてから考えていては対応が遅れ、被害が広がります。連絡先と責任者を一覧にし、最初に取るべき手順を簡単な文書にまとめておきましょう。",
            en: "Improvising after an incident delays the response and widens the damage. List contacts and who is in charge, and write down the first steps in a short document.",
        },
        notes: &[],
    },
    Item {
        number: 25,
        part: 3,
        text: Localized {
            ja: "情報セキュリティ対策（上記1～24など）をルール化し、従業員に明示していますか？",
            en: "Have you turned your information security measures (such as items 1 to 24 above) into rules and made them clear to employees?",
        },
        advice: Localized {
            ja: "ルールが文書になっていないと、対策の水準が人によってばらつきます。基本方針と守るべきルールを簡潔にまとめ、全員がいつでも見られる場所に置きましょう。",
            en: "Without written rules, measures vary from person to person. Summarise your basic policy and the rules everyone must follow, and keep them where everyone can read them at any time.",
        },
        notes: &[],
    },
];

/// The item with the given number (1 to 25).
pub fn item(number: u8) -> Option<&'static Item> {
    let items: &'static [Item; QUESTION_COUNT] = &ITEMS;
    items.get(usize::from(number).checked_sub(1)?)
}

/// An answer to one item (回答). Serialised as its snake_case code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// 実施している: 4 points.
    Implemented,
    /// 一部実施している: 2 points.
    PartiallyImplemented,
    /// 実施していない: 0 points.
    NotImplemented,
    /// わからない: −1 point; such items should be followed up.
    Unknown,
}

impl Answer {
    /// The four answers, in the order the choices are shown.
    pub const ALL: [Answer; 4] = [
        Answer::Implemented,
        Answer::PartiallyImplemented,
        Answer::NotImplemented,
        Answer::Unknown,
    ];

    /// The points the answer scores: 4, 2, 0 or −1.
    pub fn points(self) -> i32 {
        match self {
            Answer::Implemented => 4,
            Answer::PartiallyImplemented => 2,
            Answer::NotImplemented => 0,
            Answer::Unknown => -1,
        }
    }

    /// The choice as shown to the declarer, e.g. 実施している / Implemented.
    pub fn label(self) -> Localized {
        match self {
            Answer::Implemented => Localized {
                ja: "実施している",
                en: "Implemented",
            },
            Answer::PartiallyImplemented => Localized {
                ja: "一部実施している",
                en: "Partially implemented",
            },
            Answer::NotImplemented => Localized {
                ja: "実施していない",
                en: "Not implemented",
            },
            Answer::Unknown => Localized {
                ja: "わからない",
                en: "Don't know",
            },
        }
    }

    /// The snake_case code used in the API, e.g. `partially_implemented`.
    pub fn code(self) -> &'static str {
        match self {
            Answer::Implemented => "implemented",
            Answer::PartiallyImplemented => "partially_implemented",
            Answer::NotImplemented => "not_implemented",
            Answer::Unknown => "unknown",
        }
    }

    /// The answer with the given snake_case code, e.g. from an HTML form.
    pub fn from_code(code: &str) -> Option<Answer> {
        Answer::ALL.into_iter().find(|a| a.code() == code)
    }
}

/// How the pamphlet reads a total (診断結果の目安). Serialised as its snake_case code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// 100 points: complete at this introductory level.
    Complete,
    /// 70 to 99 points: partly insufficient.
    PartiallyInsufficient,
    /// 50 to 69 points: gaps are conspicuous.
    ConspicuousGaps,
    /// 49 points or less: an incident could happen at any time.
    AtRisk,
}

impl Band {
    /// The four bands, from the best to the worst.
    pub const ALL: [Band; 4] = [
        Band::Complete,
        Band::PartiallyInsufficient,
        Band::ConspicuousGaps,
        Band::AtRisk,
    ];

    /// The band a total falls in. Totals outside [`MIN_SCORE`]..=[`MAX_SCORE`] cannot occur; one
    /// above 100 counts as complete and one below −25 as at risk.
    pub fn from_total(total: i32) -> Band {
        match total {
            100.. => Band::Complete,
            70..=99 => Band::PartiallyInsufficient,
            50..=69 => Band::ConspicuousGaps,
            _ => Band::AtRisk,
        }
    }

    /// The lowest and the highest total in the band, both inclusive.
    pub fn range(self) -> (i32, i32) {
        match self {
            Band::Complete => (100, MAX_SCORE),
            Band::PartiallyInsufficient => (70, 99),
            Band::ConspicuousGaps => (50, 69),
            Band::AtRisk => (MIN_SCORE, 49),
        }
    }

    /// The snake_case code used in the API, e.g. `conspicuous_gaps`.
    pub fn code(self) -> &'static str {
        match self {
            Band::Complete => "complete",
            Band::PartiallyInsufficient => "partially_insufficient",
            Band::ConspicuousGaps => "conspicuous_gaps",
            Band::AtRisk => "at_risk",
        }
    }

    /// What a total in this band means, in our words after the pamphlet's reading.
    ///
    /// The four bands (100 / 70–99 / 50–69 / 49 or less) follow the reading of totals in IPA's
    /// pamphlet of the self-diagnosis; they are not part of the scheme's documents that the
    /// service quotes (the completion e-mail, the logo terms, the FAQ). The wording is this
    /// project's own.
    pub fn description(self) -> Localized {
        match self {
            Band::Complete => Localized {
                ja: "100点：この入門レベルの対策はすべて実施できています。さらに一歩進んだ対策の導入も検討しましょう。",
                en: "100 points: every measure at this introductory level is in place. Consider going further with more advanced measures.",
            },
            Band::PartiallyInsufficient => Localized {
                ja: "70～99点：対策は進んでいますが、一部に不十分なところがあります。実施できていない項目から見直しましょう。",
                en: "70–99 points: good progress, but some measures are still insufficient. Start with the items that are not fully implemented.",
            },
            Band::ConspicuousGaps => Localized {
                ja: "50～69点：対策の不足が目立ちます。実施できていない項目への対策を早めに進めましょう。",
                en: "50–69 points: the gaps in your measures are conspicuous. Work on the items that are not implemented soon.",
            },
            Band::AtRisk => Localized {
                ja: "49点以下：いつ事故が起きてもおかしくない状態です。すぐに基本的な対策から取り組みましょう。",
                en: "49 points or less: an incident could happen at any time. Start on the basic measures right away.",
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn items_are_numbered_in_order_and_belong_to_their_part() {
        assert_eq!(ITEMS.len(), QUESTION_COUNT);
        for (index, item) in ITEMS.iter().enumerate() {
            assert_eq!(usize::from(item.number), index + 1);
            let part = part(item.part).expect("the item's part exists");
            assert!(
                part.questions.contains(&item.number),
                "item {}",
                item.number
            );
        }
    }

    #[test]
    fn parts_cover_all_items_without_gaps() {
        let covered: Vec<u8> = PARTS.iter().flat_map(|p| p.questions.clone()).collect();
        assert_eq!(covered, (1..=25).collect::<Vec<u8>>());
        let sizes: Vec<usize> = PARTS.iter().map(|p| p.questions.clone().count()).collect();
        assert_eq!(sizes, [5, 13, 7]);
        for (index, p) in PARTS.iter().enumerate() {
            assert_eq!(usize::from(p.number), index + 1);
        }
        assert_eq!(PARTS[0].title.ja, "基本的対策");
        assert_eq!(PARTS[1].title.ja, "従業員としての対策");
        assert_eq!(PARTS[2].title.ja, "組織としての対策");
        assert!(part(0).is_none());
        assert!(part(4).is_none());
    }

    #[test]
    fn no_text_is_empty_and_advice_is_short() {
        for item in &ITEMS {
            for text in [item.text.ja, item.text.en, item.advice.ja, item.advice.en] {
                assert!(!text.trim().is_empty(), "item {}", item.number);
                assert_eq!(text, text.trim(), "item {}", item.number);
            }
            assert!(item.text.ja.ends_with('？'), "item {}", item.number);
            assert!(item.text.en.ends_with('?'), "item {}", item.number);
            assert!(
                item.advice.ja.chars().count() <= 160,
                "item {}",
                item.number
            );
            assert!(
                item.advice.en.chars().count() <= 250,
                "item {}",
                item.number
            );
        }
        for p in &PARTS {
            assert!(!p.title.ja.is_empty() && !p.title.en.is_empty());
        }
        for band in Band::ALL {
            assert!(!band.description().ja.is_empty() && !band.description().en.is_empty());
        }
        for answer in Answer::ALL {
            assert!(!answer.label().ja.is_empty() && !answer.label().en.is_empty());
        }
    }

    #[test]
    fn japanese_texts_are_the_schemes_wording() {
        let expected = [
            (
                1,
                "パソコンやスマホなど情報機器のOSやソフトウェアは常に最新の状態にしていますか？",
            ),
            (
                3,
                "パスワードは破られにくい「長く」「複雑な」パスワードを設定していますか？",
            ),
            (
                8,
                "重要情報は電子メール本文に書くのではなく、添付するファイルに書いてパスワードなどで保護していますか？",
            ),
            (15, "関係者以外の事務所への立ち入りを制限していますか？"),
            (
                20,
                "従業員にセキュリティに関する教育や注意喚起を行なっていますか？",
            ),
            (
                25,
                "情報セキュリティ対策（上記1～24など）をルール化し、従業員に明示していますか？",
            ),
        ];
        for (number, text) in expected {
            assert_eq!(item(number).map(|i| i.text.ja), Some(text));
        }
        // The scheme's footnote marks, and the notes they point to.
        assert!(ITEMS[1].text.ja.contains("ウイルス定義ファイル※1は"));
        assert!(ITEMS[3].text.ja.starts_with("重要情報※2に対する"));
        assert!(NOTES[0].text.ja.contains("パターンファイル"));
        assert!(NOTES[1].text.ja.contains(
            "営業秘密など事業に必要で組織にとって価値のある情報や、顧客や従業員の個人情報など管理責任を伴う情報"
        ));
        for item in &ITEMS {
            for &note in item.notes {
                let term = NOTES[usize::from(note) - 1].term.ja;
                assert!(
                    item.text.ja.contains(term),
                    "item {} note {note}",
                    item.number
                );
            }
            for n in &NOTES {
                if item.text.ja.contains(n.term.ja) {
                    assert!(
                        item.notes.contains(&n.number),
                        "item {} lacks note {}",
                        item.number,
                        n.number
                    );
                }
            }
        }
    }

    #[test]
    fn item_lookup_is_bounded() {
        assert!(item(0).is_none());
        assert!(item(26).is_none());
        assert!(item(u8::MAX).is_none());
        assert_eq!(item(1).map(|i| i.number), Some(1));
        assert_eq!(item(25).map(|i| i.number), Some(25));
    }

    #[test]
    fn answers_score_and_name_themselves() {
        let points: Vec<i32> = Answer::ALL.iter().map(|a| a.points()).collect();
        assert_eq!(points, [4, 2, 0, -1]);
        assert_eq!(Answer::Implemented.points() * 25, MAX_SCORE);
        assert_eq!(Answer::Unknown.points() * 25, MIN_SCORE);
        assert_eq!(Answer::Unknown.label().ja, "わからない");
        assert_eq!(Answer::PartiallyImplemented.label().ja, "一部実施している");
        for answer in Answer::ALL {
            assert_eq!(Answer::from_code(answer.code()), Some(answer));
        }
        assert_eq!(Answer::from_code("Implemented"), None);
    }

    #[test]
    fn bands_tile_the_whole_score_range() {
        let mut next = MIN_SCORE;
        for band in Band::ALL.iter().rev() {
            let (min, max) = band.range();
            assert_eq!(min, next);
            assert!(min <= max);
            next = max + 1;
        }
        assert_eq!(next, MAX_SCORE + 1);
        assert_eq!(Band::from_total(100), Band::Complete);
        assert_eq!(Band::from_total(99), Band::PartiallyInsufficient);
        assert_eq!(Band::from_total(70), Band::PartiallyInsufficient);
        assert_eq!(Band::from_total(69), Band::ConspicuousGaps);
        assert_eq!(Band::from_total(50), Band::ConspicuousGaps);
        assert_eq!(Band::from_total(49), Band::AtRisk);
        assert_eq!(Band::from_total(-25), Band::AtRisk);
    }

    #[test]
    fn codes_match_the_serde_names() {
        // serde_json is not a dependency of this module; `serde::de::value` checks the names.
        use serde::de::IntoDeserializer;
        use serde::de::value::{Error, StrDeserializer};
        for answer in Answer::ALL {
            let de: StrDeserializer<'_, Error> = answer.code().into_deserializer();
            assert_eq!(Answer::deserialize(de), Ok(answer));
        }
        for band in Band::ALL {
            let de: StrDeserializer<'_, Error> = band.code().into_deserializer();
            assert_eq!(Band::deserialize(de), Ok(band));
        }
    }

    proptest! {
        #[test]
        fn every_total_has_exactly_one_band(total in MIN_SCORE..=MAX_SCORE) {
            let band = Band::from_total(total);
            let (min, max) = band.range();
            prop_assert!(min <= total && total <= max);
            let containing = Band::ALL
                .iter()
                .filter(|b| {
                    let (lo, hi) = b.range();
                    lo <= total && total <= hi
                })
                .count();
            prop_assert_eq!(containing, 1);
        }

        #[test]
        fn item_lookup_matches_the_table(number in any::<u8>()) {
            match item(number) {
                Some(found) => prop_assert_eq!(found.number, number),
                None => prop_assert!(number == 0 || usize::from(number) > QUESTION_COUNT),
            }
        }
    }
}
