//! What the words and codes on a failed payment's screen mean: the return
//! codes and messages of WeChat Pay, Alipay, UnionPay and paydesk itself,
//! as data (`vocabulary.toml`), plus the phrases admins learned from
//! tickets nothing matched (`routing_phrases`). [`Vocabulary::read`] says
//! which kind of case a ticket's code and message point to, and why.
//!
//! Precedence, strongest first: a code in the error-code field; a code
//! written in the message; a phrase in the message; a phrase in the
//! description. Among phrases the longest wins: "会话超时" (session
//! expired) beats "超时" (timed out).

use std::collections::HashMap;
use std::fmt;

use serde::Deserialize;

use super::normalize::{code_words, contains_phrase, introduces_code, normalize};
use crate::domain::codes::{CaseKind, PaymentMethod};

pub const DEFAULT_VOCABULARY: &str = include_str!("vocabulary.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(rename = "entry")]
    entries: Vec<EntryFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryFile {
    kind: String,
    source: Source,
    #[serde(default)]
    codes: Vec<String>,
    #[serde(default)]
    phrases: Vec<String>,
    /// Phrases that say how a payment ended, not why ("transaction
    /// declined", "点支付没反应"): they decide only when no phrase naming a
    /// cause matched, however long they are.
    #[serde(default)]
    weak: bool,
}

/// Whose wording an entry is. `Learned`: an admin's, from `/admin/routing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    WechatPay,
    Alipay,
    Unionpay,
    Paydesk,
    Wording,
    Learned,
    /// The learned second opinion (`model.rs`); never in a vocabulary file.
    #[serde(skip)]
    Model,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::WechatPay => "wechat_pay",
            Source::Alipay => "alipay",
            Source::Unionpay => "unionpay",
            Source::Paydesk => "paydesk",
            Source::Wording => "wording",
            Source::Learned => "learned",
            Source::Model => "model",
        }
    }

    /// The payment method whose screens show this source's codes.
    fn method(self) -> Option<PaymentMethod> {
        match self {
            Source::WechatPay => Some(PaymentMethod::WechatPay),
            Source::Alipay => Some(PaymentMethod::Alipay),
            Source::Unionpay => Some(PaymentMethod::BankCard),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
struct Phrase {
    /// Normalised.
    text: String,
    kind: CaseKind,
    source: Source,
    weak: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    /// Upper-cased code → (kind, source).
    codes: HashMap<String, (CaseKind, Source)>,
    phrases: Vec<Phrase>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VocabularyError {
    #[error("routing vocabulary: {0}")]
    Syntax(String),
    #[error("routing vocabulary: unknown kind {0:?}")]
    Kind(String),
    #[error("routing vocabulary: {0:?} is listed twice")]
    Twice(String),
    #[error("routing vocabulary: an empty code or phrase")]
    Empty,
    #[error("routing vocabulary: `other` is what no entry matching means; it has no entry")]
    Other,
}

/// Where the words being read come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    /// The model's guess, when the vocabulary found no cause.
    Model,
    DescriptionOutcome,
    DescriptionPhrase,
    MessageNumber,
    /// A weak phrase: how it ended, not why.
    MessageOutcome,
    MessagePhrase,
    MessageCode,
    CodeField,
}

impl Tier {
    fn weaker(self) -> Tier {
        match self {
            Tier::MessagePhrase => Tier::MessageOutcome,
            Tier::DescriptionPhrase => Tier::DescriptionOutcome,
            other => other,
        }
    }
}

fn rank(p: &Phrase) -> (bool, usize) {
    (!p.weak, p.text.chars().count())
}

/// What the vocabulary read in a ticket's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    pub kind: CaseKind,
    pub tier: Tier,
    /// The code or the (normalised) phrase that decided.
    pub evidence: String,
    pub source: Source,
}

impl Reading {
    /// How the payment ended ("交易失败", "一直转圈"), not why.
    pub fn is_outcome(&self) -> bool {
        matches!(self.tier, Tier::MessageOutcome | Tier::DescriptionOutcome)
    }

    /// How much this reading counts against another: where it was found,
    /// then how long the phrase is.
    pub fn strength(&self) -> (Tier, usize) {
        (self.tier, self.evidence.chars().count())
    }
}

impl fmt::Display for Reading {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = self.source.as_str();
        match self.tier {
            Tier::CodeField | Tier::MessageCode | Tier::MessageNumber => {
                write!(f, "code {} ({source})", self.evidence)
            }
            Tier::MessagePhrase | Tier::MessageOutcome => write!(f, "message says \"{}\" ({source})", self.evidence),
            Tier::DescriptionPhrase | Tier::DescriptionOutcome => {
                write!(f, "description says \"{}\" ({source})", self.evidence)
            }
            Tier::Model => write!(f, "model reads {} {}", self.kind, self.evidence),
        }
    }
}

