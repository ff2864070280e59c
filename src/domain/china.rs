//! China time (UTC+8, no daylight saving): what customers and staff read,
//! and where a day begins for the dashboard. Storage holds UTC.

use chrono::{Duration, NaiveDate, NaiveDateTime};

pub const OFFSET: Duration = Duration::hours(8);

pub fn to_china_time(utc: NaiveDateTime) -> NaiveDateTime {
    utc + OFFSET
}

pub fn from_china_time(local: NaiveDateTime) -> NaiveDateTime {
    local - OFFSET
}

/// The China calendar day a UTC time falls on.
pub fn day(utc: NaiveDateTime) -> NaiveDate {
    to_china_time(utc).date()
}

/// When a China calendar day begins, in UTC.
pub fn start_of(day: NaiveDate) -> NaiveDateTime {
    from_china_time(day.and_hms_opt(0, 0, 0).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_begins_at_midnight_in_china() {
        let utc = NaiveDateTime::parse_from_str("2026-11-30 16:00", "%Y-%m-%d %H:%M").unwrap();
        assert_eq!(day(utc).to_string(), "2026-12-01");
        assert_eq!(day(utc - Duration::seconds(1)).to_string(), "2026-11-30");
        assert_eq!(start_of(day(utc)), utc);
    }
}
