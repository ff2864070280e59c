//! The HTTP layer: routes, pages and the JSON API. Handlers parse input into
//! domain types, call storage inside `web::block`, and render templates.

pub mod api;
pub mod assets;
pub mod charts;
pub mod find;
pub mod format;
pub mod health;
pub mod lang;
pub mod multipart;
pub mod ops;
pub mod pages;
pub mod rate_limit;
pub mod redirect;
pub mod route_table;
pub mod satisfaction;
pub mod session;
pub mod sms_hooks;
pub mod staff;
pub mod thumbs;
pub mod tickets;
pub mod tracking;

use actix_web::http::Method;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::config::Config;
use crate::db::{DbConn, DbPool};
use crate::domain::codes::Role;
use crate::error::AppError;
pub use route_table::{Access, Endpoint, RouteTable};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// Set when the server drains (`startup::Drainer`): `/readyz` says 503.
    pub draining: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// This server's share of the time-driven work, for `/metrics`.
    pub sweeps: std::sync::Arc<crate::jobs::sweeps::SweepStats>,
    /// For reads (and the odd small write); see `db::Pools`.
    pub pool: DbPool,
    /// For work that writes.
    pub writer: DbPool,
    /// A PostgreSQL streaming replica for the queue, the dashboard and the
    /// API's lists (`--database-read-url`), if any.
    pub replica: Option<DbPool>,
    pub config: Config,
    /// Absolute base of the links we hand out, without a trailing slash.
    pub public_url: String,
    /// Where email goes when no SMTP server is configured.
    pub mail_dir: Option<String>,
    /// The routing rules and SLA targets, checked at start.
    pub rules: std::sync::Arc<crate::routing::Rules>,
    pub metrics: std::sync::Arc<ops::Metrics>,
    pub limits: std::sync::Arc<rate_limit::RateLimits>,
    /// The payment providers and order system paydesk may ask (issue 17).
    pub payments: std::sync::Arc<crate::payments::Payments>,
    /// What the SMS provider's pushes must carry (`web::sms_hooks`); none:
    /// pushes are refused.
    pub sms_push_token: Option<crate::domain::secret::Secret<String>>,
}

impl AppState {
    /// Counts a ticket or customer message from this request's client.
    pub async fn check_intake_rate(&self, req: &actix_web::HttpRequest) -> Result<(), AppError> {
        self.limits.intake.check_request(req, rate_limit::client_address(req, &self.config)).await
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

    /// Reads that may come from the read replica (`--database-read-url`):
    /// the queue, the dashboard, the API's lists. A browser that wrote a
    /// moment ago ([`replica_reads`]) reads the primary, so it sees its own
    /// change; so does any read outside a request.
    pub async fn db_replica<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let primary = READ_PRIMARY.try_with(|p| *p).unwrap_or(true);
        match &self.replica {
            Some(replica) if !primary => run(replica.clone(), f).await,
            _ => run(self.pool.clone(), f).await,
        }
    }

    /// Runs storage code that writes, on the writers' connection.
    pub async fn write<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        run(self.writer.clone(), f).await
    }

    /// Runs storage code that writes, in one transaction on the writers'
    /// connection: an admin's change and its audit row commit together, or
    /// neither does. (Operations in `ops` open their own.)
    pub async fn transact<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        self.write(move |c| diesel::Connection::transaction(c, f)).await
    }
}

tokio::task_local! {
    /// Whether this request reads the primary (it, or the browser sending
    /// it, wrote a moment ago).
    static READ_PRIMARY: bool;
}

/// The cookie that says "this browser wrote a moment ago".
const FRESH_COOKIE: &str = "paydesk_fresh";

/// How long after a write a browser reads the primary: longer than a
/// streaming replica's usual lag.
pub const READ_YOUR_WRITES: std::time::Duration = std::time::Duration::from_secs(5);

