//! Every page and message exists in Simplified Chinese and English. Texts live
//! in `locales/<lang>/*.ftl` (Fluent; `main.ftl` for customers and shared
//! words, one file per staff area), compiled into the binary.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{static_loader, LanguageIdentifier, Loader};

static_loader! {
    static LOCALES = {
        locales: "./src/i18n/locales",
        fallback_language: "en",
        // Unicode isolation marks around arguments would show up in
        // references and numbers that customers copy.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum Lang {
    /// Our customers are Chinese users: their language is the default.
    #[default]
    ZhCn,
    En,
}

crate::text_column!(Lang);

impl serde::Serialize for Lang {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::ZhCn, Lang::En];

    /// The code used in `lang` attributes, cookies, the API and storage.
    pub fn code(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The stored form: the same as `code`.
    pub fn as_str(self) -> &'static str {
        self.code()
    }

    /// Accepts `zh`, `zh-CN`, `zh-Hans-CN`, `en`, `en-GB`… (any case).
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Lang::ZhCn),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The best of our languages for an `Accept-Language` header, by q-value.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let Some(lang) = parts.next().and_then(Lang::parse) else {
                continue;
            };
            let q = parts.find_map(|p| p.trim().strip_prefix("q=")).and_then(|q| q.parse::<f32>().ok()).unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(best_q, _)| q > best_q) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, lang)| lang)
    }

    /// The other language, for the switch link on every page.
    pub fn other(self) -> Lang {
        match self {
            Lang::ZhCn => Lang::En,
            Lang::En => Lang::ZhCn,
        }
    }

    fn id(self) -> LanguageIdentifier {
        self.code().parse().expect("language codes are valid identifiers")
    }

    /// The text for `key` in this language.
    pub fn t(self, key: &str) -> String {
        LOCALES.lookup(&self.id(), key)
    }

    /// The text for `key`, if the translation files have one.
    pub fn try_t(self, key: &str) -> Option<String> {
        LOCALES.try_lookup(&self.id(), key)
    }

    /// A text with several named values, if the translation files have it
    /// (and it takes no value it is not given).
    pub fn try_t_args(self, key: &str, values: &[(&'static str, String)]) -> Option<String> {
        let args: HashMap<Cow<'static, str>, FluentValue<'_>> =
            values.iter().map(|(name, value)| (Cow::Borrowed(*name), FluentValue::from(value.clone()))).collect();
        LOCALES.try_lookup_with_args(&self.id(), key, &args)
    }

    /// The text for `key` with one named argument.
    pub fn t_with(self, key: &str, name: &'static str, value: impl ToString) -> String {
        self.t_args(key, &[(name, value.to_string())])
    }

    /// A text with several named values.
    pub fn t_args(self, key: &str, values: &[(&'static str, String)]) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue<'_>> =
            values.iter().map(|(name, value)| (Cow::Borrowed(*name), FluentValue::from(value.clone()))).collect();
        LOCALES.lookup_with_args(&self.id(), key, &args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Every key of a language, over all its files; a key defined twice
    /// (in one file or two) fails, since only one of them would be shown.
    fn keys(lang: &str) -> BTreeSet<String> {
        let dir = format!("{}/src/i18n/locales/{lang}", env!("CARGO_MANIFEST_DIR"));
        let mut keys = BTreeSet::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "ftl") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let found = text
                .lines()
                // Indented lines continue a message.
                .filter(|l| !l.starts_with(char::is_whitespace) && !l.starts_with('#'))
                .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim().to_string()))
                .filter(|k| !k.is_empty());
            for key in found {
                assert!(keys.insert(key.clone()), "{key} is defined twice in {lang} ({})", path.display());
            }
        }
        keys
    }

    #[test]
    fn both_languages_have_every_key() {
        let en = keys("en");
        let zh = keys("zh-CN");
        assert!(en.len() > 100);
        assert_eq!(en.difference(&zh).collect::<Vec<_>>(), Vec::<&String>::new(), "missing in zh-CN");
        assert_eq!(zh.difference(&en).collect::<Vec<_>>(), Vec::<&String>::new(), "missing in en");
    }

    #[test]
    fn every_vocabulary_value_has_a_label() {
        use crate::domain::codes::*;
        let en = keys("en");
        let mut wanted: Vec<String> = Vec::new();
        wanted.extend(Platform::ALL.iter().map(|v| v.label_key()));
        wanted.extend(PaymentScenario::ALL.iter().map(|v| v.label_key()));
        wanted.extend(PaymentMethod::ALL.iter().map(|v| v.label_key()));
        wanted.extend(FailingStep::ALL.iter().map(|v| v.label_key()));
        wanted.extend(Symptom::ALL.iter().map(|v| v.label_key()));
        wanted.extend(CheckTried::ALL.iter().map(|v| v.label_key()));
        wanted.extend(Status::ALL.iter().map(|v| v.label_key()));
        wanted.extend(SelfCheck::ALL.iter().map(|v| v.label_key()));
        for key in wanted {
            assert!(en.contains(&key), "no label for {key}");
        }
    }

    #[test]
    fn translates_with_arguments() {
        assert_eq!(Lang::En.t("form-submit"), "Send my request");
        assert_eq!(Lang::ZhCn.t("form-submit"), "提交求助");
        assert_eq!(Lang::En.t_with("err-too-long", "max", 40), "Please shorten this to 40 characters or fewer.");
    }

    #[test]
    fn negotiates_from_accept_language() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9,zh-CN;q=0.8"), Some(Lang::En));
        assert_eq!(Lang::from_accept_language("fr;q=1, zh-Hans-CN;q=0.5, en;q=0.4"), Some(Lang::ZhCn));
        assert_eq!(Lang::from_accept_language("fr, de"), None);
        assert_eq!(Lang::parse("ZH_cn"), Some(Lang::ZhCn));
    }
}
