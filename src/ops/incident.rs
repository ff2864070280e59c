//! What supervisors and the clock do to incidents: spike detection proposes
//! one (and tells supervisors); a supervisor accepts or dismisses it, or
//! makes one by hand, links and unlinks tickets, posts one public update to
//! every linked customer, and resolves it, which resolves its open tickets.
//! While an incident is open, new tickets that match it join it at intake.
//!
//! Each operation takes the incident's id, reads and locks the incident
//! inside its own transaction (`backend::lock_incident`), then locks each
//! ticket it changes (in id order, after the incident) and checks it again
//! before writing; the change, its timeline entries, audit row and mail
//! commit together. Two supervisors acting on one incident at once are
//! therefore served one after the other: the second sees what the first
//! did, and is refused (`Refusal::Incident`) when the incident is no longer in a
//! state that allows its action.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::ticket::{Actor, Resolver};
use crate::db::audit::{self, Entry};
use crate::db::incidents::{self as store, Incident};
use crate::db::new_id;
use crate::db::schema::{incident_updates, incidents, tickets};
use crate::db::tickets::{insert_event, NewEvent, Ticket};
use crate::db::users::supervisors;
use crate::db::{backend, outbox, DbConn};
use crate::domain::codes::{EventAuthor, EventKind, IncidentStatus, MailKind, UpdateKind};
use crate::domain::spikes::{Dimension, SpikeRules};
use crate::error::{AppError, Refusal};

/// A dismissed proposal is not raised again for this long.
const QUIET_AFTER_DISMISSAL: Duration = Duration::hours(24);

/// Proposals waiting for a supervisor, at most, per dimension: a flood of
/// tickets with made-up cities raises this many, not one per city (each
/// mailed to every supervisor). Spikes past it are counted and logged.
pub const MAX_OPEN_PROPOSALS_PER_DIMENSION: i64 = 5;

/// The words of an update or a resolution, in both languages: (Chinese,
/// English). English may be empty; those customers get the Chinese then.
pub type Words<'a> = (&'a str, &'a str);

/// The incident as it is now, locked until the transaction commits.
fn current(conn: &mut DbConn, id: &str) -> Result<Incident, AppError> {
    backend::lock_incident(conn, id)?.ok_or(AppError::NotFound)
}

/// Refuses an action the incident's state does not allow.
fn must_be(i: &Incident, state: IncidentStatus) -> Result<(), AppError> {
    if i.status == state {
        Ok(())
    } else {
        Err(AppError::Refused(Refusal::Incident))
    }
}

/// Locks the given tickets, in id order, and returns those `still` holds
/// for now that nobody else can change them, oldest first.
fn lock_tickets(conn: &mut DbConn, found: Vec<Ticket>, still: impl Fn(&Ticket) -> bool) -> QueryResult<Vec<Ticket>> {
    let mut ids: Vec<String> = found.into_iter().map(|t| t.id).collect();
    ids.sort();
    let mut locked = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(t) = backend::lock_ticket(conn, &id)?.filter(|t| still(t)) {
            locked.push(t);
        }
    }
    locked.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    Ok(locked)
}

