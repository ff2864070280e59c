//! Intake: a customer (through the form or the API) or the demo data files a
//! ticket, and a customer adds a message or facts to their own ticket. What
//! filing means is decided here ([`file`]); `db::tickets` only stores rows.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::db::idempotency::{self, Claim};
use crate::db::routing;
use crate::db::schema::tickets;
use crate::db::tickets::{
    self as tickets_db, insert_event, insert_screenshot, NewEvent, NewRow, Ticket, MAX_SCREENSHOTS_PER_TICKET,
};
use crate::db::{new_id, stats, DbConn};
use crate::domain::calendar::Calendar;
use crate::domain::codes::{CaseKind, CheckTried, EventAuthor, EventKind, MailKind, Status};
use crate::domain::intake::{Added, NewTicket};
use crate::domain::reference::{new_reference, TrackingToken};
use crate::domain::screenshot::Screenshot;
use crate::ops::escalation;
use crate::routing::{Decision, Rules};

/// How a ticket is filed, besides its facts.
#[derive(Debug, Default, Clone, Copy)]
pub struct Filing<'a> {
    /// The screenshot draft it used (a refused form's kept screenshot),
    /// consumed with it.
    pub draft_token: Option<&'a str>,
    /// An API caller's idempotency key, completed in the ticket's
    /// transaction; the tracking token is derived from it.
    pub claim: Option<&'a Claim>,
}

/// What a customer gets back once their ticket is stored.
pub struct Created {
    pub reference: String,
    pub token: TrackingToken,
    /// Where routing put it: new, or already waiting on the customer or the
    /// platform.
    pub status: Status,
}

/// What routing decided for a new ticket, and the SLA targets to apply.
pub struct Routed<'a> {
    pub decision: &'a Decision,
    /// The calendar of the queue it goes to: its due time counts working
    /// time (issue 30).
    pub calendar: &'a Calendar,
    /// Ask the payment's provider about it (issue 17).
    pub check_payment: bool,
    pub rules: &'a Rules,
}

impl Routed<'_> {
    /// Where a new ticket starts: with the platform when only it can help,
    /// with the customer when they can fix it alone and have something
    /// left to try, else new (a person looks: telling someone to do again
    /// what they did helps nobody).
    pub fn status(&self, tried: &[CheckTried]) -> Status {
        if self.decision.kind == CaseKind::OutOfScope {
            Status::PendingPlatform
        } else if self.decision.self_service && !self.decision.kind.steps_left(tried).is_empty() {
            Status::PendingCustomer
        } else {
            Status::New
        }
    }
}

/// The tracking token of the ticket a claim files (and filed): made again
/// from the claim whenever its answer is given.
pub fn claimed_token(conn: &mut DbConn, claim: &Claim, now: NaiveDateTime) -> QueryResult<TrackingToken> {
    let secret = crate::db::users::server_secret(conn, "idempotency", now)?;
    Ok(TrackingToken::derive(secret.expose(), &[&claim.caller, &claim.key, &claim.nonce]))
}

/// Files a validated ticket — the form, the API and the demo data all come
/// here: routing decides its kind, queue and priority, then one
/// transaction stores it with everything filing means ([`store`]).
pub fn file(
    conn: &mut DbConn,
    ticket: &NewTicket,
    rules: &Rules,
    payments: &crate::payments::Payments,
    filing: Filing<'_>,
    now: NaiveDateTime,
) -> QueryResult<(Created, Decision)> {
    // Read before the write transaction starts (SQLite takes its write lock
    // with the first write).
    let allowed = routing::allows(conn, ticket.platform, ticket.payment_scenario)?;
    let learned = routing::learned_vocabulary(conn)?;
    let decision = rules.route(&crate::routing::Facts {
        symptom: ticket.symptom,
        failing_step: ticket.failing_step,
        error_code: ticket.error_code.as_deref(),
        error_message: ticket.error_message.as_deref(),
        description: &ticket.description,
        checks_tried: &ticket.checks_tried,
        payment_method: ticket.payment_method,
        scenario_allowed: allowed,
        learned: Some(&learned),
    });
    // A payment its provider can be asked about is checked in the
    // background, the job written with the ticket.
    let check_payment = payments.checks(ticket.payment_method, ticket.order_number.as_deref());
    let calendar = super::sla::calendar_of(conn, decision.queue, rules)?;
    let routed = Routed { decision: &decision, calendar: &calendar, rules, check_payment };
    let claimed = filing.claim.map(|claim| claimed_token(conn, claim, now)).transpose()?;
    // References are short, so a collision is possible; retry with a new one.
    let mut attempts = 0;
    loop {
        attempts += 1;
        let token = claimed.clone().unwrap_or_else(TrackingToken::generate);
        let created = Created { reference: new_reference(), token, status: routed.status(&ticket.checks_tried) };
        let apart = crate::db::backend::assigns_after_commit(conn);
        let stored = conn.transaction(|conn| {
            let id = store(conn, ticket, &routed, &created, filing.draft_token, now)?;
            if !apart {
                assign(conn, &id, decision.queue, now)?;
            }
            if let Some(claim) = filing.claim {
                idempotency::complete(conn, claim, &created.reference, created.status)?;
            }
            Ok(id)
        });
        match stored {
            Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) if attempts < 5 => continue,
            Err(e) => return Err(e),
            Ok(id) => {
                // The ticket is stored: a failure to assign it leaves it
                // in the unassigned tab, and the customer is answered.
                let assigned = apart.then(|| {
                    conn.transaction(|conn| {
                        crate::db::backend::commit_without_waiting(conn)?;
                        assign(conn, &id, decision.queue, now)
                    })
                });
                if let Some(Err(e)) = assigned {
                    tracing::warn!(error = %e, reference = %created.reference, "a new ticket was not assigned");
                }
                return Ok((created, decision));
            }
        }
    }
}

