//! The SMS templates to register at the provider, one per kind of message
//! and language, and the codes it approved them under. A template's text is
//! fixed at the provider; only `${ref}` (the ticket's reference) and
//! `${code}` (a short link's end, or a one-time code) change. The link is
//! written into the template as `{public URL}/s/${code}`: Alibaba refuses
//! URLs inside variables. The README lists these texts (a test checks it).

use std::collections::HashMap;

use crate::domain::codes::MailKind;
use crate::i18n::Lang;

/// `{url}` stands for the public URL, written into the template when it is
/// registered.
pub const TEXTS: &[(MailKind, Lang, &str)] = &[
    (MailKind::Received, Lang::ZhCn, "您的缴费求助已收到，编号${ref}。查看进展或补充信息：{url}/s/${code} 回TD退订"),
    (
        MailKind::Received,
        Lang::En,
        "We have your payment help request ${ref}. Follow it or add details: {url}/s/${code} Reply TD to stop",
    ),
    (MailKind::InfoRequest, Lang::ZhCn, "处理您的求助${ref}还需要一些信息，请在此补充：{url}/s/${code}"),
    (MailKind::InfoRequest, Lang::En, "To help with request ${ref} we need a little more from you: {url}/s/${code}"),
    (MailKind::Reply, Lang::ZhCn, "客服已回复您的求助${ref}，请查看：{url}/s/${code}"),
    (MailKind::Reply, Lang::En, "We answered your request ${ref}: {url}/s/${code}"),
    (MailKind::Resolved, Lang::ZhCn, "您的求助${ref}已处理完毕。问题解决了吗？请告诉我们：{url}/s/${code} 回TD退订"),
    (
        MailKind::Resolved,
        Lang::En,
        "Request ${ref} is resolved. Did this solve it? Tell us: {url}/s/${code} Reply TD to stop",
    ),
    (MailKind::PlatformAnswer, Lang::ZhCn, "平台已答复您的求助${ref}，请查看：{url}/s/${code} 回TD退订"),
    (MailKind::PlatformAnswer, Lang::En, "The platform answered your request ${ref}: {url}/s/${code} Reply TD to stop"),
    (MailKind::PaymentFound, Lang::ZhCn, "我们查到了您求助${ref}中这笔支付的最新情况，请查看：{url}/s/${code}"),
    (MailKind::PaymentFound, Lang::En, "We have news of the payment in your request ${ref}: {url}/s/${code}"),
    (MailKind::IncidentUpdate, Lang::ZhCn, "影响您缴费的故障有新进展（求助${ref}），详情：{url}/s/${code} 回TD退订"),
    (
        MailKind::IncidentUpdate,
        Lang::En,
        "News of the outage behind your request ${ref}: {url}/s/${code} Reply TD to stop",
    ),
    (MailKind::ComplaintReceived, Lang::ZhCn, "您对求助${ref}的投诉已收到，主管会尽快处理：{url}/s/${code} 回TD退订"),
    (
        MailKind::ComplaintReceived,
        Lang::En,
        "A supervisor has your complaint about request ${ref}: {url}/s/${code} Reply TD to stop",
    ),
    (MailKind::FindCode, Lang::ZhCn, "您的验证码为${code}，5分钟内有效，用于打开您的缴费求助。如非本人操作，请忽略。"),
    (
        MailKind::FindCode,
        Lang::En,
        "Your code is ${code}, valid 5 minutes, to open your payment help request. If you did not ask, ignore this.",
    ),
];

/// A template's text, if the kind is ever sent by SMS.
pub fn text(kind: MailKind, lang: Lang) -> Option<&'static str> {
    TEXTS.iter().find(|(k, l, _)| *k == kind && *l == lang).map(|(_, _, t)| *t)
}

/// The variables a kind's template takes.
pub fn variables(kind: MailKind) -> &'static [&'static str] {
    if kind == MailKind::FindCode {
        &["code"]
    } else {
        &["ref", "code"]
    }
}

/// The text as the customer reads it.
pub fn fill(text: &str, public_url: &str, params: &serde_json::Map<String, serde_json::Value>) -> String {
    let mut out = text.replace("{url}", public_url);
    for (name, value) in params {
        out = out.replace(&format!("${{{name}}}"), value.as_str().unwrap_or_default());
    }
    out
}

