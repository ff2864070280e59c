//! The staff ticket page: every fact, the screenshots, the whole timeline
//! (internal notes included) and the actions.

use std::collections::HashMap;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{Chrome, On};
use crate::auth::csrf::{CsrfForm, CsrfToken};
use crate::auth::Staff;
use crate::db::canned::{self, Canned};
use crate::db::incidents;
use crate::db::tickets::{self as store, Ticket};
use crate::db::users::{self, User};
use crate::db::DbConn;
use crate::domain::codes::*;
use crate::domain::completeness::Fact;
use crate::domain::reference::normalize_reference;
use crate::domain::sla::SlaState;
use crate::domain::text;
use crate::error::{AppError, Refusal};
use crate::i18n::Lang;
use crate::ops::{self, Actor, Seen};
use crate::web::lang::PageLang;
use crate::web::tracking::{facts, EventView, ShotView};
use crate::web::{china_time, now, AppState};

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

/// How many of the latest timeline entries show unfolded.
const RECENT_EVENTS: usize = 5;

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
    /// The working time left (or why the clock is paused).
    left: String,
    sla: SlaState,
    customer_language: String,
    merged_into: Option<String>,
    /// The escalation's target and state, when it has one.
    escalation: Option<String>,
    /// The incident it belongs to: (id, title, state, its latest public update).
    incident: Option<(String, String, String, Option<String>)>,
    facts: Vec<(String, String)>,
    missing: Vec<(&'static str, String)>,
    /// The payment check's state now, its history (newest first), and
    /// whether the agent can ask again.
    payment_state: Option<String>,
    payment_lines: Vec<String>,
    payment_checkable: bool,
    refund_lines: Vec<String>,
    /// A provider is configured for this payment method: refunds can be followed.
    refund_trackable: bool,
    /// Every routing decision, oldest first, in words.
    decisions: Vec<String>,
    /// Facts that would help but are not required.
    could_help: Vec<String>,
    /// What the "ask" form offers: (code, label, preselected). Facts that
    /// do not apply to the case are not offered.
    askable: Vec<(&'static str, String, bool)>,
    screenshots: Vec<ShotView>,
    events: Vec<StaffEvent>,
    /// How many of the oldest entries are folded.
    earlier: usize,
    staff: Vec<Option_>,
    statuses: Vec<Option_>,
    priorities: Vec<Option_>,
    /// What a reply may leave the ticket as: (code, label), the default first.
    reply_statuses: Vec<(&'static str, String)>,
    canned: Vec<Canned>,
    reply_draft: String,
    note_draft: String,
    /// A refused action: (action, message).
    problem: Option<(String, String)>,
    /// The SMS sent about it, newest first, in words.
    sms: Vec<String>,
    /// The full number, after this agent asked to see it (audited).
    phone_revealed: Option<String>,
    /// What the action just done did, in words (a status region).
    done: Option<String>,
}

/// What an action did, said after it (`?done=<action>`): a reply or a
/// question names how it reached the customer.
fn done_words(lang: Lang, action: &str, t: &Ticket) -> Option<String> {
    let how = match (t.phone_to().is_some(), t.email_to().is_some()) {
        (true, true) => "ticket-done-how-both",
        (true, false) => "ticket-done-how-sms",
        (false, true) => "ticket-done-how-email",
        (false, false) => "ticket-done-how-page",
    };
    match action {
        "reply" | "ask" => Some(lang.t_with(&format!("ticket-done-{action}"), "how", lang.t(how))),
        "claim" | "assign" | "status" | "priority" | "change" | "note" | "merge" | "correct" | "payment" => {
            Some(lang.t(&format!("ticket-done-{action}")))
        }
        _ => None,
    }
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
    /// Show the full phone number (the agent asked; it was audited).
    reveal: bool,
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
    let sms_of = ticket_id.clone();
    let (rules, queue) = (state.rules.clone(), t.queue);
    let (sms, cal) = state
        .db(move |c| {
            Ok((crate::db::sms::of_ticket(c, &sms_of)?, crate::ops::sla::calendar_for(c, &sms_of, queue, &rules)?))
        })
        .await?;
    let (events, shots, staff, canned, chosen, merged_ref, escalation, incident, decisions, payment) = state
        .db(move |c| {
            let merged_ref = match merged_into {
                Some(id) => store::find_by_id(c, &id)?.map(|m| m.reference),
                None => None,
            };
            let escalation = match &escalation_id {
                Some(id) => crate::db::routing::escalation(c, id)?.map(|e| super::words::escalation_line(lang, &e)),
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
                crate::db::routing::decisions(c, &ticket_id)?,
                crate::present::payment::PaymentView::load(c, &ticket_id)?,
            ))
        })
        .await?;
    let names: HashMap<&str, &str> = staff.iter().map(|u| (u.id.as_str(), u.name.as_str())).collect();
    let events = events
        .into_iter()
        .map(|e| {
            let internal = !e.is_public;
            let author = e.author_id.as_deref().and_then(|id| names.get(id)).map(|n| n.to_string()).unwrap_or_default();
            let kind = e.kind;
            let changed = draft.since.is_some_and(|since| e.created_at > since);
            let mut view = super::words::event(lang, e);
            // Staff see what assignment entries hold: the new assignee.
            if kind == EventKind::Assigned && view.body.is_empty() {
                view.body = lang.t("agent-nobody");
            }
            StaffEvent { view, internal, author, changed }
        })
        .collect::<Vec<_>>();
    // The timeline folds to its last entries (a long one put the reply box
    // thousands of pixels down a phone's page); nothing new since the
    // agent's draft is ever folded away.
    let first_changed = events.iter().position(|e| e.changed).unwrap_or(events.len());
    let earlier = events.len().saturating_sub(RECENT_EVENTS).min(first_changed);
    // Active staff, and the current assignee even if no longer active: the
    // one form must send back what it showed, or saving a priority would
    // silently unassign the ticket.
    let active: Vec<&User> =
        staff.iter().filter(|u| u.active || t.assignee_id.as_deref() == Some(u.id.as_str())).collect();
    let mut staff_options =
        vec![Option_ { value: String::new(), label: lang.t("agent-nobody"), selected: t.assignee_id.is_none() }];
    staff_options.extend(active.iter().map(|u| Option_ {
        value: u.id.clone(),
        label: if u.active { u.name.clone() } else { format!("{} ({})", u.name, lang.t("users-inactive")) },
        selected: t.assignee_id.as_deref() == Some(u.id.as_str()),
    }));
    let now = now();
    // The one form's status choice: the ticket's own status (chosen, so
    // saving another change leaves it), then those staff may set from it.
    let settable: Vec<Status> =
        Status::ALL.iter().copied().filter(|s| *s == t.status || t.status.can_be_set_by_staff(*s)).collect();
    let completeness = t.completeness();
    Ok(TicketPage {
        lang,
        path,
        csrf,
        status: super::words::status(lang, t.status),
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
        left: crate::present::time_left(lang, &cal, t.due_at, t.paused_at, t.status, now),
        // Paused (waiting on the customer, or on a refund): never late.
        sla: if t.paused_at.is_some() { SlaState::Ok } else { SlaState::of(t.due_at, now) },
        customer_language: t.language.t("lang-name"),
        merged_into: merged_ref,
        escalation,
        incident,
        facts: super::words::facts(lang, facts(lang, &t, true)),
        missing: completeness.missing.iter().map(|f| (f.as_str(), lang.t(&f.label_key()))).collect(),
        payment_state: payment.state().map(|s| s.label(lang)),
        payment_lines: payment.lines(lang),
        refund_lines: payment.refund_lines(lang),
        refund_trackable: state.payments.provider_for(t.payment_method).is_some(),
        payment_checkable: state.payments.checks(t.payment_method, t.order_number.as_deref()),
        decisions: decisions
            .into_iter()
            .map(|d| {
                let by = d.actor.map(|a| format!(" · {a}")).unwrap_or_default();
                let facts = if d.facts.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", super::words::facts_in_words(lang, &d.facts))
                };
                format!(
                    "{} · {}{by}: {} / {} / {} — {}{facts}",
                    china_time(d.created_at),
                    super::words::cause_label(lang, &d.cause),
                    d.kind.label(lang),
                    d.queue.label(lang),
                    d.priority.label(lang),
                    super::words::rule_label(lang, &d.rule, None)
                )
            })
            .collect(),
        could_help: completeness.could_help.iter().map(|f| lang.t(&f.label_key())).collect(),
        askable: Fact::ALL
            .into_iter()
            .filter(|f| !completeness.not_applicable.contains(f))
            .map(|f| (f.as_str(), lang.t(&f.label_key()), completeness.missing.contains(&f)))
            .collect(),
        screenshots: shots.into_iter().map(|s| ShotView { id: s.id, width: s.width, height: s.height }).collect(),
        events,
        earlier,
        staff: staff_options,
        statuses: settable
            .iter()
            .map(|s| Option_ {
                value: s.as_str().into(),
                label: super::words::status(lang, *s),
                selected: *s == t.status,
            })
            .collect(),
        reply_statuses: Status::AFTER_REPLY.into_iter().map(|s| (s.as_str(), super::words::status(lang, s))).collect(),
        priorities: options(lang, Priority::ALL, Priority::as_str, Priority::label_key, t.priority),
        canned,
        // A canned reply is added after what was typed, never in its place.
        reply_draft: match chosen {
            Some(c) if draft.reply.trim().is_empty() => c.body,
            Some(c) => format!("{}\n\n{}", draft.reply.trim_end(), c.body),
            None => draft.reply,
        },
        note_draft: draft.note,
        problem: draft.problem,
        sms: sms.iter().map(|m| super::words::sms_line(lang, m)).collect(),
        phone_revealed: (draft.reveal && !t.contact_phone.is_empty()).then(|| t.contact_phone.clone()),
        done: None,
        t,
        me,
    })
}

