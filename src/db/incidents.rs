//! Incidents: many tickets with one cause, handled together. Spike detection
//! proposes one (and tells supervisors); a supervisor accepts it or makes
//! one by hand, links and unlinks tickets, posts one public update to every
//! linked customer, and resolves it, which resolves its open tickets. While
//! an incident is open, new tickets that match it join it at intake.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::audit::{self, Entry};
use super::outbox;
use super::schema::{incident_updates, incidents, tickets};
use super::stats;
use super::tickets::{author, event_kind, insert_event, new_id, NewEvent, Ticket};
use super::users::supervisors;
use super::DbConn;
use crate::domain::codes::Status;
use crate::domain::sla;
use crate::domain::spikes::{self, Count, Dimension, Spike, SpikeRules};
use crate::i18n::Lang;
use crate::ops::ticket::Actor;

pub mod status {
    /// Raised by spike detection, waiting for a supervisor.
    pub const PROPOSED: &str = "proposed";
    pub const OPEN: &str = "open";
    pub const RESOLVED: &str = "resolved";
    /// A proposal a supervisor turned down.
    pub const DISMISSED: &str = "dismissed";
    pub const ALL: [&str; 4] = [PROPOSED, OPEN, RESOLVED, DISMISSED];
}

/// A dismissed proposal is not raised again for this long.
const QUIET_AFTER_DISMISSAL: Duration = Duration::hours(24);

/// Proposals waiting for a supervisor, at most, per dimension: a flood of
/// tickets with made-up cities raises this many, not one per city (each
/// mailed to every supervisor). Spikes past it are counted and logged.
pub const MAX_OPEN_PROPOSALS_PER_DIMENSION: i64 = 5;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = incidents)]
pub struct Incident {
    pub id: String,
    pub title: String,
    pub status: String,
    pub dimension: String,
    pub value: String,
    pub window_start: NaiveDateTime,
    pub spike_count: i64,
    pub expected_count: i64,
    pub created_at: NaiveDateTime,
    pub created_by: Option<String>,
    pub accepted_by: Option<String>,
    pub accepted_at: Option<NaiveDateTime>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<NaiveDateTime>,
}

impl Incident {
    pub fn dimension(&self) -> Option<Dimension> {
        Dimension::parse(&self.dimension)
    }

    pub fn is_active(&self) -> bool {
        self.status == status::PROPOSED || self.status == status::OPEN
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = incident_updates)]
pub struct Update {
    pub id: String,
    pub kind: String,
    pub body_zh: String,
    pub body_en: String,
    pub recipients: i64,
    pub created_at: NaiveDateTime,
}

pub mod update_kind {
    pub const UPDATE: &str = "update";
    pub const RESOLUTION: &str = "resolution";
}

/// Tickets filed in [from, to), counted per kind of case, city and step.
pub fn counts_between(conn: &mut DbConn, from: NaiveDateTime, to: NaiveDateTime) -> QueryResult<Vec<Count>> {
    let in_window = tickets::created_at.ge(from).and(tickets::created_at.lt(to));
    let mut out = Vec::new();
    let mut add = |dimension: Dimension, rows: Vec<(String, i64)>| {
        out.extend(rows.into_iter().map(|(value, count)| Count { dimension, value, count }))
    };
    let count = diesel::dsl::count_star();
    add(
        Dimension::CaseKind,
        tickets::table.filter(in_window).group_by(tickets::case_kind).select((tickets::case_kind, count)).load(conn)?,
    );
    add(
        Dimension::City,
        tickets::table.filter(in_window).group_by(tickets::city).select((tickets::city, count)).load(conn)?,
    );
    add(
        Dimension::FailingStep,
        tickets::table
            .filter(in_window)
            .group_by(tickets::failing_step)
            .select((tickets::failing_step, count))
            .load(conn)?,
    );
    Ok(out)
}

