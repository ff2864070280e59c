//! What SQLite and PostgreSQL do differently, in one place.

use diesel::prelude::*;

use super::schema::tickets;
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
