//! Working time: the hours people are at work to answer, in China time, so
//! that a promise ("within 24 hours") and a due time count only the time
//! someone can act. A calendar is weekly working hours plus dated
//! exceptions: days closed (holidays) and make-up working days (调休, a
//! weekend day the State Council's yearly notice turns into a working day —
//! something no other help desk models). `24x7` is the calendar of queues
//! that never pause.
//!
//! Everything here is pure: times are UTC as stored (`domain::china` turns
//! them to China time); the functions below are what the SLA clock, the
//! promises and the dashboard use, and they are property-tested.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Weekday};

use super::china;

/// The built-in calendar of mainland China's working days.
pub const CN_WORKDAYS: &str = "cn-workdays";
/// The built-in calendar that never closes.
pub const ALWAYS: &str = "24x7";

/// Where the built-in working days come from (shown to admins).
pub const CN_SOURCE: &str = "国务院办公厅关于2026年部分节假日安排的通知 (State Council notice of 2025-11-04)";

/// A calendar: weekly working hours and dated exceptions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    pub name: String,
    /// The working hours of a working day, China time; `None`: the whole
    /// day, every day (24×7: no day is ever closed).
    pub hours: Option<(NaiveTime, NaiveTime)>,
    /// Which weekdays are working days, Monday first.
    pub weekdays: [bool; 7],
    /// Dated exceptions: `true` a working day (a make-up day), `false` a
    /// closed day (a holiday).
    pub days: BTreeMap<NaiveDate, bool>,
    /// What a dated day is ("国庆节"), for promises that name a holiday.
    pub notes: BTreeMap<NaiveDate, String>,
    /// The years whose exceptions are published (imported or built in);
    /// another year's days are provisional: weekends only.
    pub known_years: BTreeSet<i32>,
    /// Where the exceptions came from (a notice, a feed).
    pub source: String,
}

/// Mainland China 2026, from the State Council notice: (first, last) days.
const CN_2026_CLOSED: [(u32, u32, u32, u32, &str); 7] = [
    (1, 1, 1, 3, "元旦"),
    (2, 15, 2, 23, "春节"),
    (4, 4, 4, 6, "清明节"),
    (5, 1, 5, 5, "劳动节"),
    (6, 19, 6, 21, "端午节"),
    (9, 25, 9, 27, "中秋节"),
    (10, 1, 10, 7, "国庆节"),
];
/// Make-up working days of 2026 (weekend days worked).
const CN_2026_OPEN: [(u32, u32); 6] = [(1, 4), (2, 14), (2, 28), (5, 9), (9, 20), (10, 10)];

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid built-in date")
}

fn time(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).expect("a valid time")
}

impl Calendar {
    /// Open every hour of every day.
    pub fn always() -> Calendar {
        Calendar {
            name: ALWAYS.into(),
            hours: None,
            weekdays: [true; 7],
            days: BTreeMap::new(),
            notes: BTreeMap::new(),
            known_years: BTreeSet::new(),
            source: String::new(),
        }
    }

    /// Monday to Friday, 09:00–18:00 China time, with 2026's holidays and
    /// make-up working days.
    pub fn cn_workdays() -> Calendar {
        let (mut days, mut notes) = (BTreeMap::new(), BTreeMap::new());
        for (m1, d1, m2, d2, name) in CN_2026_CLOSED {
            let mut d = date(2026, m1, d1);
            while d <= date(2026, m2, d2) {
                days.insert(d, false);
                notes.insert(d, name.to_string());
                d = d.succ_opt().expect("within 2026");
            }
        }
        for (m, d) in CN_2026_OPEN {
            days.insert(date(2026, m, d), true);
            notes.insert(date(2026, m, d), "调休上班".to_string());
        }
        Calendar {
            name: CN_WORKDAYS.into(),
            hours: Some((time(9, 0), time(18, 0))),
            weekdays: [true, true, true, true, true, false, false],
            days,
            notes,
            known_years: [2026].into(),
            source: CN_SOURCE.into(),
        }
    }

    /// A built-in calendar by name.
    pub fn builtin(name: &str) -> Option<Calendar> {
        match name {
            CN_WORKDAYS => Some(Calendar::cn_workdays()),
            ALWAYS => Some(Calendar::always()),
            _ => None,
        }
    }

    pub fn is_always_open(&self) -> bool {
        self.hours.is_none() && self.weekdays == [true; 7] && self.days.values().all(|open| *open)
    }

