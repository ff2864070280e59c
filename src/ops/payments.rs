//! Asking again about a ticket's payment (issue 17): an agent's "check
//! now" writes a job for the background worker, in one transaction with
//! its timeline entry and audit row; the answer arrives on the ticket.

use chrono::NaiveDateTime;

use super::ticket::{current, Actor, Seen};
use crate::db::audit::{self, Entry};
use crate::db::tickets::{insert_event, NewEvent};
use crate::db::{payments as store, DbConn};
use crate::domain::codes::{EscalationTarget, EventAuthor, EventKind, MailKind};
use crate::error::{AppError, Refusal};
use crate::payments::Payments;
use diesel::Connection;

/// Whether a check was asked for (`false`: one is already under way).
/// `Refusal::NoPaymentCheck` when nothing can be asked: no order number,
/// or no provider configured for the payment method.
pub fn request_check(
    conn: &mut DbConn,
    ticket_id: &str,
    payments: &Payments,
    actor: &Actor<'_>,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    conn.transaction(|conn| {
        let t = current(conn, ticket_id, Seen::Latest)?;
        if !payments.checks(t.payment_method, t.order_number.as_deref()) {
            return Err(AppError::Refused(Refusal::NoPaymentCheck));
        }
        if !store::enqueue(conn, &t.id, now)? {
            return Ok(false);
        }
        let entry = NewEvent {
            kind: EventKind::PaymentChecked,
            author_kind: EventAuthor::Staff,
            author_id: Some(actor.id),
            is_public: false,
            body: "requested",
        };
        insert_event(conn, &t.id, entry, now)?;
        audit::record(
            conn,
            Entry {
                actor_id: Some(actor.id),
                action: "payment_check",
                ticket_id: Some(&t.id),
                before: "",
                after: "requested",
            },
            now,
        )?;
        Ok(true)
    })
}

/// What a verified answer about a ticket's payment does, inside the
/// caller's transaction (the ticket locked): it is recorded, with an
/// internal note. When it fits what the customer stated
/// (`domain::finding`), a refund the merchant started is followed and the
/// finding is acted on and told ([`act`]). When it does not, the agent sees
/// it marked so and the customer is only asked to check the number: they
/// learn nothing of a payment that may be someone else's. The same finding
/// again (a second check, a retry) is recorded, not acted on or told twice.
#[allow(clippy::too_many_arguments)]
pub fn record_finding(
    conn: &mut DbConn,
    t: &crate::db::tickets::Ticket,
    mut check: crate::db::payments::Check,
    refund_number: Option<&str>,
    refund_due: chrono::Duration,
    rules: &crate::routing::Rules,
    now: NaiveDateTime,
) -> diesel::QueryResult<()> {
    use crate::domain::codes::Status;
    let misfits = crate::domain::finding::misfits(t.amount_cents, t.occurred_at, check.amount_cents, check.paid_at);
    if !misfits.is_empty() {
        let facts: Vec<&str> = misfits.iter().map(|f| f.as_str()).collect();
        check.problem = format!("{MISFIT}: {}", facts.join(", "));
    }
    let previous = store::last_verified(conn, &t.id)?;
    store::record(conn, &check)?;
    note_check(conn, &t.id, &check, now)?;
    if misfits.is_empty() {
        if let Some(number) = refund_number {
            if store::track_refund(conn, &t.id, &check.provider, number, now + refund_due, now)? {
                super::sla::wait_on_provider(conn, &t.id, now)?;
            }
        }
    }
    let same = previous.is_some_and(|p| {
        (p.state, p.bill_state, p.amount_cents) == (check.state, check.bill_state, check.amount_cents)
            && p.problem == check.problem
    });
    if same {
        return Ok(());
    }
    if misfits.is_empty() {
        act(conn, &t.id, &check, rules, now)?;
    } else if !matches!(t.status, Status::Closed | Status::Resolved) && !t.anonymised() {
        tell(conn, t, "check_number", &check.provider, &[], now)?;
    }
    Ok(())
}

