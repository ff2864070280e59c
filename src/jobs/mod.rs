//! What runs on its own, inside every server: each job claims its due work
//! with a lease (so several servers never do one thing twice, and a crashed
//! server's work is taken up after the lease), does it without holding a
//! database connection while it waits on the outside world, records the
//! outcome, and tries again with backoff.
//!
//! - `mail`: the outbox's email, composed by `mail::compose`;
//! - `sms`: SMS to customers, composed by `sms::compose`;
//! - `webhooks`: webhook events fanned out to endpoints, signed and posted;
//! - `payments`: payment checks and refunds at the provider and order system;
//! - `inbound`: customers' and platforms' email read over IMAP;
//! - `sweeps`: the time-driven work (`ops::sweeps`).
//!
//! Queued work is claimed row by row, so every server helps with it; the
//! time-driven work (sweeps, the inbound mailbox) runs on the one server
//! holding its lease (`db::leases`). A draining server (`Stop`) finishes
//! the round it is in, starts no other, and lets its leases go.

pub mod inbound;
pub mod mail;
pub mod payments;
pub mod sms;
pub mod sweeps;
pub mod webhooks;

use std::time::Duration;

/// What a round of a job did.
pub enum Round {
    /// It handled this many items: with more than none, another round
    /// starts at once (a backlog drains without waiting).
    Handled(usize),
    /// It ran on a schedule: the next round waits, whatever it did.
    Done,
}

/// Tells the jobs the server is draining: each finishes its round and
/// ends (`Application::drain`).
#[derive(Clone)]
pub struct Stop(tokio::sync::watch::Receiver<bool>);

impl Stop {
    /// The signal, and what raises it.
    pub fn new() -> (tokio::sync::watch::Sender<bool>, Stop) {
        let (tx, rx) = tokio::sync::watch::channel(false);
        (tx, Stop(rx))
    }

    pub fn stopping(&self) -> bool {
        *self.0.borrow()
    }

    /// Waits `pause`, or less if the server starts draining; true when
    /// it is.
    pub async fn sleep(&mut self, pause: Duration) -> bool {
        if self.stopping() {
            return true;
        }
        tokio::select! {
            _ = tokio::time::sleep(pause) => self.stopping(),
            _ = self.0.changed() => true,
        }
    }
}

/// Runs `round` on the blocking pool until the server drains: again at
/// once while it finds work, else after `pause`. A failed round (the
/// database away, say) is logged and tried again after `pause`; nothing is
/// lost, as what it claimed comes back when its lease ends.
pub async fn repeat<F>(job: &'static str, pause: Duration, mut stop: Stop, round: F)
where
    F: Fn() -> Result<Round, String> + Send + Sync + 'static,
{
    let round = std::sync::Arc::new(round);
    while !stop.stopping() {
        let this = round.clone();
        match tokio::task::spawn_blocking(move || this()).await {
            Ok(Ok(Round::Handled(n))) if n > 0 => continue,
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(job, error = %e, "round failed"),
            Err(e) => tracing::error!(job, error = %e, "round panicked"),
        }
        if stop.sleep(pause).await {
            break;
        }
    }
}
