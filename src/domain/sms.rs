//! The rules of reaching a customer by SMS in mainland China: what a mobile
//! number is, how it is shown to staff, which messages wait for the
//! morning, how many may go to one number, and what a reply that means
//! "stop" looks like. Pure: the worker (`jobs::sms`) and the pages apply it.

use chrono::{Duration, NaiveDateTime, NaiveTime, Timelike};

use super::china::{from_china_time, to_china_time};
use super::codes::{CaseKind, MailKind};

/// A mainland mobile number, normalised to its 11 digits (`13800138000`)
/// from what people type: `+86 138 0013 8000`, `0086-138…`, `86138…`,
/// with spaces, dashes, dots or brackets, full-width digits included.
/// `None`: not a mainland mobile number.
pub fn normalize_phone(input: &str) -> Option<String> {
    let mut digits = String::new();
    let mut plus = false;
    for c in input.trim().chars() {
        match c {
            '0'..='9' => digits.push(c),
            // Full-width digits, as a Chinese keyboard may type them.
            '０'..='９' => digits.push(char::from(b'0' + (c as u32 - '０' as u32) as u8)),
            '+' | '＋' if digits.is_empty() && !plus => plus = true,
            ' ' | '-' | '.' | '(' | ')' | '（' | '）' | '\u{3000}' => {}
            _ => return None,
        }
    }
    let national = if plus {
        digits.strip_prefix("86")?
    } else if let Some(rest) = digits.strip_prefix("0086") {
        rest
    } else if digits.len() == 13 {
        digits.strip_prefix("86")?
    } else {
        &digits
    };
    let b = national.as_bytes();
    (b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1])).then(|| national.to_string())
}

/// A number as staff see it until they reveal it: `138****8000`.
pub fn mask_phone(phone: &str) -> String {
    if phone.len() == 11 && phone.is_ascii() {
        format!("{}****{}", &phone[..3], &phone[7..])
    } else if phone.is_empty() {
        String::new()
    } else {
        "****".into()
    }
}

/// Hours of the China day when non-urgent SMS wait (`21-8`: from 21:00 to
/// 08:00), or none (`off`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub from: u32,
    pub until: u32,
}

impl QuietHours {
    /// `21-8`, `22-7`, `off` (`Ok(None)`).
    pub fn parse(s: &str) -> Result<Option<QuietHours>, String> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("off") {
            return Ok(None);
        }
        let bad = || format!("quiet hours must look like 21-8 (China time) or off, not {s:?}");
        let (a, b) = s.split_once('-').ok_or_else(bad)?;
        let (from, until): (u32, u32) = (a.trim().parse().map_err(|_| bad())?, b.trim().parse().map_err(|_| bad())?);
        if from > 23 || until > 23 || from == until {
            return Err(bad());
        }
        Ok(Some(QuietHours { from, until }))
    }

    /// Whether `utc` falls in the quiet hours (China time).
    pub fn contains(&self, utc: NaiveDateTime) -> bool {
        let hour = to_china_time(utc).hour();
        if self.from < self.until {
            (self.from..self.until).contains(&hour)
        } else {
            hour >= self.from || hour < self.until
        }
    }

    /// When a message held at `utc` may go: the next `until` o'clock, China
    /// time (UTC returned). `None` outside the quiet hours.
    pub fn release(&self, utc: NaiveDateTime) -> Option<NaiveDateTime> {
        if !self.contains(utc) {
            return None;
        }
        let local = to_china_time(utc);
        let opening = NaiveTime::from_hms_opt(self.until, 0, 0)?;
        let today = local.date().and_time(opening);
        let at = if today > local { today } else { today + Duration::days(1) };
        Some(from_china_time(at))
    }
}

/// Whether a message goes even in quiet hours: a one-time code the
/// customer is waiting for, and news of money taken.
pub fn urgent(kind: MailKind, case: Option<CaseKind>) -> bool {
    kind == MailKind::FindCode || (kind == MailKind::PaymentFound && case == Some(CaseKind::DeductedNotCredited))
}

