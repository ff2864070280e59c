//! The agents' queue: four views, filters, search, ordered by what needs
//! attention first (due time, then age), paged by keyset so page 1000 costs
//! what page 1 costs. Every view and filter is served by an index
//! (migration 2).

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{ticket_events, tickets, users};
use super::search::{self, Dialect};
use super::DbConn;
use crate::domain::calendar::Calendar;
use crate::domain::codes::{CaseKind, EventAuthor, EventKind, FailingStep, Platform, Priority, Queue, Status, Symptom};
use crate::domain::completeness::{self, Fact, Holds};
use crate::domain::reference::normalize_reference;
use crate::domain::sla::{self, SlaState};
use crate::domain::words::{self, Query};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    /// Assigned to me, new or open.
    #[default]
    Mine,
    /// Nobody's yet, in a queue I serve.
    Unassigned,
    /// Mine, waiting on the customer's answer.
    Waiting,
    /// Everything not resolved or closed.
    AllOpen,
    /// Every ticket, resolved and closed included: the API's list and
    /// change feed (not a tab of the queue page).
    All,
}

impl View {
    pub const ALL: [View; 4] = [View::Mine, View::Unassigned, View::Waiting, View::AllOpen];

    pub fn as_str(self) -> &'static str {
        match self {
            View::Mine => "mine",
            View::Unassigned => "unassigned",
            View::Waiting => "waiting",
            View::AllOpen => "open",
            View::All => "all",
        }
    }

    pub fn parse(s: &str) -> Option<View> {
        View::ALL.into_iter().chain([View::All]).find(|v| v.as_str() == s)
    }
}

/// Who is looking: views depend on it.
pub struct Viewer<'a> {
    pub id: &'a str,
    pub queues: &'a [Queue],
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub status: Option<Status>,
    pub case_kind: Option<CaseKind>,
    pub queue: Option<Queue>,
    pub city: Option<String>,
    pub priority: Option<Priority>,
    /// `Some(None)`: unassigned; `Some(Some(id))`: that user's.
    pub assignee: Option<Option<String>>,
    pub sla: Option<SlaState>,
    pub search: Option<String>,
    /// Only tickets with an open complaint (the customer asked for a
    /// supervisor and nobody has answered yet).
    pub complaint: bool,
}

/// Where a page starts: just after this (due time, id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub due_at: NaiveDateTime,
    pub id: String,
}

impl Cursor {
    pub fn encode(&self) -> String {
        format!("{}~{}", self.due_at.and_utc().timestamp_micros(), self.id)
    }

    pub fn decode(s: &str) -> Option<Cursor> {
        let (micros, id) = s.split_once('~')?;
        let due_at = chrono::DateTime::from_timestamp_micros(micros.parse().ok()?)?.naive_utc();
        uuid::Uuid::parse_str(id).ok()?;
        Some(Cursor { due_at, id: id.to_string() })
    }
}

#[derive(Debug, Clone, Queryable)]
pub struct RowData {
    pub id: String,
    pub reference: String,
    pub status: Status,
    pub case_kind: CaseKind,
    pub queue: Queue,
    pub priority: Priority,
    pub city: String,
    pub failing_step: FailingStep,
    pub symptom: Symptom,
    pub created_at: NaiveDateTime,
    pub due_at: NaiveDateTime,
    pub assignee_id: Option<String>,
    pub assignee_name: Option<String>,
    pub screenshot_count: i32,
    pub has_error_code: bool,
    pub has_error_message: bool,
    pub has_payment_method: bool,
    pub has_occurred_at: bool,
    pub has_amount: bool,
    pub has_order_number: bool,
    pub updated_at: NaiveDateTime,
    pub version: i64,
    /// Where the ticket's last change stands in the change feed.
    pub change_seq: i64,
    pub platform: Platform,
    pub amount_cents: Option<i64>,
    pub description: String,
    pub complaint_at: Option<NaiveDateTime>,
    /// Since when the clock is paused (waiting on the customer, or on a
    /// refund at the provider).
    pub paused_at: Option<NaiveDateTime>,
}

