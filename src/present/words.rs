//! Words for codes and spans that more than one place says: pages, mail and
//! operations' timeline entries.

use crate::domain::codes::EscalationTarget;
use crate::domain::next_steps;
use crate::i18n::Lang;

/// A span of hours as people say it ("4 hours", "3 days"; "4 小时", "3 天").
pub fn span_words(lang: Lang, hours: i64) -> String {
    match next_steps::Within::of(hours) {
        next_steps::Within::Hours(1) => lang.t("next-within-one-hour"),
        next_steps::Within::Hours(n) => lang.t_with("next-within-hours", "n", n),
        next_steps::Within::Days(n) => lang.t_with("next-within-days", "n", n),
    }
}

/// Why an escalation (or a routing decision) happened: the rule's label
/// when it has one (`sv-rule-<name>`), else what its target means, else the
/// rule's own name (rules are data an admin may add).
pub fn rule_label(lang: Lang, rule: &str, target: Option<EscalationTarget>) -> String {
    lang.try_t(&format!("sv-rule-{rule}"))
        .or_else(|| target.and_then(|t| lang.try_t(&format!("sv-why-{}", t.as_str()))))
        .unwrap_or_else(|| rule.to_string())
}