/// Spikes in the window ending at `now`, against both baselines.
pub fn detect(conn: &mut DbConn, rules: &SpikeRules, now: NaiveDateTime) -> QueryResult<Vec<Spike>> {
    let current = counts_between(conn, now - rules.window(), now)?;
    if current.iter().all(|c| c.count < rules.min_count) {
        return Ok(Vec::new());
    }
    let (weekly, monthly) = spikes::baseline_windows(now, rules);
    let load = |conn: &mut DbConn, ws: Vec<spikes::Window>| -> QueryResult<Vec<Vec<Count>>> {
        ws.into_iter().map(|(from, to)| counts_between(conn, from, to)).collect()
    };
    let weekly = load(conn, weekly)?;
    let monthly = load(conn, monthly)?;
    Ok(spikes::detect(&current, &weekly, &monthly, rules))
}

/// The sweep: each new spike becomes a proposed incident, and every
/// supervisor gets an email. A spike already covered by a proposed or open
/// incident, or dismissed lately, raises nothing. Returns how many.
pub fn propose_for_spikes(conn: &mut DbConn, rules: &SpikeRules, now: NaiveDateTime) -> QueryResult<usize> {
    let (mut raised, mut capped) = (0, 0);
    for spike in detect(conn, rules, now)? {
        let covered: i64 =
            incidents::table
                .filter(incidents::dimension.eq(spike.dimension.as_str()))
                .filter(incidents::value.eq(&spike.value))
                .filter(incidents::status.eq_any([status::PROPOSED, status::OPEN]).or(
                    incidents::status.eq(status::DISMISSED).and(incidents::created_at.gt(now - QUIET_AFTER_DISMISSAL)),
                ))
                .count()
                .get_result(conn)?;
        if covered > 0 {
            continue;
        }
        let waiting: i64 = incidents::table
            .filter(incidents::dimension.eq(spike.dimension.as_str()))
            .filter(incidents::status.eq(status::PROPOSED))
            .count()
            .get_result(conn)?;
        if waiting >= MAX_OPEN_PROPOSALS_PER_DIMENSION {
            capped += 1;
            continue;
        }
        conn.transaction(|conn| {
            let id = insert(
                conn,
                New {
                    title: &format!("{} = {}", spike.dimension.as_str(), spike.value),
                    status: status::PROPOSED,
                    dimension: spike.dimension.as_str(),
                    value: &spike.value,
                    window_start: now - rules.window(),
                    spike_count: spike.count,
                    expected_count: spike.expected.round() as i64,
                    created_by: None,
                },
                now,
            )?;
            for email in supervisors(conn)? {
                outbox::enqueue_incident(conn, outbox::kind::SPIKE_ALERT, &id, &email, now)?;
            }
            audit::record(
                conn,
                Entry {
                    actor_id: None,
                    action: "incident_proposed",
                    ticket_id: None,
                    before: "",
                    after: &format!("{} {}/{}", spike.value, spike.count, spike.expected.round()),
                },
                now,
            )
        })?;
        raised += 1;
    }
    if capped > 0 {
        // Not the values: they are what customers typed.
        tracing::warn!(
            spikes = capped,
            max = MAX_OPEN_PROPOSALS_PER_DIMENSION,
            "spikes not proposed: too many proposals wait for a supervisor"
        );
    }
    Ok(raised)
}

struct New<'a> {
    title: &'a str,
    status: &'a str,
    dimension: &'a str,
    value: &'a str,
    window_start: NaiveDateTime,
    spike_count: i64,
    expected_count: i64,
    created_by: Option<&'a str>,
}

fn insert(conn: &mut DbConn, n: New<'_>, now: NaiveDateTime) -> QueryResult<String> {
    let id = new_id();
    diesel::insert_into(incidents::table)
        .values((
            incidents::id.eq(&id),
            incidents::title.eq(n.title),
            incidents::status.eq(n.status),
            incidents::dimension.eq(n.dimension),
            incidents::value.eq(n.value),
            incidents::window_start.eq(n.window_start),
            incidents::spike_count.eq(n.spike_count),
            incidents::expected_count.eq(n.expected_count),
            incidents::created_at.eq(now),
            incidents::created_by.eq(n.created_by),
        ))
        .execute(conn)?;
    Ok(id)
}

fn record(
    conn: &mut DbConn,
    actor: &Actor<'_>,
    action: &str,
    i: &Incident,
    ticket_id: Option<&str>,
    after: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    audit::record(conn, Entry { actor_id: Some(actor.id), action, ticket_id, before: &i.title, after }, now)
}

