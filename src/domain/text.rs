//! Free text typed by customers: trimmed, bounded, and free of characters
//! that could disguise what an agent reads (control characters, bidi
//! overrides). Markup is fine here: every page escapes it on output.

/// How long each kind of free text may be, in characters: one place for
/// every form, page and the API. (The intake form's own fields have theirs
/// in `intake`.)
pub mod limits {
    /// A staff reply or internal note, a canned reply's body.
    pub const STAFF_MESSAGE: usize = 8000;
    /// A customer's message on their ticket, an incident update, a
    /// platform's answer: as long as the request's description.
    pub const MESSAGE: usize = crate::domain::intake::DESCRIPTION_MAX;
    /// Why an escalation is sent back.
    pub const REASON: usize = 2000;
    /// An incident's title.
    pub const TITLE: usize = 200;
    /// A canned reply's title, a platform's own reference for an answer.
    pub const SHORT_TITLE: usize = 120;
    /// The value an incident matches (a city, a kind, a step).
    pub const VALUE: usize = 100;
    /// A staff member's name, an API token's name.
    pub const NAME: usize = 80;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextError {
    TooLong { max: usize },
    BadCharacters,
}

/// Returns `None` for blank input.
pub fn clean(input: &str, max_chars: usize, multiline: bool) -> Result<Option<String>, TextError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    // Counted as sent, spaces around it included: what a form field's
    // `maxlength` and the API document's `maxLength` count.
    if input.chars().count() > max_chars {
        return Err(TextError::TooLong { max: max_chars });
    }
    if trimmed.chars().any(|c| is_forbidden(c, multiline)) {
        return Err(TextError::BadCharacters);
    }
    // One line-ending convention in storage, whatever the browser sent
    // (a lone carriage return, too, ends a line).
    let text = if multiline { trimmed.replace("\r\n", "\n").replace('\r', "\n") } else { trimmed.to_string() };
    Ok(Some(text))
}

/// Text that cannot be sent back to its writer (an email's subject or
/// body) made storable instead of refused: every character `clean` would
/// refuse in multiline text is dropped, and so are carriage returns (line
/// breaks and tabs stay). NUL, which PostgreSQL refuses, is one of them.
pub fn scrub(input: &str) -> String {
    input.chars().filter(|&c| c != '\r' && !is_forbidden(c, true)).collect()
}

/// Whether two email addresses are the same, as people type them (without
/// case, spaces around ignored). A blank one (a ticket the retention purge
/// anonymised) matches nothing.
pub fn same_email(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    !a.is_empty() && a.to_lowercase() == b.to_lowercase()
}

fn is_forbidden(c: char, multiline: bool) -> bool {
    let allowed_control = multiline && (c == '\n' || c == '\r' || c == '\t');
    (c.is_control() && !allowed_control)
        // Bidirectional embeddings, overrides and isolates.
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// Whether a character is a Chinese (CJK unified) ideograph: how paydesk
/// tells which language a text is in when nobody said.
pub fn is_cjk(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubbing_drops_what_clean_refuses_and_keeps_lines() {
        assert_eq!(scrub("hi\u{0}\r\nthere\u{202E}\t!"), "hi\nthere\t!");
        assert_eq!(clean(&scrub("a\u{7}b\u{2066}c"), 10, true), Ok(Some("abc".into())));
    }

    #[test]
    fn emails_match_without_case_and_a_blanked_one_never() {
        assert!(same_email("Li.Wei@Example.com", " li.wei@example.com "));
        assert!(!same_email("li.wei@example.com", "li.wei@example.cn"));
        assert!(!same_email("", ""));
        assert!(!same_email("  ", " "));
    }

    #[test]
    fn trims_and_treats_blank_as_absent() {
        assert_eq!(clean("  上海 ", 10, false), Ok(Some("上海".into())));
        assert_eq!(clean(" \t ", 10, false), Ok(None));
    }

    #[test]
    fn counts_characters_not_bytes() {
        assert_eq!(clean("系统繁忙", 4, false), Ok(Some("系统繁忙".into())));
        assert_eq!(clean("系统繁忙了", 4, false), Err(TextError::TooLong { max: 4 }));
    }

    #[test]
    fn refuses_control_and_bidi_characters() {
        assert_eq!(clean("a\u{0007}b", 10, true), Err(TextError::BadCharacters));
        assert_eq!(clean("a\nb", 10, false), Err(TextError::BadCharacters));
        assert_eq!(clean("a\r\nb", 10, true), Ok(Some("a\nb".into())));
        assert_eq!(clean("abc\u{202E}gpj.exe", 20, false), Err(TextError::BadCharacters));
    }

    #[test]
    fn keeps_markup_as_plain_text() {
        assert_eq!(clean("<b>x</b>", 20, false), Ok(Some("<b>x</b>".into())));
    }

    #[test]
    fn every_line_ending_is_stored_as_a_newline() {
        assert_eq!(clean("a\r\nb\rc\nd", 100, true), Ok(Some("a\nb\nc\nd".into())));
        assert_eq!(clean("a\r>", 100, true), Ok(Some("a\n>".into())));
    }
}
