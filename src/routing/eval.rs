//! How well routing names the kind of case: a labelled corpus of realistic
//! requests (`tests/routing/corpus.tsv`), routed as intake would, scored per
//! kind (precision, recall) with the confusion table. `paydesk routing eval`
//! prints it; CI fails below [`MIN_ACCURACY`] overall or [`MIN_RECALL`] for
//! any kind; the README carries the table; an admin's new phrase is tested
//! against it before it is saved.

use std::fmt::Write as _;

use super::{Facts, Rules, Vocabulary};
use crate::domain::codes::{CaseKind, CheckTried, FailingStep, PaymentMethod, Symptom};

/// The corpus kept in the repository, built into the binary so the admin
/// page can test a phrase against it anywhere.
pub const CORPUS: &str = include_str!("../../tests/routing/corpus.tsv");

/// The built-in corpus, parsed once.
pub fn corpus() -> &'static [Case] {
    static PARSED: std::sync::OnceLock<Vec<Case>> = std::sync::OnceLock::new();
    PARSED.get_or_init(|| parse(CORPUS).expect("the corpus parses (tested)"))
}

/// Share of all cases routed to the kind the corpus names.
pub const MIN_ACCURACY: f64 = 0.95;
/// Share of each kind's cases routed to it.
pub const MIN_RECALL: f64 = 0.90;

/// One labelled case: what the customer told us, and the kind a good agent
/// would pick.
#[derive(Debug, Clone)]
pub struct Case {
    pub line: usize,
    pub expected: CaseKind,
    pub symptom: Symptom,
    pub failing_step: FailingStep,
    pub payment_method: Option<PaymentMethod>,
    pub checks_tried: Vec<CheckTried>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

impl Case {
    pub fn facts<'a>(&'a self, learned: Option<&'a Vocabulary>) -> Facts<'a> {
        Facts {
            symptom: self.symptom,
            failing_step: self.failing_step,
            error_code: self.error_code.as_deref(),
            error_message: self.error_message.as_deref(),
            description: "",
            checks_tried: &self.checks_tried,
            payment_method: self.payment_method,
            scenario_allowed: true,
            learned,
        }
    }
}

/// Reads the corpus: tab-separated `kind symptom step method checks code
/// message`, `-` for none, `#` comments. An error names the line.
pub fn parse(text: &str) -> Result<Vec<Case>, String> {
    let mut cases = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() || raw.trim_start().starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = raw.split('\t').collect();
        if cols.len() != 7 {
            return Err(format!("line {line}: {} columns, expected 7", cols.len()));
        }
        let none = |s: &str| {
            let s = s.trim();
            (!s.is_empty() && s != "-").then(|| s.to_string())
        };
        let bad = |what: &str, v: &str| format!("line {line}: unknown {what} {v:?}");
        let checks_tried = match none(cols[4]) {
            None => vec![],
            Some(list) => list
                .split(',')
                .map(|c| CheckTried::parse(c.trim()).ok_or_else(|| bad("check", c)))
                .collect::<Result<_, _>>()?,
        };
        cases.push(Case {
            line,
            expected: CaseKind::parse(cols[0].trim()).ok_or_else(|| bad("kind", cols[0]))?,
            symptom: Symptom::parse(cols[1].trim()).ok_or_else(|| bad("symptom", cols[1]))?,
            failing_step: FailingStep::parse(cols[2].trim()).ok_or_else(|| bad("step", cols[2]))?,
            payment_method: match none(cols[3]) {
                None => None,
                Some(m) => Some(PaymentMethod::parse(&m).ok_or_else(|| bad("payment method", &m))?),
            },
            checks_tried,
            error_code: none(cols[5]),
            error_message: none(cols[6]),
        });
    }
    Ok(cases)
}

/// The corpus routed: per case, what came out.
pub struct Score {
    pub cases: usize,
    pub correct: usize,
    /// `confusion[expected][got]`, in `CaseKind::ALL` order.
    pub confusion: Vec<Vec<usize>>,
    /// The cases routed wrong: (case, kind given).
    pub misses: Vec<(Case, CaseKind)>,
}

fn index(k: CaseKind) -> usize {
    CaseKind::ALL.iter().position(|x| *x == k).unwrap_or(0)
}

pub fn score(rules: &Rules, cases: &[Case], learned: Option<&Vocabulary>) -> Score {
    let n = CaseKind::ALL.len();
    let mut s = Score { cases: cases.len(), correct: 0, confusion: vec![vec![0; n]; n], misses: vec![] };
    for case in cases {
        let got = rules.route(&case.facts(learned)).kind;
        s.confusion[index(case.expected)][index(got)] += 1;
        if got == case.expected {
            s.correct += 1;
        } else {
            s.misses.push((case.clone(), got));
        }
    }
    s
}

