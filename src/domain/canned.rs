//! The canned replies a fresh install starts with: DOMAIN.md's usual answer
//! for each kind of case, in both languages. Supervisors edit them later.

use super::codes::CaseKind;

pub struct Seed {
    pub case_kind: CaseKind,
    pub language: &'static str,
    pub title: &'static str,
    pub body: &'static str,
}

pub const SEEDS: &[Seed] = &[
    Seed {
        case_kind: CaseKind::ClientConnectivity,
        language: "en",
        title: "Network and app self-check",
        body: "Thank you for the details. This usually comes from the connection or an old app version. Please:\n1. Switch network (Wi-Fi to mobile data, or back).\n2. Update the app to its latest version and restart it.\n3. Close the app completely, open it again and retry the payment.\nIf it still fails, reply here and we will look further.",
    },
    Seed {
        case_kind: CaseKind::ClientConnectivity,
        language: "zh-CN",
        title: "网络与应用自查",
        body: "感谢您提供的信息。这类问题通常与网络或应用版本有关。请：\n1. 切换网络（Wi-Fi 与移动数据互换）。\n2. 把应用更新到最新版本并重新打开。\n3. 完全关闭应用后重新打开，再试一次缴费。\n如果仍然失败，请在此回复，我们会进一步查看。",
    },
    Seed {
        case_kind: CaseKind::LoginExpired,
        language: "en",
        title: "Log in again",
        body: "Your login to the platform has expired. Please log out, log in again and accept the login authorisation when asked, then retry the payment. Reply here if it still fails.",
    },
    Seed {
        case_kind: CaseKind::LoginExpired,
        language: "zh-CN",
        title: "重新登录",
        body: "您在平台上的登录已过期。请退出后重新登录，并在提示时同意登录授权，然后再试一次缴费。如果仍然失败，请在此回复。",
    },
    Seed {
        case_kind: CaseKind::InsufficientFunds,
        language: "en",
        title: "Balance and card limits",
        body: "The payment was declined by your bank or wallet (insufficient balance or a limit). Please:\n1. Check the balance and the card's quick-pay and per-payment limits (credit cards often have low quick-pay limits).\n2. Test the card with a small purchase elsewhere.\n3. Or pay with another card or wallet.\nYour bill is not affected until it is paid.",
    },
    Seed {
        case_kind: CaseKind::InsufficientFunds,
        language: "zh-CN",
        title: "余额与银行卡限额",
        body: "这笔支付被银行或钱包拒绝（余额不足或超出限额）。请：\n1. 检查余额，以及银行卡的快捷支付限额和单笔限额（信用卡的快捷支付限额通常较低）。\n2. 用这张卡在别处做一笔小额消费测试。\n3. 或者换一张卡、换一个钱包支付。\n在缴费成功之前，您的账单不受影响。",
    },
    Seed {
        case_kind: CaseKind::TimeoutBusy,
        language: "en",
        title: "System busy: retry later",
        body: "The payment system was busy (this is common at the start of the month and during maintenance). Please wait 10 to 30 minutes and try again, or switch between WeChat Pay and Alipay, or use another card.",
    },
    Seed {
        case_kind: CaseKind::TimeoutBusy,
        language: "zh-CN",
        title: "系统繁忙：请稍后重试",
        body: "支付系统繁忙（月初和系统维护期间较常见）。请等 10 到 30 分钟后再试，或在微信支付和支付宝之间切换，或换一张卡支付。",
    },
    Seed {
        case_kind: CaseKind::RiskControl,
        language: "en",
        title: "Extra verification",
        body: "The payment provider stopped this payment for a security check. Please complete the identity verification it asks for (documents or a second verification), then retry. If it is blocked again, reply here and we will contact the provider.",
    },
    Seed {
        case_kind: CaseKind::RiskControl,
        language: "zh-CN",
        title: "需要额外验证",
        body: "支付机构出于安全检查拦截了这笔支付。请按提示完成身份验证（提供材料或二次验证）后重试。如果再次被拦截，请在此回复，我们会联系支付机构。",
    },
    Seed {
        case_kind: CaseKind::DeductedNotCredited,
        language: "en",
        title: "Money taken: we are tracing it",
        body: "We are checking your order against the payment records. Please do not pay again for now. If the payment did not reach the bill, we start the refund at once; refunds usually arrive within 1 to 7 working days depending on your bank.",
    },
    Seed {
        case_kind: CaseKind::DeductedNotCredited,
        language: "zh-CN",
        title: "已扣款：正在核查",
        body: "我们正在核对您的订单和支付记录。请暂时不要重复缴费。如果款项没有到账，我们会立即发起退款；退款一般在 1 到 7 个工作日内到账，具体取决于您的银行。",
    },
    Seed {
        case_kind: CaseKind::OutOfScope,
        language: "en",
        title: "Only the platform can enable this payment",
        body: "This kind of payment is not yet enabled by the platform the service runs in, so no one on our side can make it work; we have asked the platform to review it. Meanwhile you can pay at the utility's service hall (with the account number or the holder's ID and address), on its own website or official app, or in your wallet's bill-payment section.",
    },
    Seed {
        case_kind: CaseKind::OutOfScope,
        language: "zh-CN",
        title: "只有平台能开通这种支付",
        body: "这类缴费目前尚未被服务所在平台开通，我们这边无法让它生效；我们已请平台审核开通。在此期间，您可以到营业厅缴费（凭户号或户主身份证和地址），或通过其官网、官方应用缴费，或使用钱包里的“生活缴费”功能。",
    },
    Seed {
        case_kind: CaseKind::ProductBug,
        language: "en",
        title: "We found a fault",
        body: "Thank you: we could reproduce the problem and our engineers are fixing it. We will tell you here when an update is out; please update the app then and try again.",
    },
    Seed {
        case_kind: CaseKind::ProductBug,
        language: "zh-CN",
        title: "我们发现了故障",
        body: "谢谢您：我们已复现该问题，工程师正在修复。更新发布后我们会在此通知您，届时请更新应用后再试。",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_but_other_has_a_reply_in_both_languages() {
        for kind in CaseKind::ALL.iter().filter(|k| **k != CaseKind::Other) {
            for lang in ["en", "zh-CN"] {
                assert!(SEEDS.iter().any(|s| s.case_kind == *kind && s.language == lang), "{kind} {lang}");
            }
        }
    }
}
