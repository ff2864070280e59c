//! Spike detection, the merchant guide's failure-rate alert turned to help
//! requests: how many tickets of one kind, city or failing step came in the
//! last window, against what the same window usually brings.
//!
//! "Usually" is the larger of two baselines: the same time of day in each of
//! the past weeks, and the same time on the same day of the month in each of
//! the past months. Bills fall due at the month start, so a steady
//! month-start peak is in the second baseline and is no spike; a sudden
//! surge in one city is in neither.

use std::collections::HashMap;

use chrono::{Duration, Months, NaiveDateTime};
use serde::Deserialize;

use super::china::{from_china_time, to_china_time};

/// What counts as a spike; the `[spikes]` table of the routing rules file.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SpikeRules {
    /// The window counted, ending now.
    pub window_minutes: i64,
    /// Past weeks in the weekly baseline.
    pub weeks: u32,
    /// Past months in the monthly baseline.
    pub months: u32,
    /// A spike is at least this many times what the baseline expects…
    pub ratio: f64,
    /// …and at least this many tickets (a handful is never a spike).
    pub min_count: i64,
}

impl Default for SpikeRules {
    fn default() -> Self {
        SpikeRules { window_minutes: 60, weeks: 4, months: 3, ratio: 3.0, min_count: 10 }
    }
}

impl SpikeRules {
    pub fn check(&self) -> Result<(), String> {
        if self.window_minutes <= 0
            || self.min_count <= 0
            || self.ratio.is_nan()
            || self.ratio < 1.0
            || self.weeks + self.months == 0
        {
            return Err("spikes: window_minutes and min_count must be positive, ratio ≥ 1, \
                        and weeks or months at least 1"
                .into());
        }
        Ok(())
    }

    pub fn window(&self) -> Duration {
        Duration::minutes(self.window_minutes)
    }
}

/// What tickets are grouped by.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum Dimension {
    CaseKind,
    City,
    FailingStep,
}

impl Dimension {
    pub const ALL: [Dimension; 3] = [Dimension::CaseKind, Dimension::City, Dimension::FailingStep];

