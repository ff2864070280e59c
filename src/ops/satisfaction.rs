//! What customers and supervisors do with satisfaction ratings: a customer
//! rates a resolution (once), a supervisor marks a bad rating followed up.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::audit::{self, Entry};
use crate::db::new_id;
use crate::db::schema::ratings;
use crate::db::tickets::{insert_event, NewEvent, Ticket};
use crate::db::{backend, ratings as store, users, DbConn};
use crate::domain::codes::{EventAuthor, EventKind};
use crate::domain::satisfaction::{reason_fits, MayRate};
use crate::error::{AppError, Refusal};
use crate::ops::Actor;
use crate::routing::Rules;

/// What the customer chose.
pub struct Rating<'a> {
    pub good: bool,
    /// A code from `domain::satisfaction::reasons`, or ''.
    pub reason: &'a str,
    /// Already cleaned (`text::clean`).
    pub comment: &'a str,
}

/// What rating did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rated {
    /// Solved: the rating is kept, the ticket stays resolved.
    Recorded,
    /// Not solved: the rating is kept and the request is open again, in
    /// the hands of the agent who resolved it (when they still work here).
    Reopened,
    /// This resolution was rated before: the first rating stands.
    AlreadyRated,
    /// The ticket is not resolved (reopened since the link was sent).
    NotResolved,
}

/// Records the customer's rating of the ticket's current resolution, with a
/// staff-only timeline entry. Decided under the ticket's lock, so two
/// ratings arriving at once are taken one after the other and the second
/// finds the first (the unique (ticket, resolution) backs this up).
///
/// "Not solved" is not only feedback: the customer still has the problem.
/// The request opens again exactly as their reply would open it (due within
/// its priority's first-response target, `intake::after_reply`), goes back
/// to the agent who resolved it, and their words stand on the timeline as
/// their message, so the agent reads them where they read every other.
pub fn rate(
    conn: &mut DbConn,
    ticket_id: &str,
    r: &Rating<'_>,
    rules: &Rules,
    now: NaiveDateTime,
) -> Result<Rated, AppError> {
    conn.transaction(|conn| {
        let t = backend::lock_ticket(conn, ticket_id)?.ok_or(AppError::NotFound)?;
        if !reason_fits(t.case_kind, r.reason) {
            return Err(AppError::BadRequest("reason"));
        }
        let resolution = match store::may_rate(conn, &t)? {
            MayRate::Yes(n) => n,
            MayRate::AlreadyRated => return Ok(Rated::AlreadyRated),
            MayRate::NotResolved => return Ok(Rated::NotResolved),
        };
        let agent = store::agent_at_resolution(conn, &t)?;
        diesel::insert_into(ratings::table)
            .values((
                ratings::id.eq(new_id()),
                ratings::ticket_id.eq(&t.id),
                ratings::resolution.eq(resolution),
                ratings::good.eq(r.good),
                ratings::reason.eq(r.reason),
                ratings::comment.eq(r.comment),
                ratings::case_kind.eq(t.case_kind.as_str()),
                ratings::queue.eq(t.queue.as_str()),
                ratings::agent_id.eq(&agent),
                ratings::created_at.eq(now),
            ))
            .execute(conn)?;
        // Staff read it on the timeline in words (`web::satisfaction::
        // rated_words`): good/bad, the reason's code (or an empty line), the
        // comment.
        let body = format!("{}\n{}\n{}", if r.good { "good" } else { "bad" }, r.reason, r.comment);
        let event = NewEvent { is_public: false, ..NewEvent::public(EventKind::Rated, EventAuthor::Customer, &body) };
        insert_event(conn, &t.id, event, now)?;
        if r.good {
            return Ok(Rated::Recorded);
        }
        reopen(conn, &t, agent.as_deref(), r, rules, now)?;
        Ok(Rated::Reopened)
    })
}

/// Opens a ticket rated "not solved" again (locked by the caller).
fn reopen(
    conn: &mut DbConn,
    t: &Ticket,
    resolver: Option<&str>,
    r: &Rating<'_>,
    rules: &Rules,
    now: NaiveDateTime,
) -> QueryResult<()> {
    crate::ops::intake::after_reply(conn, t, rules, now)?;
    if let Some(agent) = resolver.map(|id| users::find(conn, id)).transpose()?.flatten().filter(|u| u.active) {
        if t.assignee_id.as_deref() != Some(agent.id.as_str()) {
            crate::db::tickets::set_assignee(conn, &t.id, &agent.id)?;
            let note = NewEvent {
                is_public: false,
                ..NewEvent::public(EventKind::Assigned, EventAuthor::System, &agent.name)
            };
            insert_event(conn, &t.id, note, now)?;
        }
    }
    // Their words, as a message: the comment, or the reason when that is
    // all they gave (in the ticket's language, as they read it).
    let words = match (r.comment.is_empty(), r.reason.is_empty()) {
        (false, _) => r.comment.to_string(),
        (true, false) => t.language.t(&format!("rate-reason-{}", r.reason)),
        (true, true) => t.language.t("rate-verdict-bad"),
    };
    let message = NewEvent::public(EventKind::CustomerMessage, EventAuthor::Customer, &words);
    insert_event(conn, &t.id, message, now)?;
    super::search::index(conn, &t.id)
}

/// Marks a bad rating followed up (audited). `Refusal::FollowedUp` when it already was.
pub fn follow_up(conn: &mut DbConn, rating_id: &str, actor: &Actor<'_>, now: NaiveDateTime) -> Result<(), AppError> {
    conn.transaction(|conn| {
        let (ticket_id, followed): (String, Option<NaiveDateTime>) = ratings::table
            .find(rating_id)
            .filter(ratings::good.eq(false))
            .select((ratings::ticket_id, ratings::followed_up_at))
            .first(conn)
            .optional()?
            .ok_or(AppError::NotFound)?;
        if followed.is_some() {
            return Err(AppError::Refused(Refusal::FollowedUp));
        }
        let n = diesel::update(ratings::table.find(rating_id).filter(ratings::followed_up_at.is_null()))
            .set((ratings::followed_up_by.eq(actor.id), ratings::followed_up_at.eq(now)))
            .execute(conn)?;
        if n == 0 {
            return Err(AppError::Refused(Refusal::FollowedUp));
        }
        let entry = Entry {
            actor_id: Some(actor.id),
            action: "rating_follow_up",
            ticket_id: Some(&ticket_id),
            before: "bad",
            after: "followed up",
        };
        Ok(audit::record(conn, entry, now)?)
    })
}
