//! Building the application and its server; used by `main` and by the tests.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServerHandle, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, ResponseError, web};
use anyhow::Context;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::clients::ClientDirectory;
use crate::auth::hashing::PasswordHashing;
use crate::auth::tokens::TokenKeys;
use crate::config::Config;
use crate::db::Db;
use crate::declarations::watch::ChangeWatch;
use crate::error::ApiError;
use crate::extract::BodyLimit;
use crate::mail::sender::{MailTransport, sender_mailbox};
use crate::metrics::Metrics;
use crate::receipts::keys::ReceiptKey;
use crate::routes::openapi;
use crate::runtime::cache::TimedCache;
use crate::runtime::rate_limit::Limits;
use crate::state::AppState;
use crate::verification::log::VerificationRecorder;
use crate::verification::lookup::VerificationLookups;
use crate::{mail, middleware, routes};

/// A built, listening server, ready to run.
pub struct Application {
    server: Server,
    address: SocketAddr,
    /// The metrics listener, unless metrics are off.
    metrics: Option<(Server, SocketAddr)>,
    state: AppState,
}

/// Creates the folders the service writes to ([`Config::prepare_storage`]), then opens the
/// database and applies pending migrations: what every command but `serve` starts with.
pub async fn prepare_database(config: &Config) -> anyhow::Result<Db> {
    config.prepare_storage()?;
    open_database(config).await
}

/// Installs the settings the texts show (every command that opens the database may send an
/// e-mail), opens the database pool and applies pending migrations (blocking work, run off the
/// async threads).
async fn open_database(config: &Config) -> anyhow::Result<Db> {
    crate::texts::install(config);
    let url = config.database.clone();
    let size = config.db_pool_size;
    tokio::task::spawn_blocking(move || -> anyhow::Result<Db> {
        let db =
            Db::connect(&url, size).with_context(|| format!("cannot open the database {url:?}"))?;
        let applied = db.run_migrations().context("cannot apply migrations")?;
        for version in &applied {
            tracing::info!(%version, "migration applied");
        }
        db.refresh_statistics(false)
            .context("cannot refresh the query planner's statistics")?;
        Ok(db)
    })
    .await
    .context("the database set-up was cancelled")?
}

