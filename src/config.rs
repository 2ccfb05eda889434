//! Settings from the environment (a `.env` file is read first if present), turned into a
//! checked [`Config`]. Every setting has a default that makes a laptop run work.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::Args;

/// The settings as the command line and environment give them, before checking.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// `sqlite://PATH` or `postgres://…`; the SQLite file's folder is created.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/security-action.db"
    )]
    pub database_url: String,
    /// Where to listen; port 0 picks a free port, and the log says which.
    #[arg(long, env = "BIND_ADDRESS", default_value = "127.0.0.1:8080")]
    pub bind_address: String,
    /// Where `GET /metrics` (Prometheus) listens, apart from the API; `off` disables it.
    #[arg(long, env = "METRICS_BIND_ADDRESS", default_value = "127.0.0.1:9464")]
    pub metrics_bind_address: String,
    /// Base URL used in download links, e-mails and notice QR codes [default: http://{BIND_ADDRESS}].
    #[arg(long, env = "PUBLIC_BASE_URL")]
    pub public_base_url: Option<String>,
    /// Signing key for tokens (at least 32 bytes). Generated per data folder for development;
    /// required when APP_ENV=production.
    #[arg(long, env = "JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// The Ed25519 key that signs verification receipts: a PKCS#8 PEM, or the path of a file
    /// holding one. Generated per data folder for development; required when APP_ENV=production.
    #[arg(long, env = "RECEIPT_SIGNING_KEY", hide_env_values = true)]
    pub receipt_signing_key: Option<String>,
    /// `development` or `production`.
    #[arg(long, env = "APP_ENV", default_value = "development")]
    pub app_env: String,
    /// `manual` (the secretariat accepts) or `auto` (accepted at once).
    #[arg(long, env = "ACCEPTANCE_MODE", default_value = "manual")]
    pub acceptance_mode: String,
    /// When set, e-mails go out over SMTP (`smtp://…` or `smtps://…`); otherwise they are written
    /// as `.eml` files to OUTBOX_DIR.
    #[arg(long, env = "SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Where e-mails go without SMTP.
    #[arg(long, env = "OUTBOX_DIR", default_value = "data/outbox")]
    pub outbox_dir: PathBuf,
    /// Folder for the service's own files (the development signing key).
    #[arg(long, env = "DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// `pretty` or `json`.
    #[arg(long, env = "LOG_FORMAT", default_value = "pretty")]
    pub log_format: String,
    /// Connections in the pool [default: by backend and cores].
    #[arg(long, env = "DB_POOL_SIZE")]
    pub db_pool_size: Option<u32>,
    /// Largest request body accepted, in bytes.
    #[arg(long, env = "MAX_BODY_BYTES", default_value_t = 256 * 1024)]
    pub max_body_bytes: usize,
    /// HTTP worker threads [default: the number of cores].
    #[arg(long, env = "HTTP_WORKERS")]
    pub http_workers: Option<usize>,
    /// Argon2id memory cost in KiB (OWASP: 19456 with 2 iterations).
    #[arg(long, env = "ARGON2_MEMORY_KIB", default_value_t = 19_456)]
    pub argon2_memory_kib: u32,
    /// Argon2id iterations.
    #[arg(long, env = "ARGON2_ITERATIONS", default_value_t = 2)]
    pub argon2_iterations: u32,
    /// Argon2id lanes.
    #[arg(long, env = "ARGON2_PARALLELISM", default_value_t = 1)]
    pub argon2_parallelism: u32,
    /// Threads that hash passwords [default: the number of cores].
    #[arg(long, env = "HASHING_THREADS")]
    pub hashing_threads: Option<usize>,
    /// Password hashes that may wait for a thread; beyond that, 503 with Retry-After
    /// [default: 4 per hashing thread].
    #[arg(long, env = "HASHING_QUEUE")]
    pub hashing_queue: Option<usize>,
    /// Days a refresh token stays valid (it is rotated on every use).
    #[arg(long, env = "REFRESH_TOKEN_DAYS", default_value_t = 14)]
    pub refresh_token_days: u32,
    /// Minutes a password-reset link stays valid.
    #[arg(long, env = "PASSWORD_RESET_MINUTES", default_value_t = 60)]
    pub password_reset_minutes: u32,
    /// Seconds `GET /v1/stats` is cached.
    #[arg(long, env = "STATS_CACHE_SECONDS", default_value_t = 60)]
    pub stats_cache_seconds: u64,
    /// Milliseconds between looks at the change log's head for changes made by other processes
    /// (another instance, the command line); changes made here are seen at once.
    #[arg(long, env = "CHANGE_POLL_MILLISECONDS", default_value_t = 200, value_parser = clap::value_parser!(u64).range(10..=60_000))]
    pub change_poll_milliseconds: u64,
    /// Minutes a logo-download token stays valid.
    #[arg(long, env = "LOGO_TOKEN_MINUTES", default_value_t = 10)]
    pub logo_token_minutes: u32,
    /// Verification requests an API client may make per minute (sustained).
    #[arg(long, env = "CLIENT_RATE_PER_MINUTE", default_value_t = 6000)]
    pub client_rate_per_minute: u32,
    /// Verification requests an API client may make at once (burst).
    #[arg(long, env = "CLIENT_RATE_BURST", default_value_t = 600)]
    pub client_rate_burst: u32,
    /// Requests per minute from one address to the public endpoints (token, login, applying,
    /// registry, notice verification).
    #[arg(long, env = "PUBLIC_RATE_PER_MINUTE", default_value_t = 120)]
    pub public_rate_per_minute: u32,
    /// Requests from one address to the public endpoints at once (burst).
    #[arg(long, env = "PUBLIC_RATE_BURST", default_value_t = 60)]
    pub public_rate_burst: u32,
    /// Unknown declaration IDs an API client may ask for per minute before it is slowed down.
    #[arg(long, env = "UNKNOWN_IDS_PER_MINUTE", default_value_t = 60)]
    pub unknown_ids_per_minute: u32,
    /// Reverse proxies (IP addresses, comma-separated) whose X-Forwarded-For is trusted.
    #[arg(long, env = "TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: String,
    /// Seconds a client has to send a request's head, and then its body; slower requests are
    /// answered 408 and the connection is closed.
    #[arg(long, env = "REQUEST_TIMEOUT_SECONDS", default_value_t = 10)]
    pub request_timeout_seconds: u64,
    /// Milliseconds verification records may wait in memory before they are written (a crash
    /// loses at most these; a graceful stop writes them at once).
    #[arg(long, env = "VERIFICATION_FLUSH_MILLISECONDS", default_value_t = 1000)]
    pub verification_flush_milliseconds: u64,
    /// Verification records that may wait in memory (1,000–1,000,000); when the database
    /// writes them more slowly than they come, a verification waits for room. Smaller: less
    /// memory under a flood, longer waits (docs/benchmarks.md, 2026-12-03).
    #[arg(long, env = "VERIFICATION_QUEUE", default_value_t = crate::verification::log::QUEUE)]
    pub verification_queue: usize,
    /// The sender of every e-mail and of the printed notice, in Japanese (for example
    /// 独立行政法人情報処理推進機構（IPA）／セキュリティセンター／SECURITY ACTION事務局).
    #[arg(long, env = "SECRETARIAT_NAME", default_value = crate::texts::DEFAULT_SECRETARIAT_NAME)]
    pub secretariat_name: String,
    /// The same in English.
    #[arg(long, env = "SECRETARIAT_NAME_EN", default_value = crate::texts::DEFAULT_SECRETARIAT_NAME_EN)]
    pub secretariat_name_en: String,
    /// The address declarers write to with questions, named in every e-mail and on the notice.
    #[arg(long, env = "INQUIRY_EMAIL", default_value = crate::texts::DEFAULT_INQUIRY_EMAIL)]
    pub inquiry_email: String,
    /// The declarer's site (front end) where a person logs in, prints the completion notice and
    /// downloads the logo; e-mails link here, never to the API.
    #[arg(long, env = "FRONTEND_BASE_URL", default_value = crate::texts::DEFAULT_FRONTEND_BASE_URL)]
    pub frontend_base_url: String,
    /// Business days a review by the secretariat usually takes, told in the completion e-mail
    /// when acceptance is manual [default: not told].
    #[arg(long, env = "REVIEW_BUSINESS_DAYS")]
    pub review_business_days: Option<u32>,
    /// Webhooks may go to loopback, private, link-local and other special addresses (tests and
    /// closed networks only).
    #[arg(long, env = "WEBHOOK_ALLOW_PRIVATE_NETWORKS", default_value = "false", value_parser = parse_flag, action = clap::ArgAction::Set)]
    pub webhook_allow_private_networks: bool,
    /// Days a verification makes the verifying client watch the declaration (its webhooks are
    /// told of the declaration's changes).
    #[arg(long, env = "WATCH_DAYS", default_value_t = 180, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub watch_days: u32,
    /// Milliseconds before the first retry of a failed webhook delivery; each later wait is
    /// three times the one before (at most 6 hours), with ±20 % jitter.
    #[arg(long, env = "WEBHOOK_FIRST_RETRY_MILLISECONDS", default_value_t = 30_000, value_parser = clap::value_parser!(u64).range(10..=3_600_000))]
    pub webhook_first_retry_milliseconds: u64,
    /// Seconds after which a delivery that keeps failing is given up (`failed`).
    #[arg(long, env = "WEBHOOK_GIVE_UP_SECONDS", default_value_t = 86_400, value_parser = clap::value_parser!(u64).range(1..=2_592_000))]
    pub webhook_give_up_seconds: u64,
    /// Seconds an endpoint may fail without a success before it is disabled and its client is
    /// told by e-mail.
    #[arg(long, env = "WEBHOOK_DISABLE_AFTER_SECONDS", default_value_t = 259_200, value_parser = clap::value_parser!(u64).range(1..=31_536_000))]
    pub webhook_disable_after_seconds: u64,
    /// Seconds a receiver has to answer a delivery.
    #[arg(long, env = "WEBHOOK_TIMEOUT_SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=60))]
    pub webhook_timeout_seconds: u64,
    /// Milliseconds between looks for due deliveries and for changes made by other processes.
    #[arg(long, env = "WEBHOOK_POLL_MILLISECONDS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(10..=60_000))]
    pub webhook_poll_milliseconds: u64,
    /// Signing in with GビズID (OpenID Connect); off unless OIDC_ISSUER_URL is set.
    #[command(flatten)]
    pub oidc: OidcArgs,
}