/// The incident's open tickets, locked.
fn lock_open_linked(conn: &mut DbConn, i: &Incident) -> QueryResult<Vec<Ticket>> {
    let found = store::open_linked(conn, &i.id)?;
    lock_tickets(conn, found, |t| t.status.is_open() && t.incident_id.as_deref() == Some(i.id.as_str()))
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

struct New<'a> {
    title: &'a str,
    status: IncidentStatus,
    /// None for an incident that matches no tickets (stored as "").
    dimension: Option<Dimension>,
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
            incidents::dimension.eq(n.dimension.map_or("", |d| d.as_str())),
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

/// The sweep: each new spike becomes a proposed incident, and every
/// supervisor gets an email. A spike already covered by a proposed or open
/// incident, or dismissed lately, raises nothing. Returns how many.
pub fn propose_for_spikes(conn: &mut DbConn, rules: &SpikeRules, now: NaiveDateTime) -> QueryResult<usize> {
    let (mut raised, mut capped) = (0, 0);
    for spike in store::detect(conn, rules, now)? {
        // Checked and proposed in one transaction, one sweep at a time: two
        // servers sweeping at once raise it once.
        let proposed = conn.transaction(|conn| {
            backend::lock_proposals(conn)?;
            if store::covers(conn, spike.dimension, &spike.value, now - QUIET_AFTER_DISMISSAL)? {
                return Ok(None);
            }
            if store::proposed_in(conn, spike.dimension)? >= MAX_OPEN_PROPOSALS_PER_DIMENSION {
                return Ok(Some(false));
            }
            let id = insert(
                conn,
                New {
                    title: &format!("{} = {}", spike.dimension.as_str(), spike.value),
                    status: IncidentStatus::Proposed,
                    dimension: Some(spike.dimension),
                    value: &spike.value,
                    window_start: now - rules.window(),
                    spike_count: spike.count,
                    expected_count: spike.expected.round() as i64,
                    created_by: None,
                },
                now,
            )?;
            for email in supervisors(conn)? {
                outbox::enqueue_incident(conn, MailKind::SpikeAlert, &id, &email, now)?;
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
            )?;
            QueryResult::Ok(Some(true))
        })?;
        match proposed {
            Some(true) => raised += 1,
            Some(false) => capped += 1,
            None => {}
        }
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

/// A supervisor's own incident, open at once. With a match, the open
/// tickets that match and were filed in the last `since` join it now, and
/// new ones at intake. Returns its id.
pub fn create(
    conn: &mut DbConn,
    title: &str,
    matching: Option<(Dimension, &str)>,
    since: Duration,
    actor: &Actor<'_>,
    now: NaiveDateTime,
) -> Result<String, AppError> {
    conn.transaction(|conn| {
        let (dimension, value) = matching.map(|(d, v)| (Some(d), v)).unwrap_or((None, ""));
        // A city is one value however it is written (tickets store it so).
        let city;
        let value = if dimension == Some(Dimension::City) {
            city = crate::domain::cities::canonical(value);
            city.as_str()
        } else {
            value
        };
        let id = insert(
            conn,
            New {
                title,
                status: IncidentStatus::Open,
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
        let i = current(conn, &id)?;
        record(
            conn,
            actor,
            "incident_create",
            &i,
            None,
            &format!("{} {value}", dimension.map_or("", |d| d.as_str())),
            now,
        )?;
        link_matching(conn, &i, actor, now)?;
        Ok(id)
    })
}

/// Accepts a proposal under `title` (its own title when `None`): it opens,
/// and the open tickets that made the spike join it. `Refusal::Incident` when it is
/// no longer proposed.
pub fn accept(
    conn: &mut DbConn,
    incident_id: &str,
    title: Option<&str>,
    actor: &Actor<'_>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    conn.transaction(|conn| {
        let i = current(conn, incident_id)?;
        must_be(&i, IncidentStatus::Proposed)?;
        let title = title.unwrap_or(&i.title).to_string();
        diesel::update(incidents::table.find(&i.id))
            .set((
                incidents::status.eq(IncidentStatus::Open),
                incidents::title.eq(&title),
                incidents::accepted_by.eq(actor.id),
                incidents::accepted_at.eq(now),
            ))
            .execute(conn)?;
        // The audit keeps the name it had; the tickets' timelines the new one.
        record(conn, actor, "incident_accept", &i, None, &title, now)?;
        let i = Incident { title, status: IncidentStatus::Open, ..i };
        link_matching(conn, &i, actor, now)?;
        Ok(())
    })
}

/// Turns a proposal down. `Refusal::Incident` when it is no longer proposed.
pub fn dismiss(conn: &mut DbConn, incident_id: &str, actor: &Actor<'_>, now: NaiveDateTime) -> Result<(), AppError> {
    conn.transaction(|conn| {
        let i = current(conn, incident_id)?;
        must_be(&i, IncidentStatus::Proposed)?;
        diesel::update(incidents::table.find(&i.id))
            .set((
                incidents::status.eq(IncidentStatus::Dismissed),
                incidents::resolved_by.eq(actor.id),
                incidents::resolved_at.eq(now),
            ))
            .execute(conn)?;
        Ok(record(conn, actor, "incident_dismiss", &i, None, IncidentStatus::Dismissed.as_str(), now)?)
    })
}

/// Links the open tickets the (locked) incident matches that are in no
/// incident yet.
fn link_matching(conn: &mut DbConn, i: &Incident, actor: &Actor<'_>, now: NaiveDateTime) -> QueryResult<usize> {
    let found = store::matching(conn, i, 10_000)?;
    let found = lock_tickets(conn, found, |t| t.status.is_open() && t.incident_id.is_none())?;
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
    diesel::update(tickets::table.find(ticket_id))
        .set((tickets::incident_id.eq(incident_id), tickets::updated_at.eq(now)))
        .execute(conn)?;
    let author_kind = if actor_id.is_some() { EventAuthor::Staff } else { EventAuthor::System };
    let e =
        NewEvent { kind: EventKind::IncidentLinked, author_kind, author_id: actor_id, is_public: false, body: title };
    insert_event(conn, ticket_id, e, now).map(|_| ())
}

/// At intake, in the new ticket's transaction: it joins the oldest open
/// incident it matches, if any (held until the intake commits, so it is not
/// resolved in between and the ticket left open in a resolved incident).
pub fn join_at_intake(
    conn: &mut DbConn,
    ticket_id: &str,
    case_kind: &str,
    city: &str,
    failing_step: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    match backend::share_open_incident_matching(conn, case_kind, city, failing_step)? {
        Some((id, title)) => attach(conn, &id, &title, ticket_id, None, now),
        None => Ok(()),
    }
}

/// Links a ticket (by id) to an open incident by hand. `Refusal::Incident` when the
/// incident is not open.
pub fn link(
    conn: &mut DbConn,
    incident_id: &str,
    ticket_id: &str,
    actor: &Actor<'_>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    conn.transaction(|conn| {
        let i = current(conn, incident_id)?;
        must_be(&i, IncidentStatus::Open)?;
        let t = backend::lock_ticket(conn, ticket_id)?.ok_or(AppError::NotFound)?;
        attach(conn, &i.id, &i.title, &t.id, Some(actor.id), now)?;
        Ok(record(conn, actor, "incident_link", &i, Some(&t.id), &t.reference, now)?)
    })
}

/// Takes a ticket (by id) out of the incident. `Refusal::Incident` when it is not
/// in it (any more): nothing is written then.
pub fn unlink(
    conn: &mut DbConn,
    incident_id: &str,
    ticket_id: &str,
    actor: &Actor<'_>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    conn.transaction(|conn| {
        let i = current(conn, incident_id)?;
        let t = backend::lock_ticket(conn, ticket_id)?.ok_or(AppError::NotFound)?;
        if t.incident_id.as_deref() != Some(i.id.as_str()) {
            return Err(AppError::Refused(Refusal::Incident));
        }
        diesel::update(tickets::table.find(&t.id))
            .set((tickets::incident_id.eq(None::<String>), tickets::updated_at.eq(now)))
            .execute(conn)?;
        let e = NewEvent {
            kind: EventKind::IncidentUnlinked,
            author_kind: EventAuthor::Staff,
            author_id: Some(actor.id),
            is_public: false,
            body: &i.title,
        };
        insert_event(conn, &t.id, e, now)?;
        Ok(record(conn, actor, "incident_unlink", &i, Some(&t.id), &t.reference, now)?)
    })
}