/// The kinds sent by SMS, in the order their built-in codes number them.
const KINDS: [MailKind; 9] = [
    MailKind::Received,
    MailKind::InfoRequest,
    MailKind::Reply,
    MailKind::Resolved,
    MailKind::PlatformAnswer,
    MailKind::PaymentFound,
    MailKind::IncidentUpdate,
    MailKind::ComplaintReceived,
    MailKind::FindCode,
];

/// The code a template goes by when none is configured, in Alibaba's form
/// (`SMS_` and digits): `SMS_28010` is "received" in Chinese, `SMS_28011`
/// in English. Real codes are what Alibaba approved (`PAYDESK_SMS_TEMPLATES`).
pub fn default_code(kind: MailKind, lang: Lang) -> String {
    let n = KINDS.iter().position(|k| *k == kind).map_or(99, |i| i + 1);
    format!("SMS_28{n:02}{}", if lang == Lang::ZhCn { 0 } else { 1 })
}

/// The approved template codes, by kind and language.
#[derive(Debug, Clone, Default)]
pub struct Codes(HashMap<(MailKind, Lang), String>);

impl Codes {
    /// `received.zh-CN=SMS_123,reply.en=SMS_456` (commas or whitespace
    /// between pairs).
    pub fn parse(s: &str) -> Result<Codes, String> {
        let mut codes = HashMap::new();
        for pair in s.split(|c: char| c == ',' || c.is_whitespace()).filter(|p| !p.is_empty()) {
            let bad = || format!("PAYDESK_SMS_TEMPLATES: {pair:?} is not kind.lang=CODE (e.g. received.zh-CN=SMS_123)");
            let (key, code) = pair.split_once('=').ok_or_else(bad)?;
            let (kind, lang) = key.split_once('.').ok_or_else(bad)?;
            let kind = MailKind::parse(kind).ok_or_else(bad)?;
            let lang = Lang::parse(lang).ok_or_else(bad)?;
            if text(kind, lang).is_none() || code.is_empty() {
                return Err(bad());
            }
            codes.insert((kind, lang), code.to_string());
        }
        Ok(Codes(codes))
    }

    pub fn code(&self, kind: MailKind, lang: Lang) -> String {
        self.0.get(&(kind, lang)).cloned().unwrap_or_else(|| default_code(kind, lang))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_sent_by_sms_has_both_languages_and_only_its_variables() {
        for (kind, _, text) in TEXTS {
            for lang in [Lang::ZhCn, Lang::En] {
                assert!(super::text(*kind, lang).is_some(), "{kind:?} {lang:?}");
            }
            let used: Vec<&str> = text.split("${").skip(1).filter_map(|s| s.split('}').next()).collect();
            assert!(used.iter().all(|v| variables(*kind).contains(v)), "{text}");
            // The link is the template's, never a variable's.
            assert!(!text.contains("${url}"));
        }
    }

    #[test]
    fn the_readme_lists_every_template_to_register() {
        let readme = include_str!("../../README.md");
        for (kind, lang, text) in TEXTS {
            assert!(readme.contains(&text.replace("{url}", "{public URL}")), "{text}");
            assert!(readme.contains(&format!("`{}`", default_code(*kind, *lang))), "{kind:?} {lang:?}");
        }
    }

    #[test]
    fn codes_are_configured_by_kind_and_language() {
        let codes = Codes::parse("received.zh-CN=SMS_100, reply.en=SMS_200").unwrap();
        assert_eq!(codes.code(MailKind::Received, Lang::ZhCn), "SMS_100");
        assert_eq!(codes.code(MailKind::Reply, Lang::En), "SMS_200");
        assert_eq!(codes.code(MailKind::Reply, Lang::ZhCn), "SMS_28030");
        // Every kind sent by SMS has a code of its own.
        let all: std::collections::HashSet<_> = TEXTS.iter().map(|(k, l, _)| default_code(*k, *l)).collect();
        assert_eq!(all.len(), TEXTS.len());
        assert!(Codes::parse("received=SMS_1").is_err());
        assert!(Codes::parse("sla_breach.en=SMS_1").is_err());
    }

    #[test]
    fn a_template_is_filled_as_the_customer_reads_it() {
        let mut params = serde_json::Map::new();
        params.insert("ref".into(), "PD-7KM3QX".into());
        params.insert("code".into(), "abc".into());
        let text = fill(text(MailKind::Reply, Lang::En).unwrap(), "https://help.example.com", &params);
        assert_eq!(text, "We answered your request PD-7KM3QX: https://help.example.com/s/abc");
    }
}