/// The OpenID Connect settings as given (signing in with GビズID).
#[derive(Debug, Clone, Args)]
pub struct OidcArgs {
    /// The OpenID provider (GビズID) whose discovery document is at
    /// {OIDC_ISSUER_URL}/.well-known/openid-configuration; sign-in is off when unset.
    #[arg(long, env = "OIDC_ISSUER_URL")]
    pub oidc_issuer_url: Option<String>,
    /// The client ID the provider registered for this service.
    #[arg(long, env = "OIDC_CLIENT_ID")]
    pub oidc_client_id: Option<String>,
    /// The client secret the provider issued for this service.
    #[arg(long, env = "OIDC_CLIENT_SECRET", hide_env_values = true)]
    pub oidc_client_secret: Option<String>,
    /// The service's own callback, registered at the provider
    /// [default: {PUBLIC_BASE_URL}/v1/auth/oidc/callback].
    #[arg(long, env = "OIDC_REDIRECT_URL")]
    pub oidc_redirect_url: Option<String>,
    /// Front-end URLs (comma-separated) a sign-in may return to; `return_to` must be one of
    /// them exactly.
    #[arg(long, env = "OIDC_RETURN_URLS", default_value = "")]
    pub oidc_return_urls: String,
    /// Scopes asked for, space-separated (`openid` is always asked for).
    #[arg(long, env = "OIDC_SCOPES", default_value = "openid profile")]
    pub oidc_scopes: String,
    /// The ID token claim that carries the corporation's 法人番号.
    #[arg(
        long,
        env = "OIDC_CORPORATE_NUMBER_CLAIM",
        default_value = "corporate_number"
    )]
    pub oidc_corporate_number_claim: String,
    /// The ID token claim that carries the kind of account (GビズID プライム, メンバー, エントリー).
    #[arg(long, env = "OIDC_ACCOUNT_KIND_CLAIM", default_value = "account_type")]
    pub oidc_account_kind_claim: String,
    /// Values of OIDC_ACCOUNT_KIND_CLAIM that are refused (comma-separated; GビズID エントリー).
    #[arg(long, env = "OIDC_REFUSED_ACCOUNT_KINDS", default_value = "entry")]
    pub oidc_refused_account_kinds: String,
    /// Seconds a sign-in may take at the provider (state, nonce and PKCE verifier expire).
    #[arg(long, env = "OIDC_STATE_SECONDS", default_value_t = 600, value_parser = clap::value_parser!(u32).range(30..=3600))]
    pub oidc_state_seconds: u32,
    /// Seconds the front end has to exchange the one-time code for tokens.
    #[arg(long, env = "OIDC_CODE_SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u32).range(5..=600))]
    pub oidc_code_seconds: u32,
}

