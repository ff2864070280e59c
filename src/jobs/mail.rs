//! Sending email: claims due messages from the outbox, has `mail::compose`
//! make each into an email, sends them, and records each outcome (sent, or
//! failed and tried again with backoff until it is set aside). Several
//! servers on one database never send the same message at once: a claimed
//! message is leased (see `db::outbox::claim`).

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::Duration;

use crate::db::outbox;
use crate::domain::retention::redact_addresses;
use crate::mail::compose::Composer;
use crate::mail::Transport_;

pub struct Worker {
    pub pools: crate::db::Pools,
    pub transport: Transport_,
    pub composer: Composer,
    pub poll: StdDuration,
    pub retry_base: Duration,
    pub max_attempts: i32,
}

/// A worker holds a claimed message this long; a crashed worker's messages
/// are taken by another after it.
const LEASE: Duration = Duration::seconds(120);
const BATCH: i64 = 20;

impl Worker {
    /// Runs until the process ends.
    pub async fn run(self: Arc<Self>, stop: super::Stop) {
        let poll = self.poll;
        super::repeat("mail", poll, stop, move || self.send_due().map(super::Round::Handled)).await
    }

    /// Sends what is due; returns how many messages it handled.
    /// The writers' connection is taken to claim and prepare the batch, and
    /// after each message to record it — never held while sending, so mail
    /// neither holds up nor queues behind intake for long. Recording each
    /// message as soon as it went means a server killed mid-batch sends
    /// again (when its claim runs out) at most the one message it was
    /// sending, with the same Message-ID (issue 31).
    pub fn send_due(&self) -> Result<usize, String> {
        let write = || self.pools.write.get().map_err(|e| e.to_string());
        let batch = outbox::claim(&mut *write()?, crate::clock::now(), LEASE, BATCH).map_err(|e| e.to_string())?;
        if batch.is_empty() {
            return Ok(0);
        }
        // Preparing mints each customer's tracking link, a write.
        let prepared: Vec<_> = {
            let mut conn = write()?;
            batch.iter().map(|m| self.composer.compose(&mut conn, m)).collect()
        };
        for (m, msg) in batch.iter().zip(prepared) {
            let outcome = msg.and_then(|msg| self.transport.send(&msg));
            let now = crate::clock::now();
            let mut conn = write()?;
            match outcome {
                Ok(file) => outbox::mark_sent(&mut conn, &m.id, file.as_deref(), now),
                Err(e) => {
                    // Recipients are personal data: log the message, not
                    // them, and not an error quoting one.
                    let e = redact_addresses(&e);
                    tracing::warn!(message = %m.message_id, attempt = m.attempts, error = %e, "email not sent");
                    outbox::mark_failed(&mut conn, m, &e, now, self.max_attempts, self.retry_base)
                }
            }
            .map_err(|e| e.to_string())?;
        }
        Ok(batch.len())
    }
}
