//! The REST API for integrations: the queue, a ticket, replies and changes.
//! Bearer tokens (personal API tokens), the same role checks as the pages,
//! JSON errors with the right status codes.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::ApiError;
use crate::auth::ApiStaff;
use crate::db::queue::{self, Cursor, FeedCursor, RowData, Viewer};
use crate::db::routing::Escalation;
use crate::db::tickets::{self as store, Ticket};
use crate::db::users;
use crate::domain::codes::{Priority, Status};
use crate::domain::reference::normalize_reference;
use crate::domain::text;
use crate::error::{AppError, Refusal};
use crate::ops::{self, Actor, Seen};
use crate::present::document::{details, ticket_json};
use crate::present::payment::PaymentView;
use crate::present::rfc3339;
use crate::web::staff::queue::{QueueQuery, PAGE_SIZE};
use crate::web::{now, AppState};

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
    res.insert_header((header::ETAG, etag(t))).json(ticket_json(t, name, esc, &pay, &state.public_url))
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
async fn load(
    state: &AppState,
    reference: &str,
) -> Result<(Ticket, Option<String>, Option<Escalation>, PaymentView), AppError> {
    let reference = normalize_reference(reference).ok_or(AppError::NotFound)?;
    state
        .db(move |c| {
            let t = store::find_by_reference(c, &reference)?.ok_or(AppError::NotFound)?;
            let (name, escalation, pay) = details(c, &t)?;
            Ok((t, name, escalation, pay))
        })
        .await
}

/// The most a page of the API's list holds.
pub const MAX_LIMIT: i64 = 200;

/// A row of the list and the feed.
fn row_json(r: &RowData) -> Value {
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
        "updated_at": rfc3339(r.updated_at),
        "due_at": rfc3339(r.due_at),
        "version": r.version,
        "missing_facts": r.missing_facts().iter().map(|f| f.as_str()).collect::<Vec<_>>(),
    })
}

/// `GET /api/v1/tickets`: the queue's views and filters (`view` defaults to
/// all open tickets), or with `updated_since` the change feed: every ticket
/// changed since then, resolved and closed included, in the order the
/// changes were committed, followed with `next` (see `queue::FeedCursor`).
pub async fn list(
    ApiStaff(me): ApiStaff,
    q: web::Query<QueueQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut q = q.into_inner();
    let limit = match q.limit.as_deref() {
        None => PAGE_SIZE,
        Some(l) => {
            l.parse::<i64>().ok().filter(|l| (1..=MAX_LIMIT).contains(l)).ok_or(AppError::BadRequest("limit"))?
        }
    };
    let since = q.updated_since.as_deref().map(str::trim).filter(|s| !s.is_empty());
    // A feed's cursor has dots; the queue's a tilde.
    let feed_after = q.after.as_deref().filter(|a| a.contains('.')).map(str::to_string);
    let feed = match (&feed_after, since) {
        (Some(after), _) => Some(FeedCursor::decode(after).ok_or(AppError::BadRequest("cursor"))?),
        (None, Some(since)) => {
            let since =
                chrono::DateTime::parse_from_rfc3339(since).map_err(|_| AppError::BadRequest("updated_since"))?;
            Some(FeedCursor::start(since.naive_utc()))
        }
        (None, None) => None,
    };
    // Absent or empty: the documented default (the feed: every ticket).
    let default_view = if feed.is_some() { "all" } else { "open" };
    q.view = q.view.filter(|v| !v.trim().is_empty()).or(Some(default_view.into()));
    if feed.is_some() {
        q.after = None;
    }
    let (view, filter, after) = q.parse()?;
    if let Some(at) = feed {
        let (rows, next, caught_up) = state
            .db_replica(move |c| {
                let viewer = Viewer { id: &me.id, queues: &me.queues };
                Ok(queue::feed(c, &viewer, view, &filter, &at, limit, now())?)
            })
            .await?;
        let tickets: Vec<Value> = rows.iter().map(row_json).collect();
        return Ok(
            HttpResponse::Ok().json(json!({ "tickets": tickets, "next": next.encode(), "caught_up": caught_up }))
        );
    }
    let rows = state
        .db_replica(move |c| {
            let viewer = Viewer { id: &me.id, queues: &me.queues };
            Ok(queue::page(c, &viewer, view, &filter, after.as_ref(), limit, now())?)
        })
        .await?;
    let next = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|r| Cursor { due_at: r.due_at, id: r.id.clone() }.encode()))
        .flatten();
    let tickets: Vec<Value> = rows.iter().map(row_json).collect();
    Ok(HttpResponse::Ok().json(json!({ "tickets": tickets, "next": next })))
}

