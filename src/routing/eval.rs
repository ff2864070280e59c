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
    /// The customer's own words (an optional eighth column).
    pub description: String,
}

impl Case {
    pub fn facts<'a>(&'a self, learned: Option<&'a Vocabulary>) -> Facts<'a> {
        Facts {
            symptom: self.symptom,
            failing_step: self.failing_step,
            error_code: self.error_code.as_deref(),
            error_message: self.error_message.as_deref(),
            description: &self.description,
            checks_tried: &self.checks_tried,
            payment_method: self.payment_method,
            scenario_allowed: true,
            learned,
        }
    }
}

/// Reads the corpus: tab-separated `kind symptom step method checks code
/// message [description]`, `-` for none, `#` comments. An error names the
/// line.
pub fn parse(text: &str) -> Result<Vec<Case>, String> {
    let mut cases = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() || raw.trim_start().starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = raw.split('\t').collect();
        if !(7..=8).contains(&cols.len()) {
            return Err(format!("line {line}: {} columns, expected 7 or 8", cols.len()));
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
            description: cols.get(7).and_then(|d| none(d)).unwrap_or_default(),
        });
    }
    Ok(cases)
}

/// A ticket's facts as one corpus row (eight columns), for a team to grow
/// its corpus from the kinds its agents set by hand. Free text is kept on
/// one line, and numbers and addresses that could be personal are masked:
/// every number of four or more digits, even written in groups ("139 1234
/// 5678", "139-1234-5678", full-width), becomes `#`, and a word with `@`
/// in it (an email address) becomes `#@#`. Names and street addresses are
/// not recognised: rows are for a person to review before they join a
/// corpus. The error code is kept as printed (`40004` is a code, not a
/// phone number).
pub fn corpus_row(kind: CaseKind, f: &Facts<'_>) -> String {
    let one_line = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    let column = |t: String| if t.is_empty() { "-".to_string() } else { t };
    let checks: Vec<&str> = f.checks_tried.iter().map(|c| c.as_str()).collect();
    [
        kind.as_str().to_string(),
        f.symptom.as_str().to_string(),
        f.failing_step.as_str().to_string(),
        f.payment_method.map(|m| m.as_str().to_string()).unwrap_or_else(|| "-".into()),
        if checks.is_empty() { "-".into() } else { checks.join(",") },
        column(one_line(f.error_code.unwrap_or(""))),
        column(scrub(f.error_message.unwrap_or(""))),
        column(scrub(f.description)),
    ]
    .join("\t")
}

/// Masks what could be personal in free text (see [`corpus_row`]).
fn scrub(text: &str) -> String {
    // Full-width digits and ＠ count as their ASCII selves; the rest of
    // the customer's punctuation stays as typed.
    let text: String = text
        .chars()
        .map(|c| match c {
            '０'..='９' | '＠' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        })
        .collect();
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    // An email address: the letters, digits and . _ % + - around an @.
    let email_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-');
    let mut masked = String::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find('@') {
        let start = rest[..at]
            .rfind(|c: char| !email_char(c))
            .map_or(0, |i| i + rest[i..].chars().next().map_or(1, char::len_utf8));
        let end = rest[at + 1..].find(|c: char| !email_char(c)).map_or(rest.len(), |i| at + 1 + i);
        masked.push_str(&rest[..start]);
        masked.push_str("#@#");
        rest = &rest[end..];
    }
    masked.push_str(rest);
    let text = masked;
    // Runs of digits, with the single spaces or dashes people write
    // between groups, are one number.
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let (start, mut end, mut digits) = (i, i, 0);
        let mut j = i;
        while j < chars.len() {
            if chars[j].is_ascii_digit() {
                digits += 1;
                end = j + 1;
                j += 1;
            } else if matches!(chars[j], ' ' | '-') && chars.get(j + 1).is_some_and(|c| c.is_ascii_digit()) {
                j += 1;
            } else {
                break;
            }
        }
        if digits >= 4 {
            out.push('#');
        } else {
            out.extend(&chars[start..end]);
        }
        i = end;
    }
    out
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
    Score::of(cases.iter().map(|c| (c, rules.route(&c.facts(learned)).kind)))
}

/// k-fold cross-validation (`paydesk routing eval --cv 10`): every case
/// routed by the vocabulary alone, by the model alone (its best guess,
/// however unsure) and by both together, the model trained each time on
/// the other folds only. Cases are dealt to folds in turn, so the split is
/// the same every run. The vocabulary was written with the whole corpus in
/// view, so its figure is not a held-out one; the model's is.
pub struct CrossValidation {
    pub folds: usize,
    pub vocabulary: Score,
    pub model: Score,
    pub both: Score,
}

pub fn cross_validate(rules: &Rules, cases: &[Case], folds: usize) -> CrossValidation {
    use super::model::{Example, Model};
    let folds = folds.clamp(2, cases.len().max(2));
    let examples: Vec<Example> = cases.iter().map(Example::of_case).collect();
    let (mut alone, mut both) = (Vec::new(), Vec::new());
    for fold in 0..folds {
        let model = Model::train(examples.iter().enumerate().filter(|(i, _)| i % folds != fold).map(|(_, e)| e));
        for (i, case) in cases.iter().enumerate().filter(|(i, _)| i % folds == fold) {
            alone.push((case, model.guess_pieces(&examples[i].pieces).kind));
            both.push((case, rules.route_with(&case.facts(None), Some(&model)).kind));
        }
    }
    CrossValidation {
        folds,
        vocabulary: Score::of(cases.iter().map(|c| (c, rules.route_with(&c.facts(None), None).kind))),
        model: Score::of(alone.into_iter()),
        both: Score::of(both.into_iter()),
    }
}

