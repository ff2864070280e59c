//! What customers and supervisors do with satisfaction ratings: a customer
//! rates a resolution (once), a supervisor marks a bad rating followed up.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::audit::{self, Entry};
use crate::db::new_id;
use crate::db::schema::ratings;
use crate::db::tickets::{insert_event, NewEvent};
use crate::db::{backend, ratings as store, DbConn};
use crate::domain::codes::{EventAuthor, EventKind};
use crate::domain::satisfaction::{reason_fits, MayRate};
use crate::error::{AppError, Refusal};
use crate::ops::Actor;

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
    Recorded,
    /// This resolution was rated before: the first rating stands.
    AlreadyRated,
    /// The ticket is not resolved (reopened since the link was sent).
    NotResolved,
}

/// Records the customer's rating of the ticket's current resolution, with a
/// staff-only timeline entry. Decided under the ticket's lock, so two
/// ratings arriving at once are taken one after the other and the second
/// finds the first (the unique (ticket, resolution) backs this up).
pub fn rate(conn: &mut DbConn, ticket_id: &str, r: &Rating<'_>, now: NaiveDateTime) -> Result<Rated, AppError> {
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
        Ok(Rated::Recorded)
    })
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
