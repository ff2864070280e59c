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

/// What stands in for an email address in a stored error or a log line.
pub const ADDRESS_REDACTED: &str = "[address]";

/// `text` with every email address in it replaced by [`ADDRESS_REDACTED`].
/// SMTP servers name the recipient they refuse (`550 5.1.1 <li@example.com>:
/// Recipient address rejected`); such an error is kept (the outbox's
/// `last_error`) and logged, and an address never needs to be in either.
/// An address here is any run of characters around an `@` up to whitespace
/// or the punctuation that brackets addresses in SMTP replies.
pub fn redact_addresses(text: &str) -> String {
    fn part_of_address(c: char) -> bool {
        !(c.is_whitespace() || c.is_control() || "<>()[]{},;:\"'`|".contains(c))
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '@' {
            // The local part already copied to `out` is taken back.
            let mut start = i;
            while start > 0 && part_of_address(chars[start - 1]) && chars[start - 1] != '@' {
                start -= 1;
            }
            let mut end = i + 1;
            while end < chars.len() && part_of_address(chars[end]) && chars[end] != '@' {
                end += 1;
            }
            if start < i || end > i + 1 {
                let local: usize = chars[start..i].iter().map(|c| c.len_utf8()).sum();
                out.truncate(out.len() - local);
                out.push_str(ADDRESS_REDACTED);
                i = end;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_redacted_wherever_a_server_put_them() {
        let smtp = "permanent error (550): 5.1.1 <li.wei@example.com>: Recipient address rejected";
        assert_eq!(redact_addresses(smtp), "permanent error (550): 5.1.1 <[address]>: Recipient address rejected");
        assert_eq!(redact_addresses("to 李伟+x@例子.中国, then"), "to [address], then");
        assert_eq!(redact_addresses("a@b c@d"), "[address] [address]");
        assert_eq!(redact_addresses("no address @ all"), "no address @ all");
        assert_eq!(redact_addresses("connection refused"), "connection refused");
    }

    #[test]
    fn cutoffs_count_back_from_now_and_zero_keeps_forever() {
        let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap().and_hms_opt(12, 0, 0).unwrap();
        let policy = Policy { screenshot_days: 90, email_days: 0 };
        assert_eq!(policy.screenshot_cutoff(now), Some(now - Duration::days(90)));
        assert_eq!(policy.email_cutoff(now), None);
    }
}