impl CrossValidation {
    /// One line per way of routing, then per-kind recall side by side.
    pub fn table(&self) -> String {
        let mut t = String::new();
        let _ = writeln!(t, "{}-fold cross-validation, {} cases.\n", self.folds, self.both.cases);
        let _ = writeln!(t, "| kind | vocabulary alone | model alone | both |\n|---|---:|---:|---:|");
        let pct = |x: f64| format!("{:.1}%", x * 100.0);
        let _ = writeln!(
            t,
            "| **accuracy** | {} | {} | {} |",
            pct(self.vocabulary.accuracy()),
            pct(self.model.accuracy()),
            pct(self.both.accuracy())
        );
        for k in CaseKind::ALL {
            let _ = writeln!(
                t,
                "| {k} recall | {} | {} | {} |",
                pct(self.vocabulary.recall(*k)),
                pct(self.model.recall(*k)),
                pct(self.both.recall(*k))
            );
        }
        t
    }
}

impl Score {
    /// Scores (case, kind routed to) pairs.
    pub fn of<'a>(routed: impl Iterator<Item = (&'a Case, CaseKind)>) -> Score {
        let n = CaseKind::ALL.len();
        let mut s = Score { cases: 0, correct: 0, confusion: vec![vec![0; n]; n], misses: vec![] };
        for (case, got) in routed {
            s.add(case, got);
        }
        s
    }

    fn add(&mut self, case: &Case, got: CaseKind) {
        let s = self;
        s.cases += 1;
        s.confusion[index(case.expected)][index(got)] += 1;
        if got == case.expected {
            s.correct += 1;
        } else {
            s.misses.push((case.clone(), got));
        }
    }
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
    fn a_corrected_ticket_becomes_a_corpus_row_without_personal_data() {
        let checks = [CheckTried::SwitchedNetwork, CheckTried::RetriedLater];
        let f = Facts {
            symptom: Symptom::ErrorShown,
            failing_step: FailingStep::TapPay,
            error_code: Some("51"),
            error_message: Some("交易失败\t(51)"),
            description: "卡号 6222021234567890 还是不行，\n联系我 a.b@example.com 或 13912345678",
            checks_tried: &checks,
            payment_method: Some(PaymentMethod::BankCard),
            scenario_allowed: true,
            learned: None,
        };
        let row = corpus_row(CaseKind::InsufficientFunds, &f);
        assert_eq!(
            row,
            "insufficient_funds\terror_shown\ttap_pay\tbank_card\tswitched_network,retried_later\t51\t交易失败 (51)\t\
             卡号 # 还是不行， 联系我 #@# 或 #"
        );
        let f = Facts {
            error_code: Some("40004"),
            description: "电话 139-1234-5678 或 139 1234 5678，１３９１２３４５６７８，邮箱 a＠b.cn，扣了 88 元",
            ..f
        };
        let row = corpus_row(CaseKind::InsufficientFunds, &f);
        assert!(row.ends_with("\t40004\t交易失败 (51)\t电话 # 或 #，#，邮箱 #@#，扣了 88 元"), "{row}");
        let back = parse(&row).unwrap();
        assert_eq!((back[0].expected, back[0].checks_tried.len()), (CaseKind::InsufficientFunds, 2));
    }

    #[test]
    fn the_corpus_reads_and_a_bad_line_is_named() {
        let cases = parse(CORPUS).unwrap();
        assert!(cases.len() >= 300, "{} cases", cases.len());
        let e = parse("# x\ntimeout_busy\terror_shown\ttap_pay\t-\t-\t-\n").unwrap_err();
        assert_eq!(e, "line 2: 6 columns, expected 7 or 8");
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

    /// Cross-validated, the vocabulary and the model together meet the
    /// issue's bar: 97% of cases, no kind below 90% (issue 33).
    #[test]
    fn vocabulary_and_model_together_meet_the_bar_cross_validated() {
        let cv = cross_validate(&Rules::default_rules(), corpus(), 10);
        assert!(cv.both.accuracy() >= 0.97, "{}", cv.table());
        for k in CaseKind::ALL {
            assert!(cv.both.recall(*k) >= MIN_RECALL, "{k}: {}", cv.table());
        }
        // The same split every run: the figure in the README is the figure.
        let again = cross_validate(&Rules::default_rules(), corpus(), 10);
        assert_eq!(cv.table(), again.table());
    }

    /// The README shows the table `paydesk routing eval` prints today.
    #[test]
    fn the_readme_carries_the_current_score() {
        let readme = include_str!("../../README.md");
        let s = score(&Rules::default_rules(), &parse(CORPUS).unwrap(), None);
        assert!(readme.contains(&s.table()), "update the README's table with `paydesk routing eval`:\n{}", s.table());
        let cv = cross_validate(&Rules::default_rules(), corpus(), 10);
        assert!(
            readme.contains(&cv.table()),
            "update the README's table with `paydesk routing eval --cv 10`:\n{}",
            cv.table()
        );
    }
}
