//! The time-driven work: every `every`, `ops::sweeps::run` resolves silent
//! self-service requests, sends old deductions to the provider, tells
//! supervisors of breaches and spikes, and purges what retention says.
//! Each step takes the writers' connection for itself; on several servers
//! the steps' own locks and conditions keep them from doing a thing twice.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use crate::ops::sweeps::{self, Limits};

pub struct Sweeper {
    pub pools: crate::db::Pools,
    pub limits: Limits,
    pub every: StdDuration,
}

impl Sweeper {
    /// Runs until the process ends: one sweep at start, then one every
    /// `every`.
    pub async fn run(self: Arc<Self>) {
        let every = self.every;
        super::repeat("sweeps", every, move || {
            sweeps::run(&self.pools.write, &self.limits, crate::clock::now()).map(|_| super::Round::Done)
        })
        .await
    }
}
