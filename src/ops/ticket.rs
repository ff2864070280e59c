//! What staff do to a ticket. Each action reads the ticket inside its own
//! transaction (locked: see `backend::lock_ticket`), refuses when it changed
//! since the person acting saw it (`Seen`) or when its state does not allow
//! the action, then writes the change, its timeline entry, its audit entry
//! and its mail, and commits once. Nothing is decided from a copy read
//! before the transaction, so two people acting at once never undo each
//! other: the second either applies on top of the first or is told.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::audit::{self, Entry};
use crate::db::schema::tickets;
use crate::db::stats;
use crate::db::tickets::{insert_event, NewEvent, Ticket};
use crate::db::{backend, users, DbConn};
use crate::domain::codes::{EventAuthor, EventKind, MailKind, Priority, Status};
use crate::error::{AppError, Refusal};
use crate::ops::sla;
use crate::routing::Rules;

/// What the person acting saw of the ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// Act on the ticket as it is now (API calls without `If-Match`).
    Latest,
    /// The version their page or `If-Match` carried: refused
    /// (`AppError::Stale`) when the ticket has changed since.
    Version(i64),
}

/// The ticket as it is now, read and locked inside the caller's
/// transaction; `Stale` when it changed since `seen`.
pub fn current(conn: &mut DbConn, ticket_id: &str, seen: Seen) -> Result<Ticket, AppError> {
    let t = backend::lock_ticket(conn, ticket_id)?.ok_or(AppError::NotFound)?;
    match seen {
        Seen::Version(v) if v != t.version => Err(AppError::Stale { current: t.version }),
        _ => Ok(t),
    }
}

/// `current`, refusing a closed (or merged) ticket: it takes no more
/// messages or notes (`Refusal::Closed`).
pub(crate) fn current_not_closed(conn: &mut DbConn, ticket_id: &str, seen: Seen) -> Result<Ticket, AppError> {
    let t = current(conn, ticket_id, seen)?;
    if t.status == Status::Closed {
        return Err(AppError::Refused(Refusal::Closed));
    }
    Ok(t)
}

/// The staff member acting.
pub struct Actor<'a> {
    pub id: &'a str,
    pub name: &'a str,
}

fn staff_event<'a>(actor: &'a Actor<'a>, kind: EventKind, is_public: bool, body: &'a str) -> NewEvent<'a> {
    NewEvent { kind, author_kind: EventAuthor::Staff, author_id: Some(actor.id), is_public, body }
}

fn audit_entry(
    conn: &mut DbConn,
    actor: &Actor<'_>,
    action: &str,
    t: &Ticket,
    before: &str,
    after: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    audit::record(conn, Entry { actor_id: Some(actor.id), action, ticket_id: Some(&t.id), before, after }, now)
}

/// Assigns to an active staff member (by id), or to nobody.
pub fn assign(
    conn: &mut DbConn,
    ticket_id: &str,
    seen: Seen,
    to: Option<&str>,
    actor: &Actor<'_>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    conn.transaction(|conn| {
        let t = &current(conn, ticket_id, seen)?;
        let to = match to {
            Some(id) => {
                // An id is letters, digits and dashes: anything with a
                // control character (a NUL, which PostgreSQL refuses in
                // text) names nobody, and is not sent to the database.
                if id.chars().any(char::is_control) {
                    return Err(AppError::BadRequest("assignee"));
                }
                let user = users::find(conn, id)?.filter(|u| u.active).ok_or(AppError::BadRequest("assignee"))?;
                Some((user.id, user.name))
            }
            None => None,
        };
        let to = to.as_ref().map(|(id, name)| (id.as_str(), name.as_str()));
        let before_name = match &t.assignee_id {
            Some(id) => users::find(conn, id)?.map(|u| u.name).unwrap_or_default(),
            None => String::new(),
        };
        diesel::update(tickets::table.find(&t.id))
            .set((tickets::assignee_id.eq(to.map(|(id, _)| id)), tickets::updated_at.eq(now)))
            .execute(conn)?;
        let after = to.map(|(_, name)| name).unwrap_or("");
        insert_event(conn, &t.id, staff_event(actor, EventKind::Assigned, false, after), now)?;
        Ok(audit_entry(conn, actor, "assign", t, &before_name, after, now)?)
    })
}

