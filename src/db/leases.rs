//! Leases: which server does a piece of time-driven work now (issue 31).
//! Queued work (mail, SMS, webhooks, payment checks) is claimed row by row
//! by every server; what runs on a clock — the sweeps, the inbound mailbox
//! — must run on one server at a time, or two servers would each send the
//! breach notice. A server takes the lease, renews it while it works, and
//! lets it go when it drains; a server that dies stops renewing, and
//! another takes the lease once it has run out.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::schema::leases;
use super::DbConn;

/// The time-driven work paydesk runs under a lease.
pub const SWEEPER: &str = "sweeper";
pub const INBOUND: &str = "inbound";

/// Takes or renews the lease `name` for `holder` until `now + ttl`: true
/// when `holder` has it now (it held it, it was free, or it had run out).
pub fn take(conn: &mut DbConn, name: &str, holder: &str, now: NaiveDateTime, ttl: Duration) -> QueryResult<bool> {
    let until = now + ttl;
    let renewed = diesel::update(
        leases::table.filter(leases::name.eq(name)).filter(leases::holder.eq(holder).or(leases::expires_at.lt(now))),
    )
    .set((leases::holder.eq(holder), leases::expires_at.eq(until)))
    .execute(conn)?;
    if renewed == 1 {
        return Ok(true);
    }
    let row = (leases::name.eq(name), leases::holder.eq(holder), leases::expires_at.eq(until));
    // Two servers may both find no row: one insert wins, the other is
    // ignored.
    let inserted = match conn {
        DbConn::Postgres(c) => diesel::insert_into(leases::table).values(row).on_conflict_do_nothing().execute(c)?,
        DbConn::Sqlite(c) => diesel::insert_or_ignore_into(leases::table).values(row).execute(c)?,
    };
    Ok(inserted == 1)
}

/// Lets go of every lease `holder` has (a server draining): the next
/// server to look takes them at once.
pub fn release_all(conn: &mut DbConn, holder: &str) -> QueryResult<usize> {
    diesel::delete(leases::table.filter(leases::holder.eq(holder))).execute(conn)
}

/// Who holds `name` now, if anyone.
pub fn holder(conn: &mut DbConn, name: &str, now: NaiveDateTime) -> QueryResult<Option<String>> {
    leases::table
        .filter(leases::name.eq(name))
        .filter(leases::expires_at.ge(now))
        .select(leases::holder)
        .first(conn)
        .optional()
}
