//! `GET /agent`: the triage queue.

use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::NaiveDateTime;
use serde::Deserialize;

use super::words;
use crate::auth::csrf::{CsrfForm, CsrfToken};
use crate::auth::Staff;
use crate::db::queue::{self, Conversation, Cursor, Filter, RowData, Sort, SortCursor, View, Viewer};
use crate::db::{tickets, users};
use crate::domain::calendar::Calendar;
use crate::domain::codes::*;
use crate::domain::reference::normalize_reference;
use crate::domain::sla::SlaState;
use crate::domain::triage;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::ops::{self, Actor, Seen};
use crate::present;
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
    /// `open`: only tickets with an open complaint.
    pub complaint: Option<String>,
    pub q: Option<String>,
    pub after: Option<String>,
    /// The API's change feed: changes after this time (RFC 3339).
    pub updated_since: Option<String>,
    /// The API's page size (1 to 200).
    pub limit: Option<String>,
    /// The queue page's order (`queue::Sort`); the API and the CSV keep
    /// the due-time order.
    pub sort: Option<String>,
    /// After a bulk change: how many tickets were updated, changed by
    /// someone else meanwhile, already as chosen, refused.
    pub done: Option<u32>,
    pub stale: Option<u32>,
    pub same: Option<u32>,
    pub refused: Option<u32>,
    /// A bulk change that was not made: `none` (nothing ticked) or
    /// `nochange` (nothing chosen to change).
    pub bulk: Option<String>,
    /// After a bulk change: the references left as they were (changed by
    /// someone else, or refused), named, and their ids, ticked again.
    pub which: Option<String>,
    pub tick: Option<String>,
    /// `1`: a tab the agent clicked while searching — its own hits, not a
    /// search through every ticket.
    pub tab: Option<String>,
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
            city: words(&self.city)?.map(|c| crate::domain::cities::canonical(&c)),
            priority: opt(&self.priority, Priority::parse)?,
            assignee: words(&self.assignee)?.map(|a| if a == "none" { None } else { Some(a) }),
            sla: opt(&self.sla, SlaState::parse)?,
            search: words(&self.q)?,
            complaint: match some(&self.complaint) {
                None => false,
                Some("open") => true,
                Some(_) => return Err(AppError::BadRequest("unknown filter value")),
            },
        };
        let after = opt(&self.after, Cursor::decode)?;
        Ok((view, filter, after))
    }

    /// This query string without the cursor, with another view or cursor.
    fn link(&self, view: Option<View>, after: Option<&str>) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        // A tab's own link, while searching, shows that tab's hits.
        let tab = if view.is_some() && some(&self.q).is_some() { Some("1".to_string()) } else { self.tab.clone() };
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
            ("complaint", &self.complaint),
            ("q", &self.q),
            ("sort", &self.sort),
            ("tab", &tab),
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
    pub id: String,
    pub version: i64,
    pub reference: String,
    pub kind: String,
    pub city: String,
    pub step: String,
    pub status: String,
    pub priority: String,
    /// The priority's code, for its badge's look.
    pub priority_code: &'static str,
    pub age: String,
    pub updated: String,
    pub due: String,
    /// The working time left, in the ticket's queue's calendar (or why
    /// its clock is paused).
    pub left: String,
    pub sla: SlaState,
    pub assignee: String,
    pub missing: usize,
    /// The customer's latest words (their last message, else the
    /// description), cut short; escaped when shown, like every customer value.
    pub words: String,
    pub platform: String,
    pub amount: Option<String>,
    /// The customer spoke last and waits for us.
    pub replied: bool,
    /// The customer asked for a supervisor; nobody answered yet.
    pub complaint: bool,
}

