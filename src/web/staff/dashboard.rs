//! `/supervisor`: the dashboard. Each section is a chart drawn on the server
//! and a table with the same numbers; each table downloads as CSV
//! (`/supervisor/dashboard/{section}.csv`) with the same filters.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde::Deserialize;

use super::export::{csv_bytes, csv_response};
use crate::auth::csrf::CsrfToken;
use crate::auth::Staff;
use crate::db::incidents::{self, Incident};
use crate::db::stats::{self, By, Range, SlaRow};
use crate::domain::china;
use crate::domain::codes::*;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::web::charts::{self, Chart};
use crate::web::lang::PageLang;
use crate::web::{now, AppState};

/// The longest range one page shows.
const MAX_DAYS: i64 = 366;
const DEFAULT_DAYS: i64 = 14;
const TOP: i64 = 10;

#[derive(Debug, Default, Deserialize, Clone)]
pub struct DashQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub queue: Option<String>,
}

impl DashQuery {
    /// The range asked for, or why it cannot be shown.
    fn range(&self, today: NaiveDate) -> Result<Range, &'static str> {
        let day = |v: &Option<String>| -> Result<Option<NaiveDate>, &'static str> {
            match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d").map(Some).map_err(|_| "dash-bad-date"),
            }
        };
        let to = day(&self.to)?.unwrap_or(today);
        let from = day(&self.from)?.unwrap_or(to - Duration::days(DEFAULT_DAYS - 1));
        if from > to {
            return Err("dash-bad-order");
        }
        if (to - from).num_days() >= MAX_DAYS {
            return Err("dash-too-long");
        }
        let queue = match self.queue.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(q) => Some(Queue::parse(q).ok_or("dash-bad-queue")?),
        };
        Ok(Range { from, to, queue })
    }
}

/// A table of the dashboard: its header and rows, as shown and as CSV.
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

pub struct Section {
    /// Also the CSV file's name.
    pub key: &'static str,
    pub title: String,
    /// Said instead of a chart with nothing to draw.
    pub empty: String,
    pub charts: Vec<Chart>,
    pub table: Table,
}

#[derive(Template)]
#[template(path = "staff/dashboard.html")]
struct DashboardPage {
    lang: Lang,
    path: String,
    me: Staff,
    csrf: String,
    from: String,
    to: String,
    queue: String,
    queues: Vec<(String, String)>,
    error: Option<String>,
    /// The filters as a query string, for the CSV links.
    query: String,
    sections: Vec<Section>,
    incidents: Vec<Incident>,
    /// Refunds past their due date: (ticket reference, the refund in words).
    late_refunds: Vec<(String, String)>,
    /// The headline numbers: (label, number, link to the tickets counted).
    headline: Vec<(String, i64, String)>,
}

/// Everything the sections are drawn from, read in one go.
struct Data {
    per_day: Vec<stats::DayKind>,
    cities: Vec<stats::Tally>,
    steps: Vec<stats::Tally>,
    sla: Vec<SlaRow>,
    backlog: Vec<(String, i64)>,
    workload: Vec<stats::Workload>,
    /// Per queue: how many fall due within its next working day, and when
    /// that day's worth of working time ends.
    due_next: Vec<(Queue, i64, NaiveDateTime)>,
    escalations: Vec<stats::EscalationRow>,
    answers: Vec<(String, i64, f64)>,
    incidents: Vec<Incident>,
    late_refunds: Vec<(crate::db::payments::Refund, String)>,
    headline: stats::Headline,
    /// Satisfaction ratings by kind, queue and agent.
    satisfaction: [Vec<crate::db::ratings::Tally>; 3],
}

async fn load(state: &AppState, r: Range) -> Result<Data, AppError> {
    let rules = state.rules.clone();
    state
        .db_replica(move |c| {
            let n = now();
            let q = r.queue;
            Ok(Data {
                per_day: stats::per_day_and_kind(c, &r)?,
                cities: stats::top(c, &r, By::City, TOP)?,
                steps: stats::top(c, &r, By::FailingStep, TOP)?,
                sla: stats::sla_by_queue(c, &r)?,
                backlog: stats::backlog_by_age(c, q, n)?,
                workload: stats::workload(c, q, n)?,
                due_next: due_next(c, &rules, q, n)?,
                escalations: stats::escalations_by_state(c, &r)?,
                answers: stats::platform_answer_times(c, &r)?,
                incidents: incidents::list(c, 20)?.into_iter().filter(|i| i.is_active()).collect(),
                late_refunds: crate::db::payments::late_refunds(c, n, 50)?,
                headline: stats::headline(c, q, n)?,
                satisfaction: super::ratings::tallies(c, &r)?,
            })
        })
        .await
}