#[derive(Deserialize)]
pub struct ShowQuery {
    canned: Option<String>,
    /// The action just done (`Act::name`), said at the top of the page.
    done: Option<String>,
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
    let draft = Draft { reply: String::new(), note: String::new(), problem: None, since: None, reveal: false };
    let lang = p.lang;
    let mut page = page(&state, Chrome { lang, path: p.path, me, csrf: csrf.0 }, t, q.canned.clone(), draft).await?;
    page.done = q.done.as_deref().and_then(|action| done_words(lang, action, &page.t));
    crate::web::html(page)
}

#[derive(Deserialize)]
pub struct CannedForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    canned: String,
}

/// `POST /agent/tickets/{reference}/canned`: the reply box's draft with
/// the chosen canned reply added after it (the page again; nothing sent).
pub async fn add_canned(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    reference: web::Path<String>,
    CsrfForm(f): CsrfForm<CannedForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let t = load(&state, &reference).await?;
    let draft = Draft { reply: f.body, note: String::new(), problem: None, since: None, reveal: false };
    let chosen = (!f.canned.is_empty()).then_some(f.canned);
    crate::web::html(page(&state, Chrome { lang: p.lang, path: p.path, me, csrf: csrf.0 }, t, chosen, draft).await?)
}

#[derive(Deserialize)]
pub struct RevealForm {}

