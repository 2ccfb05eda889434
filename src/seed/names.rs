//! The seeded organisations: the vocabulary (weighted prefectures with some municipalities and
//! an area code each, weighted industries with the words their businesses are named with,
//! family and given names, place and brand words) and the builders of names with kana readings,
//! addresses, phone numbers, sizes, capital and corporate numbers. Everything is drawn from the
//! caller's random generator, so a seed gives the same organisations again.

use rand::RngExt;
use rand::rngs::StdRng;

use crate::domain::codes::{IndustryCode, PrefectureCode};
use crate::domain::corporate_number::CorporateNumber;
use crate::domain::organization::OrganizationType;

/// A word and its reading in katakana.
type Word = (&'static str, &'static str);

/// Picks one of `items` with probability proportional to its weight.
pub(super) fn weighted<T: Copy>(rng: &mut StdRng, items: &[(T, u32)]) -> T {
    items[weighted_index(rng, items.iter().map(|i| i.1))].0
}

/// Picks one of `items` uniformly.
pub(super) fn any<T: Copy>(rng: &mut StdRng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

/// The index of one of `weights`, drawn with probability proportional to its weight.
fn weighted_index(rng: &mut StdRng, weights: impl Iterator<Item = u32> + Clone) -> usize {
    let mut draw = rng.random_range(0..weights.clone().sum::<u32>().max(1));
    let mut last = 0;
    for (index, weight) in weights.enumerate() {
        if draw < weight {
            return index;
        }
        draw -= weight;
        last = index;
    }
    last
}

/// Per prefecture, in JIS code order (01 北海道 … 47 沖縄県): the weight (business
/// establishments in thousands, rounded, after the Economic Census 経済センサス), the area code
/// of its main city, and some of its municipalities.
#[rustfmt::skip]
const PREFECTURES: [(u32, &str, &[&str]); 47] = [
    (230, "011", &["札幌市中央区", "札幌市北区", "旭川市", "函館市", "帯広市"]),
    (58, "017", &["青森市", "八戸市", "弘前市"]),
    (57, "019", &["盛岡市", "一関市", "奥州市"]),
    (100, "022", &["仙台市青葉区", "仙台市宮城野区", "石巻市", "大崎市"]),
    (48, "018", &["秋田市", "横手市", "大仙市"]),
    (55, "023", &["山形市", "鶴岡市", "米沢市"]),
    (86, "024", &["福島市", "郡山市", "いわき市"]),
    (117, "029", &["水戸市", "つくば市", "日立市", "土浦市"]),
    (86, "028", &["宇都宮市", "小山市", "足利市"]),
    (90, "027", &["前橋市", "高崎市", "太田市"]),
    (240, "048", &["さいたま市大宮区", "川口市", "川越市", "所沢市", "越谷市"]),
    (190, "043", &["千葉市中央区", "船橋市", "柏市", "市川市", "松戸市"]),
    (630, "03", &["千代田区", "中央区", "港区", "新宿区", "渋谷区", "品川区", "大田区", "台東区",
                  "江東区", "八王子市", "立川市"]),
    (300, "045", &["横浜市中区", "横浜市港北区", "川崎市川崎区", "相模原市中央区", "藤沢市", "厚木市"]),
    (110, "025", &["新潟市中央区", "長岡市", "上越市", "燕市"]),
    (50, "076", &["富山市", "高岡市", "射水市"]),
    (58, "076", &["金沢市", "小松市", "白山市"]),
    (41, "0776", &["福井市", "坂井市", "鯖江市"]),
    (41, "055", &["甲府市", "甲斐市", "富士吉田市"]),
    (105, "026", &["長野市", "松本市", "上田市", "諏訪市"]),
    (95, "058", &["岐阜市", "大垣市", "各務原市", "多治見市"]),
    (170, "054", &["静岡市葵区", "浜松市中央区", "沼津市", "富士市"]),
    (310, "052", &["名古屋市中区", "名古屋市中村区", "豊田市", "岡崎市", "一宮市", "豊橋市"]),
    (77, "059", &["津市", "四日市市", "鈴鹿市"]),
    (55, "077", &["大津市", "草津市", "彦根市"]),
    (115, "075", &["京都市下京区", "京都市中京区", "宇治市", "福知山市"]),
    (400, "06", &["大阪市北区", "大阪市中央区", "大阪市西区", "東大阪市", "堺市堺区", "豊中市", "吹田市"]),
    (210, "078", &["神戸市中央区", "姫路市", "尼崎市", "西宮市", "明石市"]),
    (45, "0742", &["奈良市", "橿原市", "生駒市"]),
    (46, "073", &["和歌山市", "田辺市", "海南市"]),
    (25, "0857", &["鳥取市", "米子市", "倉吉市"]),
    (33, "0852", &["松江市", "出雲市", "浜田市"]),
    (78, "086", &["岡山市北区", "倉敷市", "津山市"]),
    (125, "082", &["広島市中区", "福山市", "呉市", "東広島市"]),
    (60, "083", &["山口市", "下関市", "周南市", "宇部市"]),
    (35, "088", &["徳島市", "阿南市", "鳴門市"]),
    (45, "087", &["高松市", "丸亀市", "坂出市"]),
    (62, "089", &["松山市", "今治市", "新居浜市"]),
    (34, "088", &["高知市", "南国市", "四万十市"]),
    (210, "092", &["福岡市博多区", "福岡市中央区", "北九州市小倉北区", "久留米市"]),
    (36, "0952", &["佐賀市", "唐津市", "鳥栖市"]),
    (60, "095", &["長崎市", "佐世保市", "諫早市"]),
    (73, "096", &["熊本市中央区", "八代市", "天草市"]),
    (52, "097", &["大分市", "別府市", "中津市"]),
    (50, "0985", &["宮崎市", "都城市", "延岡市"]),
    (78, "099", &["鹿児島市", "霧島市", "鹿屋市"]),
    (65, "098", &["那覇市", "沖縄市", "うるま市", "浦添市"]),
];

/// Per industry division (日本標準産業分類 大分類), `A` to `T`: its weight among declarers (per
/// mille, roughly), the words a company of it is named with, and the words of a sole
/// proprietor's trade name (屋号).
#[rustfmt::skip]
const INDUSTRIES: [(u32, &[Word], &[Word]); 20] = [
    (10, &[("農園", "ノウエン"), ("ファーム", "ファーム"), ("農産", "ノウサン"), ("アグリ", "アグリ")],
        &[("農園", "ノウエン"), ("果樹園", "カジュエン")]),
    (3, &[("水産", "スイサン"), ("海産", "カイサン")], &[("水産", "スイサン")]),
    (1, &[("鉱業", "コウギョウ"), ("砕石", "サイセキ")], &[("砕石", "サイセキ")]),
    (160, &[("建設", "ケンセツ"), ("工務店", "コウムテン"), ("建工", "ケンコウ"), ("土木", "ドボク"),
            ("設備", "セツビ"), ("電設", "デンセツ"), ("塗装", "トソウ"), ("住建", "ジュウケン"),
            ("組", "グミ"), ("ハウス", "ハウス"), ("興業", "コウギョウ")],
        &[("工務店", "コウムテン"), ("塗装", "トソウ"), ("電気工事", "デンキコウジ"), ("設備", "セツビ"),
          ("建築", "ケンチク")]),
    (160, &[("精機", "セイキ"), ("製作所", "セイサクショ"), ("工業", "コウギョウ"), ("金属", "キンゾク"),
            ("化成", "カセイ"), ("電機", "デンキ"), ("電子", "デンシ"), ("製菓", "セイカ"), ("印刷", "インサツ"),
            ("食品", "ショクヒン"), ("精密", "セイミツ"), ("鉄工所", "テッコウショ"), ("技研", "ギケン")],
        &[("製作所", "セイサクショ"), ("工房", "コウボウ"), ("鉄工所", "テッコウショ")]),
    (4, &[("電力", "デンリョク"), ("ガス", "ガス"), ("エネルギー", "エネルギー")], &[("ガス", "ガス")]),
    (90, &[("システム", "システム"), ("ソフト", "ソフト"), ("情報サービス", "ジョウホウサービス"),
           ("ネットワークス", "ネットワークス"), ("テクノロジー", "テクノロジー"), ("データ", "データ"),
           ("ソリューションズ", "ソリューションズ"), ("デジタル", "デジタル"), ("通信", "ツウシン"),
           ("情報システム", "ジョウホウシステム")],
        &[("システム開発", "システムカイハツ"), ("ウェブ制作", "ウェブセイサク"), ("ITサポート", "アイティーサポート")]),
    (40, &[("運輸", "ウンユ"), ("物流", "ブツリュウ"), ("運送", "ウンソウ"), ("交通", "コウツウ"),
           ("ロジスティクス", "ロジスティクス"), ("倉庫", "ソウコ")],
        &[("運送", "ウンソウ"), ("急便", "キュウビン")]),
    (170, &[("商事", "ショウジ"), ("商店", "ショウテン"), ("物産", "ブッサン"), ("産業", "サンギョウ"),
            ("商会", "ショウカイ"), ("販売", "ハンバイ"), ("薬品", "ヤクヒン"), ("トレーディング", "トレーディング"),
            ("通商", "ツウショウ")],
        &[("商店", "ショウテン"), ("酒店", "サケテン"), ("米穀店", "ベイコクテン"), ("商会", "ショウカイ"),
          ("薬局", "ヤッキョク")]),
    (20, &[("保険サービス", "ホケンサービス"), ("ファイナンス", "ファイナンス"), ("総合保険", "ソウゴウホケン")],
        &[("保険事務所", "ホケンジムショ")]),
    (50, &[("不動産", "フドウサン"), ("地所", "ジショ"), ("ハウジング", "ハウジング"), ("リース", "リース"),
           ("エステート", "エステート")],
        &[("不動産", "フドウサン")]),
    (90, &[("設計", "セッケイ"), ("コンサルティング", "コンサルティング"), ("測量", "ソクリョウ"),
           ("デザイン", "デザイン"), ("研究所", "ケンキュウジョ"), ("総研", "ソウケン")],
        &[("会計事務所", "カイケイジムショ"), ("税理士事務所", "ゼイリシジムショ"),
          ("行政書士事務所", "ギョウセイショシジムショ"), ("社会保険労務士事務所", "シャカイホケンロウムシジムショ"),
          ("設計事務所", "セッケイジムショ"), ("デザイン事務所", "デザインジムショ"), ("司法書士事務所", "シホウショシジムショ")]),
    (40, &[("フーズ", "フーズ"), ("旅館", "リョカン"), ("ホテル", "ホテル"), ("ダイニング", "ダイニング"),
           ("観光", "カンコウ")],
        &[("食堂", "ショクドウ"), ("亭", "テイ"), ("珈琲店", "コーヒーテン")]),
    (30, &[("美容", "ビヨウ"), ("クリーニング", "クリーニング"), ("トラベル", "トラベル"), ("スポーツ", "スポーツ")],
        &[("美容室", "ビヨウシツ"), ("理容室", "リヨウシツ"), ("クリーニング", "クリーニング")]),
    (20, &[("学院", "ガクイン"), ("教育", "キョウイク"), ("スクール", "スクール"), ("ゼミナール", "ゼミナール")],
        &[("学習塾", "ガクシュウジュク"), ("書道教室", "ショドウキョウシツ"), ("英会話教室", "エイカイワキョウシツ")]),
    (50, &[("介護サービス", "カイゴサービス"), ("ケア", "ケア"), ("メディカル", "メディカル"),
           ("調剤薬局", "チョウザイヤッキョク")],
        &[("整骨院", "セイコツイン"), ("鍼灸院", "シンキュウイン"), ("歯科医院", "シカイイン")]),
    (3, &[("総合サービス", "ソウゴウサービス")], &[("サービス", "サービス")]),
    (60, &[("サービス", "サービス"), ("ビルメンテナンス", "ビルメンテナンス"), ("警備保障", "ケイビホショウ"),
           ("環境サービス", "カンキョウサービス"), ("企画", "キカク"), ("広告", "コウコク")],
        &[("企画", "キカク"), ("自動車整備", "ジドウシャセイビ")]),
    (1, &[("サービス", "サービス")], &[("事務所", "ジムショ")]),
    (5, &[("企画", "キカク"), ("ホールディングス", "ホールディングス")], &[("事務所", "ジムショ")]),
];

#[rustfmt::skip]
const SURNAMES: &[Word] = &[
    ("山田", "ヤマダ"), ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"),
    ("伊藤", "イトウ"), ("渡辺", "ワタナベ"), ("中村", "ナカムラ"), ("小林", "コバヤシ"), ("加藤", "カトウ"),
    ("吉田", "ヨシダ"), ("山本", "ヤマモト"), ("松本", "マツモト"), ("井上", "イノウエ"), ("木村", "キムラ"),
    ("林", "ハヤシ"), ("斎藤", "サイトウ"), ("清水", "シミズ"), ("山口", "ヤマグチ"), ("森", "モリ"),
    ("池田", "イケダ"), ("橋本", "ハシモト"), ("阿部", "アベ"), ("石川", "イシカワ"), ("山崎", "ヤマザキ"),
    ("中島", "ナカジマ"), ("前田", "マエダ"), ("藤田", "フジタ"), ("小川", "オガワ"), ("岡田", "オカダ"),
    ("後藤", "ゴトウ"), ("長谷川", "ハセガワ"), ("村上", "ムラカミ"), ("近藤", "コンドウ"), ("石井", "イシイ"),
    ("坂本", "サカモト"), ("遠藤", "エンドウ"), ("青木", "アオキ"), ("藤井", "フジイ"), ("西村", "ニシムラ"),
];

#[rustfmt::skip]
const GIVEN_NAMES: &[&str] = &[
    "太郎", "一郎", "健太", "大輔", "翔太", "拓也", "直樹", "誠", "浩", "隆",
    "花子", "美咲", "陽子", "恵子", "由美", "愛", "さくら", "真由美", "智子", "裕子",
];

#[rustfmt::skip]
const PLACES: &[Word] = &[
    ("東海", "トウカイ"), ("関東", "カントウ"), ("北陸", "ホクリク"), ("湘南", "ショウナン"), ("多摩", "タマ"),
    ("浪速", "ナニワ"), ("九州", "キュウシュウ"), ("信州", "シンシュウ"), ("瀬戸内", "セトウチ"), ("阪神", "ハンシン"),
    ("京浜", "ケイヒン"), ("中央", "チュウオウ"), ("東洋", "トウヨウ"), ("大和", "ヤマト"), ("富士", "フジ"),
    ("日本", "ニホン"), ("北斗", "ホクト"), ("太平洋", "タイヘイヨウ"), ("三河", "ミカワ"), ("那須", "ナス"),
    ("東日本", "ヒガシニホン"), ("西日本", "ニシニホン"), ("中部", "チュウブ"), ("山陰", "サンイン"), ("房総", "ボウソウ"),
    ("常磐", "ジョウバン"), ("武蔵", "ムサシ"), ("相模", "サガミ"), ("南海", "ナンカイ"), ("北海", "ホッカイ"),
];

#[rustfmt::skip]
const NATURE: &[Word] = &[
    ("みどり", "ミドリ"), ("ひかり", "ヒカリ"), ("あおば", "アオバ"), ("さくら", "サクラ"), ("サクラ", "サクラ"),
    ("アオイ", "アオイ"), ("若葉", "ワカバ"), ("朝日", "アサヒ"), ("旭", "アサヒ"), ("大地", "ダイチ"),
    ("青空", "アオゾラ"), ("昭和", "ショウワ"), ("日の出", "ヒノデ"), ("三和", "サンワ"), ("三栄", "サンエイ"),
    ("共栄", "キョウエイ"), ("協和", "キョウワ"), ("太陽", "タイヨウ"), ("未来", "ミライ"), ("双葉", "フタバ"),
];

#[rustfmt::skip]
const BRANDS: &[Word] = &[
    ("アルファ", "アルファ"), ("ネクスト", "ネクスト"), ("クリエイト", "クリエイト"), ("ライズ", "ライズ"),
    ("フロンティア", "フロンティア"), ("スマイル", "スマイル"), ("エース", "エース"), ("ユニオン", "ユニオン"),
    ("グローバル", "グローバル"), ("プラス", "プラス"), ("アーク", "アーク"), ("ブライト", "ブライト"),
    ("ハーモニー", "ハーモニー"), ("ビジョン", "ビジョン"), ("リンク", "リンク"), ("コスモ", "コスモ"),
];

/// What associations (団体) are about.
#[rustfmt::skip]
const FIELDS: &[Word] = &[
    ("建設業", "ケンセツギョウ"), ("情報サービス産業", "ジョウホウサービスサンギョウ"), ("金属工業", "キンゾクコウギョウ"),
    ("印刷工業", "インサツコウギョウ"), ("電気工事業", "デンキコウジギョウ"), ("運送事業", "ウンソウジギョウ"),
    ("中小企業", "チュウショウキギョウ"), ("商店街", "ショウテンガイ"), ("観光", "カンコウ"), ("食品工業", "ショクヒンコウギョウ"),
];

#[rustfmt::skip]
const TOWNS: &[&str] = &[
    "本町", "中央", "栄町", "駅前", "旭町", "緑町", "新町", "東町", "西町", "港町", "幸町", "錦町", "元町",
    "大手町", "桜木町", "昭和町",
];

/// The legal form (法人格) a company's name carries; it also shapes its capital.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LegalForm {
    /// 株式会社
    Kabushiki,
    /// 有限会社 (特例有限会社, formed before 2006)
    Yugen,
    /// 合同会社
    Godo,
    /// 合資会社
    Goshi,
    /// Not a company: sole proprietors and associations.
    None,
}

