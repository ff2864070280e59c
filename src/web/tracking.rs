//! The customer's private tracking page, reached only with the secret token
//! from their link: status, what they told us (masked), the public timeline,
//! and a form to add information or another screenshot.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::lang::PageLang;
use super::tickets::message;
use super::{html, multipart, now, AppState};
use crate::auth::csrf::{CsrfForm, CsrfToken};
use crate::db::tickets::{self as store, Ticket};
use crate::domain::codes::*;
use crate::domain::completeness::Fact;
use crate::domain::intake::{validate_added, AddedInput, FieldErrors, Problem, ADDED_FIELDS};
use crate::domain::next_steps;
use crate::domain::screenshot::{Screenshot, ScreenshotError};
use crate::domain::text;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::present::guide::Guide;
use crate::present::words::span_words;

#[derive(Template)]
#[template(path = "tracking/created.html")]
struct CreatedPage {
    lang: Lang,
    path: String,
    /// What the customer can do now, for kinds they can fix alone.
    guide: Option<Guide>,
    reference: String,
    tracking_url: String,
    token: String,
    /// What the completeness model still misses for this case (labels).
    missing: Vec<String>,
    /// What happens next, for this kind of case.
    next: NextView,
    /// Where the link was sent (texted, emailed), partly masked.
    sent_to: Vec<String>,
}

/// `GET /t/{token}/created`: the confirmation after filing.
pub async fn created(
    page: PageLang,
    Tracked { ticket, token }: Tracked,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let lang = page.lang;
    let (rules, queue, id) = (state.rules.clone(), ticket.queue, ticket.id.clone());
    let cal = state.db(move |c| Ok(crate::ops::sla::calendar_for(c, &id, queue, &rules)?)).await?;
    let next = NextView::build(lang, &ticket, &state, &cal, now());
    html(CreatedPage {
        guide: guide(lang, &ticket),
        missing: ticket.missing_facts().iter().map(|f| lang.t(&f.label_key())).collect(),
        lang,
        path: page.path,
        sent_to: [
            ticket.phone_to().map(|p| lang.t_with("created-texted", "phone", crate::domain::sms::mask_phone(p))),
            ticket.email_to().map(|e| lang.t_with("created-emailed", "email", super::mask_email(e))),
        ]
        .into_iter()
        .flatten()
        .collect(),
        reference: ticket.reference,
        tracking_url: format!("{}/t/{}", state.public_url, token),
        token,
        next,
    })
}

/// The self-checks left for a kind the customer can fix alone, while the
/// request waits on them. (An out-of-scope case's words are in its next
/// steps: why, who, and the other ways to pay.)
fn guide(lang: Lang, ticket: &Ticket) -> Option<Guide> {
    Guide::of(lang, ticket.case_kind, ticket.status, &ticket.checks_tried)
}

/// The status as the customer reads it: a request waiting for them to try
/// the steps says so, not "waiting for your answer" with nothing asked.
fn status_words(lang: Lang, ticket: &Ticket) -> String {
    match next_steps::Path::of_ticket(ticket.case_kind, ticket.status, &ticket.checks_tried) {
        next_steps::Path::SelfService => lang.t("status-self_service"),
        _ => ticket.status.label(lang),
    }
}

/// What happens next, in words that fit the case: who acts, by when (the
/// ticket's own due time and its priority's target, not one text for all),
/// and, for a self-service request, when it closes by itself.
pub struct NextView {
    /// The path's code (`next_steps::Path::as_str`).
    pub path: &'static str,
    /// Whether the confirmation may look like a success (green).
    pub success: bool,
    pub paragraphs: Vec<String>,
    /// Other ways to pay meanwhile (out of scope only).
    pub alternatives: Vec<String>,
    /// When a silent self-service request closes by itself.
    pub auto_close: Option<String>,
}

