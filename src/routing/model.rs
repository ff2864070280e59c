//! A second opinion learned from the corpus: naive Bayes over the words of
//! a ticket (issue 33). The vocabulary knows the phrases someone wrote
//! down; the next customer says it differently ("额度不够了", "卡里没钱",
//! a bank's SMS about its quick-pay limit). The model reads the same
//! normalised text as character pairs and triples, Chinese words cut by
//! jieba (its dictionary ships in the crate) and English words, and says
//! which kind those pieces most often meant in the corpus — with how sure
//! it is and which pieces counted most, so an agent sees why.
//!
//! Small and deterministic on purpose: trained at start from
//! `tests/routing/corpus.tsv` (built into the binary) and the phrases
//! admins taught, in milliseconds, no model file, no network. Routing asks
//! it only when the vocabulary found no cause (`Rules::route`).

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use super::eval::{self, Case};
use super::normalize::normalize;
use super::{Facts, Vocabulary};
use crate::domain::codes::CaseKind;

/// Below this, the model's guess is not acted on: the ticket stays `other`
/// and is marked for a human look. Chosen by cross-validation on the
/// corpus (`paydesk routing eval --cv 10`, README "Routing"): at or above
/// it, the model's guesses were right 97.6% of the time on folds it had not
/// seen (295 of 603 cases were that sure); vague words ("交易失败") fall
/// below it and go to a person.
pub const THRESHOLD: f64 = 0.8;

/// Additive smoothing: how much an unseen piece counts against a kind.
const ALPHA: f64 = 0.2;

/// Naive Bayes multiplies as if every piece were independent: the twenty
/// overlapping pieces of one phrase would make it certain of anything.
/// Scores are divided by this before they are turned into shares, so a
/// long, consistent description is sure and a vague "交易失败" is not.
/// Chosen with [`THRESHOLD`] by cross-validation on the corpus.
const TEMPERATURE: f64 = 5.0;

/// How many of the pieces that counted most a guess names.
const BECAUSE: usize = 3;

/// The model's answer for one ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct Guess {
    pub kind: CaseKind,
    /// The share of belief the kind gets among all kinds, 0–1.
    pub confidence: f64,
    /// The pieces of the text that pointed most to the kind, strongest first.
    pub because: Vec<String>,
}

impl Guess {
    pub fn sure(&self) -> bool {
        self.confidence >= THRESHOLD
    }

    /// `87%` for staff pages.
    pub fn percent(&self) -> u32 {
        (self.confidence * 100.0).round() as u32
    }

    /// How routing records it: `87% [限额 单笔 limit]`.
    pub fn evidence(&self) -> String {
        format!("{}% [{}]", self.percent(), self.because.join(" "))
    }
}

/// Counts per kind, turned into log-probabilities once.
#[derive(Debug)]
pub struct Model {
    kinds: Vec<CaseKind>,
    log_prior: Vec<f64>,
    /// piece → log P(piece | kind), in `kinds` order.
    log_given: HashMap<String, Vec<f64>>,
}

/// One example to learn from: its pieces and its kind.
pub struct Example {
    pub pieces: BTreeSet<String>,
    pub kind: CaseKind,
}

impl Example {
    pub fn of_case(case: &Case) -> Example {
        Example { pieces: pieces(&case.facts(None)), kind: case.expected }
    }
}

