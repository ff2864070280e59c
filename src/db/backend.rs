//! What SQLite and PostgreSQL do differently, in one place.

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use super::incidents::Incident;
use super::schema::{incidents, tickets};
use super::tickets::Ticket;
use super::DbConn;
use crate::domain::codes::IncidentStatus;

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
        .filter(incidents::status.eq(IncidentStatus::Open))
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

/// Runs one raw SQL statement whose text is the same on both backends.
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Postgres($c) => $body,
            $crate::db::DbConn::Sqlite($c) => $body,
        }
    };
}
pub(crate) use on_backend;

/// Two PostgreSQL servers assigning at once would both see the same open
/// counts; one advisory lock per transaction makes them take turns. SQLite's
/// single writer already does. Call inside the transaction that assigns.
pub fn serialize_assignment(conn: &mut DbConn) -> QueryResult<()> {
    if let DbConn::Postgres(c) = conn {
        c.batch_execute("SELECT pg_advisory_xact_lock(7262)")?;
    }
    Ok(())
}

/// Whether a new ticket is assigned in a transaction of its own, after the
/// one that stores it: on PostgreSQL, so that intakes do not queue behind
/// the assignment lock for each other's commits. SQLite has one writer and
/// one fsync per transaction: there one transaction does both.
pub fn assigns_after_commit(conn: &DbConn) -> bool {
    matches!(conn, DbConn::Postgres(_))
}

/// The current transaction's commit returns before its WAL reaches the
/// disk (PostgreSQL's `synchronous_commit = off`, for this transaction
/// only): for writes a crash may lose without harm. SQLite: no change.
pub fn commit_without_waiting(conn: &mut DbConn) -> QueryResult<()> {
    if let DbConn::Postgres(c) = conn {
        c.batch_execute("SET LOCAL synchronous_commit = off")?;
    }
    Ok(())
}

#[derive(QueryableByName)]
struct ClaimedId {
    #[diesel(sql_type = Text)]
    id: String,
}

/// Leases up to `limit` due outbox messages until `until`, and returns their
/// ids. Several workers never hold the same message: PostgreSQL skips rows
/// another transaction has locked (`FOR UPDATE SKIP LOCKED`); SQLite has a
/// single writer.
pub fn claim_outbox(
    conn: &mut DbConn,
    until: NaiveDateTime,
    now: NaiveDateTime,
    limit: i64,
    webhooks: bool,
) -> QueryResult<Vec<String>> {
    const PICK: &str = "SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $2 \
                        AND (locked_until IS NULL OR locked_until < $2)";
    // Email and webhook deliveries have a worker each.
    let kind = if webhooks { "AND kind = 'webhook'" } else { "AND kind <> 'webhook'" };
    let skip_locked = if matches!(conn, DbConn::Postgres(_)) { " FOR UPDATE SKIP LOCKED" } else { "" };
    let q = diesel::sql_query(format!(
        "UPDATE outbox SET locked_until = $1, attempts = attempts + 1 \
         WHERE id IN ({PICK} {kind} ORDER BY next_attempt_at LIMIT $3{skip_locked}) RETURNING id"
    ))
    .bind::<Timestamp, _>(until)
    .bind::<Timestamp, _>(now)
    .bind::<BigInt, _>(limit);
    let ids: Vec<ClaimedId> = on_backend!(conn, |c| q.load(c))?;
    Ok(ids.into_iter().map(|c| c.id).collect())
}

