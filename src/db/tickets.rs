//! Tickets, their timeline and their screenshots.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use sha2::Digest;

use super::schema::{screenshot_drafts, screenshots, ticket_events, tickets, tracking_links};
use super::{new_id, DbConn};
use crate::domain::codes::{
    CaseKind, Checks, ContactChannel, FailingStep, PaymentMethod, PaymentScenario, Platform, Priority, Queue, Status,
    Symptom,
};
use crate::domain::completeness::{self, Assessment, Fact, Holds};
use crate::domain::intake::NewTicket;
use crate::domain::reference::{hash_secret, TrackingToken};
use crate::domain::screenshot::{ImageKind, Screenshot};
use crate::i18n::Lang;
use crate::routing::Decision;

/// How long a screenshot chosen on a form that failed validation is kept for
/// the customer's next try.
pub const DRAFT_LIFETIME_HOURS: i64 = 24;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tickets)]
pub struct Ticket {
    pub id: String,
    pub reference: String,
    pub status: Status,
    pub language: Lang,
    pub platform: Platform,
    pub payment_scenario: PaymentScenario,
    pub payment_method: Option<PaymentMethod>,
    pub failing_step: FailingStep,
    pub symptom: Symptom,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub city: String,
    pub account_masked: String,
    pub checks_tried: Checks,
    pub occurred_at: Option<NaiveDateTime>,
    pub amount_cents: Option<i64>,
    pub order_number: Option<String>,
    pub contact_email: String,
    pub description: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub case_kind: CaseKind,
    pub queue: Queue,
    pub priority: Priority,
    pub assignee_id: Option<String>,
    pub due_at: NaiveDateTime,
    pub first_response_at: Option<NaiveDateTime>,
    pub screenshot_count: i32,
    pub merged_into: Option<String>,
    pub routing_rule: String,
    pub routing_facts: String,
    pub escalation_id: Option<String>,
    pub paused_at: Option<NaiveDateTime>,
    pub breach_notified_at: Option<NaiveDateTime>,
    pub incident_id: Option<String>,
    pub resolved_at: Option<NaiveDateTime>,
    /// One more on every change (a database trigger keeps it): what a form
    /// or an `If-Match` says it acted on.
    pub version: i64,
    /// When the customer asked for a supervisor, while that complaint is
    /// open (`domain::complaint`).
    pub complaint_at: Option<NaiveDateTime>,
    /// A normalised mainland mobile number; empty when not given or once
    /// anonymised.
    pub contact_phone: String,
    pub contact_channel: ContactChannel,
    /// Sent with the ticket's SMS so that a reply lands here
    /// (`domain::sms::new_extend_code`).
    pub sms_extend_code: String,
}

impl Holds for Ticket {
    fn holds(&self, fact: Fact) -> bool {
        match fact {
            Fact::Screenshot => self.screenshot_count > 0,
            Fact::ErrorDetail => self.error_code.is_some() || self.error_message.is_some(),
            Fact::PaymentMethod => self.payment_method.is_some(),
            Fact::OccurredAt => self.occurred_at.is_some(),
            Fact::Amount => self.amount_cents.is_some(),
            Fact::OrderNumber => self.order_number.is_some(),
        }
    }
}

impl Ticket {
    /// Whether the retention purge removed how to reach the customer (at
    /// filing there is always a phone or an email).
    pub fn anonymised(&self) -> bool {
        self.contact_email.is_empty() && self.contact_phone.is_empty()
    }

    /// The email address we write to, if the customer asked for email.
    pub fn email_to(&self) -> Option<&str> {
        self.contact_channel.reach(&self.contact_email, &self.contact_phone).0
    }

    /// The number we text, if the customer asked for SMS.
    pub fn phone_to(&self) -> Option<&str> {
        self.contact_channel.reach(&self.contact_email, &self.contact_phone).1
    }

    /// The completeness model on this ticket: its symptom and kind.
    pub fn completeness(&self) -> Assessment {
        completeness::assess(self.symptom, Some(self.case_kind), self)
    }

    pub fn missing_facts(&self) -> Vec<Fact> {
        self.completeness().missing
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = ticket_events)]
pub struct Event {
    pub id: String,
    pub kind: crate::domain::codes::EventKind,
    pub author_kind: crate::domain::codes::EventAuthor,
    pub is_public: bool,
    pub body: String,
    pub created_at: NaiveDateTime,
    pub author_id: Option<String>,
}

/// A screenshot's description, without its bytes.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = screenshots)]
pub struct ScreenshotInfo {
    pub id: String,
    pub event_id: Option<String>,
    pub content_type: String,
    pub byte_size: i64,
    pub width: i32,
    pub height: i32,
    pub created_at: NaiveDateTime,
}