impl Holds for RowData {
    fn holds(&self, fact: Fact) -> bool {
        match fact {
            Fact::Screenshot => self.screenshot_count > 0,
            Fact::ErrorDetail => self.has_error_code || self.has_error_message,
            Fact::PaymentMethod => self.has_payment_method,
            Fact::OccurredAt => self.has_occurred_at,
            Fact::Amount => self.has_amount,
            Fact::OrderNumber => self.has_order_number,
        }
    }
}

impl RowData {
    /// The completeness model's missing facts: what the badge counts.
    pub fn missing_facts(&self) -> Vec<Fact> {
        completeness::assess(self.symptom, Some(self.case_kind), self).missing
    }
}

type Db = <DbConn as diesel::Connection>::Backend;
type Boxed<'a> = tickets::BoxedQuery<'a, Db>;

fn queue_codes(queues: &[Queue]) -> Vec<&'static str> {
    queues.iter().map(|q| q.as_str()).collect()
}

/// The tickets of a view, before filters.
fn view_query<'a>(viewer: &Viewer<'_>, view: View) -> Boxed<'a> {
    let q = tickets::table.into_boxed();
    match view {
        View::Mine => {
            q.filter(tickets::assignee_id.eq(viewer.id.to_string())).filter(tickets::status.eq_any(Status::ACTIVE))
        }
        View::Unassigned => q
            .filter(tickets::assignee_id.is_null())
            .filter(tickets::status.eq_any(Status::ACTIVE))
            .filter(tickets::queue.eq_any(queue_codes(viewer.queues))),
        View::Waiting => q
            .filter(tickets::assignee_id.eq(viewer.id.to_string()))
            .filter(tickets::status.eq(Status::PendingCustomer.as_str())),
        View::AllOpen => q.filter(tickets::status.eq_any(Status::OPEN)),
        View::All => q,
    }
}

fn apply_filter<'a>(mut q: Boxed<'a>, f: &Filter, now: NaiveDateTime, dialect: Dialect) -> Boxed<'a> {
    if let Some(s) = f.status {
        q = q.filter(tickets::status.eq(s.as_str()));
    }
    if let Some(k) = f.case_kind {
        q = q.filter(tickets::case_kind.eq(k.as_str()));
    }
    if let Some(qu) = f.queue {
        q = q.filter(tickets::queue.eq(qu.as_str()));
    }
    if let Some(city) = &f.city {
        q = q.filter(tickets::city.eq(city.clone()));
    }
    if let Some(p) = f.priority {
        q = q.filter(tickets::priority.eq(p.as_str()));
    }
    match &f.assignee {
        Some(None) => q = q.filter(tickets::assignee_id.is_null()),
        Some(Some(id)) => q = q.filter(tickets::assignee_id.eq(id.clone())),
        None => {}
    }
    // A ticket whose clock is paused (waiting on the customer, or on a
    // refund at the provider) is never late.
    match f.sla {
        Some(SlaState::Breached) => q = q.filter(tickets::due_at.lt(now)).filter(tickets::paused_at.is_null()),
        Some(SlaState::DueSoon) => {
            q = q
                .filter(tickets::due_at.ge(now))
                .filter(tickets::due_at.lt(now + SlaState::SOON))
                .filter(tickets::paused_at.is_null())
        }
        Some(SlaState::Ok) => {
            q = q.filter(tickets::due_at.ge(now + SlaState::SOON).or(tickets::paused_at.is_not_null()))
        }
        None => {}
    }
    if f.complaint {
        q = q.filter(tickets::complaint_at.is_not_null());
    }
    if let Some(text) = f.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        if let Some(reference) = normalize_reference(text) {
            q = q.filter(tickets::reference.eq(reference));
        } else {
            // An order number exactly; words (and the digits a masked
            // account shows) through the word index.
            q = match Query::parse(text) {
                Some(words) => q.filter(search::holds(dialect, &words, text)),
                None => q.filter(tickets::order_number.assume_not_null().eq(text.to_string())),
            };
        }
    }
    q
}