/// The internal timeline entry for a check: what it found, and why it was
/// not trusted or not acted on, if so.
pub fn note_check(
    conn: &mut DbConn,
    ticket_id: &str,
    check: &crate::db::payments::Check,
    now: NaiveDateTime,
) -> diesel::QueryResult<()> {
    let body = match &check.bill_state {
        Some(bill) => format!("{} · {}", check.state, bill),
        None => check.state.to_string(),
    };
    let body = if check.problem.is_empty() { body } else { format!("{body} · {}", check.problem) };
    let entry =
        NewEvent { is_public: false, ..NewEvent::public(EventKind::PaymentChecked, EventAuthor::System, &body) };
    insert_event(conn, ticket_id, entry, now)?;
    Ok(())
}

/// How a finding that does not fit what the customer said is marked for
/// the agent (and the customer's page offers the number to correct).
pub const MISFIT: &str = "does not match what the customer said";

/// Acts on a verified check of a ticket's payment, by the first payment
/// rule that holds (the rules file's `[[payment]]`), inside the caller's
/// transaction: routes the ticket, escalates to the provider, routes it
/// again as if no money was taken, and tells the customer what was found —
/// in calm words, with the amount and time as the provider recorded them.
/// A closed or anonymised ticket is left alone. The rule's name, if one
/// acted.
pub fn act(
    conn: &mut DbConn,
    ticket_id: &str,
    check: &crate::db::payments::Check,
    rules: &crate::routing::Rules,
    now: NaiveDateTime,
) -> diesel::QueryResult<Option<String>> {
    use crate::domain::codes::{CaseKind, CheckState, Status, Symptom};
    use crate::ops::routing::{apply, cause, decide, BY_HAND};
    use crate::routing::Decision;
    let Some(rule) = rules.payment.iter().find(|r| r.applies(check.state, check.bill_state)) else {
        return Ok(None);
    };
    let lock = |conn: &mut DbConn| crate::db::backend::lock_ticket(conn, ticket_id);
    let Some(t) = lock(conn)? else { return Ok(None) };
    // Done with, or anonymised: nothing more is said or changed.
    if matches!(t.status, Status::Closed | Status::Resolved) || t.anonymised() {
        return Ok(None);
    }
    let bill = check.bill_state.map_or("-", |b| b.as_str());
    let used = vec![format!("payment {} ({}), bill {bill}", check.state, check.provider_state)];
    let routed = rule.route.is_some() && t.routing_rule != BY_HAND;
    if !routed && t.paused_at.is_none() && super::sla::money_taken_confirmed(conn, &t.id)? {
        // Not routed again (kind set by hand, or a rule that only tells):
        // the working time it had left now runs around the clock.
        use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
        let left =
            crate::domain::sla::working_left(&super::sla::calendar_of(conn, t.queue, rules)?, t.due_at, None, now);
        if left > chrono::Duration::zero() {
            diesel::update(crate::db::schema::tickets::table.find(&t.id))
                .set(crate::db::schema::tickets::due_at.eq(now + left))
                .execute(conn)?;
        }
    }
    if let Some((kind, queue, priority)) = rule.route.filter(|_| t.routing_rule != BY_HAND) {
        let d = Decision { rule: format!("payment:{}", rule.name), kind, queue, priority, self_service: false, used };
        apply(conn, &t, &d, cause::PAYMENT_CHECK, None, rules, now, true)?;
    } else if rule.reroute && t.routing_rule != BY_HAND {
        // The money was not taken: what the screen and the step say decide.
        let mut as_if = t.clone();
        if as_if.symptom == Symptom::MoneyTakenNotPaid {
            as_if.symptom = Symptom::Other;
        }
        let mut d = decide(conn, &as_if, rules)?;
        d.used.insert(0, used[0].clone());
        apply(conn, &t, &d, cause::PAYMENT_CHECK, None, rules, now, false)?;
    }
    let Some(t) = lock(conn)? else { return Ok(None) };
    if rule.escalate && t.escalation_id.is_none() && t.case_kind == CaseKind::DeductedNotCredited {
        let provider = EscalationTarget::Provider;
        let rule = format!("payment:{}", rule.name);
        super::escalation::join(conn, &t.id, provider, t.platform, t.payment_scenario, &rule, provider.as_str(), now)?;
    }
    // A payment is described only with the amount and time the provider
    // recorded; without them the agent tells the customer.
    let described = check.state != CheckState::Paid || (check.amount_cents.is_some() && check.paid_at.is_some());
    if let Some(tell_key) = rule.tell.as_ref().filter(|_| described) {
        let values = [
            ("amount", check.amount_cents.map(crate::present::amount).unwrap_or_default()),
            ("time", check.paid_at.map(crate::present::china_time).unwrap_or_default()),
        ];
        tell(conn, &t, tell_key, &check.provider, &values, now)?;
    }
    Ok(Some(rule.name.clone()))
}

