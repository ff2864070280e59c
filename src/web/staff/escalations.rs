//! `/supervisor/escalations`: out-of-scope cases (and bugs, and money the
//! provider must trace) wait here for a supervisor before anything leaves
//! the company. One escalation groups every ticket about the same platform
//! and payment scenario.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::csrf::{CsrfForm, CsrfToken};
use crate::auth::Staff;
use crate::db::routing::{self, Escalation};
use crate::db::tickets::Ticket;
use crate::domain::codes::*;
use crate::domain::text;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::ops::escalation::{self as ops, Addresses, Approval};
use crate::ops::ticket::Actor;
use crate::present::words::PlatformWords;
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
    /// Why it was escalated, in words (never the rule's code).
    pub why: String,
    pub tickets: Vec<TicketLine>,
    /// Waiting for review: the packet exactly as approving sends it.
    pub packet: Option<Preview>,
    /// Sent: answers that came back by email, for a supervisor to confirm.
    pub answers: Vec<crate::inbound::MailAnswer>,
}

impl EscalationView {
    /// What the answer form starts with: the latest emailed answer from the
    /// address the packet went to (the supervisor still chooses the outcome).
    pub fn suggested_text(&self) -> &str {
        self.answers.iter().rev().find(|a| a.from_recipient).map(|a| a.body.as_str()).unwrap_or("")
    }
}

/// An escalation as read for the page: with its tickets, and its packet
/// while it waits for review.
type Loaded = (Escalation, Vec<Ticket>, Option<Preview>);

/// An escalation's packet as it would leave now.
pub struct Preview {
    /// The address it goes to; `None`: the platform has no contact yet.
    pub to: Option<String>,
    pub subject: String,
    pub text: String,
    /// The screenshots' file names.
    pub attachments: Vec<String>,
}

/// Why a form was refused, and whether the fix is on Admin › Platforms.
struct Refusal {
    message: String,
    platforms_link: bool,
}

#[derive(Template)]
#[template(path = "staff/escalations.html")]
struct EscalationsPage {
    lang: Lang,
    path: String,
    me: Staff,
    csrf: String,
    /// Why the last form was refused.
    error: Option<Refusal>,
    pending: Vec<EscalationView>,
    sent: Vec<EscalationView>,
    /// An answer form refused for want of an outcome: what was typed, shown
    /// again in that escalation's form.
    draft: Option<AnswerDraft>,
    /// What the action just done did, in words (a status region).
    done: Option<String>,
}

/// What a supervisor typed into an answer form that was refused.
struct AnswerDraft {
    escalation_id: String,
    reference: String,
    text: String,
    text_lang: String,
    text_other: String,
}

impl EscalationsPage {
    /// The answer form's text: what was typed (after a refusal), else the
    /// emailed answer it suggests.
    fn answer_text<'a>(&'a self, v: &'a EscalationView) -> &'a str {
        match &self.draft {
            Some(d) if d.escalation_id == v.e.id => &d.text,
            _ => v.suggested_text(),
        }
    }

    /// The answer's words in the other language, as typed after a refusal.
    fn answer_other(&self, id: &str) -> &str {
        self.draft.as_ref().filter(|d| d.escalation_id == id).map_or("", |d| d.text_other.as_str())
    }

    /// Whether the language radio for `code` is chosen: as typed after a
    /// refusal; none at first (the server then reads it from the text:
    /// any Chinese character, Chinese).
    fn answer_lang_is(&self, id: &str, code: &str) -> bool {
        self.draft.as_ref().filter(|d| d.escalation_id == id).is_some_and(|d| d.text_lang == code)
    }

    fn answer_reference(&self, id: &str) -> &str {
        self.draft.as_ref().filter(|d| d.escalation_id == id).map_or("", |d| d.reference.as_str())
    }

    /// Whether this escalation's answer form was refused for want of an outcome.
    fn outcome_missing(&self, id: &str) -> bool {
        self.draft.as_ref().is_some_and(|d| d.escalation_id == id)
    }
}

fn view(lang: Lang, e: Escalation, tickets: Vec<Ticket>, packet: Option<Preview>) -> EscalationView {
    EscalationView {
        packet,
        answers: Vec::new(),
        why: super::words::rule_label(lang, &e.rule, Some(e.target)),
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
                checks: t.checks_tried.iter().map(|c| lang.t(&c.label_key())).collect::<Vec<_>>().join(", "),
                reference: t.reference,
                city: crate::present::city(lang, &t.city),
            })
            .collect(),
        e,
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    /// The action just done: `approved`, `sent_back` or `answered`.
    done: Option<String>,
}

pub async fn list(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    q: web::Query<ListQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let done = match q.done.as_deref() {
        Some(action @ ("approved" | "sent_back" | "answered")) => Some(p.lang.t(&format!("esc-done-{action}"))),
        _ => None,
    };
    page(p, me, csrf, state, None, None, done).await
}

