//! The parts of a declaration that several requests share — organisation, contact person,
//! policy disclosure — as clients send them and as they are answered, with their validation.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::models::{ContactRow, Declarer, OrganizationRow, PolicyDisclosureRow};
use crate::domain::codes::{IndustryCode, PrefectureCode};
use crate::domain::disclosure::{DisclosureMethod, PolicyDisclosure};
use crate::domain::name::name_key;
use crate::domain::organization::{
    OrganizationType, check_corporate_number, check_email, check_phone,
};
use crate::domain::validation::{
    FieldCode, Violation, check_optional_text, check_text, check_web_url,
};
use crate::routes::schema;

/// The declaring organisation's registration information.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "株式会社サンプル", "name_kana": "カブシキガイシャサンプル",
    "organization_type": "corporation", "corporate_number": "7000012050002",
    "prefecture": "13", "address": "東京都文京区本駒込2-28-8", "industry": "G",
    "employees": 12, "capital_yen": 10000000, "website": "https://example.co.jp"
}))]
pub struct OrganizationInput {
    /// 会社名: 1–200 characters, more than a legal form alone (「株式会社」 is not a name).
    #[schema(value_type = schema::Text200, inline)]
    pub name: String,
    /// The name in kana (optional, up to 200 characters).
    #[serde(default)]
    #[schema(value_type = Option<schema::OptionalText200>, inline)]
    pub name_kana: Option<String>,
    pub organization_type: OrganizationType,
    /// 法人番号, 13 digits with a check digit: required for a corporation, forbidden for a
    /// sole proprietor, optional otherwise.
    #[serde(default)]
    #[schema(value_type = Option<schema::OptionalCorporateNumber>, inline)]
    pub corporate_number: Option<String>,
    /// JIS X 0401 prefecture code, `01`–`47`.
    #[schema(value_type = PrefectureCode)]
    pub prefecture: String,
    /// 1–300 characters.
    #[schema(value_type = schema::Text300, inline)]
    pub address: String,
    /// 日本標準産業分類 division, `A`–`T`.
    #[schema(value_type = IndustryCode)]
    pub industry: String,
    /// Number of employees (the scheme has no size limit).
    #[serde(deserialize_with = "crate::extract::whole_number")]
    #[schema(minimum = 0, maximum = 10_000_000)]
    pub employees: i64,
    /// Capital in yen (optional).
    #[serde(default, deserialize_with = "crate::extract::optional_whole_number")]
    #[schema(minimum = 0, maximum = 1_000_000_000_000_000_i64)]
    pub capital_yen: Option<i64>,
    /// The organisation's website: an http(s) URL (optional).
    #[serde(default)]
    #[schema(value_type = Option<schema::OptionalWebUrl>, inline)]
    pub website: Option<String>,
}