/// Tells the customer, in their language, what was found about their
/// payment or refund: a public timeline entry and an email.
fn tell(
    conn: &mut DbConn,
    t: &crate::db::tickets::Ticket,
    key: &str,
    provider: &str,
    values: &[(&'static str, String)],
    now: NaiveDateTime,
) -> diesel::QueryResult<()> {
    let lang = t.language;
    let provider = lang.try_t(&format!("provider-{provider}")).unwrap_or_else(|| provider.to_string());
    let mut values = values.to_vec();
    values.push(("provider", provider));
    let body = lang.t_args(&format!("pay-tell-{key}"), &values);
    let event_id =
        insert_event(conn, &t.id, NewEvent::public(EventKind::PaymentFound, EventAuthor::System, &body), now)?;
    super::notify::customer(conn, &super::notify::Customer::of(t), MailKind::PaymentFound, Some(&event_id), now)?;
    Ok(())
}

/// An agent starts tracking a refund by its number at the ticket's payment
/// provider (audited); the worker checks it at once and then on a schedule.
/// `Refusal::NoRefund` when no provider is configured for the ticket's
/// payment method; `false` when the ticket already tracks it.
pub fn track_refund(
    conn: &mut DbConn,
    ticket_id: &str,
    refund_number: &str,
    payments: &Payments,
    due_days: i64,
    actor: &Actor<'_>,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    conn.transaction(|conn| {
        let t = current(conn, ticket_id, Seen::Latest)?;
        let provider = payments.provider_for(t.payment_method).ok_or(AppError::Refused(Refusal::NoRefund))?;
        let due = now + chrono::Duration::days(due_days);
        if !store::track_refund(conn, &t.id, provider.name(), refund_number, due, now)? {
            return Ok(false);
        }
        super::sla::wait_on_provider(conn, &t.id, now)?;
        let entry = NewEvent {
            kind: EventKind::RefundUpdate,
            author_kind: EventAuthor::Staff,
            author_id: Some(actor.id),
            is_public: false,
            body: refund_number,
        };
        insert_event(conn, &t.id, entry, now)?;
        audit::record(
            conn,
            Entry {
                actor_id: Some(actor.id),
                action: "refund_track",
                ticket_id: Some(&t.id),
                before: "",
                after: refund_number,
            },
            now,
        )?;
        Ok(true)
    })
}

/// Records what the provider said of a refund, inside the caller's
/// transaction, and tells the customer when it arrived, closed or got
/// stuck (each once: only when the state changes). A ticket whose clock
/// waited on it runs again.
pub fn refund_changed(
    conn: &mut DbConn,
    refund: &store::Refund,
    answer: &crate::payments::RefundAnswer,
    next: Option<NaiveDateTime>,
    rules: &crate::routing::Rules,
    now: NaiveDateTime,
) -> diesel::QueryResult<()> {
    use crate::domain::codes::RefundState;
    store::update_refund(conn, &refund.id, answer, next, now)?;
    if answer.state == refund.state {
        return Ok(());
    }
    // Ended, stuck or late: the clock runs again; under way again (a stuck
    // refund retried): it waits again.
    super::sla::provider_done(conn, &refund.ticket_id, rules, now)?;
    super::sla::wait_on_provider(conn, &refund.ticket_id, now)?;
    let Some(t) = crate::db::backend::lock_ticket(conn, &refund.ticket_id)? else { return Ok(()) };
    let internal = NewEvent {
        is_public: false,
        ..NewEvent::public(EventKind::RefundUpdate, EventAuthor::System, answer.state.as_str())
    };
    insert_event(conn, &t.id, internal, now)?;
    let key = match answer.state {
        RefundState::Succeeded => "refund_succeeded",
        RefundState::Closed => "refund_closed",
        RefundState::Abnormal => "refund_abnormal",
        RefundState::Requested | RefundState::Processing => return Ok(()),
    };
    if t.anonymised() {
        return Ok(());
    }
    let amount = answer.amount_cents.map(crate::present::amount).unwrap_or_default();
    tell(conn, &t, key, &refund.provider, &[("amount", amount)], now)?;
    Ok(())
}