impl NextView {
    pub fn build(
        lang: Lang,
        t: &Ticket,
        state: &AppState,
        cal: &crate::domain::calendar::Calendar,
        now: chrono::NaiveDateTime,
    ) -> NextView {
        use next_steps::Path;
        let path = Path::of_ticket(t.case_kind, t.status, &t.checks_tried);
        let within = |hours: i64| span_words(lang, hours);
        // The priority's first-response target, from the rules in force, in
        // the queue's working time.
        let first_response = crate::present::promise::span(lang, cal, state.rules.target(t.priority).first_response);
        // The ticket's own due time: before the first answer, "reviewed by";
        // after it, "settled by". Not while the clock waits on the customer.
        // On a calendar that closes, the promise is a day and a time, with
        // the holiday in the way (issue 30).
        let promise = || match (t.first_response_at, t.paused_at) {
            (_, Some(_)) => None,
            // Overdue: no date in the past is promised (the review line).
            (None, None) if !cal.is_always_open() && t.due_at > now => {
                Some(lang.t_with("next-review-first-by", "by", crate::present::promise::by(lang, cal, now, t.due_at)))
            }
            (None, None) => Some(lang.t_args(
                "next-review-first",
                &[("within", first_response.clone()), ("time", super::china_time(t.due_at))],
            )),
            (Some(_), None) => Some(lang.t_with("next-review-later", "time", super::china_time(t.due_at))),
        };
        let mut paragraphs = Vec::new();
        let mut alternatives = Vec::new();
        match path {
            Path::Provider => {
                paragraphs.push(lang.t("next-provider"));
                paragraphs.extend(promise());
                paragraphs.push(lang.t_with("next-provider-after", "days", state.config.provider_after_days));
                paragraphs.push(lang.t("next-provider-dont-pay"));
            }
            Path::SelfService => paragraphs.push(lang.t_with("next-self_service", "within", &first_response)),
            Path::Platform => {
                paragraphs.push(lang.t("next-platform-who"));
                paragraphs.push(lang.t("next-platform-how"));
                paragraphs.push(lang.t("next-platform-meanwhile"));
                alternatives =
                    ["hall", "web", "wallet"].iter().map(|k| lang.t(&format!("next-platform-{k}"))).collect();
            }
            Path::Engineering => paragraphs.push(lang.t_with("next-engineering", "within", &first_response)),
            Path::WaitingForYou => paragraphs.push(lang.t("next-waiting")),
            Path::Review => {
                paragraphs.extend(promise());
                paragraphs.extend(lang.try_t(&format!("next-extra-{}", t.case_kind)));
            }
            Path::Done if t.merged_into.is_some() => paragraphs.push(lang.t("next-merged")),
            Path::Done if t.status == Status::Closed => paragraphs.push(lang.t("next-closed")),
            Path::Done => paragraphs.push(lang.t("next-done")),
        }
        // The sweep's own rule and timeout (PAYDESK_SELF_SERVICE_TIMEOUT_HOURS).
        let timeout = chrono::Duration::hours(state.config.self_service_timeout_hours);
        let auto_close = next_steps::closes_by_itself_at(t.case_kind, t.status, &t.checks_tried, t.paused_at, timeout)
            .map(|at| at.max(now))
            .map(|at| {
                lang.t_args(
                    "next-auto-close",
                    &[("time", super::china_time(at)), ("within", within(state.config.self_service_timeout_hours))],
                )
            });
        NextView { path: path.as_str(), success: path.is_success(), paragraphs, alternatives, auto_close }
    }
}

pub struct EventView {
    pub when: String,
    pub title: String,
    pub body: String,
}

pub struct ShotView {
    pub id: String,
    pub width: i32,
    pub height: i32,
}

