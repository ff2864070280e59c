//! Routing a ticket that already exists: whenever its facts change (an
//! agent corrects the step or the message, a customer adds the error text)
//! or an agent sets its kind by hand, the same rules decide again, and every
//! decision is kept on the ticket (`routing_decisions`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::ticket::{current_not_closed, Actor, Seen};
use crate::db::routing::{self as store, insert_decision};
use crate::db::schema::tickets;
use crate::db::tickets::{insert_event, NewEvent, Ticket};
use crate::db::DbConn;
use crate::domain::codes::{
    CaseKind, EscalationTarget, EventAuthor, EventKind, FailingStep, PaymentMethod, Status, Symptom,
};
use crate::error::AppError;
use crate::routing::{Decision, Facts, Rules, Vocabulary};

/// Why routing decided (again). Stored as text in `routing_decisions.cause`.
pub mod cause {
    pub const INTAKE: &str = "intake";
    pub const AGENT_CORRECTION: &str = "agent_correction";
    pub const CUSTOMER_FACTS: &str = "customer_facts";
    pub const SET_BY_HAND: &str = "set_by_hand";
    pub const LEARNED_PHRASE: &str = "learned_phrase";
    pub const PAYMENT_CHECK: &str = "payment_check";
}

/// The rule name of a kind an agent set by hand: later re-routing on
/// customer facts leaves it alone.
pub const BY_HAND: &str = "set-by-hand";

/// What routing reads of a stored ticket.
pub fn facts_of<'a>(t: &'a Ticket, scenario_allowed: bool, learned: &'a Vocabulary) -> Facts<'a> {
    Facts {
        symptom: t.symptom,
        failing_step: t.failing_step,
        error_code: t.error_code.as_deref(),
        error_message: t.error_message.as_deref(),
        description: &t.description,
        checks_tried: &t.checks_tried,
        payment_method: t.payment_method,
        scenario_allowed,
        learned: Some(learned),
    }
}

/// The tickets whose kind an agent set by hand since `since`, as corpus
/// rows (`paydesk routing export-corrections`); tickets whose words the
/// retention purge removed are left out.
pub fn corrections_as_corpus(conn: &mut DbConn, since: NaiveDateTime) -> QueryResult<Vec<String>> {
    let tickets = store::tickets_routed_by(conn, BY_HAND, since)?;
    let nothing = Vocabulary::default();
    Ok(tickets
        .iter()
        .filter(|t| !t.anonymised())
        .map(|t| crate::routing::eval::corpus_row(t.case_kind, &facts_of(t, true, &nothing)))
        .collect())
}

/// What the rules decide for this ticket as it is stored now.
pub fn decide(conn: &mut DbConn, t: &Ticket, rules: &Rules) -> QueryResult<Decision> {
    let allowed = store::allows(conn, t.platform, t.payment_scenario)?;
    let learned = store::learned_vocabulary(conn)?;
    Ok(rules.route(&facts_of(t, allowed, &learned)))
}