/// The screen's words routing reads.
#[derive(Debug, Clone, Copy, Default)]
pub struct Words<'a> {
    pub error_code: Option<&'a str>,
    pub error_message: Option<&'a str>,
    pub payment_method: Option<PaymentMethod>,
}

impl Vocabulary {
    pub fn parse(text: &str) -> Result<Vocabulary, VocabularyError> {
        let file: File = toml::from_str(text).map_err(|e| VocabularyError::Syntax(e.to_string()))?;
        let mut v = Vocabulary::default();
        for e in file.entries {
            let kind = CaseKind::parse(&e.kind).ok_or_else(|| VocabularyError::Kind(e.kind.clone()))?;
            if kind == CaseKind::Other {
                return Err(VocabularyError::Other);
            }
            for code in &e.codes {
                v.add_code(code, kind, e.source)?;
            }
            for phrase in &e.phrases {
                v.push_phrase(phrase, kind, e.source, e.weak)?;
            }
        }
        Ok(v)
    }

    pub fn default_vocabulary() -> Vocabulary {
        Vocabulary::parse(DEFAULT_VOCABULARY).expect("the default vocabulary is valid (tested)")
    }

    fn add_code(&mut self, code: &str, kind: CaseKind, source: Source) -> Result<(), VocabularyError> {
        let code = code.trim().to_uppercase();
        if code.is_empty() {
            return Err(VocabularyError::Empty);
        }
        if self.codes.insert(code.clone(), (kind, source)).is_some() {
            return Err(VocabularyError::Twice(code));
        }
        Ok(())
    }

    /// Adds a phrase; refused when empty or already known (for any kind).
    pub fn add_phrase(&mut self, phrase: &str, kind: CaseKind, source: Source) -> Result<(), VocabularyError> {
        self.push_phrase(phrase, kind, source, false)
    }

    fn push_phrase(&mut self, phrase: &str, kind: CaseKind, source: Source, weak: bool) -> Result<(), VocabularyError> {
        let text = normalize(phrase);
        if text.is_empty() {
            return Err(VocabularyError::Empty);
        }
        if self.phrases.iter().any(|p| p.text == text) {
            return Err(VocabularyError::Twice(text));
        }
        self.phrases.push(Phrase { text, kind, source, weak });
        Ok(())
    }

    /// The kind a phrase already stands for, if any.
    pub fn phrase_kind(&self, phrase: &str) -> Option<CaseKind> {
        let text = normalize(phrase);
        self.phrases.iter().find(|p| p.text == text).map(|p| p.kind)
    }

    /// Every phrase (normalised) with its kind: what the model learns
    /// from an admin's taught phrases.
    pub fn phrases(&self) -> impl Iterator<Item = (&str, CaseKind)> {
        self.phrases.iter().map(|p| (p.text.as_str(), p.kind))
    }

    /// Every code (upper-cased) with its kind.
    pub fn codes(&self) -> impl Iterator<Item = (&str, CaseKind)> {
        self.codes.iter().map(|(c, (k, _))| (c.as_str(), *k))
    }

