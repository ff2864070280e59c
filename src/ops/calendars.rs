//! Calendars as admins keep them: import a holiday feed into one, set a
//! queue's calendar (issue 30). Each is one transaction with its audit row.

use chrono::{Datelike, NaiveDateTime};
use diesel::prelude::*;

use crate::db::audit::{self, Entry};
use crate::db::{calendars as store, DbConn};
use crate::domain::calendar::Calendar;
use crate::domain::calendar_ics::Feed;
use crate::domain::codes::Queue;

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub closed: usize,
    pub open: usize,
    /// Events that said neither (left out).
    pub skipped: usize,
    /// The years the feed covered, now known (no longer provisional).
    pub years: Vec<i32>,
}

/// Adds a feed's days to a calendar (created from the working week when it
/// does not exist yet; the built-in `cn-workdays` keeps its own days unless
/// the feed names them). The years the feed covers are then known.
pub fn import(
    conn: &mut DbConn,
    name: &str,
    feed: &Feed,
    source: &str,
    actor_id: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<Imported> {
    conn.transaction(|conn| {
        crate::db::backend::lock_calendars(conn)?;
        let mut cal = store::find(conn, name)?.unwrap_or_else(|| Calendar {
            name: name.to_string(),
            days: Default::default(),
            notes: Default::default(),
            known_years: Default::default(),
            ..Calendar::cn_workdays()
        });
        let mut years = std::collections::BTreeSet::new();
        for d in &feed.days {
            cal.days.insert(d.day, d.open);
            cal.notes.insert(d.day, d.note.clone());
            years.insert(d.day.year());
        }
        cal.known_years.extend(years.iter().copied());
        cal.source = source.to_string();
        store::save(conn, &cal, now)?;
        let imported = Imported {
            closed: feed.days.iter().filter(|d| !d.open).count(),
            open: feed.days.iter().filter(|d| d.open).count(),
            skipped: feed.skipped,
            years: years.into_iter().collect(),
        };
        // Said in words on the audit page (`web::staff::words::audit_value`).
        let after = format!("{}/{}", imported.closed, imported.open);
        let entry = Entry { actor_id, action: "calendar_import", ticket_id: None, before: name, after: &after };
        audit::record(conn, entry, now)?;
        Ok(imported)
    })
}

/// Puts a queue on a calendar (`None`: back to the rules file's), audited.
pub fn set_queue(
    conn: &mut DbConn,
    queue: Queue,
    name: Option<&str>,
    actor_id: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    conn.transaction(|conn| {
        crate::db::backend::lock_calendars(conn)?;
        let before = store::set_for(conn, queue)?.unwrap_or_default();
        store::set_queue(conn, queue, name)?;
        let after = name.unwrap_or_default();
        let entry =
            Entry { actor_id: Some(actor_id), action: "calendar_queue", ticket_id: None, before: &before, after };
        audit::record(conn, entry, now)
    })
}

/// One day of a calendar set by hand: closed (`Some(false)`), a make-up
/// working day (`Some(true)`) or back to the week's rule (`None`); audited.
/// `Ok(false)` when no calendar has that name.
pub fn set_day(
    conn: &mut DbConn,
    name: &str,
    day: chrono::NaiveDate,
    kind: Option<bool>,
    note: &str,
    actor_id: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    conn.transaction(|conn| {
        crate::db::backend::lock_calendars(conn)?;
        let Some(mut cal) = store::find(conn, name)? else { return Ok(false) };
        match kind {
            Some(open) => {
                cal.days.insert(day, open);
                cal.notes.insert(day, note.to_string());
            }
            None => {
                cal.days.remove(&day);
                cal.notes.remove(&day);
            }
        }
        store::save(conn, &cal, now)?;
        let after = format!("{day} {}", kind.map_or("usual", |open| if open { "open" } else { "closed" }));
        let entry =
            Entry { actor_id: Some(actor_id), action: "calendar_day", ticket_id: None, before: name, after: &after };
        audit::record(conn, entry, now)?;
        Ok(true)
    })
}