    /// One working day's worth of working time (09:00–18:00: nine hours;
    /// around the clock: 24): what "the next working day" is, counted
    /// from now, on the supervisors' planning view.
    pub fn working_day(&self) -> Duration {
        match self.hours {
            Some((start, end)) if end > start => end - start,
            Some((start, end)) => end - start + Duration::days(1),
            None => Duration::days(1),
        }
    }

    /// Whether a China calendar day is a working day.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        match self.days.get(&day) {
            Some(open) => *open,
            None => self.weekdays[day.weekday().num_days_from_monday() as usize],
        }
    }

    /// Whether a day's status is provisional: its year's notice is not
    /// known yet. A December day counts as known only once the next year is
    /// too (the next notice may move it: the New Year holiday, a make-up
    /// day before it).
    pub fn is_provisional(&self, day: NaiveDate) -> bool {
        if self.hours.is_none() {
            return false;
        }
        let known = |y: i32| self.known_years.contains(&y);
        !known(day.year()) || (day.month() == 12 && !known(day.year() + 1))
    }

    /// A day's working span in UTC, if it is a working day.
    fn span(&self, day: NaiveDate) -> Option<(NaiveDateTime, NaiveDateTime)> {
        if !self.is_working_day(day) {
            return None;
        }
        let (start, end) = self.hours.unwrap_or((NaiveTime::MIN, NaiveTime::MIN));
        let from = china::from_china_time(day.and_time(start));
        let to = if end <= start {
            china::from_china_time(day.and_time(end)) + Duration::days(1)
        } else {
            china::from_china_time(day.and_time(end))
        };
        Some((from, to))
    }

    /// The working spans from the China day of `from` on, in order: at most
    /// ten years of them (a calendar closed for ever ends the search).
    fn spans_from(&self, from: NaiveDateTime) -> impl Iterator<Item = (NaiveDateTime, NaiveDateTime)> + '_ {
        let first = china::day(from) - Duration::days(1);
        (0..3660).filter_map(move |n| self.span(first + Duration::days(n)))
    }

    /// The time `work` of working time after `start`: a due time. Counting
    /// starts at the next opening when `start` is in closed time; the
    /// result is never inside closed time (it may be the instant a working
    /// day ends).
    pub fn add(&self, start: NaiveDateTime, work: Duration) -> NaiveDateTime {
        if self.is_always_open() {
            return start + work;
        }
        let mut left = work.max(Duration::zero());
        let mut last = start;
        for (open, close) in self.spans_from(start) {
            if close <= start {
                continue;
            }
            let from = open.max(start);
            if left <= close - from {
                return from + left;
            }
            left -= close - from;
            last = close;
        }
        last + left
    }

    /// The working time between two instants (zero when `to` is earlier).
    pub fn between(&self, from: NaiveDateTime, to: NaiveDateTime) -> Duration {
        if to <= from {
            return Duration::zero();
        }
        if self.is_always_open() {
            return to - from;
        }
        let mut total = Duration::zero();
        for (open, close) in self.spans_from(from) {
            if open >= to {
                break;
            }
            let (a, b) = (open.max(from), close.min(to));
            if b > a {
                total += b - a;
            }
        }
        total
    }

    /// The next instant at or after `t` that is working time.
    pub fn next_opening(&self, t: NaiveDateTime) -> NaiveDateTime {
        self.add(t, Duration::zero())
    }

    /// Whether `t` is working time (the instant a day closes counts).
    pub fn is_open_at(&self, t: NaiveDateTime) -> bool {
        self.is_always_open() || self.spans_from(t).take(3).any(|(open, close)| open <= t && t <= close)
    }

    /// The closed days between two instants (China days), in order: what a
    /// promise names ("after the National Day holiday") when one is in the
    /// way. Weekends are not listed, only dated closures.
    pub fn closures_between(&self, from: NaiveDateTime, to: NaiveDateTime) -> Vec<NaiveDate> {
        let (first, last) = (china::day(from), china::day(to));
        if first > last {
            return Vec::new();
        }
        self.days.range(first..=last).filter(|(_, open)| !**open).map(|(d, _)| *d).collect()
    }
}

/// Which calendar each queue works by, as the rules file (or
/// `--calendar`) says; an admin's choice per queue, stored, comes first
/// (`db::calendars::for_queue`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueCalendars {
    pub default: String,
    pub queues: BTreeMap<super::codes::Queue, String>,
}

impl QueueCalendars {
    pub fn name_for(&self, queue: super::codes::Queue) -> &str {
        self.queues.get(&queue).unwrap_or(&self.default)
    }
}