fn empty_to_none(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl OrganizationInput {
    /// Checks every field; violations are reported under `parent` (e.g. `organization`).
    pub fn validate(&self, parent: &str) -> Result<OrganizationRow, Vec<Violation>> {
        let mut violations = Vec::new();
        let name = self.name.trim();
        violations.extend(check_text("name", &self.name, 1, 200).err());
        if violations.is_empty() && name_key(name).is_empty() {
            violations.push(Violation::new(
                "name",
                FieldCode::InvalidName,
                "法人格だけでなく組織の名称を入力してください",
                "give the organisation's name, not only its legal form",
            ));
        }
        let kana = check_optional_text("name_kana", self.name_kana.as_deref(), 200).unwrap_or_else(
            |violation| {
                violations.push(violation);
                None
            },
        );
        let corporate_number = match check_corporate_number(
            "corporate_number",
            self.organization_type,
            empty_to_none(&self.corporate_number),
        ) {
            Ok(number) => number,
            Err(v) => {
                violations.push(v);
                None
            }
        };
        let prefecture = PrefectureCode::parse(&self.prefecture).map_err(|e| {
            Violation::new(
                "prefecture",
                e.code,
                e.message(crate::domain::language::Language::Ja),
                e.message(crate::domain::language::Language::En),
            )
        });
        let industry = IndustryCode::parse(&self.industry).map_err(|e| {
            Violation::new(
                "industry",
                e.code,
                e.message(crate::domain::language::Language::Ja),
                e.message(crate::domain::language::Language::En),
            )
        });
        if let Err(v) = &prefecture {
            violations.push(v.clone());
        }
        if let Err(v) = &industry {
            violations.push(v.clone());
        }
        violations.extend(check_text("address", &self.address, 1, 300).err());
        if !(0..=10_000_000).contains(&self.employees) {
            violations.push(Violation::new(
                "employees",
                FieldCode::OutOfRange,
                "従業員数は0以上で入力してください",
                "must be between 0 and 10,000,000",
            ));
        }
        if self
            .capital_yen
            .is_some_and(|c| !(0..=1_000_000_000_000_000).contains(&c))
        {
            violations.push(Violation::new(
                "capital_yen",
                FieldCode::OutOfRange,
                "資本金は0以上で入力してください",
                "must be 0 or more",
            ));
        }
        let website = empty_to_none(&self.website);
        if let Some(website) = website {
            violations.extend(check_web_url("website", website).err());
        }
        match (violations.is_empty(), prefecture, industry) {
            (true, Ok(prefecture), Ok(industry)) => Ok(OrganizationRow {
                organization_name: name.to_owned(),
                organization_name_kana: kana.map(str::to_owned),
                organization_name_key: name_key(name),
                organization_type: self.organization_type.code().to_owned(),
                corporate_number: corporate_number.map(|c| c.as_str().to_owned()),
                prefecture: prefecture.as_str().to_owned(),
                address: self.address.trim().to_owned(),
                industry: industry.as_str().to_owned(),
                employees: self.employees,
                capital_yen: self.capital_yen,
                website: website.map(str::to_owned),
            }),
            _ => Err(violations.into_iter().map(|v| v.under(parent)).collect()),
        }
    }

    /// The stored organisation as it was sent (for merging a partial update).
    pub fn from_row(declarer: &Declarer) -> Option<Self> {
        Some(Self {
            name: declarer.organization_name.clone(),
            name_kana: declarer.organization_name_kana.clone(),
            organization_type: OrganizationType::from_code(&declarer.organization_type)?,
            corporate_number: declarer.corporate_number.clone(),
            prefecture: declarer.prefecture.clone(),
            address: declarer.address.clone(),
            industry: declarer.industry.clone(),
            employees: declarer.employees,
            capital_yen: declarer.capital_yen,
            website: declarer.website.clone(),
        })
    }
}

/// The contact person (担当者).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "情報 太郎", "email": "taro@example.co.jp", "phone": "03-1234-5678", "department": "総務部"}))]
pub struct ContactInput {
    /// 1–100 characters.
    #[schema(value_type = schema::Text100, inline)]
    pub name: String,
    /// Where the scheme's e-mails go.
    #[schema(value_type = schema::Email, inline)]
    pub email: String,
    /// 6–20 characters: digits (at least six), `+`, `-`, `(`, `)` and spaces.
    #[serde(default)]
    #[schema(value_type = Option<schema::OptionalPhone>, inline)]
    pub phone: Option<String>,
    /// Up to 100 characters.
    #[serde(default)]
    #[schema(value_type = Option<schema::OptionalText100>, inline)]
    pub department: Option<String>,
}

impl ContactInput {
    pub fn validate(&self, parent: &str) -> Result<ContactRow, Vec<Violation>> {
        let mut violations = Vec::new();
        violations.extend(check_text("name", &self.name, 1, 100).err());
        let email = self.email.trim();
        violations.extend(check_email("email", email).err());
        let phone = empty_to_none(&self.phone);
        if let Some(phone) = phone {
            violations.extend(check_phone("phone", phone).err());
        }
        let department = check_optional_text("department", self.department.as_deref(), 100)
            .unwrap_or_else(|violation| {
                violations.push(violation);
                None
            });
        if !violations.is_empty() {
            return Err(violations.into_iter().map(|v| v.under(parent)).collect());
        }
        Ok(ContactRow {
            contact_name: self.name.trim().to_owned(),
            contact_email: email.to_owned(),
            contact_phone: phone.map(str::to_owned),
            contact_department: department.map(str::to_owned),
        })
    }
}

/// The basic policy's disclosure (基本方針の外部公開).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "methods": ["company_website", "pamphlet"], "url": "https://example.co.jp/policy",
    "other_description": null, "is_information_security_policy": true
}))]
pub struct PolicyDisclosureInput {
    /// One or more methods, none twice.
    #[schema(value_type = schema::DisclosureMethods, inline)]
    pub methods: Vec<DisclosureMethod>,
    /// The http(s) URL of the policy: required exactly when `company_website` is among the
    /// methods.
    #[serde(default)]
    #[schema(value_type = Option<schema::OptionalWebUrl>, inline)]
    pub url: Option<String>,
    /// Required exactly when `other` is among the methods (1–200 characters).
    #[serde(default)]
    #[schema(value_type = Option<schema::OptionalText200>, inline)]
    pub other_description: Option<String>,
    /// Must be true: the disclosed document is an information-security basic policy, not a
    /// privacy policy (個人情報保護方針).
    #[schema(value_type = schema::MustBeTrue, inline)]
    pub is_information_security_policy: bool,
}