impl Model {
    /// Naive Bayes with each piece counted once per ticket (short texts:
    /// whether a word is there says more than how often).
    pub fn train<'a>(examples: impl IntoIterator<Item = &'a Example>) -> Model {
        let kinds: Vec<CaseKind> = CaseKind::ALL.to_vec();
        let n = kinds.len();
        let at = |k: CaseKind| kinds.iter().position(|x| *x == k).unwrap_or(0);
        let mut docs = vec![0usize; n];
        let mut totals = vec![0usize; n];
        let mut counts: HashMap<&str, Vec<usize>> = HashMap::new();
        for e in examples {
            let i = at(e.kind);
            docs[i] += 1;
            for p in &e.pieces {
                counts.entry(p.as_str()).or_insert_with(|| vec![0; n])[i] += 1;
                totals[i] += 1;
            }
        }
        let vocabulary = counts.len() as f64;
        let all_docs: usize = docs.iter().sum();
        let log_prior = docs.iter().map(|&d| ((d as f64 + 1.0) / (all_docs as f64 + n as f64)).ln()).collect();
        let denominators: Vec<f64> = totals.iter().map(|&t| t as f64 + ALPHA * vocabulary).collect();
        let log_given = counts
            .into_iter()
            .map(|(p, c)| {
                let row = c.iter().zip(&denominators).map(|(&c, d)| ((c as f64 + ALPHA) / d).ln()).collect();
                (p.to_string(), row)
            })
            .collect();
        Model { kinds, log_prior, log_given }
    }

    /// The kind these facts most likely are. Pieces never seen in training
    /// say nothing and are skipped; with none seen the guess is unsure.
    pub fn guess(&self, f: &Facts<'_>) -> Guess {
        self.guess_pieces(&pieces(f))
    }

    pub fn guess_pieces(&self, pieces: &BTreeSet<String>) -> Guess {
        let n = self.kinds.len();
        let mut score = self.log_prior.clone();
        let mut known = Vec::new();
        for p in pieces {
            if let Some(row) = self.log_given.get(p) {
                for (s, l) in score.iter_mut().zip(row) {
                    *s += l;
                }
                known.push((p, row));
            }
        }
        let top = score.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let weights: Vec<f64> = score.iter().map(|s| ((s - top) / TEMPERATURE).exp()).collect();
        let sum: f64 = weights.iter().sum();
        let best = (0..n).max_by(|&a, &b| score[a].total_cmp(&score[b]).then(b.cmp(&a))).unwrap_or(0);
        // The step and the symptom alone are where it failed, not what
        // went wrong: with no known word of text the guess is unsure.
        let words = known.iter().filter(|(p, _)| !p.starts_with('@')).count();
        let confidence = if words == 0 { 0.0 } else { weights[best] / sum };
        // A piece counts for the kind by how much likelier it is under it
        // than under the average other kind.
        let mut lift: Vec<(f64, &String)> = known
            .iter()
            .map(|(p, row)| {
                let others =
                    row.iter().enumerate().filter(|(i, _)| *i != best).map(|(_, l)| l).sum::<f64>() / (n - 1) as f64;
                (row[best] - others, *p)
            })
            .filter(|(l, p)| *l > 0.0 && !p.starts_with('@'))
            .collect();
        lift.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        let mut because: Vec<String> = Vec::new();
        for (_, p) in lift {
            // "余额不" and "余额" say the same thing twice: keep the longer.
            if because.iter().any(|b| b.contains(p.as_str()) || p.contains(b.as_str())) {
                continue;
            }
            because.push(p.clone());
            if because.len() == BECAUSE {
                break;
            }
        }
        Guess { kind: self.kinds[best], confidence, because }
    }

    /// How many distinct pieces the model knows.
    pub fn size(&self) -> usize {
        self.log_given.len()
    }
}

/// The built-in corpus as examples, cut once per process.
pub fn corpus_examples() -> &'static [Example] {
    static EXAMPLES: OnceLock<Vec<Example>> = OnceLock::new();
    EXAMPLES.get_or_init(|| eval::corpus().iter().map(Example::of_case).collect())
}

/// The model routing uses: the built-in corpus plus the phrases admins
/// taught. Trained again only when those phrases change.
pub fn trained(learned: Option<&Vocabulary>) -> Arc<Model> {
    /// The phrases a model was trained with, and the model: the last few,
    /// so an admin testing a phrase does not retrain intake's model.
    type Trained = (Vec<(String, CaseKind)>, Arc<Model>);
    static CACHE: OnceLock<Mutex<Vec<Trained>>> = OnceLock::new();
    let taught: Vec<(String, CaseKind)> =
        learned.map(|v| v.phrases().map(|(p, k)| (p.to_string(), k)).collect()).unwrap_or_default();
    let cache = CACHE.get_or_init(|| Mutex::new(Vec::new()));
    {
        let mut cached = cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(at) = cached.iter().position(|(p, _)| *p == taught) {
            // The most recently used last: intake's model is not pushed out
            // by an admin's previews.
            let hit = cached.remove(at);
            let model = hit.1.clone();
            cached.push(hit);
            return model;
        }
    }
    let extra: Vec<Example> =
        taught.iter().map(|(phrase, kind)| Example { pieces: text_pieces(phrase), kind: *kind }).collect();
    let model = Arc::new(Model::train(corpus_examples().iter().chain(&extra)));
    let mut cached = cache.lock().unwrap_or_else(|e| e.into_inner());
    if cached.len() >= 4 {
        cached.remove(0);
    }
    cached.push((taught, model.clone()));
    model
}

