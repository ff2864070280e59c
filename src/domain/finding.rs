//! Whether what a payment provider found is the payment the customer told
//! us about. Anyone can type an order number — someone else's, from a
//! receipt, a screenshot or a guess — so a finding is acted on and told to
//! the customer only when it fits what they stated: the amount to the
//! cent, and the time within [`TIME_WINDOW`]. Each fact the provider names
//! must fit; one the customer did not state confirms nothing. (The payer
//! is not compared: WeChat Pay names an openid and Alipay a masked login,
//! neither of which a customer gives us.)

use chrono::{Duration, NaiveDateTime};

use super::completeness::Fact;

/// How far the time a customer gave may be from the provider's: people
/// give the hour they remember, or when the failure showed, not the second.
pub const TIME_WINDOW: Duration = Duration::hours(12);

/// How many times one ticket's payment is asked about because its customer
/// gave a new number: past this, an agent asks (so a stranger cannot use a
/// ticket to try number after number).
pub const CHECKS_BY_CUSTOMER: i64 = 5;

/// The facts of a finding that do not fit what the customer stated; none
/// when it fits.
pub fn misfits(
    stated_amount: Option<i64>,
    stated_time: Option<NaiveDateTime>,
    found_amount: Option<i64>,
    found_time: Option<NaiveDateTime>,
) -> Vec<Fact> {
    let mut out = Vec::new();
    if found_amount.is_some() && stated_amount != found_amount {
        out.push(Fact::Amount);
    }
    if let Some(found) = found_time {
        if stated_time.is_none_or(|t| (t - found).abs() > TIME_WINDOW) {
            out.push(Fact::OccurredAt);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Option<NaiveDateTime> {
        Some(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap())
    }

    #[test]
    fn a_finding_fits_only_what_the_customer_stated() {
        let paid = at("2026-11-20 01:30");
        assert!(misfits(Some(12850), at("2026-11-20 01:30"), Some(12850), paid).is_empty());
        assert!(misfits(Some(12850), at("2026-11-20 09:00"), Some(12850), paid).is_empty(), "within the window");
        assert_eq!(misfits(Some(31337), at("2026-11-20 01:30"), Some(12850), paid), [Fact::Amount]);
        assert_eq!(misfits(Some(12850), at("2026-11-21 09:00"), Some(12850), paid), [Fact::OccurredAt]);
        assert_eq!(misfits(None, None, Some(12850), paid), [Fact::Amount, Fact::OccurredAt], "nothing stated");
        // What the provider does not name is not compared: an unknown
        // number, or an unpaid order with no time.
        assert!(misfits(None, None, None, None).is_empty());
        assert!(misfits(Some(12850), None, Some(12850), None).is_empty());
        assert_eq!(misfits(Some(100), None, Some(12850), None), [Fact::Amount]);
    }
}