/// Whether a message still goes to a number that answered "stop": a code
/// the customer asked for, and an agent's answer or question about their
/// own open request. Confirmations, ratings, incident news and refund
/// progress stop.
pub fn essential(kind: MailKind) -> bool {
    matches!(kind, MailKind::FindCode | MailKind::Reply | MailKind::InfoRequest)
}

/// A reply that asks for no more SMS (`TD`, `退订`, as Chinese SMS
/// conventions have it), whatever its case or spacing.
pub fn is_stop(reply: &str) -> bool {
    let word: String = reply.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    matches!(word.as_str(), "TD" | "退订" | "T" | "UNSUBSCRIBE" | "STOP")
}

/// How many SMS may go to one number, and to everyone, so that nobody can
/// use paydesk to flood a stranger's phone.
pub const PER_NUMBER_HOUR: i64 = 5;
pub const PER_NUMBER_DAY: i64 = 10;
/// One-time codes: at most one a minute to a number.
pub const CODE_EVERY: Duration = Duration::minutes(1);
/// Codes asked for from one address in an hour.
pub const CODES_PER_ADDRESS_HOUR: i64 = 10;

/// What was sent lately, as the worker counts it before each message.
#[derive(Debug, Clone, Default)]
pub struct Sent {
    /// Times SMS went to this number in the last day, oldest first.
    pub to_number: Vec<NaiveDateTime>,
    /// Whether the number wrote to us in the last day (a conversation, not
    /// a stranger's phone).
    pub replied: bool,
    /// Times SMS went to anyone in the last hour, oldest first.
    pub to_anyone: Vec<NaiveDateTime>,
}

/// When the next SMS may go: `None` now, or the time a cap frees a place.
/// `ceiling`: the global hourly limit.
pub fn wait_for_cap(sent: &Sent, ceiling: i64, now: NaiveDateTime) -> Option<NaiveDateTime> {
    let hour = now - Duration::hours(1);
    let day = now - Duration::days(1);
    let free_at = |times: &[NaiveDateTime], since: NaiveDateTime, max: i64, window: Duration| {
        let recent: Vec<_> = times.iter().filter(|t| **t > since).collect();
        // The place frees when the oldest message that fills the cap leaves the window.
        (recent.len() as i64 >= max).then(|| *recent[recent.len() - max as usize] + window)
    };
    let mut waits = vec![free_at(&sent.to_anyone, hour, ceiling, Duration::hours(1))];
    if !sent.replied {
        waits.push(free_at(&sent.to_number, hour, PER_NUMBER_HOUR, Duration::hours(1)));
        waits.push(free_at(&sent.to_number, day, PER_NUMBER_DAY, Duration::days(1)));
    }
    waits.into_iter().flatten().max()
}

/// A one-time code: six digits.
pub fn new_code() -> String {
    use rand::Rng;
    format!("{:06}", rand::rng().random_range(0..1_000_000))
}

/// How long a one-time code opens the link, and how many tries it allows.
pub const CODE_LIFETIME: Duration = Duration::minutes(5);
pub const CODE_TRIES: i32 = 5;