/// Per queue (or the one chosen), the tickets that will be late within
/// the next working day of its calendar, counted from now.
fn due_next(
    c: &mut crate::db::DbConn,
    rules: &crate::routing::Rules,
    queue: Option<Queue>,
    now: NaiveDateTime,
) -> diesel::QueryResult<Vec<(Queue, i64, NaiveDateTime)>> {
    let calendars = crate::ops::sla::calendars(c, rules)?;
    let mut out = Vec::new();
    for (q, cal) in calendars.iter().filter(|(q, _)| queue.is_none_or(|chosen| chosen == **q)) {
        let until = cal.add(now, cal.working_day());
        out.push((*q, stats::due_between(c, *q, now, until)?, until));
    }
    Ok(out)
}

fn percent(v: Option<i64>) -> String {
    v.map(|p| format!("{p}%")).unwrap_or_else(|| "—".into())
}

fn sections(lang: Lang, r: &Range, d: &Data) -> Vec<Section> {
    let kind = |k: &str| CaseKind::label_of(k, lang);
    let mut out = Vec::new();

    // Tickets per day, stacked by kind of case.
    let days: Vec<NaiveDate> = r.from.iter_days().take_while(|d| *d <= r.to).collect();
    let mut kinds: Vec<&str> = d.per_day.iter().map(|x| x.case_kind.as_str()).collect();
    kinds.sort_by_key(|k| CaseKind::parse(k));
    kinds.dedup();
    let filed: std::collections::HashMap<(&str, &str), i64> =
        d.per_day.iter().map(|x| ((x.day.as_str(), x.case_kind.as_str()), x.filed)).collect();
    let value = |day: &NaiveDate, k: &str| filed.get(&(day.to_string().as_str(), k)).copied().unwrap_or(0);
    let series: Vec<(String, Vec<i64>)> =
        kinds.iter().map(|k| (kind(k), days.iter().map(|day| value(day, k)).collect())).collect();
    let xs: Vec<String> = days.iter().map(|d| d.format("%m-%d").to_string()).collect();
    let title = lang.t("dash-per-day");
    let in_range = lang.t("sv-chart-empty");
    let right_now = lang.t("sv-chart-empty-now");
    out.push(Section {
        key: "per-day",
        empty: in_range.clone(),
        charts: vec![charts::stacked_columns(&title, &xs, &series)],
        table: Table {
            header: std::iter::once(lang.t("dash-day"))
                .chain(kinds.iter().map(|k| kind(k)))
                .chain([lang.t("dash-total")])
                .collect(),
            rows: days
                .iter()
                .map(|day| {
                    let values: Vec<i64> = kinds.iter().map(|k| value(day, k)).collect();
                    std::iter::once(day.to_string())
                        .chain(values.iter().map(i64::to_string))
                        .chain([values.iter().sum::<i64>().to_string()])
                        .collect()
                })
                .collect(),
        },
        title,
    });

    let tally = |key: &'static str, title_key: &str, col: &str, rows: Vec<(String, i64)>, empty: &String| {
        let title = lang.t(title_key);
        Section {
            key,
            empty: empty.clone(),
            charts: vec![charts::bars(&title, &rows, "", None)],
            table: Table {
                header: vec![lang.t(col), lang.t("dash-tickets")],
                rows: rows.into_iter().map(|(v, n)| vec![v, n.to_string()]).collect(),
            },
            title,
        }
    };
    out.push(tally(
        "cities",
        "dash-cities",
        "col-city",
        d.cities.iter().map(|t| (crate::present::city(lang, &t.value), t.count)).collect(),
        &in_range,
    ));
    out.push(tally(
        "steps",
        "dash-steps",
        "col-step",
        d.steps.iter().map(|t| (FailingStep::label_of(&t.value, lang), t.count)).collect(),
        &in_range,
    ));

    // SLA attainment per queue.
    let queue = |q: &str| Queue::label_of(q, lang);
    let title = lang.t("dash-sla");
    let first: Vec<(String, i64)> = d
        .sla
        .iter()
        .filter_map(|s| SlaRow::percent(s.first_response_met, s.first_response_missed).map(|p| (queue(&s.queue), p)))
        .collect();
    let resolved: Vec<(String, i64)> = d
        .sla
        .iter()
        .filter_map(|s| SlaRow::percent(s.resolved_met, s.resolved_missed).map(|p| (queue(&s.queue), p)))
        .collect();
    out.push(Section {
        key: "sla",
        empty: in_range.clone(),
        charts: vec![
            charts::bars(&lang.t("dash-sla-first"), &first, "%", Some(100)),
            charts::bars(&lang.t("dash-sla-resolution"), &resolved, "%", Some(100)),
        ],
        table: Table {
            header: [
                "field-queue",
                "dash-first-met",
                "dash-first-missed",
                "dash-sla-first",
                "dash-res-met",
                "dash-res-missed",
                "dash-sla-resolution",
            ]
            .iter()
            .map(|k| lang.t(k))
            .collect(),
            rows: d
                .sla
                .iter()
                .map(|s| {
                    vec![
                        queue(&s.queue),
                        s.first_response_met.to_string(),
                        s.first_response_missed.to_string(),
                        percent(SlaRow::percent(s.first_response_met, s.first_response_missed)),
                        s.resolved_met.to_string(),
                        s.resolved_missed.to_string(),
                        percent(SlaRow::percent(s.resolved_met, s.resolved_missed)),
                    ]
                })
                .collect(),
        },
        title,
    });

    out.push(tally(
        "backlog",
        "dash-backlog",
        "dash-age",
        d.backlog.iter().map(|(k, n)| (lang.t(&format!("dash-{k}")), *n)).collect(),
        &right_now,
    ));

    let title = lang.t("dash-workload");
    out.push(Section {
        key: "workload",
        empty: right_now.clone(),
        charts: vec![charts::bars(
            &title,
            &d.workload.iter().map(|w| (w.name.clone(), w.open)).collect::<Vec<_>>(),
            "",
            None,
        )],
        table: Table {
            header: vec![lang.t("col-assignee"), lang.t("dash-open"), lang.t("dash-breached")],
            rows: d.workload.iter().map(|w| vec![w.name.clone(), w.open.to_string(), w.breached.to_string()]).collect(),
        },
        title,
    });

    let title = lang.t("dash-due-next");
    let due: Vec<&(Queue, i64, NaiveDateTime)> = d.due_next.iter().filter(|(_, n, _)| *n > 0).collect();
    out.push(Section {
        key: "due-next",
        empty: lang.t("dash-due-next-empty"),
        charts: vec![charts::bars(
            &title,
            &due.iter().map(|(q, n, _)| (q.label(lang), *n)).collect::<Vec<_>>(),
            "",
            None,
        )],
        table: Table {
            header: vec![lang.t("field-queue"), lang.t("dash-due-next-count"), lang.t("dash-due-next-until")],
            rows: d
                .due_next
                .iter()
                .map(|(q, n, until)| vec![q.label(lang), n.to_string(), crate::present::china_time(until)])
                .collect(),
        },
        title,
    });

    let platform = |p: &str| Platform::label_of(p, lang);
    let state = |s: &str| lang.t(&format!("esc-state-{s}"));
    let title = lang.t("dash-escalations");
    out.push(Section {
        key: "escalations",
        empty: lang.t("sv-chart-empty-escalations"),
        charts: vec![charts::bars(
            &title,
            &d.escalations
                .iter()
                .map(|e| (format!("{} · {}", platform(&e.platform), state(&e.status)), e.count))
                .collect::<Vec<_>>(),
            "",
            None,
        )],
        table: Table {
            header: vec![lang.t("dash-platform"), lang.t("field-status"), lang.t("dash-count")],
            rows: d
                .escalations
                .iter()
                .map(|e| vec![platform(&e.platform), state(&e.status), e.count.to_string()])
                .collect(),
        },
        title,
    });

    let title = lang.t("dash-answer-time");
    let hours = |h: f64| format!("{h:.1}");
    out.push(Section {
        key: "answer-time",
        empty: lang.t("sv-chart-empty-answers"),
        charts: vec![charts::bars(
            &title,
            &d.answers.iter().map(|(p, _, h)| (platform(p), h.round() as i64)).collect::<Vec<_>>(),
            " h",
            None,
        )],
        table: Table {
            header: vec![lang.t("dash-platform"), lang.t("dash-answers"), lang.t("dash-median-hours")],
            rows: d.answers.iter().map(|(p, n, h)| vec![platform(p), n.to_string(), hours(*h)]).collect(),
        },
        title,
    });
    out.push(super::ratings::section(lang, &d.satisfaction));
    out
}