/// Leases up to `limit` SMS due to go (waiting ones, and sent ones whose
/// provider never answered and whose receipt never came: see
/// `db::sms::mark_unsettled`) until `until`, and returns their ids.
pub fn claim_sms(conn: &mut DbConn, until: NaiveDateTime, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<String>> {
    const PICK: &str = "SELECT id FROM sms_messages WHERE status IN ('pending', 'unsettled') \
                        AND next_attempt_at <= $2 AND (locked_until IS NULL OR locked_until < $2) \
                        ORDER BY next_attempt_at LIMIT $3";
    let skip_locked = if matches!(conn, DbConn::Postgres(_)) { " FOR UPDATE SKIP LOCKED" } else { "" };
    let q = diesel::sql_query(format!(
        "UPDATE sms_messages SET locked_until = $1, attempts = attempts + 1 WHERE id IN ({PICK}{skip_locked}) RETURNING id"
    ))
    .bind::<Timestamp, _>(until)
    .bind::<Timestamp, _>(now)
    .bind::<BigInt, _>(limit);
    let ids: Vec<ClaimedId> = on_backend!(conn, |c| q.load(c))?;
    Ok(ids.into_iter().map(|c| c.id).collect())
}

/// Leases up to `limit` due payment-check jobs until `until` (as
/// [`claim_outbox`] does messages), and returns their ids.
pub fn claim_payment_jobs(
    conn: &mut DbConn,
    until: NaiveDateTime,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<String>> {
    const PICK: &str = "SELECT id FROM payment_jobs WHERE done_at IS NULL AND next_attempt_at <= $2 \
                        AND (locked_until IS NULL OR locked_until < $2) ORDER BY next_attempt_at LIMIT $3";
    let skip_locked = if matches!(conn, DbConn::Postgres(_)) { " FOR UPDATE SKIP LOCKED" } else { "" };
    let q = diesel::sql_query(format!(
        "UPDATE payment_jobs SET locked_until = $1, attempts = attempts + 1 WHERE id IN ({PICK}{skip_locked}) RETURNING id"
    ))
    .bind::<Timestamp, _>(until)
    .bind::<Timestamp, _>(now)
    .bind::<BigInt, _>(limit);
    let ids: Vec<ClaimedId> = on_backend!(conn, |c| q.load(c))?;
    Ok(ids.into_iter().map(|c| c.id).collect())
}

/// Takes the next refund due a check, pushing its next check to `until` (a
/// lease: another worker finds it only after), and returns its id.
pub fn claim_refund(conn: &mut DbConn, until: NaiveDateTime, now: NaiveDateTime) -> QueryResult<Option<String>> {
    const PICK: &str =
        "SELECT id FROM refunds WHERE finished_at IS NULL AND next_check_at <= $2 ORDER BY next_check_at LIMIT 1";
    let skip_locked = if matches!(conn, DbConn::Postgres(_)) { " FOR UPDATE SKIP LOCKED" } else { "" };
    let q = diesel::sql_query(format!(
        "UPDATE refunds SET next_check_at = $1 WHERE id IN ({PICK}{skip_locked}) RETURNING id"
    ))
    .bind::<Timestamp, _>(until)
    .bind::<Timestamp, _>(now);
    let ids: Vec<ClaimedId> = on_backend!(conn, |c| q.load(c))?;
    Ok(ids.into_iter().next().map(|c| c.id))
}

/// Many rows in one INSERT, which diesel builds per backend (its
/// multi-backend connection has no batch insert).
macro_rules! insert_many {
    ($conn:expr, $table:expr, $rows:expr) => {
        match $conn {
            $crate::db::DbConn::Sqlite(c) => diesel::insert_into($table).values($rows).execute(c),
            $crate::db::DbConn::Postgres(c) => diesel::insert_into($table).values($rows).execute(c),
        }
    };
}
pub(crate) use insert_many;

/// Before a bulk load (`demo seed`), on SQLite: a page cache that holds the
/// indexes being filled saves reading them back from the file every batch.
pub fn before_bulk_load(conn: &mut DbConn) -> QueryResult<()> {
    if let DbConn::Sqlite(c) = conn {
        c.batch_execute("PRAGMA cache_size = -262144;")?;
    }
    Ok(())
}

/// After a bulk load, on PostgreSQL: fresh statistics and visibility map, or
/// the planner takes a million rows for a few and index-only scans visit
/// every row (autovacuum would get there, later).
pub fn after_bulk_load(conn: &mut DbConn) -> QueryResult<()> {
    if let DbConn::Postgres(c) = conn {
        c.batch_execute("VACUUM ANALYZE;")?;
    }
    Ok(())
}

/// The change feed's horizon (migration 16): every ticket change whose
/// `change_seq` is below it is committed, and visible to any read that
/// starts after this one. SQLite writes one transaction at a time: one past
/// the highest. PostgreSQL: the oldest transaction still running;
/// every older one has finished.
pub fn change_horizon(conn: &mut DbConn) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Horizon {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        horizon: i64,
    }
    let query = match conn {
        DbConn::Postgres(_) => "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS horizon",
        DbConn::Sqlite(_) => "SELECT COALESCE(MAX(change_seq), 0) + 1 AS horizon FROM tickets",
    };
    let h: Horizon = match conn {
        DbConn::Postgres(c) => diesel::sql_query(query).get_result(c)?,
        DbConn::Sqlite(c) => diesel::sql_query(query).get_result(c)?,
    };
    Ok(h.horizon)
}

/// Up to `limit` recorded webhook events, oldest first, locked for this
/// transaction; on PostgreSQL rows another worker holds are skipped.
pub fn claim_webhook_events(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<String>> {
    let skip_locked = if matches!(conn, DbConn::Postgres(_)) { " FOR UPDATE SKIP LOCKED" } else { "" };
    let q = diesel::sql_query(format!("SELECT id FROM webhook_events ORDER BY created_at, id LIMIT $1{skip_locked}"))
        .bind::<BigInt, _>(limit);
    let ids: Vec<ClaimedId> = on_backend!(conn, |c| q.load(c))?;
    Ok(ids.into_iter().map(|c| c.id).collect())
}

/// Serialises changes to calendars (an import, a day, a queue's choice):
/// each reads a calendar and writes it whole. PostgreSQL: a transaction
/// advisory lock; SQLite: the write lock first, as `lock_ticket` takes it,
/// so the read that follows cannot go stale (the command-line import runs
/// beside the server).
pub fn lock_calendars(conn: &mut DbConn) -> QueryResult<()> {
    match conn {
        DbConn::Postgres(c) => diesel::sql_query("SELECT pg_advisory_xact_lock(7300030)").execute(c).map(|_| ()),
        DbConn::Sqlite(c) => diesel::sql_query("UPDATE calendars SET name = name WHERE 0").execute(c).map(|_| ()),
    }
}
