//! SMS to customers: the queue (queued in the transaction of the change
//! that causes them, as the email outbox), what became of each, one-time
//! codes for a lost link, numbers that asked to stop, and numbers that
//! wrote to us.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{sms_codes, sms_messages, sms_optouts, sms_replies, tickets};
use super::{new_id, DbConn};
use crate::domain::codes::{MailKind, SmsStatus, Status};
use crate::domain::reference::hash_secret;
use crate::i18n::Lang;

/// An SMS to queue.
pub struct NewSms<'a> {
    pub kind: MailKind,
    pub ticket_id: &'a str,
    pub event_id: Option<&'a str>,
    pub phone: &'a str,
    pub language: Lang,
    /// Goes even in quiet hours (`domain::sms::urgent`).
    pub urgent: bool,
    /// Goes even to a number that asked to stop (`domain::sms::essential`).
    pub essential: bool,
    /// A one-time code, kept only until it is sent.
    pub params: Option<&'a str>,
}

/// Queues an SMS. Call it in the transaction of the change that causes it.
pub fn enqueue(conn: &mut DbConn, m: NewSms<'_>, now: NaiveDateTime) -> QueryResult<String> {
    let id = new_id();
    diesel::insert_into(sms_messages::table)
        .values((
            sms_messages::id.eq(&id),
            sms_messages::kind.eq(m.kind),
            sms_messages::ticket_id.eq(m.ticket_id),
            sms_messages::event_id.eq(m.event_id),
            sms_messages::phone.eq(m.phone),
            sms_messages::language.eq(m.language),
            sms_messages::params.eq(m.params),
            sms_messages::status.eq(SmsStatus::Pending),
            sms_messages::urgent.eq(m.urgent),
            sms_messages::essential.eq(m.essential),
            sms_messages::attempts.eq(0),
            sms_messages::next_attempt_at.eq(now),
            sms_messages::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(id)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sms_messages)]
pub struct Sms {
    pub id: String,
    pub kind: MailKind,
    pub ticket_id: Option<String>,
    pub event_id: Option<String>,
    pub phone: String,
    pub language: Lang,
    pub params: Option<String>,
    pub status: SmsStatus,
    pub urgent: bool,
    pub essential: bool,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub held_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub provider_code: Option<String>,
    pub biz_id: Option<String>,
    pub file: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub reported_at: Option<NaiveDateTime>,
}

/// Takes up to `limit` due SMS for this worker until `now + lease`.
pub fn claim(conn: &mut DbConn, now: NaiveDateTime, lease: Duration, limit: i64) -> QueryResult<Vec<Sms>> {
    let ids = super::backend::claim_sms(conn, now + lease, now, limit)?;
    sms_messages::table
        .filter(sms_messages::id.eq_any(&ids))
        .order(sms_messages::next_attempt_at.asc())
        .select(Sms::as_select())
        .load(conn)
}

/// The provider took it: `biz_id` is its receipt id; `file`, where it was
/// written with no provider. The one-time code it carried is forgotten.
pub fn mark_sent(
    conn: &mut DbConn,
    id: &str,
    biz_id: Option<&str>,
    file: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(sms_messages::table.find(id))
        .set((
            sms_messages::status.eq(SmsStatus::Sent),
            sms_messages::biz_id.eq(biz_id),
            sms_messages::file.eq(file),
            sms_messages::sent_at.eq(now),
            sms_messages::locked_until.eq(None::<NaiveDateTime>),
            sms_messages::last_error.eq(None::<String>),
            sms_messages::params.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Sent, but the provider's answer never came (a timeout): it may have
/// gone. Its delivery receipt settles it; only if none came within
/// [`UNSETTLED_WAIT`] is it sent again.
pub fn mark_unsettled(conn: &mut DbConn, id: &str, error: &str, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(sms_messages::table.find(id))
        .set((
            sms_messages::status.eq(SmsStatus::Unsettled),
            sms_messages::sent_at.eq(now),
            sms_messages::next_attempt_at.eq(now + UNSETTLED_WAIT),
            sms_messages::locked_until.eq(None::<NaiveDateTime>),
            sms_messages::last_error.eq(error),
        ))
        .execute(conn)?;
    Ok(())
}

/// How long a receipt may take before an unanswered SMS is sent again
/// (Alibaba pushes receipts within minutes, and retries its push after 1, 5
/// and 10 minutes).
pub const UNSETTLED_WAIT: Duration = Duration::minutes(20);

/// A failed try: tried again after `backoff`, or dead after `max_attempts`.
pub fn mark_failed(
    conn: &mut DbConn,
    m: &Sms,
    error: &str,
    now: NaiveDateTime,
    max_attempts: i32,
    backoff: Duration,
) -> QueryResult<()> {
    let dead = m.attempts >= max_attempts;
    let error: String = error.chars().take(500).collect();
    diesel::update(sms_messages::table.find(&m.id))
        .set((
            sms_messages::status.eq(if dead { SmsStatus::Dead } else { SmsStatus::Pending }),
            sms_messages::next_attempt_at.eq(now + backoff),
            sms_messages::locked_until.eq(None::<NaiveDateTime>),
            sms_messages::last_error.eq(error),
        ))
        .execute(conn)?;
    Ok(())
}

/// Refused for good (a number that cannot receive, a blocked word, a number
/// that asked to stop): never tried again; staff read why.
pub fn mark_refused(conn: &mut DbConn, id: &str, code: &str, message: &str) -> QueryResult<()> {
    let message: String = message.chars().take(500).collect();
    diesel::update(sms_messages::table.find(id))
        .set((
            sms_messages::status.eq(SmsStatus::Refused),
            sms_messages::provider_code.eq(code),
            sms_messages::last_error.eq(message),
            sms_messages::locked_until.eq(None::<NaiveDateTime>),
            sms_messages::params.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Waits until `until` without counting a try (a cap, the provider's
/// flow control); `held`: for quiet hours (it then goes in the morning
/// whatever the hour).
pub fn defer(conn: &mut DbConn, id: &str, until: NaiveDateTime, held: Option<NaiveDateTime>) -> QueryResult<()> {
    diesel::update(sms_messages::table.find(id))
        .set((
            sms_messages::status.eq(SmsStatus::Pending),
            sms_messages::next_attempt_at.eq(until),
            sms_messages::locked_until.eq(None::<NaiveDateTime>),
            sms_messages::attempts.eq(sms_messages::attempts - 1),
        ))
        .execute(conn)?;
    if let Some(at) = held {
        diesel::update(sms_messages::table.find(id)).set(sms_messages::held_at.eq(at)).execute(conn)?;
    }
    Ok(())
}

/// What went to `phone` lately, and to anyone in the last hour: what the
/// caps count (`domain::sms::wait_for_cap`).
pub fn sent_lately(conn: &mut DbConn, phone: &str, now: NaiveDateTime) -> QueryResult<crate::domain::sms::Sent> {
    let gone = [SmsStatus::Sent, SmsStatus::Delivered, SmsStatus::Undelivered, SmsStatus::Unsettled];
    let to_number: Vec<Option<NaiveDateTime>> = sms_messages::table
        .filter(sms_messages::phone.eq(phone))
        .filter(sms_messages::status.eq_any(gone))
        .filter(sms_messages::sent_at.gt(now - Duration::days(1)))
        .order(sms_messages::sent_at.asc())
        .select(sms_messages::sent_at)
        .load(conn)?;
    let to_anyone: Vec<Option<NaiveDateTime>> = sms_messages::table
        .filter(sms_messages::status.eq_any(gone))
        .filter(sms_messages::sent_at.gt(now - Duration::hours(1)))
        .order(sms_messages::sent_at.asc())
        .select(sms_messages::sent_at)
        .load(conn)?;
    let replied = sms_replies::table
        .filter(sms_replies::phone_hash.eq(hash_secret(phone)))
        .filter(sms_replies::received_at.gt(now - Duration::days(1)))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    Ok(crate::domain::sms::Sent {
        to_number: to_number.into_iter().flatten().collect(),
        replied,
        to_anyone: to_anyone.into_iter().flatten().collect(),
    })
}

/// A delivery receipt: the message named by our id (`out_id`) or by the
/// provider's (`biz_id`, for one sent to several). `false`: no such message.
pub fn report(
    conn: &mut DbConn,
    out_id: Option<&str>,
    biz_id: Option<&str>,
    delivered: bool,
    code: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let status = if delivered { SmsStatus::Delivered } else { SmsStatus::Undelivered };
    let set = (
        sms_messages::status.eq(status),
        sms_messages::provider_code.eq(code.chars().take(64).collect::<String>()),
        sms_messages::reported_at.eq(now),
        sms_messages::params.eq(None::<String>),
    );
    let n = match (out_id, biz_id) {
        (Some(id), _) if !id.is_empty() => diesel::update(sms_messages::table.find(id)).set(set).execute(conn)?,
        (_, Some(biz)) if !biz.is_empty() => {
            diesel::update(sms_messages::table.filter(sms_messages::biz_id.eq(biz))).set(set).execute(conn)?
        }
        _ => 0,
    };
    Ok(n > 0)
}

/// A ticket's SMS, newest first (staff see them with the timeline).
pub fn of_ticket(conn: &mut DbConn, ticket_id: &str) -> QueryResult<Vec<Sms>> {
    sms_messages::table
        .filter(sms_messages::ticket_id.eq(ticket_id))
        .order(sms_messages::created_at.desc())
        .select(Sms::as_select())
        .load(conn)
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Sms>> {
    sms_messages::table.find(id).select(Sms::as_select()).first(conn).optional()
}

/// Whether the number asked for no more SMS.
pub fn opted_out(conn: &mut DbConn, phone: &str) -> QueryResult<bool> {
    Ok(sms_optouts::table.find(hash_secret(phone)).count().get_result::<i64>(conn)? > 0)
}

/// The number asked to stop ("TD"); `false` when it already had.
pub fn opt_out(conn: &mut DbConn, phone: &str, now: NaiveDateTime) -> QueryResult<bool> {
    if opted_out(conn, phone)? {
        return Ok(false);
    }
    diesel::insert_into(sms_optouts::table)
        .values((sms_optouts::phone_hash.eq(hash_secret(phone)), sms_optouts::created_at.eq(now)))
        .execute(conn)?;
    Ok(true)
}

/// The number asked for SMS again (a new request choosing SMS).
pub fn opt_in(conn: &mut DbConn, phone: &str) -> QueryResult<()> {
    diesel::delete(sms_optouts::table.find(hash_secret(phone))).execute(conn)?;
    Ok(())
}

/// A number wrote to us (its SMS caps loosen for a day). `sequence_id`,
/// the provider's id of the reply, keys the row: `false` when that reply was
/// recorded before (Alibaba pushes again after 1, 5 and 10 minutes when an
/// answer is lost).
pub fn record_reply(
    conn: &mut DbConn,
    phone: &str,
    ticket_id: Option<&str>,
    sequence_id: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let id = match sequence_id {
        Some(seq) => format!("up:{}", hash_secret(&format!("{phone}:{seq}"))),
        None => new_id(),
    };
    if sms_replies::table.find(&id).count().get_result::<i64>(conn)? > 0 {
        return Ok(false);
    }
    diesel::insert_into(sms_replies::table)
        .values((
            sms_replies::id.eq(&id),
            sms_replies::phone_hash.eq(hash_secret(phone)),
            sms_replies::ticket_id.eq(ticket_id),
            sms_replies::received_at.eq(now),
        ))
        .execute(conn)?;
    Ok(true)
}

/// The ticket a reply from `phone` is about: the one whose extension code
/// it came back to, else the number's most recent open ticket.
pub fn reply_target(conn: &mut DbConn, phone: &str, dest_code: &str) -> QueryResult<Option<String>> {
    let open = Status::OPEN.iter().chain([&Status::Resolved]).map(|s| s.as_str()).collect::<Vec<_>>();
    let mine = || tickets::table.filter(tickets::contact_phone.eq(phone)).filter(tickets::merged_into.is_null());
    if !dest_code.is_empty() {
        let by_code: Option<String> = mine()
            .filter(tickets::sms_extend_code.eq(dest_code))
            .order(tickets::created_at.desc())
            .select(tickets::id)
            .first(conn)
            .optional()?;
        if by_code.is_some() {
            return Ok(by_code);
        }
    }
    mine()
        .filter(tickets::status.eq_any(open))
        .order(tickets::created_at.desc())
        .select(tickets::id)
        .first(conn)
        .optional()
}

/// A one-time code that opens `ticket_id`'s link for whoever holds `phone`.
pub fn create_code(
    conn: &mut DbConn,
    ticket_id: &str,
    phone: &str,
    code: &str,
    requester: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let id = new_id();
    diesel::insert_into(sms_codes::table)
        .values((
            sms_codes::code_hash.eq(hash_secret(&format!("{id}:{code}"))),
            sms_codes::id.eq(&id),
            sms_codes::ticket_id.eq(ticket_id),
            sms_codes::phone.eq(phone),
            sms_codes::tries.eq(0),
            sms_codes::requester.eq(hash_secret(requester)),
            sms_codes::expires_at.eq(now + crate::domain::sms::CODE_LIFETIME),
            sms_codes::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// When the last code went to `phone`, and how many codes `requester` asked
/// for in the last hour.
pub fn codes_lately(
    conn: &mut DbConn,
    phone: &str,
    requester: &str,
    now: NaiveDateTime,
) -> QueryResult<(Option<NaiveDateTime>, i64)> {
    let last = sms_codes::table
        .filter(sms_codes::phone.eq(phone))
        .select(diesel::dsl::max(sms_codes::created_at))
        .first::<Option<NaiveDateTime>>(conn)?;
    let by_requester = sms_codes::table
        .filter(sms_codes::requester.eq(hash_secret(requester)))
        .filter(sms_codes::created_at.gt(now - Duration::hours(1)))
        .count()
        .get_result(conn)?;
    Ok((last, by_requester))
}

/// Tries `code` against the newest live code for this ticket and number:
/// each try counts; the right one is used up. `true`: it opens the link.
pub fn try_code(conn: &mut DbConn, ticket_id: &str, phone: &str, code: &str, now: NaiveDateTime) -> QueryResult<bool> {
    conn.transaction(|conn| {
        let row: Option<(String, String, i32)> = sms_codes::table
            .filter(sms_codes::ticket_id.eq(ticket_id))
            .filter(sms_codes::phone.eq(phone))
            .filter(sms_codes::expires_at.gt(now))
            .order(sms_codes::created_at.desc())
            .select((sms_codes::id, sms_codes::code_hash, sms_codes::tries))
            .first(conn)
            .optional()?;
        let Some((id, hash, tries)) = row else { return Ok(false) };
        if tries >= crate::domain::sms::CODE_TRIES {
            return Ok(false);
        }
        if hash_secret(&format!("{id}:{}", code.trim())) == hash {
            diesel::delete(sms_codes::table.find(&id)).execute(conn)?;
            return Ok(true);
        }
        diesel::update(sms_codes::table.find(&id)).set(sms_codes::tries.eq(tries + 1)).execute(conn)?;
        Ok(false)
    })
}

/// Forgets codes past their life (a sweep).
pub fn forget_codes(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(sms_codes::table.filter(sms_codes::expires_at.lt(now - Duration::hours(1)))).execute(conn)
}

/// The anonymisation of a ticket's SMS: no number, no code left (the
/// retention purge deletes their files after commit, found by the blank
/// number).
pub fn anonymise(conn: &mut DbConn, ticket_id: &str) -> QueryResult<()> {
    diesel::update(
        sms_messages::table
            .filter(sms_messages::ticket_id.eq(ticket_id))
            .filter(sms_messages::status.eq_any([SmsStatus::Pending, SmsStatus::Unsettled])),
    )
    .set((sms_messages::status.eq(SmsStatus::Dead), sms_messages::last_error.eq("contact anonymised")))
    .execute(conn)?;
    diesel::update(sms_messages::table.filter(sms_messages::ticket_id.eq(ticket_id)))
        .set((sms_messages::phone.eq(""), sms_messages::params.eq(None::<String>)))
        .execute(conn)?;
    diesel::delete(sms_codes::table.filter(sms_codes::ticket_id.eq(ticket_id))).execute(conn)?;
    Ok(())
}
