//! The routing table: every default rule, and which wins when several hold.

use super::*;
use CaseKind::*;

fn facts() -> Facts<'static> {
    Facts {
        symptom: Symptom::ErrorShown,
        failing_step: FailingStep::TapPay,
        error_code: None,
        error_message: Some("支付失败"),
        description: "",
        checks_tried: &[CheckTried::SwitchedNetwork],
        payment_method: None,
        scenario_allowed: true,
        learned: None,
    }
}

fn route(f: Facts<'_>) -> Decision {
    Rules::default_rules().route(&f)
}

#[test]
fn every_default_rule_routes_its_case() {
    let cases: Vec<(&str, Facts<'static>, CaseKind, Queue, Priority, bool)> = vec![
        (
            "money-taken-bill-unpaid",
            Facts { symptom: Symptom::MoneyTakenNotPaid, ..facts() },
            DeductedNotCredited,
            Queue::Refunds,
            Priority::High,
            false,
        ),
        (
            "scenario-not-allowed-by-platform",
            Facts { symptom: Symptom::ButtonInert, scenario_allowed: false, ..facts() },
            OutOfScope,
            Queue::Platform,
            Priority::Normal,
            false,
        ),
        (
            "risk-control",
            Facts { error_message: Some("交易存在风险，已被风控拦截"), ..facts() },
            RiskControl,
            Queue::Payments,
            Priority::Normal,
            false,
        ),
        (
            "declined-or-limit",
            Facts { error_code: Some("101"), ..facts() },
            InsufficientFunds,
            Queue::Payments,
            Priority::Normal,
            true,
        ),
        (
            "declined-or-limit",
            Facts { error_message: Some("余额不足"), ..facts() },
            InsufficientFunds,
            Queue::Payments,
            Priority::Normal,
            true,
        ),
        (
            "declined-or-limit",
            Facts { error_message: Some("Transaction DECLINED by issuer"), ..facts() },
            InsufficientFunds,
            Queue::Payments,
            Priority::Normal,
            true,
        ),
        (
            "busy-or-timeout",
            Facts { error_code: Some(" 202 "), ..facts() },
            TimeoutBusy,
            Queue::Payments,
            Priority::Normal,
            true,
        ),
        (
            "busy-or-timeout",
            Facts { error_message: Some("系统繁忙，请稍后再试"), ..facts() },
            TimeoutBusy,
            Queue::Payments,
            Priority::Normal,
            true,
        ),
        (
            "login-expired",
            Facts { error_message: Some("登录已过期，请重新登录"), ..facts() },
            LoginExpired,
            Queue::General,
            Priority::Low,
            true,
        ),
        (
            "message-says-money-taken",
            Facts { error_message: Some("已扣款，但缴费未成功"), ..facts() },
            DeductedNotCredited,
            Queue::Refunds,
            Priority::High,
            false,
        ),
        (
            "message-says-not-supported",
            Facts { error_message: Some("该业务暂不支持在本平台缴费"), ..facts() },
            OutOfScope,
            Queue::Platform,
            Priority::Normal,
            false,
        ),
        (
            "network-or-app",
            Facts { error_message: Some("网络不给力，请检查网络设置"), ..facts() },
            ClientConnectivity,
            Queue::General,
            Priority::Low,
            true,
        ),
        (
            "product-fault-message",
            Facts { error_message: Some("页面出错了，白屏"), ..facts() },
            ProductBug,
            Queue::Engineering,
            Priority::Normal,
            false,
        ),
        (
            "fails-at-login",
            Facts { failing_step: FailingStep::OpenOrLogin, error_message: None, ..facts() },
            LoginExpired,
            Queue::General,
            Priority::Low,
            true,
        ),
        (
            "pay-button-inert-on-allowed-scenario",
            Facts { symptom: Symptom::ButtonInert, error_message: None, ..facts() },
            ProductBug,
            Queue::Engineering,
            Priority::Normal,
            false,
        ),
        (
            "stuck-without-network-check",
            Facts {
                symptom: Symptom::StuckLoading,
                checks_tried: &[CheckTried::UpdatedApp],
                error_message: None,
                ..facts()
            },
            ClientConnectivity,
            Queue::General,
            Priority::Low,
            true,
        ),
        (
            "stuck-after-network-check",
            Facts { symptom: Symptom::StuckLoading, error_message: None, ..facts() },
            TimeoutBusy,
            Queue::Payments,
            Priority::Normal,
            true,
        ),
        (
            "description-says-busy-or-timeout",
            Facts { error_message: Some("支付失败"), description: "一直提示系统繁忙", ..facts() },
            TimeoutBusy,
            Queue::Payments,
            Priority::Normal,
            true,
        ),
        ("everything-else", facts(), Other, Queue::General, Priority::Normal, false),
    ];
    let mut seen = HashSet::new();
    for (rule, f, kind, queue, priority, self_service) in cases {
        let d = route(f);
        assert_eq!(
            (d.rule.as_str(), d.kind, d.queue, d.priority, d.self_service),
            (rule, kind, queue, priority, self_service)
        );
        seen.insert(rule);
    }
    let rules = Rules::default_rules();
    // The description rules mirror the message rules one for one; one is
    // enough here, the rest are the same shape (checked below).
    let all: HashSet<&str> = rules
        .rules
        .iter()
        .map(|r| r.name.as_str())
        .filter(|n| !n.starts_with("description-says-") || *n == "description-says-busy-or-timeout")
        .collect();
    assert_eq!(seen, all, "every default rule has a case above");
    for r in rules.rules.iter().filter(|r| r.description_means.is_some()) {
        assert_eq!(r.description_means.as_deref(), Some(&[r.kind][..]), "{} reads its own kind", r.name);
        let twin = rules.rules.iter().find(|m| m.message_means.as_deref() == Some(&[r.kind][..])).unwrap();
        assert_eq!((r.queue, r.priority, r.self_service), (twin.queue, twin.priority, twin.self_service), "{}", r.name);
    }
}