/// One page of a view, most urgent first.
pub fn page(
    conn: &mut DbConn,
    viewer: &Viewer<'_>,
    view: View,
    filter: &Filter,
    after: Option<&Cursor>,
    limit: i64,
    now: NaiveDateTime,
) -> QueryResult<Vec<RowData>> {
    let mut q = apply_filter(view_query(viewer, view), filter, now, Dialect::of(conn));
    if let Some(c) = after {
        q = q.filter(tickets::due_at.gt(c.due_at).or(tickets::due_at.eq(c.due_at).and(tickets::id.gt(c.id.clone()))));
    }
    let ids: Vec<String> =
        q.select(tickets::id).order((tickets::due_at.asc(), tickets::id.asc())).limit(limit).load(conn)?;
    rows(conn, &ids)
}

/// The orders the queue page offers (kept in its query string).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// Due time first (the SLA): what needs attention first.
    #[default]
    Due,
    /// Urgent first, then by due time.
    Priority,
    /// Filed longest ago first.
    Oldest,
    /// Changed most recently first.
    Updated,
    /// The least working time left first, each ticket counted in its
    /// queue's calendar (a ticket in a queue that closes for the weekend
    /// may have less left than one due sooner in a 24×7 queue); paused
    /// clocks last.
    Left,
    /// A word search's most relevant hits first (`domain::words::relevance`)
    /// among its [`CANDIDATES`] newest; one page. Without words, by due time.
    Relevance,
}

/// How many of a word search's newest hits are ranked by relevance: a word
/// most tickets hold ranks among the newest this many (a filter or another
/// word reaches further back; the other sorts page through every hit).
pub const CANDIDATES: i64 = 200;

/// Tab counts while searching stop at this many ("1000+").
pub const COUNT_CAP: i64 = 1000;

impl Sort {
    pub const ALL: [Sort; 6] = [Sort::Relevance, Sort::Due, Sort::Left, Sort::Priority, Sort::Oldest, Sort::Updated];

    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Due => "due",
            Sort::Priority => "priority",
            Sort::Oldest => "oldest",
            Sort::Updated => "updated",
            Sort::Left => "left",
            Sort::Relevance => "relevance",
        }
    }

    pub fn parse(s: &str) -> Option<Sort> {
        Sort::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// Priorities from the most urgent down: the `Priority` sort's groups.
const URGENT_FIRST: [Priority; 4] = [Priority::Urgent, Priority::High, Priority::Normal, Priority::Low];

/// Where a sorted page starts: just after this row (its priority group
/// for the `Priority` sort, its sort time, its id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortCursor {
    /// Index in `URGENT_FIRST` for the `Priority` sort; for `Left`, the
    /// row's queue and whether its clock is paused (`2 × queue + paused`);
    /// 0 for the other sorts.
    pub group: usize,
    pub at: NaiveDateTime,
    pub id: String,
    /// For `Left`: the instant the first page counted working time from.
    /// Later pages count from it too, so that a 24×7 ticket's time left
    /// shrinking while a closed queue's stands still cannot move rows
    /// across a page boundary.
    pub counted_at: Option<NaiveDateTime>,
}

impl SortCursor {
    /// The cursor after `row` in `sort`, its page counted at `now`.
    pub fn after(sort: Sort, row: &RowData, now: NaiveDateTime) -> SortCursor {
        let (group, at) = match sort {
            Sort::Due | Sort::Relevance => (0, row.due_at),
            Sort::Priority => (URGENT_FIRST.iter().position(|p| *p == row.priority).unwrap_or(0), row.due_at),
            Sort::Oldest => (0, row.created_at),
            Sort::Updated => (0, row.updated_at),
            Sort::Left => {
                let queue = Queue::ALL.iter().position(|q| *q == row.queue).unwrap_or(0);
                (2 * queue + usize::from(row.paused_at.is_some()), row.due_at)
            }
        };
        SortCursor { group, at, id: row.id.clone(), counted_at: (sort == Sort::Left).then_some(now) }
    }

    pub fn encode(&self) -> String {
        let at = |t: NaiveDateTime| t.and_utc().timestamp_micros();
        match self.counted_at {
            Some(counted) => format!("{}.{}~{}~{}", self.group, at(self.at), self.id, at(counted)),
            None => format!("{}.{}~{}", self.group, at(self.at), self.id),
        }
    }

