//! `security-action`: serve the API, apply migrations, print the OpenAPI document.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use security_action::config::{Config, LogFormat, Settings};
use security_action::startup::{Application, prepare_database};
use security_action::{openapi, telemetry};

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
    telemetry::init(format);
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
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