/// The SLA clock around a pause: a ticket that waited on the customer from
/// `paused_at` to `now` keeps the working time it had left. (With a 24×7
/// calendar: the wall time waited is added back.)
pub fn resume(
    cal: &Calendar,
    due_at: NaiveDateTime,
    paused_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> NaiveDateTime {
    match paused_at {
        Some(since) if now > since && due_at > since => cal.add(now, cal.between(since, due_at)),
        // Already late when the pause began: late by the same wall time.
        Some(since) if now > since => due_at + (now - since),
        _ => due_at,
    }
}

const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// The text forms calendars are stored and edited in: hours
/// `09:00-18:00` (China time; '' for the whole day), weekdays
/// `mon,tue,wed,thu,fri`, years `2026,2027`.
impl Calendar {
    pub fn hours_text(&self) -> String {
        self.hours.map(|(a, b)| format!("{}-{}", a.format("%H:%M"), b.format("%H:%M"))).unwrap_or_default()
    }

    pub fn weekdays_text(&self) -> String {
        WEEKDAYS.iter().zip(self.weekdays).filter(|(_, on)| *on).map(|(d, _)| *d).collect::<Vec<_>>().join(",")
    }

    pub fn years_text(&self) -> String {
        self.known_years.iter().map(i32::to_string).collect::<Vec<_>>().join(",")
    }
}

/// A calendar's text form that does not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadForm;

/// `09:00-18:00` → the span; '' → `None` (the whole day); anything else,
/// or an empty span, is refused.
pub fn parse_hours(text: &str) -> Result<Option<(NaiveTime, NaiveTime)>, BadForm> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let (a, b) = text.split_once('-').ok_or(BadForm)?;
    let t = |s: &str| NaiveTime::parse_from_str(s.trim(), "%H:%M").map_err(|_| BadForm);
    let (a, b) = (t(a)?, t(b)?);
    if a == b {
        return Err(BadForm);
    }
    Ok(Some((a, b)))
}

/// `mon,tue,wed` → the weekdays; an unknown name is refused.
pub fn parse_weekdays(text: &str) -> Result<[bool; 7], BadForm> {
    let mut days = [false; 7];
    for name in text.split(',').map(|d| d.trim().to_ascii_lowercase()).filter(|d| !d.is_empty()) {
        let i = WEEKDAYS.iter().position(|d| *d == name).ok_or(BadForm)?;
        days[i] = true;
    }
    Ok(days)
}

pub fn parse_years(text: &str) -> BTreeSet<i32> {
    text.split(',').filter_map(|y| y.trim().parse().ok()).collect()
}

