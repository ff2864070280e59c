//! Per-address rate limits on the doors anyone can knock on without an
//! account: filing (the form, the API, a customer's message), signing in,
//! and asking for a fresh link ("find my request").
//! Each sign-in costs an argon2 hash and each ticket a write, so a single
//! address must not be able to spend the server's time for everyone else.
//!
//! Limits are kept in memory, per server process (several servers behind a
//! balancer each allow the quota). They are generous on purpose: Chinese
//! mobile carriers put many customers behind one address.

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};

use actix_web::{HttpMessage, HttpRequest};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use crate::config::Config;
use crate::error::AppError;

type Limiter<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock, StateInformationMiddleware>;

/// One limit: so many requests a minute per key (an address, an API
/// token), all of them at once at most (the bucket refills evenly over the
/// minute).
pub struct Limit<K: Hash + Eq + Clone = IpAddr> {
    limiter: Option<Limiter<K>>,
    /// Requests a period (a minute, or an hour).
    quota: u32,
    /// The seconds the bucket takes to refill (60 for a per-minute quota).
    period_secs: u64,
    /// Checks since the table of keys was last pruned.
    checks: AtomicU32,
}

/// Where a key stands after a check, for the `RateLimit-*` headers
/// (draft-ietf-httpapi-ratelimit-headers): the quota, what is left of it,
/// and the seconds until it is whole again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateState {
    pub limit: u32,
    pub remaining: u32,
    pub reset_secs: u64,
}

/// Forget addresses that are back to a full bucket every so many checks, so
/// the table stays as small as the set of recent clients.
const PRUNE_EVERY: u32 = 4096;

impl<K: Hash + Eq + Clone> Limit<K> {
    /// `per_minute` 0: no limit.
    pub fn per_minute(per_minute: u32) -> Self {
        let limiter = NonZeroU32::new(per_minute)
            .map(|n| RateLimiter::dashmap(Quota::per_minute(n)).with_middleware::<StateInformationMiddleware>());
        Limit { limiter, quota: per_minute, period_secs: 60, checks: AtomicU32::new(0) }
    }

    /// `per_hour` 0: no limit. For what costs a person, not the server: an
    /// email sent to them.
    pub fn per_hour(per_hour: u32) -> Self {
        let limiter = NonZeroU32::new(per_hour)
            .map(|n| RateLimiter::dashmap(Quota::per_hour(n)).with_middleware::<StateInformationMiddleware>());
        Limit { limiter, quota: per_hour, period_secs: 3600, checks: AtomicU32::new(0) }
    }

    /// [`Limit::check`], leaving the key's state on the request, where the
    /// API's answer finds it for its `RateLimit-*` headers.
    pub fn check_request(&self, req: &HttpRequest, key: K) -> Result<(), AppError> {
        let result = self.check(key);
        let state = match &result {
            Ok(Some(state)) => Some(*state),
            Ok(None) => None,
            Err(AppError::TooManyAttempts { retry_after_secs }) => {
                Some(RateState { limit: self.quota, remaining: 0, reset_secs: *retry_after_secs as u64 })
            }
            Err(_) => None,
        };
        if let Some(state) = state {
            req.extensions_mut().insert(state);
        }
        result.map(|_| ())
    }

    /// Counts one request from `address`; too many: how long to wait.
    /// Counts one request for `key`; too many: how long to wait. Without a
    /// limit (0) there is no state to report.
    /// Whether `key` may spend `n` units now (spending them if so): a
    /// quota in bytes, say, rather than requests.
    pub fn check_n(&self, key: K, n: u32) -> bool {
        let Some(limiter) = &self.limiter else { return true };
        let Some(n) = NonZeroU32::new(n) else { return true };
        matches!(limiter.check_key_n(&key, n), Ok(Ok(_)))
    }

    pub fn check(&self, key: K) -> Result<Option<RateState>, AppError> {
        let Some(limiter) = &self.limiter else { return Ok(None) };
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            limiter.retain_recent();
        }
        match limiter.check_key(&key) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                // Each used request comes back after a minute / quota.
                let used = u64::from(self.quota.saturating_sub(remaining));
                let reset_secs = (used * self.period_secs).div_ceil(u64::from(self.quota));
                Ok(Some(RateState { limit: self.quota, remaining, reset_secs }))
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                // Round up: "try again in 0 seconds" would be a lie.
                Err(AppError::TooManyAttempts { retry_after_secs: wait.as_secs() as i64 + 1 })
            }
        }
    }
}

pub struct RateLimits {
    pub intake: Limit,
    pub sign_in: Limit,
    /// The staff API, per token (its hash: no token is kept in memory).
    pub api: Limit<String>,
    /// "Find my request": fresh links mailed for one request an hour
    /// (counted for right pairs only: the owner's inbox is not flooded).
    pub find: Limit<String>,
    /// "Find my request": wrong reference-and-email pairs, per asking
    /// address.
    pub find_misses: Failures,
    /// KiB of screenshots one address may leave as drafts an hour.
    pub draft_kib: Limit,
}

/// KiB of screenshot drafts one address may leave an hour: ten screenshots
/// at the largest size.
pub const DRAFT_KIB_PER_HOUR: u32 = 50 * 1024;

/// Fresh links one request may be mailed an hour.
pub const FIND_PER_HOUR: u32 = 3;

/// Wrong reference-and-email pairs one address may try at "find my
/// request" in an hour.
pub const FIND_MISSES_PER_HOUR: usize = 3;

/// Failures counted per key over a sliding window, only when they
/// happen, and asked about without counting: "find my request" counts an
/// asker's wrong guesses (never their right ones, and never against the
/// request they guessed at, so nobody can lock its owner out). governor's
/// limiters count every check, which is why this one is written here.
pub struct Failures<K: Hash + Eq + Clone = IpAddr> {
    max: usize,
    window: std::time::Duration,
    seen: std::sync::Mutex<std::collections::HashMap<K, Vec<std::time::Instant>>>,
}

