//! Telling a customer: every message to a customer goes by each channel
//! they chose at filing — an email (the whole message), an SMS (a short
//! notice with a link), or both. Queued in the caller's transaction.

use chrono::NaiveDateTime;
use diesel::{Connection, QueryResult};

use crate::db::sms::{self, NewSms};
use crate::db::tickets::Ticket;
use crate::db::{outbox, DbConn};
use crate::domain::codes::{CaseKind, MailKind};
use crate::i18n::Lang;

/// Where a ticket's customer is reached.
pub struct Customer<'a> {
    pub ticket_id: &'a str,
    pub language: Lang,
    pub case_kind: CaseKind,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
}

impl<'a> Customer<'a> {
    pub fn of(t: &'a Ticket) -> Self {
        Customer {
            ticket_id: &t.id,
            language: t.language,
            case_kind: t.case_kind,
            email: t.email_to(),
            phone: t.phone_to(),
        }
    }
}

/// Queues `kind` to the customer on each channel they chose (none once the
/// ticket was anonymised).
pub fn customer(
    conn: &mut DbConn,
    to: &Customer<'_>,
    kind: MailKind,
    event_id: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    if let Some(email) = to.email {
        outbox::enqueue(conn, kind, to.ticket_id, event_id, email, to.language, now)?;
    }
    if let Some(phone) = to.phone {
        let m = NewSms {
            kind,
            ticket_id: to.ticket_id,
            event_id,
            phone,
            language: to.language,
            urgent: crate::domain::sms::urgent(kind, Some(to.case_kind)),
            essential: crate::domain::sms::essential(kind),
            params: None,
        };
        sms::enqueue(conn, m, now)?;
    }
    Ok(())
}

/// A one-time code that opens `t`'s link, texted to `phone` (which the
/// caller matched to the ticket) — unless a code went to that number less
/// than a minute ago, or `requester` (the asking address) asked for too
/// many this hour: then nothing, and the asker sees the same page.
/// `true`: a code is on its way.
pub fn send_code(conn: &mut DbConn, t: &Ticket, phone: &str, requester: &str, now: NaiveDateTime) -> QueryResult<bool> {
    use crate::domain::sms::{new_code, CODES_PER_ADDRESS_HOUR, CODE_EVERY};
    conn.transaction(|conn| {
        let (last, by_requester) = sms::codes_lately(conn, phone, requester, now)?;
        if last.is_some_and(|at| at > now - CODE_EVERY) || by_requester >= CODES_PER_ADDRESS_HOUR {
            return Ok(false);
        }
        let code = new_code();
        sms::create_code(conn, &t.id, phone, &code, requester, now)?;
        let m = NewSms {
            kind: MailKind::FindCode,
            ticket_id: &t.id,
            event_id: None,
            phone,
            language: t.language,
            urgent: true,
            essential: true,
            params: Some(&code),
        };
        sms::enqueue(conn, m, now)?;
        Ok(true)
    })
}
