//! `security-action`: serve the API, apply migrations, print the OpenAPI document.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use security_action::config::{Config, ConfigError, LogFormat, Settings};
use security_action::declarations::Decision;
use security_action::domain::declaration::RevocationReason;
use security_action::routes::openapi;
use security_action::startup::{Application, prepare_database};
use security_action::{cli, telemetry};

/// The registry service behind SECURITY ACTION (セキュリティ対策自己宣言).
///
/// Every option can also be set with the environment variable shown; a `.env` file in the
/// working folder is read first.
#[derive(Debug, Parser)]
#[command(name = "security-action", version)]
struct Cli {
    #[command(flatten)]
    settings: Settings,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Apply pending migrations, then serve (the default).
    Serve,
    /// Apply pending migrations and exit.
    Migrate,
    /// Print the OpenAPI document (as committed under openapi/openapi.json) and exit.
    Openapi,
    /// The secretariat's commands.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
        /// Print what is created as one JSON object instead of `key: value` lines.
        #[arg(long, global = true)]
        json: bool,
    },
    /// Take over data from the old system.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Fill the database with synthetic, realistic declarations (demos and benchmarks).
    Seed {
        /// How many declarations.
        #[arg(long)]
        declarations: u64,
        /// The random seed (the same seed makes the same data).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The password of every seeded account.
        #[arg(long, default_value = "seeded account passphrase")]
        password: String,
    },
}

#[derive(Debug, Subcommand)]
enum ImportCommand {
    /// Import existing declarations from a CSV file, keeping their user numbers and declaration
    /// IDs (see the README, "Moving from the old system"). Rejected rows are listed in
    /// FILE.report.csv beside the file. Exit code: 0 every row imported (or there already),
    /// 1 some rows rejected, 2 the file cannot be used.
    Declarations {
        /// The CSV file, with a header row.
        file: std::path::PathBuf,
        /// The file's encoding.
        #[arg(long, value_enum, default_value = "utf-8")]
        encoding: security_action::import::Encoding,
        /// Queue an activation e-mail (a link to set the first password) for each imported
        /// account that has no password and was not invited before.
        #[arg(long)]
        invite: bool,
        /// Activation e-mails per hour (they are sent no faster).
        #[arg(long, default_value_t = 3_600, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
        invitations_per_hour: u32,
        /// Days an activation link works.
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=365))]
        invitation_days: u32,
        /// Check every row, write nothing (the report is written).
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create a secretariat operator; prints its user number and a generated password once.
    CreateOperator {
        #[arg(long)]
        name: String,
    },
    /// Create an API client; prints its client_id and secret once.
    CreateClient {
        #[arg(long)]
        name: String,
        /// A scope (repeat for more): declarations:verify (verification), declarations:changes
        /// (the change feed), webhooks:manage (webhook endpoints and the watchlist).
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        /// Where the secretariat writes to the client (an endpoint disabled for failing, for
        /// example).
        #[arg(long)]
        contact_email: Option<String>,
    },
    /// Accept a declaration (申込み受理).
    Accept { declaration_id: String },
    /// Revoke a declaration (取消し).
    Revoke {
        declaration_id: String,
        /// false_declaration, misleading_claims, declarer_request or other.
        #[arg(long, value_parser = cli::reason)]
        reason: RevocationReason,
        /// Quoted in the e-mail to the declarer (up to 1,000 characters).
        #[arg(long)]
        note: Option<String>,
    },
    /// Sign receipts with a new key from the next start on; the current key is retired but stays
    /// published, so receipts it signed still verify. Development only (the key kept in the
    /// data folder); in production, set RECEIPT_SIGNING_KEY to a new key and restart.
    RotateReceiptKey,
    /// Reinstate a revoked declaration (取消しの撤回).
    Reinstate {
        declaration_id: String,
        /// Kept in the declaration's history (up to 1,000 characters).
        #[arg(long)]
        note: Option<String>,
    },
}

