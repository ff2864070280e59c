//! "Not solved? Ask for a supervisor": when a customer may ask, what the
//! ask does to the ticket's priority, and what ends the complaint. Written
//! once here; the tracking page, the operation and staff actions read it.

use chrono::{Duration, NaiveDateTime};
use serde::Deserialize;

use super::codes::{EventKind, Priority, Status};
use super::sla::SlaState;

/// The `[complaint]` table of the routing rules file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplaintRules {
    /// Hours within which a supervisor (or agent) answers a complaint.
    pub first_response_hours: i64,
}

impl Default for ComplaintRules {
    fn default() -> Self {
        ComplaintRules { first_response_hours: 4 }
    }
}

impl ComplaintRules {
    /// A promise we can keep and state: at least an hour, at most a week.
    pub fn check(&self) -> Result<(), String> {
        if !(1..=168).contains(&self.first_response_hours) {
            return Err("complaint.first_response_hours: between 1 and 168".into());
        }
        Ok(())
    }

    pub fn due_at(&self, now: NaiveDateTime) -> NaiveDateTime {
        now + Duration::hours(self.first_response_hours)
    }
}

/// Whether a ticket has waited past its promise: the queue's `sla=breached`
/// rule (its due time passed; a paused clock — waiting on the customer, or
/// on a refund at the provider — is never late), on a ticket still open to
/// us.
pub fn overdue(status: Status, due_at: NaiveDateTime, paused: bool, now: NaiveDateTime) -> bool {
    status.is_open() && !paused && SlaState::of(due_at, now) == SlaState::Breached
}

/// Why a customer may not ask for a supervisor now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// They already asked and nobody has answered yet.
    AlreadyOpen,
    /// Neither resolved nor past its promise: we are still on time.
    NotYet,
}

/// A customer may ask on a resolved ticket (they say it is not solved), or
/// on one that waited past its promise; once per open complaint. Not on a
/// closed (or merged) ticket: writing on it reopens it first (a merged one
/// passes the words on), and a complaint is then about the reopened one.
pub fn may_ask(
    status: Status,
    due_at: NaiveDateTime,
    paused: bool,
    complaint_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Result<(), Refusal> {
    if complaint_at.is_some() {
        return Err(Refusal::AlreadyOpen);
    }
    if status == Status::Resolved || overdue(status, due_at, paused, now) {
        Ok(())
    } else {
        Err(Refusal::NotYet)
    }
}

/// The longest reason kept (cleaned like any customer text).
pub const REASON_MAX: usize = 2000;

/// The short list a customer may pick from, besides their own words
/// (labels: `complaint-kind-<code>`).
pub const REASONS: [&str; 4] = ["not_solved", "too_slow", "wrong_answer", "other"];

/// A complaint goes to the top: the customer was already failed once, and
/// one step up would leave a low ticket behind fresh normal ones.
pub const PRIORITY: Priority = Priority::Urgent;

/// What ends an open complaint: staff answering the customer in public (a
/// reply or a request for facts) or resolving the ticket. Notes, assigning
/// or a priority change do not: the customer has heard nothing yet.
pub fn ended_by(kind: EventKind, status_after: Status) -> bool {
    matches!(kind, EventKind::PublicReply | EventKind::InfoRequested)
        || (kind == EventKind::StatusChanged && matches!(status_after, Status::Resolved | Status::Closed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: i64) -> NaiveDateTime {
        NaiveDateTime::parse_from_str("2026-11-21 12:00:00", "%Y-%m-%d %H:%M:%S").unwrap() + Duration::hours(h)
    }

    #[test]
    fn allowed_when_resolved_or_past_its_promise_once() {
        let now = t(0);
        assert_eq!(may_ask(Status::Resolved, t(5), false, None, now), Ok(()));
        assert_eq!(may_ask(Status::Open, t(-1), false, None, now), Ok(()));
        assert_eq!(may_ask(Status::New, t(-1), false, None, now), Ok(()));
        assert_eq!(may_ask(Status::Open, t(1), false, None, now), Err(Refusal::NotYet));
        // Waiting on the customer, or on a refund: the clock is paused, never late.
        assert_eq!(may_ask(Status::PendingCustomer, t(-1), true, None, now), Err(Refusal::NotYet));
        assert_eq!(may_ask(Status::Open, t(-1), true, None, now), Err(Refusal::NotYet));
        assert_eq!(may_ask(Status::Closed, t(-1), false, None, now), Err(Refusal::NotYet));
        assert_eq!(may_ask(Status::Resolved, t(5), false, Some(t(-2)), now), Err(Refusal::AlreadyOpen));
    }

    #[test]
    fn a_public_answer_or_resolution_ends_it_nothing_else() {
        assert!(ended_by(EventKind::PublicReply, Status::PendingCustomer));
        assert!(ended_by(EventKind::InfoRequested, Status::PendingCustomer));
        assert!(ended_by(EventKind::StatusChanged, Status::Resolved));
        assert!(!ended_by(EventKind::StatusChanged, Status::Open));
        assert!(!ended_by(EventKind::InternalNote, Status::Open));
        assert!(!ended_by(EventKind::PriorityChanged, Status::Open));
    }

    #[test]
    fn the_rules_file_value_is_checked() {
        assert!(ComplaintRules::default().check().is_ok());
        assert!(ComplaintRules { first_response_hours: 0 }.check().is_err());
        assert!(ComplaintRules { first_response_hours: 169 }.check().is_err());
        assert_eq!(ComplaintRules { first_response_hours: 4 }.due_at(t(0)), t(4));
    }
}