/// The words for one customer (`present::words::bilingual`): theirs first,
/// the other language's after, each marked with its language when it is
/// not theirs.
fn body_for(t: &Ticket, (zh, en): Words<'_>) -> String {
    crate::present::words::bilingual(t.language, zh, en)
}

fn insert_update(
    conn: &mut DbConn,
    i: &Incident,
    kind: crate::domain::codes::UpdateKind,
    (zh, en): Words<'_>,
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
/// their page and by email. Returns how many were told; `Refusal::Incident` when the
/// incident is not open.
pub fn post_update(
    conn: &mut DbConn,
    incident_id: &str,
    words: Words<'_>,
    actor: &Actor<'_>,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    conn.transaction(|conn| {
        let i = current(conn, incident_id)?;
        must_be(&i, IncidentStatus::Open)?;
        let open = lock_open_linked(conn, &i)?;
        for t in &open {
            let body = body_for(t, words);
            let e = NewEvent {
                author_id: Some(actor.id),
                ..NewEvent::public(EventKind::IncidentUpdate, EventAuthor::Staff, &body)
            };
            let event_id = insert_event(conn, &t.id, e, now)?;
            diesel::update(tickets::table.find(&t.id)).set(tickets::updated_at.eq(now)).execute(conn)?;
            super::notify::customer(
                conn,
                &super::notify::Customer::of(t),
                MailKind::IncidentUpdate,
                Some(&event_id),
                now,
            )?;
        }
        insert_update(conn, &i, UpdateKind::Update, words, open.len(), actor, now)?;
        record(conn, actor, "incident_update", &i, None, &open.len().to_string(), now)?;
        Ok(open.len())
    })
}

/// Resolves the incident and, with the message, each of its open tickets.
/// Returns how many; `Refusal::Incident` when it is not open (resolved already: no
/// second round of mail).
pub fn resolve(
    conn: &mut DbConn,
    incident_id: &str,
    words: Words<'_>,
    rules: &crate::routing::Rules,
    actor: &Actor<'_>,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    conn.transaction(|conn| {
        let i = current(conn, incident_id)?;
        must_be(&i, IncidentStatus::Open)?;
        diesel::update(incidents::table.find(&i.id))
            .set((
                incidents::status.eq(IncidentStatus::Resolved),
                incidents::resolved_by.eq(actor.id),
                incidents::resolved_at.eq(now),
            ))
            .execute(conn)?;
        let open = lock_open_linked(conn, &i)?;
        for t in &open {
            let body = body_for(t, words);
            crate::ops::ticket::resolve_with_message(conn, &t.id, &body, Resolver::Staff(actor), rules, now)?;
        }
        insert_update(conn, &i, UpdateKind::Resolution, words, open.len(), actor, now)?;
        record(conn, actor, "incident_resolve", &i, None, &open.len().to_string(), now)?;
        Ok(open.len())
    })
}
