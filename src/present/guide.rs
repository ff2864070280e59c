//! "What you can do now": for a kind of case the customer can fix alone,
//! the steps they have not told us they tried — the same words on the
//! confirmation page, the request page and the confirmation email. Advice
//! already followed is never given again (`CaseKind::steps_left`).

use crate::domain::codes::{CaseKind, CheckTried, Status};
use crate::domain::next_steps::Path;
use crate::i18n::Lang;

pub struct Guide {
    /// What the case usually is ("The payment system was busy.").
    pub intro: String,
    /// The steps left, most likely fix first.
    pub steps: Vec<String>,
    /// What to do when they do not help.
    pub outro: String,
}

impl Guide {
    /// While the request waits on the customer to try the steps; `None`
    /// otherwise (a person has it, or nothing is left to try).
    pub fn of(lang: Lang, kind: CaseKind, status: Status, tried: &[CheckTried]) -> Option<Guide> {
        if Path::of_ticket(kind, status, tried) != Path::SelfService {
            return None;
        }
        let steps: Vec<String> = kind.steps_left(tried).iter().map(|s| lang.t(&s.label_key())).collect();
        (!steps.is_empty()).then(|| Guide {
            intro: lang.t(&format!("guide-{kind}")),
            steps,
            outro: lang.t("guide-outro"),
        })
    }

    /// As an email's paragraphs: the intro, each step, the outro.
    pub fn paragraphs(&self) -> Vec<String> {
        let steps = self.steps.iter().map(|s| format!("• {s}"));
        std::iter::once(self.intro.clone()).chain(steps).chain([self.outro.clone()]).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_steps_left_while_it_waits_on_the_customer() {
        let busy = CaseKind::TimeoutBusy;
        let g = Guide::of(Lang::En, busy, Status::PendingCustomer, &[CheckTried::RetriedLater]).unwrap();
        assert_eq!(g.steps.len(), 2);
        assert!(!g.steps.iter().any(|s| s.contains("wait 10 to 30 minutes")), "already retried: {:?}", g.steps);
        assert!(Guide::of(Lang::En, busy, Status::New, &[]).is_none(), "a person has it");
        assert!(Guide::of(Lang::ZhCn, busy, Status::PendingCustomer, &[]).unwrap().intro.contains("繁忙"));
    }
}