#[test]
fn precedence_follows_the_file() {
    // Money taken wins over everything, even an out-of-scope scenario.
    let d = route(Facts {
        symptom: Symptom::MoneyTakenNotPaid,
        scenario_allowed: false,
        error_code: Some("101"),
        ..facts()
    });
    assert_eq!(d.kind, DeductedNotCredited);
    // Out of scope wins over a declined message: only the platform can fix it.
    let d = route(Facts { scenario_allowed: false, error_message: Some("余额不足"), ..facts() });
    assert_eq!(d.kind, OutOfScope);
    // A code beats words: the code field says declined.
    let d = route(Facts { error_code: Some("101"), error_message: Some("系统繁忙"), ..facts() });
    assert_eq!(d.kind, InsufficientFunds);
    // A longer phrase beats a shorter one: a session timeout is a login.
    let d = route(Facts { error_message: Some("会话超时，请重新登录"), ..facts() });
    assert_eq!(d.kind, LoginExpired);
}

#[test]
fn the_screen_beats_the_description_and_the_symptom_beats_the_description() {
    // Stuck, no network switch, a description that says "busy": the
    // missing check decides, not the customer's wording.
    let d = route(Facts {
        symptom: Symptom::StuckLoading,
        checks_tried: &[],
        error_message: None,
        description: "一直转圈，系统繁忙",
        ..facts()
    });
    assert_eq!(d.kind, ClientConnectivity);
    let d = route(Facts { error_message: Some("余额不足"), description: "系统繁忙", ..facts() });
    assert_eq!(d.kind, InsufficientFunds);
}

#[test]
fn decisions_say_which_facts_they_used() {
    let d = route(Facts { error_code: Some("101"), ..facts() });
    assert_eq!(d.used, ["code 101 (paydesk)"]);
    let d = route(Facts { symptom: Symptom::StuckLoading, checks_tried: &[], error_message: None, ..facts() });
    assert_eq!(d.used, ["symptom=stuck_loading", "not tried: switched_network"]);
    let d = route(Facts { error_message: Some("System BUSY, please try again later"), ..facts() });
    assert_eq!(d.used, ["message says \"system busy\" (wording)"]);
}