/// A calendar's name: ASCII letters, digits and dashes, 1 to 40 (it is part
/// of a page's address).
pub fn valid_name(name: &str) -> bool {
    (1..=40).contains(&name.len()) && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// Which weekday a day is, Monday 0.
pub fn weekday_index(w: Weekday) -> usize {
    w.num_days_from_monday() as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// China time → UTC.
    fn cn(s: &str) -> NaiveDateTime {
        china::from_china_time(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap())
    }

    #[test]
    fn a_ticket_filed_on_a_holidays_eve_is_due_after_the_holiday() {
        let cal = Calendar::cn_workdays();
        // Wednesday 30 September, 17:00: one working hour left that day,
        // then the National Day holiday (1–7 October); Thursday 8 October
        // brings the other eight.
        let due = cal.add(cn("2026-09-30 17:00"), Duration::hours(9));
        assert_eq!(due, cn("2026-10-08 17:00"));
        assert_eq!(cal.closures_between(cn("2026-09-30 17:00"), due).len(), 7);
        // Already past: nothing in the way (and no panic).
        assert!(cal.closures_between(due, cn("2026-09-30 17:00")).is_empty());
    }

    #[test]
    fn a_make_up_saturday_counts() {
        let cal = Calendar::cn_workdays();
        // Friday 13 February 17:00 + 2 working hours: Saturday 14 February
        // is a make-up working day, then the Spring Festival begins.
        assert!(cal.is_working_day(date(2026, 2, 14)));
        assert_eq!(cal.add(cn("2026-02-13 17:00"), Duration::hours(2)), cn("2026-02-14 10:00"));
        assert_eq!(cal.add(cn("2026-02-14 17:00"), Duration::hours(2)), cn("2026-02-24 10:00"));
    }

    #[test]
    fn filed_in_closed_time_the_clock_starts_at_the_next_opening() {
        let cal = Calendar::cn_workdays();
        assert_eq!(cal.add(cn("2026-12-04 20:00"), Duration::hours(1)), cn("2026-12-07 10:00"), "Friday night");
        assert_eq!(cal.next_opening(cn("2026-12-05 12:00")), cn("2026-12-07 09:00"));
        assert!(!cal.is_open_at(cn("2026-12-05 12:00")) && cal.is_open_at(cn("2026-12-07 09:00")));
    }

    #[test]
    fn a_year_without_a_notice_is_provisional_and_december_waits_for_the_next() {
        let cal = Calendar::cn_workdays();
        assert!(!cal.is_provisional(date(2026, 10, 1)));
        assert!(cal.is_provisional(date(2026, 12, 31)), "the 2027 notice may move it");
        assert!(cal.is_provisional(date(2027, 1, 1)));
        // Provisional years are weekends only.
        assert!(cal.is_working_day(date(2027, 1, 1)), "a Friday, until a notice says otherwise");
        assert!(!Calendar::always().is_provisional(date(2030, 1, 1)));
    }

    #[test]
    fn a_pause_keeps_the_working_time_left() {
        let cal = Calendar::cn_workdays();
        // Due Monday 12:00; paused Friday 17:00 (one hour to Friday's close
        // plus three Monday hours left), resumed Monday 09:00.
        let due = cn("2026-12-07 12:00");
        let resumed = resume(&cal, due, Some(cn("2026-12-04 17:00")), cn("2026-12-07 09:00"));
        assert_eq!(resumed, cn("2026-12-07 13:00"));
        // Paused over the weekend only (no working time passed): the same.
        let due = cn("2026-12-08 12:00");
        assert_eq!(resume(&cal, due, Some(cn("2026-12-05 10:00")), cn("2026-12-06 20:00")), due);
        // 24×7: the time waited is added back.
        let always = Calendar::always();
        assert_eq!(resume(&always, due, Some(due - Duration::hours(5)), due), due + Duration::hours(5));
    }

    #[test]
    fn the_text_forms_round_trip() {
        let cal = Calendar::cn_workdays();
        assert_eq!(cal.hours_text(), "09:00-18:00");
        assert_eq!(parse_hours(&cal.hours_text()), Ok(cal.hours));
        assert_eq!(parse_weekdays(&cal.weekdays_text()), Ok(cal.weekdays));
        assert_eq!(parse_years(&cal.years_text()), cal.known_years);
        assert_eq!(parse_hours(""), Ok(None));
        assert!(parse_hours("9-5").is_err() && parse_hours("09:00-09:00").is_err());
        assert!(parse_weekdays("mon,funday").is_err());
    }

    fn any_start() -> impl Strategy<Value = NaiveDateTime> {
        // Any minute of 2025–2027 (provisional years included).
        (0i64..3 * 365 * 24 * 60).prop_map(|m| cn("2025-01-01 00:00") + Duration::minutes(m))
    }

    fn any_work() -> impl Strategy<Value = Duration> {
        (0i64..200 * 60).prop_map(Duration::minutes)
    }

    proptest! {
        #[test]
        fn monotone_in_the_start_and_the_target(a in any_start(), b in any_start(), x in any_work(), y in any_work()) {
            let cal = Calendar::cn_workdays();
            let (a, b) = (a.min(b), a.max(b));
            let (x, y) = (x.min(y), x.max(y));
            prop_assert!(cal.add(a, x) <= cal.add(b, x));
            prop_assert!(cal.add(a, x) <= cal.add(a, y));
        }

        #[test]
        fn never_ends_in_closed_time_and_counts_exactly(t in any_start(), x in any_work()) {
            let cal = Calendar::cn_workdays();
            let due = cal.add(t, x);
            prop_assert!(cal.is_open_at(due), "{t} + {x} = {due}");
            prop_assert_eq!(cal.between(t, due), x);
            prop_assert_eq!(cal.add(t, x), cal.add(cal.next_opening(t), x));
        }

        #[test]
        fn pauses_compose(t in any_start(), x in any_work(), y in any_work()) {
            let cal = Calendar::cn_workdays();
            prop_assert_eq!(cal.add(cal.add(t, x), y), cal.add(t, x + y));
        }

        #[test]
        fn always_open_is_wall_time(t in any_start(), x in any_work()) {
            prop_assert_eq!(Calendar::always().add(t, x), t + x);
        }
    }
}
