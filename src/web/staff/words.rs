//! Staff pages in staff words. They speak about the customer, not to them:
//! the status a customer reads as "Waiting for your answer" is "Waiting on
//! the customer" to an agent, "You wrote" is "Customer wrote" (`staff.ftl`;
//! customer pages keep theirs). And what the database keeps as codes (a
//! routing rule's name, the facts it used, an escalation's target and
//! state) is said as labels in the page's language (`supervisor.ftl`).

use crate::db::routing::Escalation;
use crate::db::tickets::Event;
use crate::domain::codes::*;
use crate::i18n::Lang;
pub use crate::present::words::rule_label;
use crate::web::tracking::{event_view, EventView};

/// A status as staff read it.
pub fn status(lang: Lang, s: Status) -> String {
    lang.t(&format!("staff-{}", s.label_key()))
}

/// A timeline entry as staff read it: the customer's own entries and what
/// was said to them are described in the third person.
pub fn event(lang: Lang, e: Event) -> EventView {
    let (kind, body) = (e.kind, e.body.clone());
    let mut view = event_view(lang, e);
    if let Some(title) = lang.try_t(&format!("staff-event-{kind}")) {
        view.title = title;
    }
    match kind {
        EventKind::StatusChanged => view.body = Status::parse(&body).map(|s| status(lang, s)).unwrap_or(body),
        EventKind::OutOfScope => view.body = lang.t("staff-guide-out_of_scope"),
        EventKind::Rated => view.body = crate::web::satisfaction::rated_words(lang, &body),
        EventKind::Rerouted => view.body = rerouted_words(lang, &body).unwrap_or(body),
        EventKind::PriorityChanged => view.body = code_words(lang, &body),
        // The rule that sent it for review.
        EventKind::Escalated => view.body = rule_label(lang, &body, None),
        _ => {}
    }
    view
}

/// The facts list's labels as staff read them ("Checks the customer
/// tried", not "Checks you already tried"); values unchanged.
pub fn facts(lang: Lang, rows: Vec<(String, String)>) -> Vec<(String, String)> {
    const OWN: [&str; 4] = ["checks_tried", "payment_scenario", "platform", "description"];
    let renamed: Vec<(String, String)> =
        OWN.iter().map(|f| (lang.t(&format!("field-{f}")), lang.t(&format!("staff-field-{f}")))).collect();
    rows.into_iter()
        .map(|(label, value)| {
            let label =
                renamed.iter().find(|(customer, _)| *customer == label).map(|(_, s)| s.clone()).unwrap_or(label);
            (label, value)
        })
        .collect()
}

/// "To the payment provider · Waiting for review".
pub fn escalation_line(lang: Lang, e: &Escalation) -> String {
    format!("{} · {}", lang.t(&format!("esc-target-{}", e.target)), lang.t(&format!("esc-state-{}", e.status)))
}

/// A stored code (a status, priority, kind of case or queue) as its label
/// in the page's language; anything else (a name, a number) as it is.
pub fn code_words(lang: Lang, value: &str) -> String {
    if let Some(s) = Status::parse(value) {
        status(lang, s)
    } else if let Some(p) = Priority::parse(value) {
        p.label(lang)
    } else if let Some(k) = CaseKind::parse(value) {
        k.label(lang)
    } else if let Some(q) = Queue::parse(value) {
        q.label(lang)
    } else {
        value.to_string()
    }
}

/// What an audit entry's before or after holds, in words: codes as their
/// labels, a correction of the facts as the fields changed and the kind
/// and rule decided (`ops::routing::correct`: "changed [symptom] →
/// kind=product_bug (set-by-hand)").
pub fn audit_value(lang: Lang, action: &str, value: &str) -> String {
    if action == "correct_facts" {
        if let Some(words) = facts_change_words(lang, value) {
            return words;
        }
    }
    if action.starts_with("escalation_") {
        return escalation_words(lang, value);
    }
    if let Some((closed, open)) = value.split_once('/').filter(|_| action == "calendar_import") {
        return lang.t_args("audit-calendar-import", &[("closed", closed.to_string()), ("open", open.to_string())]);
    }
    if let Some((day, kind)) = value.split_once(' ').filter(|_| action == "calendar_day") {
        return format!("{day} {}", lang.t(&format!("cal-{kind}")));
    }
    code_words(lang, value)
}

/// An escalation's audit entry (`ops::escalation::record`: "platform
/// alipay/electricity_bill sent", "sent to x@y", "approved ALI-42"), each
/// code as its label; addresses, references and reasons as written.
fn escalation_words(lang: Lang, value: &str) -> String {
    let (prefix, rest) = match value.strip_prefix("sent to ") {
        Some(to) => (format!("{} ", lang.t("audit-sent-to")), to),
        None => (String::new(), value),
    };
    let token = |t: &str| {
        if let Some(target) = EscalationTarget::parse(t) {
            return lang.t(&format!("esc-target-{target}"));
        }
        if let Some(state) = EscalationStatus::parse(t) {
            return lang.t(&format!("esc-state-{state}"));
        }
        if let Some((p, s)) =
            t.split_once('/').filter(|(p, s)| Platform::parse(p).is_some() && PaymentScenario::parse(s).is_some())
        {
            return format!("{}/{}", Platform::label_of(p, lang), PaymentScenario::label_of(s, lang));
        }
        t.to_string()
    };
    let words: Vec<String> = rest.split(' ').map(token).collect();
    format!("{prefix}{}", words.join(" "))
}