fn parse_flag(value: &str) -> Result<bool, String> {
    Ok(flag_is_on(Some(value)))
}

/// Which database, chosen by the URL's scheme.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// An SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection string.
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, ConfigError> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(ConfigError::new(
                    "DATABASE_URL",
                    "sqlite:// needs a file path",
                ));
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let parsed = url::Url::parse(url)
                .map_err(|e| ConfigError::new("DATABASE_URL", format!("unparsable URL ({e})")))?;
            if parsed.host_str().is_none_or(str::is_empty) {
                return Err(ConfigError::new(
                    "DATABASE_URL",
                    "the PostgreSQL URL needs a host",
                ));
            }
            return Ok(DatabaseUrl::Postgres(url.to_owned()));
        }
        Err(ConfigError::new(
            "DATABASE_URL",
            "must start with sqlite:// or postgres://",
        ))
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            DatabaseUrl::Sqlite(_) => "sqlite",
            DatabaseUrl::Postgres(_) => "postgres",
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    /// Never prints a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => match url::Url::parse(url) {
                Ok(mut u) => {
                    if u.password().is_some() {
                        let _ = u.set_password(Some("***"));
                    }
                    write!(f, "{u}")
                }
                Err(_) => f.write_str("postgres://…"),
            },
        }
    }
}

/// A secret that never appears in logs or `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Where the key that signs tokens comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigningKey {
    /// `JWT_SECRET`.
    Given(Secret),
    /// Development without `JWT_SECRET`: a key kept in the data folder, created on first use
    /// (by [`Config::prepare_storage`]).
    DataFolder,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Production,
}

/// How declarations become `accepted`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcceptanceMode {
    /// The secretariat accepts each declaration.
    Manual,
    /// Declarations are accepted when they are made.
    Auto,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// The checked configuration the service runs with.