/// What filing a ticket means, inside the caller's transaction: its row,
/// due within its priority's first-response target; the escalation its kind
/// needs; the routing decision on record; the day's statistics; the
/// incident it belongs to; its words for search; its tracking link; the
/// payment check; the "received" mail; its screenshot. Returns its id.
fn store(
    conn: &mut DbConn,
    t: &NewTicket,
    routed: &Routed<'_>,
    created: &Created,
    draft_token: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<String> {
    let id = new_id();
    let d = routed.decision;
    let row = NewRow {
        id: &id,
        reference: &created.reference,
        token: &created.token,
        status: created.status,
        due_at: routed.calendar.add(now, routed.rules.first_response(d.priority)),
        decision: d,
    };
    // The first statement writes, so SQLite takes its write lock at once and
    // never has to upgrade a read lock (which could fail with SQLITE_BUSY).
    tickets_db::insert(conn, t, &row, now)?;
    escalation::escalate_if_needed(conn, &id, d, t.platform, t.payment_scenario, now)?;
    routing::insert_decision(conn, &id, super::routing::cause::INTAKE, d, None, now)?;
    let key = stats::Key {
        filed: now,
        queue: d.queue.as_str(),
        case_kind: d.kind.as_str(),
        city: &t.city,
        failing_step: t.failing_step.as_str(),
    };
    stats::filed(conn, &key)?;
    super::incident::join_at_intake(conn, &id, d.kind.as_str(), &t.city, t.failing_step.as_str(), now)?;
    tickets_db::insert_link(conn, &id, &created.token, now)?;
    if routed.check_payment {
        crate::db::payments::enqueue(conn, &id, now)?;
    }
    let event_id = insert_event(conn, &id, NewEvent::public(EventKind::Created, EventAuthor::Customer, ""), now)?;
    super::search::index_filed(conn, &id, t)?;
    let (email, phone) = t.contact_channel.reach(&t.contact_email, &t.contact_phone);
    let customer = super::notify::Customer { ticket_id: &id, language: t.language, case_kind: d.kind, email, phone };
    super::notify::customer(conn, &customer, MailKind::Received, None, now)?;
    // Choosing SMS again, after answering "TD" once, asks for SMS again.
    if let Some(phone) = customer.phone {
        crate::db::sms::opt_in(conn, phone)?;
    }
    if let Some(shot) = &t.screenshot {
        insert_screenshot(conn, &id, Some(&event_id), shot, now)?;
    }
    if let Some(token) = draft_token {
        tickets_db::delete_draft(conn, token)?;
    }
    Ok(id)
}

/// Gives a new ticket to the least loaded agent of its queue, unless
/// someone took it meanwhile. Picking takes a lock that every intake waits
/// for on PostgreSQL (so that servers agree on who is least loaded): there
/// it is done in a transaction of its own after the ticket's, which does
/// not wait for its commit to reach the disk — intakes then wait for each
/// other only for the few statements of a pick, not for a WAL flush each.
/// A crash may lose such an assignment; the ticket is then in the
/// unassigned tab, as if nobody had been free.
fn assign(conn: &mut DbConn, id: &str, queue: crate::domain::codes::Queue, now: NaiveDateTime) -> QueryResult<()> {
    if let Some(agent) = routing::pick_assignee(conn, queue, now)? {
        if tickets_db::assign_if_unassigned(conn, id, &agent.id)? {
            let note = NewEvent {
                is_public: false,
                ..NewEvent::public(EventKind::Assigned, EventAuthor::System, &agent.name)
            };
            insert_event(conn, id, note, now)?;
        }
    }
    Ok(())
}

/// What became of a customer's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerMessage {
    Added,
    /// The retention purge anonymised the ticket meanwhile: nothing stored,
    /// and it is not reopened.
    Anonymised,
    /// The message carried a screenshot past [`MAX_SCREENSHOTS_PER_TICKET`]:
    /// nothing stored.
    TooManyScreenshots,
}