/// A supervisor's own incident, open at once. With a match, the open
/// tickets that match and were filed in the last `since` join it now, and
/// new ones at intake.
pub fn create(
    conn: &mut DbConn,
    title: &str,
    matching: Option<(Dimension, &str)>,
    since: Duration,
    actor: &Actor<'_>,
    now: NaiveDateTime,
) -> QueryResult<String> {
    conn.transaction(|conn| {
        let (dimension, value) = matching.map(|(d, v)| (d.as_str(), v)).unwrap_or(("", ""));
        let id = insert(
            conn,
            New {
                title,
                status: status::OPEN,
                dimension,
                value,
                window_start: now - since,
                spike_count: 0,
                expected_count: 0,
                created_by: Some(actor.id),
            },
            now,
        )?;
        diesel::update(incidents::table.find(&id))
            .set((incidents::accepted_by.eq(actor.id), incidents::accepted_at.eq(now)))
            .execute(conn)?;
        let i = find(conn, &id)?.ok_or(diesel::result::Error::NotFound)?;
        record(conn, actor, "incident_create", &i, None, &format!("{dimension} {value}"), now)?;
        link_matching(conn, &i, actor, now)?;
        Ok(id)
    })
}

/// Accepts a proposal: it opens, and the open tickets that made the spike
/// join it. False if it was no longer proposed.
pub fn accept(
    conn: &mut DbConn,
    i: &Incident,
    title: &str,
    actor: &Actor<'_>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    conn.transaction(|conn| {
        let n = diesel::update(incidents::table.find(&i.id).filter(incidents::status.eq(status::PROPOSED)))
            .set((
                incidents::status.eq(status::OPEN),
                incidents::title.eq(title),
                incidents::accepted_by.eq(actor.id),
                incidents::accepted_at.eq(now),
            ))
            .execute(conn)?;
        if n == 0 {
            return Ok(false);
        }
        record(conn, actor, "incident_accept", i, None, title, now)?;
        link_matching(conn, i, actor, now)?;
        Ok(true)
    })
}

pub fn dismiss(conn: &mut DbConn, i: &Incident, actor: &Actor<'_>, now: NaiveDateTime) -> QueryResult<bool> {
    conn.transaction(|conn| {
        let n = diesel::update(incidents::table.find(&i.id).filter(incidents::status.eq(status::PROPOSED)))
            .set((
                incidents::status.eq(status::DISMISSED),
                incidents::resolved_by.eq(actor.id),
                incidents::resolved_at.eq(now),
            ))
            .execute(conn)?;
        if n > 0 {
            record(conn, actor, "incident_dismiss", i, None, status::DISMISSED, now)?;
        }
        Ok(n > 0)
    })
}

/// Open tickets that match an incident and were filed since its window
/// began, not yet in any incident.
pub fn matching(conn: &mut DbConn, i: &Incident, limit: i64) -> QueryResult<Vec<Ticket>> {
    let Some(d) = i.dimension() else { return Ok(Vec::new()) };
    let open = [Status::New, Status::Open, Status::PendingCustomer, Status::PendingPlatform].map(|s| s.as_str());
    let q = tickets::table
        .filter(tickets::status.eq_any(open))
        .filter(tickets::created_at.ge(i.window_start))
        .filter(tickets::incident_id.is_null())
        .select(Ticket::as_select())
        .order(tickets::created_at)
        .limit(limit);
    match d {
        Dimension::CaseKind => q.filter(tickets::case_kind.eq(&i.value)).load(conn),
        Dimension::City => q.filter(tickets::city.eq(&i.value)).load(conn),
        Dimension::FailingStep => q.filter(tickets::failing_step.eq(&i.value)).load(conn),
    }
}

fn link_matching(conn: &mut DbConn, i: &Incident, actor: &Actor<'_>, now: NaiveDateTime) -> QueryResult<usize> {
    let found = matching(conn, i, 10_000)?;
    for t in &found {
        attach(conn, &i.id, &i.title, &t.id, Some(actor.id), now)?;
    }
    Ok(found.len())
}

