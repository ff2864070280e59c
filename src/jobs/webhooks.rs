//! The webhook worker, inside the server: turns recorded events into
//! deliveries, then sends what is due, one POST each, signed, with a
//! ten-second limit; a 2xx is delivered, anything else is tried again with
//! backoff and, after the last try, set aside for "send again" (the
//! outbox's rules, shared with email).

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::Duration;

use crate::db::outbox::{self, Message};
use crate::db::Pools;
use crate::webhooks;

const LEASE: Duration = Duration::seconds(120);
const BATCH: i64 = 10;

pub struct Worker {
    pub pools: Pools,
    pub public_url: String,
    pub allow_private: bool,
    pub poll: StdDuration,
    pub retry_base: Duration,
    pub max_attempts: i32,
}

/// A client for one delivery: the host pinned to the address that was
/// checked, no proxy, no redirects followed (a redirect to an internal address would
/// get round the check), ten seconds at most.
fn client(host: &str, address: std::net::SocketAddr) -> Result<reqwest::blocking::Client, String> {
    reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        // A proxy from the environment (HTTP(S)_PROXY, ALL_PROXY) would
        // resolve the name again, past the address checked and pinned here.
        .no_proxy()
        .timeout(StdDuration::from_secs(10))
        .user_agent("paydesk-webhooks/1")
        .resolve(host, address)
        .build()
        .map_err(|e| format!("no HTTP client: {e}"))
}

impl Worker {
    /// Runs until the process ends.
    pub async fn run(self: Arc<Self>, stop: super::Stop) {
        let poll = self.poll;
        super::repeat("webhooks", poll, stop, move || self.work().map(super::Round::Handled)).await
    }

    /// Queues new events' deliveries and sends what is due; how much it did.
    pub fn work(&self) -> Result<usize, String> {
        let write = || self.pools.write.get().map_err(|e| e.to_string());
        let queued =
            webhooks::fan_out(&mut *write()?, &self.public_url, 100, crate::clock::now()).map_err(|e| e.to_string())?;
        let batch =
            outbox::claim_webhooks(&mut *write()?, crate::clock::now(), LEASE, BATCH).map_err(|e| e.to_string())?;
        // Secrets and addresses are read now: an endpoint removed meanwhile
        // gets nothing.
        let endpoints: Vec<Option<webhooks::Webhook>> = {
            let mut conn = self.pools.read.get().map_err(|e| e.to_string())?;
            batch
                .iter()
                .map(|m| match &m.webhook_id {
                    Some(id) => webhooks::find(&mut conn, id).map_err(|e| e.to_string()),
                    None => Ok(None),
                })
                .collect::<Result<_, _>>()?
        };
        // Each delivery recorded as soon as it is answered: a server killed
        // mid-batch delivers again only the one it was sending (same
        // Paydesk-Delivery id, for the receiver to drop).
        for (m, w) in batch.iter().zip(&endpoints) {
            let outcome = self.deliver(m, w.as_ref());
            let now = crate::clock::now();
            let mut conn = write()?;
            match outcome {
                Ok(()) => outbox::mark_sent(&mut conn, &m.id, None, now),
                Err(e) => {
                    tracing::warn!(delivery = %m.id, attempt = m.attempts, error = %e, "webhook not delivered");
                    outbox::mark_failed(&mut conn, m, &e, now, self.max_attempts, self.retry_base)
                }
            }
            .map_err(|e| e.to_string())?;
        }
        Ok(queued + batch.len())
    }

    fn deliver(&self, m: &Message, endpoint: Option<&webhooks::Webhook>) -> Result<(), String> {
        let endpoint = endpoint.filter(|w| w.active).ok_or("the endpoint was removed or turned off")?;
        let body = m.payload.clone().ok_or("its body was removed with the ticket's personal data")?;
        // Resolved once, checked, and that address used: the name cannot
        // be pointed at an internal address between the check and the call.
        let (url, address) = webhooks::check_target(&endpoint.url, self.allow_private).map_err(|e| e.to_string())?;
        let event = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["type"].as_str().map(str::to_string))
            .unwrap_or_default();
        let timestamp = chrono::Utc::now().timestamp();
        let res = client(url.host_str().unwrap_or_default(), address)?
            .post(url)
            .header("Content-Type", "application/json")
            .header("Paydesk-Signature", webhooks::signature(&endpoint.secret, timestamp, &body))
            .header("Paydesk-Event", event)
            .header("Paydesk-Delivery", m.id.as_str())
            .body(body)
            .send()
            .map_err(|e| format!("no answer: {}", crate::payments::without_url(&e)))?;
        if res.status().is_success() {
            Ok(())
        } else {
            Err(format!("answered HTTP {}", res.status().as_u16()))
        }
    }
}