/// The strip at the top: each number with the queue view that lists the
/// same tickets (in the dashboard's queue, when one is chosen).
fn headline(lang: Lang, h: &stats::Headline, queue: Option<Queue>) -> Vec<(String, i64, String)> {
    let q = queue.map(|q| format!("&queue={}", q.as_str())).unwrap_or_default();
    let today = today().to_string();
    vec![
        (lang.t("sv-head-open"), h.open, format!("/agent?view=open{q}")),
        (lang.t("sv-head-overdue"), h.overdue, format!("/agent?view=open&sla=breached{q}")),
        (lang.t("sv-head-waiting"), h.waiting, format!("/agent?view=open&status=pending_customer{q}")),
        (lang.t("sv-head-today"), h.filed_today, format!("/supervisor?from={today}&to={today}{q}#per-day")),
        (lang.t("sv-head-review"), h.to_review, "/supervisor/escalations".to_string()),
        (lang.t("sv-head-complaints"), h.complaints, format!("/agent?view=all&complaint=open{q}")),
    ]
}

fn today() -> NaiveDate {
    china::day(now())
}

pub async fn show(
    p: PageLang,
    me: Staff,
    csrf: CsrfToken,
    q: web::Query<DashQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let lang = p.lang;
    let (range, error) = match q.range(today()) {
        Ok(r) => (r, None),
        Err(key) => (
            DashQuery::default().range(today()).map_err(|_| AppError::Internal("default range".into()))?,
            Some(lang.t(key)),
        ),
    };
    let d = load(&state, range.clone()).await?;
    let query = serde_urlencoded::to_string([
        ("from", range.from.to_string()),
        ("to", range.to.to_string()),
        ("queue", range.queue.map(|q| q.as_str().to_string()).unwrap_or_default()),
    ])
    .unwrap_or_default();
    let page = DashboardPage {
        lang,
        path: p.path,
        csrf: csrf.0,
        from: range.from.to_string(),
        to: range.to.to_string(),
        queue: range.queue.map(|q| q.as_str().to_string()).unwrap_or_default(),
        queues: Queue::ALL.iter().map(|q| (q.as_str().to_string(), lang.t(&q.label_key()))).collect(),
        sections: sections(lang, &range, &d),
        late_refunds: d
            .late_refunds
            .iter()
            .map(|(r, reference)| {
                let view = crate::present::payment::PaymentView { refunds: vec![r.clone()], ..Default::default() };
                (reference.clone(), view.refund_lines(lang).pop().unwrap_or_default())
            })
            .collect(),
        headline: headline(lang, &d.headline, range.queue),
        incidents: d.incidents,
        me,
        error: error.clone(),
        query,
    };
    let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    crate::web::html_status(status, page)
}