/// A generated organisation and its contact person, before it has ids.
#[derive(Debug, Clone)]
pub(super) struct Organization {
    pub kind: OrganizationType,
    pub name: String,
    pub kana: Option<String>,
    pub form: LegalForm,
    /// Whether it is a legal person with a corporate number (法人番号).
    pub numbered: bool,
    pub prefecture: PrefectureCode,
    pub industry: IndustryCode,
    pub address: String,
    pub employees: i64,
    pub capital_yen: Option<i64>,
    /// Whether it has a web site (its host is made from the declarer's id).
    pub website: bool,
    pub contact_name: String,
    /// The e-mail address's local part (its domain is made from the declarer's id).
    pub email_local: &'static str,
    pub phone: Option<String>,
    pub department: Option<&'static str>,
}

/// An organisation: 85 % corporations, 12 % sole proprietors, 3 % associations. `two_star`
/// declarers more often have a web site.
pub(super) fn organization(rng: &mut StdRng, two_star: bool) -> anyhow::Result<Organization> {
    use OrganizationType as Kind;
    let kind = weighted(
        rng,
        &[
            (Kind::Corporation, 85),
            (Kind::SoleProprietor, 12),
            (Kind::Association, 3),
        ],
    );
    let prefecture = PrefectureCode::from_number(u8::try_from(
        weighted_index(rng, PREFECTURES.iter().map(|p| p.0)) + 1,
    )?)?;
    let industry = IndustryCode::from_letter(char::from(
        b'A' + u8::try_from(weighted_index(rng, INDUSTRIES.iter().map(|i| i.0)))?,
    ))?;
    let (name, kana, form, numbered) = match kind {
        Kind::Corporation => corporation_name(rng, industry),
        Kind::SoleProprietor => trade_name(rng, industry),
        _ => association_name(rng),
    };
    let employees = employees(rng, kind);
    let capital_yen = (kind == Kind::Corporation).then(|| capital(rng, form, employees));
    let website = rng.random_bool(match kind {
        Kind::Corporation if two_star => 0.85,
        Kind::Corporation => 0.6,
        Kind::Association => 0.5,
        _ => 0.2,
    });
    #[rustfmt::skip]
    let department = match kind {
        Kind::Corporation => weighted(rng, &[(Some("総務部"), 30), (Some("管理部"), 15),
            (Some("情報システム部"), 10), (Some("経営企画室"), 8), (Some("代表"), 7), (None, 30)]),
        Kind::Association => weighted(rng, &[(Some("事務局"), 7), (None, 3)]),
        _ => weighted(rng, &[(Some("代表"), 15), (None, 85)]),
    };
    let email_local = any(
        rng,
        &["info", "contact", "soumu", "office", "admin", "kanri", "it"],
    );
    Ok(Organization {
        kind,
        name,
        kana,
        form,
        numbered,
        prefecture,
        industry,
        address: address(rng, prefecture),
        employees,
        capital_yen,
        website,
        contact_name: format!("{} {}", any(rng, SURNAMES).0, any(rng, GIVEN_NAMES)),
        email_local,
        phone: rng.random_bool(0.85).then(|| phone(rng, prefecture)),
        department,
    })
}

