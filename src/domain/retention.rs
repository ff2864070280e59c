//! How long personal data of a closed ticket is kept. Screenshots (which
//! can show names, balances, account numbers) go first; the contact email,
//! which lets a customer be told of a reopened case, later. The reference,
//! the masked facts and the timeline stay for the statistics and the audit.

use chrono::{Duration, NaiveDateTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Days after a closed ticket's last change; 0: kept forever.
    pub screenshot_days: i64,
    pub email_days: i64,
}

impl Policy {
    /// Closed tickets last changed before this lose their screenshots.
    pub fn screenshot_cutoff(&self, now: NaiveDateTime) -> Option<NaiveDateTime> {
        cutoff(self.screenshot_days, now)
    }

    /// Closed tickets last changed before this lose their contact email.
    pub fn email_cutoff(&self, now: NaiveDateTime) -> Option<NaiveDateTime> {
        cutoff(self.email_days, now)
    }
}

fn cutoff(days: i64, now: NaiveDateTime) -> Option<NaiveDateTime> {
    (days > 0).then(|| now - Duration::days(days))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cutoffs_count_back_from_now_and_zero_keeps_forever() {
        let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap().and_hms_opt(12, 0, 0).unwrap();
        let policy = Policy { screenshot_days: 90, email_days: 0 };
        assert_eq!(policy.screenshot_cutoff(now), Some(now - Duration::days(90)));
        assert_eq!(policy.email_cutoff(now), None);
    }
}