/// `POST /agent/tickets/{reference}/phone`: the full number, for an agent
/// who needs to call; who saw it, and when, goes in the audit log.
pub async fn reveal_phone(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    reference: web::Path<String>,
    CsrfForm(_): CsrfForm<RevealForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let t = load(&state, &reference).await?;
    let (actor, ticket_id) = (me.id.clone(), t.id.clone());
    state
        .write(move |c| {
            let entry = crate::db::audit::Entry {
                actor_id: Some(&actor),
                action: "phone_revealed",
                ticket_id: Some(&ticket_id),
                before: "",
                after: "",
            };
            Ok(crate::db::audit::record(c, entry, now())?)
        })
        .await?;
    let draft = Draft { reply: String::new(), note: String::new(), problem: None, since: None, reveal: true };
    crate::web::html(page(&state, Chrome { lang: p.lang, path: p.path, me, csrf: csrf.0 }, t, None, draft).await?)
}

/// `GET /agent/tickets/{reference}/screenshots/{id}`: staff only.
pub async fn screenshot(
    _me: Staff,
    path: web::Path<(String, String)>,
    size: web::Query<crate::web::thumbs::Size>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (reference, id) = path.into_inner();
    let t = load(&state, &reference).await?;
    let shot = id.clone();
    let (kind, data) = state.db(move |c| store::screenshot_data(c, &t.id, &shot)?.ok_or(AppError::NotFound)).await?;
    crate::web::thumbs::respond(&size, &id, kind, data).await
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

/// What every action form carries besides its own fields: the version of
/// the ticket the page showed, and when the page was drawn (to mark what
/// changed since, after a collision).
#[derive(Deserialize, Default, Clone)]
pub struct Opened {
    #[serde(default)]
    version: String,
    #[serde(default)]
    seen: String,
}

impl Opened {
    /// A form without a version acts on the ticket as it is.
    fn version(&self) -> Seen {
        self.version.trim().parse().map(Seen::Version).unwrap_or(Seen::Latest)
    }

    fn at(&self) -> Option<chrono::NaiveDateTime> {
        self.seen.trim().parse::<i64>().ok().and_then(chrono::DateTime::from_timestamp_micros).map(|d| d.naive_utc())
    }
}

#[derive(Deserialize)]
pub struct ClaimForm {
    #[serde(flatten)]
    opened: Opened,
}

#[derive(Deserialize)]
pub struct AssignForm {
    #[serde(flatten)]
    opened: Opened,
    /// Empty: nobody.
    #[serde(default)]
    assignee: String,
}

#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(flatten)]
    opened: Opened,
    status: Status,
}

