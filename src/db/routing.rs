//! What routing needs from storage: platform allow-lists, fair assignment,
//! and grouping out-of-scope tickets into one escalation per platform and
//! payment scenario.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::new_id;
use super::schema::{escalations, platform_scenarios, platforms, tickets, users};
use super::users::User;
use super::DbConn;
use crate::domain::codes::{self, EscalationStatus, PaymentScenario, Queue, Role};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = platforms)]
pub struct Platform {
    pub code: codes::Platform,
    pub restricted: bool,
    pub contact_email: String,
}

pub fn platforms(conn: &mut DbConn) -> QueryResult<Vec<(Platform, Vec<PaymentScenario>)>> {
    let list: Vec<Platform> = platforms::table.order(platforms::code.asc()).select(Platform::as_select()).load(conn)?;
    let allowed: Vec<(codes::Platform, PaymentScenario)> = platform_scenarios::table.load(conn)?;
    Ok(list
        .into_iter()
        .map(|p| {
            let scenarios = allowed.iter().filter(|(pl, _)| *pl == p.code).map(|(_, s)| *s).collect();
            (p, scenarios)
        })
        .collect())
}

pub fn platform(conn: &mut DbConn, code: codes::Platform) -> QueryResult<Option<Platform>> {
    platforms::table.find(code).select(Platform::as_select()).first(conn).optional()
}

/// Whether a platform lets a mini-program take this payment scenario. An
/// unknown or unrestricted platform allows every scenario.
pub fn allows(conn: &mut DbConn, platform: codes::Platform, scenario: PaymentScenario) -> QueryResult<bool> {
    let restricted = platforms::table.find(platform).select(platforms::restricted).first::<bool>(conn).optional()?;
    if restricted != Some(true) {
        return Ok(true);
    }
    let listed: i64 = platform_scenarios::table
        .filter(platform_scenarios::platform.eq(platform))
        .filter(platform_scenarios::scenario.eq(scenario))
        .count()
        .get_result(conn)?;
    Ok(listed > 0)
}

