//! The retention job: deletes the screenshots of tickets closed long ago and
//! anonymises their contact emails, as `domain::retention::Policy` says.
//! Run by the sweep (`jobs::sweeps`) and by `paydesk purge` (which can only show
//! what would go). Each ticket is purged in its own short transaction, with
//! a timeline entry and an audit row.

use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::Bool;

use crate::db::audit::{self, Entry};
use crate::db::schema::{inbound_mail, outbox, screenshot_drafts, screenshots, ticket_events, tickets};
use crate::db::tickets::{insert_event, NewEvent};
use crate::db::DbConn;
use crate::domain::codes::{EventAuthor, EventKind, MailKind, MailStatus};
use crate::domain::retention::{redact_addresses, Policy};
use crate::i18n::Lang;

/// The literal conditions of the partial indexes `tickets_retention_*`
/// (SQLite uses a partial index only when the query repeats its terms).
const CLOSED_WITH_SCREENSHOTS: &str = "screenshot_count > 0 AND status IN ('resolved', 'closed')";
const CLOSED_WITH_EMAIL: &str = "contact_email <> '' AND status IN ('resolved', 'closed')";
const CLOSED_WITH_PHONE: &str = "contact_phone <> '' AND status IN ('resolved', 'closed')";
/// What anonymising claims a ticket by (either way to reach the customer).
const CLOSED_WITH_CONTACT: &str = "(contact_email <> '' OR contact_phone <> '') AND status IN ('resolved', 'closed')";

pub mod action {
    pub const SCREENSHOTS_PURGED: &str = "retention_screenshots_purged";
    pub const EMAIL_ANONYMISED: &str = "retention_email_anonymised";
}

/// A ticket with something due to go.
#[derive(Debug, Clone, Queryable)]
pub struct Due {
    pub id: String,
    pub reference: String,
    pub language: Lang,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default)]
pub struct Plan {
    pub screenshots: Vec<Due>,
    pub emails: Vec<Due>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.screenshots.is_empty() && self.emails.is_empty()
    }
}

/// What is due now, at most `limit` tickets of each kind, oldest first.
pub fn plan(conn: &mut DbConn, policy: &Policy, now: NaiveDateTime, limit: i64) -> QueryResult<Plan> {
    let due = |conn: &mut DbConn, condition: &'static str, cutoff: Option<NaiveDateTime>| match cutoff {
        None => Ok(Vec::new()),
        Some(cutoff) => tickets::table
            .filter(sql::<Bool>(condition))
            .filter(tickets::updated_at.lt(cutoff))
            .order(tickets::updated_at)
            .select((tickets::id, tickets::reference, tickets::language, tickets::updated_at))
            .limit(limit)
            .load::<Due>(conn),
    };
    Ok(Plan {
        screenshots: due(conn, CLOSED_WITH_SCREENSHOTS, policy.screenshot_cutoff(now))?,
        emails: {
            // Tickets with an email, and those reached only by phone.
            let mut due_ones = due(conn, CLOSED_WITH_EMAIL, policy.email_cutoff(now))?;
            for t in due(conn, CLOSED_WITH_PHONE, policy.email_cutoff(now))? {
                if !due_ones.iter().any(|d| d.id == t.id) {
                    due_ones.push(t);
                }
            }
            due_ones.truncate(limit.max(0) as usize);
            due_ones
        },
    })
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Done {
    pub tickets_with_screenshots: usize,
    pub screenshots: usize,
    pub emails: usize,
    /// `.eml` files of anonymised tickets deleted.
    pub mail_files: usize,
}

impl Done {
    pub fn add(&mut self, other: Done) {
        self.tickets_with_screenshots += other.tickets_with_screenshots;
        self.screenshots += other.screenshots;
        self.emails += other.emails;
        self.mail_files += other.mail_files;
    }
}

/// Deletes up to `limit` `.sms` files (no SMS provider) of anonymised
/// tickets, and forgets each deleted (or already missing) one.
fn delete_sms_files(conn: &mut DbConn, limit: i64) -> QueryResult<usize> {
    use crate::db::schema::sms_messages;
    let files: Vec<(String, String)> = sms_messages::table
        .filter(sms_messages::file.is_not_null())
        .filter(sms_messages::phone.eq(""))
        .select((sms_messages::id, sms_messages::file.assume_not_null()))
        .limit(limit)
        .load(conn)?;
    let mut deleted = 0;
    for (id, file) in files {
        // Only ever a file the worker wrote: an absolute `….sms` path.
        let path = std::path::Path::new(&file);
        if !path.is_absolute() || path.extension().is_none_or(|e| e != "sms") {
            continue;
        }
        match std::fs::remove_file(path) {
            Ok(()) => deleted += 1,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(_) => continue,
        }
        diesel::update(sms_messages::table.find(&id)).set(sms_messages::file.eq(None::<String>)).execute(conn)?;
    }
    Ok(deleted)
}

