//! The append-only audit log of staff actions: who, what, when, before →
//! after. Rows are only ever inserted.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::new_id;
use super::schema::{audit_log, tickets, users};
use super::DbConn;

pub struct Entry<'a> {
    pub actor_id: Option<&'a str>,
    pub action: &'a str,
    pub ticket_id: Option<&'a str>,
    pub before: &'a str,
    pub after: &'a str,
}

pub fn record(conn: &mut DbConn, e: Entry<'_>, now: NaiveDateTime) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::id.eq(new_id()),
            audit_log::actor_id.eq(e.actor_id),
            audit_log::action.eq(e.action),
            audit_log::ticket_id.eq(e.ticket_id),
            audit_log::before_value.eq(e.before),
            audit_log::after_value.eq(e.after),
            audit_log::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable)]
pub struct Row {
    pub id: String,
    pub created_at: NaiveDateTime,
    pub actor: Option<String>,
    pub action: String,
    pub reference: Option<String>,
    pub before: String,
    pub after: String,
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub actor_id: Option<String>,
    pub action: Option<String>,
    pub ticket_id: Option<String>,
    /// Entries older than this id (the page before).
    pub before_id: Option<String>,
}

/// Newest first.
pub fn list(conn: &mut DbConn, f: &Filter, limit: i64) -> QueryResult<Vec<Row>> {
    let mut q = audit_log::table
        .left_join(users::table)
        .left_join(tickets::table)
        .select((
            audit_log::id,
            audit_log::created_at,
            users::name.nullable(),
            audit_log::action,
            tickets::reference.nullable(),
            audit_log::before_value,
            audit_log::after_value,
        ))
        .into_boxed();
    if let Some(actor) = &f.actor_id {
        q = q.filter(audit_log::actor_id.eq(actor));
    }
    if let Some(action) = &f.action {
        q = q.filter(audit_log::action.eq(action));
    }
    if let Some(ticket) = &f.ticket_id {
        q = q.filter(audit_log::ticket_id.eq(ticket));
    }
    if let Some(before) = &f.before_id {
        q = q.filter(audit_log::id.lt(before));
    }
    q.order(audit_log::id.desc()).limit(limit).load(conn)
}
