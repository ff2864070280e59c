//! What runs on its own, inside every server: each job claims its due work
//! with a lease (so several servers never do one thing twice, and a crashed
//! server's work is taken up after the lease), does it without holding a
//! database connection while it waits on the outside world, records the
//! outcome, and tries again with backoff.
//!
//! - `mail`: the outbox's email, composed by `mail::compose`;
//! - `webhooks`: webhook events fanned out to endpoints, signed and posted;
//! - `payments`: payment checks and refunds at the provider and order system;
//! - `inbound`: customers' and platforms' email read over IMAP;
//! - `sweeps`: the time-driven work (`ops::sweeps`).

pub mod inbound;
pub mod mail;
pub mod payments;
pub mod sweeps;
pub mod webhooks;