/// The one form for status, priority and assignee: each as the page
/// showed it, or changed.
#[derive(Deserialize)]
pub struct ChangeForm {
    #[serde(flatten)]
    opened: Opened,
    /// Empty: nobody.
    #[serde(default)]
    assignee: String,
    status: Status,
    priority: Priority,
}

#[derive(Deserialize)]
pub struct PriorityForm {
    #[serde(flatten)]
    opened: Opened,
    priority: Priority,
}

fn waiting_on_customer() -> Status {
    Status::PendingCustomer
}

#[derive(Deserialize)]
pub struct ReplyForm {
    #[serde(flatten)]
    opened: Opened,
    #[serde(default)]
    body: String,
    /// The status the ticket takes with the reply.
    #[serde(default = "waiting_on_customer")]
    then: Status,
}

#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(flatten)]
    opened: Opened,
    #[serde(default)]
    body: String,
}

#[derive(Deserialize)]
pub struct AskForm {
    #[serde(flatten)]
    opened: Opened,
    /// One `fact_<code>` checkbox per fact asked for.
    #[serde(flatten)]
    ticked: HashMap<String, String>,
}

#[derive(Deserialize)]
pub struct CorrectForm {
    #[serde(flatten)]
    opened: Opened,
    symptom: Symptom,
    failing_step: FailingStep,
    #[serde(default)]
    payment_method: String,
    #[serde(default)]
    error_code: String,
    #[serde(default)]
    error_message: String,
    #[serde(default)]
    occurred_at: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    order_number: String,
    /// A kind of case set by hand; empty: routing decides from the facts.
    #[serde(default)]
    kind: String,
}

#[derive(Deserialize)]
pub struct MergeForm {
    #[serde(flatten)]
    opened: Opened,
    #[serde(default)]
    into: String,
}

