//! Reading the holiday feeds people actually use (iCalendar, RFC 5545) into
//! a calendar's dated exceptions. Only all-day events count (a holiday is
//! a day, not a meeting). What a day is:
//! - by `CATEGORIES`: 节假日 / Holiday / HOLIDAY close it, 调休 / Business
//!   Day / WORKDAY open it (the convention of the big public feeds);
//! - else by its title (holiday-cn and the like): "…假期" or a title ending
//!   in 休 closes it; "上班" / "补班" or a title ending in 班 opens it.
//!
//! An event neither tells is skipped and counted, so the importer can say
//! what it did not understand.

use std::str::FromStr;

use chrono::{Duration, NaiveDate};
use icalendar::{CalendarComponent, Component, DatePerhapsTime};

/// One day a feed names: closed, or a working day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedDay {
    pub day: NaiveDate,
    pub open: bool,
    /// The event's title, kept as the day's note.
    pub note: String,
}

/// What a feed held.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Feed {
    pub days: Vec<FeedDay>,
    /// All-day events that said neither closed nor open.
    pub skipped: usize,
}

#[derive(Debug, PartialEq, Eq)]
pub enum FeedError {
    /// Not an iCalendar file.
    NotICalendar,
}

/// The longest event a feed may hold, in days (a holiday is at most a
/// couple of weeks; a year-long "event" is not one).
const LONGEST: i64 = 31;

/// Whether an event's categories or title say closed (`Some(false)`) or
/// open (`Some(true)`).
pub fn says(categories: &str, title: &str) -> Option<bool> {
    for c in categories.split(',').map(|c| c.trim().to_lowercase()) {
        match c.as_str() {
            "节假日" | "holiday" | "假日" => return Some(false),
            "调休" | "business day" | "workday" | "补班" => return Some(true),
            _ => {}
        }
    }
    let title = title.trim();
    if title.contains("上班") || title.contains("补班") || title.ends_with('班') {
        Some(true)
    } else if title.contains("假期") || title.ends_with('休') || title.contains("放假") {
        Some(false)
    } else {
        None
    }
}

/// A feed title as a holiday's name: without the word for "holiday" or
/// "day off" it usually ends in ("国庆节假期", "国庆节 休", "National Day
/// Holiday"), since a promise adds its own ("…假期之后", "the … holiday").
pub fn holiday_name(title: &str) -> String {
    let mut name = title.trim();
    for suffix in ["假期", "放假", "休", " holiday", " Holiday", " HOLIDAY"] {
        name = name.strip_suffix(suffix).unwrap_or(name).trim_end();
    }
    if name.is_empty() { title.trim() } else { name }.to_string()
}

fn day_of(d: DatePerhapsTime) -> Option<NaiveDate> {
    match d {
        DatePerhapsTime::Date(day) => Some(day),
        // A timed event is not a day off.
        DatePerhapsTime::DateTime(_) => None,
    }
}

/// An event's categories, however many `CATEGORIES` lines it has (the
/// parser keeps a repeated property apart).
fn categories(event: &icalendar::Event) -> String {
    let mut all: Vec<String> = event.property_value("CATEGORIES").map(str::to_string).into_iter().collect();
    if let Some(list) = event.multi_properties().get("CATEGORIES") {
        all.extend(list.iter().map(|p| p.value().to_string()));
    }
    all.join(",")
}

pub fn read(text: &str) -> Result<Feed, FeedError> {
    if !text.contains("BEGIN:VCALENDAR") {
        return Err(FeedError::NotICalendar);
    }
    let calendar = icalendar::Calendar::from_str(text).map_err(|_| FeedError::NotICalendar)?;
    let mut feed = Feed::default();
    for component in &calendar.components {
        let CalendarComponent::Event(event) = component else { continue };
        let Some(first) = event.get_start().and_then(day_of) else { continue };
        // DTEND is the day after the last (RFC 5545: exclusive); none: one day.
        let end = event.get_end().and_then(day_of).unwrap_or(first + Duration::days(1));
        let title = event.get_summary().unwrap_or_default().to_string();
        let Some(open) = says(&categories(event), &title) else {
            feed.skipped += 1;
            continue;
        };
        let mut day = first;
        while day < end && (day - first).num_days() < LONGEST {
            feed.days.push(FeedDay { day, open, note: holiday_name(&title) });
            day += Duration::days(1);
        }
    }
    feed.days.sort_by_key(|d| d.day);
    Ok(feed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn categories_decide_when_given() {
        let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n\
            BEGIN:VEVENT\r\nUID:1\r\nDTSTAMP:20251104T000000Z\r\nDTSTART;VALUE=DATE:20261001\r\nDTEND;VALUE=DATE:20261008\r\n\
            SUMMARY:国庆节\r\nCATEGORIES:节假日\r\nEND:VEVENT\r\n\
            BEGIN:VEVENT\r\nUID:2\r\nDTSTAMP:20251104T000000Z\r\nDTSTART;VALUE=DATE:20261010\r\nSUMMARY:National Day (make-up)\r\n\
            CATEGORIES:Business Day\r\nEND:VEVENT\r\n\
            BEGIN:VEVENT\r\nUID:3\r\nDTSTAMP:20251104T000000Z\r\nDTSTART:20261012T090000\r\nDTEND:20261012T100000\r\n\
            SUMMARY:Team meeting\r\nCATEGORIES:Holiday\r\nEND:VEVENT\r\n\
            BEGIN:VEVENT\r\nUID:4\r\nDTSTAMP:20251104T000000Z\r\nDTSTART;VALUE=DATE:20261224\r\nSUMMARY:Christmas Eve\r\nEND:VEVENT\r\n\
            END:VCALENDAR\r\n";
        let feed = read(ics).unwrap();
        let closed: Vec<NaiveDate> = feed.days.iter().filter(|x| !x.open).map(|x| x.day).collect();
        assert_eq!(closed.len(), 7, "1–7 October, DTEND exclusive");
        assert_eq!((closed[0], closed[6]), (d("2026-10-01"), d("2026-10-07")));
        assert!(feed.days.iter().any(|x| x.open && x.day == d("2026-10-10")));
        assert_eq!(feed.skipped, 1, "a title that says nothing; a timed event is not a day");
    }

    #[test]
    fn the_title_decides_in_holiday_cn_style() {
        assert_eq!(says("", "国庆节假期"), Some(false));
        assert_eq!(says("", "国庆节 休"), Some(false));
        assert_eq!(says("", "上班(补10月1日)"), Some(true));
        assert_eq!(says("", "国庆节 班"), Some(true));
        assert_eq!(says("WORKDAY", "国庆节假期"), Some(true), "categories first");
        assert_eq!(says("", "Christmas Eve"), None);
        assert_eq!(read("hello"), Err(FeedError::NotICalendar));
        assert_eq!(holiday_name("国庆节假期"), "国庆节");
        assert_eq!(holiday_name("国庆节 休"), "国庆节");
        assert_eq!(holiday_name("National Day Holiday"), "National Day");
        assert_eq!(holiday_name("休"), "休");
    }
}