impl Application {
    /// Binds the listeners (port 0 picks a free one), then creates the folders, then opens the
    /// database and applies migrations: a port in use stops the start before anything is
    /// created or changed.
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(config.bind_address)
            .with_context(|| format!("cannot listen on {}", config.bind_address))?;
        let metrics_listener = match config.metrics_bind_address {
            Some(address) => Some(
                TcpListener::bind(address)
                    .with_context(|| format!("cannot listen for metrics on {address}"))?,
            ),
            None => None,
        };
        let signing_key = config.prepare_storage()?;
        let db = open_database(&config).await?;
        let address = listener.local_addr()?;
        let mut config = config;
        if config.public_base_url.is_none() {
            config.public_base_url = url::Url::parse(&format!("http://{address}")).ok();
        }
        let workers = config.http_workers;
        let request_timeout = config.request_timeout;
        let hashing =
            PasswordHashing::start(config.argon2, config.hashing_threads, config.hashing_queue)
                .context("cannot start the password hashing threads")?;
        let metrics = Metrics::new().context("cannot register the metrics")?;
        let mail_wakeup = Arc::new(tokio::sync::Notify::new());
        let webhooks = crate::webhooks::delivery::Deliverer::new(
            db.clone(),
            config.webhooks.clone(),
            metrics.clone(),
            Arc::clone(&mail_wakeup),
        )
        .context("cannot set up webhook delivery")?;
        let receipt_key = Arc::new(
            ReceiptKey::from_pem(config.receipt_signing_pem()?.expose())
                .context("RECEIPT_SIGNING_KEY cannot be read")?,
        );
        {
            let key = Arc::clone(&receipt_key);
            db.write(move |conn| {
                Ok::<_, crate::db::DbError>(crate::receipts::publish(conn, &key)?)
            })
            .await
            .context("cannot publish the receipt signing key")?;
        }
        let oidc = match &config.oidc {
            Some(settings) => {
                let base = config
                    .public_base_url
                    .as_ref()
                    .map(url::Url::to_string)
                    .unwrap_or_default();
                Some(Arc::new(
                    crate::auth::oidc::RelyingParty::new(settings.clone(), &base)
                        .context("cannot set up signing in with GビズID")?,
                ))
            }
            None => None,
        };
        let changes = ChangeWatch::default();
        let verification_cache = Arc::new(crate::verification::cache::VerificationCache::new(
            changes.clone(),
        ));
        let state = AppState {
            stats_cache: Arc::new(TimedCache::new(std::time::Duration::from_secs(
                config.stats_cache_seconds,
            ))),
            tokens: Arc::new(TokenKeys::new(&signing_key)),
            limits: Arc::new(Limits::from_config(&config)),
            verifications: VerificationRecorder::start(
                db.clone(),
                config.verification_flush,
                config.verification_queue,
            ),
            // Half the pool, so that look-ups under load leave connections for everything else.
            lookups: VerificationLookups::start(
                db.clone(),
                (config.db_pool_size / 2).max(1) as usize,
                Arc::clone(&verification_cache),
            ),
            config: Arc::new(config),
            db,
            hashing,
            mail_wakeup,
            clients: Arc::new(ClientDirectory::default()),
            metrics,
            changes,
            sessions: Arc::default(),
            webhooks,
            receipt_key,
            oidc,
        };
        state
            .changes
            .refresh(&state.db)
            .await
            .context("cannot read the change log")?;
        tokio::spawn(state.changes.clone().follow(
            state.db.clone(),
            std::time::Duration::from_millis(state.config.change_poll_milliseconds),
        ));
        tokio::spawn(state.webhooks.clone().run(state.changes.clone()));
        // Verifications are answered from the database until the cache is warm.
        tokio::spawn(verification_cache.run(
            state.db.clone(),
            std::time::Duration::from_millis(state.config.change_poll_milliseconds),
        ));
        let transport =
            MailTransport::from_config(&state.config).context("cannot set up e-mail delivery")?;
        let from = sender_mailbox(&state.config).context("cannot form the sender address")?;
        tokio::spawn(mail::sender::run(
            state.db.clone(),
            transport,
            from,
            Arc::clone(&state.mail_wakeup),
        ));
        let metrics = match metrics_listener {
            Some(listener) => Some(
                crate::metrics::server(state.clone(), listener)
                    .context("cannot serve the metrics")?,
            ),
            None => None,
        };
        let app_state = state.clone();
        let server = HttpServer::new(move || {
            let app = build_app(app_state.clone());
            // Describing the routes for the documentation left megabytes free in this
            // worker's arena.
            crate::runtime::memory::give_back_freed();
            app
        })
        .listen(listener)?
        .workers(workers)
        // The head must arrive within the request timeout (the body gets its own deadline,
        // `transport::body_deadline`); a closing client gets a moment to read the answer.
        .client_request_timeout(request_timeout)
        .client_disconnect_timeout(std::time::Duration::from_secs(2))
        .shutdown_timeout(30)
        .run();
        tracing::info!(
            address = %format!("http://{address}"),
            database = state.db.backend(),
            "listening; Swagger UI at /swagger-ui/"
        );
        if let Some((_, address)) = &metrics {
            tracing::info!(address = %format!("http://{address}/metrics"), "metrics");
        }
        // The OpenAPI document's bytes are built now, off the HTTP workers (tens of
        // milliseconds), rather than by the worker that answers the first `/openapi.json`.
        tokio::task::spawn_blocking(|| {
            openapi::served_json();
            crate::runtime::memory::give_back_freed();
        });
        Ok(Application {
            server,
            address,
            metrics,
            state,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// Where `GET /metrics` answers, unless metrics are off.
    pub fn metrics_address(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().map(|(_, address)| *address)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// A handle to stop the server (gracefully or not).
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM or SIGINT (or a stop through the handle); in-flight requests are
    /// given up to 30 seconds to finish, then the buffered verification records are written.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let limits = Arc::clone(&self.state.limits);
        let db = self.state.db.clone();
        let sweeper = tokio::spawn(async move {
            // Every minute: forget idle rate-limit keys; every hour: refresh the statistics.
            for minute in (1..=60u32).cycle() {
                tokio::time::sleep(std::time::Duration::from_secs(60)).await;
                limits.forget_idle();
                if minute == 60 {
                    let db = db.clone();
                    let refreshed =
                        tokio::task::spawn_blocking(move || db.refresh_statistics(false)).await;
                    if let Ok(Err(error)) = refreshed {
                        tracing::warn!(%error, "cannot refresh the query planner's statistics");
                    }
                }
            }
        });
        let metrics = self.metrics.map(|(server, _)| {
            let handle = server.handle();
            (tokio::spawn(server), handle)
        });
        // A stop signal releases the requests that wait on the change feed, so that they do
        // not hold the graceful stop for the rest of their wait (actix stops on the same
        // signals).
        let changes = self.state.changes.clone();
        let release = tokio::spawn(async move {
            stop_signal().await;
            changes.stop_waiting();
        });
        let served = self.server.await;
        release.abort();
        self.state.changes.stop_waiting();
        sweeper.abort();
        if let Some((task, handle)) = metrics {
            handle.stop(false).await;
            let _ = task.await;
        }
        // A database that refuses the records (they are tried again) does not hold the stop
        // for ever: what is still queued after this wait is lost, and said so.
        match tokio::time::timeout(STOP_FLUSH_WAIT, self.state.verifications.flush()).await {
            Ok(()) => tracing::info!("verification records flushed"),
            Err(_) => tracing::error!(
                lost = self.state.verifications.queued(),
                "verification records could not be written before the stop"
            ),
        }
        served
    }
}

/// How long a stop waits for the queued verification records to be written.
const STOP_FLUSH_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// SIGTERM or SIGINT (Ctrl-C).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                }
            }
            _ => std::future::pending().await,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The application: routes, configuration of the extractors, middleware, documentation.
pub fn build_app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let limit = state.config.max_body_bytes;
    let (app, _) = App::new()
        .into_utoipa_app()
        .app_data(web::Data::new(state))
        .app_data(BodyLimit(limit))
        .app_data(web::PayloadConfig::new(limit))
        .app_data(
            web::JsonConfig::default()
                .limit(limit)
                .error_handler(|e, _| framework_error(e.status_code(), &e.to_string())),
        )
        .app_data(web::PathConfig::default().error_handler(|e, _| {
            framework_error(actix_web::http::StatusCode::NOT_FOUND, &e.to_string())
        }))
        .app_data(web::QueryConfig::default().error_handler(|e, _| {
            framework_error(
                actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
                &e.to_string(),
            )
        }))
        .configure(routes::configure)
        .split_for_parts();
    // Swagger UI lives under a folder; its bare name leads there.
    app.service(web::redirect("/swagger-ui", "/swagger-ui/").permanent())
        // The document's bytes are built once and shared by the workers; Swagger UI only
        // points at them.
        .route("/openapi.json", web::get().to(openapi::serve))
        .service(
            SwaggerUi::new("/swagger-ui/{_:.*}")
                .config(utoipa_swagger_ui::Config::new(["/openapi.json"])),
        )
        .default_service(web::to(routes::table::no_route))
        .wrap(from_fn(crate::transport::head_as_get))
        .wrap(from_fn(crate::transport::body_deadline))
        .wrap(from_fn(middleware::problem_details))
        .wrap(from_fn(middleware::request_id))
        .wrap(from_fn(crate::metrics::track))
        .wrap(from_fn(crate::security_headers::security_headers))
}

/// Errors of actix's own extractors, should a route use one, as problem details.
fn framework_error(status: actix_web::http::StatusCode, detail: &str) -> actix_web::Error {
    let code = match status.as_u16() {
        404 => "not_found",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        422 => "validation_failed",
        _ => "bad_request",
    };
    ApiError::new(
        status,
        code,
        crate::error::Message::new(detail.to_owned(), detail.to_owned()),
    )
    .into()
}