/// A new ticket's row as intake decided it (`ops::intake`): where it
/// starts, when it is due, and what routing said.
pub struct NewRow<'a> {
    pub id: &'a str,
    pub reference: &'a str,
    pub token: &'a TrackingToken,
    pub status: Status,
    pub due_at: NaiveDateTime,
    pub decision: &'a Decision,
}

/// Inserts a new ticket's row.
pub fn insert(conn: &mut DbConn, t: &NewTicket, row: &NewRow<'_>, now: NaiveDateTime) -> QueryResult<()> {
    let d = row.decision;
    diesel::insert_into(tickets::table)
        .values((
            tickets::id.eq(row.id),
            tickets::reference.eq(row.reference),
            tickets::tracking_token_hash.eq(row.token.hash()),
            tickets::status.eq(row.status.as_str()),
            tickets::language.eq(t.language.code()),
            tickets::platform.eq(t.platform.as_str()),
            tickets::payment_scenario.eq(t.payment_scenario.as_str()),
            tickets::payment_method.eq(t.payment_method.map(|m| m.as_str())),
            tickets::failing_step.eq(t.failing_step.as_str()),
            tickets::symptom.eq(t.symptom.as_str()),
            tickets::error_code.eq(&t.error_code),
            tickets::error_message.eq(&t.error_message),
            tickets::city.eq(&t.city),
            tickets::account_masked.eq(t.account.as_str()),
            tickets::checks_tried.eq(Checks::from(&t.checks_tried[..]).to_string()),
            tickets::occurred_at.eq(t.occurred_at),
            tickets::amount_cents.eq(t.amount_cents),
            tickets::order_number.eq(&t.order_number),
            // Indexed in the same transaction (ops::search::index_filed).
            tickets::words_version.eq(crate::domain::words::VERSION),
            tickets::contact_email.eq(&t.contact_email),
            tickets::contact_phone.eq(&t.contact_phone),
            tickets::contact_channel.eq(t.contact_channel),
            tickets::sms_extend_code.eq(crate::domain::sms::new_extend_code()),
            tickets::description.eq(&t.description),
            tickets::created_at.eq(now),
            tickets::updated_at.eq(now),
            tickets::due_at.eq(row.due_at),
            tickets::case_kind.eq(d.kind.as_str()),
            tickets::queue.eq(d.queue.as_str()),
            tickets::priority.eq(d.priority.as_str()),
            tickets::routing_rule.eq(&d.rule),
            tickets::routing_facts.eq(d.used.join("; ")),
            tickets::paused_at.eq((row.status == Status::PendingCustomer).then_some(now)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Puts a ticket in an agent's hands (no timeline entry: the caller adds it).
pub fn set_assignee(conn: &mut DbConn, ticket_id: &str, agent_id: &str) -> QueryResult<()> {
    diesel::update(tickets::table.find(ticket_id)).set(tickets::assignee_id.eq(agent_id)).execute(conn)?;
    Ok(())
}

/// Assigns a ticket nobody holds yet; whether it did.
pub fn assign_if_unassigned(conn: &mut DbConn, ticket_id: &str, agent_id: &str) -> QueryResult<bool> {
    let n = diesel::update(tickets::table.find(ticket_id).filter(tickets::assignee_id.is_null()))
        .set(tickets::assignee_id.eq(agent_id))
        .execute(conn)?;
    Ok(n == 1)
}

/// Groups a ticket under an escalation.
pub fn set_escalation(conn: &mut DbConn, ticket_id: &str, escalation_id: &str, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(tickets::table.find(ticket_id))
        .set((tickets::escalation_id.eq(escalation_id), tickets::updated_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

/// Drops the screenshot draft a filed ticket used.
pub fn delete_draft(conn: &mut DbConn, token: &str) -> QueryResult<()> {
    diesel::delete(screenshot_drafts::table.filter(screenshot_drafts::token_hash.eq(hash_secret(token))))
        .execute(conn)?;
    Ok(())
}

/// A timeline entry to add.
pub struct NewEvent<'a> {
    pub kind: crate::domain::codes::EventKind,
    pub author_kind: crate::domain::codes::EventAuthor,
    pub author_id: Option<&'a str>,
    /// Shown to the customer; internal notes are not.
    pub is_public: bool,
    pub body: &'a str,
}

impl<'a> NewEvent<'a> {
    pub fn public(
        kind: crate::domain::codes::EventKind,
        author_kind: crate::domain::codes::EventAuthor,
        body: &'a str,
    ) -> Self {
        NewEvent { kind, author_kind, author_id: None, is_public: true, body }
    }
}

pub fn insert_event(conn: &mut DbConn, ticket_id: &str, e: NewEvent<'_>, now: NaiveDateTime) -> QueryResult<String> {
    let id = new_id();
    diesel::insert_into(ticket_events::table)
        .values((
            ticket_events::id.eq(&id),
            ticket_events::ticket_id.eq(ticket_id),
            ticket_events::kind.eq(e.kind),
            ticket_events::author_kind.eq(e.author_kind),
            ticket_events::author_id.eq(e.author_id),
            ticket_events::is_public.eq(e.is_public),
            ticket_events::body.eq(e.body),
            ticket_events::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(id)
}

pub fn insert_screenshot(
    conn: &mut DbConn,
    ticket_id: &str,
    event_id: Option<&str>,
    shot: &Screenshot,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(screenshots::table)
        .values((
            screenshots::id.eq(new_id()),
            screenshots::ticket_id.eq(ticket_id),
            screenshots::event_id.eq(event_id),
            screenshots::content_type.eq(shot.kind.content_type()),
            screenshots::byte_size.eq(shot.data.len() as i64),
            screenshots::width.eq(shot.width as i32),
            screenshots::height.eq(shot.height as i32),
            screenshots::sha256.eq(&shot.sha256),
            screenshots::data.eq(&shot.data),
            screenshots::created_at.eq(now),
        ))
        .execute(conn)?;
    diesel::update(tickets::table.find(ticket_id))
        .set((tickets::screenshot_count.eq(tickets::screenshot_count + 1), tickets::updated_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

/// The ticket a tracking link opens (any link it was ever given).
pub fn find_by_token(conn: &mut DbConn, token: &str) -> QueryResult<Option<Ticket>> {
    tickets::table
        .inner_join(tracking_links::table)
        .filter(tracking_links::token_hash.eq(hash_secret(token)))
        .select(Ticket::as_select())
        .first(conn)
        .optional()
}

/// A fresh tracking link for a ticket (for an email); stored only hashed.
pub fn mint_link(conn: &mut DbConn, ticket_id: &str, now: NaiveDateTime) -> QueryResult<String> {
    let token = TrackingToken::generate();
    insert_link(conn, ticket_id, &token, now)?;
    Ok(token.as_str().to_string())
}

/// A fresh short link's code (for an SMS, `/s/{code}`): 96 random bits,
/// stored only hashed, opening the ticket as a long link does.
pub fn mint_short_link(conn: &mut DbConn, ticket_id: &str, now: NaiveDateTime) -> QueryResult<String> {
    let token = TrackingToken::short();
    insert_link(conn, ticket_id, &token, now)?;
    Ok(token.as_str().to_string())
}

pub fn insert_link(conn: &mut DbConn, ticket_id: &str, token: &TrackingToken, now: NaiveDateTime) -> QueryResult<()> {
    diesel::insert_into(tracking_links::table)
        .values((
            tracking_links::token_hash.eq(token.hash()),
            tracking_links::ticket_id.eq(ticket_id),
            tracking_links::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find_by_id(conn: &mut DbConn, id: &str) -> QueryResult<Option<Ticket>> {
    tickets::table.find(id).select(Ticket::as_select()).first(conn).optional()
}

pub fn find_by_reference(conn: &mut DbConn, reference: &str) -> QueryResult<Option<Ticket>> {
    tickets::table.filter(tickets::reference.eq(reference)).select(Ticket::as_select()).first(conn).optional()
}

/// Whether staff changed the ticket's priority by hand (a timeline entry
/// of theirs says so).
pub fn priority_set_by_staff(conn: &mut DbConn, ticket_id: &str) -> QueryResult<bool> {
    use crate::domain::codes::{EventAuthor, EventKind};
    let n: i64 = ticket_events::table
        .filter(ticket_events::ticket_id.eq(ticket_id))
        .filter(ticket_events::kind.eq(EventKind::PriorityChanged))
        .filter(ticket_events::author_kind.eq(EventAuthor::Staff))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The text of one timeline entry.
pub fn event_body(conn: &mut DbConn, id: &str) -> QueryResult<Option<String>> {
    ticket_events::table.find(id).select(ticket_events::body).first(conn).optional()
}

/// The whole timeline, internal notes included (staff only), oldest first.
pub fn full_timeline(conn: &mut DbConn, ticket_id: &str) -> QueryResult<Vec<Event>> {
    ticket_events::table
        .filter(ticket_events::ticket_id.eq(ticket_id))
        .order((ticket_events::created_at.asc(), ticket_events::id.asc()))
        .select(Event::as_select())
        .load(conn)
}

/// The timeline a customer may see, oldest first.
pub fn public_timeline(conn: &mut DbConn, ticket_id: &str) -> QueryResult<Vec<Event>> {
    ticket_events::table
        .filter(ticket_events::ticket_id.eq(ticket_id))
        .filter(ticket_events::is_public.eq(true))
        .order((ticket_events::created_at.asc(), ticket_events::id.asc()))
        .select(Event::as_select())
        .load(conn)
}

pub fn screenshot_list(conn: &mut DbConn, ticket_id: &str) -> QueryResult<Vec<ScreenshotInfo>> {
    screenshots::table
        .filter(screenshots::ticket_id.eq(ticket_id))
        .order((screenshots::created_at.asc(), screenshots::id.asc()))
        .select(ScreenshotInfo::as_select())
        .load(conn)
}

/// A screenshot's type and bytes, only if it belongs to the given ticket.
pub fn screenshot_data(conn: &mut DbConn, ticket_id: &str, id: &str) -> QueryResult<Option<(ImageKind, Vec<u8>)>> {
    // An id from a URL: one with a NUL names nothing (and PostgreSQL
    // refuses NUL in text).
    if id.contains('\0') {
        return Ok(None);
    }
    let row: Option<(String, Vec<u8>)> = screenshots::table
        .filter(screenshots::id.eq(id))
        .filter(screenshots::ticket_id.eq(ticket_id))
        .select((screenshots::content_type, screenshots::data))
        .first(conn)
        .optional()?;
    Ok(row.and_then(|(ct, data)| ImageKind::from_content_type(&ct).map(|kind| (kind, data))))
}

/// A customer adds information from their tracking page. A reply to a
/// ticket that waited on them, or was resolved, puts it back in the queue.
/// Screenshots one ticket keeps at most, the one filed with it included
/// (each up to the size limit): a customer's messages can add no more.
pub const MAX_SCREENSHOTS_PER_TICKET: i32 = 10;

/// What the screenshot drafts hold in all, in bytes.
pub fn drafts_bytes(conn: &mut DbConn) -> QueryResult<i64> {
    use diesel::dsl::sql;
    screenshot_drafts::table
        .select(sql::<diesel::sql_types::BigInt>("CAST(COALESCE(SUM(LENGTH(data)), 0) AS BIGINT)"))
        .first(conn)
}

/// Keeps a valid screenshot from a form that failed validation, so the
/// customer does not have to pick it again. Returns the secret that names it.
pub fn save_draft(conn: &mut DbConn, file_name: &str, shot: &Screenshot, now: NaiveDateTime) -> QueryResult<String> {
    let token = TrackingToken::generate();
    conn.transaction(|conn| {
        diesel::insert_into(screenshot_drafts::table)
            .values((
                screenshot_drafts::id.eq(new_id()),
                screenshot_drafts::token_hash.eq(token.hash()),
                screenshot_drafts::file_name.eq(file_name),
                screenshot_drafts::content_type.eq(shot.kind.content_type()),
                screenshot_drafts::width.eq(shot.width as i32),
                screenshot_drafts::height.eq(shot.height as i32),
                screenshot_drafts::data.eq(&shot.data),
                screenshot_drafts::created_at.eq(now),
            ))
            .execute(conn)?;
        // Drafts nobody came back for are dropped here rather than by a job.
        let expired = now - chrono::Duration::hours(DRAFT_LIFETIME_HOURS);
        diesel::delete(screenshot_drafts::table.filter(screenshot_drafts::created_at.lt(expired))).execute(conn)?;
        Ok(token.as_str().to_string())
    })
}

/// A kept screenshot and its file name, if it exists and has not expired.
pub fn load_draft(conn: &mut DbConn, token: &str, now: NaiveDateTime) -> QueryResult<Option<(String, Screenshot)>> {
    let expired = now - chrono::Duration::hours(DRAFT_LIFETIME_HOURS);
    let row: Option<(String, String, i32, i32, Vec<u8>)> = screenshot_drafts::table
        .filter(screenshot_drafts::token_hash.eq(hash_secret(token)))
        .filter(screenshot_drafts::created_at.ge(expired))
        .select((
            screenshot_drafts::file_name,
            screenshot_drafts::content_type,
            screenshot_drafts::width,
            screenshot_drafts::height,
            screenshot_drafts::data,
        ))
        .first(conn)
        .optional()?;
    Ok(row.and_then(|(name, ct, width, height, data)| {
        let kind = ImageKind::from_content_type(&ct)?;
        let sha256 = hex::encode(sha2::Sha256::digest(&data));
        Some((name, Screenshot { kind, width: width as u32, height: height as u32, data, sha256 }))
    }))
}
