//! Payment checks in storage: the jobs the worker takes, and what each
//! check found (the ticket's history of checks).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::new_id;
use super::schema::{payment_checks, payment_jobs, refunds, tickets};
use super::DbConn;
use crate::domain::codes::{BillState, CheckState, RefundState};

/// Asks for a check of a ticket's payment, unless one is already waiting.
/// Call inside the transaction that files the ticket or asks again.
pub fn enqueue(conn: &mut DbConn, ticket_id: &str, now: NaiveDateTime) -> QueryResult<bool> {
    if waiting(conn, ticket_id)? {
        return Ok(false);
    }
    diesel::insert_into(payment_jobs::table)
        .values((
            payment_jobs::id.eq(new_id()),
            payment_jobs::ticket_id.eq(ticket_id),
            payment_jobs::attempts.eq(0),
            payment_jobs::next_attempt_at.eq(now),
            payment_jobs::last_error.eq(""),
            payment_jobs::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(true)
}

/// Whether a check of this ticket is waiting or running.
pub fn waiting(conn: &mut DbConn, ticket_id: &str) -> QueryResult<bool> {
    let n: i64 = payment_jobs::table
        .filter(payment_jobs::ticket_id.eq(ticket_id))
        .filter(payment_jobs::done_at.is_null())
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = payment_jobs)]
pub struct Job {
    pub id: String,
    pub ticket_id: String,
    /// Including the one now running.
    pub attempts: i32,
}

pub fn jobs(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<Job>> {
    payment_jobs::table.filter(payment_jobs::id.eq_any(ids)).select(Job::as_select()).load(conn)
}

/// Whether this worker still holds the job (its lease is the one it took):
/// a worker that ran past its lease leaves the job to whoever took it.
pub fn holds(conn: &mut DbConn, job_id: &str, lease: NaiveDateTime) -> QueryResult<bool> {
    let n: i64 = payment_jobs::table
        .filter(payment_jobs::id.eq(job_id))
        .filter(payment_jobs::locked_until.eq(lease))
        .filter(payment_jobs::done_at.is_null())
        .count()
        .get_result(conn)?;
    Ok(n == 1)
}

/// The latest check that gave a verified finding.
pub fn last_verified(conn: &mut DbConn, ticket_id: &str) -> QueryResult<Option<Check>> {
    payment_checks::table
        .filter(payment_checks::ticket_id.eq(ticket_id))
        .filter(payment_checks::state.ne_all([CheckState::Unverified, CheckState::Error, CheckState::Pending]))
        .order((payment_checks::checked_at.desc(), payment_checks::id.desc()))
        .select(Check::as_select())
        .first(conn)
        .optional()
}

/// How long a provider's answer nonce is remembered: twice the five
/// minutes its signed time may be off, so a replay within that time is
/// always caught.
pub const NONCES_KEPT: chrono::Duration = chrono::Duration::minutes(10);

/// Remembers a nonce a provider signed an answer with; `false` when it was
/// seen before (the answer is a replay), on this server or another. Run
/// outside a transaction: the unique key decides, and a conflict must not
/// abort anything else.
pub fn remember_nonce(conn: &mut DbConn, nonce: &str, now: NaiveDateTime) -> QueryResult<bool> {
    use super::schema::provider_nonces as n;
    let inserted = diesel::insert_into(n::table).values((n::nonce.eq(nonce), n::seen_at.eq(now))).execute(conn);
    match inserted {
        Ok(_) => Ok(true),
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Forgets nonces older than [`NONCES_KEPT`] (a sweep).
pub fn forget_nonces(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    use super::schema::provider_nonces as n;
    diesel::delete(n::table.filter(n::seen_at.lt(now - NONCES_KEPT))).execute(conn)
}

/// How many times a ticket's payment was asked about (jobs are kept once
/// done).
pub fn checks_made(conn: &mut DbConn, ticket_id: &str) -> QueryResult<i64> {
    payment_jobs::table.filter(payment_jobs::ticket_id.eq(ticket_id)).count().get_result(conn)
}

/// The job is over (its check recorded).
pub fn finish(conn: &mut DbConn, job_id: &str, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(payment_jobs::table.find(job_id))
        .set((payment_jobs::done_at.eq(now), payment_jobs::locked_until.eq(None::<NaiveDateTime>)))
        .execute(conn)?;
    Ok(())
}

/// Tries again at `next`, remembering why this try failed.
pub fn retry(conn: &mut DbConn, job_id: &str, next: NaiveDateTime, error: &str) -> QueryResult<()> {
    diesel::update(payment_jobs::table.find(job_id))
        .set((
            payment_jobs::next_attempt_at.eq(next),
            payment_jobs::locked_until.eq(None::<NaiveDateTime>),
            payment_jobs::last_error.eq(error),
        ))
        .execute(conn)?;
    Ok(())
}

/// One check's finding.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = payment_checks)]
pub struct Check {
    pub id: String,
    pub ticket_id: String,
    pub provider: String,
    pub state: CheckState,
    pub provider_state: String,
    pub provider_description: String,
    pub amount_cents: Option<i64>,
    pub paid_at: Option<NaiveDateTime>,
    pub bill_state: Option<BillState>,
    pub problem: String,
    pub checked_at: NaiveDateTime,
}

pub fn record(conn: &mut DbConn, check: &Check) -> QueryResult<()> {
    diesel::insert_into(payment_checks::table).values(check).execute(conn)?;
    Ok(())
}

/// A ticket's checks, oldest first.
pub fn history(conn: &mut DbConn, ticket_id: &str) -> QueryResult<Vec<Check>> {
    payment_checks::table
        .filter(payment_checks::ticket_id.eq(ticket_id))
        .order((payment_checks::checked_at.asc(), payment_checks::id.asc()))
        .select(Check::as_select())
        .load(conn)
}

/// A refund on a ticket.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = refunds)]
pub struct Refund {
    pub id: String,
    pub ticket_id: String,
    pub provider: String,
    pub refund_number: String,
    pub state: RefundState,
    pub provider_state: String,
    pub amount_cents: Option<i64>,
    pub requested_at: NaiveDateTime,
    pub due_at: NaiveDateTime,
    pub checked_at: Option<NaiveDateTime>,
    pub finished_at: Option<NaiveDateTime>,
}

/// Starts tracking a refund (checked at once); `false` when the ticket
/// already tracks this refund number.
pub fn track_refund(
    conn: &mut DbConn,
    ticket_id: &str,
    provider: &str,
    refund_number: &str,
    due: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let known: i64 = refunds::table
        .filter(refunds::ticket_id.eq(ticket_id))
        .filter(refunds::refund_number.eq(refund_number))
        .count()
        .get_result(conn)?;
    if known > 0 {
        return Ok(false);
    }
    diesel::insert_into(refunds::table)
        .values((
            refunds::id.eq(new_id()),
            refunds::ticket_id.eq(ticket_id),
            refunds::provider.eq(provider),
            refunds::refund_number.eq(refund_number),
            refunds::state.eq(RefundState::Requested),
            refunds::provider_state.eq(""),
            refunds::requested_at.eq(now),
            refunds::due_at.eq(due),
            refunds::next_check_at.eq(now),
        ))
        .execute(conn)?;
    Ok(true)
}

pub fn refund(conn: &mut DbConn, id: &str) -> QueryResult<Option<Refund>> {
    refunds::table.find(id).select(Refund::as_select()).first(conn).optional()
}

/// What the provider said of a refund, and when to ask next (`None`: it
/// has ended).
pub fn update_refund(
    conn: &mut DbConn,
    id: &str,
    answer: &crate::payments::RefundAnswer,
    next: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(refunds::table.find(id))
        .set((
            refunds::state.eq(answer.state),
            refunds::provider_state.eq(&answer.provider_state),
            refunds::amount_cents.eq(answer.amount_cents),
            refunds::checked_at.eq(now),
            refunds::next_check_at.eq(next.unwrap_or(now)),
            refunds::finished_at.eq(if next.is_none() { Some(now) } else { None }),
        ))
        .execute(conn)?;
    Ok(())
}

/// Asks again at `next` after a failed try.
pub fn refund_retry(conn: &mut DbConn, id: &str, next: NaiveDateTime) -> QueryResult<()> {
    diesel::update(refunds::table.find(id)).set(refunds::next_check_at.eq(next)).execute(conn)?;
    Ok(())
}

/// A ticket's refunds, oldest first.
pub fn refunds_of(conn: &mut DbConn, ticket_id: &str) -> QueryResult<Vec<Refund>> {
    refunds::table
        .filter(refunds::ticket_id.eq(ticket_id))
        .order((refunds::requested_at.asc(), refunds::id.asc()))
        .select(Refund::as_select())
        .load(conn)
}

/// Refunds not ended past their due date, oldest due first, with their
/// ticket's reference: what supervisors chase.
pub fn late_refunds(conn: &mut DbConn, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<(Refund, String)>> {
    refunds::table
        .inner_join(tickets::table)
        .filter(refunds::finished_at.is_null())
        .filter(refunds::due_at.lt(now))
        .order(refunds::due_at.asc())
        .limit(limit)
        .select((Refund::as_select(), tickets::reference))
        .load(conn)
}
