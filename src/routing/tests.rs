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
        scenario_allowed: true,
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
            "code-101-insufficient-balance",
            Facts { error_code: Some("101"), ..facts() },
            InsufficientFunds,
            Queue::Payments,
            Priority::Normal,
            true,
        ),
        (
            "declined-message",
            Facts { error_message: Some("余额不足"), ..facts() },
            InsufficientFunds,
            Queue::Payments,
            Priority::Normal,
            true,
        ),
        (
            "declined-message",
            Facts { error_message: Some("Transaction DECLINED by issuer"), ..facts() },
            InsufficientFunds,
            Queue::Payments,
            Priority::Normal,
            true,
        ),
        (
            "code-202-timeout",
            Facts { error_code: Some(" 202 "), ..facts() },
            TimeoutBusy,
            Queue::Payments,
            Priority::Normal,
            true,
        ),
        (
            "busy-message",
            Facts { error_message: Some("系统繁忙，请稍后再试"), ..facts() },
            TimeoutBusy,
            Queue::Payments,
            Priority::Normal,
            true,
        ),
        (
            "login-message",
            Facts { error_message: Some("登录已过期，请重新登录"), ..facts() },
            LoginExpired,
            Queue::General,
            Priority::Low,
            true,
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
    let all: HashSet<&str> = rules.rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(seen, all, "every default rule has a case above");
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
    // Risk control wins over a 101 code.
    let d = route(Facts { error_code: Some("101"), error_message: Some("风控拦截"), ..facts() });
    assert_eq!(d.kind, RiskControl);
}

#[test]
fn decisions_say_which_facts_they_used() {
    let d = route(Facts { error_code: Some("101"), ..facts() });
    assert_eq!(d.used, ["error_code=101"]);
    let d = route(Facts { symptom: Symptom::StuckLoading, checks_tried: &[], error_message: None, ..facts() });
    assert_eq!(d.used, ["symptom=stuck_loading", "not tried: switched_network"]);
    let d = route(Facts { error_message: Some("System BUSY"), ..facts() });
    assert_eq!(d.used, ["text contains \"busy\""]);
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
    let broken = DEFAULT_RULES.replace("name = \"busy-message\"", "name = \"busy-message\"\nwhen.colour = [\"red\"]");
    assert!(Rules::parse(&broken).is_err());
    let twice = DEFAULT_RULES.replace("name = \"busy-message\"", "name = \"declined-message\"");
    assert!(Rules::parse(&twice).unwrap_err().to_string().contains("used twice"));
}

#[test]
fn sla_targets_come_from_the_file() {
    let r = Rules::default_rules();
    assert_eq!(r.first_response(Priority::Urgent), Duration::hours(1));
    assert_eq!(r.resolution(Priority::Low), Duration::hours(168));
}
