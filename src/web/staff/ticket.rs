//! The staff ticket page: every fact, the screenshots, the whole timeline
//! (internal notes included) and the actions.

use std::collections::HashMap;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::Chrome;
use crate::auth::csrf::CsrfToken;
use crate::auth::Staff;
use crate::db::actions::{self, Actor, Seen};
use crate::db::canned::{self, Canned};
use crate::db::incidents;
use crate::db::tickets::{self as store, event_kind, Ticket};
use crate::db::users::{self, User};
use crate::db::DbConn;
use crate::domain::codes::*;
use crate::domain::facts::Fact;
use crate::domain::reference::normalize_reference;
use crate::domain::sla::SlaState;
use crate::domain::text;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::web::lang::PageLang;
use crate::web::tracking::{event_view, facts, EventView, ShotView};
use crate::web::{china_time, now, AppState};

const BODY_MAX: usize = 8000;

pub struct StaffEvent {
    pub view: EventView,
    pub internal: bool,
    pub author: String,
    /// Happened after the agent's page was opened (shown after a collision).
    pub changed: bool,
}

pub struct Option_ {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "staff/ticket.html")]
struct TicketPage {
    lang: Lang,
    path: String,
    me: Staff,
    csrf: String,
    t: Ticket,
    status: String,
    kind: String,
    queue: String,
    priority_label: String,
    assignee: String,
    due: String,
    sla: SlaState,
    customer_language: String,
    merged_into: Option<String>,
    /// The escalation's target and state, when it has one.
    escalation: Option<String>,
    /// The incident it belongs to: (id, title, state, its latest public update).
    incident: Option<(String, String, String, Option<String>)>,
    facts: Vec<(String, String)>,
    missing: Vec<(&'static str, String)>,
    screenshots: Vec<ShotView>,
    events: Vec<StaffEvent>,
    staff: Vec<Option_>,
    statuses: Vec<Option_>,
    priorities: Vec<Option_>,
    canned: Vec<Canned>,
    reply_draft: String,
    note_draft: String,
    /// A refused action: (action, message).
    problem: Option<(String, String)>,
}

impl TicketPage {
    fn problem_for(&self, action: &str) -> String {
        match &self.problem {
            Some((a, m)) if a == action => m.clone(),
            _ => String::new(),
        }
    }
}

async fn load(state: &AppState, reference: &str) -> Result<Ticket, AppError> {
    let reference = normalize_reference(reference).ok_or(AppError::NotFound)?;
    state.db(move |c| store::find_by_reference(c, &reference)?.ok_or(AppError::NotFound)).await
}

fn options<T: Copy + PartialEq>(
    lang: Lang,
    all: &[T],
    code: fn(T) -> &'static str,
    key: fn(T) -> String,
    current: T,
) -> Vec<Option_> {
    all.iter().map(|v| Option_ { value: code(*v).into(), label: lang.t(&key(*v)), selected: *v == current }).collect()
}

struct Draft {
    reply: String,
    note: String,
    problem: Option<(String, String)>,
    /// After a collision: when the agent's page was opened; what happened
    /// since is marked on the timeline.
    since: Option<chrono::NaiveDateTime>,
}

async fn page(
    state: &AppState,
    chrome: Chrome,
    t: Ticket,
    canned_id: Option<String>,
    draft: Draft,
) -> Result<TicketPage, AppError> {
    let Chrome { lang, path, me, csrf } = chrome;
    let (ticket_id, language, merged_into) = (t.id.clone(), t.language, t.merged_into.clone());
    let case_kind = t.case_kind;
    let escalation_id = t.escalation_id.clone();
    let incident_id = t.incident_id.clone();
    let (events, shots, staff, canned, chosen, merged_ref, escalation, incident) = state
        .db(move |c| {
            let merged_ref = match merged_into {
                Some(id) => store::find_by_id(c, &id)?.map(|m| m.reference),
                None => None,
            };
            let escalation = match &escalation_id {
                Some(id) => crate::db::routing::escalation(c, id)?.map(|e| format!("{} · {}", e.target, e.status)),
                None => None,
            };
            let incident = match &incident_id {
                Some(id) => match incidents::find(c, id)? {
                    Some(i) => {
                        let last = incidents::updates(c, id)?.pop();
                        let text =
                            last.map(|u| if lang == Lang::En && !u.body_en.is_empty() { u.body_en } else { u.body_zh });
                        Some((i.id, i.title, lang.t(&format!("inc-status-{}", i.status)), text))
                    }
                    None => None,
                },
                None => None,
            };
            let chosen = match canned_id {
                Some(id) => canned::find(c, &id)?,
                None => None,
            };
            Ok((
                store::full_timeline(c, &ticket_id)?,
                store::screenshot_list(c, &ticket_id)?,
                users::list(c)?,
                canned::for_ticket(c, language, case_kind)?,
                chosen,
                merged_ref,
                escalation,
                incident,
            ))
        })
        .await?;
    let names: HashMap<&str, &str> = staff.iter().map(|u| (u.id.as_str(), u.name.as_str())).collect();
    let events = events
        .into_iter()
        .map(|e| {
            let internal = !e.is_public;
            let author = e.author_id.as_deref().and_then(|id| names.get(id)).map(|n| n.to_string()).unwrap_or_default();
            let kind = e.kind.clone();
            let changed = draft.since.is_some_and(|since| e.created_at > since);
            let mut view = event_view(lang, e);
            // Staff see what assignment entries hold: the new assignee.
            if kind == event_kind::ASSIGNED && view.body.is_empty() {
                view.body = lang.t("agent-nobody");
            }
            StaffEvent { view, internal, author, changed }
        })
        .collect();
    let active: Vec<&User> = staff.iter().filter(|u| u.active).collect();
    let mut staff_options =
        vec![Option_ { value: String::new(), label: lang.t("agent-nobody"), selected: t.assignee_id.is_none() }];
    staff_options.extend(active.iter().map(|u| Option_ {
        value: u.id.clone(),
        label: u.name.clone(),
        selected: t.assignee_id.as_deref() == Some(u.id.as_str()),
    }));
    let now = now();
    let settable: Vec<Status> = Status::ALL.iter().copied().filter(|s| t.status.can_be_set_by_staff(*s)).collect();
    Ok(TicketPage {
        lang,
        path,
        csrf,
        status: t.status.label(lang),
        kind: t.case_kind.label(lang),
        queue: t.queue.label(lang),
        priority_label: t.priority.label(lang),
        assignee: t
            .assignee_id
            .as_deref()
            .and_then(|id| names.get(id))
            .map(|n| n.to_string())
            .unwrap_or_else(|| lang.t("agent-nobody")),
        due: china_time(t.due_at),
        sla: SlaState::of(t.due_at, now),
        customer_language: t.language.t("lang-name"),
        merged_into: merged_ref,
        escalation,
        incident,
        facts: facts(lang, &t, true),
        missing: t.missing_facts().into_iter().map(|f| (f.as_str(), lang.t(&f.label_key()))).collect(),
        screenshots: shots.into_iter().map(|s| ShotView { id: s.id, width: s.width, height: s.height }).collect(),
        events,
        staff: staff_options,
        statuses: settable
            .iter()
            .map(|s| Option_ { value: s.as_str().into(), label: lang.t(&s.label_key()), selected: false })
            .collect(),
        priorities: options(lang, Priority::ALL, Priority::as_str, Priority::label_key, t.priority),
        canned,
        reply_draft: chosen.map(|c| c.body).unwrap_or(draft.reply),
        note_draft: draft.note,
        problem: draft.problem,
        t,
        me,
    })
}

#[derive(Deserialize)]
pub struct ShowQuery {
    canned: Option<String>,
}

/// `GET /agent/tickets/{reference}` (`?canned=<id>` puts that canned reply
/// in the reply box, without JavaScript).
pub async fn show(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    reference: web::Path<String>,
    q: web::Query<ShowQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let t = load(&state, &reference).await?;
    let draft = Draft { reply: String::new(), note: String::new(), problem: None, since: None };
    crate::web::html(
        page(&state, Chrome { lang: p.lang, path: p.path, me, csrf: csrf.0 }, t, q.canned.clone(), draft).await?,
    )
}

/// `GET /agent/tickets/{reference}/screenshots/{id}`: staff only.
pub async fn screenshot(
    _me: Staff,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (reference, id) = path.into_inner();
    let t = load(&state, &reference).await?;
    let (kind, data) = state.db(move |c| store::screenshot_data(c, &t.id, &id)?.ok_or(AppError::NotFound)).await?;
    Ok(crate::web::image_response(kind, data))
}

/// Runs one action on the writer as this agent; the action reads the
/// ticket afresh inside its transaction.
async fn run<F>(state: &AppState, me: &Staff, ticket_id: &str, action: F) -> Result<(), AppError>
where
    F: FnOnce(&mut DbConn, &str, &Actor<'_>) -> Result<(), AppError> + Send + 'static,
{
    let (actor_id, actor_name, id) = (me.id.clone(), me.name.clone(), ticket_id.to_string());
    state.write(move |c| action(c, &id, &Actor { id: &actor_id, name: &actor_name })).await
}

/// The message asking a customer for facts, in their language.
pub fn ask_message(lang: Lang, facts: &[Fact]) -> String {
    let mut text = lang.t("ask-intro");
    for f in facts {
        text.push_str("\n- ");
        text.push_str(&lang.t(&f.label_key()));
    }
    text.push('\n');
    text.push_str(&lang.t("ask-outro"));
    text
}

/// `POST /agent/tickets/{reference}/{action}`: claim, assign, status,
/// priority, reply, note, ask, merge.
pub async fn act(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    path: web::Path<(String, String)>,
    form: web::Form<Vec<(String, String)>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form: HashMap<String, String> = form.into_inner().into_iter().collect();
    let field = |name: &str| form.get(name).map(|v| v.trim().to_string()).unwrap_or_default();
    csrf.check(&field("csrf"))?;
    let (reference, action) = path.into_inner();
    let t = load(&state, &reference).await?;
    let lang = p.lang;
    let refuse = |problem_key: &str, reply: String, note: String| Draft {
        reply,
        note,
        problem: Some((action.clone(), lang.t(problem_key))),
        since: None,
    };

    // What the agent saw: the version their page carried.
    let seen = field("version").parse().map(Seen::Version).unwrap_or(Seen::Latest);
    let seen_at = field("seen").parse::<i64>().ok().and_then(chrono::DateTime::from_timestamp_micros);
    let rules = state.rules.clone();
    let typed = form.get("body").cloned().unwrap_or_default();
    let result: Result<Option<Draft>, AppError> = match action.as_str() {
        "claim" => {
            let me_id = me.id.clone();
            run(&state, &me, &t.id, move |c, id, actor| actions::assign(c, id, seen, Some(&me_id), actor, now()))
                .await
                .map(|_| None)
        }
        "assign" => {
            let to_id = field("assignee");
            run(&state, &me, &t.id, move |c, id, actor| {
                let to = (!to_id.is_empty()).then_some(to_id.as_str());
                actions::assign(c, id, seen, to, actor, now())
            })
            .await
            .map(|_| None)
        }
        "status" => {
            let to = Status::parse(&field("status")).ok_or(AppError::BadRequest("status"))?;
            run(&state, &me, &t.id, move |c, id, actor| actions::set_status(c, id, seen, to, actor, now()))
                .await
                .map(|_| None)
        }
        "priority" => {
            let to = Priority::parse(&field("priority")).ok_or(AppError::BadRequest("priority"))?;
            run(&state, &me, &t.id, move |c, id, actor| actions::set_priority(c, id, seen, to, &rules, actor, now()))
                .await
                .map(|_| None)
        }
        "reply" => {
            let raw = typed.clone();
            let then = Status::parse(&field("then")).unwrap_or(Status::PendingCustomer);
            match text::clean(&raw, BODY_MAX, true) {
                Ok(Some(body)) => run(&state, &me, &t.id, move |c, id, actor| {
                    actions::reply(c, id, seen, &body, then, &rules, actor, now())
                })
                .await
                .map(|_| None),
                Ok(None) => Ok(Some(refuse("ticket-body-required", raw, String::new()))),
                Err(_) => Ok(Some(refuse("err-bad-characters", raw, String::new()))),
            }
        }
        "note" => {
            let raw = typed.clone();
            match text::clean(&raw, BODY_MAX, true) {
                Ok(Some(body)) => {
                    run(&state, &me, &t.id, move |c, id, actor| actions::note(c, id, seen, &body, actor, now()))
                        .await
                        .map(|_| None)
                }
                Ok(None) => Ok(Some(refuse("ticket-body-required", String::new(), raw))),
                Err(_) => Ok(Some(refuse("err-bad-characters", String::new(), raw))),
            }
        }
        "ask" => {
            let facts: Vec<Fact> =
                Fact::ALL.into_iter().filter(|f| form.contains_key(&format!("fact_{}", f.as_str()))).collect();
            if facts.is_empty() {
                Ok(Some(refuse("ticket-facts-required", String::new(), String::new())))
            } else {
                let body = ask_message(t.language, &facts);
                run(&state, &me, &t.id, move |c, id, actor| {
                    actions::ask_for_information(c, id, seen, &body, &rules, actor, now())
                })
                .await
                .map(|_| None)
                .or_else(|e| match e {
                    AppError::Conflict(_) => Ok(Some(refuse("ticket-facts-required", String::new(), String::new()))),
                    other => Err(other),
                })
            }
        }
        "merge" => {
            let into = normalize_reference(&field("into")).filter(|r| *r != t.reference);
            let target = match into {
                Some(r) => state.db(move |c| Ok(store::find_by_reference(c, &r)?)).await?,
                None => None,
            };
            match target {
                Some(into) => {
                    run(&state, &me, &t.id, move |c, id, actor| actions::merge(c, id, seen, &into.id, actor, now()))
                        .await
                        .map(|_| None)
                        .or_else(|e| match e {
                            AppError::Conflict(_) => {
                                Ok(Some(refuse("ticket-merge-unknown", String::new(), String::new())))
                            }
                            other => Err(other),
                        })
                }
                None => Ok(Some(refuse("ticket-merge-unknown", String::new(), String::new()))),
            }
        }
        _ => return Err(AppError::NotFound),
    };

    let (draft, status) = match result {
        Ok(None) => {
            let location = format!("/agent/tickets/{}#timeline", t.reference);
            return Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish());
        }
        Ok(Some(draft)) => (draft, StatusCode::UNPROCESSABLE_ENTITY),
        // Someone changed the ticket since this page was opened: show it as
        // it is now, with what changed marked, and keep what was typed.
        Err(AppError::Stale { .. }) => {
            let (reply, note) = match action.as_str() {
                "reply" => (typed, String::new()),
                "note" => (String::new(), typed),
                _ => (String::new(), String::new()),
            };
            let problem = Some(("conflict".to_string(), lang.t("ticket-conflict")));
            (Draft { reply, note, problem, since: seen_at.map(|d| d.naive_utc()) }, StatusCode::CONFLICT)
        }
        Err(e) => return Err(e),
    };
    // After a collision the page shows the ticket as it is now.
    let t = if status == StatusCode::CONFLICT { load(&state, &reference).await? } else { t };
    let view = page(&state, Chrome { lang, path: p.path, me, csrf: csrf.0 }, t, None, draft).await?;
    crate::web::html_status(status, view)
}