impl<K: Hash + Eq + Clone> Failures<K> {
    pub fn new(max: usize, window: std::time::Duration) -> Self {
        Failures { max, window, seen: Default::default() }
    }

    /// `Some(seconds to wait)` while `key` has failed `max` times within
    /// the window.
    pub fn blocked(&self, key: &K) -> Option<u64> {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let times = seen.get(key)?;
        let recent: Vec<_> = times.iter().filter(|t| t.elapsed() < self.window).collect();
        if self.max == 0 || recent.len() < self.max {
            return None;
        }
        // Free again when the oldest of the last `max` failures leaves the
        // window.
        let oldest = recent[recent.len() - self.max];
        Some(self.window.saturating_sub(oldest.elapsed()).as_secs() + 1)
    }

    /// Counts one failure for `key`.
    pub fn failed(&self, key: K) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        // Keys whose failures have all left the window are dropped, so the
        // map holds only recent askers.
        if seen.len() >= PRUNE_EVERY as usize {
            let window = self.window;
            seen.retain(|_, times| times.iter().any(|t| t.elapsed() < window));
        }
        let times = seen.entry(key).or_default();
        times.retain(|t| t.elapsed() < self.window);
        times.push(std::time::Instant::now());
    }
}

impl RateLimits {
    pub fn new(config: &Config) -> Self {
        RateLimits {
            intake: Limit::per_minute(config.intake_per_minute),
            sign_in: Limit::per_minute(config.sign_in_per_minute),
            api: Limit::per_minute(config.api_per_minute),
            find: Limit::per_hour(FIND_PER_HOUR),
            find_misses: Failures::new(FIND_MISSES_PER_HOUR, std::time::Duration::from_secs(3600)),
            draft_kib: Limit::per_hour(DRAFT_KIB_PER_HOUR),
        }
    }
}

/// The client's address, as a rate-limit key. Behind a reverse proxy, the
/// header it sets (`--client-ip-header`, e.g. `X-Real-IP`) names the client;
/// otherwise the peer is the client. An IPv6 client is its /64: one
/// subscriber gets a whole /64 and could otherwise take a fresh address for
/// every request.
pub fn client_address(req: &HttpRequest, config: &Config) -> IpAddr {
    let from_header = config
        .client_ip_header
        .as_deref()
        .and_then(|name| req.headers().get(name))
        .and_then(|v| v.to_str().ok())
        // X-Forwarded-For lists hops; the last one was added by our proxy.
        .and_then(|v| v.rsplit(',').next())
        .and_then(|v| v.trim().parse::<IpAddr>().ok());
    let address =
        from_header.or_else(|| req.peer_addr().map(|a| a.ip())).unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    match address {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quota_is_per_address_and_says_how_long_to_wait() {
        let limit: Limit = Limit::per_minute(3);
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        for _ in 0..3 {
            assert!(limit.check(a).is_ok());
        }
        match limit.check(a) {
            Err(AppError::TooManyAttempts { retry_after_secs }) => assert!((1..=21).contains(&retry_after_secs)),
            other => panic!("expected a wait, got {other:?}"),
        }
        assert!(limit.check(b).is_ok(), "another address has its own quota");
    }

    #[test]
    fn failures_are_counted_only_when_they_happen_and_per_key() {
        let failures: Failures = Failures::new(3, std::time::Duration::from_secs(3600));
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        for _ in 0..10 {
            assert_eq!(failures.blocked(&a), None, "asking counts nothing");
        }
        for _ in 0..3 {
            assert_eq!(failures.blocked(&a), None);
            failures.failed(a);
        }
        let wait = failures.blocked(&a).expect("three failures: blocked");
        assert!((3500..=3601).contains(&wait), "{wait}");
        assert_eq!(failures.blocked(&b), None, "another asker is not");
        let short: Failures = Failures::new(1, std::time::Duration::from_millis(30));
        short.failed(a);
        assert!(short.blocked(&a).is_some());
        std::thread::sleep(std::time::Duration::from_millis(40));
        assert_eq!(short.blocked(&a), None, "failures leave the window");
    }

    #[test]
    fn zero_means_no_limit() {
        let limit: Limit = Limit::per_minute(0);
        for _ in 0..10_000 {
            assert!(limit.check("10.0.0.1".parse().unwrap()).is_ok());
        }
    }

    #[test]
    fn an_ipv6_client_is_its_slash_64_and_a_header_names_the_client_behind_a_proxy() {
        let mut config = Config::new("sqlite://x");
        let req = actix_web::test::TestRequest::default()
            .peer_addr("[2001:db8:1:2:aaaa:bbbb:cccc:dddd]:4000".parse().unwrap())
            .to_http_request();
        assert_eq!(client_address(&req, &config), "2001:db8:1:2::".parse::<IpAddr>().unwrap());
        config.client_ip_header = Some("X-Forwarded-For".into());
        let req = actix_web::test::TestRequest::default()
            .peer_addr("127.0.0.1:4000".parse().unwrap())
            .insert_header(("X-Forwarded-For", "198.51.100.7, 203.0.113.9"))
            .to_http_request();
        assert_eq!(client_address(&req, &config), "203.0.113.9".parse::<IpAddr>().unwrap());
        // Without the header the peer counts.
        let req = actix_web::test::TestRequest::default().peer_addr("192.0.2.1:1".parse().unwrap()).to_http_request();
        assert_eq!(client_address(&req, &config), "192.0.2.1".parse::<IpAddr>().unwrap());
    }
}
