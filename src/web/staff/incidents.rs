//! `/supervisor/incidents`: spikes proposed as incidents, and incidents
//! supervisors run: accept or dismiss a proposal, make one by hand, link and
//! unlink tickets, post one public update to every linked customer, resolve.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Duration;

use crate::auth::csrf::CsrfToken;
use crate::auth::Staff;
use crate::db::incidents::{self, status, Incident, Update};
use crate::db::tickets::{self as store, Ticket};
use crate::domain::codes::*;
use crate::domain::reference::normalize_reference;
use crate::domain::spikes::Dimension;
use crate::domain::text;
use crate::error::AppError;
use crate::i18n::Lang;
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
            status: t.status.label(lang),
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
    let value = match i.dimension() {
        Some(Dimension::CaseKind) => CaseKind::label_of(&i.value, lang),
        Some(Dimension::FailingStep) => FailingStep::label_of(&i.value, lang),
        Some(Dimension::City) => i.value.clone(),
        None => return lang.t("inc-no-match"),
    };
    format!("{}: {}", lang.t(&format!("inc-dim-{}", i.dimension)), value)
}

/// A spike's numbers in words, short (the list) or with its time.
fn spike_counts(lang: Lang, i: &Incident, detail: bool) -> Option<String> {
    let mut args = vec![("count", i.spike_count.to_string()), ("expected", i.expected_count.to_string())];
    (i.spike_count > 0).then(|| {
        if detail {
            args.push(("since", crate::web::china_time(i.window_start)));
            lang.t_args("inc-spike-detail", &args)
        } else {
            lang.t_args("inc-spike-counts", &args)
        }
    })
}

#[derive(Template)]
#[template(path = "staff/incidents.html")]
struct ListPage {
    lang: Lang,
    path: String,
    me: Staff,
    csrf: String,
    /// Each with what it matches and its spike, in words.
    incidents: Vec<(Incident, String, String)>,
    error: Option<String>,
    title: String,
    /// (code, label, chosen)
    dimensions: Vec<(String, String, bool)>,
    value: String,
}

#[derive(Template)]
#[template(path = "staff/incident.html")]
struct ShowPage {
    lang: Lang,
    path: String,
    me: Staff,
    csrf: String,
    inc: Incident,
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
            (matches(lang, &i), spike, i)
        })
        .map(|(m, s, i)| (i, m, s))
        .collect();
    let dimensions = Dimension::ALL
        .iter()
        .map(|d| (d.as_str().to_string(), lang.t(&format!("inc-dim-{}", d.as_str())), d.as_str() == dimension))
        .collect();
    let status = if error.is_some() {
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        actix_web::http::StatusCode::OK
    };
    crate::web::html_status(
        status,
        ListPage { lang, path: p.path, me, csrf, incidents, error, title, dimensions, value },
    )
}

fn form_map(form: web::Form<Vec<(String, String)>>) -> HashMap<String, String> {
    form.into_inner().into_iter().collect()
}

/// `POST /supervisor/incidents`: a supervisor's own incident.
pub async fn create(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    form: web::Form<Vec<(String, String)>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form = form_map(form);
    let field = |k: &str| form.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    csrf.check(&field("csrf"))?;
    let (title, dimension, value) = (field("title"), field("dimension"), field("value"));
    let title_ok = text::clean(&title, 200, false).ok().flatten();
    let dim = if dimension.is_empty() { None } else { Dimension::parse(&dimension) };
    let value_ok = text::clean(&value, 100, false).ok().flatten();
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
            Ok(incidents::create(c, &title, m, MANUAL_LOOKBACK, &actor, now())?)
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
            let candidates = if i.status == status::PROPOSED { incidents::matching(c, &i, SHOWN)? } else { Vec::new() };
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

/// `POST /supervisor/incidents/{id}/{action}`: accept, dismiss, link,
/// unlink, update, resolve.
pub async fn act(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    path: web::Path<(String, String)>,
    form: web::Form<Vec<(String, String)>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form = form_map(form);
    let field = |k: &str| form.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    csrf.check(&field("csrf"))?;
    let (id, action) = path.into_inner();
    // Both languages' words; English may be left out (Chinese is sent then).
    let words = (
        text::clean(&field("body_zh"), 4000, true).ok().flatten(),
        text::clean(&field("body_en"), 4000, true).ok().flatten().unwrap_or_default(),
    );
    if matches!(action.as_str(), "update" | "resolve") && words.0.is_none() {
        let lang = p.lang;
        return show_page(&state, p, me, csrf.0, id, Some(lang.t("inc-body-required"))).await;
    }
    let title = text::clean(&field("title"), 200, false).ok().flatten();
    let reference = normalize_reference(&field("reference"));
    let (me_id, me_name) = (me.id.clone(), me.name.clone());
    let back = format!("/supervisor/incidents/{id}");
    let outcome: Result<bool, &'static str> = state
        .write(move |c| {
            let i = incidents::find(c, &id)?.ok_or(AppError::NotFound)?;
            let actor = Actor { id: &me_id, name: &me_name };
            let ticket = |c: &mut crate::db::DbConn| -> Result<Result<Ticket, &'static str>, AppError> {
                Ok(match &reference {
                    Some(r) => store::find_by_reference(c, r)?.ok_or("inc-no-ticket"),
                    None => Err("inc-no-ticket"),
                })
            };
            let zh = words.0.as_deref().unwrap_or_default();
            Ok(match action.as_str() {
                "accept" => Ok(incidents::accept(c, &i, title.as_deref().unwrap_or(&i.title), &actor, now())?),
                "dismiss" => Ok(incidents::dismiss(c, &i, &actor, now())?),
                "link" if i.status == status::OPEN => match ticket(c)? {
                    Ok(t) => {
                        incidents::link(c, &i, &t, &actor, now())?;
                        Ok(true)
                    }
                    Err(e) => Err(e),
                },
                "unlink" => match ticket(c)? {
                    Ok(t) => {
                        incidents::unlink(c, &i, &t, &actor, now())?;
                        Ok(true)
                    }
                    Err(e) => Err(e),
                },
                "update" if i.status == status::OPEN => {
                    incidents::post_update(c, &i, (zh, &words.1), &actor, now())?;
                    Ok(true)
                }
                "resolve" => Ok(incidents::resolve(c, &i, (zh, &words.1), &actor, now())?.is_some()),
                "link" | "update" => Ok(false),
                _ => return Err(AppError::NotFound),
            })
        })
        .await?;
    match outcome {
        Ok(true) => Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, back)).finish()),
        Ok(false) => Err(AppError::Conflict("incident")),
        Err(key) => {
            let lang = p.lang;
            let id = back.trim_start_matches("/supervisor/incidents/").to_string();
            show_page(&state, p, me, csrf.0, id, Some(lang.t(key))).await
        }
    }
}
