//! What a customer is told after filing: which path their case takes (it
//! follows the kind of case routing found, not one text for all), when a
//! silent self-service request closes by itself, and which staff message
//! still waits for their answer.

use chrono::{Duration, NaiveDateTime};

use super::codes::{CaseKind, CheckTried, EventKind, Status};

/// Kinds a customer can fix alone (routing sends them to wait on the
/// customer); with no answer for the self-service timeout they are resolved
/// (`ops::sweeps`).
pub const SELF_SERVICE: [CaseKind; 4] =
    [CaseKind::InsufficientFunds, CaseKind::TimeoutBusy, CaseKind::ClientConnectivity, CaseKind::LoginExpired];

/// The path a case takes from here, as the customer pages explain it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    /// The customer can fix it alone; the request waits on them.
    SelfService,
    /// Money taken, bill not credited: we reconcile with the provider.
    Provider,
    /// Only the platform can enable the payment scenario.
    Platform,
    /// A fault in our product: engineering.
    Engineering,
    /// A staff member waits for the customer's answer.
    WaitingForYou,
    /// A person reviews it (risk blocks, other cases, a self-service kind
    /// the customer wrote back about).
    Review,
    /// Resolved or closed.
    Done,
}

impl Path {
    /// The path of a ticket: as `of`, except that a customer who already
    /// tried every step of a self-service kind is waited on for something
    /// else, not for the steps (issue 29, 3).
    pub fn of_ticket(kind: CaseKind, status: Status, tried: &[CheckTried]) -> Path {
        match Path::of(kind, status) {
            Path::SelfService if kind.steps_left(tried).is_empty() => Path::WaitingForYou,
            path => path,
        }
    }

    pub fn of(kind: CaseKind, status: Status) -> Path {
        match (kind, status) {
            (_, Status::Resolved | Status::Closed) => Path::Done,
            // Only an out-of-scope case is the platform's to enable; another
            // kind an agent set to wait on an outside party keeps its words.
            (CaseKind::OutOfScope, _) => Path::Platform,
            (k, Status::PendingCustomer) if SELF_SERVICE.contains(&k) => Path::SelfService,
            (_, Status::PendingCustomer) => Path::WaitingForYou,
            (CaseKind::DeductedNotCredited, _) => Path::Provider,
            (CaseKind::ProductBug, _) => Path::Engineering,
            _ => Path::Review,
        }
    }

    /// The code of its texts (`next-<code>-…`).
    pub fn as_str(self) -> &'static str {
        match self {
            Path::SelfService => "self_service",
            Path::Provider => "provider",
            Path::Platform => "platform",
            Path::Engineering => "engineering",
            Path::WaitingForYou => "waiting",
            Path::Review => "review",
            Path::Done => "done",
        }
    }

    /// Whether a green "done" box fits the confirmation: not when only
    /// someone else can make the payment work.
    pub fn is_success(self) -> bool {
        self != Path::Platform
    }
}

/// When a request closes by itself if the customer stays silent: a
/// self-service kind waiting on the customer, `timeout` after the wait
/// began. The sweep resolves exactly these (it checks each under its lock
/// with this function).
pub fn closes_by_itself_at(
    kind: CaseKind,
    status: Status,
    tried: &[CheckTried],
    paused_at: Option<NaiveDateTime>,
    timeout: Duration,
) -> Option<NaiveDateTime> {
    // Only while there are steps left to try: a customer who tried them all
    // and is asked something else is not closed on for silence.
    if Path::of_ticket(kind, status, tried) != Path::SelfService {
        return None;
    }
    paused_at.map(|since| since + timeout)
}

/// A span as people say it: whole days from two days up, else hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Within {
    Hours(i64),
    Days(i64),
}

impl Within {
    pub fn of(hours: i64) -> Within {
        if hours >= 48 && hours % 24 == 0 {
            Within::Days(hours / 24)
        } else {
            Within::Hours(hours.max(1))
        }
    }
}

