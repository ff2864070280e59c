//! The REST API for integrations: the queue, a ticket, replies and changes.
//! Bearer tokens (personal API tokens), the same role checks as the pages,
//! JSON errors with the right status codes.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::ApiError;
use crate::auth::ApiStaff;
use crate::db::queue::{self, Cursor, Viewer};
use crate::db::routing::{self, Escalation};
use crate::db::tickets::{self as store, Ticket};
use crate::db::users;
use crate::domain::codes::{Priority, Status};
use crate::domain::reference::normalize_reference;
use crate::domain::text;
use crate::error::AppError;
use crate::ops::{self, Actor, Seen};
use crate::web::payment::PaymentView;
use crate::web::staff::queue::{QueueQuery, PAGE_SIZE};
use crate::web::{now, AppState};

fn rfc3339(t: chrono::NaiveDateTime) -> String {
    t.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A ticket's entity tag: its version, which every change raises.
fn etag(t: &Ticket) -> String {
    format!("\"{}\"", t.version)
}

/// A ticket as JSON with its `ETag`.
fn ticket_response(
    mut res: actix_web::HttpResponseBuilder,
    t: &Ticket,
    name: Option<String>,
    esc: Option<Escalation>,
    pay: PaymentView,
    state: &AppState,
) -> HttpResponse {
    res.insert_header((header::ETAG, etag(t))).json(ticket_json(t, name, esc, &pay, state))
}

/// What `If-Match` says the client saw: absent or `*` is the ticket as it
/// is; a tag is a version. A list matches when any of its tags is the
/// current version. If-Match compares strongly (RFC 9110 §13.1.1): a weak
/// `W/` tag never matches.
fn if_match(req: &HttpRequest, current: &Ticket) -> Result<Seen, ApiError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else { return Ok(Seen::Latest) };
    let value = value.to_str().map_err(|_| AppError::PreconditionFailed)?.trim();
    if value == "*" {
        return Ok(Seen::Latest);
    }
    let tags: Vec<Option<i64>> =
        value.split(',').map(|tag| tag.trim().strip_prefix('"')?.strip_suffix('"')?.parse().ok()).collect();
    match tags.as_slice() {
        [Some(v)] => Ok(Seen::Version(*v)),
        _ if tags.contains(&Some(current.version)) => Ok(Seen::Version(current.version)),
        _ => Err(AppError::PreconditionFailed.into()),
    }
}

/// An action's refusal as the API says it: a stale `If-Match` is 412.
fn precondition(e: AppError) -> ApiError {
    match e {
        AppError::Stale { .. } => AppError::PreconditionFailed.into(),
        e => e.into(),
    }
}

/// Every fact of a ticket, as staff see it.
fn ticket_json(
    t: &Ticket,
    assignee_name: Option<String>,
    escalation: Option<Escalation>,
    pay: &PaymentView,
    state: &AppState,
) -> Value {
    let (payment_check, payment_checks) = pay.json();
    json!({
        "reference": t.reference,
        "status": t.status,
        "case_kind": t.case_kind,
        "queue": t.queue,
        "priority": t.priority,
        "assignee": t.assignee_id.as_ref().map(|id| json!({ "id": id, "name": assignee_name })),
        "due_at": rfc3339(t.due_at),
        "first_response_at": t.first_response_at.map(rfc3339),
        "created_at": rfc3339(t.created_at),
        "updated_at": rfc3339(t.updated_at),
        "language": t.language,
        "platform": t.platform,
        "payment_scenario": t.payment_scenario,
        "payment_method": t.payment_method,
        "failing_step": t.failing_step,
        "symptom": t.symptom,
        "error_code": t.error_code,
        "error_message": t.error_message,
        "city": t.city,
        "account_number": t.account_masked,
        "checks_tried": t.checks_tried.codes().collect::<Vec<_>>(),
        "occurred_at": t.occurred_at.map(rfc3339),
        "amount": t.amount_cents.map(crate::web::format::amount),
        "order_number": t.order_number,
        "contact_email": t.contact_email,
        "description": t.description,
        "missing_facts": t.missing_facts().iter().map(|f| f.as_str()).collect::<Vec<_>>(),
        "screenshot_count": t.screenshot_count,
        "routing": { "rule": t.routing_rule, "facts": t.routing_facts },
        "escalation": escalation.map(|e| json!({ "id": e.id, "target": e.target, "status": e.status })),
        "payment_check": payment_check,
        "payment_checks": payment_checks,
        "refunds": pay.refunds_json(),
        "url": format!("{}/agent/tickets/{}", state.public_url, t.reference),
    })
}

async fn load(
    state: &AppState,
    reference: &str,
) -> Result<(Ticket, Option<String>, Option<Escalation>, PaymentView), AppError> {
    let reference = normalize_reference(reference).ok_or(AppError::NotFound)?;
    state
        .db(move |c| {
            let t = store::find_by_reference(c, &reference)?.ok_or(AppError::NotFound)?;
            let name = match &t.assignee_id {
                Some(id) => users::find(c, id)?.map(|u| u.name),
                None => None,
            };
            let escalation = match &t.escalation_id {
                Some(id) => routing::escalation(c, id)?,
                None => None,
            };
            let pay = PaymentView::load(c, &t.id)?;
            Ok((t, name, escalation, pay))
        })
        .await
}