/// Applies a decision to a locked ticket: kind, queue and priority (with
/// its due time) follow it when the kind changes — or whenever they differ,
/// with `all` (a payment check's finding outranks an earlier choice); the
/// decision is recorded either way, with an internal timeline entry when
/// something moved.
#[allow(clippy::too_many_arguments)]
pub(crate) fn apply(
    conn: &mut DbConn,
    t: &Ticket,
    d: &Decision,
    cause: &str,
    actor: Option<&Actor<'_>>,
    rules: &Rules,
    now: NaiveDateTime,
    all: bool,
) -> QueryResult<()> {
    insert_decision(conn, &t.id, cause, d, actor.map(|a| a.id), now)?;
    let facts = d.used.join("; ");
    let moved = d.kind != t.case_kind || (all && (d.queue != t.queue || d.priority != t.priority));
    if !moved {
        diesel::update(tickets::table.find(&t.id))
            .set((tickets::routing_rule.eq(&d.rule), tickets::routing_facts.eq(&facts), tickets::updated_at.eq(now)))
            .execute(conn)?;
        return Ok(());
    }
    // The new target in the new queue's working time (around the clock
    // once the money is confirmed taken), keeping the working time it
    // already waited paused (measured in the queue's calendar it waited by).
    let (was, now_on) =
        (super::sla::calendar_of(conn, t.queue, rules)?, super::sla::calendar_for(conn, &t.id, d.queue, rules)?);
    let paused = super::sla::paused_so_far(&was, rules, t);
    let responded = t.first_response_at.is_some();
    let due = now_on.add(super::sla::due_unpaused(&now_on, rules, t.created_at, d.priority, responded), paused);
    diesel::update(tickets::table.find(&t.id))
        .set((
            tickets::case_kind.eq(d.kind.as_str()),
            tickets::queue.eq(d.queue.as_str()),
            tickets::priority.eq(d.priority.as_str()),
            tickets::due_at.eq(due),
            tickets::routing_rule.eq(&d.rule),
            tickets::routing_facts.eq(&facts),
            tickets::updated_at.eq(now),
        ))
        .execute(conn)?;
    // An escalation routing opened (to the platform or engineering) follows
    // the kind: a ticket that is no longer that kind leaves it (and stops
    // waiting on the platform); one that became such a kind joins one.
    let mut escalated = t.escalation_id.is_some();
    if let Some(id) = &t.escalation_id {
        let target = store::escalation(conn, id)?.map(|e| e.target);
        let routed = matches!(target, Some(EscalationTarget::Platform | EscalationTarget::Engineering));
        if routed && target != super::escalation::target_for(d.kind) {
            let status = if t.status == Status::PendingPlatform { Status::Open } else { t.status };
            diesel::update(tickets::table.find(&t.id))
                .set((
                    tickets::escalation_id.eq(None::<String>),
                    tickets::status.eq(status.as_str()),
                    tickets::updated_at.eq(now),
                ))
                .execute(conn)?;
            escalated = false;
        }
    }
    if !escalated {
        super::escalation::escalate_if_needed(conn, &t.id, d, t.platform, t.payment_scenario, now)?;
        if d.kind == CaseKind::OutOfScope && matches!(t.status, Status::New | Status::Open | Status::PendingCustomer) {
            // Waiting on the platform is not a pause: a clock stopped for
            // the customer (or a refund) runs again, with its time left.
            if let Some(now_t) = crate::db::backend::lock_ticket(conn, &t.id)? {
                super::sla::set_status(conn, &now_t, Status::PendingPlatform, rules, now)?;
            }
        }
    }
    let body = format!("{} → {} · {} · {} ({})", t.case_kind, d.kind, d.queue, d.priority, d.rule);
    let entry = match actor {
        Some(a) => NewEvent {
            kind: EventKind::Rerouted,
            author_kind: EventAuthor::Staff,
            author_id: Some(a.id),
            is_public: false,
            body: &body,
        },
        None => NewEvent { is_public: false, ..NewEvent::public(EventKind::Rerouted, EventAuthor::System, &body) },
    };
    insert_event(conn, &t.id, entry, now)?;
    Ok(())
}

/// Routes a locked ticket again after a customer added facts, unless an
/// agent set its kind by hand.
pub fn after_customer_facts(conn: &mut DbConn, t: &Ticket, rules: &Rules, now: NaiveDateTime) -> QueryResult<()> {
    // A kind set by hand, or by what the provider said of the payment,
    // outranks the customer's words.
    if t.routing_rule == BY_HAND || t.routing_rule.starts_with("payment:") {
        return Ok(());
    }
    let d = decide(conn, t, rules)?;
    apply(conn, t, &d, cause::CUSTOMER_FACTS, None, rules, now, false)
}

/// An agent's correction of what the customer reported. `None` leaves a
/// field as it is; `Some(None)` clears an optional one.
#[derive(Debug, Default, Clone)]
pub struct Correction {
    pub symptom: Option<Symptom>,
    pub failing_step: Option<FailingStep>,
    pub payment_method: Option<Option<PaymentMethod>>,
    pub error_code: Option<Option<String>>,
    pub error_message: Option<Option<String>>,
    /// Time, amount and order number, where given (what a customer adds,
    /// an agent may add from a call).
    pub added: crate::domain::intake::Added,
    /// A kind set by hand; `None`: let routing decide from the facts.
    pub kind: Option<CaseKind>,
}