fn jieba() -> &'static jieba_rs::Jieba {
    static JIEBA: OnceLock<jieba_rs::Jieba> = OnceLock::new();
    JIEBA.get_or_init(jieba_rs::Jieba::new)
}

/// What the model reads of a ticket: the pieces of its code, message and
/// description, and the step it failed at and what the customer saw
/// (`@`-marked: they count, but are never shown as a reason).
pub fn pieces(f: &Facts<'_>) -> BTreeSet<String> {
    let text = [f.error_code.unwrap_or(""), f.error_message.unwrap_or(""), f.description].join(" ");
    let mut out = text_pieces(&text);
    out.insert(format!("@step:{}", f.failing_step));
    out.insert(format!("@symptom:{}", f.symptom));
    out
}

/// The pieces of a text: after [`normalize`] (Simplified, half-width,
/// voice-typing slips mended), each run of Chinese characters gives its
/// character pairs and triples and its jieba words; each ASCII word of two
/// letters or more, and each number of at most three digits (a bank's
/// answer code; longer ones are order and card numbers), is a piece.
pub fn text_pieces(text: &str) -> BTreeSet<String> {
    let text = normalize(text);
    let mut out = BTreeSet::new();
    let mut run = String::new();
    let mut word = String::new();
    let flush_word = |word: &mut String, out: &mut BTreeSet<String>| {
        let digits = word.chars().all(|c| c.is_ascii_digit());
        if (digits && word.len() <= 3) || (!digits && word.len() >= 2) {
            out.insert(std::mem::take(word));
        }
        word.clear();
    };
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_alphanumeric() {
            chinese_pieces(&std::mem::take(&mut run), &mut out);
            word.push(c);
        } else if c.is_alphanumeric() {
            flush_word(&mut word, &mut out);
            run.push(c);
        } else {
            flush_word(&mut word, &mut out);
            chinese_pieces(&std::mem::take(&mut run), &mut out);
        }
    }
    out
}

fn chinese_pieces(run: &str, out: &mut BTreeSet<String>) {
    if run.is_empty() {
        return;
    }
    let chars: Vec<char> = run.chars().collect();
    for n in [2, 3] {
        for w in chars.windows(n) {
            out.insert(w.iter().collect());
        }
    }
    for token in jieba().cut(run, true) {
        if token.word.chars().count() >= 2 {
            out.insert(token.word.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::codes::{FailingStep, Symptom};

    fn facts(message: &'static str, description: &'static str) -> Facts<'static> {
        Facts {
            symptom: Symptom::ErrorShown,
            failing_step: FailingStep::TapPay,
            error_code: None,
            error_message: Some(message),
            description,
            checks_tried: &[],
            payment_method: None,
            scenario_allowed: true,
            learned: None,
        }
    }

    #[test]
    fn pieces_are_pairs_triples_words_and_short_numbers() {
        let p = text_pieces("餘額不足 Limit exceeded, code 51, 订单 20261207123");
        for piece in ["余额", "额不", "余额不", "limit", "exceeded", "code", "51", "订单"] {
            assert!(p.contains(piece), "{piece} in {p:?}");
        }
        assert!(!p.iter().any(|x| x.contains("2026")), "long numbers are personal, not pieces: {p:?}");
    }

    #[test]
    fn the_model_trains_fast_and_reads_wording_no_phrase_lists() {
        let started = std::time::Instant::now();
        let model = trained(None);
        assert!(model.size() > 1000, "{} pieces", model.size());
        // Training is cheap once the corpus is cut (cutting is once per process).
        let again = std::time::Instant::now();
        let _ = Model::train(corpus_examples());
        assert!(again.elapsed() < std::time::Duration::from_secs(2), "{:?}", started.elapsed());
        let g = model.guess(&facts("支付失败", "银行短信说我这张卡超过了快捷支付的单笔额度"));
        assert_eq!(g.kind, CaseKind::InsufficientFunds, "{g:?}");
        assert!(!g.because.is_empty() && g.because.len() <= BECAUSE);
        assert!(g.because.iter().all(|b| !b.starts_with('@')), "{g:?}");
    }

    #[test]
    fn no_known_piece_is_no_confidence() {
        let g = trained(None).guess_pieces(&BTreeSet::from(["zzqx".to_string()]));
        assert_eq!(g.confidence, 0.0);
        assert!(!g.sure());
    }
}