    pub fn code_count(&self) -> usize {
        self.codes.len()
    }

    pub fn phrase_count(&self) -> usize {
        self.phrases.len()
    }

    /// The kind the screen's words point to (the error-code field and the
    /// message), strongest evidence first: a code in the field, a code
    /// word in the message, the longest phrase in either, a bare number
    /// written after "错误码"/"code" in the message (numbers mean different
    /// things at different providers, so the words around them count more).
    pub fn read(&self, w: &Words<'_>) -> Option<Reading> {
        let words = w.error_message.map(code_words).unwrap_or_default();
        let in_message = |letters: bool| {
            words
                .iter()
                .filter(move |(c, before)| {
                    let has_letters = c.chars().any(|ch| ch.is_ascii_alphabetic());
                    if letters {
                        has_letters
                    } else {
                        !has_letters && before.as_deref().is_some_and(introduces_code)
                    }
                })
                .map(|(c, _)| c.clone())
                .collect::<Vec<_>>()
        };
        let screen = normalize(&format!("{} {}", w.error_code.unwrap_or(""), w.error_message.unwrap_or("")));
        self.read_field(w)
            .or_else(|| self.pick(w, &in_message(true), Tier::MessageCode))
            .or_else(|| self.longest_phrase(&screen, Tier::MessagePhrase))
            .or_else(|| self.pick(w, &in_message(false), Tier::MessageNumber))
    }

    /// The kind the customer's own description points to (weaker than the
    /// screen: routing asks it only when nothing else decided).
    pub fn read_description(&self, description: &str) -> Option<Reading> {
        self.longest_phrase(&normalize(description), Tier::DescriptionPhrase)
    }

    fn found(&self, code: &str, tier: Tier) -> Option<(Source, Reading)> {
        self.codes.get(code).map(|&(kind, source)| (source, Reading { kind, tier, evidence: code.into(), source }))
    }

    /// Of several codes written, the one from the payment method's own
    /// provider wins, then the first.
    fn pick(&self, w: &Words<'_>, codes: &[String], tier: Tier) -> Option<Reading> {
        let candidates: Vec<(Source, Reading)> = codes.iter().filter_map(|c| self.found(c, tier)).collect();
        candidates
            .iter()
            .find(|(s, _)| w.payment_method.is_some() && s.method() == w.payment_method)
            .or(candidates.first())
            .map(|(_, r)| r.clone())
    }

    fn read_field(&self, w: &Words<'_>) -> Option<Reading> {
        let field = w.error_code?;
        let whole: String =
            field.trim().to_uppercase().chars().map(|c| if c == '\u{3000}' { ' ' } else { c }).collect();
        if let Some((_, r)) = self.found(whole.trim(), Tier::CodeField) {
            return Some(r);
        }
        // "错误码 51", "(NOTENOUGH)": any word of the field.
        let words: Vec<String> = code_words(field).into_iter().map(|(c, _)| c).collect();
        self.pick(w, &words, Tier::CodeField)
    }