/// One staff action on a ticket, as its form asked for it.
enum Act {
    Claim,
    Assign(Option<String>),
    SetStatus(Status),
    SetPriority(Priority),
    Change(ops::ticket::Patch),
    Reply { body: String, then: Status },
    Note(String),
    Ask(Vec<Fact>),
    Merge(String),
    Correct(Box<CorrectForm>),
    CheckPayment,
    TrackRefund(String),
}

impl Act {
    /// The form the page marks when this action is refused.
    fn name(&self) -> &'static str {
        match self {
            Act::Claim => "claim",
            Act::Assign(_) => "assign",
            Act::SetStatus(_) => "status",
            Act::SetPriority(_) => "priority",
            Act::Change(_) => "change",
            Act::Reply { .. } => "reply",
            Act::Note(_) => "note",
            Act::Ask(_) => "ask",
            Act::Merge(_) => "merge",
            Act::Correct(_) => "correct",
            Act::CheckPayment | Act::TrackRefund(_) => "payment",
        }
    }

    /// How this action's form answers an operation's refusal: the words
    /// shown above it (422, what was typed kept), or `None` when it is not
    /// this form's to word (a closed ticket: the page as it is now, 409).
    fn refusal_words(&self) -> fn(Refusal) -> Option<&'static str> {
        match self {
            // A status staff may not set from this one: nothing was changed.
            Act::Change(_) => |why| (why != Refusal::Closed).then_some("staff-change-refused"),
            Act::Ask(_) => |why| (why != Refusal::Closed).then_some("ticket-facts-required"),
            Act::Merge(_) => |why| (why != Refusal::Closed).then_some("ticket-merge-unknown"),
            Act::CheckPayment => |why| (why == Refusal::NoPaymentCheck).then_some("ticket-payment-cannot"),
            Act::TrackRefund(_) => |why| (why == Refusal::NoRefund).then_some("ticket-payment-cannot"),
            _ => |_| None,
        }
    }
}

/// `POST /agent/tickets/{reference}/claim`: assign it to me.
pub async fn claim(on: On, CsrfForm(f): CsrfForm<ClaimForm>) -> Result<HttpResponse, AppError> {
    perform(on, f.opened, Act::Claim).await
}

/// `POST /agent/tickets/{reference}/assign`
pub async fn assign(on: On, CsrfForm(f): CsrfForm<AssignForm>) -> Result<HttpResponse, AppError> {
    let to = Some(f.assignee.trim().to_string()).filter(|a| !a.is_empty());
    perform(on, f.opened, Act::Assign(to)).await
}

/// `POST /agent/tickets/{reference}/status`
pub async fn status(on: On, CsrfForm(f): CsrfForm<StatusForm>) -> Result<HttpResponse, AppError> {
    perform(on, f.opened, Act::SetStatus(f.status)).await
}

/// `POST /agent/tickets/{reference}/priority`
pub async fn priority(on: On, CsrfForm(f): CsrfForm<PriorityForm>) -> Result<HttpResponse, AppError> {
    perform(on, f.opened, Act::SetPriority(f.priority)).await
}

/// `POST /agent/tickets/{reference}/change`: status, priority and assignee
/// in one Save; what differs from the ticket is applied in one operation
/// (`ops::ticket::update`: one version check, each change audited).
pub async fn change(on: On, CsrfForm(f): CsrfForm<ChangeForm>) -> Result<HttpResponse, AppError> {
    let assignee = Some(f.assignee.trim().to_string()).filter(|a| !a.is_empty());
    let patch = ops::ticket::Patch { assignee: Some(assignee), priority: Some(f.priority), status: Some(f.status) };
    perform(on, f.opened, Act::Change(patch)).await
}

/// `POST /agent/tickets/{reference}/reply`: a public answer, mailed.
pub async fn reply(on: On, CsrfForm(f): CsrfForm<ReplyForm>) -> Result<HttpResponse, AppError> {
    perform(on, f.opened, Act::Reply { body: f.body, then: f.then }).await
}