/// Sets a status staff may set from the ticket's current one (the same
/// status again changes nothing); `Refusal::Status` otherwise.
pub fn set_status(
    conn: &mut DbConn,
    ticket_id: &str,
    seen: Seen,
    to: Status,
    rules: &Rules,
    actor: &Actor<'_>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    conn.transaction(|conn| {
        let t = &current(conn, ticket_id, seen)?;
        if t.status == to {
            return Ok(());
        }
        if !t.status.can_be_set_by_staff(to) {
            return Err(AppError::Refused(Refusal::Status));
        }
        let cal = sla::set_status(conn, t, to, rules, now)?;
        insert_event(conn, &t.id, staff_event(actor, EventKind::StatusChanged, true, to.as_str()), now)?;
        super::complaint::end_if_answered(conn, t, EventKind::StatusChanged, to)?;
        if to == Status::Resolved {
            stats::resolved(conn, t, sla::resume(&cal, t.due_at, t.paused_at, now), now)?;
            super::notify::customer(conn, &super::notify::Customer::of(t), MailKind::Resolved, None, now)?;
        }
        Ok(audit_entry(conn, actor, "status", t, t.status.as_str(), to.as_str(), now)?)
    })
}

pub fn set_priority(
    conn: &mut DbConn,
    ticket_id: &str,
    seen: Seen,
    to: Priority,
    rules: &Rules,
    actor: &Actor<'_>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    conn.transaction(|conn| {
        let t = &current(conn, ticket_id, seen)?;
        // The new target, keeping any paused time already added.
        let cal = sla::calendar_for(conn, &t.id, t.queue, rules)?;
        let due = sla::due_again(&cal, rules, t, to, t.first_response_at.is_some());
        diesel::update(tickets::table.find(&t.id))
            .set((tickets::priority.eq(to.as_str()), tickets::due_at.eq(due), tickets::updated_at.eq(now)))
            .execute(conn)?;
        insert_event(conn, &t.id, staff_event(actor, EventKind::PriorityChanged, false, to.as_str()), now)?;
        Ok(audit_entry(conn, actor, "priority", t, t.priority.as_str(), to.as_str(), now)?)
    })
}

/// What one API call changes on a ticket; `None` leaves it as it is
/// (`assignee: Some(None)` unassigns).
#[derive(Debug, Default, Clone)]
pub struct Patch {
    pub assignee: Option<Option<String>>,
    pub priority: Option<Priority>,
    pub status: Option<Status>,
}

impl Patch {
    /// Only what differs from the ticket as it is (its assignee, priority
    /// and status): a Save or a bulk change leaves alone what it would not
    /// change, so it writes no timeline entry, audit row or mail for it.
    pub fn beyond(self, assignee: Option<&str>, priority: Priority, status: Status) -> Patch {
        Patch {
            assignee: self.assignee.filter(|to| to.as_deref() != assignee),
            priority: self.priority.filter(|to| *to != priority),
            status: self.status.filter(|to| *to != status),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.assignee.is_none() && self.priority.is_none() && self.status.is_none()
    }
}

/// Assignee, then priority, then status, in one transaction: the version is
/// checked once, and each change reads the ticket as the one before left it
/// (so a new priority's due time survives a status change after it).
#[allow(clippy::too_many_arguments)]
pub fn update(
    conn: &mut DbConn,
    ticket_id: &str,
    seen: Seen,
    patch: Patch,
    rules: &Rules,
    actor: &Actor<'_>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    conn.transaction(|conn| {
        current(conn, ticket_id, seen)?;
        if let Some(to) = patch.assignee {
            assign(conn, ticket_id, Seen::Latest, to.as_deref(), actor, now)?;
        }
        if let Some(p) = patch.priority {
            set_priority(conn, ticket_id, Seen::Latest, p, rules, actor, now)?;
        }
        if let Some(s) = patch.status {
            set_status(conn, ticket_id, Seen::Latest, s, rules, actor, now)?;
        }
        Ok(())
    })
}

/// A public reply, then the status the agent chose (usually waiting on the
/// customer). The first reply meets the first-response target; the ticket is
/// then due for resolution.
#[allow(clippy::too_many_arguments)]
pub fn reply(
    conn: &mut DbConn,
    ticket_id: &str,
    seen: Seen,
    body: &str,
    then: Status,
    rules: &Rules,
    actor: &Actor<'_>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    if !Status::AFTER_REPLY.contains(&then) {
        return Err(AppError::Refused(Refusal::StatusAfterReply));
    }
    public_message(conn, (ticket_id, seen), (EventKind::PublicReply, "reply"), body, then, rules, actor, now)
}

/// Asks the customer for the listed facts (the message is already written
/// in their language) and waits for them.
pub fn ask_for_information(
    conn: &mut DbConn,
    ticket_id: &str,
    seen: Seen,
    body: &str,
    rules: &Rules,
    actor: &Actor<'_>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let kinds = (EventKind::InfoRequested, "ask_missing");
    public_message(conn, (ticket_id, seen), kinds, body, Status::PendingCustomer, rules, actor, now)
}