/// `GET /api/v1/tickets/{reference}/events`: the ticket's conversation,
/// oldest first: what the customer saw and, marked `internal`, the notes
/// and records only staff see; each entry with its screenshots' links.
pub async fn events(reference: web::Path<String>, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let reference = normalize_reference(&reference).ok_or(AppError::NotFound)?;
    let (t, events, shots, names) = state
        .db(move |c| {
            let t = store::find_by_reference(c, &reference)?.ok_or(AppError::NotFound)?;
            let events = store::full_timeline(c, &t.id)?;
            let shots = store::screenshot_list(c, &t.id)?;
            let mut names = std::collections::HashMap::new();
            for id in events.iter().filter_map(|e| e.author_id.clone()) {
                if let std::collections::hash_map::Entry::Vacant(slot) = names.entry(id) {
                    let name = users::find(c, slot.key())?.map(|u| u.name);
                    slot.insert(name);
                }
            }
            Ok((t, events, shots, names))
        })
        .await?;
    let first = events.first().map(|e| e.id.clone());
    let list: Vec<Value> = events
        .iter()
        .map(|e| {
            // A screenshot filed with the request belongs to its first entry.
            let screenshots: Vec<Value> = shots
                .iter()
                .filter(|s| s.event_id.as_ref().or(first.as_ref()) == Some(&e.id))
                .map(|s| {
                    json!({
                        "id": s.id,
                        "content_type": s.content_type,
                        "width": s.width,
                        "height": s.height,
                        "byte_size": s.byte_size,
                        "url": format!("{}/api/v1/tickets/{}/screenshots/{}", state.public_url, t.reference, s.id),
                    })
                })
                .collect();
            json!({
                "id": e.id,
                "kind": e.kind,
                "author_kind": e.author_kind,
                "author": e.author_id.as_ref().map(|id| json!({ "id": id, "name": names.get(id).cloned().flatten() })),
                "internal": !e.is_public,
                "body": e.body,
                "created_at": rfc3339(e.created_at),
                "screenshots": screenshots,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "reference": t.reference, "events": list })))
}

/// `GET /api/v1/tickets/{reference}/screenshots/{id}`: one screenshot's
/// image, to staff with a token (the pages' link needs a session).
pub async fn screenshot(
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (reference, id) = path.into_inner();
    let reference = normalize_reference(&reference).ok_or(AppError::NotFound)?;
    let (kind, data) = state
        .db(move |c| {
            let t = store::find_by_reference(c, &reference)?.ok_or(AppError::NotFound)?;
            store::screenshot_data(c, &t.id, &id)?.ok_or(AppError::NotFound)
        })
        .await?;
    Ok(crate::web::image_response(kind, data))
}

/// `GET /api/v1/tickets/{reference}`.
pub async fn show(reference: web::Path<String>, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let (t, name, esc, pay) = load(&state, &reference).await?;
    Ok(ticket_response(HttpResponse::Ok(), &t, name, esc, pay, &state))
}

/// A JSON body read as `T`, only from an object: serde would also fill a
/// struct from an array of its fields in order, which no client means.
fn object<T: serde::de::DeserializeOwned>(body: Value) -> Result<T, ApiError> {
    if !body.is_object() {
        return Err(AppError::BadRequest("a JSON object is expected").into());
    }
    serde_json::from_value(body).map_err(|_| AppError::BadRequest("json").into())
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

/// What a reply's `status` may be (`Status::AFTER_REPLY`), as the problem
/// says it: "Use open, pending_customer or resolved."
fn then_statuses() -> String {
    let mut codes: Vec<&str> = Status::AFTER_REPLY.iter().map(|s| s.as_str()).collect();
    codes.sort_unstable();
    let last = codes.pop().unwrap_or_default();
    format!("Use {} or {last}.", codes.join(", "))
}

/// `POST /api/v1/tickets/{reference}/replies`.
pub async fn reply(
    ApiStaff(me): ApiStaff,
    req: HttpRequest,
    reference: web::Path<String>,
    body: web::Json<Value>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body: ReplyBody = object(body.into_inner())?;
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
            None => return Ok(unprocessable("status", &then_statuses())),
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
        Err(AppError::Refused(Refusal::StatusAfterReply)) => return Ok(unprocessable("status", &then_statuses())),
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
    body: web::Json<Value>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body: Patch = object(body.into_inner())?;
    let (t, _, _, _) = load(&state, &reference).await?;
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
    // The body is checked before the precondition: a request that could
    // never succeed is told why, whatever version it names.
    let seen = if_match(&req, &t)?;
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