/// `GET /api/v1/tickets`: the queue's views and filters; `view` defaults to
/// all open tickets.
pub async fn list(
    ApiStaff(me): ApiStaff,
    q: web::Query<QueueQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut q = q.into_inner();
    // Absent or empty: the documented default.
    q.view = q.view.filter(|v| !v.trim().is_empty()).or(Some("open".into()));
    let (view, filter, after) = q.parse()?;
    let rows = state
        .db(move |c| {
            let viewer = Viewer { id: &me.id, queues: &me.queues };
            Ok(queue::page(c, &viewer, view, &filter, after.as_ref(), PAGE_SIZE, now())?)
        })
        .await?;
    let next = (rows.len() as i64 == PAGE_SIZE)
        .then(|| rows.last().map(|r| Cursor { due_at: r.due_at, id: r.id.clone() }.encode()))
        .flatten();
    let tickets: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "reference": r.reference,
                "status": r.status,
                "case_kind": r.case_kind,
                "queue": r.queue,
                "priority": r.priority,
                "city": r.city,
                "failing_step": r.failing_step,
                "assignee": r.assignee_id.as_ref().map(|id| json!({ "id": id, "name": r.assignee_name })),
                "created_at": rfc3339(r.created_at),
                "due_at": rfc3339(r.due_at),
                "missing_facts": r.missing_facts().iter().map(|f| f.as_str()).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "tickets": tickets, "next": next })))
}

/// `GET /api/v1/tickets/{reference}`.
pub async fn show(reference: web::Path<String>, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let (t, name, esc, pay) = load(&state, &reference).await?;
    Ok(ticket_response(HttpResponse::Ok(), &t, name, esc, pay, &state))
}

#[derive(Deserialize)]
pub struct ReplyBody {
    body: String,
    /// An internal note instead of a public reply.
    #[serde(default)]
    internal: bool,
    /// The status after a public reply (default `pending_customer`).
    status: Option<String>,
}

use super::invalid_field as unprocessable;

const THEN_STATUSES: &str = "Use open, pending_customer or resolved.";

/// `POST /api/v1/tickets/{reference}/replies`.
pub async fn reply(
    ApiStaff(me): ApiStaff,
    req: HttpRequest,
    reference: web::Path<String>,
    body: web::Json<ReplyBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (t, _, _, _) = load(&state, &reference).await?;
    let Ok(Some(text)) = text::clean(&body.body, text::limits::STAFF_MESSAGE, true) else {
        let max = text::limits::STAFF_MESSAGE;
        return Ok(unprocessable(
            "body",
            &format!("Write the reply's text (at most {max} characters, no control characters)."),
        ));
    };
    // Which statuses may follow a reply, and that a closed ticket takes no
    // message, is the operation's rule (checked on the locked ticket).
    let then = match body.status.as_deref() {
        None => Status::PendingCustomer,
        Some(s) => match Status::parse(s) {
            Some(s) => s,
            None => return Ok(unprocessable("status", THEN_STATUSES)),
        },
    };
    let seen = if_match(&req, &t)?;
    let internal = body.internal;
    let rules = state.rules.clone();
    let id = t.id.clone();
    let result = state
        .write(move |c| {
            let actor = Actor { id: &me.id, name: &me.name };
            if internal {
                ops::ticket::note(c, &id, seen, &text, &actor, now())
            } else {
                ops::ticket::reply(c, &id, seen, &text, then, &rules, &actor, now())
            }
        })
        .await;
    match result {
        Ok(()) => {}
        Err(AppError::Conflict("reply")) => return Ok(unprocessable("status", THEN_STATUSES)),
        Err(e) => return Err(precondition(e)),
    }
    let (t, name, esc, pay) = load(&state, &t.reference).await?;
    Ok(ticket_response(HttpResponse::Created(), &t, name, esc, pay, &state))
}

#[derive(Deserialize)]
pub struct Patch {
    status: Option<String>,
    priority: Option<String>,
    /// A user id, or null to unassign.
    #[serde(default, deserialize_with = "present")]
    assignee: Option<Option<String>>,
}

/// Tells an absent field (`None`) from an explicit null (`Some(None)`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// `PATCH /api/v1/tickets/{reference}`: status, priority, assignee, all in
/// one transaction on the ticket as it is then (or as `If-Match` says).
pub async fn update(
    ApiStaff(me): ApiStaff,
    req: HttpRequest,
    reference: web::Path<String>,
    body: web::Json<Patch>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (t, _, _, _) = load(&state, &reference).await?;
    let seen = if_match(&req, &t)?;
    let status = match body.status.as_deref() {
        None => None,
        Some(s) => match Status::parse(s) {
            Some(s) => Some(s),
            None => return Ok(unprocessable("status", "Unknown status.")),
        },
    };
    let priority = match body.priority.as_deref() {
        None => None,
        Some(p) => match Priority::parse(p) {
            Some(p) => Some(p),
            None => return Ok(unprocessable("priority", "Use low, normal, high or urgent.")),
        },
    };
    let patch = ops::ticket::Patch { assignee: body.assignee.clone(), priority, status };
    let rules = state.rules.clone();
    let id = t.id.clone();
    let result = state
        .write(move |c| {
            let actor = Actor { id: &me.id, name: &me.name };
            ops::ticket::update(c, &id, seen, patch, &rules, &actor, now())
        })
        .await;
    match result {
        Ok(()) => {}
        Err(AppError::BadRequest("assignee")) => return Ok(unprocessable("assignee", "No active user has this id.")),
        Err(e) => return Err(precondition(e)),
    }
    let (t, name, esc, pay) = load(&state, &t.reference).await?;
    Ok(ticket_response(HttpResponse::Ok(), &t, name, esc, pay, &state))
}
