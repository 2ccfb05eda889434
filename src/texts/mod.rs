//! What the texts a person reads (e-mails, the printed notice, the logo guidance) need to know
//! about this installation: who the secretariat is, where to write to it, where the declarer's
//! site is, how long a review takes.
//!
//! The settings are installed once per process from the configuration ([`install`]) and read
//! with [`current`]. They are process-wide because the texts are rendered deep inside the
//! lifecycle functions (and by the command line), where no request state is at hand; every
//! template also has a form that takes them explicitly, which the tests use.

pub mod messages;

#[cfg(test)]
pub(crate) mod lint;

use std::sync::{Arc, RwLock};

use crate::config::Config;

/// The development default of `SECRETARIAT_NAME`.
pub const DEFAULT_SECRETARIAT_NAME: &str = "SECURITY ACTION事務局";
/// The development default of `SECRETARIAT_NAME_EN`.
pub const DEFAULT_SECRETARIAT_NAME_EN: &str = "SECURITY ACTION Secretariat";
/// The development default of `INQUIRY_EMAIL` (a reserved example domain: set the real address).
pub const DEFAULT_INQUIRY_EMAIL: &str = "security-action@example.jp";
/// The development default of `FRONTEND_BASE_URL`: a front end served on the developer's machine.
pub const DEFAULT_FRONTEND_BASE_URL: &str = "http://localhost:3000";

/// The facts about this installation that the texts show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextSettings {
    /// The sender of every e-mail and of the notice, in Japanese, e.g.
    /// 「独立行政法人情報処理推進機構（IPA）／セキュリティセンター／SECURITY ACTION事務局」.
    pub secretariat_name: String,
    /// The same in English.
    pub secretariat_name_en: String,
    /// Where declarers write with questions (e-mails ask them to write here).
    pub inquiry_email: String,
    /// The declarer's site (the front end), without a trailing slash: where a person logs in,
    /// prints the completion notice and downloads the logo. E-mails link here, never to the API.
    pub frontend_base_url: String,
    /// How many business days a review by the secretariat usually takes; `None`: not said.
    pub review_business_days: Option<u32>,
}

impl Default for TextSettings {
    fn default() -> Self {
        Self {
            secretariat_name: DEFAULT_SECRETARIAT_NAME.to_owned(),
            secretariat_name_en: DEFAULT_SECRETARIAT_NAME_EN.to_owned(),
            inquiry_email: DEFAULT_INQUIRY_EMAIL.to_owned(),
            frontend_base_url: DEFAULT_FRONTEND_BASE_URL.to_owned(),
            review_business_days: None,
        }
    }
}

impl TextSettings {
    /// The settings a configuration names.
    pub fn from_config(config: &Config) -> Self {
        Self {
            secretariat_name: config.secretariat_name.clone(),
            secretariat_name_en: config.secretariat_name_en.clone(),
            inquiry_email: config.inquiry_email.clone(),
            frontend_base_url: config
                .frontend_base_url
                .as_str()
                .trim_end_matches('/')
                .to_owned(),
            review_business_days: config.review_business_days,
        }
    }

    /// A page of the declarer's site, e.g. `page("/login")`.
    pub fn page(&self, path: &str) -> String {
        format!("{}{path}", self.frontend_base_url)
    }
}

static CURRENT: RwLock<Option<Arc<TextSettings>>> = RwLock::new(None);

/// Makes `config`'s settings the ones every text of this process uses.
pub fn install(config: &Config) {
    let settings = Arc::new(TextSettings::from_config(config));
    let mut current = CURRENT
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    *current = Some(settings);
}

/// The installed settings, or the development defaults before [`install`].
pub fn current() -> Arc<TextSettings> {
    let current = CURRENT
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    current.clone().unwrap_or_default()
}
