//! Staff pages in staff words: what the database keeps as codes (a routing
//! rule's name, the facts it used, an escalation's target and state) said
//! as labels in the page's language.

use crate::db::routing::Escalation;
use crate::domain::codes::*;
use crate::i18n::Lang;

/// Why an escalation (or a routing decision) happened: the rule's label
/// when it has one (`sv-rule-<name>`), else what its target means, else the
/// rule's own name (rules are data an admin may add).
pub fn rule_label(lang: Lang, rule: &str, target: Option<EscalationTarget>) -> String {
    lang.try_t(&format!("sv-rule-{rule}"))
        .or_else(|| target.and_then(|t| lang.try_t(&format!("sv-why-{}", t.as_str()))))
        .unwrap_or_else(|| rule.to_string())
}

/// "To the payment provider · Waiting for review".
pub fn escalation_line(lang: Lang, e: &Escalation) -> String {
    format!("{} · {}", lang.t(&format!("esc-target-{}", e.target)), lang.t(&format!("esc-state-{}", e.status)))
}

/// What an audit entry records (`audit_log.action`), in words.
pub fn action_label(lang: Lang, action: &str) -> String {
    lang.try_t(&format!("sv-action-{action}")).unwrap_or_else(|| action.to_string())
}

/// Why routing decided again (`routing_decisions.cause`).
pub fn cause_label(lang: Lang, cause: &str) -> String {
    lang.try_t(&format!("sv-cause-{cause}")).unwrap_or_else(|| cause.to_string())
}

/// The facts a rule used, as routing stored them (`symptom=…; not tried:
/// …`), each in words. What the screen said stays as it was written.
pub fn facts_in_words(lang: Lang, facts: &str) -> String {
    facts.split("; ").filter(|f| !f.is_empty()).map(|f| fact_in_words(lang, f)).collect::<Vec<_>>().join("; ")
}

fn fact_in_words(lang: Lang, fact: &str) -> String {
    let named = |key: &str, value: String| format!("{}: {value}", lang.t(key));
    if let Some(v) = fact.strip_prefix("symptom=") {
        named("field-symptom", Symptom::label_of(v, lang))
    } else if let Some(v) = fact.strip_prefix("failing_step=") {
        named("col-step", FailingStep::label_of(v, lang))
    } else if let Some(v) = fact.strip_prefix("error_code=") {
        named("sv-fact-error-code", v.to_string())
    } else if let Some(v) = fact.strip_prefix("not tried: ") {
        named("sv-fact-not-tried", CheckTried::label_of(v, lang))
    } else if let Some(v) = fact.strip_prefix("scenario_allowed=") {
        lang.t(if v == "false" { "sv-fact-scenario-not-allowed" } else { "sv-fact-scenario-allowed" })
    } else if let Some(v) = fact.strip_prefix("text contains ") {
        named("sv-fact-text-contains", v.to_string())
    } else {
        fact.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_as_words_in_both_languages() {
        let facts =
            "symptom=money_taken_not_paid; failing_step=tap_pay; not tried: switched_network; scenario_allowed=false";
        for lang in [Lang::En, Lang::ZhCn] {
            let said = facts_in_words(lang, facts);
            for code in ["symptom=", "money_taken_not_paid", "tap_pay", "switched_network", "scenario_allowed"] {
                assert!(!said.contains(code), "{lang:?}: {said}");
            }
            let late = rule_label(lang, "deducted-not-credited-too-long", Some(EscalationTarget::Provider));
            assert!(!late.contains("deducted-not-credited"), "{late}");
            assert!(!cause_label(lang, "customer_facts").contains('_'));
            for action in crate::web::staff::supervisor::ACTIONS {
                assert!(!action_label(lang, action).contains('_'), "{action}");
            }
        }
        assert!(facts_in_words(Lang::En, facts).contains("Money was taken but the bill is still unpaid"));
        // A rule an admin added, without a label, is named as it is, or by
        // what its target means.
        assert_eq!(rule_label(Lang::En, "my-own-rule", None), "my-own-rule");
        assert_eq!(
            rule_label(Lang::En, "my-own-rule", Some(EscalationTarget::Platform)),
            Lang::En.t("sv-why-platform")
        );
        // What the screen said is kept as written.
        assert_eq!(facts_in_words(Lang::En, "code 101 (wechat)"), "code 101 (wechat)");
    }
}
