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
    /// The normalised message (or code, or the description's start).
    pub text: String,
    pub count: usize,
    pub open: usize,
    /// A few references, newest first as given.
    pub references: Vec<String>,
}

/// What a ticket said, for grouping: its message, else its code, else the
/// start of its description.
pub fn said(facts: &Facts<'_>) -> String {
    let text = [facts.error_message, facts.error_code]
        .into_iter()
        .flatten()
        .map(normalize)
        .find(|t| !t.is_empty())
        .unwrap_or_else(|| normalize(facts.description));
    text.chars().take(80).collect()
}

/// Groups, most frequent first; tickets that said nothing are left out.
pub fn groups(tickets: &[Unmatched<'_>]) -> Vec<Group> {
    let mut by_text: BTreeMap<String, Group> = BTreeMap::new();
    for t in tickets {
        let text = said(&t.facts);
        if text.is_empty() {
            continue;
        }
        let g = by_text.entry(text.clone()).or_insert(Group { text, count: 0, open: 0, references: vec![] });
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
    if let Some(k) = rules.vocabulary.phrase_kind(trimmed).or_else(|| learned.phrase_kind(trimmed)) {
        return Err(Refusal::Known(k));
    }
    let mut with = learned.clone();
    with.add_phrase(trimmed, kind, Source::Learned).map_err(|_| Refusal::Empty)?;
    let cases = eval::parse(eval::CORPUS).unwrap_or_default();
    let before = eval::score(rules, &cases, Some(learned));
    let after = eval::score(rules, &cases, Some(&with));
    let corpus_changes: Vec<(Case, CaseKind, CaseKind)> = cases
        .iter()
        .filter_map(|c| {
            let a = rules.route(&c.facts(Some(learned))).kind;
            let b = rules.route(&c.facts(Some(&with))).kind;
            (a != b).then(|| (c.clone(), a, b))
        })
        .collect();
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
            Group { text: "喵喵错误x9".into(), count: 2, open: 1, references: vec!["PD-A".into(), "PD-B".into()] }
        );
        assert_eq!(g[1].count, 1);
    }

    #[test]
    fn a_phrase_is_tested_before_it_is_taught() {
        let rules = Rules::default_rules();
        let learned = Vocabulary::default();
        let recent = [Unmatched { reference: "PD-A", facts: facts("喵喵错误 X9"), open: true }];
        let p = preview(&rules, &learned, "喵喵错误", CaseKind::TimeoutBusy, &recent).unwrap();
        assert_eq!(p.tickets, [("PD-A".to_string(), CaseKind::TimeoutBusy)]);
        assert_eq!(p.before.correct, p.after.correct);
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
