//! Word search: what words a ticket holds, what an agent's search asks
//! for, and which hit is most relevant. Written once here, so SQLite and
//! PostgreSQL index the same terms and find the same tickets.
//!
//! Chinese has no spaces, and a segmenter cuts the same words differently
//! in different sentences ("已扣款" vs "扣款失败"), so a ticket indexed by
//! its segments can miss a search segmented on its own. Instead every run
//! of Chinese characters is indexed by its overlapping character pairs
//! (bigrams), and a search asks for every pair of what was typed: "系统繁忙"
//! finds 系统 + 统繁 + 繁忙, which is the phrase in all but rare cases, and
//! a two-character word — most Chinese words — is one pair, one lookup. A
//! single character is asked as a prefix (each run's last character is
//! indexed alone so that prefixes reach it). ASCII words and numbers (an
//! English sentence, an error code, the last digits of an account) are
//! indexed whole. Everything passes through [`normalize`] first, so
//! Traditional, full-width and voice-typed text finds its Simplified
//! twin.

use std::collections::BTreeSet;

use super::normalize::normalize;

/// Bumped when [`terms`] changes: tickets indexed by an older version are
/// indexed again when the server starts.
pub const VERSION: i32 = 1;

/// Numbers longer than this are not indexed.
const MAX_DIGITS: usize = 8;

/// Terms longer than this are cut (a pasted hash or a run of digits).
const MAX_TERM_CHARS: usize = 40;

/// The terms a ticket is indexed by, from all of its texts.
pub fn terms<'a>(texts: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for text in texts {
        for piece in pieces(&normalize(text)) {
            match piece {
                Piece::Chinese(run) => {
                    let chars: Vec<char> = run.chars().collect();
                    for pair in chars.windows(2) {
                        out.insert(pair.iter().collect());
                    }
                    if let Some(last) = chars.last() {
                        out.insert(last.to_string());
                    }
                }
                // A long number is a phone, card or account number typed in a
                // message: never a term (the order number is searched whole,
                // by its own column).
                Piece::Word(word) if word.len() > MAX_DIGITS && word.bytes().all(|b| b.is_ascii_digit()) => {}
                Piece::Word(word) => {
                    out.insert(word.chars().take(MAX_TERM_CHARS).collect());
                }
            }
        }
    }
    out
}

/// One term of a search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub text: String,
    /// Matches any indexed term that starts with `text` (a single Chinese
    /// character).
    pub prefix: bool,
}

/// What an agent searched for: every term must be held by a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub terms: Vec<Term>,
    /// The search, normalised: a ticket holding it as one phrase ranks
    /// first.
    pub phrase: String,
}

/// Most terms a search asks for: a pasted paragraph searches its start.
const MAX_QUERY_TERMS: usize = 16;

impl Query {
    /// The terms of a search; `None` when it holds no letter or digit.
    /// Spaces part words ("扣款 余额": both, anywhere), though a ticket's
    /// own text reads through them.
    pub fn parse(text: &str) -> Option<Query> {
        let phrase = normalize(text);
        let mut terms: Vec<Term> = Vec::new();
        let mut add = |text: String, prefix: bool| {
            if !terms.iter().any(|t| t.text == text) && terms.len() < MAX_QUERY_TERMS {
                terms.push(Term { text, prefix });
            }
        };
        for piece in text.split_whitespace().flat_map(|part| pieces(&normalize(part))) {
            match piece {
                Piece::Chinese(run) => {
                    let chars: Vec<char> = run.chars().collect();
                    if chars.len() == 1 {
                        add(run, true);
                    }
                    for pair in chars.windows(2) {
                        add(pair.iter().collect(), false);
                    }
                }
                Piece::Word(word) => add(word.chars().take(MAX_TERM_CHARS).collect(), false),
            }
        }
        (!terms.is_empty()).then_some(Query { terms, phrase })
    }
}

/// Where a text sits on a ticket: what the screen said weighs most, then
/// the customer's own words, then the facts around them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The error code and message on the screen.
    Screen,
    /// The customer's description.
    Description,
    /// City, masked account, order number.
    Facts,
}

impl Field {
    fn weight(self) -> u32 {
        match self {
            Field::Screen => 3,
            Field::Description => 2,
            Field::Facts => 1,
        }
    }
}