fn facts_change_words(lang: Lang, value: &str) -> Option<String> {
    let (changed, decided) = match value.strip_prefix("changed [") {
        Some(rest) => {
            let (fields, decided) = rest.split_once("] → ")?;
            (Some(fields), decided)
        }
        None => (None, value),
    };
    let (kind, rule) = decided.strip_prefix("kind=")?.split_once(" (")?;
    let decided = format!("{} ({})", code_words(lang, kind), rule_label(lang, rule.strip_suffix(')')?, None));
    Some(match changed.filter(|f| !f.is_empty()) {
        Some(fields) => {
            let names: Vec<String> = fields.split(", ").map(|f| lang.t(&format!("field-{f}"))).collect();
            format!("{} → {decided}", names.join(if lang == Lang::ZhCn { "、" } else { ", " }))
        }
        None => decided,
    })
}

/// A routing decision's timeline entry (`ops::routing`: "from → kind ·
/// queue · priority (rule)") in words; `None` when it is not in that form.
pub fn rerouted_words(lang: Lang, body: &str) -> Option<String> {
    let (from, rest) = body.split_once(" → ")?;
    let (decided, rule) = rest.rsplit_once(" (")?;
    let rule = rule.strip_suffix(')')?;
    let decided: Vec<String> = decided.split(" · ").map(|c| code_words(lang, c)).collect();
    Some(format!("{} → {} ({})", code_words(lang, from), decided.join(" · "), rule_label(lang, rule, None)))
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
    } else if let Some(name) = fact.strip_prefix("set by ") {
        lang.t_with("sv-fact-set-by", "name", name)
    } else if let Some(v) = fact.strip_prefix("text contains ") {
        named("sv-fact-text-contains", v.to_string())
    } else if let Some((v, source)) = fact.strip_prefix("code ").and_then(|r| r.rsplit_once(" (")) {
        // The provider's own code stays, marked as such.
        let source = source_label(lang, source.trim_end_matches(')'));
        lang.t_args("sv-fact-code-of", &[("code", v.to_string()), ("source", source)])
    } else if let Some((v, source)) = fact.strip_prefix("message says ").and_then(|r| r.rsplit_once(" (")) {
        let source = source_label(lang, source.trim_end_matches(')'));
        lang.t_args("sv-fact-message-says", &[("words", v.to_string()), ("source", source)])
    } else if let Some(words) = model_words(lang, fact) {
        words
    } else if let Some((screen, words)) = fact.strip_prefix("screen says ").and_then(|r| r.split_once(", words say ")) {
        lang.t_args("sv-fact-disagree", &[("screen", code_words(lang, screen)), ("words", code_words(lang, words))])
    } else if let Some((v, source)) = fact.strip_prefix("description says ").and_then(|r| r.rsplit_once(" (")) {
        let source = source_label(lang, source.trim_end_matches(')'));
        lang.t_args("sv-fact-description-says", &[("words", v.to_string()), ("source", source)])
    } else {
        fact.to_string()
    }
}

/// What the learned model said (`routing::model`): "model reads KIND 87%
/// [a b c]", "unsure …", "second opinion …".
fn model_words(lang: Lang, fact: &str) -> Option<String> {
    let (key, rest) = [
        ("model reads ", "sv-fact-model"),
        ("unsure ", "sv-fact-unsure"),
        ("second opinion ", "sv-fact-second-opinion"),
    ]
    .iter()
    .find_map(|(prefix, key)| fact.strip_prefix(prefix).map(|rest| (*key, rest)))?;
    let (kind, rest) = rest.split_once(' ')?;
    let (percent, pieces) = rest.split_once("% [")?;
    let pieces = pieces.strip_suffix(']')?;
    let pieces = if pieces.is_empty() {
        "—".to_string()
    } else {
        pieces.split(' ').collect::<Vec<_>>().join(if lang == Lang::ZhCn { "、" } else { ", " })
    };
    Some(lang.t_args(key, &[("kind", code_words(lang, kind)), ("percent", percent.to_string()), ("pieces", pieces)]))
}

/// Where a code or phrase of the vocabulary comes from, in words.
fn source_label(lang: Lang, source: &str) -> String {
    lang.try_t(&format!("sv-source-{source}")).unwrap_or_else(|| source.to_string())
}

