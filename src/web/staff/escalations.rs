//! `/supervisor/escalations`: out-of-scope cases (and bugs, and money the
//! provider must trace) wait here for a supervisor before anything leaves
//! the company. One escalation groups every ticket about the same platform
//! and payment scenario.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::csrf::CsrfToken;
use crate::auth::Staff;
use crate::db::routing::{self, status, target, Escalation};
use crate::db::tickets::Ticket;
use crate::domain::codes::*;
use crate::domain::text;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::ops::escalation as transitions;
use crate::ops::ticket::Actor;
use crate::web::lang::PageLang;
use crate::web::{now, AppState};

pub struct TicketLine {
    pub reference: String,
    pub city: String,
    pub step: String,
    pub error: String,
    pub checks: String,
}

pub struct EscalationView {
    pub e: Escalation,
    pub target: String,
    pub platform: String,
    pub scenario: String,
    pub tickets: Vec<TicketLine>,
}

#[derive(Template)]
#[template(path = "staff/escalations.html")]
struct EscalationsPage {
    lang: Lang,
    path: String,
    me: Staff,
    csrf: String,
    pending: Vec<EscalationView>,
    sent: Vec<EscalationView>,
}

fn view(lang: Lang, e: Escalation, tickets: Vec<Ticket>) -> EscalationView {
    EscalationView {
        target: lang.t(&format!("esc-target-{}", e.target)),
        platform: e.platform.label(lang),
        scenario: e.scenario.label(lang),
        tickets: tickets
            .into_iter()
            .map(|t| TicketLine {
                step: t.failing_step.label(lang),
                error: [t.error_code.clone(), t.error_message.clone()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" · "),
                checks: t
                    .checks_tried
                    .split(',')
                    .filter_map(CheckTried::parse)
                    .map(|c| lang.t(&c.label_key()))
                    .collect::<Vec<_>>()
                    .join(", "),
                reference: t.reference,
                city: t.city,
            })
            .collect(),
        e,
    }
}

pub async fn list(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let lang = p.lang;
    let (pending, sent) = state
        .db(move |c| {
            let mut load = |states: &[&str]| -> Result<Vec<(Escalation, Vec<Ticket>)>, AppError> {
                routing::escalations_in(c, states)?
                    .into_iter()
                    .map(|e| {
                        let tickets = routing::escalation_tickets(c, &e.id)?;
                        Ok((e, tickets))
                    })
                    .collect()
            };
            Ok((load(&[status::PENDING_REVIEW])?, load(&[status::SENT])?))
        })
        .await?;
    let to_views = |list: Vec<(Escalation, Vec<Ticket>)>| list.into_iter().map(|(e, t)| view(lang, e, t)).collect();
    crate::web::html(EscalationsPage {
        lang,
        path: p.path,
        me,
        csrf: csrf.0,
        pending: to_views(pending),
        sent: to_views(sent),
    })
}

/// Where an approved packet goes.
fn recipient(c: &mut crate::db::DbConn, state: &AppState, e: &Escalation) -> Result<String, AppError> {
    Ok(match e.target.as_str() {
        target::PLATFORM => routing::platform(c, e.platform.as_str())?
            .map(|p| p.contact_email)
            .unwrap_or_else(|| state.config.engineering_email.clone()),
        target::PROVIDER => state.config.provider_email.clone(),
        _ => state.config.engineering_email.clone(),
    })
}

/// `POST /supervisor/escalations/{id}/{action}`: approve, send-back, answer.
pub async fn act(
    me: Staff,
    csrf: CsrfToken,
    path: web::Path<(String, String)>,
    form: web::Form<Vec<(String, String)>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form: HashMap<String, String> = form.into_inner().into_iter().collect();
    let field = |k: &str| form.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    csrf.check(&field("csrf"))?;
    let (id, action) = path.into_inner();
    let st = state.clone();
    let (me_id, me_name) = (me.id.clone(), me.name.clone());
    let reason = text::clean(&field("reason"), 2000, true).map_err(|_| AppError::BadRequest("reason"))?;
    let answer_text =
        text::clean(&field("text"), 4000, true).map_err(|_| AppError::BadRequest("text"))?.unwrap_or_default();
    let reference = text::clean(&field("reference"), 120, false)
        .map_err(|_| AppError::BadRequest("reference"))?
        .unwrap_or_default();
    let outcome = field("outcome");
    let done = state
        .write(move |c| {
            let e = routing::escalation(c, &id)?.ok_or(AppError::NotFound)?;
            let actor = Actor { id: &me_id, name: &me_name };
            match action.as_str() {
                "approve" => {
                    let to = recipient(c, &st, &e)?;
                    Ok(transitions::approve(c, &e, &to, &actor, now())?)
                }
                "send-back" => {
                    let reason = reason.ok_or(AppError::BadRequest("reason"))?;
                    Ok(transitions::send_back(c, &e, &reason, &actor, now())?)
                }
                "answer" => {
                    let approved = match outcome.as_str() {
                        "approved" => true,
                        "declined" => false,
                        _ => return Err(AppError::BadRequest("outcome")),
                    };
                    Ok(transitions::answer(c, &e, approved, &reference, &answer_text, &actor, now())?)
                }
                _ => Err(AppError::NotFound),
            }
        })
        .await?;
    if !done {
        return Err(AppError::Conflict("escalation"));
    }
    Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/supervisor/escalations")).finish())
}
