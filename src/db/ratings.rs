//! Satisfaction ratings as pages read them: a ticket's latest rating, the
//! supervisors' follow-up list of bad ratings, and the dashboard's tallies.
//! Written only by `ops::satisfaction`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{ratings, ticket_events, tickets, users};
use super::DbConn;
use crate::domain::codes::{CaseKind, EventKind, Queue, Status};

/// How many times a ticket was resolved: its status changes to "resolved"
/// (every way of resolving writes one).
pub fn resolutions(conn: &mut DbConn, ticket_id: &str) -> QueryResult<i32> {
    let n: i64 = ticket_events::table
        .filter(ticket_events::ticket_id.eq(ticket_id))
        .filter(ticket_events::kind.eq(EventKind::StatusChanged))
        .filter(ticket_events::body.eq(Status::Resolved.as_str()))
        .count()
        .get_result(conn)?;
    Ok(i32::try_from(n).unwrap_or(i32::MAX))
}

/// The agent a rating counts for: whoever resolved the current
/// resolution (their reply or status change: a reply also claims the
/// ticket, so this is its assignee then), or, when the system resolved it
/// (the sweeps), the ticket's assignee. A hand-over after the resolution
/// does not move the rating to the next agent.
pub fn agent_at_resolution(conn: &mut DbConn, t: &super::tickets::Ticket) -> QueryResult<Option<String>> {
    let resolver: Option<Option<String>> = ticket_events::table
        .filter(ticket_events::ticket_id.eq(&t.id))
        .filter(ticket_events::kind.eq(EventKind::StatusChanged))
        .filter(ticket_events::body.eq(Status::Resolved.as_str()))
        .order((ticket_events::created_at.desc(), ticket_events::id.desc()))
        .select(ticket_events::author_id)
        .first(conn)
        .optional()?;
    Ok(resolver.flatten().or_else(|| t.assignee_id.clone()))
}

/// The latest resolution rated, if any.
pub fn latest_rated(conn: &mut DbConn, ticket_id: &str) -> QueryResult<Option<i32>> {
    ratings::table.filter(ratings::ticket_id.eq(ticket_id)).select(diesel::dsl::max(ratings::resolution)).first(conn)
}

/// Whether the ticket may be rated now (see `domain::satisfaction::may_rate`).
pub fn may_rate(conn: &mut DbConn, t: &super::tickets::Ticket) -> QueryResult<crate::domain::satisfaction::MayRate> {
    let n = resolutions(conn, &t.id)?;
    let rated = latest_rated(conn, &t.id)?;
    Ok(crate::domain::satisfaction::may_rate(t.status, t.merged_into.is_some(), n, rated))
}

/// A bad rating, as the follow-up list shows it.
#[derive(Debug, Clone, Queryable)]
pub struct Bad {
    pub id: String,
    pub reference: String,
    pub case_kind: String,
    pub queue: String,
    pub reason: String,
    pub comment: String,
    pub created_at: NaiveDateTime,
    pub agent: Option<String>,
}

/// Bad ratings not followed up yet, oldest first (they waited longest).
pub fn to_follow_up(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<Bad>> {
    ratings::table
        .inner_join(tickets::table)
        .left_join(users::table.on(users::id.nullable().eq(ratings::agent_id)))
        .filter(ratings::good.eq(false))
        .filter(ratings::followed_up_at.is_null())
        .order((ratings::created_at.asc(), ratings::id.asc()))
        .limit(limit)
        .select((
            ratings::id,
            tickets::reference,
            ratings::case_kind,
            ratings::queue,
            ratings::reason,
            ratings::comment,
            ratings::created_at,
            users::name.nullable(),
        ))
        .load(conn)
}

/// Good and total ratings for one value of a dimension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    /// A kind or queue code, or an agent's name ('' for nobody).
    pub value: String,
    pub good: i64,
    pub total: i64,
}

/// What the dashboard groups ratings by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    Kind,
    Queue,
    Agent,
}

/// Ratings given in `[from, to)` (UTC), optionally in one queue, grouped.
/// Few rows (one per rated resolution): read and counted here.
pub fn tally(
    conn: &mut DbConn,
    from: NaiveDateTime,
    to: NaiveDateTime,
    queue: Option<Queue>,
    by: By,
) -> QueryResult<Vec<Tally>> {
    let mut q = ratings::table
        .left_join(users::table.on(users::id.nullable().eq(ratings::agent_id)))
        .filter(ratings::created_at.ge(from))
        .filter(ratings::created_at.lt(to))
        .select((ratings::case_kind, ratings::queue, users::name.nullable(), ratings::good))
        .into_boxed();
    if let Some(queue) = queue {
        q = q.filter(ratings::queue.eq(queue.as_str()));
    }
    let rows: Vec<(String, String, Option<String>, bool)> = q.load(conn)?;
    let mut out: Vec<Tally> = Vec::new();
    for (kind, queue, agent, good) in rows {
        let value = match by {
            By::Kind => kind,
            By::Queue => queue,
            By::Agent => agent.unwrap_or_default(),
        };
        let i = match out.iter().position(|t| t.value == value) {
            Some(i) => i,
            None => {
                out.push(Tally { value, good: 0, total: 0 });
                out.len() - 1
            }
        };
        out[i].total += 1;
        out[i].good += i64::from(good);
    }
    // In the vocabulary's order for codes, by name for agents.
    let rank = |v: &str| match by {
        By::Kind => CaseKind::parse(v).map(|k| k as usize).unwrap_or(usize::MAX),
        By::Queue => Queue::parse(v).map(|k| k as usize).unwrap_or(usize::MAX),
        By::Agent => 0,
    };
    out.sort_by(|a, b| rank(&a.value).cmp(&rank(&b.value)).then(a.value.cmp(&b.value)));
    Ok(out)
}
