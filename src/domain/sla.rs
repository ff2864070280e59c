//! When an answer is due. The queue sorts by it; breaches are flagged.

use chrono::{Duration, NaiveDateTime};

use super::calendar::Calendar;

/// The working time left before a due time, counted in the ticket's
/// calendar from `now`; when late, how late, in wall time, as a negative
/// span (so the latest comes first when sorting by it). With a paused
/// clock, the working time left when it stopped.
pub fn working_left(
    cal: &Calendar,
    due: NaiveDateTime,
    paused_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Duration {
    let from = paused_at.map_or(now, |since| since.min(now));
    if due < from {
        due - from
    } else {
        cal.between(from, due)
    }
}

/// Every due time whose working time left from `now` (a running clock) is
/// exactly `left`: from the first such instant to the last (the same
/// instant, unless it falls where the calendar closes: then up to its next
/// opening). What lets a query sorted by due time start where a page
/// sorted by working time left ended.
pub fn due_times_with(cal: &Calendar, left: Duration, now: NaiveDateTime) -> (NaiveDateTime, NaiveDateTime) {
    if left < Duration::zero() {
        return (now + left, now + left);
    }
    let first = if left == Duration::zero() { now } else { cal.add(now, left) };
    (first, cal.next_opening(first))
}

/// The due time after a pause: the clock stopped while the ticket waited on
/// the customer, so the time waited is added back.
pub fn resume(due_at: NaiveDateTime, paused_at: Option<NaiveDateTime>, now: NaiveDateTime) -> NaiveDateTime {
    match paused_at {
        Some(since) if now > since => due_at + (now - since),
        _ => due_at,
    }
}

/// Where a ticket stands against its due time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaState {
    Ok,
    /// Due within the next two hours.
    DueSoon,
    Breached,
}

impl SlaState {
    pub const ALL: &'static [SlaState] = &[SlaState::Ok, SlaState::DueSoon, SlaState::Breached];
    pub const SOON: Duration = Duration::hours(2);

    pub fn of(due_at: NaiveDateTime, now: NaiveDateTime) -> SlaState {
        if due_at < now {
            SlaState::Breached
        } else if due_at < now + Self::SOON {
            SlaState::DueSoon
        } else {
            SlaState::Ok
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SlaState::Ok => "ok",
            SlaState::DueSoon => "due_soon",
            SlaState::Breached => "breached",
        }
    }

    pub fn parse(s: &str) -> Option<SlaState> {
        match s {
            "ok" => Some(SlaState::Ok),
            "due_soon" => Some(SlaState::DueSoon),
            "breached" => Some(SlaState::Breached),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_by_due_time() {
        let now = NaiveDateTime::parse_from_str("2026-11-21 12:00:00", "%Y-%m-%d %H:%M:%S").unwrap();
        assert_eq!(SlaState::of(now - Duration::minutes(1), now), SlaState::Breached);
        assert_eq!(SlaState::of(now + Duration::minutes(90), now), SlaState::DueSoon);
        assert_eq!(SlaState::of(now + Duration::hours(3), now), SlaState::Ok);
    }

    #[test]
    fn working_time_left_counts_only_open_hours_and_late_is_negative() {
        let cn =
            |s: &str| super::super::china::from_china_time(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap());
        let cal = Calendar::cn_workdays();
        // Friday 17:00 to Monday 10:00: one hour on Friday, one on Monday.
        let (friday, monday) = (cn("2026-12-04 17:00"), cn("2026-12-07 10:00"));
        assert_eq!(working_left(&cal, monday, None, friday), Duration::hours(2));
        assert_eq!(working_left(&Calendar::always(), monday, None, friday), Duration::hours(65));
        assert_eq!(working_left(&cal, friday, None, monday), -Duration::hours(65), "late, by the wall time");
        // Paused on Friday at 17:00: what was left then, whenever it is read.
        assert_eq!(working_left(&cal, monday, Some(friday), cn("2026-12-09 12:00")), Duration::hours(2));
        // Every due time between Friday's close and Monday's opening has
        // the same working time left: one hour.
        assert_eq!(due_times_with(&cal, Duration::hours(1), friday), (cn("2026-12-04 18:00"), cn("2026-12-07 09:00")));
        assert_eq!(due_times_with(&cal, Duration::hours(2), friday), (monday, monday));
        assert_eq!(due_times_with(&cal, -Duration::hours(1), friday), (cn("2026-12-04 16:00"), cn("2026-12-04 16:00")));
        for due in [cn("2026-12-04 18:00"), cn("2026-12-05 12:00"), cn("2026-12-07 09:00")] {
            assert_eq!(working_left(&cal, due, None, friday), Duration::hours(1), "{due}");
        }
    }

    #[test]
    fn a_pause_moves_the_due_time_by_the_time_waited() {
        let t = |h: i64| {
            NaiveDateTime::parse_from_str("2026-11-21 00:00:00", "%Y-%m-%d %H:%M:%S").unwrap() + Duration::hours(h)
        };
        assert_eq!(resume(t(24), Some(t(2)), t(12)), t(34));
        assert_eq!(resume(t(24), None, t(12)), t(24));
    }
}
