//! `/admin/calendars` (issue 30): the working-time calendars — their hours,
//! the closed and make-up days, where those came from, which years are
//! still provisional — which queue works by which, a holiday feed
//! (`.ics`) imported, one day set by hand.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use crate::auth::csrf::{CsrfForm, CsrfToken};
use crate::auth::Staff;
use crate::db::calendars as store;
use crate::domain::calendar::Calendar;
use crate::domain::calendar_ics;
use crate::domain::codes::{Queue, Role};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::ops::calendars as ops;
use crate::web::lang::PageLang;
use crate::web::{now, AppState};

pub struct DayView {
    pub day: String,
    pub open: bool,
    pub note: String,
}

pub struct CalendarView {
    pub name: String,
    pub hours: String,
    pub weekdays: String,
    pub source: String,
    pub years: String,
    /// From this year on.
    pub days: Vec<DayView>,
    /// "2027 is provisional (weekends only)", when next year is unknown.
    pub provisional: Option<String>,
}

pub struct QueueView {
    pub code: &'static str,
    pub label: String,
    /// The admin's choice ('' for the rules file's).
    pub chosen: String,
    /// The rules file's, shown as what '' means.
    pub default: String,
}

#[derive(Template)]
#[template(path = "staff/calendars.html")]
struct CalendarsPage {
    lang: Lang,
    path: String,
    me: Staff,
    csrf: String,
    calendars: Vec<CalendarView>,
    names: Vec<String>,
    queues: Vec<QueueView>,
    done: Option<String>,
    problem: Option<String>,
}

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

fn view(lang: Lang, cal: &Calendar, today: NaiveDate) -> CalendarView {
    let next = today.year() + 1;
    let provisional = cal
        .is_provisional(NaiveDate::from_ymd_opt(next, 1, 1).unwrap_or(today))
        .then(|| lang.t_with("cal-provisional", "year", next));
    CalendarView {
        name: cal.name.clone(),
        hours: if cal.hours.is_none() { lang.t("cal-all-day") } else { cal.hours_text() },
        weekdays: cal.weekdays_text(),
        source: cal.source.clone(),
        years: cal.years_text(),
        days: cal
            .days
            .range(NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today)..)
            .map(|(d, open)| DayView {
                day: d.to_string(),
                open: *open,
                note: cal.notes.get(d).cloned().unwrap_or_default(),
            })
            .collect(),
        provisional,
    }
}

async fn page(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    state: &AppState,
    done: Option<String>,
    problem: Option<String>,
) -> Result<HttpResponse, AppError> {
    let lang = p.lang;
    let rules = state.rules.clone();
    let (cals, chosen) = state
        .db(move |c| {
            let mut cals = Vec::new();
            for name in store::names(c)? {
                cals.extend(store::find(c, &name)?);
            }
            let chosen: Vec<(Queue, Option<String>)> =
                Queue::ALL.iter().map(|q| Ok((*q, store::set_for(c, *q)?))).collect::<Result<_, AppError>>()?;
            Ok((cals, chosen))
        })
        .await?;
    let today = crate::domain::china::day(now());
    let status = if problem.is_some() {
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        actix_web::http::StatusCode::OK
    };
    crate::web::html_status(
        status,
        CalendarsPage {
            names: cals.iter().map(|c| c.name.clone()).collect(),
            calendars: cals.iter().map(|c| view(lang, c, today)).collect(),
            queues: chosen
                .into_iter()
                .map(|(q, name)| QueueView {
                    code: q.as_str(),
                    label: q.label(lang),
                    chosen: name.unwrap_or_default(),
                    default: rules.calendars.name_for(q).to_string(),
                })
                .collect(),
            done: done
                .filter(|d| ["queues", "imported", "day"].contains(&d.as_str()))
                .map(|d| lang.t(&format!("cal-done-{d}"))),
            problem,
            lang,
            path: p.path,
            me,
            csrf: csrf.0,
        },
    )
}

/// `GET /admin/calendars`.
pub async fn show(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    q: web::Query<Done>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    page(p, me, csrf, &state, q.into_inner().done, None).await
}

fn back(done: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, format!("/admin/calendars?done={done}"))).finish()
}

/// `POST /admin/calendars/queues`: `q_<queue>` = a calendar's name, or ''
/// for the rules file's.
pub async fn set_queues(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    CsrfForm(form): CsrfForm<std::collections::HashMap<String, String>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let actor = me.id.clone();
    let chosen: Vec<(Queue, String)> = Queue::ALL
        .iter()
        .filter_map(|q| form.get(&format!("q_{}", q.as_str())).map(|v| (*q, v.trim().to_string())))
        .collect();
    let unknown = state
        .write(move |c| {
            let names = store::names(c)?;
            if chosen.iter().any(|(_, n)| !n.is_empty() && !names.contains(n)) {
                return Ok(true);
            }
            for (q, name) in &chosen {
                if store::set_for(c, *q)?.unwrap_or_default() != *name {
                    ops::set_queue(c, *q, (!name.is_empty()).then_some(name.as_str()), &actor, now())?;
                }
            }
            Ok(false)
        })
        .await?;
    if unknown {
        let problem = p.lang.t("cal-unknown");
        return page(p, me, csrf, &state, None, Some(problem)).await;
    }
    Ok(back("queues"))
}

/// `POST /admin/calendars/import` (multipart): `calendar`, and `feed`, an
/// iCalendar file.
pub async fn import(
    req: HttpRequest,
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    const MAX: usize = 2 * 1024 * 1024;
    let form = crate::web::multipart::read(&req, payload, MAX, MAX).await?;
    csrf.check(&form.text(crate::auth::csrf::FIELD))?;
    let name = form.text("calendar").trim().to_string();
    if !crate::domain::calendar::valid_name(&name) {
        let problem = p.lang.t("cal-name-rule");
        return page(p, me, csrf, &state, None, Some(problem)).await;
    }
    let Ok(feed) = calendar_ics::read(&form.text("feed")) else {
        let problem = p.lang.t("cal-not-ics");
        return page(p, me, csrf, &state, None, Some(problem)).await;
    };
    let actor = me.id.clone();
    state.write(move |c| Ok(ops::import(c, &name, &feed, "admin upload", Some(&actor), now())?)).await?;
    Ok(back("imported"))
}

#[derive(Deserialize)]
pub struct DayForm {
    day: String,
    /// `closed`, `open`, or `usual` (the weekly hours decide again).
    kind: String,
    #[serde(default)]
    note: String,
}

/// `POST /admin/calendars/{name}/days`: one day closed, opened (a make-up
/// working day) or back to the week's rule.
pub async fn set_day(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    name: web::Path<String>,
    CsrfForm(form): CsrfForm<DayForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let day = NaiveDate::parse_from_str(form.day.trim(), "%Y-%m-%d").ok();
    let kind = match form.kind.as_str() {
        "closed" => Some(Some(false)),
        "open" => Some(Some(true)),
        "usual" => Some(None),
        _ => None,
    };
    let note = crate::domain::text::clean(form.note.trim(), 60, false).ok().flatten().unwrap_or_default();
    let (Some(day), Some(kind)) = (day, kind) else {
        let problem = p.lang.t("cal-day-rule");
        return page(p, me, csrf, &state, None, Some(problem)).await;
    };
    let (name, actor) = (name.into_inner(), me.id.clone());
    let found = state.write(move |c| Ok(ops::set_day(c, &name, day, kind, &note, &actor, now())?)).await?;
    if !found {
        return Err(AppError::NotFound);
    }
    Ok(back("day"))
}