impl Score {
    /// This score with some cases routed differently: (case, was, now).
    pub fn with_changes<'a>(&self, changes: impl Iterator<Item = (&'a Case, CaseKind, CaseKind)>) -> Score {
        let mut s = Score {
            cases: self.cases,
            correct: self.correct,
            confusion: self.confusion.clone(),
            misses: self.misses.clone(),
        };
        for (case, was, now) in changes {
            let row = index(case.expected);
            s.confusion[row][index(was)] -= 1;
            s.confusion[row][index(now)] += 1;
            if was == case.expected {
                s.correct -= 1;
                s.misses.push((case.clone(), now));
            } else {
                s.misses.retain(|(c, _)| c.line != case.line);
                if now == case.expected {
                    s.correct += 1;
                } else {
                    s.misses.push((case.clone(), now));
                }
            }
        }
        s
    }

    pub fn accuracy(&self) -> f64 {
        ratio(self.correct, self.cases)
    }

    /// Cases of this kind, routed to it / all routed to it / all of it.
    fn counts(&self, k: CaseKind) -> (usize, usize, usize) {
        let i = index(k);
        let hit = self.confusion[i][i];
        let given: usize = self.confusion.iter().map(|row| row[i]).sum();
        let actual: usize = self.confusion[i].iter().sum();
        (hit, given, actual)
    }

    pub fn recall(&self, k: CaseKind) -> f64 {
        let (hit, _, actual) = self.counts(k);
        ratio(hit, actual)
    }

    pub fn precision(&self, k: CaseKind) -> f64 {
        let (hit, given, _) = self.counts(k);
        ratio(hit, given)
    }

    /// What falls short of the bar, in words; empty when it passes.
    pub fn shortfalls(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.accuracy() < MIN_ACCURACY {
            out.push(format!("accuracy {:.1}% is below {:.0}%", self.accuracy() * 100.0, MIN_ACCURACY * 100.0));
        }
        for k in CaseKind::ALL {
            if self.counts(*k).2 > 0 && self.recall(*k) < MIN_RECALL {
                out.push(format!("{k}: recall {:.1}% is below {:.0}%", self.recall(*k) * 100.0, MIN_RECALL * 100.0));
            }
        }
        out
    }

    /// The per-kind table and the confusion table, as Markdown (the README
    /// carries this text as printed).
    pub fn table(&self) -> String {
        let mut t = String::new();
        let _ = writeln!(
            t,
            "Accuracy: {} of {} cases ({:.1}%).\n\n| kind | cases | precision | recall |\n|---|---:|---:|---:|",
            self.correct,
            self.cases,
            self.accuracy() * 100.0
        );
        for k in CaseKind::ALL {
            let (_, given, actual) = self.counts(*k);
            let precision = if given == 0 { "—".to_string() } else { format!("{:.1}%", self.precision(*k) * 100.0) };
            let _ = writeln!(t, "| {k} | {actual} | {precision} | {:.1}% |", self.recall(*k) * 100.0);
        }
        let _ = writeln!(t, "\nConfusion (rows: the corpus's kind; columns: routed to):\n");
        let short = |k: &CaseKind| k.as_str();
        let _ = writeln!(t, "| | {} |", CaseKind::ALL.iter().map(short).collect::<Vec<_>>().join(" | "));
        let _ = writeln!(t, "|---|{}", "---:|".repeat(CaseKind::ALL.len()));
        for (i, k) in CaseKind::ALL.iter().enumerate() {
            let row: Vec<String> = self.confusion[i].iter().map(|n| n.to_string()).collect();
            let _ = writeln!(t, "| {} | {} |", short(k), row.join(" | "));
        }
        t
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_corpus_reads_and_a_bad_line_is_named() {
        let cases = parse(CORPUS).unwrap();
        assert!(cases.len() >= 300, "{} cases", cases.len());
        let e = parse("# x\ntimeout_busy\terror_shown\ttap_pay\t-\t-\t-\n").unwrap_err();
        assert_eq!(e, "line 2: 6 columns, expected 7");
        let e = parse("slow\terror_shown\ttap_pay\t-\t-\t-\tx\n").unwrap_err();
        assert_eq!(e, "line 1: unknown kind \"slow\"");
    }

    /// The bar CI holds routing to, on the corpus in the repository.
    #[test]
    fn routing_meets_the_bar_on_the_corpus() {
        let cases = parse(CORPUS).unwrap();
        let s = score(&Rules::default_rules(), &cases, None);
        let misses: Vec<String> = s
            .misses
            .iter()
            .map(|(c, got)| format!("line {}: {} → {got}: {:?}", c.line, c.expected, c.error_message))
            .collect();
        assert!(s.shortfalls().is_empty(), "{:?}\nmisses:\n{}", s.shortfalls(), misses.join("\n"));
    }

    /// The README shows the table `paydesk routing eval` prints today.
    #[test]
    fn the_readme_carries_the_current_score() {
        let readme = include_str!("../../README.md");
        let s = score(&Rules::default_rules(), &parse(CORPUS).unwrap(), None);
        assert!(readme.contains(&s.table()), "update the README's table with `paydesk routing eval`:\n{}", s.table());
    }
}
