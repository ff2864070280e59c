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

/// The rules and the vocabulary alone (the model is tested below).
fn route(f: Facts<'_>) -> Decision {
    Rules::default_rules().route_with(&f, None)
}

/// As intake routes: with the model trained on the corpus.
fn route_with_model(f: Facts<'_>) -> Decision {
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
            "words-say-busy-or-timeout",
            Facts { error_message: Some("支付失败"), description: "一直提示系统繁忙", ..facts() },
            TimeoutBusy,
            Queue::Payments,
            Priority::Normal,
            true,
        ),
        (
            "description-says-busy-or-timeout",
            Facts { error_message: Some("支付失败"), description: "一直转圈", ..facts() },
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
    // The words and description rules mirror the message rules one for
    // one; one of each is enough here, the rest are the same shape
    // (checked below).
    let all: HashSet<&str> = rules
        .rules
        .iter()
        .map(|r| r.name.as_str())
        .filter(|n| {
            !(n.starts_with("description-says-") || n.starts_with("words-say-"))
                || *n == "description-says-busy-or-timeout"
                || *n == "words-say-busy-or-timeout"
        })
        .collect();
    assert_eq!(seen, all, "every default rule has a case above");
    fn mirrors(r: &Rule) -> Option<&[CaseKind]> {
        r.description_means.as_deref().or(r.words_mean.as_deref())
    }
    for r in rules.rules.iter().filter(|r| mirrors(r).is_some()) {
        assert_eq!(mirrors(r), Some(&[r.kind][..]), "{} reads its own kind", r.name);
        let twin = rules.rules.iter().find(|m| m.message_means.as_deref() == Some(&[r.kind][..])).unwrap();
        assert_eq!((r.queue, r.priority, r.self_service), (twin.queue, twin.priority, twin.self_service), "{}", r.name);
    }
    // Every kind the vocabulary can name has its words rule.
    for k in CaseKind::ALL.iter().filter(|k| **k != Other) {
        assert!(rules.rules.iter().any(|r| r.words_mean.as_deref() == Some(&[*k][..])), "words rule for {k}");
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
fn a_cause_on_the_screen_beats_the_words_and_a_cause_in_the_words_beats_the_rest() {
    // A cause on the screen beats the description, and the disagreement is
    // noted for the agent.
    let d = route(Facts { error_message: Some("余额不足"), description: "系统繁忙", ..facts() });
    assert_eq!(d.kind, InsufficientFunds);
    assert!(d.used.contains(&"screen says insufficient_funds, words say timeout_busy".to_string()), "{:?}", d.used);
    // A cause in the words beats where it failed: stuck, network not yet
    // switched, but the customer quotes "系统繁忙".
    let d = route(Facts {
        symptom: Symptom::StuckLoading,
        checks_tried: &[],
        error_message: None,
        description: "一直转圈，系统繁忙",
        ..facts()
    });
    assert_eq!((d.kind, d.rule.as_str()), (TimeoutBusy, "words-say-busy-or-timeout"));
    // Only an outcome in the words ("一直转圈"): the missing check decides.
    let d = route(Facts {
        symptom: Symptom::StuckLoading,
        checks_tried: &[],
        error_message: None,
        description: "一直转圈",
        ..facts()
    });
    assert_eq!(d.kind, ClientConnectivity);
    // The bank's SMS in the description beats "try later" on the screen.
    let d = route(Facts {
        error_message: Some("支付失败，请稍后再试"),
        description: "银行短信：您尾号1234的卡本次交易超过快捷支付单笔限额",
        ..facts()
    });
    assert_eq!((d.kind, d.rule.as_str()), (InsufficientFunds, "words-say-declined-or-limit"));
    assert!(d.used[0].starts_with("description says"), "{:?}", d.used);
}

#[test]
fn an_admins_own_rule_for_other_is_neither_overridden_nor_renamed() {
    let file = DEFAULT_RULES.replace(
        "[[rule]]\nname = \"money-taken-bill-unpaid\"",
        "[[rule]]\nname = \"invoice-questions\"\nkind = \"other\"\nqueue = \"platform\"\npriority = \"low\"\n\
         when.text_contains = [\"发票\"]\n\n[[rule]]\nname = \"money-taken-bill-unpaid\"",
    );
    let rules = Rules::parse(&file).unwrap();
    // Words the model would read as a limit, but the admin's rule holds.
    let f = Facts {
        error_message: None,
        description: "卡里的钱不太够了，付电费的时候被拒了好几次，额度也快用完，能开发票吗",
        ..facts()
    };
    let d = rules.route(&f);
    assert_eq!((d.rule.as_str(), d.kind, d.queue), ("invoice-questions", Other, Queue::Platform), "{:?}", d.used);
    // A sure "none of these" from the model on a guess from the step
    // resets the queue, priority and self-service of the guess.
    let d = route_with_model(Facts {
        failing_step: FailingStep::OpenOrLogin,
        error_message: None,
        description: "电费能开发票吗？在哪里开电子发票",
        ..facts()
    });
    if d.kind == Other {
        assert_eq!((d.rule.as_str(), d.self_service, d.queue), (NEEDS_A_LOOK, false, Queue::General), "{:?}", d.used);
    }
}

#[test]
fn product_faults_told_only_in_words_go_to_engineering() {
    for description in [
        "同一个月的电费账单列了两条，都是158.6元",
        "输入我家户号，显示的是别人的名字和地址",
        "账单页是128元，到确认页金额变成了218元",
        "缴费截止日期显示1970-01-01",
        "The bill appears twice in the list",
        "Shows someone else's name after I typed my own account number",
    ] {
        let d = route(Facts { error_message: None, description, ..facts() });
        assert_eq!((d.kind, d.queue), (ProductBug, Queue::Engineering), "{description}: {:?}", d.used);
    }
}

#[test]
fn not_supported_is_out_of_scope_only_when_the_platform_is_what_does_not_support_it() {
    // The card, not the scenario: another card is the answer.
    for message in
        ["該銀行卡暫不支持此業務", "暂不支持香港卡", "本商户暂不支持信用卡付款", "This card is not supported"]
    {
        let d = route(Facts { error_message: Some(message), ..facts() });
        assert_eq!(d.kind, InsufficientFunds, "{message}: {:?}", d.used);
    }
    // The app's version: update it.
    let d = route(Facts { error_message: Some("当前版本不支持，请升级到最新版本"), ..facts() });
    assert_eq!(d.kind, ClientConnectivity);
    // The scenario: only the platform can open it.
    let d = route(Facts { error_message: Some("该业务暂不支持在本平台缴费"), ..facts() });
    assert_eq!(d.kind, OutOfScope);
}

#[test]
fn voice_typing_traditional_and_cantonese_read_as_meant() {
    for (description, kind) in [
        ("于额不足付不了", InsufficientFunds),
        ("一直让我严正身份，严正完还是不行，风空拦截", RiskControl),
        ("登陆过期了", LoginExpired),
        ("請先完成實名認證", RiskControl),
        ("張卡唔夠錢", InsufficientFunds),
        ("已关闭“微信”的无线数据", ClientConnectivity),
        ("流量用完了被限速，页面一直出不来", ClientConnectivity),
    ] {
        let d = route(Facts { error_message: None, description, ..facts() });
        assert_eq!(d.kind, kind, "{description}: {:?}", d.used);
    }
}

#[test]
fn the_model_decides_what_the_words_leave_open_and_says_why() {
    // No phrase of the vocabulary, but wording the corpus knows well.
    let f = Facts {
        error_message: None,
        description: "卡里的钱不太够了，付电费的时候被拒了好几次，额度也快用完",
        ..facts()
    };
    let alone = route(f);
    let d = route_with_model(f);
    assert_eq!(d.kind, InsufficientFunds, "{alone:?} / {d:?}");
    let said = d.used.iter().find(|u| u.starts_with("model reads insufficient_funds ")).expect("the model said why");
    assert!(said.contains('%') && said.contains('['), "{said}");
    // Vague words: the model is unsure, a person looks.
    let d = route_with_model(Facts { error_message: Some("交易失败"), description: "", ..facts() });
    assert_eq!((d.kind, d.rule.as_str()), (Other, NEEDS_A_LOOK), "{:?}", d.used);
    assert!(d.used.iter().any(|u| u.starts_with("unsure ")), "{:?}", d.used);
    // A guess from where it failed yields to what the words say: the pay
    // button did nothing because the login was gone.
    let f = Facts {
        symptom: Symptom::ButtonInert,
        error_message: None,
        description: "点支付没反应，后来发现我的页面头像没了，要重新登录授权才行",
        ..facts()
    };
    assert_eq!(route(f).kind, ProductBug, "the vocabulary alone goes by the button");
    let d = route_with_model(f);
    assert_eq!(d.kind, LoginExpired, "{:?}", d.used);
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
