//! `GET /agent`: the triage queue.

use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::NaiveDateTime;
use serde::Deserialize;

use crate::auth::csrf::CsrfToken;
use crate::auth::Staff;
use crate::db::queue::{self, Cursor, Filter, RowData, View, Viewer};
use crate::db::users;
use crate::domain::codes::*;
use crate::domain::sla::SlaState;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::web::lang::PageLang;
use crate::web::{china_time, now, AppState};

pub const PAGE_SIZE: i64 = 50;

/// The queue's query string: view, filters, search and the page cursor.
/// The same names serve `GET /api/v1/tickets`.
#[derive(Debug, Default, Deserialize, Clone)]
pub struct QueueQuery {
    pub view: Option<String>,
    pub status: Option<String>,
    pub case_kind: Option<String>,
    pub queue: Option<String>,
    pub city: Option<String>,
    pub priority: Option<String>,
    /// A user id, or `none` for unassigned.
    pub assignee: Option<String>,
    pub sla: Option<String>,
    pub q: Option<String>,
    pub after: Option<String>,
    /// The API's change feed: changes after this time (RFC 3339).
    pub updated_since: Option<String>,
    /// The API's page size (1 to 200).
    pub limit: Option<String>,
}

fn some(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl QueueQuery {
    /// Parses the filters; an unknown value is refused rather than ignored,
    /// so nobody reads an unfiltered list as a filtered one.
    pub fn parse(&self) -> Result<(View, Filter, Option<Cursor>), AppError> {
        fn opt<T>(v: &Option<String>, parse: fn(&str) -> Option<T>) -> Result<Option<T>, AppError> {
            some(v).map(|s| parse(s).ok_or(AppError::BadRequest("unknown filter value"))).transpose()
        }
        // Words to search for, a city, a user id: never a control character
        // (PostgreSQL refuses a NUL in text; no one types the others).
        fn words(v: &Option<String>) -> Result<Option<String>, AppError> {
            match some(v) {
                Some(s) if s.chars().any(char::is_control) => {
                    Err(AppError::BadRequest("control character in a filter"))
                }
                other => Ok(other.map(str::to_string)),
            }
        }
        let view = opt(&self.view, View::parse)?.unwrap_or_default();
        let filter = Filter {
            status: opt(&self.status, Status::parse)?,
            case_kind: opt(&self.case_kind, CaseKind::parse)?,
            queue: opt(&self.queue, Queue::parse)?,
            city: words(&self.city)?,
            priority: opt(&self.priority, Priority::parse)?,
            assignee: words(&self.assignee)?.map(|a| if a == "none" { None } else { Some(a) }),
            sla: opt(&self.sla, SlaState::parse)?,
            search: words(&self.q)?,
        };
        let after = opt(&self.after, Cursor::decode)?;
        Ok((view, filter, after))
    }

    /// This query string without the cursor, with another view or cursor.
    fn link(&self, view: Option<View>, after: Option<&str>) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        let view = view.map(|v| v.as_str().to_string()).or_else(|| self.view.clone());
        for (k, v) in [
            ("view", &view),
            ("status", &self.status),
            ("case_kind", &self.case_kind),
            ("queue", &self.queue),
            ("city", &self.city),
            ("priority", &self.priority),
            ("assignee", &self.assignee),
            ("sla", &self.sla),
            ("q", &self.q),
        ] {
            if let Some(v) = some(v) {
                pairs.push((k, v.to_string()));
            }
        }
        if let Some(a) = after {
            pairs.push(("after", a.to_string()));
        }
        format!("/agent?{}", serde_urlencoded::to_string(&pairs).unwrap_or_default())
    }
}

pub struct RowView {
    pub reference: String,
    pub kind: String,
    pub city: String,
    pub step: String,
    pub status: String,
    pub priority: String,
    pub age: String,
    pub due: String,
    pub sla: SlaState,
    pub assignee: String,
    pub missing: usize,
}

/// `3h`, `2d`: how long a ticket has waited.
pub fn age(since: NaiveDateTime, now: NaiveDateTime) -> String {
    let minutes = (now - since).num_minutes().max(0);
    match minutes {
        m if m < 60 => format!("{m}m"),
        m if m < 48 * 60 => format!("{}h", m / 60),
        m => format!("{}d", m / (24 * 60)),
    }
}