/// The staff message that still waits for the customer's answer: the last
/// question or request for facts (or a reply that left the request waiting
/// on them) with nothing from the customer after it. Only while the request
/// waits on the customer. `kinds` are the public timeline's, oldest first;
/// the answer is an index into them.
pub fn open_question(status: Status, kinds: &[EventKind]) -> Option<usize> {
    if status != Status::PendingCustomer {
        return None;
    }
    let mut open = None;
    for (i, kind) in kinds.iter().enumerate() {
        match kind {
            EventKind::InfoRequested | EventKind::PublicReply => open = Some(i),
            EventKind::CustomerMessage | EventKind::FactsAdded => open = None,
            _ => {}
        }
    }
    open
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_takes_its_own_path() {
        assert_eq!(Path::of(CaseKind::DeductedNotCredited, Status::New), Path::Provider);
        assert_eq!(Path::of(CaseKind::OutOfScope, Status::PendingPlatform), Path::Platform);
        assert_eq!(Path::of(CaseKind::OutOfScope, Status::Open), Path::Platform);
        assert_eq!(Path::of(CaseKind::DeductedNotCredited, Status::PendingPlatform), Path::Provider);
        assert_eq!(Path::of(CaseKind::TimeoutBusy, Status::PendingCustomer), Path::SelfService);
        // The customer wrote back: a person takes it up.
        assert_eq!(Path::of(CaseKind::TimeoutBusy, Status::Open), Path::Review);
        assert_eq!(Path::of(CaseKind::Other, Status::PendingCustomer), Path::WaitingForYou);
        assert_eq!(Path::of(CaseKind::ProductBug, Status::New), Path::Engineering);
        assert_eq!(Path::of(CaseKind::RiskControl, Status::New), Path::Review);
        assert_eq!(Path::of(CaseKind::DeductedNotCredited, Status::Resolved), Path::Done);
        assert!(!Path::Platform.is_success() && Path::Provider.is_success());
    }

    #[test]
    fn only_silent_self_service_requests_close_by_themselves() {
        let t = NaiveDateTime::parse_from_str("2026-12-01 08:00:00", "%Y-%m-%d %H:%M:%S").unwrap();
        let h72 = Duration::hours(72);
        assert_eq!(
            closes_by_itself_at(CaseKind::LoginExpired, Status::PendingCustomer, &[], Some(t), h72),
            Some(t + h72)
        );
        assert_eq!(closes_by_itself_at(CaseKind::LoginExpired, Status::Open, &[], Some(t), h72), None);
        assert_eq!(closes_by_itself_at(CaseKind::Other, Status::PendingCustomer, &[], Some(t), h72), None);
        assert_eq!(closes_by_itself_at(CaseKind::LoginExpired, Status::PendingCustomer, &[], None, h72), None);
        // Every step tried: asked something else, never closed for silence.
        let all = [CheckTried::ReloggedIn, CheckTried::UpdatedApp];
        assert_eq!(closes_by_itself_at(CaseKind::LoginExpired, Status::PendingCustomer, &all, Some(t), h72), None);
    }

    #[test]
    fn spans_read_as_people_say_them() {
        assert_eq!(Within::of(1), Within::Hours(1));
        assert_eq!(Within::of(24), Within::Hours(24));
        assert_eq!(Within::of(72), Within::Days(3));
        assert_eq!(Within::of(30), Within::Hours(30));
    }

    #[test]
    fn the_open_question_is_the_last_one_not_answered() {
        use EventKind::*;
        let waiting = Status::PendingCustomer;
        assert_eq!(open_question(waiting, &[Created, InfoRequested, StatusChanged]), Some(1));
        assert_eq!(open_question(waiting, &[Created, InfoRequested, CustomerMessage, PublicReply]), Some(3));
        assert_eq!(open_question(waiting, &[Created, PublicReply, FactsAdded]), None);
        assert_eq!(open_question(Status::Open, &[Created, InfoRequested]), None, "answered: reopened");
        assert_eq!(open_question(waiting, &[Created, StatusChanged]), None, "self-service: nothing asked");
    }
}
