//! The time-driven work: every `every`, `ops::sweeps::run` resolves silent
//! self-service requests, sends old deductions to the provider, tells
//! supervisors of breaches and spikes, and purges what retention says —
//! on one server at a time: the one holding the `sweeper` lease
//! (`db::leases`). Every server looks every [`LOOK`] (or every sweep
//! interval, if shorter, but at least a second); the holder renews the
//! lease and sweeps when a sweep is due, and renews it again after; when
//! it dies, another takes the lease once it has run out ([`LEASE`]), within
//! a minute. The lease outlasts the longest sweep (retention works to a
//! ten-second budget), so two servers never sweep at once.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

use crate::db::leases;
use crate::ops::sweeps::{self, Limits};

/// How often every server looks at the lease.
pub const LOOK: StdDuration = StdDuration::from_secs(10);
/// How long a lease lasts unrenewed: a dead sweeper's work is taken up
/// after at most this plus one look.
pub const LEASE: StdDuration = StdDuration::from_secs(45);

/// Sweeps this server ran, and whether it holds the lease now (for
/// `/metrics`).
#[derive(Debug, Default)]
pub struct SweepStats {
    pub sweeps: AtomicU64,
    pub leading: AtomicBool,
}

pub struct Sweeper {
    pub pools: crate::db::Pools,
    pub limits: Limits,
    pub every: StdDuration,
    /// This server's name in `leases`.
    pub holder: String,
    /// When this server last swept.
    pub last: Mutex<Option<Instant>>,
    pub stats: Arc<SweepStats>,
}

impl Sweeper {
    /// Runs until the server drains: looks every [`LOOK`] (or `every`, if
    /// shorter), sweeping when it holds the lease and a sweep is due.
    pub async fn run(self: Arc<Self>, stop: super::Stop) {
        let look = self.every.clamp(StdDuration::from_secs(1), LOOK);
        super::repeat("sweeps", look, stop, move || self.round().map(|_| super::Round::Done)).await
    }

    /// One look: take or renew the lease; sweep if due.
    pub fn round(&self) -> Result<bool, String> {
        let now = crate::clock::now();
        let ttl = chrono::Duration::from_std(LEASE).unwrap_or(chrono::Duration::seconds(45));
        // Not leading until the lease says so (a failed look reports 0).
        self.stats.leading.store(false, Ordering::Relaxed);
        let mut conn = self.pools.write.get().map_err(|e| e.to_string())?;
        let held = leases::take(&mut conn, leases::SWEEPER, &self.holder, now, ttl).map_err(|e| e.to_string())?;
        drop(conn);
        self.stats.leading.store(held, Ordering::Relaxed);
        if !held {
            // Whoever sweeps next after taking over starts at once.
            *self.last.lock().unwrap_or_else(|e| e.into_inner()) = None;
            return Ok(false);
        }
        let due = self.last.lock().unwrap_or_else(|e| e.into_inner()).is_none_or(|t| t.elapsed() >= self.every);
        if !due {
            return Ok(false);
        }
        sweeps::run(&self.pools.write, &self.limits, now)?;
        // Rate-limit rows whose bucket is full again (PostgreSQL).
        let mut conn = self.pools.write.get().map_err(|e| e.to_string())?;
        crate::db::limits::prune(&mut conn).map_err(|e| e.to_string())?;
        leases::take(&mut conn, leases::SWEEPER, &self.holder, crate::clock::now(), ttl).map_err(|e| e.to_string())?;
        *self.last.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
        self.stats.sweeps.fetch_add(1, Ordering::Relaxed);
        Ok(true)
    }
}
