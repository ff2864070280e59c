//! Learning from what routing misses: the tickets that landed in `other`,
//! grouped by what their screen said, and what a new phrase would change —
//! on the corpus and on those recent tickets — before an admin saves it.

use std::collections::BTreeMap;

use super::eval::{self, Case, Score};
use super::normalize::normalize;
use super::{Facts, Rules, Source, Vocabulary};
use crate::domain::codes::CaseKind;

/// Longest phrase an admin may teach, in characters.
pub const PHRASE_MAX: usize = 100;

/// A recent ticket nothing matched, as routing reads it.
pub struct Unmatched<'a> {
    pub reference: &'a str,
    pub facts: Facts<'a>,
    /// Open tickets are the ones re-routing would help now.
    pub open: bool,
}

/// Tickets that said the same thing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The normalised message (or code), long numbers masked.
    pub text: String,
    /// The phrase to offer for teaching.
    pub suggestion: String,
    pub count: usize,
    pub open: usize,
    /// A few references, newest first as given.
    pub references: Vec<String>,
}

/// What a ticket's screen said, for grouping: its message, else its code,
/// normalised, with every run of 4 or more digits (order, card, phone
/// numbers: personal and never the same twice) shown as `#`.
pub fn said(facts: &Facts<'_>) -> String {
    let text = [facts.error_message, facts.error_code].into_iter().flatten().map(normalize).find(|t| !t.is_empty());
    let mut out = String::new();
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        if digits.chars().count() >= 4 {
            out.push('#');
        } else {
            out.push_str(digits);
        }
        digits.clear();
    };
    for c in text.unwrap_or_default().chars().take(80) {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.push(c);
        }
    }
    flush(&mut digits, &mut out);
    out
}

/// The phrase to suggest for a group: its longest piece without a masked
/// number.
pub fn suggestion(said: &str) -> String {
    said.split('#').map(str::trim).max_by_key(|p| p.chars().count()).unwrap_or("").to_string()
}

/// Whether a phrase looks like personal data (an address, a long number):
/// those are not kept as phrases.
fn personal(phrase: &str) -> bool {
    let longest_digits = phrase.split(|c: char| !c.is_ascii_digit()).map(str::len).max().unwrap_or(0);
    phrase.contains('@') || longest_digits >= 6
}

/// Groups, most frequent first; tickets that said nothing are left out.
pub fn groups(tickets: &[Unmatched<'_>]) -> Vec<Group> {
    let mut by_text: BTreeMap<String, Group> = BTreeMap::new();
    for t in tickets {
        let text = said(&t.facts);
        if text.is_empty() {
            continue;
        }
        let g = by_text.entry(text.clone()).or_insert_with(|| Group {
            suggestion: suggestion(&text),
            text,
            count: 0,
            open: 0,
            references: vec![],
        });
        g.count += 1;
        g.open += usize::from(t.open);
        if g.references.len() < 3 {
            g.references.push(t.reference.to_string());
        }
    }
    let mut list: Vec<Group> = by_text.into_values().collect();
    list.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.text.cmp(&b.text)));
    list
}

/// Why a phrase cannot be taught.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Empty,
    TooLong,
    /// Already stands for this kind (in the file or learned).
    Known(CaseKind),
    /// `other` is what nothing matching means.
    Other,
    /// Looks like an email address or a long number.
    Personal,
    /// It would route corpus cases that are right today wrong: which
    /// (line numbers). The corpus is routing's regression suite.
    Breaks(Vec<usize>),
}

/// What a phrase would change.
pub struct Preview {
    pub before: Score,
    pub after: Score,
    /// Corpus cases whose kind changes: (case, before, after).
    pub corpus_changes: Vec<(Case, CaseKind, CaseKind)>,
    /// Recent unmatched tickets it would route: (reference, kind).
    pub tickets: Vec<(String, CaseKind)>,
}