#[derive(Template)]
#[template(path = "tracking/show.html")]
struct TrackingPage {
    lang: Lang,
    path: String,
    guide: Option<Guide>,
    csrf: String,
    token: String,
    reference: String,
    status: String,
    filed: String,
    facts: Vec<(String, String)>,
    screenshots: Vec<ShotView>,
    events: Vec<EventView>,
    sent: bool,
    message: String,
    errors: Vec<(&'static str, Vec<String>)>,
    /// What the completeness model still misses (labels).
    still_needed: Vec<String>,
    /// The facts the customer may add here: the missing ones first, then
    /// those that would help; never those that do not apply.
    fact_fields: Vec<FactField>,
    /// A screenshot is among the missing facts (added with a message).
    needs_screenshot: bool,
    /// The refunds being followed, in words.
    refund_lines: Vec<String>,
    /// What happens next, for this kind of case.
    next: NextView,
    /// The staff message still waiting for the customer's answer, pinned
    /// above the reply box.
    asked: Option<EventView>,
    /// "Ask for a supervisor": shown when allowed, asked, or just refused.
    complaint: Option<ComplaintView>,
    /// The platform's answer, at the top of the page once it came.
    platform_answer: Option<EventView>,
    /// "Did this solve it?", while the current resolution may be rated.
    rate: Option<super::satisfaction::RateBox>,
}

/// The supervisor request's box on the tracking page.
pub struct ComplaintView {
    /// The form is shown (`domain::complaint::may_ask`).
    allowed: bool,
    /// What happens next, with the promise in hours from the rules.
    next: String,
    /// Already asked: when, and by when a supervisor answers.
    open: Option<String>,
    /// Why a request was just refused.
    refused: Option<String>,
    /// The reason as typed, its problem, and the chosen kind.
    text: String,
    error: Option<String>,
    kind: String,
    kinds: Vec<(&'static str, String)>,
}

/// One input of the "add what we asked for" form.
pub struct FactField {
    pub name: &'static str,
    pub label: String,
    /// `text`, `datetime-local` or `select`.
    pub input: &'static str,
    pub value: String,
    pub needed: bool,
    pub options: Vec<(&'static str, String)>,
}

/// What a refused form carries back: the message or the facts as typed,
/// and the problems.
#[derive(Default)]
struct Typed {
    message: String,
    facts: Vec<(String, String)>,
    problems: Problems,
    /// A refused supervisor request: the reason and kind as typed, the
    /// problem with the reason, or why it was refused.
    complaint_text: String,
    complaint_kind: String,
    complaint_error: Option<String>,
    complaint_refused: Option<String>,
}

impl TrackingPage {
    fn errors_for(&self, field: &str) -> Vec<String> {
        self.errors.iter().find(|(f, _)| *f == field).map(|(_, m)| m.clone()).unwrap_or_default()
    }
}

/// The ticket a tracking link opens, loaded before the handler runs (as
/// the staff side has `On`): an unknown token is a 404, and a ticket the
/// retention purge anonymised answers the gone page (410) — its handler
/// never runs, so nothing is read, stored or reopened.
pub struct Tracked {
    pub ticket: Ticket,
    /// The link's token, as the path gave it.
    pub token: String,
}

impl actix_web::FromRequest for Tracked {
    type Error = actix_web::Error;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let mut none = actix_web::dev::Payload::None;
            let state = web::Data::<AppState>::from_request(&req, &mut none).await?;
            let token = req.match_info().get("token").unwrap_or_default().to_string();
            let ticket = load(&state, &token).await?;
            if anonymised(&ticket) {
                let page = PageLang::from_request(&req, &mut none).await?;
                let response = gone(page)?;
                return Err(actix_web::error::InternalError::from_response("gone", response).into());
            }
            Ok(Tracked { ticket, token })
        })
    }
}

pub(super) async fn load(state: &AppState, token: &str) -> Result<Ticket, AppError> {
    let token = token.to_string();
    state.db(move |c| store::find_by_token(c, &token)?.ok_or(AppError::NotFound)).await
}

/// A ticket whose contact email the retention purge anonymised (an address
/// is required at intake; only the purge blanks it). Its links open nothing
/// any more: whoever holds an old email cannot read it, or reopen it.
pub(super) fn anonymised(ticket: &Ticket) -> bool {
    ticket.anonymised()
}

#[derive(Template)]
#[template(path = "tracking/gone.html")]
struct GonePage {
    lang: Lang,
    path: String,
}

/// 410 Gone: a calm page in both languages, with nothing of the ticket on
/// it (not even its reference).
pub(super) fn gone(page: PageLang) -> Result<HttpResponse, AppError> {
    super::html_status(StatusCode::GONE, GonePage { lang: page.lang, path: page.path })
}