/// The extension code sent with a ticket's SMS (Alibaba's
/// `SmsUpExtendCode`, echoed as `dest_code` on a reply): four digits, enough
/// to tell one number's open tickets apart; a reply whose code matches none
/// falls back to the number's most recent open ticket.
pub fn new_extend_code() -> String {
    use rand::Rng;
    format!("{:04}", rand::rng().random_range(0..10_000))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn numbers_are_read_as_people_type_them() {
        for typed in [
            "13800138000",
            "+86 138 0013 8000",
            "0086-138-0013-8000",
            "86 13800138000",
            "138-0013-8000",
            "(+86) 138.0013.8000",
            "１３８００１３８０００",
        ] {
            assert_eq!(normalize_phone(typed).as_deref(), Some("13800138000"), "{typed}");
        }
        for wrong in ["", "12800138000", "1380013800", "138001380001", "+1 415 555 0100", "138001380OO", "010-12345678"]
        {
            assert_eq!(normalize_phone(wrong), None, "{wrong}");
        }
    }

    #[test]
    fn staff_see_the_first_three_and_last_four_digits() {
        assert_eq!(mask_phone("13800138000"), "138****8000");
        assert_eq!(mask_phone(""), "");
    }

    #[test]
    fn quiet_hours_cross_midnight_china_time() {
        let q = QuietHours::parse("21-8").unwrap().unwrap();
        // 13:30 UTC is 21:30 in China: held until 08:00 China (00:00 UTC).
        assert!(q.contains(at("2026-12-07 13:30")));
        assert_eq!(q.release(at("2026-12-07 13:30")), Some(at("2026-12-08 00:00")));
        // 23:00 UTC is 07:00 next day in China: until 08:00 that day.
        assert_eq!(q.release(at("2026-12-07 23:00")), Some(at("2026-12-08 00:00")));
        // 02:00 UTC is 10:00 in China: not quiet.
        assert_eq!(q.release(at("2026-12-07 02:00")), None);
        assert_eq!(QuietHours::parse("off").unwrap(), None);
        assert!(QuietHours::parse("8-8").is_err());
        assert!(QuietHours::parse("evening").is_err());
        let day = QuietHours::parse("12-14").unwrap().unwrap();
        assert!(day.contains(at("2026-12-07 05:00")) && !day.contains(at("2026-12-07 06:00")));
    }

    #[test]
    fn codes_and_money_taken_are_urgent_and_answers_essential() {
        assert!(urgent(MailKind::FindCode, None));
        assert!(urgent(MailKind::PaymentFound, Some(CaseKind::DeductedNotCredited)));
        assert!(!urgent(MailKind::Received, Some(CaseKind::DeductedNotCredited)));
        assert!(essential(MailKind::Reply) && !essential(MailKind::Resolved));
    }

    #[test]
    fn a_message_goes_where_the_customer_chose_and_gave() {
        use crate::domain::codes::ContactChannel;
        assert_eq!(ContactChannel::Both.reach("a@b.cn", "13800138000"), (Some("a@b.cn"), Some("13800138000")));
        assert_eq!(ContactChannel::Sms.reach("a@b.cn", "13800138000"), (None, Some("13800138000")));
        // Anonymised: nowhere.
        assert_eq!(ContactChannel::Both.reach("", ""), (None, None));
    }

    #[test]
    fn stop_words_are_recognised() {
        assert!(is_stop(" td ") && is_stop("退订") && is_stop("T D"));
        assert!(!is_stop("还没到账") && !is_stop("TD 还没到账"));
    }

    #[test]
    fn a_stranger_number_gets_five_an_hour_and_ten_a_day() {
        let now = at("2026-12-07 10:00");
        let mut sent = Sent::default();
        for m in [50, 40, 30, 20] {
            sent.to_number.push(now - Duration::minutes(m));
        }
        assert_eq!(wait_for_cap(&sent, 1000, now), None);
        sent.to_number.push(now - Duration::minutes(10));
        // Five in the hour: the oldest (50 minutes ago) frees a place in 10 minutes.
        assert_eq!(wait_for_cap(&sent, 1000, now), Some(now + Duration::minutes(10)));
        // A number that wrote to us is in a conversation.
        sent.replied = true;
        assert_eq!(wait_for_cap(&sent, 1000, now), None);
        // Ten in a day, spread out.
        let spread: Vec<_> = (1..=10).map(|h| now - Duration::hours(2 * h)).rev().collect();
        let day = Sent { to_number: spread, ..Sent::default() };
        assert_eq!(wait_for_cap(&day, 1000, now), Some(now - Duration::hours(20) + Duration::days(1)));
        // The global ceiling holds for everyone.
        let busy = Sent { to_anyone: vec![now - Duration::minutes(5); 3], replied: true, ..Sent::default() };
        assert_eq!(wait_for_cap(&busy, 3, now), Some(now + Duration::minutes(55)));
    }
}