/// A customer's message on their ticket (tracking page or email reply), in
/// one transaction: it reopens or un-pauses the ticket (`after_reply`);
/// on a ticket merged into another the words also reach that one.
pub fn add_customer_message(
    conn: &mut DbConn,
    ticket: &Ticket,
    body: &str,
    screenshot: Option<&Screenshot>,
    rules: &Rules,
    now: NaiveDateTime,
) -> QueryResult<CustomerMessage> {
    conn.transaction(|conn| {
        // Every ticket this touches is locked first, in id order, as merges
        // and escalations lock theirs: concurrent writers then wait for one
        // another instead of deadlocking.
        let chain = merge_chain(conn, &ticket.id)?;
        let mut ids = chain.clone();
        ids.sort();
        for id in &ids {
            crate::db::backend::lock_ticket(conn, id)?;
        }
        // Read again under the lock: the purge or another message may have
        // come in between.
        let ticket = &crate::db::backend::lock_ticket(conn, &ticket.id)?.ok_or(diesel::result::Error::NotFound)?;
        if ticket.anonymised() {
            return Ok(CustomerMessage::Anonymised);
        }
        if screenshot.is_some() && ticket.screenshot_count >= MAX_SCREENSHOTS_PER_TICKET {
            return Ok(CustomerMessage::TooManyScreenshots);
        }
        after_reply(conn, ticket, rules, now)?;
        let message = NewEvent::public(EventKind::CustomerMessage, EventAuthor::Customer, body);
        let event_id = insert_event(conn, &ticket.id, message, now)?;
        super::search::index(conn, &ticket.id)?;
        if let Some(shot) = screenshot {
            insert_screenshot(conn, &ticket.id, Some(&event_id), shot, now)?;
        }
        if let Some(target) = chain.last().filter(|id| **id != ticket.id) {
            pass_on_to_merged(conn, &ticket.reference, target, body, rules, now)?;
        }
        Ok(CustomerMessage::Added)
    })
}

/// A ticket and the ones it was merged into, in turn (a ticket merged into
/// one that was itself merged later), read without locks: a few hops at
/// most, and a cycle, which merging cannot make, is not followed forever.
fn merge_chain(conn: &mut DbConn, id: &str) -> QueryResult<Vec<String>> {
    let mut chain = vec![id.to_string()];
    while chain.len() < 8 {
        let last = chain.last().expect("never empty").clone();
        let next: Option<Option<String>> =
            tickets::table.find(&last).select(tickets::merged_into).first(conn).optional()?;
        match next.flatten() {
            Some(next) if !chain.contains(&next) => chain.push(next),
            _ => break,
        }
    }
    Ok(chain)
}

/// What a customer's reply does to their ticket's status and clock (the
/// ticket locked by the caller): one waiting on them, resolved or closed
/// goes back in front of an agent (`Status::after_customer_reply`). Time
/// spent waiting on them is added to its due time; one that had been
/// resolved or closed is due again within its priority's first-response
/// target from now (its old due time has long passed, and it would reopen
/// already overdue), its breach notice cleared.
pub(crate) fn after_reply(conn: &mut DbConn, t: &Ticket, rules: &Rules, now: NaiveDateTime) -> QueryResult<()> {
    let next = t.status.after_customer_reply(t.merged_into.is_some());
    let reopened = matches!(t.status, Status::Resolved | Status::Closed) && next != t.status;
    let cal = super::sla::calendar_for(conn, &t.id, t.queue, rules)?;
    let (due, paused) = if reopened {
        (cal.add(now, rules.first_response(t.priority)), None)
    } else {
        let waits = super::sla::waits_on_provider(conn, t, t.first_response_at.is_some(), now)?;
        super::sla::clock(&cal, t, t.due_at, next, waits, now)
    };
    let breach_notified_at = if reopened { None } else { t.breach_notified_at };
    diesel::update(tickets::table.find(&t.id))
        .set((
            tickets::status.eq(next.as_str()),
            tickets::due_at.eq(due),
            tickets::paused_at.eq(paused),
            tickets::breach_notified_at.eq(breach_notified_at),
            tickets::updated_at.eq(now),
        ))
        .execute(conn)?;
    if next != t.status {
        let change = NewEvent::public(EventKind::StatusChanged, EventAuthor::System, next.as_str());
        insert_event(conn, &t.id, change, now)?;
    }
    Ok(())
}

