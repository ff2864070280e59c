//! Asking again about a ticket's payment (issue 17): an agent's "check
//! now" writes a job for the background worker, in one transaction with
//! its timeline entry and audit row; the answer arrives on the ticket.

use chrono::NaiveDateTime;

use super::ticket::{current, Actor, Seen};
use crate::db::audit::{self, Entry};
use crate::db::tickets::{author, event_kind, insert_event, NewEvent};
use crate::db::{payments as store, DbConn};
use crate::error::AppError;
use crate::payments::Payments;
use diesel::Connection;

/// Whether a check was asked for (`false`: one is already under way).
/// `Conflict("payment_check")` when nothing can be asked: no order number,
/// or no provider configured for the payment method.
pub fn request_check(
    conn: &mut DbConn,
    ticket_id: &str,
    payments: &Payments,
    actor: &Actor<'_>,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    conn.transaction(|conn| {
        let t = current(conn, ticket_id, Seen::Latest)?;
        if !payments.checks(t.payment_method, t.order_number.as_deref()) {
            return Err(AppError::Conflict("payment_check"));
        }
        if !store::enqueue(conn, &t.id, now)? {
            return Ok(false);
        }
        let entry = NewEvent {
            kind: event_kind::PAYMENT_CHECKED,
            author_kind: author::STAFF,
            author_id: Some(actor.id),
            is_public: false,
            body: "requested",
        };
        insert_event(conn, &t.id, entry, now)?;
        audit::record(
            conn,
            Entry {
                actor_id: Some(actor.id),
                action: "payment_check",
                ticket_id: Some(&t.id),
                before: "",
                after: "requested",
            },
            now,
        )?;
        Ok(true)
    })
}