/// Tests `phrase` → `kind` against the corpus and the recent unmatched
/// tickets. `Err` when it cannot be taught; a preview that passes may be
/// saved.
pub fn preview(
    rules: &Rules,
    learned: &Vocabulary,
    phrase: &str,
    kind: CaseKind,
    recent: &[Unmatched<'_>],
) -> Result<Preview, Refusal> {
    let trimmed = phrase.trim();
    if normalize(trimmed).is_empty() {
        return Err(Refusal::Empty);
    }
    if trimmed.chars().count() > PHRASE_MAX {
        return Err(Refusal::TooLong);
    }
    if kind == CaseKind::Other {
        return Err(Refusal::Other);
    }
    if personal(trimmed) {
        return Err(Refusal::Personal);
    }
    if let Some(k) = rules.vocabulary.phrase_kind(trimmed).or_else(|| learned.phrase_kind(trimmed)) {
        return Err(Refusal::Known(k));
    }
    let mut with = learned.clone();
    with.add_phrase(trimmed, kind, Source::Learned).map_err(|_| Refusal::Empty)?;
    // A taught phrase also retrains the model, which can move cases that
    // do not contain it: every case and ticket is routed again.
    let cases = eval::corpus();
    let before = eval::score(rules, cases, Some(learned));
    let corpus_changes: Vec<(Case, CaseKind, CaseKind)> = cases
        .iter()
        .filter_map(|c| {
            let a = rules.route(&c.facts(Some(learned))).kind;
            let b = rules.route(&c.facts(Some(&with))).kind;
            (a != b).then(|| (c.clone(), a, b))
        })
        .collect();
    let after = before.with_changes(corpus_changes.iter().map(|(c, a, b)| (c, *a, *b)));
    let tickets = recent
        .iter()
        .filter_map(|t| {
            let facts = Facts { learned: Some(&with), ..t.facts };
            let d = rules.route(&facts);
            (d.kind != CaseKind::Other).then(|| (t.reference.to_string(), d.kind))
        })
        .collect();
    let broken: Vec<usize> =
        corpus_changes.iter().filter(|(c, was, _)| *was == c.expected).map(|(c, _, _)| c.line).collect();
    if !broken.is_empty() {
        return Err(Refusal::Breaks(broken));
    }
    Ok(Preview { before, after, corpus_changes, tickets })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::codes::{FailingStep, Symptom};

    fn facts(message: &'static str) -> Facts<'static> {
        Facts {
            symptom: Symptom::ErrorShown,
            failing_step: FailingStep::TapPay,
            error_code: None,
            error_message: Some(message),
            description: "",
            checks_tried: &[],
            payment_method: None,
            scenario_allowed: true,
            learned: None,
        }
    }

    #[test]
    fn unmatched_tickets_group_by_what_they_said() {
        let list = [
            Unmatched { reference: "PD-A", facts: facts("喵喵错误 X9"), open: true },
            Unmatched { reference: "PD-B", facts: facts("喵喵错误，X9！"), open: false },
            Unmatched { reference: "PD-C", facts: facts("另一个"), open: true },
        ];
        let g = groups(&list);
        assert_eq!(
            g[0],
            Group {
                text: "喵喵错误x9".into(),
                suggestion: "喵喵错误x9".into(),
                count: 2,
                open: 1,
                references: vec!["PD-A".into(), "PD-B".into()]
            }
        );
        assert_eq!(g[1].count, 1);
    }

    #[test]
    fn numbers_are_masked_and_personal_phrases_refused() {
        let f = Facts { error_message: Some("订单 4200001234567890 处理异常 code 51"), ..facts("") };
        assert_eq!(said(&f), "订单#处理异常code 51");
        assert_eq!(suggestion(&said(&f)), "处理异常code 51");
        let rules = Rules::default_rules();
        let learned = Vocabulary::default();
        for p in ["li@example.com 出错", "卡号 6222021234 出错"] {
            assert!(matches!(preview(&rules, &learned, p, CaseKind::TimeoutBusy, &[]), Err(Refusal::Personal)), "{p}");
        }
    }

    #[test]
    fn a_phrase_is_tested_before_it_is_taught() {
        let rules = Rules::default_rules();
        let learned = Vocabulary::default();
        let recent = [Unmatched { reference: "PD-A", facts: facts("喵喵错误 X9"), open: true }];
        let p = preview(&rules, &learned, "喵喵错误", CaseKind::TimeoutBusy, &recent).unwrap();
        assert_eq!(p.tickets, [("PD-A".to_string(), CaseKind::TimeoutBusy)]);
        assert_eq!(p.before.correct, p.after.correct);
        // The quick score (only cases containing the phrase routed again)
        // is the full one: a phrase that moves corpus cases, checked both ways.
        let mut with = Vocabulary::default();
        with.add_phrase("请稍", CaseKind::RiskControl, Source::Learned).unwrap();
        let full = eval::score(&rules, eval::corpus(), Some(&with));
        let before = eval::score(&rules, eval::corpus(), None);
        let changes: Vec<(Case, CaseKind, CaseKind)> = eval::corpus()
            .iter()
            .filter_map(|c| {
                let (a, b) = (rules.route(&c.facts(None)).kind, rules.route(&c.facts(Some(&with))).kind);
                (a != b).then(|| (c.clone(), a, b))
            })
            .collect();
        let quick = before.with_changes(changes.iter().map(|(c, a, b)| (c, *a, *b)));
        assert_eq!((quick.correct, &quick.confusion), (full.correct, &full.confusion));
        assert!(matches!(preview(&rules, &learned, "  ", CaseKind::TimeoutBusy, &recent), Err(Refusal::Empty)));
        assert!(matches!(preview(&rules, &learned, "x", CaseKind::Other, &recent), Err(Refusal::Other)));
        assert!(matches!(
            preview(&rules, &learned, "余额不足", CaseKind::TimeoutBusy, &recent),
            Err(Refusal::Known(CaseKind::InsufficientFunds))
        ));
        // A phrase that would route a case the corpus calls `other` (and
        // routing gets right today) elsewhere is refused, naming the case.
        let cases = eval::parse(eval::CORPUS).unwrap();
        let case = cases
            .iter()
            .find(|c| c.expected == CaseKind::Other && c.error_message.is_some() && c.error_code.is_none())
            .unwrap();
        let message = case.error_message.as_deref().unwrap();
        let r = preview(&rules, &learned, message, CaseKind::TimeoutBusy, &recent);
        assert!(matches!(&r, Err(Refusal::Breaks(lines)) if lines.contains(&case.line)), "{:?}", r.err());
    }
}
