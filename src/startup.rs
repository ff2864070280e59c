//! Builds the HTTP server around a bound listener, so tests can start it on
//! port 0 and ask which port they got.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::{from_fn, DefaultHeaders};
use actix_web::{web, App, HttpResponse, HttpServer};

use crate::config::Config;
use crate::db::{self, DbError};
use crate::error::AppError;
use crate::mail::Transport_;
use crate::routing::Rules;
use crate::web::{self as routes, AppState};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("cannot listen on {0}: {1}")]
    Bind(String, std::io::Error),
    #[error(transparent)]
    Mail(#[from] crate::mail::MailError),
    #[error("PAYDESK_MAIL_FROM is not a valid address: {0}")]
    MailFrom(String),
    #[error(transparent)]
    Rules(#[from] crate::routing::RulesError),
    #[error("cannot read the routing rules {0}: {1}")]
    RulesFile(String, std::io::Error),
    #[error("payment checks: {0}")]
    Payments(String),
    #[error("SMS: {0}")]
    Sms(String),
    #[error("PAYDESK_IMAP_URL: {0}")]
    ImapUrl(String),
    #[error("PAYDESK_REPLY_ADDRESS is not an address like support@example.com: {0}")]
    ReplyAddress(String),
}

pub struct Application {
    port: u16,
    metrics_port: Option<u16>,
    public_url: String,
    server: Server,
    /// `/metrics`, on a listener of its own (`Config::metrics_listener`).
    metrics: Option<Server>,
    drainer: Drainer,
}

/// Stops a server gracefully (issue 31): `/readyz` answers 503 at once; a
/// moment later ([`READY_GRACE`]) the listener closes and the requests in
/// flight are answered (within `--shutdown-timeout`); the jobs finish the
/// round they are in; the leases are let go, so another server takes the
/// sweeps at its next look. `paydesk serve` drains on SIGTERM and SIGINT.
#[derive(Clone)]
pub struct Drainer {
    draining: std::sync::Arc<std::sync::atomic::AtomicBool>,
    server: actix_web::dev::ServerHandle,
    metrics: Option<actix_web::dev::ServerHandle>,
    stop: std::sync::Arc<tokio::sync::watch::Sender<bool>>,
    jobs: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
    writer: db::DbPool,
    holder: String,
    timeout: std::time::Duration,
    done: std::sync::Arc<tokio::sync::Notify>,
}

/// How long `/readyz` says 503 before the listener closes: a balancer that
/// polls it sends nothing new meanwhile.
pub const READY_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

impl Drainer {
    pub async fn drain(self) {
        use std::sync::atomic::Ordering;
        if self.draining.swap(true, Ordering::SeqCst) {
            return;
        }
        tracing::info!("draining: /readyz answers 503");
        tokio::time::sleep(READY_GRACE.min(self.timeout)).await;
        let _ = self.stop.send(true);
        let jobs: Vec<_> = std::mem::take(&mut *self.jobs.lock().unwrap_or_else(|e| e.into_inner()));
        let (writer, holder, timeout) = (self.writer.clone(), self.holder.clone(), self.timeout);
        let background = async move {
            // Each job ends after the round it is in; one still busy when
            // the time is up is left (what it claimed comes back when its
            // lease runs out).
            // Leases are let go only once every job has ended: a sweep
            // still running keeps its lease until it runs out.
            if tokio::time::timeout(timeout, futures_util::future::join_all(jobs)).await.is_err() {
                tracing::warn!("draining: a job is still busy; its lease runs out instead of being let go");
                return;
            }
            let released = tokio::time::timeout(
                std::time::Duration::from_secs(5),
                tokio::task::spawn_blocking(move || {
                    let mut conn = writer.get().map_err(|e| e.to_string())?;
                    db::leases::release_all(&mut conn, &holder).map_err(|e| e.to_string())
                }),
            )
            .await;
            match released {
                Ok(Ok(Ok(n))) => tracing::info!(leases = n, "draining: leases let go"),
                Ok(Ok(Err(e))) => tracing::warn!(error = %e, "draining: leases not let go; they run out"),
                _ => tracing::warn!("draining: the database did not answer; the leases run out"),
            }
        };
        let http = async {
            self.server.stop(true).await;
            if let Some(m) = &self.metrics {
                m.stop(true).await;
            }
        };
        futures_util::future::join(http, background).await;
        tracing::info!("drained");
        self.done.notify_one();
    }

    /// Whether the server is draining (`/readyz`).
    pub fn draining(&self) -> bool {
        self.draining.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Application {
    /// Opens (creating and migrating) the database and binds the address.
    pub fn build(config: Config) -> Result<Self, StartError> {
        let rules = match &config.rules_path {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| StartError::RulesFile(path.clone(), e))?;
                Rules::parse(&text)?
            }
            None => Rules::default_rules(),
        };
        let rules = match &config.calendar {
            Some(name) => rules.with_calendar(name),
            None => rules,
        };
        let rules = std::sync::Arc::new(rules);
        // The learned second opinion is trained now (jieba's dictionary
        // loaded, the corpus cut), not inside the first customer's request.
        let _ = crate::routing::model::trained(None);
        let payments = std::sync::Arc::new(config.payments.load().map_err(StartError::Payments)?);
        let pools = db::Pools::open(config.database_url.expose(), config.db_pool_size)?;
        // Tickets filed before word search, or indexed by an older version
        // of it, are indexed in the background: searches find them as it
        // goes.
        let indexing = pools.write.clone();
        std::thread::spawn(move || match indexing.get().map(|mut c| crate::ops::search::index_stale(&mut c)) {
            Ok(Ok(0)) => {}
            Ok(Ok(n)) => tracing::info!(tickets = n, "word search: indexed"),
            Ok(Err(e)) => tracing::error!(error = %e, "word search: indexing failed"),
            Err(e) => tracing::error!(error = %e, "word search: no connection to index with"),
        });
        let shared_limits =
            matches!(db::DatabaseUrl::parse(config.database_url.expose()), Ok(db::DatabaseUrl::Postgres(_)))
                .then(|| -> Result<_, StartError> {
                    let mut conn = pools.write.get().map_err(|e| StartError::Db(DbError::Connect(e.to_string())))?;
                    let secret = db::users::server_secret(&mut conn, "rate_limits", chrono::Utc::now().naive_utc())
                        .map_err(|e| StartError::Db(DbError::Connect(e.to_string())))?;
                    Ok((pools.write.clone(), secret))
                })
                .transpose()?;
        // This server's name among the others (leases): host and process,
        // and a random part, as a process id may come back.
        let holder = format!(
            "{}:{}:{}",
            std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into()),
            std::process::id(),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let (stop_tx, stop) = crate::jobs::Stop::new();
        let sweep_stats = std::sync::Arc::new(crate::jobs::sweeps::SweepStats::default());
        let mut jobs = Vec::new();
        let listener = TcpListener::bind(&config.bind).map_err(|e| StartError::Bind(config.bind.clone(), e))?;
        let address = listener.local_addr().map_err(|e| StartError::Bind(config.bind.clone(), e))?;
        let public_url =
            config.public_url.clone().unwrap_or_else(|| format!("http://{address}")).trim_end_matches('/').to_string();
        let transport = Transport_::new(config.smtp_url.as_ref().map(|s| s.expose().as_str()), &config.mail_dir)?;
        let reply = match &config.reply_address {
            Some(a) => Some(crate::inbound::ReplyAddress::parse(a).ok_or_else(|| StartError::ReplyAddress(a.clone()))?),
            None => None,
        };
        let imap = match &config.imap_url {
            Some(url) => Some(crate::jobs::inbound::ImapUrl::parse(url.expose()).map_err(StartError::ImapUrl)?),
            None => None,
        };
        let mail_dir = transport.describe();
        let sms = config.sms.load(&config.mail_dir).map_err(StartError::Sms)?;
        let push_token = sms.push_token.clone();
        let texts = crate::jobs::sms::Worker {
            pools: pools.clone(),
            provider: sms.provider,
            composer: crate::jobs::sms::Composer { public_url: public_url.clone(), templates: sms.templates },
            quiet: sms.quiet,
            max_per_hour: sms.max_per_hour,
            poll: std::time::Duration::from_millis(config.mail_poll_ms),
            retry_base: chrono::Duration::seconds(config.mail_retry_base_secs),
            max_attempts: config.mail_max_attempts,
        };
        jobs.push(tokio::spawn(std::sync::Arc::new(texts).run(stop.clone())));
        let mail = crate::jobs::mail::Worker {
            pools: pools.clone(),
            transport,
            composer: crate::mail::compose::Composer {
                from: config.mail_from.parse().map_err(|_| StartError::MailFrom(config.mail_from.clone()))?,
                public_url: public_url.clone(),
                // Replies come back only where a mailbox is read.
                reply: imap.as_ref().and(reply.clone()),
                self_service_timeout: chrono::Duration::hours(config.self_service_timeout_hours),
                calendars: rules.calendars.clone(),
            },
            poll: std::time::Duration::from_millis(config.mail_poll_ms),
            retry_base: chrono::Duration::seconds(config.mail_retry_base_secs),
            max_attempts: config.mail_max_attempts,
        };
        jobs.push(tokio::spawn(std::sync::Arc::new(mail).run(stop.clone())));
        let sweeper = crate::jobs::sweeps::Sweeper {
            pools: pools.clone(),
            limits: crate::ops::sweeps::Limits {
                self_service_timeout: chrono::Duration::hours(config.self_service_timeout_hours),
                provider_after: chrono::Duration::days(config.provider_after_days),
                spikes: rules.spikes,
                retention: config.retention(),
                rules: rules.clone(),
            },
            every: std::time::Duration::from_secs(config.sweep_secs),
            holder: holder.clone(),
            last: Default::default(),
            stats: sweep_stats.clone(),
        };
        jobs.push(tokio::spawn(std::sync::Arc::new(sweeper).run(stop.clone())));
        let checker = crate::jobs::payments::Worker {
            pools: pools.clone(),
            payments: payments.clone(),
            rules: rules.clone(),
            poll: std::time::Duration::from_millis(config.mail_poll_ms),
            retry_base: chrono::Duration::seconds(config.payments.payment_retry_base_secs),
            max_attempts: config.payments.payment_max_attempts,
            refund_every: chrono::Duration::seconds(config.payments.refund_check_secs),
            refund_due: chrono::Duration::days(config.payments.refund_due_days),
        };
        jobs.push(tokio::spawn(std::sync::Arc::new(checker).run(stop.clone())));
        let webhooks = crate::jobs::webhooks::Worker {
            pools: pools.clone(),
            public_url: public_url.clone(),
            allow_private: config.webhooks_allow_private,
            poll: std::time::Duration::from_millis(config.mail_poll_ms),
            retry_base: chrono::Duration::seconds(config.mail_retry_base_secs),
            max_attempts: config.mail_max_attempts,
        };
        jobs.push(tokio::spawn(std::sync::Arc::new(webhooks).run(stop.clone())));
        if let Some(url) = imap {
            let inbound = crate::jobs::inbound::Worker {
                pools: pools.clone(),
                url,
                settings: crate::inbound::Settings {
                    reply,
                    max_screenshot_bytes: config.max_screenshot_bytes,
                    rules: rules.clone(),
                },
                poll: std::time::Duration::from_secs(config.imap_poll_secs.max(1)),
                max_bytes: u32::try_from(config.max_inbound_bytes).unwrap_or(u32::MAX),
                failures: Default::default(),
                holder: holder.clone(),
            };
            jobs.push(tokio::spawn(std::sync::Arc::new(inbound).run(stop.clone())));
        }
        let replica = match &config.database_read_url {
            Some(url) => Some(db::connect_replica(url.expose(), config.db_pool_size)?),
            None => None,
        };
        let draining = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let writer = pools.write.clone();
        let state = web::Data::new(AppState {
            draining: draining.clone(),
            sweeps: sweep_stats,
            pool: pools.read,
            writer: pools.write,
            replica,
            config: config.clone(),
            public_url: public_url.clone(),
            mail_dir,
            rules,
            metrics: Default::default(),
            limits: std::sync::Arc::new(crate::web::rate_limit::RateLimits::new(&config, shared_limits)),
            payments,
            sms_push_token: push_token,
        });
        let metrics_state = state.clone();

        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(web::QueryConfig::default().error_handler(|_, _| AppError::BadRequest("query").into()))
                .app_data(web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()))
                // A staff reply of 8000 characters, each written as a JSON
                // escape pair (12 bytes), fits.
                .app_data(web::JsonConfig::default().limit(128 * 1024).error_handler(|e, _| {
                    use actix_web::error::JsonPayloadError;
                    let error = match e {
                        JsonPayloadError::ContentType => AppError::UnsupportedMediaType,
                        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
                            AppError::PayloadTooLarge
                        }
                        _ => AppError::BadRequest("json"),
                    };
                    crate::web::api::ApiError::from(error).into()
                }))
                .app_data(
                    web::FormConfig::default()
                        .limit(64 * 1024)
                        .error_handler(|_, _| AppError::BadRequest("form").into()),
                )
                .wrap(from_fn(crate::web::session::csrf_layer))
                .wrap(from_fn(crate::web::replica_reads))
                .wrap(from_fn(crate::web::api::layer))
                .wrap(security_headers())
                // gzip for pages, the stylesheet, JSON and CSV when the
                // client accepts it (images are left as they are). Pages
                // carry a CSRF token beside text a visitor chose, which
                // compression could leak (BREACH): the token is masked
                // afresh in every response (auth::csrf), so no response
                // repeats it. (The staff cookie being SameSite=Lax only
                // narrows the attack: a cross-site top-level GET still
                // carries it; the masking is the defence.)
                .wrap(actix_web::middleware::Compress::default())
                .wrap(from_fn(no_store))
                .wrap(from_fn(crate::web::ops::trace))
                .route("/static/style.css", web::get().to(crate::web::assets::stylesheet))
                .route("/static/favicon.svg", web::get().to(crate::web::assets::favicon_svg))
                .route("/favicon.ico", web::get().to(crate::web::assets::favicon_ico))
                .route("/static/form.js", web::get().to(form_script))
                .route("/static/copy.js", web::get().to(copy_script))
                .route("/static/reply.js", web::get().to(reply_script))
                .configure(routes::routes)
                .default_service(web::to(crate::web::fallback))
        })
        .listen(listener)
        .map_err(|e| StartError::Bind(config.bind.clone(), e))?
        // SIGTERM drains (`Drainer`, set up by `paydesk serve`), not actix.
        .disable_signals()
        .shutdown_timeout(config.shutdown_timeout_secs);
        if let Some(workers) = config.workers {
            server = server.workers(workers);
        }
        tracing::info!(%address, "paydesk listening");
        // A second server on the same host finds the metrics port taken: it
        // serves without /metrics and says so, rather than not starting
        // (issue 31); give each server its own --metrics-bind to scrape it.
        let metrics_listener = match config.metrics_listener().map(|bind| (bind, TcpListener::bind(bind))) {
            Some((bind, Ok(l))) => Some((bind, l)),
            Some((bind, Err(e))) if e.kind() == std::io::ErrorKind::AddrInUse => {
                tracing::warn!(%bind, "metrics not served: the address is taken (another paydesk on this host?); give each server its own --metrics-bind");
                None
            }
            Some((bind, Err(e))) => return Err(StartError::Bind(bind.to_string(), e)),
            None => None,
        };
        let (metrics, metrics_port) = match metrics_listener {
            Some((bind, listener)) => {
                let address = listener.local_addr().map_err(|e| StartError::Bind(bind.to_string(), e))?;
                let state = metrics_state;
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(state.clone())
                        .route("/metrics", web::get().to(crate::web::ops::metrics))
                        .default_service(web::to(|| async { Err::<HttpResponse, _>(AppError::NotFound) }))
                })
                .workers(1)
                .disable_signals()
                .shutdown_timeout(1)
                .listen(listener)
                .map_err(|e| StartError::Bind(bind.to_string(), e))?;
                tracing::info!(%address, "metrics listening");
                (Some(server.run()), Some(address.port()))
            }
            None => (None, None),
        };
        let server = server.run();
        let metrics: Option<Server> = metrics;
        let drainer = Drainer {
            draining,
            server: server.handle(),
            metrics: metrics.as_ref().map(|m| m.handle()),
            stop: std::sync::Arc::new(stop_tx),
            jobs: std::sync::Arc::new(std::sync::Mutex::new(jobs)),
            writer,
            holder,
            timeout: std::time::Duration::from_secs(config.shutdown_timeout_secs),
            done: Default::default(),
        };
        Ok(Application { port: address.port(), metrics_port, public_url, server, metrics, drainer })
    }

    /// What drains this server (SIGTERM in `paydesk serve`; tests call it).
    pub fn drainer(&self) -> Drainer {
        self.drainer.clone()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port `/metrics` is served on, when it is.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_port
    }

    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// Serves until stopped; after a drain, returns once it is complete
    /// (the jobs ended, the leases let go).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let drainer = self.drainer.clone();
        let done = drainer.done.clone();
        let waiting = done.notified();
        let served = match self.metrics {
            Some(metrics) => futures_util::future::try_join(self.server, metrics).await.map(|_| ()),
            None => self.server.await,
        };
        if drainer.draining() {
            waiting.await;
        }
        served
    }
}

/// On every response. The CSP allows no inline script and no framing.
fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' blob:; style-src 'self'; script-src 'self'; object-src 'none'; \
             base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        // Tracking links carry a secret: never send them to another site.
        .add(("Referrer-Policy", "no-referrer"))
}

/// `Cache-Control: no-store` on every private answer (`route_table::is_private`),
/// error pages included.
async fn no_store(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    use actix_web::http::header::{HeaderValue, CACHE_CONTROL};
    let private = crate::web::route_table::is_private(req.path());
    let mut res = next.call(req).await?;
    if private {
        res.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(res)
}

/// The help request form's script: only an enhancement (markers follow the
/// chosen symptom, a chosen screenshot is previewed); the form works without.
async fn form_script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=300"))
        .body(include_str!("../static/form.js"))
}

/// The confirmation page's copy button (progressive enhancement; the CSP
/// allows scripts from 'self' only, never inline), compiled in.
async fn copy_script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=300"))
        .body(include_str!("../static/copy.js"))
}

/// The ticket page's canned replies at the cursor (progressive enhancement).
async fn reply_script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=300"))
        .body(include_str!("../static/reply.js"))
}
