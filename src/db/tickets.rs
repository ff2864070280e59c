//! Tickets, their timeline and their screenshots.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use sha2::Digest;

use super::outbox;
use super::routing;
use super::schema::{screenshot_drafts, screenshots, ticket_events, tickets, tracking_links};
use super::stats;
use super::DbConn;
use crate::domain::codes::{
    CaseKind, Checks, FailingStep, PaymentMethod, PaymentScenario, Platform, Priority, Queue, Status, Symptom,
};
use crate::domain::completeness::{self, Assessment, Fact, Holds};
use crate::domain::intake::NewTicket;
use crate::domain::reference::{hash_secret, TrackingToken};
use crate::domain::screenshot::{ImageKind, Screenshot};
use crate::i18n::Lang;
use crate::routing::{Decision, Rules};

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

/// What a customer gets back once their ticket is stored.
pub struct Created {
    pub reference: String,
    pub token: TrackingToken,
    /// Where routing put it: new, or already waiting on the customer or the
    /// platform.
    pub status: Status,
}

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Timeline entry kinds.
pub mod event_kind {
    use crate::domain::codes::EventKind;
    pub const CREATED: EventKind = EventKind::Created;
    pub const CUSTOMER_MESSAGE: EventKind = EventKind::CustomerMessage;
    pub const STATUS_CHANGED: EventKind = EventKind::StatusChanged;
    pub const PUBLIC_REPLY: EventKind = EventKind::PublicReply;
    pub const INTERNAL_NOTE: EventKind = EventKind::InternalNote;
    pub const INFO_REQUESTED: EventKind = EventKind::InfoRequested;
    pub const ASSIGNED: EventKind = EventKind::Assigned;
    pub const PRIORITY_CHANGED: EventKind = EventKind::PriorityChanged;
    pub const MERGED: EventKind = EventKind::Merged;
    pub const OUT_OF_SCOPE: EventKind = EventKind::OutOfScope;
    pub const ESCALATED: EventKind = EventKind::Escalated;
    pub const ESCALATION_SENT_BACK: EventKind = EventKind::EscalationSentBack;
    pub const PLATFORM_ANSWER: EventKind = EventKind::PlatformAnswer;
    pub const INCIDENT_LINKED: EventKind = EventKind::IncidentLinked;
    pub const INCIDENT_UNLINKED: EventKind = EventKind::IncidentUnlinked;
    pub const INCIDENT_UPDATE: EventKind = EventKind::IncidentUpdate;
    pub const RETENTION: EventKind = EventKind::Retention;
    pub const REROUTED: EventKind = EventKind::Rerouted;
    pub const FACTS_ADDED: EventKind = EventKind::FactsAdded;
    pub const PAYMENT_CHECKED: EventKind = EventKind::PaymentChecked;
    pub const PAYMENT_FOUND: EventKind = EventKind::PaymentFound;
    pub const REFUND_UPDATE: EventKind = EventKind::RefundUpdate;
    pub const COMPLAINT: EventKind = EventKind::Complaint;
    pub const RATED: EventKind = EventKind::Rated;
}

pub mod author {
    use crate::domain::codes::EventAuthor;
    pub const CUSTOMER: EventAuthor = EventAuthor::Customer;
    pub const STAFF: EventAuthor = EventAuthor::Staff;
    pub const SYSTEM: EventAuthor = EventAuthor::System;
}

/// What routing decided for a new ticket, and the SLA targets to apply.
pub struct Routed<'a> {
    pub decision: &'a Decision,
    /// Ask the payment's provider about it (issue 17).
    pub check_payment: bool,
    pub rules: &'a Rules,
}

impl Routed<'_> {
    /// Where a new ticket starts: with the platform when only it can help,
    /// with the customer when they can fix it alone, else new.
    pub fn status(&self) -> Status {
        if self.decision.kind == CaseKind::OutOfScope {
            Status::PendingPlatform
        } else if self.decision.self_service {
            Status::PendingCustomer
        } else {
            Status::New
        }
    }
}