/// Deletes up to `limit` `.eml` files of messages whose recipient was
/// anonymised, and forgets each deleted (or already missing) file. A file
/// that cannot be deleted stays recorded, to be tried on the next run.
fn delete_mail_files(conn: &mut DbConn, limit: i64) -> QueryResult<usize> {
    let files: Vec<(String, String)> = outbox::table
        .filter(outbox::mail_file.is_not_null())
        .filter(outbox::recipient.eq(""))
        .select((outbox::id, outbox::mail_file.assume_not_null()))
        .limit(limit)
        .load(conn)?;
    let mut deleted = 0;
    for (id, file) in files {
        // Only ever a file the worker wrote: an absolute `….eml` path.
        let path = std::path::Path::new(&file);
        let gone = if !path.is_absolute() || path.extension().is_none_or(|e| e != "eml") {
            true
        } else {
            match std::fs::remove_file(path) {
                Ok(()) => {
                    deleted += 1;
                    true
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
                Err(e) => {
                    tracing::warn!(error = %e, "retention: cannot delete an .eml file; tried again next run");
                    false
                }
            }
        };
        if gone {
            diesel::update(outbox::table.find(&id)).set(outbox::mail_file.eq(None::<String>)).execute(conn)?;
        }
    }
    Ok(deleted)
}

/// Takes the addresses out of these tickets' internal notes (an email from
/// someone other than the customer is kept as `✉ sender: words`).
fn redact_notes(conn: &mut DbConn, ticket_ids: &[String]) -> QueryResult<()> {
    let notes: Vec<(String, String)> = ticket_events::table
        .filter(ticket_events::ticket_id.eq_any(ticket_ids))
        .filter(ticket_events::kind.eq(EventKind::InternalNote))
        .filter(ticket_events::body.like("%@%"))
        .select((ticket_events::id, ticket_events::body))
        .load(conn)?;
    for (id, body) in notes {
        let redacted = redact_addresses(&body);
        if redacted != body {
            diesel::update(ticket_events::table.find(&id)).set(ticket_events::body.eq(redacted)).execute(conn)?;
        }
    }
    Ok(())
}

/// Purges what `plan` finds. A ticket reopened meanwhile is left alone: each
/// update re-checks the condition it was chosen by.
pub fn purge(conn: &mut DbConn, policy: &Policy, now: NaiveDateTime, limit: i64) -> QueryResult<Done> {
    let plan = plan(conn, policy, now, limit)?;
    let mut done = Done::default();
    for t in &plan.screenshots {
        let cutoff = policy.screenshot_cutoff(now).unwrap_or(now);
        let removed = conn.transaction(|conn| {
            let claimed = diesel::update(tickets::table.find(&t.id))
                .filter(sql::<Bool>(CLOSED_WITH_SCREENSHOTS))
                .filter(tickets::updated_at.lt(cutoff))
                .set(tickets::screenshot_count.eq(0))
                .execute(conn)?;
            if claimed == 0 {
                return Ok(0);
            }
            let removed = diesel::delete(screenshots::table.filter(screenshots::ticket_id.eq(&t.id))).execute(conn)?;
            let lang = t.language;
            let note = lang.t_with("retention-screenshots-removed", "days", policy.screenshot_days);
            insert_event(conn, &t.id, NewEvent::public(EventKind::Retention, EventAuthor::System, &note), now)?;
            let count = removed.to_string();
            let entry = Entry {
                actor_id: None,
                action: action::SCREENSHOTS_PURGED,
                ticket_id: Some(&t.id),
                before: &count,
                after: "0",
            };
            audit::record(conn, entry, now)?;
            Ok::<_, diesel::result::Error>(removed)
        })?;
        if removed > 0 {
            done.tickets_with_screenshots += 1;
            done.screenshots += removed;
        }
    }
    for t in &plan.emails {
        let cutoff = policy.email_cutoff(now).unwrap_or(now);
        let anonymised = conn.transaction(|conn| {
            let claimed = diesel::update(tickets::table.find(&t.id))
                .filter(sql::<Bool>(CLOSED_WITH_CONTACT))
                .filter(tickets::updated_at.lt(cutoff))
                .set((tickets::contact_email.eq(""), tickets::contact_phone.eq("")))
                .execute(conn)?;
            if claimed == 0 {
                return Ok(false);
            }
            // The address also sits on the messages sent to it; one still
            // waiting would go nowhere now.
            diesel::update(
                outbox::table.filter(outbox::ticket_id.eq(&t.id)).filter(outbox::status.eq(MailStatus::Pending)),
            )
            .set((outbox::status.eq(MailStatus::Dead), outbox::last_error.eq("contact email anonymised")))
            .execute(conn)?;
            diesel::update(
                outbox::table.filter(outbox::ticket_id.eq(&t.id)).filter(outbox::kind.ne(MailKind::Webhook)),
            )
            .set(outbox::recipient.eq(""))
            .execute(conn)?;
            // A webhook delivery not yet made carries the ticket as it was.
            diesel::update(outbox::table.filter(outbox::ticket_id.eq(&t.id)))
                .set(outbox::payload.eq(None::<String>))
                .execute(conn)?;
            // And in what an SMTP server said when it refused one (stored
            // redacted since; older rows may still quote it).
            let errors: Vec<(String, String)> = outbox::table
                .filter(outbox::ticket_id.eq(&t.id))
                .filter(outbox::last_error.is_not_null())
                .select((outbox::id, outbox::last_error.assume_not_null()))
                .load(conn)?;
            for (id, error) in errors {
                let redacted = redact_addresses(&error);
                if redacted != error {
                    diesel::update(outbox::table.find(&id)).set(outbox::last_error.eq(redacted)).execute(conn)?;
                }
            }
            // And on the email received about it (the inbound log): the
            // sender's address and the subject they wrote.
            diesel::update(inbound_mail::table.filter(inbound_mail::ticket_id.eq(&t.id)))
                .set((inbound_mail::sender.eq(""), inbound_mail::subject.eq("")))
                .execute(conn)?;
            // The number on its SMS, with any one-time code (their files
            // go after commit, as the mail's).
            crate::db::sms::anonymise(conn, &t.id)?;
            // And in the notes that name who wrote about it (`✉ sender:`).
            redact_notes(conn, std::slice::from_ref(&t.id))?;
            // Never the address itself in the audit log.
            let entry = Entry {
                actor_id: None,
                action: action::EMAIL_ANONYMISED,
                ticket_id: Some(&t.id),
                before: "contact email",
                after: "",
            };
            audit::record(conn, entry, now)?;
            Ok::<_, diesel::result::Error>(true)
        })?;
        if anonymised {
            done.emails += 1;
        }
    }
    // The `.eml` files written for those tickets (no SMTP server) hold the
    // address in `To:`: deleted once the anonymisation has committed. What a
    // crash left between the two is found here on the next run.
    done.mail_files += delete_mail_files(conn, limit)?;
    done.mail_files += delete_sms_files(conn, limit)?;
    // Email that matched no ticket keeps its sender only while the "one
    // answer a day" rule needs it, and no longer than a ticket's would.
    if let Some(cutoff) = policy.email_cutoff(now) {
        diesel::update(
            inbound_mail::table
                .filter(inbound_mail::ticket_id.is_null())
                .filter(inbound_mail::received_at.lt(cutoff.min(now - chrono::Duration::days(1))))
                .filter(inbound_mail::sender.ne("")),
        )
        .set((inbound_mail::sender.eq(""), inbound_mail::subject.eq("")))
        .execute(conn)?;
        // And the answers we sent them (the form's link) keep it as long.
        diesel::update(
            outbox::table
                .filter(outbox::kind.eq(MailKind::InboundUnmatched))
                .filter(outbox::status.ne(MailStatus::Pending))
                .filter(outbox::created_at.lt(cutoff.min(now - chrono::Duration::days(1))))
                .filter(outbox::recipient.ne("")),
        )
        .set(outbox::recipient.eq(""))
        .execute(conn)?;
    }
    // Mail that reached a ticket after it was anonymised, kept with its
    // sender (and quoted in a note) before paydesk stopped doing so: found
    // through the inbound log, which is small (not by reading every note of
    // every old ticket each sweep), and cleaned as anonymising does.
    let reached: Vec<String> = inbound_mail::table
        .inner_join(tickets::table.on(tickets::id.nullable().eq(inbound_mail::ticket_id)))
        .filter(inbound_mail::sender.ne(""))
        .filter(tickets::contact_email.eq(""))
        .select(tickets::id)
        .distinct()
        .limit(limit)
        .load(conn)?;
    redact_notes(conn, &reached)?;
    diesel::update(inbound_mail::table.filter(inbound_mail::ticket_id.eq_any(&reached)))
        .set((inbound_mail::sender.eq(""), inbound_mail::subject.eq("")))
        .execute(conn)?;
    // Screenshots kept for a refused form that was never sent again.
    diesel::delete(screenshot_drafts::table.filter(screenshot_drafts::created_at.lt(now - chrono::Duration::days(1))))
        .execute(conn)?;
    Ok(done)
}