    pub fn decode(s: &str) -> Option<SortCursor> {
        let (group, rest) = s.split_once('.')?;
        let group: usize = group.parse().ok().filter(|g| *g < URGENT_FIRST.len().max(2 * Queue::ALL.len()))?;
        let (rest, counted_at) = match rest.matches('~').count() {
            2 => {
                let (rest, counted) = rest.rsplit_once('~')?;
                (rest, Some(chrono::DateTime::from_timestamp_micros(counted.parse().ok()?)?.naive_utc()))
            }
            _ => (rest, None),
        };
        let c = Cursor::decode(rest)?;
        Some(SortCursor { group, at: c.due_at, id: c.id, counted_at })
    }
}

/// One page of a view in the order chosen, by keyset like `page`. The
/// `Priority` order reads each priority's tickets by due time, most urgent
/// first, until the page is full: each read is served by the due-time
/// index, and no priority rank needs computing in SQL.
#[allow(clippy::too_many_arguments)]
pub fn sorted_page(
    conn: &mut DbConn,
    viewer: &Viewer<'_>,
    view: View,
    filter: &Filter,
    sort: Sort,
    calendars: &BTreeMap<Queue, Calendar>,
    after: Option<&SortCursor>,
    limit: i64,
    now: NaiveDateTime,
) -> QueryResult<Vec<RowData>> {
    let dialect = Dialect::of(conn);
    let base = || apply_filter(view_query(viewer, view), filter, now, dialect);
    let words = filter.search.as_deref().filter(|s| normalize_reference(s).is_none()).and_then(Query::parse);
    let ids: Vec<String> = match (sort, words) {
        (Sort::Relevance, Some(words)) => {
            if after.is_some() {
                return Ok(vec![]);
            }
            let newest: Vec<String> =
                base().select(tickets::id).order(tickets::id.desc()).limit(CANDIDATES).load(conn)?;
            let fields = super::search::fields(conn, &newest)?;
            let mut ranked: Vec<(u32, usize, &String)> = newest
                .iter()
                .enumerate()
                .map(|(i, id)| {
                    let found = fields.iter().find(|f| f.id == *id);
                    (found.map(|f| words::relevance(&words, &f.searched())).unwrap_or(0), i, id)
                })
                .collect();
            // The most relevant first; ties newest first, as found.
            ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            ranked.into_iter().take(limit as usize).map(|(_, _, id)| id.clone()).collect()
        }
        (sort, _) => match sort {
            Sort::Left => {
                let counted_at = after.and_then(|c| c.counted_at).unwrap_or(now);
                by_working_time_left(conn, &base, calendars, after, limit, counted_at)?
            }
            Sort::Oldest => {
                let mut q = base();
                if let Some(c) = after {
                    q = q.filter(
                        tickets::created_at.gt(c.at).or(tickets::created_at.eq(c.at).and(tickets::id.gt(c.id.clone()))),
                    );
                }
                q.select(tickets::id).order((tickets::created_at.asc(), tickets::id.asc())).limit(limit).load(conn)?
            }
            Sort::Updated => {
                let mut q = base();
                if let Some(c) = after {
                    q = q.filter(
                        tickets::updated_at.lt(c.at).or(tickets::updated_at.eq(c.at).and(tickets::id.lt(c.id.clone()))),
                    );
                }
                q.select(tickets::id).order((tickets::updated_at.desc(), tickets::id.desc())).limit(limit).load(conn)?
            }
            Sort::Priority => {
                let start = after.map(|c| c.group).unwrap_or(0);
                let mut ids: Vec<String> = Vec::new();
                for (group, priority) in URGENT_FIRST.iter().enumerate().skip(start) {
                    let left = limit - ids.len() as i64;
                    if left <= 0 {
                        break;
                    }
                    let mut q = base().filter(tickets::priority.eq(priority.as_str()));
                    if let Some(c) = after.filter(|c| c.group == group) {
                        q = q.filter(
                            tickets::due_at.gt(c.at).or(tickets::due_at.eq(c.at).and(tickets::id.gt(c.id.clone()))),
                        );
                    }
                    let more: Vec<String> = q
                        .select(tickets::id)
                        .order((tickets::due_at.asc(), tickets::id.asc()))
                        .limit(left)
                        .load(conn)?;
                    ids.extend(more);
                }
                ids
            }
            Sort::Due | Sort::Relevance => {
                let after = after.map(|c| Cursor { due_at: c.at, id: c.id.clone() });
                return page(conn, viewer, view, filter, after.as_ref(), limit, now);
            }
        },
    };
    rows(conn, &ids)
}

