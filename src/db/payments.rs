//! Payment checks in storage: the jobs the worker takes, and what each
//! check found (the ticket's history of checks).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{payment_checks, payment_jobs};
use super::tickets::new_id;
use super::DbConn;
use crate::domain::codes::{BillState, CheckState};

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