pub(crate) fn insert_ticket(
    conn: &mut DbConn,
    t: &NewTicket,
    routed: &Routed<'_>,
    created: &Created,
    draft_token: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let ticket_id = new_id();
    let d = routed.decision;
    let status = routed.status();
    // The first statement writes, so SQLite takes its write lock at once and
    // never has to upgrade a read lock (which could fail with SQLITE_BUSY).
    diesel::insert_into(tickets::table)
        .values((
            tickets::id.eq(&ticket_id),
            tickets::reference.eq(&created.reference),
            tickets::tracking_token_hash.eq(created.token.hash()),
            tickets::status.eq(status.as_str()),
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
            tickets::contact_email.eq(&t.contact_email),
            tickets::description.eq(&t.description),
            tickets::created_at.eq(now),
            tickets::updated_at.eq(now),
            tickets::due_at.eq(now + routed.rules.first_response(d.priority)),
            tickets::case_kind.eq(d.kind.as_str()),
            tickets::queue.eq(d.queue.as_str()),
            tickets::priority.eq(d.priority.as_str()),
            tickets::routing_rule.eq(&d.rule),
            tickets::routing_facts.eq(d.used.join("; ")),
            tickets::paused_at.eq((status == Status::PendingCustomer).then_some(now)),
        ))
        .execute(conn)?;
    escalate_if_needed(conn, &ticket_id, d, t.platform, t.payment_scenario, now)?;
    routing::insert_decision(conn, &ticket_id, crate::ops::routing::cause::INTAKE, d, None, now)?;
    stats::filed(
        conn,
        &stats::Key {
            filed: now,
            queue: d.queue.as_str(),
            case_kind: d.kind.as_str(),
            city: &t.city,
            failing_step: t.failing_step.as_str(),
        },
    )?;
    crate::ops::incident::join_at_intake(conn, &ticket_id, d.kind.as_str(), &t.city, t.failing_step.as_str(), now)?;
    insert_link(conn, &ticket_id, &created.token, now)?;
    if routed.check_payment {
        super::payments::enqueue(conn, &ticket_id, now)?;
    }
    let event_id = insert_event(conn, &ticket_id, NewEvent::public(event_kind::CREATED, author::CUSTOMER, ""), now)?;
    outbox::enqueue(conn, outbox::kind::RECEIVED, &ticket_id, None, &t.contact_email, t.language, now)?;
    if let Some(shot) = &t.screenshot {
        insert_screenshot(conn, &ticket_id, Some(&event_id), shot, now)?;
    }
    if let Some(token) = draft_token {
        diesel::delete(screenshot_drafts::table.filter(screenshot_drafts::token_hash.eq(hash_secret(token))))
            .execute(conn)?;
    }
    // Last: on PostgreSQL picking the agent takes a lock that every intake
    // waits for until this transaction commits, so nothing else is done
    // while holding it.
    if let Some(agent) = routing::pick_assignee(conn, d.queue, now)? {
        diesel::update(tickets::table.find(&ticket_id)).set(tickets::assignee_id.eq(&agent.id)).execute(conn)?;
        insert_event(
            conn,
            &ticket_id,
            NewEvent { is_public: false, ..NewEvent::public(event_kind::ASSIGNED, author::SYSTEM, &agent.name) },
            now,
        )?;
    }
    Ok(())
}

/// The escalation routing opens for a kind of case: out-of-scope cases wait
/// on the platform, product bugs on engineering.
pub fn escalation_target(kind: CaseKind) -> Option<crate::domain::codes::EscalationTarget> {
    match kind {
        CaseKind::OutOfScope => Some(routing::target::PLATFORM),
        CaseKind::ProductBug => Some(routing::target::ENGINEERING),
        _ => None,
    }
}

/// Sends a ticket the way its kind needs (see [`escalation_target`]),
/// through an escalation a supervisor reviews first.
pub(crate) fn escalate_if_needed(
    conn: &mut DbConn,
    ticket_id: &str,
    d: &Decision,
    platform: crate::domain::codes::Platform,
    scenario: crate::domain::codes::PaymentScenario,
    now: NaiveDateTime,
) -> QueryResult<()> {
    match escalation_target(d.kind) {
        Some(target) => join_escalation(conn, ticket_id, target, platform, scenario, &d.rule, &d.rule, now),
        None => Ok(()),
    }
}

/// Joins a ticket to the open escalation for its target, platform and
/// scenario (opening one, and telling supervisors, when there is none),
/// with its timeline entry `note`: public for the platform (the customer
/// learns only the platform can enable it), internal otherwise.
#[allow(clippy::too_many_arguments)]
pub(crate) fn join_escalation(
    conn: &mut DbConn,
    ticket_id: &str,
    target: crate::domain::codes::EscalationTarget,
    platform: crate::domain::codes::Platform,
    scenario: crate::domain::codes::PaymentScenario,
    rule: &str,
    note: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let (esc, new) = routing::escalation_for(conn, target, platform, scenario, rule, now)?;
    if new {
        routing::notify_new_escalation(conn, ticket_id, now)?;
    }
    diesel::update(tickets::table.find(ticket_id))
        .set((tickets::escalation_id.eq(&esc), tickets::updated_at.eq(now)))
        .execute(conn)?;
    let public = target == routing::target::PLATFORM;
    let kind = if public { event_kind::OUT_OF_SCOPE } else { event_kind::ESCALATED };
    insert_event(conn, ticket_id, NewEvent { is_public: public, ..NewEvent::public(kind, author::SYSTEM, note) }, now)?;
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

pub(crate) fn insert_screenshot(
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

fn insert_link(conn: &mut DbConn, ticket_id: &str, token: &TrackingToken, now: NaiveDateTime) -> QueryResult<()> {
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
