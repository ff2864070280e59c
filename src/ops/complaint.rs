//! A customer asks for a supervisor (tracking page). One transaction: the
//! ticket is read under its lock, the domain's rule decides
//! (`domain::complaint`), then the flag, the highest priority, the
//! complaint's due time (rules file), a resolved ticket reopened, the
//! public timeline entry, the audit row and the supervisors' mail.
//! Staff answering or resolving ends it (`end_if_answered`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::audit::{self, Entry};
use crate::db::schema::{tickets, users};
use crate::db::tickets::{insert_event, NewEvent, Ticket};
use crate::db::{backend, outbox, DbConn};
use crate::domain::codes::{EventAuthor, EventKind, MailKind, Queue, Queues, Role, Status};
use crate::domain::complaint::{self, Refusal};
use crate::i18n::Lang;
use crate::routing::Rules;

/// What became of the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Asked,
    Refused(Refusal),
    /// The retention purge anonymised the ticket: nothing is changed.
    Anonymised,
}

/// The supervisors (and admins) who serve the ticket's queue; when none
/// does, every active supervisor, as the SLA breach notice goes: a
/// complaint is never mailed to nobody.
pub fn supervisors_of(conn: &mut DbConn, queue: Queue) -> QueryResult<Vec<String>> {
    let all: Vec<(String, Queues)> = users::table
        .filter(users::active.eq(true))
        .filter(users::role.eq_any([Role::Supervisor, Role::Admin]))
        .select((users::email, users::queues))
        .load(conn)?;
    let serving: Vec<String> = all.iter().filter(|(_, q)| q.0.contains(&queue)).map(|(e, _)| e.clone()).collect();
    Ok(if serving.is_empty() { all.into_iter().map(|(e, _)| e).collect() } else { serving })
}

pub fn ask(
    conn: &mut DbConn,
    ticket_id: &str,
    reason: &str,
    rules: &Rules,
    now: NaiveDateTime,
) -> QueryResult<Outcome> {
    conn.transaction(|conn| {
        let t = backend::lock_ticket(conn, ticket_id)?.ok_or(diesel::result::Error::NotFound)?;
        if t.anonymised() {
            return Ok(Outcome::Anonymised);
        }
        if let Err(refusal) = complaint::may_ask(t.status, t.due_at, t.paused_at.is_some(), t.complaint_at, now) {
            return Ok(Outcome::Refused(refusal));
        }
        // A resolved ticket is open again; one still open keeps its status
        // (new, open, or waiting on the platform).
        let status = if t.status == Status::Resolved { Status::Open } else { t.status };
        // The complaint's promise, in the queue's working time.
        let promise = chrono::Duration::hours(rules.complaint.first_response_hours);
        let due = super::sla::calendar_for(conn, &t.id, t.queue, rules)?.add(now, promise);
        diesel::update(tickets::table.find(&t.id))
            .set((
                tickets::complaint_at.eq(Some(now)),
                tickets::priority.eq(complaint::PRIORITY.as_str()),
                tickets::status.eq(status.as_str()),
                tickets::due_at.eq(due),
                tickets::paused_at.eq(None::<NaiveDateTime>),
                // Late again on the complaint's own promise: supervisors are
                // told again.
                tickets::breach_notified_at.eq(None::<NaiveDateTime>),
                tickets::updated_at.eq(now),
            ))
            .execute(conn)?;
        let event_id =
            insert_event(conn, &t.id, NewEvent::public(EventKind::Complaint, EventAuthor::Customer, reason), now)?;
        if status != t.status {
            insert_event(
                conn,
                &t.id,
                NewEvent::public(EventKind::StatusChanged, EventAuthor::System, status.as_str()),
                now,
            )?;
        }
        if t.priority != complaint::PRIORITY {
            let change = NewEvent {
                kind: EventKind::PriorityChanged,
                author_kind: EventAuthor::System,
                author_id: None,
                is_public: false,
                body: complaint::PRIORITY.as_str(),
            };
            insert_event(conn, &t.id, change, now)?;
        }
        let entry = Entry {
            actor_id: None,
            action: "complaint",
            ticket_id: Some(&t.id),
            before: t.priority.as_str(),
            after: complaint::PRIORITY.as_str(),
        };
        audit::record(conn, entry, now)?;
        // The page they complained on confirms it; an SMS leaves the
        // customer reached by phone a note with the link (no email: the
        // emails they get already carry the link).
        let by_phone = super::notify::Customer { email: None, ..super::notify::Customer::of(&t) };
        super::notify::customer(conn, &by_phone, MailKind::ComplaintReceived, None, now)?;
        for email in supervisors_of(conn, t.queue)? {
            outbox::enqueue(conn, MailKind::Complaint, &t.id, Some(&event_id), &email, Lang::ZhCn, now)?;
        }
        Ok(Outcome::Asked)
    })
}

/// Ends an open complaint when staff answer in public or resolve
/// (`domain::complaint::ended_by`); called inside their transaction.
pub fn end_if_answered(conn: &mut DbConn, t: &Ticket, kind: EventKind, status_after: Status) -> QueryResult<()> {
    if t.complaint_at.is_some() && complaint::ended_by(kind, status_after) {
        diesel::update(tickets::table.find(&t.id))
            .set(tickets::complaint_at.eq(None::<NaiveDateTime>))
            .execute(conn)?;
    }
    Ok(())
}