/// Corrects a ticket's facts and routes it again, in one transaction: the
/// facts, the decision, the timeline and the audit row.
pub fn correct(
    conn: &mut DbConn,
    ticket_id: &str,
    seen: Seen,
    c: &Correction,
    rules: &Rules,
    actor: &Actor<'_>,
    now: NaiveDateTime,
) -> Result<Decision, AppError> {
    conn.transaction(|conn| {
        // A closed or merged ticket is not routed again (nor escalated).
        let before = current_not_closed(conn, ticket_id, seen)?;
        let mut after = before.clone();
        if let Some(s) = c.symptom {
            after.symptom = s;
        }
        if let Some(s) = c.failing_step {
            after.failing_step = s;
        }
        if let Some(m) = c.payment_method {
            after.payment_method = m;
        }
        if let Some(code) = &c.error_code {
            after.error_code = code.clone();
        }
        if let Some(m) = &c.error_message {
            after.error_message = m.clone();
        }
        after.occurred_at = c.added.occurred_at.or(after.occurred_at);
        after.amount_cents = c.added.amount_cents.or(after.amount_cents);
        after.order_number = c.added.order_number.clone().or(after.order_number);
        diesel::update(tickets::table.find(&before.id))
            .set((
                tickets::symptom.eq(after.symptom.as_str()),
                tickets::failing_step.eq(after.failing_step.as_str()),
                tickets::payment_method.eq(after.payment_method.map(|m| m.as_str())),
                tickets::error_code.eq(&after.error_code),
                tickets::error_message.eq(&after.error_message),
                tickets::occurred_at.eq(after.occurred_at),
                tickets::amount_cents.eq(after.amount_cents),
                tickets::order_number.eq(&after.order_number),
                tickets::updated_at.eq(now),
            ))
            .execute(conn)?;
        let (mut decision, why) = match c.kind {
            Some(kind) => (by_hand(rules, kind, actor), cause::SET_BY_HAND),
            None => (decide(conn, &after, rules)?, cause::AGENT_CORRECTION),
        };
        // A priority staff set by hand is theirs: routing again keeps it.
        if crate::db::tickets::priority_set_by_staff(conn, &before.id)? {
            decision.priority = before.priority;
        }
        apply(conn, &after, &decision, why, Some(actor), rules, now, false)?;
        // The audit names what changed, not the customer's words: those stay
        // on the ticket, where retention can reach them.
        let changed: Vec<&str> = [
            ("symptom", before.symptom != after.symptom),
            ("failing_step", before.failing_step != after.failing_step),
            ("payment_method", before.payment_method != after.payment_method),
            ("error_code", before.error_code != after.error_code),
            ("error_message", before.error_message != after.error_message),
            ("occurred_at", before.occurred_at != after.occurred_at),
            ("amount", before.amount_cents != after.amount_cents),
            ("order_number", before.order_number != after.order_number),
        ]
        .into_iter()
        .filter_map(|(name, changed)| changed.then_some(name))
        .collect();
        crate::db::audit::record(
            conn,
            crate::db::audit::Entry {
                actor_id: Some(actor.id),
                action: "correct_facts",
                ticket_id: Some(&before.id),
                before: &format!("kind={} ({})", before.case_kind, before.routing_rule),
                after: &format!("changed [{}] → kind={} ({})", changed.join(", "), decision.kind, decision.rule),
            },
            now,
        )?;
        Ok(decision)
    })
}

/// A kind an agent chose: the queue and priority of the first rule that
/// gives that kind (where routing would have sent it).
fn by_hand(rules: &Rules, kind: CaseKind, actor: &Actor<'_>) -> Decision {
    let model = rules.rules.iter().find(|r| r.kind == kind);
    Decision {
        rule: BY_HAND.into(),
        kind,
        queue: model.map_or(crate::domain::codes::Queue::General, |r| r.queue),
        priority: model.map_or(crate::domain::codes::Priority::Normal, |r| r.priority),
        self_service: false,
        used: vec![format!("set by {}", actor.name)],
    }
}

/// Routes an open ticket still in `other` again after an admin taught a
/// phrase; whether its kind changed.
pub fn after_learning(conn: &mut DbConn, ticket_id: &str, rules: &Rules, now: NaiveDateTime) -> QueryResult<bool> {
    conn.transaction(|conn| {
        let Some(t) = crate::db::backend::lock_ticket(conn, ticket_id)? else { return Ok(false) };
        if t.case_kind != CaseKind::Other || t.routing_rule == BY_HAND || !t.status.is_open() {
            return Ok(false);
        }
        let d = decide(conn, &t, rules)?;
        if d.kind == CaseKind::Other {
            return Ok(false);
        }
        apply(conn, &t, &d, cause::LEARNED_PHRASE, None, rules, now, false)?;
        Ok(true)
    })
}