/// The first part of a name: a surname, a place, a word of nature or luck, or a katakana brand.
fn stem(rng: &mut StdRng) -> Word {
    match rng.random_range(0..100) {
        0..40 => any(rng, SURNAMES),
        40..65 => any(rng, PLACES),
        65..85 => any(rng, NATURE),
        _ => any(rng, BRANDS),
    }
}

/// A company's name (such as 山田建設, 東海精機, みどり商事, サクラ電子, 北斗システム) with its legal
/// form written as people do: 株式会社 before or after the name, abbreviated now and then as
/// (株), （株） or ㈱; 有限会社, 合同会社, 合資会社. The kana reading, when given, is with or
/// without the form.
fn corporation_name(
    rng: &mut StdRng,
    industry: IndustryCode,
) -> (String, Option<String>, LegalForm, bool) {
    let (stem, stem_kana) = stem(rng);
    let (word, word_kana) = any(rng, industry_words(industry).1);
    let form = weighted(
        rng,
        &[
            (LegalForm::Kabushiki, 80),
            (LegalForm::Yugen, 10),
            (LegalForm::Godo, 9),
            (LegalForm::Goshi, 1),
        ],
    );
    let (full, form_kana, abbreviation) = match form {
        LegalForm::Yugen => ("有限会社", "ユウゲンガイシャ", "(有)"),
        LegalForm::Godo => ("合同会社", "ゴウドウガイシャ", "(同)"),
        LegalForm::Goshi => ("合資会社", "ゴウシガイシャ", "(資)"),
        _ => ("株式会社", "カブシキガイシャ", "(株)"),
    };
    // Where the form goes: 0 before the name, 1 after it, 2–5 abbreviated in its variants.
    let placement = match form {
        LegalForm::Goshi => 0,
        LegalForm::Kabushiki => weighted(rng, &[(0, 55), (1, 35), (2, 3), (3, 3), (4, 2), (5, 2)]),
        _ => weighted(rng, &[(0, 55), (1, 37), (2, 4), (3, 4)]),
    };
    let name = match placement {
        0 => format!("{full}{stem}{word}"),
        1 => format!("{stem}{word}{full}"),
        2 => format!("{abbreviation}{stem}{word}"),
        3 => format!("{stem}{word}{abbreviation}"),
        4 => format!("（株）{stem}{word}"),
        _ => format!("㈱{stem}{word}"),
    };
    let kana = rng.random_bool(0.6).then(|| match rng.random_range(0..2) {
        0 => format!("{stem_kana}{word_kana}"),
        _ if placement % 2 == 1 => format!("{stem_kana}{word_kana}{form_kana}"),
        _ => format!("{form_kana}{stem_kana}{word_kana}"),
    });
    (name, kana, form, true)
}

