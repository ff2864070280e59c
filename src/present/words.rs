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

/// The platform's answer as one customer reads it: what it means for them
/// (approved: try again; declined: the other ways to pay), then the
/// platform's own words in their language — or, when the supervisor wrote
/// them only in the other language, those words marked as such.
pub struct PlatformWords<'a> {
    /// As the supervisor typed them ('' for none).
    pub text: &'a str,
    /// The language `text` is in.
    pub lang: Lang,
    /// The same in the other language ('' for none).
    pub other: &'a str,
}

pub fn platform_answer(reader: Lang, approved: bool, words: &PlatformWords<'_>) -> String {
    let outcome = reader.t(if approved { "platform-answer-approved" } else { "platform-answer-declined" });
    let (own, foreign) = if words.lang == reader { (words.text, words.other) } else { (words.other, words.text) };
    let said = match (own.trim(), foreign.trim()) {
        ("", "") => return outcome,
        ("", foreign) => {
            let in_lang = reader.t(&format!("platform-answer-in-{}", reader.other().code()));
            format!("{in_lang}\n{foreign}")
        }
        (own, _) => format!("{}\n{own}", reader.t("platform-answer-words")),
    };
    format!("{outcome}\n\n{said}")
}

/// Words written in Chinese and (optionally) English, for one reader:
/// their language's first; the other's after it, marked with its language;
/// Chinese alone, for an English reader, marked as Chinese — never words
/// in one language passed off as the other.
pub fn bilingual(reader: Lang, zh: &str, en: &str) -> String {
    let (zh, en) = (zh.trim(), en.trim());
    let marked = |lang: Lang, text: &str| format!("{}\n{text}", reader.t(&format!("words-in-{}", lang.code())));
    match (reader, zh.is_empty(), en.is_empty()) {
        (_, _, true) if reader == Lang::ZhCn => zh.to_string(),
        (Lang::En, false, true) => marked(Lang::ZhCn, zh),
        (Lang::En, true, false) => en.to_string(),
        (Lang::En, false, false) => format!("{en}\n\n{}", marked(Lang::ZhCn, zh)),
        (Lang::ZhCn, true, false) => marked(Lang::En, en),
        (Lang::ZhCn, false, false) => format!("{zh}\n\n{}", marked(Lang::En, en)),
        _ => String::new(),
    }
}

/// Why an escalation (or a routing decision) happened: the rule's label
/// when it has one (`sv-rule-<name>`), else what its target means, else the
/// rule's own name (rules are data an admin may add).
pub fn rule_label(lang: Lang, rule: &str, target: Option<EscalationTarget>) -> String {
    // A payment rule's decision is stored as `payment:<name>`.
    let name = rule.strip_prefix("payment:").unwrap_or(rule);
    lang.try_t(&format!("sv-rule-{name}"))
        .or_else(|| target.and_then(|t| lang.try_t(&format!("sv-why-{}", t.as_str()))))
        .unwrap_or_else(|| rule.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every rule the shipped rules file names has its words in both
    /// languages: no rule's code on a staff page (issue 29, 11).
    #[test]
    fn every_shipped_rule_has_a_label() {
        let rules = include_str!("../routing/default_rules.toml");
        let names = rules.lines().filter_map(|l| l.strip_prefix("name = \"")?.strip_suffix('"'));
        for name in names {
            for lang in Lang::ALL {
                assert!(lang.try_t(&format!("sv-rule-{name}")).is_some(), "{lang}: sv-rule-{name}");
            }
        }
        assert_eq!(rule_label(Lang::ZhCn, "payment:paid-not-credited", None), "支付机构确认已支付，但账单未入账");
    }

    #[test]
    fn words_in_two_languages_say_which_is_which() {
        assert_eq!(bilingual(Lang::ZhCn, "已修复", ""), "已修复");
        assert_eq!(bilingual(Lang::En, "已修复", ""), "In Chinese:\n已修复");
        assert_eq!(bilingual(Lang::En, "已修复", "Fixed"), "Fixed\n\nIn Chinese:\n已修复");
        assert_eq!(bilingual(Lang::ZhCn, "已修复", "Fixed"), "已修复\n\n英文：\nFixed");
    }

    #[test]
    fn the_platforms_words_reach_each_customer_in_their_language_or_marked() {
        let zh_only = PlatformWords { text: "已开通，请重试。", lang: Lang::ZhCn, other: "" };
        let zh = platform_answer(Lang::ZhCn, true, &zh_only);
        assert!(zh.contains("已开通，请重试。") && !zh.contains("中文"), "{zh}");
        let en = platform_answer(Lang::En, true, &zh_only);
        assert!(en.contains("in Chinese") && en.contains("已开通，请重试。"), "{en}");
        let both =
            PlatformWords { text: "已开通，请重试。", lang: Lang::ZhCn, other: "Enabled; please try again." };
        let en = platform_answer(Lang::En, true, &both);
        assert!(en.contains("Enabled; please try again.") && !en.contains("已开通"), "{en}");
        let none = PlatformWords { text: " ", lang: Lang::En, other: "" };
        assert_eq!(platform_answer(Lang::En, false, &none), Lang::En.t("platform-answer-declined"));
    }
}
