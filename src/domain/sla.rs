//! When an answer is due. The queue sorts by it; breaches are flagged.

use chrono::{Duration, NaiveDateTime};

use super::codes::Priority;

/// Time to the first answer, by priority. (Routing makes these configurable.)
pub fn first_response_target(priority: Priority) -> Duration {
    match priority {
        Priority::Urgent => Duration::hours(1),
        Priority::High => Duration::hours(4),
        Priority::Normal => Duration::hours(24),
        Priority::Low => Duration::hours(72),
    }
}

/// Time to resolution, by priority: the due time once a first answer was given.
pub fn resolution_target(priority: Priority) -> Duration {
    match priority {
        Priority::Urgent => Duration::hours(8),
        Priority::High => Duration::hours(24),
        Priority::Normal => Duration::hours(72),
        Priority::Low => Duration::days(7),
    }
}

/// When the next answer is due: the first response until one was given,
/// then the resolution.
pub fn due_at(created_at: NaiveDateTime, priority: Priority, first_response_given: bool) -> NaiveDateTime {
    if first_response_given {
        created_at + resolution_target(priority)
    } else {
        created_at + first_response_target(priority)
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
        assert!(first_response_target(Priority::Urgent) < first_response_target(Priority::Normal));
    }
}