/// The page, with a problem the last form had (then answered 422).
async fn page(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    state: web::Data<AppState>,
    error: Option<Refusal>,
    draft: Option<AnswerDraft>,
    done: Option<String>,
) -> Result<HttpResponse, AppError> {
    let lang = p.lang;
    let st = state.clone();
    let (pending, sent, answers) = state
        .db(move |c| {
            let to = Addresses { engineering: &st.config.engineering_email, provider: &st.config.provider_email };
            let mut load = |states: &[EscalationStatus], preview: bool| -> Result<Vec<Loaded>, AppError> {
                routing::escalations_in(c, states)?
                    .into_iter()
                    .map(|e| {
                        let tickets = routing::escalation_tickets(c, &e.id)?;
                        let packet = if preview {
                            let (subject, text, _, attachments) =
                                crate::mail::compose::packet_parts(c, &e, false).map_err(AppError::Internal)?;
                            Some(Preview {
                                to: ops::recipient(c, &e, &to)?,
                                subject,
                                text,
                                attachments: attachments.into_iter().map(|a| a.name).collect(),
                            })
                        } else {
                            None
                        };
                        Ok((e, tickets, packet))
                    })
                    .collect()
            };
            let sent = load(&[EscalationStatus::Sent], false)?;
            let pending = load(&[EscalationStatus::PendingReview], true)?;
            let ids: Vec<String> = sent.iter().map(|(e, _, _)| e.id.clone()).collect();
            let answers = crate::inbound::mail_answers(c, &ids)?;
            Ok((pending, sent, answers))
        })
        .await?;
    let to_views = |list: Vec<Loaded>| -> Vec<EscalationView> {
        list.into_iter()
            .map(|(e, t, p)| {
                let mut v = view(lang, e, t, p);
                v.answers = answers.iter().filter(|a| a.escalation_id == v.e.id).cloned().collect();
                v
            })
            .collect()
    };
    let code = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    crate::web::html_status(
        code,
        EscalationsPage {
            lang,
            path: p.path,
            me,
            csrf: csrf.0,
            error,
            pending: to_views(pending),
            sent: to_views(sent),
            draft,
            done,
        },
    )
}

/// Back to the list, which says what was done.
fn back_to_list(done: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, format!("/supervisor/escalations?done={done}"))).finish()
}

/// `POST /supervisor/escalations/{id}/approve` (the form carries only its
/// CSRF field).
#[derive(Deserialize)]
pub struct ApproveForm {}

pub async fn approve(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    path: web::Path<String>,
    CsrfForm(_): CsrfForm<ApproveForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let st = state.clone();
    let (me_id, me_name) = (me.id.clone(), me.name.clone());
    let done = state
        .write(move |c| {
            let actor = Actor { id: &me_id, name: &me_name };
            let to = Addresses { engineering: &st.config.engineering_email, provider: &st.config.provider_email };
            ops::approve(c, &id, &to, &actor, now())
        })
        .await?;
    match done {
        Approval::Sent(_) => Ok(back_to_list("approved")),
        Approval::NoPlatformContact(platform) => {
            let message = p.lang.t_with("esc-no-contact", "platform", platform.label(p.lang));
            page(p, me, csrf, state, Some(Refusal { message, platforms_link: true }), None, None).await
        }
    }
}

#[derive(Deserialize)]
pub struct SendBackForm {
    #[serde(default)]
    reason: String,
}

/// `POST /supervisor/escalations/{id}/send-back`: the reason is required.
pub async fn send_back(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<SendBackForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let reason =
        text::clean(form.reason.trim(), text::limits::REASON, true).map_err(|_| AppError::BadRequest("reason"))?;
    let Some(reason) = reason else {
        let message = p.lang.t("esc-reason-required");
        return page(p, me, csrf, state, Some(Refusal { message, platforms_link: false }), None, None).await;
    };
    let id = path.into_inner();
    let (me_id, me_name) = (me.id.clone(), me.name.clone());
    state.write(move |c| ops::send_back(c, &id, &reason, &Actor { id: &me_id, name: &me_name }, now())).await?;
    Ok(back_to_list("sent_back"))
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Approved,
    Declined,
}

#[derive(Deserialize)]
pub struct AnswerForm {
    /// None chosen: the form comes back with what was typed and the problem.
    #[serde(default)]
    outcome: Option<Outcome>,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    text: String,
    /// The language `text` is in (`zh-CN`, `en`); blank: read from it.
    #[serde(default)]
    text_lang: String,
    /// The same words in the other language, for its customers.
    #[serde(default)]
    text_other: String,
}

/// `POST /supervisor/escalations/{id}/answer`: the answer received.
pub async fn answer(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<AnswerForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let Some(outcome) = form.outcome else {
        let message = p.lang.t("esc-outcome-required");
        let draft = AnswerDraft {
            escalation_id: path.into_inner(),
            reference: form.reference,
            text: form.text,
            text_lang: form.text_lang,
            text_other: form.text_other,
        };
        return page(p, me, csrf, state, Some(Refusal { message, platforms_link: false }), Some(draft), None).await;
    };
    let text = text::clean(form.text.trim(), text::limits::MESSAGE, true)
        .map_err(|_| AppError::BadRequest("text"))?
        .unwrap_or_default();
    let other = text::clean(form.text_other.trim(), text::limits::MESSAGE, true)
        .map_err(|_| AppError::BadRequest("text_other"))?
        .unwrap_or_default();
    let reference = text::clean(form.reference.trim(), text::limits::SHORT_TITLE, false)
        .map_err(|_| AppError::BadRequest("reference"))?
        .unwrap_or_default();
    // Which language the words are in: as the supervisor said, else what
    // they look like (any Chinese character: Chinese).
    let text_lang = Lang::parse(&form.text_lang).unwrap_or(if text.chars().any(crate::domain::text::is_cjk) {
        Lang::ZhCn
    } else {
        Lang::En
    });
    let approved = outcome == Outcome::Approved;
    let id = path.into_inner();
    let (me_id, me_name) = (me.id.clone(), me.name.clone());
    let rules = state.rules.clone();
    state
        .write(move |c| {
            let words = PlatformWords { text: &text, lang: text_lang, other: &other };
            ops::answer(c, &id, approved, &reference, &words, &rules, &Actor { id: &me_id, name: &me_name }, now())
        })
        .await?;
    Ok(back_to_list("answered"))
}