/// Builds the page for a ticket (as read by its link, or again after a
/// write); `typed` carries a refused form back.
async fn tracking_page(
    state: &AppState,
    page: PageLang,
    csrf: String,
    (ticket, token): (Ticket, String),
    sent: bool,
    typed: Typed,
) -> Result<TrackingPage, AppError> {
    let lang = page.lang;
    let ticket_id = ticket.id.clone();
    let rate = super::satisfaction::rate_box(state, lang, &ticket).await?;
    let (rules, queue) = (state.rules.clone(), ticket.queue);
    let (events, shots, payment, cal) = state
        .db(move |c| {
            Ok((
                store::public_timeline(c, &ticket_id)?,
                store::screenshot_list(c, &ticket_id)?,
                crate::present::payment::PaymentView::load(c, &ticket_id)?,
                crate::ops::sla::calendar_for(c, &ticket_id, queue, &rules)?,
            ))
        })
        .await?;
    // The provider knows no payment with the number given, or what it knows
    // does not fit what the customer said: the number may be corrected here.
    let number_not_found = payment.state() == Some(CheckState::NotFound)
        || payment.checks.last().is_some_and(|c| c.problem.starts_with(crate::ops::payments::MISFIT));
    let Typed {
        message: message_value,
        facts: typed_facts,
        problems: errors,
        complaint_text,
        complaint_kind,
        complaint_error,
        complaint_refused,
    } = typed;
    let complaint = {
        use crate::domain::complaint;
        let at = now();
        let allowed =
            complaint::may_ask(ticket.status, ticket.due_at, ticket.paused_at.is_some(), ticket.complaint_at, at)
                .is_ok();
        let open = ticket.complaint_at.map(|since| {
            lang.t_args(
                "complaint-open",
                &[("time", super::china_time(since)), ("due", super::china_time(ticket.due_at))],
            )
        });
        (allowed || open.is_some() || complaint_refused.is_some()).then(|| ComplaintView {
            allowed,
            next: lang.t_with(
                "complaint-next",
                "within",
                crate::present::promise::span(lang, &cal, state.rules.complaint.first_response_hours),
            ),
            open,
            refused: complaint_refused,
            text: complaint_text,
            error: complaint_error,
            kind: complaint_kind,
            kinds: complaint::REASONS.iter().map(|c| (*c, lang.t(&format!("complaint-kind-{c}")))).collect(),
        })
    };
    let completeness = ticket.completeness();
    let typed_value = |name: &str| typed_facts.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let mut fact_fields: Vec<FactField> = Vec::new();
    let recheck = number_not_found.then_some(Fact::OrderNumber);
    for fact in completeness.missing.iter().chain(&completeness.could_help).chain(recheck.iter()) {
        let needed = completeness.missing.contains(fact);
        let field = |name: &'static str, input: &'static str| FactField {
            name,
            label: lang.t(&format!("field-{name}")),
            input,
            value: typed_value(name).unwrap_or_default(),
            needed,
            options: vec![],
        };
        match fact {
            Fact::Screenshot => {}
            Fact::ErrorDetail => {
                fact_fields.push(field("error_code", "text"));
                fact_fields.push(field("error_message", "text"));
            }
            Fact::PaymentMethod => fact_fields.push(FactField {
                options: PaymentMethod::ALL.iter().map(|m| (m.as_str(), m.label(lang))).collect(),
                ..field("payment_method", "select")
            }),
            Fact::OccurredAt => fact_fields.push(field("occurred_at", "datetime-local")),
            Fact::Amount => fact_fields.push(field("amount", "text")),
            Fact::OrderNumber => fact_fields.push(field("order_number", "text")),
        }
    }
    let kinds: Vec<EventKind> = events.iter().map(|e| e.kind).collect();
    let asked = next_steps::open_question(ticket.status, &kinds).map(|i| event_view(lang, events[i].clone()));
    // The platform's answer is what the customer waited for: it leads the
    // page while the request stays resolved by it.
    // (Not once an agent or the customer wrote after it.)
    let platform_answer = events
        .iter()
        .rposition(|e| e.kind == EventKind::PlatformAnswer)
        .filter(|i| {
            !events[i + 1..].iter().any(|e| matches!(e.kind, EventKind::PublicReply | EventKind::CustomerMessage))
        })
        .filter(|_| !ticket.status.is_open())
        .map(|i| event_view(lang, events[i].clone()));
    Ok(TrackingPage {
        platform_answer,
        complaint,
        guide: guide(lang, &ticket),
        next: NextView::build(lang, &ticket, state, &cal, now()),
        asked,
        rate,
        lang,
        csrf,
        path: page.path,
        reference: ticket.reference.clone(),
        status: status_words(lang, &ticket),
        filed: super::china_time(ticket.created_at),
        facts: facts(lang, &ticket, false),
        still_needed: completeness.missing.iter().map(|f| lang.t(&f.label_key())).collect(),
        needs_screenshot: completeness.missing.contains(&Fact::Screenshot),
        refund_lines: payment.refund_lines(lang),
        fact_fields,
        screenshots: shots.into_iter().map(|s| ShotView { id: s.id, width: s.width, height: s.height }).collect(),
        events: events.into_iter().map(|e| event_view(lang, e)).collect(),
        sent,
        message: message_value,
        errors,
        token,
    })
}

