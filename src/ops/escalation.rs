//! Escalations: how a ticket joins one (at filing, when routing decides
//! again, when a payment finding or a sweep needs the provider), and what
//! supervisors do with it: approve it (its packet goes to the platform,
//! engineering or the payment provider), send it back to the agents, and
//! record the answer, which every grouped ticket and customer hears. Each reads and locks the escalation (and the tickets it changes)
//! inside its own transaction, refuses when the escalation is no longer in
//! the state the action needs (`Refusal::Escalation`), and writes the change, the
//! tickets' timelines, the mail and the audit row before it commits once.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::audit::{self, Entry};
use crate::db::routing::{self, escalation_tickets, Escalation};
use crate::db::schema::{escalations, tickets};
use crate::db::tickets::{insert_event, NewEvent};
use crate::db::{backend, outbox, DbConn};
use crate::domain::codes::{
    CaseKind, EscalationStatus, EscalationTarget, EventAuthor, EventKind, MailKind, PaymentScenario, Platform, Status,
};
use crate::error::{AppError, Refusal};
use crate::i18n::Lang;
use crate::ops::ticket::{resolve_with_platform_answer, Actor, Resolver};
use crate::present::words::{platform_answer, PlatformWords};
use crate::routing::Decision;

/// The escalation routing opens for a kind of case: out-of-scope cases wait
/// on the platform, product bugs on engineering.
pub fn target_for(kind: CaseKind) -> Option<EscalationTarget> {
    match kind {
        CaseKind::OutOfScope => Some(EscalationTarget::Platform),
        CaseKind::ProductBug => Some(EscalationTarget::Engineering),
        _ => None,
    }
}

/// Sends a ticket the way its kind needs (see [`target_for`]), through an
/// escalation a supervisor reviews first.
pub fn escalate_if_needed(
    conn: &mut DbConn,
    ticket_id: &str,
    d: &Decision,
    platform: Platform,
    scenario: PaymentScenario,
    now: NaiveDateTime,
) -> QueryResult<()> {
    match target_for(d.kind) {
        Some(to) => join(conn, ticket_id, to, platform, scenario, &d.rule, &d.rule, now),
        None => Ok(()),
    }
}

/// Joins a ticket to the open escalation for its target, platform and
/// scenario (opening one, and telling supervisors, when there is none),
/// with its timeline entry `note`: public for the platform (the customer
/// learns only the platform can enable it), internal otherwise.
#[allow(clippy::too_many_arguments)]
pub fn join(
    conn: &mut DbConn,
    ticket_id: &str,
    to: EscalationTarget,
    platform: Platform,
    scenario: PaymentScenario,
    rule: &str,
    note: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let (esc, new) = routing::escalation_for(conn, to, platform, scenario, rule, now)?;
    if new {
        notify_supervisors(conn, ticket_id, now)?;
    }
    crate::db::tickets::set_escalation(conn, ticket_id, &esc, now)?;
    let public = to == EscalationTarget::Platform;
    let kind = if public { EventKind::OutOfScope } else { EventKind::Escalated };
    insert_event(
        conn,
        ticket_id,
        NewEvent { is_public: public, ..NewEvent::public(kind, EventAuthor::System, note) },
        now,
    )?;
    Ok(())
}

/// Tells supervisors a new escalation waits for their review (the ticket
/// that opened it names it in the message).
fn notify_supervisors(conn: &mut DbConn, ticket_id: &str, now: NaiveDateTime) -> QueryResult<()> {
    for email in crate::db::users::supervisors(conn)? {
        outbox::enqueue(conn, MailKind::EscalationWaiting, ticket_id, None, &email, Lang::ZhCn, now)?;
    }
    Ok(())
}

/// The fixed addresses packets go to when the target is not a platform.
pub struct Addresses<'a> {
    pub engineering: &'a str,
    pub provider: &'a str,
}

/// What approving did.
#[derive(Debug, PartialEq, Eq)]
pub enum Approval {
    /// The packet is queued to this address; the escalation is `sent`.
    Sent(String),
    /// The platform has no contact address: nothing was changed.
    NoPlatformContact(Platform),
}

/// Where an approved packet goes: the platform's contact, or engineering's
/// or the provider's address; `None` when the platform has no contact.
pub fn recipient(conn: &mut DbConn, e: &Escalation, to: &Addresses<'_>) -> QueryResult<Option<String>> {
    Ok(match e.target {
        EscalationTarget::Platform => {
            routing::platform(conn, e.platform)?.map(|p| p.contact_email.trim().to_string()).filter(|c| !c.is_empty())
        }
        EscalationTarget::Provider => Some(to.provider.to_string()),
        EscalationTarget::Engineering => Some(to.engineering.to_string()),
    })
}

/// The escalation, locked, if it is in state `from`; `NotFound` or
/// `Refusal::Escalation` otherwise.
fn locked_in(conn: &mut DbConn, id: &str, from: EscalationStatus) -> Result<Escalation, AppError> {
    let e = backend::lock_escalation(conn, id)?.ok_or(AppError::NotFound)?;
    if e.status != from {
        return Err(AppError::Refused(Refusal::Escalation));
    }
    Ok(e)
}

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