    fn longest_phrase(&self, text: &str, tier: Tier) -> Option<Reading> {
        if text.is_empty() {
            return None;
        }
        self.phrases
            .iter()
            .filter(|p| contains_phrase(text, &p.text))
            // A cause before an outcome, then the longest; among equals,
            // the first listed.
            .fold(None::<&Phrase>, |best, p| match best {
                Some(b) if rank(b) >= rank(p) => Some(b),
                _ => Some(p),
            })
            .map(|p| Reading {
                kind: p.kind,
                tier: if p.weak { tier.weaker() } else { tier },
                evidence: p.text.clone(),
                source: p.source,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
        [[entry]]
        kind = "insufficient_funds"
        source = "wechat_pay"
        codes = ["NOTENOUGH"]
        phrases = ["余额不足", "insufficient balance"]

        [[entry]]
        kind = "timeout_busy"
        source = "wording"
        codes = ["51"]
        phrases = ["超时", "系统繁忙"]

        [[entry]]
        kind = "login_expired"
        source = "wording"
        phrases = ["会话超时"]

        [[entry]]
        kind = "insufficient_funds"
        source = "wording"
        weak = true
        phrases = ["transaction declined"]

        [[entry]]
        kind = "risk_control"
        source = "wording"
        phrases = ["fraud"]
    "#;

    fn read(code: Option<&str>, message: &str) -> Option<Reading> {
        Vocabulary::parse(SAMPLE).unwrap().read(&Words {
            error_code: code,
            error_message: Some(message),
            payment_method: None,
        })
    }

    #[test]
    fn codes_beat_phrases_and_longer_phrases_beat_shorter() {
        let r = read(Some(" notenough "), "系统繁忙").unwrap();
        assert_eq!((r.kind, r.tier), (CaseKind::InsufficientFunds, Tier::CodeField));
        let r = read(None, "支付失败（错误码：ＮＯＴＥＮＯＵＧＨ）").unwrap();
        assert_eq!((r.kind, r.tier), (CaseKind::InsufficientFunds, Tier::MessageCode));
        assert_eq!(read(None, "会话超时，请重新登录").unwrap().kind, CaseKind::LoginExpired);
        assert_eq!(read(None, "请求超时").unwrap().kind, CaseKind::TimeoutBusy);
        assert_eq!(read(None, "餘額 不足").unwrap().evidence, "余额不足");
        assert_eq!(read(None, "Insufficient  Balance.").unwrap().kind, CaseKind::InsufficientFunds);
        assert_eq!(read(None, "支付失败"), None);
    }

    #[test]
    fn a_cause_beats_an_outcome_however_long() {
        let r = read(None, "Suspected fraud. Transaction declined.").unwrap();
        assert_eq!((r.kind, r.tier), (CaseKind::RiskControl, Tier::MessagePhrase));
        let r = read(None, "Transaction declined").unwrap();
        assert_eq!((r.kind, r.tier), (CaseKind::InsufficientFunds, Tier::MessageOutcome));
    }

    #[test]
    fn a_bare_number_in_a_message_is_a_code_only_after_a_code_word() {
        assert_eq!(read(None, "交易失败 51 元"), None);
        assert_eq!(read(None, "交易失败，应答码51").unwrap().tier, Tier::MessageNumber);
        // Words beat a number written in the message.
        assert_eq!(read(None, "系统繁忙 (code 51)").unwrap().tier, Tier::MessagePhrase);
        assert_eq!(read(Some("错误码 51"), "").unwrap().tier, Tier::CodeField);
    }

    #[test]
    fn a_broken_vocabulary_is_refused_with_its_reason() {
        let twice = "[[entry]]\nkind = \"timeout_busy\"\nsource = \"wording\"\nphrases = [\"超时\", \"超 时\"]";
        assert_eq!(Vocabulary::parse(twice).unwrap_err(), VocabularyError::Twice("超时".into()));
        let other = "[[entry]]\nkind = \"other\"\nsource = \"wording\"\nphrases = [\"x\"]";
        assert_eq!(Vocabulary::parse(other).unwrap_err(), VocabularyError::Other);
        let kind = "[[entry]]\nkind = \"nope\"\nsource = \"wording\"";
        assert_eq!(Vocabulary::parse(kind).unwrap_err(), VocabularyError::Kind("nope".into()));
        let code = "[[entry]]\nkind = \"timeout_busy\"\nsource = \"wording\"\ncodes = [\"a\", \"A\"]";
        assert_eq!(Vocabulary::parse(code).unwrap_err(), VocabularyError::Twice("A".into()));
    }

    #[test]
    fn the_default_vocabulary_loads() {
        let v = Vocabulary::default_vocabulary();
        assert!(
            v.code_count() > 50 && v.phrase_count() > 150,
            "{} codes, {} phrases",
            v.code_count(),
            v.phrase_count()
        );
    }
}