/// A customer wrote on a ticket that was merged into another: their words
/// stay on their own page, and reach the ticket that goes on (locked by the
/// caller) as an internal note (its customer may be someone else), putting
/// it back in front of an agent as their own reply would — unless it was
/// anonymised, when the note is all.
fn pass_on_to_merged(
    conn: &mut DbConn,
    from_reference: &str,
    target_id: &str,
    body: &str,
    rules: &Rules,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let target = crate::db::backend::lock_ticket(conn, target_id)?.ok_or(diesel::result::Error::NotFound)?;
    if !target.anonymised() {
        after_reply(conn, &target, rules, now)?;
    }
    let note = format!("↪ {from_reference}:\n{body}");
    let note = NewEvent { is_public: false, ..NewEvent::public(EventKind::InternalNote, EventAuthor::System, &note) };
    insert_event(conn, &target.id, note, now)?;
    Ok(())
}

/// A customer adds facts asked for (tracking page): each given one replaces
/// what the ticket held, a public timeline entry lists them, the ticket
/// leaves "waiting on you" as with a message, and routing decides again
/// (unless an agent set the kind by hand) — all in one transaction.
pub fn add_facts(
    conn: &mut DbConn,
    ticket_id: &str,
    added: &Added,
    rules: &Rules,
    payments: &crate::payments::Payments,
    now: NaiveDateTime,
) -> QueryResult<CustomerMessage> {
    conn.transaction(|conn| {
        let t = crate::db::backend::lock_ticket(conn, ticket_id)?.ok_or(diesel::result::Error::NotFound)?;
        if t.anonymised() {
            return Ok(CustomerMessage::Anonymised);
        }
        diesel::update(tickets::table.find(&t.id))
            .set((
                tickets::payment_method.eq(added.payment_method.or(t.payment_method).map(|m| m.as_str())),
                tickets::error_code.eq(added.error_code.as_ref().or(t.error_code.as_ref())),
                tickets::error_message.eq(added.error_message.as_ref().or(t.error_message.as_ref())),
                tickets::occurred_at.eq(added.occurred_at.or(t.occurred_at)),
                tickets::amount_cents.eq(added.amount_cents.or(t.amount_cents)),
                tickets::order_number.eq(added.order_number.as_ref().or(t.order_number.as_ref())),
            ))
            .execute(conn)?;
        let body = describe_added(t.language, added);
        insert_event(conn, &t.id, NewEvent::public(EventKind::FactsAdded, EventAuthor::Customer, &body), now)?;
        super::search::index(conn, &t.id)?;
        after_reply(conn, &t, rules, now)?;
        let updated = crate::db::backend::lock_ticket(conn, &t.id)?.ok_or(diesel::result::Error::NotFound)?;
        crate::ops::routing::after_customer_facts(conn, &updated, rules, now)?;
        // A new (or corrected) order number is checked at the provider, a
        // few times a ticket at most: past that an agent asks (nobody tries
        // number after number through one ticket).
        let asked = crate::db::payments::checks_made(conn, &t.id)?;
        if added.order_number.is_some()
            && payments.checks(updated.payment_method, updated.order_number.as_deref())
            && asked < crate::domain::finding::CHECKS_BY_CUSTOMER
        {
            crate::db::payments::enqueue(conn, &t.id, now)?;
        }
        Ok(CustomerMessage::Added)
    })
}

/// "Order number: 4200…; Amount: ¥88.50", in the ticket's language.
fn describe_added(lang: crate::i18n::Lang, a: &Added) -> String {
    let mut parts = Vec::new();
    let mut push = |key: &str, value: Option<String>| {
        if let Some(v) = value {
            parts.push(format!("{}: {v}", lang.t(key)));
        }
    };
    push("field-payment_method", a.payment_method.map(|m| m.label(lang)));
    push("field-error_code", a.error_code.clone());
    push("field-error_message", a.error_message.clone());
    push("field-occurred_at", a.occurred_at.map(crate::present::china_time));
    push("field-amount", a.amount_cents.map(crate::present::yuan));
    push("field-order_number", a.order_number.clone());
    parts.join("; ")
}
