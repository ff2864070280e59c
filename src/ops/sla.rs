//! A ticket's SLA clock, in its queue's working time (issue 30): which
//! calendar a queue works by, and every due time an operation sets — at
//! filing, after a pause, on a new priority or kind, at the first answer,
//! on reopening. The arithmetic is `domain::calendar`'s; this is where the
//! ticket's facts meet it.

use chrono::{Duration, NaiveDateTime};
use diesel::QueryResult;

use crate::db::tickets::Ticket;
use crate::db::DbConn;
use crate::domain::calendar::{self, Calendar};
use crate::domain::codes::{Priority, Queue, Status};
use crate::routing::Rules;

/// The calendar a queue works by (`db::calendars::for_queue`).
pub fn calendar_of(conn: &mut DbConn, queue: Queue, rules: &Rules) -> QueryResult<Calendar> {
    crate::db::calendars::for_queue(conn, queue, &rules.calendars)
}

/// Every queue's calendar, each read once: what a page of tickets from
/// several queues counts working time by.
pub fn calendars(conn: &mut DbConn, rules: &Rules) -> QueryResult<std::collections::BTreeMap<Queue, Calendar>> {
    crate::db::calendars::for_queues(conn, &rules.calendars)
}

/// The calendar a ticket's clock runs by: its queue's, except that a
/// payment confirmed taken and not credited runs around the clock
/// (`domain::finding::money_taken_confirmed`), in whatever queue.
pub fn calendar_for(conn: &mut DbConn, ticket_id: &str, queue: Queue, rules: &Rules) -> QueryResult<Calendar> {
    if money_taken_confirmed(conn, ticket_id)? {
        return Ok(Calendar::always());
    }
    calendar_of(conn, queue, rules)
}

/// Whether the ticket's latest verified finding confirms its money was
/// taken and not credited.
pub fn money_taken_confirmed(conn: &mut DbConn, ticket_id: &str) -> QueryResult<bool> {
    Ok(crate::db::payments::last_verified(conn, ticket_id)?
        .is_some_and(|c| crate::domain::finding::money_taken_confirmed(c.state, c.bill_state, c.problem.is_empty())))
}

/// Whether the ticket's resolution waits on a payment provider: it had
/// its first answer, and a refund is under way within its due date.
pub fn waits_on_provider(conn: &mut DbConn, t: &Ticket, responded: bool, now: NaiveDateTime) -> QueryResult<bool> {
    if !responded {
        return Ok(false);
    }
    let refunds = crate::db::payments::refunds_of(conn, &t.id)?;
    Ok(refunds
        .iter()
        .any(|r| r.finished_at.is_none() && crate::domain::finding::refund_under_way(r.state, r.due_at, now)))
}

/// A refund started, or an answer given while one is under way: the
/// resolution clock stops until the provider ends it (`provider_done`).
/// A ticket already paused (waiting on the customer) stays as it is.
pub fn wait_on_provider(conn: &mut DbConn, ticket_id: &str, now: NaiveDateTime) -> QueryResult<()> {
    use crate::db::schema::tickets;
    use diesel::prelude::*;
    let Some(t) = crate::db::backend::lock_ticket(conn, ticket_id)? else { return Ok(()) };
    if t.paused_at.is_some()
        || !Status::ACTIVE.contains(&t.status)
        || !waits_on_provider(conn, &t, t.first_response_at.is_some(), now)?
    {
        return Ok(());
    }
    diesel::update(tickets::table.find(&t.id)).set(tickets::paused_at.eq(Some(now))).execute(conn)?;
    Ok(())
}