/// How relevant a ticket that holds every term is: for each field, twice
/// its weight when it holds the whole search as written, else its weight
/// for each term it holds. A hit only in the conversation scores 0 and
/// comes after, newest first like every tie.
pub fn relevance(query: &Query, fields: &[(Field, &str)]) -> u32 {
    fields
        .iter()
        .map(|(field, text)| {
            let text = normalize(text);
            if text.is_empty() {
                0
            } else if !query.phrase.is_empty() && text.contains(&query.phrase) {
                2 * field.weight() * query.terms.len() as u32
            } else {
                field.weight() * query.terms.iter().filter(|t| text.contains(&t.text)).count() as u32
            }
        })
        .sum()
}

enum Piece {
    Chinese(String),
    Word(String),
}

/// A normalised text cut into runs of non-ASCII letters (Chinese) and ASCII
/// words, dropping everything else.
fn pieces(text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut run = String::new();
    let mut word = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_alphanumeric() {
            if !run.is_empty() {
                out.push(Piece::Chinese(std::mem::take(&mut run)));
            }
            word.push(c);
        } else if c.is_alphanumeric() {
            if !word.is_empty() {
                out.push(Piece::Word(std::mem::take(&mut word)));
            }
            run.push(c);
        } else {
            if !run.is_empty() {
                out.push(Piece::Chinese(std::mem::take(&mut run)));
            }
            if !word.is_empty() {
                out.push(Piece::Word(std::mem::take(&mut word)));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holds(ticket: &[&str], search: &str) -> bool {
        let indexed = terms(ticket.iter().copied());
        let q = Query::parse(search).expect("a search");
        q.terms.iter().all(|t| {
            if t.prefix {
                indexed.iter().any(|i| i.starts_with(&t.text))
            } else {
                indexed.contains(&t.text)
            }
        })
    }

    #[test]
    fn two_character_words_phrases_and_single_characters_are_found() {
        let ticket = ["系统繁忙，请稍后再试", "钱已经扣款了但账单未缴", "上海"];
        assert!(holds(&ticket, "扣款"));
        assert!(holds(&ticket, "系统繁忙"));
        assert!(holds(&ticket, "上海"));
        assert!(holds(&ticket, "缴"), "a run's last character is found alone");
        assert!(holds(&ticket, "扣"));
        assert!(!holds(&ticket, "余额不足"));
        assert!(!holds(&ticket, "繁忙系统"), "the pairs of another order are not all there");
    }

    #[test]
    fn traditional_full_width_and_voice_typing_find_their_simplified_twin() {
        let ticket = ["餘額不足", "ＡＣＱ．ＳＹＳＴＥＭ＿ＥＲＲＯＲ", "于额不够"];
        assert!(holds(&ticket, "余额不足"));
        assert!(holds(&ticket, "acq.system_error"));
        assert!(holds(&ticket, "SYSTEM"));
        assert!(holds(&ticket, "餘額"));
    }

    #[test]
    fn english_words_inside_chinese_and_digits_of_a_masked_account() {
        let ticket = ["点了pay按钮没反应，app版本8.0.50", "31******4821", "Timeout again"];
        assert!(holds(&ticket, "pay"));
        assert!(holds(&ticket, "App"));
        assert!(holds(&ticket, "4821"));
        assert!(holds(&ticket, "timeout"));
        assert!(!holds(&ticket, "time"), "English words are whole words");
        assert!(holds(&ticket, "按钮 pay"));
        assert!(holds(&ticket, "版本 按钮"), "words apart, in any order");
    }

    #[test]
    fn phone_card_and_account_numbers_are_never_terms() {
        let indexed = terms(["请打我电话13812345678，卡号6222021234567890123，金额286元"]);
        assert!(indexed.iter().all(|t| !t.contains("1381") && !t.contains("6222")), "{indexed:?}");
        assert!(indexed.contains("286"));
    }

    #[test]
    fn a_search_without_letters_is_none() {
        assert_eq!(Query::parse("  ，。!! "), None);
        assert_eq!(Query::parse("扣").unwrap().terms, vec![Term { text: "扣".into(), prefix: true }]);
    }

    #[test]
    fn the_screen_then_the_words_then_the_facts_and_whole_phrases_first() {
        let q = Query::parse("余额不足").unwrap();
        let on_screen = relevance(&q, &[(Field::Screen, "余额不足"), (Field::Description, "付不了")]);
        let in_words = relevance(&q, &[(Field::Screen, "交易失败"), (Field::Description, "卡里余额不足")]);
        let scattered = relevance(&q, &[(Field::Description, "余额够的，额不对，不足？")]);
        let in_talk = relevance(&q, &[(Field::Screen, "交易失败")]);
        assert!(
            on_screen > in_words && in_words > scattered && scattered > in_talk,
            "{on_screen} {in_words} {scattered}"
        );
        assert_eq!(in_talk, 0);
    }
}