/// A sole proprietor's trade name (屋号), such as 田中工務店 or 佐藤会計事務所, or now and then
/// the owner's own name.
fn trade_name(
    rng: &mut StdRng,
    industry: IndustryCode,
) -> (String, Option<String>, LegalForm, bool) {
    let (name, kana) = if rng.random_bool(0.05) {
        let (surname, reading) = any(rng, SURNAMES);
        (
            format!("{surname} {}", any(rng, GIVEN_NAMES)),
            reading.to_owned(),
        )
    } else {
        let (stem, stem_kana) = if rng.random_bool(0.75) {
            any(rng, SURNAMES)
        } else {
            stem(rng)
        };
        let (word, word_kana) = any(rng, industry_words(industry).2);
        (format!("{stem}{word}"), format!("{stem_kana}{word_kana}"))
    };
    (
        name,
        rng.random_bool(0.5).then_some(kana),
        LegalForm::None,
        false,
    )
}

/// An association (団体): a cooperative, an incorporated association, a chamber of commerce or
/// a non-profit, all with a corporate number, or an unincorporated study group without one.
fn association_name(rng: &mut StdRng) -> (String, Option<String>, LegalForm, bool) {
    let (place, place_kana) = any(rng, PLACES);
    let (field, field_kana) = any(rng, FIELDS);
    let (nature, nature_kana) = any(rng, NATURE);
    #[rustfmt::skip]
    let (name, kana, numbered) = match rng.random_range(0..100) {
        0..35 => (format!("{place}{field}協同組合"),
            format!("{place_kana}{field_kana}キョウドウクミアイ"), true),
        35..60 => (format!("一般社団法人{place}{field}協会"),
            format!("{place_kana}{field_kana}キョウカイ"), true),
        60..70 => (format!("{place}商工会"), format!("{place_kana}ショウコウカイ"), true),
        70..80 => (format!("特定非営利活動法人{nature}ネットワーク"), format!("{nature_kana}ネットワーク"), true),
        _ => (format!("{place}{field}研究会"), format!("{place_kana}{field_kana}ケンキュウカイ"), false),
    };
    (
        name,
        rng.random_bool(0.5).then_some(kana),
        LegalForm::None,
        numbered,
    )
}

