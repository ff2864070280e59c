//! Operations: Prometheus metrics, readiness, and a request id on every
//! request (in its log line and its `X-Request-Id` answer header).

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpResponse};
use diesel::prelude::*;
use prometheus::{Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder};
use tracing::Instrument;

use super::AppState;
use crate::db::outbox::{self};
use crate::db::schema::tickets;
use crate::domain::codes::{MailStatus, Queue, Status};
use crate::error::AppError;

/// This instance's metrics. One registry per server, so several servers in
/// one process (the tests) keep theirs apart.
pub struct Metrics {
    registry: Registry,
    pub requests: HistogramVec,
    pub filed: IntCounterVec,
    queue_depth: IntGaugeVec,
    outbox: IntGaugeVec,
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        let requests = HistogramVec::new(
            HistogramOpts::new("paydesk_http_request_duration_seconds", "Time to answer a request, by route pattern")
                .buckets(vec![0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5]),
            &["method", "route", "status"],
        )
        .expect("valid histogram");
        let filed =
            IntCounterVec::new(Opts::new("paydesk_tickets_filed_total", "Tickets filed, by kind of case"), &["kind"])
                .expect("valid counter");
        let queue_depth = IntGaugeVec::new(
            Opts::new("paydesk_queue_depth", "Open tickets, by queue and status"),
            &["queue", "status"],
        )
        .expect("valid gauge");
        let outbox = IntGaugeVec::new(
            Opts::new("paydesk_outbox_messages", "Outgoing email, by state (pending, dead)"),
            &["state"],
        )
        .expect("valid gauge");
        for c in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(filed.clone()),
            Box::new(queue_depth.clone()),
            Box::new(outbox.clone()),
        ] {
            registry.register(c).expect("each metric registered once");
        }
        Metrics { registry, requests, filed, queue_depth, outbox }
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// `GET /metrics`, Prometheus text format.
pub async fn metrics(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let (depths, pending, dead) = state
        .db(|c| {
            let depths: Vec<(Queue, Status, i64)> = tickets::table
                .filter(tickets::status.eq_any(Status::OPEN))
                .group_by((tickets::queue, tickets::status))
                .select((tickets::queue, tickets::status, diesel::dsl::count_star()))
                .load(c)?;
            Ok((depths, outbox::count(c, MailStatus::Pending)?, outbox::count(c, MailStatus::Dead)?))
        })
        .await?;
    let m = &state.metrics;
    m.queue_depth.reset();
    for (queue, status, n) in depths {
        m.queue_depth.with_label_values(&[queue.as_str(), status.as_str()]).set(n);
    }
    m.outbox.with_label_values(&["pending"]).set(pending);
    m.outbox.with_label_values(&["dead"]).set(dead);
    let mut body = Vec::new();
    TextEncoder::new().encode(&m.registry.gather(), &mut body).map_err(|e| AppError::Internal(e.to_string()))?;
    // This server's share of the time-driven work (one server sweeps).
    use std::sync::atomic::Ordering::Relaxed;
    body.extend_from_slice(
        format!(
            "# HELP paydesk_sweeps_total Sweeps this server ran\n# TYPE paydesk_sweeps_total counter\n\
             paydesk_sweeps_total {}\n# HELP paydesk_sweeper_leader 1 while this server holds the sweeper lease\n\
             # TYPE paydesk_sweeper_leader gauge\npaydesk_sweeper_leader {}\n",
            state.sweeps.sweeps.load(Relaxed),
            u8::from(state.sweeps.leading.load(Relaxed))
        )
        .as_bytes(),
    );
    Ok(HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(body))
}

/// `GET /readyz`: ready to take traffic (the database answers and the
/// schema is there, and the server is not draining).
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    if state.draining.load(std::sync::atomic::Ordering::SeqCst) {
        return Err(AppError::Unavailable("draining".into()));
    }
    state
        .db(|c| {
            tickets::table
                .select(tickets::id)
                .limit(1)
                .load::<String>(c)
                .map_err(|e| AppError::Unavailable(e.to_string()))
        })
        .await?;
    Ok(HttpResponse::Ok().content_type("text/plain").body("ready"))
}

/// The id of the request being answered.
#[derive(Clone)]
pub struct RequestId(pub String);

const REQUEST_ID: &str = "x-request-id";

/// Gives every request an id (a caller's `X-Request-Id` when it is sane),
/// logs one line per request within it, answers it in the header, and
/// records the request's duration.
pub async fn trace(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let method = req.method().clone();
    let metrics = req.app_data::<web::Data<AppState>>().map(|s| s.metrics.clone());
    let span = tracing::info_span!("request", id = %id);
    let mut res = next.call(req).instrument(span.clone()).await?;
    // The route pattern (`/t/{token}`), never the path: no secret or
    // personal data reaches the logs or the metrics' labels.
    let route = res.request().match_pattern().unwrap_or_else(|| "-".to_string());
    let status = res.status().as_u16();
    let elapsed = started.elapsed();
    span.in_scope(|| tracing::info!(%method, route, status, ms = elapsed.as_secs_f64() * 1000.0, "request"));
    if let Some(m) = metrics {
        m.requests
            .with_label_values(&[method.as_str(), route.as_str(), &status.to_string()])
            .observe(elapsed.as_secs_f64());
    }
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(HeaderName::from_static(REQUEST_ID), value);
    }
    Ok(res)
}
