//! The payment-check worker, inside the server: takes due jobs, asks the
//! provider and the order system (no database connection held while it
//! waits on them), and records what was found. An answer that could not be
//! verified, or no answer, is tried again with backoff; after the last try
//! the agent sees why, and nothing is acted on.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{Duration, NaiveDateTime, Timelike};

use crate::db::new_id;
use crate::db::payments::{self as store, Check};
use crate::db::tickets::{self, Ticket};
use crate::db::{backend, Pools};
use crate::payments::{CheckError, Payments};
use diesel::Connection;

/// A worker holds a claimed job this long; a crashed worker's jobs are
/// taken by another after it.
const LEASE: Duration = Duration::seconds(120);

/// Why a signed answer that came again is not taken.
const REPLAYED: &str = "an answer already received (its nonce was used)";

pub struct Worker {
    pub pools: Pools,
    pub payments: Arc<Payments>,
    /// What a verified check does (`[[payment]]` in the rules file).
    pub rules: Arc<crate::routing::Rules>,
    pub poll: StdDuration,
    pub retry_base: Duration,
    pub max_attempts: i32,
    /// How often a refund under way is asked about.
    pub refund_every: Duration,
    pub refund_due: Duration,
}

impl Worker {
    /// Runs until the process ends.
    pub async fn run(self: Arc<Self>, stop: super::Stop) {
        let poll = self.poll;
        super::repeat("payments", poll, stop, move || {
            let now = crate::clock::now();
            Ok(super::Round::Handled(self.check_due(now)? + self.refresh_refund(now)?))
        })
        .await
    }

    /// Runs the next due check, if any; how many it handled (0 or 1). One
    /// at a time, so a job never outlives its lease (two calls of at most
    /// ten seconds each against a two-minute lease), and each request is
    /// signed and each answer judged with the time it is made.
    pub fn check_due(&self, now: NaiveDateTime) -> Result<usize, String> {
        let write = || self.pools.write.get().map_err(|e| e.to_string());
        // Whole milliseconds: the lease reads back equal on both backends.
        let lease = now + LEASE;
        let lease = lease.with_nanosecond(lease.nanosecond() / 1_000_000 * 1_000_000).unwrap_or(lease);
        let ids = backend::claim_payment_jobs(&mut *write()?, lease, now, 1).map_err(|e| e.to_string())?;
        let Some(id) = ids.first() else { return Ok(0) };
        let (job, ticket) = {
            let mut conn = self.pools.read.get().map_err(|e| e.to_string())?;
            let Some(job) = store::jobs(&mut conn, std::slice::from_ref(id)).map_err(|e| e.to_string())?.pop() else {
                return Ok(1);
            };
            let ticket = tickets::find_by_id(&mut conn, &job.ticket_id).map_err(|e| e.to_string())?;
            (job, ticket)
        };
        let Some(ticket) = ticket else { return Ok(1) };
        let outcome = self.check(&ticket, now);
        // A signed answer is taken once, whichever server it reached
        // before: its nonce is remembered in the database.
        let outcome = match outcome {
            Ok((_, _, nonce)) if self.replayed(nonce.as_deref(), now)? => Err(CheckError::Unverified(REPLAYED.into())),
            other => other.map(|(check, refund, _)| (check, refund)),
        };
        let now = crate::clock::now();
        let mut conn = write()?;
        let result = conn.transaction(|c| {
            if !store::holds(c, &job.id, lease)? {
                return Ok(());
            }
            // The customer or an agent changed the number meanwhile: this
            // answer is about the old one. Ask again about the new.
            let Some(current) = backend::lock_ticket(c, &ticket.id)? else { return Ok(()) };
            if current.order_number != ticket.order_number || current.payment_method != ticket.payment_method {
                store::finish(c, &job.id, now)?;
                if self.payments.checks(current.payment_method, current.order_number.as_deref()) {
                    store::enqueue(c, &current.id, now)?;
                }
                return Ok(());
            }
            match outcome {
                Ok((check, refund_number)) => {
                    let refund = refund_number.as_deref();
                    crate::ops::payments::record_finding(
                        c,
                        &current,
                        check,
                        refund,
                        self.refund_due,
                        &self.rules,
                        now,
                    )?;
                    store::finish(c, &job.id, now)
                }
                Err(e) if job.attempts >= self.max_attempts => {
                    let check = Check {
                        state: e.state(),
                        problem: e.to_string(),
                        ..blank(&ticket, self.provider_name(&ticket), now)
                    };
                    store::record(c, &check)?;
                    crate::ops::payments::note_check(c, &ticket.id, &check, now)?;
                    store::finish(c, &job.id, now)
                }
                Err(e) => {
                    let wait = self.retry_base * 2i32.pow((job.attempts - 1).clamp(0, 16) as u32);
                    tracing::info!(ticket = %ticket.reference, error = %e, "payment check will be tried again");
                    store::retry(c, &job.id, now + wait, &e.to_string())
                }
            }
        });
        result.map_err(|e| e.to_string())?;
        Ok(1)
    }