/// Replaces a platform's settings and allow-list.
pub fn save_platform(
    conn: &mut DbConn,
    code: &str,
    restricted: bool,
    contact: &str,
    scenarios: &[String],
) -> QueryResult<()> {
    conn.transaction(|conn| {
        diesel::update(platforms::table.find(code))
            .set((platforms::restricted.eq(restricted), platforms::contact_email.eq(contact)))
            .execute(conn)?;
        diesel::delete(platform_scenarios::table.filter(platform_scenarios::platform.eq(code))).execute(conn)?;
        for s in scenarios {
            diesel::insert_into(platform_scenarios::table)
                .values((platform_scenarios::platform.eq(code), platform_scenarios::scenario.eq(s)))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// The active agent (or supervisor) serving `queue` with the fewest open
/// tickets; among equals, the one who got a ticket longest ago. Marks the
/// choice. Call inside the transaction that assigns.
pub fn pick_assignee(conn: &mut DbConn, queue: Queue, now: NaiveDateTime) -> QueryResult<Option<User>> {
    // Two PostgreSQL servers assigning at once would both see the same
    // counts; one lock per transaction makes them take turns. SQLite's
    // single writer already does.
    super::backend::serialize_assignment(conn)?;
    // `open_tickets` is kept by triggers on `tickets` (migration 000008).
    let candidates: Vec<(User, i64)> = users::table
        .filter(users::active.eq(true))
        .filter(users::role.eq_any([Role::Agent.as_str(), Role::Supervisor.as_str()]))
        .select((User::as_select(), users::open_tickets))
        .load::<(User, i64)>(conn)?
        .into_iter()
        .filter(|(u, _)| u.queues().contains(&queue))
        .collect();
    let Some((chosen, _)) = candidates.into_iter().min_by_key(|(u, open)| (*open, u.last_assigned_at, u.id.clone()))
    else {
        return Ok(None);
    };
    diesel::update(users::table.find(&chosen.id)).set(users::last_assigned_at.eq(now)).execute(conn)?;
    Ok(Some(chosen))
}

/// The open escalation for this target, platform and scenario, or a new one;
/// whether it is new.
pub fn escalation_for(
    conn: &mut DbConn,
    target: codes::EscalationTarget,
    platform: codes::Platform,
    scenario: PaymentScenario,
    rule: &str,
    now: NaiveDateTime,
) -> QueryResult<(String, bool)> {
    let open: Option<String> = escalations::table
        .filter(escalations::target.eq(target))
        .filter(escalations::platform.eq(platform))
        .filter(escalations::scenario.eq(scenario))
        .filter(escalations::status.eq_any([EscalationStatus::PendingReview, EscalationStatus::Sent]))
        .select(escalations::id)
        .first(conn)
        .optional()?;
    // Joined under its lock, and only while it is still open: a supervisor
    // sending it back or recording its answer at this moment either waits
    // for this ticket and takes it along, or has closed it, and the ticket
    // opens a new one.
    if let Some(id) = open {
        let locked = super::backend::lock_escalation(conn, &id)?;
        if locked.is_some_and(|e| [EscalationStatus::PendingReview, EscalationStatus::Sent].contains(&e.status)) {
            return Ok((id, false));
        }
    }
    let id = new_id();
    diesel::insert_into(escalations::table)
        .values((
            escalations::id.eq(&id),
            escalations::target.eq(target),
            escalations::platform.eq(platform),
            escalations::scenario.eq(scenario),
            escalations::rule.eq(rule),
            escalations::status.eq(EscalationStatus::PendingReview),
            escalations::created_at.eq(now),
            escalations::review_note.eq(""),
            escalations::answer_reference.eq(""),
            escalations::answer_text.eq(""),
        ))
        .execute(conn)?;
    Ok((id, true))
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = escalations)]
pub struct Escalation {
    pub id: String,
    pub target: codes::EscalationTarget,
    pub platform: codes::Platform,
    pub scenario: PaymentScenario,
    pub rule: String,
    pub status: codes::EscalationStatus,
    pub created_at: NaiveDateTime,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<NaiveDateTime>,
    pub review_note: String,
    pub answer_reference: String,
    pub answer_text: String,
    pub answered_at: Option<NaiveDateTime>,
}

pub fn escalation(conn: &mut DbConn, id: &str) -> QueryResult<Option<Escalation>> {
    escalations::table.find(id).select(Escalation::as_select()).first(conn).optional()
}

/// Escalations in these states, oldest first.
pub fn escalations_in(conn: &mut DbConn, states: &[codes::EscalationStatus]) -> QueryResult<Vec<Escalation>> {
    escalations::table
        .filter(escalations::status.eq_any(states))
        .order(escalations::created_at.asc())
        .select(Escalation::as_select())
        .load(conn)
}

/// The tickets grouped in an escalation.
pub fn escalation_tickets(conn: &mut DbConn, id: &str) -> QueryResult<Vec<super::tickets::Ticket>> {
    tickets::table
        .filter(tickets::escalation_id.eq(id))
        .order(tickets::created_at.asc())
        .select(super::tickets::Ticket::as_select())
        .load(conn)
}

/// A phrase an admin taught routing.
#[derive(Debug, Clone, Queryable)]
pub struct LearnedPhrase {
    pub id: String,
    pub phrase: String,
    pub kind: codes::CaseKind,
    pub created_at: NaiveDateTime,
    pub created_by: Option<String>,
}

/// Tickets whose current routing decision was made by this rule, filed at
/// or after `since`, oldest first (`paydesk routing export-corrections`).
pub fn tickets_routed_by(
    conn: &mut DbConn,
    rule: &str,
    since: chrono::NaiveDateTime,
) -> QueryResult<Vec<super::tickets::Ticket>> {
    use super::schema::tickets;
    tickets::table
        .filter(tickets::routing_rule.eq(rule))
        .filter(tickets::created_at.ge(since))
        .order((tickets::created_at.asc(), tickets::id.asc()))
        .select(super::tickets::Ticket::as_select())
        .load(conn)
}

pub fn learned_phrases(conn: &mut DbConn) -> QueryResult<Vec<LearnedPhrase>> {
    use super::schema::routing_phrases as p;
    p::table
        .left_join(users::table.on(p::created_by.eq(users::id.nullable())))
        .order((p::created_at.asc(), p::id.asc()))
        .select((p::id, p::phrase, p::kind, p::created_at, users::name.nullable()))
        .load(conn)
}

/// The learned phrases as a vocabulary routing reads beside its file.
pub fn learned_vocabulary(conn: &mut DbConn) -> QueryResult<crate::routing::Vocabulary> {
    use crate::routing::{Source, Vocabulary};
    let mut v = Vocabulary::default();
    for p in learned_phrases(conn)? {
        // Stored phrases were checked when saved; one that clashes with a
        // later one is skipped rather than stopping routing.
        let _ = v.add_phrase(&p.phrase, p.kind, Source::Learned);
    }
    Ok(v)
}

pub fn insert_phrase(
    conn: &mut DbConn,
    phrase: &str,
    kind: codes::CaseKind,
    actor_id: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    use super::schema::routing_phrases as p;
    diesel::insert_into(p::table)
        .values((
            p::id.eq(new_id()),
            p::phrase.eq(phrase),
            p::normalized.eq(crate::routing::normalize::normalize(phrase)),
            p::kind.eq(kind.as_str()),
            p::created_by.eq(actor_id),
            p::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Deletes a learned phrase; what it was, if it existed.
pub fn delete_phrase(conn: &mut DbConn, id: &str) -> QueryResult<Option<(String, codes::CaseKind)>> {
    use super::schema::routing_phrases as p;
    let found: Option<(String, codes::CaseKind)> =
        p::table.find(id).select((p::phrase, p::kind)).first(conn).optional()?;
    diesel::delete(p::table.find(id)).execute(conn)?;
    Ok(found)
}

/// One routing decision in a ticket's history.
#[derive(Debug, Clone, Queryable)]
pub struct DecisionRow {
    pub created_at: NaiveDateTime,
    pub cause: String,
    pub rule: String,
    pub kind: codes::CaseKind,
    pub queue: Queue,
    pub priority: codes::Priority,
    pub facts: String,
    pub actor: Option<String>,
}

pub fn insert_decision(
    conn: &mut DbConn,
    ticket_id: &str,
    cause: &str,
    d: &crate::routing::Decision,
    actor_id: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    use super::schema::routing_decisions as r;
    diesel::insert_into(r::table)
        .values((
            r::id.eq(new_id()),
            r::ticket_id.eq(ticket_id),
            r::cause.eq(cause),
            r::rule.eq(&d.rule),
            r::kind.eq(d.kind.as_str()),
            r::queue.eq(d.queue.as_str()),
            r::priority.eq(d.priority.as_str()),
            r::facts.eq(d.used.join("; ")),
            r::actor_id.eq(actor_id),
            r::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// A ticket's routing decisions, oldest first.
pub fn decisions(conn: &mut DbConn, ticket_id: &str) -> QueryResult<Vec<DecisionRow>> {
    use super::schema::routing_decisions as r;
    r::table
        .left_join(users::table.on(r::actor_id.eq(users::id.nullable())))
        .filter(r::ticket_id.eq(ticket_id))
        .order((r::created_at.asc(), r::id.asc()))
        .select((r::created_at, r::cause, r::rule, r::kind, r::queue, r::priority, r::facts, users::name.nullable()))
        .load(conn)
}

/// Tickets routing could not place (`other`): every open one and those
/// filed since `since`, newest first, at most `limit`.
pub fn unmatched_tickets(
    conn: &mut DbConn,
    since: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<super::tickets::Ticket>> {
    use super::tickets::Ticket;
    let open: Vec<&str> = codes::Status::OPEN.iter().map(|s| s.as_str()).collect();
    tickets::table
        .filter(tickets::case_kind.eq(codes::CaseKind::Other.as_str()))
        .filter(tickets::status.eq_any(open).or(tickets::created_at.ge(since)))
        .filter(tickets::merged_into.is_null())
        .order(tickets::created_at.desc())
        .limit(limit)
        .select(Ticket::as_select())
        .load(conn)
}
