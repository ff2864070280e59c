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
/// waiting on the customer and, when it stops waiting, the working time it
/// had left counts on from now. Returns (due time, paused since).
pub fn clock(
    cal: &Calendar,
    t: &Ticket,
    due: NaiveDateTime,
    to: Status,
    now: NaiveDateTime,
) -> (NaiveDateTime, Option<NaiveDateTime>) {
    match (t.paused_at, to == Status::PendingCustomer) {
        (Some(since), true) => (due, Some(since)),
        (None, true) => (due, Some(now)),
        (paused, false) => (calendar::resume(cal, due, paused, now), None),
    }
}

/// The due time as it stands now, a pause ended at `now` (what the
/// dashboard's attainment compares with).
pub fn resume(cal: &Calendar, due: NaiveDateTime, paused: Option<NaiveDateTime>, now: NaiveDateTime) -> NaiveDateTime {
    calendar::resume(cal, due, paused, now)
}
