//! When to expect an answer, as a customer can trust it (issue 30): a
//! local date and time from the same calendar that sets the due time
//! ("by Thu 8 Oct, 17:00"), naming the holiday in the way ("after the
//! 国庆节 holiday"), in working hours when the queue keeps them.

use chrono::{Datelike, NaiveDateTime};

use crate::domain::calendar::Calendar;
use crate::domain::china;
use crate::i18n::Lang;

/// A due time as a customer reads it, China time: "Thu 8 Oct, 17:00",
/// "10月8日（周四）17:00".
pub fn when(lang: Lang, due: NaiveDateTime) -> String {
    let local = china::to_china_time(due);
    match lang {
        Lang::En => local.format("%a %-d %b, %H:%M").to_string(),
        Lang::ZhCn => {
            let weekday = ["一", "二", "三", "四", "五", "六", "日"][local.weekday().num_days_from_monday() as usize];
            format!("{}月{}日（周{weekday}）{}", local.month(), local.day(), local.format("%H:%M"))
        }
    }
}

/// The holidays between now and the due time, by name, once each.
pub fn holidays(cal: &Calendar, from: NaiveDateTime, due: NaiveDateTime) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for day in cal.closures_between(from, due) {
        let name = cal.notes.get(&day).cloned().unwrap_or_default();
        if !name.is_empty() && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// "by Thu 8 Oct, 17:00 (Beijing time), after the 国庆节 holiday".
pub fn by(lang: Lang, cal: &Calendar, from: NaiveDateTime, due: NaiveDateTime) -> String {
    let names: Vec<String> = holidays(cal, from, due).iter().map(|n| holiday_in(lang, n)).collect();
    let mut said = lang.t_with("promise-by", "when", when(lang, due));
    if !names.is_empty() {
        let and = if lang == Lang::ZhCn { "、" } else { " and " };
        said.push_str(&lang.t_with("promise-after-holiday", "holiday", names.join(and)));
    }
    // A day whose year's notice is not out yet (a December day waits for
    // the next year's, which may move it).
    if cal.is_provisional(china::day(due)) {
        said.push_str(&lang.t("promise-provisional"));
    }
    said
}

/// A holiday's name as the reader's language says it: the built-in ones
/// have English names; a feed's own names stay as written.
fn holiday_in(lang: Lang, name: &str) -> String {
    const ENGLISH: [(&str, &str); 7] = [
        ("元旦", "New Year"),
        ("春节", "Spring Festival"),
        ("清明节", "Qingming Festival"),
        ("劳动节", "Labour Day"),
        ("端午节", "Dragon Boat Festival"),
        ("中秋节", "Mid-Autumn Festival"),
        ("国庆节", "National Day"),
    ];
    match lang {
        Lang::En => ENGLISH.iter().find(|(zh, _)| *zh == name).map_or(name, |(_, en)| *en).to_string(),
        Lang::ZhCn => name.to_string(),
    }
}

/// A target as a span: "24 hours", or "24 working hours" on a calendar
/// that closes.
pub fn span(lang: Lang, cal: &Calendar, hours: i64) -> String {
    let words = super::words::span_words(lang, hours);
    if cal.is_always_open() {
        words
    } else {
        lang.t_with("promise-working", "span", words)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cn(s: &str) -> NaiveDateTime {
        china::from_china_time(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap())
    }

    #[test]
    fn a_promise_names_the_day_the_time_and_the_holiday() {
        let cal = Calendar::cn_workdays();
        let (from, due) = (cn("2026-09-30 17:00"), cn("2026-10-08 17:00"));
        let en = by(Lang::En, &cal, from, due);
        assert_eq!(en, "by Thu 8 Oct, 17:00 (Beijing time), after the National Day holiday");
        let zh = by(Lang::ZhCn, &cal, from, due);
        assert_eq!(zh, "北京时间 10月8日（周四）17:00 前，国庆节假期之后");
        assert!(by(Lang::En, &cal, cn("2026-12-07 10:00"), cn("2026-12-08 10:00")).starts_with("by Tue 8 Dec"));
        assert_eq!(span(Lang::En, &Calendar::always(), 24), "24 hours");
        assert_eq!(span(Lang::En, &cal, 24), "24 hours of working time");
    }
}
