//! Satisfaction: which reasons a customer may give for their rating, by kind
//! of case, and whether a ticket's current resolution may still be rated.
//! Labels live under `rate-reason-<code>` in the translation files.

use super::codes::{CaseKind, Status};

/// The longest comment a rating takes, in characters.
pub const COMMENT_MAX: usize = 1000;

/// Reasons that fit every kind, offered last.
const ALWAYS: [&str; 1] = ["other"];

/// The reasons offered for a rating on a ticket of this kind, in order;
/// "other" is always last. A reason posted that is not in this list is
/// refused (so no free-typed code reaches the database).
pub fn reasons(kind: CaseKind) -> Vec<&'static str> {
    let own: &[&str] = match kind {
        // Money left the account: what matters is whether it came back.
        CaseKind::DeductedNotCredited => &["money_not_back", "too_slow"],
        // Cases the customer could fix alone with our steps.
        CaseKind::InsufficientFunds | CaseKind::TimeoutBusy | CaseKind::ClientConnectivity | CaseKind::LoginExpired => {
            &["steps_failed", "too_slow"]
        }
        // Only the platform can allow the scenario.
        CaseKind::OutOfScope => &["still_cannot_pay", "too_slow"],
        CaseKind::RiskControl => &["still_blocked", "too_slow"],
        CaseKind::ProductBug => &["still_broken", "too_slow"],
        CaseKind::Other => &["not_answered", "too_slow"],
    };
    own.iter().chain(ALWAYS.iter()).copied().collect()
}

/// Whether `reason` ('' for none) may be given for this kind.
pub fn reason_fits(kind: CaseKind, reason: &str) -> bool {
    reason.is_empty() || reasons(kind).contains(&reason)
}

/// Whether a ticket may be rated now, and which resolution the rating is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MayRate {
    /// Yes: the rating is for this resolution (1 for the first).
    Yes(i32),
    /// The ticket is not resolved (never, or reopened since): nothing to rate.
    NotResolved,
    /// This resolution has a rating already; the first one stands.
    AlreadyRated,
}

/// A ticket may be rated while it is resolved (or closed after being
/// resolved, but not merged away), once per resolution: `resolutions` is
/// how many times it was resolved, `rated` the latest resolution rated.
/// Reopened and resolved again, it may be rated again.
pub fn may_rate(status: Status, merged: bool, resolutions: i32, rated: Option<i32>) -> MayRate {
    let resolved = match status {
        Status::Resolved => true,
        Status::Closed => !merged,
        _ => false,
    };
    if !resolved || resolutions < 1 {
        return MayRate::NotResolved;
    }
    match rated {
        Some(r) if r >= resolutions => MayRate::AlreadyRated,
        _ => MayRate::Yes(resolutions),
    }
}

/// The share of good ratings, in whole percent; `None` with no ratings.
pub fn percent_good(good: i64, total: i64) -> Option<i64> {
    (total > 0).then(|| (good * 100 + total / 2) / total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_has_its_own_reasons_and_other_last() {
        assert!(reasons(CaseKind::DeductedNotCredited).contains(&"money_not_back"));
        assert!(reasons(CaseKind::TimeoutBusy).contains(&"steps_failed"));
        assert!(!reasons(CaseKind::TimeoutBusy).contains(&"money_not_back"));
        assert!(reasons(CaseKind::OutOfScope).contains(&"still_cannot_pay"));
        for k in CaseKind::ALL {
            assert_eq!(reasons(*k).last(), Some(&"other"), "{k:?}");
        }
        assert!(reason_fits(CaseKind::OutOfScope, ""));
        assert!(!reason_fits(CaseKind::OutOfScope, "money_not_back"));
        assert!(!reason_fits(CaseKind::Other, "<script>"));
    }

    #[test]
    fn once_per_resolution() {
        assert_eq!(may_rate(Status::Resolved, false, 1, None), MayRate::Yes(1));
        assert_eq!(may_rate(Status::Resolved, false, 1, Some(1)), MayRate::AlreadyRated);
        // Reopened and resolved again: a new resolution to rate.
        assert_eq!(may_rate(Status::Resolved, false, 2, Some(1)), MayRate::Yes(2));
        // Reopened: nothing to rate until it is resolved again.
        assert_eq!(may_rate(Status::Open, false, 1, Some(1)), MayRate::NotResolved);
        assert_eq!(may_rate(Status::New, false, 0, None), MayRate::NotResolved);
        assert_eq!(may_rate(Status::Closed, false, 1, None), MayRate::Yes(1));
        assert_eq!(may_rate(Status::Closed, true, 0, None), MayRate::NotResolved);
    }

    #[test]
    fn share_of_good_rounds_to_whole_percent() {
        assert_eq!(percent_good(0, 0), None);
        assert_eq!(percent_good(2, 3), Some(67));
        assert_eq!(percent_good(1, 1), Some(100));
    }
}
