//! What SQLite and PostgreSQL do differently, in one place.

use diesel::prelude::*;

use super::incidents::{status as incident_status, Incident};
use super::schema::{incidents, tickets};
use super::tickets::Ticket;
use super::DbConn;

/// Reads a ticket inside a write transaction so that nobody changes it
/// before the transaction commits. PostgreSQL: `SELECT … FOR UPDATE`.
/// SQLite: the transaction first takes the database's write lock (with an
/// update that matches no row, so no trigger fires) — every writer then
/// waits for this one, and the read that follows cannot go stale. Without
/// it, a read first would make SQLite upgrade a read lock later, which
/// fails at once when another connection wrote in between.
pub fn lock_ticket(conn: &mut DbConn, id: &str) -> QueryResult<Option<Ticket>> {
    match conn {
        DbConn::Postgres(c) => tickets::table.find(id).select(Ticket::as_select()).for_update().first(c).optional(),
        DbConn::Sqlite(c) => {
            diesel::sql_query("UPDATE tickets SET id = id WHERE 0").execute(c)?;
            tickets::table.find(id).select(Ticket::as_select()).first(c).optional()
        }
    }
}

/// Reads an escalation inside a write transaction, locked the same way as
/// `lock_ticket`.
pub fn lock_escalation(conn: &mut DbConn, id: &str) -> QueryResult<Option<super::routing::Escalation>> {
    use super::routing::Escalation;
    use super::schema::escalations;
    match conn {
        DbConn::Postgres(c) => {
            escalations::table.find(id).select(Escalation::as_select()).for_update().first(c).optional()
        }
        DbConn::Sqlite(c) => {
            diesel::sql_query("UPDATE escalations SET id = id WHERE 0").execute(c)?;
            escalations::table.find(id).select(Escalation::as_select()).first(c).optional()
        }
    }
}

/// Reads an incident inside a write transaction and holds it until the
/// transaction commits, as `lock_ticket` does a ticket: PostgreSQL
/// `SELECT … FOR UPDATE`; SQLite takes the database's write lock first.
/// An operation locks its incident before any of the incident's tickets,
/// and those in id order, so two operations never wait on each other in a
/// circle.
pub fn lock_incident(conn: &mut DbConn, id: &str) -> QueryResult<Option<Incident>> {
    match conn {
        DbConn::Postgres(c) => incidents::table.find(id).select(Incident::as_select()).for_update().first(c).optional(),
        DbConn::Sqlite(c) => {
            diesel::sql_query("UPDATE incidents SET id = id WHERE 0").execute(c)?;
            incidents::table.find(id).select(Incident::as_select()).first(c).optional()
        }
    }
}

/// The oldest open incident a new ticket matches, as (id, title), held
/// until the intake's transaction commits so that it cannot be resolved in
/// between: PostgreSQL `FOR SHARE` (intakes do not wait for each other,
/// an incident's operations wait for them); SQLite's intake already holds
/// the write lock.
pub fn share_open_incident_matching(
    conn: &mut DbConn,
    case_kind: &str,
    city: &str,
    failing_step: &str,
) -> QueryResult<Option<(String, String)>> {
    use crate::domain::spikes::Dimension;
    let d = |d: Dimension| incidents::dimension.eq(d.as_str());
    let q = incidents::table
        .filter(incidents::status.eq(incident_status::OPEN))
        .filter(
            d(Dimension::CaseKind)
                .and(incidents::value.eq(case_kind))
                .or(d(Dimension::City).and(incidents::value.eq(city)))
                .or(d(Dimension::FailingStep).and(incidents::value.eq(failing_step))),
        )
        .order(incidents::created_at)
        .select((incidents::id, incidents::title));
    match conn {
        DbConn::Postgres(c) => q.for_share().first(c).optional(),
        DbConn::Sqlite(c) => q.first(c).optional(),
    }
}

/// Serialises the proposals of spike sweeps running at once (two servers):
/// the check that a spike is not yet proposed and the proposal then happen
/// as one. PostgreSQL: a transaction-scoped advisory lock; SQLite: the
/// database's write lock.
pub fn lock_proposals(conn: &mut DbConn) -> QueryResult<()> {
    match conn {
        DbConn::Postgres(c) => {
            // Any fixed number; this is its only use.
            diesel::sql_query("SELECT pg_advisory_xact_lock(7314001)").execute(c).map(|_| ())
        }
        DbConn::Sqlite(c) => diesel::sql_query("UPDATE incidents SET id = id WHERE 0").execute(c).map(|_| ()),
    }
}
