//! `/supervisor/incidents`: spikes proposed as incidents, and incidents
//! supervisors run: accept or dismiss a proposal, make one by hand, link and
//! unlink tickets, post one public update to every linked customer, resolve.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Duration;
use serde::Deserialize;

use super::On;
use crate::auth::csrf::{CsrfForm, CsrfToken};
use crate::auth::Staff;
use crate::db::incidents::{self, Incident, Update};
use crate::db::tickets::{self as store, Ticket};
use crate::db::DbConn;
use crate::domain::codes::*;
use crate::domain::reference::normalize_reference;
use crate::domain::spikes::Dimension;
use crate::domain::text;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::ops::incident as op;
use crate::ops::ticket::Actor;
use crate::web::lang::PageLang;
use crate::web::{now, AppState};

/// Linked tickets listed on an incident's page (all are counted).
const SHOWN: i64 = 200;
/// A hand-made incident with a match takes the matching open tickets filed
/// this long before it.
const MANUAL_LOOKBACK: Duration = Duration::hours(24);

pub struct Line {
    pub reference: String,
    pub status: String,
    pub city: String,
    pub kind: String,
    pub step: String,
    pub created_at: chrono::NaiveDateTime,
}

fn lines(lang: Lang, ts: Vec<Ticket>) -> Vec<Line> {
    ts.into_iter()
        .map(|t| Line {
            status: super::words::status(lang, t.status),
            kind: t.case_kind.label(lang),
            step: t.failing_step.label(lang),
            reference: t.reference,
            city: t.city,
            created_at: t.created_at,
        })
        .collect()
}

/// What an incident matches, in words: "City: 上海".
pub fn matches(lang: Lang, i: &Incident) -> String {
    let Some(dimension) = i.dimension() else { return lang.t("inc-no-match") };
    let value = match dimension {
        Dimension::CaseKind => CaseKind::label_of(&i.value, lang),
        Dimension::FailingStep => FailingStep::label_of(&i.value, lang),
        Dimension::City => i.value.clone(),
    };
    format!("{}: {}", lang.t(&format!("inc-dim-{}", dimension.as_str())), value)
}

/// An incident's title as the page shows it. Spike detection names its
/// proposals by code (`case_kind = timeout_busy`); those read as what they
/// match ("Spike: Kind of case: Timeout / busy"). A title a supervisor wrote
/// is theirs, shown as written.
pub fn title(lang: Lang, i: &Incident) -> String {
    match i.dimension() {
        Some(d) if i.title == format!("{} = {}", d.as_str(), i.value) => {
            lang.t_with("sv-spike-title", "what", matches(lang, i))
        }
        _ => i.title.clone(),
    }
}

/// A spike's numbers in words, short (the list) or with its time.
fn spike_counts(lang: Lang, i: &Incident, detail: bool) -> Option<String> {
    let mut args = vec![("count", i.spike_count.to_string()), ("expected", i.expected_count.to_string())];
    (i.spike_count > 0).then(|| {
        if detail {
            args.push(("since", crate::present::china_time(i.window_start)));
            lang.t_args("inc-spike-detail", &args)
        } else {
            lang.t_args("inc-spike-counts", &args)
        }
    })
}

/// One option of the incident form's "what new tickets share": (value,
/// label, chosen).
type Choice = (String, String, bool);

#[derive(Template)]
#[template(path = "staff/incidents.html")]
struct ListPage {
    lang: Lang,
    path: String,
    me: Staff,
    csrf: String,
    /// Each with its title, what it matches and its spike, in words.
    incidents: Vec<(Incident, String, String, String)>,
    error: Option<String>,
    title: String,
    /// What new tickets must share, as one choice: (group label, [(value,
    /// label, chosen)]); the value is `dimension:code`, or `city` (then the
    /// city is written in its own field).
    choices: Vec<(String, Vec<Choice>)>,
    city_chosen: bool,
    city: String,
}

#[derive(Template)]
#[template(path = "staff/incident.html")]
struct ShowPage {
    lang: Lang,
    path: String,
    me: Staff,
    csrf: String,
    inc: Incident,
    /// The incident's title in words (see [`title`]).
    title: String,
    matches: String,
    spike: Option<String>,
    /// While proposed: the tickets accepting would link.
    candidates: Vec<Line>,
    linked: Vec<Line>,
    linked_count: i64,
    updates: Vec<Update>,
    error: Option<String>,
}

pub async fn list(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    list_page(&state, p, me, csrf.0, None, Default::default()).await
}