    /// Asks the provider about the next refund due a check, if any; how
    /// many it handled (0 or 1). A refund that ended is not asked about again.
    pub fn refresh_refund(&self, now: NaiveDateTime) -> Result<usize, String> {
        let write = || self.pools.write.get().map_err(|e| e.to_string());
        let Some(id) = backend::claim_refund(&mut *write()?, now + LEASE, now).map_err(|e| e.to_string())? else {
            return Ok(0);
        };
        let Some(refund) = store::refund(&mut *write()?, &id).map_err(|e| e.to_string())? else { return Ok(1) };
        let order = tickets::find_by_id(&mut *write()?, &refund.ticket_id)
            .map_err(|e| e.to_string())?
            .and_then(|t| t.order_number)
            .unwrap_or_default();
        let answer = match self.payments.provider_named(&refund.provider) {
            Some(p) => p.refund(&order, &refund.refund_number, now),
            None => Err(CheckError::Failed("the refund's provider is no longer configured".into())),
        };
        let answer = match answer {
            Ok(ref a) if self.replayed(a.nonce.as_deref(), now)? => Err(CheckError::Unverified(REPLAYED.into())),
            other => other,
        };
        let now = crate::clock::now();
        let mut conn = write()?;
        let result = conn.transaction(|c| match &answer {
            Ok(a) => {
                let next = (!a.state.is_final()).then(|| now + self.refund_every);
                crate::ops::payments::refund_changed(c, &refund, a, next, &self.rules, now)
            }
            Err(e) => {
                tracing::info!(refund = %refund.id, error = %e, "refund check will be tried again");
                store::refund_retry(c, &refund.id, now + self.refund_every)
            }
        });
        result.map_err(|e| e.to_string())?;
        Ok(1)
    }

    /// Whether a signed answer was taken before, on this server or another:
    /// its nonce is remembered in the database (answers without one, as
    /// Alipay's, are judged by what they are about).
    fn replayed(&self, nonce: Option<&str>, now: NaiveDateTime) -> Result<bool, String> {
        let Some(nonce) = nonce else { return Ok(false) };
        let mut conn = self.pools.write.get().map_err(|e| e.to_string())?;
        Ok(!store::remember_nonce(&mut conn, nonce, now).map_err(|e| e.to_string())?)
    }

    fn provider_name(&self, t: &Ticket) -> &'static str {
        self.payments.provider_for(t.payment_method).map_or("none", |p| p.name())
    }

    /// Asks the provider, then the order system, about the ticket's payment.
    /// What was found, the refund number the order system named, if any,
    /// and the nonce the provider signed its answer with.
    fn check(&self, t: &Ticket, now: NaiveDateTime) -> Result<(Check, Option<String>, Option<String>), CheckError> {
        let number = t.order_number.as_deref().ok_or_else(|| CheckError::Failed("no order number".into()))?;
        let provider = self
            .payments
            .provider_for(t.payment_method)
            .ok_or_else(|| CheckError::Failed("no provider is configured for this payment method".into()))?;
        let answer = provider.query(number, now)?;
        // The order system knows the merchant's own order number, which the
        // provider's verified answer names (the customer may have given
        // WeChat's transaction id).
        let bill = match (&self.payments.orders, answer.order_number.as_deref()) {
            (Some(orders), Some(order)) => Some(orders.bill(order, crate::clock::now().and_utc().timestamp())?),
            _ => None,
        };
        let refund_number = bill.as_ref().and_then(|b| b.refund_number.clone());
        let nonce = answer.nonce.clone();
        let check = Check {
            state: answer.state,
            provider_state: answer.provider_state,
            provider_description: answer.description,
            amount_cents: answer.amount_cents,
            paid_at: answer.paid_at,
            bill_state: bill.map(|b| b.state),
            ..blank(t, provider.name(), now)
        };
        Ok((check, refund_number, nonce))
    }
}

fn blank(t: &Ticket, provider: &str, now: NaiveDateTime) -> Check {
    Check {
        id: new_id(),
        ticket_id: t.id.clone(),
        provider: provider.to_string(),
        state: crate::domain::codes::CheckState::Error,
        provider_state: String::new(),
        provider_description: String::new(),
        amount_cents: None,
        paid_at: None,
        bill_state: None,
        problem: String::new(),
        checked_at: now,
    }
}
