//! How stored values are shown: to people (money, China time, ages, masked
//! addresses, the words for spans and rules) and to integrations (the ticket
//! document the API returns and webhooks send). Below `ops/`, `web/`, mail
//! and webhooks, so each says a thing the same way.

pub mod document;
pub mod guide;
pub mod payment;
pub mod promise;
pub mod words;

use chrono::NaiveDateTime;

/// UTC → China time (UTC+8), the time our customers live in.
pub fn china_time(utc: impl std::borrow::Borrow<NaiveDateTime>) -> String {
    crate::domain::china::to_china_time(*utc.borrow()).format("%Y-%m-%d %H:%M").to_string()
}

/// How long since `since`, in the page's language: `2 min`, `5 h`,
/// `280 d`; `2分钟`, `5小时`, `280天`. Whole units, rounded down; hours up
/// to two days, so "30 h" still reads as yesterday. (A bare `2m` read as
/// two months to Chinese agents.)
pub fn age(lang: crate::i18n::Lang, since: NaiveDateTime, now: NaiveDateTime) -> String {
    let minutes = (now - since).num_minutes().max(0);
    let (key, n) = match minutes {
        m if m < 60 => ("staff-age-minutes", m),
        m if m < 48 * 60 => ("staff-age-hours", m / 60),
        m => ("staff-age-days", m / (24 * 60)),
    };
    lang.t_with(key, "n", n)
}

/// The working time a ticket has left, for staff: "3 h 20 min of working
/// time left" (on a calendar that closes) or "3 h 20 min left" (24×7);
/// a paused clock says why; nothing when late (the "Overdue" badge says
/// it).
pub fn time_left(
    lang: crate::i18n::Lang,
    cal: &crate::domain::calendar::Calendar,
    due: NaiveDateTime,
    paused_at: Option<NaiveDateTime>,
    status: crate::domain::codes::Status,
    now: NaiveDateTime,
) -> String {
    use crate::domain::codes::Status;
    if paused_at.is_some() {
        return match status {
            Status::PendingCustomer => lang.t("staff-left-paused-customer"),
            Status::New | Status::Open => lang.t("staff-left-paused-provider"),
            _ => String::new(),
        };
    }
    let left = crate::domain::sla::working_left(cal, due, None, now);
    if left < chrono::Duration::zero() {
        return String::new();
    }
    let minutes = left.num_minutes();
    let span = lang.t_args("staff-left-span", &[("h", (minutes / 60).to_string()), ("m", (minutes % 60).to_string())]);
    let key = if cal.is_always_open() { "staff-left-always" } else { "staff-left-working" };
    lang.t_with(key, "time", span)
}

/// Cents → `¥128.50`.
pub fn yuan(cents: i64) -> String {
    format!("¥{}", amount(cents))
}

/// Cents → `128.50`: the API's amounts, and messages that put the ¥ sign
/// themselves.
pub fn amount(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// `li.wei@example.com` → `l*****@example.com`: enough for customers to
/// recognise their address on a page anyone with the link can open.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            let hidden = local.chars().count().saturating_sub(1).max(1);
            format!("{first}{}@{domain}", "*".repeat(hidden))
        }
        None => "***".to_string(),
    }
}

/// A time as the API and webhooks write it: RFC 3339, UTC, to the second.
pub fn rfc3339(t: NaiveDateTime) -> String {
    t.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A city as the reader's language writes it: cities are stored as one
/// value (`domain::cities::canonical`, the Chinese name when known); an
/// English page shows the English name; a city we do not know, as typed.
pub fn city(lang: crate::i18n::Lang, value: &str) -> String {
    match lang {
        crate::i18n::Lang::En => crate::domain::cities::english(value).unwrap_or(value).to_string(),
        crate::i18n::Lang::ZhCn => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let utc = NaiveDateTime::parse_from_str("2026-11-21 01:30:00", "%Y-%m-%d %H:%M:%S").unwrap();
        assert_eq!(china_time(utc), "2026-11-21 09:30");
        assert_eq!(yuan(128_050), "¥1280.50");
        assert_eq!(yuan(5), "¥0.05");
        assert_eq!(mask_email("li.wei@example.com"), "l*****@example.com");
        assert_eq!(mask_email("a@b.cn"), "a*@b.cn");
    }

    #[test]
    fn ages_read_as_words_in_each_language() {
        use crate::i18n::Lang;
        let now = NaiveDateTime::parse_from_str("2026-11-21 12:00:00", "%Y-%m-%d %H:%M:%S").unwrap();
        let ago = |minutes: i64| now - chrono::Duration::minutes(minutes);
        assert_eq!(age(Lang::En, ago(2), now), "2 min");
        assert_eq!(age(Lang::ZhCn, ago(2), now), "2分钟");
        assert_eq!(age(Lang::En, ago(5 * 60 + 59), now), "5 h");
        assert_eq!(age(Lang::ZhCn, ago(5 * 60), now), "5小时");
        assert_eq!(age(Lang::En, ago(47 * 60), now), "47 h");
        assert_eq!(age(Lang::En, ago(280 * 24 * 60), now), "280 d");
        assert_eq!(age(Lang::ZhCn, ago(280 * 24 * 60), now), "280天");
        // A clock a little behind never shows a negative age.
        assert_eq!(age(Lang::En, now + chrono::Duration::minutes(3), now), "0 min");
    }
}