/// The provider ended the refund (or it is late, or stuck): a ticket whose
/// clock stopped for it runs again with the working time it had left. A
/// ticket waiting on the customer, or still waiting on another refund,
/// stays paused.
pub fn provider_done(conn: &mut DbConn, ticket_id: &str, rules: &Rules, now: NaiveDateTime) -> QueryResult<bool> {
    use crate::db::schema::tickets;
    use diesel::prelude::*;
    let Some(t) = crate::db::backend::lock_ticket(conn, ticket_id)? else { return Ok(false) };
    if t.paused_at.is_none() || t.status == Status::PendingCustomer || waits_on_provider(conn, &t, true, now)? {
        return Ok(false);
    }
    let cal = calendar_for(conn, &t.id, t.queue, rules)?;
    let due = resume(&cal, t.due_at, t.paused_at, now);
    diesel::update(tickets::table.find(&t.id))
        .set((tickets::due_at.eq(due), tickets::paused_at.eq(None::<NaiveDateTime>)))
        .execute(conn)?;
    Ok(true)
}

/// When the next answer would be due had the ticket never waited on the
/// customer: its target counted in working time from when it was filed.
pub fn due_unpaused(
    cal: &Calendar,
    rules: &Rules,
    created: NaiveDateTime,
    p: Priority,
    responded: bool,
) -> NaiveDateTime {
    cal.add(created, rules.target_for(p, responded))
}

/// The working time a ticket already waited, paused, on the customer.
pub fn paused_so_far(cal: &Calendar, rules: &Rules, t: &Ticket) -> Duration {
    let unpaused = due_unpaused(cal, rules, t.created_at, t.priority, t.first_response_at.is_some());
    cal.between(unpaused, t.due_at)
}

/// The due time for a new target (another priority, or the resolution once
/// the first answer is given), keeping the time the ticket already waited.
pub fn due_again(cal: &Calendar, rules: &Rules, t: &Ticket, p: Priority, responded: bool) -> NaiveDateTime {
    cal.add(due_unpaused(cal, rules, t.created_at, p, responded), paused_so_far(cal, rules, t))
}

/// The SLA clock around a status change: it stops when a ticket starts
/// waiting on the customer (or, still being worked, on a refund at the
/// provider: `provider_waits`) and, when it stops waiting, the working
/// time it had left counts on from now. Returns (due time, paused since).
pub fn clock(
    cal: &Calendar,
    t: &Ticket,
    due: NaiveDateTime,
    to: Status,
    provider_waits: bool,
    now: NaiveDateTime,
) -> (NaiveDateTime, Option<NaiveDateTime>) {
    let waits = to == Status::PendingCustomer || (provider_waits && Status::ACTIVE.contains(&to));
    match (t.paused_at, waits) {
        // Stopped for a refund, now asked of the customer: the wait on the
        // customer starts now (the self-service timeout counts from it),
        // the time already waited on the provider folded into the due time.
        (Some(since), true) if to == Status::PendingCustomer && t.status != Status::PendingCustomer => {
            (calendar::resume(cal, due, Some(since), now), Some(now))
        }
        (Some(since), true) => (due, Some(since)),
        (None, true) => (due, Some(now)),
        (paused, false) => (calendar::resume(cal, due, paused, now), None),
    }
}

/// Moves a ticket to another status with its clock (`clock`, in the
/// ticket's calendar, waiting on a refund where one is under way); returns
/// the calendar it counted in.
pub fn set_status(
    conn: &mut DbConn,
    t: &Ticket,
    to: Status,
    rules: &Rules,
    now: NaiveDateTime,
) -> QueryResult<Calendar> {
    use crate::db::schema::tickets;
    use diesel::prelude::*;
    let cal = calendar_for(conn, &t.id, t.queue, rules)?;
    let waits = waits_on_provider(conn, t, t.first_response_at.is_some(), now)?;
    let (due, paused) = clock(&cal, t, t.due_at, to, waits, now);
    diesel::update(tickets::table.find(&t.id))
        .set((
            tickets::status.eq(to.as_str()),
            tickets::due_at.eq(due),
            tickets::paused_at.eq(paused),
            tickets::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(cal)
}

/// The due time as it stands now, a pause ended at `now` (what the
/// dashboard's attainment compares with).
pub fn resume(cal: &Calendar, due: NaiveDateTime, paused: Option<NaiveDateTime>, now: NaiveDateTime) -> NaiveDateTime {
    calendar::resume(cal, due, paused, now)
}