/// `GET /supervisor/dashboard/{section}.csv`
pub async fn csv(
    p: PageLang,
    path: web::Path<String>,
    q: web::Query<DashQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let name = path.into_inner();
    let key = name.strip_suffix(".csv").ok_or(AppError::NotFound)?.to_string();
    let range = q.range(today()).map_err(|_| AppError::BadRequest("from"))?;
    let d = load(&state, range.clone()).await?;
    let section = sections(p.lang, &range, &d).into_iter().find(|s| s.key == key).ok_or(AppError::NotFound)?;
    let file = format!("paydesk-{}-{}-{}.csv", section.key, range.from, range.to);
    Ok(csv_response(&file, csv_bytes(&section.table.header, &section.table.rows)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(from: &str, to: &str, queue: &str) -> DashQuery {
        DashQuery { from: Some(from.into()), to: Some(to.into()), queue: Some(queue.into()) }
    }

    #[test]
    fn ranges_default_to_two_weeks_and_refuse_nonsense() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let r = DashQuery::default().range(today).unwrap();
        assert_eq!((r.from.to_string(), r.to.to_string(), r.queue), ("2026-11-09".into(), "2026-11-22".into(), None));
        assert_eq!(q("2026-11-01", "2026-11-02", "refunds").range(today).unwrap().queue, Some(Queue::Refunds));
        assert_eq!(q("2026-11-03", "2026-11-02", "").range(today).unwrap_err(), "dash-bad-order");
        assert_eq!(q("yesterday", "", "").range(today).unwrap_err(), "dash-bad-date");
        assert_eq!(q("2024-01-01", "2026-01-01", "").range(today).unwrap_err(), "dash-too-long");
        assert_eq!(q("", "", "nope").range(today).unwrap_err(), "dash-bad-queue");
    }
}