/// What the customer told us. The account number is always masked; the
/// email too, unless staff are reading (they need it to write back).
pub fn facts(lang: Lang, t: &Ticket, for_staff: bool) -> Vec<(String, String)> {
    let none = lang.t("track-none");
    let opt = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
    let checks = t.checks_tried.iter().map(|c| c.label(lang)).collect::<Vec<_>>().join(lang_separator(lang));
    // A fact that does not apply to this case is not listed as "not given".
    let not_applicable = t.completeness().not_applicable;
    let applies = |f: Fact| !not_applicable.contains(&f);
    let rows: [(&str, Option<String>, bool); 17] = [
        ("field-symptom", Some(t.symptom.label(lang)), true),
        ("field-failing_step", Some(t.failing_step.label(lang)), true),
        ("field-platform", Some(t.platform.label(lang)), true),
        ("field-payment_scenario", Some(t.payment_scenario.label(lang)), true),
        ("field-payment_method", t.payment_method.map(|m| m.label(lang)), applies(Fact::PaymentMethod)),
        ("field-error_code", opt(&t.error_code), applies(Fact::ErrorDetail)),
        ("field-error_message", opt(&t.error_message), applies(Fact::ErrorDetail)),
        ("field-city", Some(crate::present::city(lang, &t.city)), true),
        ("field-account_number", Some(t.account_masked.clone()), true),
        ("field-checks_tried", Some(checks), true),
        ("field-occurred_at", t.occurred_at.map(super::china_time), applies(Fact::OccurredAt)),
        ("field-amount", t.amount_cents.map(super::yuan), applies(Fact::Amount)),
        ("field-order_number", opt(&t.order_number), applies(Fact::OrderNumber)),
        // Staff see the number masked until one of them reveals it (audited).
        (
            "field-contact_phone",
            Some(crate::domain::sms::mask_phone(&t.contact_phone)).filter(|p| !p.is_empty()),
            false,
        ),
        (
            "field-contact_email",
            Some(if for_staff { t.contact_email.clone() } else { super::mask_email(&t.contact_email) })
                .filter(|e| !e.is_empty()),
            false,
        ),
        ("field-contact_channel", Some(t.contact_channel.label(lang)), true),
        ("field-description", (!t.description.is_empty()).then(|| t.description.clone()), true),
    ];
    rows.into_iter()
        .filter(|(_, value, applies)| value.is_some() || *applies)
        .map(|(key, value, _)| (lang.t(key), value.unwrap_or_else(|| none.clone())))
        .collect()
}

fn lang_separator(lang: Lang) -> &'static str {
    match lang {
        Lang::ZhCn => "、",
        Lang::En => ", ",
    }
}

pub fn event_view(lang: Lang, e: store::Event) -> EventView {
    let when = super::china_time(e.created_at);
    match e.kind {
        EventKind::Created => EventView { when, title: lang.t("event-created"), body: String::new() },
        EventKind::Merged if e.is_public => EventView {
            when,
            title: lang.t("event-merged"),
            body: lang.t_with("ticket-merged-into", "reference", &e.body),
        },
        EventKind::OutOfScope => {
            EventView { when, title: lang.t("event-out_of_scope"), body: lang.t("guide-out_of_scope") }
        }
        EventKind::PlatformAnswer => EventView { when, title: lang.t("event-platform_answer"), body: e.body },
        EventKind::PriorityChanged => {
            EventView { when, title: lang.t("event-priority_changed"), body: Priority::label_of(&e.body, lang) }
        }
        EventKind::StatusChanged => {
            EventView { when, title: lang.t("event-status_changed"), body: Status::label_of(&e.body, lang) }
        }
        kind => EventView { when, title: lang.t(&format!("event-{kind}")), body: e.body },
    }
}

#[derive(Deserialize)]
pub struct ShowQuery {
    sent: Option<String>,
}

/// `GET /t/{token}`.
pub async fn show(
    page: PageLang,
    csrf: CsrfToken,
    Tracked { ticket, token }: Tracked,
    query: web::Query<ShowQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    html(tracking_page(&state, page, csrf.0, (ticket, token), query.sent.is_some(), Typed::default()).await?)
}

