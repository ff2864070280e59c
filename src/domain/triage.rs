//! What the queue shows for triage besides the ticket's own fields: a
//! snippet of the customer's words, and whether the customer has spoken
//! last (waiting for us), as Zendesk views and Zammad overviews do.

use super::codes::{EventAuthor, EventKind, Status};

/// How many characters of the customer's words the queue shows.
pub const SNIPPET_CHARS: usize = 80;

/// The first `max` characters of `text`, whitespace runs (line breaks
/// included) collapsed to one space, with `…` when something was cut.
/// Counted in characters, not bytes: Chinese text is cut between
/// characters, never inside one.
pub fn snippet(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let mut cut: String = flat.chars().take(max).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

/// The customer replied and waits for us: the ticket's last public entry
/// is a message of theirs (not the request itself: a new ticket is not a
/// reply), and the ticket is still ours to answer.
pub fn customer_replied(status: Status, last_public: Option<(EventAuthor, EventKind)>) -> bool {
    matches!(status, Status::New | Status::Open)
        && matches!(last_public, Some((EventAuthor::Customer, EventKind::CustomerMessage | EventKind::FactsAdded)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_are_short_flat_and_cut_between_characters() {
        assert_eq!(snippet("  paid\n\n twice  ", 80), "paid twice");
        assert_eq!(snippet("abcdef", 3), "abc…");
        assert_eq!(snippet("扣款了但是没到账", 4), "扣款了但…");
        assert_eq!(snippet("ab cd", 3), "ab…");
        assert_eq!(snippet(&"钱".repeat(200), SNIPPET_CHARS).chars().count(), SNIPPET_CHARS + 1);
    }

    #[test]
    fn the_customer_replied_when_their_message_is_last_and_it_is_ours() {
        let msg = Some((EventAuthor::Customer, EventKind::CustomerMessage));
        assert!(customer_replied(Status::Open, msg));
        assert!(customer_replied(Status::New, Some((EventAuthor::Customer, EventKind::FactsAdded))));
        // The request itself is not a reply.
        assert!(!customer_replied(Status::New, Some((EventAuthor::Customer, EventKind::Created))));
        // We answered last.
        assert!(!customer_replied(Status::Open, Some((EventAuthor::Staff, EventKind::PublicReply))));
        // Not waiting for us.
        assert!(!customer_replied(Status::PendingPlatform, msg));
        assert!(!customer_replied(Status::Closed, msg));
        assert!(!customer_replied(Status::Open, None));
    }
}
