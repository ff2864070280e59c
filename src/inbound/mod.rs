//! Email that comes in: customers answering our messages, and people who
//! write to the support address. The worker (`worker.rs`) fetches each
//! message from an IMAP mailbox; [`handle`] decides what it is and acts on
//! it in one transaction with its record in `inbound_mail`, whose unique
//! (mailbox, UIDVALIDITY, UID) makes every message handled once.
//!
//! - A reply to a ticket — found by the token in its `support+<token>@…`
//!   address, or by `In-Reply-To`/`References` naming a message we sent —
//!   from the ticket's customer becomes their message on it, exactly as on
//!   the tracking page (quoted history and signature dropped, the first
//!   image through the screenshot checks). From anyone else it is kept as
//!   an internal note and changes nothing.
//! - An answer to an escalation's packet (its own `+<token>` address, or
//!   `In-Reply-To` naming the packet) is kept on the escalation for a
//!   supervisor to confirm as approved or declined: never applied by itself.
//! - Auto-replies, bounces and list mail are recorded and never answered.
//! - A message about no ticket is not turned into a half-empty ticket: the
//!   sender gets the form's link, at most once a day.

pub mod text;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::new_id;
use crate::db::schema::{escalation_mail_answers, inbound_mail, outbox, packet_reply_addresses, reply_addresses};
use crate::db::tickets::{self as store, NewEvent};
use crate::db::DbConn;
use crate::domain::codes::{EscalationStatus, EventAuthor, EventKind, InboundOutcome, MailKind};
use crate::domain::reference::hash_secret;
use crate::domain::screenshot::Screenshot;
use crate::domain::text::scrub;
use crate::i18n::Lang;

/// `support@example.com`: replies come back to `support+<token>@example.com`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyAddress {
    local: String,
    domain: String,
}

impl ReplyAddress {
    pub fn parse(address: &str) -> Option<ReplyAddress> {
        let (local, domain) = address.trim().rsplit_once('@')?;
        let valid = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || ".-_".contains(c));
        (valid(local) && valid(domain))
            .then(|| ReplyAddress { local: local.into(), domain: domain.to_ascii_lowercase() })
    }

    /// The address that brings a reply back to a ticket.
    pub fn with_token(&self, token: &str) -> String {
        format!("{}+{token}@{}", self.local, self.domain)
    }

    /// The token in one of our plus-addresses (mail servers may change the
    /// case of either part).
    pub fn token_in(&self, address: &str) -> Option<String> {
        let (local, domain) = address.trim().rsplit_once('@')?;
        let (base, token) = local.split_once('+')?;
        let ours = base.eq_ignore_ascii_case(&self.local) && domain.eq_ignore_ascii_case(&self.domain);
        let token = token.to_ascii_lowercase();
        (ours && token.len() == TOKEN_LEN && token.bytes().all(|b| b.is_ascii_hexdigit())).then_some(token)
    }
}

/// 128 bits, as lowercase hex: safe in an address's local part, whatever
/// the mail servers do to case.
const TOKEN_LEN: usize = 32;