#[allow(clippy::too_many_arguments)]
fn public_message(
    conn: &mut DbConn,
    (ticket_id, seen): (&str, Seen),
    (kind, action): (EventKind, &str),
    body: &str,
    then: Status,
    rules: &Rules,
    actor: &Actor<'_>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    conn.transaction(|conn| {
        let t = &current_not_closed(conn, ticket_id, seen)?;
        let first_response = t.first_response_at.unwrap_or(now);
        // The first answer meets the first-response target; the ticket is
        // then due for resolution (plus any time it already waited paused).
        let cal = sla::calendar_for(conn, &t.id, t.queue, rules)?;
        let base =
            if t.first_response_at.is_some() { t.due_at } else { sla::due_again(&cal, rules, t, t.priority, true) };
        // Answered while a refund is under way: resolving waits on the provider.
        let waits = sla::waits_on_provider(conn, t, true, now)?;
        let (due, paused) = sla::clock(&cal, t, base, then, waits, now);
        diesel::update(tickets::table.find(&t.id))
            .set((
                tickets::status.eq(then.as_str()),
                tickets::first_response_at.eq(first_response),
                tickets::due_at.eq(due),
                tickets::paused_at.eq(paused),
                tickets::updated_at.eq(now),
            ))
            .execute(conn)?;
        if t.first_response_at.is_none() {
            stats::first_response(conn, t, sla::resume(&cal, t.due_at, t.paused_at, now), now)?;
        }
        // A reply on a ticket already resolved that leaves it resolved is
        // counted (and mailed) as a reply, not as a second resolution.
        let resolves = then == Status::Resolved && t.status != Status::Resolved;
        if resolves {
            stats::resolved(conn, t, sla::resume(&cal, due, paused, now), now)?;
        }
        let event_id = insert_event(conn, &t.id, staff_event(actor, kind, true, body), now)?;
        super::search::index(conn, &t.id)?;
        super::complaint::end_if_answered(conn, t, kind, then)?;
        // One email says it all: the message, and "resolved" when it is.
        let mail = match (kind, resolves) {
            (_, true) => MailKind::Resolved,
            (EventKind::InfoRequested, _) => MailKind::InfoRequest,
            _ => MailKind::Reply,
        };
        super::notify::customer(conn, &super::notify::Customer::of(t), mail, Some(&event_id), now)?;
        if then != t.status {
            insert_event(conn, &t.id, staff_event(actor, EventKind::StatusChanged, true, then.as_str()), now)?;
        }
        Ok(audit_entry(conn, actor, action, t, t.status.as_str(), then.as_str(), now)?)
    })
}

/// An internal note: never shown to the customer. A closed ticket takes
/// none (`Refusal::Closed`).
pub fn note(
    conn: &mut DbConn,
    ticket_id: &str,
    seen: Seen,
    body: &str,
    actor: &Actor<'_>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    conn.transaction(|conn| {
        let t = &current_not_closed(conn, ticket_id, seen)?;
        diesel::update(tickets::table.find(&t.id)).set(tickets::updated_at.eq(now)).execute(conn)?;
        insert_event(conn, &t.id, staff_event(actor, EventKind::InternalNote, false, body), now)?;
        super::search::index(conn, &t.id)?;
        Ok(audit_entry(conn, actor, "note", t, "", "", now)?)
    })
}

/// Closes a duplicate into the ticket that goes on (by id); both
/// timelines say so. `Refusal::Closed` when the duplicate is already
/// closed, `Refusal::MergeTarget` when the other ticket was itself merged away.
pub fn merge(
    conn: &mut DbConn,
    ticket_id: &str,
    seen: Seen,
    into_id: &str,
    actor: &Actor<'_>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    conn.transaction(|conn| {
        // Both rows locked in id order, so merging A into B while someone
        // merges B into A waits instead of deadlocking.
        let (duplicate, into) = if ticket_id < into_id {
            let d = current(conn, ticket_id, seen)?;
            (d, backend::lock_ticket(conn, into_id)?.ok_or(AppError::NotFound)?)
        } else {
            let i = backend::lock_ticket(conn, into_id)?.ok_or(AppError::NotFound)?;
            (current(conn, ticket_id, seen)?, i)
        };
        let (duplicate, into) = (&duplicate, &into);
        if duplicate.status == Status::Closed {
            return Err(AppError::Refused(Refusal::Closed));
        }
        if into.merged_into.is_some() || into.id == duplicate.id {
            return Err(AppError::Refused(Refusal::MergeTarget));
        }
        diesel::update(tickets::table.find(&duplicate.id))
            .set((
                tickets::status.eq(Status::Closed.as_str()),
                tickets::merged_into.eq(&into.id),
                // Closed: no clock runs or waits any more.
                tickets::paused_at.eq(None::<NaiveDateTime>),
                tickets::updated_at.eq(now),
            ))
            .execute(conn)?;
        insert_event(conn, &duplicate.id, staff_event(actor, EventKind::Merged, true, &into.reference), now)?;
        let note = format!("{} ←", duplicate.reference);
        insert_event(conn, &into.id, staff_event(actor, EventKind::Merged, false, &note), now)?;
        Ok(audit_entry(conn, actor, "merge", duplicate, duplicate.status.as_str(), &into.reference, now)?)
    })
}