#[test]
fn a_broken_rule_is_named() {
    let broken = DEFAULT_RULES.replace("kind = \"risk_control\"", "kind = \"fraud\"");
    let e = Rules::parse(&broken).unwrap_err().to_string();
    assert_eq!(e, "routing rule \"risk-control\": unknown kind \"fraud\"");
    let broken = DEFAULT_RULES.replace("when.symptom = [\"button_inert\"]", "when.symptom = [\"button_dead\"]");
    assert!(Rules::parse(&broken)
        .unwrap_err()
        .to_string()
        .contains("\"pay-button-inert-on-allowed-scenario\": unknown symptom \"button_dead\""));
    let broken =
        DEFAULT_RULES.replace("name = \"busy-or-timeout\"", "name = \"busy-or-timeout\"\nwhen.colour = [\"red\"]");
    assert!(Rules::parse(&broken).is_err());
    let twice = DEFAULT_RULES.replace("name = \"busy-or-timeout\"", "name = \"declined-or-limit\"");
    assert!(Rules::parse(&twice).unwrap_err().to_string().contains("used twice"));
}

#[test]
fn sla_targets_come_from_the_file() {
    let r = Rules::default_rules();
    assert_eq!(r.first_response(Priority::Urgent), Duration::hours(1));
    assert_eq!(r.resolution(Priority::Low), Duration::hours(168));
}

#[test]
fn the_complaint_promise_comes_from_the_file_and_is_checked() {
    assert_eq!(Rules::default_rules().complaint.first_response_hours, 4);
    let with = |v: &str| DEFAULT_RULES.replacen("first_response_hours = 4", &format!("first_response_hours = {v}"), 1);
    assert_eq!(Rules::parse(&with("12")).unwrap().complaint.first_response_hours, 12);
    assert!(Rules::parse(&with("0")).unwrap_err().to_string().contains("complaint.first_response_hours"));
    assert!(Rules::parse(&with("1000")).is_err());
    // Left out, the table has its default.
    let without = DEFAULT_RULES.replacen("[complaint]\nfirst_response_hours = 4\n", "", 1);
    assert_ne!(without, DEFAULT_RULES);
    assert_eq!(Rules::parse(&without).unwrap().complaint.first_response_hours, 4);
}

#[test]
fn payment_rules_act_only_on_verified_findings_and_are_checked_at_start() {
    use crate::domain::codes::{BillState, CheckState};
    let rules = Rules::default_rules();
    let first = |s, b| rules.payment.iter().find(|r| r.applies(s, b)).map(|r| r.name.as_str());
    assert_eq!(first(CheckState::Paid, Some(BillState::NotCredited)), Some("paid-not-credited"));
    assert_eq!(first(CheckState::Paid, Some(BillState::Credited)), Some("paid-and-credited"));
    // Paid, but the order system was not asked: "not credited" is not a fact.
    assert_eq!(first(CheckState::Paid, None), None);
    assert_eq!(first(CheckState::NotPaid, None), Some("no-money-taken"));
    assert_eq!(first(CheckState::Refunded, None), Some("refund-under-way"));
    for s in [CheckState::Unverified, CheckState::Error, CheckState::Pending] {
        assert_eq!(first(s, Some(BillState::NotCredited)), None, "{s}");
    }
    let refused = |from: &str, to: &str| {
        let text = DEFAULT_RULES.replacen(from, to, 1);
        Rules::parse(&text).unwrap_err().to_string()
    };
    assert!(refused("when.state = [\"not_found\"]", "when.state = [\"unverified\"]").contains("nothing is acted on"));
    assert!(refused("priority = \"urgent\"\nescalate", "escalate").contains("go together"));
    assert!(refused("tell = \"refund\"", "tell = \"nope\"").contains("no message pay-tell-nope"));
}