/// A ticket's reply token: HMAC of its id with a server secret, so the same
/// ticket always gets the same address and nothing but its hash is stored.
/// Recorded (once) so that a reply finds the ticket again.
pub fn reply_token(conn: &mut DbConn, ticket_id: &str, now: NaiveDateTime) -> QueryResult<String> {
    let token = derive_token(conn, ticket_id, now)?;
    let exists = reply_addresses::table.find(hash_secret(&token)).count().get_result::<i64>(conn)? > 0;
    if !exists {
        diesel::insert_into(reply_addresses::table)
            .values((
                reply_addresses::token_hash.eq(hash_secret(&token)),
                reply_addresses::ticket_id.eq(ticket_id),
                reply_addresses::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(token)
}

/// An escalation packet's reply token: as a ticket's, from its id (marked
/// as an escalation's, so the two can never meet).
pub fn packet_reply_token(conn: &mut DbConn, escalation_id: &str, now: NaiveDateTime) -> QueryResult<String> {
    let token = derive_token(conn, &format!("escalation:{escalation_id}"), now)?;
    let exists = packet_reply_addresses::table.find(hash_secret(&token)).count().get_result::<i64>(conn)? > 0;
    if !exists {
        diesel::insert_into(packet_reply_addresses::table)
            .values((
                packet_reply_addresses::token_hash.eq(hash_secret(&token)),
                packet_reply_addresses::escalation_id.eq(escalation_id),
                packet_reply_addresses::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(token)
}

/// HMAC-SHA256 of `what` with the reply addresses' server secret, as hex.
fn derive_token(conn: &mut DbConn, what: &str, now: NaiveDateTime) -> QueryResult<String> {
    use hmac::{Hmac, Mac};
    let secret = crate::db::users::server_secret(conn, "reply-address", now)?;
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.expose().as_bytes()).expect("any key length");
    mac.update(what.as_bytes());
    Ok(hex::encode(mac.finalize().into_bytes())[..TOKEN_LEN].to_string())
}

/// What a message says, as far as we act on it.
#[derive(Debug, Default)]
pub struct Incoming {
    pub message_id: String,
    /// The From address, lowercased.
    pub sender: String,
    pub subject: String,
    /// Every address it was sent to (To, Cc, Delivered-To, X-Original-To).
    pub recipients: Vec<String>,
    /// Message-IDs it answers (In-Reply-To, then References, newest first).
    pub answers: Vec<String>,
    /// The new words: quoted history and signature dropped.
    pub text: String,
    pub images: Vec<Vec<u8>>,
    pub automatic: bool,
    /// Written in Chinese: the language of any answer.
    pub chinese: bool,
    /// The receiving server found the From forged: its topmost
    /// `Authentication-Results` says a DMARC, DKIM or SPF check failed.
    pub forged: bool,
}

/// Whether an `Authentication-Results` header (RFC 8601) reports a failed
/// DMARC, DKIM or SPF check: `dmarc=fail`, `dkim=fail`, `spf=fail`. A
/// softfail, a neutral or no result is not a failure (many senders publish
/// nothing); only a verdict against the sender is.
pub fn authentication_failed(results: &str) -> bool {
    results
        .split(|c: char| c == ';' || c.is_whitespace())
        .any(|w| ["dmarc=fail", "dkim=fail", "spf=fail"].iter().any(|f| w.eq_ignore_ascii_case(f)))
}

/// Reads a message (or only its header, for one over the size limit).
pub fn read(raw: &[u8]) -> Incoming {
    let Some(m) = mail_parser::MessageParser::default().parse(raw) else {
        return Incoming::default();
    };
    let header = |name: &str| m.header_raw(name).map(|v| v.trim().to_string());
    let sender = scrub(m.from().and_then(|a| a.first()).and_then(|a| a.address()).unwrap_or("")).trim().to_lowercase();
    let mut recipients: Vec<String> = Vec::new();
    for list in [m.to(), m.cc()].into_iter().flatten() {
        recipients.extend(list.iter().filter_map(|a| a.address()).map(str::to_string));
    }
    for name in ["Delivered-To", "X-Original-To", "Envelope-To"] {
        for value in m.header_values(name) {
            if let Some(text) = value.as_text() {
                recipients.push(text.trim().trim_matches(|c| c == '<' || c == '>').to_string());
            }
        }
    }
    let ids = |value: &mail_parser::HeaderValue<'_>| -> Vec<String> {
        match value {
            mail_parser::HeaderValue::Text(t) => vec![t.to_string()],
            mail_parser::HeaderValue::TextList(l) => l.iter().map(|t| t.to_string()).collect(),
            _ => Vec::new(),
        }
    };
    let mut answers = ids(m.in_reply_to());
    answers.extend(ids(m.references()).into_iter().rev());
    // Only ids that could be ours are looked up.
    answers.retain(|id| id.len() < 200 && id.chars().all(|c| c.is_ascii_graphic()));
    // An HTML-only reply is cut where its history starts before it becomes
    // text; a text part is read line by line.
    let text = match m.text_part(0).map(|p| &p.body) {
        // Scrubbed again after: an entity can spell a control character.
        Some(mail_parser::PartType::Html(html)) => scrub(&text::html_reply_text(&scrub(html))),
        _ => {
            let body = m.body_text(0).map(|b| b.to_string()).unwrap_or_default();
            text::reply_text(&scrub(&body.replace("\r\n", "\n")))
        }
    };
    let images = m
        .attachments()
        .filter(|p| mail_parser::MimeHeaders::content_type(*p).is_some_and(|c| c.ctype().eq_ignore_ascii_case("image")))
        .map(|p| p.contents().to_vec())
        .collect();
    let subject = scrub(m.subject().unwrap_or(""));
    let chinese = format!("{subject}{text}").chars().any(crate::domain::text::is_cjk);
    // The topmost header is our own receiving server's; one further down
    // could have been written by anyone on the way.
    // (mail_parser's `header_raw` gives the last of a repeated header, so
    // the first is read from the raw message here.)
    let forged = m
        .headers()
        .iter()
        .find(|h| h.name == mail_parser::HeaderName::AuthenticationResults)
        .and_then(|h| m.raw_message.get(h.offset_start as usize..h.offset_end as usize))
        .is_some_and(|raw| authentication_failed(&String::from_utf8_lossy(raw)));
    Incoming {
        message_id: scrub(m.message_id().unwrap_or("")),
        automatic: text::is_automatic(&header, &sender),
        forged,
        sender,
        subject,
        recipients,
        answers,
        text,
        images,
        chinese,
    }
}

/// What the worker knows of the setting.
#[derive(Debug, Clone)]
pub struct Settings {
    pub reply: Option<ReplyAddress>,
    pub max_screenshot_bytes: usize,
    /// The routing rules: a reply that reopens a ticket is due again
    /// within its priority's target.
    pub rules: std::sync::Arc<crate::routing::Rules>,
}

/// Where a message sits in its mailbox: what makes it one message.
#[derive(Debug, Clone)]
pub struct Place<'a> {
    pub mailbox: &'a str,
    pub uid_validity: u32,
    pub uid: u32,
}

/// Handles one message: records it and acts on it in one transaction.
/// `None`: it was handled already (before a restart, or by another server).
/// `too_large`: only its header was read.
pub fn handle(
    conn: &mut DbConn,
    place: &Place<'_>,
    raw: &[u8],
    too_large: bool,
    settings: &Settings,
    now: NaiveDateTime,
) -> QueryResult<Option<InboundOutcome>> {
    let result = conn.transaction(|conn| {
        if handled(conn, place)? {
            return Ok(None);
        }
        let m = read(raw);
        let about = find_target(conn, &m, settings)?;
        let outcome = act(conn, &m, about.as_ref(), too_large, settings, now)?;
        let ticket = match &about {
            Some(About::Ticket(t)) => Some(t),
            _ => None,
        };
        // Mail about an anonymised ticket is kept without who sent it and
        // what they called it.
        let m = match ticket {
            Some(t) if t.anonymised() => Incoming { sender: String::new(), subject: String::new(), ..m },
            _ => m,
        };
        record(conn, place, &m, outcome, ticket.map(|t| t.id.as_str()), now)?;
        Ok(Some(outcome))
    });
    match result {
        // Another server recorded it between our check and our insert (and
        // only that: any other unique error is an error).
        Err(e @ diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => {
            if handled(conn, place)? {
                Ok(None)
            } else {
                Err(e)
            }
        }
        other => other,
    }
}

/// Records a message that could not be handled (after the error was
/// logged), so that it is flagged and the mailbox moves on: one bad message
/// must not hold back every reply behind it.
pub fn record_failure(conn: &mut DbConn, place: &Place<'_>, now: NaiveDateTime) -> QueryResult<()> {
    if handled(conn, place)? {
        return Ok(());
    }
    record(conn, place, &Incoming::default(), InboundOutcome::Refused, None, now)
}

/// The row that makes a message handled (unique per mailbox, UIDVALIDITY
/// and UID), with what became of it.
fn record(
    conn: &mut DbConn,
    place: &Place<'_>,
    m: &Incoming,
    outcome: InboundOutcome,
    ticket_id: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(inbound_mail::table)
        .values((
            inbound_mail::id.eq(new_id()),
            inbound_mail::mailbox.eq(place.mailbox),
            inbound_mail::uid_validity.eq(i64::from(place.uid_validity)),
            inbound_mail::uid.eq(i64::from(place.uid)),
            inbound_mail::message_id.eq(truncate(&m.message_id, 250)),
            inbound_mail::sender.eq(truncate(&m.sender, 254)),
            inbound_mail::subject.eq(truncate(&m.subject, 200)),
            inbound_mail::outcome.eq(outcome.as_str()),
            inbound_mail::ticket_id.eq(ticket_id),
            inbound_mail::received_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The highest UID recorded for a mailbox in its current UIDVALIDITY.
pub fn last_uid(conn: &mut DbConn, mailbox: &str, uid_validity: u32) -> QueryResult<Option<u32>> {
    let max: Option<i64> = inbound_mail::table
        .filter(inbound_mail::mailbox.eq(mailbox))
        .filter(inbound_mail::uid_validity.eq(i64::from(uid_validity)))
        .select(diesel::dsl::max(inbound_mail::uid))
        .first(conn)?;
    Ok(max.and_then(|u| u32::try_from(u).ok()))
}

/// Whether a message was handled already.
pub fn handled(conn: &mut DbConn, place: &Place<'_>) -> QueryResult<bool> {
    let n: i64 = inbound_mail::table
        .filter(inbound_mail::mailbox.eq(place.mailbox))
        .filter(inbound_mail::uid_validity.eq(i64::from(place.uid_validity)))
        .filter(inbound_mail::uid.eq(i64::from(place.uid)))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// A message's words as stored: cleaned as the tracking page's messages
/// are, or (where that refuses them, e.g. too long) cut to the limit — the
/// text is already scrubbed of what cannot be stored.
fn body_of(m: &Incoming) -> String {
    use crate::domain::text::{clean, limits::MESSAGE};
    clean(&m.text, MESSAGE, true).ok().flatten().unwrap_or_else(|| truncate(m.text.trim(), MESSAGE))
}

/// What a message is about.
enum About {
    Ticket(Box<store::Ticket>),
    /// An escalation's packet (by its id); `by_token`: sent to the packet's
    /// own reply address, which only its recipient was given.
    Escalation {
        id: String,
        by_token: bool,
    },
}

/// What a message is about: the token of the address it was sent to, else
/// a message of ours it answers.
fn find_target(conn: &mut DbConn, m: &Incoming, settings: &Settings) -> QueryResult<Option<About>> {
    if let Some(reply) = &settings.reply {
        for token in m.recipients.iter().filter_map(|r| reply.token_in(r)) {
            let hash = hash_secret(&token);
            let ticket: Option<String> =
                reply_addresses::table.find(&hash).select(reply_addresses::ticket_id).first(conn).optional()?;
            if let Some(id) = ticket {
                return Ok(store::find_by_id(conn, &id)?.map(|t| About::Ticket(Box::new(t))));
            }
            let escalation: Option<String> = packet_reply_addresses::table
                .find(&hash)
                .select(packet_reply_addresses::escalation_id)
                .first(conn)
                .optional()?;
            if let Some(id) = escalation {
                return Ok(Some(About::Escalation { id, by_token: true }));
            }
        }
    }
    // A Message-ID is no secret (a webhook delivery's id is sent to its
    // endpoint in a header, and a mail's travels with every copy of it):
    // an answer threads only to mail that went to its sender, and never to
    // a webhook delivery. A packet's answer is weighed by who sent it
    // (`answer_to_packet`).
    for answered in m.answers.iter().take(20) {
        let id = format!("<{}>", answered.trim_matches(|c| c == '<' || c == '>'));
        let sent: Option<(Option<String>, Option<String>, String)> = outbox::table
            .filter(outbox::message_id.eq(&id))
            .filter(outbox::kind.ne(MailKind::Webhook))
            .select((outbox::ticket_id, outbox::escalation_id, outbox::recipient))
            .first(conn)
            .optional()?;
        match sent {
            Some((_, Some(escalation), _)) => return Ok(Some(About::Escalation { id: escalation, by_token: false })),
            Some((Some(ticket), None, recipient)) if crate::domain::text::same_email(&recipient, &m.sender) => {
                return Ok(store::find_by_id(conn, &ticket)?.map(|t| About::Ticket(Box::new(t))))
            }
            _ => {}
        }
    }
    Ok(None)
}

/// An answer to an escalation's packet: kept for supervisors to read and
/// confirm, never applied by itself (an email's words do not decide what
/// hundreds of customers are told). Whether it came from the address the
/// packet went to is recorded beside it.
fn answer_to_packet(
    conn: &mut DbConn,
    m: &Incoming,
    escalation_id: &str,
    by_token: bool,
    now: NaiveDateTime,
) -> QueryResult<InboundOutcome> {
    // As for a ticket: a looping program, or a flood of forged answers,
    // must not bury the escalation (or, once it is answered, every grouped
    // ticket in notes).
    let this_hour: i64 = escalation_mail_answers::table
        .filter(escalation_mail_answers::escalation_id.eq(escalation_id))
        .filter(escalation_mail_answers::received_at.gt(now - chrono::Duration::hours(1)))
        .count()
        .get_result(conn)?;
    if this_hour >= EMAILS_PER_TICKET_PER_HOUR {
        return Ok(InboundOutcome::Refused);
    }
    // Locked, as a supervisor's answer locks it (before its tickets): the
    // answer lands either while it waits or after, never in between.
    let waiting =
        crate::db::backend::lock_escalation(conn, escalation_id)?.is_some_and(|e| e.status == EscalationStatus::Sent);
    let sent_to: Vec<String> = outbox::table
        .filter(outbox::escalation_id.eq(escalation_id))
        .filter(outbox::kind.eq(MailKind::EscalationPacket))
        .select(outbox::recipient)
        .load(conn)?;
    // A From can be forged: only an answer to the packet's own reply
    // address (which only its recipient was given), from that recipient's
    // address, and not found forged by our receiving server, counts as theirs.
    let from_recipient = by_token && !m.forged && sent_to.iter().any(|r| crate::domain::text::same_email(r, &m.sender));
    let body = body_of(m);
    diesel::insert_into(escalation_mail_answers::table)
        .values((
            escalation_mail_answers::id.eq(new_id()),
            escalation_mail_answers::escalation_id.eq(escalation_id),
            escalation_mail_answers::sender.eq(truncate(&m.sender, 254)),
            escalation_mail_answers::from_recipient.eq(from_recipient),
            escalation_mail_answers::body.eq(&body),
            escalation_mail_answers::received_at.eq(now),
        ))
        .execute(conn)?;
    // An answer after a supervisor recorded the outcome is not shown on the
    // escalations page any more (it lists those still waiting): its tickets
    // carry it, as an internal note, for whoever reads them next.
    if !waiting {
        let note = format!("✉ {}:\n{body}", m.sender);
        for t in crate::db::routing::escalation_tickets(conn, escalation_id)? {
            let e =
                NewEvent { is_public: false, ..NewEvent::public(EventKind::InternalNote, EventAuthor::System, &note) };
            store::insert_event(conn, &t.id, e, now)?;
        }
    }
    Ok(if from_recipient { InboundOutcome::PlatformAnswer } else { InboundOutcome::OtherSender })
}

/// An answer to a packet, as supervisors read it.
#[derive(Debug, Clone, Queryable)]
pub struct MailAnswer {
    pub escalation_id: String,
    pub sender: String,
    pub from_recipient: bool,
    pub body: String,
    pub received_at: NaiveDateTime,
}

/// The email answers to these escalations, oldest first.
pub fn mail_answers(conn: &mut DbConn, escalation_ids: &[String]) -> QueryResult<Vec<MailAnswer>> {
    escalation_mail_answers::table
        .filter(escalation_mail_answers::escalation_id.eq_any(escalation_ids))
        .select((
            escalation_mail_answers::escalation_id,
            escalation_mail_answers::sender,
            escalation_mail_answers::from_recipient,
            escalation_mail_answers::body,
            escalation_mail_answers::received_at,
        ))
        .order(escalation_mail_answers::received_at.asc())
        .load(conn)
}

fn act(
    conn: &mut DbConn,
    m: &Incoming,
    about: Option<&About>,
    too_large: bool,
    settings: &Settings,
    now: NaiveDateTime,
) -> QueryResult<InboundOutcome> {
    if m.automatic || m.sender.is_empty() {
        return Ok(InboundOutcome::AutoReply);
    }
    if too_large {
        return Ok(InboundOutcome::TooLarge);
    }
    let ticket = match about {
        None => return answer_unmatched(conn, m, now),
        Some(About::Escalation { id, by_token }) => return answer_to_packet(conn, m, id, *by_token, now),
        Some(About::Ticket(t)) => t,
    };
    // A ticket the retention purge anonymised is no conversation any more:
    // the mail is answered as one that matched no ticket (a pointer to the
    // form), and kept without its sender (`handle`) — nothing puts the
    // address back.
    if ticket.anonymised() {
        return answer_unmatched(conn, m, now);
    }
    // A looping mail program, or someone forging the customer's address,
    // must not bury a ticket: past this many emails an hour, more are
    // recorded and refused.
    let this_hour: i64 = inbound_mail::table
        .filter(inbound_mail::ticket_id.eq(&ticket.id))
        .filter(inbound_mail::received_at.gt(now - chrono::Duration::hours(1)))
        .count()
        .get_result(conn)?;
    if this_hour >= EMAILS_PER_TICKET_PER_HOUR {
        return Ok(InboundOutcome::Refused);
    }
    let body = body_of(m);
    // The customer's address, and not found forged by our receiving server.
    let is_customer = crate::domain::text::same_email(&ticket.contact_email, &m.sender) && !m.forged;
    if !is_customer {
        // Not trusted to reopen, pause or add anything the customer would
        // see: the agent reads it as a note and decides.
        let note = format!("✉ {}:\n{body}", m.sender);
        let e = NewEvent { is_public: false, ..NewEvent::public(EventKind::InternalNote, EventAuthor::System, &note) };
        store::insert_event(conn, &ticket.id, e, now)?;
        return Ok(InboundOutcome::OtherSender);
    }
    let screenshot =
        m.images.iter().find_map(|data| Screenshot::parse(data.clone(), settings.max_screenshot_bytes).ok());
    if body.is_empty() && screenshot.is_none() {
        return Ok(InboundOutcome::Refused);
    }
    use crate::ops::intake::{add_customer_message, CustomerMessage};
    let outcome = match add_customer_message(conn, ticket, &body, screenshot.as_ref(), &settings.rules, now)? {
        // The ticket holds all the screenshots it may (a signature's logo
        // counts as an image): the words still count.
        CustomerMessage::TooManyScreenshots if !body.is_empty() => {
            add_customer_message(conn, ticket, &body, None, &settings.rules, now)?
        }
        other => other,
    };
    Ok(match outcome {
        CustomerMessage::Added => InboundOutcome::CustomerReply,
        CustomerMessage::Anonymised | CustomerMessage::TooManyScreenshots => InboundOutcome::Refused,
    })
}

/// At most this many emails an hour land on one ticket.
pub const EMAILS_PER_TICKET_PER_HOUR: i64 = 20;

/// At most this many answers an hour to email that matched no ticket.
const UNMATCHED_ANSWERS_PER_HOUR: i64 = 30;

/// One polite answer a day per address, with the form's link.
fn answer_unmatched(conn: &mut DbConn, m: &Incoming, now: NaiveDateTime) -> QueryResult<InboundOutcome> {
    // Counted on the answers queued (the inbound log may keep no sender).
    let answered_today: i64 = outbox::table
        .filter(outbox::kind.eq(MailKind::InboundUnmatched))
        .filter(outbox::recipient.eq(&m.sender))
        .filter(outbox::created_at.gt(now - chrono::Duration::days(1)))
        .count()
        .get_result(conn)?;
    // A sender's address can be forged: an overall cap keeps a flood of
    // forged messages from turning us into a source of mail to strangers.
    let answered_this_hour: i64 = inbound_mail::table
        .filter(inbound_mail::outcome.eq(InboundOutcome::Unmatched.as_str()))
        .filter(inbound_mail::received_at.gt(now - chrono::Duration::hours(1)))
        .count()
        .get_result(conn)?;
    if answered_today > 0 || answered_this_hour >= UNMATCHED_ANSWERS_PER_HOUR {
        return Ok(InboundOutcome::UnmatchedQuiet);
    }
    // Our customers are Chinese: English only for a message written in it.
    let english = !m.chinese && format!("{}{}", m.subject, m.text).chars().any(|c| c.is_ascii_alphabetic());
    let lang = if english { Lang::En } else { Lang::ZhCn };
    crate::db::outbox::enqueue_unmatched_answer(conn, &m.sender, lang, now)?;
    Ok(InboundOutcome::Unmatched)
}

/// The admins' inbound log: the latest messages and what became of them.
#[derive(Debug, Queryable)]
pub struct Logged {
    pub received_at: NaiveDateTime,
    pub sender: String,
    pub subject: String,
    pub outcome: String,
    pub reference: Option<String>,
}

pub fn log(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<Logged>> {
    use crate::db::schema::tickets;
    inbound_mail::table
        .left_join(tickets::table.on(tickets::id.nullable().eq(inbound_mail::ticket_id)))
        .select((
            inbound_mail::received_at,
            inbound_mail::sender,
            inbound_mail::subject,
            inbound_mail::outcome,
            tickets::reference.nullable(),
        ))
        .order(inbound_mail::received_at.desc())
        .limit(limit)
        .load(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_dmarc_dkim_or_spf_result_marks_the_sender_forged() {
        assert!(authentication_failed("mx.example; dmarc=fail (p=reject) header.from=example.com"));
        assert!(authentication_failed("mx.example; spf=pass; DKIM=FAIL header.d=example.com"));
        assert!(authentication_failed("mx.example;spf=fail smtp.mailfrom=x@example.com"));
        assert!(!authentication_failed("mx.example; dmarc=pass; dkim=pass; spf=softfail"));
        assert!(!authentication_failed("mx.example; none"));
        let raw = b"Authentication-Results: mx.paydesk.test; dmarc=fail header.from=example.com\r\n\
                    Authentication-Results: relay.example; dmarc=pass\r\nFrom: a@example.com\r\n\r\nhi\r\n";
        assert!(read(raw).forged, "the topmost result is ours");
        let raw = b"Authentication-Results: mx.paydesk.test; dmarc=pass\r\n\
                    Authentication-Results: forged.example; dmarc=fail\r\nFrom: a@example.com\r\n\r\nhi\r\n";
        assert!(!read(raw).forged, "one further down could be anyone's");
    }

    #[test]
    fn plus_addresses_carry_the_token() {
        let reply = ReplyAddress::parse("support@Example.com").unwrap();
        let token = "0123456789abcdef0123456789abcdef";
        let address = reply.with_token(token);
        assert_eq!(address, format!("support+{token}@example.com"));
        assert_eq!(reply.token_in(&address).as_deref(), Some(token));
        assert_eq!(reply.token_in(&address.to_uppercase()).as_deref(), Some(token), "case changed on the way");
        assert_eq!(reply.token_in("support@example.com"), None);
        assert_eq!(reply.token_in(&format!("other+{token}@example.com")), None);
        assert_eq!(reply.token_in(&format!("support+{token}@evil.example")), None);
        assert_eq!(reply.token_in("support+short@example.com"), None);
        assert!(ReplyAddress::parse("not an address").is_none());
    }

    #[test]
    fn a_reply_is_read_with_its_threading_and_new_words() {
        let raw = b"From: Li Wei <Li.Wei@Example.com>\r\nTo: support+0123456789abcdef0123456789abcdef@example.com\r\nSubject: Re: [PD-7KM3QX] Support replied\r\nMessage-ID: <abc@mail.example.com>\r\nIn-Reply-To: <42@paydesk>\r\nReferences: <41@paydesk> <42@paydesk>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\xe8\xbf\x98\xe6\x98\xaf\xe4\xb8\x8d\xe8\xa1\x8c\r\n\r\nOn Tue, 1 Dec 2026, paydesk wrote:\r\n> Please retry\r\n";
        let m = read(raw);
        assert_eq!(m.sender, "li.wei@example.com");
        assert_eq!(m.text, "还是不行");
        assert!(m.chinese && !m.automatic);
        assert_eq!(m.answers.first().map(String::as_str), Some("42@paydesk"));
        assert!(m.recipients.iter().any(|r| r.starts_with("support+")));
        assert_eq!(m.message_id, "abc@mail.example.com");
    }

    #[test]
    fn html_only_mail_is_read_as_text() {
        let raw = b"From: a@example.com\r\nSubject: hi\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Still <b>failing</b><script>alert(1)</script></p>";
        let m = read(raw);
        assert!(m.text.contains("Still failing"), "{}", m.text);
        assert!(!m.text.contains('<'), "no markup: {}", m.text);
    }
}
