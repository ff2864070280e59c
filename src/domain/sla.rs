//! When an answer is due. The queue sorts by it; breaches are flagged.

use chrono::{Duration, NaiveDateTime};

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
    fn a_pause_moves_the_due_time_by_the_time_waited() {
        let t = |h: i64| {
            NaiveDateTime::parse_from_str("2026-11-21 00:00:00", "%Y-%m-%d %H:%M:%S").unwrap() + Duration::hours(h)
        };
        assert_eq!(resume(t(24), Some(t(2)), t(12)), t(34));
        assert_eq!(resume(t(24), None, t(12)), t(24));
    }
}