/// One SMS as staff read it: when, what, where it is, and why it was
/// refused — never the number or the text.
pub fn sms_line(lang: Lang, m: &crate::db::sms::Sms) -> String {
    let kind = lang.try_t(&format!("sms-kind-{}", m.kind)).unwrap_or_else(|| m.kind.to_string());
    let mut line = format!("{} · {kind}: {}", crate::present::china_time(m.created_at), m.status.label(lang));
    if m.status == SmsStatus::Pending && m.next_attempt_at > crate::clock::now() {
        line.push_str(&format!(
            " ({})",
            lang.t_with("sms-held-until", "time", crate::present::china_time(m.next_attempt_at))
        ));
    }
    if let (SmsStatus::Refused | SmsStatus::Undelivered, Some(code)) = (m.status, &m.provider_code) {
        line.push_str(" — ");
        line.push_str(&sms_refusal(lang, code));
    } else if let (SmsStatus::Pending | SmsStatus::Dead | SmsStatus::Unsettled, Some(e)) = (m.status, &m.last_error) {
        line.push_str(&format!(" — {e}"));
    }
    line
}

/// Why the provider (or paydesk) refused an SMS, in words.
pub fn sms_refusal(lang: Lang, code: &str) -> String {
    let key = match code {
        "isv.MOBILE_NUMBER_ILLEGAL" | "isv.BLACK_LIST" | "isv.DOMESTIC_NUMBER_NOT_SUPPORTED" => "sms-why-bad-number",
        "isv.BLACK_KEY_CONTROL_LIMIT"
        | "isv.SMS_CONTENT_ILLEGAL"
        | "isv.SMS_TEMPLATE_ILLEGAL"
        | "isv.SMS_SIGNATURE_ILLEGAL"
        | "isv.SMS_SIGN_ILLEGAL"
        | "isv.PARAM_LENGTH_LIMIT"
        | "isv.PARAM_NOT_SUPPORT_URL"
        | "isv.TEMPLATE_MISSING_PARAMETERS" => "sms-why-blocked",
        "paydesk.OPTED_OUT" => "sms-why-opted-out",
        "paydesk.ANONYMISED" => "sms-why-anonymised",
        _ => return lang.t_with("sms-why-other", "code", code),
    };
    lang.t(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_codes_are_said_in_words() {
        let zh = Lang::ZhCn;
        assert_eq!(code_words(zh, "pending_customer"), status(zh, Status::PendingCustomer));
        let rerouted = rerouted_words(zh, "timeout_busy → product_bug · engineering · normal (set-by-hand)").unwrap();
        assert!(!rerouted.contains('_') && !rerouted.contains("set-by-hand"), "{rerouted}");
        let audit =
            audit_value(zh, "correct_facts", "changed [symptom, error_message] → kind=product_bug (set-by-hand)");
        assert!(!audit.is_ascii() && !audit.contains("product_bug"), "{audit}");
        assert_eq!(facts_in_words(zh, "set by Ann"), "由 Ann 设定");
        let esc = audit_value(zh, "escalation_answer", "platform alipay/electricity_bill sent");
        assert!(!esc.contains("alipay") && !esc.contains("electricity_bill") && !esc.contains("sent"), "{esc}");
        assert!(audit_value(zh, "escalation_approve", "sent to a@b.example").ends_with(" a@b.example"));
        let code = facts_in_words(zh, "code SYSTEMERROR (wechat_pay)");
        assert!(code.contains("SYSTEMERROR") && code.contains("微信支付") && !code.contains("wechat_pay"), "{code}");
    }

    #[test]
    fn statuses_are_worded_for_staff_in_both_languages() {
        assert_eq!(status(Lang::En, Status::PendingCustomer), "Waiting on the customer");
        assert_eq!(status(Lang::ZhCn, Status::PendingCustomer), "等待客户回复");
        let rows = vec![(Lang::En.t("field-checks_tried"), "Restarted".to_string())];
        assert_eq!(facts(Lang::En, rows), vec![("Checks the customer tried".to_string(), "Restarted".to_string())]);
        for s in Status::ALL {
            for lang in Lang::ALL {
                assert_ne!(status(lang, *s), format!("staff-{}", s.label_key()), "a staff label for {s}");
            }
        }
    }

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
        // What the screen said is kept as written, the code marked as the
        // provider's own.
        assert_eq!(facts_in_words(Lang::En, "code 101 (wechat_pay)"), "Code 101 (WeChat Pay's own code)");
    }

    #[test]
    fn the_learned_model_and_a_disagreement_read_as_words() {
        let facts =
            "model reads insufficient_funds 91% [额度 快捷 limit]; screen says timeout_busy, words say risk_control";
        assert_eq!(
            facts_in_words(Lang::En, facts),
            "The learned model reads Balance / declined, 91% sure (strongest words: 额度, 快捷, limit); \
             The screen says Timeout / busy; the customer's words say Risk control"
        );
        for fact in [
            "model reads other 88% [发票]",
            "unsure login_expired 41% []",
            "second opinion product_bug 85% [白屏]",
            "screen says out_of_scope, words say insufficient_funds",
        ] {
            for lang in Lang::ALL {
                let said = facts_in_words(lang, fact);
                assert!(
                    !said.contains('_') && !said.contains("[") && said.contains('%') == fact.contains('%'),
                    "{said}"
                );
            }
        }
        for rule in ["words-say-product-fault", crate::routing::NEEDS_A_LOOK] {
            for lang in Lang::ALL {
                assert!(!rule_label(lang, rule, None).contains('-'), "{rule}");
            }
        }
    }
}