/// The `Left` order: running clocks by working time left, then paused
/// ones by due time. The running ones are read a calendar at a time, by
/// due time (within one calendar the same order, served by the due-time
/// index), and merged; a page starts after the cursor's working time left
/// (`domain::sla::due_times_with` turns it into due times in each
/// calendar), ties going by due time and id.
fn by_working_time_left<'a>(
    conn: &mut DbConn,
    base: &dyn Fn() -> Boxed<'a>,
    calendars: &BTreeMap<Queue, Calendar>,
    after: Option<&SortCursor>,
    limit: i64,
    now: NaiveDateTime,
) -> QueryResult<Vec<String>> {
    let always = Calendar::always();
    let calendar_of = |q: Queue| calendars.get(&q).unwrap_or(&always);
    let after_paused = after.is_some_and(|c| c.group % 2 == 1);
    let mut ids = Vec::new();
    if !after_paused {
        let mut groups: BTreeMap<&str, (Vec<&'static str>, &Calendar)> = BTreeMap::new();
        for q in Queue::ALL {
            let cal = calendar_of(*q);
            groups.entry(cal.name.as_str()).or_insert((Vec::new(), cal)).0.push(q.as_str());
        }
        let from = after.map(|c| {
            let queue = Queue::ALL.get(c.group / 2).copied().unwrap_or(Queue::General);
            (sla::working_left(calendar_of(queue), c.at, None, now), c)
        });
        let mut found: Vec<(chrono::Duration, NaiveDateTime, String)> = Vec::new();
        for (queues, cal) in groups.into_values() {
            let mut q = base().filter(tickets::paused_at.is_null()).filter(tickets::queue.eq_any(queues));
            if let Some((left, c)) = &from {
                let (first, last) = sla::due_times_with(cal, *left, now);
                q = q.filter(
                    tickets::due_at.gt(last).or(tickets::due_at
                        .ge(first)
                        .and(tickets::due_at.gt(c.at).or(tickets::due_at.eq(c.at).and(tickets::id.gt(c.id.clone()))))),
                );
            }
            let rows: Vec<(String, NaiveDateTime)> = q
                .select((tickets::id, tickets::due_at))
                .order((tickets::due_at.asc(), tickets::id.asc()))
                .limit(limit)
                .load(conn)?;
            found.extend(rows.into_iter().map(|(id, due)| (sla::working_left(cal, due, None, now), due, id)));
        }
        found.sort();
        ids.extend(found.into_iter().take(limit as usize).map(|(_, _, id)| id));
    }
    let left = limit - ids.len() as i64;
    if left > 0 {
        let mut q = base().filter(tickets::paused_at.is_not_null());
        if let Some(c) = after.filter(|_| after_paused) {
            q = q.filter(tickets::due_at.gt(c.at).or(tickets::due_at.eq(c.at).and(tickets::id.gt(c.id.clone()))));
        }
        let paused: Vec<String> =
            q.select(tickets::id).order((tickets::due_at.asc(), tickets::id.asc())).limit(left).load(conn)?;
        ids.extend(paused);
    }
    Ok(ids)
}

/// What the queue shows of a ticket's conversation.
#[derive(Debug, Clone, Default)]
pub struct Conversation {
    /// The customer's latest message, if they wrote one after filing.
    pub last_customer_words: Option<String>,
    /// The last public entry that is not a status change: who wrote it,
    /// and what it is.
    pub last_public: Option<(EventAuthor, EventKind)>,
}

/// The conversation of each of these tickets, by ticket id: one read of
/// their public entries (a page holds at most a few dozen tickets).
pub fn conversations(
    conn: &mut DbConn,
    ids: &[String],
) -> QueryResult<std::collections::HashMap<String, Conversation>> {
    let entries: Vec<(String, EventAuthor, EventKind, String)> = ticket_events::table
        .filter(ticket_events::ticket_id.eq_any(ids))
        .filter(ticket_events::is_public.eq(true))
        .order((ticket_events::created_at.asc(), ticket_events::id.asc()))
        .select((ticket_events::ticket_id, ticket_events::author_kind, ticket_events::kind, ticket_events::body))
        .load(conn)?;
    let mut out: std::collections::HashMap<String, Conversation> = std::collections::HashMap::new();
    for (ticket, author, kind, body) in entries {
        let c = out.entry(ticket).or_default();
        if author == EventAuthor::Customer && kind == EventKind::CustomerMessage && !body.trim().is_empty() {
            c.last_customer_words = Some(body);
        }
        // A status change is not someone speaking (a customer's message
        // is followed by one reopening the ticket).
        if kind != EventKind::StatusChanged {
            c.last_public = Some((author, kind));
        }
    }
    Ok(out)
}

/// Where the change feed stands: every ticket change committed in the
/// order of its `change_seq` (see migration 16), from `since` on.
/// `horizon`: the first page's (0 on a first page, or to resume later);
/// changes at or past it were not yet certain to be committed then, and
/// belong to a later pass. A pass pages up to its horizon, so a ticket
/// changed while a client pages is neither skipped nor listed twice: its
/// new change comes in the next pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedCursor {
    pub horizon: i64,
    pub seq: i64,
    pub since: NaiveDateTime,
    /// Empty: every ticket at `seq`.
    pub id: String,
}

