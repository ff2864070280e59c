//! Sending SMS: claims due messages (`db::sms`), and for each, in order:
//! a number that asked to stop gets only what is essential; a non-urgent
//! message in quiet hours waits for the morning; the caps (per number, and
//! for everyone) may make it wait; then `sms::compose` fills its template,
//! the provider sends it, and the outcome is recorded — sent, tried again,
//! waited out, refused for good, or (no answer) left to its receipt.
//! Numbers and texts are never logged: only the message's id.
//!
//! [`Composer`] makes a queued SMS into what a provider sends: its template
//! code in the customer's language, the ticket's reference, and a fresh
//! short link (stored hashed, as every tracking link) — or the one-time
//! code it carries.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::Duration;

use crate::db::sms::{self, Sms};
use crate::db::tickets as store;
use crate::db::DbConn;
use crate::domain::codes::MailKind;
use crate::sms::templates::{self, Codes};
use crate::sms::{Outcome, Outgoing, Provider};

pub struct Worker {
    pub pools: crate::db::Pools,
    pub provider: Box<dyn Provider>,
    pub composer: Composer,
    pub quiet: Option<crate::domain::sms::QuietHours>,
    pub max_per_hour: i64,
    pub poll: StdDuration,
    pub retry_base: Duration,
    pub max_attempts: i32,
}

const LEASE: Duration = Duration::seconds(120);
const BATCH: i64 = 20;
/// How long the provider's flow control is waited out.
const FLOW_CONTROL_WAIT: Duration = Duration::minutes(10);

impl Worker {
    pub async fn run(self: Arc<Self>, stop: super::Stop) {
        let poll = self.poll;
        super::repeat("sms", poll, stop, move || self.send_due().map(super::Round::Handled)).await
    }

    /// Sends what is due; returns how many messages it handled.
    pub fn send_due(&self) -> Result<usize, String> {
        let write = || self.pools.write.get().map_err(|e| e.to_string());
        let batch = sms::claim(&mut *write()?, crate::clock::now(), LEASE, BATCH).map_err(|e| e.to_string())?;
        for m in &batch {
            self.handle(m)?;
        }
        Ok(batch.len())
    }

    /// One message. The writers' connection is not held while the provider
    /// answers.
    fn handle(&self, m: &Sms) -> Result<(), String> {
        let write = || self.pools.write.get().map_err(|e| e.to_string());
        let now = crate::clock::now();
        let e = |e: diesel::result::Error| e.to_string();
        let outgoing = {
            let mut conn = write()?;
            if m.phone.is_empty() {
                return sms::mark_refused(&mut conn, &m.id, "paydesk.ANONYMISED", "contact anonymised").map_err(e);
            }
            if !m.essential && sms::opted_out(&mut conn, &m.phone).map_err(e)? {
                return sms::mark_refused(&mut conn, &m.id, "paydesk.OPTED_OUT", "the customer answered TD").map_err(e);
            }
            if let Some(release) = self.quiet.filter(|_| !m.urgent && m.held_at.is_none()).and_then(|q| q.release(now))
            {
                return sms::defer(&mut conn, &m.id, release, Some(now)).map_err(e);
            }
            let sent = sms::sent_lately(&mut conn, &m.phone, now).map_err(e)?;
            if let Some(until) = crate::domain::sms::wait_for_cap(&sent, self.max_per_hour, now) {
                return sms::defer(&mut conn, &m.id, until, None).map_err(e);
            }
            match self.composer.compose(&mut conn, m) {
                Ok(o) => o,
                Err(why) => {
                    let backoff = crate::db::outbox::backoff(m.attempts, self.retry_base);
                    return sms::mark_failed(&mut conn, m, &why, now, self.max_attempts, backoff).map_err(e);
                }
            }
        };
        let outcome = self.provider.send(&outgoing);
        let now = crate::clock::now();
        let mut conn = write()?;
        match outcome {
            Outcome::Accepted { biz_id, file } => {
                sms::mark_sent(&mut conn, &m.id, biz_id.as_deref(), file.as_deref(), now).map_err(e)?
            }
            Outcome::Retry(why) => {
                tracing::warn!(sms = %m.id, attempt = m.attempts, error = %why, "SMS not sent");
                let backoff = crate::db::outbox::backoff(m.attempts, self.retry_base);
                sms::mark_failed(&mut conn, m, &why, now, self.max_attempts, backoff).map_err(e)?
            }
            Outcome::Defer(why) => {
                tracing::info!(sms = %m.id, reason = %why, "SMS waits for the provider's flow control");
                sms::defer(&mut conn, &m.id, now + FLOW_CONTROL_WAIT, None).map_err(e)?
            }
            Outcome::Refused { code, message } => {
                tracing::warn!(sms = %m.id, %code, "SMS refused by the provider");
                sms::mark_refused(&mut conn, &m.id, &code, &message).map_err(e)?
            }
            Outcome::Unsure(why) => {
                tracing::warn!(sms = %m.id, error = %why, "SMS sent with no answer: its receipt will tell");
                sms::mark_unsettled(&mut conn, &m.id, &why, now).map_err(e)?
            }
        }
        Ok(())
    }
}

pub struct Composer {
    pub public_url: String,
    pub templates: Codes,
}

impl Composer {
    /// A write: each SMS with a link mints its own.
    pub fn compose(&self, conn: &mut DbConn, m: &Sms) -> Result<Outgoing, String> {
        let ticket_id = m.ticket_id.as_deref().ok_or("no ticket")?;
        let ticket = store::find_by_id(conn, ticket_id).map_err(|e| e.to_string())?.ok_or("ticket gone")?;
        let text = templates::text(m.kind, m.language).ok_or_else(|| format!("no SMS template for {}", m.kind))?;
        let mut params = serde_json::Map::new();
        if m.kind == MailKind::FindCode {
            let code = m.params.clone().ok_or("code already sent")?;
            params.insert("code".into(), code.into());
        } else {
            let code = store::mint_short_link(conn, &ticket.id, crate::clock::now()).map_err(|e| e.to_string())?;
            params.insert("ref".into(), ticket.reference.clone().into());
            params.insert("code".into(), code.into());
        }
        Ok(Outgoing {
            id: m.id.clone(),
            phone: m.phone.clone(),
            template_code: self.templates.code(m.kind, m.language),
            text: templates::fill(text, &self.public_url, &params),
            params,
            extend_code: (!ticket.sms_extend_code.is_empty()).then(|| ticket.sms_extend_code.clone()),
        })
    }
}