#[derive(Debug, Clone)]
pub struct Config {
    pub database: DatabaseUrl,
    pub bind_address: SocketAddr,
    /// `None` when metrics are off.
    pub metrics_bind_address: Option<SocketAddr>,
    /// `None`: derived from the bound address once the server listens.
    pub public_base_url: Option<url::Url>,
    pub jwt_secret: SigningKey,
    /// The key that signs verification receipts.
    pub receipt_key: ReceiptKeySetting,
    pub app_env: AppEnv,
    pub acceptance_mode: AcceptanceMode,
    pub smtp_url: Option<Secret>,
    pub outbox_dir: PathBuf,
    pub data_dir: PathBuf,
    pub log_format: LogFormat,
    pub db_pool_size: u32,
    pub max_body_bytes: usize,
    pub http_workers: usize,
    pub argon2: Argon2Settings,
    pub hashing_threads: usize,
    pub hashing_queue: usize,
    pub refresh_token_days: u32,
    pub password_reset_minutes: u32,
    pub trusted_proxies: Vec<std::net::IpAddr>,
    pub stats_cache_seconds: u64,
    pub change_poll_milliseconds: u64,
    pub logo_token_minutes: u32,
    pub client_rate_per_minute: u32,
    pub client_rate_burst: u32,
    pub public_rate_per_minute: u32,
    pub public_rate_burst: u32,
    pub unknown_ids_per_minute: u32,
    /// Time to send a request's head, and then its body.
    pub request_timeout: std::time::Duration,
    /// How long verification records may wait in memory before they are written.
    pub verification_flush: std::time::Duration,
    /// How many verification records may wait in memory.
    pub verification_queue: usize,
    /// The secretariat as the texts name it (Japanese).
    pub secretariat_name: String,
    /// The secretariat as the texts name it (English).
    pub secretariat_name_en: String,
    /// Where declarers write with questions.
    pub inquiry_email: String,
    /// The declarer's site, where e-mails link.
    pub frontend_base_url: url::Url,
    /// Business days a review usually takes, if the secretariat says so.
    pub review_business_days: Option<u32>,
    /// How webhooks are delivered.
    pub webhooks: WebhookSettings,
    /// Signing in with GビズID (OpenID Connect), when configured.
    pub oidc: Option<OidcSettings>,
}

/// Signing in with GビズID (OpenID Connect), checked.
#[derive(Debug, Clone)]
pub struct OidcSettings {
    /// As configured (the provider's `iss` must be exactly this).
    pub issuer_url: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// `None`: `{PUBLIC_BASE_URL}/v1/auth/oidc/callback`.
    pub redirect_url: Option<url::Url>,
    /// Where a sign-in may return to (exact matches).
    pub return_urls: Vec<url::Url>,
    /// Scopes asked for besides `openid`.
    pub scopes: Vec<String>,
    pub corporate_number_claim: String,
    pub account_kind_claim: String,
    pub refused_account_kinds: Vec<String>,
    /// How long a sign-in may take at the provider.
    pub state_lifetime: chrono::Duration,
    /// How long a one-time code may wait to be exchanged.
    pub code_lifetime: chrono::Duration,
}

impl OidcSettings {
    fn from_args(args: OidcArgs, app_env: AppEnv) -> Result<Option<OidcSettings>, ConfigError> {
        let Some(issuer) = args.oidc_issuer_url.filter(|u| !u.trim().is_empty()) else {
            return Ok(None);
        };
        let issuer_url = issuer.trim().to_owned();
        let parsed = parse_http_url("OIDC_ISSUER_URL", &issuer_url)?;
        if app_env == AppEnv::Production && parsed.scheme() != "https" {
            return Err(ConfigError::new(
                "OIDC_ISSUER_URL",
                "must be https when APP_ENV=production",
            ));
        }
        let client_id = args
            .oidc_client_id
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                ConfigError::new("OIDC_CLIENT_ID", "is required with OIDC_ISSUER_URL")
            })?;
        let client_secret = args
            .oidc_client_secret
            .filter(|s| !s.is_empty())
            .map(Secret::new)
            .ok_or_else(|| {
                ConfigError::new("OIDC_CLIENT_SECRET", "is required with OIDC_ISSUER_URL")
            })?;
        let redirect_url = args
            .oidc_redirect_url
            .filter(|u| !u.trim().is_empty())
            .map(|u| parse_http_url("OIDC_REDIRECT_URL", u.trim()))
            .transpose()?;
        let return_urls = args
            .oidc_return_urls
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|u| parse_http_url("OIDC_RETURN_URLS", u))
            .collect::<Result<Vec<_>, _>>()?;
        if return_urls.is_empty() {
            return Err(ConfigError::new(
                "OIDC_RETURN_URLS",
                "needs at least one front-end URL with OIDC_ISSUER_URL",
            ));
        }
        if return_urls.iter().any(|u| u.fragment().is_some()) {
            return Err(ConfigError::new(
                "OIDC_RETURN_URLS",
                "URLs with a fragment (#…) cannot carry the answer",
            ));
        }
        let scopes = args
            .oidc_scopes
            .split_whitespace()
            .filter(|s| *s != "openid")
            .map(str::to_owned)
            .collect();
        let claim = |variable: &'static str, value: String| {
            let value = value.trim().to_owned();
            if value.is_empty() {
                Err(ConfigError::new(variable, "must name a claim"))
            } else {
                Ok(value)
            }
        };
        Ok(Some(OidcSettings {
            issuer_url,
            client_id,
            client_secret,
            redirect_url,
            return_urls,
            scopes,
            corporate_number_claim: claim(
                "OIDC_CORPORATE_NUMBER_CLAIM",
                args.oidc_corporate_number_claim,
            )?,
            account_kind_claim: claim("OIDC_ACCOUNT_KIND_CLAIM", args.oidc_account_kind_claim)?,
            refused_account_kinds: args
                .oidc_refused_account_kinds
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            state_lifetime: chrono::Duration::seconds(i64::from(args.oidc_state_seconds)),
            code_lifetime: chrono::Duration::seconds(i64::from(args.oidc_code_seconds)),
        }))
    }
}