/// `POST /agent/tickets/{reference}/note`: internal, never shown to the
/// customer.
pub async fn note(on: On, CsrfForm(f): CsrfForm<NoteForm>) -> Result<HttpResponse, AppError> {
    perform(on, f.opened, Act::Note(f.body)).await
}

/// `POST /agent/tickets/{reference}/ask`: ask the customer for the facts
/// ticked.
pub async fn ask(on: On, CsrfForm(f): CsrfForm<AskForm>) -> Result<HttpResponse, AppError> {
    let facts =
        Fact::ALL.into_iter().filter(|fact| f.ticked.contains_key(&format!("fact_{}", fact.as_str()))).collect();
    perform(on, f.opened, Act::Ask(facts)).await
}

/// `POST /agent/tickets/{reference}/facts`: correct what the customer
/// reported (or set the kind by hand); routing decides again.
pub async fn correct(on: On, CsrfForm(f): CsrfForm<CorrectForm>) -> Result<HttpResponse, AppError> {
    let opened = f.opened.clone();
    perform(on, opened, Act::Correct(Box::new(f))).await
}

/// `POST /agent/tickets/{reference}/payment-check`: ask the provider (and
/// the order system) about the payment again.
pub async fn check_payment(on: On, CsrfForm(f): CsrfForm<ClaimForm>) -> Result<HttpResponse, AppError> {
    perform(on, f.opened, Act::CheckPayment).await
}

#[derive(Deserialize)]
pub struct RefundForm {
    #[serde(flatten)]
    opened: Opened,
    #[serde(default)]
    refund_number: String,
}

/// `POST /agent/tickets/{reference}/refunds`: follow a refund by its number
/// at the payment's provider.
pub async fn track_refund(on: On, CsrfForm(f): CsrfForm<RefundForm>) -> Result<HttpResponse, AppError> {
    perform(on, f.opened, Act::TrackRefund(f.refund_number.trim().to_string())).await
}

/// `POST /agent/tickets/{reference}/merge`: this ticket is a duplicate of
/// another.
pub async fn merge(on: On, CsrfForm(f): CsrfForm<MergeForm>) -> Result<HttpResponse, AppError> {
    perform(on, f.opened, Act::Merge(f.into)).await
}

/// The agent's correction, checked like intake checks the same fields;
/// the message key of the first problem otherwise.
fn correction(f: &CorrectForm) -> Result<ops::routing::Correction, &'static str> {
    use crate::domain::intake::{validate_added, AddedInput, ERROR_CODE_MAX, ERROR_MESSAGE_MAX};
    let method = match f.payment_method.trim() {
        "" => None,
        m => Some(PaymentMethod::parse(m).ok_or("err-unknown-choice")?),
    };
    let kind = match f.kind.trim() {
        "" => None,
        k => Some(CaseKind::parse(k).ok_or("err-unknown-choice")?),
    };
    let text = |value: &str, max| {
        text::clean(value, max, false).map_err(|e| crate::domain::intake::Problem::from(e).message_key())
    };
    let added = AddedInput {
        occurred_at: f.occurred_at.clone(),
        amount: f.amount.clone(),
        order_number: f.order_number.clone(),
        ..Default::default()
    };
    let added = match validate_added(&added, now()) {
        Ok(added) => added,
        Err(errors) => match errors.0.iter().find(|(field, _)| **field != "facts") {
            Some((_, problems)) => return Err(problems[0].message_key()),
            None => Default::default(),
        },
    };
    Ok(ops::routing::Correction {
        symptom: Some(f.symptom),
        failing_step: Some(f.failing_step),
        payment_method: Some(method),
        error_code: Some(text(&f.error_code, ERROR_CODE_MAX)?),
        error_message: Some(text(&f.error_message, ERROR_MESSAGE_MAX)?),
        added,
        kind,
    })
}