/// With a read replica: a request that changes something marks its
/// browser to read the primary for [`READ_YOUR_WRITES`] (a short cookie,
/// so it holds whichever server answers next); a request from a marked
/// browser reads the primary.
pub async fn replica_reads(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    use actix_web::http::Method;
    let replica = req.app_data::<web::Data<AppState>>().is_some_and(|s| s.replica.is_some());
    if !replica {
        return READ_PRIMARY.scope(true, next.call(req)).await;
    }
    let writes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let fresh = req.cookie(FRESH_COOKIE).is_some();
    let mut res = READ_PRIMARY.scope(writes || fresh, next.call(req)).await?;
    if writes && res.status().as_u16() < 400 {
        let cookie = actix_web::cookie::Cookie::build(FRESH_COOKIE, "1")
            .path("/")
            .http_only(true)
            .same_site(actix_web::cookie::SameSite::Lax)
            .max_age(actix_web::cookie::time::Duration::seconds(READ_YOUR_WRITES.as_secs() as i64))
            .finish();
        let _ = res.response_mut().add_cookie(&cookie);
    }
    Ok(res)
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

/// Every route, in one table (see `route_table`): who may call it is
/// declared beside it, and checked by the handler's extractor.
pub fn table() -> RouteTable {
    use Access::*;
    let mut t = RouteTable::default();
    t.get("/", Public, pages::home)
        .get("/help/{symptom}", Public, pages::help)
        .get("/lang/{code}", Public, lang::switch)
        .get("/tickets/new", Public, tickets::new_form)
        .post("/tickets", Public, tickets::create)
        .get("/find", Public, find::form)
        .post("/find", Public, find::submit)
        .post("/find/phone", Public, find::phone)
        .post("/find/code", Public, find::code)
        .get("/s/{code}", Public, sms_hooks::short_link)
        .post("/hooks/sms/aliyun/report", Public, sms_hooks::report)
        .post("/hooks/sms/aliyun/up", Public, sms_hooks::up)
        .get("/t/{token}", TrackingLink, tracking::show)
        .get("/t/{token}/created", TrackingLink, tracking::created)
        .post("/t/{token}/messages", TrackingLink, tracking::add_message)
        .post("/t/{token}/facts", TrackingLink, tracking::add_facts)
        .post("/t/{token}/complaint", TrackingLink, tracking::ask_supervisor)
        .get("/t/{token}/screenshots/{id}", TrackingLink, tracking::screenshot)
        .get("/t/{token}/rate", TrackingLink, satisfaction::form)
        .post("/t/{token}/rate", TrackingLink, satisfaction::submit)
        .post("/api/v1/tickets", Public, api::create_ticket)
        .get("/api/v1/tickets", Api(Role::Agent), api::staff::list)
        .get("/api/v1/tickets/{reference}", Api(Role::Agent), api::staff::show)
        .add(Method::PATCH, "/api/v1/tickets/{reference}", Api(Role::Agent), api::staff::update)
        .post("/api/v1/tickets/{reference}/replies", Api(Role::Agent), api::staff::reply)
        .get("/api/v1/tickets/{reference}/events", Api(Role::Agent), api::staff::events)
        .get("/api/v1/tickets/{reference}/screenshots/{id}", Api(Role::Agent), api::staff::screenshot)
        .get("/api/v1/openapi.json", Public, api::openapi)
        .get("/healthz", Public, health::healthz)
        .get("/readyz", Public, ops::readyz);
    staff::routes(&mut t);
    t
}

/// What answers a request no route took: 405 with `Allow` when the path
/// is one of ours under another method (RFC 9110 §15.5.6), else 404.
pub async fn fallback(req: actix_web::HttpRequest) -> Result<HttpResponse, AppError> {
    use std::sync::OnceLock;
    static PATHS: OnceLock<Vec<(actix_web::dev::ResourceDef, Method)>> = OnceLock::new();
    let paths = PATHS.get_or_init(|| {
        let mut paths: Vec<_> =
            endpoints().into_iter().map(|e| (actix_web::dev::ResourceDef::new(e.path), e.method)).collect();
        for asset in [
            "/static/style.css",
            "/static/favicon.svg",
            "/favicon.ico",
            "/static/form.js",
            "/static/copy.js",
            "/static/reply.js",
        ] {
            paths.push((actix_web::dev::ResourceDef::new(asset), Method::GET));
        }
        paths
    });
    let allowed: Vec<&str> =
        paths.iter().filter(|(def, _)| def.is_match(req.path())).map(|(_, m)| m.as_str()).collect();
    if allowed.is_empty() {
        return Err(AppError::NotFound);
    }
    Err(AppError::MethodNotAllowed(allowed.join(", ")))
}

/// Every route with who may call it, in registration order.
pub fn endpoints() -> Vec<Endpoint> {
    table().endpoints()
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    table().register(cfg);
}

/// Renders a page template as an HTML response.
pub fn html(page: impl Template) -> Result<HttpResponse, AppError> {
    html_status(actix_web::http::StatusCode::OK, page)
}

/// A page shown back with what to fix (422), or with another status.
pub fn html_status(status: actix_web::http::StatusCode, page: impl Template) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::build(status).content_type("text/html; charset=utf-8").body(page.render()?))
}

pub use crate::clock::now;
pub use crate::present::{china_time, mask_email, yuan};
pub use format::image_response;