async fn list_page(
    state: &AppState,
    p: PageLang,
    me: Staff,
    csrf: String,
    error: Option<String>,
    (title, dimension, value): (String, String, String),
) -> Result<HttpResponse, AppError> {
    let lang = p.lang;
    let all = state.db(|c| Ok(incidents::list(c, 200)?)).await?;
    let incidents = all
        .into_iter()
        .map(|i| {
            let spike = spike_counts(lang, &i, false).unwrap_or_else(|| "—".into());
            (self::title(lang, &i), matches(lang, &i), spike, i)
        })
        .map(|(t, m, s, i)| (i, t, m, s))
        .collect();
    let chosen = |d: Dimension, code: &str| dimension == d.as_str() && value == code;
    let choices = vec![
        (
            lang.t("inc-dim-case_kind"),
            CaseKind::ALL
                .iter()
                .map(|k| (format!("case_kind:{}", k.as_str()), k.label(lang), chosen(Dimension::CaseKind, k.as_str())))
                .collect(),
        ),
        (
            lang.t("inc-dim-failing_step"),
            FailingStep::ALL
                .iter()
                .map(|s| {
                    (format!("failing_step:{}", s.as_str()), s.label(lang), chosen(Dimension::FailingStep, s.as_str()))
                })
                .collect(),
        ),
    ];
    let city_chosen = dimension == Dimension::City.as_str();
    let city = if city_chosen { value } else { String::new() };
    let status = if error.is_some() {
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        actix_web::http::StatusCode::OK
    };
    crate::web::html_status(
        status,
        ListPage { lang, path: p.path, me, csrf, incidents, error, title, choices, city_chosen, city },
    )
}

#[derive(Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    title: String,
    /// What new tickets must share, as the form's one choice: empty (none:
    /// tickets are linked by hand), `case_kind:<code>`, `failing_step:<code>`,
    /// or `city` with the city in `city`.
    #[serde(default)]
    matching: String,
    #[serde(default)]
    city: String,
    /// The same as two fields (the API's and older forms' way): empty, or
    /// a dimension code, and the value to match.
    #[serde(default)]
    dimension: String,
    #[serde(default)]
    value: String,
}

impl CreateForm {
    /// (dimension, value) as written, from whichever way the form said it.
    fn matching(&self) -> (String, String) {
        let m = self.matching.trim();
        if m.is_empty() {
            return (self.dimension.trim().to_string(), self.value.trim().to_string());
        }
        match m.split_once(':') {
            Some((d, v)) => (d.to_string(), v.to_string()),
            None => (m.to_string(), self.city.trim().to_string()),
        }
    }
}

/// `POST /supervisor/incidents`: a supervisor's own incident.
pub async fn create(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    CsrfForm(f): CsrfForm<CreateForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (dimension, value) = f.matching();
    let title = f.title.trim().to_string();
    let title_ok = text::clean(&title, text::limits::TITLE, false).ok().flatten();
    let dim = if dimension.is_empty() { None } else { Dimension::parse(&dimension) };
    let value_ok = text::clean(&value, text::limits::VALUE, false).ok().flatten();
    let problem = match (&title_ok, dimension.is_empty(), dim, &value_ok) {
        (None, ..) => Some("inc-title-required"),
        (_, false, None, _) => Some("inc-bad-dimension"),
        (_, false, Some(_), None) => Some("inc-value-required"),
        _ => None,
    };
    if let Some(key) = problem {
        let lang = p.lang;
        return list_page(&state, p, me, csrf.0, Some(lang.t(key)), (title, dimension, value)).await;
    }
    let title = title_ok.unwrap_or_default();
    let matching = dim.zip(value_ok);
    let (me_id, me_name) = (me.id.clone(), me.name.clone());
    let id = state
        .write(move |c| {
            let actor = Actor { id: &me_id, name: &me_name };
            let m = matching.as_ref().map(|(d, v)| (*d, v.as_str()));
            op::create(c, &title, m, MANUAL_LOOKBACK, &actor, now())
        })
        .await?;
    Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, format!("/supervisor/incidents/{id}"))).finish())
}

pub async fn show(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    show_page(&state, p, me, csrf.0, id.into_inner(), None).await
}

async fn show_page(
    state: &AppState,
    p: PageLang,
    me: Staff,
    csrf: String,
    id: String,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let lang = p.lang;
    let (i, candidates, (linked, linked_count), updates) = state
        .db(move |c| {
            let i = incidents::find(c, &id)?.ok_or(AppError::NotFound)?;
            let candidates =
                if i.status == IncidentStatus::Proposed { incidents::matching(c, &i, SHOWN)? } else { Vec::new() };
            let linked = incidents::linked_tickets(c, &i.id, SHOWN)?;
            let updates = incidents::updates(c, &i.id)?;
            Ok((i, candidates, linked, updates))
        })
        .await?;
    let page = ShowPage {
        lang,
        path: p.path,
        me,
        csrf,
        matches: matches(lang, &i),
        title: title(lang, &i),
        spike: spike_counts(lang, &i, true),
        inc: i,
        candidates: lines(lang, candidates),
        linked: lines(lang, linked),
        linked_count,
        updates,
        error: error.clone(),
    };
    let status = if error.is_some() {
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        actix_web::http::StatusCode::OK
    };
    crate::web::html_status(status, page)
}