/// Runs one action, then sends the agent back to the ticket; or shows the
/// page again with the problem (422), or as the ticket is now after someone
/// else changed it (409), keeping what was typed either way.
async fn perform(on: On, opened: Opened, act: Act) -> Result<HttpResponse, AppError> {
    let On { p, me, csrf, key: reference, state } = on;
    let t = load(&state, &reference).await?;
    let lang = p.lang;
    let name = act.name();
    let refuse = |problem_key: &str, reply: String, note: String| Draft {
        reply,
        note,
        problem: Some((name.to_string(), lang.t(problem_key))),
        since: None,
        reveal: false,
    };
    // What was typed, kept whatever happens.
    let (typed_reply, typed_note) = match &act {
        Act::Reply { body, .. } => (body.clone(), String::new()),
        Act::Note(body) => (String::new(), body.clone()),
        _ => (String::new(), String::new()),
    };
    let seen = opened.version();
    let rules = state.rules.clone();
    let refusal_words = act.refusal_words();
    let result: Result<Option<Draft>, AppError> = match act {
        Act::Claim => {
            let me_id = me.id.clone();
            run(&state, &me, &t.id, move |c, id, actor| ops::ticket::assign(c, id, seen, Some(&me_id), actor, now()))
                .await
                .map(|_| None)
        }
        Act::Assign(to) => {
            run(&state, &me, &t.id, move |c, id, actor| ops::ticket::assign(c, id, seen, to.as_deref(), actor, now()))
                .await
                .map(|_| None)
        }
        Act::SetStatus(to) => {
            let rules = state.rules.clone();
            run(&state, &me, &t.id, move |c, id, actor| ops::ticket::set_status(c, id, seen, to, &rules, actor, now()))
                .await
                .map(|_| None)
        }
        Act::SetPriority(to) => run(&state, &me, &t.id, move |c, id, actor| {
            ops::ticket::set_priority(c, id, seen, to, &rules, actor, now())
        })
        .await
        .map(|_| None),
        Act::Change(patch) => {
            // What the form holds as the page showed it is no change.
            let patch = patch.beyond(t.assignee_id.as_deref(), t.priority, t.status);
            if patch.is_empty() {
                Ok(None)
            } else {
                run(&state, &me, &t.id, move |c, id, actor| {
                    ops::ticket::update(c, id, seen, patch, &rules, actor, now())
                })
                .await
                .map(|_| None)
                .or_else(|e| match e {
                    // An assignee who is no longer active: nothing was
                    // changed (a status staff may not set from this one is
                    // a refusal, worded below).
                    AppError::BadRequest("assignee") => {
                        Ok(Some(refuse("staff-change-refused", String::new(), String::new())))
                    }
                    other => Err(other),
                })
            }
        }
        Act::Reply { body, then } => match text::clean(&body, text::limits::STAFF_MESSAGE, true) {
            Ok(Some(body)) => run(&state, &me, &t.id, move |c, id, actor| {
                ops::ticket::reply(c, id, seen, &body, then, &rules, actor, now())
            })
            .await
            .map(|_| None),
            Ok(None) => Ok(Some(refuse("ticket-body-required", typed_reply.clone(), String::new()))),
            Err(_) => Ok(Some(refuse("err-bad-characters", typed_reply.clone(), String::new()))),
        },
        Act::Note(body) => match text::clean(&body, text::limits::STAFF_MESSAGE, true) {
            Ok(Some(body)) => {
                run(&state, &me, &t.id, move |c, id, actor| ops::ticket::note(c, id, seen, &body, actor, now()))
                    .await
                    .map(|_| None)
            }
            Ok(None) => Ok(Some(refuse("ticket-body-required", String::new(), typed_note.clone()))),
            Err(_) => Ok(Some(refuse("err-bad-characters", String::new(), typed_note.clone()))),
        },
        Act::Ask(facts) if facts.is_empty() => Ok(Some(refuse("ticket-facts-required", String::new(), String::new()))),
        Act::Ask(facts) => {
            // A fact that does not apply to the case is never asked for,
            // even from a hand-made form.
            let not_applicable = t.completeness().not_applicable;
            let facts: Vec<Fact> = facts.into_iter().filter(|f| !not_applicable.contains(f)).collect();
            if facts.is_empty() {
                Ok(Some(refuse("ticket-facts-required", String::new(), String::new())))
            } else {
                let body = ask_message(t.language, &facts);
                run(&state, &me, &t.id, move |c, id, actor| {
                    ops::ticket::ask_for_information(c, id, seen, &body, &rules, actor, now())
                })
                .await
                .map(|_| None)
            }
        }
        Act::Correct(f) => match correction(&f) {
            Ok(c) => run(&state, &me, &t.id, move |c_, id, actor| {
                ops::routing::correct(c_, id, seen, &c, &rules, actor, now()).map(|_| ())
            })
            .await
            .map(|_| None),
            Err(key) => Ok(Some(refuse(key, String::new(), String::new()))),
        },
        Act::CheckPayment => {
            let payments = state.payments.clone();
            run(&state, &me, &t.id, move |c, id, actor| {
                ops::payments::request_check(c, id, &payments, actor, now()).map(|_| ())
            })
            .await
            .map(|_| None)
        }
        Act::TrackRefund(number) if !crate::payments::merchant::valid_number(&number) => {
            Ok(Some(refuse("ticket-refund-number", String::new(), String::new())))
        }
        Act::TrackRefund(number) => {
            let payments = state.payments.clone();
            let due_days = state.config.payments.refund_due_days;
            run(&state, &me, &t.id, move |c, id, actor| {
                ops::payments::track_refund(c, id, &number, &payments, due_days, actor, now()).map(|_| ())
            })
            .await
            .map(|_| None)
        }
        Act::Merge(into) => {
            let into = normalize_reference(&into).filter(|r| *r != t.reference);
            let target = match into {
                Some(r) => state.db(move |c| Ok(store::find_by_reference(c, &r)?)).await?,
                None => None,
            };
            match target {
                Some(into) => {
                    run(&state, &me, &t.id, move |c, id, actor| ops::ticket::merge(c, id, seen, &into.id, actor, now()))
                        .await
                        .map(|_| None)
                }
                None => Ok(Some(refuse("ticket-merge-unknown", String::new(), String::new()))),
            }
        }
    };

    // A refusal this form words is shown above it; any other is answered
    // below (a closed ticket) or is an error page.
    let result = result.or_else(|e| match e {
        AppError::Refused(why) => match refusal_words(why) {
            Some(key) => Ok(Some(refuse(key, String::new(), String::new()))),
            None => Err(e),
        },
        other => Err(other),
    });
    let (draft, status) = match result {
        Ok(None) => {
            let location = format!("/agent/tickets/{}?done={}#timeline", t.reference, name);
            return Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish());
        }
        Ok(Some(draft)) => (draft, StatusCode::UNPROCESSABLE_ENTITY),
        // Someone changed the ticket since this page was opened: show it as
        // it is now, with what changed marked, and keep what was typed.
        Err(AppError::Stale { .. }) => {
            let problem = Some(("conflict".to_string(), lang.t("ticket-conflict")));
            (
                Draft { reply: typed_reply, note: typed_note, problem, since: opened.at(), reveal: false },
                StatusCode::CONFLICT,
            )
        }
        // The ticket is closed (perhaps since this page was opened): it
        // takes no more messages, merges or requests; shown as it is now.
        Err(AppError::Refused(Refusal::Closed)) => {
            let problem = Some((name.to_string(), lang.t("ticket-closed")));
            (Draft { reply: typed_reply, note: typed_note, problem, since: None, reveal: false }, StatusCode::CONFLICT)
        }
        Err(e) => return Err(e),
    };
    // After a collision the page shows the ticket as it is now.
    let t = if status == StatusCode::CONFLICT { load(&state, &reference).await? } else { t };
    let view = page(&state, Chrome { lang, path: p.path, me, csrf: csrf.0 }, t, None, draft).await?;
    crate::web::html_status(status, view)
}