impl FeedCursor {
    pub fn start(since: NaiveDateTime) -> Self {
        FeedCursor { horizon: 0, seq: -1, since, id: String::new() }
    }

    pub fn encode(&self) -> String {
        format!("{}.{}.{}.{}", self.horizon, self.seq, self.since.and_utc().timestamp_micros(), self.id)
    }

    pub fn decode(s: &str) -> Option<FeedCursor> {
        let mut parts = s.splitn(4, '.');
        let horizon = parts.next()?.parse().ok()?;
        let seq = parts.next()?.parse().ok()?;
        let since = chrono::DateTime::from_timestamp_micros(parts.next()?.parse().ok()?)?.naive_utc();
        let id = parts.next()?;
        if !id.is_empty() {
            uuid::Uuid::parse_str(id).ok()?;
        }
        Some(FeedCursor { horizon, seq, since, id: id.to_string() })
    }
}

/// One page of the change feed, in commit order, and the cursor after it;
/// `caught_up` when the page reached the pass's horizon (the cursor then
/// resumes from there, later).
pub fn feed(
    conn: &mut DbConn,
    viewer: &Viewer<'_>,
    view: View,
    filter: &Filter,
    at: &FeedCursor,
    limit: i64,
    now: NaiveDateTime,
) -> QueryResult<(Vec<RowData>, FeedCursor, bool)> {
    let horizon = if at.horizon > 0 { at.horizon } else { super::backend::change_horizon(conn)? };
    let q = apply_filter(view_query(viewer, view), filter, now, Dialect::of(conn))
        .filter(tickets::updated_at.gt(at.since))
        .filter(tickets::change_seq.lt(horizon))
        .filter(tickets::change_seq.gt(at.seq).or(tickets::change_seq.eq(at.seq).and(tickets::id.gt(at.id.clone()))));
    let page: Vec<(String, i64)> = q
        .select((tickets::id, tickets::change_seq))
        .order((tickets::change_seq.asc(), tickets::id.asc()))
        .limit(limit)
        .load(conn)?;
    // The cursor is where this query stood: the rows read next may have
    // changed since (and show their newest state), but the page boundary
    // must not move with them.
    let ids: Vec<String> = page.iter().map(|(id, _)| id.clone()).collect();
    let rows = rows(conn, &ids)?;
    if page.len() as i64 == limit {
        let (id, seq) = page.last().cloned().expect("a full page has a last row");
        return Ok((rows, FeedCursor { horizon, seq, since: at.since, id }, false));
    }
    // Caught up: the next pass starts at this one's horizon, with a new one.
    Ok((rows, FeedCursor { horizon: 0, seq: horizon, since: at.since, id: String::new() }, true))
}