fn industry_words(industry: IndustryCode) -> &'static (u32, &'static [Word], &'static [Word]) {
    let index = usize::from(industry.as_str().as_bytes()[0].saturating_sub(b'A'));
    &INDUSTRIES[index.min(INDUSTRIES.len() - 1)]
}

/// An address in the prefecture: municipality, town, chōme-banchi-gō, sometimes a building.
fn address(rng: &mut StdRng, prefecture: PrefectureCode) -> String {
    let (_, _, cities) = PREFECTURES[usize::from(prefecture.number() - 1)];
    let (city, town) = (any(rng, cities), any(rng, TOWNS));
    let (chome, banchi, go) = (
        rng.random_range(1..=6),
        rng.random_range(1..=30),
        rng.random_range(1..=20),
    );
    let building = match rng.random_bool(0.3) {
        true => format!(" {}ビル{}F", any(rng, SURNAMES).0, rng.random_range(1..=8)),
        false => String::new(),
    };
    format!(
        "{}{city}{town}{chome}-{banchi}-{go}{building}",
        prefecture.name().ja
    )
}

/// A fixed-line number in the prefecture's main area code (80 %) or a mobile number, 10 or 11
/// digits as in Japan. The subscriber part always starts with `0`, which is never assigned
/// after an area code or a mobile prefix, so no seeded number can reach anyone.
fn phone(rng: &mut StdRng, prefecture: PrefectureCode) -> String {
    if rng.random_bool(0.2) {
        let prefix = any(rng, &["090", "080", "070"]);
        let (a, b) = (rng.random_range(0..1_000), rng.random_range(0..10_000));
        return format!("{prefix}-0{a:03}-{b:04}");
    }
    let (_, area, _) = PREFECTURES[usize::from(prefecture.number() - 1)];
    // Ten digits in all: the area code, the exchange (starting with 0) and four more.
    let width = 10 - area.len() - 4 - 1;
    let exchange = rng.random_range(0..10u32.pow(width as u32));
    let line = rng.random_range(0..10_000);
    format!("{area}-0{exchange:0width$}-{line:04}")
}

