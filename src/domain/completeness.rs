//! Is this request complete? One model, per symptom and kind of case, of
//! which facts (DOMAIN.md's checklist) are required, which would help and
//! which do not apply. The intake form's errors and markers, the
//! confirmation and tracking pages, the agent's "missing facts", the queue
//! badge, the "ask for missing" preselection and the API's `missing_facts`
//! all read [`need`] — so they cannot disagree.
//!
//! The form knows only the symptom (routing has not run yet): it enforces
//! what the symptom requires. The kind, once routing (or an agent) set it,
//! can require more — money taken needs the order, amount and time whatever
//! the customer ticked — and says what does not apply: a customer who was
//! never charged is never asked for a transaction number.

use super::codes::{CaseKind, Symptom};

/// A fact a customer may be asked to add. Labels: `fact-<code>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fact {
    Screenshot,
    ErrorDetail,
    PaymentMethod,
    OccurredAt,
    Amount,
    OrderNumber,
}

/// How much a fact matters for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// An agent cannot act without it: the form refuses the request (when
    /// the symptom requires it) or the ticket shows it missing.
    Required,
    /// Helps, may be asked for, never preselected or badged.
    Useful,
    /// Has nothing to do with this case: never asked for, never shown as
    /// missing or "not given".
    NotApplicable,
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

    /// The form fields that hold this fact (where its errors are shown).
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            Fact::Screenshot => &["screenshot"],
            Fact::ErrorDetail => &["error_code", "error_message"],
            Fact::PaymentMethod => &["payment_method"],
            Fact::OccurredAt => &["occurred_at"],
            Fact::Amount => &["amount"],
            Fact::OrderNumber => &["order_number"],
        }
    }
}

/// What the customer's symptom alone requires: all the form can enforce.
fn required_by_symptom(symptom: Symptom, fact: Fact) -> bool {
    use Fact::*;
    match symptom {
        // An error on screen: its words or code decide the case, and the
        // screenshot shows what the customer cannot describe.
        Symptom::ErrorShown => matches!(fact, ErrorDetail | Screenshot),
        // Money taken: nothing can be traced without when, how much and
        // which order.
        Symptom::MoneyTakenNotPaid => matches!(fact, OccurredAt | Amount | OrderNumber),
        Symptom::StuckLoading | Symptom::ButtonInert | Symptom::Other => false,
    }
}

/// What the kind of case requires, whatever the symptom.
fn required_by_kind(kind: CaseKind, fact: Fact) -> bool {
    use Fact::*;
    // Reconciling a payment against the bill needs the same three facts as
    // the money-taken symptom, however the case was recognised.
    kind == CaseKind::DeductedNotCredited && matches!(fact, OccurredAt | Amount | OrderNumber)
}

/// Facts that have nothing to do with a kind of case.
fn not_applicable(symptom: Symptom, kind: CaseKind, fact: Fact) -> bool {
    use CaseKind::*;
    use Fact::*;
    match fact {
        // A payment that was refused, never started or never finished has
        // no order or transaction number worth tracing; one that went
        // through (or a fault whose nature is unknown yet) may.
        OrderNumber => !matches!(kind, DeductedNotCredited | ProductBug | Other),
        // The amount matters where money moved, a limit was hit, or the
        // product may have shown the wrong one.
        Amount => !matches!(kind, DeductedNotCredited | InsufficientFunds | ProductBug | Other),
        // The customer fixes these alone: when it happened changes nothing.
        OccurredAt => matches!(kind, ClientConnectivity | LoginExpired | OutOfScope),
        // The payment never reached a wallet or bank.
        PaymentMethod => matches!(kind, ClientConnectivity | LoginExpired | OutOfScope),
        // Nothing was shown to quote.
        ErrorDetail => matches!(symptom, Symptom::StuckLoading | Symptom::ButtonInert),
        Screenshot => false,
    }
}

/// How much `fact` matters for a request with this symptom and (once
/// routed) kind. What the symptom requires stays required: it is what the
/// customer said happened.
pub fn need(symptom: Symptom, kind: Option<CaseKind>, fact: Fact) -> Need {
    if required_by_symptom(symptom, fact) || kind.is_some_and(|k| required_by_kind(k, fact)) {
        Need::Required
    } else if kind.is_some_and(|k| not_applicable(symptom, k, fact)) {
        Need::NotApplicable
    } else {
        Need::Useful
    }
}

/// Which facts a request holds.
pub trait Holds {
    fn holds(&self, fact: Fact) -> bool;
}

/// What the model says of one request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Assessment {
    /// Required and absent: what to ask for (preselected), the badge.
    pub missing: Vec<Fact>,
    /// Useful and absent: may be asked for.
    pub could_help: Vec<Fact>,
    /// Never shown, never asked.
    pub not_applicable: Vec<Fact>,
}

impl Assessment {
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty()
    }
}

pub fn assess(symptom: Symptom, kind: Option<CaseKind>, request: &impl Holds) -> Assessment {
    let mut a = Assessment::default();
    for fact in Fact::ALL {
        match need(symptom, kind, fact) {
            Need::NotApplicable => a.not_applicable.push(fact),
            _ if request.holds(fact) => {}
            Need::Required => a.missing.push(fact),
            Need::Useful => a.could_help.push(fact),
        }
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Has(Vec<Fact>);
    impl Holds for Has {
        fn holds(&self, fact: Fact) -> bool {
            self.0.contains(&fact)
        }
    }

    #[test]
    fn a_timeout_filled_in_completely_lacks_nothing_and_is_not_asked_for_an_order() {
        let a =
            assess(Symptom::ErrorShown, Some(CaseKind::TimeoutBusy), &Has(vec![Fact::Screenshot, Fact::ErrorDetail]));
        assert!(a.is_complete());
        assert!(a.not_applicable.contains(&Fact::OrderNumber));
        assert!(a.not_applicable.contains(&Fact::Amount));
        assert_eq!(a.could_help, [Fact::PaymentMethod, Fact::OccurredAt]);
    }

    #[test]
    fn money_taken_needs_its_traces_however_it_was_recognised() {
        for symptom in Symptom::ALL {
            let a = assess(*symptom, Some(CaseKind::DeductedNotCredited), &Has(vec![]));
            for f in [Fact::OccurredAt, Fact::Amount, Fact::OrderNumber] {
                assert!(a.missing.contains(&f), "{symptom}: {f:?}");
            }
        }
        // Before routing, only the symptom counts.
        let a = assess(Symptom::ErrorShown, None, &Has(vec![Fact::Screenshot, Fact::ErrorDetail]));
        assert!(a.is_complete() && a.not_applicable.is_empty());
    }

    #[test]
    fn what_the_symptom_requires_is_never_not_applicable() {
        for symptom in Symptom::ALL {
            for kind in CaseKind::ALL {
                for fact in Fact::ALL {
                    if required_by_symptom(*symptom, fact) {
                        assert_eq!(need(*symptom, Some(*kind), fact), Need::Required);
                    }
                }
            }
        }
    }
}
