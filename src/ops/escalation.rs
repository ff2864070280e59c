//! What supervisors do with an escalation: approve it (its packet goes to
//! the platform, engineering or the payment provider), send it back to the
//! agents, and record the answer, which every grouped ticket and customer
//! hears. Each transition is audited.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::audit::{self, Entry};
use crate::db::outbox;
use crate::db::routing::{escalation_tickets, status, Escalation};
use crate::db::schema::{escalations, tickets};
use crate::db::stats;
use crate::db::tickets::{author, event_kind, insert_event, NewEvent};
use crate::db::DbConn;
use crate::domain::codes::Status;
use crate::domain::sla;
use crate::ops::ticket::Actor;

fn record(
    conn: &mut DbConn,
    actor: &Actor<'_>,
    action: &str,
    e: &Escalation,
    after: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let before = format!("{} {}/{} {}", e.target, e.platform, e.scenario, e.status);
    audit::record(conn, Entry { actor_id: Some(actor.id), action, ticket_id: None, before: &before, after }, now)
}

/// Moves a reviewed escalation on; false if it was no longer in `from`.
fn transition(
    conn: &mut DbConn,
    e: &Escalation,
    from: &str,
    to: &str,
    note: &str,
    actor: &Actor<'_>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(escalations::table.find(&e.id).filter(escalations::status.eq(from)))
        .set((
            escalations::status.eq(to),
            escalations::reviewed_by.eq(actor.id),
            escalations::reviewed_at.eq(now),
            escalations::review_note.eq(note),
        ))
        .execute(conn)?;
    Ok(n > 0)
}

/// Approves: the packet is queued to `recipient`; the escalation is `sent`.
pub fn approve(
    conn: &mut DbConn,
    e: &Escalation,
    recipient: &str,
    actor: &Actor<'_>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    conn.transaction(|conn| {
        if !transition(conn, e, status::PENDING_REVIEW, status::SENT, "", actor, now)? {
            return Ok(false);
        }
        outbox::enqueue_packet(conn, &e.id, recipient, now)?;
        for t in escalation_tickets(conn, &e.id)? {
            let note = NewEvent {
                is_public: false,
                author_id: Some(actor.id),
                ..NewEvent::public(event_kind::ESCALATED, author::STAFF, recipient)
            };
            insert_event(conn, &t.id, note, now)?;
        }
        record(conn, actor, "escalation_approve", e, &format!("sent to {recipient}"), now)?;
        Ok(true)
    })
}

/// Sends back to the agents with the supervisor's reason: the tickets leave
/// the escalation and are open again.
pub fn send_back(
    conn: &mut DbConn,
    e: &Escalation,
    reason: &str,
    actor: &Actor<'_>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    conn.transaction(|conn| {
        if !transition(conn, e, status::PENDING_REVIEW, status::SENT_BACK, reason, actor, now)? {
            return Ok(false);
        }
        for t in escalation_tickets(conn, &e.id)? {
            let waiting = t.status == Status::PendingPlatform;
            diesel::update(tickets::table.find(&t.id))
                .set((
                    tickets::escalation_id.eq(None::<String>),
                    tickets::status.eq(if waiting { Status::Open.as_str() } else { t.status.as_str() }),
                    tickets::updated_at.eq(now),
                ))
                .execute(conn)?;
            let note = NewEvent {
                is_public: false,
                author_id: Some(actor.id),
                ..NewEvent::public(event_kind::ESCALATION_SENT_BACK, author::STAFF, reason)
            };
            insert_event(conn, &t.id, note, now)?;
        }
        record(conn, actor, "escalation_send_back", e, reason, now)?;
        Ok(true)
    })
}

/// Records the platform's (or engineering's, or the provider's) answer.
/// Every grouped ticket is told, in its customer's language, and resolved.
pub fn answer(
    conn: &mut DbConn,
    e: &Escalation,
    approved: bool,
    reference: &str,
    text: &str,
    actor: &Actor<'_>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    conn.transaction(|conn| {
        let to = if approved { status::APPROVED } else { status::DECLINED };
        let n = diesel::update(escalations::table.find(&e.id).filter(escalations::status.eq(status::SENT)))
            .set((
                escalations::status.eq(to),
                escalations::answer_reference.eq(reference),
                escalations::answer_text.eq(text),
                escalations::answered_at.eq(now),
            ))
            .execute(conn)?;
        if n == 0 {
            return Ok(false);
        }
        for t in escalation_tickets(conn, &e.id)? {
            if !t.status.is_open() {
                continue;
            }
            let lang = t.language;
            let message = lang.t(if approved { "platform-answer-approved" } else { "platform-answer-declined" });
            diesel::update(tickets::table.find(&t.id))
                .set((
                    tickets::status.eq(Status::Resolved.as_str()),
                    tickets::paused_at.eq(None::<NaiveDateTime>),
                    tickets::updated_at.eq(now),
                ))
                .execute(conn)?;
            stats::resolved(conn, &t, sla::resume(t.due_at, t.paused_at, now), now)?;
            let told = NewEvent {
                author_id: Some(actor.id),
                ..NewEvent::public(event_kind::PLATFORM_ANSWER, author::STAFF, &message)
            };
            let event_id = insert_event(conn, &t.id, told, now)?;
            let resolved = NewEvent {
                author_id: Some(actor.id),
                ..NewEvent::public(event_kind::STATUS_CHANGED, author::SYSTEM, Status::Resolved.as_str())
            };
            insert_event(conn, &t.id, resolved, now)?;
            outbox::enqueue(
                conn,
                outbox::kind::PLATFORM_ANSWER,
                &t.id,
                Some(&event_id),
                &t.contact_email,
                t.language,
                now,
            )?;
        }
        record(conn, actor, "escalation_answer", e, &format!("{to} {reference}"), now)?;
        Ok(true)
    })
}