/// What to fix, in the page's language, by field.
type Problems = Vec<(&'static str, Vec<String>)>;

/// Each problem in the page's language, by field.
fn messages(lang: Lang, errors: &FieldErrors, max_screenshot_bytes: usize) -> Problems {
    errors.0.iter().map(|(f, ps)| (*f, ps.iter().map(|p| message(lang, *p, max_screenshot_bytes)).collect())).collect()
}

/// The refusal of a screenshot past [`store::MAX_SCREENSHOTS_PER_TICKET`].
fn too_many_screenshots(lang: Lang) -> (&'static str, Vec<String>) {
    ("screenshot", vec![lang.t_with("track-screenshots-full", "max", store::MAX_SCREENSHOTS_PER_TICKET)])
}

/// `POST /t/{token}/messages`: the customer adds a message and/or a screenshot.
pub async fn add_message(
    req: HttpRequest,
    page: PageLang,
    csrf: CsrfToken,
    Tracked { ticket, token }: Tracked,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    state.check_intake_rate(&req).await?;
    let max_file = state.config.max_screenshot_bytes;
    let form = multipart::read(&req, payload, state.config.max_body_bytes(), max_file).await?;
    csrf.check(&form.text(crate::auth::csrf::FIELD))?;
    let raw = form.text("message");

    let mut errors = FieldErrors::default();
    let body = match text::clean(&raw, text::limits::MESSAGE, true) {
        Ok(body) => body.unwrap_or_default(),
        Err(e) => {
            errors.add("message", Problem::from(e));
            String::new()
        }
    };
    let screenshot = match &form.file {
        None => None,
        Some(file) => match file.data.clone().map(|d| Screenshot::parse(d, max_file)) {
            Some(Ok(shot)) => Some(shot),
            Some(Err(e)) => {
                errors.add("screenshot", Problem::Screenshot(e));
                None
            }
            None => {
                errors.add("screenshot", Problem::Screenshot(ScreenshotError::TooLarge));
                None
            }
        },
    };
    if errors.is_empty() && body.is_empty() && screenshot.is_none() {
        errors.add("message", Problem::MessageRequired);
    }
    let lang = page.lang;
    let mut problems = messages(lang, &errors, max_file);
    // A ticket keeps a bounded number of screenshots: refused here with the
    // rest of the form's problems, and again under the ticket's lock.
    let full = screenshot.is_some() && ticket.screenshot_count >= store::MAX_SCREENSHOTS_PER_TICKET;
    if full && !problems.iter().any(|(f, _)| *f == "screenshot") {
        problems.push(too_many_screenshots(lang));
    }
    if !problems.is_empty() {
        let typed = Typed { message: raw, problems, ..Default::default() };
        let view = tracking_page(&state, page, csrf.0, (ticket, token), false, typed).await?;
        return super::html_status(StatusCode::UNPROCESSABLE_ENTITY, view);
    }
    let rules = state.rules.clone();
    let outcome = state
        .write(move |c| {
            Ok(crate::ops::intake::add_customer_message(c, &ticket, &body, screenshot.as_ref(), &rules, now())?)
        })
        .await?;
    match outcome {
        crate::ops::intake::CustomerMessage::Added => {
            let location = format!("/t/{token}?sent=1#timeline");
            Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish())
        }
        crate::ops::intake::CustomerMessage::Anonymised => gone(page),
        crate::ops::intake::CustomerMessage::TooManyScreenshots => {
            let problems = vec![too_many_screenshots(lang)];
            let ticket = load(&state, &token).await?;
            let typed = Typed { message: raw, problems, ..Default::default() };
            let view = tracking_page(&state, page, csrf.0, (ticket, token), false, typed).await?;
            super::html_status(StatusCode::UNPROCESSABLE_ENTITY, view)
        }
    }
}