/// How webhooks are delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSettings {
    /// Whether endpoints may be on special (loopback, private, …) addresses.
    pub allow_private_networks: bool,
    /// Whether endpoints must be `https` (production).
    pub require_https: bool,
    /// How long a verification makes its client watch the declaration.
    pub watch_for: chrono::Duration,
    pub first_retry: std::time::Duration,
    pub give_up_after: chrono::Duration,
    pub disable_after: chrono::Duration,
    pub timeout: std::time::Duration,
    pub poll: std::time::Duration,
}

/// Where the key that signs verification receipts comes from.
#[derive(Debug, Clone)]
pub enum ReceiptKeySetting {
    /// `RECEIPT_SIGNING_KEY`: an Ed25519 private key in PKCS#8 PEM (checked).
    Configured(Secret),
    /// Development without it: a key kept in the data folder, created on first use (by
    /// [`Config::receipt_signing_pem`]); `admin rotate-receipt-key` replaces it.
    DataFolder,
}

impl ReceiptKeySetting {
    /// A setting for a PEM that is known to be an Ed25519 key (tests, the command line).
    pub fn configured(pem: impl Into<String>) -> Self {
        Self::Configured(Secret::new(pem))
    }

    /// Whether it is the development key kept in the data folder.
    pub fn is_development(&self) -> bool {
        matches!(self, Self::DataFolder)
    }
}

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argon2Settings {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Argon2Settings {
    /// OWASP's recommendation for Argon2id: 19 MiB, 2 iterations, 1 lane.
    pub const OWASP: Argon2Settings = Argon2Settings {
        memory_kib: 19_456,
        iterations: 2,
        parallelism: 1,
    };
}

/// A configuration problem: which variable, and what is wrong with it. Shown as one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

impl ConfigError {
    pub fn new(variable: &'static str, problem: impl Into<String>) -> Self {
        Self {
            variable,
            problem: problem.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.variable, self.problem)
    }
}

impl std::error::Error for ConfigError {}

/// The number of cores this process may use.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

impl Config {
    /// Checks the settings, creating nothing: the folders are created by
    /// [`Config::prepare_storage`], once the port is bound.
    pub fn from_settings(settings: Settings) -> Result<Config, ConfigError> {
        let database = DatabaseUrl::parse(&settings.database_url)?;
        let bind_address: SocketAddr = settings.bind_address.parse().map_err(|_| {
            ConfigError::new(
                "BIND_ADDRESS",
                format!(
                    "{:?} is not an address such as 127.0.0.1:8080",
                    settings.bind_address
                ),
            )
        })?;
        let metrics_bind_address = match settings.metrics_bind_address.trim() {
            "" | "off" => None,
            address => Some(address.parse().map_err(|_| {
                ConfigError::new(
                    "METRICS_BIND_ADDRESS",
                    format!("{address:?} is neither `off` nor an address such as 127.0.0.1:9464"),
                )
            })?),
        };
        let public_base_url = settings
            .public_base_url
            .filter(|u| !u.is_empty())
            .map(|u| parse_base_url(&u))
            .transpose()?;
        let app_env = match settings.app_env.as_str() {
            "development" => AppEnv::Development,
            "production" => AppEnv::Production,
            other => {
                return Err(ConfigError::new(
                    "APP_ENV",
                    format!("must be development or production, not {other:?}"),
                ));
            }
        };
        let acceptance_mode = match settings.acceptance_mode.as_str() {
            "manual" => AcceptanceMode::Manual,
            "auto" => AcceptanceMode::Auto,
            other => {
                return Err(ConfigError::new(
                    "ACCEPTANCE_MODE",
                    format!("must be manual or auto, not {other:?}"),
                ));
            }
        };
        let log_format = match settings.log_format.as_str() {
            "pretty" => LogFormat::Pretty,
            "json" => LogFormat::Json,
            other => {
                return Err(ConfigError::new(
                    "LOG_FORMAT",
                    format!("must be pretty or json, not {other:?}"),
                ));
            }
        };
        let smtp_url = settings
            .smtp_url
            .filter(|u| !u.is_empty())
            .map(|u| {
                let parsed = url::Url::parse(&u)
                    .map_err(|_| ConfigError::new("SMTP_URL", "unparsable URL"))?;
                if !matches!(parsed.scheme(), "smtp" | "smtps") {
                    return Err(ConfigError::new(
                        "SMTP_URL",
                        "must start with smtp:// or smtps://",
                    ));
                }
                Ok(Secret::new(u))
            })
            .transpose()?;
        if settings.max_body_bytes < 1024 {
            return Err(ConfigError::new("MAX_BODY_BYTES", "must be at least 1024"));
        }
        let db_pool_size = match settings.db_pool_size {
            Some(0) => return Err(ConfigError::new("DB_POOL_SIZE", "must be at least 1")),
            Some(n) => n,
            None => default_pool_size(&database),
        };
        let http_workers = match settings.http_workers {
            Some(0) => return Err(ConfigError::new("HTTP_WORKERS", "must be at least 1")),
            Some(n) => n,
            None => cores(),
        };

        let argon2 = Argon2Settings {
            memory_kib: settings.argon2_memory_kib,
            iterations: settings.argon2_iterations,
            parallelism: settings.argon2_parallelism,
        };
        if argon2.parallelism == 0
            || argon2.iterations == 0
            || argon2.memory_kib < 8 * argon2.parallelism
        {
            return Err(ConfigError::new(
                "ARGON2_MEMORY_KIB",
                "Argon2 needs at least 1 iteration, 1 lane and 8 KiB per lane",
            ));
        }
        let hashing_threads = match settings.hashing_threads {
            Some(0) => return Err(ConfigError::new("HASHING_THREADS", "must be at least 1")),
            Some(n) => n,
            None => cores(),
        };
        let hashing_queue = settings.hashing_queue.unwrap_or(hashing_threads * 4);
        if settings.refresh_token_days == 0 {
            return Err(ConfigError::new("REFRESH_TOKEN_DAYS", "must be at least 1"));
        }
        for (variable, value) in [
            ("CLIENT_RATE_PER_MINUTE", settings.client_rate_per_minute),
            ("CLIENT_RATE_BURST", settings.client_rate_burst),
            ("PUBLIC_RATE_PER_MINUTE", settings.public_rate_per_minute),
            ("PUBLIC_RATE_BURST", settings.public_rate_burst),
            ("UNKNOWN_IDS_PER_MINUTE", settings.unknown_ids_per_minute),
        ] {
            if value == 0 {
                return Err(ConfigError::new(variable, "must be at least 1"));
            }
        }
        if settings.request_timeout_seconds == 0 {
            return Err(ConfigError::new(
                "REQUEST_TIMEOUT_SECONDS",
                "must be at least 1",
            ));
        }
        if settings.verification_flush_milliseconds == 0 {
            return Err(ConfigError::new(
                "VERIFICATION_FLUSH_MILLISECONDS",
                "must be at least 1",
            ));
        }
        let verification_queue = verification_queue(settings.verification_queue)?;
        if settings.logo_token_minutes == 0 {
            return Err(ConfigError::new("LOGO_TOKEN_MINUTES", "must be at least 1"));
        }
        if settings.password_reset_minutes == 0 {
            return Err(ConfigError::new(
                "PASSWORD_RESET_MINUTES",
                "must be at least 1",
            ));
        }
        let trusted_proxies = settings
            .trusted_proxies
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse().map_err(|_| {
                    ConfigError::new("TRUSTED_PROXIES", format!("{s:?} is not an IP address"))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;

        let frontend_base_url = parse_http_url("FRONTEND_BASE_URL", &settings.frontend_base_url)?;
        let inquiry_email = settings.inquiry_email.trim().to_owned();
        if inquiry_email.parse::<lettre::Address>().is_err() {
            return Err(ConfigError::new(
                "INQUIRY_EMAIL",
                format!("{inquiry_email:?} is not an e-mail address"),
            ));
        }
        for (variable, name) in [
            ("SECRETARIAT_NAME", &settings.secretariat_name),
            ("SECRETARIAT_NAME_EN", &settings.secretariat_name_en),
        ] {
            if name.trim().is_empty() || name.chars().any(char::is_control) {
                return Err(ConfigError::new(variable, "must be one line of text"));
            }
        }
        if settings.review_business_days == Some(0) {
            return Err(ConfigError::new(
                "REVIEW_BUSINESS_DAYS",
                "must be at least 1 (leave it unset to say nothing)",
            ));
        }

        // A configured key is checked before any development key is made.
        let configured_receipt_key = settings
            .receipt_signing_key
            .filter(|s| !s.trim().is_empty())
            .map(|value| {
                crate::receipts::keys::ReceiptKey::from_setting(&value)
                    .map(|(_, pem)| pem)
                    .map_err(|e| ConfigError::new("RECEIPT_SIGNING_KEY", e.to_string()))
            })
            .transpose()?;
        let jwt_secret = match settings.jwt_secret.filter(|s| !s.is_empty()) {
            Some(s) if s.len() < 32 => {
                return Err(ConfigError::new(
                    "JWT_SECRET",
                    "must be at least 32 bytes long",
                ));
            }
            Some(s) => SigningKey::Given(Secret::new(s)),
            None if app_env == AppEnv::Production => {
                return Err(ConfigError::new(
                    "JWT_SECRET",
                    "is required when APP_ENV=production",
                ));
            }
            None => SigningKey::DataFolder,
        };
        let oidc = OidcSettings::from_args(settings.oidc, app_env)?;
        let receipt_key = match configured_receipt_key {
            Some(pem) => ReceiptKeySetting::configured(pem),
            None if app_env == AppEnv::Production => {
                return Err(ConfigError::new(
                    "RECEIPT_SIGNING_KEY",
                    "is required when APP_ENV=production (an Ed25519 private key in PKCS#8 PEM, \
                     or the path of a file holding one: openssl genpkey -algorithm ed25519)",
                ));
            }
            None => ReceiptKeySetting::DataFolder,
        };

        Ok(Config {
            database,
            bind_address,
            metrics_bind_address,
            public_base_url,
            jwt_secret,
            receipt_key,
            app_env,
            acceptance_mode,
            smtp_url,
            outbox_dir: settings.outbox_dir,
            data_dir: settings.data_dir,
            log_format,
            db_pool_size,
            max_body_bytes: settings.max_body_bytes,
            http_workers,
            argon2,
            hashing_threads,
            hashing_queue,
            refresh_token_days: settings.refresh_token_days,
            password_reset_minutes: settings.password_reset_minutes,
            trusted_proxies,
            stats_cache_seconds: settings.stats_cache_seconds,
            change_poll_milliseconds: settings.change_poll_milliseconds,
            logo_token_minutes: settings.logo_token_minutes,
            client_rate_per_minute: settings.client_rate_per_minute,
            client_rate_burst: settings.client_rate_burst,
            public_rate_per_minute: settings.public_rate_per_minute,
            public_rate_burst: settings.public_rate_burst,
            unknown_ids_per_minute: settings.unknown_ids_per_minute,
            request_timeout: std::time::Duration::from_secs(settings.request_timeout_seconds),
            verification_flush: std::time::Duration::from_millis(
                settings.verification_flush_milliseconds,
            ),
            verification_queue,
            secretariat_name: settings.secretariat_name.trim().to_owned(),
            secretariat_name_en: settings.secretariat_name_en.trim().to_owned(),
            inquiry_email,
            frontend_base_url,
            review_business_days: settings.review_business_days,
            webhooks: WebhookSettings {
                allow_private_networks: settings.webhook_allow_private_networks,
                require_https: app_env == AppEnv::Production,
                watch_for: chrono::Duration::days(i64::from(settings.watch_days)),
                first_retry: std::time::Duration::from_millis(
                    settings.webhook_first_retry_milliseconds,
                ),
                give_up_after: chrono::Duration::seconds(
                    i64::try_from(settings.webhook_give_up_seconds).unwrap_or(i64::MAX),
                ),
                disable_after: chrono::Duration::seconds(
                    i64::try_from(settings.webhook_disable_after_seconds).unwrap_or(i64::MAX),
                ),
                timeout: std::time::Duration::from_secs(settings.webhook_timeout_seconds),
                poll: std::time::Duration::from_millis(settings.webhook_poll_milliseconds),
            },
            oidc,
        })
    }
}

impl Config {
    /// Creates the folders the service writes to (the data folder, the outbox, the SQLite
    /// file's folder), proving each writable, so that an unwritable one stops the start here
    /// rather than at the first request; returns the signing key, reading or creating the
    /// development key in the data folder. Called after the port is bound: a start that fails
    /// there leaves nothing behind.
    /// The receipt signing key's PEM: the configured one, or the development key kept in the
    /// data folder (made on first use, so call this after [`Config::prepare_storage`]).
    pub fn receipt_signing_pem(&self) -> Result<Secret, ConfigError> {
        match &self.receipt_key {
            ReceiptKeySetting::Configured(pem) => Ok(pem.clone()),
            ReceiptKeySetting::DataFolder => crate::receipts::keys::development_key(&self.data_dir)
                .map(Secret::new)
                .map_err(|e| ConfigError::new("RECEIPT_SIGNING_KEY", e)),
        }
    }

    pub fn prepare_storage(&self) -> Result<Secret, ConfigError> {
        ensure_writable_dir("DATA_DIR", &self.data_dir)?;
        ensure_writable_dir("OUTBOX_DIR", &self.outbox_dir)?;
        if let DatabaseUrl::Sqlite(path) = &self.database {
            let folder = path.parent().filter(|p| !p.as_os_str().is_empty());
            ensure_writable_dir("DATABASE_URL", folder.unwrap_or(Path::new(".")))?;
        }
        match &self.jwt_secret {
            SigningKey::Given(secret) => Ok(secret.clone()),
            SigningKey::DataFolder => development_secret(&self.data_dir),
        }
    }
}

fn parse_base_url(value: &str) -> Result<url::Url, ConfigError> {
    parse_http_url("PUBLIC_BASE_URL", value)
}

fn parse_http_url(variable: &'static str, value: &str) -> Result<url::Url, ConfigError> {
    let url = url::Url::parse(value)
        .map_err(|e| ConfigError::new(variable, format!("unparsable URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(ConfigError::new(
            variable,
            "must be an http:// or https:// URL",
        ));
    }
    Ok(url)
}

/// SQLite serialises writers, so a few connections serve it best; PostgreSQL gains from more.
fn default_pool_size(database: &DatabaseUrl) -> u32 {
    let cores = u32::try_from(cores()).unwrap_or(2);
    match database {
        DatabaseUrl::Sqlite(_) => (cores * 2).max(4),
        DatabaseUrl::Postgres(_) => (cores * 4).max(8),
    }
}

/// Creates `dir` if needed and proves it writable by writing and removing a probe file.
fn ensure_writable_dir(variable: &'static str, dir: &Path) -> Result<(), ConfigError> {
    let fail = |what: &str, e: std::io::Error| {
        ConfigError::new(variable, format!("folder {} {what}: {e}", dir.display()))
    };
    std::fs::create_dir_all(dir).map_err(|e| fail("cannot be created", e))?;
    let probe = dir.join(format!(".write-probe-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(|e| fail("is not writable", e))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

/// The development signing key kept in the data folder, created on first use.
fn development_secret(data_dir: &Path) -> Result<Secret, ConfigError> {
    use rand::RngExt;
    let path = data_dir.join("jwt-secret");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim();
        if existing.len() >= 32 {
            return Ok(Secret::new(existing));
        }
    }
    let bytes: [u8; 32] = rand::rng().random();
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    write_private_file(&path, &secret).map_err(|e| {
        ConfigError::new(
            "JWT_SECRET",
            format!(
                "cannot write the development key to {}: {e}",
                path.display()
            ),
        )
    })?;
    tracing::warn!(
        path = %path.display(),
        "JWT_SECRET is not set: using a development signing key kept in the data folder"
    );
    Ok(Secret::new(secret))
}

fn write_private_file(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(content.as_bytes())
}

/// Whether an environment flag such as `CI` is on: set, and neither empty nor `0`, `false`,
/// `no` or `off` (any case). CI services set `CI=true` or `CI=1`; both count.
pub fn flag_is_on(value: Option<&str>) -> bool {
    value.is_some_and(|v| {
        let v = v.trim().to_ascii_lowercase();
        !matches!(v.as_str(), "" | "0" | "false" | "no" | "off")
    })
}

/// `VERIFICATION_QUEUE`, checked: at least 1,000 (the writer's batches), at most 1,000,000
/// (some 400 MB of records).
fn verification_queue(records: usize) -> Result<usize, ConfigError> {
    if (1_000..=1_000_000).contains(&records) {
        Ok(records)
    } else {
        Err(ConfigError::new(
            "VERIFICATION_QUEUE",
            "must be between 1000 and 1000000",
        ))
    }
}

/// Whether this runs in continuous integration (`CI`, read by [`flag_is_on`]; `.ci/run`
/// reads it the same way): there, tests that need PostgreSQL fail rather than skip.
pub fn in_ci() -> bool {
    flag_is_on(std::env::var("CI").ok().as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flag_is_on_unless_unset_empty_or_negative() {
        for on in ["true", "1", "TRUE", "yes", "on"] {
            assert!(flag_is_on(Some(on)), "{on}");
        }
        for off in ["", "0", "false", "False", "no", "off"] {
            assert!(!flag_is_on(Some(off)), "{off}");
        }
        assert!(!flag_is_on(None));
    }

    #[test]
    fn the_verification_queue_is_between_a_thousand_and_a_million() {
        for refused in [0, 999, 1_000_001] {
            assert!(verification_queue(refused).is_err(), "{refused}");
        }
        for taken in [1_000, 40_000, 1_000_000] {
            assert_eq!(verification_queue(taken).unwrap(), taken);
        }
    }

    #[test]
    fn database_urls_choose_the_backend() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/x.db").unwrap(),
            DatabaseUrl::Sqlite(PathBuf::from("data/x.db"))
        );
        assert!(matches!(
            DatabaseUrl::parse("postgres://u:p@localhost/db").unwrap(),
            DatabaseUrl::Postgres(_)
        ));
        assert!(DatabaseUrl::parse("mysql://localhost/db").is_err());
        assert!(DatabaseUrl::parse("postgres://").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
    }

    fn oidc_args(issuer: Option<&str>) -> OidcArgs {
        OidcArgs {
            oidc_issuer_url: issuer.map(str::to_owned),
            oidc_client_id: Some("security-action".into()),
            oidc_client_secret: Some("hunter2-client-secret".into()),
            oidc_redirect_url: None,
            oidc_return_urls:
                "https://declarer.example.jp/signed-in, https://declarer.example.jp/en/signed-in"
                    .into(),
            oidc_scopes: "openid profile email".into(),
            oidc_corporate_number_claim: "corporate_number".into(),
            oidc_account_kind_claim: "account_type".into(),
            oidc_refused_account_kinds: "entry, 1".into(),
            oidc_state_seconds: 600,
            oidc_code_seconds: 60,
        }
    }

    #[test]
    fn sign_in_with_gbizid_is_off_without_an_issuer_and_checked_with_one() {
        let off = OidcSettings::from_args(oidc_args(None), AppEnv::Development).unwrap();
        assert!(off.is_none());
        let on = OidcSettings::from_args(
            oidc_args(Some("https://gbiz-id.example.jp")),
            AppEnv::Development,
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            on.scopes,
            ["profile", "email"],
            "openid is always asked for"
        );
        assert_eq!(on.refused_account_kinds, ["entry", "1"]);
        assert_eq!(on.return_urls.len(), 2);
        assert!(
            !format!("{on:?}").contains("hunter2"),
            "the secret is not printed"
        );
        let plain = OidcSettings::from_args(
            oidc_args(Some("http://gbiz-id.example.jp")),
            AppEnv::Production,
        );
        assert_eq!(plain.unwrap_err().variable, "OIDC_ISSUER_URL");
        let mut fragment = oidc_args(Some("https://gbiz-id.example.jp"));
        fragment.oidc_return_urls = "https://declarer.example.jp/#/signed-in".into();
        let refused = OidcSettings::from_args(fragment, AppEnv::Development);
        assert_eq!(refused.unwrap_err().variable, "OIDC_RETURN_URLS");
    }

    #[test]
    fn passwords_are_not_printed() {
        let url = DatabaseUrl::parse("postgres://u:hunter2@localhost/db").unwrap();
        assert!(!format!("{url:?}").contains("hunter2"));
        assert!(!format!("{:?}", Secret::new("hunter2")).contains("hunter2"));
    }
}