/// Puts a ticket in an incident; its timeline says so (staff only).
fn attach(
    conn: &mut DbConn,
    incident_id: &str,
    title: &str,
    ticket_id: &str,
    actor_id: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(tickets::table.find(ticket_id)).set(tickets::incident_id.eq(incident_id)).execute(conn)?;
    let author_kind = if actor_id.is_some() { author::STAFF } else { author::SYSTEM };
    let e =
        NewEvent { kind: event_kind::INCIDENT_LINKED, author_kind, author_id: actor_id, is_public: false, body: title };
    insert_event(conn, ticket_id, e, now).map(|_| ())
}

/// At intake, in the new ticket's transaction: it joins the oldest open
/// incident it matches, if any.
pub fn join_at_intake(
    conn: &mut DbConn,
    ticket_id: &str,
    case_kind: &str,
    city: &str,
    failing_step: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let d = |d: Dimension| incidents::dimension.eq(d.as_str());
    let found: Option<(String, String)> = incidents::table
        .filter(incidents::status.eq(status::OPEN))
        .filter(
            d(Dimension::CaseKind)
                .and(incidents::value.eq(case_kind))
                .or(d(Dimension::City).and(incidents::value.eq(city)))
                .or(d(Dimension::FailingStep).and(incidents::value.eq(failing_step))),
        )
        .order(incidents::created_at)
        .select((incidents::id, incidents::title))
        .first(conn)
        .optional()?;
    match found {
        Some((id, title)) => attach(conn, &id, &title, ticket_id, None, now),
        None => Ok(()),
    }
}

pub fn link(conn: &mut DbConn, i: &Incident, t: &Ticket, actor: &Actor<'_>, now: NaiveDateTime) -> QueryResult<()> {
    conn.transaction(|conn| {
        attach(conn, &i.id, &i.title, &t.id, Some(actor.id), now)?;
        record(conn, actor, "incident_link", i, Some(&t.id), &t.reference, now)
    })
}

pub fn unlink(conn: &mut DbConn, i: &Incident, t: &Ticket, actor: &Actor<'_>, now: NaiveDateTime) -> QueryResult<()> {
    conn.transaction(|conn| {
        diesel::update(tickets::table.find(&t.id).filter(tickets::incident_id.eq(&i.id)))
            .set(tickets::incident_id.eq(None::<String>))
            .execute(conn)?;
        let e = NewEvent {
            kind: event_kind::INCIDENT_UNLINKED,
            author_kind: author::STAFF,
            author_id: Some(actor.id),
            is_public: false,
            body: &i.title,
        };
        insert_event(conn, &t.id, e, now)?;
        record(conn, actor, "incident_unlink", i, Some(&t.id), &t.reference, now)
    })
}

/// The words for one customer: their language's, or Chinese when no
/// English was written.
fn body_for<'a>(t: &Ticket, zh: &'a str, en: &'a str) -> &'a str {
    if t.language == Lang::En && !en.trim().is_empty() {
        en
    } else {
        zh
    }
}

fn open_tickets(conn: &mut DbConn, incident_id: &str) -> QueryResult<Vec<Ticket>> {
    let open = [Status::New, Status::Open, Status::PendingCustomer, Status::PendingPlatform].map(|s| s.as_str());
    tickets::table
        .filter(tickets::incident_id.eq(incident_id))
        .filter(tickets::status.eq_any(open))
        .select(Ticket::as_select())
        .order(tickets::created_at)
        .load(conn)
}