/// Who resolves a ticket with a message: a staff member, or the system (the
/// sweeps, on nobody's behalf).
#[derive(Clone, Copy)]
pub enum Resolver<'a> {
    Staff(&'a Actor<'a>),
    System,
}

impl Resolver<'_> {
    fn id(&self) -> Option<&str> {
        match self {
            Resolver::Staff(a) => Some(a.id),
            Resolver::System => None,
        }
    }

    fn event<'b>(&'b self, kind: EventKind, body: &'b str) -> NewEvent<'b> {
        match self {
            Resolver::Staff(a) => staff_event(a, kind, true, body),
            Resolver::System => NewEvent::public(kind, EventAuthor::System, body),
        }
    }
}

/// Resolves an open ticket (by id) with a public message to its customer:
/// the ticket is locked, resolved (its clock stops; the resolution counts
/// against its due time as today), the message and the status change go on
/// its public timeline, the audit log records it, and the customer gets the
/// "resolved" mail, quoting the message, in their language. `Ok(false)`,
/// with nothing written, when the ticket is no longer open. Runs inside the
/// caller's transaction when there is one.
pub fn resolve_with_message(
    conn: &mut DbConn,
    ticket_id: &str,
    body: &str,
    by: Resolver<'_>,
    rules: &Rules,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    resolve_saying(conn, ticket_id, (EventKind::PublicReply, MailKind::Resolved), body, by, rules, now)
}

/// The same, when the message is a platform's (or engineering's, or the
/// payment provider's) answer: its own timeline entry and mail.
pub fn resolve_with_platform_answer(
    conn: &mut DbConn,
    ticket_id: &str,
    body: &str,
    by: Resolver<'_>,
    rules: &Rules,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    resolve_saying(conn, ticket_id, (EventKind::PlatformAnswer, MailKind::PlatformAnswer), body, by, rules, now)
}

fn resolve_saying(
    conn: &mut DbConn,
    ticket_id: &str,
    (kind, mail): (EventKind, MailKind),
    body: &str,
    by: Resolver<'_>,
    rules: &Rules,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    conn.transaction(|conn| {
        let t = &current(conn, ticket_id, Seen::Latest)?;
        if !t.status.is_open() {
            return Ok(false);
        }
        diesel::update(tickets::table.find(&t.id))
            .set((
                tickets::status.eq(Status::Resolved.as_str()),
                tickets::paused_at.eq(None::<NaiveDateTime>),
                tickets::updated_at.eq(now),
            ))
            .execute(conn)?;
        let cal = sla::calendar_for(conn, &t.id, t.queue, rules)?;
        stats::resolved(conn, t, sla::resume(&cal, t.due_at, t.paused_at, now), now)?;
        let event_id = insert_event(conn, &t.id, by.event(kind, body), now)?;
        super::search::index(conn, &t.id)?;
        insert_event(conn, &t.id, by.event(EventKind::StatusChanged, Status::Resolved.as_str()), now)?;
        super::complaint::end_if_answered(conn, t, EventKind::StatusChanged, Status::Resolved)?;
        super::notify::customer(conn, &super::notify::Customer::of(t), mail, Some(&event_id), now)?;
        let entry = Entry {
            actor_id: by.id(),
            action: "resolve_with_message",
            ticket_id: Some(&t.id),
            before: t.status.as_str(),
            after: Status::Resolved.as_str(),
        };
        audit::record(conn, entry, now)?;
        Ok(true)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patch_keeps_only_what_changes() {
        let all = Patch {
            assignee: Some(Some("u1".into())),
            priority: Some(Priority::High),
            status: Some(Status::PendingCustomer),
        };
        // Nothing differs: nothing to write.
        assert!(all.clone().beyond(Some("u1"), Priority::High, Status::PendingCustomer).is_empty());
        // Only the priority differs.
        let p = all.clone().beyond(Some("u1"), Priority::Normal, Status::PendingCustomer);
        assert_eq!((p.assignee, p.priority, p.status), (None, Some(Priority::High), None));
        // Unassigning an assigned ticket is a change; unassigning nobody is not.
        let none = Patch { assignee: Some(None), ..Default::default() };
        assert_eq!(none.clone().beyond(Some("u1"), Priority::Low, Status::Open).assignee, Some(None));
        assert!(none.beyond(None, Priority::Low, Status::Open).is_empty());
        // What the patch leaves alone stays alone.
        assert!(Patch::default().beyond(Some("u1"), Priority::Low, Status::Open).is_empty());
    }
}