fn review(
    conn: &mut DbConn,
    e: &Escalation,
    to: EscalationStatus,
    note: &str,
    actor: &Actor<'_>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(escalations::table.find(&e.id))
        .set((
            escalations::status.eq(to),
            escalations::reviewed_by.eq(actor.id),
            escalations::reviewed_at.eq(now),
            escalations::review_note.eq(note),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Approves an escalation waiting for review: its packet is queued to its
/// recipient and it is `sent`. A platform without a contact address is
/// refused (`NoPlatformContact`) with nothing changed.
pub fn approve(
    conn: &mut DbConn,
    id: &str,
    to: &Addresses<'_>,
    actor: &Actor<'_>,
    now: NaiveDateTime,
) -> Result<Approval, AppError> {
    conn.transaction(|conn| {
        let e = &locked_in(conn, id, EscalationStatus::PendingReview)?;
        let Some(recipient) = recipient(conn, e, to)? else {
            return Ok(Approval::NoPlatformContact(e.platform));
        };
        review(conn, e, EscalationStatus::Sent, "", actor, now)?;
        outbox::enqueue_packet(conn, &e.id, &recipient, now)?;
        for t in escalation_tickets(conn, &e.id)? {
            let note = NewEvent {
                is_public: false,
                author_id: Some(actor.id),
                ..NewEvent::public(EventKind::Escalated, EventAuthor::Staff, &recipient)
            };
            insert_event(conn, &t.id, note, now)?;
        }
        record(conn, actor, "escalation_approve", e, &format!("sent to {recipient}"), now)?;
        Ok(Approval::Sent(recipient))
    })
}

/// The ids of an escalation's tickets, in the order they are locked in.
fn ticket_ids(conn: &mut DbConn, id: &str) -> QueryResult<Vec<String>> {
    let mut ids: Vec<String> = escalation_tickets(conn, id)?.into_iter().map(|t| t.id).collect();
    ids.sort();
    Ok(ids)
}

/// Sends an escalation waiting for review back to the agents with the
/// supervisor's reason: its tickets leave it, and those waiting on the
/// platform are open again.
pub fn send_back(
    conn: &mut DbConn,
    id: &str,
    reason: &str,
    actor: &Actor<'_>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    conn.transaction(|conn| {
        let e = &locked_in(conn, id, EscalationStatus::PendingReview)?;
        review(conn, e, EscalationStatus::SentBack, reason, actor, now)?;
        for ticket_id in ticket_ids(conn, &e.id)? {
            let Some(t) = backend::lock_ticket(conn, &ticket_id)? else { continue };
            if t.escalation_id.as_deref() != Some(e.id.as_str()) {
                continue;
            }
            let to = if t.status == Status::PendingPlatform { Status::Open } else { t.status };
            diesel::update(tickets::table.find(&t.id))
                .set((
                    tickets::escalation_id.eq(None::<String>),
                    tickets::status.eq(to.as_str()),
                    tickets::updated_at.eq(now),
                ))
                .execute(conn)?;
            let note = NewEvent {
                is_public: false,
                author_id: Some(actor.id),
                ..NewEvent::public(EventKind::EscalationSentBack, EventAuthor::Staff, reason)
            };
            insert_event(conn, &t.id, note, now)?;
        }
        record(conn, actor, "escalation_send_back", e, reason, now)?;
        Ok(())
    })
}

/// Records the answer to a sent escalation (the platform's, engineering's
/// or the provider's): every grouped ticket still open is told, in its
/// customer's language, and resolved.
/// The platform's answer recorded: the escalation keeps it, and every
/// ticket grouped under it is resolved with what the answer means and the
/// platform's words, each customer in their language
/// (`present::words::platform_answer`).
#[allow(clippy::too_many_arguments)]
pub fn answer(
    conn: &mut DbConn,
    id: &str,
    approved: bool,
    reference: &str,
    words: &PlatformWords<'_>,
    rules: &crate::routing::Rules,
    actor: &Actor<'_>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let text = words.text;
    conn.transaction(|conn| {
        let e = &locked_in(conn, id, EscalationStatus::Sent)?;
        let to = if approved { EscalationStatus::Approved } else { EscalationStatus::Declined };
        diesel::update(escalations::table.find(&e.id))
            .set((
                escalations::status.eq(to),
                escalations::answer_reference.eq(reference),
                escalations::answer_text.eq(text),
                escalations::answered_at.eq(now),
            ))
            .execute(conn)?;
        let mut grouped = escalation_tickets(conn, &e.id)?;
        grouped.sort_by(|a, b| a.id.cmp(&b.id));
        for t in grouped {
            let message = platform_answer(t.language, approved, words);
            resolve_with_platform_answer(conn, &t.id, &message, Resolver::Staff(actor), rules, now)?;
        }
        record(conn, actor, "escalation_answer", e, &format!("{to} {reference}"), now)?;
        Ok(())
    })
}