impl PolicyDisclosureInput {
    pub fn validate(&self, parent: &str) -> Result<PolicyDisclosure, Vec<Violation>> {
        PolicyDisclosure::parse(
            &self.methods,
            self.url.as_deref(),
            self.other_description.as_deref(),
            self.is_information_security_policy,
        )
        .map_err(|vs| vs.into_iter().map(|v| v.under(parent)).collect())
    }
}

/// An organisation as answered.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrganizationView {
    pub name: String,
    pub name_kana: Option<String>,
    pub organization_type: String,
    pub corporate_number: Option<String>,
    pub prefecture: String,
    pub address: String,
    pub industry: String,
    pub employees: i64,
    pub capital_yen: Option<i64>,
    pub website: Option<String>,
}

impl From<&Declarer> for OrganizationView {
    fn from(d: &Declarer) -> Self {
        Self {
            name: d.organization_name.clone(),
            name_kana: d.organization_name_kana.clone(),
            organization_type: d.organization_type.clone(),
            corporate_number: d.corporate_number.clone(),
            prefecture: d.prefecture.clone(),
            address: d.address.clone(),
            industry: d.industry.clone(),
            employees: d.employees,
            capital_yen: d.capital_yen,
            website: d.website.clone(),
        }
    }
}

/// A contact person as answered.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContactView {
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub department: Option<String>,
}

impl From<&Declarer> for ContactView {
    fn from(d: &Declarer) -> Self {
        Self {
            name: d.contact_name.clone(),
            email: d.contact_email.clone(),
            phone: d.contact_phone.clone(),
            department: d.contact_department.clone(),
        }
    }
}

/// A disclosure as answered.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PolicyDisclosureView {
    pub methods: Vec<String>,
    pub url: Option<String>,
    pub other_description: Option<String>,
    pub is_information_security_policy: bool,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<&PolicyDisclosureRow> for PolicyDisclosureView {
    fn from(row: &PolicyDisclosureRow) -> Self {
        Self {
            methods: row
                .methods
                .split(',')
                .filter(|m| !m.is_empty())
                .map(str::to_owned)
                .collect(),
            url: row.url.clone(),
            other_description: row.other_description.clone(),
            is_information_security_policy: row.affirmed_information_security_policy,
            updated_at: crate::db::utc(row.updated_at),
        }
    }
}