/// `POST /t/{token}/facts`: the customer adds the facts asked for; each is
/// checked as the intake form checks it, and routing decides again.
pub async fn add_facts(
    req: HttpRequest,
    page: PageLang,
    csrf: CsrfToken,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
    Tracked { ticket, token }: Tracked,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    state.check_intake_rate(&req).await?;
    let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let input = AddedInput {
        payment_method: get("payment_method"),
        error_code: get("error_code"),
        error_message: get("error_message"),
        occurred_at: get("occurred_at"),
        amount: get("amount"),
        order_number: get("order_number"),
    };
    let added = match validate_added(&input, now()) {
        Ok(added) => added,
        Err(errors) => {
            let problems = messages(page.lang, &errors, state.config.max_screenshot_bytes);
            let facts = ADDED_FIELDS.iter().map(|f| (f.to_string(), get(f))).collect();
            let typed = Typed { facts, problems, ..Default::default() };
            let view = tracking_page(&state, page, csrf.0, (ticket, token), false, typed).await?;
            return super::html_status(StatusCode::UNPROCESSABLE_ENTITY, view);
        }
    };
    let rules = state.rules.clone();
    let payments = state.payments.clone();
    let outcome = state
        .write(move |c| Ok(crate::ops::intake::add_facts(c, &ticket.id, &added, &rules, &payments, now())?))
        .await?;
    match outcome {
        crate::ops::intake::CustomerMessage::Anonymised => gone(page),
        _ => {
            let location = format!("/t/{token}?sent=1#timeline");
            Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish())
        }
    }
}

/// `GET /t/{token}/screenshots/{id}`: only the token's holder gets the bytes.
pub async fn screenshot(
    Tracked { ticket, .. }: Tracked,
    path: web::Path<(String, String)>,
    size: web::Query<super::thumbs::Size>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (_, id) = path.into_inner();
    let shot = id.clone();
    let (kind, data) =
        state.db(move |c| store::screenshot_data(c, &ticket.id, &shot)?.ok_or(AppError::NotFound)).await?;
    super::thumbs::respond(&size, &id, kind, data).await
}

#[derive(Deserialize)]
pub struct ComplaintForm {
    #[serde(default)]
    reason_kind: String,
    #[serde(default)]
    reason: String,
}

/// `POST /t/{token}/complaint`: "Not solved? Ask for a supervisor". The
/// reason is required and cleaned like any customer text; the rule
/// (`domain::complaint::may_ask`) is applied again under the ticket's lock.
pub async fn ask_supervisor(
    req: HttpRequest,
    page: PageLang,
    csrf: CsrfToken,
    CsrfForm(form): CsrfForm<ComplaintForm>,
    Tracked { ticket, token }: Tracked,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    use crate::domain::complaint::{Refusal, REASONS, REASON_MAX};
    use crate::ops::complaint::Outcome;
    state.check_intake_rate(&req).await?;
    let lang = page.lang;
    // An unknown kind is ignored (only the list is offered); the words count.
    let kind = REASONS.iter().find(|c| **c == form.reason_kind).copied();
    let cleaned = text::clean(&form.reason, REASON_MAX, true);
    let problem = match &cleaned {
        Ok(Some(_)) => None,
        Ok(None) => Some(lang.t("complaint-reason-required")),
        Err(e) => Some(message(lang, Problem::from(*e), state.config.max_screenshot_bytes)),
    };
    if let Some(error) = problem {
        let typed = Typed {
            complaint_text: form.reason,
            complaint_kind: kind.unwrap_or_default().to_string(),
            complaint_error: Some(error),
            ..Default::default()
        };
        let view = tracking_page(&state, page, csrf.0, (ticket, token), false, typed).await?;
        return super::html_status(StatusCode::UNPROCESSABLE_ENTITY, view);
    }
    let words = cleaned.ok().flatten().unwrap_or_default();
    // The chosen kind in the ticket's language, before the customer's words.
    let reason = match kind {
        Some(k) => format!("{}: {words}", ticket.language.t(&format!("complaint-kind-{k}"))),
        None => words,
    };
    let rules = state.rules.clone();
    let id = ticket.id.clone();
    let outcome = state.write(move |c| Ok(crate::ops::complaint::ask(c, &id, &reason, &rules, now())?)).await?;
    let refused = match outcome {
        Outcome::Asked => {
            // The box itself now says it was asked, and by when.
            let location = format!("/t/{token}#complaint");
            return Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish());
        }
        Outcome::Anonymised => return gone(page),
        Outcome::Refused(Refusal::AlreadyOpen) => lang.t("complaint-refused-open"),
        Outcome::Refused(Refusal::NotYet) => lang.t("complaint-refused-not-yet"),
    };
    let typed = Typed { complaint_refused: Some(refused), ..Default::default() };
    // Read again: the page shows the complaint as the refusal found it.
    let ticket = load(&state, &token).await?;
    let view = tracking_page(&state, page, csrf.0, (ticket, token), false, typed).await?;
    super::html_status(StatusCode::CONFLICT, view)
}