fn row_view(lang: Lang, r: &RowData, now: NaiveDateTime) -> RowView {
    RowView {
        reference: r.reference.clone(),
        kind: r.case_kind.label(lang),
        city: r.city.clone(),
        step: r.failing_step.label(lang),
        status: r.status.label(lang),
        priority: r.priority.label(lang),
        age: age(r.created_at, now),
        due: china_time(r.due_at),
        // Paused while waiting on the customer: never shown as late.
        sla: if r.status == Status::PendingCustomer { SlaState::Ok } else { SlaState::of(r.due_at, now) },
        assignee: r.assignee_name.clone().unwrap_or_else(|| lang.t("agent-nobody")),
        missing: r.missing_facts().len(),
    }
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub struct Select {
    pub name: &'static str,
    pub label: String,
    pub choices: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "staff/queue.html")]
struct QueuePage {
    lang: Lang,
    path: String,
    me: Staff,
    csrf: String,
    view: &'static str,
    tabs: Vec<(String, String, i64, bool)>,
    selects: Vec<Select>,
    city: String,
    search: String,
    rows: Vec<RowView>,
    next: Option<String>,
    /// This view with its filters, as CSV.
    export: String,
}

fn select<T: Copy>(
    lang: Lang,
    name: &'static str,
    label_key: &str,
    all: &[T],
    code: fn(T) -> &'static str,
    key: fn(T) -> String,
    current: &Option<String>,
) -> Select {
    let current = some(current).unwrap_or("");
    Select {
        name,
        label: lang.t(label_key),
        choices: all
            .iter()
            .map(|v| Choice { value: code(*v).to_string(), label: lang.t(&key(*v)), selected: code(*v) == current })
            .collect(),
    }
}

pub async fn show(
    page: PageLang,
    me: Staff,
    csrf: CsrfToken,
    query: web::Query<QueueQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let lang = page.lang;
    let (view, filter, after) = query.parse()?;
    let (me_id, queues) = (me.id.clone(), me.queues.clone());
    let (rows, counts, staff) = state
        .db(move |c| {
            let viewer = Viewer { id: &me_id, queues: &queues };
            let rows = queue::page(c, &viewer, view, &filter, after.as_ref(), PAGE_SIZE, now())?;
            Ok((rows, queue::counts(c, &viewer)?, users::active(c)?))
        })
        .await?;
    let now = now();
    let next = (rows.len() as i64 == PAGE_SIZE).then(|| {
        let last = rows.last().expect("a full page has a last row");
        query.link(None, Some(&Cursor { due_at: last.due_at, id: last.id.clone() }.encode()))
    });
    let tabs = counts
        .into_iter()
        .map(|(v, n)| (query.link(Some(v), None), lang.t(&format!("view-{}", v.as_str())), n, v == view))
        .collect();
    let q = &query;
    let sla_states = [SlaState::Ok, SlaState::DueSoon, SlaState::Breached];
    let mut assignee = Select {
        name: "assignee",
        label: lang.t("field-assignee"),
        choices: vec![Choice {
            value: "none".into(),
            label: lang.t("agent-nobody"),
            selected: some(&q.assignee) == Some("none"),
        }],
    };
    assignee.choices.extend(staff.iter().map(|u| Choice {
        value: u.id.clone(),
        label: u.name.clone(),
        selected: some(&q.assignee) == Some(u.id.as_str()),
    }));
    let selects = vec![
        select(lang, "status", "field-status", Status::ALL, Status::as_str, Status::label_key, &q.status),
        select(
            lang,
            "case_kind",
            "field-case_kind",
            CaseKind::ALL,
            CaseKind::as_str,
            CaseKind::label_key,
            &q.case_kind,
        ),
        select(lang, "queue", "field-queue", Queue::ALL, Queue::as_str, Queue::label_key, &q.queue),
        select(lang, "priority", "field-priority", Priority::ALL, Priority::as_str, Priority::label_key, &q.priority),
        select(lang, "sla", "field-sla", &sla_states, SlaState::as_str, |s| format!("sla-{}", s.as_str()), &q.sla),
        assignee,
    ];
    let export = query.link(None, None).replacen("/agent?", "/agent/export.csv?", 1);
    crate::web::html(QueuePage {
        export,
        lang,
        view: view.as_str(),
        path: page.path,
        csrf: csrf.0,
        tabs,
        selects,
        city: q.city.clone().unwrap_or_default(),
        search: q.q.clone().unwrap_or_default(),
        rows: rows.iter().map(|r| row_view(lang, r, now)).collect(),
        next,
        me,
    })
}
