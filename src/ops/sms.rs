//! What comes back by SMS: a customer's reply becomes their message on the
//! ticket, exactly as an email reply does (it reopens or un-pauses it); a
//! "TD" stops non-essential SMS to the number; a delivery receipt settles
//! what became of one we sent.

use chrono::NaiveDateTime;
use diesel::{Connection, QueryResult};

use crate::db::sms;
use crate::db::tickets::{self as store, insert_event, NewEvent};
use crate::db::DbConn;
use crate::domain::codes::{EventAuthor, EventKind};
use crate::routing::Rules;

/// What a reply did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// On the ticket, as the customer's message.
    Added,
    /// The number asked to stop.
    Stopped,
    /// The same push again (the provider retries): nothing more done.
    Duplicate,
    /// No ticket of this number to put it on, or its ticket anonymised.
    Unmatched,
}

/// The longest reply kept (an SMS is short; a long one is split and
/// joined by the phone).
const MAX_CHARS: usize = 2000;

/// A customer's SMS reply from `phone` (normalised), sent back to
/// `dest_code` (the extension code of the ticket's SMS, or empty).
/// `sequence_id`: the provider's id of the reply, to drop a push sent again.
pub fn receive_reply(
    conn: &mut DbConn,
    phone: &str,
    dest_code: &str,
    content: &str,
    sequence_id: Option<&str>,
    rules: &Rules,
    now: NaiveDateTime,
) -> QueryResult<Reply> {
    let body: String =
        content.chars().filter(|c| !c.is_control() || *c == '\n').take(MAX_CHARS).collect::<String>().trim().into();
    let target = conn.transaction(|conn| -> QueryResult<Result<Option<String>, Reply>> {
        let target = sms::reply_target(conn, phone, dest_code)?;
        if !sms::record_reply(conn, phone, target.as_deref(), sequence_id, now)? {
            return Ok(Err(Reply::Duplicate));
        }
        if crate::domain::sms::is_stop(&body) {
            sms::opt_out(conn, phone, now)?;
            if let Some(id) = &target {
                let t = store::find_by_id(conn, id)?.ok_or(diesel::result::Error::NotFound)?;
                let note = t.language.t_with("sms-stopped-note", "word", body.as_str());
                let e = NewEvent {
                    is_public: false,
                    ..NewEvent::public(EventKind::InternalNote, EventAuthor::System, &note)
                };
                insert_event(conn, id, e, now)?;
            }
            return Ok(Err(Reply::Stopped));
        }
        Ok(Ok(target))
    })?;
    let ticket_id = match target {
        Err(done) => return Ok(done),
        Ok(None) => return Ok(Reply::Unmatched),
        Ok(Some(id)) => id,
    };
    let Some(ticket) = store::find_by_id(conn, &ticket_id)? else { return Ok(Reply::Unmatched) };
    if ticket.anonymised() || body.is_empty() {
        return Ok(Reply::Unmatched);
    }
    use super::intake::{add_customer_message, CustomerMessage};
    Ok(match add_customer_message(conn, &ticket, &body, None, rules, now)? {
        CustomerMessage::Added => Reply::Added,
        CustomerMessage::Anonymised | CustomerMessage::TooManyScreenshots => Reply::Unmatched,
    })
}
