//! Calendars as rows: an admin's edits and imports (`calendars`,
//! `calendar_days`) and which calendar each queue uses (`queue_calendars`).
//! A built-in calendar (`domain::calendar`) needs no row; a row with its
//! name replaces it.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{calendar_days, calendars, queue_calendars};
use super::DbConn;
use crate::domain::calendar::{self, Calendar};
use crate::domain::codes::Queue;

type Row = (String, String, String, String, String);

fn from_row(conn: &mut DbConn, (name, hours, weekdays, years, source): Row) -> QueryResult<Calendar> {
    let days: Vec<(String, bool, String)> = calendar_days::table
        .filter(calendar_days::calendar.eq(&name))
        .select((calendar_days::day, calendar_days::is_open, calendar_days::note))
        .load(conn)?;
    let mut cal = Calendar {
        // Stored by this module from a parsed calendar: a row that does
        // not parse (edited by hand) reads as the working week.
        hours: calendar::parse_hours(&hours).unwrap_or(Calendar::cn_workdays().hours),
        weekdays: calendar::parse_weekdays(&weekdays).unwrap_or(Calendar::cn_workdays().weekdays),
        known_years: calendar::parse_years(&years),
        name,
        source,
        ..Calendar::always()
    };
    for (day, open, note) in days {
        if let Ok(day) = NaiveDate::parse_from_str(&day, "%Y-%m-%d") {
            cal.days.insert(day, open);
            cal.notes.insert(day, note);
        }
    }
    Ok(cal)
}

/// A calendar by name: its row, else the built-in one.
pub fn find(conn: &mut DbConn, name: &str) -> QueryResult<Option<Calendar>> {
    let row: Option<Row> = calendars::table
        .find(name)
        .select((calendars::name, calendars::hours, calendars::weekdays, calendars::known_years, calendars::source))
        .first(conn)
        .optional()?;
    match row {
        Some(row) => Ok(Some(from_row(conn, row)?)),
        None => Ok(Calendar::builtin(name)),
    }
}

/// Every calendar: the built-in ones and the admins', by name.
pub fn names(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    let mut names: Vec<String> = calendars::table.select(calendars::name).load(conn)?;
    for builtin in [calendar::CN_WORKDAYS, calendar::ALWAYS] {
        if !names.iter().any(|n| n == builtin) {
            names.push(builtin.to_string());
        }
    }
    names.sort();
    Ok(names)
}

/// The calendar a queue works by: the one an admin set, else the one
/// `names` gives (the rules file's). A name that names no calendar (one
/// deleted since) reads as the built-in working week.
pub fn for_queue(conn: &mut DbConn, queue: Queue, names: &calendar::QueueCalendars) -> QueryResult<Calendar> {
    let name = match set_for(conn, queue)? {
        Some(name) => name,
        None => names.name_for(queue).to_string(),
    };
    Ok(find(conn, &name)?.unwrap_or_else(Calendar::cn_workdays))
}

/// Every queue's calendar, as `for_queue` gives it, in one read of the
/// admins' choices and one read per calendar used (what a page of tickets
/// from several queues needs, without two reads per queue).
pub fn for_queues(
    conn: &mut DbConn,
    names: &calendar::QueueCalendars,
) -> QueryResult<std::collections::BTreeMap<Queue, Calendar>> {
    let set: Vec<(String, String)> =
        queue_calendars::table.select((queue_calendars::queue, queue_calendars::calendar)).load(conn)?;
    let mut read: std::collections::BTreeMap<String, Calendar> = std::collections::BTreeMap::new();
    let mut out = std::collections::BTreeMap::new();
    for queue in Queue::ALL {
        let name = match set.iter().find(|(q, _)| q == queue.as_str()) {
            Some((_, name)) => name.clone(),
            None => names.name_for(*queue).to_string(),
        };
        if !read.contains_key(&name) {
            let cal = find(conn, &name)?.unwrap_or_else(Calendar::cn_workdays);
            read.insert(name.clone(), cal);
        }
        out.insert(*queue, read[&name].clone());
    }
    Ok(out)
}

/// The calendar name an admin set for a queue, if any.
pub fn set_for(conn: &mut DbConn, queue: Queue) -> QueryResult<Option<String>> {
    queue_calendars::table.find(queue.as_str()).select(queue_calendars::calendar).first(conn).optional()
}

/// Sets (or, with `None`, clears) a queue's calendar.
pub fn set_queue(conn: &mut DbConn, queue: Queue, name: Option<&str>) -> QueryResult<()> {
    diesel::delete(queue_calendars::table.find(queue.as_str())).execute(conn)?;
    if let Some(name) = name {
        diesel::insert_into(queue_calendars::table)
            .values((queue_calendars::queue.eq(queue.as_str()), queue_calendars::calendar.eq(name)))
            .execute(conn)?;
    }
    Ok(())
}

/// Stores a calendar whole: its row and every dated day.
pub fn save(conn: &mut DbConn, cal: &Calendar, now: NaiveDateTime) -> QueryResult<()> {
    conn.transaction(|conn| {
        diesel::delete(calendar_days::table.filter(calendar_days::calendar.eq(&cal.name))).execute(conn)?;
        diesel::delete(calendars::table.find(&cal.name)).execute(conn)?;
        diesel::insert_into(calendars::table)
            .values((
                calendars::name.eq(&cal.name),
                calendars::hours.eq(cal.hours_text()),
                calendars::weekdays.eq(cal.weekdays_text()),
                calendars::known_years.eq(cal.years_text()),
                calendars::source.eq(&cal.source),
                calendars::updated_at.eq(now),
            ))
            .execute(conn)?;
        for (day, open) in &cal.days {
            diesel::insert_into(calendar_days::table)
                .values((
                    calendar_days::calendar.eq(&cal.name),
                    calendar_days::day.eq(day.format("%Y-%m-%d").to_string()),
                    calendar_days::is_open.eq(*open),
                    calendar_days::note.eq(cal.notes.get(day).cloned().unwrap_or_default()),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}
