//! Which facts of a complete request (DOMAIN.md's checklist) a ticket still
//! lacks, so an agent can ask for exactly those in one message.

use super::codes::Symptom;

/// A fact a customer may be asked to add. Labels: `fact-<code>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fact {
    Screenshot,
    ErrorDetail,
    PaymentMethod,
    OccurredAt,
    Amount,
    OrderNumber,
}

impl Fact {
    pub const ALL: [Fact; 6] =
        [Fact::Screenshot, Fact::ErrorDetail, Fact::PaymentMethod, Fact::OccurredAt, Fact::Amount, Fact::OrderNumber];

    pub fn as_str(self) -> &'static str {
        match self {
            Fact::Screenshot => "screenshot",
            Fact::ErrorDetail => "error_detail",
            Fact::PaymentMethod => "payment_method",
            Fact::OccurredAt => "occurred_at",
            Fact::Amount => "amount",
            Fact::OrderNumber => "order_number",
        }
    }

    pub fn parse(s: &str) -> Option<Fact> {
        Fact::ALL.into_iter().find(|f| f.as_str() == s)
    }

    pub fn label_key(self) -> String {
        format!("fact-{}", self.as_str())
    }
}

/// What is known about a ticket, for the check.
pub struct Known {
    pub symptom: Option<Symptom>,
    pub screenshots: i32,
    pub has_error_detail: bool,
    pub has_payment_method: bool,
    pub has_occurred_at: bool,
    pub has_amount: bool,
    pub has_order_number: bool,
}

/// The facts still missing. Time, amount and order number matter most when
/// money was taken (intake requires them then), but they help trace any
/// failed payment, so they are always worth asking for.
pub fn missing(k: &Known) -> Vec<Fact> {
    let mut out = Vec::new();
    if k.screenshots == 0 {
        out.push(Fact::Screenshot);
    }
    if !k.has_error_detail && k.symptom == Some(Symptom::ErrorShown) {
        out.push(Fact::ErrorDetail);
    }
    if !k.has_payment_method {
        out.push(Fact::PaymentMethod);
    }
    if !k.has_occurred_at {
        out.push(Fact::OccurredAt);
    }
    if !k.has_amount {
        out.push(Fact::Amount);
    }
    if !k.has_order_number {
        out.push(Fact::OrderNumber);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_what_is_absent() {
        let mut k = Known {
            symptom: Some(Symptom::StuckLoading),
            screenshots: 0,
            has_error_detail: false,
            has_payment_method: true,
            has_occurred_at: false,
            has_amount: true,
            has_order_number: true,
        };
        assert_eq!(missing(&k), [Fact::Screenshot, Fact::OccurredAt]);
        k.screenshots = 1;
        k.has_occurred_at = true;
        assert!(missing(&k).is_empty());
        assert_eq!(Fact::parse("order_number"), Some(Fact::OrderNumber));
    }
}