fn main() -> ExitCode {
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Openapi = command {
        print!("{}", openapi::document_json());
        return ExitCode::SUCCESS;
    }
    let format = if cli.settings.log_format == "json" {
        LogFormat::Json
    } else {
        LogFormat::Pretty
    };
    let _log_writer = telemetry::init(format);
    let config = match Config::from_settings(cli.settings) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("error: configuration: {error}");
            return ExitCode::from(2);
        }
    };
    let result = actix_web::rt::System::new().block_on(async move {
        match command {
            Command::Migrate => prepare_database(&config).await.map(|_| {
                tracing::info!("migrations are up to date");
            }),
            Command::Admin { command, json } => {
                let db = prepare_database(&config).await?;
                let fields = tokio::task::spawn_blocking(move || match command {
                    AdminCommand::CreateOperator { name } => cli::create_operator(&db, &config, &name),
                    AdminCommand::CreateClient { name, scopes, contact_email } => {
                        cli::create_client(&db, &name, &scopes, contact_email.as_deref())
                    }
                    AdminCommand::Accept { declaration_id } => cli::decide(&db, &config, &declaration_id, Decision::Accept),
                    AdminCommand::Revoke { declaration_id, reason, note } => {
                        cli::decide(&db, &config, &declaration_id, Decision::Revoke { reason, note })
                    }
                    AdminCommand::RotateReceiptKey => cli::rotate_receipt_key(&db, &config),
                    AdminCommand::Reinstate { declaration_id, note } => {
                        cli::decide(&db, &config, &declaration_id, Decision::Reinstate { note })
                    }
                })
                .await??;
                cli::print(&fields, json);
                Ok(())
            }
            Command::Import { command: ImportCommand::Declarations { file, encoding, invite, invitations_per_hour, invitation_days, dry_run } } => {
                let db = prepare_database(&config).await?;
                let options = security_action::import::Options {
                    encoding,
                    dry_run,
                    invite,
                    invitations_per_hour,
                    invitation_days,
                    progress: security_action::import::on_terminal(),
                    password_page: security_action::texts::current().page("/password-reset"),
                };
                let summary = tokio::task::spawn_blocking(move || security_action::import::import(&db, &file, &options)).await??;
                eprintln!(
                    "{}{} rows: {} {}, {} already there, {} rejected{}; report: {} ({:.1} s)",
                    if dry_run { "dry run, nothing written: " } else { "" },
                    summary.rows,
                    summary.imported,
                    if dry_run { "would be imported" } else { "imported" },
                    summary.already_there,
                    summary.rejected,
                    if invite { format!(", {} activation e-mails queued", summary.invited) } else { String::new() },
                    summary.report.display(),
                    summary.elapsed.as_secs_f64(),
                );
                if summary.rejected > 0 {
                    return Err(anyhow::Error::new(security_action::import::SomeRejected(summary.rejected)));
                }
                Ok(())
            }
            Command::Seed { declarations, seed, password } => {
                let db = prepare_database(&config).await?;
                let hash = security_action::auth::hashing::hash_now(config.argon2, &password)?;
                let report = tokio::task::spawn_blocking(move || {
                    security_action::seed::seed(&db, declarations, &hash, seed, std::io::IsTerminal::is_terminal(&std::io::stderr()))
                })
                .await??;
                eprintln!(
                    "seeded {} declarations ({} one-star, {} two-star) in {:.1} s; every account's password: {password}",
                    report.declarations,
                    report.one_star,
                    report.two_star,
                    report.elapsed.as_secs_f64()
                );
                Ok(())
            }
            Command::Serve | Command::Openapi => {
                let app = Application::build(config).await?;
                app.run_until_stopped().await?;
                tracing::info!("stopped");
                Ok(())
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // A folder that cannot be created is a configuration problem, found once the port is
        // bound (`Config::prepare_storage`): the same one line as the others.
        Err(error) if error.downcast_ref::<ConfigError>().is_some() => {
            eprintln!("error: configuration: {error}");
            ExitCode::from(2)
        }
        // Rows were rejected: the summary said so.
        Err(error)
            if error
                .downcast_ref::<security_action::import::SomeRejected>()
                .is_some() =>
        {
            ExitCode::from(1)
        }
        Err(error)
            if error
                .downcast_ref::<security_action::import::Unusable>()
                .is_some() =>
        {
            eprintln!("error: the file cannot be imported: {error}");
            ExitCode::from(2)
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