    /// Also the ticket column's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::CaseKind => "case_kind",
            Dimension::City => "city",
            Dimension::FailingStep => "failing_step",
        }
    }

    pub fn parse(s: &str) -> Option<Dimension> {
        Dimension::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

crate::text_column!(Dimension);

/// A time window, [start, end), in UTC.
pub type Window = (NaiveDateTime, NaiveDateTime);

/// Tickets in one window with one value of one dimension.
#[derive(Debug, Clone, PartialEq)]
pub struct Count {
    pub dimension: Dimension,
    pub value: String,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Spike {
    pub dimension: Dimension,
    pub value: String,
    pub count: i64,
    /// What the baseline expected in the window.
    pub expected: f64,
}

/// The windows each baseline counts, for the window ending at `now` (UTC):
/// (weekly, monthly). Months are counted on the China calendar, so "the
/// 1st, 9:00" stays the 1st at 9:00 there; a day a month lacks is skipped.
pub fn baseline_windows(now: NaiveDateTime, rules: &SpikeRules) -> (Vec<Window>, Vec<Window>) {
    let w = rules.window();
    let weekly = (1..=rules.weeks as i64).map(|k| now - Duration::weeks(k)).map(|end| (end - w, end)).collect();
    let local = to_china_time(now);
    let monthly = (1..=rules.months)
        .filter_map(|k| local.checked_sub_months(Months::new(k)))
        .filter(|d| chrono::Datelike::day(d) == chrono::Datelike::day(&local))
        .map(from_china_time)
        .map(|end| (end - w, end))
        .collect();
    (weekly, monthly)
}

/// Each value's mean count over the windows.
fn mean(windows: &[Vec<Count>]) -> HashMap<(Dimension, &str), f64> {
    let mut sums: HashMap<(Dimension, &str), f64> = HashMap::new();
    for c in windows.iter().flatten() {
        *sums.entry((c.dimension, c.value.as_str())).or_default() += c.count as f64;
    }
    let n = windows.len().max(1) as f64;
    sums.into_iter().map(|(k, v)| (k, v / n)).collect()
}

/// Spikes in `current`, given the counts of each baseline window (one list
/// per window; a value missing from a window counted zero there).
pub fn detect(current: &[Count], weekly: &[Vec<Count>], monthly: &[Vec<Count>], rules: &SpikeRules) -> Vec<Spike> {
    let (weekly, monthly) = (mean(weekly), mean(monthly));
    let mut spikes: Vec<Spike> = current
        .iter()
        .filter_map(|c| {
            let key = (c.dimension, c.value.as_str());
            let expected = weekly.get(&key).copied().unwrap_or(0.0).max(monthly.get(&key).copied().unwrap_or(0.0));
            let spike = c.count >= rules.min_count && c.count as f64 >= rules.ratio * expected.max(1.0);
            spike.then(|| Spike { dimension: c.dimension, value: c.value.clone(), count: c.count, expected })
        })
        .collect();
    spikes.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    spikes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn city(value: &str, count: i64) -> Count {
        Count { dimension: Dimension::City, value: value.into(), count }
    }

    #[test]
    fn a_surge_far_above_both_baselines_is_a_spike() {
        let rules = SpikeRules::default();
        let weekly = vec![vec![city("上海", 2)], vec![city("上海", 4)], vec![], vec![city("上海", 2)]];
        let spikes = detect(&[city("上海", 40), city("北京", 3)], &weekly, &[], &rules);
        assert_eq!(spikes.len(), 1);
        assert_eq!((spikes[0].value.as_str(), spikes[0].count, spikes[0].expected), ("上海", 40, 2.0));
    }

    #[test]
    fn a_peak_the_monthly_baseline_holds_is_no_spike() {
        let rules = SpikeRules::default();
        let weekly = vec![vec![city("上海", 3)]; 4];
        let monthly = vec![vec![city("上海", 30)], vec![city("上海", 36)], vec![city("上海", 33)]];
        assert!(detect(&[city("上海", 45)], &weekly, &monthly, &rules).is_empty());
        // Three times the month-start peak is a spike even then.
        assert_eq!(detect(&[city("上海", 110)], &weekly, &monthly, &rules).len(), 1);
    }

    #[test]
    fn a_handful_is_never_a_spike() {
        let rules = SpikeRules::default();
        assert!(detect(&[city("上海", 9)], &[], &[], &rules).is_empty());
        assert_eq!(detect(&[city("上海", 10)], &[], &[], &rules).len(), 1);
    }

    #[test]
    fn baseline_windows_keep_the_time_of_day_and_the_day_of_the_month() {
        let rules = SpikeRules { weeks: 2, months: 3, ..SpikeRules::default() };
        // 2026-12-01 09:30 in China.
        let now = at("2026-12-01 01:30");
        let (weekly, monthly) = baseline_windows(now, &rules);
        assert_eq!(
            weekly,
            vec![(at("2026-11-24 00:30"), at("2026-11-24 01:30")), (at("2026-11-17 00:30"), at("2026-11-17 01:30"))]
        );
        assert_eq!(
            monthly.iter().map(|w| w.1).collect::<Vec<_>>(),
            vec![at("2026-11-01 01:30"), at("2026-10-01 01:30"), at("2026-09-01 01:30")]
        );
        // Just after midnight in China is still the 1st there, the 30th in UTC.
        let (_, monthly) = baseline_windows(at("2026-11-30 16:30"), &rules);
        assert_eq!(monthly[0].1, at("2026-10-31 16:30"));
        // The 31st: months without one are skipped.
        let (_, monthly) = baseline_windows(at("2026-12-31 04:00"), &rules);
        assert_eq!(monthly.iter().map(|w| w.1).collect::<Vec<_>>(), vec![at("2026-10-31 04:00")]);
    }

    #[test]
    fn bad_rules_are_refused() {
        assert!(SpikeRules::default().check().is_ok());
        assert!(SpikeRules { ratio: 0.5, ..SpikeRules::default() }.check().is_err());
        assert!(SpikeRules { min_count: 0, ..SpikeRules::default() }.check().is_err());
        assert!(SpikeRules { weeks: 0, months: 0, ..SpikeRules::default() }.check().is_err());
    }
}
