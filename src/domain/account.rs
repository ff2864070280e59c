//! Utility account numbers. Only a masked form is ever kept: we never need the
//! whole number, and a leaked help desk must not leak customers' accounts.

use std::fmt;

/// Characters that may stand visible at the start and at the end.
const VISIBLE_PREFIX: usize = 2;
const VISIBLE_SUFFIX: usize = 4;
/// Below this length showing the first two characters as well would leave too
/// little hidden, so short numbers keep only their last four.
const PREFIX_FROM_LEN: usize = 10;
const MIN_LEN: usize = 6;
const MAX_LEN: usize = 32;

/// An account number with everything but (at most) its first 2 and last 4
/// characters replaced by `*`. The only form of an account number this
/// program holds after parsing.
#[derive(Clone, PartialEq, Eq)]
pub struct MaskedAccount(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountError {
    /// Nothing typed.
    Missing,
    /// Characters other than letters, digits, `*`, spaces or dashes.
    BadCharacters,
    /// Shorter than any utility account number, or far longer.
    BadLength,
    /// So much hidden that an agent could not find the account: the last
    /// four characters must be visible.
    TooHidden,
}

impl MaskedAccount {
    /// Masks what the customer typed: digits and letters, optionally hidden in
    /// part with `*`, spaces and dashes ignored.
    pub fn parse(input: &str) -> Result<Self, AccountError> {
        let chars: Vec<char> = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| if c == '＊' { '*' } else { c })
            .collect();
        if chars.is_empty() {
            return Err(AccountError::Missing);
        }
        if !chars.iter().all(|c| c.is_ascii_alphanumeric() || *c == '*') {
            return Err(AccountError::BadCharacters);
        }
        let len = chars.len();
        if !(MIN_LEN..=MAX_LEN).contains(&len) {
            return Err(AccountError::BadLength);
        }
        if chars[len - VISIBLE_SUFFIX..].contains(&'*') {
            return Err(AccountError::TooHidden);
        }
        let prefix = if len >= PREFIX_FROM_LEN { VISIBLE_PREFIX } else { 0 };
        let masked = chars
            .iter()
            .enumerate()
            .map(|(i, c)| if i < prefix || i >= len - VISIBLE_SUFFIX { c.to_ascii_uppercase() } else { '*' })
            .collect();
        Ok(MaskedAccount(masked))
    }

    /// Rebuilds from storage, where only masked forms are written.
    pub fn from_stored(masked: String) -> Self {
        MaskedAccount(masked)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last four characters, which staff search by.
    pub fn last_four(&self) -> &str {
        &self.0[self.0.len() - VISIBLE_SUFFIX..]
    }
}

impl fmt::Display for MaskedAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for MaskedAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MaskedAccount({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn keeps_first_two_and_last_four_of_a_long_number() {
        assert_eq!(MaskedAccount::parse("3100 1234 4821").unwrap().as_str(), "31******4821");
        assert_eq!(MaskedAccount::parse("31-0012-344821").unwrap().as_str(), "31******4821");
    }

    #[test]
    fn short_numbers_keep_only_the_last_four() {
        assert_eq!(MaskedAccount::parse("12344821").unwrap().as_str(), "****4821");
    }

    #[test]
    fn accepts_what_the_customer_already_hid() {
        assert_eq!(MaskedAccount::parse("31******4821").unwrap().as_str(), "31******4821");
        assert_eq!(MaskedAccount::parse("**********4821").unwrap().as_str(), "**********4821");
        assert_eq!(MaskedAccount::parse("31＊＊＊＊＊＊4821").unwrap().as_str(), "31******4821");
    }

    #[test]
    fn refuses_what_cannot_be_an_account_number() {
        assert_eq!(MaskedAccount::parse("  "), Err(AccountError::Missing));
        assert_eq!(MaskedAccount::parse("31<b>4821"), Err(AccountError::BadCharacters));
        assert_eq!(MaskedAccount::parse("账号12345678"), Err(AccountError::BadCharacters));
        assert_eq!(MaskedAccount::parse("4821"), Err(AccountError::BadLength));
        assert_eq!(MaskedAccount::parse(&"1".repeat(33)), Err(AccountError::BadLength));
        assert_eq!(MaskedAccount::parse("3100123448**"), Err(AccountError::TooHidden));
    }

    proptest! {
        /// Whatever is typed, the stored form reveals at most the first 2 and
        /// the last 4 characters of the input, and hides the rest.
        #[test]
        fn never_reveals_more_than_allowed(input in "[0-9A-Za-z* -]{0,40}") {
            if let Ok(masked) = MaskedAccount::parse(&input) {
                let typed: Vec<char> = input.chars().filter(|c| *c != ' ' && *c != '-').collect();
                let shown: Vec<char> = masked.as_str().chars().collect();
                prop_assert_eq!(shown.len(), typed.len());
                let visible = shown.iter().filter(|c| **c != '*').count();
                prop_assert!(visible <= VISIBLE_PREFIX + VISIBLE_SUFFIX);
                for (i, c) in shown.iter().enumerate() {
                    if *c != '*' {
                        prop_assert!(i < VISIBLE_PREFIX || i >= shown.len() - VISIBLE_SUFFIX);
                        prop_assert_eq!(*c, typed[i].to_ascii_uppercase());
                    }
                }
                // Masking a masked form changes nothing (a re-submitted form).
                prop_assert_eq!(MaskedAccount::parse(masked.as_str()).unwrap(), masked);
            }
        }
    }
}