/// The rows for these ids, in that order.
pub fn rows(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<RowData>> {
    let mut found: Vec<RowData> = tickets::table
        .left_join(users::table)
        .filter(tickets::id.eq_any(ids))
        .select((
            tickets::id,
            tickets::reference,
            tickets::status,
            tickets::case_kind,
            tickets::queue,
            tickets::priority,
            tickets::city,
            tickets::failing_step,
            tickets::symptom,
            tickets::created_at,
            tickets::due_at,
            tickets::assignee_id,
            users::name.nullable(),
            tickets::screenshot_count,
            tickets::error_code.is_not_null(),
            tickets::error_message.is_not_null(),
            tickets::payment_method.is_not_null(),
            tickets::occurred_at.is_not_null(),
            tickets::amount_cents.is_not_null(),
            tickets::order_number.is_not_null(),
            tickets::updated_at,
            tickets::version,
            tickets::change_seq,
            tickets::platform,
            tickets::amount_cents,
            tickets::description,
            tickets::complaint_at,
            tickets::paused_at,
        ))
        .load(conn)?;
    found.sort_by_key(|r| ids.iter().position(|id| *id == r.id));
    Ok(found)
}

/// How many tickets each view holds, for the tabs.
pub fn counts(conn: &mut DbConn, viewer: &Viewer<'_>) -> QueryResult<Vec<(View, i64)>> {
    View::ALL.into_iter().map(|v| Ok((v, view_query(viewer, v).count().get_result(conn)?))).collect()
}

/// The tab counts while a search is on: how many of each tab's tickets it
/// finds (up to [`COUNT_CAP`]: a word most tickets hold is not counted to
/// the last), so the agent sees where the hits are.
pub fn counts_matching(
    conn: &mut DbConn,
    viewer: &Viewer<'_>,
    filter: &Filter,
    now: NaiveDateTime,
) -> QueryResult<Vec<(View, i64)>> {
    View::ALL.into_iter().map(|v| Ok((v, count(conn, viewer, v, filter, now)?))).collect()
}

/// How many tickets of a view a filter finds, up to [`COUNT_CAP`].
pub fn count(conn: &mut DbConn, viewer: &Viewer<'_>, view: View, f: &Filter, now: NaiveDateTime) -> QueryResult<i64> {
    let dialect = Dialect::of(conn);
    let found: Vec<String> =
        apply_filter(view_query(viewer, view), f, now, dialect).select(tickets::id).limit(COUNT_CAP).load(conn)?;
    Ok(found.len() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_cursors_round_trip_and_refuse_garbage() {
        let since = chrono::DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap().naive_utc();
        let c = FeedCursor { horizon: 42, seq: 41, since, id: "0191e3c2-7d2e-7a3c-9a1b-2b3c4d5e6f70".into() };
        assert_eq!(FeedCursor::decode(&c.encode()), Some(c));
        let start = FeedCursor::start(since);
        assert_eq!(FeedCursor::decode(&start.encode()), Some(start));
        for bad in ["", "1.2.3", "a.1.1.", "1.1.1.not-a-uuid", "1.1.99999999999999999999."] {
            assert_eq!(FeedCursor::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        let c = Cursor {
            due_at: NaiveDateTime::parse_from_str("2026-11-21 12:00:00.123456", "%Y-%m-%d %H:%M:%S%.f").unwrap(),
            id: uuid::Uuid::now_v7().to_string(),
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        assert_eq!(Cursor::decode("12~'; drop table tickets"), None);
        assert_eq!(Cursor::decode("nonsense"), None);
    }

    #[test]
    fn sort_cursors_round_trip_and_refuse_garbage() {
        let at = NaiveDateTime::parse_from_str("2026-11-21 12:00:00.5", "%Y-%m-%d %H:%M:%S%.f").unwrap();
        let c = SortCursor { group: 2, at, id: uuid::Uuid::now_v7().to_string(), counted_at: None };
        assert_eq!(SortCursor::decode(&c.encode()), Some(c.clone()));
        let left = SortCursor { counted_at: Some(at + chrono::Duration::hours(1)), ..c };
        assert_eq!(SortCursor::decode(&left.encode()), Some(left));
        assert_eq!(SortCursor::decode("10.12~0191e3c2-7d2e-7a3c-9a1b-2b3c4d5e6f70"), None);
        assert_eq!(SortCursor::decode("12~0191e3c2-7d2e-7a3c-9a1b-2b3c4d5e6f70"), None);
        assert_eq!(Sort::parse("priority"), Some(Sort::Priority));
        assert_eq!(Sort::parse("random"), None);
    }
}
