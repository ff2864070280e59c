//! The transactional outbox: messages queued in the same transaction as the
//! change that causes them, claimed by a sending worker, retried with
//! exponential backoff, and set aside (dead) after too many failures.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::new_id;
use super::schema::outbox;
use super::DbConn;
use crate::domain::codes::{MailKind, MailStatus};
use crate::domain::retention::redact_addresses;
use crate::i18n::Lang;

/// What a queued message is about: a ticket (and one of its timeline
/// entries), an escalation's packet, an incident, or (a webhook delivery)
/// the endpoint and the body to send it.
#[derive(Default)]
struct About<'a> {
    ticket_id: Option<&'a str>,
    event_id: Option<&'a str>,
    escalation_id: Option<&'a str>,
    incident_id: Option<&'a str>,
    webhook_id: Option<&'a str>,
    payload: Option<&'a str>,
}

fn insert(
    conn: &mut DbConn,
    kind: crate::domain::codes::MailKind,
    about: About<'_>,
    recipient: &str,
    language: Lang,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let id = new_id();
    diesel::insert_into(outbox::table)
        .values((
            outbox::message_id.eq(format!("<{id}@paydesk>")),
            outbox::id.eq(&id),
            outbox::kind.eq(kind),
            outbox::ticket_id.eq(about.ticket_id),
            outbox::event_id.eq(about.event_id),
            outbox::escalation_id.eq(about.escalation_id),
            outbox::incident_id.eq(about.incident_id),
            outbox::webhook_id.eq(about.webhook_id),
            outbox::payload.eq(about.payload),
            outbox::recipient.eq(recipient),
            outbox::language.eq(language),
            outbox::status.eq(MailStatus::Pending),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now),
            outbox::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Queues a message. Call it on the connection (and in the transaction) of
/// the change that causes it: both are stored, or neither.
pub fn enqueue(
    conn: &mut DbConn,
    kind: crate::domain::codes::MailKind,
    ticket_id: &str,
    event_id: Option<&str>,
    recipient: &str,
    language: Lang,
    now: NaiveDateTime,
) -> QueryResult<()> {
    // A contact email anonymised under the retention policy: nobody to tell.
    if recipient.is_empty() {
        return Ok(());
    }
    let about = About { ticket_id: Some(ticket_id), event_id, ..About::default() };
    insert(conn, kind, about, recipient, language, now)
}

/// Queues a message about an incident (no ticket) to a staff member.
pub fn enqueue_incident(
    conn: &mut DbConn,
    kind: crate::domain::codes::MailKind,
    incident_id: &str,
    recipient: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    insert(conn, kind, About { incident_id: Some(incident_id), ..About::default() }, recipient, Lang::ZhCn, now)
}

/// Queues a webhook delivery: `body` to the endpoint `webhook_id` at
/// `url` (shown to admins as the recipient).
pub fn enqueue_webhook(
    conn: &mut DbConn,
    webhook_id: &str,
    url: &str,
    ticket_id: Option<&str>,
    body: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    // The retention purge finds it by its ticket.
    let about = About { ticket_id, webhook_id: Some(webhook_id), payload: Some(body), ..About::default() };
    insert(conn, MailKind::Webhook, about, url, Lang::En, now)
}

/// Queues the answer to an email that matched no ticket: the form's link.
pub fn enqueue_unmatched_answer(
    conn: &mut DbConn,
    recipient: &str,
    language: Lang,
    now: NaiveDateTime,
) -> QueryResult<()> {
    insert(conn, MailKind::InboundUnmatched, About::default(), recipient, language, now)
}

/// Queues an approved escalation's packet to its recipient.
pub fn enqueue_packet(conn: &mut DbConn, escalation_id: &str, recipient: &str, now: NaiveDateTime) -> QueryResult<()> {
    let about = About { escalation_id: Some(escalation_id), ..About::default() };
    insert(conn, MailKind::EscalationPacket, about, recipient, Lang::ZhCn, now)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct Message {
    pub id: String,
    pub message_id: String,
    pub kind: crate::domain::codes::MailKind,
    pub ticket_id: Option<String>,
    pub event_id: Option<String>,
    pub recipient: String,
    pub language: Lang,
    pub status: crate::domain::codes::MailStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub escalation_id: Option<String>,
    pub incident_id: Option<String>,
    pub webhook_id: Option<String>,
    pub payload: Option<String>,
}

/// Takes up to `limit` due messages for this worker until `now + lease`.
/// Several workers never hold the same message: PostgreSQL skips rows
/// another transaction has locked; SQLite has a single writer.
pub fn claim(conn: &mut DbConn, now: NaiveDateTime, lease: Duration, limit: i64) -> QueryResult<Vec<Message>> {
    let ids = super::backend::claim_outbox(conn, now + lease, now, limit, false)?;
    outbox::table.filter(outbox::id.eq_any(&ids)).select(Message::as_select()).load(conn)
}

/// [`claim`], for the webhook worker: deliveries only.
pub fn claim_webhooks(conn: &mut DbConn, now: NaiveDateTime, lease: Duration, limit: i64) -> QueryResult<Vec<Message>> {
    let ids = super::backend::claim_outbox(conn, now + lease, now, limit, true)?;
    outbox::table.filter(outbox::id.eq_any(&ids)).select(Message::as_select()).load(conn)
}

/// Records a message as sent; `file`: the `.eml` file it was written to,
/// when there is no SMTP server.
pub fn mark_sent(conn: &mut DbConn, id: &str, file: Option<&str>, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::status.eq(MailStatus::Sent),
            outbox::sent_at.eq(now),
            outbox::locked_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(None::<String>),
            outbox::mail_file.eq(file),
            // A webhook's body (a ticket's personal data) is not kept once
            // it was delivered.
            outbox::payload.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// The wait before the next try: base, 2×base, 4×base… at most an hour.
pub fn backoff(attempts: i32, base: Duration) -> Duration {
    let factor = 1i64 << attempts.clamp(1, 12).saturating_sub(1);
    (base * factor as i32).min(Duration::hours(1))
}

/// Records a failed try: retried later, or dead after `max_attempts`.
pub fn mark_failed(
    conn: &mut DbConn,
    m: &Message,
    error: &str,
    now: NaiveDateTime,
    max_attempts: i32,
    base: Duration,
) -> QueryResult<()> {
    let dead = m.attempts >= max_attempts;
    // An SMTP refusal quotes the address; it is never kept.
    let error: String = redact_addresses(error).chars().take(500).collect();
    diesel::update(outbox::table.find(&m.id))
        .set((
            outbox::status.eq(if dead { MailStatus::Dead } else { MailStatus::Pending }),
            outbox::next_attempt_at.eq(now + backoff(m.attempts, base)),
            outbox::locked_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(error),
        ))
        .execute(conn)?;
    Ok(())
}

/// Puts a dead message back in the queue ("send again").
pub fn retry(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(outbox::table.find(id).filter(outbox::status.eq(MailStatus::Dead)))
        .set((outbox::status.eq(MailStatus::Pending), outbox::attempts.eq(0), outbox::next_attempt_at.eq(now)))
        .execute(conn)?;
    Ok(n > 0)
}

/// The newest messages of a status.
pub fn list(conn: &mut DbConn, status: crate::domain::codes::MailStatus, limit: i64) -> QueryResult<Vec<Message>> {
    outbox::table
        .filter(outbox::status.eq(status))
        .order(outbox::created_at.desc())
        .limit(limit)
        .select(Message::as_select())
        .load(conn)
}

pub fn count(conn: &mut DbConn, status: crate::domain::codes::MailStatus) -> QueryResult<i64> {
    outbox::table.filter(outbox::status.eq(status)).count().get_result(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let base = Duration::seconds(10);
        assert_eq!(backoff(1, base), Duration::seconds(10));
        assert_eq!(backoff(2, base), Duration::seconds(20));
        assert_eq!(backoff(4, base), Duration::seconds(80));
        assert_eq!(backoff(30, base), Duration::hours(1));
    }
}