fn insert_update(
    conn: &mut DbConn,
    i: &Incident,
    kind: &str,
    (zh, en): (&str, &str),
    recipients: usize,
    actor: &Actor<'_>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(incident_updates::table)
        .values((
            incident_updates::id.eq(new_id()),
            incident_updates::incident_id.eq(&i.id),
            incident_updates::kind.eq(kind),
            incident_updates::body_zh.eq(zh),
            incident_updates::body_en.eq(en),
            incident_updates::recipients.eq(recipients as i64),
            incident_updates::author_id.eq(actor.id),
            incident_updates::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// One public update to every linked customer whose ticket is open: on
/// their page and by email. Returns how many were told.
pub fn post_update(
    conn: &mut DbConn,
    i: &Incident,
    words: (&str, &str),
    actor: &Actor<'_>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    conn.transaction(|conn| {
        let open = open_tickets(conn, &i.id)?;
        for t in &open {
            let body = body_for(t, words.0, words.1);
            let e = NewEvent {
                author_id: Some(actor.id),
                ..NewEvent::public(event_kind::INCIDENT_UPDATE, author::STAFF, body)
            };
            let event_id = insert_event(conn, &t.id, e, now)?;
            diesel::update(tickets::table.find(&t.id)).set(tickets::updated_at.eq(now)).execute(conn)?;
            outbox::enqueue(
                conn,
                outbox::kind::INCIDENT_UPDATE,
                &t.id,
                Some(&event_id),
                &t.contact_email,
                t.language,
                now,
            )?;
        }
        insert_update(conn, i, update_kind::UPDATE, words, open.len(), actor, now)?;
        record(conn, actor, "incident_update", i, None, &open.len().to_string(), now)?;
        Ok(open.len())
    })
}

/// Resolves the incident and, with the message, each of its open tickets.
/// False if it was not open.
pub fn resolve(
    conn: &mut DbConn,
    i: &Incident,
    words: (&str, &str),
    actor: &Actor<'_>,
    now: NaiveDateTime,
) -> QueryResult<Option<usize>> {
    conn.transaction(|conn| {
        let n = diesel::update(incidents::table.find(&i.id).filter(incidents::status.eq(status::OPEN)))
            .set((
                incidents::status.eq(status::RESOLVED),
                incidents::resolved_by.eq(actor.id),
                incidents::resolved_at.eq(now),
            ))
            .execute(conn)?;
        if n == 0 {
            return Ok(None);
        }
        let open = open_tickets(conn, &i.id)?;
        for t in &open {
            diesel::update(tickets::table.find(&t.id))
                .set((
                    tickets::status.eq(Status::Resolved.as_str()),
                    tickets::paused_at.eq(None::<NaiveDateTime>),
                    tickets::updated_at.eq(now),
                ))
                .execute(conn)?;
            stats::resolved(conn, t, sla::resume(t.due_at, t.paused_at, now), now)?;
            let body = body_for(t, words.0, words.1);
            let e = NewEvent {
                author_id: Some(actor.id),
                ..NewEvent::public(event_kind::PUBLIC_REPLY, author::STAFF, body)
            };
            let event_id = insert_event(conn, &t.id, e, now)?;
            let e = NewEvent {
                author_id: Some(actor.id),
                ..NewEvent::public(event_kind::STATUS_CHANGED, author::STAFF, Status::Resolved.as_str())
            };
            insert_event(conn, &t.id, e, now)?;
            outbox::enqueue(conn, outbox::kind::RESOLVED, &t.id, Some(&event_id), &t.contact_email, t.language, now)?;
        }
        insert_update(conn, i, update_kind::RESOLUTION, words, open.len(), actor, now)?;
        record(conn, actor, "incident_resolve", i, None, &open.len().to_string(), now)?;
        Ok(Some(open.len()))
    })
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Incident>> {
    incidents::table.find(id).select(Incident::as_select()).first(conn).optional()
}

/// Newest first; active ones (proposed, open) before the rest.
pub fn list(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<Incident>> {
    let mut all: Vec<Incident> =
        incidents::table.select(Incident::as_select()).order(incidents::created_at.desc()).limit(limit).load(conn)?;
    all.sort_by_key(|i| !i.is_active());
    Ok(all)
}

/// Proposals waiting for a supervisor: the banner on staff pages.
pub fn proposed_count(conn: &mut DbConn) -> QueryResult<i64> {
    incidents::table.filter(incidents::status.eq(status::PROPOSED)).count().get_result(conn)
}

/// The first `limit` linked tickets, and how many there are.
pub fn linked_tickets(conn: &mut DbConn, id: &str, limit: i64) -> QueryResult<(Vec<Ticket>, i64)> {
    let all = tickets::table.filter(tickets::incident_id.eq(id));
    let shown = all.select(Ticket::as_select()).order(tickets::created_at).limit(limit).load(conn)?;
    let count = all.count().get_result(conn)?;
    Ok((shown, count))
}

pub fn updates(conn: &mut DbConn, id: &str) -> QueryResult<Vec<Update>> {
    incident_updates::table
        .filter(incident_updates::incident_id.eq(id))
        .select(Update::as_select())
        .order(incident_updates::created_at)
        .load(conn)
}