fn row_view(lang: Lang, r: &RowData, talk: Option<&Conversation>, cal: &Calendar, now: NaiveDateTime) -> RowView {
    let words = talk.and_then(|c| c.last_customer_words.as_deref()).unwrap_or(&r.description);
    RowView {
        id: r.id.clone(),
        version: r.version,
        reference: r.reference.clone(),
        kind: r.case_kind.label(lang),
        city: present::city(lang, &r.city),
        step: r.failing_step.label(lang),
        status: words::status(lang, r.status),
        priority: r.priority.label(lang),
        priority_code: r.priority.as_str(),
        age: present::age(lang, r.created_at, now),
        updated: lang.t_with("staff-updated-ago", "age", present::age(lang, r.updated_at, now)),
        due: china_time(r.due_at),
        left: present::time_left(lang, cal, r.due_at, r.paused_at, r.status, now),
        // Paused (waiting on the customer, or on a refund): never shown as late.
        sla: if r.paused_at.is_some() { SlaState::Ok } else { SlaState::of(r.due_at, now) },
        assignee: r.assignee_name.clone().unwrap_or_else(|| lang.t("agent-nobody")),
        missing: r.missing_facts().len(),
        words: triage::snippet(words, triage::SNIPPET_CHARS),
        platform: r.platform.label(lang),
        amount: r.amount_cents.map(present::yuan),
        replied: triage::customer_replied(r.status, talk.and_then(|c| c.last_public)),
        complaint: r.complaint_at.is_some(),
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
    tabs: Vec<(String, String, String, bool)>,
    /// While searching words by relevance: how the hits are ranked.
    ranked: Option<String>,
    selects: Vec<Select>,
    city: String,
    search: String,
    rows: Vec<RowView>,
    next: Option<String>,
    /// How many filters are set (shown on the folded filters).
    active_filters: usize,
    /// A search that looked through every ticket, in words.
    everywhere: Option<String>,
    /// The order: (code, label, chosen).
    sorts: Vec<(&'static str, String, bool)>,
    /// This page's address, where a bulk change comes back to.
    back: String,
    /// The bulk form's choices.
    bulk_staff: Vec<Choice>,
    bulk_statuses: Vec<Choice>,
    bulk_priorities: Vec<Choice>,
    /// After a bulk change: what happened, in words.
    outcome: Option<String>,
    /// Tickets ticked again after a bulk change left them as they were.
    ticked: Vec<String>,
    /// This view with its filters, as CSV.
    export: String,
}

impl QueuePage {
    fn is_ticked(&self, id: &str) -> bool {
        self.ticked.iter().any(|t| t == id)
    }
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

/// What a bulk change did, in words: "3 updated, 1 changed by someone
/// else meanwhile".
fn outcome(lang: Lang, q: &QueueQuery) -> Option<String> {
    let parts: Vec<String> = [
        ("staff-bulk-updated", q.done),
        ("staff-bulk-stale", q.stale),
        ("staff-bulk-unchanged", q.same),
        ("staff-bulk-refused", q.refused),
    ]
    .into_iter()
    .filter_map(|(key, n)| n.filter(|n| *n > 0 || key == "staff-bulk-updated").map(|n| lang.t_with(key, "count", n)))
    .collect();
    match some(&q.bulk) {
        Some("none") => return Some(lang.t("staff-bulk-none-selected")),
        Some("nochange") => return Some(lang.t("staff-bulk-no-change")),
        _ => {}
    }
    // Not after a bulk change: nothing to say.
    q.done?;
    let mut said = parts.join(&lang.t("staff-outcome-separator"));
    if let Some(which) = some(&q.which) {
        // References only (`PD-` and the alphabet), whatever the URL says.
        let refs: Vec<&str> = which.split(',').filter(|r| normalize_reference(r).is_some()).take(20).collect();
        if !refs.is_empty() {
            said.push(' ');
            said.push_str(&lang.t_with("staff-bulk-which", "references", refs.join(", ")));
        }
    }
    Some(said)
}

pub async fn show(
    page: PageLang,
    me: Staff,
    csrf: CsrfToken,
    query: web::Query<QueueQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let lang = page.lang;
    // The page's cursor carries its order's key: read here, not by `parse`
    // (whose cursor is the API's).
    let mut plain = query.clone();
    plain.after = None;
    let (view, filter, _) = plain.parse()?;
    // The page's own default: the best match while searching words, due
    // time first otherwise.
    let sort = match some(&query.sort) {
        Some(s) => Sort::parse(s).ok_or(AppError::BadRequest("unknown sort"))?,
        None => Sort::Relevance,
    };
    let ranked = sort == Sort::Relevance
        && filter.search.as_deref().is_some_and(|s| {
            !crate::domain::reference::names_a_ticket(s) && crate::domain::words::Query::parse(s).is_some()
        });
    let after = match some(&query.after) {
        Some(a) => Some(SortCursor::decode(a).ok_or(AppError::BadRequest("cursor"))?),
        None => None,
    };
    let after_counted = after.as_ref().and_then(|c| c.counted_at);
    let active_filters =
        [&query.status, &query.case_kind, &query.queue, &query.city, &query.priority, &query.assignee, &query.sla]
            .into_iter()
            .filter(|v| some(v).is_some())
            .count();
    // A reference, account or order number looks through every ticket the
    // agent may see, whatever the tab (issue 29, 7); any search counts its
    // hits per tab.
    // A tab the agent clicked (its link names it) shows that tab's hits.
    let searching = filter.search.is_some();
    let everywhere =
        some(&query.tab).is_none() && filter.search.as_deref().is_some_and(crate::domain::reference::names_a_ticket);
    let shown_view = if everywhere { View::All } else { view };
    let (me_id, queues, rules) = (me.id.clone(), me.queues.clone(), state.rules.clone());
    let (rows, talks, counts, staff, found, calendars) = state
        .db_replica(move |c| {
            let viewer = Viewer { id: &me_id, queues: &queues };
            let calendars = crate::ops::sla::calendars(c, &rules)?;
            let rows = queue::sorted_page(
                c,
                &viewer,
                shown_view,
                &filter,
                sort,
                &calendars,
                after.as_ref(),
                PAGE_SIZE,
                now(),
            )?;
            let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
            let talks = queue::conversations(c, &ids)?;
            let counts = if searching {
                queue::counts_matching(c, &viewer, &filter, now())?
            } else {
                queue::counts(c, &viewer)?
            };
            let found = if everywhere { queue::count(c, &viewer, View::All, &filter, now())? } else { 0 };
            Ok((rows, talks, counts, users::active(c)?, found, calendars))
        })
        .await?;
    let now = now();
    let always = Calendar::always();
    // Ranked hits are one page: the due-time sort pages through them all.
    let next = (rows.len() as i64 == PAGE_SIZE && !ranked).then(|| {
        let last = rows.last().expect("a full page has a last row");
        // The working time left is counted from the first page's instant
        // on every page after it.
        let counted_at = after_counted.unwrap_or(now);
        query.link(None, Some(&SortCursor::after(sort, last, counted_at).encode()))
    });
    let tabs = counts
        .into_iter()
        .map(|(v, n)| {
            let n = if searching && n >= queue::COUNT_CAP { format!("{n}+") } else { n.to_string() };
            (query.link(Some(v), None), lang.t(&format!("view-{}", v.as_str())), n, v == shown_view)
        })
        .collect();
    let ranked = ranked.then(|| lang.t_with("agent-search-ranked", "count", queue::CANDIDATES));
    let everywhere = everywhere.then(|| {
        let search = some(&query.q).unwrap_or_default();
        lang.t_args("agent-search-everywhere", &[("search", search.to_string()), ("count", found.to_string())])
    });
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
    let mut status = select(lang, "status", "field-status", Status::ALL, Status::as_str, Status::label_key, &q.status);
    for c in &mut status.choices {
        c.label = Status::parse(&c.value).map(|s| words::status(lang, s)).unwrap_or_default();
    }
    let selects = vec![
        status,
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
        Select {
            name: "complaint",
            label: lang.t("staff-complaint-filter"),
            choices: vec![Choice {
                value: "open".into(),
                label: lang.t("staff-complaint-filter-open"),
                selected: some(&q.complaint) == Some("open"),
            }],
        },
    ];
    let choice = |value: &str, label: String| Choice { value: value.to_string(), label, selected: false };
    let mut bulk_staff = vec![choice("none", lang.t("agent-nobody"))];
    bulk_staff.extend(staff.iter().map(|u| choice(&u.id, u.name.clone())));
    // Only the statuses staff set by hand (as on the ticket page).
    let bulk_statuses = [Status::Open, Status::PendingCustomer, Status::Resolved, Status::Closed]
        .into_iter()
        .map(|s| choice(s.as_str(), words::status(lang, s)))
        .collect();
    let bulk_priorities = Priority::ALL.iter().map(|p| choice(p.as_str(), p.label(lang))).collect();
    let sort_code = sort.as_str();
    let export = query.link(None, None).replacen("/agent?", "/agent/export.csv?", 1);
    crate::web::html(QueuePage {
        export,
        back: query.link(None, None),
        outcome: outcome(lang, q),
        ticked: some(&q.tick).map(|t| t.split(',').map(str::to_string).collect()).unwrap_or_default(),
        sorts: Sort::ALL
            .iter()
            .map(|s| (s.as_str(), lang.t(&format!("staff-sort-{}", s.as_str())), s.as_str() == sort_code))
            .collect(),
        active_filters,
        everywhere,
        ranked,
        bulk_staff,
        bulk_statuses,
        bulk_priorities,
        lang,
        view: view.as_str(),
        path: page.path,
        csrf: csrf.0,
        tabs,
        selects,
        city: q.city.clone().unwrap_or_default(),
        search: q.q.clone().unwrap_or_default(),
        rows: rows
            .iter()
            .map(|r| row_view(lang, r, talks.get(&r.id), calendars.get(&r.queue).unwrap_or(&always), now))
            .collect(),
        next,
        me,
    })
}

/// The bulk form: one `t_<ticket id>` checkbox per ticket ticked (its value
/// the version the page showed), and the changes (empty: leave as it is).
#[derive(Deserialize)]
pub struct BulkForm {
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    priority: String,
    /// The queue page the form was on (with its view, filters and order).
    #[serde(default)]
    back: String,
    #[serde(flatten)]
    ticked: std::collections::HashMap<String, String>,
}

/// How the tickets of one bulk change fared.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub done: u32,
    pub stale: u32,
    pub same: u32,
    pub refused: u32,
    /// The tickets left as they were (changed meanwhile, or refused):
    /// (id, reference).
    pub left: Vec<(String, String)>,
}

/// `POST /agent/bulk`: one change (assignee, status and/or priority) to
/// every ticket ticked, each through the same operation as the ticket
/// page's Save (`ops::ticket::update`), in its own transaction, checked
/// against the version the queue showed: a ticket someone changed since is
/// left as it is and counted, never overwritten.
pub async fn bulk(
    me: Staff,
    CsrfForm(f): CsrfForm<BulkForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let assignee = match f.assignee.trim() {
        "" => None,
        "none" => Some(None),
        id => Some(Some(id.to_string())),
    };
    let status = match f.status.trim() {
        "" => None,
        s => Some(Status::parse(s).ok_or(AppError::BadRequest("status"))?),
    };
    let priority = match f.priority.trim() {
        "" => None,
        p => Some(Priority::parse(p).ok_or(AppError::BadRequest("priority"))?),
    };
    let mut picked: Vec<(String, i64)> = Vec::new();
    for (key, value) in &f.ticked {
        if let Some(id) = key.strip_prefix("t_") {
            let version = value.trim().parse().map_err(|_| AppError::BadRequest("version"))?;
            uuid::Uuid::parse_str(id).map_err(|_| AppError::BadRequest("ticket"))?;
            picked.push((id.to_string(), version));
        }
    }
    // Tickets in id order, as every operation locks them.
    picked.sort();
    let back = crate::web::redirect::local_target(Some(&f.back), "/agent");
    let back = if back == "/agent" || back.starts_with("/agent?") { back } else { "/agent".to_string() };
    let sep = if back.contains('?') { '&' } else { '?' };
    // Nothing to do: back to the queue, saying why (nothing was changed).
    let problem = if picked.is_empty() {
        Some("none")
    } else if assignee.is_none() && status.is_none() && priority.is_none() {
        Some("nochange")
    } else {
        None
    };
    if let Some(code) = problem {
        let location = format!("{back}{sep}bulk={code}");
        return Ok(HttpResponse::SeeOther().insert_header((actix_web::http::header::LOCATION, location)).finish());
    }
    let wanted = ops::ticket::Patch { assignee, priority, status };
    let rules = state.rules.clone();
    let (actor_id, actor_name) = (me.id.clone(), me.name.clone());
    let tally = state
        .write(move |c| {
            let actor = Actor { id: &actor_id, name: &actor_name };
            let mut tally = Tally::default();
            for (id, version) in picked {
                let Some(t) = tickets::find_by_id(c, &id)? else {
                    tally.refused += 1;
                    continue;
                };
                if t.version != version {
                    tally.stale += 1;
                    tally.left.push((t.id.clone(), t.reference.clone()));
                    continue;
                }
                let patch = wanted.clone().beyond(t.assignee_id.as_deref(), t.priority, t.status);
                if patch.is_empty() {
                    tally.same += 1;
                    continue;
                }
                match ops::ticket::update(c, &id, Seen::Version(version), patch, &rules, &actor, now()) {
                    Ok(()) => tally.done += 1,
                    Err(AppError::Stale { .. }) => {
                        tally.stale += 1;
                        tally.left.push((t.id.clone(), t.reference.clone()));
                    }
                    Err(AppError::Refused(_) | AppError::BadRequest(_)) => {
                        tally.refused += 1;
                        tally.left.push((t.id.clone(), t.reference.clone()));
                    }
                    Err(e) => return Err(e),
                }
            }
            Ok(tally)
        })
        .await?;
    let mut location =
        format!("{back}{sep}done={}&stale={}&same={}&refused={}", tally.done, tally.stale, tally.same, tally.refused);
    // The ones left as they were: named, and ticked again to look at and retry.
    let left: Vec<&(String, String)> = tally.left.iter().take(20).collect();
    if !left.is_empty() {
        let refs: Vec<&str> = left.iter().map(|(_, r)| r.as_str()).collect();
        let ids: Vec<&str> = left.iter().map(|(id, _)| id.as_str()).collect();
        location.push_str(&format!("&which={}&tick={}", refs.join(","), ids.join(",")));
    }
    Ok(HttpResponse::SeeOther().insert_header((actix_web::http::header::LOCATION, location)).finish())
}
