//! The HTTP layer: routes, pages and the JSON API. Handlers parse input into
//! domain types, call storage inside `web::block`, and render templates.

pub mod api;
pub mod charts;
pub mod format;
pub mod health;
pub mod lang;
pub mod multipart;
pub mod ops;
pub mod pages;
pub mod rate_limit;
pub mod staff;
pub mod tickets;
pub mod tracking;

use actix_web::{web, HttpResponse};
use askama::Template;

use crate::config::Config;
use crate::db::{DbConn, DbPool};
use crate::error::AppError;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// For reads (and the odd small write); see `db::Pools`.
    pub pool: DbPool,
    /// For work that writes.
    pub writer: DbPool,
    pub config: Config,
    /// Absolute base of the links we hand out, without a trailing slash.
    pub public_url: String,
    /// Where email goes when no SMTP server is configured.
    pub mail_dir: Option<String>,
    /// The routing rules and SLA targets, checked at start.
    pub rules: std::sync::Arc<crate::routing::Rules>,
    pub metrics: std::sync::Arc<ops::Metrics>,
    pub limits: std::sync::Arc<rate_limit::RateLimits>,
}

impl AppState {
    /// Counts a ticket or customer message from this request's client.
    pub fn check_intake_rate(&self, req: &actix_web::HttpRequest) -> Result<(), AppError> {
        self.limits.intake.check(rate_limit::client_address(req, &self.config))
    }
}

impl AppState {
    /// Runs storage code on the blocking pool with a pooled connection.
    pub async fn db<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        run(self.pool.clone(), f).await
    }

    /// Runs storage code that writes, on the writers' connection.
    pub async fn write<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        run(self.writer.clone(), f).await
    }
}

async fn run<T, F>(pool: DbPool, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    web::block(move || {
        let mut conn = pool.get()?;
        f(&mut conn)
    })
    .await?
}

/// Every route, in one place.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(pages::home))
        .route("/help/{symptom}", web::get().to(pages::help))
        .route("/lang/{code}", web::get().to(lang::switch))
        .route("/tickets/new", web::get().to(tickets::new_form))
        .route("/tickets", web::post().to(tickets::create))
        .route("/t/{token}", web::get().to(tracking::show))
        .route("/t/{token}/created", web::get().to(tracking::created))
        .route("/t/{token}/messages", web::post().to(tracking::add_message))
        .route("/t/{token}/screenshots/{id}", web::get().to(tracking::screenshot))
        .route("/api/v1/tickets", web::post().to(api::create_ticket))
        .route("/api/v1/tickets", web::get().to(api::staff::list))
        .route("/api/v1/tickets/{reference}", web::get().to(api::staff::show))
        .route("/api/v1/tickets/{reference}", web::patch().to(api::staff::update))
        .route("/api/v1/tickets/{reference}/replies", web::post().to(api::staff::reply))
        .route("/api/v1/openapi.json", web::get().to(api::openapi))
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(ops::readyz))
        .route("/metrics", web::get().to(ops::metrics))
        .configure(staff::routes);
}

/// Renders a page template as an HTML response.
pub fn html(page: impl Template) -> Result<HttpResponse, AppError> {
    html_status(actix_web::http::StatusCode::OK, page)
}

/// A page shown back with what to fix (422), or with another status.
pub fn html_status(status: actix_web::http::StatusCode, page: impl Template) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::build(status).content_type("text/html; charset=utf-8").body(page.render()?))
}

pub use format::{china_time, image_response, mask_email, yuan};

/// `now`, in UTC, as stored: to the microsecond, the precision both
/// databases keep, so a time read back equals the time written.
pub fn now() -> chrono::NaiveDateTime {
    use chrono::SubsecRound;
    chrono::Utc::now().naive_utc().trunc_subsecs(6)
}
