//! Whether what a payment provider found is the payment the customer told
//! us about. Anyone can type an order number — someone else's, from a
//! receipt, a screenshot or a guess — so a finding is acted on and told to
//! the customer only when it fits what they stated: the amount to the
//! cent, and the time within [`TIME_WINDOW`]. Each fact the provider names
//! must fit; one the customer did not state confirms nothing. (The payer
//! is not compared: WeChat Pay names an openid and Alipay a masked login,
//! neither of which a customer gives us.)

use chrono::{Duration, NaiveDateTime};

use super::codes::{BillState, CheckState, RefundState};
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

/// Whether a finding confirms the customer's money was taken and did not
/// reach the bill: the provider says paid, the merchant's order system
/// says not credited, and it fits what the customer stated. Such a case
/// is a customer out of pocket, so its clock runs around the clock
/// whatever its queue's calendar (issue 30).
pub fn money_taken_confirmed(state: CheckState, bill: Option<BillState>, fits: bool) -> bool {
    fits && state == CheckState::Paid && bill == Some(BillState::NotCredited)
}

/// Whether a refund is still on its way and within the time the provider
/// allows: while it is, the ticket's resolution waits on the provider, not
/// on the agent. A stuck refund (`abnormal`: it could not reach the card)
/// needs the agent, so it does not wait.
pub fn refund_under_way(state: RefundState, due: NaiveDateTime, now: NaiveDateTime) -> bool {
    matches!(state, RefundState::Requested | RefundState::Processing) && now < due
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_fitting_paid_not_credited_finding_confirms_money_taken() {
        let not_credited = Some(BillState::NotCredited);
        assert!(money_taken_confirmed(CheckState::Paid, not_credited, true));
        assert!(!money_taken_confirmed(CheckState::Paid, not_credited, false), "someone else's payment");
        assert!(!money_taken_confirmed(CheckState::Paid, Some(BillState::Credited), true));
        assert!(!money_taken_confirmed(CheckState::Paid, None, true), "no word from the order system");
        assert!(!money_taken_confirmed(CheckState::Refunding, not_credited, true));
    }

    #[test]
    fn a_refund_waits_on_the_provider_until_it_ends_is_stuck_or_is_late() {
        let now = at("2026-11-20 12:00").unwrap();
        let due = at("2026-11-27 12:00").unwrap();
        assert!(refund_under_way(RefundState::Requested, due, now));
        assert!(refund_under_way(RefundState::Processing, due, now));
        assert!(!refund_under_way(RefundState::Processing, due, due), "past its due date");
        assert!(!refund_under_way(RefundState::Abnormal, due, now), "stuck: the agent acts");
        assert!(!refund_under_way(RefundState::Succeeded, due, now));
        assert!(!refund_under_way(RefundState::Closed, due, now));
    }

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