impl On {
    /// Runs one operation on the incident as the signed-in supervisor, then
    /// goes back to its page; a refusal for the form's content (`Err(key)`)
    /// shows the page again with that message.
    async fn run<F>(self, op: F) -> Result<HttpResponse, AppError>
    where
        F: FnOnce(&mut DbConn, &str, &Actor<'_>) -> Result<Result<(), &'static str>, AppError> + Send + 'static,
    {
        let On { p, me, csrf, key: id, state } = self;
        let id = id.into_inner();
        let (me_id, me_name, incident_id) = (me.id.clone(), me.name.clone(), id.clone());
        let outcome = state
            .write(move |c| {
                let actor = Actor { id: &me_id, name: &me_name };
                op(c, &incident_id, &actor)
            })
            .await?;
        match outcome {
            Ok(()) => Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, format!("/supervisor/incidents/{id}")))
                .finish()),
            Err(key) => {
                let lang = p.lang;
                show_page(&state, p, me, csrf.0, id, Some(lang.t(key))).await
            }
        }
    }

    /// Shows the page again with a message about the form.
    async fn refuse(self, key: &str) -> Result<HttpResponse, AppError> {
        let On { p, me, csrf, key: id, state } = self;
        let lang = p.lang;
        show_page(&state, p, me, csrf.0, id.into_inner(), Some(lang.t(key))).await
    }
}

#[derive(Deserialize)]
pub struct AcceptForm {
    /// Empty: the proposal's own title.
    #[serde(default)]
    title: String,
}

#[derive(Deserialize)]
pub struct DismissForm {}

#[derive(Deserialize)]
pub struct TicketForm {
    /// The ticket's reference, as staff type it.
    #[serde(default)]
    reference: String,
}

#[derive(Deserialize)]
pub struct WordsForm {
    #[serde(default)]
    body_zh: String,
    /// May be left out: English-speaking customers get the Chinese then.
    #[serde(default)]
    body_en: String,
}

impl WordsForm {
    /// (Chinese, English); `None` without Chinese.
    fn words(&self) -> Option<(String, String)> {
        let zh = text::clean(self.body_zh.trim(), text::limits::MESSAGE, true).ok().flatten()?;
        Some((zh, text::clean(self.body_en.trim(), text::limits::MESSAGE, true).ok().flatten().unwrap_or_default()))
    }
}

/// The ticket a form names, by id: `Err` (a message for the form) when no
/// ticket has that reference.
fn ticket_named(c: &mut DbConn, reference: &str) -> Result<Result<String, &'static str>, AppError> {
    Ok(match normalize_reference(reference.trim()) {
        Some(r) => store::find_by_reference(c, &r)?.map(|t| t.id).ok_or("inc-no-ticket"),
        None => Err("inc-no-ticket"),
    })
}

/// `POST /supervisor/incidents/{id}/accept`: a proposal becomes an open
/// incident (renamed, if a title is given) and the spike's tickets join it.
pub async fn accept(on: On, CsrfForm(f): CsrfForm<AcceptForm>) -> Result<HttpResponse, AppError> {
    let title = text::clean(f.title.trim(), text::limits::TITLE, false).ok().flatten();
    on.run(move |c, id, actor| Ok(Ok(op::accept(c, id, title.as_deref(), actor, now())?))).await
}

/// `POST /supervisor/incidents/{id}/dismiss`: a proposal turned down.
pub async fn dismiss(on: On, CsrfForm(_): CsrfForm<DismissForm>) -> Result<HttpResponse, AppError> {
    on.run(|c, id, actor| Ok(Ok(op::dismiss(c, id, actor, now())?))).await
}

/// `POST /supervisor/incidents/{id}/link`: a ticket joins the incident.
pub async fn link(on: On, CsrfForm(f): CsrfForm<TicketForm>) -> Result<HttpResponse, AppError> {
    on.run(move |c, id, actor| match ticket_named(c, &f.reference)? {
        Ok(ticket_id) => Ok(Ok(op::link(c, id, &ticket_id, actor, now())?)),
        Err(key) => Ok(Err(key)),
    })
    .await
}

/// `POST /supervisor/incidents/{id}/unlink`: a ticket leaves the incident.
pub async fn unlink(on: On, CsrfForm(f): CsrfForm<TicketForm>) -> Result<HttpResponse, AppError> {
    on.run(move |c, id, actor| match ticket_named(c, &f.reference)? {
        Ok(ticket_id) => Ok(Ok(op::unlink(c, id, &ticket_id, actor, now())?)),
        Err(key) => Ok(Err(key)),
    })
    .await
}

/// `POST /supervisor/incidents/{id}/update`: one public update to every
/// linked customer.
pub async fn update(on: On, CsrfForm(f): CsrfForm<WordsForm>) -> Result<HttpResponse, AppError> {
    let Some((zh, en)) = f.words() else { return on.refuse("inc-body-required").await };
    on.run(move |c, id, actor| op::post_update(c, id, (&zh, &en), actor, now()).map(|_| Ok(()))).await
}

/// `POST /supervisor/incidents/{id}/resolve`: the incident and its open
/// tickets resolved, with the message.
pub async fn resolve(on: On, CsrfForm(f): CsrfForm<WordsForm>) -> Result<HttpResponse, AppError> {
    let Some((zh, en)) = f.words() else { return on.refuse("inc-body-required").await };
    let rules = on.state.rules.clone();
    on.run(move |c, id, actor| op::resolve(c, id, (&zh, &en), &rules, actor, now()).map(|_| Ok(()))).await
}