/// Employees: a third of the companies have 1–5, four fifths at most 50; sole proprietors
/// mostly work alone or with a few.
fn employees(rng: &mut StdRng, kind: OrganizationType) -> i64 {
    #[rustfmt::skip]
    let (low, high) = match kind {
        OrganizationType::SoleProprietor => {
            weighted(rng, &[((0, 0), 40), ((1, 4), 50), ((5, 19), 10)])
        }
        OrganizationType::Association => {
            weighted(rng, &[((1, 5), 60), ((6, 30), 35), ((31, 100), 5)])
        }
        _ => weighted(rng, &[((1, 5), 300), ((6, 20), 330), ((21, 50), 200), ((51, 100), 90),
            ((101, 300), 60), ((301, 1000), 17), ((1001, 5000), 3)]),
    };
    rng.random_range(low..=high)
}

/// Capital in yen, in the round figures companies register: mostly 1–30 million; 有限会社 were
/// formed with 3 million; 合同会社 often with less; large employers with more.
fn capital(rng: &mut StdRng, form: LegalForm, employees: i64) -> i64 {
    const M: i64 = 1_000_000;
    #[rustfmt::skip]
    let capital = match form {
        _ if employees > 300 => {
            weighted(rng, &[(50 * M, 30), (100 * M, 40), (300 * M, 20), (1_000 * M, 10)])
        }
        LegalForm::Yugen => weighted(rng, &[(3 * M, 70), (5 * M, 15), (10 * M, 10), (20 * M, 5)]),
        LegalForm::Godo | LegalForm::Goshi => weighted(rng, &[(M / 10, 10), (M / 2, 15), (M, 35),
            (3 * M, 15), (5 * M, 10), (10 * M, 15)]),
        _ if rng.random_bool(0.08) => rng.random_range(10..=300) * M / 10,
        _ => weighted(rng, &[(M, 10), (3 * M, 12), (5 * M, 11), (10 * M, 32), (20 * M, 11),
            (30 * M, 9), (50 * M, 6), (100 * M, 5), (M / 2, 2), (300 * M, 2)]),
    };
    capital
}

/// A corporate number shaped like one from the commercial registry: the 12-digit base is a
/// four-digit registry office part (by prefecture), a two-digit kind of entity and a six-digit
/// serial; the check digit leads.
pub(super) fn corporate_number(rng: &mut StdRng, organization: &Organization) -> CorporateNumber {
    let office = u64::from(organization.prefecture.number()) * 100 + rng.random_range(0..100);
    let kind = match organization.form {
        LegalForm::Kabushiki => 1,
        LegalForm::Yugen => 2,
        LegalForm::Godo | LegalForm::Goshi => 3,
        LegalForm::None => 5,
    };
    let mut value = office * 100_000_000 + kind * 1_000_000 + rng.random_range(0..1_000_000);
    let mut base = [0u8; 12];
    for digit in base.iter_mut().rev() {
        *digit = (value % 10) as u8;
        value /= 10;
    }
    CorporateNumber::from_base(base)
}
